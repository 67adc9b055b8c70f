"""AtmosphereGrid: the engine's fast look-up of one or many atmosphere profiles on a uniform altitude grid.

Why a uniform grid: the index of the cell holding an altitude is ``floor((h - h_min) / dh)``, one multiply per
point with no search, so a step of a 10,000-case Monte Carlo costs a handful of vectorised array operations
whatever the number of profiles.

Default grid: -10 km to 200 km MOLA every 100 m (2101 points). -10 km is below the deepest point on Mars
(Hellas floor, about -8.2 km MOLA); 200 km is above the entry interface (radius 3522.2 km, about 126-130 km
MOLA). Accuracy: log density is interpolated linearly, which is exact for an exponential layer; the error is
bounded by ``dh^2/8 |d^2 ln(rho)/dh^2|``, and at a kink of a log-linear table (slope change ``d(1/H)``) by
``dh/4 |d(1/H)|``. For Mars scale heights (7-12 km) changing over kilometres that is below 1e-3 relative at
dh = 100 m; temperature errors are below ``dh/4 |dT'|``, ~0.1 K. Memory: 6 x 8 bytes x 2101 = 100 kB per
profile.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl.atmosphere.base import R_CO2, Atmosphere, AtmosphereState, as_altitude, gravity_at_altitude
from marsedl.errors import MarsEDLError
from marsedl.laws.tables import exponential_extension, grid_cell

__all__ = ["AtmosphereGrid"]

Array = NDArray[np.float64]

H_MIN_M = -10e3
H_MAX_M = 200e3
DH_M = 100.0
#: Altitude span of the grid every flight uses (m above the reference surface; MOLA on Mars): below the deepest
#: Mars terrain (Hellas floor about -8.2 km) to well above the entry interface (about 128 km); above it the
#: grid decays exponentially. Every 100 m.
ENGINE_SPAN_M = (-9000.0, 200000.0)
ENGINE_STEP_M = 100.0
_END_FIT_M = 5e3  # scale heights at the grid ends are fitted over this much altitude


def _end_scale_heights(log_rho: Array, temperature: Array, h: Array, dh: float, top: bool) -> Array:
    """Positive density scale height (m) per row at one end of the grid (least squares over ``_END_FIT_M``).

    Falls back to the isothermal ``R T / g`` where the fitted slope is not a decay (noisy profiles) and keeps
    the fit within 0.5-2 times that value.
    """
    k = max(2, min(h.size, int(round(_END_FIT_M / dh)) + 1))
    sl = slice(h.size - k, None) if top else slice(0, k)
    x = h[sl] - h[sl].mean()
    slope = (log_rho[:, sl] - log_rho[:, sl].mean(axis=1, keepdims=True)) @ x / (x @ x)
    end = -1 if top else 0
    iso = R_CO2 * temperature[:, end] / gravity_at_altitude(h[end])
    with np.errstate(divide="ignore"):
        fitted = -1.0 / slope
    return np.where(np.isfinite(fitted) & (slope < 0), np.clip(fitted, 0.5 * iso, 2.0 * iso), iso)


class AtmosphereGrid:
    """``n_rows`` atmosphere profiles sampled on one uniform MOLA altitude grid.

    Attributes
    ----------
    h_min_m, dh_m : float
        First altitude and spacing of the grid (m); ``n_alt`` points up to ``h_max_m``.
    log_density, log_pressure, temperature_k, sound_speed_m_s, wind_east_m_s, wind_north_m_s : ndarray
        Arrays of shape ``(n_rows, n_alt)`` (log of kg/m^3 and Pa).
    top_scale_height_m, bottom_scale_height_m : ndarray, shape (n_rows,)
        Density scale heights used beyond the grid: above ``h_max_m`` density and pressure decay as
        ``exp(-(h - h_max) / H_top)``; below ``h_min_m`` they grow as ``exp((h_min - h) / H_bottom)``;
        temperature, speed of sound and winds are held at the end values.
    names, sources : list of str
        The model each row was built from.
    """

    def __init__(
        self,
        h_min_m: float,
        dh_m: float,
        log_density: Array,
        log_pressure: Array,
        temperature_k: Array,
        sound_speed_m_s: Array,
        wind_east_m_s: Array,
        wind_north_m_s: Array,
        names: Sequence[str] = (),
        sources: Sequence[str] = (),
    ):
        arrays = [log_density, log_pressure, temperature_k, sound_speed_m_s, wind_east_m_s, wind_north_m_s]
        arrays = [np.atleast_2d(np.asarray(a, dtype=np.float64)) for a in arrays]
        shape = arrays[0].shape
        if any(a.shape != shape for a in arrays) or shape[1] < 2:
            raise MarsEDLError(f"AtmosphereGrid arrays must share one shape (n_rows, n_alt>=2), got {shape}")
        if not (dh_m > 0):
            raise MarsEDLError(f"AtmosphereGrid dh_m must be positive, got {dh_m}")
        for a in arrays:
            if not np.isfinite(a).all():
                raise MarsEDLError("AtmosphereGrid values must be finite (is the model NaN somewhere?)")
        self.h_min_m = float(h_min_m)
        self.dh_m = float(dh_m)
        (
            self.log_density,
            self.log_pressure,
            self.temperature_k,
            self.sound_speed_m_s,
            self.wind_east_m_s,
            self.wind_north_m_s,
        ) = arrays
        self.names = list(names) or ["grid"] * shape[0]
        self.sources = list(sources) or [""] * shape[0]
        h = self.altitude_m
        self.top_scale_height_m = _end_scale_heights(self.log_density, self.temperature_k, h, dh_m, top=True)
        self.bottom_scale_height_m = _end_scale_heights(
            self.log_density, self.temperature_k, h, dh_m, top=False
        )
        # flat views for O(1) gathers: index = row * n_alt + i
        self._flat = np.stack([a.ravel() for a in arrays])

    @property
    def n_rows(self) -> int:
        return int(self.log_density.shape[0])

    @property
    def n_alt(self) -> int:
        return int(self.log_density.shape[1])

    @property
    def h_max_m(self) -> float:
        return self.h_min_m + (self.n_alt - 1) * self.dh_m

    @property
    def altitude_m(self) -> Array:
        return self.h_min_m + self.dh_m * np.arange(self.n_alt)

    @classmethod
    def from_atmosphere(
        cls, atm: Atmosphere, h_min_m: float = H_MIN_M, h_max_m: float = H_MAX_M, dh_m: float = DH_M
    ) -> AtmosphereGrid:
        """Sample a model on ``h_min_m, h_min_m + dh_m, ..., h_max_m`` (one row)."""
        if not (np.isfinite(h_min_m) and np.isfinite(h_max_m) and h_max_m > h_min_m and dh_m > 0):
            raise MarsEDLError(
                f"AtmosphereGrid needs h_max_m > h_min_m and dh_m > 0, got {h_min_m}, {h_max_m}, {dh_m}"
            )
        n = int(round((h_max_m - h_min_m) / dh_m)) + 1
        h = h_min_m + dh_m * np.arange(n)
        s = atm.evaluate(h)
        return cls(
            h_min_m,
            dh_m,
            np.log(s.density_kg_m3),
            np.log(s.pressure_pa),
            s.temperature_k,
            s.sound_speed_m_s,
            s.wind_east_m_s,
            s.wind_north_m_s,
            names=[atm.name],
            sources=[atm.source],
        )

    @classmethod
    def for_engine(cls, atm: Atmosphere) -> AtmosphereGrid:
        """``atm`` on the engine's grid: :data:`ENGINE_SPAN_M` every :data:`ENGINE_STEP_M` (one row)."""
        return cls.from_atmosphere(atm, h_min_m=ENGINE_SPAN_M[0], h_max_m=ENGINE_SPAN_M[1], dh_m=ENGINE_STEP_M)

    @classmethod
    def stack(cls, grids: Sequence[AtmosphereGrid]) -> AtmosphereGrid:
        """One grid holding the rows of several (same ``h_min_m``, ``dh_m`` and ``n_alt``)."""
        grids = list(grids)
        if not grids:
            raise MarsEDLError("AtmosphereGrid.stack needs at least one grid")
        g0 = grids[0]
        for k, g in enumerate(grids):
            if (g.h_min_m, g.dh_m, g.n_alt) != (g0.h_min_m, g0.dh_m, g0.n_alt):
                raise MarsEDLError(
                    f"AtmosphereGrid.stack: grid {k} spans {g.h_min_m:g}..{g.h_max_m:g} m "
                    f"every {g.dh_m:g} m, "
                    f"grid 0 spans {g0.h_min_m:g}..{g0.h_max_m:g} m every {g0.dh_m:g} m"
                )
        attrs = (
            "log_density",
            "log_pressure",
            "temperature_k",
            "sound_speed_m_s",
            "wind_east_m_s",
            "wind_north_m_s",
        )
        return cls(
            g0.h_min_m,
            g0.dh_m,
            *(np.concatenate([getattr(g, a) for g in grids]) for a in attrs),
            names=[n for g in grids for n in g.names],
            sources=[s for g in grids for s in g.sources],
        )

    def evaluate(
        self, altitude_m: ArrayLike, rows: ArrayLike | None = None, density_factor: ArrayLike | None = None
    ) -> AtmosphereState:
        """Atmospheric state at MOLA altitudes (m), each point on its own profile.

        Parameters
        ----------
        altitude_m : array_like
            MOLA altitudes, any shape.
        rows : array_like of int, optional
            Profile index per point (broadcast against ``altitude_m``); may be omitted for a one-row grid.
        density_factor : array_like, optional
            Multiplies density and pressure per point (dispersions); temperature is unchanged.

        Returns
        -------
        AtmosphereState
            Every field has the broadcast shape of the inputs. Density is positive and finite for any finite
            altitude.
        """
        h = as_altitude(altitude_m)
        if rows is None:
            if self.n_rows != 1:
                raise MarsEDLError(
                    f"rows is required: this grid holds {self.n_rows} profiles (0..{self.n_rows - 1})"
                )
            r = np.zeros(h.shape, dtype=np.intp)
        else:
            r = np.asarray(rows)
            if r.size and (r.min() < 0 or r.max() >= self.n_rows):
                bad = r.min() if r.min() < 0 else r.max()
                raise MarsEDLError(f"profile row {bad} is out of range 0..{self.n_rows - 1}")
            h, r = np.broadcast_arrays(h, r.astype(np.intp, copy=False))
        n_alt = self.n_alt
        f, t = grid_cell.py_func(h, self.h_min_m, self.dh_m, n_alt)  # the engine's look-up, over arrays
        k = r * n_alt + f.astype(np.intp)
        lo = self._flat[:, k]
        hi = self._flat[:, k + 1]
        v = lo + t * (hi - lo)  # (6, ...) linear interpolation of all six columns at once
        ext = exponential_extension.py_func(h, self.h_min_m, self.h_max_m, self.bottom_scale_height_m[r],
                                            self.top_scale_height_m[r])
        rho = np.exp(v[0] + ext)
        p = np.exp(v[1] + ext)
        if density_factor is not None:
            f = np.asarray(density_factor, dtype=np.float64)
            rho = rho * f
            p = p * f
        return AtmosphereState(rho, p, v[2], v[3], v[4], v[5])
