"""Ours against the flights: the nominal presets next to MSL's and Mars 2020's published outcomes.

The published values, their sources, tolerances and the reasons of the misses we know of are data
(``data/flown.toml``), read once; :func:`compare` puts a nominal result next to its mission's rows. The tests
(``tests/test_flown.py``) and the README's "ours vs flown" table (``scripts/flown_table.py``) both use it, so
a row is written once. Flown outcomes are for validation only, never for fitting.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from marsedl.errors import MarsEDLError

__all__ = ["FlownRow", "Row", "compare", "flown_rows", "sources"]

_KINDS = ("event_time", "interval", "event_mach", "event_q", "event_altitude", "impact_distance", "impact_speed",
          "peak")
_UNITS = {"event_time": "s", "interval": "s", "event_mach": "", "event_q": "Pa", "event_altitude": "m",
          "impact_distance": "m", "impact_speed": "m/s"}
# the flight's peaks a row of kind "peak" may name: the result's ``peaks`` or ``info`` key, its words and unit
_PEAKS = {
    "deceleration_g": ("peak deceleration (sensed)", "g"),
    "deceleration_time_s": ("peak deceleration, time from entry", "s"),
    "opening_load_estimate_n": ("parachute opening load (peak)", "N"),
}


@dataclass(frozen=True)
class FlownRow:
    """One published outcome (a ``[[row]]`` of ``data/flown.toml``)."""

    mission: str
    kind: str
    source: str
    why: str
    event: str | None = None
    to: str | None = None
    body: str | None = None
    peak: str | None = None
    flown: float | None = None
    range: tuple[float, float] | None = None
    tolerance: float | None = None
    rel_tolerance: float | None = None
    known_miss: str | None = None

    @property
    def label(self) -> str:
        """What is compared, in words."""
        def nice(name: str) -> str:
            return name.replace("_", " ")

        if self.kind == "event_time":
            return f"{nice(self.event)}, time from entry"
        if self.kind == "interval":
            return f"{nice(self.event)} → {nice(self.to)}"
        if self.kind == "event_mach":
            return f"Mach at {nice(self.event)}"
        if self.kind == "event_q":
            return f"dynamic pressure at {nice(self.event)}"
        if self.kind == "event_altitude":
            return f"{nice(self.event)}, height above ground"
        if self.kind == "peak":
            return _PEAKS[self.peak][0]
        if self.kind == "impact_distance":
            return f"{nice(self.body)} impact, distance from the rover"
        return f"{nice(self.body)} impact speed"

    @property
    def unit(self) -> str:
        return _PEAKS[self.peak][1] if self.kind == "peak" else _UNITS[self.kind]

    def bounds(self) -> tuple[float, float]:
        """The interval ours must fall in."""
        if self.range is not None:
            return self.range
        tol = self.tolerance if self.tolerance is not None else self.rel_tolerance * abs(self.flown)
        return self.flown - tol, self.flown + tol

    def ours(self, result) -> float:
        """This row's quantity in a nominal :class:`~marsedl.result.SimulationResult`."""
        def event(name):
            ev = next((e for e in result.events if e.name == name), None)
            if ev is None:
                raise MarsEDLError(f"the flight has no '{name}' event to compare with the flown one")
            return ev

        def impact(name):
            imp = next((i for i in result.impacts if i.body == name), None)
            if imp is None:
                raise MarsEDLError(f"the flight has no impact of '{name}' to compare with the flown one")
            return imp

        if self.kind == "event_time":
            return event(self.event).time_s
        if self.kind == "interval":
            return event(self.to).time_s - event(self.event).time_s
        if self.kind == "event_mach":
            return event(self.event).mach
        if self.kind == "event_q":
            return event(self.event).dynamic_pressure_pa
        if self.kind == "event_altitude":
            return event(self.event).altitude_agl_m
        if self.kind == "peak":
            return result.peaks[self.peak] if self.peak in result.peaks else result.info[self.peak]
        if self.kind == "impact_distance":
            return impact(self.body).distance_from_rover_m
        return impact(self.body).speed_m_s


@dataclass(frozen=True)
class Row:
    """A published outcome next to ours."""

    flown: FlownRow
    ours: float

    @property
    def within(self) -> bool:
        lo, hi = self.flown.bounds()
        return lo <= self.ours <= hi


@functools.cache
def _data() -> dict[str, Any]:
    text = resources.files("marsedl").joinpath("data/flown.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def sources() -> dict[str, str]:
    """The sources' keys and full references."""
    return dict(_data()["sources"])


def flown_rows(mission: str | None = None) -> list[FlownRow]:
    """The published outcomes (of one mission preset, or all), in the file's order."""
    rows = []
    for raw in _data()["row"]:
        row = FlownRow(**{**raw, "range": tuple(raw["range"]) if "range" in raw else None})
        if (row.kind not in _KINDS or row.source not in _data()["sources"]
                or (row.kind == "peak") != (row.peak in _PEAKS)):
            raise MarsEDLError(f"data/flown.toml: a row of kind {row.kind!r} from {row.source!r} is not one this "
                               f"version reads ({', '.join(_KINDS)}; peaks {', '.join(_PEAKS)}; sources "
                               f"{', '.join(_data()['sources'])})")
        if mission is None or row.mission == mission:
            rows.append(row)
    return rows


def compare(result, mission: str) -> list[Row]:
    """The rows of ``mission`` with ours from the nominal ``result`` of that preset."""
    return [Row(r, float(r.ours(result))) for r in flown_rows(mission)]
