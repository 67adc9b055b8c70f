"""Matplotlib figures of a run (Agg; no pyplot, no global state): nominal EDL views and Monte Carlo views.

Nominal views take a :class:`marsedl.result.SimulationResult`; Monte Carlo views take plain arrays and dicts
(landing points, ellipse dicts with ``semi_major_km``, ``semi_minor_km``, ``azimuth_deg``, ``center_lat_deg``,
``center_lon_deg``), so any store can feed them. Every function returns a :class:`matplotlib.figure.Figure`;
:func:`write_nominal_plots` saves the whole set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Polygon

from marsedl.constants import G0
from marsedl.errors import MarsEDLError
from marsedl.report.common import (
    BODY_COLOURS,
    body_colour,
    body_kind,
    event_label,
    group_label,
    impact_groups,
    pretty,
    site_frame,
    tracks,
)
from marsedl.survey import ellipse_boundary, to_local_en

FORMATS = ("png", "svg")
_STYLE = {"axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
          "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold", "legend.fontsize": 8,
          "legend.framealpha": 0.9}


def _figure(w: float = 9.0, h: float = 5.5, **kw: Any) -> Figure:
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(w, h), layout="constrained", **kw)
    return fig


def _axes(fig: Figure, *args: Any, **kw: Any) -> Any:
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        return fig.add_subplot(*args, **kw)


def _subtitle(fig: Figure, result: Any) -> None:
    fig.suptitle(f"{result.preset} — nominal, outcome: {result.outcome}", fontsize=9, color="#555555", x=0.99,
                 ha="right")


# ---------------------------------------------------------------------------------------- nominal views


def altitude_speed(result: Any) -> Figure:
    """Vehicle altitude above ground vs speed, with every timeline event marked."""
    vh = tracks(result)["vehicle"]
    fig = _figure(10, 6)
    ax = _axes(fig)
    ax.plot(vh["speed_m_s"], vh["altitude_agl_m"] / 1e3, color=BODY_COLOURS["vehicle"], lw=1.6, label="vehicle")
    markers = "osD^v<>phH*Xd8P"
    for k, e in enumerate(result.events):
        ax.plot(e.speed_m_s, e.altitude_agl_m / 1e3, markers[k % len(markers)], ms=7, mec="black", mew=0.6,
                label=f"{e.time_s:6.1f} s  {event_label(e.name)}", color=f"C{k % 10}")
    ax.set_xlabel("speed relative to the ground (m/s)")
    ax.set_ylabel("altitude above ground (km)")
    ax.set_title("Altitude vs speed, with the EDL events")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), title="time from entry", prop={"family": "monospace",
                                                                                               "size": 8})
    _subtitle(fig, result)
    return fig


def _event_lines(ax: Any, result: Any, names: Sequence[str]) -> None:
    for e in result.events:
        if e.name in names:
            ax.axvline(e.time_s, color="#888888", lw=0.8, ls="--")
            ax.annotate(event_label(e.name), (e.time_s, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                        va="top", ha="right", fontsize=7, color="#555555")


def loads(result: Any) -> Figure:
    """Deceleration (g) and dynamic pressure vs time for the vehicle."""
    vh = tracks(result)["vehicle"]
    fig = _figure(10, 6.5)
    ax1 = _axes(fig, 2, 1, 1)
    ax2 = _axes(fig, 2, 1, 2, sharex=ax1)
    ax1.plot(vh["time_s"], vh["aero_acceleration_g"], color="#D55E00", lw=1.4)
    p = result.peaks
    ax1.plot(p["deceleration_time_s"], p["deceleration_g"], "o", color="#D55E00", mec="black")
    ax1.annotate(f"peak {p['deceleration_g']:.1f} g at {p['deceleration_time_s']:.0f} s",
                 (p["deceleration_time_s"], p["deceleration_g"]), xytext=(10, -4), textcoords="offset points")
    ax1.set_ylabel("deceleration (g, Earth)")
    ax1.set_title("Deceleration and dynamic pressure")
    ax2.plot(vh["time_s"], vh["dynamic_pressure_pa"] / 1e3, color="#0072B2", lw=1.4)
    ax2.set_ylabel("dynamic pressure (kPa)")
    ax2.set_xlabel("time from entry interface (s)")
    ax2.annotate(f"peak {p['dynamic_pressure_pa'] / 1e3:.1f} kPa", (0.99, 0.9), xycoords="axes fraction",
                 ha="right")
    for ax in (ax1, ax2):
        _event_lines(ax, result, ("parachute_deploy", "heat_shield_separation", "backshell_separation",
                                  "touchdown"))
    _subtitle(fig, result)
    return fig


def bank_angle(result: Any) -> Figure:
    """Commanded bank angle of the vehicle during entry (reversals marked)."""
    vh = tracks(result)["vehicle"]
    ev = {e.name: e.time_s for e in result.events}
    t_end = ev.get("parachute_deploy", float(vh["time_s"].max()))
    m = vh["time_s"] <= t_end
    fig = _figure(10, 4.5)
    ax = _axes(fig)
    ax.plot(vh["time_s"][m], vh["bank_deg"][m], color="#000000", lw=1.4)
    ax.axhline(0, color="#888888", lw=0.6)
    _event_lines(ax, result, ("guidance_start", "bank_reversal", "heading_alignment", "sufr"))
    ax.set_xlabel("time from entry interface (s)")
    ax.set_ylabel("bank angle (deg; + right)")
    ax.set_title("Bank angle during guided entry")
    _subtitle(fig, result)
    return fig


def deploy(result: Any, *, before_s: float = 10.0, after_s: float = 25.0) -> Figure:
    """Mach number and the aerodynamic load on the vehicle around parachute deploy."""
    ev = {e.name: e for e in result.events}
    if "parachute_deploy" not in ev:
        raise MarsEDLError("this run has no parachute deploy event to draw")
    t0 = ev["parachute_deploy"].time_s
    vh = tracks(result)["vehicle"]
    m = (vh["time_s"] >= t0 - before_s) & (vh["time_s"] <= t0 + after_s)
    w = vh[m]
    fig = _figure(10, 6.5)
    ax1 = _axes(fig, 2, 1, 1)
    ax2 = _axes(fig, 2, 1, 2, sharex=ax1)
    ax1.plot(w["time_s"] - t0, w["mach"], color="#0072B2", lw=1.4)
    ax1.set_ylabel("Mach")
    ax1.set_title("Around parachute deploy")
    ax1.annotate(f"deploy at Mach {ev['parachute_deploy'].mach:.2f}, "
                 f"{ev['parachute_deploy'].dynamic_pressure_pa:.0f} Pa", (0, ev["parachute_deploy"].mach),
                 xytext=(8, 8), textcoords="offset points")
    force_kn = w["aero_acceleration_g"] * G0 * w["mass_kg"] / 1e3
    ax2.plot(w["time_s"] - t0, force_kn, color="#D55E00", lw=1.4, label="aerodynamic force on the vehicle")
    peak = result.info.get("peak_parachute_load_n")
    if peak:
        ax2.axhline(peak / 1e3, color="#D55E00", ls=":", lw=1,
                    label=f"peak parachute load {peak / 1e3:,.0f} kN (the canopy's own drag)")
    opening = result.info.get("opening_load_estimate_n")
    if opening and np.isfinite(opening):
        ax2.axhline(opening / 1e3, color="#CC79A7", ls="--", lw=1,
                    label=f"opening load estimate {opening / 1e3:,.0f} kN (C_x C_D q S0)")
    ax2.set_ylabel("force (kN)")
    ax2.set_xlabel("time from parachute deploy (s)")
    ax2.legend(loc="center right")
    for ax in (ax1, ax2):
        ax.axvline(0, color="#888888", ls="--", lw=0.8)
        if "heat_shield_separation" in ev:
            ax.axvline(ev["heat_shield_separation"].time_s - t0, color="#888888", ls="--", lw=0.8)
    ax2.annotate("heat shield separation", (ev["heat_shield_separation"].time_s - t0, 0.95),
                 xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right", fontsize=7) \
        if "heat_shield_separation" in ev else None
    _subtitle(fig, result)
    return fig


def _body_legend(ax: Any, names: Sequence[str], extra: Sequence[Any] = ()) -> None:
    from matplotlib.lines import Line2D

    kinds = list(dict.fromkeys(body_kind(n) for n in names))
    handles = [Line2D([], [], color=BODY_COLOURS.get(k, "#999"), lw=2, label=pretty(k)) for k in kinds]
    ax.legend(handles=[*handles, *extra], loc="best")


def ground_track(result: Any) -> Figure:
    """The whole ground track (lon/lat) and the debris field in km around the rover, impacts labelled."""
    from matplotlib.lines import Line2D

    tr = tracks(result)
    frame = site_frame(result)
    fig = _figure(14, 6)
    grid = fig.add_gridspec(1, 2, width_ratios=(1.4, 1.0))
    ax1 = _axes(fig, grid[0])
    ax2 = _axes(fig, grid[1])
    for name, df in tr.items():
        c = body_colour(name)
        ax1.plot(df["lon_deg"], df["lat_deg"], color=c, lw=1.6 if name == "vehicle" else 0.9)
        e, n = frame.en(df["lat_deg"].to_numpy(), df["lon_deg"].to_numpy())
        ax2.plot(e / 1e3, n / 1e3, color=c, lw=1.6 if name == "vehicle" else 0.9)
    for imp in result.impacts:
        ax1.plot(imp.lon_deg, imp.lat_deg, "x", color=body_colour(imp.body), ms=6, mew=1.5)
        e, n = frame.en(imp.lat_deg, imp.lon_deg)
        ax2.plot(e / 1e3, n / 1e3, "x", color=body_colour(imp.body), ms=7, mew=1.5)
    for ax, (x, y) in ((ax1, (frame.lon_deg, frame.lat_deg)), (ax2, (0.0, 0.0))):
        ax.plot(x, y, "*", ms=14, color=BODY_COLOURS["rover"], mec="black")
    tx, ty = frame.en(result.target_lat_deg, result.target_lon_deg)
    ax1.plot(result.target_lon_deg, result.target_lat_deg, "+", ms=14, mew=2, color=BODY_COLOURS["target"])
    ax2.plot(tx / 1e3, ty / 1e3, "+", ms=14, mew=2, color=BODY_COLOURS["target"])
    ax1.plot(result.info.get("entry_lon_deg", np.nan), result.info.get("entry_lat_deg", np.nan), "o", ms=6,
             color="black")
    ax1.annotate("entry interface", (result.info.get("entry_lon_deg", np.nan),
                                     result.info.get("entry_lat_deg", np.nan)), xytext=(6, 6),
                 textcoords="offset points", fontsize=8)
    ax1.set_xlabel("east longitude (deg)")
    ax1.set_ylabel("planetocentric latitude (deg)")
    ax1.set_title("Ground track from entry interface")
    lats = np.concatenate([df["lat_deg"].to_numpy() for df in tr.values()])
    ax1.set_ylim(np.nanmin(lats) - 1.5, np.nanmax(lats) + 1.5)  # not to scale: the track is long and narrow
    # debris field: one label per group of like bodies; those close to the rover share one note
    groups = impact_groups(result.impacts)
    pts = [frame.en(g["lat_deg"], g["lon_deg"]) for g in groups]
    xs = np.array([0.0] + [p[0] / 1e3 for p in pts])
    ys = np.array([0.0] + [p[1] / 1e3 for p in pts])
    span = max(float(np.ptp(xs)), float(np.ptp(ys)), 2.0)
    close, pad = 0.06 * span, 0.12 * span
    near = []
    for g, (e, n) in zip(groups, pts, strict=True):
        if np.hypot(e, n) / 1e3 < close:
            near.append(g)
            continue
        ax2.annotate(group_label(g), (e / 1e3, n / 1e3), xytext=(0, 10 if n >= 0 else -16), fontsize=8,
                     textcoords="offset points", color=body_colour(g["kind"]),
                     ha="left" if e < 0 else "right")
    if near:
        ax2.annotate("near the rover (see the close-up):\n" + "\n".join(group_label(g) for g in near),
                     (0.02, 0.02), xycoords="axes fraction", fontsize=8, va="bottom",
                     bbox={"boxstyle": "round", "fc": "white", "ec": "#cccccc"})
    cx, cy = 0.5 * (xs.min() + xs.max()), 0.5 * (ys.min() + ys.max())
    half = 0.5 * span + pad
    ax2.set_xlim(cx - half, cx + half)
    ax2.set_ylim(cy - half, cy + half)
    ax2.set_aspect("equal", adjustable="box")
    ax2.set_xlabel("east of the rover (km)")
    ax2.set_ylabel("north of the rover (km)")
    ax2.set_title("Debris field around the rover (impact speed)")
    extra = [Line2D([], [], ls="", marker="*", ms=12, color=BODY_COLOURS["rover"], mec="black", label="rover"),
             Line2D([], [], ls="", marker="+", ms=12, mew=2, color=BODY_COLOURS["target"], label="target"),
             Line2D([], [], ls="", marker="x", ms=7, mew=1.5, color="#444444", label="impact")]
    _body_legend(ax1, list(tr), extra)
    ax1.get_legend().set_loc("lower left")
    _subtitle(fig, result)
    return fig


def landing_site(result: Any, *, half_width_m: float | None = None, survey: Any = None) -> Figure:
    """Close-up of the landing site in metres east/north of the rover: nearby impacts, last tracks, and a
    debris survey plan when given (:class:`marsedl.survey.SurveyPlan`)."""
    from matplotlib.lines import Line2D

    tr = tracks(result)
    frame = site_frame(result)
    near = [i for i in result.impacts if i.distance_from_rover_m < 10e3]
    if half_width_m is None:
        far = max([i.distance_from_rover_m for i in near] + [300.0])
        half_width_m = float(np.ceil(far * 1.2 / 100.0) * 100.0)
    fig = _figure(8.5, 8)
    ax = _axes(fig)
    lim = half_width_m
    shown = {"vehicle"} | {i.body for i in near}  # bodies that only fly over the site are left out
    for name, df in tr.items():
        if name not in shown:
            continue
        e, n = frame.en(df["lat_deg"].to_numpy(), df["lon_deg"].to_numpy())
        inside = (np.abs(e) < 3 * lim) & (np.abs(n) < 3 * lim)
        if inside.any():
            ax.plot(e[inside], n[inside], color=body_colour(name), lw=1.6 if name == "vehicle" else 1.0, alpha=0.8)
    for k, imp in enumerate(sorted(near, key=lambda i: i.bearing_from_rover_deg)):
        e, n = frame.en(imp.lat_deg, imp.lon_deg)
        ax.plot(e, n, "X", ms=10, color=body_colour(imp.body), mec="black", mew=0.6, zorder=4)
        ax.annotate(f"{pretty(imp.body)}\n{imp.distance_from_rover_m:,.0f} m, {imp.speed_m_s:,.0f} m/s",
                    (e, n), xytext=(10, 8 if k % 2 == 0 else -26), textcoords="offset points", fontsize=8,
                    color=body_colour(imp.body), bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                                                       "alpha": 0.8})
    ax.plot(0, 0, "*", ms=18, color=BODY_COLOURS["rover"], mec="black", zorder=5)
    tx, ty = frame.en(result.target_lat_deg, result.target_lon_deg)
    ax.plot(tx, ty, "+", ms=16, mew=2, color=BODY_COLOURS["target"], zorder=5)
    extra = [Line2D([], [], ls="", marker="*", ms=12, color=BODY_COLOURS["rover"], mec="black", label="rover"),
             Line2D([], [], ls="", marker="+", ms=12, mew=2, color=BODY_COLOURS["target"], label="target")]
    if survey is not None:
        extra += draw_survey(ax, survey)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("east of the rover (m)")
    ax.set_ylabel("north of the rover (m)")
    ax.set_title("Landing site close-up" + (" and debris survey" if survey is not None else ""))
    _body_legend(ax, [n for n in tr if n in {i.body for i in near} | {"vehicle"}], extra)
    _subtitle(fig, result)
    return fig


def draw_survey(ax: Any, plan: Any) -> list[Any]:
    """Draw a :class:`marsedl.survey.SurveyPlan` on axes in metres east/north; returns legend handles."""
    from matplotlib.lines import Line2D

    r = plan.footprint_radius_m
    for x, y in plan.photos_en_m:
        ax.add_patch(Circle((x, y), r, fill=True, alpha=0.25, color="#009E73", lw=0))
    for k, s in enumerate(plan.sorties):
        w = s.waypoints_en_m
        ax.plot(w[:, 0], w[:, 1], "-", lw=1.0, color=f"C{k % 10}", alpha=0.9)
    for t in plan.targets:
        if t.is_ellipse:
            b = ellipse_boundary(t.east_m, t.north_m, t.semi_major_m, t.semi_minor_m, t.azimuth_deg)
            ax.add_patch(Polygon(b, closed=True, fill=False, ec=body_colour(t.name), lw=1.2))
    bx, by = plan.base_en_m
    ax.plot(bx, by, "s", ms=8, color="#333333", mfc="none", mew=1.5)
    n = len(plan.sorties)
    kind = "relocating flight" if getattr(plan, "relocating", False) else "sortie"
    handles = [Line2D([], [], ls="", marker="o", ms=9, color="#009E73", alpha=0.4,
                      label=f"photo footprint ({plan.footprint_side_m:.1f} m from {plan.altitude_m:g} m)"),
               Line2D([], [], color="C0", lw=1, label=f"{n} {kind}{'s' if n != 1 else ''}, "
                                                      f"{plan.total_distance_m:,.0f} m")]
    if getattr(plan, "relocating", False) and n:
        ends = np.array([s.end_en_m for s in plan.sorties])
        ax.plot(ends[:, 0], ends[:, 1], "o", ms=3 if n <= 50 else 1.2, color="#333333", zorder=3)
        handles.append(Line2D([], [], ls="", marker="o", ms=3, color="#333333", label="landing after each flight"))
    handles.append(Line2D([], [], ls="", marker="s", ms=8, color="#333333", mfc="none", label="take-off (base)"))
    return handles


def survey_map(plan: Any, *, title: str = "Debris survey plan") -> Figure:
    """A survey plan on its own (metres east/north of the rover)."""
    from matplotlib.lines import Line2D

    fig = _figure(8, 8)
    ax = _axes(fig)
    handles = draw_survey(ax, plan)
    labelled: list[tuple[str, float, float, int]] = []  # one label per kind within 1 km (six balance masses)
    for t in plan.targets:
        if not t.is_ellipse and t.name not in plan.skipped:
            ax.plot(t.east_m, t.north_m, "X", ms=9, color=body_colour(t.name), mec="black", mew=0.5)
            k = body_kind(t.name)
            hit = next((i for i, (kk, e, n, _) in enumerate(labelled)
                        if kk == k and np.hypot(e - t.east_m, n - t.north_m) < 1000.0), None)
            if hit is None:
                labelled.append((k, t.east_m, t.north_m, 1))
            else:
                kk, e, n, c = labelled[hit]
                labelled[hit] = (kk, e, n, c + 1)
    for k, e, n, c in labelled:
        ax.annotate(pretty(k) + (f" ×{c}" if c > 1 else ""), (e, n), xytext=(6, 6 if n >= 0 else -12),
                    textcoords="offset points", fontsize=8)
    ax.plot(0, 0, "*", ms=16, color=BODY_COLOURS["rover"], mec="black")
    handles.append(Line2D([], [], ls="", marker="*", ms=12, color=BODY_COLOURS["rover"], mec="black",
                          label="rover"))
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("east of the rover (m)")
    ax.set_ylabel("north of the rover (m)")
    ax.set_title(title)
    ax.legend(handles=handles, loc="best")
    if plan.skipped:
        ax.annotate("not reachable: " + ", ".join(pretty(s) for s in plan.skipped), (0.01, 0.01),
                    xycoords="axes fraction", fontsize=8, color="#B00000")
    return fig


# ------------------------------------------------------------------------------------ Monte Carlo views


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


# -------------------------------------------------------------------------------------------- writing

#: The nominal figure set: file stem -> function of the result.
NOMINAL_PLOTS = {
    "altitude_speed": altitude_speed,
    "loads": loads,
    "bank_angle": bank_angle,
    "parachute_deploy": deploy,
    "ground_track": ground_track,
    "landing_site": landing_site,
}


#: The Monte Carlo figure set: file stem -> function of the run.
MONTECARLO_PLOTS = {
    "landing_ellipse": landing_ellipse,
    "site_footprints": site_footprints,
    "debris_footprints": debris_footprints,
    "metrics": metric_histograms,
    "outcomes": run_outcomes,
}


def save(fig: Figure, path: str | Path, *, dpi: int = 110) -> Path:
    """Save a figure (format from the suffix: .png or .svg); a path that cannot be written is one line."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise MarsEDLError(f"plot file '{path}': the format must be one of {', '.join(FORMATS)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, format=fmt)
    except OSError as exc:
        raise MarsEDLError(f"plot file '{path}' cannot be written: {exc.strerror or exc}") from None
    return path


