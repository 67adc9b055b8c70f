"""Any body over any planet: a mass with a drag coefficient, flown ballistically by the same engine.

A *body preset* (``kind = "body"``) names a planet (shipped as data in ``marsedl/data/planets.toml``, any field
overridable), an atmosphere with an optional steady wind, the body (mass, reference area, C_D constant or a
table against Mach) and its initial state (latitude, longitude, altitude and north/east/down velocity relative to
the ground). :func:`body_setup` turns it into the engine's configuration: slot 0 starts in the engine's
ballistic phase with the body's drag table, the ground is the reference ellipsoid plus ``ground_altitude_m``, and
the flight ends at the ground (outcome ``impact``) or at ``integration.max_time_s`` (outcome ``stopped``). The
engine, its laws (gravity with J2, the rotating frame, drag in the moving air) and its event location are the
ones every EDL case flies; this module only translates inputs. NASA's NESC atmospheric check-cases
(``examples/nesc/``) are body presets.

Altitude is measured from the reference ellipsoid along the radius (the engine's altitude everywhere); for a
planetodetic planet the initial altitude is placed along the ellipsoid normal. The two differ by less than a
metre below 100 km on Earth, and not at all on the equator or on a sphere.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from marsedl.aero import AeroTable, DiskGapBand
from marsedl.atmosphere import AtmosphereGrid, SteadyWind, get_atmosphere
from marsedl.engine import CaseInputs, EngineConfig, Sequence, Steps
from marsedl.guidance.entry import EntryGuidanceParams
from marsedl.phase import Phase
from marsedl.planet import PLANET_NAMES, Planet, Site, planet_from_data
from marsedl.scenario import _Spec
from marsedl.vehicle import MACH_MAX, MACH_STEP, VehicleModel

__all__ = ["BodyMission", "body_cases", "body_config", "build_planet"]


class PlanetSpec(_Spec):
    """A shipped planet by name, with any of its numbers overridden (SI)."""

    name: str = "mars"
    gm_m3_s2: float | None = Field(default=None, gt=0, le=1e18)
    equatorial_radius_m: float | None = Field(default=None, gt=1e5, le=1e8)
    flattening: float | None = Field(default=None, ge=0, lt=0.5)
    inverse_flattening: float | None = Field(default=None, gt=2)
    j2: float | None = Field(default=None, ge=-0.1, le=0.1)
    rotation_rate_rad_s: float | None = Field(default=None, ge=-1e-2, le=1e-2)
    latitude: Literal["planetocentric", "planetodetic"] | None = None

    @model_validator(mode="after")
    def _known(self) -> PlanetSpec:
        if self.name not in PLANET_NAMES:
            raise ValueError(f"name must be one of {', '.join(PLANET_NAMES)}; got '{self.name}'")
        if self.flattening is not None and self.inverse_flattening is not None:
            raise ValueError("give flattening or inverse_flattening, not both")
        return self


class BodyAtmosphereSpec(_Spec):
    """The atmosphere (a name or a file, as ``--atmosphere``) and a steady wind (velocity of the air over the
    ground: a wind from the west is ``wind_east_m_s > 0``), constant or linear in altitude."""

    model: str = "us1976"
    wind_east_m_s: float = Field(default=0.0, ge=-300, le=300)
    wind_north_m_s: float = Field(default=0.0, ge=-300, le=300)
    wind_east_shear_per_s: float = Field(default=0.0, ge=-1, le=1)
    wind_north_shear_per_s: float = Field(default=0.0, ge=-1, le=1)
    wind_reference_altitude_m: float = Field(default=0.0, ge=-1e4, le=2e5)


class BodySpec(_Spec):
    """The body: mass, reference area and drag coefficient (constant, or a table against Mach)."""

    mass_kg: float = Field(gt=0, le=1e7)
    reference_area_m2: float = Field(gt=0, le=1e4)
    cd: float | None = Field(default=None, ge=0, le=5)
    cd_mach: list[float] | None = None
    cd_values: list[float] | None = None
    nose_radius_m: float | None = Field(default=None, gt=0, le=100)

    @model_validator(mode="after")
    def _one_cd(self) -> BodySpec:
        table = self.cd_mach is not None or self.cd_values is not None
        if (self.cd is None) == (not table):
            raise ValueError("give cd (a constant) or cd_mach and cd_values (a table), not both")
        if table and (self.cd_mach is None or self.cd_values is None or len(self.cd_mach) != len(self.cd_values)
                      or not 1 <= len(self.cd_mach) <= 1000):
            raise ValueError("cd_mach and cd_values must be lists of the same length (1 to 1000 values)")
        return self


class InitialSpec(_Spec):
    """Where the body starts, relative to the rotating ground."""

    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)
    altitude_m: float = Field(ge=-9000, le=2e5, description="above the reference ellipsoid")
    velocity_ned_m_s: tuple[float, float, float] = (0.0, 0.0, 0.0)
    ground_altitude_m: float = Field(default=0.0, ge=-9000, le=22000, description="the ground, above the ellipsoid")

    @model_validator(mode="after")
    def _speed(self) -> InitialSpec:
        if not np.all(np.abs(self.velocity_ned_m_s) <= 2e4):
            raise ValueError("velocity_ned_m_s components must be within ±20,000 m/s")
        if self.altitude_m < self.ground_altitude_m:
            raise ValueError("altitude_m must not be below ground_altitude_m")
        return self


class BodyIntegrationSpec(_Spec):
    dt_s: float = Field(default=0.1, ge=0.001, le=10)  # (as IntegrationSpec's steps: a 1e-300 s step never ends)
    max_time_s: float = Field(default=3600.0, gt=0, le=1e5)


class BodyMission(_Spec):
    """A body preset: ``kind = "body"``."""

    kind: Literal["body"]
    name: str
    description: str = ""
    planet: PlanetSpec = PlanetSpec()
    atmosphere: BodyAtmosphereSpec = BodyAtmosphereSpec()
    body: BodySpec
    initial: InitialSpec
    integration: BodyIntegrationSpec = BodyIntegrationSpec()


def build_planet(spec: PlanetSpec) -> Planet:
    """The planet of a preset: the shipped one with the preset's overrides."""
    over = spec.model_dump(exclude={"name"}, exclude_none=True)
    return planet_from_data(spec.name, **over)


