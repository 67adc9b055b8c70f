"""Debris survey planning: helicopter flights that photograph every piece of debris, Ingenuity-style.

A model, no plotting: targets are points (a nominal run's impacts) or ellipses (a Monte Carlo run's impact
ellipses) in metres east/north of the rover (a local azimuthal-equidistant frame: distance and bearing from
the rover are exact, as in :class:`marsedl.result.Impact`). The plan

1. places photo points whose ground footprint covers every target (a point target is covered when it lies
   within the footprint's inscribed circle, radius ``h tan(fov/2)``, so the heading of the helicopter does
   not matter; an ellipse is tiled by a square grid of such circles),
2. orders them in one short route from the base (nearest neighbour, or the preorder walk of the minimum
   spanning tree when shorter, then 2-opt and or-opt),
3. cuts the route into flights of at most ``max_sortie_m`` each:

   - **relocating** (the default, as Ingenuity flew: each flight landed at a new site and the next took off
     from there): the route is an open path from the base; each flight lands at its last photo point, and a
     leg longer than the limit is flown in equal hops landing on the straight line between its two photo
     points. Every target is reachable; far debris simply takes many flights. Consecutive flights are packed
     greedily along the route, which gives the fewest flights for that route and those landing points.
   - **return to base** (``return_to_base=True``): a closed tour cut into out-and-back sorties from the base
     (the optimal split of the tour order, a shortest path over tour cuts); targets farther than half the limit
     are unreachable and named.

Bounds (relocating): the route is a path through the base and every photo point, so it is at least the minimum
spanning tree of those points; it is started from the better of the nearest-neighbour path and the tree's
preorder walk (at most twice the tree), and 2-opt and or-opt only shorten it, so it is at most twice the tree.

Honest numbers: Ingenuity's longest flight was 704 m (flight 25, 2022-04-08; flight 9, 2021-07-05, covered
625 m), at up to 24 m altitude (flight 61) — JPL Ingenuity flight log,
https://mars.nasa.gov/technology/helicopter/#Flight-Log. The default 47° field of view is issue 5's figure for
the colour camera (check it against the camera's specification before relying on it). From 10 m a 47°
camera sees an 8.7 m square, and the debris of an EDL lies from a few hundred metres to ~50 km from the
rover: the balance masses tens of km away take a hundred flights or more, and the plan says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from marsedl.errors import MarsEDLError
from marsedl.planet import destination, surface_distance_bearing

#: Largest number of photo points a plan may need before it is called impossible (tiling an ellipse
#: kilometres wide from 10 m needs hundreds of thousands of photos: raise the altitude instead).
MAX_PHOTOS = 20000

#: Above this many points the route is not improved by 2-opt and or-opt (each pass costs O(n^2)); the start
#: route is kept.
TWO_OPT_MAX = 1500

#: Above this many points the minimum spanning tree is searched among Delaunay edges, not all pairs.
DENSE_MST_MAX = 1500

#: Largest number of flights a plan may hold before the sortie limit is called too short for the distances.
MAX_FLIGHTS = 200_000


# ----------------------------------------------------------------------------------------- geometry


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


# ------------------------------------------------------------------------------------------ targets


@dataclass(frozen=True)
class Target:
    """A thing to photograph: a point (``semi_major_m == 0``) or an ellipse, in metres east/north of the rover."""

    name: str
    east_m: float
    north_m: float
    semi_major_m: float = 0.0
    semi_minor_m: float = 0.0
    azimuth_deg: float = 0.0

    @property
    def is_ellipse(self) -> bool:
        return self.semi_major_m > 0.0

    @property
    def distance_m(self) -> float:
        """Distance from the rover to the target's centre."""
        return float(np.hypot(self.east_m, self.north_m))


