"""Where the canopy is in a photograph: the ellipse of its band's outer edge, by a RANSAC conic fit.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from marsedl.errors import MarsEDLError

# ----------------------------------------------------------------------------------------------- ellipse


def _conic_from_points(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Least-squares conic a x^2 + b xy + c y^2 + d x + e y + f = 0 (smallest singular vector)."""
    m = np.column_stack([x * x, x * y, y * y, x, y, np.ones_like(x)])
    try:
        _, _, vt = np.linalg.svd(m, full_matrices=False)
    except np.linalg.LinAlgError:
        return None
    return vt[-1]


def _conic_to_ellipse(p: np.ndarray) -> tuple[float, float, float, float, float] | None:
    """(cx, cy, a, b, psi) with a >= b, psi the major-axis angle (image coords), or None if not an ellipse."""
    a, b, c, d, e, f = p
    den = b * b - 4 * a * c
    if den >= 0:
        return None
    cx = (2 * c * d - b * e) / den
    cy = (2 * a * e - b * d) / den
    m = np.array([[a, b / 2], [b / 2, c]])
    f0 = a * cx * cx + b * cx * cy + c * cy * cy + d * cx + e * cy + f
    w, v = np.linalg.eigh(m)
    if f0 == 0:
        return None
    ax2 = -f0 / w
    if (ax2 <= 0).any():
        return None
    axes = np.sqrt(ax2)
    i = int(np.argmax(axes))
    psi = float(np.arctan2(v[1, i], v[0, i]))
    return float(cx), float(cy), float(axes[i]), float(axes[1 - i]), psi


def _ellipse_radius(el: tuple[float, float, float, float, float], phi: np.ndarray) -> np.ndarray:
    """Distance from the ellipse centre to its edge along image direction ``phi``."""
    _, _, a, b, psi = el
    t = phi - psi
    return a * b / np.sqrt((b * np.cos(t)) ** 2 + (a * np.sin(t)) ** 2)


def _fit_ellipse_ransac(px: np.ndarray, py: np.ndarray, r0: float, rng: np.random.Generator,
                        iters: int = 2000) -> tuple[tuple[float, float, float, float, float], np.ndarray]:
    # Work in normalised coordinates (centred, unit scale) so the conic fit is well conditioned.
    mx, my = float(px.mean()), float(py.mean())
    px, py = (px - mx) / r0, (py - my) / r0
    el, inl = _ransac_unit(px, py, (0.015 * r0 + 1.5) / r0, rng, iters)
    cx, cy, a, b, psi = el
    return (cx * r0 + mx, cy * r0 + my, a * r0, b * r0, psi), inl


def _conics_to_ellipses(p: np.ndarray) -> tuple[np.ndarray, ...]:
    """Vectorised :func:`_conic_to_ellipse` over conics ``p`` (k, 6): (cx, cy, a, b, psi, valid)."""
    a, b, c, d, e, f = p.T
    with np.errstate(divide="ignore", invalid="ignore"):
        den = b * b - 4 * a * c
        cx = (2 * c * d - b * e) / den
        cy = (2 * a * e - b * d) / den
        f0 = a * cx * cx + b * cx * cy + c * cy * cy + d * cx + e * cy + f
        root = np.sqrt(((a - c) / 2) ** 2 + b * b / 4)
        ax2_plus = -f0 / ((a + c) / 2 + root)
        ax2_minus = -f0 / ((a + c) / 2 - root)
        valid = (den < 0) & (f0 != 0) & (ax2_plus > 0) & (ax2_minus > 0)
        plus_major = ax2_plus >= ax2_minus
        major = np.sqrt(np.where(plus_major, ax2_plus, ax2_minus))
        minor = np.sqrt(np.where(plus_major, ax2_minus, ax2_plus))
        psi = 0.5 * np.arctan2(b, a - c) + np.where(plus_major, 0.0, np.pi / 2)
    return cx, cy, major, minor, psi, valid & np.isfinite(major) & np.isfinite(minor)


