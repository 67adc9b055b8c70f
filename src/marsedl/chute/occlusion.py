"""Things in front of the canopy, seen through its gap: a white gore along their line may be one of them.

The gap between the disk and the band is a hole in the canopy: through it the camera sees the sky. Anything
else seen in the gap is in front of the canopy. A strap, riser or bundle of lines seen there runs in towards the
confluence near the vent, across the disk at about that angle; where it lies over a coloured gore, the gore
looks white (the strap's own colour), and its tint is too close to the fabric's to tell them apart. So a disk
gore read *white* whose sector overlaps an angle where something covers the gap is not trusted (it is reported
hidden, never guessed); a gore read *coloured* there is kept, as nothing in front of the canopy is the
canopy's orange.

Only objects wider than ``_MIN_WIDTH_GORES`` of a gore at the gap count: single suspension lines are far
narrower, and cover little of any gore.
"""

from __future__ import annotations

import numpy as np

_CORE = 0.2
"""The gap is sampled less this fraction of its radial width at each edge (clear of the blurred fabric edges)."""
_COVER = 0.5
"""An angle is covered when more than half of the gap's radial samples there differ from the sky."""
_CONTRAST = 0.5
"""A gap sample differs from the sky when its colour is further from the sky's (the gap's median colour) than
half the distance from the sky to the canopy's white."""
_MIN_WIDTH_GORES = 0.5
"""Covered stretches narrower than half a gore (suspension lines, noise) are ignored."""


def covered_angles(pol: dict[str, np.ndarray], gap: tuple[float, float], gores: int) -> np.ndarray:
    """Boolean per polar angle of ``pol``: something other than the sky fills the gap there.

    ``pol``: the polar unwrapping (:func:`marsedl.chute.gores._polar`, with ``v_ref``, the canopy white's
    brightness); ``gap``: its inner and outer radius (fractions of the outline).
    """
    rho, theta = pol["rho"], pol["theta"]
    covered = np.zeros(theta.size, dtype=bool)
    lo, hi = gap
    if not np.isfinite(lo) or not np.isfinite(hi) or hi <= lo:
        return covered
    w = hi - lo
    rows = (rho > lo + _CORE * w) & (rho < hi - _CORE * w)
    if rows.sum() < 1:
        return covered
    rgb = pol["rgb"][rows]
    inside = pol["inside"][rows]
    if inside.mean() < 0.5:
        return covered
    sky = np.median(rgb[inside], axis=0)
    white = np.full(3, float(pol["v_ref"]))
    reach = float(np.max(np.abs(white - sky)))
    if reach <= 0:
        return covered
    differs = (np.max(np.abs(rgb - sky), axis=-1) > _CONTRAST * reach) & inside
    covered = differs.mean(axis=0) > _COVER
    # drop runs narrower than half a gore (around the circle)
    min_run = _MIN_WIDTH_GORES * theta.size / gores
    return covered & (_run_lengths(covered) >= min_run)


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """For each element of a circular boolean array, the length of the run of True it belongs to (0 if False)."""
    n = mask.size
    if mask.all():
        return np.full(n, n)
    if not mask.any():
        return np.zeros(n, dtype=int)
    shift = int(np.argmin(mask))  # start the scan at a False, so no run wraps around the end
    m = np.roll(mask, -shift)
    out = np.zeros(n, dtype=int)
    i = 0
    while i < n:
        if m[i]:
            j = i
            while j < n and m[j]:
                j += 1
            out[i:j] = j - i
            i = j
        else:
            i += 1
    return np.roll(out, shift)


def behind_cover(covered: np.ndarray, theta: np.ndarray, centres: np.ndarray, gores: int) -> np.ndarray:
    """Boolean (n_rings, gores): the gore's angular span (half a gore either side of its centre) overlaps a
    covered angle."""
    if not covered.any():
        return np.zeros(centres.shape, dtype=bool)
    n = theta.size
    dth = 2 * np.pi / n
    cum = np.concatenate([[0], np.cumsum(np.tile(covered.astype(int), 3))])
    half = np.pi / gores
    a = np.mod(centres - half, 2 * np.pi) + 2 * np.pi  # into the middle copy
    i0 = np.floor(a / dth).astype(int)
    i1 = np.floor((a + 2 * half) / dth).astype(int)
    return (cum[i1 + 1] - cum[i0]) > 0
