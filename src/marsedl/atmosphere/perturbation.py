"""Altitude-correlated density and wind dispersions for Monte Carlo: first-order Gauss-Markov processes in altitude.

``x(h)`` is a stationary Gaussian process with unit variance and correlation ``exp(-|dh| / L)`` (first-order
Gauss-Markov, i.e. an Ornstein-Uhlenbeck process in altitude, the usual model for Mars-GRAM-like density
perturbations). The multiplicative factor is ``exp(sigma(h) x(h))``: lognormal, median 1, never negative;
``sigma`` is the standard deviation of ``ln(rho)`` (about the relative density spread when small) and may vary
with altitude, e.g. small below 40 km and large above (the Mars 2020 upper atmosphere was up to 150 % denser
than predicted, within 12 % below 40 km: E22).

Wind dispersions use the same process for the east and north components, independently: a wind offset
``sigma_m_s x(h)`` (m/s) added to the atmosphere's own wind, so that a case meets winds the model did not
predict, with gusts correlated over ``L`` in altitude (the parachute descent, where the winds carry the vehicle
furthest, spans about 10 km).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl.errors import MarsEDLError
from marsedl.laws.tables import grid_cell

__all__ = ["DensityPerturbation", "WindPerturbation", "density_perturbation", "wind_perturbation"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class DensityPerturbation:
    """Density factors per case on a uniform altitude grid.

    Attributes
    ----------
    factors : ndarray, shape (n_cases, n_alt)
        Multiplicative density factors.
    h_min_m, dh_m : float
        Grid of the factors' columns.
    """

    factors: Array
    h_min_m: float
    dh_m: float

    @property
    def altitude_m(self) -> Array:
        return self.h_min_m + self.dh_m * np.arange(self.factors.shape[1])

    def evaluate(self, altitude_m: ArrayLike, cases: ArrayLike) -> Array:
        """Factor at each point for its case (linear interpolation, held beyond the grid ends)."""
        c = np.asarray(cases, dtype=np.intp)
        i, t = _cells(altitude_m, self.h_min_m, self.dh_m, self.factors.shape[1])
        lo = self.factors[c, i]
        return lo + t * (self.factors[c, i + 1] - lo)


def density_perturbation(
    rng: np.random.Generator,
    n_cases: int,
    sigma: ArrayLike,
    correlation_length_m: float,
    h_min_m: float = -10e3,
    h_max_m: float = 200e3,
    dh_m: float = 500.0,
) -> DensityPerturbation:
    """Draw ``n_cases`` altitude-correlated density factor profiles.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (seed it from a SeedSequence per case or per chunk).
    n_cases : int
    sigma : float or array_like of shape (n_alt,)
        Standard deviation of ``ln(rho)`` at each grid altitude.
    correlation_length_m : float
        ``L`` in the correlation ``exp(-dh / L)``.
    h_min_m, h_max_m, dh_m : float
        The altitude grid (dh 500 m resolves correlation lengths of a few km).

    Returns
    -------
    DensityPerturbation
        ``.factors`` has shape ``(n_cases, n_alt)``.
    """
    n_alt, phi = _grid(n_cases, correlation_length_m, h_min_m, h_max_m, dh_m)
    s = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (n_alt,))
    if np.any(~np.isfinite(s) | (s < 0)):
        raise MarsEDLError("sigma must be finite and non-negative")
    x = _gauss_markov(rng, (int(n_cases), n_alt), phi)
    return DensityPerturbation(np.exp(s * x), float(h_min_m), float(dh_m))


@dataclass(frozen=True)
class WindPerturbation:
    """Wind offsets per case on a uniform altitude grid, added to the atmosphere's east and north winds.

    Attributes
    ----------
    offsets_m_s : ndarray, shape (n_cases, 2, n_alt)
        East (``[:, 0]``) and north (``[:, 1]``) wind offsets, m/s.
    h_min_m, dh_m : float
        Grid of the offsets' columns.
    """

    offsets_m_s: Array
    h_min_m: float
    dh_m: float

    @property
    def altitude_m(self) -> Array:
        return self.h_min_m + self.dh_m * np.arange(self.offsets_m_s.shape[2])

    def evaluate(self, altitude_m: ArrayLike, cases: ArrayLike) -> tuple[Array, Array]:
        """``(east, north)`` offsets (m/s) at each point for its case (linear, held beyond the grid ends)."""
        c = np.asarray(cases, dtype=np.intp)
        i, t = _cells(altitude_m, self.h_min_m, self.dh_m, self.offsets_m_s.shape[2])
        out = []
        for k in (0, 1):
            lo = self.offsets_m_s[c, k, i]
            out.append(lo + t * (self.offsets_m_s[c, k, i + 1] - lo))
        return out[0], out[1]


def wind_perturbation(
    rng: np.random.Generator,
    n_cases: int,
    sigma_m_s: float,
    correlation_length_m: float,
    h_min_m: float = -10e3,
    h_max_m: float = 200e3,
    dh_m: float = 500.0,
) -> WindPerturbation:
    """Draw ``n_cases`` altitude-correlated wind offset profiles (east and north independent).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; per case, the east profile's normals are drawn first, then the north one's.
    n_cases : int
    sigma_m_s : float
        Standard deviation of each component, m/s (stationary in altitude).
    correlation_length_m : float
        ``L`` in the correlation ``exp(-dh / L)``.
    h_min_m, h_max_m, dh_m : float
        The altitude grid.

    Returns
    -------
    WindPerturbation
        ``.offsets_m_s`` has shape ``(n_cases, 2, n_alt)``.
    """
    n_alt, phi = _grid(n_cases, correlation_length_m, h_min_m, h_max_m, dh_m)
    if not (np.isfinite(sigma_m_s) and sigma_m_s >= 0):
        raise MarsEDLError(f"sigma_m_s must be finite and non-negative, got {sigma_m_s}")
    x = _gauss_markov(rng, (int(n_cases) * 2, n_alt), phi).reshape(int(n_cases), 2, n_alt)
    return WindPerturbation(float(sigma_m_s) * x, float(h_min_m), float(dh_m))


def _cells(altitude_m: ArrayLike, h_min_m: float, dh_m: float, n_alt: int) -> tuple[NDArray[np.intp], Array]:
    """Grid cell and fraction of each altitude (linear interpolation, held beyond the grid ends)."""
    f, t = grid_cell.py_func(np.asarray(altitude_m, dtype=np.float64), h_min_m, dh_m, n_alt)  # the engine's
    return f.astype(np.intp), t


def _grid(n_cases: int, correlation_length_m: float, h_min_m: float, h_max_m: float,
          dh_m: float) -> tuple[int, float]:
    """Checked grid size and the process's step correlation ``phi = exp(-dh / L)``."""
    if not (correlation_length_m > 0):
        raise MarsEDLError(f"correlation_length_m must be positive, got {correlation_length_m}")
    if not (h_max_m > h_min_m and dh_m > 0):
        raise MarsEDLError(f"need h_max_m > h_min_m and dh_m > 0, got {h_min_m}, {h_max_m}, {dh_m}")
    if int(n_cases) < 1:
        raise MarsEDLError(f"n_cases must be at least 1, got {n_cases}")
    return int(round((h_max_m - h_min_m) / dh_m)) + 1, float(np.exp(-dh_m / correlation_length_m))


def _gauss_markov(rng: np.random.Generator, shape: tuple[int, int], phi: float) -> Array:
    """Rows of a unit-variance first-order Gauss-Markov process, ``x_k = phi x_(k-1) + sqrt(1 - phi^2) e_k``,
    started in its stationary distribution."""
    from marsedl.laws.gauss_markov import gauss_markov_rows  # (local: numba only where a process is drawn)

    return gauss_markov_rows(rng.standard_normal(shape), phi)
