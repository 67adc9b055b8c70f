"""Regenerate the README's figures in docs/figures/ from a fresh nominal mars2020 run.

    python scripts/make_figures.py [--out docs/figures] [--preset mars2020]

Writes canopy.png, altitude_speed.png, loads.png, ground_track.png, landing_site.png, survey.png (the
relocating debris survey of issue 5's example) and, from a small Monte Carlo run (``--mc-n`` cases, seed 7),
landing_ellipse.png, debris_footprints.png and trn_safe_spots.png (the touchdowns on the shipped synthetic hazard
map, without and with terrain-relative navigation's safe-spot selection); when Debian's chromium is installed,
report_screenshot.png (the HTML report opened headless). PNGs are palette-quantised to stay small (< 300 KB each).
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from marsedl.chute import draw, encode
from marsedl.flight import simulate
from marsedl.hazard_map import load_hazard_map
from marsedl.montecarlo import run_montecarlo
from marsedl.report import html, plots
from marsedl.report.common import site_frame
from marsedl.report.html import CANOPY_BAND, CANOPY_WORDS
from marsedl.report.mcrun import open_run
from marsedl.survey import plan_survey, targets_from_impacts

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--virtual-time-budget=8000"]


def shrink(path: Path, colours: int = 128) -> Path:
    """Quantise a PNG to a palette (plots have few colours) so the committed file stays small."""
    with Image.open(path) as im:
        q = im.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    q.save(path, optimize=True)
    return path


def screenshot(report: Path, out: Path, *, width: int = 1366, height: int = 1600) -> Path | None:
    """Open the report in headless Chromium and save a screenshot; None when chromium is absent."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("chromium not found: skipping the report screenshot (apt-get install -y chromium)", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory(prefix="marsedl-chromium-") as profile:
        subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                        f"--screenshot={out}", report.resolve().as_uri()], check=True, capture_output=True,
                       timeout=180)
    return out


HAZARD_MAP = Path(__file__).resolve().parents[1] / "examples" / "synthetic_hazard_map.png"


def safe_spots(n: int) -> Figure:
    """The synthetic hazard map with ``n`` dispersed mars2020 touchdowns (seed 7): without a map, where they come
    down (on an unsafe cell about a third of the time); with it, each moved to the nearest safe cell."""
    hazard = load_hazard_map(HAZARD_MAP)
    runs = {"no map": [], "with the map": [f'trn.hazard_map="{HAZARD_MAP}"']}
    fig = Figure(figsize=(10, 5.2))
    extent = [math.degrees(a) for a in (hazard.west_rad, hazard.east_rad, hazard.south_rad, hazard.north_rad)]
    for ax, (label, overrides) in zip(fig.subplots(1, 2, sharey=True), runs.items(), strict=True):
        df = run_montecarlo("mars2020", n=n, seed=7, overrides=overrides).frame
        lat, lon = df.touchdown_lat_deg.to_numpy(float), df.touchdown_lon_deg.to_numpy(float)
        safe = hazard.is_safe(np.radians(lat), np.radians(lon))
        ax.imshow(hazard.safe, cmap="gray", vmin=0, vmax=1, extent=extent, aspect="auto", interpolation="nearest")
        ax.scatter(lon[safe], lat[safe], s=6, c="tab:green", label=f"on a safe cell ({safe.sum()})")
        ax.scatter(lon[~safe], lat[~safe], s=6, c="tab:red", label=f"on an unsafe cell ({(~safe).sum()})")
        ax.set_title(f"{label}: {n} touchdowns", fontsize=10)
        ax.set_xlabel("longitude (°E)")
        ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    fig.axes[0].set_ylabel("latitude (°N)")
    fig.suptitle("Terrain-relative navigation on a SYNTHETIC hazard map (white safe, black unsafe; not Jezero)",
                 fontsize=11)
    return fig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "figures")
    ap.add_argument("--preset", default="mars2020")
    ap.add_argument("--mc-n", type=int, default=200, help="cases of the Monte Carlo run for the ellipse figures")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    written = [draw.save(encode(CANOPY_WORDS, band=CANOPY_BAND), out / "canopy.png", size_px=480)]
    result = simulate(args.preset, record=True)
    for stem, fn in (("altitude_speed", plots.altitude_speed), ("loads", plots.loads),
                     ("ground_track", plots.ground_track), ("landing_site", plots.landing_site)):
        written.append(plots.save(fn(result), out / f"{stem}.png", dpi=80))
    frame = site_frame(result)
    plan = plan_survey(targets_from_impacts(result.impacts, frame.lat_deg, frame.lon_deg, frame.radius_m),
                       altitude_m=10.0, fov_deg=47.0, max_sortie_m=625.0)
    written.append(plots.save(plots.survey_map(plan, title="Debris survey: relocating flights of up to 625 m"),
                              out / "survey.png", dpi=80))
    with tempfile.TemporaryDirectory() as tmp:
        run_montecarlo(args.preset, n=args.mc_n, seed=7, out=Path(tmp) / "mc")
        mc = open_run(Path(tmp) / "mc")
        written.append(plots.save(plots.landing_ellipse(mc), out / "landing_ellipse.png", dpi=80))
        written.append(plots.save(plots.debris_footprints(mc), out / "debris_footprints.png", dpi=80))
    written.append(plots.save(safe_spots(args.mc_n), out / "trn_safe_spots.png", dpi=80))
    with tempfile.TemporaryDirectory() as tmp:
        report = html.write(html.render_nominal(result), Path(tmp) / "report.html")
        shot = screenshot(report, out / "report_screenshot.png")
        if shot is not None:
            written.append(shot)
    for p in written:
        shrink(p)
        print(f"{p}  {p.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
