"""The self-contained HTML report of a run: one file that works offline (Plotly embedded, no CDN, no network).

Sections: summary, event timeline, interactive plots (altitude–speed, deceleration and dynamic pressure,
debris map and landing-site close-up), debris table, the canopy with its decoded message, and the inputs with
their sources (the preset's TOML text). Screen layout fits a laptop; a print stylesheet keeps it readable
on paper.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from marsedl import __version__
from marsedl.report.common import (
    BODY_COLOURS,
    body_colour,
    event_label,
    pretty,
    site_frame,
    tracks,
)
from marsedl.report.html_montecarlo import MAX_PLOT_POINTS, render_montecarlo
from marsedl.report.page import (
    CANOPY_BAND,
    CANOPY_WORDS,
    _canopy,
    _esc,
    _fig_html,
    _layout,
    _page,
    _table,
    write,
)


def _altitude_speed(result: Any) -> Any:
    import plotly.graph_objects as go

    vh = tracks(result)["vehicle"]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=vh["speed_m_s"], y=vh["altitude_agl_m"] / 1e3, mode="lines", name="vehicle",
                             line={"color": BODY_COLOURS["vehicle"], "width": 2},
                             customdata=vh["time_s"], hovertemplate="%{x:.1f} m/s, %{y:.2f} km, t=%{customdata:.1f} s"))
    ev = result.events
    fig.add_trace(go.Scatter(
        x=[e.speed_m_s for e in ev], y=[e.altitude_agl_m / 1e3 for e in ev], mode="markers", name="events",
        marker={"size": 10, "color": "#c8102e", "line": {"width": 1, "color": "#000"}},
        text=[f"{event_label(e.name)} at {e.time_s:.1f} s" for e in ev],
        hovertemplate="%{text}<br>%{x:.1f} m/s, %{y:.2f} km<extra></extra>"))
    _layout(fig, "Altitude vs speed, with the EDL events", "speed relative to the ground (m/s)",
            "altitude above ground (km)")
    return fig


def _loads(result: Any) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    vh = tracks(result)["vehicle"]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    fig.add_trace(go.Scatter(x=vh["time_s"], y=vh["aero_acceleration_g"], name="deceleration (g)",
                             line={"color": "#D55E00"}), row=1, col=1)
    fig.add_trace(go.Scatter(x=vh["time_s"], y=vh["dynamic_pressure_pa"] / 1e3, name="dynamic pressure (kPa)",
                             line={"color": "#0072B2"}), row=2, col=1)
    for e in result.events:
        if e.name in ("parachute_deploy", "heat_shield_separation", "backshell_separation", "touchdown"):
            fig.add_vline(x=e.time_s, line={"dash": "dot", "color": "#888", "width": 1})
    _layout(fig, "Deceleration and dynamic pressure", "", "")
    fig.update_layout(showlegend=False)
    fig.update_xaxes(title_text="time from entry interface (s)", row=2, col=1)
    fig.update_yaxes(title_text="deceleration (g)", row=1, col=1)
    fig.update_yaxes(title_text="dynamic pressure (kPa)", row=2, col=1)
    return fig


def _debris_map(result: Any, *, metres: bool) -> Any:
    import plotly.graph_objects as go

    frame = site_frame(result)
    scale, unit = (1.0, "m") if metres else (1e3, "km")
    near_m = max([i.distance_from_rover_m for i in result.impacts if i.distance_from_rover_m < 10e3] + [300.0])
    lim = near_m * 1.2
    fig = go.Figure()
    seen: set[str] = set()
    for name, df in tracks(result).items():
        e, n = frame.en(df["lat_deg"].to_numpy(), df["lon_deg"].to_numpy())
        if metres:
            keep = (np.abs(e) < 2 * lim) & (np.abs(n) < 2 * lim)
            if not keep.any() or (name != "vehicle" and name not in {i.body for i in result.impacts
                                                                    if i.distance_from_rover_m < 10e3}):
                continue
            e, n = e[keep], n[keep]
        else:
            step = max(1, len(e) // 400)
            e, n = e[::step], n[::step]
        kind = name.rstrip("0123456789").rstrip("_")
        fig.add_trace(go.Scatter(x=e / scale, y=n / scale, mode="lines", name=pretty(kind), legendgroup=kind,
                                 showlegend=kind not in seen, line={"color": body_colour(name),
                                                                    "width": 2 if name == "vehicle" else 1},
                                 hoverinfo="skip"))
        seen.add(kind)
    imps = [i for i in result.impacts if (not metres or i.distance_from_rover_m < 10e3)]
    if imps:
        e, n = frame.en([i.lat_deg for i in imps], [i.lon_deg for i in imps])
        fig.add_trace(go.Scatter(
            x=e / scale, y=n / scale, mode="markers+text" if metres else "markers", name="impacts",
            marker={"symbol": "x", "size": 11, "color": [body_colour(i.body) for i in imps],
                    "line": {"width": 1, "color": "#000"}},
            text=[f"{pretty(i.body)}, {i.speed_m_s:,.0f} m/s" for i in imps], textposition="top right",
            hovertemplate="%{text}<br>%{x:,.2f}, %{y:,.2f} " + unit + "<extra></extra>"))
    tx, ty = frame.en(result.target_lat_deg, result.target_lon_deg)
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name="rover",
                             marker={"symbol": "star", "size": 16, "color": BODY_COLOURS["rover"],
                                     "line": {"width": 1, "color": "#000"}}))
    fig.add_trace(go.Scatter(x=[float(tx) / scale], y=[float(ty) / scale], mode="markers", name="target",
                             marker={"symbol": "cross-thin", "size": 16, "line": {"width": 2,
                                                                                 "color": BODY_COLOURS["target"]}}))
    title = "Landing site close-up (m from the rover)" if metres else "Debris field (km from the rover)"
    _layout(fig, title, f"east of the rover ({unit})", f"north of the rover ({unit})")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    if metres:
        fig.update_xaxes(range=[-lim, lim])
        fig.update_yaxes(range=[-lim, lim])
    elif imps:
        # frame the debris field (the cruise balance masses' tracks start hundreds of km away)
        e, n = frame.en([i.lat_deg for i in imps], [i.lon_deg for i in imps])
        xs, ys = np.r_[0.0, e] / 1e3, np.r_[0.0, n] / 1e3
        half = 0.6 * max(np.ptp(xs), np.ptp(ys), 2.0)
        cx, cy = 0.5 * (xs.min() + xs.max()), 0.5 * (ys.min() + ys.max())
        fig.update_xaxes(range=[cx - half, cx + half])
        fig.update_yaxes(range=[cy - half, cy + half])
    return fig


def _montecarlo_scatter(mc: Mapping[str, Any]) -> Any:
    """Landing points and ellipses from plain arrays (``east_km``, ``north_km``, ``ellipses`` in km east/north)."""
    import plotly.graph_objects as go

    from marsedl.survey import ellipse_boundary

    fig = go.Figure()
    fig.add_trace(go.Scattergl(x=np.asarray(mc["east_km"]), y=np.asarray(mc["north_km"]), mode="markers",
                               name="landing", marker={"size": 3, "color": BODY_COLOURS["rover"], "opacity": 0.6}))
    for el in mc.get("ellipses", ()):
        b = ellipse_boundary(el["center_east_km"], el["center_north_km"], el["semi_major_km"], el["semi_minor_km"],
                             el["azimuth_deg"], n=180)
        b = np.vstack([b, b[:1]])
        fig.add_trace(go.Scatter(x=b[:, 0], y=b[:, 1], mode="lines", name=el.get("name", "ellipse"),
                                 line={"color": body_colour(el.get("name", "vehicle")), "width": 2}))
    _layout(fig, "Monte Carlo landing dispersion", "east of the target (km)", "north of the target (km)")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def _timeline(result: Any) -> str:
    rows = [[_esc(event_label(e.name)), f"{e.time_s:.1f}", f"{e.altitude_agl_m:,.0f}", f"{e.speed_m_s:,.1f}",
             f"{e.mach:.2f}", f"{e.dynamic_pressure_pa:,.0f}", f"{e.g_load:.2f}", f"{e.lat_deg:.4f}",
             f"{e.lon_deg:.4f}"] for e in result.events]
    return _table(["event", "t (s)", "altitude AGL (m)", "speed (m/s)", "Mach", "q (Pa)", "g-load", "lat (°)",
                   "lon (°)"], rows, cls="timeline")


def _debris(result: Any) -> str:
    rows = [[f'<span class="swatch" style="background:{body_colour(i.body)}"></span>{_esc(pretty(i.body))}',
             f"{i.time_s:.1f}", f"{i.lat_deg:.5f}", f"{i.lon_deg:.5f}", f"{i.distance_from_rover_m:,.0f}",
             f"{i.bearing_from_rover_deg:.0f}", f"{i.speed_m_s:,.1f}", f"{i.speed_km_h:,.0f}", f"{i.mass_kg:,.1f}",
             f"{i.kinetic_energy_j / 1e6:,.2f}"] for i in result.impacts]
    return _table(["body", "t (s)", "lat (°)", "lon (°)", "distance (m)", "bearing (°)", "speed (m/s)",
                   "speed (km/h)", "mass (kg)", "energy (MJ)"], rows, cls="debris")


def _cards(result: Any) -> str:
    p, info, td = result.peaks, result.info, result.touchdown
    items = [(f"{p['deceleration_g']:.1f} g", f"peak deceleration at {p['deceleration_time_s']:.0f} s"),
             (f"{p['dynamic_pressure_pa'] / 1e3:.1f} kPa", "peak dynamic pressure"),
             (f"{p['heat_rate_w_cm2']:.0f} W/cm²", "peak heat rate (Sutton–Graves)")]
    if "deploy_mach" in info:
        items.append((f"Mach {info['deploy_mach']:.2f}", f"parachute deploy, {info.get('deploy_q_pa', 0):.0f} Pa"))
    if td is not None:
        items.append((f"{td.miss_distance_m:,.0f} m", f"from the target; touchdown at {td.time_s:.0f} s, "
                                                       f"{td.vertical_speed_m_s:.2f} m/s down"))
    items.append((f"{len(result.impacts)}", "debris impacts"))
    return '<div class="cards">' + "".join(f'<div class="card"><b>{_esc(a)}</b><span>{_esc(b)}</span></div>'
                                           for a, b in items) + "</div>"


def render_nominal(result: Any, *, preset_text: str | None = None, seed: Any = None,
                   canopy_words: str = CANOPY_WORDS, canopy_band: str = CANOPY_BAND,
                   montecarlo: Mapping[str, Any] | None = None) -> str:
    """The HTML report of a nominal run, as one self-contained string.

    Parameters
    ----------
    result : SimulationResult
        A nominal run with its time histories (``record=True``).
    preset_text : str, optional
        The preset's TOML text with its source comments (default: the shipped preset of ``result.preset``).
    seed : optional
        Shown as is; ``None`` shows "n/a (nominal)".
    canopy_words, canopy_band : str
        The parachute message drawn and decoded (default: Mars 2020's).
    montecarlo : dict, optional
        Plain arrays for a Monte Carlo landing view (``east_km``, ``north_km``, ``ellipses``); for the Monte
        Carlo store to plug in.
    """
    if preset_text is None:
        from marsedl.scenario import preset_names
        from marsedl.scenario import preset_text as _pt

        inputs = getattr(result, "inputs", None) or {}
        if result.preset in preset_names():
            preset_text = _pt(result.preset)
        elif inputs.get("mission"):  # a user's own preset, as the run resolved it (saved with the run)
            preset_text = (f"preset file: {inputs.get('preset_file')}; overrides: {inputs.get('overrides') or 'none'}"
                           f"\n{json.dumps(inputs['mission'], indent=2)}")
        else:
            preset_text = "(inputs not available)"
    figs = [("altitude-speed", _altitude_speed(result)), ("loads", _loads(result)),
            ("debris-map", _debris_map(result, metres=False)), ("landing-site", _debris_map(result, metres=True))]
    if montecarlo is not None:
        figs.append(("montecarlo", _montecarlo_scatter(montecarlo)))
    plots = "".join(f'<div class="plot">{_fig_html(f, fid)}</div>' for fid, f in figs)
    canopy_html, _ = _canopy(canopy_words, canopy_band)
    info = result.info
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    seed_text = "n/a (nominal)" if seed is None else _esc(seed)
    td = result.touchdown
    landing = (f"touchdown {td.lat_deg:.5f}°, {td.lon_deg:.5f}°" if td is not None else "no touchdown")
    sections = [
        ("summary", "Summary", f"<p>Outcome: <b>{_esc(result.outcome)}</b>. Entry interface "
                               f"{info.get('entry_lat_deg', float('nan')):.3f}°, "
                               f"{info.get('entry_lon_deg', float('nan')):.3f}°, heading "
                               f"{info.get('entry_azimuth_deg', float('nan')):.1f}°; target "
                               f"{result.target_lat_deg:.4f}°, {result.target_lon_deg:.4f}°; {landing}. "
                               f"Atmosphere: {_esc(result.atmosphere)}.</p>" + _cards(result)),
        ("timeline", "Event timeline", "<p class='muted'>Vehicle events, times from entry interface; altitude "
                                       "above the local ground.</p>" + _timeline(result)),
        ("plots", "Plots", "<p class='muted'>Interactive: drag to zoom, double-click to reset, hover for "
                           "values.</p><div class='plots'>" + plots + "</div>"),
        ("debris", "Debris field", "<p class='muted'>Every shed body to its impact; distance and bearing from the "
                                   "rover.</p>" + _debris(result)),
        ("canopy", "The parachute's message", canopy_html),
        ("inputs", "Inputs and their sources", f"<p>Preset <b>{_esc(result.preset)}</b>; seed {seed_text}; "
                                               f"marsedl {_esc(__version__)}.</p><pre>{_esc(preset_text)}</pre>"),
    ]
    return _page(f"marsedl report: {result.preset}", f"{result.preset}: nominal EDL",
                 f"marsedl {_esc(__version__)} · seed {seed_text} · generated {when}", sections)



__all__ = ["CANOPY_BAND", "CANOPY_WORDS", "MAX_PLOT_POINTS", "render_montecarlo", "render_nominal", "write"]
