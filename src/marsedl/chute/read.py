"""Read the parachute message off a photograph of the canopy.

Pipeline (every step estimated from the image itself, nothing taken from the drawing constants):

1. colour features: red-ness ``(R - max(G, B)) / (max + 0.05)``, brightness and saturation;
2. the canopy: red pixels locate it (red appears nowhere else in up-look frames); white fabric is the bright,
   unsaturated cluster near it; rays from the centre give outer-edge points, and a RANSAC conic fit gives the
   ellipse of the band's outer edge (oblique views squash the circle; hardware in front gives outlier points);
3. the ellipse is undone to a circle (an affine map that keeps the image's handedness) and unwrapped to polar
   (radius x angle) with :func:`scipy.ndimage.map_coordinates`;
4. ring radii from the radial profile: vent (no fabric), the gap (a dip of fabric between disk and band), and
   the disk ring boundaries where the angular colour pattern changes;
5. gore boundaries from the angular edge signal (colour edges and seams) demodulated at ``gores`` cycles per
   turn, per ring, with a smooth (first-harmonic) phase drift around the turn (centre error, perspective);
6. each gore is read from its whole sector (between its two edges and the ring's radii, area-weighted,
   sampled finer than the pixels): a sector that is not mostly canopy fabric is hidden (hardware, shadow,
   lines) → -1; one under 6 px² or under 2 px wide on average is too small → -1; otherwise the ring's gore
   means fall into a white and a coloured level, which give each gore a probability of being coloured.
   A gore between the levels is ambiguous → -1; so is a white gore whose tint is not the canopy's white (a
   riser strap in front), and every gore of a ring where more than 10 % sit between the levels (edges
   misplaced or unresolved).

Orientation (start gore, mirror) is left to :func:`marsedl.chute.code.decode`, which weighs each gore's
probability against the code's structure (spacers, filler, letter and band ranges).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError
from scipy import ndimage

from marsedl.errors import MarsEDLError

__all__ = ["read", "read_bits", "load_rgb"]

_N_THETA_PER_GORE = 12
_RHO_MAX = 1.3
_N_RHO = 520
_MAX_SIDE = 1600
"""Photos are read at up to 1,600 px on their longer side (larger ones are reduced on load)."""
_MAX_PIXELS = 64_000_000
"""Declared sizes above 64 Mpx are refused before decoding (memory stays bounded)."""
_MIN_SECTOR_PX2 = 6.0
"""A gore whose sector covers fewer image pixels than this is too small to read."""
_MIN_WIDTH_PX = 2.0
"""A gore whose sector's mean width (its area over its radial length, in image pixels) is under 2 px is too
small to read: a one-gore stripe needs two samples across (sampling theorem), or its colour is its
neighbours' blur."""
_MIN_FABRIC = 0.6
"""A gore's sector must be at least 60 % canopy fabric (red or white samples) to be read; otherwise something
is in front of it (hardware, lines) or it is in shadow."""
_BLEED_PX = 0.6
"""Width (px) of a coloured neighbour's tint that blur and JPEG colour subsampling may spread into a white
gore's sector, on each side."""
_MAX_BETWEEN = 0.1
"""A ring is not read when more than 10 % of its gores' means lie in the middle half between its white and
coloured levels (measured: 0-7 % on synthetic photos and on the raw up-look frame; 16 % and 11 % on the
small composite's middle ring and band, where a gore phase off by about half a gore misread 9 and 11 gores;
9 % on its outer ring, read without error)."""
_AMBIGUOUS = 0.25
"""A gore whose probability of being coloured lies in (0.25, 0.75) is reported unknown (ambiguous colour)."""


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
        try:
            with Image.open(image) as im:  # reads the header only
                w, h = im.size
                if w * h > _MAX_PIXELS:
                    raise MarsEDLError(f"{name}: image is {w}x{h} px ({w * h / 1e6:.0f} Mpx); the reader "
                                       f"takes up to {_MAX_PIXELS / 1e6:.0f} Mpx")
                if w < 32 or h < 32:
                    raise MarsEDLError(f"{name}: image is {w}x{h} px, need at least 32x32")
                if im.format == "JPEG" and max(w, h) > _MAX_SIDE:
                    im.draft("RGB", (_MAX_SIDE, _MAX_SIDE))
                im.load()
                image = _reduced(im.convert("RGB"))
        except MarsEDLError:
            raise
        except FileNotFoundError:
            raise MarsEDLError(f"{name}: no such file") from None
        except IsADirectoryError:
            raise MarsEDLError(f"{name}: is a directory, need an image file") from None
        except Image.DecompressionBombError:
            raise MarsEDLError(f"{name}: image declares too many pixels (refused before decoding)") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            kind = "not a readable image" if isinstance(exc, UnidentifiedImageError) else "truncated or corrupt image"
            raise MarsEDLError(f"{name}: {kind} ({type(exc).__name__}: {detail[:120]})") from None
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


