"""The run state of the engine as the compiled flight takes it (:class:`RunArrays`: flat per-body arrays, per-case
inputs and results), and the event log and histories as the engine returns them (:func:`rows_table`).

Bodies are numbered ``case * n_slots + slot`` (slot 0: the vehicle). Each body's per-body columns ``cf``/``ci``
(:mod:`marsedl.kernels.layout`) hold its case's inputs from the start; the columns that follow the flight (its
phase, aerodynamic model, mass, time mark, the case's bank and guidance state, deploy time...) are written by the
compiled code (:mod:`marsedl.kernels.actions`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marsedl import kernels as K
from marsedl.engine.config import _UNBORN, CaseInputs, EngineConfig
from marsedl.laws.navigation import navigated_many
from marsedl.planet import spherical_to_cartesian

#: the columns of an event log row (and of a history row, with ``phase`` for ``code``)
_EVENT_COLUMNS = ("case", "body", "code", "t", "x", "y", "z", "vx", "vy", "vz", "mass", "alt_agl", "alt_mola",
                  "lat", "lon", "speed", "mach", "q", "accel_g", "bank")


@dataclass
class RunArrays:
    """Everything the compiled flight reads and writes for ``n`` cases of ``n_slots`` bodies each."""

    t: np.ndarray  # (N,) each body's time, s
    y: np.ndarray  # (N, 7) planet-fixed state
    cf: np.ndarray  # (N, NCF) per-body float columns
    ci: np.ndarray  # (N, NCI) per-body int columns
    cin: np.ndarray  # (n, NCIN) per-case inputs of the event actions
    res: np.ndarray  # (n, NRES) per-case results
    outcome: np.ndarray  # (n,) Outcome codes
    parts: np.ndarray  # (n, n_parts, 2) each part's mass and push

    @classmethod
    def allocate(cls, config: EngineConfig, cases: CaseInputs, part_values: np.ndarray) -> RunArrays:
        """The state at entry interface of the resolved ``cases`` (:meth:`CaseInputs.resolved`): each vehicle at
        its start, every other body unborn."""
        v = config.vehicle
        n, S = cases.n, v.n_slots
        N = n * S
        case = np.repeat(np.arange(n), S)
        vi = np.arange(n) * S
        t = np.zeros(N)
        y = np.zeros((N, 7))
        t[vi] = cases.time_offset_s
        y[vi] = cases.y0
        ci = np.zeros((N, K.NCI), dtype=np.int64)
        ci[:, K.CI_PHASE] = _UNBORN
        ci[vi, K.CI_PHASE] = v.start_phase
        ci[vi, K.CI_AERO_ID] = v.start_aero_id
        ci[:, K.CI_ATM_ROW] = cases.atm_row[case]
        ci[:, K.CI_CASE] = case
        cf = np.zeros((N, K.NCF))
        per_case = ((K.CF_CD_SCALE, cases.cd_scale), (K.CF_CL_SCALE, cases.cl_scale),
                    (K.CF_CHUTE_CD_SCALE, cases.chute_cd_scale), (K.CF_DENSITY_FACTOR, cases.density_factor),
                    (K.CF_WIND_SCALE, cases.wind_scale), (K.CF_RANGE_TRIGGER, cases.range_trigger_m),
                    (K.CF_VELOCITY_TRIGGER, cases.velocity_trigger_m_s), (K.CF_TARGET_LAT, cases.target_lat_rad),
                    (K.CF_TARGET_LON, cases.target_lon_rad), (K.CF_HS_MIN_TIME, cases.hs_min_time_s),
                    (K.CF_BACKSHELL_ALT, config.sequence.backshell_altitude_agl_m + cases.backshell_altitude_bias_m),
                    (K.CF_POWERED_DELAY, cases.powered_delay_s), (K.CF_PLANAR, cases.planar),
                    (K.CF_GUIDED, cases.guided), (K.CF_BANK0, cases.bank0_rad), (K.CF_AIM_RANGE, cases.aim_range_m))
        for col, value in per_case:
            cf[:, col] = np.asarray(value, dtype=float)[case]
        nav_on = (np.any(cases.nav_position_error_m != 0.0, axis=1)
                  | np.any(cases.nav_velocity_error_m_s != 0.0, axis=1))
        cf[:, K.CF_NAV_ON] = nav_on[case]
        cf[:, K.CF_NAV_DR:K.CF_NAV_DR + 3] = cases.nav_position_error_m[case]
        cf[:, K.CF_NAV_DV:K.CF_NAV_DV + 3] = cases.nav_velocity_error_m_s[case]
        cf[:, K.CF_TARGET_UNIT:K.CF_TARGET_UNIT + 3] = spherical_to_cartesian(cases.target_lat_rad[case],
                                                                              cases.target_lon_rad[case], 1.0)
        # the vehicle's own: the planning runs' stop speed, the parachute, and the entry guidance's start
        cf[vi, K.CF_STOP_SPEED] = cases.stop_speed_m_s
        cf[vi, K.CF_DEPLOY_ENABLED] = cases.deploy_enabled
        cf[vi, K.CF_BANK] = cases.bank0_rad
        cf[vi, K.CF_BANK_SIGN] = np.where(cases.bank0_rad < 0, -1.0, 1.0)
        cf[vi, K.CF_T_GUIDE] = -np.inf  # the flight time of the next guidance cycle: at the first step
        cf[:, K.CF_T_LINE_STRETCH] = np.inf
        cf[:, K.CF_T_DEPLOY] = np.inf
        cf[:, K.CF_T_MARK] = np.inf
        cin = np.zeros((n, K.NCIN))
        cin[:, K.CIN_LINE_STRETCH_DELAY] = cases.line_stretch_delay_s
        cin[:, K.CIN_EBM_MASS] = cases.ebm_mass_kg
        cin[:, K.CIN_EBM_DV] = cases.ebm_delta_v_m_s
        cin[:, K.CIN_DIVERT_LIMIT] = cases.divert_limit_m
        cin[:, K.CIN_CBM_MASS] = cases.cbm_mass_kg
        res = np.full((n, K.NRES), np.nan)
        for col in (K.PK_G, K.PK_Q, K.PK_CHUTE_LOAD, K.PK_HEAT):
            res[:, K.RES_PK + col] = 0.0
        return cls(t=t, y=y, cf=cf, ci=ci, cin=cin, res=res, outcome=np.zeros(n, dtype=np.int64),
                   parts=np.ascontiguousarray(part_values))


def navigated_state(r: np.ndarray, v: np.ndarray, dr_enu: np.ndarray, dv_enu: np.ndarray):
    """Navigated position and velocity (n, 3): the true ones plus constant errors given east/north/up in the
    local frame of the true position ``r`` (planet-fixed, m and m/s); :func:`marsedl.laws.navigated` for
    each row."""
    f = np.ascontiguousarray
    return navigated_many(f(r, dtype=float), f(v, dtype=float), f(dr_enu, dtype=float), f(dv_enu, dtype=float))


def unit_vector(lat_rad, lon_rad) -> np.ndarray:
    """Planet-fixed unit vectors (n, 3) of planetocentric latitude/longitude (:func:`spherical_to_cartesian` at
    radius 1)."""
    return spherical_to_cartesian(lat_rad, lon_rad, 1.0)


def rows_table(case: np.ndarray, slot: np.ndarray, code: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The rows (m, 20) of :data:`_EVENT_COLUMNS` from the compiled rows' case, body slot, code (or phase) and
    history fields ``h`` (m, NH): latitude and longitude from the state."""
    y = h[:, K.H_Y:K.H_Y + 7]
    ob = h[:, K.H_OBS:K.H_OBS + K.NOBS]
    return np.column_stack([
        case, slot, code, h[:, K.H_T], y, ob[:, K.O_ALT_AGL], ob[:, K.O_ALT_MOLA],
        np.arcsin(np.clip(ob[:, K.O_SLAT], -1, 1)), np.arctan2(y[:, 1], y[:, 0]), ob[:, K.O_SPEED],
        ob[:, K.O_MACH], ob[:, K.O_Q], ob[:, K.O_AERO_G], h[:, K.H_BANK]])


def columns(blocks: list[np.ndarray], code_name: str = "code") -> dict[str, np.ndarray]:
    """The rows of ``blocks`` (each from :func:`rows_table`) as named columns, sorted by case and time (stable:
    rows of one case at one instant keep the order in which they were written); ``code_name``: the name of the
    third column (``phase`` for histories, placed last)."""
    data = np.concatenate(blocks) if blocks else np.zeros((0, len(_EVENT_COLUMNS)))
    data = data[np.lexsort((data[:, 3], data[:, 0]))]
    out = {name: data[:, k] for k, name in enumerate(_EVENT_COLUMNS)}
    for name in ("case", "body", "code"):
        out[name] = out[name].astype(np.int64)
    if code_name != "code":
        out[code_name] = out.pop("code")
    return out
