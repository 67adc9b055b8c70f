"""The engine's own paths agree with each other: many steps per kernel call and one at a time, with and without
the history recorded, a case alone and inside a batch, one thread and two. Each law itself is tested against
independent truths elsewhere (tests/test_planet.py, tests/test_engine_physics.py, tests/laws/).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from marsedl.atmosphere import ExponentialAtmosphere
from marsedl.engine import CaseInputs, Engine, Ev
from marsedl.errors import MarsEDLError
from marsedl.flight import nominal_cases, prepare


@pytest.fixture(scope="module")
def setup():
    return prepare("mars2020")


def test_a_flight_resumed_after_every_step_is_the_flight_continued(setup, monkeypatch):
    """A body stepping on inside the compiled loop (the end of one step reused as the start of the next) lands on
    the numbers of the same flight stopped and resumed after every step (its columns refreshed and its
    observables evaluated again each time), bit for bit."""
    import marsedl.engine.core as core

    cases = nominal_cases(setup)
    many = Engine(setup.config).run(cases)
    monkeypatch.setattr(core, "_MAX_STEPS", 1)
    one = Engine(setup.config).run(cases)
    assert many.events["t"].size > 20
    for k in many.events:
        assert np.array_equal(many.events[k], one.events[k], equal_nan=True), k
    for k in many.peaks:
        assert np.array_equal(many.peaks[k], one.peaks[k], equal_nan=True), k


def test_recording_the_history_does_not_change_the_flight(setup):
    """With ``record=True`` the compiled flight also writes every step's row; the events are the same, bit for
    bit."""
    cases = nominal_cases(setup)
    a = Engine(setup.config).run(cases)
    b = Engine(setup.config).run(cases, record=True)
    for k in a.events:
        assert np.array_equal(a.events[k], b.events[k], equal_nan=True), k


def test_a_case_flies_the_same_alone_and_inside_a_batch(setup):
    base = nominal_cases(setup)
    n = 6
    rng = np.random.default_rng(5)
    density = np.concatenate([[1.0], rng.uniform(0.9, 1.1, n - 1)])
    batch = CaseInputs.broadcast(n, **{**base.__dict__, "density_factor": density})
    alone = Engine(setup.config).run(base)
    many = Engine(setup.config).run(batch)
    ev_a, ev_m = alone.events, many.events
    mine = ev_m["case"] == 0
    assert np.array_equal(ev_a["code"], ev_m["code"][mine])
    for k in ("t", "x", "y", "z", "vx", "mass"):
        assert np.allclose(ev_a[k], ev_m[k][mine], rtol=1e-12, atol=1e-9), k
    assert alone.outcome[0] == many.outcome[0]


def test_bad_atmosphere_row_is_a_one_line_error(setup):
    cases = CaseInputs.broadcast(1, **{**nominal_cases(setup).__dict__, "atm_row": 3})
    with pytest.raises(MarsEDLError, match="row 3 is out of range 0..0"):
        Engine(setup.config).run(cases)


def test_an_atmosphere_off_the_grid_is_a_one_line_error(setup):
    """The kernels read a uniform altitude grid: any other model is refused, saying how to put it on one."""
    cfg = replace(setup.config, atmosphere=ExponentialAtmosphere(rho0_kg_m3=0.02, scale_height_m=11e3,
                                                                 temperature_k=210.0))
    with pytest.raises(MarsEDLError, match="must be an AtmosphereGrid, got ExponentialAtmosphere"):
        Engine(cfg)


# ------------------------------------------------------------------------------------------------ plan cache


def test_cached_plan_is_the_computed_plan_and_keys_follow_the_mission(tmp_path, monkeypatch):
    """A plan read back from the cache equals the plan computed (bit for bit); another mission is another key;
    a damaged cache file is replanned, never trusted; MARSEDL_NO_CACHE turns it off."""
    from marsedl.flight import build_config, cached_plan, plan_cache_dir, plan_key
    from marsedl.scenario import load_mission

    monkeypatch.setenv("MARSEDL_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("MARSEDL_NO_CACHE", raising=False)
    mission = load_mission("msl")
    cfg, _ = build_config(mission)
    first, hit1 = cached_plan(mission, cfg)
    second, hit2 = cached_plan(mission, cfg)
    assert (hit1, hit2) == (False, True)
    assert np.array_equal(first.y0, second.y0)
    for f in ("speed_m_s", "range_to_go_m", "drag_m_s2", "altitude_rate_m_s", "f1", "f2", "f3"):
        assert np.array_equal(getattr(first.reference, f), getattr(second.reference, f))
    assert np.array_equal(first.reference.lod_vertical_ref, second.reference.lod_vertical_ref)  # per node
    assert (first.chute_range_m, first.entry_lat_deg, first.reference_miss_m) == (
        second.chute_range_m, second.entry_lat_deg, second.reference_miss_m)
    other = load_mission("msl", overrides=["entry.fpa_deg=-15.6"])
    assert plan_key(other, build_config(other)[0]) != plan_key(mission, cfg)
    (path,) = plan_cache_dir().glob("*.npz")
    path.write_bytes(b"not a plan")
    third, hit3 = cached_plan(mission, cfg)
    assert not hit3 and np.array_equal(third.y0, first.y0)
    monkeypatch.setenv("MARSEDL_NO_CACHE", "1")
    assert plan_cache_dir() is None
    assert cached_plan(mission, cfg)[1] is False


def _hardware_batch(setup, n):
    """Case 0 with the preset's values written out explicitly; the others with every per-case shed mass,
    separation speed, delay and altimeter bias changed (entry mass carrying the shed-mass changes)."""
    base = nominal_cases(setup)
    v, s = setup.config.vehicle, setup.config.sequence
    k = np.arange(n, dtype=float)
    dm_hs, dm_bs, dm_ebm = 5.0 * k, -8.0 * k, 1.0 * k
    y0 = np.repeat(base.y0, n, axis=0)
    y0[:, 6] += dm_hs + dm_bs + v.n_ebm * dm_ebm
    values = {**base.__dict__, "y0": y0, "heat_shield_mass_kg": v.heat_shield_mass_kg + dm_hs,
              "backshell_mass_kg": v.backshell_mass_kg + dm_bs, "ebm_mass_kg": v.ebm_mass_kg + dm_ebm,
              "cbm_mass_kg": v.cbm_mass_kg + 2.0 * k, "hs_delta_v_m_s": s.hs_delta_v_m_s + 0.3 * k,
              "backshell_delta_v_m_s": s.backshell_delta_v_m_s + 0.2 * k, "ebm_delta_v_m_s": s.ebm_delta_v_m_s + k,
              "line_stretch_delay_s": v.line_stretch_delay_s + 0.2 * k, "hs_min_time_s": s.hs_min_time_s + 3.0 * k,
              "powered_delay_s": s.powered_delay_s + 0.5 * k, "backshell_altitude_bias_m": 150.0 * k}
    return base, CaseInputs.broadcast(n, **values)


def test_per_case_hardware_and_timing_alone_or_in_batch(setup):
    """Per-case shed masses, separation speeds, delays and altimeter bias: a case flies bit for bit the same alone
    (preset values by default) or in a batch whose other cases have different hardware, and the others' changes
    move their own events (the kernels read each body's own column, not a shared constant)."""
    base, batch = _hardware_batch(setup, 3)
    a = Engine(setup.config).run(batch)
    alone = Engine(setup.config).run(base)
    mine = a.events["case"] == 0
    for k in ("code", "t", "x", "y", "z", "vx", "mass"):
        assert np.array_equal(alone.events[k], a.events[k][mine]), k
    bs = a.events["code"] == Ev.BACKSHELL_SEPARATION
    alt = a.events["alt_agl"][bs]  # the threshold plus the case's altimeter bias (150 m more per case)
    assert np.diff(alt) == pytest.approx([150.0, 150.0], abs=1.0)


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("heat_shield_mass_kg", -1.0, "heat_shield_mass_kg must be > 0 kg"),
    ("powered_delay_s", -0.5, "powered_delay_s must be >= 0"),
    ("line_stretch_delay_s", np.nan, "line_stretch_delay_s must be finite"),
])
def test_bad_per_case_hardware_is_a_one_line_error(setup, field, value, needle):
    cases = CaseInputs.broadcast(1, **{**nominal_cases(setup).__dict__, field: value})
    with pytest.raises(MarsEDLError, match=needle):
        Engine(setup.config).run(cases)


