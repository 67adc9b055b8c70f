"""Draw the synthetic hazard map shipped in ``examples/``: random craters and rock fields, NOT Jezero's terrain.

A seeded, made-up raster for the tests and the README's terrain-relative navigation example (marsedl.trn): white
cells are safe, black ones unsafe. It covers 12 x 12 km around the mars2020 preset's target at 20 m a pixel (600 x
600 pixels), so the whole 99 % touchdown ellipse lies on it. Craters: a random population with a power-law size
distribution, their rims and steep inner walls unsafe (their flat floors safe); rock fields: clusters of unsafe
blobs. About a third of the map is unsafe (the script prints the share).

    python scripts/make_hazard_map.py            # writes examples/synthetic_hazard_map.png and its .bounds.toml
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 20210218
PIXEL_M = 20.0
SIZE_PX = 600
TARGET_LAT_DEG, TARGET_LON_DEG = 18.4447, 77.4508  # the mars2020 preset's target (PK)
RADIUS_M = 3394507.0 - 2569.9  # ground radius at the target: areoid radius + ground height (mars2020 preset)
OUT = Path(__file__).resolve().parent.parent / "examples" / "synthetic_hazard_map.png"


def _disk_window(n: int, cy: float, cx: float, r: float) -> tuple[slice, slice, np.ndarray, np.ndarray]:
    """The map's rows/columns within ``r`` pixels of a centre, and their distances' y/x components."""
    r0, r1 = max(int(cy - r) - 1, 0), min(int(cy + r) + 2, n)
    c0, c1 = max(int(cx - r) - 1, 0), min(int(cx + r) + 2, n)
    r1, c1 = max(r1, r0), max(c1, c0)  # a centre off the map: an empty window
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(float)
    return slice(r0, r1), slice(c0, c1), yy - cy, xx - cx


def draw(rng: np.random.Generator) -> np.ndarray:
    """The safe cells, ``(SIZE_PX, SIZE_PX)`` bool, row 0 north."""
    n = SIZE_PX
    unsafe = np.zeros((n, n), dtype=bool)
    # craters: radius 60-600 m, density falling as r^-2; rim and walls unsafe from 0.6 r to 1.3 r
    for _ in range(700):
        r = 60.0 / math.sqrt(1.0 - rng.uniform(0.0, 0.99)) / PIXEL_M
        cy, cx = rng.uniform(-r, n + r, 2)
        if cy + 1.3 * r < 0 or cx + 1.3 * r < 0 or cy - 1.3 * r >= n or cx - 1.3 * r >= n:
            continue
        rs, cs, dy, dx = _disk_window(n, cy, cx, 1.3 * r)
        d = np.hypot(dy, dx)
        unsafe[rs, cs] |= (d > 0.6 * r) & (d < 1.3 * r)
    # rock fields: 250 clusters of 40 blobs each, 20-80 m across
    for _ in range(250):
        cy, cx = rng.uniform(0, n, 2)
        spread = rng.uniform(3.0, 15.0)
        for by, bx in rng.normal((cy, cx), spread, (40, 2)):
            br = rng.uniform(0.5, 2.0)
            rs, cs, dy, dx = _disk_window(n, by, bx, br)
            unsafe[rs, cs] |= np.hypot(dy, dx) < br
    return ~unsafe


def bounds() -> dict[str, float]:
    half = SIZE_PX * PIXEL_M / 2
    dlat = math.degrees(half / RADIUS_M)
    dlon = math.degrees(half / (RADIUS_M * math.cos(math.radians(TARGET_LAT_DEG))))
    return {"north_lat_deg": round(TARGET_LAT_DEG + dlat, 6), "south_lat_deg": round(TARGET_LAT_DEG - dlat, 6),
            "west_lon_deg": round(TARGET_LON_DEG - dlon, 6), "east_lon_deg": round(TARGET_LON_DEG + dlon, 6)}


def main() -> None:
    safe = draw(np.random.default_rng(SEED))
    Image.fromarray(np.where(safe, 255, 0).astype(np.uint8), mode="L").save(OUT, optimize=True)
    lines = [f"# Bounds of {OUT.name}: a SYNTHETIC hazard map (random craters and rock fields drawn by",
             f"# scripts/make_hazard_map.py, seed {SEED}), not Jezero's terrain. {SIZE_PX} x {SIZE_PX} pixels of "
             f"{PIXEL_M:g} m,", "# centred on the mars2020 preset's target. Outer edges of the corner pixels, "
             "planetocentric degrees, east positive."]
    lines += [f"{k} = {v}" for k, v in bounds().items()]
    OUT.with_name(OUT.stem + ".bounds.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {safe.mean():.1%} safe")


if __name__ == "__main__":
    main()
