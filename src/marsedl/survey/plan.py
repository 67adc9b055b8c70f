"""The survey plan: flights that photograph every target, each within the sortie limit, each ending where the
next begins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from marsedl.errors import MarsEDLError
from marsedl.survey.geometry import footprint_side_m
from marsedl.survey.route import _hops, _pack, _route, _split
from marsedl.survey.targets import MAX_PHOTOS, Target, _ellipse_cells, _ellipse_photos, _point_photos


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
