"""How blurred the photo is, measured on its own wide gores, and narrow gores read with that blur undone.

A gore is read from its sector's mean colour. Blur (the lens, resampling, JPEG's halved colour resolution,
a composite's interpolation) spreads each gore's colour into its neighbours; a gore between two of the other
colour keeps only part of its contrast, and under a couple of pixels a fixed threshold misreads it or must
refuse the ring. Instead:

- the blur is measured where it can be seen clearly: on the red/white edges between runs of wide gores (the
  band's or the outer disk ring's, read already), in the red-ness the reader classifies on and across the
  gores (the direction that matters), as the 10-90 % rise of each edge at several radii (median), taken as a
  Gaussian of the same rise. The edge also holds the seams, the gore phase's error and the polar resampling, so
  it overstates the blur;
- a ring of narrow gores is read with that blur undone: each gore's sector mean is the gores' colours mixed by
  a known circular kernel (:func:`gore_kernel`), and the ring's means are solved for the colours jointly
  (:func:`deblurred`). The solve amplifies noise most for alternating gores; where the blur keeps less than
  ``_MIN_GAIN`` of some pattern's contrast the gores stay too small. The solved means then go through the same
  two-level classification as any ring, whose spread is measured on them: the noise the solve amplified makes
  the gores less certain, and a ring where too many sit between the levels is not trusted.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

_RISE_PER_SIGMA = 2.563
"""10-90 % rise of an edge blurred by a Gaussian of standard deviation sigma, in sigmas."""
_MIN_GAIN = 0.25
"""The blur must keep at least a quarter of every gore pattern's contrast (the solve amplifies noise at most
four times): a chosen bound, with the two-level spread measured after the solve deciding the rest."""
_NYQUIST_PX = 1.0
"""Alternating gores of width w repeat every 2 w: sampled at 1 px, w must be at least 1 px (sampling theorem)."""
_MIN_EDGES = 6
"""Edges needed for a blur estimate (the median of fewer is not trusted; the fixed width limit then stands)."""


def edge_sigma_px(pol: dict[str, np.ndarray], radii: np.ndarray, centres: np.ndarray, bits: np.ndarray,
                  ring: int) -> float | None:
    """Gaussian-equivalent blur (px, across the gores) from ring ``ring``'s red/white edges, or None.

    Only edges between two runs of at least two gores each are used (their plateaus give the two levels); the
    10-90 % rise of the ring's mean red-ness across each edge, in image pixels along the ring, divided by
    ``_RISE_PER_SIGMA``; the median over the edges.
    """
    gores = bits.shape[1]
    spacing = 2 * np.pi / gores
    rho, theta = pol["rho"], pol["theta"]
    r_in, r_out = radii[ring]
    rows = (rho > r_in + 0.2 * (r_out - r_in)) & (rho < r_out - 0.2 * (r_out - r_in))
    if not rows.any():
        return None
    inside = pol["inside"][rows]
    red = np.where(inside, np.clip(pol["red"][rows], -0.2, 0.8), np.nan)
    step_rho = max(1, int(np.ceil(rows.sum() / 8)))  # up to 8 radii per edge, each measured on its own
    b = bits[ring]
    t = np.linspace(-1.0, 1.0, 81)  # across the edge, in gores
    rises = []
    for g in range(gores):
        g0, g1, g2, gm = g, (g + 1) % gores, (g + 2) % gores, (g - 1) % gores
        if b[g0] < 0 or b[g1] < 0 or b[g0] == b[g1] or b[gm] != b[g0] or b[g2] != b[g1]:
            continue
        step = np.angle(np.exp(1j * (centres[ring, g1] - centres[ring, g0])))
        edge = centres[ring, g0] + 0.5 * step
        px_per_gore = _px_per_gore(pol, 0.5 * (r_in + r_out), edge, spacing)
        at = np.mod(edge + t * spacing, 2 * np.pi)
        per_row = []
        for prof in red[::step_rho]:
            y = np.interp(at, theta, prof, period=2 * np.pi)
            rise = _rise(y[::-1] if b[g0] == 1 else y, t)
            if rise is not None:
                per_row.append(rise)
        if per_row:
            rises.append(float(np.median(per_row)) * px_per_gore)
    if len(rises) < _MIN_EDGES:
        return None
    return float(np.median(rises)) / _RISE_PER_SIGMA


def _rise(y: np.ndarray, t: np.ndarray) -> float | None:
    """10-90 % rise (in units of ``t``) of a rising edge sampled at ``t`` in [-1, 1], or None if unclear."""
    if not np.isfinite(y).all():
        return None
    lo, hi = y[t <= -0.6].mean(), y[t >= 0.6].mean()
    if hi - lo < 0.1:
        return None
    y = (y - lo) / (hi - lo)
    below = np.nonzero((y < 0.1) & (t < 0.5))[0]
    above = np.nonzero((y > 0.9) & (t > -0.5))[0]
    if not below.size or not above.size:
        return None
    return max(float(t[above[0]] - t[below[-1]]), 0.0)


def _px_per_gore(pol: dict[str, np.ndarray], rho: float, theta: float, spacing: float) -> float:
    """Image distance (px) spanned by one gore along the ring at radius ``rho`` and angle ``theta``."""
    _, _, a, b, psi = pol["ellipse"]
    u = np.array([np.cos(psi), np.sin(psi)])
    v = np.array([-np.sin(psi), np.cos(psi)])

    def point(th: float) -> np.ndarray:
        q = rho * np.array([np.sin(th), -np.cos(th)])
        return a * (q @ u) * u + b * (q @ v) * v

    return float(np.hypot(*(point(theta + 0.5 * spacing) - point(theta - 0.5 * spacing))))


def gore_kernel(width_px: float, sigma_px: float, gores: int) -> np.ndarray:
    """Circular kernel (gores,): the share of gore ``g + d``'s colour in gore ``g``'s sector mean, for gores
    ``width_px`` wide blurred by a Gaussian of ``sigma_px`` (``d`` = 0 at index 0; sums to 1)."""
    x = (np.arange(64) + 0.5) / 64 * width_px - 0.5 * width_px
    k = np.zeros(gores)
    reach = min(gores // 2, int(np.ceil(4 * sigma_px / width_px)) + 1)
    for d in range(-reach, reach + 1):
        lo, hi = (d - 0.5) * width_px, (d + 0.5) * width_px
        k[d % gores] += float(np.mean(ndtr((hi - x) / sigma_px) - ndtr((lo - x) / sigma_px)))
    return k / k.sum()


def solvable(kernel: np.ndarray) -> bool:
    """Whether the blur ``kernel`` keeps at least ``_MIN_GAIN`` of every circular pattern's contrast."""
    return bool(np.abs(np.fft.rfft(kernel)).min() >= _MIN_GAIN)


def deblurred(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Gore means ``x`` (around a ring) with the blur ``kernel`` undone: the circulant least-squares system
    solved exactly by FFT (call only when :func:`solvable`)."""
    return np.fft.irfft(np.fft.rfft(x) / np.fft.rfft(kernel), n=x.size)
