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
   lines) → -1; one under 6 px² or under 1 px wide on average is too small → -1, and one under 2 px wide is
   read only with the photo's blur (measured on the wider rings' red/white edges) undone, when that is stable
   (:mod:`marsedl.chute.blur`); otherwise the ring's gore means fall into a white and a coloured level, which
   give each gore a probability of being coloured. A gore between the levels is ambiguous → -1; so is every
   gore of a ring where more than 10 % sit between the levels (edges misplaced or unresolved), and of a ring
   whose gore grid does not run on from its neighbour's over most of the turn;
7. a white gore along an angle where something other than the sky fills the gap (a strap or riser in front of
   the canopy, whose colour is close to the fabric's white) is not trusted → -1 (:mod:`marsedl.chute.occlusion`).

Orientation (start gore, mirror) is left to :func:`marsedl.chute.decoding.decode`, which weighs each gore's
probability against the code's structure (spacers, filler, letter and band ranges).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from marsedl.chute.blur import edge_sigma_px
from marsedl.chute.canopy import MAX_GORES, MAX_RINGS
from marsedl.chute.centres import offset_profile, ring_offsets
from marsedl.chute.ellipse_fit import _locate
from marsedl.chute.gores import (
    _N_THETA_PER_GORE,
    _classify,
    _gore_centres,
    _half_centres,
    _pixel_classes,
    _polar,
    _rings,
)
from marsedl.chute.occlusion import behind_cover, covered_angles
from marsedl.chute.photo import _features, load_rgb
from marsedl.errors import MarsEDLError

__all__ = ["read", "read_bits", "load_rgb"]

_MAX_JUMP = 0.33
"""Largest offset (in gores) between a gore's centre and the neighbouring ring's at which the gore is read:
seams run on from ring to ring (measured: at most 0.2 gore on the raw up-look frame and on synthetic photos)."""
_MAX_ASTRAY = 0.5
"""A ring whose gore grid does not run on from its neighbour's (``_MAX_JUMP``) over more than half the turn is
not a rigid ring in the image (a composite of frames, a bad fit), and none of its gores is trusted: where its
grid seems to run on it can still be a whole gore off (the small composite's middle ring: 73 % astray, and its
M group, where the grid ran on, read one gore off, as Z)."""


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
        dark, 2 ambiguous colour, 3 ring too small in the image, 4 white under something in front of the canopy that
        crosses the gap), ``gore_width_px`` (per ring),
        ``landmarks`` (vent, gap and outer radii), ``blur_sigma_px`` (the blur measured on the wide gores'
        edges when a ring's gores are under 2 px, else None), ``source``.
    """
    if not isinstance(rings, (int, np.integer)) or not 1 <= rings <= MAX_RINGS:
        raise MarsEDLError(f"rings: {rings!r} must be an integer 1..{MAX_RINGS}")
    if not isinstance(gores, (int, np.integer)) or not 10 <= gores <= MAX_GORES:
        raise MarsEDLError(f"gores: {gores!r} must be an integer 10..{MAX_GORES}")
    rgb, name = load_rgb(image)
    feat = _features(rgb)
    el, loc = _locate(feat, name)
    pol, red, white = _unwrapped(rgb, el, gores * 4)  # coarse in angle: only the rings' radii are wanted
    radii, has_band, marks = _rings(pol, red, white, int(rings), band, name)
    # Each ring's own centre (dome seen obliquely, composites, a small image's outline fit): unwrap again
    # about them and find the rings anew.
    offs, _ = ring_offsets(rgb, el, radii, int(gores))
    pol, red, white = _unwrapped(rgb, el, gores * _N_THETA_PER_GORE, lambda rho: offset_profile(rho, radii, offs))
    radii, has_band, marks = _rings(pol, red, white, int(rings), band, name)
    centres, p_global, jump = _gore_centres(pol, radii, int(gores))
    gore_px = 2 * np.pi * radii.mean(axis=1) * el[3] / gores  # width at the ring's middle, minor axis
    # Fabric also takes in the pink blend of a red and a white gore at their seam (blur, colour subsampling).
    blend = (pol["red"] >= 0.05) & (pol["red"] <= 0.22) & (pol["val"] > 0.42 * pol["v_ref"]) & pol["inside"]
    halves = _half_centres(pol, radii, centres, int(gores))
    cls = _classify(pol, red, white, radii, centres, int(gores), blend, halves)
    # Rings too small to read gore by gore are read with the photo's blur undone. Each ring with enough
    # red/white edges between runs of gores gives an upper bound on the blur (an edge is never sharper than the
    # camera's blur, and seams, phase error and resampling widen it): the tightest bound is taken.
    sigma = None
    if (cls["reason"] == 3).any():
        bounds = [edge_sigma_px(pol, radii, centres, cls["bits"], r) for r in range(radii.shape[0])]
        sigma = min((b for b in bounds if b is not None), default=None)
        if sigma is not None:
            cls = _classify(pol, red, white, radii, centres, int(gores), blend, halves, sigma)
    bits, why = cls["bits"], cls["reason"]
    # A gore whose seams do not run on from the neighbouring ring's (a third of a gore or more apart) may be
    # counted one off: its colour is not trusted.
    astray = jump > _MAX_JUMP
    astray[astray.mean(axis=1) > _MAX_ASTRAY] = True
    astray &= bits >= 0
    bits[astray] = -1
    why[astray] = 2
    # Something in front of the canopy crossing the gap (a strap, a riser) runs across the rings at that angle
    # and looks white: a white gore there is not trusted (a coloured one is: nothing in front is orange).
    covered = covered_angles(pol, (marks["gap_inner"], marks["gap_outer"]), int(gores)) if has_band else None
    if covered is not None:
        under = behind_cover(covered, pol["theta"], centres, int(gores)) & (bits == 0)
        bits[under] = -1
        why[under] = 4
        cls["p_coloured"][under] = 0.5
    info = {"centre_px": (el[0], el[1]), "axes_px": (el[2], el[3]), "angle_deg": float(np.degrees(el[4])),
            "ring_radii": radii, "band": has_band, "gore_offset_deg": float(np.degrees(p_global)),
            "gore_centres_rad": centres, "seam_jump": jump, "p_coloured": cls["p_coloured"], "reason": why,
            "sector_area_px": cls["area_px"], "sector_width_px": cls["width_px"], "landmarks": marks,
            "ring_offsets_px": offs, "edge_inlier_fraction": loc["edge_inlier_fraction"],
            "gore_width_px": gore_px, "blur_sigma_px": sigma, "source": name}
    return bits, info


def _unwrapped(rgb: np.ndarray, el: tuple[float, float, float, float, float], n_theta: int,
               offset: Any = None) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The polar unwrapping (``n_theta`` angles) and its red and white masks (relative to the canopy's white)."""
    pol = _polar(rgb, el, n_theta, offset)
    inside_canopy = pol["inside"] & (pol["rho"][:, None] < 1.0)
    bright = pol["val"][inside_canopy & (pol["red"] < 0.05)]
    v_ref = float(np.percentile(bright, 95)) if bright.size else 1.0
    red, white = _pixel_classes(pol, v_ref)
    pol["v_ref"] = v_ref
    return pol, red, white


_REASONS = {1: "hidden or too dark (not canopy fabric)", 2: "ambiguous colour", 3: "too small in the image",
            4: "looks white under a strap crossing the gap"}


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
        Probability that a gore read as a colour is wrong, passed to :func:`marsedl.chute.decoding.decode`
        (photos are noisier than typed patterns; default 0.003).

    Returns
    -------
    marsedl.chute.decoding.Decoded
        Words, coordinates, unknown characters. Gores that could not be seen are unknown, never guessed; the
        notes start with one line per ring saying how many gores were unreadable and why.
    """
    from marsedl.chute.canopy import Canopy
    from marsedl.chute.decoding import decode

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
