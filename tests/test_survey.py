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
    plan = plan_survey(targets, altitude_m=10, fov_deg=47, max_sortie_m=625, return_to_base=True)
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
    plan = plan_survey(targets, altitude_m=10, fov_deg=47, max_sortie_m=625, return_to_base=True)
    assert len(plan.photos_en_m) == 1
    assert set(plan.photo_targets[0]) == {"a", "b", "c"}
    assert plan.total_distance_m == pytest.approx(2 * np.hypot(*plan.photos_en_m[0]))


def test_split_matches_hand_worked_sorties():
    # targets 100 m east and 100 m west: one sortie E -> W costs 100 + 200 + 100 = 400 m
    targets = [Target("east", 100.0, 0.0), Target("west", -100.0, 0.0)]
    one = plan_survey(targets, altitude_m=1, fov_deg=10, max_sortie_m=450, return_to_base=True)
    assert len(one.sorties) == 1 and one.total_distance_m == pytest.approx(400.0, abs=0.5)
    # with 399 m allowed it takes two 200 m sorties
    two = plan_survey(targets, altitude_m=1, fov_deg=10, max_sortie_m=399, return_to_base=True)
    assert len(two.sorties) == 2
    assert [s.distance_m for s in two.sorties] == pytest.approx([200.0, 200.0], abs=0.5)


def test_two_opt_finds_the_polygon_on_a_circle():
    # points on a circle through the base: the shortest closed tour is the polygon itself
    ang = np.linspace(0, 2 * np.pi, 25, endpoint=False)[1:]
    e, n = 50 * np.sin(ang), 50 - 50 * np.cos(ang)  # the base (0, 0) is the 25th vertex
    rng = np.random.default_rng(3)
    perm = rng.permutation(len(ang))
    targets = [Target(f"p{k}", float(e[k]), float(n[k])) for k in perm]
    plan = plan_survey(targets, altitude_m=0.5, fov_deg=10, max_sortie_m=1e4, return_to_base=True)
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
        plan_survey(targets, max_sortie_m=625, return_to_base=True)
    msg = str(err.value)
    # 300/-200 m is 361 m away: more than half of 625 m
    assert "backshell" in msg and "cruise_balance_mass_1" in msg and "descent_stage" not in msg
    assert "\n" not in msg
    plan = plan_survey(targets, max_sortie_m=625, skip_unreachable=True, return_to_base=True)
    assert set(plan.skipped) == {"backshell", "cruise_balance_mass_1"}
    assert all("descent_stage" in names for names in plan.photo_targets)
    # a base beside the backshell makes it reachable
    moved = plan_survey(targets[:1], max_sortie_m=625, base_en_m=(250.0, -150.0), return_to_base=True)
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


# ----------------------------------------------------------------------- relocating (Ingenuity-style) flights


def _mst_length(xy: np.ndarray) -> float:
    """Minimum spanning tree over all pairs (scipy's own csgraph, independent of the planner's edge choice)."""
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial.distance import cdist

    return float(minimum_spanning_tree(cdist(xy, xy)).sum())


def _check_chain(plan, limit: float, base=(0.0, 0.0)):
    """Every flight within the limit; the first takes off at the base; each lands where the next takes off."""
    assert plan.relocating and plan.flights
    np.testing.assert_allclose(plan.flights[0].waypoints_en_m[0], base)
    for f in plan.flights:
        legs = np.hypot(*np.diff(f.waypoints_en_m, axis=0).T)
        assert f.distance_m == pytest.approx(legs.sum())
        assert f.distance_m <= limit * (1 + 1e-9)
    for a, b in zip(plan.flights[:-1], plan.flights[1:], strict=True):
        np.testing.assert_array_equal(a.waypoints_en_m[-1], b.waypoints_en_m[0])


