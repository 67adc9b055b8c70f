"""The self-contained HTML report of a run: one file that works offline (Plotly embedded, no CDN, no network).

Sections: summary, event timeline, interactive plots (altitude–speed, deceleration and dynamic pressure,
debris map and landing-site close-up), debris table, the canopy with its decoded message, and the inputs with
their sources (the preset's TOML text). Screen layout fits a laptop; a print stylesheet keeps it readable
on paper.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from marsedl import __version__
from marsedl.errors import MarsEDLError
from marsedl.report.common import (
    BODY_COLOURS,
    body_colour,
    event_label,
    pretty,
    site_frame,
    tracks,
)

#: The message on Mars 2020's parachute (NASA/JPL, 2021-02-22 press briefing): JPL's motto on the three disk
#: rings and JPL's coordinates on the band.
CANOPY_WORDS = "DARE MIGHTY THINGS"
CANOPY_BAND = "34°11'58\"N 118°10'31\"W"

_CSS = """
:root { --ink:#1b1b1b; --muted:#5a5a5a; --line:#d9d9d9; --accent:#c8102e; --bg:#fafafa; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink);
       margin: 0; background: var(--bg); }
header { background: #1f2a36; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: #cfd8e3; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line); padding: 6px 28px; z-index: 5;
      font-size: 14px; }
nav a { margin-right: 16px; color: #1f5f99; text-decoration: none; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 28px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 18px; margin: 16px 0; }
h2 { font-size: 19px; margin: 4px 0 10px; border-bottom: 2px solid var(--accent); display: inline-block; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card b { display: block; font-size: 20px; }
.card span { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f3f6; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(560px, 100%), 1fr)); gap: 12px; }
.plot { min-width: 0; min-height: 420px; overflow: hidden; border: 1px solid var(--line); border-radius: 6px; }
.canopy { display: flex; flex-wrap: wrap; gap: 24px; align-items: center; }
.canopy svg { width: 320px; height: 320px; }
.message { font-size: 22px; letter-spacing: 2px; font-weight: 700; }
pre { background: #f6f6f6; border: 1px solid var(--line); padding: 10px; max-height: 420px; overflow: auto;
      font-size: 12.5px; }