def test_zero_navigation_error_flies_the_perfect_navigation_case(setup):
    """Cases whose guidance, deploy trigger and powered descent see a navigated state (position and velocity
    errors east/north/up) in a batch beside a case without error: that one flies bit for bit as alone, the
    others land elsewhere."""
    base = nominal_cases(setup)
    dr = np.array([[0.0, 0.0, 0.0], [300.0, -200.0, 50.0], [-150.0, 400.0, -30.0]])
    dv = np.array([[0.0, 0.0, 0.0], [0.5, -1.0, 0.2], [-1.0, 0.3, -0.4]])
    cases = CaseInputs.broadcast(3, **{**base.__dict__, "nav_position_error_m": dr, "nav_velocity_error_m_s": dv})
    a = Engine(setup.config).run(cases)
    alone = Engine(setup.config).run(base)
    mine = a.events["case"] == 0
    for k in ("code", "t", "x", "y", "z"):
        assert np.array_equal(alone.events[k], a.events[k][mine]), k
    deploy = a.events["code"] == Ev.PARACHUTE_DEPLOY
    assert len(set(np.round(a.events["t"][deploy], 3))) == 3


def test_threads_give_the_one_thread_numbers_bit_for_bit(setup):
    """Cases are independent: the compiled flight run on two threads (disjoint slices of the cases) logs exactly
    the single-thread events."""
    base = nominal_cases(setup)
    n = 160
    rng = np.random.default_rng(8)
    cases = CaseInputs.broadcast(n, **{**base.__dict__, "density_factor": rng.uniform(0.9, 1.1, n),
                                       "wind_scale": rng.uniform(0.0, 2.0, n)})
    one = Engine(setup.config).run(cases)
    two = Engine(setup.config, threads=2).run(cases)
    assert np.array_equal(one.outcome, two.outcome)
    for k in one.events:
        assert np.array_equal(one.events[k], two.events[k], equal_nan=True), k
    for k in one.peaks:
        assert np.array_equal(one.peaks[k], two.peaks[k], equal_nan=True), k


