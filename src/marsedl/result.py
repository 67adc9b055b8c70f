"""Results of a nominal simulation: the event timeline, debris impacts, touchdown, peaks and time histories.

Results are immutable values computed once from the engine output; presentation (tables, plots, reports)
lives elsewhere and reads these objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from marsedl.engine import G0, OUTCOME_NAMES, EngineOutput, Ev, Phase
from marsedl.errors import MarsEDLError
from marsedl.planet import Planet, surface_distance_bearing
from marsedl.sequence import timeline_codes

#: Events shown in the public timeline, in the order they are named in the interface.
#: the vehicle's built-in timeline (marsedl.sequence.EVENTS, ``timeline``), with how a vehicle that does not land
#: ends (propellant exhausted, skip-out, timeout, its own impact); a run's own: EngineOutput.timeline_codes
TIMELINE_EVENTS = tuple(Ev(k) for k in timeline_codes())

#: The time-history columns of :meth:`SimulationResult.to_dataframe` after ``body`` and ``phase``, in order:
#: column -> (history key, in degrees): the one mapping both ways, to the table and back from a saved run.
HISTORY_COLUMNS = {
    "time_s": ("t", False), "altitude_agl_m": ("alt_agl", False), "altitude_mola_m": ("alt_mola", False),
    "lat_deg": ("lat", True), "lon_deg": ("lon", True), "speed_m_s": ("speed", False), "mach": ("mach", False),
    "dynamic_pressure_pa": ("q", False), "aero_acceleration_g": ("accel_g", False), "bank_deg": ("bank", True),
    "mass_kg": ("mass", False), "x_m": ("x", False), "y_m": ("y", False), "z_m": ("z", False),
    "vx_m_s": ("vx", False), "vy_m_s": ("vy", False), "vz_m_s": ("vz", False),
}


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
    #: what was flown: ``mission`` (the resolved preset, as JSON data), ``preset``, ``preset_file``,
    #: ``overrides``, ``atmosphere`` and ``guidance`` as asked, ``seed`` (None for a nominal run)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

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
            **{col: np.degrees(h[key]) if deg else h[key] for col, (key, deg) in HISTORY_COLUMNS.items()},
        })
        return df.sort_values(["body", "time_s"], kind="stable").reset_index(drop=True)

    def save(self, path: str | Path) -> Path:
        """Save the run to reuse it: ``.parquet`` holds everything (time histories, timeline, peaks, impacts,
        touchdown, inputs, version; :mod:`marsedl.runfile`), ``.csv`` the time histories only.

        ``marsedl.load(path)`` gives the run back, and every command that takes a RUN takes the file. The file is
        written atomically (whole or not at all). Returns the path written.
        """
        from marsedl.runfile import SUFFIX, write_csv, write_run

        path = Path(path)
        if path.suffix.lower() not in (SUFFIX, ".csv"):
            raise MarsEDLError(f"'{path}': a run is saved as .parquet (or its time histories as .csv)")
        if path.suffix.lower() == ".csv":
            return write_csv(path, self.to_dataframe())
        return write_run(path, self.to_dataframe(), self._record())

    def _record(self) -> dict[str, Any]:
        """Everything but the histories, as JSON data (floats kept to the last bit; NaN as NaN)."""
        from marsedl import __version__

        return {
            "kind": "nominal", "marsedl_version": __version__, "preset": self.preset, "outcome": self.outcome,
            "events": [asdict(e) for e in self.events], "impacts": [asdict(i) for i in self.impacts],
            "touchdown": asdict(self.touchdown) if self.touchdown else None, "peaks": dict(self.peaks),
            "target_lat_deg": self.target_lat_deg, "target_lon_deg": self.target_lon_deg,
            "atmosphere": self.atmosphere, "site_radius_m": self.site_radius_m, "info": dict(self.info),
            "body_names": list(self.body_names), "inputs": dict(self.inputs),
        }


def load_result(path: str | Path) -> SimulationResult:
    """A nominal run saved by :meth:`SimulationResult.save` (or ``marsedl simulate --out FILE.parquet``).

    Raises a one-line :class:`MarsEDLError` naming the file when it is not a readable run (see
    :func:`marsedl.runfile.read_run`).
    """
    from marsedl.runfile import read_run

    frame, doc = read_run(path)
    try:
        if doc.get("kind") != "nominal":
            raise ValueError(f"kind {doc.get('kind')!r}, not a nominal run")
        body_names = tuple(str(b) for b in doc["body_names"])
        td = doc["touchdown"]
        where = (float(doc["site_radius_m"]), float(doc["target_lat_deg"]), float(doc["target_lon_deg"]))
        if not (0 < where[0] < 1e9 and abs(where[1]) <= 90 and abs(where[2]) <= 360):  # (NaN fails too)
            raise ValueError(f"site_radius_m, target_lat_deg, target_lon_deg = {where}: not a place on a planet")
        return SimulationResult(
            preset=str(doc["preset"]), outcome=str(doc["outcome"]),
            events=tuple(Event(**e) for e in doc["events"]), impacts=tuple(Impact(**i) for i in doc["impacts"]),
            touchdown=Touchdown(**td) if td is not None else None, peaks=dict(doc["peaks"]),
            target_lat_deg=float(doc["target_lat_deg"]), target_lon_deg=float(doc["target_lon_deg"]),
            atmosphere=str(doc["atmosphere"]), site_radius_m=float(doc["site_radius_m"]), info=dict(doc["info"]),
            history=_history_from_frame(frame, body_names), body_names=body_names, inputs=dict(doc["inputs"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = f"no {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise MarsEDLError(f"'{path}': its marsedl run record is damaged ({what})") from None


def _history_from_frame(df, body_names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The history arrays (SI, radians) behind a :meth:`SimulationResult.to_dataframe` table."""
    missing = [c for c in ("body", "phase", *HISTORY_COLUMNS) if c not in df]
    if missing:
        raise ValueError(f"the time histories lack the columns {', '.join(missing)}")
    index = {name: k for k, name in enumerate(body_names)}
    phases = {p.name.lower(): int(p) for p in Phase}
    unknown = sorted(set(df["body"]) - set(index)) + sorted(set(df["phase"]) - set(phases))
    if unknown:
        raise ValueError(f"the time histories name unknown bodies or phases: {', '.join(map(str, unknown[:3]))}")
    h = {"body": df["body"].map(index).to_numpy(np.int64), "phase": df["phase"].map(phases).to_numpy(np.int64)}
    for col, (key, deg) in HISTORY_COLUMNS.items():
        values = df[col].to_numpy(float)
        h[key] = np.radians(values) if deg else values
    h["case"] = np.zeros(len(df), dtype=np.int64)
    return h


