"""Each ring's own centre in the image, from the periodicity of its gore edges.

The outline ellipse (:mod:`marsedl.chute.ellipse_fit`) is centred on the band's outer edge, but the rings need
not share that centre in the image: the canopy is a dome, so an oblique view shifts the inner rings sideways
(they lie at another depth); a composite of several frames may not register its rings exactly; and in a small
image the outline's fit is off by a pixel or two, which is a large angle at the inner ring's radius. A centre
off by ``d`` makes the gore edges drift in phase around a ring of radius ``r`` by up to ``d / r`` radians
(several gores in a small image) and moves the ring's boundaries; the gores are then read from the wrong places.

For each ring, the edge signal (the colour gradient magnitude) is correlated with the complex template
``exp(-i G theta)`` over the ring's annulus (the outline's shape scaled to the ring, ``theta`` the angle around
the candidate centre): the modulus of that correlation is large where the gore edges, seen from the candidate
centre, repeat ``G`` times per turn with one phase all round. One FFT correlation gives it for every candidate
centre at once. The image is resampled so that a gore at the ring's middle spans about ``_PX_PER_GORE``
samples (so the cost does not grow with the photo), and the peak is located below the sample by a parabola.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

from marsedl.chute.photo import _features

_PX_PER_GORE = 6.0
"""Samples per gore width (at the ring's middle) on the grid where a ring's centre is searched."""
_SEARCH = 0.12
"""Ring centres are searched within this fraction of the outline's minor semi-axis of the outline's centre."""
_GAIN = 1.3
"""A ring's own centre is taken only where its gore edges are this much more coherent than about its outer
neighbour's centre (measured on the small composite: 2.5-3.7 times for its middle and outer rings; synthetic
photos with no offset: below 1.3)."""
_CORE = 0.15
"""The template covers the ring less this fraction of its width at each end (clear of the panels' ends)."""


def _edge_grid(rgb: np.ndarray, cx: float, cy: float, half: float, h: float) -> np.ndarray:
    """Colour-gradient magnitude on a square grid of spacing ``h`` px, ``half`` px either side of (cx, cy)."""
    n = int(np.ceil(half / h))
    offs = np.arange(-n, n + 1) * h
    ys, xs = cy + offs[:, None] + 0 * offs[None, :], cx + offs[None, :] + 0 * offs[:, None]
    coords = [np.clip(ys, 0, rgb.shape[0] - 1).ravel(), np.clip(xs, 0, rgb.shape[1] - 1).ravel()]
    if h > 1.5:  # coarser than the pixels: average the pixels a sample stands for first
        rgb = ndimage.uniform_filter(rgb, size=(int(round(h)), int(round(h)), 1), mode="nearest")
    chans = [ndimage.map_coordinates(rgb[..., k], coords, order=1, mode="nearest").reshape(ys.shape)
             for k in range(3)]
    f = _features(np.stack(chans, -1))
    sig = np.clip(f["red"], -0.3, 0.6) + 0.5 * f["val"]
    gy, gx = np.gradient(sig)
    return np.hypot(gx, gy)


def _ring_offset(rgb: np.ndarray, el: tuple[float, float, float, float, float], r_in: float, r_out: float,
                 gores: int, prior: np.ndarray) -> tuple[np.ndarray, float]:
    """Image offset (px, (dx, dy)) of one ring's centre from the outline's, and the edges' coherence there.

    The peak is taken only if its coherence beats that at ``prior`` (the neighbouring ring's offset) by
    ``_GAIN``; otherwise the ring keeps ``prior`` (a narrow inner ring's weak, noisy peak is no evidence)."""
    cx, cy, a, b, psi = el
    r_mid = 0.5 * (r_in + r_out)
    h = float(np.clip(2 * np.pi * r_mid * b / gores / _PX_PER_GORE, 0.5, 64.0))  # grid spacing, px
    reach = r_out * a + _SEARCH * b + 2 * h
    grid = _edge_grid(rgb, cx, cy, reach, h)
    n_k = int(np.ceil(r_out * a / h)) + 1
    k = np.arange(-n_k, n_k + 1) * h
    kx, ky = k[None, :] + 0 * k[:, None], k[:, None] + 0 * k[None, :]
    u, v = np.array([np.cos(psi), np.sin(psi)]), np.array([-np.sin(psi), np.cos(psi)])
    s = (kx * u[0] + ky * u[1]) / a
    t = (kx * v[0] + ky * v[1]) / b
    qx, qy = s * u[0] + t * v[0], s * u[1] + t * v[1]  # the template pixel in the outline's circle frame
    rho = np.hypot(qx, qy)
    w = r_out - r_in
    mask = (rho > r_in + _CORE * w) & (rho < r_out - _CORE * w)
    theta = np.arctan2(qx, -qy)  # clockwise on screen from 12 o'clock, as in the polar unwrapping
    kern = np.where(mask, np.exp(-1j * gores * theta), 0.0)
    # correlation = convolution with the kernel flipped; 'valid' keeps only centres with the whole annulus
    resp = np.abs(signal.fftconvolve(grid, kern[::-1, ::-1], mode="valid"))
    norm = signal.fftconvolve(grid, mask[::-1, ::-1].astype(float), mode="valid")
    coh = resp / np.maximum(norm, 1e-12)
    m = coh.shape[0] // 2
    off = (np.arange(coh.shape[0]) - m) * h
    allowed = np.hypot(off[None, :], off[:, None]) <= _SEARCH * b
    coh = np.where(allowed, coh, 0.0)
    iy, ix = np.unravel_index(int(np.argmax(coh)), coh.shape)
    jx, jy = (int(np.clip(np.round(prior[k] / h) + m, 0, coh.shape[0] - 1)) for k in (0, 1))
    if coh[iy, ix] < _GAIN * coh[jy, jx]:
        return prior.copy(), float(coh[jy, jx])
    d = np.array([off[ix], off[iy]], dtype=np.float64)
    for axis, (i, along) in enumerate(((ix, coh[iy, :]), (iy, coh[:, ix]))):
        if 0 < i < along.size - 1:  # parabola through the peak and its neighbours
            y0, y1, y2 = along[i - 1], along[i], along[i + 1]
            den = y0 - 2 * y1 + y2
            if den < 0:
                d[axis] += float(np.clip(0.5 * (y0 - y2) / den, -0.5, 0.5)) * h
    return d, float(coh[iy, ix])


def ring_offsets(rgb: np.ndarray, el: tuple[float, float, float, float, float], radii: np.ndarray,
                 gores: int) -> tuple[np.ndarray, np.ndarray]:
    """Each ring's centre offset from the outline's (n_rings, 2) px, and its gore-edge coherence (n_rings,)."""
    offs = np.zeros((radii.shape[0], 2))
    coh = np.zeros(radii.shape[0])
    prior = np.zeros(2)
    for i in np.argsort(-radii.mean(axis=1)):  # outermost first: widest gores, surest peak
        offs[i], coh[i] = _ring_offset(rgb, el, float(radii[i, 0]), float(radii[i, 1]), gores, prior)
        prior = offs[i]
    return offs, coh


def offset_profile(rho: np.ndarray, radii: np.ndarray, offs: np.ndarray) -> np.ndarray:
    """Centre offset (px) at each radius ``rho`` (n_rho, 2): each ring's own at its middle, linear between."""
    mid = radii.mean(axis=1)
    order = np.argsort(mid)
    return np.column_stack([np.interp(rho, mid[order], offs[order, k]) for k in range(2)])
