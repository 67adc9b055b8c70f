"""Draw a parachute canopy pattern as the Disk-Gap-Band parachute looks from below (SVG text or a PNG image).

Geometry (flat construction pattern, radii as fractions of the nominal diameter D0). The Viking-type DGB used
on every US Mars lander has vent 0.07 D0, disk 0.726 D0, gap 0.042 D0 and band 0.121 D0 (e.g. Tianwen-1 DGB,
"Analysis and Verification of Aerodynamic Characteristics of Tianwen-1 Mars Parachute", Space: Science &
Technology 2022, Table 3: D0 15.96 m, vent 1.12 m, disk 11.53 m, gap 0.69 m, band 1.94 m — the same ratios as
Viking/MSL/Mars 2020). Seen from below, the disk is a circle of radius 0.361 D0 with the vent hole of radius
0.035 D0; the gap and the band are drawn laid flat outside it (gap 0.361..0.404 D0, band 0.404..0.525 D0).
The disk's panel rings are drawn with equal radial widths (the panel layout of the Mars 2020 disk is not
published; the photo shows roughly equal rings).

Convention (shared with :mod:`marsedl.chute.canopy`): ring 0 is the innermost disk ring; gore 0 starts at
12 o'clock and gore indices increase clockwise as seen from below. ``view="above"`` is the mirror image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from marsedl.errors import MarsEDLError

__all__ = ["ring_radii", "gore_polygon", "to_svg", "to_image", "save", "UNKNOWN_COLOUR"]

# Viking-type DGB proportions (source in the module docstring), as fractions of the nominal diameter D0.
VENT_RADIUS_D0 = 0.07 / 2
DISK_RADIUS_D0 = 0.722 / 2
GAP_HEIGHT_D0 = 0.043
BAND_HEIGHT_D0 = 0.121

UNKNOWN_COLOUR = "#8c8c8c"
SEAM_COLOUR = "#3a3a3a"
_ARC_STEPS_PER_GORE = 4
_SUPERSAMPLE = 3


def _bits_and_band(canopy: Any) -> tuple[np.ndarray, bool]:
    """Accept a Canopy (``.bits``, ``.band``) or a bare (rings, gores) array (band when >= 4 rings)."""
    if hasattr(canopy, "bits"):
        bits = np.asarray(canopy.bits)
        band = bool(getattr(canopy, "band", False))
    else:
        try:
            bits = np.asarray(canopy)
        except (TypeError, ValueError) as exc:  # ragged or not numbers: the user's; anything else is a bug
            raise MarsEDLError(f"canopy: cannot read bits ({exc})") from None
        band = bits.ndim == 2 and bits.shape[0] >= 4
    if bits.ndim != 2 or bits.shape[0] < 1 or bits.shape[1] < 3:
        raise MarsEDLError(f"canopy bits: need a (rings, gores) array with >= 1 ring and >= 3 gores, got "
                           f"shape {bits.shape}")
    if not np.isin(bits, (-1, 0, 1)).all():
        raise MarsEDLError("canopy bits: values must be 1 (coloured), 0 (white) or -1 (unknown)")
    return bits.astype(np.int8), band


def ring_radii(n_rings: int, band: bool) -> np.ndarray:
    """Inner and outer radius of each ring, as fractions of the canopy's outer radius.

    Parameters
    ----------
    n_rings : int
        Number of rings (disk rings plus the band when ``band``).
    band : bool
        True when the last ring is the band, outside the open gap.

    Returns
    -------
    numpy.ndarray
        Shape (n_rings, 2): [inner, outer] radius of each ring, 1.0 = outer edge of the drawing.
    """
    n_disk = n_rings - 1 if band else n_rings
    outer = DISK_RADIUS_D0 + GAP_HEIGHT_D0 + BAND_HEIGHT_D0 if band else DISK_RADIUS_D0
    edges = np.linspace(VENT_RADIUS_D0, DISK_RADIUS_D0, n_disk + 1)
    radii = np.column_stack([edges[:-1], edges[1:]])
    if band:
        band_ring = np.array([[DISK_RADIUS_D0 + GAP_HEIGHT_D0, outer]])
        radii = np.vstack([radii, band_ring]) if n_disk else band_ring
    return radii / outer


def gore_polygon(r_in: float, r_out: float, a0: float, a1: float,
                 steps: int = _ARC_STEPS_PER_GORE) -> np.ndarray:
    """Vertices (k, 2) of an annular sector as (x, y) offsets, angles in rad clockwise from 12 o'clock.

    ``y`` points down (image convention), so increasing angle runs clockwise on screen.
    """
    t = np.linspace(a0, a1, steps + 1)
    outer = np.column_stack([r_out * np.sin(t), -r_out * np.cos(t)])
    inner = np.column_stack([r_in * np.sin(t[::-1]), -r_in * np.cos(t[::-1])])
    return np.vstack([outer, inner])


def _colour(value: Any, field: str) -> tuple[int, int, int, int]:
    try:
        rgba = ImageColor.getrgb(value) if isinstance(value, str) else tuple(int(v) for v in value)
    except (ValueError, TypeError):
        raise MarsEDLError(f"{field}: {value!r} is not a colour (use '#rrggbb' or an (r, g, b) tuple)") \
            from None
    if len(rgba) == 3:
        rgba = (*rgba, 255)
    if len(rgba) != 4 or not all(0 <= c <= 255 for c in rgba):
        raise MarsEDLError(f"{field}: {value!r} is not a colour (components 0..255)")
    return rgba  # type: ignore[return-value]


def _check_view(view: str) -> float:
    if view not in ("below", "above"):
        raise MarsEDLError(f"view: {view!r} must be 'below' or 'above'")
    return 1.0 if view == "below" else -1.0


def _fills(bits: np.ndarray, colours: tuple[Any, Any]) -> dict[int, tuple[int, int, int, int]]:
    if len(colours) != 2:
        raise MarsEDLError("colours: give two colours (coloured, white)")
    return {1: _colour(colours[0], "colours[0]"), 0: _colour(colours[1], "colours[1]"),
            -1: _colour(UNKNOWN_COLOUR, "unknown")}


def _hex(rgba: tuple[int, int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def to_svg(canopy: Any, *, view: str = "below", colours: tuple[Any, Any] = ("#c8102e", "#f4f4f4"),
           size_px: int = 800, show_lines: bool = True) -> str:
    """The canopy as an SVG document (one ``<path class="gore">`` per panel).

    Parameters
    ----------
    canopy : Canopy or array_like
        Object with ``bits`` (rings, gores) int8 (1 coloured, 0 white, -1 unknown) and ``band``; or the bare
        bits array (then the last ring is taken as the band when there are 4 or more rings).
    view : {"below", "above"}
        "below" as the rover's up-look camera sees it (gores clockwise); "above" is its mirror image.
    colours : (coloured, white)
        Fill colours as ``#rrggbb`` strings or RGB tuples; unknown gores are grey.
    size_px : int
        Width and height of the drawing.
    show_lines : bool
        Draw the radial seams (where the suspension lines run) between gores and across the gap.

    Returns
    -------
    str
        The SVG text.
    """
    bits, band = _bits_and_band(canopy)
    sign = _check_view(view)
    fills = _fills(bits, colours)
    size_px = _check_size(size_px)
    n_rings, n_gores = bits.shape
    radii = ring_radii(n_rings, band)
    half = size_px / 2.0
    scale = half * 0.98
    step = 2 * np.pi / n_gores
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_px}" height="{size_px}" '
           f'viewBox="0 0 {size_px} {size_px}">',
           f'<title>Disk-Gap-Band canopy, {n_rings} rings x {n_gores} gores, seen from {view}</title>',
           f'<g stroke="{SEAM_COLOUR if show_lines else "none"}" stroke-width="{0.6 if show_lines else 0}">']
    for ring in range(n_rings):
        r_in, r_out = radii[ring] * scale
        for gore in range(n_gores):
            a0, a1 = gore * step, (gore + 1) * step
            p = [(half + sign * r * np.sin(a), half - r * np.cos(a)) for r, a in
                 ((r_out, a0), (r_out, a1), (r_in, a1), (r_in, a0))]
            sweep_out, sweep_in = (1, 0) if sign > 0 else (0, 1)
            d = (f"M{p[0][0]:.2f},{p[0][1]:.2f} A{r_out:.2f},{r_out:.2f} 0 0 {sweep_out} {p[1][0]:.2f},"
                 f"{p[1][1]:.2f} L{p[2][0]:.2f},{p[2][1]:.2f} A{r_in:.2f},{r_in:.2f} 0 0 {sweep_in} "
                 f"{p[3][0]:.2f},{p[3][1]:.2f} Z")
            bit = int(bits[ring, gore])
            out.append(f'<path class="gore" data-ring="{ring}" data-gore="{gore}" data-bit="{bit}" '
                       f'fill="{_hex(fills[bit])}" d="{d}"/>')
    out.append("</g>")
    if show_lines and band and n_rings > 1:
        r0, r1 = radii[-2, 1] * scale, radii[-1, 0] * scale
        a = np.arange(n_gores) * step
        out.append(f'<g stroke="{SEAM_COLOUR}" stroke-width="0.6">')
        out.extend(f'<line class="line" x1="{half + sign * r0 * np.sin(t):.2f}" '
                   f'y1="{half - r0 * np.cos(t):.2f}" x2="{half + sign * r1 * np.sin(t):.2f}" '
                   f'y2="{half - r1 * np.cos(t):.2f}"/>' for t in a)
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _check_size(size_px: Any) -> int:
    try:
        size = int(size_px)
    except (TypeError, ValueError):
        raise MarsEDLError(f"size_px: {size_px!r} must be an integer 32..8000") from None
    if not 32 <= size <= 8000:
        raise MarsEDLError(f"size_px: {size} must be 32..8000")
    return size


def to_image(canopy: Any, *, view: str = "below", colours: tuple[Any, Any] = ("#c8102e", "#f4f4f4"),
             size_px: int = 800, background: Any = (0, 0, 0, 0), show_lines: bool = True) -> Image.Image:
    """The canopy as an anti-aliased RGBA Pillow image (polygons drawn supersampled, then reduced).

    Parameters are those of :func:`to_svg`, plus ``background`` (RGBA tuple or colour string; the vent and the
    gap show it).

    Returns
    -------
    PIL.Image.Image
        ``size_px`` x ``size_px`` RGBA image; centre of the canopy at the image centre, outer edge at 0.98 of
        the half-width.
    """
    bits, band = _bits_and_band(canopy)
    sign = _check_view(view)
    fills = _fills(bits, colours)
    size_px = _check_size(size_px)
    bg = _colour(background, "background")
    n_rings, n_gores = bits.shape
    big = size_px * _SUPERSAMPLE
    half = big / 2.0
    scale = half * 0.98
    radii = ring_radii(n_rings, band) * scale
    step = 2 * np.pi / n_gores
    img = Image.new("RGBA", (big, big), bg)
    draw = ImageDraw.Draw(img)
    seam = _colour(SEAM_COLOUR, "seam")
    seam_w = max(1, round(big / 900))
    for ring in range(n_rings):
        r_in, r_out = radii[ring]
        for gore in range(n_gores):
            poly = gore_polygon(r_in, r_out, gore * step, (gore + 1) * step)
            xy = np.column_stack([half + sign * poly[:, 0], half + poly[:, 1]])
            draw.polygon([tuple(v) for v in xy], fill=fills[int(bits[ring, gore])])
    if show_lines:
        a = np.arange(n_gores) * step
        r0, r1 = radii[0, 0], radii[-1, 1]
        for t in a:
            draw.line([(half + sign * r0 * np.sin(t), half - r0 * np.cos(t)),
                       (half + sign * r1 * np.sin(t), half - r1 * np.cos(t))], fill=seam, width=seam_w)
    return img.resize((size_px, size_px), Image.Resampling.LANCZOS)


def save(canopy: Any, path: str | Path, **kw: Any) -> Path:
    """Write the canopy drawing to ``path``: ``.svg`` → :func:`to_svg`, ``.png`` → :func:`to_image`.

    Keyword arguments are passed on. Returns the path written. Raises MarsEDLError for another suffix or a
    path that cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise MarsEDLError(f"{path}: unsupported suffix {path.suffix!r} (use .svg or .png)")
    try:
        if suffix == ".svg":
            path.write_text(to_svg(canopy, **kw), encoding="utf-8")
        else:
            to_image(canopy, **kw).save(path, format="PNG")
    except OSError as exc:
        raise MarsEDLError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path
