"""The laws of motion and of the models, each written once as a compiled scalar function.

Each law here is a small Numba ``@njit`` function of plain numbers, written with arithmetic and NumPy ufuncs
only. The engine's kernels (:mod:`marsedl.kernels`) call it for one body at a time; the Python API
(:class:`marsedl.planet.Planet`, :mod:`marsedl.aero`) calls the very same source over arrays through its
``py_func`` (NumPy evaluates the ufuncs elementwise). There is no second copy to keep in step: a test of the
Python API is a test of what the engine flies. (A law that calls another law gets a compiled loop over
arrays instead, such as :func:`~marsedl.laws.navigation.navigated_many`.) This is poliastro's ``core`` idea:
unit-free compiled laws under a friendly API.

Modules: :mod:`~marsedl.laws.gravity` (point mass + J2, the rotating frame's terms, the reference
ellipsoid), :mod:`~marsedl.laws.tables` (grid look-ups), :mod:`~marsedl.laws.gauss_markov` (the Monte Carlo
perturbations' process), :mod:`~marsedl.laws.heating` (Sutton–Graves), :mod:`~marsedl.laws.parachute` (canopy
inflation), :mod:`~marsedl.laws.navigation` (the navigated state), :mod:`~marsedl.laws.triggers` (event functions
of the sequence), :mod:`~marsedl.laws.entry_guidance` (the bank command), :mod:`~marsedl.laws.powered` (powered
descent), :mod:`~marsedl.laws.safe_spot` (terrain-relative navigation's safe-spot choice on a hazard map).
"""

from marsedl.laws.entry_guidance import (
    apollo_vertical_lod,
    bank_magnitude,
    corridor_width,
    heading_alignment_bank,
    lateral_sign,
    rate_limited_bank,
)
from marsedl.laws.gauss_markov import gauss_markov_rows
from marsedl.laws.gravity import ellipsoid_radius_along, frame_acceleration, gravity_j2
from marsedl.laws.heating import sutton_graves
from marsedl.laws.navigation import navigated, radar_navigated_position
from marsedl.laws.parachute import inflation_fraction
from marsedl.laws.powered import (
    constant_deceleration,
    constant_deceleration_sink_rate,
    eguidance_acceleration,
    velocity_hold_acceleration,
    vertical_time_to_go,
    vertical_time_to_go_many,
)
from marsedl.laws.safe_spot import nearest_safe_cell, nearest_safe_cells
from marsedl.laws.tables import exponential_extension, grid_cell
from marsedl.laws.triggers import (
    altitude_floor_g,
    heat_shield_separation_g,
    range_trigger_g,
    sufr_trigger_g,
    velocity_trigger_g,
)

__all__ = [
    "altitude_floor_g",
    "apollo_vertical_lod",
    "bank_magnitude",
    "constant_deceleration",
    "constant_deceleration_sink_rate",
    "corridor_width",
    "eguidance_acceleration",
    "ellipsoid_radius_along",
    "exponential_extension",
    "gauss_markov_rows",
    "frame_acceleration",
    "gravity_j2",
    "grid_cell",
    "heading_alignment_bank",
    "heat_shield_separation_g",
    "inflation_fraction",
    "lateral_sign",
    "navigated",
    "nearest_safe_cell",
    "nearest_safe_cells",
    "radar_navigated_position",
    "range_trigger_g",
    "rate_limited_bank",
    "sufr_trigger_g",
    "sutton_graves",
    "velocity_hold_acceleration",
    "velocity_trigger_g",
    "vertical_time_to_go",
    "vertical_time_to_go_many",
]