def _ransac_unit(px: np.ndarray, py: np.ndarray, tol: float, rng: np.random.Generator,
                 iters: int) -> tuple[tuple[float, float, float, float, float], np.ndarray]:
    n = px.size
    r0 = 1.0
    # All hypotheses at once: 5 distinct random points each, conic by batched SVD, scored together.
    idx = rng.integers(0, n, (iters, 5))
    srt = np.sort(idx, axis=1)
    idx = idx[(np.diff(srt, axis=1) > 0).all(axis=1)]  # drop the few draws that repeat a point
    x, y = px[idx], py[idx]
    m = np.stack([x * x, x * y, y * y, x, y, np.ones_like(x)], axis=-1)  # (iters, 5, 6)
    conics = np.linalg.svd(m)[2][:, -1, :]
    cx, cy, ea, eb, psi, valid = _conics_to_ellipses(conics)
    valid &= (eb >= 0.45 * ea) & (0.5 * r0 < ea) & (ea < 1.8 * r0)
    best, best_in = None, None
    cand = np.flatnonzero(valid)
    if cand.size:
        scores = np.empty(cand.size)
        for lo in range(0, cand.size, 256):
            k = cand[lo:lo + 256, None]
            dx, dy = px[None, :] - cx[k], py[None, :] - cy[k]
            t = np.arctan2(dy, dx) - psi[k]
            rad = ea[k] * eb[k] / np.sqrt((eb[k] * np.cos(t)) ** 2 + (ea[k] * np.sin(t)) ** 2)
            resid = np.hypot(dx, dy) - rad
            # Edge points well outside the true outline are rare (hardware, bright background); points inside
            # are common (dim or hidden band). Penalise the former.
            scores[lo:lo + 256] = (np.abs(resid) < tol).sum(1) - 0.5 * (resid > 3 * tol).sum(1)
        h = int(cand[np.argmax(scores)])
        best = (float(cx[h]), float(cy[h]), float(ea[h]), float(eb[h]), float(psi[h]))
        phi = np.arctan2(py - best[1], px - best[0])
        best_in = np.abs(np.hypot(px - best[0], py - best[1]) - _ellipse_radius(best, phi)) < tol
    if best is None:
        raise MarsEDLError("no canopy outline found (could not fit an ellipse to the canopy's edge)")
    for _ in range(3):  # refine by least squares on the inliers
        p = _conic_from_points(px[best_in], py[best_in])
        el = None if p is None else _conic_to_ellipse(p)
        if el is None:
            break
        phi = np.arctan2(py - el[1], px - el[0])
        inl = np.abs(np.hypot(px - el[0], py - el[1]) - _ellipse_radius(el, phi)) < tol
        if inl.sum() < 0.5 * best_in.sum():
            break
        best, best_in = el, inl
    return best, best_in


def _locate(feat: dict[str, np.ndarray], name: str) -> tuple[tuple[float, float, float, float, float], dict]:
    """Ellipse of the canopy's outer edge, from red pixels and the red-or-white fabric mask."""
    red, val, sat = feat["red"], feat["val"], feat["sat"]
    h, w = red.shape
    red_mask = (red > 0.3) & (val > 0.12)
    red_mask = ndimage.binary_opening(red_mask, iterations=1)
    ys, xs = np.nonzero(red_mask)
    if xs.size < 200:
        raise MarsEDLError(f"{name}: no canopy found (too few red/orange pixels: {xs.size})")
    cx0, cy0 = float(np.median(xs)), float(np.median(ys))
    d = np.hypot(xs - cx0, ys - cy0)
    r0 = float(np.percentile(d, 97))
    # Centre of the red pixels' spread along a few directions (robust to an uneven red pattern).
    keep = d < 1.5 * r0
    xs, ys = xs[keep], ys[keep]
    cx0 = 0.5 * (np.percentile(xs, 1) + np.percentile(xs, 99))
    cy0 = 0.5 * (np.percentile(ys, 1) + np.percentile(ys, 99))
    r0 = 0.25 * (np.percentile(xs, 99) - np.percentile(xs, 1) + np.percentile(ys, 99) - np.percentile(ys, 1))
    if r0 < 12:
        raise MarsEDLError(f"{name}: no canopy found (red region only {2 * r0:.0f} px across)")
    # White fabric: bright, unsaturated; threshold between the background and the canopy's white level.
    rr = np.hypot(np.arange(w, dtype=np.float32)[None, :] - np.float32(cx0),
                  np.arange(h, dtype=np.float32)[:, None] - np.float32(cy0))
    inside = (rr < 0.9 * r0) & ~red_mask
    outside = rr > 1.6 * r0
    v_in = float(np.percentile(val[inside], 90)) if inside.any() else 1.0
    v_bg = float(np.median(val[outside])) if outside.sum() > 100 else 0.0
    thr = v_bg + 0.3 * (v_in - v_bg)
    white_mask = (val > thr) & (sat < 0.45) & ~red_mask
    if float(white_mask[rr < 0.9 * r0].mean()) < 0.03:
        raise MarsEDLError(f"{name}: no canopy found (red, but no white fabric among it)")
    # 3 x 3 majority vote (the median of a binary mask), as a box sum: much faster than a median filter
    fabric = ndimage.uniform_filter((red_mask | white_mask).astype(np.float32), size=3) > 4.5 / 9
    # Outer-edge points along rays.
    n_rays = 720
    phi = np.linspace(0, 2 * np.pi, n_rays, endpoint=False)
    radii = np.linspace(0.35 * r0, 1.7 * r0, 400)
    xr = cx0 + np.cos(phi)[:, None] * radii[None, :]
    yr = cy0 + np.sin(phi)[:, None] * radii[None, :]
    ok = (xr >= 0) & (xr <= w - 1) & (yr >= 0) & (yr <= h - 1)
    vals = ndimage.map_coordinates(fabric.astype(np.float32), [yr.ravel(), xr.ravel()], order=0,
                                   mode="constant", cval=0.0).reshape(xr.shape) > 0.5
    vals &= ok
    any_hit = vals.any(axis=1)
    last = vals.shape[1] - 1 - np.argmax(vals[:, ::-1], axis=1)
    px, py = xr[np.arange(n_rays), last][any_hit], yr[np.arange(n_rays), last][any_hit]
    if px.size < 20:
        raise MarsEDLError(f"{name}: no canopy found (no fabric edge around the red region)")
    rng = np.random.default_rng(12345)
    el, inl = _fit_ellipse_ransac(px, py, r0, rng)
    return el, {"fabric": fabric, "red_mask": red_mask, "white_threshold": thr,
                "edge_inlier_fraction": float(inl.mean())}