.muted { color: var(--muted); }
h3 { font-size: 15px; margin: 14px 0 6px; }
.scroll { overflow-x: auto; }
@media print {
  body { background: #fff; font-size: 11pt; }
  header { background: #fff; color: #000; border-bottom: 2px solid #000; padding: 0 0 6px; }
  header p { color: #333; }
  nav { display: none; }
  main { max-width: none; padding: 0; }
  section { border: none; padding: 0; margin: 12px 0; break-inside: auto; }
  .plots { display: block; }
  .plot { break-inside: avoid; border: none; margin-bottom: 8px; }
  pre { max-height: none; overflow: visible; white-space: pre-wrap; font-size: 8.5pt; }
  a { color: #000; text-decoration: none; }
  .modebar-container { display: none !important; }
}
"""

#: Once the page is laid out, fit every plot to its final box (plots drawn before the grid is complete would
#: keep their first width).
_RESIZE = ("<script>window.addEventListener('load', function () { document.querySelectorAll('.js-plotly-plot')"
           ".forEach(function (g) { Plotly.Plots.resize(g); }); });</script>")

_PLOT_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}


def _esc(x: Any) -> str:
    return _html.escape(str(x), quote=True)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, cls: str = "") -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _fig_html(fig: Any, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=_PLOT_CONFIG,
                       default_height="440px", default_width="100%")


def _layout(fig: Any, title: str, x: str, y: str) -> None:
    fig.update_layout(title={"text": title, "x": 0.01}, template="plotly_white", margin={"l": 60, "r": 20, "t": 50,
                                                                                          "b": 50},
                      legend={"font": {"size": 11}, "orientation": "h", "y": -0.18}, hovermode="closest",
                      font={"size": 12})
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)


# ------------------------------------------------------------------------------------------- figures


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


# -------------------------------------------------------------------------------------------- sections


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


def _canopy(words: str, band: str) -> tuple[str, str]:
    from marsedl.chute import decode, encode
    from marsedl.chute.draw import to_svg

    canopy = encode(words, band=band)
    svg = to_svg(canopy, size_px=320)
    svg = svg[svg.index("<svg"):]
    d = decode(canopy)
    msg = " ".join(d.words)
    coords = str(d.coordinates) if d.coordinates is not None else "(unreadable)"
    body = (f'<div class="canopy">{svg}<div><p class="muted">Decoded from the drawn pattern by '
            f'<code>marsedl.chute.decode</code> (confidence {d.confidence:.0%}):</p>'
            f'<p class="message" id="decoded-message">{_esc(msg)}</p><p>band: <b id="decoded-band">{_esc(coords)}'
            f'</b></p><p class="muted">Mars 2020\'s canopy, seen from below as the rover\'s up-look camera saw it: '
            f"red gores are 1s, white 0s; each ring's word starts at its 0000000111 marker (NASA/JPL, "
            f"2021-02-22).</p></div></div>")
    return body, msg


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


def _page(title: str, heading: str, subtitle_html: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The self-contained page: CSS and plotly.js inline, a sticky section index, the sections."""
    from plotly.offline import get_plotlyjs

    nav = "".join(f'<a href="#{sid}">{_esc(t)}</a>' for sid, t, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{_esc(t)}</h2>{content}</section>' for sid, t, content in sections)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_esc(title)}</title><link rel='icon' href='data:,'>"
        f"<style>{_CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{_esc(heading)}</h1><p>{subtitle_html}</p></header><nav>{nav}</nav><main>{body}</main>"
        f"{_RESIZE}</body></html>\n"
    )


# ------------------------------------------------------------------------------------------- Monte Carlo

#: Most points drawn per scatter in the interactive Monte Carlo plots (SVG Plotly stays responsive).
MAX_PLOT_POINTS = 5000


def _mc_scatter(run: Any, bodies: Sequence[str] | None, *, landing: bool, title: str) -> Any:
    """Interactive landing/debris scatter with ellipses, in km east/north of the target (plain SVG traces:
    no WebGL, so it draws in any browser and in print)."""
    import plotly.graph_objects as go

    from marsedl.report.common import body_kind
    from marsedl.survey import ellipse_boundary, to_local_en

    def en(lat: Any, lon: Any) -> tuple[np.ndarray, np.ndarray]:
        e, n = to_local_en(lat, lon, run.target_lat_deg, run.target_lon_deg, run.radius_m)
        return np.atleast_1d(e)[:MAX_PLOT_POINTS] / 1e3, np.atleast_1d(n)[:MAX_PLOT_POINTS] / 1e3

    fig = go.Figure()
    pts = run.debris_points()
    names = list(pts) if bodies is None else [b for b in bodies if b in pts]
    seen: set[str] = set()
    for b in names:
        x, y = en(*pts[b])
        k = body_kind(b)
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name=f"{pretty(k)} impacts", legendgroup=k,
                                 showlegend=k not in seen, marker={"size": 4, "color": body_colour(b),
                                                                   "opacity": 0.5},
                                 hovertemplate=f"{_esc(pretty(b))}<br>%{{x:.2f}}, %{{y:.2f}} km<extra></extra>"))
        seen.add(k)
    if landing:
        x, y = en(*run.landing_points())
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name="touchdown", marker={
            "size": 5, "color": BODY_COLOURS["rover"], "opacity": 0.7, "line": {"width": 0.5, "color": "#333"}},
            hovertemplate="touchdown<br>%{x:.3f}, %{y:.3f} km<extra></extra>"))
    for el in run.ellipses():
        if not ((el["name"] == "landing" and landing) or el["name"] in names):
            continue
        ce, cn = to_local_en(el["center_lat_deg"], el["center_lon_deg"], run.target_lat_deg, run.target_lon_deg,
                             run.radius_m)
        b = ellipse_boundary(float(ce), float(cn), el["semi_major_km"] * 1e3, el["semi_minor_km"] * 1e3,
                             el["azimuth_deg"], n=120) / 1e3
        b = np.vstack([b, b[:1]])
        k = body_kind(el["name"])
        fig.add_trace(go.Scatter(x=b[:, 0], y=b[:, 1], mode="lines", name=f"{pretty(k)} ellipse",
                                 legendgroup=f"el-{k}", showlegend=f"el-{k}" not in seen,
                                 line={"color": "#000000" if k == "landing" else body_colour(k), "width": 2},
                                 hovertemplate=(f"{_esc(pretty(el['name']))}: {2 * el['semi_major_km']:.2f} × "
                                                f"{2 * el['semi_minor_km']:.2f} km<extra></extra>")))
        seen.add(f"el-{k}")
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name="target", marker={
        "symbol": "cross-thin", "size": 16, "line": {"width": 2, "color": BODY_COLOURS["target"]}}))
    _layout(fig, title, "east of the target (km)", "north of the target (km)")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def _mc_histograms(run: Any) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    km = run.key_metrics()
    cols = 3
    rows = max(1, int(np.ceil(len(km) / cols)))
    titles = [f"{label} ({unit})" if unit else label for _, label, unit in km.values()]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.12, horizontal_spacing=0.07)
    for i, (v, _, _) in enumerate(km.values()):
        r, c = i // cols + 1, i % cols + 1
        v = v[np.isfinite(v)]
        fig.add_trace(go.Histogram(x=v, nbinsx=30, marker={"color": "#56B4E9"}, showlegend=False), row=r, col=c)
        if v.size:
            for q, name in zip(np.percentile(v, [1, 50, 99]), ("P1", "P50", "P99"), strict=True):
                fig.add_vline(x=float(q), line={"dash": "dash", "color": "#D55E00", "width": 1}, row=r, col=c,
                              annotation_text=name, annotation_font_size=9, annotation_font_color="#D55E00")
    _layout(fig, "Key metrics over the cases (P1 / P50 / P99 dashed)", "", "")
    fig.update_layout(height=280 * rows + 80, showlegend=False)
    fig.update_annotations(font_size=11)
    return fig


