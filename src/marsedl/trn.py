"""Terrain-relative navigation's safe-spot selection (Mars 2020): a hazard map and the choice of where to land.

Mars 2020's Lander Vision System fixed the vehicle's position against an onboard map during the parachute
descent; the flight software then predicted where the vehicle would come down and, when that spot was unsafe on
the onboard safe-target map, picked the nearest safe spot it could reach ("are we going to be landing on a red
pixel? ... navigate to the closest green pixel possible", R. Fergason, USGS, to Space.com, July 2020; Johnson et
al. 2017, "The Lander Vision System for Mars 2020 Entry Descent and Landing"; Nelessen et al. 2019).

Here a :class:`HazardMap` is a raster of safe/unsafe cells on a latitude/longitude grid, and
:func:`select_safe_spot` applies the selection rule to many cases at once. The rule is written once, as the
compiled law :func:`marsedl.laws.safe_spot.nearest_safe_cell` (an exact search on the raster), which compiled code
calls directly:

* the *predicted touchdown* is where the powered descent would land without any divert towards a target;
* the chosen spot is the **centre of the safe cell nearest to it** (great-circle distance on the sphere), if that
  centre lies within the case's divert reach; a predicted touchdown on a safe cell keeps that cell (its centre);
* when no safe cell centre lies within reach (the nearest is farther, or the map has no safe cell, or the map
  lies far from the vehicle), the vehicle **stays on its predicted spot** (status
  :data:`NO_SAFE_SPOT_IN_REACH`): Mars 2020 flies no divert it cannot complete, and a safe cell beyond reach is
  not a place it can land. Off the map nothing is known to be safe, so cells outside it are never chosen.

The file formats and their checks are in :mod:`marsedl.hazard_map`; this module holds arrays only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from marsedl.laws.safe_spot import NO_SAFE_SPOT_IN_REACH, SAFE_SPOT, nearest_safe_cells

__all__ = ["NO_SAFE_SPOT_IN_REACH", "SAFE_SPOT", "HazardMap", "select_safe_spot"]


@dataclass(frozen=True, eq=False)
class HazardMap:
    """A raster of safe (``True``) and unsafe cells on an equal-angle latitude/longitude grid.

    Parameters
    ----------
    safe : (rows, cols) bool array
        Row 0 is the northernmost row, column 0 the westernmost column.
    north_rad, south_rad, west_rad, east_rad : float
        Planetocentric latitude and east longitude of the outer edges of the corner cells (radians).
    name : str
        Where the map came from (for messages).
    """

    safe: np.ndarray
    north_rad: float
    south_rad: float
    west_rad: float
    east_rad: float
    name: str = "hazard map"
    digest: str = field(init=False, repr=False)  # of the cells and bounds: what the map is (set from them)

    @property
    def shape(self) -> tuple[int, int]:
        return self.safe.shape

    def cell_centres_rad(self) -> tuple[np.ndarray, np.ndarray]:
        """Latitude (per row) and longitude (per column) of the cell centres, radians."""
        rows, cols = self.safe.shape
        lat = self.north_rad - (np.arange(rows) + 0.5) * (self.north_rad - self.south_rad) / rows
        lon = self.west_rad + (np.arange(cols) + 0.5) * (self.east_rad - self.west_rad) / cols
        return lat, lon

    def cell_index(self, lat_rad, lon_rad) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and whether inside the map, of points ``(lat, lon)`` (radians; any longitude branch)."""
        lat = np.asarray(lat_rad, dtype=float)
        lon = self.west_rad + np.mod(np.asarray(lon_rad, dtype=float) - self.west_rad, 2 * np.pi)
        rows, cols = self.safe.shape
        fr = (self.north_rad - lat) / (self.north_rad - self.south_rad) * rows
        fc = (lon - self.west_rad) / (self.east_rad - self.west_rad) * cols
        inside = (fr >= 0) & (fr < rows) & (fc >= 0) & (fc < cols)
        r = np.clip(np.floor(fr), 0, rows - 1).astype(np.intp)
        c = np.clip(np.floor(fc), 0, cols - 1).astype(np.intp)
        return r, c, inside

    def is_safe(self, lat_rad, lon_rad) -> np.ndarray:
        """Whether each point lies on a safe cell of the map (``False`` off the map)."""
        r, c, inside = self.cell_index(lat_rad, lon_rad)
        return inside & self.safe[r, c]

    def __post_init__(self):
        safe = np.ascontiguousarray(self.safe, dtype=bool)
        h = hashlib.blake2b(safe.tobytes(), digest_size=16)
        h.update(repr((safe.shape, self.north_rad, self.south_rad, self.west_rad, self.east_rad)).encode())
        object.__setattr__(self, "safe", safe)
        object.__setattr__(self, "digest", h.hexdigest())  # what the map is (the same for a pickled copy)


def select_safe_spot(hazard: HazardMap, lat_rad, lon_rad, reach_m, radius_m: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where terrain-relative navigation sends each case: the safe cell nearest its predicted touchdown.

    Parameters
    ----------
    hazard : HazardMap
    lat_rad, lon_rad : (n,) arrays
        Predicted touchdown of each case (planetocentric, radians).
    reach_m : float or (n,) array
        Largest horizontal divert each case can fly (m).
    radius_m : float
        Radius of the sphere the distances are measured on (the ground's, m).

    Returns
    -------
    lat_rad, lon_rad : (n,) arrays
        The chosen spot: a safe cell's centre, or the predicted touchdown itself when no safe cell is in reach.
    status : (n,) int8 array
        :data:`SAFE_SPOT` or :data:`NO_SAFE_SPOT_IN_REACH`.
    """
    lat, lon, reach = np.broadcast_arrays(np.atleast_1d(np.asarray(lat_rad, dtype=float)),
                                          np.asarray(lon_rad, dtype=float), np.asarray(reach_m, dtype=float))
    flat = [np.array(a, dtype=float).ravel() for a in (lat, lon, reach)]  # contiguous, writeable copies
    out = nearest_safe_cells(hazard.safe, float(hazard.north_rad), float(hazard.south_rad), float(hazard.west_rad),
                             float(hazard.east_rad), *flat, float(radius_m))
    return tuple(a.reshape(lat.shape) for a in out)
