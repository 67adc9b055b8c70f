"""The engine against independent truth: analytic solutions and conservation laws.

Each test builds a stripped-down configuration (sphere or point-mass planet, exponential atmosphere, constant
drag) so that a closed-form answer exists, and flies it through the same batched engine as the presets.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from marsedl.atmosphere import AtmosphereGrid, ExponentialAtmosphere
from marsedl.engine import CaseInputs, Engine, Ev, Outcome
from marsedl.flight import build_config
from marsedl.planet import MARS, Planet, Site, spherical_to_cartesian, velocity_from_flight
from marsedl.scenario import load_mission
from marsedl.vehicle import AERO_TRIM

R0 = 3.3895e6


def _config(*, gm=MARS.gm_m3_s2, j2=0.0, omega=0.0, rho0=0.02, scale_height=11100.0, cda=None, dt=0.5,
            ground=0.0, tolerance=None):
    """A mars2020-shaped config on a sphere of radius R0 with an exponential atmosphere; RK4 at fixed steps
    ``dt``, or, with a ``tolerance`` (m, m/s), error-controlled steps for its unguided entry vehicle."""
    cfg, _ = build_config(load_mission("mars2020"))
    planet = Planet(name="sphere", gm_m3_s2=gm, equatorial_radius_m=R0, polar_radius_m=R0, mean_radius_m=R0,
                    j2=j2, rotation_rate_rad_s=omega)
    site = Site(lat_deg=0.0, lon_deg=0.0, ground_mola_m=ground, areoid_radius_m=R0, planet=planet)
    atm = ExponentialAtmosphere(rho0_kg_m3=rho0, scale_height_m=scale_height, temperature_k=210.0)
    grid = AtmosphereGrid.from_atmosphere(atm, h_min_m=-9000.0, h_max_m=200000.0, dh_m=100.0)
    vehicle = cfg.vehicle
    if cda is not None:
        cd = vehicle.aero_cd.copy()
        cd[AERO_TRIM] = cda
        vehicle = replace(vehicle, aero_cd=cd, aero_cl=np.zeros_like(vehicle.aero_cl))
    seq = replace(cfg.sequence, sufr_speed_m_s=0.0, cbm_eject_time_s=None)
    steps = replace(cfg.steps, entry=dt, coast=dt, coast_altitude_m=1e9, tolerance=tolerance)
    return replace(cfg, planet=planet, site=site, atmosphere=grid, vehicle=vehicle, sequence=seq, steps=steps)


def _cases(y0, *, stop_speed=0.0, density_factor=1.0):
    y0 = np.atleast_2d(y0)
    return CaseInputs.broadcast(
        y0.shape[0], y0=y0, bank0_rad=0.0, guided=False, planar=False, aim_range_m=0.0, range_trigger_m=0.0,
        velocity_trigger_m_s=0.0, stop_speed_m_s=stop_speed, cd_scale=1.0, cl_scale=1.0, chute_cd_scale=1.0,
        density_factor=density_factor, atm_row=0, deploy_enabled=False, target_lat_rad=0.0,
        target_lon_rad=0.0, divert_limit_m=0.0,
    )


def _state(alt, speed, fpa_deg, mass, lat=0.0, lon=0.0, azimuth_deg=90.0):
    r = spherical_to_cartesian(lat, lon, R0 + alt)
    v = velocity_from_flight(lat, lon, speed, np.radians(fpa_deg), np.radians(azimuth_deg))
    return np.concatenate([r, v, [mass]])


def _vehicle_history(out):
    h = out.history
    sel = h["body"] == 0
    order = np.argsort(h["t"][sel])
    return {k: v[sel][order] for k, v in h.items()}


def test_allen_eggers_peak_deceleration_and_altitude():
    """Ballistic entry without gravity (Allen & Eggers 1958): a_max = V² sin|γ| / (2 e H) at ρ = β sin|γ| / H."""
    mass, cda = 3000.0, 25.0  # beta = 120 kg/m2
    beta = mass / cda
    # steep, so that the flight-path angle stays constant over the curved planet as the theory assumes
    v_e, gamma, H, rho0 = 6000.0, np.radians(-80.0), 11100.0, 0.02
    cfg = _config(gm=0.0, cda=cda, rho0=rho0, scale_height=H, dt=0.05, ground=-9000.0)
    out = Engine(cfg).run(_cases(_state(125e3, v_e, np.degrees(gamma), mass), stop_speed=600.0), record=True)
    a_max = v_e**2 * np.sin(-gamma) / (2 * np.e * H)
    h_peak = H * np.log(rho0 * H / (beta * np.sin(-gamma)))
    hist = _vehicle_history(out)
    k = np.argmax(hist["accel_g"])
    a_sim = hist["accel_g"][k] * 9.80665
    assert a_sim == pytest.approx(a_max, rel=0.02)
    assert hist["alt_mola"][k] == pytest.approx(h_peak, rel=0.02)


def test_terminal_velocity_in_uniform_air():
    """A body falling far in near-uniform air settles at v_t = sqrt(2 m g / (ρ C_D A))."""
    mass, cda, rho = 500.0, 100.0, 0.015
    cfg = _config(cda=cda, rho0=rho, scale_height=1e9, dt=0.1, ground=-8000.0)
    out = Engine(cfg).run(_cases(_state(5000.0, 30.0, -90.0, mass)), record=True)
    hist = _vehicle_history(out)
    g_local = MARS.gm_m3_s2 / (R0 - 7000.0) ** 2
    v_t = np.sqrt(2 * mass * g_local / (rho * cda))
    near_ground = hist["alt_mola"] < -6000.0
    assert near_ground.any()
    assert hist["speed"][near_ground][-1] == pytest.approx(v_t, rel=0.005)


def test_jacobi_energy_conserved_in_vacuum_with_rotation_and_j2():
    """In the rotating frame with no air, ½v² − ½|ω×r|² + U(r) is constant (U with J2)."""
    planet = replace(MARS, equatorial_radius_m=R0, polar_radius_m=R0)
    cfg = _config(gm=planet.gm_m3_s2, j2=MARS.j2, omega=MARS.rotation_rate_rad_s, dt=2.0)
    cfg = replace(cfg, entry_altitude_m=1e9)  # climbing is not a skip-out here
    y0 = _state(400e3, 3000.0, 10.0, 1000.0, lat=0.3, azimuth_deg=40.0)
    out = Engine(replace(cfg, steps=replace(cfg.steps, max_time=600.0))).run(
        _cases(y0, density_factor=0.0), record=True)
    hist = _vehicle_history(out)
    r = np.column_stack([hist["x"], hist["y"], hist["z"]])
    v = np.column_stack([hist["vx"], hist["vy"], hist["vz"]])
    w = MARS.rotation_rate_rad_s
    p = Planet(name="p", gm_m3_s2=planet.gm_m3_s2, equatorial_radius_m=R0, polar_radius_m=R0,
               mean_radius_m=R0, j2=MARS.j2, rotation_rate_rad_s=w)
    jacobi = 0.5 * np.sum(v * v, axis=1) - 0.5 * w**2 * (r[:, 0] ** 2 + r[:, 1] ** 2) + p.potential(r)
    assert hist["t"][-1] > 500.0
    assert np.ptp(jacobi) / abs(jacobi[0]) < 1e-9


def test_rk4_convergence_order():
    """Halving the step divides the error by about 2⁴ = 16 (fourth-order Runge–Kutta).

    The state is compared at a fixed time (t = 110 s, near peak drag) so that only the integrator's error
    enters, not an event's location.
    """
    def state_at_110_s(dt):
        cfg = _config(cda=20.0, dt=dt)
        cfg = replace(cfg, steps=replace(cfg.steps, max_time=110.0))
        out = Engine(cfg).run(_cases(_state(125e3, 5500.0, -14.0, 3000.0)))
        ev = out.events
        i = np.flatnonzero(ev["code"] == Ev.TIMEOUT)[0]
        assert ev["t"][i] == pytest.approx(110.0, abs=1e-9)
        return np.array([ev["x"][i], ev["y"][i], ev["z"][i]])

    truth = state_at_110_s(0.05)
    e1, e2, e3 = (np.linalg.norm(state_at_110_s(dt) - truth) for dt in (2.0, 1.0, 0.5))
    assert 3.6 < np.log2(e1 / e2) < 4.4
    assert 3.6 < np.log2(e2 / e3) < 4.4


def test_coriolis_eastward_deflection_of_a_dropped_body():
    """A body dropped from rest at the equator lands east by d = (1/3) ω g t³ (vacuum, small height)."""
    h = 2000.0
    cfg = _config(gm=MARS.gm_m3_s2, j2=0.0, omega=MARS.rotation_rate_rad_s, dt=0.05)
    out = Engine(cfg).run(_cases(_state(h, 0.0, -90.0, 100.0), density_factor=0.0), record=True)
    ev = out.events
    i = np.flatnonzero((ev["code"] == Ev.IMPACT) & (ev["body"] == 0))[0]
    t = ev["t"][i]
    g = MARS.gm_m3_s2 / (R0 + h / 2) ** 2 - MARS.rotation_rate_rad_s**2 * (R0 + h / 2)
    d_expected = MARS.rotation_rate_rad_s * g * t**3 / 3.0
    d_sim = ev["lon"][i] * R0
    assert d_expected > 0.3  # a measurable deflection for this drop
    assert d_sim == pytest.approx(d_expected, rel=0.02)
    assert out.outcome[0] == Outcome.PARACHUTE_NOT_DEPLOYED  # hit the ground with no parachute: named outcome


def test_events_located_inside_the_step():
    """With a coarse step, the impact is still found at the ground (not at a step boundary)."""
    cfg = _config(cda=30.0, dt=2.0)
    out = Engine(cfg).run(_cases(_state(30e3, 800.0, -60.0, 1000.0)))
    ev = out.events
    i = np.flatnonzero((ev["code"] == Ev.IMPACT) & (ev["body"] == 0))[0]
    assert abs(ev["alt_agl"][i]) < 1e-3
    assert ev["t"][i] % 2.0 not in (0.0,)


def test_a_ctrl_c_inside_a_compiled_kernel_comes_back_as_one():
    """Numba hands a KeyboardInterrupt that arrived during a kernel call back as a SystemError caused by it;
    the engine and the command line treat that as the Ctrl-C it is (and anything else as itself)."""
    from marsedl.errors import interrupt_in

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ki:
            raise SystemError("CPUDispatcher(<function fly_cases>) returned a result with an exception set") from ki
    except SystemError as exc:
        assert interrupt_in(exc)
    assert not interrupt_in(SystemError("something else"))
    assert not interrupt_in(ValueError("no"))


@pytest.mark.parametrize("preset", ["mars2020", "msl"])
def test_growing_shed_body_steps_converge_to_fine_fixed_steps(preset):
    """A shed body's step grows (integration.dt_ballistic_max_s) only while its drag and altitude change slowly:
    every impact stays within 1 m and 0.01 s of the same flight with fixed 0.25 s steps for the shed bodies."""
    from marsedl.flight import simulate
    from marsedl.planet import surface_distance_bearing

    grown = simulate(preset, record=False)
    fine = simulate(preset, overrides=["integration.dt_ballistic_s=0.25", "integration.dt_ballistic_max_s=0.25"],
                    record=False)
    assert [i.body for i in grown.impacts] == [i.body for i in fine.impacts]
    for a, b in zip(grown.impacts, fine.impacts, strict=True):
        d, _ = surface_distance_bearing(*np.radians([a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg]), 3.39e6)
        assert d < 1.0, a.body
        assert abs(a.time_s - b.time_s) < 0.01, a.body


def test_error_controlled_vertical_entry_follows_allen_eggers():
    """A vertical ballistic entry without gravity or rotation flies a straight line, where Allen & Eggers is exact:
    V(h) = V_e exp(-(ρ(h) - ρ_e) H / (2β)) from the entry altitude's density ρ_e, peak deceleration
    V_e² exp(ρ_e H / β) / (2 e H) where ρ = β / H. Flown unguided at constant bank (no lift here) with the
    error-controlled steps of the presets' tolerance (0.01 m, m/s, up to 30 s): the speed at the ground within 1e-6
    of the law, the peak (searched between the long steps) within 1e-5 (measured 7e-8 and 1.5e-6, in 17 steps), in
    fewer than half the steps of RK4 at the 0.5 s entry step (48 steps; its peak, the largest step end, is 3.3e-3
    low: a peak read only at the long steps' ends would be further off)."""
    mass, cda, v_e, H, rho0, h_e = 3000.0, 25.0, 6000.0, 11100.0, 0.02, 125e3
    beta = mass / cda
    rho_e = rho0 * np.exp(-h_e / H)
    cfg = _config(gm=0.0, cda=cda, rho0=rho0, scale_height=H, tolerance=0.01)
    cfg = replace(cfg, steps=replace(cfg.steps, coast=30.0))
    out = Engine(cfg).run(_cases(_state(h_e, v_e, -90.0, mass)), record=True)
    ev = out.events
    i = np.flatnonzero(ev["code"] == Ev.IMPACT)[0]
    assert ev["alt_mola"][i] == pytest.approx(0.0, abs=1e-3)
    assert ev["speed"][i] == pytest.approx(v_e * np.exp(-(rho0 - rho_e) * H / (2 * beta)), rel=1e-6)
    a_max = v_e**2 * np.exp(rho_e * H / beta) / (2 * np.e * H)
    assert out.peaks["deceleration_g"][0] * 9.80665 == pytest.approx(a_max, rel=1e-5)
    steps = np.sum(out.history["body"] == 0)
    assert steps < 0.5 * ev["t"][i] / 0.5


def test_error_controlled_lifting_entry_matches_fine_fixed_steps():
    """The AMAT comparison's kind of case (L/D 0.24 at a constant 60° bank, entry at 5.5 km/s and -15.5°, on the
    rotating planet with J2) flown to 10 km with the error-controlled steps (0.01 m, m/s) against RK4 at 0.02 s:
    the 10 km crossing (an event located inside a long step) within 0.1 ms and 5 cm, its speed within 1 mm/s,
    peak deceleration and dynamic pressure within 1e-5, in under a quarter of the steps of RK4 at the 0.5 s entry
    step (measured: 2 µs, 4 mm, 0.05 mm/s, 2e-7, in 36 steps against 424)."""
    mass, cda = 3000.0, 3000.0 / 135.0
    cfg = _config(j2=MARS.j2, omega=MARS.rotation_rate_rad_s, cda=cda, ground=10e3)
    cfg = replace(cfg, steps=replace(cfg.steps, coast=30.0))
    cd, cl = cfg.vehicle.aero_cd.copy(), cfg.vehicle.aero_cl.copy()
    cl[AERO_TRIM] = 0.24 * cd[AERO_TRIM]
    cfg = replace(cfg, vehicle=replace(cfg.vehicle, aero_cl=cl))
    cases = replace(_cases(_state(125e3, 5500.0, -15.5, mass)), bank0_rad=np.array([np.radians(60.0)]))
    runs = {}
    for name, steps in (("free", replace(cfg.steps, tolerance=0.01)), ("fine", replace(cfg.steps, entry=0.02))):
        out = Engine(replace(cfg, steps=steps)).run(cases, record=True)
        ev = out.events
        i = np.flatnonzero(ev["code"] == Ev.IMPACT)[0]
        runs[name] = ({k: ev[k][i] for k in ("t", "x", "y", "z", "speed")}, out.peaks,
                      np.sum(out.history["body"] == 0))
    (a, pa, na), (b, pb, _) = runs["free"], runs["fine"]
    assert a["t"] == pytest.approx(b["t"], abs=1e-4)
    assert np.linalg.norm([a[k] - b[k] for k in "xyz"]) < 0.05
    assert a["speed"] == pytest.approx(b["speed"], abs=1e-3)
    for k in ("deceleration_g", "dynamic_pressure_pa"):
        assert pa[k][0] == pytest.approx(pb[k][0], rel=1e-5), k
    assert na < 0.25 * a["t"] / 0.5
