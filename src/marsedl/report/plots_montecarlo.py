"""Matplotlib figures of a Monte Carlo run: landing and debris scatters with their ellipses, metric histograms,
outcome counts. They take plain arrays and dicts (landing points, ellipse dicts with ``semi_major_km``,
``semi_minor_km``, ``azimuth_deg``, ``center_lat_deg``, ``center_lon_deg``), so any store can feed them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from marsedl.errors import MarsEDLError
from marsedl.report.common import (
    BODY_COLOURS,
    body_colour,
    body_kind,
    pretty,
)
from marsedl.report.figure import _axes, _figure
from marsedl.survey import ellipse_boundary, to_local_en


def landing_scatter(lat_deg: Any, lon_deg: Any, *, origin_lat_deg: float, origin_lon_deg: float,
                    radius_m: float, ellipses: Sequence[Mapping[str, Any]] = (),
                    debris: Mapping[str, tuple[Any, Any]] | None = None, title: str = "Landing dispersion",
                    ) -> Figure:
    """Landing points of a Monte Carlo run with their ellipses and the debris footprints, in km.

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Landing points (one per case).
    origin_lat_deg, origin_lon_deg, radius_m : float
        Origin of the local frame (the target) and the ground radius.
    ellipses : sequence of dict
        ``semi_major_km``, ``semi_minor_km``, ``azimuth_deg`` (major axis from north), ``center_lat_deg``,
        ``center_lon_deg``; optional ``name`` (or ``body``) and ``probability`` (for the label).
    debris : dict name -> (lat_deg array, lon_deg array), optional
        Impact points of each shed body over the cases.
    """
    e, n = to_local_en(lat_deg, lon_deg, origin_lat_deg, origin_lon_deg, radius_m)
    fig = _figure(10.5, 7.5)
    ax = _axes(fig)
    # one legend entry per kind of body (six entry balance masses share one)
    kinds = [body_kind(b) for b in (debris or {})]
    count = {k: kinds.count(k) for k in kinds}
    seen: set[str] = set()
    for name, (la, lo) in (debris or {}).items():
        de, dn = to_local_en(la, lo, origin_lat_deg, origin_lon_deg, radius_m)
        k = body_kind(name)
        label = None if k in seen else f"{pretty(k)}{f' ×{count[k]}' if count[k] > 1 else ''} impacts"
        seen.add(k)
        ax.plot(de / 1e3, dn / 1e3, ".", ms=2, alpha=0.4, color=body_colour(name), label=label)
    if len(e):
        ax.plot(e / 1e3, n / 1e3, ".", ms=3, alpha=0.6, color=BODY_COLOURS["rover"],
                label=f"landing ({len(e):,} cases)")
    seen.clear()
    for el in ellipses:
        ce, cn = to_local_en(el["center_lat_deg"], el["center_lon_deg"], origin_lat_deg, origin_lon_deg, radius_m)
        b = ellipse_boundary(float(ce), float(cn), el["semi_major_km"] * 1e3, el["semi_minor_km"] * 1e3,
                             el["azimuth_deg"], n=180) / 1e3
        name = el.get("name", el.get("body", "landing"))
        k = body_kind(name)
        prob = el.get("probability")
        label = None if k in seen else (
            f"{pretty(k)} ellipse" + (f" ({100 * prob:.0f}%)" if prob is not None else "")
            + f": {2 * el['semi_major_km']:.1f} × {2 * el['semi_minor_km']:.1f} km")
        seen.add(k)
        ax.add_patch(Polygon(b, closed=True, fill=False, lw=1.8, ec=body_colour(name) if name != "landing"
                             else "#000000", label=label))
    ax.plot(0, 0, "+", ms=16, mew=2, color=BODY_COLOURS["target"], label="target")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("east of the target (km)")
    ax.set_ylabel("north of the target (km)")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), markerscale=3)
    return fig


def histograms(metrics: Mapping[str, Any], *, units: Mapping[str, str] | None = None,
               percentiles: Sequence[float] = (1.0, 50.0, 99.0), bins: int = 40) -> Figure:
    """One histogram per metric with its percentiles marked (NaNs, e.g. crashed cases, are left out)."""
    if not metrics:
        raise MarsEDLError("histograms: give at least one metric")
    units = units or {}
    k = len(metrics)
    cols = min(3, k)
    rows = int(np.ceil(k / cols))
    fig = _figure(4.2 * cols, 3.3 * rows)
    for i, (name, values) in enumerate(metrics.items()):
        ax = _axes(fig, rows, cols, i + 1)
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        ax.hist(v, bins=bins, color="#56B4E9", ec="white", lw=0.4)
        for p, q in zip(percentiles, np.percentile(v, percentiles) if v.size else [], strict=False):
            ax.axvline(q, color="#D55E00", lw=1, ls="--")
            ax.annotate(f"P{p:g}\n{q:.3g}", (q, 0.97), xycoords=("data", "axes fraction"), va="top", fontsize=7,
                        ha="left", color="#D55E00")
        unit = units.get(name, "")
        ax.set_xlabel(f"{pretty(name)}" + (f" ({unit})" if unit else ""))
        ax.set_ylabel("cases")
        ax.set_title(f"{pretty(name)} (n = {v.size:,})", fontsize=10)
    return fig


def outcome_counts(counts: Mapping[str, int], *, title: str = "Outcomes") -> Figure:
    """Horizontal bars of how many cases ended each way, with counts and percentages."""
    names = list(counts)
    vals = np.array([int(counts[n]) for n in names])
    total = max(int(vals.sum()), 1)
    fig = _figure(8, 0.5 * len(names) + 1.8)
    ax = _axes(fig)
    ok = {"landed", "nominal", "success"}
    ax.barh(range(len(names)), vals, color=["#009E73" if n in ok else "#D55E00" for n in names])
    for i, v in enumerate(vals):
        ax.annotate(f"{v:,} ({100 * v / total:.1f}%)", (v, i), xytext=(4, 0), textcoords="offset points",
                    va="center")
    ax.set_yticks(range(len(names)), [pretty(n) for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("cases")
    ax.set_xlim(0, vals.max(initial=1) * 1.25)
    ax.set_title(f"{title} ({total:,} cases)")
    return fig


def _mc_subtitle(fig: Figure, run: Any) -> None:
    fig.suptitle(f"{run.preset} — Monte Carlo, {len(run.frame):,} cases, seed {run.manifest.get('seed')}",
                 fontsize=9, color="#555555", x=0.99, ha="right")


def _near(run: Any, within_km: float) -> list[str]:
    """Debris bodies whose ellipse centre lies within ``within_km`` of the target."""
    out = []
    for el in run.ellipses():
        if el["name"] == "landing":
            continue
        e, n = to_local_en(el["center_lat_deg"], el["center_lon_deg"], run.target_lat_deg, run.target_lon_deg,
                           run.radius_m)
        if np.hypot(e, n) <= within_km * 1e3:
            out.append(el["name"])
    return out


def montecarlo_scatter(run: Any, *, bodies: Sequence[str] | None = (), landing: bool = True,
                       title: str | None = None) -> Figure:
    """A Monte Carlo run's landing points and ellipse, with the given debris bodies' impacts and ellipses.

    Parameters
    ----------
    run : MonteCarloRun
        From :func:`marsedl.report.mcrun.open_run`.
    bodies : sequence of str or None
        Debris bodies to draw (None: every one).
    landing : bool
        Draw the landing points and the landing ellipse.
    """
    pts = run.debris_points()
    names = list(pts) if bodies is None else [b for b in bodies if b in pts]
    els = [e for e in run.ellipses() if (e["name"] == "landing" and landing) or e["name"] in names]
    lat, lon = run.landing_points() if landing else (np.zeros(0), np.zeros(0))
    p = 100 * run.probability
    fig = landing_scatter(lat, lon, origin_lat_deg=run.target_lat_deg, origin_lon_deg=run.target_lon_deg,
                          radius_m=run.radius_m, ellipses=els, debris={b: pts[b] for b in names},
                          title=title or f"Landing dispersion and the {p:g}% ellipse")
    _mc_subtitle(fig, run)
    return fig


def landing_ellipse(run: Any) -> Figure:
    """The landing points of a Monte Carlo run and their ellipse at the run's probability."""
    return montecarlo_scatter(run, bodies=(), title=f"Landing dispersion and the {100 * run.probability:g}% "
                                                     "landing ellipse")


def site_footprints(run: Any, *, within_km: float = 5.0) -> Figure:
    """The landing ellipse with the footprints of the debris that falls near the site (heat shield, backshell,
    descent stage)."""
    return montecarlo_scatter(run, bodies=_near(run, within_km), title="Landing site: landing ellipse and the "
                                                                       "nearby debris footprints")


def debris_footprints(run: Any) -> Figure:
    """Every debris body's impact scatter and ellipse (the balance masses fall tens of km from the target)."""
    return montecarlo_scatter(run, bodies=None, title="Debris footprints (impacts over the cases, with ellipses)")


def metric_histograms(run: Any) -> Figure:
    """Histograms of the key metrics (:data:`marsedl.report.mcrun.KEY_METRICS`) with P1/P50/P99 marked."""
    km = run.key_metrics()
    fig = histograms({label: v for v, label, _ in km.values()}, units={label: u for _, label, u in km.values()})
    _mc_subtitle(fig, run)
    return fig


def run_outcomes(run: Any) -> Figure:
    """How many cases ended each way."""
    fig = outcome_counts(run.summary["outcomes"])
    _mc_subtitle(fig, run)
    return fig

