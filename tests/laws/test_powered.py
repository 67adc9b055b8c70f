"""The powered descent's constant deceleration (marsedl.laws.powered) against uniform-deceleration kinematics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from marsedl.laws import constant_deceleration, constant_deceleration_sink_rate


def test_the_deceleration_is_the_uniform_one_between_the_gates():
    # 20 m/s at 60 m to 0.75 m/s at 20 m: v0² - v1² = 2 a Δh
    a = constant_deceleration(20.0, 0.75, 60.0, 20.0)
    assert a == pytest.approx((400.0 - 0.5625) / 80.0)


def test_flying_the_sink_rate_profile_takes_the_uniform_deceleration_time():
    """Descending at the profile's sink rate from 60 m to 20 m takes (v0 - v1) / a, the time of a uniform
    deceleration (independent truth: dh/dt = -s(h) integrated by SciPy), and meets both gates' rates."""
    v0, v1, h0, h1 = 20.0, 0.75, 60.0, 20.0
    a = constant_deceleration(v0, v1, h0, h1)
    assert constant_deceleration_sink_rate(h0, h1, v1, a) == pytest.approx(v0)
    assert constant_deceleration_sink_rate(h1, h1, v1, a) == pytest.approx(v1)
    assert constant_deceleration_sink_rate(h1 - 5.0, h1, v1, a) == pytest.approx(v1)  # below the end: its rate

    def reach(t, y):
        return y[0] - h1
    reach.terminal = True
    sol = solve_ivp(lambda t, y: [-constant_deceleration_sink_rate(y[0], h1, v1, a)], (0.0, 60.0), [h0],
                    events=reach, rtol=1e-10, atol=1e-10)
    assert sol.t_events[0][0] == pytest.approx((v0 - v1) / a, rel=1e-6)


def test_the_python_form_runs_over_arrays():
    h = np.array([60.0, 40.0, 20.0])
    s = constant_deceleration_sink_rate.py_func(h, 20.0, 0.75, 5.0)
    assert s == pytest.approx(np.sqrt(0.5625 + 10.0 * (h - 20.0)))