def _table(b: BodySpec) -> AeroTable:
    mach = [0.0] if b.cd is not None else b.cd_mach
    cd = [b.cd] if b.cd is not None else b.cd_values
    return AeroTable(mach=np.asarray(mach, float), cd=np.asarray(cd, float), cl=np.zeros(len(cd)),
                     reference_area_m2=b.reference_area_m2, name="body.cd", source="preset")


def _vehicle(m: BodyMission) -> VehicleModel:
    """One slot, the body, with its drag table; no parts to shed, no parachute (a zero table), no engines."""
    table = _table(m.body)
    grid = np.arange(0.0, MACH_MAX + MACH_STEP / 2, MACH_STEP)
    cd, _ = table.coefficients(grid)
    b = m.body
    return VehicleModel(
        body_names=(m.name,), n_cbm=0, n_ebm=0, slot_heat_shield=-1, slot_backshell=-1, slot_descent_stage=-1,
        entry_mass_kg=b.mass_kg, cbm_mass_kg=0.0, ebm_mass_kg=0.0, heat_shield_mass_kg=0.0, backshell_mass_kg=0.0,
        descent_stage_dry_kg=0.0, propellant_kg=0.0, rover_mass_kg=0.0, aeroshell_area_m2=b.reference_area_m2,
        nose_radius_m=b.nose_radius_m or float(np.sqrt(b.reference_area_m2 / np.pi)),
        parachute=DiskGapBand(), line_stretch_delay_s=0.0, thrust_min_n=0.0, thrust_max_n=0.0, isp_s=1.0,
        tables=(table,), aero_cd=(cd * table.reference_area_m2)[None, :], aero_cl=np.zeros((1, grid.size)),
        chute_cd_s=np.zeros(grid.size), start_phase=int(Phase.BALLISTIC), start_aero_id=0,
    )


