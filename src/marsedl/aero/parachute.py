"""The Disk-Gap-Band (DGB) supersonic parachute of MSL and Mars 2020: drag, inflation, opening load.

Model
-----
* Drag coefficient versus Mach on the nominal area S0 = π D0² / 4, linearly interpolated and clamped at the
  table ends. The default curve is the project reference's starting curve: subsonic 0.615 (the MSL pre-flight
  model; 0.636 reconstructed, Cruz et al., "Reconstruction of the Mars Science Laboratory Parachute
  Performance", JSR 2014), falling with Mach to 0.48 at Mach 2.2 in the capsule's wake (model values, tag M).
* Inflation: the drag area grows from line stretch as S0 · (t / t_inf)^n, clipped to [0, 1] of the full value;
  t_inf ≈ 0.4 s (ASPIRE flight tests), n a model choice (2 by default; 2–6 is the usual range).
* Peak opening load: F = C_x · C_D(M) · q · S0 with an opening-load factor C_x. The default C_x = 1.75 is
  derived from the ASPIRE strengthened-canopy test (300 kN at Mach 1.85, q = 932 Pa):
  300e3 / (0.515 · 932 · 358) = 1.75, with C_D(1.85) = 0.515 from the default curve. It gives
  F / (q S0) = 0.84–0.96 over Mach 1.4–2.2, the 0.9–1.0 band seen in the tests (project reference, tag D).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl import laws
from marsedl.errors import MarsEDLError

#: True nominal diameter of the MSL / Mars 2020 DGB, m (Cruz et al., JSR 2014: S0 = 358 m²).
NOMINAL_DIAMETER_TRUE_M = 21.35
#: The rounded "21.5 m" of the press material (NASA/JPL Mars 2020 press kit: S0 = 363 m²).
NOMINAL_DIAMETER_ROUNDED_M = 21.5

# Starting C_D(Mach) curve (project reference mars_edl_inputs.md; subsonic value Cruz et al. 2014, the
# supersonic fall-off a model value, tag M).
_DEFAULT_CD_MACH = (0.6, 1.0, 1.5, 2.0, 2.2)
_DEFAULT_CD = (0.615, 0.60, 0.55, 0.50, 0.48)


@dataclass(frozen=True, eq=False)
class DiskGapBand:
    """A Disk-Gap-Band parachute.

    Parameters
    ----------
    nominal_diameter_m : float
        Nominal diameter D0, m. Default 21.35 m, the true value (Cruz et al., JSR 2014); use
        ``NOMINAL_DIAMETER_ROUNDED_M`` (21.5 m) for the press-kit figure.
    cd_mach, cd_values : tuple of float
        C_D(Mach) on S0, strictly increasing Mach; clamped outside the table.
    inflation_time_s : float
        Time from line stretch to full open, s (≈ 0.4 s, ASPIRE).
    inflation_exponent : float
        Exponent n of the drag-area growth (t / t_inf)^n (> 0).
    opening_load_factor : float
        C_x in the peak opening load C_x · C_D(M) · q · S0 (see the module notes).
    mass_kg : float
        Canopy and lines, kg (≈ 82 kg, NASA/JPL press kit / Airborne Systems).
    max_deploy_mach, max_deploy_dynamic_pressure_pa : float
        Qualification limits: Mach ≤ 2.2 and q ≤ 750 Pa for the MSL canopy (Sengupta et al.).
        :meth:`mars2020_strengthened` gives the strengthened canopy.
    name : str
        Label.
    """

    nominal_diameter_m: float = NOMINAL_DIAMETER_TRUE_M
    cd_mach: tuple[float, ...] = _DEFAULT_CD_MACH
    cd_values: tuple[float, ...] = _DEFAULT_CD
    inflation_time_s: float = 0.4
    inflation_exponent: float = 2.0
    opening_load_factor: float = 1.75
    mass_kg: float = 82.0
    max_deploy_mach: float = 2.2
    max_deploy_dynamic_pressure_pa: float = 750.0
    name: str = "DGB"

    def __post_init__(self) -> None:
        def positive(field_name: str, value: float, upper: float) -> float:
            v = float(value)
            if not math.isfinite(v) or v <= 0.0 or v > upper:
                raise MarsEDLError(f"parachute {field_name}: must be in (0, {upper:g}] (got {value})")
            return v

        object.__setattr__(
            self, "nominal_diameter_m", positive("nominal_diameter_m", self.nominal_diameter_m, 100)
        )
        object.__setattr__(self, "inflation_time_s", positive("inflation_time_s", self.inflation_time_s, 60))
        object.__setattr__(
            self, "inflation_exponent", positive("inflation_exponent", self.inflation_exponent, 20)
        )
        object.__setattr__(
            self, "opening_load_factor", positive("opening_load_factor", self.opening_load_factor, 10)
        )
        object.__setattr__(self, "mass_kg", positive("mass_kg", self.mass_kg, 1e4))
        object.__setattr__(self, "max_deploy_mach", positive("max_deploy_mach", self.max_deploy_mach, 10))
        object.__setattr__(
            self,
            "max_deploy_dynamic_pressure_pa",
            positive("max_deploy_dynamic_pressure_pa", self.max_deploy_dynamic_pressure_pa, 1e5),
        )
        mach = np.array(self.cd_mach, dtype=float).reshape(-1)
        cd = np.array(self.cd_values, dtype=float).reshape(-1)
        if mach.size == 0 or mach.size != cd.size:
            raise MarsEDLError("parachute cd_mach and cd_values: need the same, non-zero length")
        if not (np.all(np.isfinite(mach)) and np.all(np.isfinite(cd))):
            raise MarsEDLError("parachute cd_mach and cd_values: must be finite numbers")
        if np.any(mach < 0) or np.any(np.diff(mach) <= 0):
            raise MarsEDLError("parachute cd_mach: must be ≥ 0 and strictly increasing")
        if np.any(cd <= 0) or np.any(cd > 2):
            raise MarsEDLError("parachute cd_values: each must be in (0, 2]")
        object.__setattr__(self, "cd_mach", tuple(mach.tolist()))
        object.__setattr__(self, "cd_values", tuple(cd.tolist()))

    @classmethod
    def mars2020_strengthened(cls, **overrides: float) -> DiskGapBand:
        """The strengthened Mars 2020 canopy: dynamic-pressure limit raised to the ASPIRE SR03 test point.

        ASPIRE reached 300 kN at Mach 1.85 and 932 Pa with this canopy (O'Farrell et al., ASPIRE; project
        reference, tag P). The Mach limit is kept at 2.2.
        """
        kwargs: dict = {"max_deploy_dynamic_pressure_pa": 932.0, "name": "DGB (Mars 2020 strengthened)"}
        kwargs.update(overrides)
        return cls(**kwargs)

    @property
    def reference_area_m2(self) -> float:
        """Nominal area S0 = π D0² / 4, m²."""
        return math.pi * self.nominal_diameter_m**2 / 4.0

    def cd(self, mach: ArrayLike) -> NDArray[np.float64]:
        """Fully open drag coefficient on S0 at ``mach`` (interpolated, clamped at the table ends)."""
        return np.interp(np.asarray(mach, dtype=float), self.cd_mach, self.cd_values)

    def area_fraction(self, t_since_line_stretch_s: ArrayLike) -> NDArray[np.float64]:
        """Fraction of the full drag area open: 0 before line stretch, (t/t_inf)^n, 1 after t_inf."""
        t = np.asarray(t_since_line_stretch_s, dtype=float)
        return np.asarray(laws.inflation_fraction.py_func(t, self.inflation_time_s, self.inflation_exponent))

    def drag_area_m2(self, mach: ArrayLike, t_since_line_stretch_s: ArrayLike) -> NDArray[np.float64]:
        """Drag area C_D(M) · S0 · area_fraction(t), m² (broadcast over the two arguments)."""
        return self.cd(mach) * self.reference_area_m2 * self.area_fraction(t_since_line_stretch_s)

    def peak_opening_load_n(self, dynamic_pressure_pa: ArrayLike, mach: ArrayLike) -> NDArray[np.float64]:
        """Peak opening force estimate C_x · C_D(M) · q · S0, N, for a deploy at (q, M).

        ``q`` and ``M`` are the values at line stretch. A quasi-static estimate; it does not replace the
        trajectory's own drag history, which the engine integrates.
        """
        q = np.asarray(dynamic_pressure_pa, dtype=float)
        return self.opening_load_factor * self.cd(mach) * q * self.reference_area_m2

    def within_qualification(self, mach: ArrayLike, dynamic_pressure_pa: ArrayLike) -> NDArray[np.bool_]:
        """True where a deploy at (M, q) is inside the qualified Mach and dynamic-pressure limits."""
        m = np.asarray(mach, dtype=float)
        q = np.asarray(dynamic_pressure_pa, dtype=float)
        return (m <= self.max_deploy_mach) & (q <= self.max_deploy_dynamic_pressure_pa)
