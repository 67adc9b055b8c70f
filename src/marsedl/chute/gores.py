"""The canopy unwrapped to polar coordinates, its rings and gore edges found, and each gore read from its
whole sector as a probability of being coloured (or unknown, with its reason).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage

from marsedl.chute.blur import _NYQUIST_PX, deblurred, gore_kernel, solvable
from marsedl.chute.photo import _features
from marsedl.errors import MarsEDLError

_N_THETA_PER_GORE = 12
_HARM = 2
"""Harmonics of the smooth gore-phase drift around a ring: a centre error gives the first, an error in the
outline's axis ratio or angle (or a ring less oblique than the outline) the second."""
_RHO_MAX = 1.3
_N_RHO = 520
_MIN_SECTOR_PX2 = 6.0
"""A gore whose sector covers fewer image pixels than this is too small to read."""
_MIN_WIDTH_PX = 2.0
"""A gore whose sector's mean width (its area over its radial length, in image pixels) is under 2 px is read
from its own sector mean only when the photo's blur, measured on its wider gores, can be undone
(:mod:`marsedl.chute.blur`); otherwise it is too small: its colour is mostly its neighbours' blur."""
_MIN_FABRIC = 0.2
"""A gore's sector must be at least 20 % canopy fabric (red or white samples) to be read; otherwise something
is in front of most of it (hardware, lines) or it is in shadow. The gore is read from its fabric samples only,
so a gore half behind the hardware or crossed by suspension lines is read from the part that shows."""
_MAX_BETWEEN = 0.1
"""A ring is not read when more than 10 % of its gores' means lie in the middle half between its white and
coloured levels (measured: 0-7 % on synthetic photos and on the raw up-look frame; 16 % and 11 % on the
small composite's middle ring and band, where a gore phase off by about half a gore misread 9 and 11 gores;
9 % on its outer ring, read without error)."""
_AMBIGUOUS = 0.25
"""A gore whose probability of being coloured lies in (0.25, 0.75) is reported unknown (ambiguous colour)."""


# ----------------------------------------------------------------------------------------------- polar


