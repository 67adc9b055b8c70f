"""Positions on a sphere: planetocentric latitude, longitude and radius to and from planet-fixed coordinates, and
the great-circle distance and bearing between two points, written once.

Each function is arithmetic and NumPy ufuncs of plain numbers, so that the same source runs over arrays
(:mod:`marsedl.planet` calls it so) and compiled for one case (:mod:`marsedl.kernels.actions` compiles it with
Numba, the wraps made callable from compiled code; the compiled code's cache follows this file,
:mod:`marsedl.laws._jit`). This module imports no Numba: code that only maps points (a Monte Carlo summary, a
report) does not pay for it.
"""

from __future__ import annotations

import numpy as np

_TWO_PI = 2.0 * np.pi


def wrap_pi(angle):
    """``angle`` wrapped to ``(-pi, pi]``."""
    wrapped = np.mod(angle + np.pi, _TWO_PI) - np.pi
    return wrapped + _TWO_PI * (wrapped <= -np.pi)


def wrap_2pi(angle):
    """``angle`` wrapped to ``[0, 2 pi)``."""
    wrapped = np.mod(angle, _TWO_PI)
    return wrapped - wrapped * (wrapped >= _TWO_PI)


def spherical_to_cartesian(lat, lon, radius):
    """Planet-fixed ``(x, y, z)`` of planetocentric latitude ``lat``, east longitude ``lon`` (rad) and radius."""
    cl = np.cos(lat)
    return radius * cl * np.cos(lon), radius * cl * np.sin(lon), radius * np.sin(lat)


def cartesian_to_spherical(x, y, z):
    """Planetocentric ``(lat, lon, radius)`` of the planet-fixed point ``(x, y, z)``; lon east in (-pi, pi]."""
    rho = np.hypot(x, y)
    return np.arctan2(z, rho), wrap_pi(np.arctan2(y, x)), np.hypot(rho, z)


def surface_distance_bearing(lat1, lon1, lat2, lon2, radius):
    """Great-circle distance (m) and initial bearing (rad from north, clockwise, in [0, 2 pi)) from point 1 to
    point 2 on a sphere of ``radius``: the haversine formula (accurate for short and long arcs)."""
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    h = np.sin(0.5 * dlat) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(0.5 * dlon) ** 2
    central = 2.0 * np.arcsin(np.sqrt(np.minimum(np.maximum(h, 0.0), 1.0)))
    bearing = np.arctan2(np.sin(dlon) * np.cos(lat2),
                         np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon))
    return radius * central, wrap_2pi(bearing)
