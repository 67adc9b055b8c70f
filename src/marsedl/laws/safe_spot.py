"""Terrain-relative navigation's safe-spot choice: the safe cell of a hazard map nearest a point, within reach.

The rule (:mod:`marsedl.trn` tells where it comes from): the chosen spot is the centre of the safe cell whose
centre is nearest the predicted touchdown by great-circle distance, if that distance is at most the divert reach;
otherwise the vehicle stays on its predicted touchdown. Cells off the map are never chosen.

The search is exact, on the raster itself (no tree to build, nothing allocated), with the haversine
``h = sin²(Δφ/2) + cos φ cos φ_r sin²(Δλ/2)``, which grows with the great-circle distance ``2 R asin(√h)``:

* rows are visited outward from the point's (clamped) row, the nearer of the two sides first; every cell of a
  row has ``h >= sin²(Δφ/2)`` (the second term is never negative), and that bound grows away from the point, so a
  side stops at the first row whose bound exceeds the best ``h`` found so far (or the reach's);
* within a row, ``h`` grows with the longitude offset ``|Δλ|`` up to π and falls beyond, so the columns are
  visited outward from the point's (clamped) column and a side stops at the first cell farther than the limit,
  unless the side's last cell lies more than 2π less that cell's offset round (then the side's far end comes
  nearer again from the other way: only on a map wider than π, or with a point nearly opposite a wide map).
  Only safe cells, and the cell where a side may end, need their ``h``: the offset where the limit lies is
  solved from ``h`` once per row and improvement, and the scan looks at an unsafe cell's ``h`` only beyond it.

The longitude of the point may be on any branch (sin² of half the offset has period 2π); its start column is
taken on the branch nearest the map, as :meth:`marsedl.trn.HazardMap.cell_index` does inside it. Since the stops
check which side of the point a row or column lies on, the start cell only makes the search fast, never wrong.
The cost is the cells within the nearest safe cell's distance (or the reach) of the point: a few on a mostly
safe map; the whole map only for a map without a safe cell and a reach larger than the map.

Ties: among cells at the same computed ``h``, the one first in raster order (the northernmost row, then the
westernmost column) is chosen. (A point off the map near a pole may be equally far from a whole row.)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import INNER, JIT, LEAF

#: status of a case's selection: it aims at the centre of a safe cell within its reach
SAFE_SPOT = 1
#: status of a case's selection: no safe cell within reach; it stays on its predicted touchdown
NO_SAFE_SPOT_IN_REACH = 2


@njit(**INNER)
def _reach_offset(a, b, lim):
    """About the largest longitude offset at which a cell of a row (``a``, ``b``) can have ``h <= lim``: where the
    column scan starts to look at unsafe cells' distances (more than π: anywhere; negative: nowhere)."""
    if lim < a:
        return -1.0
    if b <= lim - a:  # sin²(Δλ/2) <= 1 <= (lim - a) / b: any offset
        return 4.0
    return 2.0 * np.arcsin(np.sqrt((lim - a) / b))


@njit(**INNER)
def _scan_row(safe, r, c0, x, span, cols, a, b, limit, best_h, best_k):
    """The best ``(h, raster index)`` after the cells of row ``r`` nearer than ``limit`` (in ``h``) to a point at
    longitude offset ``x`` from the map's west edge; ``a``, ``b``: the row's ``sin²(Δφ/2)`` and ``cos φ cos φ_r``.

    A side ends at the first cell past the limit, by its exact ``h`` (only looked at beyond about the offset where
    the limit lies, so an unsafe cell nearer than that costs a byte's look), unless the side reaches so far round
    that its last cells come nearer again from the other way (``|offset| > 2π - |this offset|``)."""
    lim = min(limit, best_h)
    dc = span / cols
    for side in range(2):  # eastwards from c0 (the offset grows), then westwards from c0 - 1 (it falls)
        sign = 1 - 2 * side
        far = sign * ((cols - 0.5 if side == 0 else 0.5) * dc - x)  # the side's last cell's offset, along the side
        w = _reach_offset(a, b, lim)
        c = c0 - side
        while 0 <= c < cols:
            off = (c + 0.5) * dc - x
            if safe[r, c]:
                h = a + b * np.sin(0.5 * off) ** 2
                k = r * cols + c
                if h < best_h or (h == best_h and k < best_k):
                    best_h, best_k = h, k
                    lim = min(limit, best_h)
                    w = _reach_offset(a, b, lim)
            along = sign * off
            if along > w and along >= 0.0 and along + far <= 2.0 * np.pi and a + b * np.sin(0.5 * off) ** 2 > lim:
                break
            c += sign
    return best_h, best_k


@njit(**INNER)
def _row_latitude(north, south, rows, r):
    """Latitude of the centres of row ``r`` (the expression of :meth:`marsedl.trn.HazardMap.cell_centres_rad`)."""
    return north - (r + 0.5) * (north - south) / rows


