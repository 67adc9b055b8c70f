"""``marsedl montecarlo`` and ``marsedl summary``: dispersed runs at scale (commands are added by ``register``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from marsedl.errors import MarsEDLError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

#: Metrics shown in the summary table (all of them are in --json).
_SHOWN = (
    "miss_distance_m", "miss_along_m", "miss_cross_m", "backshell_separation_along_m",
    "backshell_separation_cross_m", "peak_deceleration_g", "peak_dynamic_pressure_pa", "peak_heat_rate_w_cm2",
    "parachute_deploy_t_s", "parachute_deploy_alt_agl_m", "deploy_mach", "deploy_q_pa", "peak_parachute_load_n",
    "opening_load_estimate_n",
    "touchdown_t_s", "touchdown_vertical_speed_m_s", "touchdown_horizontal_speed_m_s", "propellant_used_kg",
)


_ELLIPSE_HELP = ("empirical: scaled until it holds the stated share of the cases (default); gaussian: the "
                 "chi-square (2 dof) ellipse of the covariance. Both ones' containment is shown.")


class _RateColumn(ProgressColumn):
    """Cases flown per second since this run started (cases finished before a ``--resume`` do not count)."""

    def render(self, task: Task) -> Text:
        flown = task.completed - task.fields.get("initial", 0)
        elapsed = task.elapsed
        return Text(f"{flown / elapsed:,.1f} cases/s" if flown > 0 and elapsed else "-- cases/s")


def montecarlo(
    preset: str = typer.Argument("mars2020", help="Preset name (see `marsedl presets`)."),
    n: int | None = typer.Option(None, "-n", help="Number of cases (default 1,000); with --until, the most to fly "
                                 "(default 50,000)."),
    seed: int = typer.Option(0, "--seed", help="Run seed; case i draws from SeedSequence(seed, spawn_key=(i,))."),
    out: Path | None = typer.Option(None, "--out", help="Folder for Parquet chunks + manifest.json."),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted run in --out."),
    preset_file: Path | None = typer.Option(None, "--preset-file", help="Your own TOML preset instead."),
    set_: list[str] | None = typer.Option(None, "--set", help="Override: path.to.field=value (also dispersions.*)."),
    atmosphere: str | None = typer.Option(None, "--atmosphere", help="Atmosphere name or file."),
    chunk_size: int | None = typer.Option(None, "--chunk-size", help="Cases per engine run (default <= 500)."),
    processes: int | None = typer.Option(None, "--processes", help="Local processes (default: all cores)."),
    workers: int | None = typer.Option(None, "--workers", help="Start a local Dask cluster of N workers."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Use a Dask scheduler at tcp://HOST:PORT."),
    probability: float = typer.Option(0.99, "--probability", help="Ellipse probability."),
    ellipse: str = typer.Option("empirical", "--ellipse", help=_ELLIPSE_HELP),
    until: str | None = typer.Option(None, "--until", help="Fly chunks until the 95 % interval of the ellipse axes "
                                     "is within +-P % (axes:P%, e.g. axes:2%), at most -n cases."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Fly N dispersed cases (all cores, or Dask) and print the landing/debris ellipses and statistics."""
    from marsedl.montecarlo.ellipses import check_method
    from marsedl.montecarlo.runner import UNTIL_MAX_N, parse_until, run_montecarlo
    from marsedl.montecarlo.stats import chi2_2, summarize
    from marsedl.montecarlo.store import RunStore

    chi2_2(probability)
    check_method(ellipse)
    if resume and out is None:
        raise MarsEDLError("--resume finishes the run in --out: give --out FOLDER (the folder of the interrupted run)")
    if n is None:
        n = UNTIL_MAX_N if until is not None else 1000
    rule = parse_until(until, n, probability, ellipse) if until is not None else None
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
               _RateColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err_console, disable=quiet, transient=False) as bar:
            # hidden until the first report: a run refused during planning prints its error, not an empty bar
            task = bar.add_task("cases", total=n, start=False, visible=False)

            def progress(done: int, total: int) -> None:
                if not bar.tasks[task].started:  # the first report comes as the flying starts
                    bar.start_task(task)
                    bar.update(task, initial=done)
                bar.update(task, completed=done, total=total, visible=True)

            result = run_montecarlo(preset, n=n, seed=seed, out=out, resume=resume, preset_file=preset_file,
                                    overrides=set_, atmosphere=atmosphere, chunk_size=chunk_size,
                                    processes=processes, workers=workers, scheduler=scheduler, progress=progress,
                                    until=rule)
    except KeyboardInterrupt:
        kept = len(RunStore(out).chunk_files()) if out is not None and out.is_dir() else 0
        if kept:
            err_console.print(f"interrupted: {kept:,} finished chunks kept in {out}; the same command with --resume "
                              "finishes the run", markup=False, highlight=False, soft_wrap=True)
        else:
            hint = "" if out is not None else " (--out keeps finished chunks)"
            err_console.print("interrupted: nothing kept" + hint, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    if result.manifest_rebuilt:
        err_console.print(result.manifest_rebuilt, markup=False, highlight=False, soft_wrap=True)
    for name in result.repaired:
        err_console.print(f"{out / name} was damaged (or is not this run's): kept as {name}.damaged and flown again",
                          markup=False,
                          highlight=False, soft_wrap=True)
    summary = summarize(result.frame, result.manifest, probability, ellipse)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    _print(summary, result.manifest)
    if out is not None:
        console.print(f"results in [bold]{escape(str(out))}[/] ({result.manifest['n_chunks']} Parquet chunks + "
                      "manifest.json)")


def summary(
    run: Path = typer.Argument(..., help="A folder written by `marsedl montecarlo --out`."),
    probability: float = typer.Option(0.99, "--probability", help="Ellipse probability."),
    ellipse: str = typer.Option("empirical", "--ellipse", help=_ELLIPSE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Statistics of a Monte Carlo run folder: ellipses (with the share of cases they hold and how well their axes
    are known), outcomes, metrics and the drivers of the miss."""
    from marsedl.montecarlo.ellipses import check_method
    from marsedl.montecarlo.stats import chi2_2, summarize
    from marsedl.montecarlo.store import RunStore

    chi2_2(probability)
    check_method(ellipse)
    store = RunStore(run)
    manifest = store.read_manifest()
    s = summarize(store.read(), manifest, probability, ellipse)
    if as_json:
        typer.echo(json.dumps(s, indent=2))
        return
    _print(s, manifest)


def _pct(c: dict | None) -> str:
    if not c or c.get("fraction") is None:
        return "-"
    return f"{100 * c['fraction']:.1f} ({100 * c['ci_low']:.1f}–{100 * c['ci_high']:.1f})"


def _ellipse_row(t: Table, name: str, e: dict | None) -> None:
    if e is None:
        t.add_row(name, "-", "-", "-", "-")
        return
    t.add_row(name, f"{e['semi_major_km']:.3f}", f"{e['semi_minor_km']:.3f}", f"{e['azimuth_deg']:.1f}",
              f"{e['center_lat_deg']:.5f}, {e['center_lon_deg']:.5f}")


def _holds_row(t: Table, name: str, e: dict | None) -> None:
    if e is None:
        t.add_row(name, "-", "-", "-", "-")
        return
    ci = e.get("axes_ci")
    other = (_pct(e["gaussian"]["containment"]) if e["method"] != "gaussian" else f"×{e['axes_vs_gaussian']:.2f}")
    t.add_row(name, f"{e['cases']:,}", _pct(e["containment"]), other,
              f"±{100 * ci['half_width']:.1f} %" if ci and ci["half_width"] is not None else "-")


def _f(x) -> str:
    return "-" if x is None else f"{x:,.4g}"


def _excluded_text(e: dict) -> str:
    left = e.get("excluded") or {}
    return ", ".join(f"{k} {v:,}" for k, v in left.items())


def _print(s: dict, manifest: dict) -> None:
    done = "" if s["complete"] else "  [yellow](incomplete run)[/]"
    rate = f"{s['cases_per_s']:.1f} cases/s" if s["cases_per_s"] else "-"
    console.print(f"[bold]{manifest.get('mission', manifest.get('preset'))}[/]  {s['cases']} cases, seed "
                  f"{s['seed']}, {s['elapsed_s']:.1f} s ({rate}){done}")
    console.print("outcomes: " + ", ".join(f"{k} {v}" for k, v in s["outcomes"].items()))
    box = s.get("deploy_outside_box")
    if box:
        console.print(f"deploys above the box (Mach ≤ {box['mach_max']:g}, q ≤ {box['q_max_pa']:g} Pa): "
                      f"{box['cases']} of {box['deployed']}")
    le = s["landing_ellipse"]
    p = le["probability"] if le else (s["delivery_ellipse"] or {}).get("probability", 0.99)
    method = s.get("ellipse_method", "empirical")
    how = ("empirical: the covariance ellipse scaled to hold that share of the cases" if method == "empirical"
           else "gaussian: chi-square (2 dof) of the covariance")
    t = Table(title=f"Ellipses ({p:.0%}, {how}; azimuth of the major axis from north)", title_justify="left")
    for col in ("body", "semi-major (km)", "semi-minor (km)", "azimuth (°)", "centre lat, lon (°)"):
        t.add_column(col, justify="left" if col == "body" else "right")
    h = Table(title="What they hold: % of the cases inside (95 % Clopper-Pearson interval); how well the axes are "
              "known (95 % bootstrap half-width)", title_justify="left")
    for col in ("body", "cases", "holds %", "Gaussian holds %" if method != "gaussian" else "axes to hold it",
                "axes"):
        h.add_column(col, justify="left" if col == "body" else "right")
    rows = [("landing (rover)", le), ("delivery", s.get("delivery_ellipse")), *s["debris_ellipses"].items()]
    for name, e in rows:
        _ellipse_row(t, name, e)
        _holds_row(h, name, e)
    console.print(t)
    console.print(h)
    if le is None:
        console.print(f"[yellow]no landing ellipse[/]: fewer than 3 of the {s['cases']:,} cases landed")
    elif le.get("excluded"):
        console.print(f"landing ellipse: the {le['cases']:,} landed cases; left out: {_excluded_text(le)}")
    for name, e in [("delivery", s.get("delivery_ellipse")), *s["debris_ellipses"].items()]:
        if e and e.get("excluded"):
            console.print(f"{name} ellipse: {e['cases']:,} cases; without that point: {_excluded_text(e)}")
    conv = s.get("convergence")
    if conv and conv.get("axes_half_width") is not None:
        need = conv["cases_for_half_width"].get("2%")
        line = (f"convergence: the {p:.0%} {' and '.join(conv['ellipses'])} ellipse axes are known to "
                f"±{100 * conv['axes_half_width']:.1f} % (95 %, bootstrap of "
                f"{conv['resamples']:,} resamples)")
        if conv["axes_half_width"] > 0.02 and need:
            line += f"; about {need:,} cases for ±2 %"
        console.print(line)
        u = conv.get("until")
        if u and u.get("checks"):
            last = u["checks"][-1]
            state = ("met" if u.get("met") else f"[yellow]not met[/] at the most cases, -n {u['max_n']:,}")
            console.print(f"--until {u['rule']}: {state} after {last['cases']:,} cases (checked at "
                          + ", ".join(f"{c['cases']:,}" for c in u["checks"]) + ")")
    m = Table(title="Metrics (all of them in --json, with 95 % intervals of every percentile)", title_justify="left")
    for col in ("metric", "mean", "std", "p01", "p50", "p99", "p99 95 % interval"):
        m.add_column(col, justify="left" if col == "metric" else "right")
    for name in _SHOWN:
        v = s["metrics"].get(name)
        if v:
            lo, hi = v.get("p99_ci", (None, None))
            ci = "-" if lo is None and hi is None else f"{_f(lo) if lo is not None else '?'} – " + (
                _f(hi) if hi is not None else "?")
            m.add_row(name, *(_f(v[k]) for k in ("mean", "std", "p01", "p50", "p99")), ci)
    console.print(m)
    d = Table(title="Drivers of the miss (standardized regression coefficients, top 5)", title_justify="left")
    d.add_column("miss component")
    d.add_column("inputs (SRC)")
    for target, rows in s["drivers"].items():
        d.add_row(target, ", ".join(f"{r['input']} {r['src']:+.2f}" for r in rows[:5]) or "-")
    console.print(d)


def dispersions(
    preset: str = typer.Argument("mars2020", help="Preset name (see `marsedl presets`)."),
    preset_file: Path | None = typer.Option(None, "--preset-file", help="Your own TOML preset instead."),
    set_: list[str] | None = typer.Option(None, "--set", help="Override: dispersions.<field>=value."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show the dispersions a Monte Carlo run of this preset would fly (no case is flown)."""
    from marsedl.montecarlo.context import resolve_dispersions

    spec, _, origin = resolve_dispersions(preset, preset_file=preset_file, overrides=set_)
    rows = spec.describe()
    if as_json:
        typer.echo(json.dumps({"origin": origin, "dispersions": rows}, indent=2))
        return
    table = Table(title=f"Dispersions of {origin} ({len(rows)} active; widths 1 sigma unless said)",
                  title_justify="left")
    for col, just in (("dispersion", "left"), ("distribution", "left"), ("width", "right"), ("1 sigma", "right"),
                      ("unit", "left"), ("", "left")):
        table.add_column(col, justify=just)
    for r in rows:
        kind = {"uniform": "uniform +-", "truncnormal": "truncated normal"}.get(r["kind"], r["kind"])
        table.add_row(r["name"], kind, f"{r['width']:.4g}", f"{r['std']:.4g}", r["unit"], r["detail"])
    console.print(table)
    console.print("Change any of them in a preset's \\[dispersions] table or with --set dispersions.<field>=...")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("montecarlo")(montecarlo)
    app.command("summary")(summary)
    app.command("dispersions")(dispersions)
