"""Event functions of the EDL sequence's triggers: positive before the event, <= 0 once it holds.

The engine locates an event inside a step by root finding on its event function. A compound condition is the
maximum of its parts' functions (all must hold) or their minimum (any one suffices), which keeps it continuous;
the parts are divided by scales that make them comparable (1 km of range, 100 Pa, 100 m/s, 1 km of altitude:
root-finding conditioning only, the sign and so the event do not depend on them).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import LEAF

RANGE_SCALE_M = 1000.0
Q_SCALE_PA = 100.0
SPEED_SCALE_M_S = 100.0
ALTITUDE_SCALE_M = 1000.0


@njit(**LEAF)
def range_trigger_g(range_to_go, threshold, mach, q, mach_lo, mach_hi, q_lo, q_hi):
    """Range trigger (Mars 2020): the navigated range to go at or below ``threshold`` inside the box
    (Mach <= ``mach_hi``, ``q_lo`` <= q <= ``q_hi``), or Mach down to the box's lower edge ``mach_lo`` (the
    fallback: a vehicle short of the target still opens its parachute)."""
    inside = np.maximum(np.maximum(np.maximum((range_to_go - threshold) / RANGE_SCALE_M, mach - mach_hi),
                                   (q_lo - q) / Q_SCALE_PA), (q - q_hi) / Q_SCALE_PA)
    return np.minimum(inside, mach - mach_lo)


@njit(**LEAF)
def velocity_trigger_g(speed, threshold, mach, mach_lo, mach_hi):
    """Velocity trigger (MSL): the navigated speed at or below ``threshold`` once Mach is below the box's upper
    edge, or Mach down to its lower edge."""
    return np.minimum(np.maximum((speed - threshold) / SPEED_SCALE_M_S, mach - mach_hi), mach - mach_lo)


@njit(**LEAF)
def sufr_trigger_g(speed, threshold):
    """SUFR ("straighten up and fly right", MSL and Mars 2020): the navigated planet-relative speed at or below
    ``threshold``. The entry balance masses go, the bank goes to zero and the capsule trims at zero angle of
    attack; only then is the parachute trigger armed (the flight software waits for it in SUFR)."""
    return (speed - threshold) / SPEED_SCALE_M_S


@njit(**LEAF)
def altitude_floor_g(altitude, floor, mach, mach_hi):
    """Deploy altitude floor: the navigated altitude above the ground at or below ``floor`` once Mach is below
    the box's upper edge (a canopy opened faster would not survive)."""
    return np.maximum((altitude - floor) / ALTITUDE_SCALE_M, mach - mach_hi)


@njit(**LEAF)
def heat_shield_separation_g(mach, t, t_deploy, max_mach, min_time):
    """Heat-shield separation: Mach at or below ``max_mach`` and at least ``min_time`` (s) after the parachute
    deploy at ``t_deploy`` (``t`` now, s)."""
    return np.maximum(mach - max_mach, t_deploy + min_time - t)