def _mc_outcomes(run: Any) -> Any:
    import plotly.graph_objects as go

    counts = run.summary["outcomes"]
    total = max(sum(counts.values()), 1)
    names = list(counts)
    fig = go.Figure(go.Bar(x=[counts[n] for n in names], y=[pretty(n) for n in names], orientation="h",
                           marker={"color": ["#009E73" if n == "landed" else "#D55E00" for n in names]},
                           text=[f"{counts[n]:,} ({100 * counts[n] / total:.1f}%)" for n in names],
                           textposition="auto"))
    _layout(fig, f"Outcomes ({total:,} cases)", "cases", "")
    fig.update_yaxes(autorange="reversed")
    return fig


def _fmt(x: Any, nd: int = 4) -> str:
    if x is None:
        return "–"
    x = float(x)
    return f"{x:,.{nd}g}" if abs(x) < 1e5 else f"{x:,.0f}"


def _pct(c: Any) -> str:
    if not c or c.get("fraction") is None:
        return "-"
    return f"{100 * c['fraction']:.1f}% ({100 * c['ci_low']:.1f}–{100 * c['ci_high']:.1f})"


def _ellipse_table(run: Any) -> str:
    rows = []
    gaussian = run.summary.get("ellipse_method") == "gaussian"
    for el in run.ellipses(delivery=True):
        name = {"landing": "landing (rover)", "delivery": "delivery (backshell separation)"}.get(
            el["name"], pretty(el["name"]))
        colour = {"landing": "#000000", "delivery": "#7F7F7F"}.get(el["name"]) or body_colour(el["name"])
        ci = el.get("axes_ci")
        other = (f"×{el['axes_vs_gaussian']:.2f}" if gaussian
                 else _pct((el.get("gaussian") or {}).get("containment")))
        rows.append([f'<span class="swatch" style="background:{colour}"></span>{_esc(name)}',
                     f"{100 * el['probability']:g}%", f"{el.get('cases', 0):,}", f"{el['semi_major_km']:.3f}",
                     f"{el['semi_minor_km']:.3f}", f"{el['azimuth_deg']:.1f}", f"{el['center_lat_deg']:.5f}",
                     f"{el['center_lon_deg']:.5f}", _pct(el.get("containment")), other,
                     f"±{100 * ci['half_width']:.1f}%" if ci and ci["half_width"] is not None else "-"])
    return _table(["body", "probability", "cases", "semi-major (km)", "semi-minor (km)", "azimuth (°)",
                   "centre lat (°)", "centre lon (°)", "holds (95% interval)",
                   "axes to hold it" if gaussian else "Gaussian χ² would hold", "axes ±95%"], rows, cls="ellipses")


