"""Read a user's hazard map for terrain-relative navigation (:mod:`marsedl.trn`): a PNG and its bounds.

The map is a PNG of safe and unsafe cells: a pixel at least half-bright (grey level 128 or more, after Pillow's
conversion to greyscale) is safe, a darker one unsafe. Row 0 is the north edge, column 0 the west edge; the
pixels are equal steps of latitude and of longitude between the bounds, which are the outer edges of the
corner pixels (planetocentric degrees, east positive). The bounds are given in the preset (``[trn.bounds]``) or,
when the preset gives none, in a sidecar file next to the map, ``<name>.bounds.toml``, with the same four keys::

    north_lat_deg = 18.50
    south_lat_deg = 18.39
    west_lon_deg = 77.39
    east_lon_deg = 77.51

GeoTIFF is not read: the usual Mars GeoTIFFs are map-projected (equirectangular or polar, in metres, on a Mars
datum), and reading those right needs a projection library (GDAL/PROJ through rasterio): a heavy dependency for
one raster. The light ``tifffile`` reads only the raw GeoTIFF tags, enough for a latitude/longitude raster alone,
which is what a PNG with bounds already is. Export the map as a PNG with its latitude/longitude bounds instead.

Every problem is a one-line error naming the file (a missing, damaged or oversized map; bad bounds name the
field and the allowed range).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from marsedl.errors import MarsEDLError
from marsedl.image_file import open_image
from marsedl.trn import HazardMap

#: Largest map, in pixels: 4 million (2,000 x 2,000: a 20 km square at 10 m a pixel, about the size of Mars
#: 2020's onboard safe-target map of the whole landing ellipse).
MAX_PIXELS = 4_000_000
#: Largest map file, in bytes (a 4-Mpixel 8-bit PNG that does not compress at all is 4 MB).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: A grey level at least this (0-255) is safe.
SAFE_LEVEL = 128


def sidecar_path(path: str | Path) -> Path:
    """The bounds file that goes with a map: ``site.png`` -> ``site.bounds.toml``."""
    p = Path(path)
    return p.with_name(p.stem + ".bounds.toml")


def read_bounds(path: str | Path):
    """The bounds in a sidecar file (:class:`marsedl.scenario.MapBounds`), with one-line errors naming it."""
    from marsedl.errors import read_text
    from marsedl.preset_data import parse_toml
    from marsedl.scenario import MapBounds, validate_mission

    p = Path(path)
    data = parse_toml(read_text(p, "hazard map bounds"), f"hazard map bounds '{p}'")
    return validate_mission(data, f"hazard map bounds '{p}'", model=MapBounds)


def read_safe_raster(path: str | Path) -> np.ndarray:
    """The PNG's safe cells as a ``(rows, cols)`` bool array, refusing what is not a readable PNG of at most
    :data:`MAX_PIXELS` pixels (checked from the header, before the pixels are decoded)."""
    p = Path(path)
    grey = open_image(p, f"hazard map '{p}'", max_pixels=MAX_PIXELS, mode="L", formats={"PNG"},
                      format_hint="give a PNG (white safe, black unsafe) with its bounds",
                      max_file_bytes=MAX_FILE_BYTES)
    return np.asarray(grey) >= SAFE_LEVEL


def load_hazard_map(path: str | Path, bounds=None) -> HazardMap:
    """Load a hazard map: the PNG at ``path`` (a relative path from the working directory; one in a preset file
    was made relative to that file when it was read, marsedl.preset_data.read_preset) with ``bounds``
    (:class:`marsedl.scenario.MapBounds`), or, when ``bounds`` is None, those of its sidecar file.

    Raises :class:`marsedl.errors.MarsEDLError` in one line naming the file and what is wrong.
    """
    p = Path(path)
    if p.suffix.lower() in (".tif", ".tiff"):
        raise MarsEDLError(f"hazard map '{p}': GeoTIFF is not read (map-projected rasters need GDAL/PROJ); export "
                           "it as a PNG (white safe, black unsafe) and give its latitude/longitude bounds")
    safe = read_safe_raster(p)
    if bounds is None:
        side = sidecar_path(p)
        if not side.exists():
            raise MarsEDLError(f"hazard map '{p}' has no bounds: give [trn.bounds] (north_lat_deg, south_lat_deg, "
                               f"west_lon_deg, east_lon_deg) in the preset, or a sidecar file '{side}'")
        bounds = read_bounds(side)
    return HazardMap(safe=safe, north_rad=math.radians(bounds.north_lat_deg),
                     south_rad=math.radians(bounds.south_lat_deg), west_rad=math.radians(bounds.west_lon_deg),
                     east_rad=math.radians(bounds.east_lon_deg), name=str(p))
