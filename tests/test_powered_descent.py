"""The powered descent's phases (issue #10 items 4 and 5): the approach to its gate, the constant-velocity descent,
the constant deceleration to the sky-crane start, and the backshell avoidance divert.

The gates are the preset's inputs (``[sequence]``); these tests check that the guidance delivers the vehicle to
each of them, and that the divert it flies keeps the rover clear of the falling backshell and parachute.
"""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.errors import MarsEDLError
from marsedl.flight import simulate
from marsedl.laws import constant_deceleration
from marsedl.planet import surface_distance_bearing
from marsedl.scenario import load_mission


@pytest.fixture(scope="module")
def m2020():
    return simulate("mars2020", record=False)


@pytest.fixture(scope="module")
def seq():
    return load_mission("mars2020").sequence


def _event(result, name):
    return next(e for e in result.events if e.name == name)


def test_each_phase_starts_at_its_gate(m2020, seq):
    """Events located inside the step: heights to 0.5 m; the approach's rate at its gate to 1 m/s (E-guidance
    meets the gate's velocity only as its time to go reaches its floor), the held rates to 0.2 m/s."""
    cv = _event(m2020, "constant_velocity_start")
    cd = _event(m2020, "constant_deceleration_start")
    sc = _event(m2020, "sky_crane_start")
    assert cv.altitude_agl_m == pytest.approx(seq.approach_gate_altitude_agl_m, abs=0.5)
    assert cv.speed_m_s == pytest.approx(seq.approach_gate_speed_m_s, abs=1.0)
    assert cd.altitude_agl_m == pytest.approx(seq.constant_deceleration_altitude_agl_m, abs=0.5)
    assert cd.speed_m_s == pytest.approx(seq.approach_gate_speed_m_s, abs=0.2)
    assert sc.altitude_agl_m == pytest.approx(seq.sky_crane_altitude_agl_m, abs=0.5)
    assert sc.speed_m_s == pytest.approx(seq.sky_crane_speed_m_s, abs=0.2)
    # durations of the vertical phases from kinematics: the constant velocity's height over its rate, and the
    # uniform deceleration's (v0 - v1) / a (tolerance: the velocity loop's 0.5 s time constant lags the profile)
    v0, h0, h1 = seq.approach_gate_speed_m_s, seq.constant_deceleration_altitude_agl_m, seq.sky_crane_altitude_agl_m
    assert cd.time_s - cv.time_s == pytest.approx((seq.approach_gate_altitude_agl_m - h0) / v0, abs=0.2)
    a = constant_deceleration(v0, seq.sky_crane_speed_m_s, h0, h1)
    assert sc.time_s - cd.time_s == pytest.approx((v0 - seq.sky_crane_speed_m_s) / a, abs=0.6)


def _divert_and_backshell(overrides):
    r = simulate("mars2020", overrides=overrides, record=False)
    pd = _event(r, "powered_descent_start")
    site_r = load_mission("mars2020").site.areoid_radius_m
    divert, _ = surface_distance_bearing(np.radians(pd.lat_deg), np.radians(pd.lon_deg),
                                         np.radians(r.touchdown.lat_deg), np.radians(r.touchdown.lon_deg), site_r)
    backshell = next(i for i in r.impacts if i.body == "backshell")
    return float(divert), backshell.distance_from_rover_m


def test_with_no_divert_to_a_target_the_backshell_avoidance_keeps_the_backshell_clear(seq):
    """Sell et al. 2013: MSL's powered approach flew a 300 m divert to avoid the backshell and parachute. With no
    divert towards the target the rover lands that far from below the powered descent start (to 10 %: the
    vehicle keeps moving over the ground during the approach's first seconds), and the backshell well clear
    of it; without the manoeuvre the backshell comes down within 100 m of the rover (issue #10: tens of metres)."""
    divert, backshell = _divert_and_backshell(["sequence.divert_limit_m=0"])
    assert divert == pytest.approx(seq.backshell_avoidance_m, rel=0.10)
    assert backshell > 250.0
    _, backshell_without = _divert_and_backshell(["sequence.divert_limit_m=0", "sequence.backshell_avoidance_m=0"])
    assert backshell_without < 100.0


@pytest.mark.parametrize("field, value", [("constant_deceleration_altitude_agl_m", 10.0),
                                          ("approach_gate_altitude_agl_m", 50.0),
                                          ("approach_gate_speed_m_s", 0.5)])
def test_gates_out_of_order_are_refused(field, value):
    with pytest.raises(MarsEDLError, match="approach_gate|constant_deceleration"):
        simulate("mars2020", overrides=[f"sequence.{field}={value}"], record=False)