def test_relocating_flights_chain_cover_and_stay_within_bounds():
    rng = np.random.default_rng(11)
    # a near field around the rover plus a few pieces 1-3 km out (beyond any out-and-back 625 m sortie)
    near = rng.uniform(-300, 300, (40, 2))
    far = rng.uniform(1000, 3000, (4, 1)) * np.column_stack([np.sin(a := rng.uniform(0, 6.28, 4)), np.cos(a)])
    xy = np.vstack([near, far])
    targets = [Target(f"t{k}", float(e), float(n)) for k, (e, n) in enumerate(xy)]
    plan = plan_survey(targets, altitude_m=10, fov_deg=47, max_sortie_m=625)
    _check_chain(plan, 625.0)
    assert plan.skipped == () and plan.beyond_flights == ()
    assert _covered(plan, xy, [t.name for t in targets]).all()
    flown = sorted(i for f in plan.flights for i in f.photos)
    assert flown == list(range(len(plan.photos_en_m)))  # every photo point taken exactly once
    # the route passes through the base and every photo point: no shorter than their spanning tree, and (started
    # from the tree's walk or better, then only shortened) no longer than twice it
    mst = _mst_length(np.vstack([[0.0, 0.0], plan.photos_en_m]))
    assert plan.lower_bound_m == pytest.approx(mst, rel=1e-9)
    assert mst - 1e-6 <= plan.total_distance_m <= 2 * mst + 1e-6
    assert plan.total_distance_m >= np.hypot(*xy.T).max() - plan.footprint_radius_m
    # no fewer flights than the distance allows
    assert len(plan.flights) >= np.ceil(plan.total_distance_m / 625 - 1e-9)


def test_a_long_leg_is_flown_in_equal_hops_on_the_straight_line():
    # one piece 1,000 m east: two hops of 500 m, the first landing half way
    plan = plan_survey([Target("backshell", 1000.0, 0.0)], altitude_m=10, fov_deg=47, max_sortie_m=625)
    assert len(plan.flights) == 2
    assert [f.distance_m for f in plan.flights] == pytest.approx([500.0, 500.0])
    np.testing.assert_allclose(plan.flights[0].end_en_m, [500.0, 0.0], atol=1e-9)
    assert plan.flights[0].photos == () and plan.flights[1].photos == (0,)
    # 4 km needs ceil(4000 / 625) = 7 hops of 571.4 m
    plan = plan_survey([Target("balance_mass", 0.0, -4000.0)], max_sortie_m=625)
    assert len(plan.flights) == 7
    assert [f.distance_m for f in plan.flights] == pytest.approx([4000 / 7] * 7)


def test_photo_points_are_packed_into_the_fewest_flights():
    # pieces every 300 m east: 0 -> 300 -> 600 fits one 625 m flight, 600 -> 900 the next
    targets = [Target(n, e, 0.0) for n, e in (("c", 900.0), ("a", 300.0), ("b", 600.0))]
    plan = plan_survey(targets, altitude_m=1, fov_deg=10, max_sortie_m=625)
    assert [f.distance_m for f in plan.flights] == pytest.approx([600.0, 300.0], abs=1e-6)
    covered = [sorted(n for i in f.photos for n in plan.photo_targets[i]) for f in plan.flights]
    assert covered == [["a", "b"], ["c"]]
    np.testing.assert_allclose(plan.flights[0].end_en_m, [600.0, 0.0], atol=0.5)


def test_points_on_a_ray_are_flown_straight_out():
    # whatever the input order, the shortest open path from the base visits them in order of distance
    d = np.random.default_rng(5).permutation(np.arange(1, 21) * 40.0)
    plan = plan_survey([Target(f"p{k}", float(x * 0.6), float(x * 0.8)) for k, x in enumerate(d)], altitude_m=0.5,
                       fov_deg=10, max_sortie_m=1e4)
    assert len(plan.flights) == 1
    assert plan.total_distance_m == pytest.approx(800.0, rel=1e-9)


def test_max_flights_names_the_targets_beyond_the_cap():
    targets = [Target("descent_stage", 100.0, 0.0), Target("entry_balance_mass_1", 10_000.0, 0.0)]
    full = plan_survey(targets, max_sortie_m=625)
    assert len(full.flights) == 1 + int(np.ceil(9900 / 625))  # 100 m, then 9,900 m in hops
    capped = plan_survey(targets, max_sortie_m=625, max_flights=5)
    assert len(capped.flights) == 5
    assert capped.beyond_flights == ("entry_balance_mass_1",)
    assert capped.to_dict()["beyond_flights"] == ["entry_balance_mass_1"]
    with pytest.raises(MarsEDLError, match="max_flights"):
        plan_survey(targets, max_flights=0)


def test_ellipses_too_large_to_tile_are_named_or_skipped():
    big = Target("entry_balance_mass_1", 40_000.0, 0.0, semi_major_m=7000.0, semi_minor_m=1300.0, azimuth_deg=98)
    small = Target("descent_stage", 50.0, 20.0, semi_major_m=30.0, semi_minor_m=15.0, azimuth_deg=80)
    with pytest.raises(MarsEDLError, match="entry_balance_mass_1") as err:
        plan_survey([big, small], altitude_m=10)
    assert "descent_stage" not in str(err.value)
    plan = plan_survey([big, small], altitude_m=10, skip_unreachable=True)
    assert plan.skipped == ("entry_balance_mass_1",)
    assert {n for names in plan.photo_targets for n in names} == {"descent_stage"}


