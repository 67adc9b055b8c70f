"""The atmosphere interface: :class:`AtmosphereState` and the :class:`Atmosphere` base class.

Altitudes are **MOLA altitudes** (metres above the areoid), never heights above ground.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl.planet import MARS

__all__ = ["GAMMA_CO2", "R_CO2", "Atmosphere", "AtmosphereState", "gravity_at_altitude"]

Array = NDArray[np.float64]

# Mars atmosphere gas (mostly CO2): specific gas constant and ratio of specific heats.
# NASA NSSDC Mars Fact Sheet (mean molecular weight 43.34 g/mol -> R = 191.8 J/(kg K) for the bulk gas)
# and the NASA Glenn Mars atmosphere page; we use the CO2 value R = 8314.46 / 44.01 = 188.9 J/(kg K) and
# gamma = 1.29 (GRC), as in the project's reference inputs.
R_CO2 = 188.9
GAMMA_CO2 = 1.29

# For hydrostatic derivations: Mars' GM and mean radius (NSSDC Mars Fact Sheet, in data/planets.toml).
_GM = MARS.gm_m3_s2
_R_MEAN = MARS.mean_radius_m


def gravity_at_altitude(altitude_m: ArrayLike) -> Array:
    """Point-mass gravity magnitude GM/(R_mean + h)^2 (m/s^2) used for hydrostatic derivations only."""
    return _GM / (_R_MEAN + np.asarray(altitude_m, dtype=np.float64)) ** 2


class AtmosphereState(NamedTuple):
    """Atmospheric properties at a set of points; every field has the shape of the altitude array.

    Attributes
    ----------
    density_kg_m3, pressure_pa, temperature_k, sound_speed_m_s : ndarray
    wind_east_m_s, wind_north_m_s : ndarray
        Horizontal wind (the velocity of the air relative to the planet surface), east and north components.
    """

    density_kg_m3: Array
    pressure_pa: Array
    temperature_k: Array
    sound_speed_m_s: Array
    wind_east_m_s: Array
    wind_north_m_s: Array


class Atmosphere(ABC):
    """An atmosphere model: properties as functions of MOLA altitude (and optionally position).

    Subclasses set ``name`` and ``source`` (human-readable model name and its published source, for reports)
    and implement :meth:`evaluate`, vectorised over arrays of any shape.
    """

    name: str = "atmosphere"
    source: str = ""

    @abstractmethod
    def evaluate(
        self, altitude_m: ArrayLike, lat_rad: ArrayLike | None = None, lon_rad: ArrayLike | None = None
    ) -> AtmosphereState:
        """Atmospheric state at MOLA altitudes ``altitude_m`` (m); lat/lon are accepted for position-dependent
        models and ignored by the one-dimensional ones."""

    def density(self, altitude_m: ArrayLike) -> Array:
        """Density (kg/m^3) only; convenience wrapper around :meth:`evaluate`."""
        return self.evaluate(altitude_m).density_kg_m3

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def as_altitude(altitude_m: ArrayLike) -> Array:
    """Altitudes as a float64 array."""
    return np.asarray(altitude_m, dtype=np.float64)


def zeros_like(h: Array) -> Array:
    return np.zeros(h.shape, dtype=np.float64)
