"""Every declared dispersion is really applied: zero width flies the nominal; each one alone moves its output."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from marsedl.atmosphere import DensityPerturbation
from marsedl.engine import Engine
from marsedl.flight import nominal_cases
from marsedl.montecarlo import SCALAR_FIELDS, DispersionSpec, fly_chunk
from marsedl.montecarlo.cases import build_cases
from marsedl.montecarlo.sampling import PERTURBATION_GRID_M, Draws
from marsedl.montecarlo.tabulate import case_table
from marsedl.planet import cartesian_to_spherical, flight_from_velocity, surface_distance_bearing
from marsedl.result import build_result

DELTAS = {"fpa_deg": 0.2, "speed_m_s": 20.0, "azimuth_deg": 0.5, "downrange_km": 5.0, "crossrange_km": 3.0,
          "mass_kg": 50.0, "cd_rel": 0.05, "cl_rel": 0.1, "chute_cd_rel": 0.1, "density_rel": 0.1, "wind_rel": 1.0,
          "range_trigger_m": 500.0}
PROFILE_LN = 0.1  # last case: altitude-correlated factor exp(0.1) at every altitude


def _one_at_a_time(n_extra: int = 1):
    names = list(DELTAS)
    n = len(names) + 1 + n_extra
    vals = {k: np.zeros(n) for k in SCALAR_FIELDS}
    for j, k in enumerate(names):
        vals[k][j + 1] = DELTAS[k]
    h0, h1, dh = PERTURBATION_GRID_M
    f = np.ones((n, int(round((h1 - h0) / dh)) + 1))
    f[-1] = math.exp(PROFILE_LN)
    return names, Draws(start=0, values=vals, profile_uniform=np.full(n, 0.5),
                        density_perturbation=DensityPerturbation(f, h0, dh))


@pytest.fixture(scope="module")
def flown(ctx_zero):
    names, draws = _one_at_a_time()
    cases = build_cases(ctx_zero, draws)
    df = pd.DataFrame(case_table(Engine(ctx_zero.setup.config).run(cases), ctx_zero, 0))
    df.index = ["nominal", *names, "density_profile"]
    return df, cases


def test_zero_width_flies_exactly_the_nominal(ctx_zero):
    df = fly_chunk(ctx_zero, 123, 0, 2)
    out = Engine(ctx_zero.setup.config).run(nominal_cases(ctx_zero.setup, 1))
    m = ctx_zero.setup.mission
    nominal = build_result(out, case=0, preset=m.name, target_lat_deg=m.site.lat_deg, target_lon_deg=m.site.lon_deg,
                           radius_m=ctx_zero.radius_m, atmosphere="")
    for row in range(2):
        assert df.outcome[row] == nominal.outcome == "landed"
        assert df.touchdown_lat_deg[row] == nominal.touchdown.lat_deg
        assert df.touchdown_lon_deg[row] == nominal.touchdown.lon_deg
        assert df.miss_distance_m[row] == nominal.touchdown.miss_distance_m
        assert df.peak_deceleration_g[row] == nominal.peaks["deceleration_g"]
        hs = next(i for i in nominal.impacts if i.body == "heat_shield")
        assert df.impact_heat_shield_lat_deg[row] == hs.lat_deg
    assert (df.filter(like="in_") == 0).all().all()


def test_entry_state_dispersions_move_the_entry_state_by_the_declared_amount(ctx_zero, flown):
    _, cases = flown
    y = cases.y0
    names = ["nominal", *DELTAS]
    idx = {k: names.index(k) for k in DELTAS}
    speed, fpa, az = flight_from_velocity(y[:, :3], y[:, 3:6])
    assert math.degrees(fpa[idx["fpa_deg"]] - fpa[0]) == pytest.approx(0.2, abs=1e-9)
    assert speed[idx["speed_m_s"]] - speed[0] == pytest.approx(20.0, abs=1e-9)
    assert math.degrees(az[idx["azimuth_deg"]] - az[0]) == pytest.approx(0.5, abs=1e-9)
    lat, lon, rad = cartesian_to_spherical(y[:, :3])
    for key, km, turn in (("downrange_km", 5.0, 0.0), ("crossrange_km", 3.0, 90.0)):
        d, b = surface_distance_bearing(lat[0], lon[0], lat[idx[key]], lon[idx[key]], rad[0])
        assert d == pytest.approx(km * 1e3, rel=1e-6)
        assert (math.degrees(b - az[0]) + 180.0) % 360.0 - 180.0 == pytest.approx(turn, abs=0.01)
    assert y[idx["mass_kg"], 6] - y[0, 6] == 50.0
    assert cases.cd_scale[idx["cd_rel"]] == 1.05 and cases.chute_cd_scale[idx["chute_cd_rel"]] == 1.1


def test_each_dispersion_moves_the_output_physics_says_it_should(ctx_zero, flown):
    df, _ = flown
    d = df.select_dtypes("number") - df.select_dtypes("number").loc["nominal"]
    nom = df.loc["nominal"]
    # shallower entry: peak heating higher up in thinner air (Sutton-Graves q ~ sqrt(rho) V^3) -> lower peak
    assert d.loc["fpa_deg", "peak_heat_rate_w_cm2"] < 0
    # faster entry: peak heat rate up (V^3)
    assert d.loc["speed_m_s", "peak_heat_rate_w_cm2"] > 0
    # heading and cross-track position: the cross-track point under the parachute moves (guidance nulls part)
    assert abs(d.loc["azimuth_deg", "backshell_separation_cross_m"]) > 50
    assert abs(d.loc["crossrange_km", "backshell_separation_cross_m"]) > 50
    # entry 5 km closer to the target: the range trigger fires earlier
    assert d.loc["downrange_km", "parachute_deploy_t_s"] < -1.0
    # +50 kg flies all the way to powered descent: propellant ~ proportional to the powered vehicle's mass
    pdv = ctx_zero.setup.config.vehicle.pdv_mass_kg
    assert d.loc["mass_kg", "propellant_used_kg"] == pytest.approx(nom.propellant_used_kg * 50 / pdv, rel=0.3)
    # peak dynamic pressure scales with the ballistic coefficient (Allen-Eggers): C_D +5 % -> about -5 %
    assert d.loc["cd_rel", "peak_dynamic_pressure_pa"] / nom.peak_dynamic_pressure_pa == pytest.approx(-0.048,
                                                                                                    abs=0.02)
    # more lift: the guided capsule flies higher and reaches the trigger range higher up
    assert d.loc["cl_rel", "parachute_deploy_alt_agl_m"] > 50
    # parachute C_D acts only after deploy: deploy state unchanged, opening load and descent time up
    assert d.loc["chute_cd_rel", "deploy_mach"] == 0.0
    assert d.loc["chute_cd_rel", "peak_parachute_load_n"] / nom.peak_parachute_load_n == pytest.approx(0.1, abs=0.05)
    assert d.loc["chute_cd_rel", "backshell_separation_t_s"] > 1.0
    # denser air by a factor f: the same deceleration happens H ln f higher (H = R T / g ~ 10 km near 11 km)
    h_scale = 188.9 * 205.0 / 3.71
    for row, lnf in (("density_rel", math.log(1.1)), ("density_profile", PROFILE_LN)):
        assert d.loc[row, "parachute_deploy_alt_agl_m"] == pytest.approx(h_scale * lnf, rel=0.3)
    # winds doubled: drift under the parachute changes the along-track point
    assert abs(d.loc["wind_rel", "backshell_separation_along_m"]) > 100
    # the range trigger threshold +500 m: deploy 500 m further uprange of the target
    assert d.loc["range_trigger_m", "parachute_deploy_along_m"] == pytest.approx(-500.0, abs=25.0)


def test_velocity_trigger_dispersion_sets_the_deploy_speed(ctx_velocity):
    ctx = replace(ctx_velocity, spec=DispersionSpec())
    vals = {k: np.zeros(2) for k in SCALAR_FIELDS}
    vals["velocity_trigger_m_s"][1] = 20.0
    draws = Draws(start=0, values=vals, profile_uniform=np.full(2, 0.5), density_perturbation=None)
    df = pd.DataFrame(case_table(Engine(ctx.setup.config).run(build_cases(ctx, draws)), ctx, 0))
    v0 = ctx.setup.mission.parachute.velocity_trigger_m_s
    assert df.parachute_deploy_speed_m_s[0] == pytest.approx(v0, abs=0.5)
    assert df.parachute_deploy_speed_m_s[1] == pytest.approx(v0 + 20.0, abs=0.5)


def test_marsgram_profiles_are_drawn_per_case(ctx_zero, shared_data):
    from marsedl.montecarlo.context import _marsgram_grid

    path = shared_data / "marsgram" / "LAT20N.txt"
    grid, n_prof = _marsgram_grid(str(path), ctx_zero.setup.config.atmosphere)
    assert n_prof > 1 and grid.n_rows == n_prof
    spec = DispersionSpec(marsgram_file=str(path))
    ctx = replace(ctx_zero, spec=spec, n_profiles=n_prof,
                  setup=replace(ctx_zero.setup, config=replace(ctx_zero.setup.config, atmosphere=grid)))
    df = fly_chunk(ctx, 2, 0, 4)
    assert df.in_atm_row.between(0, n_prof - 1).all() and df.in_atm_row.nunique() > 1
    # different density profiles: different peak dynamic pressure
    assert df.peak_dynamic_pressure_pa.nunique() == df.in_atm_row.nunique()
