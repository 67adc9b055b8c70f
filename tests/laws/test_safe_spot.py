"""The safe-spot law against brute force: every safe cell centre's great-circle distance, in NumPy.

The reference takes each cell centre from the map's definition (row 0 north, column 0 west, equal-angle cells,
the bounds the outer edges), measures the distance from each point to every safe centre with the vector formula
``atan2(|u x v|, u . v)`` (not the law's haversine), and applies the rule as ``marsedl.trn`` states it. Where the
nearest centre is unique the law must choose it; where two are (nearly) equally near it may choose either, but its
choice must be as near. The maps cover sparse, dense, empty, all-safe and one-cell rasters, maps across longitude
0/360 with the points on the other branch, points far off the map and on the far side of the planet, maps near
the pole and wider than half the planet, and reaches from 0 to infinite.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsedl.laws import nearest_safe_cell
from marsedl.trn import NO_SAFE_SPOT_IN_REACH, SAFE_SPOT, HazardMap, select_safe_spot

R = 3_391_937.1  # a ground radius, m
#: distances equal to this (relative) are equal: the points' longitudes carry ~1e-15 rad of rounding when brought
#: to the map's branch, ~3e-9 m on the ground, hence also the absolute floor
REL, ABS_M = 1e-9, 1e-6


def _unit(lat, lon):
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def _brute_force(hm: HazardMap, lat, lon):
    """Distances (n, m) from each point to each safe cell centre (m), and those centres' latitudes and longitudes."""
    rows, cols = hm.safe.shape
    rr, cc = np.nonzero(hm.safe)
    c_lat = hm.north_rad - (rr + 0.5) / rows * (hm.north_rad - hm.south_rad)
    c_lon = hm.west_rad + (cc + 0.5) / cols * (hm.east_rad - hm.west_rad)
    u, v = _unit(lat, lon)[:, None, :], _unit(c_lat, c_lon)[None, :, :]
    d = R * np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1))
    return d, c_lat, c_lon


def _check(hm: HazardMap, lat, lon, reach) -> dict[str, int]:
    """The law's choices for the points against the brute force; returns how many cases of each kind it saw (so
    that a test can insist that its points exercise both outcomes)."""
    got_lat, got_lon, status = select_safe_spot(hm, lat, lon, reach, R)
    reach = np.broadcast_to(reach, lat.shape)
    d, c_lat, c_lon = _brute_force(hm, lat, lon)
    n, m = d.shape
    first = np.argmin(d, axis=1) if m else np.zeros(n, int)
    two = np.partition(d, 1, axis=1)[:, :2] if m > 1 else np.c_[d, np.full((n, 2 - m), np.inf)]
    d_min, d_second = two[:, 0], two[:, 1]
    tol = REL * np.where(np.isfinite(d_min), d_min, 0.0) + ABS_M
    with np.errstate(invalid="ignore"):  # (inf - inf: no safe cell, an infinite reach)
        edge = np.isfinite(d_min) & (np.abs(d_min - reach) <= tol)  # at the reach's edge rounding decides
    want_safe = np.isfinite(d_min) & (d_min <= reach) & ~edge
    want_none = ~want_safe & ~edge

    assert (status[want_none] == NO_SAFE_SPOT_IN_REACH).all()
    # the predicted touchdown itself, untouched
    assert (got_lat[want_none] == lat[want_none]).all() and (got_lon[want_none] == lon[want_none]).all()
    assert (status[want_safe] == SAFE_SPOT).all()
    if m == 0:
        return {"safe": 0, "none": int(want_none.sum()), "unique": 0}
    # the chosen spot is one safe cell centre (to the rounding of the centre's expression) ...
    at = ((np.abs(c_lat[None, :] - got_lat[want_safe, None]) < 1e-13)
          & (np.abs(c_lon[None, :] - got_lon[want_safe, None]) < 1e-13))
    assert (at.sum(axis=1) == 1).all()
    chosen = np.argmax(at, axis=1)
    # ... as near as the nearest, and the nearest itself where that one is unique
    np.testing.assert_allclose(d[want_safe][np.arange(chosen.size), chosen], d_min[want_safe], rtol=REL,
                               atol=ABS_M)
    unique = (d_second > d_min + 2 * tol)[want_safe]
    assert (chosen[unique] == first[want_safe][unique]).all()
    return {"safe": int(want_safe.sum()), "none": int(want_none.sum()), "unique": int(unique.sum())}


def _points(rng, hm: HazardMap, n: int, margin=0.5):
    """Points over the map and around it (``margin`` of its size beyond each edge), a tenth anywhere on Mars."""
    f = rng.uniform(-margin, 1 + margin, (n, 2))
    lat = np.clip(hm.south_rad + f[:, 0] * (hm.north_rad - hm.south_rad), -np.pi / 2, np.pi / 2)
    lon = hm.west_rad + f[:, 1] * (hm.east_rad - hm.west_rad)
    far = rng.random(n) < 0.1
    lat[far] = np.arcsin(rng.uniform(-1, 1, far.sum()))
    lon[far] = rng.uniform(-np.pi, 3 * np.pi, far.sum())
    return lat, lon


def _reaches(rng, hm: HazardMap, n: int):
    """Reaches from 0 to a few map sizes, and some 0, astronomical and infinite ones."""
    size = R * max(hm.north_rad - hm.south_rad, (hm.east_rad - hm.west_rad) * math.cos(hm.north_rad), 1e-9)
    reach = rng.uniform(0.0, 2.0, n) ** 3 * size
    kind = rng.integers(0, 10, n)
    reach[kind == 0] = 0.0
    reach[kind == 1] = 1e12
    reach[kind == 2] = np.inf
    return reach


