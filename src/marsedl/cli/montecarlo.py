"""``marsedl montecarlo`` and ``marsedl summary``: dispersed runs at scale (commands are added by ``register``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from marsedl.cli import fmt
from marsedl.cli.fmt import Col, escape
from marsedl.errors import MarsEDLError

_ELLIPSE_HELP = ("empirical: scaled until it holds the stated share of the cases (default); gaussian: the "
                 "chi-square (2 dof) ellipse of the covariance. Both ones' containment is shown.")


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
    from marsedl.cli.progress import case_progress
    from marsedl.cli.summary_view import print_summary
    from marsedl.montecarlo.api import montecarlo as fly
    from marsedl.montecarlo.ellipses import check_method
    from marsedl.montecarlo.runner import UNTIL_MAX_N, parse_until
    from marsedl.montecarlo.stats import chi2_2
    from marsedl.montecarlo.store import RunStore

    chi2_2(probability)
    check_method(ellipse)
    if resume and out is None:
        raise MarsEDLError("--resume finishes the run in --out: give --out FOLDER (the folder of the interrupted run)")
    if n is None:
        n = UNTIL_MAX_N if until is not None else 1000
    rule = parse_until(until, n, probability, ellipse) if until is not None else None
    err_console = fmt.console(stderr=True)
    try:
        with case_progress(err_console, quiet=quiet) as bar:
            # hidden until the first report: a run refused during planning prints its error, not an empty bar
            task = bar.add_task("cases", total=n, start=False, visible=False)

            def progress(done: int, total: int) -> None:
                if not bar.tasks[task].started:  # the first report comes as the flying starts
                    bar.start_task(task)
                    bar.update(task, initial=done)
                bar.update(task, completed=done, total=total, visible=True)

            result = fly(preset, n=n, seed=seed, out=out, resume=resume, preset_file=preset_file, overrides=set_,
                         atmosphere=atmosphere, chunk_size=chunk_size, processes=processes, workers=workers,
                         scheduler=scheduler, progress=progress, until=rule, probability=probability,
                         method=ellipse)
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
    summary = result.summary
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    console = fmt.console()
    print_summary(console, summary, result.manifest)
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
    from marsedl.cli.summary_view import print_summary

    print_summary(fmt.console(), s, manifest)


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
    cols = [Col("dispersion", name=True), Col("distribution", name=True), Col("width"), Col("1 sigma"),
            Col("unit", name=True), Col("", name=True)]
    kinds = {"uniform": "uniform ±", "truncnormal": "truncated normal"}
    console = fmt.console()
    fmt.print_table(console, f"Dispersions of {escape(origin)} ({len(rows)} active; widths 1 sigma unless said)",
                    cols, [(r["name"], kinds.get(r["kind"], r["kind"]), fmt.significant(r["width"]),
                            fmt.significant(r["std"]), escape(r["unit"]), escape(r["detail"])) for r in rows])
    console.print("Change any of them in a preset's \\[dispersions] table or with --set dispersions.<field>=...")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("montecarlo")(montecarlo)
    app.command("summary")(summary)
    app.command("dispersions")(dispersions)
