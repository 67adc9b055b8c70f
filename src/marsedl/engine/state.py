"""The run state of the engine: flat per-body arrays (:class:`_State`), the controls held over a step
(:class:`_Ctx`), observables (:class:`_Obs`), the event log and histories, and the navigated state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marsedl import kernels
from marsedl.engine.config import _BALLISTIC, _UNBORN, CaseInputs, EngineConfig, Ev
from marsedl.laws.navigation import navigated_many
from marsedl.planet import spherical_to_cartesian


class _Obs:
    """Observables of a set of bodies, one row each (columns as :data:`marsedl.kernels.O_ALT_MOLA` etc.)."""

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray):
        self.data = data

    def take(self, idx) -> _Obs:
        return _Obs(self.data[idx])

    alt_mola = property(lambda self: self.data[:, kernels.O_ALT_MOLA])
    alt_agl = property(lambda self: self.data[:, kernels.O_ALT_AGL])
    speed = property(lambda self: self.data[:, kernels.O_SPEED])
    mach = property(lambda self: self.data[:, kernels.O_MACH])
    q = property(lambda self: self.data[:, kernels.O_Q])
    rho = property(lambda self: self.data[:, kernels.O_RHO])
    aero_g = property(lambda self: self.data[:, kernels.O_AERO_G])
    up = property(lambda self: self.data[:, kernels.O_UP:kernels.O_UP + 3])
    grav = property(lambda self: self.data[:, kernels.O_GRAV:kernels.O_GRAV + 3])
    drag = property(lambda self: self.data[:, kernels.O_DRAG])
    rad = property(lambda self: self.data[:, kernels.O_RAD])
    slat = property(lambda self: self.data[:, kernels.O_SLAT])
    canopy_force = property(lambda self: self.data[:, kernels.O_CANOPY])


@dataclass
class _Ctx:
    """Per-body values of a subset, held over a step."""

    phase: np.ndarray
    aero_id: np.ndarray
    cd_scale: np.ndarray
    cl_scale: np.ndarray
    chute_cd_scale: np.ndarray
    density_factor: np.ndarray
    wind_scale: np.ndarray
    case: np.ndarray
    density_perturbation: object | None
    atm_row: np.ndarray
    lifting: np.ndarray  # float 0/1
    cos_bank: np.ndarray
    sin_bank: np.ndarray
    has_chute: np.ndarray  # bool
    t_line_stretch: np.ndarray
    t_inflation: float
    inflation_exponent: float
    thrust: np.ndarray | None
    thrust_mag: np.ndarray | None
    t_deploy: np.ndarray
    t_mark: np.ndarray
    dry_mass: np.ndarray
    stop_speed: np.ndarray
    deploy_enabled: np.ndarray
    range_trigger: np.ndarray
    velocity_trigger: np.ndarray
    aim_range: np.ndarray
    target_lat: np.ndarray
    target_lon: np.ndarray
    target_radius: float
    pd_target: np.ndarray | None = None  # (n, 3) powered-descent aim point of each body's case
    flyaway_dir: np.ndarray | None = None  # (n, 3) fly-away azimuth of each body's case
    hs_min_time: np.ndarray | None = None  # heat-shield minimum time after deploy of each body's case, s
    backshell_alt: np.ndarray | None = None  # backshell separation altitude AGL (with the altimeter bias), m
    powered_delay: np.ndarray | None = None  # backshell separation to powered-descent start, s
    nav_on: np.ndarray | None = None  # bool: the case has a navigation error
    nav_dr: np.ndarray | None = None  # (n, 3) position error east/north/up, m
    nav_dv: np.ndarray | None = None  # (n, 3) velocity error east/north/up, m/s
    fired: np.ndarray | None = None  # int bits: the preset's events that have happened to the body
    wind_perturbation: object | None = None  # marsedl.atmosphere.WindPerturbation (rows = cases), shared
    _packed: tuple | None = None

    def packed(self) -> tuple[np.ndarray, np.ndarray]:
        """The per-body values as the kernels take them: floats (n, NCF) and ints (n, NCI); cached."""
        if self._packed is None:
            K = kernels
            n = self.phase.shape[0]
            cf = np.empty((n, K.NCF))
            cf[:, K.CF_CD_SCALE] = self.cd_scale
            cf[:, K.CF_CL_SCALE] = self.cl_scale
            cf[:, K.CF_CHUTE_CD_SCALE] = self.chute_cd_scale
            cf[:, K.CF_DENSITY_FACTOR] = self.density_factor
            cf[:, K.CF_WIND_SCALE] = self.wind_scale
            cf[:, K.CF_LIFTING] = self.lifting
            cf[:, K.CF_COS_BANK] = self.cos_bank
            cf[:, K.CF_SIN_BANK] = self.sin_bank
            cf[:, K.CF_HAS_CHUTE] = self.has_chute
            cf[:, K.CF_T_LINE_STRETCH] = self.t_line_stretch
            if self.thrust is None:
                cf[:, K.CF_THRUST_X:K.CF_THRUST_MAG + 1] = 0.0
            else:
                cf[:, K.CF_THRUST_X:K.CF_THRUST_X + 3] = self.thrust
                cf[:, K.CF_THRUST_MAG] = self.thrust_mag
            cf[:, K.CF_STOP_SPEED] = self.stop_speed
            cf[:, K.CF_DEPLOY_ENABLED] = self.deploy_enabled
            cf[:, K.CF_RANGE_TRIGGER] = self.range_trigger
            cf[:, K.CF_VELOCITY_TRIGGER] = self.velocity_trigger
            cf[:, K.CF_TARGET_LAT] = self.target_lat
            cf[:, K.CF_TARGET_LON] = self.target_lon
            cf[:, K.CF_TARGET_UNIT:K.CF_TARGET_UNIT + 3] = unit_vector(self.target_lat, self.target_lon)
            cf[:, K.CF_T_DEPLOY] = self.t_deploy
            cf[:, K.CF_T_MARK] = self.t_mark
            cf[:, K.CF_DRY_MASS] = self.dry_mass
            for col, value in ((K.CF_PD_TARGET, self.pd_target), (K.CF_FLYAWAY_DIR, self.flyaway_dir)):
                cf[:, col:col + 3] = 0.0 if value is None else value
            cf[:, K.CF_ENTRY_GUIDED:K.CF_BANK_BEFORE + 1] = 0.0  # entry guidance: filled by the engine
            for col, value in ((K.CF_HS_MIN_TIME, self.hs_min_time), (K.CF_BACKSHELL_ALT, self.backshell_alt),
                               (K.CF_POWERED_DELAY, self.powered_delay)):
                cf[:, col] = 0.0 if value is None else value
            cf[:, K.CF_NAV_ON] = 0.0 if self.nav_on is None else self.nav_on
            cf[:, K.CF_NAV_DR:K.CF_NAV_DR + 3] = 0.0 if self.nav_dr is None else self.nav_dr
            cf[:, K.CF_NAV_DV:K.CF_NAV_DV + 3] = 0.0 if self.nav_dv is None else self.nav_dv
            ci = np.empty((n, K.NCI), dtype=np.int64)
            ci[:, K.CI_AERO_ID] = self.aero_id
            ci[:, K.CI_ATM_ROW] = self.atm_row
            ci[:, K.CI_CASE] = self.case
            ci[:, K.CI_PHASE] = self.phase
            ci[:, K.CI_FIRED] = 0 if self.fired is None else self.fired
            self._packed = (cf, ci)
        return self._packed

    def refresh_controls(self) -> None:
        """Copy the controls guidance has just written (bank, thrust) into the packed values."""
        if self._packed is None:
            return
        K = kernels
        cf = self._packed[0]
        cf[:, K.CF_COS_BANK] = self.cos_bank
        cf[:, K.CF_SIN_BANK] = self.sin_bank
        if self.thrust is not None:
            cf[:, K.CF_THRUST_X:K.CF_THRUST_X + 3] = self.thrust
            cf[:, K.CF_THRUST_MAG] = self.thrust_mag

    def take(self, idx) -> _Ctx:
        """Copy with every per-body array indexed by ``idx`` (a mask or indices)."""
        out = {}
        for name in _CTX_PER_BODY:
            value = getattr(self, name)
            out[name] = value[idx] if value is not None else None
        for name in _CTX_SHARED:
            out[name] = getattr(self, name)
        if self._packed is not None:
            out["_packed"] = (self._packed[0][idx], self._packed[1][idx])
        return _Ctx(**out)

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


_CTX_SHARED = ("density_perturbation", "wind_perturbation", "t_inflation", "inflation_exponent", "target_radius")
_CTX_PER_BODY = tuple(f for f in _Ctx.__dataclass_fields__ if f not in _CTX_SHARED and f != "_packed")




def _vacuum_ctx(n: int) -> _Ctx:
    """Controls for bodies with no air, lift, parachute or thrust (coasting before entry)."""
    z = np.zeros(n)
    return _Ctx(phase=np.full(n, _BALLISTIC), aero_id=np.zeros(n, dtype=np.int64), cd_scale=z,
                cl_scale=z, chute_cd_scale=z, density_factor=z, wind_scale=z, case=np.zeros(n, dtype=np.int64),
                density_perturbation=None, atm_row=np.zeros(n, dtype=np.int64),
                lifting=z, cos_bank=z, sin_bank=z, has_chute=np.zeros(n, dtype=bool),
                t_line_stretch=np.full(n, np.inf), t_inflation=1.0, inflation_exponent=1.0, thrust=None,
                thrust_mag=None, t_deploy=z, t_mark=z, dry_mass=z, stop_speed=z,
                deploy_enabled=np.zeros(n, dtype=bool), range_trigger=z, velocity_trigger=z, aim_range=z,
                target_lat=z, target_lon=z, target_radius=1.0)


_Ctx.vacuum = staticmethod(_vacuum_ctx)


class _State:
    """Flat arrays over all bodies of all cases (body = case * n_slots + slot), and per-case records."""

    @classmethod
    def allocate(cls, config: EngineConfig, cases: CaseInputs) -> _State:
        st = cls()
        v = config.vehicle
        n, S = cases.n, v.n_slots
        N = n * S
        cases = cases.resolved(config)
        st.cases = cases
        st.nav_on = np.any(cases.nav_position_error_m != 0.0, axis=1) | np.any(cases.nav_velocity_error_m_s != 0.0,
                                                                               axis=1)
        st.n_slots = S
        st.case = np.repeat(np.arange(n), S)
        st.slot = np.tile(np.arange(S), n)
        st.t = np.zeros(N)
        st.y = np.zeros((N, 7))
        st.phase = np.full(N, _UNBORN, dtype=np.int64)
        st.aero_id = np.zeros(N, dtype=np.int64)
        st.t_mark = np.full(N, np.inf)
        st.dry_mass = np.zeros(N)
        st.fired = np.zeros(N, dtype=np.int64)  # bit k: the preset's event k has happened to the body
        vi = np.arange(n) * S
        st.vehicle_index = vi
        st.y[vi] = cases.y0
        st.t[vi] = cases.time_offset_s
        st.phase[vi] = v.start_phase
        st.aero_id[vi] = v.start_aero_id
        st.bank = cases.bank0_rad.astype(float).copy()
        st.bank_rate = np.zeros(n)
        st.bank_sign = np.where(cases.bank0_rad < 0, -1.0, 1.0)
        st.guidance_on = np.zeros(n, dtype=bool)
        st.heading_aligned = np.zeros(n, dtype=bool)
        st.guidance_t_next = np.full(n, -np.inf)  # flight time of the next entry-guidance cycle
        st.t_deploy = np.full(n, np.inf)
        st.t_line_stretch = np.full(n, np.inf)
        st.pd_target = np.zeros((n, 3))
        st.flyaway_dir = np.zeros((n, 3))
        st.outcome = np.zeros(n, dtype=np.int64)
        st.peak_g = np.zeros(n)
        st.peak_g_t = np.full(n, np.nan)
        st.peak_q = np.zeros(n)
        st.peak_heat = np.zeros(n)
        st.peak_chute_load = np.zeros(n)
        st.deploy_mach = np.full(n, np.nan)
        st.deploy_q = np.full(n, np.nan)
        st.prop_start = np.full(n, np.nan)
        st.prop_used = np.full(n, np.nan)
        st.trn_divert = np.full(n, np.nan)  # safe-spot divert (m); NaN: no hazard map, or no powered descent
        st.trn_safe = np.full(n, np.nan)  # 1: a safe cell in reach, 0: none (stayed on its spot); NaN: no map
        st.target_radius = float(config.site.areoid_radius_m + config.site.ground_mola_m)
        return st

    def body_index(self, cases: np.ndarray, slot: int) -> np.ndarray:
        return cases * self.n_slots + slot


_EVENT_COLUMNS = ("case", "body", "code", "t", "x", "y", "z", "vx", "vy", "vz", "mass", "alt_agl", "alt_mola",
                  "lat", "lon", "speed", "mach", "q", "accel_g", "bank")


class _Log:
    """Event rows, appended as arrays (one block per event application), concatenated at the end."""

    def __init__(self):
        self.blocks: list[np.ndarray] = []

    def add(self, st: _State, bodies: np.ndarray, code: Ev, obs: _Obs) -> None:
        self.blocks.append(_rows(st, bodies, obs, code))

    def table(self) -> dict[str, np.ndarray]:
        data = np.concatenate(self.blocks) if self.blocks else np.zeros((0, len(_EVENT_COLUMNS)))
        order = np.lexsort((data[:, 3], data[:, 0]))
        data = data[order]
        out = {name: data[:, k] for k, name in enumerate(_EVENT_COLUMNS)}
        for name in ("case", "body", "code"):
            out[name] = out[name].astype(np.int64)
        return out


class _History(_Log):
    def add(self, st: _State, bodies: np.ndarray, obs: _Obs) -> None:  # type: ignore[override]
        rows = _rows(st, bodies, obs, -1)
        rows[:, 2] = st.phase[bodies]
        self.blocks.append(rows)

    def add_steps(self, st: _State, bodies: np.ndarray, hb: np.ndarray, hn: np.ndarray) -> None:
        """The rows the kernels wrote for the quiet steps of ``bodies`` (``hb[k, :hn[k]]`` for body ``k``)."""
        K = kernels
        if not hn.any():
            return
        k = np.repeat(np.arange(bodies.size), hn)
        rows = hb[k, np.concatenate([np.arange(c) for c in hn])]
        b = bodies[k]
        y = rows[:, K.H_Y:K.H_Y + 7]
        ob = rows[:, K.H_OBS:K.H_OBS + K.NOBS]
        bank = rows[:, K.H_BANK]
        bank = np.where(np.isnan(bank), st.bank[st.case[b]], bank)  # (an entry vehicle's bank is the kernel's)
        bank = np.where(st.slot[b] == 0, bank, np.nan)
        self.blocks.append(np.column_stack([
            st.case[b], st.slot[b], st.phase[b], rows[:, K.H_T], y, ob[:, K.O_ALT_AGL], ob[:, K.O_ALT_MOLA],
            np.arcsin(np.clip(ob[:, K.O_SLAT], -1, 1)), np.arctan2(y[:, 1], y[:, 0]), ob[:, K.O_SPEED],
            ob[:, K.O_MACH], ob[:, K.O_Q], ob[:, K.O_AERO_G], bank]))

    def table(self) -> dict[str, np.ndarray]:
        out = super().table()
        out["phase"] = out.pop("code")
        return out


def _rows(st: _State, bodies: np.ndarray, obs: _Obs, code) -> np.ndarray:
    y = st.y[bodies]
    lat = np.arcsin(np.clip(obs.slat, -1, 1))
    lon = np.arctan2(y[:, 1], y[:, 0])
    bank = np.where(st.slot[bodies] == 0, st.bank[st.case[bodies]], np.nan)
    return np.column_stack([
        st.case[bodies], st.slot[bodies], np.full(bodies.size, int(code)), st.t[bodies], y,
        obs.alt_agl, obs.alt_mola, lat, lon, obs.speed, obs.mach, obs.q, obs.aero_g, bank,
    ])
