"""Look-ups on uniform grids: where a value falls on a grid, and how a profile is continued beyond its ends."""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import LEAF


@njit(**LEAF)
def grid_cell(h, h_min, dh, n):
    """Cell and fraction of ``h`` on the uniform grid ``h_min + dh k`` (``k < n``) for linear interpolation:
    returns ``(f, t)`` with ``f`` the left node's index as a float (floored, held in ``[0, n - 2]``) and ``t``
    in ``[0, 1]`` (so values beyond the grid's ends are held)."""
    x = (h - h_min) / dh
    f = np.minimum(np.maximum(np.floor(x), 0.0), n - 2.0)
    return f, np.minimum(np.maximum(x - f, 0.0), 1.0)


@njit(**LEAF)
def exponential_extension(h, h_min, h_max, bottom_scale_height, top_scale_height):
    """Log-density (or log-pressure) added beyond a profile's ends: ``(h_min - h) / H_bottom`` below it,
    ``-(h - h_max) / H_top`` above it, 0 inside (an exponential continuation with the end scale heights)."""
    return (np.maximum(h_min - h, 0.0) / bottom_scale_height
            - np.maximum(h - h_max, 0.0) / top_scale_height)
