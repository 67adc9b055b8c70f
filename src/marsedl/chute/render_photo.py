"""Make photo-like test images of a canopy: what an up-look camera might see, with the usual nuisances.

Starting from :func:`marsedl.chute.draw.to_image`, the canopy is rotated, optionally mirrored, squashed by an
oblique view (a circle seen at tilt ``t`` is an ellipse with axis ratio cos t), placed on a dim sky gradient,
optionally partly hidden by a dark polygon (like the backshell hardware), lit unevenly, blurred, given noise
and JPEG compression. Used by the reader's tests and benchmarks; users can make their own test images.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from marsedl.chute.draw import to_image
from marsedl.errors import MarsEDLError

__all__ = ["PhotoSpec", "render_photo"]


@dataclass(frozen=True)
class PhotoSpec:
    """What :func:`render_photo` did: the truth a reader can be checked against."""

    rotation_deg: float
    mirrored: bool
    tilt_deg: float
    tilt_axis_deg: float
    centre_px: tuple[float, float]
    radius_px: float
    occluder: tuple[tuple[float, float], ...] | None


def render_photo(canopy: Any, *, seed: int = 0, size_px: tuple[int, int] = (900, 720), canopy_px: int = 560,
                 max_tilt_deg: float = 35.0, mirror: bool | None = None, occlude: bool = False,
                 noise_sigma: float = 0.02, blur_px: float = 0.8, jpeg_quality: int | None = 70
                 ) -> tuple[Image.Image, PhotoSpec]:
    """Render ``canopy`` as a photo-like RGB image.

    Parameters
    ----------
    canopy : Canopy
        The pattern to draw (see :mod:`marsedl.chute.draw`).
    seed : int
        Seed of the random draws (rotation, tilt, background, occluder, noise).
    size_px : (width, height)
        Image size.
    canopy_px : int
        Diameter of the canopy's outline before the oblique squash.
    max_tilt_deg : float
        Upper bound of the random viewing tilt, 0..60 degrees.
    mirror : bool or None
        Mirror the picture (as if seen from above); None draws it at random.
    occlude : bool
        Hide part of the canopy's rim and disk behind a dark polygon.
    noise_sigma : float
        Standard deviation of the Gaussian pixel noise (fraction of full scale).
    blur_px : float
        Gaussian blur radius in pixels (0 for none).
    jpeg_quality : int or None
        JPEG round trip at this quality (1..95); None skips it.

    Returns
    -------
    (PIL.Image.Image, PhotoSpec)
        The RGB image and what was done to it.
    """
    if not 0.0 <= max_tilt_deg <= 60.0:
        raise MarsEDLError(f"max_tilt_deg: {max_tilt_deg} must be 0..60")
    if jpeg_quality is not None and not 1 <= jpeg_quality <= 95:
        raise MarsEDLError(f"jpeg_quality: {jpeg_quality} must be 1..95")
    w, h = int(size_px[0]), int(size_px[1])
    if not (64 <= canopy_px <= min(w, h)):
        raise MarsEDLError(f"canopy_px: {canopy_px} must be 64..{min(w, h)} (the smaller image side)")
    rng = np.random.default_rng(seed)
    rotation = float(rng.uniform(0, 360))
    mirrored = bool(rng.random() < 0.5) if mirror is None else bool(mirror)
    tilt = float(rng.uniform(0, max_tilt_deg))
    tilt_axis = float(rng.uniform(0, 180))

    # Canopy sprite: drawn on transparency, mirrored, rotated, then squashed along a random axis.
    sprite = to_image(canopy, size_px=canopy_px, view="above" if mirrored else "below",
                      colours=((196, 38, 44), (236, 238, 246)))
    sprite = sprite.rotate(-rotation, resample=Image.Resampling.BICUBIC)
    squash = np.cos(np.radians(tilt))
    sprite = sprite.rotate(tilt_axis, resample=Image.Resampling.BICUBIC)
    sprite = sprite.resize((canopy_px, max(8, int(round(canopy_px * squash)))), Image.Resampling.LANCZOS)
    sprite = sprite.rotate(-tilt_axis, resample=Image.Resampling.BICUBIC, expand=True)

    # Sky: a dim bluish-grey gradient with low-frequency mottling (no red, never as bright as the fabric).
    yy, xx = np.mgrid[0:h, 0:w] / max(w, h)
    g = rng.uniform(-1, 1, 2)
    base = np.array([0.10, 0.11, 0.16]) * rng.uniform(0.6, 1.6)
    ramp = 0.12 * (g[0] * xx + g[1] * yy)
    mottle = np.asarray(Image.fromarray((rng.random((6, 8)) * 255).astype(np.uint8)).resize(
        (w, h), Image.Resampling.BICUBIC), dtype=float) / 255.0
    sky = base[None, None, :] + (ramp + 0.05 * mottle)[..., None] * np.array([0.8, 0.9, 1.1])
    photo = Image.fromarray((np.clip(sky, 0, 1) * 255).astype(np.uint8), "RGB")

    # Keep the whole canopy in the frame (a reader cannot be asked for what is outside the picture).
    cx = w / 2 + rng.uniform(-1, 1) * min(0.08 * w, max(0.0, (w - sprite.width) / 2))
    cy = h / 2 + rng.uniform(-1, 1) * min(0.08 * h, max(0.0, (h - sprite.height) / 2))
    photo.paste(sprite, (int(round(cx - sprite.width / 2)), int(round(cy - sprite.height / 2))), sprite)

    occluder = None
    if occlude:
        # A dark wedge reaching in from the rim, covering about 1/12 .. 1/8 of the circumference.
        r = canopy_px / 2
        a0 = rng.uniform(0, 2 * np.pi)
        half = rng.uniform(np.pi / 12, np.pi / 8)
        depth = rng.uniform(0.55, 0.8)
        pts = [(cx + 1.3 * r * np.cos(a0 - half), cy + 1.3 * r * np.sin(a0 - half)),
               (cx + depth * r * np.cos(a0 - 0.7 * half), cy + depth * r * np.sin(a0 - 0.7 * half)),
               (cx + depth * r * np.cos(a0 + 0.7 * half), cy + depth * r * np.sin(a0 + 0.7 * half)),
               (cx + 1.3 * r * np.cos(a0 + half), cy + 1.3 * r * np.sin(a0 + half))]
        ImageDraw.Draw(photo).polygon(pts, fill=(38, 40, 46))
        occluder = tuple((float(x), float(y)) for x, y in pts)

    arr = np.asarray(photo, dtype=float) / 255.0
    light = 1.0 + rng.uniform(-0.15, 0.15) * (xx - 0.5) * 2 + rng.uniform(-0.15, 0.15) * (yy - 0.5) * 2
    arr = arr * light[..., None]
    photo = Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8), "RGB")
    if blur_px > 0:
        photo = photo.filter(ImageFilter.GaussianBlur(blur_px))
    if noise_sigma > 0:
        arr = np.asarray(photo, dtype=float) / 255.0 + rng.normal(0, noise_sigma, (h, w, 3))
        photo = Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8), "RGB")
    if jpeg_quality is not None:
        buf = io.BytesIO()
        photo.save(buf, format="JPEG", quality=int(jpeg_quality))
        buf.seek(0)
        photo = Image.open(buf).convert("RGB")
    spec = PhotoSpec(rotation, mirrored, tilt, tilt_axis, (float(cx), float(cy)), canopy_px / 2, occluder)
    return photo, spec
