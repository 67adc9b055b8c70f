"""Tabulated atmosphere profiles: interpolation, derived columns, validation, CSV input/output.

Interpolation is log-linear in altitude for density and pressure (exact for an exponential atmosphere) and
linear for temperature, speed of sound and winds. Outside the table:

* density and pressure continue exponentially with the scale height fitted (least squares on log density)
  to the end rows (the lowest or highest ``end_fit_rows`` rows, default 3); if the fitted slope is not a
  decay (noisy data), the isothermal scale height ``R T / g`` at that end is used instead, and the fitted
  value is kept within 0.5-2 times that isothermal value; so extrapolated density always falls with
  altitude, at a physically plausible rate, and never becomes negative or NaN;
* temperature, speed of sound and winds are held at their end values.

Use :class:`~marsedl.atmosphere.blend.BlendedAtmosphere` to join a table to another model instead.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl.atmosphere.base import (
    GAMMA_CO2,
    R_CO2,
    Atmosphere,
    AtmosphereState,
    as_altitude,
    gravity_at_altitude,
)
from marsedl.errors import MarsEDLError

__all__ = ["CSV_COLUMNS", "TableAtmosphere", "hydrostatic_pressure", "hydrostatic_pressure_from_temperature"]

Array = NDArray[np.float64]

END_FIT_ROWS = 3

# CSV header names -> (keyword, multiplier to SI). km variants are accepted for altitude and winds are m/s.
CSV_COLUMNS: dict[str, tuple[str, float]] = {
    "altitude_m": ("altitude_m", 1.0),
    "altitude_km": ("altitude_m", 1e3),
    "density_kg_m3": ("density", 1.0),
    "temperature_k": ("temperature", 1.0),
    "pressure_pa": ("pressure", 1.0),
    "sound_speed_m_s": ("sound_speed", 1.0),
    "wind_east_m_s": ("wind_east", 1.0),
    "wind_north_m_s": ("wind_north", 1.0),
}


def _end_scale_height(h: Array, rho: Array, t: Array, top: bool, n_fit: int = END_FIT_ROWS) -> float:
    """Density scale height (m, > 0) at one end of a profile: log-linear fit, isothermal fallback."""
    k = min(n_fit, h.size)
    sl = slice(h.size - k, None) if top else slice(0, k)
    hh, lr = h[sl], np.log(rho[sl])
    slope = np.polyfit(hh - hh.mean(), lr, 1)[0] if k >= 2 else 0.0
    end = -1 if top else 0
    iso = float(R_CO2 * t[end] / gravity_at_altitude(h[end]))
    if np.isfinite(slope) and slope < 0:
        return float(np.clip(-1.0 / slope, 0.5 * iso, 2.0 * iso))
    return iso


def hydrostatic_pressure(
    altitude_m: ArrayLike, density: ArrayLike, gravity: ArrayLike | None = None
) -> Array:
    """Pressure (Pa) in hydrostatic balance with a density profile: ``p(h) = p_top + integral rho g dh``.

    Density is integrated exactly for log-linear interpolation between rows; the pressure at the top is
    ``rho_top g_top H_top`` (an exponential tail with the fitted top scale height). The error from that top
    value shrinks as ``p_top / p(h)``: negligible a few scale heights below the top, so temperatures derived
    this way are unreliable only in the highest ~20 km of a table.

    Parameters
    ----------
    altitude_m, density : array_like, shape (n,)
        Strictly increasing altitudes (m) and positive densities (kg/m^3).
    gravity : array_like, optional
        Gravity (m/s^2) at each row; default GM/(R_mean + h)^2.
    """
    h = np.asarray(altitude_m, dtype=np.float64)
    rho = np.asarray(density, dtype=np.float64)
    g = gravity_at_altitude(h) if gravity is None else np.asarray(gravity, dtype=np.float64)
    lr = np.log(rho)
    k = min(5, h.size)
    slope = np.polyfit(h[-k:] - h[-k:].mean(), lr[-k:], 1)[0]
    h_top = -1.0 / slope if slope < 0 else 10e3
    p = np.empty_like(rho)
    p[-1] = rho[-1] * g[-1] * h_top
    dh = np.diff(h)
    r1, r2 = rho[:-1], rho[1:]
    ratio = np.log(r1 / r2)
    with np.errstate(divide="ignore", invalid="ignore"):
        mass = np.where(np.abs(ratio) < 1e-9, 0.5 * (r1 + r2) * dh, (r1 - r2) * dh / ratio)
    seg = mass * 0.5 * (g[:-1] + g[1:])
    p[:-1] = p[-1] + np.cumsum(seg[::-1])[::-1]
    return p


def hydrostatic_pressure_from_temperature(
    altitude_m: ArrayLike, temperature_k: ArrayLike, reference_pressure_pa: float, reference_row: int = 0,
    gas_constant: float = R_CO2,
) -> Array:
    """Pressure (Pa) in hydrostatic balance with a temperature profile, through a known pressure at one row.

    ``d ln p / dh = -g / (R T)`` with the temperature linear in altitude between rows, integrated exactly
    (``integral dh / T = dh ln(T2 / T1) / (T2 - T1)``); gravity GM/(R_mean + h)^2 at each segment's middle.

    Parameters
    ----------
    altitude_m, temperature_k : array_like, shape (n,)
        Strictly increasing altitudes (m) and positive temperatures (K).
    reference_pressure_pa : float
        The pressure at ``altitude_m[reference_row]``.
    """
    h = np.asarray(altitude_m, dtype=np.float64)
    t = np.asarray(temperature_k, dtype=np.float64)
    dh, dt = np.diff(h), np.diff(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_t = np.where(np.abs(dt) < 1e-9, dh / t[:-1], dh * np.log(t[1:] / t[:-1]) / dt)
    g_mid = gravity_at_altitude(0.5 * (h[:-1] + h[1:]))
    log_p = np.concatenate([[0.0], np.cumsum(-g_mid * inv_t / gas_constant)])
    return reference_pressure_pa * np.exp(log_p - log_p[reference_row])


def _fill_linear(h: Array, values: Array) -> Array:
    """Fill NaN cells by linear interpolation over altitude from the rows with values (held at the ends)."""
    ok = np.isfinite(values)
    if ok.all():
        return values
    return np.interp(h, h[ok], values[ok])


class TableAtmosphere(Atmosphere):
    """An atmosphere profile given as a table of MOLA altitude rows.

    Parameters
    ----------
    altitude_m : array_like, shape (n,)
        Strictly increasing MOLA altitudes (m), n >= 2.
    density : array_like, shape (n,)
        Positive densities (kg/m^3).
    temperature, pressure, sound_speed, wind_east, wind_north : array_like, optional
        Temperature (K), pressure (Pa), speed of sound (m/s) and wind components (m/s). Missing columns are
        derived: with no temperature, ``T = p / (rho R)``, or if pressure is missing too, pressure is
        integrated hydrostatically from the density (:func:`hydrostatic_pressure`); missing pressure is
        ``p = rho R T``; missing speed of sound ``a = sqrt(gamma R T)``; missing winds are zero. Individual
        NaN cells in an optional column are filled the same way row by row (temperature from pressure where
        given, else interpolated; speed of sound with the neighbouring rows' ``a^2 / T``; winds interpolated).
    gas_constant, gamma : float
        Specific gas constant (J/(kg K)) and ratio of specific heats, used only for derived columns.
    name, source : str
        Model name and provenance, for reports.
    end_fit_rows : int
        Number of rows at each end used to fit the extrapolation scale height (more for noisy profiles).

    Raises
    ------
    MarsEDLError
        Fewer than 2 rows, altitudes not strictly increasing, a non-positive or non-finite density, a column
        of the wrong length, non-positive temperatures or pressures.
    """

    def __init__(
        self,
        altitude_m: ArrayLike,
        density: ArrayLike,
        temperature: ArrayLike | None = None,
        pressure: ArrayLike | None = None,
        sound_speed: ArrayLike | None = None,
        wind_east: ArrayLike | None = None,
        wind_north: ArrayLike | None = None,
        gas_constant: float = R_CO2,
        gamma: float = GAMMA_CO2,
        name: str = "table",
        source: str = "",
        end_fit_rows: int = END_FIT_ROWS,
    ):
        h = np.asarray(altitude_m, dtype=np.float64).ravel()
        rho = np.asarray(density, dtype=np.float64).ravel()
        if h.size < 2:
            raise MarsEDLError(f"atmosphere table '{name}': needs at least 2 rows, got {h.size}")
        if rho.size != h.size:
            raise MarsEDLError(
                f"atmosphere table '{name}': density has {rho.size} rows, altitude has {h.size}"
            )
        bad = np.flatnonzero(~np.isfinite(h))
        if bad.size:
            raise MarsEDLError(f"atmosphere table '{name}': altitude row {bad[0]} is not a finite number")
        bad = np.flatnonzero(np.diff(h) <= 0)
        if bad.size:
            i = bad[0] + 1
            raise MarsEDLError(
                f"atmosphere table '{name}': altitude must increase strictly; row {i} ({h[i]:g} m) "
                f"is not above row {i - 1} ({h[i - 1]:g} m)"
            )
        bad = np.flatnonzero(~(np.isfinite(rho) & (rho > 0)))
        if bad.size:
            raise MarsEDLError(
                f"atmosphere table '{name}': density row {bad[0]} is {rho[bad[0]]:g}; must be positive kg/m^3"
            )
        cols = {}
        for key, col in (
            ("temperature", temperature),
            ("pressure", pressure),
            ("sound_speed", sound_speed),
            ("wind_east", wind_east),
            ("wind_north", wind_north),
        ):
            if col is None:
                cols[key] = None
                continue
            arr = np.asarray(col, dtype=np.float64).ravel()
            if arr.size != h.size:
                raise MarsEDLError(
                    f"atmosphere table '{name}': {key} has {arr.size} rows, altitude has {h.size}"
                )
            if np.isinf(arr).any():
                i = np.flatnonzero(np.isinf(arr))[0]
                raise MarsEDLError(f"atmosphere table '{name}': {key} row {i} is infinite")
            if key in ("temperature", "pressure", "sound_speed"):
                bad = np.flatnonzero(arr <= 0)
                if bad.size:
                    raise MarsEDLError(
                        f"atmosphere table '{name}': {key} row {bad[0]} is {arr[bad[0]]:g}; must be positive"
                    )
            cols[key] = None if np.isnan(arr).all() else arr

        R = float(gas_constant)
        t, p = cols["temperature"], cols["pressure"]
        if t is None and p is None:
            p = hydrostatic_pressure(h, rho)
            t = p / (rho * R)
        elif t is None:
            p = _fill_linear_log(h, p)
            t = p / (rho * R)
        else:
            if p is not None:
                t = np.where(np.isnan(t) & np.isfinite(p), p / (rho * R), t)
            t = _fill_linear(h, t)
            p = rho * R * t if p is None else np.where(np.isnan(p), rho * R * t, p)
        a = cols["sound_speed"]
        if a is None:
            a = np.sqrt(gamma * R * t)
        elif np.isnan(a).any():
            kappa = _fill_linear(h, a * a / t)
            a = np.sqrt(kappa * t)
        we = np.zeros_like(h) if cols["wind_east"] is None else _fill_linear(h, cols["wind_east"])
        wn = np.zeros_like(h) if cols["wind_north"] is None else _fill_linear(h, cols["wind_north"])

        self.altitude_m = h
        self.density_kg_m3 = rho
        self.temperature_k = t
        self.pressure_pa = p
        self.sound_speed_m_s = a
        self.wind_east_m_s = we
        self.wind_north_m_s = wn
        self.gas_constant = R
        self.gamma = float(gamma)
        self.name = name
        self.source = source
        self._log_rho = np.log(rho)
        self._log_p = np.log(p)
        self.bottom_scale_height_m = _end_scale_height(h, rho, t, top=False, n_fit=end_fit_rows)
        self.top_scale_height_m = _end_scale_height(h, rho, t, top=True, n_fit=end_fit_rows)

    @property
    def n_rows(self) -> int:
        return int(self.altitude_m.size)

    def evaluate(self, altitude_m: ArrayLike, lat_rad=None, lon_rad=None) -> AtmosphereState:
        x = as_altitude(altitude_m)
        h = self.altitude_m
        below = np.minimum(x - h[0], 0.0)  # <= 0 below the table
        above = np.maximum(x - h[-1], 0.0)  # >= 0 above it
        ext = -below / self.bottom_scale_height_m - above / self.top_scale_height_m
        lr = np.interp(x, h, self._log_rho) + ext
        lp = np.interp(x, h, self._log_p) + ext
        return AtmosphereState(
            np.exp(lr),
            np.exp(lp),
            np.interp(x, h, self.temperature_k),
            np.interp(x, h, self.sound_speed_m_s),
            np.interp(x, h, self.wind_east_m_s),
            np.interp(x, h, self.wind_north_m_s),
        )

    # ------------------------------------------------------------------ CSV
    @classmethod
    def from_csv(cls, path: str | Path, name: str | None = None) -> TableAtmosphere:
        """Read a table from a CSV file.

        Lines starting with ``#`` are comments; the comment lines before the header become ``source``. The
        header names the columns (any order): ``altitude_m`` or ``altitude_km`` and ``density_kg_m3`` are
        required; ``temperature_k``, ``pressure_pa``, ``sound_speed_m_s``, ``wind_east_m_s`` and
        ``wind_north_m_s`` are optional (empty cells allowed in optional columns, see the class docs). Rows
        must be in increasing altitude.

        Raises
        ------
        MarsEDLError
            Missing file, unknown or missing columns, a non-numeric cell (with its line), bad values.
        """
        path = Path(path)
        label = name or path.stem
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise MarsEDLError(f"atmosphere file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise MarsEDLError(f"cannot read atmosphere file {path}: {exc}") from None
        comments: list[str] = []
        rows: list[tuple[int, list[str]]] = []
        header: list[str] | None = None
        for lineno, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                if header is None:
                    comments.append(stripped.lstrip("#").strip())
                continue
            cells = [c.strip() for c in next(csv.reader([stripped]))]
            if header is None:
                header = [c.lower() for c in cells]
            else:
                rows.append((lineno, cells))
        allowed = ", ".join(CSV_COLUMNS)
        if header is None:
            raise MarsEDLError(f"atmosphere CSV {path}: no header line; expected columns from: {allowed}")
        unknown = [c for c in header if c not in CSV_COLUMNS]
        if unknown:
            raise MarsEDLError(f"atmosphere CSV {path}: unknown column '{unknown[0]}'; allowed: {allowed}")
        keys = [CSV_COLUMNS[c][0] for c in header]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise MarsEDLError(f"atmosphere CSV {path}: column for {sorted(dup)[0]} given twice")
        for need, options in (("altitude_m", "altitude_m or altitude_km"), ("density", "density_kg_m3")):
            if need not in keys:
                raise MarsEDLError(f"atmosphere CSV {path}: missing required column {options}")
        data = np.full((len(rows), len(header)), np.nan)
        for r, (lineno, cells) in enumerate(rows):
            if len(cells) != len(header):
                raise MarsEDLError(
                    f"atmosphere CSV {path} line {lineno}: {len(cells)} cells, header has {len(header)}"
                )
            for c, cell in enumerate(cells):
                if cell == "":
                    if keys[c] in ("altitude_m", "density"):
                        raise MarsEDLError(f"atmosphere CSV {path} line {lineno}: empty {header[c]}")
                    continue
                try:
                    data[r, c] = float(cell) * CSV_COLUMNS[header[c]][1]
                except ValueError:
                    raise MarsEDLError(
                        f"atmosphere CSV {path} line {lineno}: {header[c]} '{cell}' is not a number"
                    ) from None
        kwargs = {k: data[:, i] for i, k in enumerate(keys)}
        try:
            return cls(
                name=label,
                source=" ".join(comments) or f"table from {path.name}",
                **kwargs,  # type: ignore[arg-type]
            )
        except MarsEDLError as exc:
            raise MarsEDLError(f"atmosphere CSV {path}: {exc}") from None

    def to_csv(self, path: str | Path, columns: Sequence[str] | None = None) -> None:
        """Write the table (all columns in SI, header names as :meth:`from_csv` reads them)."""
        names = list(columns) if columns is not None else [c for c in CSV_COLUMNS if c != "altitude_km"]
        values = {
            "altitude_m": self.altitude_m,
            "density_kg_m3": self.density_kg_m3,
            "temperature_k": self.temperature_k,
            "pressure_pa": self.pressure_pa,
            "sound_speed_m_s": self.sound_speed_m_s,
            "wind_east_m_s": self.wind_east_m_s,
            "wind_north_m_s": self.wind_north_m_s,
            "altitude_km": self.altitude_m / 1e3,
        }
        lines = [f"# {self.source}"] if self.source else []
        lines.append(",".join(names))
        for i in range(self.n_rows):
            lines.append(",".join(repr(float(values[n][i])) for n in names))
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _fill_linear_log(h: Array, values: Array) -> Array:
    ok = np.isfinite(values)
    if ok.all():
        return values
    return np.exp(np.interp(h, h[ok], np.log(values[ok])))