@pytest.mark.parametrize("threads", [0, -1, 2.5, True])
def test_bad_thread_count_is_a_one_line_error(setup, threads):
    with pytest.raises(MarsEDLError, match="threads must be an integer in 1..1024"):
        Engine(setup.config, threads=threads)


def test_unguided_flight_without_a_reference_holds_its_bank(setup):
    """Without a reference trajectory (no range control) the kernels fly the commanded bank, many steps per call:
    each case holds its own bank until SUFR rolls it to zero, and the two land apart; a guided case is refused."""
    cfg = replace(setup.config, reference=None)
    base = nominal_cases(setup)
    cases = CaseInputs.broadcast(2, **{**base.__dict__, "guided": False, "bank0_rad": np.array([0.5, -1.0])})
    a = Engine(cfg).run(cases)
    ev = a.events
    for case, bank in ((0, 0.5), (1, -1.0)):
        mine = ev["case"] == case
        t_sufr = ev["t"][mine & (ev["code"] == Ev.SUFR)][0]
        before = mine & (ev["t"] <= t_sufr) & (ev["body"] == 0)  # (a row shows the bank before the event)
        assert before.sum() >= 2 and np.all(ev["bank"][before] == bank)
        deploy = mine & (ev["code"] == Ev.PARACHUTE_DEPLOY)
        assert abs(ev["bank"][deploy][0]) < 1e-3
    guided = CaseInputs.broadcast(1, **{**base.__dict__, "guided": True})
    with pytest.raises(MarsEDLError, match="cases.guided must be false without a reference trajectory"):
        Engine(cfg).run(guided)


def test_a_history_that_outgrows_its_room_is_flown_again_whole(setup, monkeypatch):
    """A recorded run's history rows are bounded: one that outgrows its room flies again with more, from the
    same start, and gives the history (and events) of a run with room enough, bit for bit: no row lost."""
    import marsedl.engine.core as core

    cases = nominal_cases(setup)
    roomy = Engine(setup.config).run(cases, record=True)
    monkeypatch.setattr(core, "_HISTORY_ROWS", 16)
    tight = Engine(setup.config).run(cases, record=True)
    assert roomy.history["t"].size > 1000
    for k in roomy.history:
        assert np.array_equal(roomy.history[k], tight.history[k], equal_nan=True), k
    for k in roomy.events:
        assert np.array_equal(roomy.events[k], tight.events[k], equal_nan=True), k
    vehicle = roomy.history["body"] == 0
    assert np.all(np.diff(roomy.history["t"][vehicle]) >= 0.0)  # one body's rows in time order


def test_an_event_log_over_its_bound_is_an_error_naming_it(setup, monkeypatch):
    """A case's event rows are bounded: more than the bound is a bug said as one, never rows dropped."""
    import marsedl.engine.core as core

    monkeypatch.setattr(core, "_LOG_ROWS", 5)
    with pytest.raises(RuntimeError, match="more than the engine's bound of 5 per case"):
        Engine(setup.config).run(nominal_cases(setup))


def test_cases_per_call_do_not_change_the_results(setup, monkeypatch):
    """Cases fly in bounded calls (a Ctrl-C is seen between them): any size of call gives the same numbers."""
    import marsedl.engine.core as core

    base = nominal_cases(setup)
    n = 9
    rng = np.random.default_rng(3)
    cases = CaseInputs.broadcast(n, **{**base.__dict__, "density_factor": rng.uniform(0.9, 1.1, n)})
    big = Engine(setup.config).run(cases)
    monkeypatch.setattr(core, "_CASES_PER_CALL", 2)
    small = Engine(setup.config).run(cases)
    for k in big.events:
        assert np.array_equal(big.events[k], small.events[k], equal_nan=True), k
    for k in big.peaks:
        assert np.array_equal(big.peaks[k], small.peaks[k], equal_nan=True), k
    assert np.array_equal(big.outcome, small.outcome)
