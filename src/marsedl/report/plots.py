"""Matplotlib figures of a run (Agg; no pyplot, no global state): nominal EDL views and Monte Carlo views.

Nominal views take a :class:`marsedl.result.SimulationResult`; Monte Carlo views take plain arrays and dicts
(landing points, ellipse dicts with ``semi_major_km``, ``semi_minor_km``, ``azimuth_deg``, ``center_lat_deg``,
``center_lon_deg``), so any store can feed them. Every function returns a :class:`matplotlib.figure.Figure`;
:func:`write_nominal_plots` saves the whole set.
"""


from __future__ import annotations

from collections.abc import Sequence
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
from marsedl.report.figure import FORMATS, _axes, _figure, save
from marsedl.report.plots_montecarlo import (
    debris_footprints,
    histograms,
    landing_ellipse,
    landing_scatter,
    metric_histograms,
    montecarlo_scatter,
    outcome_counts,
    run_outcomes,
    site_footprints,
)
from marsedl.survey import ellipse_boundary


def _subtitle(fig: Figure, result: Any) -> None:
    fig.suptitle(f"{result.preset} — nominal, outcome: {result.outcome}", fontsize=9, color="#555555", x=0.99,
                 ha="right")


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

