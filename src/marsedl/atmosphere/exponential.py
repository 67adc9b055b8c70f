"""Isothermal exponential atmosphere: rho = rho0 exp(-(h - h0)/H)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from marsedl.atmosphere.base import GAMMA_CO2, R_CO2, Atmosphere, AtmosphereState, as_altitude, zeros_like
from marsedl.constants import MARS_SURFACE_GRAVITY_M_S2
from marsedl.errors import MarsEDLError

__all__ = ["ExponentialAtmosphere"]


class ExponentialAtmosphere(Atmosphere):
    """Exponential density with a constant scale height, isothermal, no wind.

    Parameters
    ----------
    rho0_kg_m3 : float
        Density at ``reference_altitude_m`` (kg/m^3).
    scale_height_m : float
        Density scale height H (m).
    temperature_k : float, optional
        Constant temperature (K). Default ``g H / R`` (g = 3.71 m/s^2), which makes ``p = rho R T`` satisfy
        hydrostatic balance ``dp/dh = -rho g`` exactly.
    gas_constant, gamma : float
        Specific gas constant (J/(kg K)) and ratio of specific heats: ``p = rho R T``,
        ``a = sqrt(gamma R T)``.
    reference_altitude_m : float
        MOLA altitude of ``rho0_kg_m3`` (m).
    """

    def __init__(
        self,
        rho0_kg_m3: float,
        scale_height_m: float,
        temperature_k: float | None = None,
        gas_constant: float = R_CO2,
        gamma: float = GAMMA_CO2,
        reference_altitude_m: float = 0.0,
        name: str = "exponential",
        source: str = "",
    ):
        if not (np.isfinite(rho0_kg_m3) and rho0_kg_m3 > 0):
            raise MarsEDLError(f"rho0_kg_m3 must be a positive density in kg/m^3, got {rho0_kg_m3}")
        if not (np.isfinite(scale_height_m) and scale_height_m > 0):
            raise MarsEDLError(f"scale_height_m must be positive (metres), got {scale_height_m}")
        if temperature_k is None:
            temperature_k = MARS_SURFACE_GRAVITY_M_S2 * scale_height_m / gas_constant
        if not (np.isfinite(temperature_k) and temperature_k > 0):
            raise MarsEDLError(f"temperature_k must be positive (kelvin), got {temperature_k}")
        self.rho0_kg_m3 = float(rho0_kg_m3)
        self.scale_height_m = float(scale_height_m)
        self.temperature_k = float(temperature_k)
        self.gas_constant = float(gas_constant)
        self.gamma = float(gamma)
        self.reference_altitude_m = float(reference_altitude_m)
        self.name = name
        self.source = source or f"exponential, rho0 {rho0_kg_m3:g} kg/m^3, H {scale_height_m / 1e3:g} km"

    def evaluate(self, altitude_m: ArrayLike, lat_rad=None, lon_rad=None) -> AtmosphereState:
        h = as_altitude(altitude_m)
        rho = self.rho0_kg_m3 * np.exp(-(h - self.reference_altitude_m) / self.scale_height_m)
        t = np.full(h.shape, self.temperature_k)
        a = np.full(h.shape, np.sqrt(self.gamma * self.gas_constant * self.temperature_k))
        return AtmosphereState(rho, rho * self.gas_constant * t, t, a, zeros_like(h), zeros_like(h))
