"""Results of a nominal simulation: the event timeline, debris impacts, touchdown, peaks and time histories.

Results are immutable values computed once from the engine output; presentation (tables, plots, reports)
lives elsewhere and reads these objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from marsedl.engine import EVENT_NAMES, G0, OUTCOME_NAMES, EngineOutput, Ev, Phase
from marsedl.planet import Planet, surface_distance_bearing
from marsedl.sequence import EVENTS

#: Events shown in the public timeline, in the order they are named in the interface.
#: the vehicle's timeline (marsedl.sequence.EVENTS, ``timeline``), with how a vehicle that does not land ends
#: (propellant exhausted, skip-out, timeout, its own impact)
TIMELINE_EVENTS = tuple(Ev(k) for k, e in enumerate(EVENTS) if e.timeline)


@dataclass(frozen=True)
class Event:
    """One timeline event of the vehicle (times from entry interface)."""

    name: str
    time_s: float
    altitude_agl_m: float
    altitude_mola_m: float
    speed_m_s: float
    mach: float
    dynamic_pressure_pa: float
    g_load: float
    lat_deg: float
    lon_deg: float

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("g_load")
        return d


@dataclass(frozen=True)
class Impact:
    """Where, when and how hard a shed body hit the ground."""

    body: str
    time_s: float
    lat_deg: float
    lon_deg: float
    distance_from_rover_m: float
    bearing_from_rover_deg: float
    speed_m_s: float
    mass_kg: float

    @property
    def speed_km_h(self) -> float:
        return self.speed_m_s * 3.6

    @property
    def kinetic_energy_j(self) -> float:
        return 0.5 * self.mass_kg * self.speed_m_s**2

    def to_dict(self) -> dict[str, Any]:
        return {"body": self.body, "time_s": self.time_s, "lat_deg": self.lat_deg, "lon_deg": self.lon_deg,
                "distance_from_rover_m": self.distance_from_rover_m,
                "bearing_from_rover_deg": self.bearing_from_rover_deg, "speed_m_s": self.speed_m_s,
                "kinetic_energy_j": self.kinetic_energy_j}


@dataclass(frozen=True)
class Touchdown:
    time_s: float
    lat_deg: float
    lon_deg: float
    vertical_speed_m_s: float
    horizontal_speed_m_s: float
    miss_distance_m: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SimulationResult:
    """A nominal EDL run: ``events``, ``impacts``, ``touchdown``, ``peaks`` and ``to_dataframe()``."""

    preset: str
    outcome: str
    events: tuple[Event, ...]
    impacts: tuple[Impact, ...]
    touchdown: Touchdown | None
    peaks: dict[str, float]
    target_lat_deg: float
    target_lon_deg: float
    atmosphere: str
    site_radius_m: float  # local ground radius used for distances on the surface (areoid + ground elevation)
    info: dict[str, Any] = field(default_factory=dict)
    history: dict[str, np.ndarray] | None = field(default=None, repr=False)
    body_names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (see the README)."""
        return {
            "preset": self.preset,
            "outcome": self.outcome,
            "events": [e.to_dict() for e in self.events],
            "peaks": dict(self.peaks),
            "touchdown": self.touchdown.to_dict() if self.touchdown else None,
            "impacts": [i.to_dict() for i in self.impacts],
        }

    def to_dataframe(self):
        """Time histories of all bodies as a pandas DataFrame (one row per body per step; SI units)."""
        import pandas as pd

        if self.history is None:
            raise ValueError("this result was computed without histories (record=False)")
        h = self.history
        df = pd.DataFrame({
            "body": [self.body_names[b] for b in h["body"]],
            "phase": [Phase(p).name.lower() for p in h["phase"]],
            "time_s": h["t"],
            "altitude_agl_m": h["alt_agl"],
            "altitude_mola_m": h["alt_mola"],
            "lat_deg": np.degrees(h["lat"]),
            "lon_deg": np.degrees(h["lon"]),
            "speed_m_s": h["speed"],
            "mach": h["mach"],
            "dynamic_pressure_pa": h["q"],
            "aero_acceleration_g": h["accel_g"],
            "bank_deg": np.degrees(h["bank"]),
            "mass_kg": h["mass"],
            "x_m": h["x"], "y_m": h["y"], "z_m": h["z"],
            "vx_m_s": h["vx"], "vy_m_s": h["vy"], "vz_m_s": h["vz"],
        })
        return df.sort_values(["body", "time_s"], kind="stable").reset_index(drop=True)