def body_config(m: BodyMission, atmosphere: str | None = None) -> tuple[EngineConfig, str, Planet]:
    """The engine configuration of a body preset, the atmosphere's name and the planet."""
    planet = build_planet(m.planet)
    a = m.atmosphere
    atm = get_atmosphere(atmosphere or a.model)
    name = getattr(atm, "name", a.model)
    if any((a.wind_east_m_s, a.wind_north_m_s, a.wind_east_shear_per_s, a.wind_north_shear_per_s)):
        atm = SteadyWind(atm, a.wind_east_m_s, a.wind_north_m_s, a.wind_east_shear_per_s, a.wind_north_shear_per_s,
                         a.wind_reference_altitude_m)
    grid = AtmosphereGrid.for_engine(atm)
    i = m.initial
    r0 = planet.position_m(np.radians(i.lat_deg), np.radians(i.lon_deg), i.altitude_m)
    lat_c = float(np.arctan2(r0[2], np.hypot(r0[0], r0[1])))
    # the ground: the reference ellipsoid (undulation 0) plus the preset's ground altitude
    site = Site(lat_deg=float(np.degrees(lat_c)), lon_deg=i.lon_deg, ground_mola_m=i.ground_altitude_m,
                areoid_radius_m=float(planet.ellipsoid_radius_m(lat_c)), planet=planet)
    dt, t_end = m.integration.dt_s, m.integration.max_time_s
    steps = Steps(coast=dt, entry=dt, parachute=dt, inflation=dt, powered=dt, ballistic=dt, max_time=t_end)
    # the EDL sequence's thresholds: never met by a body in the ballistic phase (no event of theirs is armed)
    seq = Sequence(sufr_speed_m_s=0.0, trigger="velocity", mach_box=(0.0, 1.0), q_box_pa=(0.0, 1.0),
                   hs_max_mach=0.0, hs_min_time_s=0.0, hs_delta_v_m_s=0.0, ebm_delta_v_m_s=0.0,
                   cbm_delta_v_m_s=0.0, cbm_eject_time_s=None, backshell_altitude_agl_m=0.0,
                   backshell_delta_v_m_s=0.0, powered_delay_s=0.0, sky_crane_altitude_m=0.0,
                   sky_crane_speed_m_s=0.0, bridle_length_m=0.0, touchdown_detect_s=0.0, flyaway_pitch_rad=0.0,
                   flyaway_throttle=0.0, flyaway_burn_s=0.0, skip_out_margin_m=np.inf)
    cfg = EngineConfig(planet=planet, site=site, atmosphere=grid, vehicle=_vehicle(m), sequence=seq, steps=steps,
                       guidance=EntryGuidanceParams(), reference=None, entry_altitude_m=float(i.altitude_m))
    return cfg, name, planet


def body_cases(m: BodyMission, cfg: EngineConfig) -> CaseInputs:
    """The one case of a body preset: its initial state relative to the rotating ground."""
    i = m.initial
    planet = cfg.planet
    r0 = planet.position_m(np.radians(i.lat_deg), np.radians(i.lon_deg), i.altitude_m)
    north, east, down = planet.ned_basis(r0)
    vn, ve, vd = i.velocity_ned_m_s
    v0 = vn * north + ve * east + vd * down
    y0 = np.concatenate([r0, v0, [m.body.mass_kg]])
    return CaseInputs.broadcast(
        1, y0=y0, bank0_rad=0.0, guided=False, planar=False, aim_range_m=0.0, range_trigger_m=0.0,
        velocity_trigger_m_s=0.0, stop_speed_m_s=0.0, cd_scale=1.0, cl_scale=1.0, chute_cd_scale=1.0,
        density_factor=1.0, atm_row=0, deploy_enabled=False, target_lat_rad=np.radians(cfg.site.lat_deg),
        target_lon_rad=np.radians(cfg.site.lon_deg), divert_limit_m=0.0,
    )
