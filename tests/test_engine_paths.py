"""The engine's own paths agree with each other: many steps per kernel call and one at a time, with and without
the history recorded, a case alone and inside a batch, one thread and two. Each law itself is tested against
independent truths elsewhere (tests/test_planet.py, tests/test_engine_physics.py, tests/laws/).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from marsedl import kernels
from marsedl.atmosphere import ExponentialAtmosphere
from marsedl.engine import _ARMED, CaseInputs, Engine, Ev, Phase, _Ctx
from marsedl.errors import MarsEDLError
from marsedl.flight import nominal_cases, prepare


@pytest.fixture(scope="module")
def setup():
    return prepare("mars2020")


def _random_bodies(cfg, n, rng, *, rows=1, pert=None, wpert=None):
    """Random states from 130 km down to the ground, random phases and controls (every branch taken)."""
    lat = rng.uniform(-0.5, 0.5, n)
    lon = rng.uniform(-np.pi, np.pi, n)
    alt = rng.uniform(-3000.0, 210e3, n)
    rad = cfg.site.areoid_radius_m + alt
    r = rad[:, None] * np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    v = rng.normal(0.0, 1.0, (n, 3)) * rng.uniform(1.0, 6000.0, n)[:, None]
    m = rng.uniform(500.0, 3500.0, n)
    y = np.column_stack([r, v, m])
    t = rng.uniform(0.0, 500.0, n)
    phase = rng.integers(Phase.ENTRY, Phase.BALLISTIC + 1, n)
    thrusting = rng.random(n) < 0.3
    thrust = np.where(thrusting[:, None], rng.normal(0.0, 2e4, (n, 3)), 0.0)
    u = rng.uniform
    aux = np.random.default_rng(n + 11)
    c = _Ctx(
        phase=phase, aero_id=rng.integers(0, cfg.vehicle.aero_cd.shape[0], n), cd_scale=u(0.9, 1.1, n),
        cl_scale=u(0.9, 1.1, n), chute_cd_scale=u(0.9, 1.1, n), density_factor=u(0.8, 1.2, n),
        wind_scale=u(0.0, 2.0, n), case=rng.integers(0, 5, n), density_perturbation=pert,
        atm_row=rng.integers(0, rows, n), lifting=(rng.random(n) < 0.5).astype(float), cos_bank=np.cos(u(-3, 3, n)),
        sin_bank=np.sin(u(-3, 3, n)), has_chute=rng.random(n) < 0.5, t_line_stretch=t - u(-0.5, 1.0, n),
        t_inflation=cfg.vehicle.parachute.inflation_time_s,
        inflation_exponent=cfg.vehicle.parachute.inflation_exponent, thrust=thrust,
        thrust_mag=np.linalg.norm(thrust, axis=1), t_deploy=t - u(0, 40, n), t_mark=t - u(0, 40, n),
        dry_mass=u(400, 3000, n), stop_speed=np.where(rng.random(n) < 0.5, u(300, 3000, n), 0.0),
        deploy_enabled=rng.random(n) < 0.7, range_trigger=u(0, 2e4, n), velocity_trigger=u(300, 500, n),
        aim_range=u(0, 1e4, n), target_lat=u(-0.5, 0.5, n), target_lon=u(-3, 3, n),
        target_radius=cfg.site.areoid_radius_m,
        # per-case event thresholds (dispersed in Monte Carlo): each body its own, so a kernel still reading a
        # shared constant would disagree with the reference
        # (from their own generator: the bodies above stay those of the original draw sequence)
        hs_min_time=aux.uniform(0.0, 40.0, n), backshell_alt=aux.uniform(0.0, 3e4, n),
        powered_delay=aux.uniform(0.0, 40.0, n), nav_on=aux.random(n) < 0.5, nav_dr=aux.normal(0.0, 500.0, (n, 3)),
        nav_dv=aux.normal(0.0, 2.0, (n, 3)), wind_perturbation=wpert,
    )
    return t, y, c


def test_many_steps_per_call_is_one_step_per_call_repeated(setup):
    """A body stepping on inside the kernel (the end of one step reused as the start of the next) lands on
    the numbers of the same steps taken one call at a time, bit for bit; it stops at its first event."""
    cfg = setup.config
    fast = Engine(cfg)
    t, y, c = _random_bodies(cfg, 300, np.random.default_rng(11))
    c.phase[:] = Phase.BALLISTIC  # no guidance: every body is free to step on
    c.lifting[:] = 0.0
    c._packed = None
    cf, ci = c.packed()
    w = fast._k.world(c)
    gpar, ref = np.zeros(kernels.NG), np.zeros((8, 2))

    def call(t, y, n_steps):
        _, obs = kernels.observe(t, y, cf, ci, w)
        pk = np.zeros((t.size, 5))
        out = kernels.advance_outputs(t.size)
        kernels.advance_steps(0, t.size, (t, y, obs, np.full(t.size, n_steps), np.zeros(t.size, dtype=bool)),
                              cf.copy(), ci, w, (_ARMED, fast._steps_arr, gpar, ref), out,
                              (pk, np.empty((t.size, 0, kernels.NH)), np.zeros(t.size, dtype=np.int64)))
        return out

    many = call(t, y, 5)
    tt, yy = t.copy(), y.copy()
    done = np.zeros(t.size, dtype=bool)
    for _ in range(5):
        one = call(tt, yy, 1)
        go = ~done
        tt[go] = one[0][go] + one[1][go]
        yy[go] = one[5][go]
        done |= one[8]
    assert many[8].any() and not many[8].all()  # some bodies met an event (the ground) within 5 steps
    quiet = ~many[8]
    assert np.array_equal(many[0][quiet] + many[1][quiet], tt[quiet])
    assert np.array_equal(many[5][quiet], yy[quiet])


def test_recording_the_history_does_not_change_the_flight(setup):
    """With ``record=True`` every body takes one step per kernel call; the events are the same."""
    cases = nominal_cases(setup)
    a = Engine(setup.config).run(cases)
    b = Engine(setup.config).run(cases, record=True)
    assert np.array_equal(a.events["code"], b.events["code"])
    for k in ("t", "x", "y", "z", "vx", "mass", "bank"):
        assert np.allclose(a.events[k], b.events[k], rtol=1e-12, atol=1e-9, equal_nan=True), k


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
    """Bodies are independent: the kernel run on two threads (disjoint slices of the bodies, enough of them for
    the split to happen) logs exactly the single-thread events."""
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


def test_history_written_by_the_kernels_is_the_history_of_single_steps(setup, monkeypatch):
    """A recorded run writes its quiet steps' rows inside the kernels, many steps per call; recorded one step
    per call (each row then comes from Python after the call) the history has the same rows: same bodies,
    phases and times, states bit for bit, observables to round-off."""
    import marsedl.engine.core as core

    cases = nominal_cases(setup)
    many = Engine(setup.config).run(cases, record=True).history
    monkeypatch.setattr(core, "_HISTORY_STEPS", 1)
    one = Engine(setup.config).run(cases, record=True).history
    order_m = np.lexsort((many["t"], many["body"]))
    order_o = np.lexsort((one["t"], one["body"]))
    assert many["t"].size == one["t"].size > 1000
    for k in ("case", "body", "phase", "t", "x", "y", "z", "vx", "vy", "vz", "mass"):
        assert np.array_equal(many[k][order_m], one[k][order_o]), k
    for k in ("alt_agl", "speed", "mach", "q", "accel_g", "bank"):
        assert np.allclose(many[k][order_m], one[k][order_o], rtol=1e-12, atol=1e-9, equal_nan=True), k
