"""Mission schema: presets (TOML) validated with pydantic, user preset files and ``--set`` overrides.

A preset is plain data with a source comment on every number (see ``marsedl/missions/*.toml``). This module
turns it into a validated :class:`Mission`; it holds no physics. Units follow the field names (``_m``, ``_deg``,
``_s``...); degrees are converted to radians only where the numbers enter the engine.
"""

from __future__ import annotations

import math
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo

from marsedl.errors import MarsEDLError
from marsedl.preset_data import apply_overrides, preset_names, preset_text, read_preset  # noqa: F401 (re-exported)
from marsedl.preset_events import PresetEvent, check_events
from marsedl.sequence import N_GENERIC

# Physical ranges: each bound is declared once, on its field (the shared ones in marsedl.spec_base, re-exported)
from marsedl.spec_base import (  # noqa: F401
    MAX_DRAG_AREA_M2,
    MAX_MASS_KG,
    MAX_SEPARATION_SPEED_M_S,
    Mass,
    SeparationSpeed,
    _Spec,
)


class SiteSpec(_Spec):
    """The landing target and where the ground is there."""

    lat_deg: float = Field(ge=-90, le=90, description="planetocentric latitude of the target")
    lon_deg: float = Field(ge=-180, le=360, description="planetocentric longitude, east positive")
    ground_mola_m: float = Field(ge=-9000, le=22000, description="ground elevation above the MOLA areoid")
    areoid_radius_m: float = Field(ge=3.370e6, le=3.400e6, description="MOLA areoid radius at the target")


class EntrySpec(_Spec):
    """Entry interface state: absolute (lat/lon) or relative to the target (azimuth and range)."""

    time_utc: str | None = None
    radius_m: float = Field(ge=3.45e6, le=3.70e6, description="entry-interface radius from Mars' centre")
    speed_m_s: float = Field(ge=1000, le=9000)
    fpa_deg: float = Field(ge=-45, le=-1, description="flight-path angle, negative when descending")
    frame: Literal["relative", "inertial"] = "relative"
    azimuth_deg: float = Field(ge=-360, le=360, description="heading at entry, from north, east positive")
    lat_deg: float | None = Field(default=None, ge=-90, le=90)
    lon_deg: float | None = Field(default=None, ge=-180, le=360)
    range_km: float | Literal["auto"] | None = Field(
        default=None, description="surface distance from entry point to target; 'auto' solves for it"
    )

    @field_validator("time_utc")
    @classmethod
    def _iso_time(cls, v: str | None) -> str | None:
        from datetime import datetime

        if v is not None:
            try:
                datetime.fromisoformat(v.strip().removesuffix("Z"))
            except ValueError:
                raise ValueError(f"'{v}' is not an ISO 8601 time such as 2021-02-18T20:36:50Z") from None
        return v

    @model_validator(mode="after")
    def _position_given_once(self) -> EntrySpec:
        absolute = self.lat_deg is not None and self.lon_deg is not None
        relative = self.range_km is not None
        if absolute == relative:
            raise ValueError("give either lat_deg and lon_deg, or range_km (a number or 'auto'), not both")
        if isinstance(self.range_km, float) and not 50 <= self.range_km <= 3000:
            raise ValueError("range_km must be between 50 and 3000 km, or 'auto'")
        return self


class AtmosphereSpec(_Spec):
    model: str = "default"


#: The bodies that can carry entry mass no public breakdown places (``vehicle.unplaced_mass_body``).
UNPLACED_MASS_BODIES = ("heat_shield", "backshell", "descent_stage", "rover")
#: How far a stated ``vehicle.entry_mass_kg`` may differ from the sum of the parts (rounding of kg figures).
ENTRY_MASS_TOLERANCE_KG = 0.5


class VehicleSpec(_Spec):
    # a stated total is a cross-check of the parts (to ENTRY_MASS_TOLERANCE_KG); 0: the entry mass is their sum
    entry_mass_kg: float = Field(default=0.0, ge=0, le=MAX_MASS_KG, description="0: the sum of the parts")
    # entry mass that no public breakdown places, carried by one named body (never silently by the heat shield)
    unplaced_mass_kg: float = Field(default=0.0, ge=0, le=MAX_MASS_KG)
    unplaced_mass_body: Literal[UNPLACED_MASS_BODIES] = "descent_stage"  # type: ignore[valid-type]


