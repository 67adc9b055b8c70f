"""Statistics of a Monte Carlo run: metric percentiles, outcome counts, landing and debris ellipses, drivers.

Ellipses: for a 2-D normal, the ellipse holding probability ``P`` has semi-axes ``sqrt(chi2_2(P) lambda_i)``,
``lambda_i`` the covariance eigenvalues, ``chi2_2(P) = -2 ln(1 - P)`` (9.21 for 99 %). Points are taken in a local
east/north frame (azimuthal equidistant: distance and bearing from the centre) at the ellipse centre, the mean
touchdown (or impact) point; the orientation is the major axis' azimuth from north, in [0, 180) degrees.

Drivers: standardized regression coefficients (SRC) of a linear least-squares fit of the standardized miss on the
standardized dispersed inputs (the inputs that vary); ``|SRC|`` ranks them, ``SRC^2`` is roughly the share of the
variance each explains when the fit's R^2 is near 1. The plain correlation is given beside it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from marsedl.planet import destination, surface_distance_bearing

__all__ = ["chi2_2", "deploy_outside_box", "drivers", "ellipse_axes", "ground_ellipse", "inside_fraction",
           "metric_stats", "summarize"]

#: Miss components whose drivers are ranked: at touchdown, and at backshell separation (before the powered
#: descent's divert absorbs most of the miss).
DRIVER_TARGETS = ("miss_along_m", "miss_cross_m", "backshell_separation_along_m", "backshell_separation_cross_m")


def chi2_2(probability: float) -> float:
    """Quantile of the chi-square distribution with 2 degrees of freedom: ``-2 ln(1 - P)``."""
    if not 0.0 < probability < 1.0:
        from marsedl.errors import MarsEDLError

        raise MarsEDLError(f"--probability must be between 0 and 1 (exclusive); got {probability}")
    return -2.0 * math.log1p(-probability)


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


def ground_ellipse(lat_deg: np.ndarray, lon_deg: np.ndarray, radius_m: float,
                   probability: float = 0.99) -> dict[str, float] | None:
    """The probability ellipse of ground points (degrees in), in km at its centre; None below 3 points."""
    lat, lon = np.radians(np.asarray(lat_deg, float)), np.radians(np.asarray(lon_deg, float))
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = lat[ok], lon[ok]
    if lat.size < 3:
        return None
    lat0 = float(lat.mean())
    lon0 = float(lon[0] + np.mean(np.angle(np.exp(1j * (lon - lon[0])))))
    e, n = _east_north(lat0, lon0, lat, lon, radius_m)
    lat0, lon0 = destination(lat0, lon0, math.atan2(e.mean(), n.mean()), math.hypot(e.mean(), n.mean()), radius_m)
    e, n = _east_north(lat0, lon0, lat, lon, radius_m)
    major, minor, az = ellipse_axes(e, n, probability)
    return {"probability": probability, "semi_major_km": major / 1e3, "semi_minor_km": minor / 1e3,
            "azimuth_deg": az, "center_lat_deg": math.degrees(float(lat0)),
            "center_lon_deg": (math.degrees(float(lon0)) + 180.0) % 360.0 - 180.0}


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def metric_stats(frame: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """mean, std, p01, p50, p99 of every numeric output column (NaN where a case did not get there ignored)."""
    out = {}
    for name in frame.columns:
        if name == "case" or name.startswith("in_") or not pd.api.types.is_numeric_dtype(frame[name]):
            continue
        v = frame[name].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            out[name] = {"mean": None, "std": None, "p01": None, "p50": None, "p99": None}
            continue
        p01, p50, p99 = np.percentile(v, [1.0, 50.0, 99.0])
        out[name] = {"mean": _num(v.mean()), "std": _num(v.std(ddof=1)) if v.size > 1 else 0.0,
                     "p01": _num(p01), "p50": _num(p50), "p99": _num(p99)}
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


def summarize(frame: pd.DataFrame, manifest: dict[str, Any], probability: float = 0.99) -> dict[str, Any]:
    """The public summary of a run (the ``marsedl summary --json`` object).

    Keys: ``cases``, ``seed``, ``outcomes``, ``landing_ellipse``, ``debris_ellipses``, ``metrics``, ``elapsed_s``,
    ``cases_per_s`` (as in the issue), plus ``drivers`` (SRC ranking of the miss components), ``complete`` and
    ``deploy_outside_box`` (:func:`deploy_outside_box`; absent for runs written before it was recorded).
    """
    chi2_2(probability)
    radius = float(manifest["radius_m"])
    landed = frame["outcome"] == "landed"
    landing = ground_ellipse(frame.loc[landed, "touchdown_lat_deg"], frame.loc[landed, "touchdown_lon_deg"],
                             radius, probability)
    debris = {}
    for body in manifest.get("body_names", [])[1:]:
        col = f"impact_{body}_lat_deg"
        if col in frame:
            e = ground_ellipse(frame[col], frame[f"impact_{body}_lon_deg"], radius, probability)
            if e is not None:
                debris[body] = e
    elapsed = float(manifest.get("elapsed_s", 0.0))
    box = deploy_outside_box(frame, manifest)
    return {
        "cases": int(len(frame)),
        "seed": manifest.get("seed"),
        "outcomes": {str(k): int(v) for k, v in frame["outcome"].value_counts().sort_index().items()},
        "landing_ellipse": landing,
        "debris_ellipses": debris,
        "metrics": metric_stats(frame),
        "elapsed_s": elapsed,
        "cases_per_s": len(frame) / elapsed if elapsed > 0 else None,
        "drivers": {t: drivers(frame, t) for t in DRIVER_TARGETS},
        **({"deploy_outside_box": box} if box is not None else {}),
        "complete": bool(manifest.get("complete", False)) and len(frame) == manifest.get("n"),
    }