def build_result(out: EngineOutput, *, case: int, preset: str, target_lat_deg: float, target_lon_deg: float,
                 radius_m: float, atmosphere: str, info: dict[str, Any] | None = None,
                 planet: Planet | None = None, inputs: dict[str, Any] | None = None) -> SimulationResult:
    """Turn one case of an engine output into a :class:`SimulationResult`.

    The engine's rows hold planetocentric latitudes; for a ``planet`` whose convention is planetodetic (Earth)
    every latitude of the result is given in that convention instead."""
    ev = out.events
    mine = ev["case"] == case
    rows = _in_convention({k: v[mine] for k, v in ev.items()}, planet)
    events = []
    timeline = (np.isin(rows["code"], list(out.timeline_codes))
                & ((rows["body"] == 0) | (rows["code"] == Ev.FLYAWAY)))
    names = out.event_names
    for i in np.flatnonzero(timeline):
        events.append(Event(
            name=names[rows["code"][i]], time_s=float(rows["t"][i]),
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
                                                    "peak_parachute_load_n", "opening_load_estimate_n",
                                                    "trn_divert_m", "trn_safe_spot")}
    history = None
    if out.history is not None:
        hm = out.history["case"] == case
        history = _in_convention({k: v[hm] for k, v in out.history.items()}, planet)
    return SimulationResult(
        preset=preset, outcome=OUTCOME_NAMES[out.outcome[case]], events=tuple(events), impacts=tuple(impacts),
        touchdown=touchdown, peaks=peaks, target_lat_deg=target_lat_deg, target_lon_deg=target_lon_deg,
        atmosphere=atmosphere, site_radius_m=float(radius_m), info={**(info or {}), **extra, "g0_m_s2": G0},
        history=history, body_names=out.body_names, inputs=dict(inputs or {}),
    )


def _in_convention(rows: dict[str, np.ndarray], planet: Planet | None) -> dict[str, np.ndarray]:
    """``rows`` with their latitudes in the planet's convention (the engine's are planetocentric)."""
    if planet is None or planet.latitude == "planetocentric":
        return rows
    r = np.stack([rows["x"], rows["y"], rows["z"]], axis=-1)
    return {**rows, "lat": planet.latitude_rad(r)}
