"""What goes into and comes out of the engine: phases, events, outcomes, the configuration shared by
all cases, the per-case inputs and the raw output."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from marsedl.constants import G0  # noqa: F401  (re-exported: the engine's "g")
from marsedl.errors import MarsEDLError
from marsedl.phase import Phase
from marsedl.planet import Planet, Site
from marsedl.sequence import (  # noqa: F401
    ARMED,
    CONTINUOUS,
    GENERIC0,
    Ev,
    GenericEvent,
    Outcome,
    event_names,
    timeline_codes,
)
from marsedl.vehicle import VehicleModel

EVENT_NAMES = {e: e.name.lower() for e in Ev}


OUTCOME_NAMES = {o: o.name.lower() for o in Outcome}


# the continuous events, in the order of the kernels' event columns, and which phases arm each (marsedl.sequence)
_CONTINUOUS = CONTINUOUS
_N_EV = ARMED.shape[1]  # the built-in continuous events, then marsedl.sequence.N_GENERIC generic columns
_ARMED = ARMED


# plain ints of the phases for the hot paths (an IntEnum attribute look-up costs a microsecond each)
_BALLISTIC = int(Phase.BALLISTIC)
_CHUTE = int(Phase.CHUTE)
_CHUTE_NO_HS = int(Phase.CHUTE_NO_HS)
_CONSTANT_DECELERATION = int(Phase.CONSTANT_DECELERATION)
_CONSTANT_VELOCITY = int(Phase.CONSTANT_VELOCITY)
_DONE = int(Phase.DONE)
_ENTRY = int(Phase.ENTRY)
_FLYAWAY = int(Phase.FLYAWAY)
_FREEFALL = int(Phase.FREEFALL)
_HOVER = int(Phase.HOVER)
_POWERED = int(Phase.POWERED)
_SKY_CRANE = int(Phase.SKY_CRANE)
_SUFR = int(Phase.SUFR)
_UNBORN = int(Phase.UNBORN)


# --------------------------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Sequence:
    """Event thresholds shared by all cases (SI)."""

    sufr_speed_m_s: float
    trigger: str  # "range" or "velocity"
    mach_box: tuple[float, float]
    q_box_pa: tuple[float, float]
    hs_max_mach: float
    hs_min_time_s: float
    hs_delta_v_m_s: float
    ebm_delta_v_m_s: float
    cbm_delta_v_m_s: float
    cbm_eject_time_s: float | None
    backshell_altitude_agl_m: float
    backshell_delta_v_m_s: float
    powered_delay_s: float
    sky_crane_altitude_m: float
    sky_crane_speed_m_s: float
    bridle_length_m: float
    touchdown_detect_s: float
    flyaway_pitch_rad: float
    flyaway_throttle: float
    flyaway_burn_s: float
    skip_out_margin_m: float = 5000.0
    #: deploy at the latest when the navigated altitude above the ground falls to this (0: no floor)
    deploy_floor_agl_m: float = 0.0
    #: the powered descent knows its horizontal position from terrain-relative navigation (Mars 2020), so a
    #: navigation error no longer moves the landing; without it (MSL) the horizontal error stays
    terrain_relative_navigation: bool = False
    #: the powered descent's gates (0: a sequence without powered descent, a lone body's): the approach gate's
    #: height above the ground (m) and sink rate (m/s), the constant deceleration's start height (m)
    gate_altitude_m: float = 0.0
    gate_speed_m_s: float = 0.0
    decel_altitude_m: float = 0.0
    #: the least horizontal divert of the powered approach, away from the backshell and parachute (m)
    backshell_avoidance_m: float = 0.0


@dataclass(frozen=True)
class Steps:
    """Fixed step sizes per phase, s."""

    coast: float
    entry: float
    parachute: float
    inflation: float
    powered: float
    ballistic: float
    max_time: float
    coast_altitude_m: float = 140e3  # above this MOLA altitude the air is negligible: coast step
    #: largest step of a shed body (its step grows from ``ballistic`` while its drag and altitude change slowly;
    #: see marsedl.kernels.advance._step_size1); None: always ``ballistic``
    ballistic_max: float | None = None
    #: steps under held thrust (powered descent to fly-away) by the midpoint rule instead of RK4
    #: (see marsedl.kernels.dynamics._step_s)
    powered_midpoint: bool = False
    #: local error allowed in an error-controlled step, m (position) and m/s (velocity): the steps where no
    #: guidance cycle sets their length (an unguided entry vehicle holding its bank: see
    #: marsedl.kernels.advance._free1) are Dormand-Prince 5(4) steps of the size it allows, up to ``coast``;
    #: None: fixed steps as above
    tolerance: float | None = None


@dataclass(frozen=True)
class EngineConfig:
    """Everything shared by all cases of a run."""

    planet: Planet
    site: Site
    atmosphere: object  # marsedl.atmosphere.AtmosphereGrid (evaluate(altitude_m, rows=, density_factor=))
    vehicle: VehicleModel
    sequence: Sequence
    steps: Steps
    guidance: object  # marsedl.guidance.entry.EntryGuidanceParams
    reference: object | None  # marsedl.guidance.entry.ReferenceTrajectory, or None (no range control)
    entry_altitude_m: float  # MOLA altitude of the entry interface (for skip-out)
    #: terrain-relative navigation's safe-target map (marsedl.trn.HazardMap), loaded once per run; None: no map,
    #: so no divert towards any spot (marsedl.kernels.actions._aim)
    hazard_map: object | None = None
    #: the preset's own events (marsedl.preset_events), in the generic event columns, with codes after
    #: marsedl.sequence.EVENTS'
    preset_events: tuple[GenericEvent, ...] = ()



@dataclass(frozen=True)
class CaseInputs:
    """Per-case inputs (arrays of shape ``(n,)`` unless noted). A nominal run is ``n = 1``."""

    y0: np.ndarray  # (n, 7) entry-interface state: planet-fixed r (m), v relative (m/s), mass (kg)
    bank0_rad: np.ndarray  # bank before guidance starts (and throughout when guidance is off)
    guided: np.ndarray  # bool: entry guidance on
    planar: np.ndarray  # bool: lift only in the vertical plane, heading alignment below its speed (references)
    aim_range_m: np.ndarray  # range from the reference deploy point to the target (subtracted from range)
    range_trigger_m: np.ndarray  # deploy when range-to-target falls to this (range trigger)
    velocity_trigger_m_s: np.ndarray  # deploy when speed falls to this (velocity trigger)
    stop_speed_m_s: np.ndarray  # planning runs stop at this speed (0: never)
    cd_scale: np.ndarray
    cl_scale: np.ndarray
    chute_cd_scale: np.ndarray
    density_factor: np.ndarray
    atm_row: np.ndarray  # int: atmosphere profile row
    deploy_enabled: np.ndarray  # bool: False flies the capsule without a parachute (planning)
    target_lat_rad: np.ndarray
    target_lon_rad: np.ndarray
    divert_limit_m: np.ndarray  # largest horizontal divert of the powered descent
    time_offset_s: np.ndarray = field(default=None)  # start time of the vehicle (0 = entry interface)
    wind_scale: np.ndarray = field(default=None)  # multiplies the atmosphere's winds (1 = as modelled)
    #: optional altitude-correlated density factors, one profile per case (marsedl.atmosphere.DensityPerturbation
    #: with ``n`` rows); multiplies ``density_factor``
    density_perturbation: object | None = None
    #: optional altitude-correlated wind offsets, one east/north profile per case
    #: (marsedl.atmosphere.WindPerturbation with ``n`` rows); added to the (scaled) atmosphere winds
    wind_perturbation: object | None = None
    # Per-case shed hardware, separation and timing (None: the preset's value for every case). ``y0``'s mass is
    # the entry mass, which includes the heat shield, backshell and entry balance masses: a case that changes
    # them must change its ``y0`` mass by the same amount (marsedl.montecarlo.cases does).
    heat_shield_mass_kg: np.ndarray | None = None
    backshell_mass_kg: np.ndarray | None = None
    ebm_mass_kg: np.ndarray | None = None  # each entry balance mass
    cbm_mass_kg: np.ndarray | None = None  # each cruise balance mass (shed before entry: not in the entry mass)
    hs_delta_v_m_s: np.ndarray | None = None  # heat-shield separation speed (along the velocity)
    backshell_delta_v_m_s: np.ndarray | None = None  # backshell separation speed (backwards, relative)
    ebm_delta_v_m_s: np.ndarray | None = None  # entry-balance-mass ejection speed
    line_stretch_delay_s: np.ndarray | None = None  # parachute mortar fire to line stretch
    hs_min_time_s: np.ndarray | None = None  # heat-shield separation no earlier than this after deploy
    powered_delay_s: np.ndarray | None = None  # backshell separation to powered-descent start
    backshell_altitude_bias_m: np.ndarray | None = None  # altimeter bias: separation this much higher (m AGL)
    #: (n, 3) constant navigation errors, east/north/up in the local frame of the true position: added to the
    #: state the entry guidance, the parachute deploy trigger and the powered-descent guidance see (never to the
    #: dynamics). None: perfect navigation.
    nav_position_error_m: np.ndarray | None = None
    nav_velocity_error_m_s: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.y0.shape[0]

    @classmethod
    def broadcast(cls, n: int, **values) -> CaseInputs:
        """Build inputs for ``n`` cases, broadcasting scalars."""
        out = {}
        for name, v in values.items():
            if name in ("density_perturbation", "wind_perturbation"):
                out[name] = v
                continue
            if v is None:
                continue
            a = np.asarray(v)
            if name == "y0":
                out[name] = np.broadcast_to(a, (n, 7)).astype(float).copy()
            elif name in ("nav_position_error_m", "nav_velocity_error_m_s"):
                out[name] = np.broadcast_to(a, (n, 3)).astype(float).copy()
            else:
                out[name] = np.broadcast_to(a, (n,)).copy()
        if out.get("time_offset_s") is None:
            out["time_offset_s"] = np.zeros(n)
        if out.get("wind_scale") is None:
            out["wind_scale"] = np.ones(n)
        return cls(**out)

    def resolved(self, config: EngineConfig) -> CaseInputs:
        """These inputs with every per-case hardware/timing field filled (the preset's value where None) and
        checked: masses > 0, speeds and delays >= 0, all finite (else :class:`MarsEDLError` naming the field)."""
        s, v = config.sequence, config.vehicle
        n = self.n
        nominal = {"heat_shield_mass_kg": v.heat_shield_mass_kg, "backshell_mass_kg": v.backshell_mass_kg,
                   "ebm_mass_kg": v.ebm_mass_kg, "cbm_mass_kg": v.cbm_mass_kg, "hs_delta_v_m_s": s.hs_delta_v_m_s,
                   "backshell_delta_v_m_s": s.backshell_delta_v_m_s, "ebm_delta_v_m_s": s.ebm_delta_v_m_s,
                   "line_stretch_delay_s": v.line_stretch_delay_s, "hs_min_time_s": s.hs_min_time_s,
                   "powered_delay_s": s.powered_delay_s, "backshell_altitude_bias_m": 0.0}
        out = {}
        for name, default in nominal.items():
            value = getattr(self, name)
            a = np.full(n, float(default)) if value is None else np.broadcast_to(
                np.asarray(value, dtype=float), (n,)).copy()
            if not np.isfinite(a).all():
                raise MarsEDLError(f"cases.{name} must be finite (case {int(np.flatnonzero(~np.isfinite(a))[0])})")
            if name.endswith("_mass_kg"):  # (a vehicle without balance masses, or a lone body, may list 0 kg)
                absent = ((name == "ebm_mass_kg" and v.n_ebm == 0) or (name == "cbm_mass_kg" and v.n_cbm == 0)
                          or (name == "heat_shield_mass_kg" and v.slot_heat_shield < 0)
                          or (name == "backshell_mass_kg" and v.slot_backshell < 0))
                bad = (a < 0.0) if absent else (a <= 0.0)
                rule = "must be > 0 kg"
            else:
                bad = (a < 0.0) & (name != "backshell_altitude_bias_m")
                rule = "must be >= 0"
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise MarsEDLError(f"cases.{name} {rule}; case {i} has {a[i]:g}")
            out[name] = a
        for name in ("nav_position_error_m", "nav_velocity_error_m_s"):
            value = getattr(self, name)
            a = np.zeros((n, 3)) if value is None else np.broadcast_to(np.asarray(value, dtype=float), (n, 3)).copy()
            if not np.isfinite(a).all():
                raise MarsEDLError(f"cases.{name} must be finite (east, north, up for each case)")
            out[name] = a
        return replace(self, **out)


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class EngineOutput:
    """Raw engine output: flat event log, per-case records and (optionally) recorded histories."""

    n_cases: int
    body_names: tuple[str, ...]
    outcome: np.ndarray  # (n,) Outcome codes
    events: dict[str, np.ndarray]  # columns: case, body, code, t, x..m, alt_agl, alt_mola, lat, lon, speed,
    #                                mach, q, accel_g, extra
    peaks: dict[str, np.ndarray]  # per case
    history: dict[str, np.ndarray] | None
    #: the run's events beyond the built-in ones (EngineConfig.preset_events): their names and timeline
    preset_events: tuple[GenericEvent, ...] = ()

    @property
    def event_names(self) -> tuple[str, ...]:
        """The name of every event code of the run (:func:`marsedl.sequence.event_names`)."""
        return event_names(self.preset_events)

    @property
    def timeline_codes(self) -> tuple[int, ...]:
        """The codes of the events of the vehicle's timeline (:func:`marsedl.sequence.timeline_codes`)."""
        return timeline_codes(self.preset_events)

