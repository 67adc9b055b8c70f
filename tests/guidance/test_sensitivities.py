"""The Apollo adjoint sensitivities against brute-force finite differences of the same planar equations.

Independent truth: re-flying the planar entry from a perturbed state (drag via altitude, altitude rate via
flight-path angle, vertical L/D for the rest of the flight) and differencing the range flown to the final
speed. The adjoint is a different computation (a linear ODE integrated backwards along the tables)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from marsedl.errors import MarsEDLError
from marsedl.guidance.entry import reference_sensitivities

R_MARS = 3389.5e3  # m, NSSDC mean radius
G = 3.71  # m/s^2, NSSDC surface gravity
H = 10.0e3  # m, exponential-atmosphere scale height (test model)
RHO0 = 0.02  # kg/m^3 at h = 0 (test model)
BETA = 145.0  # kg/m^2, MSL-class (reference: beta ~ 140)
LODV = 0.16  # vertical L/D of the reference (0.24 at ~48 deg bank)
V_FINAL = 450.0  # m/s, a deploy-class speed


def _rhs(_t, y, lodv):
    h, v, gam, _s = y
    d = RHO0 * math.exp(-h / H) * v * v / (2 * BETA)
    r = R_MARS + h
    return [
        v * math.sin(gam),
        -d - G * math.sin(gam),
        lodv * d / v - (G / v - v / r) * math.cos(gam),
        v * math.cos(gam),
    ]


def _stop(_t, y, _lodv):
    return y[1] - V_FINAL


_stop.terminal = True
_stop.direction = -1


def _fly(y0, lodv=LODV, dense=False):
    return solve_ivp(_rhs, (0.0, 2000.0), y0, args=(lodv,), events=_stop, rtol=1e-11, atol=1e-9,
                     dense_output=dense, method="DOP853")


def _range_from(y0, lodv=LODV):
    sol = _fly(y0, lodv)
    return sol.y_events[0][0][3] - y0[3]


@pytest.fixture(scope="module")
def reference():
    sol = _fly([125e3, 5500.0, math.radians(-15.5), 0.0], dense=True)
    t = np.linspace(0.0, sol.t_events[0][0], 600)
    h, v, gam, s = sol.sol(t)
    # speed is an independent variable only once the vehicle decelerates (after the speed peak near EI)
    keep = np.arange(t.size) > np.argmax(v)
    t, h, v, gam, s = t[keep], h[keep], v[keep], gam[keep], s[keep]
    d = RHO0 * np.exp(-h / H) * v**2 / (2 * BETA)
    return sol, t, h, v, gam, s, d


def test_adjoint_matches_finite_differences(reference):
    sol, t, h, v, gam, s, d = reference
    f1, f2, f3 = reference_sensitivities(
        v, d, v * np.sin(gam), LODV, scale_height_m=H, gravity_m_s2=G, radius_m=R_MARS + h
    )
    assert np.all(f1[v > 600] < 0) and np.all(f2[v > 600] > 0) and np.all(f3[v > 600] > 0)  # Apollo signs
    for v_star in (4000.0, 2500.0, 1200.0):
        i = int(np.argmin(np.abs(v - v_star)))
        y = sol.sol(t[i])
        hh, vv, gg, ss = y
        dd = RHO0 * math.exp(-hh / H) * vv**2 / (2 * BETA)
        # F1: a drag change at fixed V is an altitude change, D' = D exp(-(h' - h)/H)
        e = 0.005 * dd
        rp = _range_from([hh - H * math.log1p(e / dd), vv, gg, ss])
        rm = _range_from([hh - H * math.log1p(-e / dd), vv, gg, ss])
        f1_fd = (rp - rm) / (2 * e)
        # F2: an altitude-rate change at fixed V is a flight-path-angle change
        e2 = 0.5
        hdot = vv * math.sin(gg)
        rp = _range_from([hh, vv, math.asin((hdot + e2) / vv), ss])
        rm = _range_from([hh, vv, math.asin((hdot - e2) / vv), ss])
        f2_fd = (rp - rm) / (2 * e2)
        # F3: vertical L/D changed for the rest of the flight
        e3 = 0.005
        f3_fd = (_range_from(list(y), LODV + e3) - _range_from(list(y), LODV - e3)) / (2 * e3)
        assert f1[i] == pytest.approx(f1_fd, rel=5e-3), v_star
        assert f2[i] == pytest.approx(f2_fd, rel=5e-3), v_star
        assert f3[i] == pytest.approx(f3_fd, rel=5e-3), v_star


def test_sensitivities_vanish_at_the_final_speed(reference):
    _, _, h, v, gam, _, d = reference
    f1, f2, f3 = reference_sensitivities(v, d, v * np.sin(gam), LODV, scale_height_m=H, gravity_m_s2=G)
    j = int(np.argmin(v))
    assert f1[j] == 0.0 and f2[j] == 0.0 and f3[j] == 0.0


def test_bad_reference_is_a_user_error():
    with pytest.raises(MarsEDLError):
        reference_sensitivities([1000.0, 1000.0], [10.0, 10.0], [-10.0, -10.0], 0.16)
    with pytest.raises(MarsEDLError):
        reference_sensitivities([1000.0, 2000.0], [10.0, -1.0], [-10.0, -10.0], 0.16)