def _ellipse_notes(run: Any) -> str:
    """What the sizes mean, what was left out, how converged the run is."""
    s = run.summary
    method = s.get("ellipse_method", "empirical")
    how = ("<b>empirical</b>: the covariance ellipse (centre, shape and orientation of the cases' mean and "
           "covariance) scaled until it holds the stated share of the cases" if method == "empirical" else
           "<b>Gaussian</b>: the χ²₂ ellipse of the covariance, right only for normally distributed points")
    out = [f"<p class='muted'>Size: {how}. “holds” counts the cases inside, with the Clopper–Pearson 95% interval "
           "of the probability it holds; “axes ±” is the 95% bootstrap interval's half-width (1,000 resamples of "
           "the cases).</p>"]
    le = s.get("landing_ellipse")
    if le is None:
        out.append("<p><b>No landing ellipse</b>: fewer than 3 cases landed.</p>")
    elif le.get("excluded"):
        left = ", ".join(f"{_esc(pretty(k))} {v:,}" for k, v in le["excluded"].items())
        out.append(f"<p id='mc-excluded'>Landing ellipse: the {le['cases']:,} landed cases; left out: {left}.</p>")
    conv = s.get("convergence") or {}
    if conv.get("axes_half_width") is not None:
        need = (conv.get("cases_for_half_width") or {}).get("2%")
        text = (f"<p id='mc-convergence'>Convergence: the {100 * run.probability:g}% "
                f"{' and '.join(conv['ellipses'])} ellipse axes are known to "
                f"±{100 * conv['axes_half_width']:.1f}% (95%, bootstrap)")
        if conv["axes_half_width"] > 0.02 and need:
            text += f"; about {need:,} cases would bring that to ±2%"
        u = conv.get("until")
        if u and u.get("checks"):
            text += (f". Flown with --until {_esc(u['rule'])}: " + ("met" if u.get("met") else "not met")
                     + f" after {u['checks'][-1]['cases']:,} cases")
        out.append(text + ".</p>")
    return "".join(out)


def _drivers_table(run: Any) -> str:
    out = []
    for target, rows in run.summary.get("drivers", {}).items():
        if not rows:
            continue
        body = [[_esc(pretty(r["input"])), f"{r['src']:+.3f}", f"{r['correlation']:+.3f}"] for r in rows]
        out.append(f"<h3>{_esc(pretty(target))}</h3>" + _table(["input", "SRC", "correlation"], body,
                                                                  cls="drivers"))
    if not out:
        return "<p class='muted'>Too few cases (or no dispersed input) to rank the drivers.</p>"
    return ("<p class='muted'>Standardized regression coefficients of the miss on the dispersed inputs, ranked "
            "by |SRC| (SRC² is roughly each input's share of the variance).</p>" + "".join(out))


