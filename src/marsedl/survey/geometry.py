"""Local east/north coordinates around a point, photo footprints and ellipses on the ground."""

from __future__ import annotations

from typing import Any

import numpy as np

from marsedl.planet import destination, surface_distance_bearing


def to_local_en(lat_deg: Any, lon_deg: Any, origin_lat_deg: float, origin_lon_deg: float,
                radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Metres east and north of an origin (azimuthal equidistant: exact distance and bearing).

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Planetocentric latitude and east longitude of the points (degrees).
    origin_lat_deg, origin_lon_deg : float
        The origin (usually the rover).
    radius_m : float
        Sphere radius used for distances (the local ground radius).

    Returns
    -------
    east_m, north_m : ndarray
    """
    d, b = surface_distance_bearing(np.radians(origin_lat_deg), np.radians(origin_lon_deg),
                                    np.radians(np.asarray(lat_deg, dtype=float)),
                                    np.radians(np.asarray(lon_deg, dtype=float)), radius_m)
    return d * np.sin(b), d * np.cos(b)


def from_local_en(east_m: Any, north_m: Any, origin_lat_deg: float, origin_lon_deg: float,
                  radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`to_local_en`: planetocentric ``(lat_deg, lon_deg)`` of local points."""
    e = np.asarray(east_m, dtype=float)
    n = np.asarray(north_m, dtype=float)
    lat, lon = destination(np.radians(origin_lat_deg), np.radians(origin_lon_deg), np.arctan2(e, n),
                           np.hypot(e, n), radius_m)
    return np.degrees(lat), np.degrees(lon)


def footprint_side_m(altitude_m: float, fov_deg: float) -> float:
    """Side of the square ground footprint of a nadir camera: ``2 h tan(fov / 2)`` (m)."""
    return 2.0 * float(altitude_m) * float(np.tan(np.radians(fov_deg) / 2.0))


def ellipse_boundary(center_east_m: float, center_north_m: float, semi_major_m: float, semi_minor_m: float,
                     azimuth_deg: float, n: int = 72) -> np.ndarray:
    """Points ``(n, 2)`` (east, north) on an ellipse whose major axis points ``azimuth_deg`` from north."""
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    az = np.radians(azimuth_deg)
    u = semi_major_m * np.cos(t)
    v = semi_minor_m * np.sin(t)
    # major axis unit vector (east, north) = (sin az, cos az); minor axis = (cos az, -sin az)
    east = center_east_m + u * np.sin(az) + v * np.cos(az)
    north = center_north_m + u * np.cos(az) - v * np.sin(az)
    return np.column_stack([east, north])


def inside_ellipse(points_en: np.ndarray, center_east_m: float, center_north_m: float, semi_major_m: float,
                   semi_minor_m: float, azimuth_deg: float) -> np.ndarray:
    """Boolean mask of ``points_en`` (k, 2) inside the ellipse (see :func:`ellipse_boundary`)."""
    az = np.radians(azimuth_deg)
    de = points_en[:, 0] - center_east_m
    dn = points_en[:, 1] - center_north_m
    u = de * np.sin(az) + dn * np.cos(az)
    v = de * np.cos(az) - dn * np.sin(az)
    return (u / semi_major_m) ** 2 + (v / max(semi_minor_m, 1e-12)) ** 2 <= 1.0
