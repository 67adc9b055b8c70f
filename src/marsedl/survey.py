"""Debris survey planning: helicopter sorties from the rover that photograph every piece of debris.

A model, no plotting: targets are points (a nominal run's impacts) or ellipses (a Monte Carlo run's impact
ellipses) in metres east/north of the rover (a local azimuthal-equidistant frame: distance and bearing from
the rover are exact, as in :class:`marsedl.result.Impact`). The plan

1. places photo points whose ground footprint covers every target (a point target is covered when it lies
   within the footprint's inscribed circle, radius ``h tan(fov/2)``, so the heading of the helicopter does
   not matter; an ellipse is tiled by a square grid of such circles),
2. orders them in one short closed tour from the base (nearest neighbour, then 2-opt),
3. splits that tour into sorties (take-off and landing at the base) whose length, out and back included,
   stays within ``max_sortie_m``: the optimal split of the tour order (a shortest-path over tour cuts).

Every split is no longer than the naive "star" plan (one sortie per photo point, straight out and back),
since that plan is one of the cuts considered.

Honest numbers: Ingenuity's longest flight was 704 m (flight 25, 2022-04-08; flight 9, 2021-07-05, covered
625 m), at up to 24 m altitude (flight 61) — JPL Ingenuity flight log,
https://mars.nasa.gov/technology/helicopter/#Flight-Log. The default 47° field of view is issue 5's figure for
the colour camera (check it against the camera's specification before relying on it). From 10 m a 47°
camera sees an 8.7 m square, and the debris of an EDL lies from a few hundred metres to ~50 km from the
rover: most of it is out of reach of a 625 m sortie, and :func:`plan_survey` says so by name.
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


def _ellipse_photos(t: Target, radius: float) -> np.ndarray:
    """Square grid of circles (spacing ``radius * sqrt(2)``: the circles cover the plane) over the ellipse."""
    step = radius * np.sqrt(2.0)
    a, b = t.semi_major_m, t.semi_minor_m
    n_cells = (2 * a / step + 2) * (2 * b / step + 2)
    if n_cells > MAX_PHOTOS:
        raise MarsEDLError(f"target '{t.name}': tiling its {a / 1e3:.2f} x {b / 1e3:.2f} km ellipse needs about "
                           f"{n_cells:,.0f} photos at this altitude (limit {MAX_PHOTOS:,}); raise --altitude")
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


def _tour_length(xy: np.ndarray) -> float:
    return float(np.hypot(*np.diff(np.vstack([xy, xy[:1]]), axis=0).T).sum())


def _nearest_neighbour(xy: np.ndarray) -> np.ndarray:
    """Closed tour starting at node 0 (the base), always flying to the nearest unvisited point."""
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


def _two_opt(xy: np.ndarray, tour: np.ndarray, max_passes: int = 50) -> np.ndarray:
    """2-opt improvement of a closed tour (node 0 stays first); vectorised over the second edge."""
    tour = tour.copy()
    n = len(tour)
    if n < 4:
        return tour
    for _ in range(max_passes):
        improved = False
        for i in range(0, n - 2):
            p = xy[tour]
            a, b = p[i], p[i + 1]
            c = p[i + 2:]
            d = np.vstack([p[i + 3:], p[:1]])
            delta = (np.hypot(*(a - c).T) + np.hypot(*(b - d).T)
                     - np.hypot(*(a - b)) - np.hypot(*(c - d).T))
            k = int(np.argmin(delta))
            if delta[k] < -1e-9:
                j = i + 2 + k
                tour[i + 1:j + 1] = tour[i + 1:j + 1][::-1]
                improved = True
        if not improved:
            break
    return tour


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


# --------------------------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Sortie:
    """One flight from the base and back: the photo points it visits, in order, and its length."""

    index: int
    photos: tuple[int, ...]
    waypoints_en_m: np.ndarray = field(repr=False)
    distance_m: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "photos": list(self.photos), "distance_m": self.distance_m,
                "waypoints_en_m": np.round(self.waypoints_en_m, 3).tolist()}


@dataclass(frozen=True)
class SurveyPlan:
    """A debris survey: photo points covering every reachable target, and the sorties that visit them.

    Attributes
    ----------
    photos_en_m : ndarray (k, 2)
        Photo points, metres east/north of the rover.
    photo_targets : tuple of tuple of str
        Names of the targets each photo covers.
    sorties : tuple of Sortie
        In flying order; each starts and ends at ``base_en_m``.
    skipped : tuple of str
        Targets left out because they cannot be reached (only with ``skip_unreachable``).
    star_distance_m : float
        Total of the naive plan (one sortie per photo point, straight out and back): an upper bound.
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

    @property
    def footprint_radius_m(self) -> float:
        """Radius of the footprint's inscribed circle: what a photo is sure to cover, whatever the heading."""
        return 0.5 * self.footprint_side_m

    @property
    def total_distance_m(self) -> float:
        return float(sum(s.distance_m for s in self.sorties))

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_en_m": list(self.base_en_m), "altitude_m": self.altitude_m, "camera_fov_deg": self.fov_deg,
            "max_sortie_m": self.max_sortie_m, "footprint_side_m": self.footprint_side_m,
            "targets": [{"name": t.name, "east_m": t.east_m, "north_m": t.north_m,
                         **({"semi_major_m": t.semi_major_m, "semi_minor_m": t.semi_minor_m,
                             "azimuth_deg": t.azimuth_deg} if t.is_ellipse else {})} for t in self.targets],
            "photos": [{"east_m": float(p[0]), "north_m": float(p[1]), "targets": list(names)}
                       for p, names in zip(self.photos_en_m, self.photo_targets, strict=True)],
            "sorties": [s.to_dict() for s in self.sorties],
            "total_distance_m": self.total_distance_m, "star_distance_m": self.star_distance_m,
            "skipped": list(self.skipped),
        }


