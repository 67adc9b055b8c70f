"""Entry guidance tests. Expected values follow from the Apollo final-phase equations (hand-computed here) and
from kinematics (minimum slew time under rate/acceleration limits), not from the code's output."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsedl.errors import MarsEDLError
from marsedl.guidance.entry import (
    HEADING_ALIGNMENT,
    PRE_BANK,
    RANGE_CONTROL,
    EntryGuidanceParams,
    ReferenceTrajectory,
    entry_bank_command,
    heading_alignment_bank,
    lateral_logic,
    predicted_range_m,
    range_control_bank,
    rate_limited_bank,
)

V = np.linspace(1000.0, 6000.0, 11)
F1, F2, F3 = -2000.0, 100.0, 3.0e5  # m/(m/s^2), s, m: signs as in Apollo (more drag -> less range)
REF = ReferenceTrajectory(
    speed_m_s=V,
    range_to_go_m=20.0 * (V - 900.0),
    drag_m_s2=np.full(V.size, 50.0),
    altitude_rate_m_s=np.full(V.size, -50.0),
    f1=np.full(V.size, F1),
    f2=np.full(V.size, F2),
    f3=np.full(V.size, F3),
    lod_vertical_ref=0.16,
)
PARAMS = EntryGuidanceParams(lod=0.24, k3=4.0)
REF_BANK = math.acos(0.16 / 0.24)  # 48.19 deg


def _state(v=3000.0, dr=0.0, dd=0.0, dh=0.0):
    r_ref, d_ref, h_ref, *_ = REF.at(v)
    return v, d_ref + dd, h_ref + dh, r_ref + dr


def test_zero_error_gives_reference_bank():
    v, d, h, r = _state()
    assert range_control_bank(v, d, h, r, REF, PARAMS) == pytest.approx(REF_BANK)
    assert predicted_range_m(v, d, h, REF) == pytest.approx(r)


def test_hand_computed_command():
    # +3 km to go beyond prediction: (L/D)_vc = 0.16 + 4 * 3000 / 3e5 = 0.20 -> acos(0.20 / 0.24) = 33.56 deg
    v, d, h, r = _state(dr=3000.0)
    assert math.degrees(range_control_bank(v, d, h, r, REF, PARAMS)) == pytest.approx(33.557, abs=1e-3)
    # 1 m/s^2 more drag than reference predicts F1 = -2000 m less range: same as +2 km to go
    v, d, h, r = _state(dd=1.0)
    expected = math.acos((0.16 + 4 * 2000.0 / 3e5) / 0.24)
    assert range_control_bank(v, d, h, r, REF, PARAMS) == pytest.approx(expected)


def test_moves_the_right_way():
    v, d, h, r = _state()
    base = range_control_bank(v, d, h, r, REF, PARAMS)
    # more range to go than predicted -> more lift up -> smaller |bank|
    assert range_control_bank(v, d, h, r + 1000.0, REF, PARAMS) < base
    assert range_control_bank(v, d, h, r - 1000.0, REF, PARAMS) > base
    # more drag than reference -> falls short -> lift up
    assert range_control_bank(v, d + 2.0, h, r, REF, PARAMS) < base
    # descending faster than reference (hdot more negative, F2 > 0) -> falls short -> lift up
    assert range_control_bank(v, d, h - 10.0, r, REF, PARAMS) < base


def test_bank_magnitude_saturates():
    v, d, h, r = _state()
    dr = np.array([1e6, -1e6])
    np.testing.assert_allclose(range_control_bank(v, d, h, r + dr, REF, PARAMS), [0.0, math.pi])
    limited = EntryGuidanceParams(lod=0.24, min_bank_deg=15.0, max_bank_deg=150.0)
    np.testing.assert_allclose(
        np.degrees(range_control_bank(v, d, h, r + dr, REF, limited)), [15.0, 150.0]
    )


def test_vectorised_over_cases_with_per_case_params():
    v, d, h, r = _state()
    params = EntryGuidanceParams(lod=np.array([0.24, 0.24, 0.20]), k3=np.array([4.0, 2.0, 4.0]))
    got = range_control_bank(np.full(3, v), np.full(3, d), np.full(3, h), np.full(3, r + 3000.0), REF, params)
    expected = [math.acos(0.20 / 0.24), math.acos(0.18 / 0.24), math.acos(1.0)]
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_lateral_logic_flips_outside_corridor_only():
    # corridor at 3000 m/s: 1.5e-4 + 1.6e-10 * 3000^2 = 1.59e-3 rad
    xr = np.array([2.0e-3, -2.0e-3, 1.0e-3, -1.0e-3, 2.0e-3])
    sign = np.array([-1, -1, -1, 1, 1])
    got = lateral_logic(3000.0, xr, sign, PARAMS)
    assert got.tolist() == [1, -1, -1, 1, 1]
    # the corridor narrows with speed: the same 1e-3 rad is outside at 1500 m/s (width 5.1e-4)
    assert lateral_logic(1500.0, 1.0e-3, -1, PARAMS) == 1


def test_heading_alignment_limited_to_30_deg():
    b = heading_alignment_bank(np.array([0.01, -0.01, 0.5, -0.5, 2 * math.pi + 0.01]), PARAMS)
    np.testing.assert_allclose(b, [0.1, -0.1, math.radians(30), -math.radians(30), 0.1], atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(
    bank=st.floats(-math.pi, math.pi),
    rate_deg=st.floats(-20.0, 20.0),
    cmd=st.floats(-math.pi, math.pi),
    dt=st.floats(0.005, 1.0),
)
def test_rate_limiter_never_exceeds_limits(bank, rate_deg, cmd, dt):
    rate = math.radians(rate_deg)
    b1, r1 = rate_limited_bank(bank, rate, cmd, dt, PARAMS)
    assert abs(r1) <= math.radians(20.0) + 1e-12
    assert abs(r1 - rate) <= math.radians(5.0) * dt + 1e-12
    assert abs(b1 - bank) <= math.radians(20.0) * dt + 1e-12


def test_reversal_time_matches_bang_coast_bang_minimum():
    # 120 deg reversal with 20 deg/s and 5 deg/s^2: 4 s accelerating (40 deg), 2 s coasting (40 deg),
    # 4 s braking (40 deg) = 10 s minimum; it passes through 0 (lift up) and does not overshoot.
    dt = 0.02
    bank, rate = np.radians([60.0, 60.0]), np.zeros(2)
    cmd = np.radians([-60.0, 60.0])
    history = []
    for _ in range(int(12.0 / dt)):
        bank, rate = rate_limited_bank(bank, rate, cmd, dt, PARAMS)
        history.append(bank.copy())
    h = np.degrees(np.array(history))
    t_reach = (np.argmax(np.abs(h[:, 0] + 60.0) < 0.5) + 1) * dt
    # the last 0.5 deg of braking alone takes sqrt(2 * 0.5 / 5) = 0.45 s: earliest 9.55 s (minus a step)
    assert 9.5 <= t_reach <= 11.0
    assert h[:, 0].min() >= -60.01  # no overshoot
    assert np.all(np.abs(h[:, 0]) <= 60.0 + 0.5)  # the path goes through 0, never via 180
    np.testing.assert_allclose(h[:, 1], 60.0)  # already at the command: stays
    t_exact = (np.argmax(np.abs(h[:, 0] + 60.0) < 1e-6) + 1) * dt
    assert t_exact == pytest.approx(10.0, abs=2 * dt)


def test_entry_bank_command_phases():
    v = np.array([5500.0, 5500.0, 3000.0, 900.0])
    r_ref, d_ref, h_ref, *_ = REF.at(v)
    drag = np.array([0.5, 2.5, d_ref[2], 10.0])
    started = np.array([False, False, True, True])
    cmd = entry_bank_command(
        v, drag, h_ref, r_ref, crossrange=np.zeros(4), heading_error_rad=np.array([0, 0, 0, -0.02]),
        bank_sign=np.array([1, -1, 1, 1]), guidance_started=started, ref=REF, params=PARAMS,
    )
    assert cmd.phase.tolist() == [PRE_BANK, RANGE_CONTROL, RANGE_CONTROL, HEADING_ALIGNMENT]
    assert cmd.guidance_started.tolist() == [False, True, True, True]  # 2.5 m/s^2 > 0.2 g starts it
    assert cmd.bank_rad[0] == pytest.approx(REF_BANK)  # pre-bank flies the reference bank
    assert cmd.bank_rad[2] == pytest.approx(REF_BANK)  # on the reference: reference bank
    assert cmd.bank_rad[1] < 0  # sign kept inside the corridor
    assert cmd.bank_rad[3] == pytest.approx(-0.2)  # heading alignment: 10 x -0.02 rad


def test_reference_trajectory_validation_and_sorting():
    ref = ReferenceTrajectory.from_history(V[::-1], REF.range_to_go_m[::-1], REF.drag_m_s2, REF.altitude_rate_m_s,
                                          REF.f1, REF.f2, REF.f3, 0.16)
    np.testing.assert_allclose(ref.speed_m_s, V)
    np.testing.assert_allclose(ref.range_to_go_m, REF.range_to_go_m)
    with pytest.raises(MarsEDLError):
        ReferenceTrajectory(V[::-1], V, V, V, V, V, V, 0.1)
    with pytest.raises(MarsEDLError):
        ReferenceTrajectory(V, V, V, V, V, V, -V, 0.1)
    with pytest.raises(MarsEDLError):
        ReferenceTrajectory(V, V, V, V, V, V, 0 * V, 0.1)
    with pytest.raises(MarsEDLError):
        EntryGuidanceParams(lod=-0.1)
    with pytest.raises(MarsEDLError):
        EntryGuidanceParams(min_bank_deg=30.0, max_bank_deg=20.0)