def _deg_map(safe, north, south, west, east):
    return HazardMap(safe=safe, north_rad=math.radians(north), south_rad=math.radians(south),
                     west_rad=math.radians(west), east_rad=math.radians(east))


MAPS = {
    # name: (density of safe cells, rows, cols, north, south, west, east in degrees)
    "sparse near Jezero": (0.02, 40, 60, 18.55, 18.34, 77.34, 77.56),
    "dense near Jezero": (0.9, 40, 60, 18.55, 18.34, 77.34, 77.56),
    "all safe": (1.0, 30, 30, 1.0, 0.0, 10.0, 11.0),
    "across longitude 0": (0.05, 30, 50, -4.0, -4.3, 359.8, 360.3),
    "across longitude 0, west branch": (0.05, 30, 50, -4.0, -4.3, -0.2, 0.3),
    "high latitude": (0.05, 30, 40, 84.0, 83.0, 120.0, 126.0),
    "up to the pole": (0.05, 20, 36, 90.0, 86.0, 0.0, 180.0),
    "south pole, full circle": (0.1, 10, 36, -85.0, -90.0, -180.0, 180.0),
    "wider than half the planet": (0.05, 12, 40, 60.0, -60.0, 10.0, 250.0),
}


@pytest.mark.parametrize("name", list(MAPS))
def test_the_law_chooses_the_brute_force_nearest_safe_cell(name):
    density, rows, cols, *bounds = MAPS[name]
    rng = np.random.default_rng(list(MAPS).index(name))
    hm = _deg_map(rng.random((rows, cols)) < density, *bounds)
    n = 2_000
    lat, lon = _points(rng, hm, n)
    if "across" in name:  # half the points on the other longitude branch
        lon[: n // 2] += np.where(lon[: n // 2] > np.pi, -2 * np.pi, 2 * np.pi)
    seen = _check(hm, lat, lon, _reaches(rng, hm, n))
    assert seen["safe"] > 100 and seen["none"] > 100 and seen["unique"] > 100, seen


def test_a_map_without_a_safe_cell_and_one_with_a_single_one():
    rng = np.random.default_rng(7)
    empty = _deg_map(np.zeros((30, 40), bool), 18.55, 18.34, 77.34, 77.56)
    lat, lon = _points(rng, empty, 500)
    _, _, status = select_safe_spot(empty, lat, lon, np.inf, R)
    assert (status == NO_SAFE_SPOT_IN_REACH).all()

    one = np.zeros((30, 40), bool)
    one[17, 3] = True
    hm = _deg_map(one, 18.55, 18.34, 77.34, 77.56)
    lat, lon = _points(rng, hm, 2_000)
    seen = _check(hm, lat, lon, _reaches(rng, hm, 2_000))
    assert seen["safe"] > 100 and seen["none"] > 100, seen


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 25), cols=st.integers(1, 25),
       density=st.sampled_from([0.0, 0.01, 0.1, 0.5, 1.0]), south=st.floats(-90.0, 89.0),
       height=st.floats(1e-4, 5.0), west=st.floats(-720.0, 720.0), width=st.floats(1e-4, 360.0))
def test_any_map_any_point(seed, rows, cols, density, south, height, west, width):
    """Maps of any shape, size and place (down to a one-cell map, up to the full circle of longitude), with
    points on and around them and anywhere on the planet."""
    rng = np.random.default_rng(seed)
    safe = rng.random((rows, cols)) < density
    hm = _deg_map(safe, min(south + height, 90.0), south, west, west + width)
    lat, lon = _points(rng, hm, 300, margin=2.0)
    lon += 2 * np.pi * rng.integers(-2, 3, lat.size)  # any branch
    _check(hm, lat, lon, _reaches(rng, hm, lat.size))


def test_the_scalar_law_is_what_the_arrays_get_and_refuses_nothing():
    """The compiled scalar law (what compiled code calls) gives what :func:`select_safe_spot` gives, in its
    types; a NaN point or reach, or a negative reach, is no safe spot (the point is kept)."""
    rng = np.random.default_rng(3)
    hm = _deg_map(rng.random((40, 60)) < 0.3, 18.55, 18.34, 77.34, 77.56)
    lat, lon = _points(rng, hm, 50)
    reach = _reaches(rng, hm, 50)
    arrays = select_safe_spot(hm, lat, lon, reach, R)
    for i in range(50):
        got = nearest_safe_cell(hm.safe, hm.north_rad, hm.south_rad, hm.west_rad, hm.east_rad, lat[i], lon[i],
                                reach[i], R)
        assert [type(v) for v in got] == [float, float, int]
        assert got == (arrays[0][i], arrays[1][i], arrays[2][i])
    args = (hm.safe, hm.north_rad, hm.south_rad, hm.west_rad, hm.east_rad)
    p = (math.radians(18.45), math.radians(77.45))
    for bad in ((math.nan, p[1], 100.0), (p[0], math.nan, 100.0), (*p, math.nan), (*p, -1.0)):
        got = nearest_safe_cell(*args, *bad, R)
        assert got[2] == NO_SAFE_SPOT_IN_REACH and np.array_equal(got[:2], bad[:2], equal_nan=True)
