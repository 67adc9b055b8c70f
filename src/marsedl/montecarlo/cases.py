"""Turn a chunk's draws into the engine's per-case inputs (vectorised over the chunk) and an inputs table."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from marsedl.engine import CaseInputs
from marsedl.flight import nominal_cases
from marsedl.montecarlo.context import RunContext
from marsedl.montecarlo.dispersions import HARDWARE_FIELDS, NAV_COMPONENTS
from marsedl.montecarlo.sampling import Draws
from marsedl.planet import cartesian_to_spherical, destination, flight_from_velocity, velocity_from_flight

__all__ = ["build_cases", "input_columns"]

_ENTRY_FIELDS = ("fpa_deg", "speed_m_s", "azimuth_deg", "downrange_km", "crossrange_km")


def _entry_states(ctx: RunContext, d: dict[str, np.ndarray]) -> np.ndarray:
    """Dispersed entry states (n, 7); cases with no entry-state deviation keep the planned state exactly."""
    y_nom = np.asarray(ctx.setup.plan.y0, dtype=float).reshape(1, 7)
    n = d["fpa_deg"].size
    r0, v0 = y_nom[:, :3], y_nom[:, 3:6]
    lat0, lon0, rad0 = cartesian_to_spherical(r0)
    speed0, fpa0, az0 = flight_from_velocity(r0, v0)
    # move the entry point along, then across, the entry heading (great circles on the entry sphere)
    lat, lon = destination(lat0, lon0, az0, d["downrange_km"] * 1e3, rad0)
    lat, lon = destination(lat, lon, az0 + 0.5 * np.pi, d["crossrange_km"] * 1e3, rad0)
    r = rad0[:, None] * np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    v = velocity_from_flight(lat, lon, speed0 + d["speed_m_s"], fpa0 + np.radians(d["fpa_deg"]),
                             az0 + np.radians(d["azimuth_deg"]))
    y = np.repeat(y_nom, n, axis=0)
    moved = np.zeros(n, dtype=bool)
    for name in _ENTRY_FIELDS:
        moved |= d[name] != 0.0
    y[moved, :3] = r[moved]
    y[moved, 3:6] = v[moved]
    y[:, 6] = y_nom[0, 6] + d["mass_kg"]
    return y


def _hardware(ctx: RunContext, d: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Per-case shed masses, separation speeds, delays and altimeter bias (preset value + deviation)."""
    cfg = ctx.setup.config
    v, s = cfg.vehicle, cfg.sequence
    z = np.zeros(n)
    dev = {k: np.asarray(d.get(k, z), dtype=float) for k in HARDWARE_FIELDS}
    return {
        "heat_shield_mass_kg": v.heat_shield_mass_kg + dev["heat_shield_mass_kg"],
        "backshell_mass_kg": v.backshell_mass_kg + dev["backshell_mass_kg"],
        "ebm_mass_kg": v.ebm_mass_kg + dev["entry_balance_mass_kg"],
        "cbm_mass_kg": v.cbm_mass_kg + dev["cruise_balance_mass_kg"],
        "hs_delta_v_m_s": s.hs_delta_v_m_s + dev["heat_shield_delta_v_m_s"],
        "backshell_delta_v_m_s": s.backshell_delta_v_m_s + dev["backshell_delta_v_m_s"],
        "ebm_delta_v_m_s": s.ebm_delta_v_m_s + dev["entry_balance_delta_v_m_s"],
        "line_stretch_delay_s": v.line_stretch_delay_s + dev["parachute_deploy_delay_s"],
        "hs_min_time_s": s.hs_min_time_s + dev["heat_shield_delay_s"],
        "powered_delay_s": s.powered_delay_s + dev["powered_descent_delay_s"],
        "backshell_altitude_bias_m": dev["backshell_altitude_m"],
        "nav_position_error_m": np.column_stack([np.asarray(d.get(k, z), dtype=float) for k in NAV_COMPONENTS[:3]]),
        "nav_velocity_error_m_s": np.column_stack([np.asarray(d.get(k, z), dtype=float)
                                                   for k in NAV_COMPONENTS[3:]]),
    }


def build_cases(ctx: RunContext, draws: Draws) -> CaseInputs:
    """Engine inputs for the drawn cases: the nominal cases with every dispersion applied.

    The entry mass carries the shed hardware: a heavier heat shield, backshell or entry balance mass makes the
    entry vehicle heavier by as much, so the vehicle left after each separation keeps its nominal mass (plus the
    ``mass_kg`` deviation). Cruise balance masses are shed before entry and do not change the entry mass.
    """
    d = draws.values
    n = draws.n
    base = nominal_cases(ctx.setup, n)
    hw = _hardware(ctx, d, n)  # within the preset fields' ranges: checked on the spec (plan_run)
    y0 = _entry_states(ctx, d)
    z = np.zeros(n)
    y0[:, 6] += (d.get("heat_shield_mass_kg", z) + d.get("backshell_mass_kg", z)
                 + ctx.setup.config.vehicle.n_ebm * d.get("entry_balance_mass_kg", z))
    return replace(
        base,
        y0=y0,
        **hw,
        cd_scale=base.cd_scale * (1.0 + d["cd_rel"]),
        cl_scale=base.cl_scale * (1.0 + d["cl_rel"]),
        chute_cd_scale=base.chute_cd_scale * (1.0 + d["chute_cd_rel"]),
        density_factor=base.density_factor * (1.0 + d["density_rel"]),
        wind_scale=base.wind_scale * (1.0 + d["wind_rel"]),
        range_trigger_m=base.range_trigger_m + d["range_trigger_m"],
        velocity_trigger_m_s=base.velocity_trigger_m_s + d["velocity_trigger_m_s"],
        atm_row=draws.profile_rows(ctx.n_profiles),
        density_perturbation=draws.density_perturbation,
        wind_perturbation=draws.wind_perturbation,
    )


def input_columns(ctx: RunContext, draws: Draws) -> dict[str, np.ndarray]:
    """The dispersed inputs as table columns ``in_<dispersion>`` (deviations, units as named)."""
    cols = {f"in_{k}": np.asarray(v, dtype=float) for k, v in draws.values.items()}
    cols["in_atm_row"] = draws.profile_rows(ctx.n_profiles)
    if draws.density_perturbation is not None:
        local = np.arange(draws.n)
        for km in (10, 40):
            f = draws.density_perturbation.evaluate(np.full(draws.n, km * 1e3), local)
            cols[f"in_density_profile_ln_{km}km"] = np.log(f)
    if draws.wind_perturbation is not None:
        local = np.arange(draws.n)
        ground = ctx.setup.config.site.ground_mola_m
        for km in (3, 8):  # above the site, in the parachute descent (deploy near 11 km, backshell off at 2.1 km)
            east, north = draws.wind_perturbation.evaluate(np.full(draws.n, ground + km * 1e3), local)
            cols[f"in_wind_profile_east_{km}km_agl_m_s"] = east
            cols[f"in_wind_profile_north_{km}km_agl_m_s"] = north
    return cols