def write_nominal_plots(result: Any, out_dir: str | Path, *, fmt: str = "png", survey: Any = None,
                        dpi: int = 110) -> list[Path]:
    """Write every nominal figure (and the survey map when a plan is given) into ``out_dir``.

    Returns the written paths, in :data:`NOMINAL_PLOTS` order.
    """
    if fmt not in FORMATS:
        raise MarsEDLError(f"--format '{fmt}': choose one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    written = []
    for stem, fn in NOMINAL_PLOTS.items():
        fig = fn(result, survey=survey) if (stem == "landing_site" and survey is not None) else fn(result)
        written.append(save(fig, out / f"{stem}.{fmt}", dpi=dpi))
    if survey is not None:
        written.append(save(survey_map(survey), out / f"survey.{fmt}", dpi=dpi))
    return written


def write_montecarlo_plots(run: Any, out_dir: str | Path, *, fmt: str = "png", dpi: int = 110) -> list[Path]:
    """Write every Monte Carlo figure (:data:`MONTECARLO_PLOTS`) of an opened run folder into ``out_dir``."""
    if fmt not in FORMATS:
        raise MarsEDLError(f"--format '{fmt}': choose one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    return [save(fn(run), out / f"{stem}.{fmt}", dpi=dpi) for stem, fn in MONTECARLO_PLOTS.items()]


__all__ = ["FORMATS", "MONTECARLO_PLOTS", "NOMINAL_PLOTS", "debris_footprints", "landing_ellipse",
           "metric_histograms", "montecarlo_scatter", "run_outcomes", "site_footprints",
           "write_montecarlo_plots", "altitude_speed", "bank_angle", "deploy", "draw_survey", "ground_track",
           "histograms", "landing_scatter", "landing_site", "loads", "outcome_counts", "save", "survey_map",
           "write_nominal_plots"]
