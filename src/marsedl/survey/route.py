"""Routes through the photo positions: a short closed or open tour (nearest neighbour, spanning tree, 2-opt,
or-opt) and its split into flights within the sortie limit."""

from __future__ import annotations

from typing import Any

import numpy as np

from marsedl.errors import MarsEDLError

#: Above this many points the route is not improved by 2-opt and or-opt (each pass costs O(n^2)); the start
#: route is kept.
TWO_OPT_MAX = 1500


#: Largest number of flights a plan may hold before the sortie limit is called too short for the distances.
MAX_FLIGHTS = 200_000


#: Above this many points the minimum spanning tree is searched among Delaunay edges, not all pairs.
DENSE_MST_MAX = 1500


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
