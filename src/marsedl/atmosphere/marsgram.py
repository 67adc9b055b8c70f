"""Readers for Mars-GRAM 2010 output: a mean profile and Monte Carlo profile sets.

Two text formats are understood (the ones distributed with the open AMAT project):

* **mean profile** (``read_marsgram_avg``): whitespace-separated rows
  ``height_m  T_K  p_Pa  rho_kg_m3  a_m_s`` after a ``#`` header line;
* **Monte Carlo output** (:class:`MarsGramProfiles`): a header line naming the columns (``Var_X`` = height in
  km, ``DENSAV`` = unperturbed mean density, ``DENSTOT`` = perturbed total density, ``Grav`` = gravity in
  m/s^2, ...), then the profiles one after another, each starting again at the lowest height.

The Monte Carlo format has no temperature column. We take the temperature from **hydrostatic balance of the
mean density** ``DENSAV`` (with the file's ``Grav``): ``p_mean(h) = integral rho_mean g dh``,
``T = p_mean / (rho_mean R)``. Every profile shares that smooth mean temperature (and speed of sound), and its
pressure is ``DENSTOT R T``: the perturbations act on density and pressure at the mean temperature. We do not
integrate each perturbed ``DENSTOT`` hydrostatically: its random small-scale wiggles make the derived
temperature meaningless above ~100 km (it even turns negative near the top). Pass ``temperature_model`` to use
another model's temperature instead (for example a Mars-GRAM mean profile).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from marsedl.atmosphere.base import GAMMA_CO2, R_CO2, Atmosphere
from marsedl.atmosphere.table import TableAtmosphere, hydrostatic_pressure
from marsedl.errors import MarsEDLError

__all__ = ["MarsGramProfiles", "is_marsgram_monte_carlo", "read_marsgram_avg"]

Array = NDArray[np.float64]

# Monte Carlo profiles are noisy row to row: fit the extrapolation scale heights over 10 rows (10 km).
_MC_END_FIT_ROWS = 10


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise MarsEDLError(f"atmosphere file not found: {path}") from None
    except OSError as exc:
        raise MarsEDLError(f"cannot read atmosphere file {path}: {exc}") from None


def _numeric_rows(path: Path, text: str, skip_header: bool) -> Array:
    rows = []
    ncol = None
    first = True
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s:
            continue
        if skip_header and first:  # the first non-empty line is the header, with or without '#'
            first = False
            continue
        first = False
        if s.startswith("#"):
            continue
        try:
            vals = [float(v) for v in s.split()]
        except ValueError:
            raise MarsEDLError(
                f"Mars-GRAM file {path} line {lineno}: expected numbers, got '{s[:40]}'"
            ) from None
        if ncol is None:
            ncol = len(vals)
        elif len(vals) != ncol:
            raise MarsEDLError(f"Mars-GRAM file {path} line {lineno}: {len(vals)} columns, expected {ncol}")
        rows.append(vals)
    if not rows:
        raise MarsEDLError(f"Mars-GRAM file {path}: no data rows")
    return np.array(rows, dtype=np.float64)


def read_marsgram_avg(path: str | Path) -> TableAtmosphere:
    """Read a Mars-GRAM mean profile (columns: height m, T K, p Pa, rho kg/m^3, speed of sound m/s).

    Raises
    ------
    MarsEDLError
        Missing file, non-numeric rows, fewer than 5 columns, or bad table values.
    """
    path = Path(path)
    data = _numeric_rows(path, _read_text(path), skip_header=False)
    if data.shape[1] < 5:
        raise MarsEDLError(
            f"Mars-GRAM mean file {path}: {data.shape[1]} columns; expected height_m, T_K, p_Pa, rho, a_m_s"
        )
    try:
        return TableAtmosphere(
            data[:, 0],
            data[:, 3],
            temperature=data[:, 1],
            pressure=data[:, 2],
            sound_speed=data[:, 4],
            name=path.stem,
            source=f"Mars-GRAM 2010 mean profile ({path.name})",
        )
    except MarsEDLError as exc:
        raise MarsEDLError(f"Mars-GRAM mean file {path}: {exc}") from None


def is_marsgram_monte_carlo(path: str | Path) -> bool:
    """True if the file's first non-empty line is a Mars-GRAM Monte Carlo header (names ``DENSTOT``)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.strip():
                    return "DENSTOT" in line.upper()
    except OSError:
        return False
    return False


