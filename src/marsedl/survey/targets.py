"""What the survey must photograph: impact points and ellipses, and the photo positions that cover them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from marsedl.errors import MarsEDLError
from marsedl.survey.geometry import ellipse_boundary, to_local_en

#: Largest number of photo points a plan may need before it is called impossible (tiling an ellipse
#: kilometres wide from 10 m needs hundreds of thousands of photos: raise the altitude instead).
MAX_PHOTOS = 20000


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
