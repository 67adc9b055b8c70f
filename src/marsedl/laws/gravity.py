"""Gravity of a rotating oblate planet: point mass + J2, the rotating frame's terms, the reference ellipsoid.

Planet-fixed cartesian frame, ``z`` along the spin axis; SI units (m, s).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import LEAF


@njit(**LEAF)
def gravity_j2(x, y, z, r, gm, j2, re):
    """Gravitational acceleration (m/s²) at ``(x, y, z)``: point mass plus the J2 zonal term.

    ``g = -grad U`` with ``U = -GM/r (1 - J2 (Re/r)² P2(sin φ))``, ``P2(s) = (3s² - 1)/2``, φ the planetocentric
    latitude. ``r`` is the radius ``|(x, y, z)|`` (callers have it already), ``gm`` GM (m³/s²), ``re`` the J2
    reference (equatorial) radius. Returns ``(gx, gy, gz)``.
    """
    r2 = r * r
    k = 1.5 * j2 * (re * re) / r2
    s = z / r
    s2 = s * s
    c_xy = -gm / (r2 * r) * (1.0 + k * (1.0 - 5.0 * s2))
    c_z = -gm / (r2 * r) * (1.0 + k * (3.0 - 5.0 * s2))
    return x * c_xy, y * c_xy, z * c_z


@njit(**LEAF)
def frame_acceleration(x, y, z, vx, vy, vz, w):
    """Coriolis and centrifugal acceleration (m/s²) in a frame rotating about +z at ``w`` (rad/s).

    ``-2 ω × v - ω × (ω × r)`` with ``v`` the velocity relative to the rotating frame. Returns ``(ax, ay, az)``.
    """
    return 2.0 * w * vy + w * w * x, -2.0 * w * vx + w * w * y, 0.0 * z


@njit(**LEAF)
def ellipsoid_radius_along(rho2, z2, r, a, b):
    """Radius (m) of the reference ellipsoid (equatorial ``a``, polar ``b``) along the ray through a point at
    distance ``r`` from the centre, ``rho2`` the square of its distance from the spin axis and ``z2`` of its height
    above the equator: ``a b r / sqrt(b² rho² + a² z²)`` (``a b / sqrt(b² cos² φ + a² sin² φ)`` with φ the
    planetocentric latitude of the ray, multiplied through by ``r``: the engine gets an altitude from a position
    without first dividing by ``r``, which would lengthen the chain of dependent operations it waits on)."""
    return a * b * r / np.sqrt((b * b) * rho2 + (a * a) * z2)

