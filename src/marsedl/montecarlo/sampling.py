"""Seeded draws for a range of cases, independent of chunking: case ``i`` draws only from its own generator.

Case ``i`` of a run with seed ``s`` uses ``numpy.random.default_rng(SeedSequence(s, spawn_key=(i,)))``. From it,
in this fixed order: one uniform per scalar dispersion in :data:`~marsedl.montecarlo.dispersions.SCALAR_FIELDS`
(always all of them, so widening one never changes another), one uniform for the Mars-GRAM profile pick, then
(only when the altitude-correlated density dispersion is on) the standard normals of its Gauss-Markov profile,
then one uniform per dispersion in :data:`~marsedl.montecarlo.dispersions.HARDWARE_FIELDS` (added later, after
every earlier draw, so the earlier columns of a seed did not change), then three uniforms (east, north, up) per
navigation error in :data:`~marsedl.montecarlo.dispersions.NAV_FIELDS`, then (only when the wind-profile
dispersion is on) the standard normals of its east and north Gauss-Markov profiles.
The uniforms become draws by inverse CDF, vectorised over the cases. The loop over cases here only creates the
generators and draws a few numbers each; no case is flown in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from marsedl.atmosphere import DensityPerturbation, WindPerturbation, density_perturbation, wind_perturbation
from marsedl.montecarlo.dispersions import (
    HARDWARE_FIELDS,
    NAV_COMPONENTS,
    NAV_FIELDS,
    SCALAR_FIELDS,
    DispersionSpec,
    Distribution,
)

__all__ = ["PERTURBATION_GRID_M", "Draws", "case_generator", "draw_cases", "transform_uniforms"]

#: Altitude grid of the correlated density and wind profiles (MOLA m): below the deepest terrain to above the entry
#: interface, every 500 m (resolves correlation lengths of a few km; see marsedl.atmosphere.perturbation).
PERTURBATION_GRID_M = (-10e3, 200e3, 500.0)

_N_UNIFORM = len(SCALAR_FIELDS) + 1  # + the Mars-GRAM profile pick


def case_generator(seed: int, case: int) -> np.random.Generator:
    """The generator of case ``case`` of a run seeded ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(case),)))


def transform_uniforms(dist: Distribution, u: np.ndarray) -> np.ndarray:
    """Map uniforms in the open interval (0, 1) to draws of ``dist`` by its inverse CDF (vectorised)."""
    if dist.is_zero:
        return np.full(u.shape, dist.mean)
    if dist.dist == "uniform":
        return dist.mean + dist.half_width * (2.0 * u - 1.0)
    if dist.dist == "normal":
        return dist.mean + dist.sigma * ndtri(u)
    a = dist.truncate_sigma
    lo = ndtr(-a)
    return dist.mean + dist.sigma * ndtri(lo + u * (1.0 - 2.0 * lo))


@dataclass(frozen=True)
class Draws:
    """Dispersed deviations of cases ``start .. start + n - 1``.

    Attributes
    ----------
    start : int
        Global index of the first case.
    values : dict of str to ndarray
        Deviation of each scalar dispersion, shape ``(n,)``, in the units of its name.
    profile_uniform : ndarray
        The uniform that picks the Mars-GRAM profile (``floor(u * n_profiles)``).
    density_perturbation : DensityPerturbation or None
        One altitude-correlated factor profile per case (rows in case order), or None when off.
    wind_perturbation : WindPerturbation or None
        One pair of altitude-correlated east/north wind offset profiles per case, or None when off.
    """

    start: int
    values: dict[str, np.ndarray]
    profile_uniform: np.ndarray
    density_perturbation: DensityPerturbation | None
    wind_perturbation: WindPerturbation | None = None

    @property
    def n(self) -> int:
        return int(self.profile_uniform.size)

    def profile_rows(self, n_profiles: int) -> np.ndarray:
        """Atmosphere profile row of each case (0 when there is one profile)."""
        if n_profiles <= 1:
            return np.zeros(self.n, dtype=np.int64)
        return np.minimum((self.profile_uniform * n_profiles).astype(np.int64), n_profiles - 1)


def _open_interval(u: np.ndarray) -> np.ndarray:
    """Uniforms ``k / 2^53`` mapped into the open interval (0, 1), so no inverse CDF sees 0 or 1: the grid shifted
    by half a step, from 2^-54 up; its top point 1 - 2^-54 is not a double (it rounds to 1.0, an infinite normal
    draw), so it is held at 1 - 2^-53, the largest double below 1. Every other uniform is unchanged."""
    return np.minimum((np.floor(u * 2.0**53) + 0.5) / 2.0**53, 1.0 - 2.0**-53)


def draw_cases(spec: DispersionSpec, seed: int, start: int, stop: int) -> Draws:
    """Draw cases ``start`` (inclusive) to ``stop`` (exclusive) of a run.

    Parameters
    ----------
    spec : DispersionSpec
    seed : int
        The run's seed (a non-negative integer).
    start, stop : int
        Global case indices.

    Returns
    -------
    Draws
    """
    n = stop - start
    u = np.empty((n, _N_UNIFORM))
    u_hw = np.empty((n, len(HARDWARE_FIELDS) + len(NAV_COMPONENTS)))
    dp = spec.density_profile
    wp = spec.wind_profile
    rows, wind_rows = [], []
    h0, h1, dh = PERTURBATION_GRID_M
    for k in range(n):  # per-case generators: independent of how the run is chunked
        rng = case_generator(seed, start + k)
        u[k] = rng.random(_N_UNIFORM)
        if dp.sigma > 0:
            rows.append(density_perturbation(rng, 1, dp.sigma, dp.correlation_length_km * 1e3, h0, h1, dh).factors)
        u_hw[k] = rng.random(u_hw.shape[1])
        if wp.sigma_m_s > 0:
            wind_rows.append(wind_perturbation(rng, 1, wp.sigma_m_s, wp.correlation_length_km * 1e3, h0, h1,
                                               dh).offsets_m_s)
    u = _open_interval(u)
    u_hw = _open_interval(u_hw)
    values = {name: transform_uniforms(getattr(spec, name), u[:, j]) for j, name in enumerate(SCALAR_FIELDS)}
    cov = spec.entry_covariance
    if cov is not None:  # the fields' own uniforms, as standard normals, through the covariance's factor
        z = ndtri(u[:, [SCALAR_FIELDS.index(f) for f in cov.fields]])
        x = z @ cov.factor().T + (np.asarray(cov.mean, dtype=float) if cov.mean is not None else 0.0)
        values.update({f: x[:, j] for j, f in enumerate(cov.fields)})
    values.update({name: transform_uniforms(getattr(spec, name), u_hw[:, j])
                   for j, name in enumerate(HARDWARE_FIELDS)})
    nh = len(HARDWARE_FIELDS)
    values.update({key: transform_uniforms(getattr(spec, NAV_FIELDS[j // 3]), u_hw[:, nh + j])
                   for j, key in enumerate(NAV_COMPONENTS)})
    pert = DensityPerturbation(np.vstack(rows), h0, dh) if rows else None
    wind = WindPerturbation(np.concatenate(wind_rows), h0, dh) if wind_rows else None
    return Draws(start=start, values=values, profile_uniform=u[:, -1], density_perturbation=pert,
                 wind_perturbation=wind)