def _check(name: str, value: float, lo: float, hi: float, unit: str) -> float:
    v = float(value)
    if not np.isfinite(v) or not lo < v < hi:
        raise MarsEDLError(f"{name} = {value}: must be between {lo:g} and {hi:g} {unit} (exclusive)")
    return v


def plan_survey(targets: list[Target], *, altitude_m: float = 10.0, fov_deg: float = 47.0,
                max_sortie_m: float = 625.0, base_en_m: tuple[float, float] = (0.0, 0.0),
                skip_unreachable: bool = False) -> SurveyPlan:
    """Plan helicopter sorties that photograph every target.

    Parameters
    ----------
    targets : list of Target
        Points and/or ellipses in metres east/north of the rover.
    altitude_m : float
        Flight altitude above ground (m); default 10 m.
    fov_deg : float
        Full field of view of the nadir camera (deg); default 47° (issue 5's figure for Ingenuity's colour camera).
    max_sortie_m : float
        Longest flight, take-off to landing, out and back included (m); default 625 m (Ingenuity flight 9).
    base_en_m : (float, float)
        Take-off and landing point, metres east/north of the rover (default: the rover).
    skip_unreachable : bool
        Leave out (and list in ``skipped``) targets that cannot be photographed within one sortie, instead
        of raising.

    Returns
    -------
    SurveyPlan

    Raises
    ------
    MarsEDLError
        Limits out of range; a target farther than half the sortie limit from the base (named, with its
        distance), unless ``skip_unreachable``; an ellipse needing more than ``MAX_PHOTOS`` photos.
    """
    h = _check("altitude_m", altitude_m, 0.0, 1e4, "m")
    fov = _check("camera fov_deg", fov_deg, 0.0, 180.0, "deg")
    limit = _check("max_sortie_m", max_sortie_m, 0.0, 1e8, "m")
    base = np.asarray(base_en_m, dtype=float).reshape(2)
    side = footprint_side_m(h, fov)
    r = 0.5 * side
    targets = list(targets)

    # photo points per target kind; ellipses are tiled, points share photos when close together
    centres: list[np.ndarray] = []
    owners: list[list[str]] = []
    points = [t for t in targets if not t.is_ellipse]
    if points:
        pts = np.array([[t.east_m, t.north_m] for t in points])
        c, members = _point_photos(pts, r)
        centres.append(c)
        owners.extend([points[k].name for k in m] for m in members)
    for t in (t for t in targets if t.is_ellipse):
        c = _ellipse_photos(t, r)
        centres.append(c)
        owners.extend([t.name] for _ in range(len(c)))
    photos = np.vstack(centres) if centres else np.zeros((0, 2))
    if len(photos) > MAX_PHOTOS:
        raise MarsEDLError(f"the survey needs {len(photos):,} photos (limit {MAX_PHOTOS:,}); raise --altitude")

    # reachability: a photo point is reachable when flying straight out and back fits in one sortie
    reach = 2.0 * np.hypot(*(photos - base).T) <= limit
    bad = sorted({name for ok, names in zip(reach, owners, strict=True) if not ok for name in names})
    if bad:
        far = {t.name: float(np.hypot(t.east_m - base[0], t.north_m - base[1])) for t in targets}
        if not skip_unreachable:
            listed = ", ".join(f"{n} ({far[n] / 1e3:.2f} km)" for n in bad)
            raise MarsEDLError(f"{len(bad)} of {len(targets)} targets cannot be reached with {limit:g} m sorties "
                               f"(at most {limit / 2:g} m out and back from the base): {listed}; use "
                               f"--skip-unreachable, a longer --max-sortie-m or another --base")
        keep = np.array([all(n not in bad for n in names) for names in owners], dtype=bool)
        photos = photos[keep]
        owners = [o for o, k in zip(owners, keep, strict=True) if k]

    sorties: list[Sortie] = []
    star = float(2.0 * np.hypot(*(photos - base).T).sum())
    if len(photos):
        xy = np.vstack([base, photos])
        tour = _two_opt(xy, _nearest_neighbour(xy))
        order = tour[1:] - 1  # photo indices in tour order (drop the base)
        # the tour may be flown either way round; its cuts are the same length, keep the first found
        for k, (a, b) in enumerate(_split(photos[order], base, limit)):
            idx = order[a:b]
            path = np.vstack([base, photos[idx], base])
            dist = float(np.hypot(*np.diff(path, axis=0).T).sum())
            sorties.append(Sortie(index=k + 1, photos=tuple(int(i) for i in idx), waypoints_en_m=path,
                                  distance_m=dist))
    return SurveyPlan(
        targets=tuple(targets), base_en_m=(float(base[0]), float(base[1])), altitude_m=h, fov_deg=fov,
        max_sortie_m=limit, footprint_side_m=side, photos_en_m=photos,
        photo_targets=tuple(tuple(o) for o in owners), sorties=tuple(sorties), skipped=tuple(bad),
        star_distance_m=star,
    )


__all__ = ["MAX_PHOTOS", "Sortie", "SurveyPlan", "Target", "ellipse_boundary", "footprint_side_m",
           "from_local_en", "inside_ellipse", "plan_survey", "targets_from_ellipses", "targets_from_impacts",
           "to_local_en"]