# ------------------------------------------------------------------------------------ route improvement (or-opt)


def _brute_force_length(xy: np.ndarray, closed: bool) -> float:
    """Shortest route from node 0 through every point, by trying every order (independent of the planner)."""
    from itertools import permutations

    def length(order):
        pts = xy[list(order) + ([0] if closed else [])]
        return float(np.hypot(*np.diff(pts, axis=0).T).sum())

    return min(length((0, *perm)) for perm in permutations(range(1, len(xy))))


@pytest.mark.parametrize("closed", [False, True])
def test_or_opt_never_lengthens_a_two_opt_route_and_often_shortens_it(closed):
    from marsedl.survey import _improve, _length, _nearest_neighbour, _two_opt

    gains = []
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        xy = rng.uniform(-500.0, 500.0, (int(rng.integers(30, 81)), 2))
        start = _nearest_neighbour(xy)
        two = _two_opt(xy, start, closed=closed)
        both = _improve(xy, start, closed=closed)
        # still a route: every stop exactly once, from the base (node 0)
        assert both[0] == 0 and sorted(both.tolist()) == list(range(len(xy)))
        gains.append(_length(xy[two], closed) - _length(xy[both], closed))
    assert min(gains) >= -1e-9  # never longer than 2-opt alone
    assert max(gains) > 1.0  # and a real gain (metres) on at least one point set


def test_or_opt_moves_the_stop_two_opt_leaves_behind():
    from marsedl.survey import _improve, _length, _or_opt, _two_opt

    # an open path from the base B (0, 0): A is 30 m west, the rest a hook east and south:
    #   A(-30, 10)   B . C(10, 0)
    #                    D(10, -30)
    #   F(-30, -50)      E(10, -50)
    # flying A first then the hook (B A C D E F) is 2-opt optimal; the best route leaves A for last,
    # up the west side: 10 + 30 + 20 + 40 + 60 = 160 m. One or-opt move (A to the end) finds it.
    xy = np.array([[0.0, 0.0], [-30.0, 10.0], [10.0, 0.0], [10.0, -30.0], [10.0, -50.0], [-30.0, -50.0]])
    stuck = np.array([0, 1, 2, 3, 4, 5])
    assert _brute_force_length(xy, closed=False) == pytest.approx(160.0)
    np.testing.assert_array_equal(_two_opt(xy, stuck, closed=False), stuck)  # 2-opt cannot improve it
    assert _length(xy[stuck], False) > 160.0 + 1.0
    one = _or_opt(xy, stuck, closed=False, max_passes=1)
    assert _length(xy[one], False) == pytest.approx(160.0)
    np.testing.assert_array_equal(one, [0, 2, 3, 4, 5, 1])
    assert _length(xy[_improve(xy, stuck, closed=False)], False) == pytest.approx(160.0)


def test_or_opt_fixes_a_two_opt_optimal_closed_tour():
    from marsedl.survey import _length, _or_opt, _two_opt

    # a closed tour over six points that 2-opt cannot shorten, but moving one stop does (reference: all 120 orders)
    xy = np.array([[60.0, 20.0], [10.0, 50.0], [60.0, 10.0], [20.0, 0.0], [60.0, 60.0], [40.0, 30.0]])
    stuck = np.array([0, 2, 3, 5, 1, 4])
    best = _brute_force_length(xy, closed=True)
    np.testing.assert_array_equal(_two_opt(xy, stuck, closed=True), stuck)
    assert _length(xy[stuck], True) > best + 1.0
    one = _or_opt(xy, stuck, closed=True, max_passes=1)
    assert one[0] == 0 and sorted(one.tolist()) == list(range(6))
    assert _length(xy[one], True) == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize("closed", [False, True])
def test_route_reaches_the_brute_force_optimum_on_small_sets_and_visits_each_stop_once(closed):
    from marsedl.survey import _length, _route

    for seed in range(6):
        xy = np.random.default_rng(200 + seed).uniform(-300.0, 300.0, (8, 2))
        route, _ = _route(xy, closed=closed)
        assert route[0] == 0 and sorted(route.tolist()) == list(range(8))
        # a local optimum: never shorter than the true optimum, and within 5 % of it on 8 points
        best = _brute_force_length(xy, closed)
        assert best - 1e-9 <= _length(xy[route], closed) <= 1.05 * best
