"""Winds added to any atmosphere: a steady wind, constant or linear in altitude."""

from __future__ import annotations

from numpy.typing import ArrayLike

from marsedl.atmosphere.base import Atmosphere, AtmosphereState, as_altitude

__all__ = ["SteadyWind"]


class SteadyWind(Atmosphere):
    """``base`` with a steady horizontal wind added to its own: ``east_m_s + east_shear_per_s (h - h0)`` east
    and the same north, ``h0`` = ``reference_altitude_m``. The wind is the velocity of the air over the ground
    (a wind *from* the west blows east: ``east_m_s > 0``)."""

    def __init__(self, base: Atmosphere, east_m_s: float = 0.0, north_m_s: float = 0.0,
                 east_shear_per_s: float = 0.0, north_shear_per_s: float = 0.0, reference_altitude_m: float = 0.0):
        self.base = base
        self.east, self.north = float(east_m_s), float(north_m_s)
        self.east_shear, self.north_shear = float(east_shear_per_s), float(north_shear_per_s)
        self.h0 = float(reference_altitude_m)
        self.name = base.name
        shear = f" + ({self.east_shear:g}, {self.north_shear:g}) /s x (h - {self.h0:g} m)" if (
            self.east_shear or self.north_shear) else ""
        self.source = f"{base.source}; wind east {self.east:g} m/s, north {self.north:g} m/s{shear}"

    def evaluate(self, altitude_m: ArrayLike, lat_rad=None, lon_rad=None) -> AtmosphereState:
        h = as_altitude(altitude_m)
        s = self.base.evaluate(h, lat_rad, lon_rad)
        dh = h - self.h0
        return s._replace(wind_east_m_s=s.wind_east_m_s + self.east + self.east_shear * dh,
                          wind_north_m_s=s.wind_north_m_s + self.north + self.north_shear * dh)
