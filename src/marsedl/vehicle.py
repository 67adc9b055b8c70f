"""Bodies, masses and configurations: what flies, what it weighs, and what is shed when.

A simulation case is a fixed set of body *slots*: slot 0 is the vehicle lineage (entry capsule → capsule on the
parachute → powered descent vehicle → rover on the ground); the other slots are the pieces it sheds, each
activated ("spawned") by the event that releases it. Knowing every slot up front lets the engine allocate all
bodies of all cases at once, as flat arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marsedl.aero import (
    AeroTable,
    DiskGapBand,
    backshell_with_parachute,
    balance_mass,
    capsule_trim,
    capsule_zero_alpha,
    descent_stage,
    heat_shield,
    powered_descent_vehicle,
)
from marsedl.phase import Phase
from marsedl.preset_events import released_parts
from marsedl.scenario import Mission
from marsedl.sequence import AERO_MODELS, Part

#: Aero table indices (rows of :attr:`VehicleModel.aero_cd`), in the order of :data:`marsedl.sequence.AERO_MODELS`.
(AERO_TRIM, AERO_ZERO_ALPHA, AERO_HEAT_SHIELD, AERO_CBM, AERO_EBM, AERO_BACKSHELL, AERO_DESCENT_STAGE,
 AERO_PDV) = range(len(AERO_MODELS))

#: Uniform Mach grid of the engine's coefficient look-up: 0.01 spacing puts every table node on the grid, so
#: the re-sampled piecewise-linear tables are the original tables exactly.
MACH_STEP = 0.01
MACH_MAX = 40.0


@dataclass(frozen=True)
class VehicleModel:
    """Numbers of one vehicle as the engine uses them (SI), built from a :class:`~marsedl.scenario.Mission`."""

    body_names: tuple[str, ...]
    n_cbm: int
    n_ebm: int
    slot_heat_shield: int
    slot_backshell: int
    slot_descent_stage: int
    entry_mass_kg: float
    cbm_mass_kg: float
    ebm_mass_kg: float
    heat_shield_mass_kg: float
    backshell_mass_kg: float
    descent_stage_dry_kg: float
    propellant_kg: float
    rover_mass_kg: float
    aeroshell_area_m2: float
    nose_radius_m: float
    parachute: DiskGapBand
    line_stretch_delay_s: float
    thrust_min_n: float
    thrust_max_n: float
    isp_s: float
    tables: tuple[AeroTable, ...]
    aero_cd: np.ndarray  # (n_tables, n_mach) C_D·A on the uniform Mach grid, m²
    aero_cl: np.ndarray  # (n_tables, n_mach) C_L·A, m²
    chute_cd_s: np.ndarray  # (n_mach,) fully open parachute C_D·S0, m²
    #: what slot 0 is doing at the start: an EDL vehicle enters at trim (ENTRY, AERO_TRIM); a lone body
    #: (marsedl.body) falls ballistically with its own table (BALLISTIC, 0)
    start_phase: int = int(Phase.ENTRY)
    start_aero_id: int = AERO_TRIM
    #: the parts the preset's events release (marsedl.preset_events), in the slots after the vehicle's own
    preset_parts: tuple[Part, ...] = ()

    @property
    def n_slots(self) -> int:
        return len(self.body_names)

    @property
    def pdv_mass_kg(self) -> float:
        """Powered descent vehicle (descent stage with full propellant + rover)."""
        return self.descent_stage_dry_kg + self.propellant_kg + self.rover_mass_kg


def build_vehicle(mission: Mission) -> VehicleModel:
    """Compile a mission's vehicle into engine numbers and aero look-up grids."""
    m = mission
    names = ["vehicle"]
    names += [f"cruise_balance_mass_{i + 1}" for i in range(m.cruise_balance_masses.count)]
    names += [f"entry_balance_mass_{i + 1}" for i in range(m.entry_balance_masses.count)]
    names += ["heat_shield", "backshell", "descent_stage"]
    n_own = len(names)
    preset_parts = released_parts(m.sequence.events, n_own)
    names += [name for name, _ in preset_parts]
    area = m.aeroshell.reference_area_m2
    chute = DiskGapBand(
        nominal_diameter_m=m.parachute.diameter_m,
        inflation_time_s=m.parachute.inflation_time_s,
        inflation_exponent=m.parachute.inflation_exponent,
        mass_kg=m.parachute.mass_kg,
    )
    tables = (
        capsule_trim(area),
        capsule_zero_alpha(area),
        heat_shield(area),
        balance_mass(m.cruise_balance_masses.mass_kg),
        balance_mass(m.entry_balance_masses.mass_kg),
        backshell_with_parachute(chute, area),
        descent_stage(m.descent_stage.flyaway_cd_area_m2, 1.0),
        powered_descent_vehicle(max(m.descent_stage.cd_area_m2, 1e-6), 1.0),
    )
    grid = np.arange(0.0, MACH_MAX + MACH_STEP / 2, MACH_STEP)
    cd = np.empty((len(tables), grid.size))
    cl = np.empty((len(tables), grid.size))
    for k, tab in enumerate(tables):
        c, l = tab.coefficients(grid)
        cd[k] = c * tab.reference_area_m2
        cl[k] = l * tab.reference_area_m2
    cd[AERO_TRIM] *= m.aeroshell.cd_scale
    cd[AERO_ZERO_ALPHA] *= m.aeroshell.cd_scale
    cl[AERO_TRIM] *= m.aeroshell.cl_scale
    chute_cd_s = chute.cd(grid) * chute.reference_area_m2 * m.parachute.cd_scale
    d = m.descent_stage
    return VehicleModel(
        body_names=tuple(names),
        n_cbm=m.cruise_balance_masses.count,
        n_ebm=m.entry_balance_masses.count,
        slot_heat_shield=n_own - 3,
        slot_backshell=n_own - 2,
        slot_descent_stage=n_own - 1,
        entry_mass_kg=m.entry_mass_kg,
        cbm_mass_kg=m.cruise_balance_masses.mass_kg,
        ebm_mass_kg=m.entry_balance_masses.mass_kg,
        heat_shield_mass_kg=m.shed_mass_kg("heat_shield"),
        backshell_mass_kg=m.shed_mass_kg("backshell"),
        descent_stage_dry_kg=m.shed_mass_kg("descent_stage"),
        propellant_kg=d.propellant_kg,
        rover_mass_kg=m.shed_mass_kg("rover"),
        aeroshell_area_m2=area,
        nose_radius_m=m.aeroshell.nose_radius_m,
        parachute=chute,
        line_stretch_delay_s=m.parachute.line_stretch_delay_s,
        thrust_min_n=d.engines * d.engine_thrust_min_n,
        thrust_max_n=d.engines * d.engine_thrust_max_n,
        isp_s=d.isp_s,
        tables=tables,
        aero_cd=cd,
        aero_cl=cl,
        chute_cd_s=chute_cd_s,
        preset_parts=tuple(part for _, part in preset_parts),
    )