def targets_from_impacts(impacts: Any, origin_lat_deg: float, origin_lon_deg: float,
                         radius_m: float) -> list[Target]:
    """Point targets from :class:`marsedl.result.Impact` objects (or dicts with body/lat_deg/lon_deg)."""
    rows = [i.to_dict() if hasattr(i, "to_dict") else dict(i) for i in impacts]
    if not rows:
        return []
    e, n = to_local_en([r["lat_deg"] for r in rows], [r["lon_deg"] for r in rows], origin_lat_deg,
                       origin_lon_deg, radius_m)
    return [Target(name=str(r["body"]), east_m=float(x), north_m=float(y)) for r, x, y in zip(rows, e, n, strict=True)]


def targets_from_ellipses(ellipses: Any, origin_lat_deg: float, origin_lon_deg: float,
                          radius_m: float) -> list[Target]:
    """Ellipse targets from dicts with ``name`` (or ``body``), ``center_lat_deg``, ``center_lon_deg``,
    ``semi_major_km``, ``semi_minor_km`` and ``azimuth_deg`` (the Monte Carlo summary's shape)."""
    out = []
    for k, el in enumerate(ellipses):
        e, n = to_local_en(el["center_lat_deg"], el["center_lon_deg"], origin_lat_deg, origin_lon_deg, radius_m)
        out.append(Target(name=str(el.get("name", el.get("body", f"ellipse_{k + 1}"))), east_m=float(e),
                          north_m=float(n), semi_major_m=float(el["semi_major_km"]) * 1e3,
                          semi_minor_m=float(el["semi_minor_km"]) * 1e3, azimuth_deg=float(el["azimuth_deg"])))
    return out


# ------------------------------------------------------------------------------------------- photos


def _point_photos(pts: np.ndarray, radius: float) -> tuple[np.ndarray, list[list[int]]]:
    """Greedy cover of points by circles of ``radius``: each photo covers the points near one seed point."""
    order = np.lexsort((pts[:, 1], pts[:, 0]))
    covered = np.zeros(len(pts), dtype=bool)
    centres, members = [], []
    for i in order:
        if covered[i]:
            continue
        near = np.flatnonzero(~covered & (np.hypot(*(pts - pts[i]).T) <= 2.0 * radius))
        # centre on the bounding-box middle of the group when that still covers all of it, else on the seed
        c = 0.5 * (pts[near].min(axis=0) + pts[near].max(axis=0))
        inside = np.hypot(*(pts[near] - c).T) <= radius
        if not inside.all():
            c = pts[i]
            near = np.flatnonzero(~covered & (np.hypot(*(pts - c).T) <= radius))
        covered[near] = True
        centres.append(c)
        members.append([int(k) for k in near])
    return np.array(centres).reshape(-1, 2), members


def _ellipse_cells(t: Target, radius: float) -> float:
    """Upper estimate of the photos tiling an ellipse needs (its bounding box in grid cells)."""
    step = radius * np.sqrt(2.0)
    return (2 * t.semi_major_m / step + 2) * (2 * t.semi_minor_m / step + 2)


def _ellipse_photos(t: Target, radius: float) -> np.ndarray:
    """Square grid of circles (spacing ``radius * sqrt(2)``: the circles cover the plane) over the ellipse."""
    step = radius * np.sqrt(2.0)
    a, b = t.semi_major_m, t.semi_minor_m
    if _ellipse_cells(t, radius) > MAX_PHOTOS:
        raise MarsEDLError(f"target '{t.name}': tiling its {a / 1e3:.2f} x {b / 1e3:.2f} km ellipse needs about "
                           f"{_ellipse_cells(t, radius):,.0f} photos at this altitude (limit {MAX_PHOTOS:,}); "
                           "raise --altitude")
    # sample the ellipse (interior grid finer than the cells, plus its boundary), keep the cells they fall in
    fine = step / 3.0
    nu = int(np.ceil(a / fine)) + 1
    nv = int(np.ceil(b / fine)) + 1
    u, v = np.meshgrid(np.linspace(-a, a, 2 * nu + 1), np.linspace(-b, b, 2 * nv + 1))
    keep = (u / a) ** 2 + (v / max(b, 1e-12)) ** 2 <= 1.0
    az = np.radians(t.azimuth_deg)
    e = t.east_m + u[keep] * np.sin(az) + v[keep] * np.cos(az)
    n = t.north_m + u[keep] * np.cos(az) - v[keep] * np.sin(az)
    samples = np.vstack([np.column_stack([e, n]),
                         ellipse_boundary(t.east_m, t.north_m, a, b, t.azimuth_deg, n=max(72, int(8 * a / step)))])
    origin = np.array([t.east_m, t.north_m])
    cells = np.unique(np.floor((samples - origin) / step).astype(np.int64), axis=0)
    return origin + (cells + 0.5) * step


