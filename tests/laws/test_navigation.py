"""The navigated state against geometry: an error given east/north/up is that displacement in the local frame."""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.laws import navigated, radar_navigated_position
from marsedl.planet import MARS, enu_basis, spherical_to_cartesian


@pytest.fixture
def points():
    rng = np.random.default_rng(1)
    n = 50
    lat, lon = rng.uniform(-1.4, 1.4, n), rng.uniform(-np.pi, np.pi, n)
    r = spherical_to_cartesian(lat, lon, MARS.equatorial_radius_m + rng.uniform(-5e3, 130e3, n))
    return rng, lat, lon, r


def test_navigated_is_the_error_in_the_local_east_north_up_frame(points):
    """The navigated minus the true position is de e + dn n + du u with (e, n, u) the planet module's own local
    basis (built from latitude and longitude, not from the position vector as the law does); the same for the
    velocity."""
    rng, lat, lon, r = points
    v = rng.normal(0.0, 3000.0, r.shape)
    dr, dv = rng.normal(0.0, 500.0, r.shape), rng.normal(0.0, 2.0, r.shape)
    for k in range(r.shape[0]):
        out = navigated(*r[k], *v[k], *dr[k], *dv[k])
        e, n, u = enu_basis(lat[k], lon[k])
        np.testing.assert_allclose(np.array(out[:3]) - r[k], dr[k, 0] * e + dr[k, 1] * n + dr[k, 2] * u, atol=1e-6)
        np.testing.assert_allclose(np.array(out[3:]) - v[k], dv[k, 0] * e + dv[k, 1] * n + dv[k, 2] * u, atol=1e-9)


def test_radar_keeps_the_height_above_the_ellipsoid_and_moves_the_place(points):
    """With an altimeter the believed position keeps the true height above the reference ellipsoid but sits at
    the horizontally displaced place: the height agrees to a micrometre and the displacement along the ground
    is the horizontal error (to the curvature's share, < 1e-4 over 2 km)."""
    rng, lat, lon, r = points
    a, b = MARS.equatorial_radius_m, MARS.polar_radius_m
    for k in range(r.shape[0]):
        de, dn = rng.normal(0.0, 700.0, 2)
        q = np.array(radar_navigated_position(*r[k], de, dn, a, b))
        lat_q = np.arcsin(q[2] / np.linalg.norm(q))
        h_true = np.linalg.norm(r[k]) - MARS.ellipsoid_radius_m(lat[k])
        h_nav = np.linalg.norm(q) - MARS.ellipsoid_radius_m(lat_q)
        assert h_nav == pytest.approx(h_true, abs=1e-6)
        ang = np.arccos(np.clip(np.dot(q, r[k]) / (np.linalg.norm(q) * np.linalg.norm(r[k])), -1, 1))
        assert ang * np.linalg.norm(r[k]) == pytest.approx(np.hypot(de, dn), rel=1e-3, abs=1e-3)
