"""Powered descent tests: E-guidance meets both ends (analytic and closed loop), the sky crane holds
0.75 m/s, throttle limits."""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.errors import MarsEDLError
from marsedl.guidance.powered import (
    clip_thrust_vector,
    eguidance_acceleration,
    eguidance_coefficients,
    propellant_mass_flow_kg_s,
    sky_crane_acceleration,
    throttle_limits,
    time_to_go,
)

G_MARS = np.array([0.0, 0.0, -3.71])  # NASA NSSDC Mars Fact Sheet surface gravity
R0 = np.array([400.0, -150.0, 1500.0])
V0 = np.array([-20.0, 5.0, -75.0])
RF = np.array([0.0, 0.0, 20.0])  # sky crane starts ~20 m above ground (press kit)
VF = np.array([0.0, 0.0, -0.75])


def test_closed_form_profile_meets_both_ends_exactly():
    # a(t) = c0 + c1 t integrated analytically:
    # r(T) = r + v T + c0 T^2/2 + c1 T^3/6, v(T) = v + c0 T + c1 T^2/2
    T = 30.0
    c0, c1 = eguidance_coefficients(R0, V0, RF, VF, T)
    np.testing.assert_allclose(R0 + V0 * T + c0 * T**2 / 2 + c1 * T**3 / 6, RF, atol=1e-9)
    np.testing.assert_allclose(V0 + c0 * T + c1 * T**2 / 2, VF, atol=1e-9)
    # thrust command is the total acceleration minus gravity
    np.testing.assert_allclose(eguidance_acceleration(R0, V0, RF, VF, T, G_MARS), c0 - G_MARS)


def test_eguidance_is_vectorised_over_cases():
    r = np.stack([R0, R0 * 0.5])
    a = eguidance_acceleration(r, V0, RF, VF, np.array([30.0, 20.0]), G_MARS)
    assert a.shape == (2, 3)
    np.testing.assert_allclose(a[1], eguidance_acceleration(R0 * 0.5, V0, RF, VF, 20.0, G_MARS))


def _fly(recompute_t_go: bool):
    dt = 0.01
    t_go = float(time_to_go(R0, V0, RF, VF))
    r, v = R0.copy(), V0.copy()

    def accel(r, v, T):
        return eguidance_acceleration(r, v, RF, VF, T, G_MARS) + G_MARS

    for _ in range(10_000):
        if t_go <= 1.5 * dt:
            break
        # RK4 with the command recomputed at every stage
        k1v = accel(r, v, t_go)
        k1r = v
        k2v = accel(r + 0.5 * dt * k1r, v + 0.5 * dt * k1v, t_go - 0.5 * dt)
        k2r = v + 0.5 * dt * k1v
        k3v = accel(r + 0.5 * dt * k2r, v + 0.5 * dt * k2v, t_go - 0.5 * dt)
        k3r = v + 0.5 * dt * k2v
        k4v = accel(r + dt * k3r, v + dt * k3v, t_go - dt)
        k4r = v + dt * k3v
        r = r + dt / 6 * (k1r + 2 * k2r + 2 * k3r + k4r)
        v = v + dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
        t_go = float(time_to_go(r, v, RF, VF, t_min_s=1e-3)) if recompute_t_go else t_go - dt
    # last short step with the acceleration held (exact for constant acceleration)
    a = accel(r, v, t_go)
    return r + v * t_go + 0.5 * a * t_go**2, v + a * t_go


@pytest.mark.parametrize("recompute_t_go", [False, True])
def test_closed_loop_eguidance_reaches_target(recompute_t_go):
    r, v = _fly(recompute_t_go)
    assert np.linalg.norm(r - RF) < 0.05
    assert np.linalg.norm(v - VF) < 0.05


def test_time_to_go_vertical_channel():
    # constant deceleration from 80 m/s down to 0 over 400 m takes 2*400/80 = 10 s
    assert time_to_go([0, 0, 420.0], [0, 0, -80.0], [0, 0, 20.0], [0, 0, 0.0]) == pytest.approx(10.0)
    # climbing away from a target below: no positive time -> t_max
    assert time_to_go([0, 0, 420.0], [0, 0, 5.0], [0, 0, 20.0], [0, 0, 0.0], t_max_s=99.0) == 99.0
    # with this T the vertical acceleration is constant (c1 . up == 0)
    T = time_to_go(R0, V0, RF, VF)
    _, c1 = eguidance_coefficients(R0, V0, RF, VF, T)
    assert abs(c1[2]) < 1e-12


def test_sky_crane_converges_to_descent_rate():
    dt, v = 0.01, np.array([[0.6, -0.3, -3.0], [0.0, 0.0, 0.0]])
    for _ in range(600):
        v = v + dt * (sky_crane_acceleration(v, G_MARS) + G_MARS)
    np.testing.assert_allclose(v, np.tile([0.0, 0.0, -0.75], (2, 1)), atol=1e-3)


def test_sky_crane_hover_term_balances_gravity():
    # at the target velocity the commanded thrust acceleration is exactly -g
    np.testing.assert_allclose(sky_crane_acceleration([0.0, 0.0, -0.75], G_MARS), -G_MARS)


def test_throttle_limits_and_thrust_vector():
    # 8 x MR-80B, 31-3600 N each (Dawson 2007): 248 N to 28.8 kN total
    np.testing.assert_allclose(throttle_limits([0.0, 1e4, 1e5]), [248.0, 1e4, 28_800.0])
    f = clip_thrust_vector(np.array([[3e4, 0.0, 4e4], [0.0, 0.0, 0.0], [0.0, 100.0, 0.0]]))
    np.testing.assert_allclose(np.linalg.norm(f, axis=-1), [28_800.0, 248.0, 248.0])
    np.testing.assert_allclose(f[0] / 28_800.0, [0.6, 0.0, 0.8])
    np.testing.assert_allclose(f[1], [0.0, 0.0, 248.0])  # zero command: minimum thrust, up
    np.testing.assert_allclose(f[2], [0.0, 248.0, 0.0])


def test_mass_flow_and_bad_inputs():
    assert propellant_mass_flow_kg_s(9.80665 * 220.0) == pytest.approx(1.0)
    with pytest.raises(MarsEDLError):
        eguidance_acceleration(R0, V0, RF, VF, 0.0, G_MARS)
    with pytest.raises(MarsEDLError):
        eguidance_acceleration(R0[:2], V0, RF, VF, 10.0, G_MARS)