# ----------------------------------------------------------------------------------------------- polar
def _polar(rgb: np.ndarray, el: tuple[float, float, float, float, float],
           n_theta: int) -> dict[str, np.ndarray]:
    """Unwrap the ellipse to polar samples: rho (fraction of the outer edge) x theta (clockwise on screen)."""
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
    sel = np.nonzero((rho > vent + 0.45 * (outer - vent)) & (rho < outer - 0.02))[0]
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
def _gore_centres(pol: dict[str, np.ndarray], radii: np.ndarray, gores: int) -> tuple[np.ndarray, float]:
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
    tk = np.mod(centres, 2 * np.pi)
    design = np.column_stack([np.ones(gores), np.cos(tk), np.sin(tk)])
    for i, zs in enumerate(per_ring):
        # Local phase of the gore edges relative to the global phase, as an angle in units of one gore
        # period. A small error in the centre makes it vary as a + b cos(theta) + c sin(theta) (largest in the
        # narrow inner ring), so fit that smooth model to the local phase, weighted by edge strength.
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
    return out, p_global


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
              centres: np.ndarray, gores: int, blend: np.ndarray) -> dict[str, np.ndarray]:
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
    """
    redness = np.clip(pol["red"], -0.2, 0.8)
    layers = {"red": redness, "fr": red.astype(np.float64), "fw": white.astype(np.float64),
              "fb": blend.astype(np.float64),
              "r": pol["rgb"][..., 0], "g": pol["rgb"][..., 1], "b": pol["rgb"][..., 2]}
    sm = _sector_means(pol, layers, radii, centres, gores)
    fabric = sm["fr"] + sm["fw"] + sm["fb"]
    p = np.full(centres.shape, 0.5)
    why = np.zeros(centres.shape, dtype=np.int8)
    hidden = (fabric < _MIN_FABRIC) | (sm["inside"] < 0.5)
    small = (sm["area_px"] < _MIN_SECTOR_PX2) | (sm["width_px"] < _MIN_WIDTH_PX)
    why[hidden] = 1
    why[small] = 3
    usable = ~(hidden | small)
    all_x = sm["red"][usable]
    g_lo, g_hi, _ = _two_levels(all_x) if all_x.size >= 8 else (0.0, 0.6, 0.05)
    looks_white = np.zeros(centres.shape, dtype=bool)  # before a ring is set aside: the tint references
    looks_red = np.zeros(centres.shape, dtype=bool)
    for i in range(centres.shape[0]):
        ok = usable[i]
        if ok.sum() < 8:
            continue
        x = sm["red"][i]
        lo, hi, sigma = _two_levels(x[ok])
        if hi - lo < 0.4 * (g_hi - g_lo):  # the ring is (nearly) one colour: use the canopy's levels
            lo, hi = g_lo, g_hi
        sigma = max(sigma, 0.06 * (hi - lo), 0.01)
        logit = (hi - lo) / sigma**2 * (x - 0.5 * (lo + hi))
        p[i, ok] = 1.0 / (1.0 + np.exp(-np.clip(logit[ok], -30, 30)))
        # A ring whose gores often sit between the two levels has gore edges misplaced or unresolved (blur,
        # a phase error of about half a gore): none of its gores is trusted.
        between = float(np.mean(np.abs(x[ok] - 0.5 * (lo + hi)) < 0.25 * (hi - lo)))
        looks_white[i] = ok & (p[i] < 0.5)
        looks_red[i] = ok & (p[i] >= 0.5)
        if between > _MAX_BETWEEN:
            p[i, ok] = 0.5
    ambiguous = usable & (np.abs(p - 0.5) < 0.5 - _AMBIGUOUS)
    why[ambiguous] = 2
    bits = np.where(p >= 0.5, 1, 0).astype(np.int8)
    bits[why > 0] = -1
    # White cells must look like the canopy's own white: a light object in front of the canopy (riser, strap,
    # hardware) is seldom exactly the fabric's tint. Cells off the median white chromaticity by more than
    # max(1.1 %, 2.5 robust sigma) are not trusted (the riser strap in the raw up-look frame is 1.2-2.8 %
    # off). A narrow white gore takes some of its coloured neighbours' tint through blur and JPEG colour
    # subsampling, along the white-to-coloured direction: each coloured neighbour may add the tint of a
    # _BLEED_PX-wide strip of coloured fabric to the sector's mean (its share: _BLEED_PX / sector width).
    tot = sm["r"] + sm["g"] + sm["b"] + 1e-6
    chroma = np.stack([sm["r"] / tot, sm["b"] / tot], -1)
    wcells = bits == 0
    if looks_white.sum() >= 8 and looks_red.sum() >= 8:
        ref = np.median(chroma[looks_white], axis=0)
        axis_len = np.median(chroma[looks_red], axis=0) - ref
        axis = axis_len / (np.hypot(*axis_len) + 1e-12)
        d = chroma - ref
        across = d[..., 0] * axis[1] - d[..., 1] * axis[0]
        bleed = (np.roll(bits, 1, axis=1) == 1).astype(float) + (np.roll(bits, -1, axis=1) == 1)
        allow = _BLEED_PX * np.hypot(*axis_len) * bleed / np.maximum(sm["width_px"], 1.0)
        along = np.maximum(np.abs(d[..., 0] * axis[0] + d[..., 1] * axis[1]) - allow, 0.0)
        dist = np.hypot(across, along)
        mad = 1.4826 * np.median(np.abs(dist[looks_white] - np.median(dist[looks_white])))
        odd = wcells & (dist > max(0.011, 2.5 * mad))
        bits[odd] = -1
        why[odd] = 2
    return {"bits": bits, "p_coloured": p, "reason": why, "area_px": sm["area_px"], "width_px": sm["width_px"],
            "fabric": fabric}


def read_bits(image: Any, *, band: bool | None = None, rings: int = 4,
              gores: int = 80) -> tuple[np.ndarray, dict[str, Any]]:
    """Classify every gore of the canopy in a photograph, without decoding.

    Parameters
    ----------
    image : str, Path, PIL.Image.Image or numpy.ndarray
        The photograph (any background, rotation, mirror, oblique view).
    band : bool or None
        True if the outermost ring is the band beyond the gap; None detects the gap.
    rings : int
        Number of rings (disk rings plus the band).
    gores : int
        Gores per ring.

    Returns
    -------
    bits : numpy.ndarray
        (rings, gores) int8: 1 coloured, 0 white, -1 unknown (not visible or not clearly one colour). Gore 0
        is the first gore clockwise (on screen) from the outline's 12 o'clock; orientation is not resolved.
    info : dict
        Pixel values refer to the image as read (photos over 1,600 px are reduced on load by a whole factor).
        ``centre_px`` (x, y), ``axes_px`` (semi-major, semi-minor), ``angle_deg`` (major axis, image coords),
        ``ring_radii`` (rings, 2) as fractions of the outline, ``band``, ``gore_offset_deg`` (global angle of
        gore boundaries), ``p_coloured`` (rings, gores: probability that the gore is coloured),
        ``sector_area_px`` and ``sector_width_px`` (rings, gores), ``reason`` (rings, gores: 0 read, 1 not visible /
        dark, 2 ambiguous colour, 3 ring too small in the image), ``gore_width_px`` (per ring),
        ``landmarks`` (vent, gap and outer radii), ``source``.
    """
    if not isinstance(rings, (int, np.integer)) or not 1 <= rings <= 12:
        raise MarsEDLError(f"rings: {rings!r} must be an integer 1..12")
    if not isinstance(gores, (int, np.integer)) or not 10 <= gores <= 400:
        raise MarsEDLError(f"gores: {gores!r} must be an integer 10..400")
    rgb, name = load_rgb(image)
    feat = _features(rgb)
    el, loc = _locate(feat, name)
    pol = _polar(rgb, el, gores * _N_THETA_PER_GORE)
    inside_canopy = pol["inside"] & (pol["rho"][:, None] < 1.0)
    bright = pol["val"][inside_canopy & (pol["red"] < 0.05)]
    v_ref = float(np.percentile(bright, 95)) if bright.size else 1.0
    red, white = _pixel_classes(pol, v_ref)
    radii, has_band, marks = _rings(pol, red, white, int(rings), band, name)
    centres, p_global = _gore_centres(pol, radii, int(gores))
    gore_px = 2 * np.pi * radii.mean(axis=1) * el[3] / gores  # width at the ring's middle, minor axis
    # Fabric also takes in the pink blend of a red and a white gore at their seam (blur, colour subsampling).
    blend = (pol["red"] >= 0.05) & (pol["red"] <= 0.22) & (pol["val"] > 0.42 * v_ref) & pol["inside"]
    cls = _classify(pol, red, white, radii, centres, int(gores), blend)
    bits, why = cls["bits"], cls["reason"]
    info = {"centre_px": (el[0], el[1]), "axes_px": (el[2], el[3]), "angle_deg": float(np.degrees(el[4])),
            "ring_radii": radii, "band": has_band, "gore_offset_deg": float(np.degrees(p_global)),
            "gore_centres_rad": centres, "p_coloured": cls["p_coloured"], "reason": why,
            "sector_area_px": cls["area_px"], "sector_width_px": cls["width_px"], "landmarks": marks,
            "edge_inlier_fraction": loc["edge_inlier_fraction"], "gore_width_px": gore_px, "source": name}
    return bits, info


_REASONS = {1: "hidden or too dark (not canopy fabric)", 2: "ambiguous colour", 3: "too small in the image"}


def read(image: Any, *, band: bool | None = None, rings: int = 4, gores: int = 80,
         flip_probability: float = 0.003) -> Any:
    """Read the message off a photograph of the canopy.

    Parameters
    ----------
    image : str, Path, PIL.Image.Image or numpy.ndarray
        The photograph: any background, rotation, mirrored or not, oblique, noisy, partly hidden.
    band : bool or None
        Whether the outermost ring is the band; None detects the gap.
    rings, gores : int
        Canopy layout (Mars 2020: 4 rings of 80 gores).
    flip_probability : float
        Probability that a gore read as a colour is wrong, passed to :func:`marsedl.chute.code.decode`
        (photos are noisier than typed patterns; default 0.003).

    Returns
    -------
    marsedl.chute.code.Decoded
        Words, coordinates, unknown characters. Gores that could not be seen are unknown, never guessed; the
        notes start with one line per ring saying how many gores were unreadable and why.
    """
    from marsedl.chute.canopy import Canopy
    from marsedl.chute.code import decode

    bits, info = read_bits(image, band=band, rings=rings, gores=gores)
    decoded = decode(Canopy(bits, info["band"]), flip_probability=flip_probability,
                     p_coloured=info["p_coloured"])
    why = info["reason"]
    lines = []
    for r in range(bits.shape[0]):
        causes = [f"{int((why[r] == c).sum())} {txt}" for c, txt in _REASONS.items() if (why[r] == c).any()]
        if causes:
            name = "band" if info["band"] and r == bits.shape[0] - 1 else f"ring {r + 1}"
            n_unread = int((bits[r] < 0).sum())
            lines.append(f"photo: {name}: {n_unread} of {gores} gores unread ({', '.join(causes)})")
    for u in decoded.unknown:
        gs = [g for g in u.get("gores", []) if 0 <= g < gores]
        codes = [int(why[u["ring"], g]) for g in gs if bits[u["ring"], g] < 0]
        if codes:
            c = max(set(codes), key=codes.count)
            u["photo_reason"] = _REASONS.get(c, "unread")
    object.__setattr__(decoded, "notes", lines + list(decoded.notes))
    return decoded
