"""Aerodynamics of the hardware shed during EDL, and of the powered-descent vehicle.

Each function returns an :class:`~marsedl.aero.capsule.AeroTable`. Checks against the project reference's
derived ballistic coefficients (mars_edl_inputs.md, "Shed hardware ballistic coefficients", tag D):
heat shield ≈ 26 kg/m² at 440 kg; backshell + parachute ≈ 3 kg/m² at 575 kg; a 25 kg tungsten entry balance
mass 1700–2000 kg/m²; a 75 kg cruise balance mass 2500–2900 kg/m².
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from marsedl.aero.capsule import AEROSHELL_REFERENCE_AREA_M2, AeroTable, capsule_zero_alpha
from marsedl.aero.parachute import DiskGapBand
from marsedl.errors import MarsEDLError

#: Density of tungsten, kg/m³ (19.25 g/cm³, CRC Handbook of Chemistry and Physics).
TUNGSTEN_DENSITY_KG_M3 = 19250.0

#: Area factor of the equal-volume sphere: π r² = (9π/16)^(1/3) · V^(2/3) ≈ 1.209 V^(2/3).
EQUAL_VOLUME_SPHERE_AREA_FACTOR = (9.0 * math.pi / 16.0) ** (1.0 / 3.0)
#: Area factor of a cube's face: s² = V^(2/3).
CUBE_FACE_AREA_FACTOR = 1.0
#: Mean projected area of a randomly tumbling cube (Cauchy: surface / 4 = 1.5 s²).
CUBE_MEAN_PROJECTED_AREA_FACTOR = 1.5


def _check_positive(name: str, value: float, upper: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0.0 or v > upper:
        raise MarsEDLError(f"{name}: must be in (0, {upper:g}] (got {value})")
    return v


def _constant_table(cd: float, area_m2: float, name: str, source: str) -> AeroTable:
    return AeroTable(
        mach=np.array([0.0]),
        cd=np.array([cd]),
        cl=np.array([0.0]),
        reference_area_m2=area_m2,
        name=name,
        source=source,
    )


def heat_shield(reference_area_m2: float = AEROSHELL_REFERENCE_AREA_M2) -> AeroTable:
    """The falling heat shield (forebody alone), non-lifting.

    The forebody carries almost all of a 70° sphere-cone's drag, so the capsule's zero-angle-of-attack
    (Phoenix) curve is used: C_D ≈ 1.04–1.10 at the subsonic speeds where the shield flies after separation,
    hence β ≈ 440 / (1.05 · 15.9) ≈ 26 kg/m², the project reference's value. Clamped outside Mach 0.45–20.
    """
    area = _check_positive("heat shield reference_area_m2", reference_area_m2, 100)
    return replace(capsule_zero_alpha(area), name="heat_shield",
                   source="70 deg sphere-cone forebody at alpha=0 (Phoenix, Edquist et al. JSR 2011, tag M)")


def balance_mass(
    mass_kg: float,
    density_kg_m3: float = TUNGSTEN_DENSITY_KG_M3,
    cd: float = 1.0,
    area_factor: float = EQUAL_VOLUME_SPHERE_AREA_FACTOR,
) -> AeroTable:
    """A tumbling tungsten balance mass: compact body, C_D ≈ 1, reference area from its volume.

    The reference area is ``area_factor · V^(2/3)`` with V = m / ρ. The default is the equal-volume sphere's
    cross-section (factor 1.209), between a cube's face (``CUBE_FACE_AREA_FACTOR`` = 1) and a tumbling cube's
    mean projected area (``CUBE_MEAN_PROJECTED_AREA_FACTOR`` = 1.5). With C_D = 1 it gives β ≈ 1740 kg/m²
    for a 25 kg entry balance mass and ≈ 2500 kg/m² for a 75 kg cruise balance mass, inside the reference's
    bands; the real shapes are not public.

    Parameters
    ----------
    mass_kg : float
        Mass, kg (entry balance masses 25 kg each, N19; cruise balance masses ≈ 70–75 kg, press kit).
    density_kg_m3 : float
        Material density (tungsten 19 250 kg/m³ by default).
    cd : float
        Drag coefficient on the reference area (≈ 1 for a tumbling compact body; Mach-independent here).
    area_factor : float
        Reference area / V^(2/3).
    """
    m = _check_positive("balance mass mass_kg", mass_kg, 1e4)
    rho = _check_positive("balance mass density_kg_m3", density_kg_m3, 3e4)
    c = _check_positive("balance mass cd", cd, 5)
    f = _check_positive("balance mass area_factor", area_factor, 10)
    area = f * (m / rho) ** (2.0 / 3.0)
    return _constant_table(
        c, area, f"balance_mass_{m:g}kg", "tumbling compact body, area from volume (estimate)"
    )


def backshell_with_parachute(
    parachute: DiskGapBand | None = None,
    backshell_area_m2: float = AEROSHELL_REFERENCE_AREA_M2,
    backshell_cd: float = 0.8,
) -> AeroTable:
    """Backshell hanging under the fully open parachute, after the powered-descent vehicle has left.

    Drag areas add: C_D·A = C_D,chute(M) · S0 + C_D,backshell · A_backshell, expressed on the parachute's S0
    (the table's reference area). The backshell term is an estimate (a cone flying apex-first in the canopy's
    wake, C_D ≈ 0.8 on 15.9 m²); the canopy dominates: ≈ 220 + 13 m², β ≈ 2.5 kg/m² at 575 kg.
    """
    chute = parachute if parachute is not None else DiskGapBand()
    a_bs = _check_positive("backshell_area_m2", backshell_area_m2, 100)
    cd_bs = _check_positive("backshell_cd", backshell_cd, 5)
    s0 = chute.reference_area_m2
    mach = np.array(chute.cd_mach)
    cd = chute.cd(mach) + cd_bs * a_bs / s0
    return AeroTable(
        mach=mach,
        cd=cd,
        cl=np.zeros(mach.size),
        reference_area_m2=s0,
        name="backshell_with_parachute",
        source="DGB curve (Cruz et al. 2014 / reference) + backshell C_D 0.8 on 15.9 m2 (estimate)",
    )


def descent_stage(reference_area_m2: float = 4.0, cd: float = 1.0) -> AeroTable:
    """The descent stage falling after fly-away (propellant gone), tumbling. **An estimate.**

    No public aerodynamics exist. The stage fits inside the 4.5 m backshell; a ≈ 2.3 m span seen from a
    random direction gives ≈ 4 m², and C_D ≈ 1 is the usual bluff, tumbling-body value. Mach-independent.
    """
    area = _check_positive("descent stage reference_area_m2", reference_area_m2, 100)
    c = _check_positive("descent stage cd", cd, 5)
    return _constant_table(c, area, "descent_stage", "estimate: 4 m2 tumbling bluff body, C_D 1")


def powered_descent_vehicle(reference_area_m2: float = 4.0, cd: float = 1.0) -> AeroTable:
    """Rover + descent stage during powered descent and sky crane. **An estimate** (drag is small there).

    Same bluff-body estimate as :func:`descent_stage`: C_D·A ≈ 4 m². At 80 m/s near the ground
    (ρ ≈ 0.015 kg/m³) the drag is ≈ 200 N against ≈ 8 kN of weight (2100 kg), so the estimate matters little.
    """
    area = _check_positive("powered descent vehicle reference_area_m2", reference_area_m2, 100)
    c = _check_positive("powered descent vehicle cd", cd, 5)
    return _constant_table(c, area, "powered_descent_vehicle", "estimate: 4 m2 bluff body, C_D 1")