# -------------------------------------------------------------------------------------------- route


def _length(xy: np.ndarray, closed: bool) -> float:
    """Length of a polyline through ``xy`` (back to the first point when ``closed``)."""
    pts = np.vstack([xy, xy[:1]]) if closed else xy
    return float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0


def _nearest_neighbour(xy: np.ndarray) -> np.ndarray:
    """Route starting at node 0 (the base), always flying to the nearest unvisited point."""
    n = len(xy)
    left = np.ones(n, dtype=bool)
    left[0] = False
    tour = [0]
    for _ in range(n - 1):
        d = np.hypot(*(xy - xy[tour[-1]]).T)
        d[~left] = np.inf
        j = int(np.argmin(d))
        tour.append(j)
        left[j] = False
    return np.array(tour)


def minimum_spanning_tree(xy: np.ndarray) -> tuple[float, Any]:
    """Euclidean minimum spanning tree of points ``(n, 2)``: ``(length_m, sparse tree)``.

    All pairs are candidate edges up to :data:`DENSE_MST_MAX` points; above, the Delaunay triangulation's edges
    (which hold every Euclidean minimum spanning tree).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree as _mst

    n = len(xy)
    if n < 2:
        return 0.0, coo_matrix((n, n)).tocsr()
    if n <= DENSE_MST_MAX:
        i, j = np.triu_indices(n, k=1)
    else:
        from scipy.spatial import Delaunay

        tri = Delaunay(xy, qhull_options="QJ").simplices
        e = np.vstack([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]])
        e = np.unique(np.sort(e, axis=1), axis=0)
        i, j = e[:, 0], e[:, 1]
    # coincident points: a tiny positive weight keeps the edge (a zero would be read as "no edge")
    w = np.maximum(np.hypot(*(xy[i] - xy[j]).T), 1e-9)
    tree = _mst(coo_matrix((w, (i, j)), shape=(n, n)).tocsr())
    return float(tree.sum()), tree


def _tree_walk(tree: Any) -> np.ndarray:
    """Preorder (depth-first) walk of a spanning tree from node 0: at most twice the tree long."""
    from scipy.sparse.csgraph import depth_first_order

    return np.asarray(depth_first_order(tree, 0, directed=False, return_predecessors=False), dtype=np.int64)


def _two_opt(xy: np.ndarray, route: np.ndarray, *, closed: bool, max_passes: int = 50) -> np.ndarray:
    """2-opt improvement of a route from node 0: reverse ``route[i+1..j]`` when that is shorter.

    A closed tour returns to node 0 after its last point; an open path ends free (its last edge costs nothing
    to change). Vectorised over the second edge.
    """
    route = route.copy()
    n = len(route)
    if n < (4 if closed else 3):
        return route
    for _ in range(max_passes):
        improved = False
        for i in range(0, n - 2):
            p = xy[route]
            a, b = p[i], p[i + 1]
            c = p[i + 2:]  # the reversed segment's new first point p[j], j = i+2 .. n-1
            nxt = np.vstack([p[i + 3:], p[:1]]) if closed else p[i + 3:]  # p[j + 1]; node 0 closes a tour
            tail_new = np.hypot(*(b - nxt).T)
            tail_old = np.hypot(*(c[:len(nxt)] - nxt).T)
            if not closed:  # the last j has no successor: the path's free end
                tail_new, tail_old = np.r_[tail_new, 0.0], np.r_[tail_old, 0.0]
            delta = np.hypot(*(a - c).T) + tail_new - np.hypot(*(a - b)) - tail_old
            k = int(np.argmin(delta))
            if delta[k] < -1e-9:
                j = i + 2 + k
                route[i + 1:j + 1] = route[i + 1:j + 1][::-1]
                improved = True
        if not improved:
            break
    return route


def _or_opt(xy: np.ndarray, route: np.ndarray, *, closed: bool, max_passes: int = 50,
            max_segment: int = 3) -> np.ndarray:
    """Or-opt improvement of a route from node 0: move 1..``max_segment`` consecutive stops elsewhere.

    A segment ``route[i:i+L]`` (never node 0, which stays first) is cut out, its neighbours joined, and it is
    put back between two other consecutive stops (or, on an open path, after the last stop), either way round;
    the best such move for the segment is taken when it shortens the route. All insertion positions of a
    segment are evaluated at once as arrays. Catches what 2-opt cannot: a stop passed on the way out and
    flown back to later.
    """
    route = route.copy()
    n = len(route)
    if n < (4 if closed else 3):
        return route
    for _ in range(max_passes):
        improved = False
        for length in range(1, max_segment + 1):
            p = xy[route]
            edge = np.hypot(*(p - np.roll(p, -1, axis=0)).T)  # p[k] -> p[k + 1]; p[n-1] -> p[0] closes a tour
            i = 1
            while i + length <= n:
                j = i + length  # the stop after the segment (n: the open path's free end, or node 0 if closed)
                first, last, prev = p[i], p[j - 1], p[i - 1]
                if j < n or closed:
                    after = p[j % n]
                    removed = np.hypot(*(prev - first)) + np.hypot(*(last - after)) - np.hypot(*(prev - after))
                else:
                    removed = float(np.hypot(*(prev - first)))
                d_first = np.hypot(*(p - first).T)
                d_last = np.hypot(*(p - last).T)
                # insert into edge k (p[k] -> p[k + 1]) forwards (first..last) or reversed (last..first)
                fwd = d_first + np.roll(d_last, -1) - edge
                rev = d_last + np.roll(d_first, -1) - edge
                ok = np.ones(n, dtype=bool)
                ok[i - 1:j] = False  # the edges touching or inside the segment
                if not closed:
                    # edge n-1 is the free end: hang the segment after the last stop (valid unless it is there)
                    fwd[-1], rev[-1] = d_first[-1], d_last[-1]
                    ok[-1] = j < n
                add = np.where(ok, np.minimum(fwd, rev), np.inf)
                k = int(np.argmin(add))
                if add[k] - removed < -1e-9:
                    seg = route[i:j] if fwd[k] <= rev[k] else route[i:j][::-1]
                    rest = np.r_[route[:i], route[j:]]
                    at = k + 1 if k < i else k + 1 - length  # position in ``rest`` after stop p[k]
                    route = np.r_[rest[:at], seg, rest[at:]]
                    p = xy[route]
                    edge = np.hypot(*(p - np.roll(p, -1, axis=0)).T)
                    improved = True
                else:
                    i += 1
        if not improved:
            break
    return route


def _improve(xy: np.ndarray, route: np.ndarray, *, closed: bool, max_rounds: int = 20) -> np.ndarray:
    """2-opt and or-opt in turn until neither shortens the route (at most ``max_rounds`` rounds)."""
    best = _two_opt(xy, route, closed=closed)
    for _ in range(max_rounds):
        moved = _or_opt(xy, best, closed=closed)
        if _length(xy[moved], closed) >= _length(xy[best], closed) - 1e-9:
            break
        best = _two_opt(xy, moved, closed=closed)
    return best


def _route(xy: np.ndarray, *, closed: bool) -> tuple[np.ndarray, float]:
    """A short route through every point from node 0 (closed tour or open path), and the points' tree length.

    Starts from the shorter of the nearest-neighbour route and the spanning tree's preorder walk, then 2-opt and
    or-opt in turn (up to :data:`TWO_OPT_MAX` points).
    """
    mst_m, tree = minimum_spanning_tree(xy)
    best = _nearest_neighbour(xy)
    if len(xy) > 2:
        walk = _tree_walk(tree)
        if len(walk) == len(xy) and _length(xy[walk], closed) < _length(xy[best], closed):
            best = walk
    if len(xy) <= TWO_OPT_MAX + 1:
        best = _improve(xy, best, closed=closed)
    return best, mst_m


def _split(order_xy: np.ndarray, base: np.ndarray, limit: float) -> list[tuple[int, int]]:
    """Optimal cut of an ordered list of points into base-to-base sorties no longer than ``limit``.

    Returns ``[(start, stop), ...]`` slices of the order. Cost of a sortie over points ``i..j`` is
    ``|base - p_i| + path(i..j) + |p_j - base|``; a shortest path over cut positions (Beasley's split).
    """
    n = len(order_xy)
    d_base = np.hypot(*(order_xy - base).T)
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(order_xy, axis=0).T))])
    best = np.full(n + 1, np.inf)
    best[0] = 0.0
    prev = np.zeros(n + 1, dtype=np.int64)
    for j in range(n):
        i = np.arange(j + 1)
        cost = d_base[i] + (cum[j] - cum[i]) + d_base[j]
        total = np.where(cost <= limit * (1 + 1e-12), best[i] + cost, np.inf)
        k = int(np.argmin(total))
        best[j + 1] = total[k]
        prev[j + 1] = k
    if not np.isfinite(best[n]):  # pragma: no cover - unreachable points are removed before
        raise MarsEDLError("max_sortie_m: the route cannot be cut into sorties within the limit")
    cuts, j = [], n
    while j > 0:
        cuts.append((int(prev[j]), j))
        j = int(prev[j])
    return cuts[::-1]


def _hops(route_xy: np.ndarray, photo: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Insert hop points on every leg longer than ``limit`` (equal hops, ``ceil(L / limit)`` of them).

    Returns the points ``(m, 2)`` and, for each, its photo index (-1 for the base and hop points).
    """
    legs = np.diff(route_xy, axis=0)
    length = np.hypot(*legs.T)
    k = np.maximum(1, np.ceil(length / limit * (1 - 1e-12))).astype(np.int64)
    if int(k.sum()) > MAX_FLIGHTS:
        raise MarsEDLError(f"max_sortie_m = {limit:g} m: the route ({length.sum() / 1e3:,.1f} km) would take more "
                           f"than {MAX_FLIGHTS:,} flights; give a longer --max-sortie-m")
    leg = np.repeat(np.arange(len(legs)), k)
    step = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k) + 1  # 1 .. k within each leg
    t = step / k[leg]
    pts = np.vstack([route_xy[:1], route_xy[leg] + t[:, None] * legs[leg]])
    kind = np.where(step == k[leg], photo[leg + 1], -1)
    return pts, np.r_[photo[0], kind]