def build_result(out: EngineOutput, *, case: int, preset: str, target_lat_deg: float, target_lon_deg: float,
                 radius_m: float, atmosphere: str, info: dict[str, Any] | None = None,
                 planet: Planet | None = None) -> SimulationResult:
    """Turn one case of an engine output into a :class:`SimulationResult`.

    The engine's rows hold planetocentric latitudes; for a ``planet`` whose convention is planetodetic (Earth)
    every latitude of the result is given in that convention instead."""
    ev = out.events
    mine = ev["case"] == case
    rows = _in_convention({k: v[mine] for k, v in ev.items()}, planet)
    events = []
    timeline = np.isin(rows["code"], list(TIMELINE_EVENTS)) & ((rows["body"] == 0) | (rows["code"] == Ev.FLYAWAY))
    for i in np.flatnonzero(timeline):
        events.append(Event(
            name=EVENT_NAMES[Ev(rows["code"][i])], time_s=float(rows["t"][i]),
            altitude_agl_m=float(rows["alt_agl"][i]), altitude_mola_m=float(rows["alt_mola"][i]),
            speed_m_s=float(rows["speed"][i]), mach=float(rows["mach"][i]),
            dynamic_pressure_pa=float(rows["q"][i]), g_load=float(rows["accel_g"][i]),
            lat_deg=float(np.degrees(rows["lat"][i])), lon_deg=float(np.degrees(rows["lon"][i])),
        ))
    events.sort(key=lambda e: e.time_s)
    touchdown = None
    rover_lat, rover_lon = np.radians(target_lat_deg), np.radians(target_lon_deg)
    td = np.flatnonzero((rows["body"] == 0) & (rows["code"] == Ev.TOUCHDOWN))
    if td.size:
        i = td[0]
        rover_lat, rover_lon = rows["lat"][i], rows["lon"][i]
        r = np.array([rows["x"][i], rows["y"][i], rows["z"][i]])
        v = np.array([rows["vx"][i], rows["vy"][i], rows["vz"][i]])
        up = r / np.linalg.norm(r)
        vz = float(v @ up)
        miss, _ = surface_distance_bearing(np.radians(target_lat_deg), np.radians(target_lon_deg), rover_lat,
                                           rover_lon, radius_m)
        touchdown = Touchdown(time_s=float(rows["t"][i]), lat_deg=float(np.degrees(rover_lat)),
                              lon_deg=float(np.degrees(rover_lon)), vertical_speed_m_s=-vz,
                              horizontal_speed_m_s=float(np.linalg.norm(v - vz * up)),
                              miss_distance_m=float(miss))
    impacts = []
    # every body that hit the ground: the shed hardware, and the vehicle itself when it crashed (a wreck to find)
    for i in np.flatnonzero(rows["code"] == Ev.IMPACT):
        dist, bearing = surface_distance_bearing(rover_lat, rover_lon, rows["lat"][i], rows["lon"][i], radius_m)
        impacts.append(Impact(
            body=out.body_names[rows["body"][i]], time_s=float(rows["t"][i]),
            lat_deg=float(np.degrees(rows["lat"][i])), lon_deg=float(np.degrees(rows["lon"][i])),
            distance_from_rover_m=float(dist), bearing_from_rover_deg=float(np.degrees(bearing) % 360.0),
            speed_m_s=float(rows["speed"][i]), mass_kg=float(rows["mass"][i]),
        ))
    impacts.sort(key=lambda m: m.time_s)
    peaks = {k: float(out.peaks[k][case]) for k in ("deceleration_g", "deceleration_time_s",
                                                    "dynamic_pressure_pa", "heat_rate_w_cm2")}
    extra = {k: float(out.peaks[k][case]) for k in ("propellant_used_kg", "deploy_mach", "deploy_q_pa",
                                                    "peak_parachute_load_n", "opening_load_estimate_n")}
    history = None
    if out.history is not None:
        hm = out.history["case"] == case
        history = _in_convention({k: v[hm] for k, v in out.history.items()}, planet)
    return SimulationResult(
        preset=preset, outcome=OUTCOME_NAMES[out.outcome[case]], events=tuple(events), impacts=tuple(impacts),
        touchdown=touchdown, peaks=peaks, target_lat_deg=target_lat_deg, target_lon_deg=target_lon_deg,
        atmosphere=atmosphere, site_radius_m=float(radius_m), info={**(info or {}), **extra, "g0_m_s2": G0},
        history=history, body_names=out.body_names,
    )


def _in_convention(rows: dict[str, np.ndarray], planet: Planet | None) -> dict[str, np.ndarray]:
    """``rows`` with their latitudes in the planet's convention (the engine's are planetocentric)."""
    if planet is None or planet.latitude == "planetocentric":
        return rows
    r = np.stack([rows["x"], rows["y"], rows["z"]], axis=-1)
    return {**rows, "lat": planet.latitude_rad(r)}