def _metrics_table(run: Any) -> str:
    from marsedl.report.mcrun import KEY_METRICS

    m = run.summary["metrics"]
    names = [k for k in KEY_METRICS if k in m] + sorted(k for k in m if k not in KEY_METRICS)
    def ci(v: Any) -> str:
        lo, hi = v if v else (None, None)
        return "-" if lo is None and hi is None else f"{_fmt(lo) if lo is not None else '?'} – " + (
            _fmt(hi) if hi is not None else "?")

    rows = [[_esc(k)] + [_fmt(m[k][q]) for q in ("mean", "std", "p01", "p50", "p99")]
            + [ci(m[k].get(f"{q}_ci")) for q in ("p01", "p99")] for k in names]
    return ("<p class='muted'>Every output over the cases (NaN where a case did not get there left out); "
            "units in the names. Percentile intervals: 95%, distribution-free (order statistics; “?” where the "
            "cases are too few to bound that side).</p>"
            + _table(["metric", "mean", "std", "p01", "p50", "p99", "p01 interval", "p99 interval"], rows,
                     cls="metrics"))


def _manifest(run: Any) -> str:
    import json

    m = run.manifest
    keys = ("preset", "preset_file", "mission", "overrides", "seed", "n", "chunk_size", "version", "atmosphere_used",
            "target_lat_deg", "target_lon_deg", "radius_m", "complete", "elapsed_s")
    rows = [[_esc(k), _esc(json.dumps(m.get(k)) if isinstance(m.get(k), list | dict) else m.get(k))]
            for k in keys if k in m]
    active = ", ".join(m.get("active_dispersions", [])) or "none"
    spec = json.dumps(m.get("dispersions", {}), indent=2, sort_keys=True)
    return (_table(["manifest", "value"], rows, cls="manifest") + f"<p>Active dispersions: {_esc(active)}.</p>"
            f"<details open><summary>Dispersion spec</summary><pre id='dispersion-spec'>{_esc(spec)}</pre></details>")


