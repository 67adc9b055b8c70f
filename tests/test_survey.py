"""Debris survey planning: coverage, sortie limits, route length bounds, and honest errors."""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.errors import MarsEDLError
from marsedl.planet import MARS
from marsedl.survey import (
    Target,
    footprint_side_m,
    from_local_en,
    inside_ellipse,
    plan_survey,
    targets_from_ellipses,
    targets_from_impacts,
    to_local_en,
)


def _covered(plan, xy: np.ndarray, names: list[str] | None = None) -> np.ndarray:
    """Is each point within the inscribed footprint circle of a photo (listed as covering it, when named)?"""
    d = np.hypot(xy[:, None, 0] - plan.photos_en_m[None, :, 0], xy[:, None, 1] - plan.photos_en_m[None, :, 1])
    ok = d <= plan.footprint_radius_m + 1e-9
    if names is not None:
        listed = np.array([[n in plan.photo_targets[j] for j in range(len(plan.photos_en_m))] for n in names])
        ok &= listed
    return ok.any(axis=1)


def test_footprint_side_is_two_h_tan_half_fov():
    # 10 m altitude, 47 deg: 2 * 10 * tan(23.5 deg) = 8.697 m (the "~8.7 m")
    assert footprint_side_m(10.0, 47.0) == pytest.approx(8.697, abs=1e-3)
    # 90 deg field of view sees a square twice the altitude wide
    assert footprint_side_m(24.0, 90.0) == pytest.approx(48.0)


def test_local_frame_round_trip_and_scale():
    r = MARS.mean_radius_m
    # one degree of latitude due north is R * pi / 180 metres north, nothing east
    e, n = to_local_en(19.0, 77.0, 18.0, 77.0, r)
    assert e == pytest.approx(0.0, abs=1e-6)
    assert n == pytest.approx(r * np.pi / 180.0, rel=1e-12)
    rng = np.random.default_rng(1)
    east, north = rng.uniform(-50e3, 50e3, 20), rng.uniform(-50e3, 50e3, 20)
    lat, lon = from_local_en(east, north, 18.4447, 77.4508, r)
    e2, n2 = to_local_en(lat, lon, 18.4447, 77.4508, r)
    np.testing.assert_allclose(e2, east, atol=1e-6)
    np.testing.assert_allclose(n2, north, atol=1e-6)


def test_every_point_target_is_photographed_and_every_sortie_fits():
    rng = np.random.default_rng(7)
    ang = rng.uniform(0, 2 * np.pi, 60)
    rad = rng.uniform(20, 300, 60)
    targets = [Target(f"t{k}", float(r * np.sin(a)), float(r * np.cos(a)))
               for k, (a, r) in enumerate(zip(ang, rad, strict=True))]
    plan = plan_survey(targets, altitude_m=10, fov_deg=47, max_sortie_m=625)
    xy = np.array([[t.east_m, t.north_m] for t in targets])
    assert _covered(plan, xy, [t.name for t in targets]).all()
    # each sortie starts and ends at the base, and stays within the limit (out and back included)
    for s in plan.sorties:
        assert s.distance_m <= 625 + 1e-6
        np.testing.assert_allclose(s.waypoints_en_m[0], [0, 0])
        np.testing.assert_allclose(s.waypoints_en_m[-1], [0, 0])
        seg = np.hypot(*np.diff(s.waypoints_en_m, axis=0).T).sum()
        assert s.distance_m == pytest.approx(seg)
    # every photo point is flown exactly once
    flown = sorted(i for s in plan.sorties for i in s.photos)
    assert flown == list(range(len(plan.photos_en_m)))
    # shorter than the naive star plan (one sortie per photo), and no shorter than flying to the farthest point
    assert plan.total_distance_m <= plan.star_distance_m
    far = np.hypot(*plan.photos_en_m.T).max()
    assert plan.total_distance_m >= 2 * far - 1e-9
    # the route is a real improvement on the star for 60 scattered points
    assert plan.total_distance_m < 0.8 * plan.star_distance_m


def test_points_closer_than_a_footprint_share_one_photo():
    # three pieces within 2 m of each other: one 8.7 m photo covers them all
    targets = [Target("a", 100.0, 0.0), Target("b", 101.5, 1.0), Target("c", 100.5, -1.5)]
    plan = plan_survey(targets, altitude_m=10, fov_deg=47, max_sortie_m=625)
    assert len(plan.photos_en_m) == 1
    assert set(plan.photo_targets[0]) == {"a", "b", "c"}
    assert plan.total_distance_m == pytest.approx(2 * np.hypot(*plan.photos_en_m[0]))