class AeroshellSpec(_Spec):
    diameter_m: float = Field(gt=0.1, le=12)  # flown: 2.65 m (Viking) to 4.5 m (MSL); area below
    reference_area_m2: float = Field(gt=0, le=MAX_DRAG_AREA_M2)
    nose_radius_m: float = Field(gt=0, le=12)  # at most the diameter's order (MSL: 1.125 m)
    cd_scale: float = Field(default=1.0, gt=0.2, lt=5.0)
    cl_scale: float = Field(default=1.0, ge=0.0, lt=5.0)


class BalanceMassSpec(_Spec):
    count: int = Field(ge=0, le=12)
    mass_kg: float = Field(gt=0, le=1000)  # tungsten blocks of 25-78 kg flown; a tonne each is ballast, not trim
    delta_v_m_s: SeparationSpeed = 0.0
    # ejected about 10 min before EI (M2020, MSL); a day out is still the approach (flown back in vacuum to then)
    eject_time_s: float | None = Field(default=None, ge=-86_400, le=0, description="time of ejection relative to EI")


class HeatShieldSpec(_Spec):
    mass_kg: Mass
    # separated about 20 s after deploy; a parachute descent lasts about two minutes
    min_time_after_deploy_s: float = Field(ge=0, le=600)
    max_mach: float = Field(gt=0, le=5)  # separated subsonic (Mach 0.8); above Mach 5 the vehicle is hypersonic
    delta_v_m_s: SeparationSpeed = 0.0


class BackshellSpec(_Spec):
    mass_kg: Mass
    separation_altitude_agl_m: float = Field(gt=100, lt=20000)
    delta_v_m_s: SeparationSpeed = 0.0


class ParachuteSpec(_Spec):
    diameter_m: float = Field(gt=1, lt=60)
    cd_scale: float = Field(default=1.0, gt=0.2, lt=3.0)
    mass_kg: float = Field(gt=0, le=2000)  # 82 kg (M2020's 21.5 m DGB); a 60 m canopy weighs well under a tonne
    inflation_time_s: float = Field(gt=0, lt=10)
    inflation_exponent: float = Field(gt=0, le=8)
    line_stretch_delay_s: float = Field(default=0.0, ge=0, le=30)  # mortar fire to line stretch: about 1 s
    trigger: Literal["range", "velocity"]
    velocity_trigger_m_s: float = Field(gt=100, lt=2000)
    # range to the target left at deploy: a parachute descent from about 11 km covers 10-20 km, never 500
    range_trigger_m: Annotated[float, Field(ge=0, le=500_000)] | Literal["auto"] = "auto"
    mach_box: tuple[float, float] = (1.4, 2.2)
    q_box_pa: tuple[float, float] = (300.0, 800.0)
    deploy_floor_agl_m: float = Field(default=0.0, ge=0, lt=50_000)

    @field_validator("mach_box", "q_box_pa")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] < v[1]:
            raise ValueError("must be [low, high] with 0 <= low < high")
        return v

    @field_validator("mach_box")
    @classmethod
    def _mach_box_range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[1] > 5:  # DGBs are qualified to about Mach 2.3; none has opened above Mach 3
            raise ValueError(f"high must be at most Mach 5 (got {v[1]:g})")
        return v

    @field_validator("q_box_pa")
    @classmethod
    def _q_box_range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[1] > 20_000:  # the peak dynamic pressure of a whole Mars entry is about 14 kPa
            raise ValueError(f"high must be at most 20000 Pa (got {v[1]:g})")
        return v


class DescentStageSpec(_Spec):
    dry_mass_kg: Mass
    propellant_kg: float = Field(ge=0, le=MAX_MASS_KG)
    engines: int = Field(ge=1, le=32)
    # per engine: MR-80B 31-3,100 N; the largest rocket engine built (F-1) gave 6.8 MN
    engine_thrust_min_n: float = Field(ge=0, le=1e7)
    engine_thrust_max_n: float = Field(gt=0, le=1e7)
    isp_s: float = Field(gt=50, lt=500)
    cd_area_m2: float = Field(default=0.0, ge=0, le=MAX_DRAG_AREA_M2)
    flyaway_cd_area_m2: float = Field(default=5.0, gt=0, le=MAX_DRAG_AREA_M2)

    @model_validator(mode="after")
    def _thrust_range(self) -> DescentStageSpec:
        if self.engine_thrust_min_n > self.engine_thrust_max_n:
            raise ValueError("engine_thrust_min_n must not exceed engine_thrust_max_n")
        return self


