"""Stagnation-point convective heating."""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import LEAF


@njit(**LEAF)
def sutton_graves(rho, speed, nose_radius, k):
    """Sutton–Graves convective stagnation-point heat rate, W/m²: ``q = k sqrt(ρ / R_n) |V|³``.

    ``rho`` free-stream density (kg/m³), ``speed`` (m/s), ``nose_radius`` R_n (m), ``k`` the gas mixture's
    constant (kg^0.5/m; 1.9027e-4 for a CO₂ atmosphere, Sutton & Graves, NASA TR R-376, 1971).
    """
    v = np.abs(speed)
    return k * np.sqrt(rho / nose_radius) * (v * v * v)