def test_split_matches_hand_worked_sorties():
    # targets 100 m east and 100 m west: one sortie E -> W costs 100 + 200 + 100 = 400 m
    targets = [Target("east", 100.0, 0.0), Target("west", -100.0, 0.0)]
    one = plan_survey(targets, altitude_m=1, fov_deg=10, max_sortie_m=450)
    assert len(one.sorties) == 1 and one.total_distance_m == pytest.approx(400.0, abs=0.5)
    # with 399 m allowed it takes two 200 m sorties
    two = plan_survey(targets, altitude_m=1, fov_deg=10, max_sortie_m=399)
    assert len(two.sorties) == 2
    assert [s.distance_m for s in two.sorties] == pytest.approx([200.0, 200.0], abs=0.5)


def test_two_opt_finds_the_polygon_on_a_circle():
    # points on a circle through the base: the shortest closed tour is the polygon itself
    ang = np.linspace(0, 2 * np.pi, 25, endpoint=False)[1:]
    e, n = 50 * np.sin(ang), 50 - 50 * np.cos(ang)  # the base (0, 0) is the 25th vertex
    rng = np.random.default_rng(3)
    perm = rng.permutation(len(ang))
    targets = [Target(f"p{k}", float(e[k]), float(n[k])) for k in perm]
    plan = plan_survey(targets, altitude_m=0.5, fov_deg=10, max_sortie_m=1e4)
    polygon = 25 * 2 * 50 * np.sin(np.pi / 25)
    assert len(plan.sorties) == 1
    assert plan.total_distance_m == pytest.approx(polygon, rel=1e-6)


def test_ellipse_is_tiled_by_footprints():
    el = {"name": "heat_shield", "center_lat_deg": 18.4447, "center_lon_deg": 77.4508 + 0.002,
          "semi_major_km": 0.05, "semi_minor_km": 0.02, "azimuth_deg": 60.0}
    (t,) = targets_from_ellipses([el], 18.4447, 77.4508, MARS.mean_radius_m)
    assert t.distance_m == pytest.approx(MARS.mean_radius_m * np.radians(0.002) * np.cos(np.radians(18.4447)),
                                         rel=1e-4)
    plan = plan_survey([t], altitude_m=10, fov_deg=47, max_sortie_m=2000)
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(t.east_m - 60, t.east_m + 60, 4000),
                           rng.uniform(t.north_m - 60, t.north_m + 60, 4000)])
    pts = pts[inside_ellipse(pts, t.east_m, t.north_m, 50.0, 20.0, 60.0)]
    assert len(pts) > 500
    assert _covered(plan, pts).all()
    # no more photos than twice the area ratio (the grid is not wasteful)
    cell = (plan.footprint_radius_m * np.sqrt(2)) ** 2
    assert len(plan.photos_en_m) < 2 * np.pi * 50 * 20 / cell + 60


def test_unreachable_targets_are_named_or_skipped():
    targets = [Target("backshell", 300.0, -200.0), Target("cruise_balance_mass_1", -48000.0, 8000.0),
               Target("descent_stage", 100.0, 50.0)]
    with pytest.raises(MarsEDLError) as err:
        plan_survey(targets, max_sortie_m=625)
    msg = str(err.value)
    # 300/-200 m is 361 m away: more than half of 625 m
    assert "backshell" in msg and "cruise_balance_mass_1" in msg and "descent_stage" not in msg
    assert "\n" not in msg
    plan = plan_survey(targets, max_sortie_m=625, skip_unreachable=True)
    assert set(plan.skipped) == {"backshell", "cruise_balance_mass_1"}
    assert all("descent_stage" in names for names in plan.photo_targets)
    # a base beside the backshell makes it reachable
    moved = plan_survey(targets[:1], max_sortie_m=625, base_en_m=(250.0, -150.0))
    assert moved.skipped == () and len(moved.sorties) == 1


@pytest.mark.parametrize(("kw", "field"), [({"altitude_m": 0}, "altitude_m"), ({"fov_deg": 180}, "fov_deg"),
                                           ({"max_sortie_m": -5}, "max_sortie_m"),
                                           ({"altitude_m": float("nan")}, "altitude_m")])
def test_bad_limits_are_one_line_errors(kw, field):
    with pytest.raises(MarsEDLError, match=field):
        plan_survey([Target("a", 10.0, 0.0)], **kw)


def test_targets_from_impacts_match_their_distance():
    rows = [{"body": "heat_shield", "lat_deg": 18.4447 - 0.01, "lon_deg": 77.4508}]
    (t,) = targets_from_impacts(rows, 18.4447, 77.4508, 3.39e6)
    assert t.north_m == pytest.approx(-3.39e6 * np.radians(0.01), rel=1e-9)
    assert t.east_m == pytest.approx(0.0, abs=1e-6)