class RoverSpec(_Spec):
    mass_kg: Mass


class SequenceSpec(_Spec):
    sufr_speed_m_s: float = Field(default=900.0, ge=0, lt=3000)
    # the descent stage falls free about 1 s while its engines warm up; a minute from 2 km is a crash anyway
    powered_descent_delay_s: float = Field(default=1.0, ge=0, le=60)
    sky_crane_altitude_agl_m: float = Field(default=20.0, gt=1, lt=200)
    sky_crane_speed_m_s: float = Field(default=0.75, gt=0.05, lt=5)
    bridle_length_m: float = Field(default=7.6, gt=0, lt=50)
    touchdown_detect_s: float = Field(default=2.0, ge=0, le=60)  # about 2 s of slack bridle
    flyaway_pitch_deg: float = Field(default=45.0, ge=0, le=90)
    flyaway_throttle: float = Field(default=0.5, ge=0, le=1)
    flyaway_burn_s: float = Field(default=6.0, ge=0, le=600)  # a few seconds; ten minutes empties any tank
    divert_limit_m: float = Field(default=600.0, ge=0, le=100_000)  # 600 m; no powered descent flies 100 km
    terrain_relative_navigation: bool = False
    # the powered descent's phases: approach to a gate (its height above the ground and sink rate), a
    # constant-velocity descent to the constant deceleration's start, then a constant deceleration to the sky crane
    approach_gate_altitude_agl_m: float = Field(default=100.0, gt=1, le=5000)
    approach_gate_speed_m_s: float = Field(default=20.0, gt=0.05, le=200)
    constant_deceleration_altitude_agl_m: float = Field(default=60.0, gt=1, le=5000)
    # the least horizontal divert of the powered approach, away from the falling backshell and parachute
    backshell_avoidance_m: float = Field(default=300.0, ge=0, le=100_000)
    # the preset's own events (marsedl.preset_events), one generic event column each
    events: tuple[PresetEvent, ...] = Field(default=(), max_length=N_GENERIC)

    @model_validator(mode="after")
    def _gates_in_order(self) -> SequenceSpec:
        check_events(self.events)
        if not (self.approach_gate_altitude_agl_m >= self.constant_deceleration_altitude_agl_m
                > self.sky_crane_altitude_agl_m):
            raise ValueError("the powered descent's gates must be in order: approach_gate_altitude_agl_m >= "
                             "constant_deceleration_altitude_agl_m > sky_crane_altitude_agl_m")
        if self.approach_gate_speed_m_s < self.sky_crane_speed_m_s:
            raise ValueError("approach_gate_speed_m_s must be at least sky_crane_speed_m_s (the constant "
                             "deceleration slows from the one to the other)")
        return self


#: A hazard map spans at most this many degrees each way (about 300 km on Mars): a landing ellipse is 10-20 km,
#: and a divert reaches hundreds of metres.
MAX_MAP_SPAN_DEG = 5.0


class MapBounds(_Spec):
    """Where a hazard map lies: the outer edges of its corner pixels, planetocentric degrees, east positive (the
    raster's first row is the north edge, its first column the west edge)."""

    north_lat_deg: float = Field(ge=-90, le=90)
    south_lat_deg: float = Field(ge=-90, le=90)
    west_lon_deg: float = Field(ge=-180, le=360)
    east_lon_deg: float = Field(ge=-180, le=360)

    @model_validator(mode="after")
    def _ordered(self) -> MapBounds:
        if self.north_lat_deg <= self.south_lat_deg:
            raise ValueError(f"north_lat_deg ({self.north_lat_deg:g}) must be north of south_lat_deg "
                             f"({self.south_lat_deg:g})")
        if not 0 < self.east_lon_deg - self.west_lon_deg <= MAX_MAP_SPAN_DEG:
            raise ValueError(f"east_lon_deg - west_lon_deg must be in (0, {MAX_MAP_SPAN_DEG:g}] deg (got "
                             f"{self.east_lon_deg - self.west_lon_deg:g}); give both in the same range (0-360 or "
                             "-180-180)")
        if self.north_lat_deg - self.south_lat_deg > MAX_MAP_SPAN_DEG:
            raise ValueError(f"north_lat_deg - south_lat_deg must be at most {MAX_MAP_SPAN_DEG:g} deg (got "
                             f"{self.north_lat_deg - self.south_lat_deg:g})")
        return self


