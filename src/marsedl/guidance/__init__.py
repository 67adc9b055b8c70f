"""Guidance as pure, vectorised functions of the navigated state and per-case parameters: entry guidance
(Apollo final phase as flown by MSL and Mars 2020), parachute and separation triggers, powered descent."""

from marsedl.guidance.powered import (
    clip_thrust_vector,
    eguidance_acceleration,
    eguidance_coefficients,
    propellant_mass_flow_kg_s,
    sky_crane_acceleration,
    throttle_limits,
    time_to_go,
)
from marsedl.guidance.triggers import (
    all_of_g,
    altitude_trigger,
    altitude_trigger_g,
    any_of_g,
    heat_shield_separation,
    heat_shield_separation_g,
    range_trigger,
    range_trigger_g,
    velocity_trigger,
    velocity_trigger_g,
)

__all__ = [
    "all_of_g",
    "altitude_trigger",
    "altitude_trigger_g",
    "any_of_g",
    "clip_thrust_vector",
    "eguidance_acceleration",
    "eguidance_coefficients",
    "heat_shield_separation",
    "heat_shield_separation_g",
    "propellant_mass_flow_kg_s",
    "range_trigger",
    "range_trigger_g",
    "sky_crane_acceleration",
    "throttle_limits",
    "time_to_go",
    "velocity_trigger",
    "velocity_trigger_g",
]
