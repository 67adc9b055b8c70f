"""Aerodynamic coefficient tables versus Mach, and the entry capsule's tables.

An :class:`AeroTable` holds drag and lift coefficients at tabulated Mach numbers on one reference area. The
capsule tables are for a 70° sphere-cone aeroshell of 4.5 m diameter (A = 15.90 m², NASA/JPL Mars 2020 press
kit), the MSL/Mars 2020 family.

Lift coefficients are *magnitudes* of the lift in the plane of the total angle of attack: the direction of the
lift vector about the velocity is set by the bank angle (guidance), not by the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl.errors import MarsEDLError, finite_array

#: Aeroshell reference area, m²: 4.5 m diameter 70° sphere-cone, π (4.5/2)² = 15.90 m² (NASA/JPL Mars 2020
#: press kit; same aeroshell as MSL).
AEROSHELL_REFERENCE_AREA_M2 = 15.90


@dataclass(frozen=True, eq=False)
class AeroTable:
    """Drag and lift coefficients of one body versus Mach number.

    Coefficients are linearly interpolated in Mach between the nodes and **clamped** (held constant) outside
    the tabulated range: below the first node the first values apply, above the last node the last values.

    Parameters
    ----------
    mach : array_like
        Strictly increasing Mach numbers (≥ 0) of the table nodes.
    cd : array_like
        Drag coefficient at each node (≥ 0), referred to ``reference_area_m2``.
    cl : array_like
        Lift coefficient magnitude at each node (≥ 0), same reference area. Zero for non-lifting bodies.
    reference_area_m2 : float
        Reference area, m² (> 0).
    name : str
        Short body name for logs and reports.
    source : str
        Where the numbers come from (the public source, or "estimate" with the reasoning).
    """

    mach: NDArray[np.float64]
    cd: NDArray[np.float64]
    cl: NDArray[np.float64]
    reference_area_m2: float
    name: str = "body"
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        mach = finite_array(f"{self.name} aero table mach", self.mach, flat=True, nonempty=True)
        cd = finite_array(f"{self.name} aero table cd", self.cd, flat=True, nonempty=True)
        cl = finite_array(f"{self.name} aero table cl", self.cl, flat=True, nonempty=True)
        if not (mach.size == cd.size == cl.size):
            raise MarsEDLError(
                f"{self.name} aero table: mach, cd and cl need the same length "
                f"(got {mach.size}, {cd.size}, {cl.size})"
            )
        if np.any(mach < 0.0) or np.any(np.diff(mach) <= 0.0):
            raise MarsEDLError(f"{self.name} aero table mach: must be ≥ 0 and strictly increasing")
        if np.any(cd < 0.0) or np.any(cd > 5.0):  # (0: a body flown without drag, as a vacuum check)
            raise MarsEDLError(f"{self.name} aero table cd: each value must be in [0, 5]")
        if np.any(cl < 0.0) or np.any(cl > 5.0):
            raise MarsEDLError(f"{self.name} aero table cl: each value must be in [0, 5] (a magnitude)")
        area = float(self.reference_area_m2)
        if not np.isfinite(area) or area <= 0.0:
            raise MarsEDLError(f"{self.name} reference_area_m2: must be a finite number > 0 (got {area})")
        object.__setattr__(self, "mach", mach)
        object.__setattr__(self, "cd", cd)
        object.__setattr__(self, "cl", cl)
        object.__setattr__(self, "reference_area_m2", area)

    def coefficients(self, mach: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Drag and lift coefficients at ``mach`` (any shape), interpolated and clamped.

        Parameters
        ----------
        mach : array_like
            Mach number(s).

        Returns
        -------
        cd, cl : ndarray
            Arrays of the same shape as ``mach``.
        """
        m = np.asarray(mach, dtype=float)
        return np.interp(m, self.mach, self.cd), np.interp(m, self.mach, self.cl)

    def drag_area_m2(self, mach: ArrayLike) -> NDArray[np.float64]:
        """C_D·A in m² at ``mach``."""
        return np.interp(np.asarray(mach, dtype=float), self.mach, self.cd) * self.reference_area_m2

    def lift_to_drag(self, mach: ArrayLike) -> NDArray[np.float64]:
        """L/D = C_L / C_D at ``mach``."""
        cd, cl = self.coefficients(mach)
        return cl / cd

    def ballistic_coefficient_kg_m2(self, mass_kg: ArrayLike, mach: ArrayLike) -> NDArray[np.float64]:
        """Ballistic coefficient β = m / (C_D A) in kg/m² (broadcast over ``mass_kg`` and ``mach``)."""
        return np.asarray(mass_kg, dtype=float) / self.drag_area_m2(mach)