class TRNSpec(_Spec):
    """Terrain-relative navigation's safe-spot selection (Mars 2020): an optional hazard map of safe and unsafe
    cells (marsedl.hazard_map) and its bounds (here, or in a sidecar ``<map>.bounds.toml``)."""

    hazard_map: str | None = Field(default=None, min_length=1, description="PNG hazard map: white safe, black not")
    bounds: MapBounds | None = None


class GuidanceSpec(_Spec):
    enabled: bool = True
    reference_bank_deg: float = Field(default=50.0, ge=0, le=90)
    k3: float = Field(default=4.0, ge=0, le=20)
    start_drag_g: float = Field(default=0.2, ge=0, le=5)
    heading_alignment_speed_m_s: float = Field(default=1100.0, ge=0, le=3000)
    heading_alignment_max_bank_deg: float = Field(default=30.0, ge=0, le=90)
    bank_rate_limit_deg_s: float = Field(default=20.0, gt=0, le=90)
    bank_accel_limit_deg_s2: float = Field(default=5.0, gt=0, le=90)
    # crossrange deadband c0 + c1 V + c2 V^2 (m, V in m/s): each term stays under 1,000 km at entry speeds
    corridor_m: tuple[Annotated[float, Field(ge=0, le=1e6)], Annotated[float, Field(ge=-100, le=100)],
                      Annotated[float, Field(ge=0, le=0.01)]] = (4000.0, 0.0, 1.0e-3)
    deploy_reference_speed_m_s: float = Field(default=420.0, gt=100, lt=2000)
    period_s: float = Field(default=0.5, gt=0, le=10)


class IntegrationSpec(_Spec):
    # Steps: a millisecond resolves everything the models hold (the 0.4 s inflation has its own step); shorter
    # ones only multiply the work (a 1e-300 s step never finished)
    dt_coast_s: float = Field(default=10.0, ge=0.01, le=60)
    dt_entry_s: float = Field(default=0.5, ge=0.001, le=5)
    dt_parachute_s: float = Field(default=0.5, ge=0.001, le=5)
    dt_inflation_s: float = Field(default=0.02, ge=0.0001, le=1)
    dt_powered_s: float = Field(default=0.1, ge=0.001, le=2)
    dt_ballistic_s: float = Field(default=1.0, ge=0.001, le=10)
    dt_ballistic_max_s: float | None = Field(default=None, ge=0.001, le=60)
    # integration of a step under held thrust (powered descent to fly-away): the midpoint rule (one force
    # evaluation inside the step) or RK4 (three)
    powered_method: Literal["midpoint", "rk4"] = "midpoint"
    # error-controlled steps where no guidance cycle sets them (an unguided entry holding its bank): the local
    # error allowed per step, m and m/s; 0: fixed steps of dt_entry_s. (Below a micrometre the steps would shrink
    # to round-off at the planet's radius and the flight would never end.)
    step_tolerance_m: float = Field(default=0.0, ge=0, le=1000)
    max_time_s: float = Field(default=4000.0, gt=10, le=1e5)

    @field_validator("step_tolerance_m")
    @classmethod
    def _tolerance_floor(cls, v: float) -> float:
        if 0 < v < 1e-6:
            raise ValueError(f"must be 0 (fixed steps) or at least 1e-06 m (got {v:g})")
        return v


