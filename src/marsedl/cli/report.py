"""``marsedl plot``, ``report``, ``kml`` and ``survey``: presentation of runs (commands are added by ``register``).

RUN is a preset name (flown now; ``--set`` overrides allowed) or a Monte Carlo run folder. Thin wrappers:
parse, call :mod:`marsedl.report` / :mod:`marsedl.survey`, print.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from marsedl.errors import MarsEDLError

console = Console(highlight=False)

_RUN = typer.Argument(..., help="Preset name (flown now) or a Monte Carlo run folder.")
_SET = typer.Option(None, "--set", help="Override a preset field: path.to.field=value.")


def _check_writable(path: Path, option: str) -> None:
    """Fail before a long simulation when the output cannot be written."""
    import os

    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MarsEDLError(f"{option} '{path}' cannot be written: {exc.strerror or exc}") from None
    if not os.access(parent, os.W_OK):
        raise MarsEDLError(f"{option} '{path}' cannot be written: {parent} is not a writable folder")
    if path.is_dir():
        raise MarsEDLError(f"{option} '{path}' is a folder; give a file name")


def _load(run: str, overrides: list[str] | None):
    from marsedl.report.common import load_run

    return load_run(run, overrides=overrides)


def plot(
    run: str = _RUN,
    out_dir: Path = typer.Option(Path("plots"), "-o", "--out-dir", help="Folder for the figures."),
    fmt: str = typer.Option("png", "--format", help="png or svg."),
    set_: list[str] | None = _SET,
) -> None:
    """Write the figures of a run (altitude–speed, loads, bank, deploy, ground track, landing site)."""
    from marsedl.report.plots import FORMATS, write_nominal_plots

    if fmt not in FORMATS:
        raise MarsEDLError(f"--format '{fmt}': choose one of {', '.join(FORMATS)}")
    if out_dir.exists() and not out_dir.is_dir():
        raise MarsEDLError(f"--out-dir '{out_dir}' is a file, not a folder")
    _check_writable(out_dir / "x.png", "--out-dir")
    result = _load(run, set_)
    paths = write_nominal_plots(result, out_dir, fmt=fmt)
    for p in paths:
        console.print(f"wrote {p}")


def report(
    run: str = _RUN,
    out: Path = typer.Option(Path("report.html"), "-o", "--out", help="The HTML file to write."),
    set_: list[str] | None = _SET,
) -> None:
    """Write one self-contained HTML report (works offline; open it in any browser)."""
    from marsedl.report import html

    if out.suffix.lower() not in (".html", ".htm"):
        raise MarsEDLError(f"--out '{out}': the report file must end in .html")
    _check_writable(out, "--out")
    result = _load(run, set_)
    path = html.write(html.render_nominal(result), out)
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, self-contained)")


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
    return items


def kml(
    run: str = _RUN,
    out: Path = typer.Option(Path("run.kml"), "-o", "--out", help="The KML file to write."),
    ellipses: Path | None = typer.Option(None, "--ellipses", help="JSON list of ellipses to draw as polygons."),
    set_: list[str] | None = _SET,
) -> None:
    """Write a KML for Google Earth's Mars mode: trajectories, events, impacts (and ellipses)."""
    from marsedl.report import kml as kml_mod

    if out.suffix.lower() != ".kml":
        raise MarsEDLError(f"--out '{out}': the KML file must end in .kml")
    _check_writable(out, "--out")
    els = _ellipses(ellipses)
    result = _load(run, set_)
    path = kml_mod.write(kml_mod.nominal_kml(result, ellipses=els), out)
    console.print(f"wrote {path} (open it in Google Earth, Mars mode)")


def _base(text: str | None) -> tuple[float, float]:
    if text is None:
        return (0.0, 0.0)
    try:
        e, n = (float(x) for x in text.split(","))
    except ValueError:
        raise MarsEDLError(f"--base '{text}': give EAST,NORTH in metres from the rover, e.g. 250,-150") from None
    return (e, n)


def survey(
    run: str = _RUN,
    altitude: float = typer.Option(10.0, "--altitude", help="Flight altitude above ground (m)."),
    camera_fov: float = typer.Option(47.0, "--camera-fov", help="Camera full field of view (deg)."),
    max_sortie_m: float = typer.Option(625.0, "--max-sortie-m", help="Longest sortie, out and back (m)."),
    base: str | None = typer.Option(None, "--base", help="Take-off/landing point EAST,NORTH (m from the rover)."),
    skip_unreachable: bool = typer.Option(False, "--skip-unreachable", help="Plan the rest; list what is left."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    kml_out: Path | None = typer.Option(None, "--kml", help="Also write the plan as KML."),
    plot_out: Path | None = typer.Option(None, "--plot", help="Also draw the plan on the site map (.png/.svg)."),
    set_: list[str] | None = _SET,
) -> None:
    """Plan helicopter sorties from the rover that photograph every piece of debris."""
    from marsedl.report.common import site_frame
    from marsedl.survey import plan_survey, targets_from_impacts

    b = _base(base)
    for p, opt in ((kml_out, "--kml"), (plot_out, "--plot")):
        if p is not None:
            _check_writable(p, opt)
    result = _load(run, set_)
    frame = site_frame(result)
    targets = targets_from_impacts(result.impacts, frame.lat_deg, frame.lon_deg, frame.radius_m)
    if not targets:
        raise MarsEDLError(f"RUN '{run}': no debris impacts to survey")
    plan = plan_survey(targets, altitude_m=altitude, fov_deg=camera_fov, max_sortie_m=max_sortie_m, base_en_m=b,
                       skip_unreachable=skip_unreachable)
    if kml_out is not None:
        from marsedl.report import kml as kml_mod

        kml_mod.write(kml_mod.nominal_kml(result, survey=plan), kml_out)
    if plot_out is not None:
        from marsedl.report.plots import landing_site, save

        save(landing_site(result, survey=plan), plot_out)
    if as_json:
        typer.echo(json.dumps(plan.to_dict(), indent=2))
        return
    console.print(f"footprint {plan.footprint_side_m:.1f} m square from {plan.altitude_m:g} m with a "
                  f"{plan.fov_deg:g}° camera; sorties up to {plan.max_sortie_m:,.0f} m from base "
                  f"({plan.base_en_m[0]:,.0f} m E, {plan.base_en_m[1]:,.0f} m N of the rover)")
    t = Table(title="Sorties", title_justify="left")
    for col in ("sortie", "photos", "distance (m)", "covers"):
        t.add_column(col, justify="left" if col == "covers" else "right")
    for s in plan.sorties:
        names = sorted({n for i in s.photos for n in plan.photo_targets[i]})
        t.add_row(str(s.index), str(len(s.photos)), f"{s.distance_m:,.0f}", ", ".join(names))
    console.print(t)
    n = len(plan.sorties)
    console.print(f"total {plan.total_distance_m:,.0f} m in {n} sortie{'s' if n != 1 else ''} "
                  f"(one sortie per photo would fly {plan.star_distance_m:,.0f} m)")
    if plan.skipped:
        console.print(f"[bold]not reachable[/] with {plan.max_sortie_m:,.0f} m sorties: " + ", ".join(
            f"{t.name} ({t.distance_m / 1e3:.2f} km)" for t in plan.targets if t.name in plan.skipped))
    for p in (kml_out, plot_out):
        if p is not None:
            console.print(f"wrote {p}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("plot")(plot)
    app.command("report")(report)
    app.command("kml")(kml)
    app.command("survey")(survey)
