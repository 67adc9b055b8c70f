"""Compare a flown body with other simulators' time histories (NASA's NESC check-cases, or any such set).

:func:`flown_columns` gives a :class:`~marsedl.result.SimulationResult` as the check-cases' quantities (SI):
altitude above the reference ellipsoid, latitude and longitude (the planet's convention), the velocity relative
to the ground in north/east/down, Mach and dynamic pressure, interpolated to the requested times.
:func:`compare` measures it against the simulators' own spread, quantity by quantity.

The acceptance (the README's table): at every common time, with ``m`` the simulators' median and ``d`` the
largest distance of any simulator from it, ours passes when ``|ours - m| <= d + floor``. ``floor`` is the
quantity's resolution where the simulators agree to their printed digits (then ``d`` is 0): see
:data:`FLOORS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from marsedl.planet import Planet

__all__ = ["FLOORS", "QUANTITIES", "CaseCheck", "Comparison", "check_case", "compare", "flown_columns"]

#: The compared quantities (columns of the reference frames and of :func:`flown_columns`).
QUANTITIES = ("altitude_m", "lat_deg", "lon_deg", "v_north_m_s", "v_east_m_s", "v_down_m_s", "mach",
              "dynamic_pressure_pa")

#: Resolution floors (absolute, relative to the median), added to the simulators' spread: a centimetre, 1e-9
#: degree (6 cm on Earth), a millimetre per second; Mach and dynamic pressure 1e-5 of their value (at least
#: 1e-5 and 0.01 Pa), because the 1976 standard tabulates its sea-level density and speed of sound to five
#: significant figures (1.2250 kg/m^3, 340.29 m/s), so two faithful implementations differ at that level
#: where the six simulators, sharing one, agree exactly (the cannonball's first seconds). Each floor only
#: matters where the simulators agree to their printed digits (at t = 0, or a component that stays 0).
FLOORS = {"altitude_m": (0.01, 0.0), "lat_deg": (1e-9, 0.0), "lon_deg": (1e-9, 0.0), "v_north_m_s": (1e-3, 0.0),
          "v_east_m_s": (1e-3, 0.0), "v_down_m_s": (1e-3, 0.0), "mach": (1e-5, 1e-5),
          "dynamic_pressure_pa": (0.01, 1e-5)}


def flown_columns(result, times_s: np.ndarray, planet: Planet, body: int = 0) -> pd.DataFrame:
    """The check-case quantities of ``result``'s body ``body`` at ``times_s`` (linear between its steps), over
    ``planet`` (for the north/east/down axes; ``Setup.config.planet`` of the flight)."""
    h = result.history
    if h is None:
        raise ValueError("the result has no histories: simulate with record=True")
    mine = h["body"] == body
    t = h["t"][mine]
    order = np.argsort(t, kind="stable")
    col = {k: np.asarray(v)[mine][order] for k, v in h.items()}
    t = t[order]
    r = np.stack([col["x"], col["y"], col["z"]], axis=-1)
    v = np.stack([col["vx"], col["vy"], col["vz"]], axis=-1)
    north, east, down = planet.ned_basis(r)
    flown = {
        "altitude_m": col["alt_mola"], "lat_deg": np.degrees(col["lat"]), "lon_deg": np.degrees(col["lon"]),
        "v_north_m_s": np.sum(v * north, axis=-1), "v_east_m_s": np.sum(v * east, axis=-1),
        "v_down_m_s": np.sum(v * down, axis=-1), "mach": col["mach"], "dynamic_pressure_pa": col["q"],
    }
    times = np.asarray(times_s, dtype=float)
    return pd.DataFrame({"time_s": times, **{k: np.interp(times, t, flown[k]) for k in QUANTITIES}})


@dataclass(frozen=True)
class Comparison:
    """One quantity of one case: the largest miss of ours from the simulators' median, their largest spread,
    and the largest excess of the miss over the spread plus the floor (<= 0: within the spread everywhere)."""

    quantity: str
    worst_miss: float  # max over time of |ours - median|
    spread: float  # max over time of the simulators' largest distance from their median
    excess: float  # max over time of |ours - median| - (spread(t) + floor)
    simulators: int

    @property
    def passed(self) -> bool:
        return self.excess <= 0.0


def compare(ours: pd.DataFrame, sims: pd.DataFrame) -> list[Comparison]:
    """Compare ``ours`` (:func:`flown_columns` at the reference times) with the simulators' rows ``sims``
    (columns ``sim``, ``time_s`` and the :data:`QUANTITIES`), quantity by quantity."""
    out = []
    for q in QUANTITIES:
        wide = sims.pivot_table(index="time_s", columns="sim", values=q, aggfunc="first").dropna(axis=1, how="all")
        wide = wide.dropna(axis=0)
        if wide.shape[1] < 2 or wide.empty:
            continue
        s = wide.to_numpy()
        med = np.median(s, axis=1)
        spread = np.max(np.abs(s - med[:, None]), axis=1)
        mine = np.interp(wide.index.to_numpy(dtype=float), ours["time_s"], ours[q])
        miss = np.abs(mine - med)
        floor = np.maximum(FLOORS[q][0], FLOORS[q][1] * np.abs(med))
        out.append(Comparison(q, float(miss.max()), float(spread.max()), float(np.max(miss - spread - floor)),
                              int(wide.shape[1])))
    return out


class CaseCheck(NamedTuple):
    """A flown check-case: the result, its quantities at the reference times (:func:`flown_columns`), the
    comparisons (:func:`compare`) and the prepared mission."""

    result: Any
    flown: pd.DataFrame
    comparisons: list[Comparison]
    setup: Any


def check_case(preset_file, sims: pd.DataFrame, overrides: list[str] | None = None) -> CaseCheck:
    """Fly a body preset (prepared once) and compare it with the simulators' rows ``sims`` at their times."""
    from marsedl.flight import fly, prepare

    setup = prepare(None, preset_file=preset_file, overrides=overrides)
    result = fly(setup)
    flown = flown_columns(result, sims["time_s"].unique(), setup.config.planet)
    return CaseCheck(result, flown, compare(flown, sims), setup)
