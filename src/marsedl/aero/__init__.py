"""Aerodynamics: drag/lift tables versus Mach for the capsule, the Disk-Gap-Band parachute and shed hardware,
and stagnation-point heating. Pure, vectorised functions of Mach (and time since line stretch)."""

from marsedl.aero.capsule import (
    AEROSHELL_REFERENCE_AREA_M2,
    AeroTable,
    capsule_trim,
    capsule_zero_alpha,
    evaluate_tables,
)
from marsedl.aero.debris import (
    backshell_with_parachute,
    balance_mass,
    descent_stage,
    heat_shield,
    powered_descent_vehicle,
)
from marsedl.aero.heating import AEROSHELL_NOSE_RADIUS_M, SUTTON_GRAVES_K_MARS, sutton_graves_heat_rate_w_m2
from marsedl.aero.parachute import NOMINAL_DIAMETER_ROUNDED_M, NOMINAL_DIAMETER_TRUE_M, DiskGapBand

__all__ = [
    "AEROSHELL_NOSE_RADIUS_M",
    "AEROSHELL_REFERENCE_AREA_M2",
    "NOMINAL_DIAMETER_ROUNDED_M",
    "NOMINAL_DIAMETER_TRUE_M",
    "SUTTON_GRAVES_K_MARS",
    "AeroTable",
    "DiskGapBand",
    "backshell_with_parachute",
    "balance_mass",
    "capsule_trim",
    "capsule_zero_alpha",
    "descent_stage",
    "evaluate_tables",
    "heat_shield",
    "powered_descent_vehicle",
    "sutton_graves_heat_rate_w_m2",
]