def _pack(pts: np.ndarray, limit: float) -> list[tuple[int, int]]:
    """Greedy cut of a path (every leg within ``limit``) into flights: ``[(first, last), ...]`` point indices."""
    cum = np.r_[0.0, np.cumsum(np.hypot(*np.diff(pts, axis=0).T))]
    cuts, s, last = [], 0, len(pts) - 1
    while s < last:
        e = int(np.searchsorted(cum, cum[s] + limit * (1 + 1e-9), side="right")) - 1
        e = min(max(e, s + 1), last)
        cuts.append((s, e))
        s = e
    return cuts


# --------------------------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Sortie:
    """One flight: take-off at its first waypoint, land at its last, photographing ``photos`` on the way.

    In a relocating plan a flight lands where the next one takes off (a photo point or a hop point); in a
    return-to-base plan it starts and ends at the base.
    """

    index: int
    photos: tuple[int, ...]
    waypoints_en_m: np.ndarray = field(repr=False)
    distance_m: float = 0.0

    @property
    def start_en_m(self) -> tuple[float, float]:
        return (float(self.waypoints_en_m[0, 0]), float(self.waypoints_en_m[0, 1]))

    @property
    def end_en_m(self) -> tuple[float, float]:
        return (float(self.waypoints_en_m[-1, 0]), float(self.waypoints_en_m[-1, 1]))

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "photos": list(self.photos), "distance_m": self.distance_m,
                "start_en_m": list(self.start_en_m), "end_en_m": list(self.end_en_m),
                "waypoints_en_m": np.round(self.waypoints_en_m, 3).tolist()}