@njit(**LEAF)
def nearest_safe_cell(safe, north, south, west, east, lat, lon, reach_m, radius_m):
    """Where terrain-relative navigation sends a vehicle predicted to land at ``(lat, lon)``.

    Parameters
    ----------
    safe : (rows, cols) C-contiguous bool array
        The hazard map's cells, ``True`` safe; row 0 north, column 0 west, equal steps of latitude and longitude.
    north, south, west, east : float
        The map's outer edges (radians; ``south < north`` within [-π/2, π/2], ``west < east <= west + 2π``).
    lat, lon : float
        The predicted touchdown (radians; latitude within [-π/2, π/2], longitude on any branch).
    reach_m : float
        The largest divert the vehicle can fly (m).
    radius_m : float
        Radius of the sphere the distances are measured on (m).

    Returns
    -------
    lat1, lon1 : float
        The centre of the safe cell nearest the point (longitude on the map's branch) if its great-circle
        distance is at most ``reach_m``; else ``lat, lon`` themselves.
    status : int
        :data:`SAFE_SPOT` or :data:`NO_SAFE_SPOT_IN_REACH` (also for a non-finite point, a negative or NaN reach).
    """
    rows, cols = safe.shape
    if not (rows > 0 and cols > 0 and reach_m >= 0.0 and radius_m > 0.0 and np.isfinite(lat)
            and np.isfinite(lon)):
        return lat, lon, NO_SAFE_SPOT_IN_REACH
    span = east - west
    two_pi = 2.0 * np.pi
    x = (lon - west) % two_pi  # the point's offset east of the west edge, on the branch nearest the map
    if x >= span and two_pi - x < x - span:
        x -= two_pi
    r0 = int(min(max(np.floor((north - lat) / (north - south) * rows), 0.0), rows - 1.0))
    c0 = int(min(max(np.floor(x / span * cols), 0.0), cols - 1.0))
    half = reach_m / (2.0 * radius_m)
    # the reach as a bound on h, a hair wide so that a cell at the reach is not cut off by rounding (the rule
    # itself is applied to the distance at the end)
    limit = 2.0 if half >= 0.5 * np.pi else np.sin(half) ** 2 * (1.0 + 1e-12)
    cos_p = np.cos(lat)

    lat_r = _row_latitude(north, south, rows, r0)
    # (best_k an int64 here as in the later rows, not the literal -1: one compiled signature of _scan_row, not two)
    best_h, best_k = _scan_row(safe, r0, c0, x, span, cols, np.sin(0.5 * (lat_r - lat)) ** 2, cos_p * np.cos(lat_r),
                               limit, np.inf, np.int64(-1))
    up, down = r0 - 1, r0 + 1
    lat_up = _row_latitude(north, south, rows, up)
    lat_dn = _row_latitude(north, south, rows, down)
    a_up = np.sin(0.5 * (lat_up - lat)) ** 2 if up >= 0 else np.inf
    a_dn = np.sin(0.5 * (lat_dn - lat)) ** 2 if down < rows else np.inf
    while True:
        lim = min(limit, best_h)
        if up >= 0 and a_up > lim and lat_up >= lat:  # every row further north is farther still
            up, a_up = -1, np.inf
        if down < rows and a_dn > lim and lat_dn <= lat:  # every row further south is farther still
            down, a_dn = rows, np.inf
        if up < 0 and down >= rows:
            break
        if a_up <= a_dn:
            best_h, best_k = _scan_row(safe, up, c0, x, span, cols, a_up, cos_p * np.cos(lat_up), limit, best_h,
                                       best_k)
            up -= 1
            lat_up = _row_latitude(north, south, rows, up)
            a_up = np.sin(0.5 * (lat_up - lat)) ** 2 if up >= 0 else np.inf
        else:
            best_h, best_k = _scan_row(safe, down, c0, x, span, cols, a_dn, cos_p * np.cos(lat_dn), limit, best_h,
                                       best_k)
            down += 1
            lat_dn = _row_latitude(north, south, rows, down)
            a_dn = np.sin(0.5 * (lat_dn - lat)) ** 2 if down < rows else np.inf

    if best_k >= 0 and 2.0 * radius_m * np.arcsin(np.sqrt(min(best_h, 1.0))) <= reach_m:
        r, c = best_k // cols, best_k % cols
        return _row_latitude(north, south, rows, r), west + (c + 0.5) * (east - west) / cols, SAFE_SPOT
    return lat, lon, NO_SAFE_SPOT_IN_REACH


@njit(**JIT)
def nearest_safe_cells(safe, north, south, west, east, lat, lon, reach_m, radius_m):
    """:func:`nearest_safe_cell` for each point of ``lat``, ``lon`` with its ``reach_m`` ((n,) arrays each): the
    chosen latitudes and longitudes ((n,) float arrays) and statuses ((n,) int8 array)."""
    n = lat.shape[0]
    lat1, lon1, status = np.empty(n), np.empty(n), np.empty(n, np.int8)
    for k in range(n):
        lat1[k], lon1[k], status[k] = nearest_safe_cell(safe, north, south, west, east, lat[k], lon[k], reach_m[k],
                                                        radius_m)
    return lat1, lon1, status
