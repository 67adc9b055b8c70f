"""The NASA Glenn Research Center (GRC) analytic Mars atmosphere (the "Mars atmosphere model" teaching page).

    T = -23.4 - 0.00222 h  degC   (h < 7000 m)
    T = -31   - 0.000998 h degC   (h >= 7000 m)
    p = 0.699 exp(-0.00009 h) kPa
    rho = p / (0.1921 (T + 273.1))   (p in kPa)

``h`` is taken as the MOLA altitude in metres. The page fits Mars Global Surveyor data from April 1996 and
says nothing above ~100 km; the linear temperature would reach absolute zero near 242 km, so the temperature
is clamped to a floor of 120 K (the cold mesopause: the Mars-GRAM 2010 mean profile's minimum is ~119 K near
100 km). The floor applies from ~122 km up; pressure keeps the page's formula, density follows from it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from marsedl.atmosphere.base import GAMMA_CO2, Atmosphere, AtmosphereState, as_altitude, zeros_like

__all__ = ["GlennAtmosphere"]

TEMPERATURE_FLOOR_K = 120.0


class GlennAtmosphere(Atmosphere):
    """NASA GRC analytic Mars atmosphere (see module docstring), no wind.

    Parameters
    ----------
    gamma : float
        Ratio of specific heats for the speed of sound ``a = sqrt(gamma p / rho)`` (1.29 for CO2).
    temperature_floor_k : float
        Lower bound on the temperature (K) so the model stays physical high up.
    """

    name = "glenn"
    source = "NASA Glenn Research Center, 'Mars Atmosphere Model - Metric Units' (GRC teaching page)"

    def __init__(self, gamma: float = GAMMA_CO2, temperature_floor_k: float = TEMPERATURE_FLOOR_K):
        self.gamma = float(gamma)
        self.temperature_floor_k = float(temperature_floor_k)

    def evaluate(self, altitude_m: ArrayLike, lat_rad=None, lon_rad=None) -> AtmosphereState:
        h = as_altitude(altitude_m)
        t_c = np.where(h < 7000.0, -23.4 - 0.00222 * h, -31.0 - 0.000998 * h)
        t_k = np.maximum(t_c + 273.1, self.temperature_floor_k)
        p_kpa = 0.699 * np.exp(-0.00009 * h)
        rho = p_kpa / (0.1921 * t_k)
        p = p_kpa * 1e3
        a = np.sqrt(self.gamma * p / rho)
        return AtmosphereState(rho, p, t_k, a, zeros_like(h), zeros_like(h))
