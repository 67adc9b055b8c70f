"""``marsedl simulate`` and ``marsedl presets``: fly a mission and print its story."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from marsedl.cli import fmt
from marsedl.cli.fmt import Col, escape
from marsedl.errors import MarsEDLError


def presets() -> None:
    """List the mission presets shipped with marsedl."""
    from marsedl.scenario import load_mission, preset_names

    rows = [(name, escape(load_mission(name).description)) for name in preset_names()]
    fmt.print_table(fmt.console(), "Presets", [Col("name", name=True), Col("description", name=True)], rows)


def simulate(
    preset: str = typer.Argument("mars2020", help="Preset name (see `marsedl presets`)."),
    preset_file: Path | None = typer.Option(None, "--preset-file", help="Your own TOML preset instead."),
    set_: list[str] | None = typer.Option(None, "--set", help="Override a field: path.to.field=value."),
    atmosphere: str | None = typer.Option(None, "--atmosphere", help="Atmosphere name or file (NAME|FILE[:N])."),
    no_guidance: bool = typer.Option(False, "--no-guidance", help="Fly the constant reference bank."),
    out: Path | None = typer.Option(None, "--out", help="Save the run (.parquet: histories, timeline, impacts, "
                                    "inputs; reused by report, kml, survey, plot) or its time histories (.csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Fly a mission from entry interface to touchdown; print the timeline and the debris field."""
    from marsedl.flight import simulate as run

    if out is not None and out.suffix.lower() not in (".parquet", ".csv"):
        raise MarsEDLError(f"--out '{out}': the file must end in .parquet or .csv")
    result = run(preset, preset_file=preset_file, overrides=set_, atmosphere=atmosphere,
                 guidance=False if no_guidance else None, record=out is not None)
    if out is not None:
        try:
            result.save(out)
        except MarsEDLError as exc:
            raise MarsEDLError(f"--out {exc}") from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    console = fmt.console()
    _print(console, result)
    if out is not None:
        what = "time histories" if out.suffix.lower() == ".csv" else "the run (histories, timeline, impacts, inputs)"
        console.print(f"{what} written to [bold]{escape(str(out))}[/]")


def _print(console, result) -> None:
    info = result.info
    if info.get("kind") == "body":
        _print_body(console, result)
        return
    console.print(
        f"[bold]{result.preset}[/]  outcome: [bold]{result.outcome}[/]   atmosphere: {result.atmosphere}"
    )
    console.print(
        f"entry point {fmt.LATLON(info['entry_lat_deg'])}°, {fmt.LATLON(info['entry_lon_deg'])}°, heading "
        f"{fmt.AZIMUTH(info['entry_azimuth_deg'])}°"
    )
    cols = [Col("event", name=True), Col("t\ns"), Col("alt AGL\nm"), Col("speed\nm/s"), Col("Mach"),
            Col("q\nPa"), Col("load\ng")]
    rows = [(fmt.human(e.name), fmt.TIME(e.time_s), fmt.HEIGHT(e.altitude_agl_m), fmt.SPEED(e.speed_m_s),
             fmt.MACH(e.mach), fmt.PRESSURE(e.dynamic_pressure_pa), fmt.ACCEL(e.g_load)) for e in result.events]
    fmt.print_table(console, "Event timeline (vehicle; t from entry interface; altitude above local ground)",
                    cols, rows)
    p = result.peaks
    console.print(f"peak deceleration {fmt.ACCEL(p['deceleration_g'])} g at {fmt.TIME(p['deceleration_time_s'])} s; "
                  f"peak dynamic pressure {fmt.PRESSURE(p['dynamic_pressure_pa'])} Pa; "
                  f"peak heat rate {fmt.HEAT_RATE(p['heat_rate_w_cm2'])} W/cm² (Sutton–Graves, stagnation point)")
    td = result.touchdown
    if td is not None:
        console.print(f"touchdown at {fmt.TIME(td.time_s)} s, {fmt.LATLON(td.lat_deg)}°, {fmt.LATLON(td.lon_deg)}°: "
                      f"{fmt.LANDING_SPEED(td.vertical_speed_m_s)} m/s down, "
                      f"{fmt.LANDING_SPEED(td.horizontal_speed_m_s)} m/s across, "
                      f"[bold]{fmt.DISTANCE(td.miss_distance_m)} m[/] from the target")
    safe = result.info.get("trn_safe_spot", math.nan)
    if math.isfinite(safe):  # a hazard map was given (marsedl.trn)
        console.print(f"terrain-relative navigation: diverted {fmt.DISTANCE(result.info['trn_divert_m'])} m to the "
                      "nearest safe cell of the hazard map" if safe else
                      "terrain-relative navigation: no safe cell of the hazard map within reach; stayed on its "
                      "predicted touchdown")
    # the vehicle reached the ground without landing: its wreck is on the impact list (measured from the target)
    crash = next((i for i in result.impacts if i.body == result.body_names[0]), None)
    if td is None and crash is not None:
        console.print(f"[bold red]no landing[/]: the vehicle hit the ground at {fmt.TIME(crash.time_s)} s, "
                      f"{fmt.LATLON(crash.lat_deg)}°, {fmt.LATLON(crash.lon_deg)}°, at "
                      f"[bold]{fmt.SPEED(crash.speed_m_s)} m/s[/] ({fmt.SPEED_KMH(crash.speed_m_s)} km/h), "
                      f"{fmt.DISTANCE(crash.distance_from_rover_m)} m from the target")
    _print_debris(console, result, "the rover" if td is not None else "the target")


