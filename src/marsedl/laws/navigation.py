"""What the flight computer believes: the true state plus a navigation error."""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import JIT, LEAF
from marsedl.laws.gravity import ellipsoid_radius_along


@njit(**LEAF)
def _east_north_up(x, y, z):
    """Local east, north and up unit vectors (spherical: up along r) at ``(x, y, z)``, as 9 numbers."""
    rn = np.sqrt(x * x + y * y + z * z)
    ux, uy, uz = x / rn, y / rn, z / rn
    en = np.maximum(np.sqrt(ux * ux + uy * uy), 1e-12)
    ex, ey = -uy / en, ux / en
    return ex, ey, 0.0 * ex, -uz * ey, uz * ex, ux * ey - uy * ex, ux, uy, uz


@njit(**LEAF)
def navigated(x, y, z, vx, vy, vz, de, dn, du, ve, vn, vu):
    """The navigated position and velocity: the true ones plus constant errors given east/north/up (m, m/s) in
    the local frame of the true position. Returns ``(x, y, z, vx, vy, vz)``."""
    ex, ey, _, nx, ny, nz, ux, uy, uz = _east_north_up(x, y, z)
    return (x + de * ex + dn * nx + du * ux, y + de * ey + dn * ny + du * uy, z + dn * nz + du * uz,
            vx + ve * ex + vn * nx + vu * ux, vy + ve * ey + vn * ny + vu * uy, vz + vn * nz + vu * uz)


@njit(**LEAF)
def radar_navigated_position(x, y, z, de, dn, a, b):
    """The position a descent with an altimeter believes: the horizontal (east, north) error ``de, dn`` (m) of
    entry navigation remains, but the radar measures the height above the ground, so the believed position sits
    at the true height above the reference ellipsoid (equatorial ``a``, polar ``b``) at the believed place.
    Returns ``(x, y, z)``."""
    rn = np.sqrt(x * x + y * y + z * z)
    ex, ey, _, nx, ny, nz, ux, uy, uz = _east_north_up(x, y, z)
    qx, qy, qz = x + de * ex + dn * nx, y + de * ey + dn * ny, z + dn * nz
    qn = np.sqrt(qx * qx + qy * qy + qz * qz)
    wx, wy, wz = qx / qn, qy / qn, qz / qn
    radius = rn - ellipsoid_radius_along(ux * ux + uy * uy, uz * uz, 1.0, a, b) + ellipsoid_radius_along(
        wx * wx + wy * wy, wz * wz, 1.0, a, b)
    return wx * radius, wy * radius, wz * radius


@njit(**JIT)
def navigated_many(r, v, dr_enu, dv_enu):
    """:func:`navigated` for each row of ``r``, ``v`` (n, 3) with errors ``dr_enu``, ``dv_enu`` (n, 3): the navigated
    positions and velocities (n, 3) each."""
    rr, vv = np.empty_like(r), np.empty_like(v)
    for k in range(r.shape[0]):
        (rr[k, 0], rr[k, 1], rr[k, 2], vv[k, 0], vv[k, 1], vv[k, 2]) = navigated(
            r[k, 0], r[k, 1], r[k, 2], v[k, 0], v[k, 1], v[k, 2], dr_enu[k, 0], dr_enu[k, 1], dr_enu[k, 2],
            dv_enu[k, 0], dv_enu[k, 1], dv_enu[k, 2])
    return rr, vv
