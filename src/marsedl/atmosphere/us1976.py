"""Earth's U.S. Standard Atmosphere 1976, from the maintained ``fluids`` library (never hand-copied tables).

U.S. Standard Atmosphere, 1976 (NOAA/NASA/USAF, NOAA-S/T 76-1562), as implemented by
:class:`fluids.atmosphere.ATMOSPHERE_1976` (Caleb Bell, Chemical Engineering Design Library): density,
pressure, temperature and speed of sound against geometric altitude above mean sea level. The standard is
defined from -5 km to 86 km; above 86 km ``fluids`` holds the 86 km temperature (an isothermal extension, not
the 1976 thermosphere), and below -5 km it extends the first layer. Still air: give winds with
:class:`marsedl.atmosphere.wind.SteadyWind`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from marsedl.atmosphere.base import Atmosphere, AtmosphereState, as_altitude, zeros_like

__all__ = ["US1976"]


class US1976(Atmosphere):
    """U.S. Standard Atmosphere 1976 (Earth), altitude above mean sea level (the reference ellipsoid)."""

    name = "us1976"
    source = "U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562), fluids.atmosphere.ATMOSPHERE_1976"

    def evaluate(self, altitude_m: ArrayLike, lat_rad=None, lon_rad=None) -> AtmosphereState:
        from fluids.atmosphere import ATMOSPHERE_1976

        h = as_altitude(altitude_m)
        flat = h.ravel()
        out = np.empty((4, flat.size))
        for k, z in enumerate(flat):  # (a model is sampled once, onto the engine's grid)
            a = ATMOSPHERE_1976(float(z))
            out[:, k] = a.rho, a.P, a.T, a.v_sonic
        rho, p, t, c = (col.reshape(h.shape) for col in out)
        return AtmosphereState(rho, p, t, c, zeros_like(h), zeros_like(h))
