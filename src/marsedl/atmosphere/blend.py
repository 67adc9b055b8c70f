"""Smoothly join two atmosphere models over an altitude band."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from marsedl.atmosphere.base import Atmosphere, AtmosphereState, as_altitude
from marsedl.errors import MarsEDLError

__all__ = ["BlendedAtmosphere", "smoothstep"]


def smoothstep(x: ArrayLike) -> np.ndarray:
    """``3 x^2 - 2 x^3`` on [0, 1], clamped outside: continuous with a continuous first derivative."""
    t = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


class BlendedAtmosphere(Atmosphere):
    """``lower`` below ``blend_from_m``, ``upper`` above ``blend_to_m``, a smooth join in between.

    Inside the band the weight of ``upper`` is ``w = smoothstep((h - from) / (to - from))``; log density and
    log pressure are blended (``rho = rho_l^(1-w) rho_u^w``), temperature, speed of sound and winds linearly.
    The result is continuous with a continuous slope at both ends of the band, and where both models'
    densities fall with altitude with nearly the same scale height the blend falls too.
    """

    def __init__(self, lower: Atmosphere, upper: Atmosphere, blend_from_m: float, blend_to_m: float):
        if not (np.isfinite(blend_from_m) and np.isfinite(blend_to_m) and blend_to_m > blend_from_m):
            raise MarsEDLError(
                f"blend band must have blend_to_m > blend_from_m, got {blend_from_m:g} .. {blend_to_m:g} m"
            )
        self.lower = lower
        self.upper = upper
        self.blend_from_m = float(blend_from_m)
        self.blend_to_m = float(blend_to_m)
        self.name = f"{lower.name}+{upper.name}"
        self.source = (
            f"{lower.source}; above {blend_to_m / 1e3:g} km: {upper.source} "
            f"(blended from {blend_from_m / 1e3:g} km)"
        )

    def evaluate(self, altitude_m: ArrayLike, lat_rad=None, lon_rad=None) -> AtmosphereState:
        h = as_altitude(altitude_m)
        lo = self.lower.evaluate(h, lat_rad, lon_rad)
        up = self.upper.evaluate(h, lat_rad, lon_rad)
        w = smoothstep((h - self.blend_from_m) / (self.blend_to_m - self.blend_from_m))

        def lin(a, b):
            return (1.0 - w) * a + w * b

        def geo(a, b):
            return np.exp(lin(np.log(a), np.log(b)))

        return AtmosphereState(
            geo(lo.density_kg_m3, up.density_kg_m3),
            geo(lo.pressure_pa, up.pressure_pa),
            lin(lo.temperature_k, up.temperature_k),
            lin(lo.sound_speed_m_s, up.sound_speed_m_s),
            lin(lo.wind_east_m_s, up.wind_east_m_s),
            lin(lo.wind_north_m_s, up.wind_north_m_s),
        )
