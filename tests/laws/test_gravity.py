"""The reference ellipsoid's radius along a ray (the engine's altitude) against the ellipse equation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsedl.laws import ellipsoid_radius_along

A, B = 3396.19e3, 3376.20e3  # Mars' IAU 2000 equatorial and polar radii (m), as the presets


@settings(max_examples=300, deadline=None)
@given(x=st.floats(-5e6, 5e6), y=st.floats(-5e6, 5e6), z=st.floats(-5e6, 5e6))
def test_ray_meets_the_ellipsoid(x, y, z):
    r = np.sqrt(x * x + y * y + z * z)
    if r < 1e3:
        return
    rho2 = x * x + y * y
    radius = ellipsoid_radius_along(rho2, z * z, r, A, B)
    # the point at that radius along the ray (x, y, z)/r is on the ellipsoid: rho^2/a^2 + z^2/b^2 = 1
    s = radius / r
    assert (rho2 * s * s) / A**2 + (z * s) ** 2 / B**2 == pytest.approx(1.0, rel=1e-13)


def test_scale_free():
    """Any point on the same ray gives the same radius (only the direction matters)."""
    x, y, z = 1.0e6, -2.0e6, 2.5e6
    r = np.sqrt(x * x + y * y + z * z)
    a = ellipsoid_radius_along(x * x + y * y, z * z, r, A, B)
    b = ellipsoid_radius_along(9 * (x * x + y * y), 9 * z * z, 3 * r, A, B)
    assert a == b or abs(a - b) < 1e-9 * a