class Mission(_Spec):
    """A whole EDL mission, as in a preset file."""

    name: str
    description: str = ""
    site: SiteSpec
    entry: EntrySpec
    vehicle: VehicleSpec = VehicleSpec()
    atmosphere: AtmosphereSpec = AtmosphereSpec()
    aeroshell: AeroshellSpec
    cruise_balance_masses: BalanceMassSpec
    entry_balance_masses: BalanceMassSpec
    heat_shield: HeatShieldSpec
    backshell: BackshellSpec
    parachute: ParachuteSpec
    descent_stage: DescentStageSpec
    rover: RoverSpec
    sequence: SequenceSpec = SequenceSpec()
    guidance: GuidanceSpec = GuidanceSpec()
    integration: IntegrationSpec = IntegrationSpec()
    trn: TRNSpec = TRNSpec()

    @model_validator(mode="after")
    def _masses_consistent(self) -> Mission:
        parts = self.component_mass_kg
        stated = self.vehicle.entry_mass_kg
        if stated and abs(stated - parts) > ENTRY_MASS_TOLERANCE_KG:
            raise ValueError(
                f"vehicle.entry_mass_kg ({stated:g}) must be 0 (the sum of the parts) or the sum of the parts "
                f"({parts:g} kg, vehicle.unplaced_mass_kg included) to {ENTRY_MASS_TOLERANCE_KG:g} kg; the "
                f"{stated - parts:+g} kg no part places go in vehicle.unplaced_mass_kg, carried by "
                f"vehicle.unplaced_mass_body ({', '.join(UNPLACED_MASS_BODIES)})"
            )
        if self.parachute.mass_kg >= self.backshell.mass_kg:
            raise ValueError("parachute.mass_kg must be less than backshell.mass_kg (the backshell carries it)")
        if self.trn.hazard_map is not None and not self.sequence.terrain_relative_navigation:
            raise ValueError("trn.hazard_map needs sequence.terrain_relative_navigation = true (the map is matched "
                             "against the terrain by the vision system)")
        if self.integration.dt_entry_s > self.guidance.period_s * (1 + 1e-12):
            raise ValueError(f"integration.dt_entry_s ({self.integration.dt_entry_s:g} s) must not exceed "
                             f"guidance.period_s ({self.guidance.period_s:g} s): the bank is held over each guidance "
                             "cycle and integrated in steps no longer than it")
        return self

    @property
    def component_mass_kg(self) -> float:
        """Sum of the parts at entry interface (cruise balance masses excluded), the unplaced mass and the parts the
        preset's events release included."""
        e = self.entry_balance_masses
        d = self.descent_stage
        return (self.heat_shield.mass_kg + self.backshell.mass_kg + e.count * e.mass_kg + d.dry_mass_kg
                + d.propellant_kg + self.rover.mass_kg + self.vehicle.unplaced_mass_kg
                + sum(p.mass_kg for ev in self.sequence.events for p in ev.parts))

    def shed_mass_kg(self, body: str) -> float:
        """A part's mass as the engine carries it (``body`` one of :data:`UNPLACED_MASS_BODIES`: the heat shield,
        the backshell with the parachute, the descent stage without propellant, the rover), plus the unplaced
        mass if the preset puts it on that body (``vehicle.unplaced_mass_body``)."""
        own = {"heat_shield": self.heat_shield.mass_kg, "backshell": self.backshell.mass_kg,
               "descent_stage": self.descent_stage.dry_mass_kg, "rover": self.rover.mass_kg}[body]
        return own + (self.vehicle.unplaced_mass_kg if self.vehicle.unplaced_mass_body == body else 0.0)

    @property
    def entry_mass_kg(self) -> float:
        """The entry mass: the sum of the parts (a stated ``vehicle.entry_mass_kg`` is checked against it)."""
        return self.component_mass_kg


# --------------------------------------------------------------------------------------------- ranges


@dataclass(frozen=True)
class Range:
    """The allowed interval of a numeric preset field, as declared on the schema (``None``: unbounded side)."""

    low: float | None
    high: float | None
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, x: float) -> bool:
        if not math.isfinite(x):
            return False
        if self.low is not None and (x <= self.low if self.low_open else x < self.low):
            return False
        return not (self.high is not None and (x >= self.high if self.high_open else x > self.high))

    def __str__(self) -> str:
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        return f"{left}{lo}, {hi}{right}"


_BOUND_KINDS = (("gt", True, True), ("ge", True, False), ("lt", False, True), ("le", False, False))