@dataclass(frozen=True)
class SurveyPlan:
    """A debris survey: photo points covering every target, and the flights that visit them.

    Attributes
    ----------
    photos_en_m : ndarray (k, 2)
        Photo points, metres east/north of the rover.
    photo_targets : tuple of tuple of str
        Names of the targets each photo covers.
    sorties : tuple of Sortie
        The flights, in flying order (also :attr:`flights`).
    relocating : bool
        True: each flight lands where the next takes off (Ingenuity-style); False: every sortie returns to
        ``base_en_m``.
    skipped : tuple of str
        Targets left out (only with ``skip_unreachable``): out of reach of a return-to-base sortie, or an
        ellipse too large to tile at this altitude.
    beyond_flights : tuple of str
        Targets not (fully) photographed within ``max_flights`` flights.
    star_distance_m : float
        Total of the naive plan (one sortie per photo point, straight out and back from the base).
    lower_bound_m : float
        No plan over these photo points can fly less: the spanning tree of the base and the photo points
        (relocating), or twice the farthest photo point's distance (return to base).
    """

    targets: tuple[Target, ...]
    base_en_m: tuple[float, float]
    altitude_m: float
    fov_deg: float
    max_sortie_m: float
    footprint_side_m: float
    photos_en_m: np.ndarray = field(repr=False)
    photo_targets: tuple[tuple[str, ...], ...]
    sorties: tuple[Sortie, ...]
    skipped: tuple[str, ...]
    star_distance_m: float
    relocating: bool = True
    lower_bound_m: float = 0.0
    max_flights: int | None = None
    beyond_flights: tuple[str, ...] = ()

    @property
    def flights(self) -> tuple[Sortie, ...]:
        return self.sorties

    @property
    def footprint_radius_m(self) -> float:
        """Radius of the footprint's inscribed circle: what a photo is sure to cover, whatever the heading."""
        return 0.5 * self.footprint_side_m

    @property
    def total_distance_m(self) -> float:
        return float(sum(s.distance_m for s in self.sorties))

    @property
    def mode(self) -> str:
        return "relocating" if self.relocating else "return_to_base"

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode, "base_en_m": list(self.base_en_m), "altitude_m": self.altitude_m,
            "camera_fov_deg": self.fov_deg, "max_sortie_m": self.max_sortie_m,
            "footprint_side_m": self.footprint_side_m,
            "targets": [{"name": t.name, "east_m": t.east_m, "north_m": t.north_m,
                         **({"semi_major_m": t.semi_major_m, "semi_minor_m": t.semi_minor_m,
                             "azimuth_deg": t.azimuth_deg} if t.is_ellipse else {})} for t in self.targets],
            "photos": [{"east_m": float(p[0]), "north_m": float(p[1]), "targets": list(names)}
                       for p, names in zip(self.photos_en_m, self.photo_targets, strict=True)],
            "flights": len(self.sorties), "sorties": [s.to_dict() for s in self.sorties],
            "total_distance_m": self.total_distance_m, "lower_bound_m": self.lower_bound_m,
            "star_distance_m": self.star_distance_m, "skipped": list(self.skipped),
            "max_flights": self.max_flights, "beyond_flights": list(self.beyond_flights),
        }


