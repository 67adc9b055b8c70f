"""Mass bookkeeping of the shipped presets (issue #10 item 7): every kilogram of the flown entry mass is placed.

Sources (as in the presets):

* **E22** Edquist et al., "Mars 2020 Reconstructed Aerothermal Environments and Design Margins", AIAA SciTech 2022:
  entry masses as flown, Mars 2020 3369 kg, MSL 3153 kg.
* **PK** NASA/JPL Mars 2020 press kit: heat shield about 440 kg, backshell with the parachute about 575 kg.
* **JEP** C. Jeppesen's MSL EDL reconstruction code, mass table (secondary): heat shield 385 kg, backshell 295 kg
  + parachute 54 kg.

The entry mass no source places (108 kg for Mars 2020) is a named preset line carried by a named body; the heat
shield used to absorb it silently (548 kg shed against the published 440 kg).
"""

from __future__ import annotations

import pytest

from marsedl.errors import MarsEDLError
from marsedl.flight import simulate
from marsedl.scenario import load_mission
from marsedl.vehicle import build_vehicle

#: E22: entry masses as flown (kg)
E22_ENTRY_MASS_KG = {"mars2020": 3369.0, "msl": 3153.0}
#: the shed hardware as the sources give it (kg): PK for Mars 2020, JEP for MSL
SOURCED_SHED_KG = {"mars2020": {"heat_shield": 440.0, "backshell": 575.0},
                   "msl": {"heat_shield": 385.0, "backshell": 349.0}}
#: published masses are whole kilograms: half a kilogram of rounding either way
TOLERANCE_KG = 0.5


def _sum_of_parts(m) -> float:
    """The preset's own numbers, added here independently of Mission.component_mass_kg."""
    d, e = m.descent_stage, m.entry_balance_masses
    return (m.heat_shield.mass_kg + m.backshell.mass_kg + e.count * e.mass_kg + d.dry_mass_kg + d.propellant_kg
            + m.rover.mass_kg + m.vehicle.unplaced_mass_kg)


@pytest.mark.parametrize("preset", sorted(E22_ENTRY_MASS_KG))
def test_the_parts_sum_to_the_flown_entry_mass(preset):
    m = load_mission(preset)
    assert _sum_of_parts(m) == pytest.approx(E22_ENTRY_MASS_KG[preset], abs=TOLERANCE_KG)
    assert build_vehicle(m).entry_mass_kg == pytest.approx(E22_ENTRY_MASS_KG[preset], abs=TOLERANCE_KG)


def test_mars2020s_unplaced_mass_is_carried_by_the_descent_stage_not_the_heat_shield():
    m = load_mission("mars2020")
    v = build_vehicle(m)
    assert m.vehicle.unplaced_mass_kg == pytest.approx(3369.0 - 3261.0)  # E22 less the placed parts (preset)
    assert v.heat_shield_mass_kg == m.heat_shield.mass_kg == 440.0
    assert v.descent_stage_dry_kg == m.descent_stage.dry_mass_kg + m.vehicle.unplaced_mass_kg
    assert v.rover_mass_kg == m.rover.mass_kg and v.backshell_mass_kg == m.backshell.mass_kg


@pytest.mark.parametrize("preset", sorted(SOURCED_SHED_KG))
def test_each_shed_body_falls_with_its_sourced_mass(preset):
    """The mass each body has when it is cut loose: shed hardware keeps it to the ground."""
    impacts = {i.body: i for i in simulate(preset, record=False).impacts}
    for body, sourced in SOURCED_SHED_KG[preset].items():
        assert impacts[body].mass_kg == pytest.approx(sourced, abs=TOLERANCE_KG), body


def test_the_unplaced_mass_goes_where_the_preset_says():
    m = load_mission("mars2020", overrides=["vehicle.unplaced_mass_body=backshell"])
    v = build_vehicle(m)
    assert v.backshell_mass_kg == 575.0 + 108.0 and v.descent_stage_dry_kg == 670.0
    assert v.entry_mass_kg == pytest.approx(3369.0)


def test_a_stated_entry_mass_must_match_the_parts():
    with pytest.raises(MarsEDLError) as err:
        load_mission("mars2020", overrides=["vehicle.entry_mass_kg=3400"])
    msg = str(err.value)
    assert "vehicle.entry_mass_kg" in msg and "vehicle.unplaced_mass_kg" in msg and "\n" not in msg
    assert load_mission("mars2020", overrides=["vehicle.entry_mass_kg=3369"]).entry_mass_kg == 3369.0


def test_a_heavier_rover_makes_a_heavier_entry_vehicle():
    # no part absorbs the difference any more: the entry mass follows the parts
    assert load_mission("mars2020", overrides=["rover.mass_kg=1100"]).entry_mass_kg == pytest.approx(3369.0 + 74.0)
