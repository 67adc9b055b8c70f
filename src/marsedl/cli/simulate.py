"""``marsedl simulate`` and ``marsedl presets``: fly a mission and print its story."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from marsedl.errors import MarsEDLError

console = Console(highlight=False)


def presets() -> None:
    """List the mission presets shipped with marsedl."""
    from marsedl.scenario import load_mission, preset_names

    table = Table(title="Presets", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("description")
    for name in preset_names():
        table.add_row(name, load_mission(name).description)
    console.print(table)


def simulate(
    preset: str = typer.Argument("mars2020", help="Preset name (see `marsedl presets`)."),
    preset_file: Path | None = typer.Option(None, "--preset-file", help="Your own TOML preset instead."),
    set_: list[str] | None = typer.Option(None, "--set", help="Override a field: path.to.field=value."),
    atmosphere: str | None = typer.Option(None, "--atmosphere", help="Atmosphere name or file (NAME|FILE[:N])."),
    no_guidance: bool = typer.Option(False, "--no-guidance", help="Fly the constant reference bank."),
    out: Path | None = typer.Option(None, "--out", help="Write all bodies' time histories (.parquet or .csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Fly a mission from entry interface to touchdown; print the timeline and the debris field."""
    from marsedl.flight import simulate as run

    if out is not None and out.suffix.lower() not in (".parquet", ".csv"):
        raise MarsEDLError(f"--out '{out}': the file must end in .parquet or .csv")
    result = run(preset, preset_file=preset_file, overrides=set_, atmosphere=atmosphere,
                 guidance=False if no_guidance else None, record=out is not None)
    if out is not None:
        _write_history(result, out)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    _print(result)
    if out is not None:
        console.print(f"time histories written to [bold]{escape(str(out))}[/]")


def _write_history(result, out: Path) -> None:
    df = result.to_dataframe()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".csv":
            df.to_csv(out, index=False)
        else:
            df.to_parquet(out, index=False)
    except OSError as exc:
        raise MarsEDLError(f"--out '{out}' cannot be written: {exc.strerror or exc}") from None


def _print(result) -> None:
    info = result.info
    console.print(
        f"[bold]{result.preset}[/]  outcome: [bold]{result.outcome}[/]   atmosphere: {result.atmosphere}   "
        f"entry point {info['entry_lat_deg']:.3f}°, {info['entry_lon_deg']:.3f}°, heading "
        f"{info['entry_azimuth_deg']:.1f}°"
    )
    t = Table(title="Event timeline (vehicle; altitude above local ground)", title_justify="left")
    for col in ("event", "t (s)", "alt AGL (m)", "speed (m/s)", "Mach", "q (Pa)", "g-load"):
        t.add_column(col, justify="left" if col == "event" else "right")
    for e in result.events:
        alt = e.altitude_agl_m if abs(e.altitude_agl_m) >= 0.5 else 0.0  # no "-0" at an impact on the ground
        t.add_row(e.name, f"{e.time_s:.1f}", f"{alt:,.0f}", f"{e.speed_m_s:,.1f}", f"{e.mach:.2f}",
                  f"{e.dynamic_pressure_pa:,.0f}", f"{e.g_load:.2f}")
    console.print(t)
    p = result.peaks
    console.print(f"peak deceleration {p['deceleration_g']:.2f} g at {p['deceleration_time_s']:.1f} s; "
                  f"peak dynamic pressure {p['dynamic_pressure_pa']:,.0f} Pa; "
                  f"peak heat rate {p['heat_rate_w_cm2']:.0f} W/cm² (Sutton–Graves, stagnation point)")
    td = result.touchdown
    if td is not None:
        console.print(f"touchdown at {td.time_s:.1f} s, {td.lat_deg:.5f}°, {td.lon_deg:.5f}°: "
                      f"{td.vertical_speed_m_s:.2f} m/s down, {td.horizontal_speed_m_s:.2f} m/s across, "
                      f"[bold]{td.miss_distance_m:,.0f} m[/] from the target")
    # the vehicle reached the ground without landing: its wreck is on the impact list (measured from the target)
    crash = next((i for i in result.impacts if i.body == result.body_names[0]), None)
    if td is None and crash is not None:
        console.print(f"[bold red]no landing[/]: the vehicle hit the ground at {crash.time_s:.1f} s, "
                      f"{crash.lat_deg:.5f}°, {crash.lon_deg:.5f}°, at [bold]{crash.speed_m_s:,.1f} m/s[/] "
                      f"({crash.speed_km_h:,.0f} km/h), {crash.distance_from_rover_m:,.0f} m from the target")
    origin = "the rover" if td is not None else "the target"
    d = Table(title=f"Debris field (impacts; distance and bearing from {origin})", title_justify="left")
    for col in ("body", "t (s)", "lat (°)", "lon (°)", "dist (m)", "brg (°)", "m/s", "km/h", "KE (MJ)"):
        d.add_column(col, justify="left" if col == "body" else "right", no_wrap=col == "body")
    for i in result.impacts:
        d.add_row(i.body, f"{i.time_s:.1f}", f"{i.lat_deg:.4f}", f"{i.lon_deg:.4f}",
                  f"{i.distance_from_rover_m:,.0f}", f"{i.bearing_from_rover_deg:.0f}", f"{i.speed_m_s:,.1f}",
                  f"{i.speed_km_h:,.0f}", f"{i.kinetic_energy_j / 1e6:,.2f}")
    console.print(d)