def evaluate_tables(
    tables: Sequence[AeroTable], table_index: ArrayLike, mach: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Evaluate a different table for each body, vectorised over bodies.

    The loop runs over the (few) distinct tables, never over bodies: each table is evaluated once on the
    bodies that use it (a mask).

    Parameters
    ----------
    tables : sequence of AeroTable
        The tables in use (e.g. one per flight mode).
    table_index : array_like of int, shape (n,)
        Index into ``tables`` for each body.
    mach : array_like, shape (n,)
        Mach number of each body.

    Returns
    -------
    cd, cl, reference_area_m2 : ndarray, shape (n,)
    """
    idx = np.asarray(table_index)
    m = np.asarray(mach, dtype=float)
    if idx.shape != m.shape:
        raise MarsEDLError(f"table_index and mach need the same shape (got {idx.shape} and {m.shape})")
    if idx.size and (idx.min() < 0 or idx.max() >= len(tables)):
        raise MarsEDLError(f"table_index: each value must be in [0, {len(tables) - 1}]")
    cd = np.empty(m.shape)
    cl = np.empty(m.shape)
    area = np.empty(m.shape)
    for k, table in enumerate(tables):
        mask = idx == k
        if not np.any(mask):
            continue
        cd[mask], cl[mask] = table.coefficients(m[mask])
        area[mask] = table.reference_area_m2
    return cd, cl, area


# MSL-class 70° sphere-cone at hypersonic trim (α ≈ -16°) with the entry balance masses on. Values are the
# evaluated rational fit of an open research code, as tabulated in the project reference
# (shared/reference/mars_edl_inputs.md, tag M); L/D = 0.35/1.46 ≈ 0.24 hypersonic, consistent with
# Edquist et al. 2022 (NTRS 20210024709) and MSL heritage (C_D ≈ 1.5).
_TRIM_MACH = (0.8, 1.2, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 24.0)
_TRIM_CD = (1.58, 1.53, 1.50, 1.47, 1.41, 1.37, 1.38, 1.40, 1.40, 1.40, 1.43, 1.45, 1.46)
_TRIM_CL = (0.46, 0.46, 0.46, 0.45, 0.44, 0.42, 0.39, 0.37, 0.36, 0.36, 0.36, 0.35, 0.35)

# 70° sphere-cone at zero angle of attack (after SUFR: C_L = 0), Phoenix aerodynamics digitised from Edquist
# et al., "Aerodynamics for Mars Phoenix Entry Capsule", JSR 2011 (project reference, tag M). The reference
# gives ranges for Mach 1.8–3.5, 5–10 and "hypersonic"; the nodes below take the range ends at the range ends
# and 1.72 at Mach 20 for the hypersonic 1.71–1.73.
_ZERO_MACH = (0.45, 0.67, 0.85, 1.0, 1.15, 1.4, 1.8, 3.5, 5.0, 10.0, 20.0)
_ZERO_CD = (1.04, 1.10, 1.22, 1.30, 1.42, 1.54, 1.57, 1.60, 1.62, 1.69, 1.72)


def capsule_trim(reference_area_m2: float = AEROSHELL_REFERENCE_AREA_M2) -> AeroTable:
    """Entry capsule at trim angle of attack with the entry balance masses on (lifting, L/D ≈ 0.24).

    Parameters
    ----------
    reference_area_m2 : float
        Aeroshell reference area, m² (default 15.90 m², 4.5 m diameter).

    Returns
    -------
    AeroTable
        MSL-class fit: C_D 1.46 / C_L 0.35 at Mach 24, rising to C_D 1.58 at Mach 0.8. Clamped outside
        Mach 0.8–24.
    """
    return AeroTable(
        mach=np.array(_TRIM_MACH),
        cd=np.array(_TRIM_CD),
        cl=np.array(_TRIM_CL),
        reference_area_m2=reference_area_m2,
        name="capsule_trim",
        source="MSL-class 70 deg sphere-cone trim fit (open research code, project reference tag M); "
        "L/D 0.24 hypersonic per Edquist et al. 2022",
    )


def capsule_zero_alpha(reference_area_m2: float = AEROSHELL_REFERENCE_AREA_M2) -> AeroTable:
    """Entry capsule at zero angle of attack (after SUFR, entry balance masses gone): C_L = 0.

    Parameters
    ----------
    reference_area_m2 : float
        Aeroshell reference area, m² (default 15.90 m²).

    Returns
    -------
    AeroTable
        Phoenix-derived 70° sphere-cone drag, C_D 1.04 at Mach 0.45 to 1.72 hypersonic. Clamped outside
        Mach 0.45–20.
    """
    return AeroTable(
        mach=np.array(_ZERO_MACH),
        cd=np.array(_ZERO_CD),
        cl=np.zeros(len(_ZERO_MACH)),
        reference_area_m2=reference_area_m2,
        name="capsule_zero_alpha",
        source="Phoenix 70 deg sphere-cone at alpha=0, Edquist et al. JSR 2011 (digitised, tag M)",
    )
