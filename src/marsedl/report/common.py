"""What every view of a run shares: loading a RUN argument, colours per body, the rover's local frame.

No plotting library is imported here, so the HTML report, the KML writer and the matplotlib plots can all
use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from marsedl.errors import MarsEDLError
from marsedl.survey import to_local_en

#: One colour per kind of body (colour-blind-safe Okabe-Ito palette), used by every plot, the report and KML.
BODY_COLOURS = {
    "vehicle": "#000000",
    "cruise_balance_mass": "#CC79A7",
    "entry_balance_mass": "#E69F00",
    "heat_shield": "#D55E00",
    "backshell": "#0072B2",
    "descent_stage": "#009E73",
    "rover": "#56B4E9",
    "target": "#7F7F7F",
}
_OTHER = "#999999"

#: Short, readable names for the timeline events.
EVENT_LABELS = {
    "entry_interface": "Entry interface", "guidance_start": "Guidance start", "bank_reversal": "Bank reversal",
    "heading_alignment": "Heading alignment", "sufr": "Straighten up (SUFR)", "parachute_deploy": "Parachute deploy",
    "heat_shield_separation": "Heat shield separation", "backshell_separation": "Backshell separation",
    "powered_descent_start": "Powered descent", "constant_velocity_start": "Constant velocity",
    "constant_deceleration_start": "Constant deceleration", "sky_crane_start": "Sky crane", "touchdown": "Touchdown",
    "flyaway": "Descent stage fly-away",
}


def body_kind(name: str) -> str:
    """The kind of a body: its name without a trailing ``_<number>`` (``entry_balance_mass_3`` → ...mass)."""
    return re.sub(r"_\d+$", "", str(name))


def body_colour(name: str) -> str:
    """Colour of a body (by kind), as ``#rrggbb``."""
    return BODY_COLOURS.get(body_kind(name), _OTHER)


def containment_text(el: Any) -> str:
    """How much a Monte Carlo ellipse holds, in words: ``holds 99.0 % of 1,998 cases (95 % interval 98.5-99.4 %);
    the Gaussian chi2 ellipse 96.5 % (...); axes +-6.5 % (95 %, bootstrap); left out: crash 2``."""
    c = el.get("containment")
    if not c or c.get("fraction") is None:
        return ""
    conf = 100 * c.get("confidence", 0.95)
    text = (f"holds {100 * c['fraction']:.1f} % of {c['cases']:,} cases ({conf:g} % interval "
            f"{100 * c['ci_low']:.1f}–{100 * c['ci_high']:.1f} %)")
    if el.get("method") == "gaussian":
        text += f"; to hold {100 * el['probability']:g} % its axes would grow ×{el['axes_vs_gaussian']:.2f}"
    elif el.get("gaussian"):
        g = el["gaussian"]["containment"]
        text += (f"; the Gaussian χ² ellipse of the same covariance would hold {100 * g['fraction']:.1f} % "
                 f"({100 * g['ci_low']:.1f}–{100 * g['ci_high']:.1f} %)")
    ci = el.get("axes_ci")
    if ci and ci["half_width"] is not None:
        text += f"; axes known to ±{100 * ci['half_width']:.1f} % ({100 * ci['confidence']:g} %, bootstrap)"
    left = el.get("excluded")
    if left:
        text += "; left out: " + ", ".join(f"{pretty(k)} {v:,}" for k, v in left.items())
    return text


def pretty(name: str) -> str:
    """``entry_balance_mass_3`` → ``entry balance mass 3``."""
    return str(name).replace("_", " ")


def event_label(name: str) -> str:
    return EVENT_LABELS.get(name, pretty(name).capitalize())


def load_run(run: str, *, overrides: list[str] | None = None, record: bool = True,
             probability: float = 0.99, method: str = "empirical") -> Any:
    """Resolve a RUN argument: a preset name (simulated now), a saved run file or a Monte Carlo run folder.

    Parameters
    ----------
    run : str
        A shipped preset name (``marsedl presets``), a run saved by ``marsedl simulate --out FILE.parquet``, or a
        folder written by ``marsedl montecarlo``.
    overrides : list of str, optional
        ``--set`` overrides for a preset (not allowed with a saved run).
    record : bool
        Keep the nominal run's time histories (the plots need them).
    probability : float
        Probability of a Monte Carlo run's ellipses.
    method : str
        Their sizing, ``empirical`` (default) or ``gaussian`` (:mod:`marsedl.montecarlo.ellipses`).

    Returns
    -------
    SimulationResult or MonteCarloRun
        A nominal result for a preset or a saved file; a :class:`marsedl.montecarlo.api.MonteCarloRun` for a run
        folder.
    """
    from marsedl.scenario import preset_names

    path = Path(run)
    if run in preset_names():
        from marsedl.flight import simulate

        return simulate(run, overrides=overrides, record=record)
    if path.exists():
        from marsedl.montecarlo.api import load

        if overrides:
            what = "run folder" if path.is_dir() else "saved run"
            raise MarsEDLError(f"--set applies to a preset, not to the {what} '{run}' (its inputs are fixed)")
        return load(path, probability=probability, method=method)
    if path.suffix.lower() in (".parquet", ".csv"):
        raise MarsEDLError(f"RUN '{run}': the file does not exist")
    raise MarsEDLError(f"RUN '{run}': neither a preset ({', '.join(preset_names())}), nor a saved run "
                       "(simulate --out FILE.parquet), nor a run folder")


