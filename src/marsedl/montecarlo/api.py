"""A Monte Carlo run as the Python API and the report views hold it, and the one way to fly or open one.

``marsedl.montecarlo("mars2020", n=1000, seed=7)`` (:func:`montecarlo`, also what ``marsedl montecarlo`` calls)
flies a run and returns a :class:`MonteCarloRun`: the per-case table (``table``, Arrow; ``to_pandas()``), the
summary (the same numbers as ``marsedl summary``) and the ellipses. :func:`open_run` opens a run folder written
before, and :func:`load` opens any saved run: a folder, or a nominal run's file (``marsedl simulate --out``).
Anything wrong with a folder (no manifest, unreadable Parquet, missing columns) is a one-line
:class:`MarsEDLError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from marsedl.errors import MarsEDLError

#: Metrics drawn as histograms and listed first in the report: column -> (label, unit, scale to the unit).
KEY_METRICS = {
    "miss_distance_m": ("miss distance", "m", 1.0),
    "peak_deceleration_g": ("peak deceleration", "g", 1.0),
    "peak_dynamic_pressure_pa": ("peak dynamic pressure", "kPa", 1e-3),
    "peak_heat_rate_w_cm2": ("peak heat rate", "W/cm²", 1.0),
    "deploy_mach": ("parachute deploy Mach", "", 1.0),
    "deploy_q_pa": ("parachute deploy dynamic pressure", "Pa", 1.0),
    "peak_parachute_load_n": ("peak parachute load (steady canopy drag)", "kN", 1e-3),
    "opening_load_estimate_n": ("parachute opening load estimate", "kN", 1e-3),
    "touchdown_t_s": ("touchdown time", "s", 1.0),
    "propellant_used_kg": ("propellant used", "kg", 1.0),
}

_NEEDED = ("case", "outcome", "touchdown_lat_deg", "touchdown_lon_deg")
_MANIFEST_KEYS = ("n", "seed", "radius_m", "target_lat_deg", "target_lon_deg", "body_names")


@dataclass(frozen=True)
class MonteCarloRun:
    """A Monte Carlo run: flown now (:func:`montecarlo`) or opened from its folder (:func:`open_run`).

    Attributes
    ----------
    path : Path or None
        The run folder (None for a run kept in memory only).
    manifest : dict
        ``manifest.json`` (preset, overrides, seed, n, version, dispersion spec, target, radius, bodies...).
    frame : DataFrame
        One row per case (dispersed inputs ``in_*`` and every output).
    summary : dict
        :func:`marsedl.montecarlo.stats.summarize` at ``probability``.
    probability : float
        Probability of the ellipses.
    """

    path: Path | None
    manifest: dict[str, Any]
    frame: pd.DataFrame
    summary: dict[str, Any]
    probability: float
    repaired: tuple[str, ...] = ()  # damaged chunk files that a resumed run found, kept aside and flew again
    manifest_rebuilt: str | None = None  # a damaged manifest a resumed run kept aside and rebuilt: what was wrong

    @property
    def table(self) -> Any:
        """The per-case table as a :class:`pyarrow.Table` (one row per case: inputs ``in_*`` and every output)."""
        import pyarrow as pa

        return pa.Table.from_pandas(self.frame, preserve_index=False)

    def to_pandas(self) -> pd.DataFrame:
        """The per-case table as a pandas DataFrame (a copy; ``frame`` is the run's own)."""
        return self.frame.copy()

    @property
    def preset(self) -> str:
        return str(self.manifest.get("preset") or self.manifest.get("mission") or "custom preset")

    @property
    def radius_m(self) -> float:
        return float(self.manifest["radius_m"])

    @property
    def target_lat_deg(self) -> float:
        return float(self.manifest["target_lat_deg"])

    @property
    def target_lon_deg(self) -> float:
        return float(self.manifest["target_lon_deg"])

    @property
    def debris_bodies(self) -> list[str]:
        """Shed bodies with an impact column (the manifest's bodies after the vehicle)."""
        return [b for b in self.manifest.get("body_names", [])[1:] if f"impact_{b}_lat_deg" in self.frame]

    def landing_points(self) -> tuple[np.ndarray, np.ndarray]:
        """Touchdown ``(lat_deg, lon_deg)`` of the landed cases."""
        f = self.frame[self.frame["outcome"] == "landed"]
        return f["touchdown_lat_deg"].to_numpy(float), f["touchdown_lon_deg"].to_numpy(float)

    def debris_points(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Impact ``(lat_deg, lon_deg)`` of every shed body over the cases (NaN-free)."""
        out = {}
        for b in self.debris_bodies:
            lat = self.frame[f"impact_{b}_lat_deg"].to_numpy(float)
            lon = self.frame[f"impact_{b}_lon_deg"].to_numpy(float)
            ok = np.isfinite(lat) & np.isfinite(lon)
            if ok.any():
                out[b] = (lat[ok], lon[ok])
        return out

    def ellipses(self, *, delivery: bool = False) -> list[dict[str, Any]]:
        """The landing ellipse (``name`` "landing"), with ``delivery`` the vehicle's at backshell separation
        (``name`` "delivery"), and each debris body's, as the summary gives them."""
        out = []
        if self.summary.get("landing_ellipse"):
            out.append({"name": "landing", **self.summary["landing_ellipse"]})
        if delivery and self.summary.get("delivery_ellipse"):
            out.append({"name": "delivery", **self.summary["delivery_ellipse"]})
        out += [{"name": b, **e} for b, e in self.summary.get("debris_ellipses", {}).items()]
        return out

    def origin(self) -> tuple[float, float]:
        """The landing ellipse's centre (mean touchdown point), or the target when no case landed."""
        le = self.summary.get("landing_ellipse")
        if le:
            return float(le["center_lat_deg"]), float(le["center_lon_deg"])
        return self.target_lat_deg, self.target_lon_deg

    def key_metrics(self) -> dict[str, tuple[np.ndarray, str, str]]:
        """``{column: (values in the display unit, label, unit)}`` for the :data:`KEY_METRICS` present."""
        out = {}
        for col, (label, unit, scale) in KEY_METRICS.items():
            if col in self.frame:
                out[col] = (self.frame[col].to_numpy(float) * scale, label, unit)
        return out

    def preset_text(self) -> str:
        """The preset's TOML text with its source comments (a shipped preset, or the run's preset file)."""
        from marsedl.scenario import preset_names, preset_text

        name = self.manifest.get("preset")
        if name and name in preset_names():
            return preset_text(name)
        file = self.manifest.get("preset_file")
        if file:
            try:
                return Path(file).read_text(encoding="utf-8")
            except OSError:
                return f"(the run's preset file '{file}' is not readable here)"
        return "(inputs not available)"


def open_run(path: str | Path, *, probability: float = 0.99, method: str = "empirical") -> MonteCarloRun:
    """Open a Monte Carlo run folder (one-line :class:`MarsEDLError` when it is not a readable run); its ellipses
    are sized by ``method`` (``empirical`` or ``gaussian``, see :mod:`marsedl.montecarlo.ellipses`)."""
    import pyarrow as pa

    from marsedl.montecarlo.ellipses import check_method
    from marsedl.montecarlo.stats import chi2_2, summarize
    from marsedl.montecarlo.store import MANIFEST, RunStore

    chi2_2(probability)
    check_method(method)
    path = Path(path)
    if not (path / MANIFEST).is_file():
        raise MarsEDLError(f"RUN '{path}': the folder is not a Monte Carlo run (no {MANIFEST})")
    store = RunStore(path)
    manifest = store.read_manifest()
    if not isinstance(manifest, dict) or any(k not in manifest for k in _MANIFEST_KEYS):
        missing = [k for k in _MANIFEST_KEYS if not isinstance(manifest, dict) or k not in manifest]
        raise MarsEDLError(f"RUN '{path}': {MANIFEST} lacks {', '.join(missing)}; is it a marsedl run?")
    try:
        frame = store.read()
    except MarsEDLError as exc:
        raise MarsEDLError(f"RUN '{path}': {exc}") from None
    except (OSError, ValueError, pa.ArrowException) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MarsEDLError(f"RUN '{path}': a Parquet chunk cannot be read ({first})") from None
    missing = [c for c in _NEEDED if c not in frame]
    if missing:
        raise MarsEDLError(f"RUN '{path}': the Parquet chunks lack the columns {', '.join(missing)}")
    summary = summarize(frame, manifest, probability, method)
    return MonteCarloRun(path=path, manifest=manifest, frame=frame, summary=summary, probability=probability)


def montecarlo(preset: str | None = "mars2020", *, n: int = 1000, seed: int = 0, out: str | Path | None = None,
               probability: float = 0.99, method: str = "empirical",
               progress: Callable[[int, int], None] | None = None, **options: Any) -> MonteCarloRun:
    """Fly ``n`` dispersed cases of a mission (all cores by default) and return the run with its summary.

    The one path of ``marsedl montecarlo`` and of Python: :func:`marsedl.montecarlo.run_montecarlo` flies (and,
    with ``out``, streams the cases to Parquet chunks and ``manifest.json`` in that folder), then
    :func:`marsedl.montecarlo.stats.summarize` summarises.

    Parameters
    ----------
    preset : str
        Shipped preset name; or ``preset_file=`` your own TOML.
    n : int
        Number of cases (with ``until``, the most to fly).
    seed : int
        Run seed; case ``i`` draws from ``SeedSequence(seed, spawn_key=(i,))``, whatever the workers or chunks.
    out : path, optional
        Folder to keep the run in (``marsedl.load(out)`` opens it again); None keeps it in memory.
    probability : float
        Probability of the ellipses (default 0.99).
    method : str
        Ellipse sizing: ``empirical`` (holds that share of the cases; default) or ``gaussian`` (chi-square).
    progress : callable, optional
        ``progress(cases_done, cases_planned)`` after each chunk.
    **options
        Any other option of :func:`~marsedl.montecarlo.run_montecarlo`: ``preset_file``, ``overrides``,
        ``atmosphere``, ``dispersions``, ``resume``, ``chunk_size``, ``processes``, ``workers``, ``scheduler``,
        ``until``, ``context``.

    Returns
    -------
    MonteCarloRun
        ``summary`` (dict, as ``marsedl summary --json``), ``table`` (Arrow) / ``to_pandas()``, ``ellipses()``,
        ``manifest``, ``path``.
    """
    from marsedl.montecarlo.ellipses import check_method
    from marsedl.montecarlo.runner import run_montecarlo
    from marsedl.montecarlo.stats import chi2_2, summarize

    chi2_2(probability)
    check_method(method)
    res = run_montecarlo(preset, n=n, seed=seed, out=out, progress=progress, **options)
    summary = summarize(res.frame, res.manifest, probability, method)
    return MonteCarloRun(path=res.path, manifest=res.manifest, frame=res.frame, summary=summary,
                         probability=probability, repaired=res.repaired, manifest_rebuilt=res.manifest_rebuilt)


def load(path: str | Path, *, probability: float = 0.99, method: str = "empirical") -> Any:
    """Open a saved run: a Monte Carlo run folder (a :class:`MonteCarloRun`, its ellipses at ``probability``
    sized by ``method``) or a nominal run's file from ``marsedl simulate --out FILE.parquet`` or
    ``result.save(FILE)`` (the :class:`marsedl.result.SimulationResult` it was).

    Anything else (missing, damaged, another program's Parquet, a CSV of histories, a newer format) is a one-line
    :class:`MarsEDLError` naming it.
    """
    path = Path(path)
    if path.is_dir():
        return open_run(path, probability=probability, method=method)
    from marsedl.result import load_result

    return load_result(path)


__all__ = ["KEY_METRICS", "MonteCarloRun", "load", "montecarlo", "open_run"]
