"""Statistics of a Monte Carlo run: metric percentiles, outcome counts, landing, delivery and debris ellipses,
drivers, and how converged the run is.

Ellipses (see :mod:`marsedl.montecarlo.ellipses`): centre, shape and orientation of the points' mean and sample
covariance; size either ``empirical`` (the default: scaled until it holds the stated fraction of the cases) or
``gaussian`` (for a 2-D normal, the ellipse holding probability ``P`` has semi-axes ``sqrt(chi2_2(P) lambda_i)``,
``lambda_i`` the covariance eigenvalues, ``chi2_2(P) = -2 ln(1 - P)``, 9.21 for 99 %). Each gives its
containment (cases inside, with a Clopper-Pearson interval) for both sizings, and bootstrap intervals on its
axes. Points are taken in a local east/north frame (azimuthal equidistant: distance and bearing from the centre)
at the ellipse centre, the mean touchdown (or impact) point; the orientation is the major axis' azimuth from
north, in [0, 180) degrees. The landing ellipse holds the landed cases only; every ellipse says how many cases
it holds and, by outcome, which it left out.

Drivers: standardized regression coefficients (SRC) of a linear least-squares fit of the standardized miss on the
standardized dispersed inputs (the inputs that vary); ``|SRC|`` ranks them, ``SRC^2`` is roughly the share of the
variance each explains when the fit's R^2 is near 1. The plain correlation is given beside it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from marsedl.montecarlo.ellipses import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_STREAM,
    CONFIDENCE,
    bootstrap_axes,
    check_method,
    chi2_2,
    containment,
    fit_ellipse,
    percentile_interval,
)
from marsedl.planet import destination, surface_distance_bearing

__all__ = ["CONVERGENCE_ELLIPSES", "axes_half_width", "chi2_2", "convergence", "deploy_outside_box", "drivers",
           "ellipse_axes", "ground_ellipse", "inside_fraction", "metric_stats", "run_ellipses", "summarize"]

#: The ellipses whose axes say how converged a run is (``convergence`` in the summary, ``--until axes:``).
CONVERGENCE_ELLIPSES = ("landing", "delivery")
#: Percentiles reported for every metric, as (key, fraction).
PERCENTILES = (("p01", 0.01), ("p50", 0.50), ("p99", 0.99))

#: Miss components whose drivers are ranked: at touchdown, and at backshell separation (before the powered
#: descent, and any divert to a safe spot of a hazard map).
DRIVER_TARGETS = ("miss_along_m", "miss_cross_m", "backshell_separation_along_m", "backshell_separation_cross_m")


def ellipse_axes(east_m: np.ndarray, north_m: np.ndarray, probability: float) -> tuple[float, float, float]:
    """``(semi_major_m, semi_minor_m, azimuth_deg)`` of the probability ellipse of points in a plane."""
    cov = np.cov(np.vstack([east_m, north_m]))
    lam, vec = np.linalg.eigh(cov)
    k = chi2_2(probability)
    lam = np.maximum(lam, 0.0)
    az = math.degrees(math.atan2(vec[0, 1], vec[1, 1])) % 180.0
    return math.sqrt(k * lam[1]), math.sqrt(k * lam[0]), az


def inside_fraction(east_m: np.ndarray, north_m: np.ndarray, probability: float) -> float:
    """Share of the points inside their own probability ellipse (Mahalanobis distance^2 <= chi2_2(P))."""
    x = np.vstack([east_m - east_m.mean(), north_m - north_m.mean()])
    d2 = np.einsum("ij,ij->j", x, np.linalg.solve(np.cov(x), x))
    return float(np.mean(d2 <= chi2_2(probability)))


def _east_north(lat0, lon0, lat, lon, radius_m):
    d, b = surface_distance_bearing(lat0, lon0, lat, lon, radius_m)
    return d * np.sin(b), d * np.cos(b)


def _local_points(lat_deg, lon_deg, radius_m):
    """``(ok, east_m, north_m, lat0, lon0)``: the finite points in the local frame at their mean point (radians)."""
    lat, lon = np.radians(np.asarray(lat_deg, float)), np.radians(np.asarray(lon_deg, float))
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = lat[ok], lon[ok]
    if lat.size < 3:
        return ok, None, None, None, None
    lat0 = float(lat.mean())
    lon0 = float(lon[0] + np.mean(np.angle(np.exp(1j * (lon - lon[0])))))
    e, n = _east_north(lat0, lon0, lat, lon, radius_m)
    lat0, lon0 = destination(lat0, lon0, math.atan2(e.mean(), n.mean()), math.hypot(e.mean(), n.mean()), radius_m)
    e, n = _east_north(lat0, lon0, lat, lon, radius_m)
    return ok, e, n, float(lat0), float(lon0)


def _sized(ell, confidence: float) -> dict[str, Any]:
    return {"semi_major_km": ell.semi_major_m / 1e3, "semi_minor_km": ell.semi_minor_m / 1e3,
            "mahalanobis_radius": ell.radius, "containment": containment(ell.inside, ell.cases, confidence)}


def _ground_fit(lat_deg, lon_deg, radius_m: float, probability: float, method: str,
                confidence: float = CONFIDENCE) -> tuple[dict[str, Any] | None, Any]:
    ok, e, n, lat0, lon0 = _local_points(lat_deg, lon_deg, radius_m)
    if e is None:
        return None, None
    fits = {m: fit_ellipse(e, n, probability, m)[0] for m in ("gaussian", "empirical")}
    ell = fits[method]
    out = {"probability": probability, "semi_major_km": ell.semi_major_m / 1e3,
           "semi_minor_km": ell.semi_minor_m / 1e3, "azimuth_deg": ell.azimuth_deg,
           "center_lat_deg": math.degrees(lat0), "center_lon_deg": (math.degrees(lon0) + 180.0) % 360.0 - 180.0,
           "method": method, "cases": ell.cases, "containment": containment(ell.inside, ell.cases, confidence),
           "mahalanobis_radius": ell.radius,
           "axes_vs_gaussian": fits["empirical"].radius / fits["gaussian"].radius,
           "gaussian": _sized(fits["gaussian"], confidence), "empirical": _sized(fits["empirical"], confidence)}
    return out, (np.flatnonzero(ok), e, n)


def ground_ellipse(lat_deg: np.ndarray, lon_deg: np.ndarray, radius_m: float,
                   probability: float = 0.99, method: str = "empirical") -> dict[str, Any] | None:
    """The probability ellipse of ground points (degrees in), in km at its centre; None below 3 points.

    Keys: ``probability``, ``semi_major_km``, ``semi_minor_km``, ``azimuth_deg``, ``center_lat_deg``,
    ``center_lon_deg`` (of the ``method`` ellipse), ``method``, ``cases`` (finite points), ``containment``
    (:func:`~marsedl.montecarlo.ellipses.containment`), ``mahalanobis_radius``, ``axes_vs_gaussian`` (empirical
    over Gaussian axes: how far the Gaussian ellipse must grow to hold ``probability`` of the points) and
    ``gaussian`` / ``empirical`` (each sizing's axes, radius and containment).
    """
    check_method(method)
    return _ground_fit(lat_deg, lon_deg, radius_m, probability, method)[0]


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def metric_stats(frame: pd.DataFrame, confidence: float = CONFIDENCE) -> dict[str, dict[str, Any]]:
    """mean, std, p01, p50, p99 of every numeric output column (NaN where a case did not get there ignored), and
    each percentile's distribution-free interval ``p01_ci``... (``[low, high]``, a side None where the cases cannot
    bound it; :func:`~marsedl.montecarlo.ellipses.percentile_interval`)."""
    out = {}
    for name in frame.columns:
        if name == "case" or name.startswith("in_") or not pd.api.types.is_numeric_dtype(frame[name]):
            continue
        v = frame[name].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            out[name] = {"mean": None, "std": None, "p01": None, "p50": None, "p99": None,
                         **{f"{k}_ci": [None, None] for k, _ in PERCENTILES}}
            continue
        pct = np.percentile(v, [100.0 * q for _, q in PERCENTILES])
        cis = percentile_interval(np.sort(v), tuple(q for _, q in PERCENTILES), confidence)
        out[name] = {"mean": _num(v.mean()), "std": _num(v.std(ddof=1)) if v.size > 1 else 0.0,
                     **{k: _num(p) for (k, _), p in zip(PERCENTILES, pct, strict=True)},
                     **{f"{k}_ci": list(ci) for (k, _), ci in zip(PERCENTILES, cis, strict=True)}}
    return out


def drivers(frame: pd.DataFrame, target: str, top: int = 8) -> list[dict[str, float | str]]:
    """Dispersed inputs ranked by ``|SRC|`` on ``target`` (see the module docstring)."""
    if target not in frame:
        return []
    inputs = [c for c in frame.columns if c.startswith("in_") and c != "in_atm_row"]
    data = frame[inputs + [target]].to_numpy(dtype=float)
    data = data[np.all(np.isfinite(data), axis=1)]
    if data.shape[0] < 4:
        return []
    std = data.std(axis=0)
    keep = std[:-1] > 0
    if std[-1] == 0 or not keep.any():
        return []
    x = (data[:, :-1][:, keep] - data[:, :-1][:, keep].mean(axis=0)) / std[:-1][keep]
    y = (data[:, -1] - data[:, -1].mean()) / std[-1]
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    corr = x.T @ y / y.size
    names = [n for n, k in zip(inputs, keep, strict=True) if k]
    order = np.argsort(-np.abs(coef))[:top]
    return [{"input": names[i].removeprefix("in_"), "src": float(coef[i]), "correlation": float(corr[i])}
            for i in order]


def deploy_outside_box(frame: pd.DataFrame, manifest: dict[str, Any]) -> dict[str, Any] | None:
    """Cases whose parachute opened above the preset's deploy box (Mach or dynamic pressure over its upper edge:
    the range trigger's fallbacks, the velocity trigger, or the altitude floor can open it there).

    Returns ``{"mach_max", "q_max_pa", "cases", "cases_over_mach", "cases_over_q", "deployed"}`` (``*_max``: the
    box's upper edges), or None for a run without a recorded box or deploy columns.
    """
    box = manifest.get("deploy_box")
    if not box or "parachute_deploy_mach" not in frame or "parachute_deploy_q_pa" not in frame:
        return None
    mach = frame["parachute_deploy_mach"].to_numpy(dtype=float)
    q = frame["parachute_deploy_q_pa"].to_numpy(dtype=float)
    m_hi, q_hi = float(box["mach"][1]), float(box["q_pa"][1])
    over_m = mach > m_hi * (1 + 1e-9)  # NaN (no deploy) compares False
    over_q = q > q_hi * (1 + 1e-9)
    return {"mach_max": m_hi, "q_max_pa": q_hi, "cases": int((over_m | over_q).sum()),
            "cases_over_mach": int(over_m.sum()), "cases_over_q": int(over_q.sum()),
            "deployed": int(np.isfinite(mach).sum())}


def _excluded(frame: pd.DataFrame, used: np.ndarray) -> dict[str, int]:
    """Cases left out of an ellipse, counted by outcome."""
    left = frame.loc[~used, "outcome"].value_counts().sort_index()
    return {str(k): int(v) for k, v in left.items()}


def _points(frame: pd.DataFrame, manifest: dict[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``{name: (lat_deg, lon_deg, usable)}`` of every ellipse of a run: ``landing`` (touchdowns of the landed
    cases), ``delivery`` (the vehicle at backshell separation) and each shed body's impact."""
    landed = (frame["outcome"] == "landed").to_numpy()
    out = {"landing": (frame["touchdown_lat_deg"].to_numpy(float), frame["touchdown_lon_deg"].to_numpy(float),
                       landed)}
    if "backshell_separation_lat_deg" in frame:
        out["delivery"] = (frame["backshell_separation_lat_deg"].to_numpy(float),
                           frame["backshell_separation_lon_deg"].to_numpy(float), np.ones(len(frame), bool))
    for body in manifest.get("body_names", [])[1:]:
        col = f"impact_{body}_lat_deg"
        if col in frame:
            out[body] = (frame[col].to_numpy(float), frame[f"impact_{body}_lon_deg"].to_numpy(float),
                         np.ones(len(frame), bool))
    return out


def run_ellipses(frame: pd.DataFrame, manifest: dict[str, Any], probability: float = 0.99,
                 method: str = "empirical", *, names: tuple[str, ...] | None = None, bootstrap: bool = True,
                 confidence: float = CONFIDENCE) -> dict[str, dict[str, Any]]:
    """Every ellipse of a run (or those in ``names``): ``{name: ground_ellipse dict + "excluded" + "axes_ci"}``.

    ``excluded`` counts by outcome the cases left out (for ``landing``: every case that did not land; otherwise
    the cases without that point). ``axes_ci`` (with ``bootstrap``): ``{"semi_major_km": [low, high],
    "semi_minor_km": [low, high], "half_width": largest half-width over the axes as a fraction of the axis,
    "confidence", "resamples", "seed", "spawn_key"}`` from
    :func:`~marsedl.montecarlo.ellipses.bootstrap_axes` over all the run's cases (the same resamples whichever
    ``names`` are asked for, so a subset's intervals equal the full summary's).
    """
    check_method(method)
    radius = float(manifest["radius_m"])
    out: dict[str, dict[str, Any]] = {}
    pts = {}
    for name, (lat, lon, usable) in _points(frame, manifest).items():
        if names is not None and name not in names:
            continue
        lat, lon = np.where(usable, lat, np.nan), np.where(usable, lon, np.nan)
        ell, p = _ground_fit(lat, lon, radius, probability, method, confidence)
        if ell is None:
            continue
        used = np.zeros(len(frame), bool)
        used[p[0]] = True
        ell["excluded"] = _excluded(frame, used)
        out[name] = ell
        pts[name] = p
    if bootstrap and pts:
        seed = manifest.get("seed")
        cis = bootstrap_axes(pts, len(frame), probability, method, seed, confidence=confidence)
        for name, ci in cis.items():
            e = out[name]
            lo_a, hi_a = (v / 1e3 for v in ci["semi_major_m"])
            lo_b, hi_b = (v / 1e3 for v in ci["semi_minor_m"])
            a, b = e["semi_major_km"], e["semi_minor_km"]
            # None when an axis is 0 (all points on a line): no relative width to give
            half = max((hi_a - lo_a) / 2 / a, (hi_b - lo_b) / 2 / b) if a > 0 and b > 0 else None
            e["axes_ci"] = {"semi_major_km": [lo_a, hi_a], "semi_minor_km": [lo_b, hi_b], "half_width": half,
                            "confidence": confidence, "resamples": BOOTSTRAP_RESAMPLES, "seed": seed,
                            "spawn_key": [BOOTSTRAP_STREAM]}
    return out


def axes_half_width(ellipses: dict[str, dict[str, Any]]) -> float | None:
    """Largest relative half-width of the axes' intervals over the :data:`CONVERGENCE_ELLIPSES` present."""
    hw = [ellipses[k]["axes_ci"]["half_width"] for k in CONVERGENCE_ELLIPSES
          if k in ellipses and "axes_ci" in ellipses[k]]
    return None if not hw or None in hw else max(hw)


def convergence(ellipses: dict[str, dict[str, Any]], cases: int, manifest: dict[str, Any]) -> dict[str, Any]:
    """How converged the run's ellipses are: the largest relative half-width of the landing and delivery axes'
    intervals, and the cases that would bring it to 5, 2 and 1 % (half-widths shrink as 1/sqrt(N)); with the
    ``--until`` record of the run when it had one."""
    hw = axes_half_width(ellipses)
    need = {f"{t:g}%": (int(math.ceil(cases * (hw / (t / 100.0)) ** 2)) if hw is not None and math.isfinite(hw)
                        else None) for t in (5, 2, 1)}
    out = {"axes_half_width": hw, "ellipses": [k for k in CONVERGENCE_ELLIPSES if k in ellipses],
           "confidence": CONFIDENCE, "resamples": BOOTSTRAP_RESAMPLES, "cases_for_half_width": need}
    if manifest.get("until"):
        out["until"] = manifest["until"]
    return out


def summarize(frame: pd.DataFrame, manifest: dict[str, Any], probability: float = 0.99,
              method: str = "empirical", *, bootstrap: bool = True) -> dict[str, Any]:
    """The public summary of a run (the ``marsedl summary --json`` object).

    Keys: ``cases``, ``seed``, ``outcomes``, ``landing_ellipse``, ``debris_ellipses``, ``metrics``, ``elapsed_s``,
    ``cases_per_s`` (as in the issue), plus ``drivers`` (SRC ranking of the miss components), ``complete``,
    ``deploy_outside_box`` (:func:`deploy_outside_box`; absent for runs written before it was recorded),
    ``delivery_ellipse`` (the vehicle at backshell separation), ``ellipse_method`` and ``convergence``
    (:func:`convergence`). Each ellipse is a :func:`run_ellipses` entry.
    """
    chi2_2(probability)
    check_method(method)
    ells = run_ellipses(frame, manifest, probability, method, bootstrap=bootstrap)
    debris = {k: v for k, v in ells.items() if k not in ("landing", "delivery")}
    elapsed = float(manifest.get("elapsed_s", 0.0))
    box = deploy_outside_box(frame, manifest)
    return {
        "cases": int(len(frame)),
        "seed": manifest.get("seed"),
        "outcomes": {str(k): int(v) for k, v in frame["outcome"].value_counts().sort_index().items()},
        "landing_ellipse": ells.get("landing"),
        "debris_ellipses": debris,
        "metrics": metric_stats(frame),
        "elapsed_s": elapsed,
        "cases_per_s": len(frame) / elapsed if elapsed > 0 else None,
        "drivers": {t: drivers(frame, t) for t in DRIVER_TARGETS},
        **({"deploy_outside_box": box} if box is not None else {}),
        "complete": bool(manifest.get("complete", False)) and len(frame) == manifest.get("n"),
        "delivery_ellipse": ells.get("delivery"),
        "ellipse_method": method,
        "convergence": convergence(ells, len(frame), manifest) if bootstrap else None,
    }