def is_montecarlo(run: Any) -> bool:
    """Is this a Monte Carlo run (from :func:`load_run`) rather than a nominal result?"""
    from marsedl.montecarlo.api import MonteCarloRun

    return isinstance(run, MonteCarloRun)


@dataclass(frozen=True)
class SiteFrame:
    """The rover's local frame: origin (rover, or the target without a touchdown) and ground radius."""

    lat_deg: float
    lon_deg: float
    radius_m: float

    def en(self, lat_deg: Any, lon_deg: Any) -> tuple[np.ndarray, np.ndarray]:
        """Metres east and north of the origin."""
        return to_local_en(lat_deg, lon_deg, self.lat_deg, self.lon_deg, self.radius_m)


def site_frame(result: Any) -> SiteFrame:
    """The local frame of a run, centred on the rover (a Monte Carlo run: on its mean touchdown point).

    Distances use the run's local ground radius (a nominal result's ``site_radius_m``; a Monte Carlo run's
    manifest), the same radius as the debris table's distances.
    """
    if is_montecarlo(result):
        lat, lon = result.origin()
        return SiteFrame(lat_deg=lat, lon_deg=lon, radius_m=result.radius_m)
    td = result.touchdown
    lat, lon = (td.lat_deg, td.lon_deg) if td is not None else (result.target_lat_deg, result.target_lon_deg)
    return SiteFrame(lat_deg=float(lat), lon_deg=float(lon), radius_m=float(result.site_radius_m))


def tracks(result: Any) -> dict[str, Any]:
    """Each body's time history as a DataFrame (sorted by time), vehicle first."""
    df = result.to_dataframe()
    names = [n for n in result.body_names if n in set(df["body"])]
    return {n: df[df["body"] == n].sort_values("time_s") for n in names}


def impact_groups(impacts: Any, *, tolerance_m: float = 5000.0) -> list[dict[str, Any]]:
    """Impacts of the same kind within ``tolerance_m`` of each other, merged for labelling.

    Returns dicts with ``kind``, ``bodies``, ``lat_deg``/``lon_deg`` (mean), ``speed_min``/``speed_max`` (m/s)
    and ``distance_m`` (mean distance from the rover).
    """
    groups: list[dict[str, Any]] = []
    for imp in impacts:
        kind = body_kind(imp.body)
        for g in groups:
            if g["kind"] == kind and abs(g["distance_m"] - imp.distance_from_rover_m) < tolerance_m:
                g["items"].append(imp)
                break
        else:
            groups.append({"kind": kind, "items": [imp], "distance_m": imp.distance_from_rover_m})
    out = []
    for g in groups:
        items = g["items"]
        speeds = [i.speed_m_s for i in items]
        out.append({"kind": g["kind"], "bodies": [i.body for i in items],
                    "lat_deg": float(np.mean([i.lat_deg for i in items])),
                    "lon_deg": float(np.mean([i.lon_deg for i in items])),
                    "speed_min": float(min(speeds)), "speed_max": float(max(speeds)),
                    "distance_m": float(np.mean([i.distance_from_rover_m for i in items]))})
    return out


def group_label(g: dict[str, Any]) -> str:
    """``entry balance mass ×6, 812 m/s`` or ``heat shield, 130 m/s``."""
    n = len(g["bodies"])
    name = pretty(g["kind"]) + (f" ×{n}" if n > 1 else "")
    lo, hi = g["speed_min"], g["speed_max"]
    speed = f"{lo:,.0f} m/s" if round(lo) == round(hi) else f"{lo:,.0f}–{hi:,.0f} m/s"
    return f"{name}, {speed}"


__all__ = ["BODY_COLOURS", "EVENT_LABELS", "SiteFrame", "body_colour", "body_kind", "containment_text",
           "event_label", "group_label",
           "impact_groups", "is_montecarlo", "load_run", "pretty", "site_frame", "tracks"]
