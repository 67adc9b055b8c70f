"""Stagnation-point convective heating (Sutton–Graves)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl import laws
from marsedl.errors import MarsEDLError
from marsedl.planet import MARS

#: Sutton–Graves constant for Mars' CO₂ atmosphere, kg^0.5/m (q in W/m² with SI inputs): the planet's
#: ``sutton_graves_k`` in ``data/planets.toml`` (Sutton & Graves, NASA TR R-376, 1971: 1.9027e-4; the project
#: reference, edl_algorithms.md, uses 1.9e-4), the value the engine flies.
SUTTON_GRAVES_K_MARS = MARS.sutton_graves_k

#: Nose radius of the 4.5 m, 70° sphere-cone aeroshell, m (≈ 1.125 m, NASA/JPL Mars 2020 press kit).
AEROSHELL_NOSE_RADIUS_M = 1.125


def sutton_graves_heat_rate_w_m2(
    density_kg_m3: ArrayLike,
    speed_m_s: ArrayLike,
    nose_radius_m: float = AEROSHELL_NOSE_RADIUS_M,
    k: float = SUTTON_GRAVES_K_MARS,
) -> NDArray[np.float64]:
    """Convective stagnation-point heat rate q = k √(ρ / R_n) V³, W/m² (divide by 1e4 for W/cm²).

    Parameters
    ----------
    density_kg_m3 : array_like
        Free-stream density, kg/m³ (≥ 0).
    speed_m_s : array_like
        Planet-relative speed, m/s (broadcast with density).
    nose_radius_m : float
        Effective nose radius, m (> 0).
    k : float
        Sutton–Graves constant, kg^0.5/m (> 0).

    Returns
    -------
    ndarray
        Heat rate in W/m² (the engine's law, :func:`marsedl.laws.sutton_graves`, over arrays).
    """
    if not (np.isfinite(nose_radius_m) and nose_radius_m > 0.0):
        raise MarsEDLError(f"nose_radius_m: must be a finite number > 0 (got {nose_radius_m})")
    if not (np.isfinite(k) and k > 0.0):
        raise MarsEDLError(f"Sutton-Graves k: must be a finite number > 0 (got {k})")
    rho = np.asarray(density_kg_m3, dtype=float)
    if np.any(rho < 0.0):
        raise MarsEDLError("density_kg_m3: must be ≥ 0 for the heating estimate")
    v = np.asarray(speed_m_s, dtype=float)
    return laws.sutton_graves.py_func(rho, v, float(nose_radius_m), float(k))
