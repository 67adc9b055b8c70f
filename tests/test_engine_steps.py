"""The presets' [integration] settings against fine references: each step size or method, with the others as
the preset has them, moves no nominal event or impact beyond a stated tolerance (the references are the same
flight with much finer steps, or RK4 where the preset uses a cheaper rule; benchmarks/step_convergence.py prints
the full study)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from marsedl.flight import simulate
from marsedl.planet import surface_distance_bearing


def _worst(run, ref) -> tuple[float, float]:
    """Largest time (s) and position (m: surface distance and altitude) difference over the events and impacts
    of two flights of the same timeline."""
    assert [e.name for e in run.events] == [e.name for e in ref.events]
    assert [i.body for i in run.impacts] == [i.body for i in ref.impacts]
    dt = dx = 0.0
    for a, b in [*zip(run.events, ref.events, strict=True), *zip(run.impacts, ref.impacts, strict=True)]:
        d, _ = surface_distance_bearing(*map(math.radians, (a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg)), 3.39e6)
        up = getattr(a, "altitude_mola_m", 0.0) - getattr(b, "altitude_mola_m", 0.0)
        dt, dx = max(dt, abs(a.time_s - b.time_s)), max(dx, math.hypot(d, up))
    return dt, dx


@pytest.mark.parametrize("preset", ["mars2020", "msl"])
def test_powered_midpoint_steps_match_rk4(preset):
    """Under held thrust (one guidance cycle per step) the midpoint rule flies the powered descent, sky crane
    and fly-away within 5 ms and 5 cm of RK4 on the same cycle (measured: 0.4 ms, 2 mm)."""
    mid = simulate(preset, overrides=["integration.powered_method=midpoint"], record=False)
    rk4 = simulate(preset, overrides=["integration.powered_method=rk4"], record=False)
    dt, dx = _worst(mid, rk4)
    assert dt < 5e-3
    assert dx < 0.05
    assert abs(mid.touchdown.vertical_speed_m_s - rk4.touchdown.vertical_speed_m_s) < 1e-3


#: every [integration] setting but the entry step (the entry guidance's cycle) much finer, and RK4 throughout
FINE = ["integration.dt_coast_s=2", "integration.dt_parachute_s=0.1", "integration.dt_inflation_s=0.002",
        "integration.dt_ballistic_s=0.25", "integration.dt_ballistic_max_s=0.25", "integration.powered_method=rk4"]


@pytest.mark.parametrize("preset", ["mars2020", "msl"])
def test_preset_steps_converge_to_fine_steps(preset):
    """The presets' coast (30 s, cut at the coast altitude), parachute (2 s), inflation (0.1 s), shed-body and
    powered steps together move no nominal event by more than 10 ms and 0.5 m and no impact by more than 10 ms
    and 1 m from the same flight at fine steps (measured: 0.5 ms and 5 cm; impacts 2 ms and 0.86 m, the
    heat shield, whose steps grow with its drag time)."""
    run = simulate(preset, record=False)
    ref = simulate(preset, overrides=FINE, record=False)
    dt, dx = _worst(replace(run, impacts=()), replace(ref, impacts=()))
    assert dt < 0.01
    assert dx < 0.5
    dt, dx = _worst(replace(run, events=()), replace(ref, events=()))
    assert dt < 0.01
    assert dx < 1.0