def render_montecarlo(run: Any, *, canopy_words: str = CANOPY_WORDS, canopy_band: str = CANOPY_BAND) -> str:
    """The HTML report of a Monte Carlo run folder, as one self-contained string.

    Parameters
    ----------
    run : MonteCarloRun
        From :func:`marsedl.report.mcrun.open_run` (or ``load_run`` on a run folder).
    canopy_words, canopy_band : str
        The parachute message drawn and decoded (default: Mars 2020's).

    Sections: summary (cases, seed, outcomes, the ellipses with their probability), interactive plots (landing
    ellipse, site and debris footprints, key-metric histograms, outcomes), the drivers of the miss, every
    metric's statistics, the manifest with the dispersion spec, the canopy and its decoded message, and the
    preset's inputs with their sources.
    """
    from marsedl.report.plots import _near  # the same choice of "nearby" bodies as the PNG

    s = run.summary
    m = run.manifest
    prob = 100 * run.probability
    figs = [("mc-landing", _mc_scatter(run, (), landing=True, title=f"Landing dispersion and the {prob:g}% ellipse")),
            ("mc-site", _mc_scatter(run, _near(run, 5.0), landing=True, title="Landing site and nearby debris")),
            ("mc-debris", _mc_scatter(run, None, landing=True, title="Every debris footprint")),
            ("mc-outcomes", _mc_outcomes(run))]
    plots = "".join(f'<div class="plot">{_fig_html(f, fid)}</div>' for fid, f in figs)
    hist = _mc_histograms(run)
    hist_html = hist.to_html(full_html=False, include_plotlyjs=False, div_id="mc-metrics", config=_PLOT_CONFIG,
                             default_height=f"{hist.layout.height}px", default_width="100%")
    canopy_html, _ = _canopy(canopy_words, canopy_band)
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    le = s.get("landing_ellipse")
    outcomes = ", ".join(f"{_esc(pretty(k))} {v:,}" for k, v in s["outcomes"].items())
    rate = f", {s['cases_per_s']:,.1f} cases/s" if s.get("cases_per_s") else ""
    done = "" if s.get("complete") else " <b>(incomplete run: not every chunk is written)</b>"
    box = s.get("deploy_outside_box")
    if box:
        done += (f" Parachute opened above the deploy box (Mach ≤ {box['mach_max']:g}, q ≤ {box['q_max_pa']:g} Pa) "
                 f"in <b id='mc-deploy-box'>{box['cases']:,}</b> of {box['deployed']:,} cases.")
    met = s["metrics"]
    cards = [(f"{len(run.frame):,}", f"cases, seed {m.get('seed')}"),
             (f"{s['outcomes'].get('landed', 0) / max(len(run.frame), 1):.1%}", "landed")]
    if le:
        cards.append((f"{2 * le['semi_major_km']:.2f} × {2 * le['semi_minor_km']:.2f} km",
                      f"{prob:g}% landing ellipse, major axis {le['azimuth_deg']:.0f}° from north"))
    for key, label, unit in (("miss_distance_m", "miss distance, P99", "m"),
                             ("peak_deceleration_g", "peak deceleration, P99", "g"),
                             ("deploy_mach", "parachute deploy Mach, P1–P99", "")):
        v = met.get(key)
        if v and v["p99"] is not None:
            text = (f"{v['p01']:.2f}–{v['p99']:.2f}" if key == "deploy_mach" else f"{v['p99']:,.1f} {unit}")
            cards.append((text, label))
    cards_html = '<div class="cards">' + "".join(f'<div class="card"><b>{_esc(a)}</b><span>{_esc(b)}</span></div>'
                                                 for a, b in cards) + "</div>"
    summary = (f"<p>Preset <b>{_esc(run.preset)}</b>, {len(run.frame):,} dispersed cases, seed "
               f"<b id='mc-seed'>{_esc(m.get('seed'))}</b>; outcomes: {outcomes}. Flown in "
               f"{s.get('elapsed_s', 0):,.1f} s{rate}.{done}</p>" + cards_html
               + f"<h3>Ellipses ({prob:g}% of cases; azimuth of the major axis from north)</h3>"
               + _ellipse_table(run) + _ellipse_notes(run))
    sections = [
        ("summary", "Summary", summary),
        ("plots", "Plots", "<p class='muted'>Interactive: drag to zoom, double-click to reset, click a legend "
                           "entry to hide it. Distances from the landing target.</p><div class='plots'>" + plots
         + "</div>"),
        ("metrics-plots", "Key metrics", f'<div class="plot">{hist_html}</div>'),
        ("drivers", "Drivers of the miss", _drivers_table(run)),
        ("metrics", "Metrics", _metrics_table(run)),
        ("manifest", "Manifest", _manifest(run)),
        ("canopy", "The parachute's message", canopy_html),
        ("inputs", "Inputs and their sources", f"<p>Preset <b>{_esc(run.preset)}</b>; overrides "
                                               f"{_esc(', '.join(m.get('overrides') or []) or 'none')}; seed "
                                               f"{_esc(m.get('seed'))}; run with marsedl {_esc(m.get('version'))}."
                                               f"</p><pre>{_esc(run.preset_text())}</pre>"),
    ]
    return _page(f"marsedl report: {run.preset} Monte Carlo", f"{run.preset}: Monte Carlo, {len(run.frame):,} cases",
                 f"marsedl {_esc(__version__)} (run made with {_esc(m.get('version'))}) · seed {_esc(m.get('seed'))}"
                 f" · {_esc(run.path)} · generated {when}", sections)


def write(text: str, path: str | Path) -> Path:
    """Write the report; a path that cannot be written is a one-line error."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise MarsEDLError(f"report file '{path}': the name must end in .html")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise MarsEDLError(f"report file '{path}' cannot be written: {exc.strerror or exc}") from None
    return path


__all__ = ["CANOPY_BAND", "CANOPY_WORDS", "MAX_PLOT_POINTS", "render_montecarlo", "render_nominal", "write"]
