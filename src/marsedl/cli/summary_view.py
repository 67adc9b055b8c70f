"""The terminal page of a Monte Carlo summary (``marsedl montecarlo`` and ``marsedl summary``).

Reads the dict of :func:`marsedl.montecarlo.stats.summarize` and prints it: the run, its ellipses (identical
bodies as one row per set), the metrics grouped by phase in engineers' units, and the drivers of the miss.
Only what is shown changes here; ``--json`` prints the dict itself, every body and metric included.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from marsedl.cli import fmt
from marsedl.cli.fmt import SECTION, Col, escape

if TYPE_CHECKING:
    from rich.console import Console

#: The metrics of the table, by phase: (phase, ((summary key, label), ...)); every metric is in --json.
METRIC_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Entry", (("peak_deceleration_g", "peak deceleration"), ("peak_dynamic_pressure_pa", "peak q"),
               ("peak_heat_rate_w_cm2", "peak heat rate"))),
    ("Parachute", (("parachute_deploy_t_s", "deploy time"), ("parachute_deploy_alt_agl_m", "deploy altitude AGL"),
                   ("deploy_mach", "deploy Mach"), ("deploy_q_pa", "deploy q"), ("peak_parachute_load_n", "peak load"),
                   ("peak_opening_load_estimate_n", "opening load estimate"))),
    ("Delivery (backshell sep.)", (("backshell_separation_along_m", "along track"),
                                   ("backshell_separation_cross_m", "cross track"))),
    ("Touchdown", (("touchdown_t_s", "time"), ("touchdown_vertical_speed_m_s", "vertical speed"),
                   ("touchdown_horizontal_speed_m_s", "horizontal speed"), ("propellant_used_kg", "propellant used"))),
    ("Landing (from the target)", (("miss_distance_m", "miss distance"), ("miss_along_m", "along track"),
                                   ("miss_cross_m", "cross track"))),
)

#: What the drivers table calls the miss components it explains.
_DRIVER_LABELS = {"miss_along_m": "touchdown miss along track", "miss_cross_m": "touchdown miss cross track",
                  "backshell_separation_along_m": "delivery along track",
                  "backshell_separation_cross_m": "delivery cross track"}


def _pct(c: dict | None) -> str:
    if not c or c.get("fraction") is None:
        return "-"
    pct = fmt.PERCENT
    return f"{pct(c['fraction'])} ({pct(c['ci_low'])}–{pct(c['ci_high'])})"


def _excluded_text(e: dict) -> str:
    left = e.get("excluded") or {}
    return ", ".join(f"{k} {v:,}" for k, v in left.items())


def _set_ellipse(members: list[dict | None], radius_m: float) -> tuple[dict | None, float | None]:
    """The mean ellipse of a set of members' ellipses (axial mean azimuth) and the largest distance (m) between
    two of their centres; (None, None) when no member has one."""
    from marsedl.planet import surface_distance_bearing

    es = [e for e in members if e is not None]
    if not es:
        return None, None
    if len(members) == 1:
        return es[0], None
    two = np.radians([2.0 * e["azimuth_deg"] for e in es])
    lat, lon = (np.radians([e[k] for e in es]) for k in ("center_lat_deg", "center_lon_deg"))
    apart, _ = surface_distance_bearing(lat[:, None], lon[:, None], lat[None, :], lon[None, :], radius_m)
    mean = {k: float(np.mean([e[k] for e in es]))
            for k in ("semi_major_km", "semi_minor_km", "center_lat_deg", "center_lon_deg")}
    mean["azimuth_deg"] = float(np.degrees(0.5 * np.arctan2(np.sin(two).mean(), np.cos(two).mean())) % 180.0)
    return mean, float(apart.max())


def _least_held(members: list[dict | None], key) -> dict | None:
    """The member whose ``key(e)`` fraction is lowest (the set's worst), or None."""
    es = [e for e in members if e is not None and key(e) and key(e).get("fraction") is not None]
    return min(es, key=lambda e: key(e)["fraction"]) if es else None


def _ellipse_tables(console: Console, s: dict, manifest: dict, p: float, method: str) -> None:
    rows: list[tuple[str, list[dict | None]]] = [("landing (rover)", [s["landing_ellipse"]]),
                                                 ("delivery", [s.get("delivery_ellipse")])]
    debris = s["debris_ellipses"]
    rows += [(label, [debris[m] for m in members]) for label, members in fmt.body_sets(debris)]
    radius = float(manifest["radius_m"])  # the site radius the summary measured with
    shape, holds, sets = [], [], False
    for label, members in rows:
        e, apart = _set_ellipse(members, radius)
        name = escape(label)
        sets = sets or len(members) > 1
        if e is None:
            shape.append((name, "-", "-", "-", "-", "-"))
            holds.append((name, "-", "-", "-", "-"))
            continue
        shape.append((name + (f", centres within {fmt.DISTANCE(apart)} m" if apart is not None else ""),
                      *(fmt.AXIS(e[k] * 1e3) for k in ("semi_major_km", "semi_minor_km")),
                      fmt.AZIMUTH(e["azimuth_deg"]), fmt.LATLON(e["center_lat_deg"]),
                      fmt.LATLON(e["center_lon_deg"])))
        es = [m for m in members if m is not None]
        cases = sorted({m["cases"] for m in es})
        worst = _least_held(es, lambda m: m["containment"])
        if method != "gaussian":
            other = _pct((_least_held(es, lambda m: m["gaussian"]["containment"]) or {"gaussian": {}})["gaussian"]
                         .get("containment"))
        else:
            other = f"×{max(m['axes_vs_gaussian'] for m in es):.2f}"
        widths = [m["axes_ci"]["half_width"] for m in es if m.get("axes_ci") and m["axes_ci"]["half_width"]
                  is not None]
        holds.append((name, "–".join(f"{c:,}" for c in (cases[0], cases[-1])[:len(cases)]),
                      _pct(worst["containment"] if worst else None), other,
                      f"±{fmt.PERCENT(max(widths))}" if widths else "-"))
    how = ("empirical: the covariance ellipse scaled to hold that share of the cases" if method == "empirical"
           else "gaussian: chi-square (2 dof) of the covariance")
    fmt.print_table(console, f"Ellipses ({p:.0%}, {how}; semi-axes, azimuth of the major axis from north, "
                    "centre)",
                    [Col("body", name=True), Col("major\nkm"), Col("minor\nkm"), Col("azimuth\n°"),
                     Col("lat\n°", drop=1), Col("lon\n°", drop=1)], shape)
    fmt.print_table(console, "What they hold: % of the cases inside (95 % Clopper-Pearson interval); how well the "
                    "axes are known (95 % bootstrap half-width)",
                    [Col("body", name=True), Col("cases"), Col("holds\n%"),
                     Col("Gaussian\nholds %" if method != "gaussian" else "axes to\nhold it"), Col("axes\n± %")],
                    holds)
    if sets:
        console.print("[dim]a set of identical bodies is one row: the mean of its members' ellipses and the "
                      "largest distance between two centres; what the least held of them holds, the least well "
                      "known axes; --json gives every body[/]")


def _metric_table(console: Console, s: dict) -> None:
    rows: list = []
    for phase, metrics in METRIC_GROUPS:
        shown = [(key, label) for key, label in metrics if s["metrics"].get(key)]
        if not shown:
            continue
        if rows:
            rows.append(SECTION)
        rows.append((f"[bold]{phase}[/]", "", "", "", "", "", ""))
        for key, label in shown:
            v, unit = s["metrics"][key], fmt.unit_of(key)
            lo, hi = v.get("p99_ci", (None, None))
            ci = "-" if lo is None and hi is None else (f"{unit(lo) if lo is not None else '?'} – "
                                                         f"{unit(hi) if hi is not None else '?'}")
            rows.append((unit.label(label), *(unit(v[k]) for k in ("mean", "std", "p01", "p50", "p99")), ci))
    cols = [Col("metric", name=True), Col("mean"), Col("std"), Col("p01"), Col("p50"), Col("p99"),
            Col("p99\n95 % interval", drop=1)]
    keep = fmt.print_table(console, "Metrics by phase (q: dynamic pressure; every metric in --json, with 95 % "
                           "intervals of every percentile)", cols, rows)
    if len(keep) < len(cols):
        console.print("[dim]the 95 % interval of each p99 is in --json (or in a terminal over 100 columns)[/]")


def _drivers_table(console: Console, s: dict) -> None:
    rows: list = []
    for target, found in s["drivers"].items():
        if rows:
            rows.append(SECTION)
        top = found[:5] or [{"input": "-", "src": math.nan}]
        for k, r in enumerate(top):
            rows.append((_DRIVER_LABELS.get(target, fmt.human(target)) if k == 0 else "",
                         "-" if not math.isfinite(r["src"]) else f"{r['src']:+.2f}", escape(r["input"])))
    fmt.print_table(console, "Drivers of the miss (standardized regression coefficients, top 5)",
                    [Col("miss component", name=True), Col("SRC"), Col("input", name=True)], rows)


def print_summary(console: Console, s: dict, manifest: dict) -> None:
    """Print a Monte Carlo summary ``s`` (of ``summarize``) of the run described by ``manifest``."""
    done = "" if s["complete"] else "  [yellow](incomplete run)[/]"
    rate = f"{s['cases_per_s']:.1f} cases/s" if s["cases_per_s"] else "-"
    console.print(f"[bold]{escape(str(manifest.get('mission', manifest.get('preset'))))}[/]  {s['cases']:,} cases, "
                  f"seed {s['seed']}, {s['elapsed_s']:.1f} s ({rate}){done}")
    console.print("outcomes: " + ", ".join(f"{k} {v:,}" for k, v in s["outcomes"].items()))
    box = s.get("deploy_outside_box")
    if box:
        console.print(f"deploys above the box (Mach ≤ {box['mach_max']:g}, q ≤ {box['q_max_pa']:g} Pa): "
                      f"{box['cases']:,} of {box['deployed']:,}")
    safe, divert = (s.get("metrics", {}).get(k) or {} for k in ("trn_safe_spot", "trn_divert_m"))
    if safe.get("mean") is not None:  # a hazard map was given (marsedl.trn)
        console.print(f"terrain-relative navigation: a safe cell within reach for {safe['mean']:.1%} of the "
                      f"powered descents; divert p50 {divert['p50']:,.0f} m, p99 {divert['p99']:,.0f} m")
    le = s["landing_ellipse"]
    p = le["probability"] if le else (s["delivery_ellipse"] or {}).get("probability", 0.99)
    _ellipse_tables(console, s, manifest, p, s.get("ellipse_method", "empirical"))
    if le is None:
        console.print(f"[yellow]no landing ellipse[/]: fewer than 3 of the {s['cases']:,} cases landed")
    elif le.get("excluded"):
        console.print(f"landing ellipse: the {le['cases']:,} landed cases; left out: {_excluded_text(le)}")
    named = [("delivery", s.get("delivery_ellipse"))]
    debris = s["debris_ellipses"]
    named += [(label, min((debris[m] for m in members if debris[m]), key=lambda e: e["cases"], default=None))
              for label, members in fmt.body_sets(debris)]
    for name, e in named:
        if e and e.get("excluded"):
            console.print(f"{escape(name)} ellipse: {e['cases']:,} cases; without that point: {_excluded_text(e)}")
    conv = s.get("convergence")
    if conv and conv.get("axes_half_width") is not None:
        need = conv["cases_for_half_width"].get("2%")
        line = (f"convergence: the {p:.0%} {' and '.join(conv['ellipses'])} ellipse axes are known to "
                f"±{fmt.PERCENT(conv['axes_half_width'])} % (95 %, bootstrap of {conv['resamples']:,} resamples)")
        if conv["axes_half_width"] > 0.02 and need:
            line += f"; about {need:,} cases for ±2 %"
        console.print(line)
        u = conv.get("until")
        if u and u.get("checks"):
            last = u["checks"][-1]
            state = ("met" if u.get("met") else f"[yellow]not met[/] at the most cases, -n {u['max_n']:,}")
            console.print(f"--until {u['rule']}: {state} after {last['cases']:,} cases (checked at "
                          + ", ".join(f"{c['cases']:,}" for c in u["checks"]) + ")")
    _metric_table(console, s)
    _drivers_table(console, s)