def _check(name: str, value: float, lo: float, hi: float, unit: str) -> float:
    v = float(value)
    if not np.isfinite(v) or not lo < v < hi:
        raise MarsEDLError(f"{name} = {value}: must be between {lo:g} and {hi:g} {unit} (exclusive)")
    return v


def _photos(targets: list[Target], r: float, skip: bool) -> tuple[np.ndarray, list[list[str]], list[str]]:
    """Photo points covering the targets, their owners, and the ellipses too large to tile (when skipped)."""
    # the photo budget goes to the smallest ellipses first; those that do not fit are too large to tile
    budget = MAX_PHOTOS - sum(1 for t in targets if not t.is_ellipse)
    too_big = []
    for t in sorted((t for t in targets if t.is_ellipse), key=lambda t: _ellipse_cells(t, r)):
        need = _ellipse_cells(t, r)
        if need <= budget:
            budget -= need
        else:
            too_big.append(t)
    if too_big and not skip:
        listed = ", ".join(f"{t.name} ({t.semi_major_m / 1e3:.2f} x {t.semi_minor_m / 1e3:.2f} km, ~"
                           f"{_ellipse_cells(t, r):,.0f} photos)" for t in too_big)
        raise MarsEDLError(f"{len(too_big)} ellipses are too large to tile from this altitude (limit "
                           f"{MAX_PHOTOS:,} photos in all): {listed}; raise --altitude, lower --probability or use "
                           "--skip-unreachable")
    big = {t.name for t in too_big}
    centres: list[np.ndarray] = []
    owners: list[list[str]] = []
    points = [t for t in targets if not t.is_ellipse]
    if points:
        pts = np.array([[t.east_m, t.north_m] for t in points])
        c, members = _point_photos(pts, r)
        centres.append(c)
        owners.extend([points[k].name for k in m] for m in members)
    for t in (t for t in targets if t.is_ellipse and t.name not in big):
        c = _ellipse_photos(t, r)
        centres.append(c)
        owners.extend([t.name] for _ in range(len(c)))
    photos = np.vstack(centres) if centres else np.zeros((0, 2))
    if len(photos) > MAX_PHOTOS:
        raise MarsEDLError(f"the survey needs {len(photos):,} photos (limit {MAX_PHOTOS:,}); raise --altitude")
    return photos, owners, sorted(big)


