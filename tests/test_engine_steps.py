"""The presets' [integration] settings against fine references: each step size or method, with the others as
the preset has them, moves no nominal event or impact beyond a stated tolerance (the references are the same
flight with much finer steps, or RK4 where the preset uses a cheaper rule; benchmarks/step_convergence.py prints
the full study)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from marsedl import kernels
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


def test_dormand_prince_tableau_is_scipys():
    """The error-controlled steps' tableau (kernels.dynamics) is Dormand & Prince's 5(4), as SciPy's RK45 holds it."""
    from scipy.integrate._ivp.rk import RK45

    from marsedl.kernels.dynamics import DP_A, DP_C, DP_E

    assert np.allclose(DP_C[:6], RK45.C, rtol=1e-15, atol=0)
    assert np.allclose(DP_A[:6, :5], RK45.A, rtol=1e-15, atol=0)
    assert np.allclose(DP_A[6], RK45.B, rtol=1e-15, atol=0)  # the fifth-order weights: the last stage's row
    assert np.allclose(DP_E, -RK45.E, rtol=1e-15, atol=1e-18)  # (SciPy's sign: fourth- minus fifth-order)


@pytest.mark.parametrize("preset", ["mars2020", "msl"])
def test_unguided_entry_error_controlled_steps_match_fine_fixed_steps(preset):
    """Without guidance the entry holds its bank and no guidance cycle sets its step: the presets' tolerance
    (step_tolerance_m = 0.01) flies it in error-controlled steps. Against RK4 at 0.05 s entry steps (the tolerance
    off), no event or impact moves by more than 10 ms and 3 m, and no peak of the entry by more than 2e-4
    (measured, benchmarks/step_convergence.py: mars2020 3 ms, 2.3 m and 1.8 m, msl 2 ms, 1.8 m and 2.0 m; peaks 2e-5
    and 6e-5, where the preset's fixed 0.5 s steps give 0.1 m and 1.2e-4 and 1.6e-4; the error is set at the kinks
    of the tabulated atmosphere and aerodynamics, which a tenth of the tolerance shrinks by half at most), with a
    tenth of the entry's steps at the preset's 0.5 s (37-38 against 439-462)."""
    run = simulate(preset, guidance=False, record=True)
    ref = simulate(preset, guidance=False, record=True,
                   overrides=["integration.step_tolerance_m=0", "integration.dt_entry_s=0.05"])
    dt, dx = _worst(run, ref)
    assert dt < 0.01
    assert dx < 3.0
    for k in ("deceleration_g", "dynamic_pressure_pa", "heat_rate_w_cm2"):
        assert run.peaks[k] == pytest.approx(ref.peaks[k], rel=2e-4), k
    sufr = next(e.time_s for e in run.events if e.name == "sufr")
    entry_rows = [(df.phase == "entry").sum() for df in (run.to_dataframe(), ref.to_dataframe())]
    assert entry_rows[0] < 0.1 * sufr / 0.5 < entry_rows[1]


def test_guided_flights_take_the_flight_without_error_controlled_steps(monkeypatch):
    """The error-controlled steps are a separate compiled specialization of the flight (their work arrays, the last
    of its work tuple, None otherwise): a guided flight and its planning (references flown unguided but with lift
    in the vertical plane) pass None, so they never compile them; an unguided flight passes them."""
    seen = []
    fly = kernels.fly_cases

    def spy(lo, hi, bd, cs, w, seq, tab, rec, wk, fly_body):
        seen.append(wk[5] is None)
        return fly(lo, hi, bd, cs, w, seq, tab, rec, wk, fly_body)

    monkeypatch.setattr(kernels, "fly_cases", spy)
    monkeypatch.setenv("MARSEDL_NO_CACHE", "1")  # (planning flies its references, not a cached plan)
    simulate("mars2020", record=False)
    assert len(seen) > 1 and all(seen)
    seen.clear()
    simulate("mars2020", guidance=False, record=False)
    assert seen[-1] is False and all(seen[:-1])  # (its planning, then the flight)