@dataclass(frozen=True)
class MarsGramProfiles:
    """A set of Mars-GRAM Monte Carlo profiles on a common height grid.

    Attributes
    ----------
    altitude_m : ndarray, shape (n_heights,)
        MOLA altitudes (m) of every profile.
    density_kg_m3 : ndarray, shape (n_profiles, n_heights)
        Perturbed total density ``DENSTOT``.
    mean_density_kg_m3, gravity_m_s2 : ndarray, shape (n_heights,)
        ``DENSAV`` and ``Grav`` (taken from the first profile).
    temperature_k : ndarray, shape (n_heights,)
        Temperature shared by every profile (see the module docstring).
    name, source : str
    """

    altitude_m: Array
    density_kg_m3: Array
    mean_density_kg_m3: Array
    gravity_m_s2: Array
    temperature_k: Array
    sound_speed_m_s: Array
    name: str
    source: str

    @classmethod
    def read(cls, path: str | Path, temperature_model: Atmosphere | None = None) -> MarsGramProfiles:
        """Read a Monte Carlo file (e.g. ``LAT20N.txt``: 200 profiles of 156 heights).

        Parameters
        ----------
        path : str or Path
        temperature_model : Atmosphere, optional
            Take temperature and speed of sound from this model instead of the hydrostatic mean.
        """
        path = Path(path)
        text = _read_text(path)
        header_line = next((ln for ln in text.splitlines() if ln.strip()), "")
        names = [n.upper() for n in header_line.lstrip("#").split()]
        need = ("VAR_X", "DENSAV", "DENSTOT", "GRAV")
        missing = [n for n in need if n not in names]
        if missing:
            raise MarsEDLError(
                f"Mars-GRAM Monte Carlo file {path}: header lacks column {missing[0]} "
                f"(needs {', '.join(need)})"
            )
        data = _numeric_rows(path, text, skip_header=True)
        if data.shape[1] != len(names):
            raise MarsEDLError(
                f"Mars-GRAM Monte Carlo file {path}: {data.shape[1]} columns per row, "
                f"header names {len(names)}"
            )
        h_km = data[:, names.index("VAR_X")]
        starts = np.flatnonzero(np.r_[True, np.diff(h_km) <= 0])
        n_heights = int(np.diff(np.r_[starts, h_km.size]).max())
        n_prof = starts.size
        if h_km.size != n_prof * n_heights or not np.all(np.diff(np.r_[starts, h_km.size]) == n_heights):
            raise MarsEDLError(
                f"Mars-GRAM Monte Carlo file {path}: profiles have different numbers of heights "
                f"({h_km.size} rows, {n_prof} profiles)"
            )
        h_grid = h_km[:n_heights]
        if not np.allclose(h_km.reshape(n_prof, n_heights), h_grid):
            raise MarsEDLError(f"Mars-GRAM Monte Carlo file {path}: profiles do not share one height grid")
        dens = data[:, names.index("DENSTOT")].reshape(n_prof, n_heights)
        if not np.all(np.isfinite(dens) & (dens > 0)):
            bad = int(np.flatnonzero(~(np.isfinite(dens.ravel()) & (dens.ravel() > 0)))[0])
            raise MarsEDLError(
                f"Mars-GRAM Monte Carlo file {path}: DENSTOT in profile {bad // n_heights} at "
                f"{h_grid[bad % n_heights]:g} km is not a positive density"
            )
        mean = data[:n_heights, names.index("DENSAV")]
        grav = data[:n_heights, names.index("GRAV")]
        h_m = h_grid * 1e3
        if temperature_model is None:
            p_mean = hydrostatic_pressure(h_m, mean, grav)
            temp = p_mean / (mean * R_CO2)
            sound = np.sqrt(GAMMA_CO2 * R_CO2 * temp)
            how = "temperature from hydrostatic balance of DENSAV"
        else:
            st = temperature_model.evaluate(h_m)
            temp, sound = st.temperature_k, st.sound_speed_m_s
            how = f"temperature from {temperature_model.name}"
        return cls(
            altitude_m=h_m,
            density_kg_m3=dens,
            mean_density_kg_m3=mean,
            gravity_m_s2=grav,
            temperature_k=temp,
            sound_speed_m_s=sound,
            name=path.stem,
            source=f"Mars-GRAM 2010 Monte Carlo profiles ({path.name}, {n_prof} profiles; {how})",
        )

    @property
    def n_profiles(self) -> int:
        return int(self.density_kg_m3.shape[0])

    @property
    def n_heights(self) -> int:
        return int(self.altitude_m.size)

    def profile(self, index: int) -> TableAtmosphere:
        """Profile ``index`` (0-based) as a table: ``DENSTOT``, the shared temperature, p = rho R T."""
        n = self.n_profiles
        if isinstance(index, bool) or not isinstance(index, int | np.integer) or not 0 <= index < n:
            raise MarsEDLError(f"Mars-GRAM profile index {index!r} is out of range 0..{n - 1} ({self.name})")
        rho = self.density_kg_m3[index]
        return TableAtmosphere(
            self.altitude_m,
            rho,
            temperature=self.temperature_k,
            pressure=rho * R_CO2 * self.temperature_k,
            sound_speed=self.sound_speed_m_s,
            end_fit_rows=_MC_END_FIT_ROWS,
            name=f"{self.name}:{index}",
            source=f"{self.source}, profile {index}",
        )
