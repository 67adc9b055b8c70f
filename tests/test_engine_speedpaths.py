"""The compiled kernels against the NumPy reference: same forces, same events, same answers.

The kernels in :mod:`marsedl.kernels` are a transliteration of :meth:`Engine._derivs` and
:meth:`Engine._event_values`, so the independent expectation is agreement to floating-point round-off (1e-10
relative), on every branch (lift with bank, parachute inflation, thrust, winds, several atmosphere rows,
altitude-correlated density perturbations, all phases), and the same event sequence on a full nominal run.
A case must also fly the same whether alone or inside a batch, and the multi-core kernel must give the serial
kernel's numbers bit for bit (bodies are independent).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from marsedl import kernels
from marsedl.atmosphere import AtmosphereGrid, ExponentialAtmosphere, density_perturbation, wind_perturbation
from marsedl.engine import _ARMED, CaseInputs, Engine, Phase, _Ctx
from marsedl.errors import MarsEDLError
from marsedl.flight import nominal_cases, prepare
from marsedl.planet import MARS


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


def _assert_close(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert np.array_equal(np.isinf(a), np.isinf(b)), what
    fin = np.isfinite(a)
    scale = np.maximum(np.abs(b[fin]), 1e-300)
    rel = np.abs(a[fin] - b[fin]) / scale
    # values that cancel to near zero (an altitude near the ground) are compared on their column's scale
    col_scale = np.max(np.abs(np.where(np.isfinite(b), b, 0.0)), axis=0) if b.ndim == 2 else np.max(np.abs(b))
    absd = np.abs(a[fin] - b[fin]) / np.broadcast_to(np.maximum(col_scale, 1e-300), a.shape)[fin]
    assert np.all((rel <= 1e-10) | (absd <= 1e-12)), f"{what}: worst relative difference {rel.max():.3g}"


def _assert_same_events(a, b, t_tol=1e-5):
    """Two runs of the same cases (kernels and NumPy reference): same outcomes, the same events of the same
    bodies in the same order, at times within ``t_tol`` (events are located to 1e-7 s; the paths differ only by
    round-off)."""
    assert np.array_equal(a.outcome, b.outcome)
    for k in ("case", "body", "code"):
        assert np.array_equal(a.events[k], b.events[k]), k
    assert np.max(np.abs(a.events["t"] - b.events["t"])) < t_tol


@pytest.mark.parametrize("trigger", ["range", "velocity"])
def test_kernel_derivatives_and_events_match_the_numpy_reference(setup, trigger):
    cfg = setup.config
    # a deploy floor high enough that the random bodies fall on both sides of it
    cfg = replace(cfg, sequence=replace(cfg.sequence, trigger=trigger, deploy_floor_agl_m=20e3))
    # three atmosphere rows (different densities and winds), per-case density perturbations and wind offsets
    grid = AtmosphereGrid.stack([cfg.atmosphere] + [
        AtmosphereGrid.from_atmosphere(ExponentialAtmosphere(rho0_kg_m3=0.015 + 0.005 * k, scale_height_m=11e3,
                                                             temperature_k=210.0), h_min_m=-9000.0,
                                       h_max_m=200000.0, dh_m=100.0) for k in range(2)])
    cfg = replace(cfg, atmosphere=grid)
    rng = np.random.default_rng(7)
    pert = density_perturbation(np.random.default_rng(3), 5, 0.1, 8000.0)
    wind = wind_perturbation(np.random.default_rng(4), 5, 15.0, 5000.0, -9000.0, 150e3, 250.0)
    fast, ref = Engine(cfg), Engine(cfg, compiled=False)
    assert fast.compiled and not ref.compiled
    for dp, wp in ((None, None), (pert, None), (None, wind), (pert, wind)):
        t, y, c = _random_bodies(cfg, 400, rng, rows=3, pert=dp, wpert=wp)
        dy_ref, obs_ref = ref._derivs(t, y, c, want_obs=True)
        dy_k, obs_k = fast._derivs_obs(t, y, c)
        _assert_close(dy_k, dy_ref, "derivatives")
        _assert_close(obs_k.data, obs_ref.data, "observables")
        cf, ci = c.packed()
        g_k = kernels.event_values(t, y, obs_ref.data, cf, ci, fast._k.p, _ARMED)
        _assert_close(g_k, ref._event_values(t, y, obs_ref, c), "event functions")
        h = rng.uniform(0.01, 2.0, t.size)
        _assert_close(fast._rk4(t, y, h, c), ref._rk4(t, y, h, c), "RK4 step")


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
    a = fast._k.args(c)
    gpar, ref = np.zeros(kernels.NG), np.zeros((8, 2))

    def call(t, y, n_steps):
        _, obs = kernels.observe(t, y, cf, ci, *a)
        pk = np.zeros((t.size, 5))
        out = kernels.advance_outputs(t.size)
        kernels.advance_steps(0, t.size, t, y, obs, np.full(t.size, n_steps), np.zeros(t.size, dtype=bool),
                              cf.copy(), ci, *a, _ARMED, fast._steps_arr, pk, gpar, ref, *out)
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


def test_nominal_run_same_event_sequence_as_the_numpy_reference(setup):
    cases = nominal_cases(setup)
    a = Engine(setup.config).run(cases)
    b = Engine(setup.config, compiled=False).run(cases)
    _assert_same_events(a, b)
    for k in ("x", "y", "z"):
        assert np.max(np.abs(a.events[k] - b.events[k])) < 1e-2  # m, out of 3.4e6
    # the kernels run the entry guidance and the thrust law themselves: same bank in the logged rows (the bank
    # before that step's update), same peaks (deceleration, q, heat rate, parachute load, propellant)
    assert np.allclose(a.events["bank"], b.events["bank"], atol=1e-6, equal_nan=True)
    for k, va in a.peaks.items():
        assert np.allclose(va, b.peaks[k], rtol=1e-6, equal_nan=True), k


def test_dispersed_cases_same_guidance_events_as_the_numpy_reference(setup):
    """Cases that fly different bank histories (density, L/D and wind dispersed) log the same guidance events
    (start, reversals, heading alignment) at the same times in both paths."""
    base = nominal_cases(setup)
    rng = np.random.default_rng(2)
    n = 4
    cases = CaseInputs.broadcast(n, **{**base.__dict__, "density_factor": rng.uniform(0.85, 1.15, n),
                                       "cl_scale": rng.uniform(0.9, 1.1, n), "wind_scale": rng.uniform(0.0, 2.0, n)})
    a = Engine(setup.config).run(cases)
    b = Engine(setup.config, compiled=False).run(cases)
    _assert_same_events(a, b)
    assert np.allclose(a.events["bank"], b.events["bank"], atol=1e-6, equal_nan=True)


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


def test_unsupported_configuration_falls_back_to_numpy(setup):
    site = replace(setup.config.site, terrain=lambda lat, lon: np.zeros_like(lat))
    assert not Engine(replace(setup.config, site=site)).compiled
    assert Engine(setup.config).compiled
    assert MARS.j2 > 0  # the kernels' J2 branch is exercised by the comparisons above


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
    assert first.reference.lod_vertical_ref == second.reference.lod_vertical_ref
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


def test_per_case_hardware_and_timing_same_in_kernels_and_numpy_and_alone_or_in_batch(setup):
    """Per-case shed masses, separation speeds, delays and altimeter bias: the kernels' per-body columns give the
    NumPy reference's events; a case flies bit for bit the same alone (preset values by default) or in a batch
    whose other cases have different hardware."""
    base, batch = _hardware_batch(setup, 3)
    a = Engine(setup.config).run(batch)
    b = Engine(setup.config, compiled=False).run(batch)
    _assert_same_events(a, b)
    alone = Engine(setup.config).run(base)
    mine = a.events["case"] == 0
    for k in ("code", "t", "x", "y", "z", "vx", "mass"):
        assert np.array_equal(alone.events[k], a.events[k][mine]), k


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("heat_shield_mass_kg", -1.0, "heat_shield_mass_kg must be > 0 kg"),
    ("powered_delay_s", -0.5, "powered_delay_s must be >= 0"),
    ("line_stretch_delay_s", np.nan, "line_stretch_delay_s must be finite"),
])
def test_bad_per_case_hardware_is_a_one_line_error(setup, field, value, needle):
    cases = CaseInputs.broadcast(1, **{**nominal_cases(setup).__dict__, field: value})
    with pytest.raises(MarsEDLError, match=needle):
        Engine(setup.config).run(cases)


def test_navigation_errors_same_in_kernels_and_numpy(setup):
    """Cases whose guidance, deploy trigger and powered descent see a navigated state (position and velocity
    errors east/north/up): the kernels log the NumPy reference's events at the same times."""
    base = nominal_cases(setup)
    dr = np.array([[0.0, 0.0, 0.0], [300.0, -200.0, 50.0], [-150.0, 400.0, -30.0]])
    dv = np.array([[0.0, 0.0, 0.0], [0.5, -1.0, 0.2], [-1.0, 0.3, -0.4]])
    cases = CaseInputs.broadcast(3, **{**base.__dict__, "nav_position_error_m": dr, "nav_velocity_error_m_s": dv})
    a = Engine(setup.config).run(cases)
    b = Engine(setup.config, compiled=False).run(cases)
    _assert_same_events(a, b, t_tol=1e-4)
    alone = Engine(setup.config).run(base)  # zero error: bit for bit the perfect-navigation flight
    mine = a.events["case"] == 0
    for k in ("code", "t", "x", "y", "z"):
        assert np.array_equal(alone.events[k], a.events[k][mine]), k


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


def test_unguided_flight_without_a_reference_runs_in_the_kernel(setup):
    """Without a reference trajectory (no range control) the kernels still fly the commanded bank through the
    rate limits, many steps per call, and agree with the NumPy reference; a guided case is refused."""
    cfg = replace(setup.config, reference=None)
    base = nominal_cases(setup)
    cases = CaseInputs.broadcast(2, **{**base.__dict__, "guided": False, "bank0_rad": np.array([0.5, -1.0])})
    a = Engine(cfg).run(cases)
    b = Engine(cfg, compiled=False).run(cases)
    _assert_same_events(a, b)
    for k in ("x", "y", "z"):
        assert np.allclose(a.events[k], b.events[k], rtol=1e-9, atol=1e-3), k
    guided = CaseInputs.broadcast(1, **{**base.__dict__, "guided": True})
    with pytest.raises(MarsEDLError, match="cases.guided must be false without a reference trajectory"):
        Engine(cfg).run(guided)