def _flight(index: int, path: np.ndarray, photos: np.ndarray) -> Sortie:
    return Sortie(index=index, photos=tuple(int(i) for i in photos), waypoints_en_m=path,
                  distance_m=float(np.hypot(*np.diff(path, axis=0).T).sum()))


def plan_survey(targets: list[Target], *, altitude_m: float = 10.0, fov_deg: float = 47.0,
                max_sortie_m: float = 625.0, base_en_m: tuple[float, float] = (0.0, 0.0),
                skip_unreachable: bool = False, return_to_base: bool = False,
                max_flights: int | None = None) -> SurveyPlan:
    """Plan helicopter flights that photograph every target.

    Parameters
    ----------
    targets : list of Target
        Points and/or ellipses in metres east/north of the rover.
    altitude_m : float
        Flight altitude above ground (m); default 10 m.
    fov_deg : float
        Full field of view of the nadir camera (deg); default 47° (issue 5's figure for Ingenuity's colour camera).
    max_sortie_m : float
        Longest flight, take-off to landing (m); default 625 m (Ingenuity flight 9). In a return-to-base plan
        the way back is included.
    base_en_m : (float, float)
        Where the first flight takes off (and, returning to base, where every sortie lands), metres east/north
        of the rover (default: the rover).
    skip_unreachable : bool
        Leave out (and list in ``skipped``) targets that cannot be photographed (beyond half a return-to-base
        sortie, or ellipses too large to tile), instead of raising.
    return_to_base : bool
        Every sortie flies out and back to the base (the helicopter cannot land elsewhere). Default False:
        relocating flights, each ending where the next begins, so every target is reachable.
    max_flights : int, optional
        Fly at most this many flights; the targets not (fully) photographed by then are listed in
        ``beyond_flights``.

    Returns
    -------
    SurveyPlan

    Raises
    ------
    MarsEDLError
        Limits out of range; (return to base) a target farther than half the sortie limit from the base (named,
        with its distance), unless ``skip_unreachable``; an ellipse needing more than ``MAX_PHOTOS`` photos.
    """
    h = _check("altitude_m", altitude_m, 0.0, 1e4, "m")
    fov = _check("camera fov_deg", fov_deg, 0.0, 180.0, "deg")
    limit = _check("max_sortie_m", max_sortie_m, 0.0, 1e8, "m")
    if max_flights is not None and (isinstance(max_flights, bool) or int(max_flights) != max_flights
                                    or max_flights < 1):
        raise MarsEDLError(f"max_flights = {max_flights}: must be a whole number of flights, at least 1")
    base = np.asarray(base_en_m, dtype=float).reshape(2)
    if not np.all(np.isfinite(base)):
        raise MarsEDLError(f"base_en_m = {base_en_m}: must be finite metres east, north")
    side = footprint_side_m(h, fov)
    r = 0.5 * side
    targets = list(targets)
    photos, owners, bad = _photos(targets, r, skip_unreachable)

    if return_to_base:
        # reachability: a photo point is reachable when flying straight out and back fits in one sortie
        reach = 2.0 * np.hypot(*(photos - base).T) <= limit
        far_names = sorted({name for ok, names in zip(reach, owners, strict=True) if not ok for name in names})
        if far_names:
            far = {t.name: float(np.hypot(t.east_m - base[0], t.north_m - base[1])) for t in targets}
            if not skip_unreachable:
                listed = ", ".join(f"{n} ({far[n] / 1e3:.2f} km)" for n in far_names)
                raise MarsEDLError(f"{len(far_names)} of {len(targets)} targets cannot be reached with {limit:g} m "
                                   f"sorties (at most {limit / 2:g} m out and back from the base): {listed}; use "
                                   f"--skip-unreachable, a longer --max-sortie-m, another --base, or relocating "
                                   f"flights (drop --return-to-base)")
            keep = np.array([all(n not in far_names for n in names) for names in owners], dtype=bool)
            photos = photos[keep]
            owners = [o for o, k in zip(owners, keep, strict=True) if k]
            bad = sorted({*bad, *far_names})

    sorties: list[Sortie] = []
    dist = np.hypot(*(photos - base).T)
    star = float(2.0 * dist.sum())
    lower = 0.0
    if len(photos):
        xy = np.vstack([base, photos])
        tour, mst_m = _route(xy, closed=return_to_base)
        order = tour[1:] - 1  # photo indices in route order (drop the base)
        if return_to_base:
            lower = float(2.0 * dist.max())
            for k, (a, b) in enumerate(_split(photos[order], base, limit)):
                idx = order[a:b]
                sorties.append(_flight(k + 1, np.vstack([base, photos[idx], base]), idx))
        else:
            lower = mst_m
            pts, kind = _hops(np.vstack([base, photos[order]]), np.r_[-1, order], limit)
            for k, (a, b) in enumerate(_pack(pts, limit)):
                got = kind[a + 1:b + 1]
                sorties.append(_flight(k + 1, pts[a:b + 1], got[got >= 0]))
    beyond: list[str] = []
    if max_flights is not None and len(sorties) > max_flights:
        sorties = sorties[:int(max_flights)]
        seen = np.zeros(len(photos), dtype=bool)
        for s in sorties:
            seen[list(s.photos)] = True
        beyond = sorted({n for ok, names in zip(seen, owners, strict=True) if not ok for n in names})
    return SurveyPlan(
        targets=tuple(targets), base_en_m=(float(base[0]), float(base[1])), altitude_m=h, fov_deg=fov,
        max_sortie_m=limit, footprint_side_m=side, photos_en_m=photos,
        photo_targets=tuple(tuple(o) for o in owners), sorties=tuple(sorties), skipped=tuple(bad),
        star_distance_m=star, relocating=not return_to_base, lower_bound_m=lower,
        max_flights=None if max_flights is None else int(max_flights), beyond_flights=tuple(beyond),
    )


__all__ = ["MAX_FLIGHTS", "MAX_PHOTOS", "Sortie", "SurveyPlan", "Target", "ellipse_boundary", "footprint_side_m",
           "from_local_en", "inside_ellipse", "minimum_spanning_tree", "plan_survey", "targets_from_ellipses",
           "targets_from_impacts", "to_local_en"]
