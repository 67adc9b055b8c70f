"""A photograph loaded for reading: bounded in size (refused or reduced on load) and turned into colour features.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from marsedl.errors import MarsEDLError
from marsedl.image_file import open_image

_MAX_SIDE = 1600
"""Photos are read at up to 1,600 px on their longer side (larger ones are reduced on load)."""
_MAX_PIXELS = 64_000_000
"""Declared sizes above 64 Mpx are refused before decoding (memory stays bounded)."""


# ----------------------------------------------------------------------------------------------- input


def load_rgb(image: Any) -> tuple[np.ndarray, str]:
    """The image as float RGB in [0, 1] (H, W, 3), plus a name for messages.

    Memory stays bounded whatever the file claims: a declared size above ``_MAX_PIXELS`` is refused before
    any pixel is decoded, and a photo whose longer side exceeds ``_MAX_SIDE`` is reduced on load (JPEG:
    decoded at reduced scale with ``Image.draft``; others: ``Image.reduce`` by a whole factor), since the
    canopy's gores are read as fine at that size.
    """
    name = "image"
    if isinstance(image, (str, Path)):
        name = str(image)
        image = open_image(image, f"photo '{name}'", max_pixels=_MAX_PIXELS, mode="RGB", draft_side=_MAX_SIDE)
    if isinstance(image, Image.Image):
        if image.width * image.height > _MAX_PIXELS:
            raise MarsEDLError(f"{name}: image is {image.width}x{image.height} px; the reader takes up to "
                               f"{_MAX_PIXELS / 1e6:.0f} Mpx")
        arr = np.asarray(_reduced(image.convert("RGB")), dtype=np.float32) / np.float32(255.0)
    elif isinstance(image, np.ndarray):
        arr = np.asarray(image)
        if arr.ndim == 2:
            arr = arr[..., None]
        if arr.ndim != 3 or arr.shape[-1] not in (1, 3, 4):
            raise MarsEDLError(f"{name}: array must be (H, W), (H, W, 3) or (H, W, 4), got {arr.shape}")
        if arr.shape[0] * arr.shape[1] > _MAX_PIXELS:
            raise MarsEDLError(f"{name}: image is {arr.shape[1]}x{arr.shape[0]} px; the reader takes up to "
                               f"{_MAX_PIXELS / 1e6:.0f} Mpx")
        if arr.dtype.kind not in "fiub":
            raise MarsEDLError(f"{name}: array of {arr.dtype} is not an image")
        step = int(np.ceil(max(arr.shape[:2]) / _MAX_SIDE))
        if step > 1:
            arr = arr[::step, ::step]
        arr = np.repeat(arr[..., :1], 3, axis=-1) if arr.shape[-1] == 1 else arr[..., :3]
        arr = arr.astype(np.float32)
        if arr.size and np.nanmax(arr) > 1.0:
            arr = arr / np.float32(255.0)
    else:
        raise MarsEDLError(f"{name}: expected a path, a PIL image or a numpy array, "
                           f"got {type(image).__name__}")
    if arr.shape[0] < 32 or arr.shape[1] < 32:
        raise MarsEDLError(f"{name}: image is {arr.shape[1]}x{arr.shape[0]} px, need at least 32x32")
    if not np.isfinite(arr).all():
        raise MarsEDLError(f"{name}: image has NaN or infinite values")
    return np.clip(arr, 0.0, 1.0, out=arr), name


def _reduced(im: Image.Image) -> Image.Image:
    """``im`` shrunk by the smallest whole factor that brings its longer side to ``_MAX_SIDE`` or less."""
    factor = int(np.ceil(max(im.size) / _MAX_SIDE))
    return im.reduce(factor) if factor > 1 else im


def _features(rgb: np.ndarray) -> dict[str, np.ndarray]:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    gb = np.maximum(g, b)  # elementwise: much faster than a reduction over the 3-wide channel axis
    mx = np.maximum(r, gb)
    mn = np.minimum(r, np.minimum(g, b))
    red = (r - gb) / (mx + 0.05)
    sat = (mx - mn) / (mx + 0.05)
    return {"red": red, "val": mx, "sat": sat}
