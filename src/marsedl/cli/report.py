"""``marsedl plot``, ``report``, ``kml`` and ``survey``: presentation of runs (commands are added by ``register``).

RUN is a preset name (flown now; ``--set`` overrides allowed), a run saved by ``simulate --out FILE.parquet``,
or a Monte Carlo run folder. Thin wrappers:
parse, call :mod:`marsedl.report` / :mod:`marsedl.survey`, print.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from marsedl.cli import fmt
from marsedl.cli.fmt import Col, escape
from marsedl.cli.fmt import console as make_console
from marsedl.errors import MarsEDLError

_RUN = typer.Argument(..., help="Preset name (flown now), a run saved by `simulate --out FILE.parquet`, or a "
                      "Monte Carlo run folder.")
_SET = typer.Option(None, "--set", help="Override a preset field: path.to.field=value.")
_PROB = typer.Option(0.99, "--probability", help="Ellipse probability (Monte Carlo runs).")
_ELLIPSE = typer.Option("empirical", "--ellipse", help="Monte Carlo runs: empirical (scaled until it holds the "
                        "stated share of the cases; default) or gaussian (the chi-square ellipse of the covariance).")


def _check_writable(path: Path, option: str, *, folder: bool = False) -> None:
    """Fail before a long simulation when the output (a file, or a ``folder`` to write files in) cannot be
    written."""
    import os

    parent = path if folder else (path.parent if str(path.parent) else Path("."))
    # nothing is created here (a failed run leaves no empty folder): the writers make the folders they need
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise MarsEDLError(f"{option} '{path}' cannot be written: {existing} is not a folder")
    if not os.access(existing, os.W_OK):
        raise MarsEDLError(f"{option} '{path}' cannot be written: {existing} is not a writable folder")
    if not folder and path.is_dir():
        raise MarsEDLError(f"{option} '{path}' is a folder; give a file name")


def _load(run: str, overrides: list[str] | None, probability: float = 0.99, ellipse: str = "empirical",
          *, edl: str | None = None):
    """The RUN (see :func:`marsedl.report.common.load_run`); with ``edl`` (the command's name), refuse in one line
    a lone body's run (a saved ``kind = "body"`` preset), whose views that command does not draw."""
    from marsedl.montecarlo.ellipses import check_method
    from marsedl.report.common import is_montecarlo, load_run

    check_method(ellipse)
    result = load_run(run, overrides=overrides, probability=probability, method=ellipse)
    if edl and not is_montecarlo(result) and "vehicle" not in result.body_names:
        raise MarsEDLError(f"RUN '{run}': '{result.preset}' is a lone body's run, and {edl} draws EDL runs; its "
                           "time histories are the file's table (pandas.read_parquet), its story marsedl.load")
    return result


def plot(
    run: str = _RUN,
    out_dir: Path = typer.Option(Path("plots"), "-o", "--out-dir", help="Folder for the figures."),
    fmt: str = typer.Option("png", "--format", help="png or svg."),
    probability: float = _PROB,
    ellipse: str = _ELLIPSE,
    set_: list[str] | None = _SET,
) -> None:
    """Write the figures of a run: nominal (altitude–speed, loads, bank, deploy, ground track, landing site) or
    Monte Carlo (landing ellipse, debris footprints, metric histograms, outcomes)."""
    from marsedl.report.common import is_montecarlo
    from marsedl.report.plots import FORMATS, write_montecarlo_plots, write_nominal_plots

    if fmt not in FORMATS:
        raise MarsEDLError(f"--format '{fmt}': choose one of {', '.join(FORMATS)}")
    if out_dir.exists() and not out_dir.is_dir():
        raise MarsEDLError(f"--out-dir '{out_dir}' is a file, not a folder")
    _check_writable(out_dir, "--out-dir", folder=True)
    result = _load(run, set_, probability, ellipse, edl="plot")
    if is_montecarlo(result):
        paths = write_montecarlo_plots(result, out_dir, fmt=fmt)
    else:
        paths = write_nominal_plots(result, out_dir, fmt=fmt)
    console = make_console()  # (`fmt` is the --format option here)
    for p in paths:
        console.print(f"wrote {escape(str(p))}")


def report(
    run: str = _RUN,
    out: Path = typer.Option(Path("report.html"), "-o", "--out", help="The HTML file to write."),
    probability: float = _PROB,
    ellipse: str = _ELLIPSE,
    set_: list[str] | None = _SET,
) -> None:
    """Write one self-contained HTML report of a nominal run or a Monte Carlo run folder (works offline)."""
    from marsedl.report import html
    from marsedl.report.common import is_montecarlo

    if out.suffix.lower() not in (".html", ".htm"):
        raise MarsEDLError(f"--out '{out}': the report file must end in .html")
    _check_writable(out, "--out")
    result = _load(run, set_, probability, ellipse, edl="report")
    text = html.render_montecarlo(result) if is_montecarlo(result) else html.render_nominal(result)
    path = html.write(text, out)
    fmt.console().print(f"wrote {escape(str(path))} ({path.stat().st_size / 1e6:.1f} MB, self-contained)")


def _ellipses(path: Path | None) -> list[dict]:
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MarsEDLError(f"--ellipses '{path}': cannot be read as JSON ({exc})") from None
    items = data.get("ellipses", data) if isinstance(data, dict) else data
    need = ("semi_major_km", "semi_minor_km", "azimuth_deg", "center_lat_deg", "center_lon_deg")
    if not isinstance(items, list) or not all(isinstance(e, dict) and all(k in e for k in need) for e in items):
        raise MarsEDLError(f"--ellipses '{path}': expected a list of objects with {', '.join(need)}")
    # on Mars: semi-axes up to a quarter of its circumference, planetocentric latitude and longitude
    ranges = {"semi_major_km": (0.0, 5000.0), "semi_minor_km": (0.0, 5000.0), "azimuth_deg": (-360.0, 360.0),
              "center_lat_deg": (-90.0, 90.0), "center_lon_deg": (-360.0, 360.0)}
    for i, e in enumerate(items):
        for key, (lo, hi) in ranges.items():
            v = e[key]
            if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
                raise MarsEDLError(f"--ellipses '{path}': ellipse {i + 1} {key} = {v!r}; must be a number in "
                                   f"[{lo:g}, {hi:g}]")
    return items


def kml(
    run: str = _RUN,
    out: Path = typer.Option(Path("run.kml"), "-o", "--out", help="The KML file to write."),
    ellipses: Path | None = typer.Option(None, "--ellipses", help="JSON list of ellipses to draw as polygons."),
    probability: float = _PROB,
    ellipse: str = _ELLIPSE,
    set_: list[str] | None = _SET,
) -> None:
    """Write a KML for Google Earth's Mars mode: trajectories, events, impacts (and ellipses); for a Monte Carlo
    run, the landing and debris ellipses and the touchdown points."""
    from marsedl.report import kml as kml_mod
    from marsedl.report.common import is_montecarlo

    if out.suffix.lower() != ".kml":
        raise MarsEDLError(f"--out '{out}': the KML file must end in .kml")
    _check_writable(out, "--out")
    els = _ellipses(ellipses)
    result = _load(run, set_, probability, ellipse)
    if is_montecarlo(result):
        if els:
            raise MarsEDLError("--ellipses: a Monte Carlo run draws its own ellipses; give it with a preset")
        doc = kml_mod.montecarlo_kml(result)
    else:
        doc = kml_mod.nominal_kml(result, ellipses=els)
    path = kml_mod.write(doc, out)
    fmt.console().print(f"wrote {escape(str(path))} (open it in Google Earth, Mars mode)")


def _base(text: str | None) -> tuple[float, float]:
    if text is None:
        return (0.0, 0.0)
    try:
        e, n = (float(x) for x in text.split(","))
    except ValueError:
        raise MarsEDLError(f"--base '{text}': give EAST,NORTH in metres from the rover, e.g. 250,-150") from None
    return (e, n)


def _flight_rows(plan) -> list[tuple[str, str, str, str]]:
    """Table rows: one per flight that photographs something; runs of bare hops folded into one row."""
    rows: list[tuple[str, str, str, str]] = []
    hops: list = []

    def fold() -> None:
        if hops:
            a, b = hops[0].index, hops[-1].index
            label = str(a) if a == b else f"{a}–{b}"
            what = "hop" if a == b else f"{len(hops)} hops"
            rows.append((label, "0", fmt.DISTANCE(sum(h.distance_m for h in hops)), f"({what}, no photos)"))
            hops.clear()

    for s in plan.flights:
        if not s.photos:
            hops.append(s)
            continue
        fold()
        names = sorted({n for i in s.photos for n in plan.photo_targets[i]})
        rows.append((str(s.index), str(len(s.photos)), fmt.DISTANCE(s.distance_m), ", ".join(map(fmt.human, names))))
    fold()
    return rows


def survey(
    run: str = _RUN,
    altitude: float = typer.Option(10.0, "--altitude", help="Flight altitude above ground (m)."),
    camera_fov: float = typer.Option(47.0, "--camera-fov", help="Camera full field of view (deg)."),
    max_sortie_m: float = typer.Option(625.0, "--max-sortie-m", help="Longest flight, take-off to landing (m)."),
    return_to_base: bool = typer.Option(False, "--return-to-base",
                                        help="Every sortie flies out and back to the base (no relocating)."),
    max_flights: int | None = typer.Option(None, "--max-flights", help="Fly at most N flights; name what is left."),
    base: str | None = typer.Option(None, "--base", help="Take-off point EAST,NORTH (m from the rover)."),
    skip_unreachable: bool = typer.Option(False, "--skip-unreachable", help="Plan the rest; list what is left."),
    probability: float = typer.Option(0.99, "--probability", help="Ellipse probability (Monte Carlo runs)."),
    ellipse: str = _ELLIPSE,
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    kml_out: Path | None = typer.Option(None, "--kml", help="Also write the plan as KML."),
    plot_out: Path | None = typer.Option(None, "--plot", help="Also draw the plan on the site map (.png/.svg)."),
    set_: list[str] | None = _SET,
) -> None:
    """Plan helicopter flights that photograph every piece of debris (relocating, Ingenuity-style).

    From a nominal run: its impact points. From a Monte Carlo run folder: each debris body's ellipse, tiled with
    photo footprints (in metres from the mean touchdown point).
    """
    from marsedl.report.common import is_montecarlo, site_frame
    from marsedl.survey import plan_survey, targets_from_ellipses, targets_from_impacts

    b = _base(base)
    if max_flights is not None and max_flights < 1:
        raise MarsEDLError(f"--max-flights {max_flights}: give at least 1 flight")
    for p, opt in ((kml_out, "--kml"), (plot_out, "--plot")):
        if p is not None:
            _check_writable(p, opt)
    result = _load(run, set_, probability, ellipse)
    frame = site_frame(result)
    if is_montecarlo(result):
        els = [e for e in result.ellipses() if e["name"] != "landing"]
        targets = targets_from_ellipses(els, frame.lat_deg, frame.lon_deg, frame.radius_m)
        what = "debris ellipses"
    else:
        targets = targets_from_impacts(result.impacts, frame.lat_deg, frame.lon_deg, frame.radius_m)
        what = "debris impacts"
    if not targets:
        raise MarsEDLError(f"RUN '{run}': no {what} to survey")
    plan = plan_survey(targets, altitude_m=altitude, fov_deg=camera_fov, max_sortie_m=max_sortie_m, base_en_m=b,
                       skip_unreachable=skip_unreachable, return_to_base=return_to_base, max_flights=max_flights)
    if kml_out is not None:
        from marsedl.report import kml as kml_mod

        doc = (kml_mod.montecarlo_kml(result, survey=plan) if is_montecarlo(result)
               else kml_mod.nominal_kml(result, survey=plan))
        kml_mod.write(doc, kml_out)
    if plot_out is not None:
        from marsedl.report.plots import landing_site, save, survey_map

        fig = survey_map(plan) if is_montecarlo(result) else landing_site(result, survey=plan)
        save(fig, plot_out)
    if as_json:
        typer.echo(json.dumps(plan.to_dict(), indent=2))
        return
    how = ("relocating flights (each lands where the next takes off)" if plan.relocating
           else "out-and-back sorties")
    console = fmt.console()
    console.print(f"{what}: {len(targets)}; footprint {plan.footprint_side_m:.1f} m square from "
                  f"{plan.altitude_m:g} m with a {plan.fov_deg:g}° camera; {how} of up to "
                  f"{plan.max_sortie_m:,.0f} m from base ({plan.base_en_m[0]:,.0f} m E, {plan.base_en_m[1]:,.0f} m N "
                  f"of the {'mean touchdown point' if is_montecarlo(result) else 'rover'})")
    cols = [Col("flight"), Col("photos"), Col("distance\nm"), Col("covers", name=True)]
    fmt.print_table(console, "Flights" if plan.relocating else "Sorties", cols,
                    [(*row[:3], escape(row[3])) for row in _flight_rows(plan)])
    n = len(plan.flights)
    bound = ("no route through these photo points can be shorter than their spanning tree, "
             f"{plan.lower_bound_m:,.0f} m" if plan.relocating
             else f"one sortie per photo would fly {plan.star_distance_m:,.0f} m")
    console.print(f"total {plan.total_distance_m:,.0f} m in {n} flight{'s' if n != 1 else ''} ({bound})")
    if plan.beyond_flights:
        console.print(f"[bold]beyond {plan.max_flights} flights[/] (not or not fully photographed): "
                      + ", ".join(plan.beyond_flights))
    if plan.skipped:
        far = {t.name: t.distance_m for t in plan.targets}
        console.print("[bold]left out[/] (--skip-unreachable): " + ", ".join(
            f"{name} ({far[name] / 1e3:.2f} km)" for name in plan.skipped))
    for p in (kml_out, plot_out):
        if p is not None:
            console.print(f"wrote {escape(str(p))}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("plot")(plot)
    app.command("report")(report)
    app.command("kml")(kml)
    app.command("survey")(survey)