def _polar(rgb: np.ndarray, el: tuple[float, float, float, float, float], n_theta: int,
           offset: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Unwrap the ellipse to polar samples: rho (fraction of the outer edge) x theta (clockwise on screen).

    ``offset(rho)`` gives the image offset (px, (n_rho, 2)) of the centre at each radius (each ring's own
    centre, :mod:`marsedl.chute.centres`); None: the outline's centre throughout.
    """
    cx, cy, a, b, psi = el
    rho = np.linspace(0.0, _RHO_MAX, _N_RHO)
    theta = (np.arange(n_theta) + 0.5) * 2 * np.pi / n_theta
    qx = rho[:, None] * np.sin(theta)[None, :]
    qy = -rho[:, None] * np.cos(theta)[None, :]
    u = np.array([np.cos(psi), np.sin(psi)])
    v = np.array([-np.sin(psi), np.cos(psi)])
    s = qx * u[0] + qy * u[1]
    t = qx * v[0] + qy * v[1]
    x = cx + a * s * u[0] + b * t * v[0]
    y = cy + a * s * u[1] + b * t * v[1]
    if offset is not None:
        d = offset(rho)
        x += d[:, :1]
        y += d[:, 1:]
    h, w, _ = rgb.shape
    inside = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    pol = _bilinear(rgb, x, y)
    feat = _features(pol)
    feat["rgb"] = pol
    feat["inside"] = inside
    feat["rho"] = rho
    feat["theta"] = theta
    feat["ab"] = a * b
    feat["ellipse"] = el
    return feat


def _bilinear(rgb: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``rgb`` sampled at (x, y) by bilinear interpolation, edges clamped (all three channels in one gather)."""
    h, w, _ = rgb.shape
    x = np.clip(x, 0, w - 1).astype(np.float32)
    y = np.clip(y, 0, h - 1).astype(np.float32)
    x0 = np.minimum(x.astype(np.int32), w - 2) if w > 1 else np.zeros(x.shape, np.int32)
    y0 = np.minimum(y.astype(np.int32), h - 2) if h > 1 else np.zeros(y.shape, np.int32)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    flat = rgb.reshape(-1, 3)
    i00 = y0 * w + x0
    top = flat[i00] * (1 - fx) + flat[i00 + 1] * fx
    bottom = flat[i00 + w] * (1 - fx) + flat[i00 + w + 1] * fx
    return top * (1 - fy) + bottom * fy


def _ellipse_reach(el: tuple[float, float, float, float, float], theta: np.ndarray) -> np.ndarray:
    """Image distance (px) from the centre to the outline at polar angle ``theta`` of :func:`_polar`."""
    _, _, a, b, psi = el
    qx, qy = np.sin(theta), -np.cos(theta)
    s = qx * np.cos(psi) + qy * np.sin(psi)
    t = -qx * np.sin(psi) + qy * np.cos(psi)
    return np.hypot(a * s, b * t)


# ----------------------------------------------------------------------------------------------- rings


def _smooth1(x: np.ndarray, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter1d(x, sigma, mode="nearest")


def _pixel_classes(pol: dict[str, np.ndarray], v_ref: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample red and white masks in the polar image (thresholds relative to the canopy's white level)."""
    red = (pol["red"] > 0.22) & (pol["val"] > 0.08 * v_ref + 0.04)
    white = (pol["red"] < 0.05) & (pol["val"] > 0.42 * v_ref) & (pol["sat"] < 0.5)
    inside = pol["inside"]
    return red & inside, white & inside


def _rings(pol: dict[str, np.ndarray], red: np.ndarray, white: np.ndarray, n_rings: int,
           band: bool | None, name: str) -> tuple[np.ndarray, bool, dict[str, float]]:
    """Inner/outer rho of each ring (n_rings, 2), whether the last ring is the band, and the landmarks."""
    rho = pol["rho"]
    step = rho[1] - rho[0]
    fabric = (red | white).mean(axis=1)
    f = _smooth1(fabric, 0.006 / step)
    level = float(np.percentile(f[(rho > 0.2) & (rho < 0.8)], 75))
    if level < 0.2:
        raise MarsEDLError(f"{name}: no canopy found (too little red or white fabric inside the outline)")
    # Vent: first radius where the fabric reaches half its disk level.
    vent = float(rho[np.argmax(f > 0.5 * level)])
    # Outer edge: last radius (up to _RHO_MAX) where fabric is at half level.
    above = np.nonzero(f > 0.5 * level)[0]
    outer = float(rho[above[-1]])
    # The gap: deepest dip of fabric in the outer part, between fabric on both sides.
    gap = None
    # (inside the outline, which was fitted to the band's outer edge: fabric-like sky beyond it is no band)
    sel = np.nonzero((rho > vent + 0.45 * (outer - vent)) & (rho < min(outer, 1.0) - 0.02))[0]
    if sel.size:
        i_min = sel[np.argmin(f[sel])]
        depth = level - f[i_min]
        outside_fabric = f[i_min:].max() if i_min < f.size else 0.0
        if depth > 0.35 * level and outside_fabric > 0.5 * level:
            half = f[i_min] + 0.5 * (level - f[i_min])
            lo = i_min
            while lo > 0 and f[lo] < half:
                lo -= 1
            hi = i_min
            while hi < f.size - 1 and f[hi] < half:
                hi += 1
            gap = (float(rho[lo]), float(rho[hi]))
    has_band = gap is not None if band is None else bool(band)
    if has_band and gap is None:
        raise MarsEDLError(f"{name}: the band was asked for but no gap (dark ring between disk and band) "
                           "was found")
    n_disk = n_rings - 1 if has_band else n_rings
    if n_disk < 1:
        raise MarsEDLError(f"rings: {n_rings} is too few (need at least 1 disk ring plus the band)")
    disk_out = gap[0] if has_band else outer
    # Disk ring boundaries: where the angular colour pattern changes with radius.
    c = np.clip(pol["red"], -0.3, 0.6) * pol["inside"]
    d = max(1, int(round(0.015 / step)))
    change = np.zeros_like(rho)
    change[d:-d] = np.abs(c[2 * d:] - c[:-2 * d]).mean(axis=1)
    change = _smooth1(change, 0.005 / step)
    edges = [vent]
    width = (disk_out - vent) / n_disk
    for k in range(1, n_disk):
        guess = vent + k * width
        win = np.nonzero(np.abs(rho - guess) < 0.35 * width)[0]
        edges.append(float(rho[win[np.argmax(change[win])]]) if win.size else guess)
    edges.append(disk_out)
    radii = np.column_stack([edges[:-1], edges[1:]])
    if has_band:
        radii = np.vstack([radii, [[gap[1], outer]]])
    marks = {"vent": vent, "outer": outer, "gap_inner": gap[0] if gap else float("nan"),
             "gap_outer": gap[1] if gap else float("nan")}
    return radii, has_band, marks


# ----------------------------------------------------------------------------------------------- gores


def _gore_centres(pol: dict[str, np.ndarray], radii: np.ndarray,
                  gores: int) -> tuple[np.ndarray, float, np.ndarray]:
    """Angle (rad) of each gore's centre in each ring (n_rings, gores), following local phase drifts."""
    rho, theta = pol["rho"], pol["theta"]
    n_theta = theta.size
    dtheta = 2 * np.pi / n_theta
    spacing = 2 * np.pi / gores
    sig = np.clip(pol["red"], -0.3, 0.6) + 0.5 * pol["val"]
    grad = np.abs(np.roll(sig, -1, axis=1) - np.roll(sig, 1, axis=1)) * pol["inside"]
    carrier = np.exp(-1j * gores * theta)
    win = max(3, int(round(n_theta / 10)))  # local phase over ~1/10 turn (8 gores of 80)
    per_ring = []
    total = 0j
    for r_in, r_out in radii:
        rows = (rho > r_in + 0.2 * (r_out - r_in)) & (rho < r_out - 0.2 * (r_out - r_in))
        e = grad[rows].sum(axis=0)
        z = e * carrier
        total += z.sum()
        zs = ndimage.uniform_filter1d(z.real, win, mode="wrap") + 1j * ndimage.uniform_filter1d(
            z.imag, win, mode="wrap")
        per_ring.append(zs)
    p_global = float(-np.angle(total) / gores)
    centres = p_global + (np.arange(gores) + 0.5) * spacing
    idx = np.floor(np.mod(centres, 2 * np.pi) / dtheta).astype(int) % n_theta
    out = np.empty((radii.shape[0], gores))
    score = np.zeros(radii.shape[0])
    tk = np.mod(centres, 2 * np.pi)
    design = np.column_stack([np.ones(gores)] + [f(k * tk) for k in range(1, _HARM + 1)
                                                 for f in (np.cos, np.sin)])
    for i, zs in enumerate(per_ring):
        # Local phase of the gore edges relative to the global phase, as an angle in units of one gore
        # period. A small error in the centre makes it vary as a + b cos(theta) + c sin(theta) (largest in the
        # narrow inner ring), one in the outline's shape adds cos(2 theta) and sin(2 theta): fit that smooth
        # model to the local phase, weighted by edge strength.
        zk = zs[idx] * np.exp(1j * gores * p_global)
        # Two fits: residuals about the mean phase (robust to noisy stretches) and the unwrapped phase
        # (follows larger drifts); keep the one whose model agrees best with the phasors.
        wgt = np.abs(zk) + 1e-12
        mean = np.angle(zk.sum())
        ang = np.angle(zk * np.exp(-1j * mean))
        coef, *_ = np.linalg.lstsq(design[:, 1:] * wgt[:, None], ang * wgt, rcond=None)
        model_a = mean + design[:, 1:] @ coef
        unw = np.unwrap(np.angle(zk))
        unw -= 2 * np.pi * np.round(np.median(unw) / (2 * np.pi))
        coef_b, *_ = np.linalg.lstsq(design * wgt[:, None], unw * wgt, rcond=None)
        model_b = design @ coef_b
        fit_a = float(np.sum(wgt * np.cos(np.angle(zk) - model_a)))
        fit_b = float(np.sum(wgt * np.cos(np.angle(zk) - model_b)))
        off = -(model_a if fit_a >= fit_b else model_b) / gores
        out[i] = centres + off
        score[i] = max(fit_a, fit_b) * (radii[i, 0] + radii[i, 1])
    # The seams run on from ring to ring, so a gore's centre moves by well under half a gore from one ring to
    # the next. Each ring's drift model is only known modulo one gore, and where a ring drifts by more than half
    # a gore (a small, twisted or composite image) its gores would be counted one off there. Start from the
    # ring whose edges are clearest (most edge energy times radius) and bring each other ring, gore by gore, to
    # within half a gore of its neighbour towards it; a gore left near half a gore from its neighbour's is
    # ``seam_jump`` (its place is uncertain).
    jump = np.zeros_like(out)
    ref = int(np.argmax(score))
    for order in (range(ref + 1, out.shape[0]), range(ref - 1, -1, -1)):
        for i in order:
            nbr = i - 1 if i > ref else i + 1
            d = (out[i] - out[nbr]) / spacing
            k = np.round(d)
            out[i] -= k * spacing
            jump[i] = np.abs(d - k)
    return out, p_global, jump


def _half_centres(pol: dict[str, np.ndarray], radii: np.ndarray, centres: np.ndarray,
                  gores: int) -> np.ndarray:
    """Gore centres in the inner and the outer half of each ring (n_rings, 2, gores).

    The seams need not be radial lines about one centre: a dome seen obliquely curves them, and a composite of
    frames taken while the canopy turned twists one radius against another, by a good part of a gore within one
    ring. Each half's edges are compared with the ring's own centres (so a half can move by less than half a
    gore, never slip by a whole one) and the same smooth drift model is fitted to the difference.
    """
    rho, theta = pol["rho"], pol["theta"]
    n_theta = theta.size
    sig = np.clip(pol["red"], -0.3, 0.6) + 0.5 * pol["val"]
    grad = np.abs(np.roll(sig, -1, axis=1) - np.roll(sig, 1, axis=1)) * pol["inside"]
    carrier = np.exp(-1j * gores * theta)
    win = max(3, int(round(n_theta / 10)))
    out = np.repeat(centres[:, None, :], 2, axis=1)
    for i, (r_in, r_out) in enumerate(radii):
        tk = np.mod(centres[i], 2 * np.pi)
        idx = np.floor(tk / (2 * np.pi / n_theta)).astype(int) % n_theta
        design = np.column_stack([np.ones(gores)] + [f(k * tk) for k in range(1, _HARM + 1)
                                                     for f in (np.cos, np.sin)])
        w = r_out - r_in
        for h, (lo, hi) in enumerate(((0.1, 0.5), (0.5, 0.9))):
            rows = (rho > r_in + lo * w) & (rho < r_in + hi * w)
            if rows.sum() < 2:
                continue
            z = grad[rows].sum(axis=0) * carrier
            zs = ndimage.uniform_filter1d(z.real, win, mode="wrap") + 1j * ndimage.uniform_filter1d(
                z.imag, win, mode="wrap")
            zk = -zs[idx] * np.exp(1j * gores * centres[i])  # phase 0: edges half a gore either side
            wgt = np.abs(zk) + 1e-12
            coef, *_ = np.linalg.lstsq(design * wgt[:, None], np.angle(zk) * wgt, rcond=None)
            out[i, h] = centres[i] - np.clip(design @ coef, -0.45 * np.pi, 0.45 * np.pi) / gores
    return out


# ----------------------------------------------------------------------------------------------- classify


def _sector_means(pol: dict[str, np.ndarray], layers: dict[str, np.ndarray], radii: np.ndarray,
                  centres: np.ndarray, gores: int, margin: float = 0.12,
                  fraction: float = 1.0) -> dict[str, np.ndarray]:
    """Area-weighted mean of each layer over every gore's sector, and the sector's area in image pixels.

    A gore's sector runs between its two edges (half a gore either side of its centre) and between the
    ring's inner and outer radius (less ``margin`` of the ring's width at each end, clear of the seams and
    the panels' chevron-shaped ends). The polar samples are finer than the image's pixels (bilinear
    interpolation) and each carries the area it stands for (rho d rho d theta, the ellipse's map being
    affine), so an image pixel counts in proportion to how much of it lies inside the sector; columns cut by
    a gore's edge count by the fraction of the column inside. Layers: (n_rho, n_theta) arrays.
    Returns one (n_rings, gores) array per layer plus ``area_px`` (the sector's area in image pixels, the part
    inside the image), ``width_px`` (its mean width: area over radial length) and ``inside`` (fraction of the
    sector inside the image).
    """
    rho, theta = pol["rho"], pol["theta"]
    n_theta = theta.size
    dth = 2 * np.pi / n_theta
    half = fraction * np.pi / gores
    out = {k: np.zeros(centres.shape) for k in layers}
    out["inside"] = np.zeros(centres.shape)
    inside = pol["inside"].astype(np.float64)
    for i, (r_in, r_out) in enumerate(radii):
        w = r_out - r_in
        rows = (rho >= r_in + margin * w) & (rho <= r_out - margin * w)
        if not rows.any():
            rows = np.abs(rho - 0.5 * (r_in + r_out)) <= np.abs(rho - 0.5 * (r_in + r_out)).min()
        wr = rho[rows][:, None] * inside[rows]  # area weight of each sample, zero outside the image
        wsum = wr.sum(axis=0)  # (n_theta,)
        # cumulative integrals over the column edges, tiled once either side for gores crossing 0 / 2 pi
        e0 = np.mod(centres[i] - half, 2 * np.pi)
        e1 = e0 + 2 * half
        edges = np.arange(3 * n_theta + 1) * dth - 2 * np.pi

        def integral(col: np.ndarray, a: np.ndarray = e0, b: np.ndarray = e1,
                     at: np.ndarray = edges) -> np.ndarray:
            cum = np.concatenate([[0.0], np.cumsum(np.tile(col, 3))])
            return np.interp(b, at, cum) - np.interp(a, at, cum)

        area = integral(wsum)
        full = integral(rho[rows].sum() * np.ones(n_theta))
        out["inside"][i] = area / np.maximum(full, 1e-12)
        for k, layer in layers.items():
            out[k][i] = integral((layer[rows] * wr).sum(axis=0)) / np.maximum(area, 1e-12)
    step = rho[1] - rho[0]
    out["area_px"] = np.zeros(centres.shape)
    out["width_px"] = np.zeros(centres.shape)
    for i, (r_in, r_out) in enumerate(radii):
        r0, r1 = r_in + margin * (r_out - r_in), r_out - margin * (r_out - r_in)
        full_area = 0.5 * (r1 * r1 - r0 * r0 + 2 * step * r1) * 2 * half * pol["ab"]
        out["area_px"][i] = full_area * out["inside"][i]
        # radial length of the sector in the image: the ellipse's radius along the gore's centre line
        out["width_px"][i] = full_area / ((r1 - r0 + step) * _ellipse_reach(pol["ellipse"], centres[i]))
    return out


def _half_sector_means(pol: dict[str, np.ndarray], layers: dict[str, np.ndarray], radii: np.ndarray,
                       halves: np.ndarray, gores: int, margin: float = 0.12,
                       fraction: float = 1.0) -> dict[str, np.ndarray]:
    """:func:`_sector_means` over each gore's whole sector, the inner and the outer half of the ring each
    following its own gore centres (``halves`` (n_rings, 2, gores), :func:`_half_centres`)."""
    w = radii[:, 1] - radii[:, 0]
    mid = radii.mean(axis=1)
    parts = [_sector_means(pol, layers, np.column_stack([radii[:, 0] + margin * w, mid]), halves[:, 0], gores, 0.0,
                           fraction),
             _sector_means(pol, layers, np.column_stack([mid, radii[:, 1] - margin * w]), halves[:, 1], gores, 0.0,
                           fraction)]
    area = parts[0]["area_px"] + parts[1]["area_px"]
    out = {k: (parts[0][k] * parts[0]["area_px"] + parts[1][k] * parts[1]["area_px"]) / np.maximum(area, 1e-12)
           for k in layers}
    out["area_px"] = area
    out["inside"] = 0.5 * (parts[0]["inside"] + parts[1]["inside"])
    out["width_px"] = 0.5 * (parts[0]["width_px"] + parts[1]["width_px"])
    return out


def _two_levels(x: np.ndarray) -> tuple[float, float, float]:
    """White and coloured levels of a ring's gore means (two-means) and their common spread."""
    lo, hi = np.percentile(x, [10, 90])
    for _ in range(10):
        cut = 0.5 * (lo + hi)
        a, b = x[x < cut], x[x >= cut]
        if a.size == 0 or b.size == 0:
            break
        lo, hi = float(np.median(a)), float(np.median(b))
    cut = 0.5 * (lo + hi)
    resid = np.where(x < cut, x - lo, x - hi)
    sigma = 1.4826 * float(np.median(np.abs(resid)))
    return float(lo), float(hi), sigma


def _classify(pol: dict[str, np.ndarray], red: np.ndarray, white: np.ndarray, radii: np.ndarray,
              centres: np.ndarray, gores: int, blend: np.ndarray,
              halves: np.ndarray | None = None, blur_sigma_px: float | None = None) -> dict[str, np.ndarray]:
    """Each gore from its whole sector: ``bits``, ``p_coloured``, ``reason`` and ``area_px`` (n_rings, gores).

    The sector's area-weighted means (:func:`_sector_means`) give the fraction of canopy fabric (red or
    white samples) and the mean red-ness. A sector with less than ``_MIN_FABRIC`` fabric is hidden or too dark
    (reason 1); one smaller than ``_MIN_SECTOR_PX2`` image pixels, or narrower on average than
    ``_MIN_WIDTH_PX``, is too small (reason 3). Otherwise the
    ring's gore means fall in two groups, white and coloured; the probability that a gore is coloured comes
    from a two-level model with the ring's own levels and spread (so blur, which pulls a narrow gore towards
    its neighbours, only makes it less certain, never a guess). A ring with more than ``_MAX_BETWEEN`` of its
    gores between the two levels is not trusted at all (reason 2). Probabilities between ``_AMBIGUOUS`` and
    ``1 - _AMBIGUOUS`` are unknown (reason 2, ambiguous colour).

    With ``blur_sigma_px`` (the photo's blur, :func:`marsedl.chute.blur.edge_sigma_px`), a ring whose gores are
    under ``_MIN_WIDTH_PX`` but at least ``_NYQUIST_PX`` wide is read with the blur undone
    (:mod:`marsedl.chute.blur`) when the solve is stable; its two levels and spread are then measured on the
    solved means.
    """
    redness = np.clip(pol["red"], -0.2, 0.8)
    cloth = (red | white | blend).astype(np.float64)
    layers = {"red": redness * cloth, "fr": red.astype(np.float64), "fw": white.astype(np.float64),
              "fb": blend.astype(np.float64)}
    if halves is None:
        halves = np.repeat(centres[:, None, :], 2, axis=1)
    sm = _half_sector_means(pol, layers, radii, halves, gores)
    fabric = sm["fr"] + sm["fw"] + sm["fb"]
    sm["red"] = sm["red"] / np.maximum(fabric, 1e-9)  # mean red-ness of the fabric the sector shows
    p = np.full(centres.shape, 0.5)
    why = np.zeros(centres.shape, dtype=np.int8)
    hidden = (fabric < _MIN_FABRIC) | (sm["inside"] < 0.5)
    small = (sm["area_px"] < _MIN_SECTOR_PX2) | (sm["width_px"] < _MIN_WIDTH_PX)
    kernels = {}
    for i in range(centres.shape[0]) if blur_sigma_px is not None else ():
        w_ring = float(np.median(sm["width_px"][i]))
        if small[i].any() and w_ring >= _NYQUIST_PX:
            kernel = gore_kernel(w_ring, blur_sigma_px, gores)
            if solvable(kernel):
                kernels[i] = kernel
                small[i] = (sm["area_px"][i] < _MIN_SECTOR_PX2) | (sm["width_px"][i] < _NYQUIST_PX)
    why[hidden] = 1
    why[small] = 3
    usable = ~(hidden | small)
    all_x = sm["red"][usable]
    g_lo, g_hi, _ = _two_levels(all_x) if all_x.size >= 8 else (0.0, 0.6, 0.05)
    for i in range(centres.shape[0]):
        ok = usable[i]
        if ok.sum() < 8:
            continue
        x = sm["red"][i]
        if i in kernels:  # unread gores take the ring's median in the solve (they are not read from it)
            x = deblurred(np.where(ok, x, np.median(x[ok])), kernels[i])
        lo, hi, sigma = _two_levels(x[ok])
        if hi - lo < 0.4 * (g_hi - g_lo):  # the ring is (nearly) one colour: use the canopy's levels
            lo, hi = g_lo, g_hi
        sigma = max(sigma, 0.06 * (hi - lo), 0.01)
        # a sector that shows less fabric is measured on fewer samples: less certain
        logit = (hi - lo) / sigma**2 * (x - 0.5 * (lo + hi)) * np.minimum(1.0, fabric[i] / 0.5)
        p[i, ok] = 1.0 / (1.0 + np.exp(-np.clip(logit[ok], -30, 30)))
        # A ring whose gores often sit between the two levels has gore edges misplaced or unresolved (blur,
        # a phase error of about half a gore): none of its gores is trusted.
        between = float(np.mean(np.abs(x[ok] - 0.5 * (lo + hi)) < 0.25 * (hi - lo)))
        if between > _MAX_BETWEEN:
            p[i, ok] = 0.5
    ambiguous = usable & (np.abs(p - 0.5) < 0.5 - _AMBIGUOUS)
    why[ambiguous] = 2
    bits = np.where(p >= 0.5, 1, 0).astype(np.int8)
    bits[why > 0] = -1
    return {"bits": bits, "p_coloured": p, "reason": why, "area_px": sm["area_px"], "width_px": sm["width_px"],
            "fabric": fabric}