def _print_body(console, result) -> None:
    """A lone body (a ``kind = "body"`` preset): where it started, its flight's ends, where it hit the ground."""
    info = result.info
    console.print(f"[bold]{result.preset}[/]  outcome: [bold]{result.outcome}[/]   planet: {info['planet']}   "
                  f"atmosphere: {result.atmosphere}")
    cols = [Col("event", name=True), Col("t\ns"), Col("alt AGL\nm"), Col("speed\nm/s"), Col("Mach"),
            Col("q\nPa"), Col("lat\n°"), Col("lon\n°")]
    names = {"entry_interface": "start", "timeout": "end of the run (integration.max_time_s)"}
    rows = [(names.get(e.name, fmt.human(e.name)), fmt.TIME(e.time_s), fmt.HEIGHT(e.altitude_agl_m),
             fmt.SPEED(e.speed_m_s), fmt.MACH(e.mach), fmt.PRESSURE(e.dynamic_pressure_pa), fmt.LATLON(e.lat_deg),
             fmt.LATLON(e.lon_deg)) for e in result.events]
    fmt.print_table(console, "Flight (t from the start; altitude above the ground; ground-relative speed)", cols,
                    rows)
    for hit in result.impacts:
        console.print(f"hit the ground at {fmt.TIME(hit.time_s)} s, {fmt.LATLON(hit.lat_deg)}°, "
                      f"{fmt.LATLON(hit.lon_deg)}°, at [bold]{fmt.SPEED(hit.speed_m_s)} m/s[/] "
                      f"({fmt.SPEED_KMH(hit.speed_m_s)} km/h), {fmt.DISTANCE(hit.distance_from_rover_m)} m from "
                      "its start")


def _print_debris(console, result, origin: str) -> None:
    """The debris table: one row per body, one per identical set (its members' mean and how far apart they
    fell); every body is in --json."""
    import numpy as np

    from marsedl.planet import surface_distance_bearing

    by_name = {i.body: i for i in result.impacts}
    rows, sets = [], 0
    for label, members in fmt.body_sets(i.body for i in result.impacts):
        hits = [by_name[m] for m in members]
        if len(hits) > 1:
            sets += 1
            lat, lon = (np.radians([getattr(h, k) for h in hits]) for k in ("lat_deg", "lon_deg"))
            apart, _ = surface_distance_bearing(lat[:, None], lon[:, None], lat[None, :], lon[None, :],
                                                result.site_radius_m)
            label = f"{label}, within {fmt.DISTANCE(float(apart.max()))} m"
        brg = np.radians([h.bearing_from_rover_deg for h in hits])
        mean = {k: float(np.mean([getattr(h, k) for h in hits]))
                for k in ("time_s", "lat_deg", "lon_deg", "distance_from_rover_m", "speed_m_s")}
        rows.append((label, fmt.TIME(mean["time_s"]), fmt.DISTANCE(mean["distance_from_rover_m"]),
                     fmt.BEARING(np.degrees(np.arctan2(np.sin(brg).mean(), np.cos(brg).mean())) % 360.0),
                     fmt.SPEED(mean["speed_m_s"]), fmt.SPEED_KMH(mean["speed_m_s"]),
                     fmt.ENERGY(float(np.mean([h.kinetic_energy_j for h in hits]))),
                     fmt.LATLON(mean["lat_deg"]), fmt.LATLON(mean["lon_deg"])))
    cols = [Col("body", name=True), Col("t\ns"), Col("dist\nm"), Col("brg\n°"), Col("speed\nm/s"),
            Col("speed\nkm/h"), Col("KE\nMJ"), Col("lat\n°", drop=1), Col("lon\n°", drop=1)]
    fmt.print_table(console, f"Debris field (impacts; distance and bearing from {origin})", cols, rows)
    if sets:
        console.print("[dim]a set of identical bodies is one row: its members' mean, and the largest distance "
                      "between two of their impacts; --json lists every body[/]")
