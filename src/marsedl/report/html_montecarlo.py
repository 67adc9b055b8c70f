"""The self-contained HTML report of a Monte Carlo run: outcomes, landing and debris ellipses with what they
hold, statistics of the metrics, the drivers of the landing spread, and the run's manifest (the page itself is
:mod:`marsedl.report.page`)."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from marsedl import __version__
from marsedl.report.common import (
    BODY_COLOURS,
    body_colour,
    pretty,
)
from marsedl.report.page import (
    _PLOT_CONFIG,
    CANOPY_BAND,
    CANOPY_WORDS,
    _canopy,
    _esc,
    _fig_html,
    _layout,
    _page,
    _table,
)

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
    from marsedl.report.plots_montecarlo import _near  # the same choice of "nearby" bodies as the PNG

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

