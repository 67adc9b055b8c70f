"""Trigger tests: truth tables from the documented deploy logic (Dutta & Way 2017 range trigger with a
Mach/q box; MSL velocity trigger), and the event-function contract trigger == (g <= 0)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsedl.errors import MarsEDLError
from marsedl.guidance.triggers import (
    altitude_trigger,
    altitude_trigger_g,
    heat_shield_separation,
    range_trigger,
    range_trigger_g,
    sufr_trigger,
    sufr_trigger_g,
    velocity_trigger,
    velocity_trigger_g,
)


def test_velocity_trigger_at_and_below_threshold():
    speed = np.array([500.0, 450.0, 449.0])
    assert velocity_trigger(speed, 450.0).tolist() == [False, True, True]
    assert np.all(np.diff(velocity_trigger_g(speed, 450.0)) < 0)  # falls as speed falls
    assert velocity_trigger_g(450.0, 450.0) == 0.0


def test_range_trigger_truth_table():
    thr = 10_000.0
    cases = [
        # range_m, mach, q_pa, expected, why
        (9_000.0, 1.8, 500.0, True, "range reached inside the box"),
        (11_000.0, 1.8, 500.0, False, "inside the box, range not reached"),
        (9_000.0, 2.5, 500.0, False, "range reached early: wait for Mach to fall into the box"),
        (9_000.0, 2.2, 500.0, True, "upper Mach edge reached with range already reached"),
        (50_000.0, 1.39, 500.0, True, "low-Mach edge reached first: fallback deploy"),
        (50_000.0, 1.39, 900.0, True, "fallback deploy ignores q"),
        (9_000.0, 1.8, 850.0, False, "q above the box"),
        (9_000.0, 1.8, 250.0, False, "q below the box"),
        (-500.0, 1.6, 400.0, True, "target overflown: range negative"),
    ]
    r, m, q, expected, _ = (np.array(c) for c in zip(*cases, strict=True))
    got = range_trigger(r.astype(float), thr, m.astype(float), q.astype(float))
    assert got.tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(
    r=st.floats(-1e5, 1e6),
    thr=st.floats(0.0, 1e5),
    m=st.floats(0.0, 5.0),
    q=st.floats(0.0, 2000.0),
)
def test_range_trigger_matches_its_event_function(r, thr, m, q):
    assert bool(range_trigger(r, thr, m, q)) == bool(range_trigger_g(r, thr, m, q) <= 0.0)


def test_range_trigger_event_function_changes_sign_where_deploy_becomes_due():
    # a vehicle slowing through the box with range to go falling: the first index where g <= 0 is the first
    # index where the boolean trigger holds
    mach = np.linspace(2.6, 1.2, 400)
    rng = np.linspace(30_000.0, 0.0, 400)
    q = np.full(400, 550.0)
    g = range_trigger_g(rng, 12_000.0, mach, q)
    b = range_trigger(rng, 12_000.0, mach, q)
    assert np.argmax(g <= 0) == np.argmax(b)
    assert np.all(g[: np.argmax(b)] > 0)


def test_range_trigger_bad_box_is_a_user_error():
    with pytest.raises(MarsEDLError):
        range_trigger(1.0, 1.0, 1.0, 1.0, mach_box=(2.2, 1.4))


def test_altitude_and_heat_shield_triggers():
    assert altitude_trigger(np.array([2200.0, 2100.0, 2000.0]), 2100.0).tolist() == [False, True, True]
    assert altitude_trigger_g(2200.0, 2100.0) == pytest.approx(100.0)
    # Mars 2020: heat shield off subsonic and ~20 s after deploy (press kit)
    due = heat_shield_separation(np.array([0.9, 0.7, 0.7]), np.array([25.0, 15.0, 21.0]))
    assert due.tolist() == [False, False, True]


def test_sufr_trigger_on_the_navigated_speed():
    # Mars 2020 started SUFR at 488 m/s (W22 Table 10, issue #10): not before, and from there on
    speed = np.array([1100.0, 488.1, 488.0, 420.0])
    assert sufr_trigger(speed, 488.0).tolist() == [False, False, True, True]
    g = sufr_trigger_g(speed, 488.0)
    assert np.all(np.diff(g) < 0) and g[2] == 0.0  # continuous and falling through zero at the threshold