def _bounds_of(metadata) -> Range | None:
    lo = hi = None
    lo_open = hi_open = False
    for m in metadata:
        if isinstance(m, FieldInfo):
            inner = _bounds_of(m.metadata)
            if inner is not None:
                return inner
        for attr, is_low, is_open in _BOUND_KINDS:
            v = getattr(m, attr, None)
            if isinstance(v, int | float) and type(m).__name__.lower() == attr:
                if is_low:
                    lo, lo_open = float(v), is_open
                else:
                    hi, hi_open = float(v), is_open
    return None if lo is None and hi is None else Range(lo, hi, lo_open, hi_open)


def field_range(path: str, schema: type[BaseModel] | None = None) -> Range | None:
    """The range declared on the numeric field at the dotted preset ``path`` (``"vehicle.entry_mass_kg"``) of
    ``schema`` (default :class:`Mission`), or ``None`` when the path names no bounded number. The schema is the one
    place the bounds are written."""
    model: Any = schema or Mission
    *sections, name = path.split(".")
    for sec in sections:
        if sec.isdigit():  # an item of a list of tables (``sequence.events.0.when``)
            continue
        info = getattr(model, "model_fields", {}).get(sec)
        if info is None:
            return None
        model = info.annotation
        if typing.get_origin(model) is tuple:
            model = typing.get_args(model)[0]
        if typing.get_origin(model) in (typing.Union, types.UnionType):  # an optional section (``MapBounds | None``)
            model = next((a for a in typing.get_args(model) if hasattr(a, "model_fields")), model)
    info = getattr(model, "model_fields", {}).get(name)
    if info is None:
        return None
    found = _bounds_of(info.metadata)
    if found is None and typing.get_origin(info.annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(info.annotation):  # a bounded number inside a union (``float | "auto"``)
            if typing.get_origin(arg) is Annotated:
                found = found or _bounds_of(typing.get_args(arg)[1:])
    return found


# --------------------------------------------------------------------------------------------- loading


_UNION_TAG = re.compile(r"[\[\]\-]")
_RANGE_ERRORS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number")


def validate_mission(data: dict[str, Any], origin: str = "preset", model: type[BaseModel] = Mission) -> Mission:
    """Validate raw data into a :class:`Mission` (or another preset ``model``: :class:`marsedl.body.BodyMission`),
    with one-line errors naming the field and the rule."""
    if model is Mission and data.get("kind") is not None:
        raise MarsEDLError(f"{origin}: kind = {data.get('kind')!r} is not an EDL mission; this command flies EDL "
                           "missions (a body preset is flown by `marsedl simulate`)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        found: dict[str, list[str]] = {}
        # an unknown field first: it is most often a typo, and the fields it was meant for then look missing
        for err in sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden"):
            # a union's members appear in the location ("constrained-float", "literal['auto']"): not fields
            loc = ".".join(str(p) for p in err.get("loc", ()) if not _UNION_TAG.search(str(p))) or "mission"
            msg = err.get("msg", "invalid").removeprefix("Value error, ")
            if err.get("type") == "missing":
                msg = "is missing"
            elif err.get("type") == "extra_forbidden":
                msg = "is not a known field"
            rng = field_range(loc, model) if err.get("type") in _RANGE_ERRORS else None
            if rng is not None:
                msg += f" (allowed {rng})"
            found.setdefault(loc, []).append(msg)
        parts = [f"{loc} {msgs[0]}" if len(msgs) == 1 and msgs[0].startswith("is ") else
                 f"{loc}: " + " or ".join(m.removeprefix("Input should be ") if k else m for k, m in enumerate(msgs))
                 for loc, msgs in found.items()]
        raise MarsEDLError(f"{origin}: " + "; ".join(parts[:4]) + (" ..." if len(parts) > 4 else "")) from None


def load_mission(preset: str | None = None, *, preset_file: str | Path | None = None,
                 overrides: list[str] | None = None) -> Mission:
    """Load a shipped preset (by name) or a user's TOML file, apply overrides, and validate.

    Parameters
    ----------
    preset : str, optional
        Name of a shipped preset (see :func:`preset_names`).
    preset_file : path, optional
        A user's own preset file; takes precedence over ``preset``.
    overrides : list of str, optional
        ``path.to.field=value`` strings (values parsed as TOML: ``1.5``, ``true``, ``"range"``, ``[1, 2]``).
    """
    data, origin = read_preset(preset, preset_file)
    return validate_mission(apply_overrides(data, overrides), origin)


