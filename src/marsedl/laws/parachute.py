"""Parachute inflation."""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import LEAF


@njit(**LEAF)
def inflation_fraction(t_since_line_stretch, inflation_time, exponent):
    """Fraction of its steady drag area a canopy has after line stretch: ``clip(t / t_inf, 0, 1) ** n``.

    ``t_since_line_stretch`` (s; negative before line stretch gives 0), ``inflation_time`` t_inf (s, > 0), the
    power-law ``exponent`` n (the presets' value and its reason are in their parachute section).
    """
    tau = np.minimum(np.maximum(t_since_line_stretch / inflation_time, 0.0), 1.0)
    return tau ** exponent
