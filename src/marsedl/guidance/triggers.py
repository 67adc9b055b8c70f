"""Event triggers: parachute deploy (velocity and range triggers) and threshold events.

Two forms of every trigger:

* a boolean form (``velocity_trigger``, ``range_trigger``...) that says, per case, whether the condition
  holds;
* an *event function* (suffix ``_g``) returning a continuous float per case that is **positive before the
  event and ≤ 0 once it holds**. The engine finds the event inside a step by root finding on it (a sign change
  from > 0 to ≤ 0). Compound conditions are built with :func:`all_of_g` (max: all must hold) and
  :func:`any_of_g` (min: any one suffices), which keep the function continuous. For every trigger here,
  ``trigger(...) == (trigger_g(...) <= 0)``.

All functions are vectorised over cases (arrays broadcast together).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from marsedl import laws
from marsedl.errors import MarsEDLError

#: Range-trigger box of open research code (project reference mars_edl_inputs.md, tag M): Mach 1.4–2.2,
#: dynamic pressure 300–800 Pa. The upper Mach edge matches the DGB qualification (Mach ≤ 2.2, Sengupta
#: et al.).
RANGE_TRIGGER_MACH_BOX = (1.4, 2.2)
RANGE_TRIGGER_Q_BOX_PA = (300.0, 800.0)



def _box(box: tuple[float, float], name: str) -> tuple[float, float]:
    lo, hi = (float(box[0]), float(box[1]))
    if not (np.isfinite(lo) and np.isfinite(hi) and 0.0 <= lo < hi):
        raise MarsEDLError(f"{name}: needs two finite numbers 0 ≤ low < high (got {box})")
    return lo, hi


def all_of_g(*g: ArrayLike) -> NDArray[np.float64]:
    """Event function of "all conditions hold": the element-wise maximum of their event functions."""
    return np.maximum.reduce(np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in g]))


def any_of_g(*g: ArrayLike) -> NDArray[np.float64]:
    """Event function of "any condition holds": the element-wise minimum of their event functions."""
    return np.minimum.reduce(np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in g]))


def below_g(value: ArrayLike, threshold: ArrayLike) -> NDArray[np.float64]:
    """Event function of ``value <= threshold`` (falling through a threshold): ``value - threshold``."""
    return np.asarray(value, dtype=float) - np.asarray(threshold, dtype=float)


def above_g(value: ArrayLike, threshold: ArrayLike) -> NDArray[np.float64]:
    """Event function of ``value >= threshold`` (rising through a threshold): ``threshold - value``."""
    return np.asarray(threshold, dtype=float) - np.asarray(value, dtype=float)


def velocity_trigger_g(speed_m_s: ArrayLike, threshold_m_s: ArrayLike) -> NDArray[np.float64]:
    """Event function of the velocity trigger: ``speed - threshold``."""
    return below_g(speed_m_s, threshold_m_s)


def velocity_trigger(speed_m_s: ArrayLike, threshold_m_s: ArrayLike) -> NDArray[np.bool_]:
    """Velocity trigger (MSL): deploy once the navigated planet-relative speed is at or below the threshold.

    Parameters
    ----------
    speed_m_s : array_like
        Navigated planet-relative speed, m/s.
    threshold_m_s : array_like
        Deploy speed, m/s (per case allowed).
    """
    return velocity_trigger_g(speed_m_s, threshold_m_s) <= 0.0


def range_trigger_g(
    range_to_go_m: ArrayLike,
    threshold_m: ArrayLike,
    mach: ArrayLike,
    dynamic_pressure_pa: ArrayLike,
    mach_box: tuple[float, float] = RANGE_TRIGGER_MACH_BOX,
    q_box: tuple[float, float] = RANGE_TRIGGER_Q_BOX_PA,
) -> NDArray[np.float64]:
    """Event function of :func:`range_trigger` (positive before deploy, ≤ 0 once deploy is due).

    ``min( max((R - R*) / 1 km, M - M_hi, (q_lo - q) / 100 Pa, (q - q_hi) / 100 Pa), M - M_lo )``: the
    engine's :func:`marsedl.laws.range_trigger_g` over arrays.
    """
    m_lo, m_hi = _box(mach_box, "range trigger mach_box")
    q_lo, q_hi = _box(q_box, "range trigger q_box")
    f = np.asarray
    return np.asarray(laws.range_trigger_g.py_func(f(range_to_go_m, dtype=float), f(threshold_m, dtype=float),
                                                   f(mach, dtype=float), f(dynamic_pressure_pa, dtype=float),
                                                   m_lo, m_hi, q_lo, q_hi), dtype=float)


def range_trigger(
    range_to_go_m: ArrayLike,
    threshold_m: ArrayLike,
    mach: ArrayLike,
    dynamic_pressure_pa: ArrayLike,
    mach_box: tuple[float, float] = RANGE_TRIGGER_MACH_BOX,
    q_box: tuple[float, float] = RANGE_TRIGGER_Q_BOX_PA,
) -> NDArray[np.bool_]:
    """Range trigger (Mars 2020): deploy when the range to the target reaches a threshold inside a box.

    Deploy is due when **either**

    1. the navigated range to go is at or below ``threshold_m`` **and** the vehicle is inside the box:
       Mach ≤ ``mach_box[1]`` and ``q_box[0]`` ≤ q ≤ ``q_box[1]``; a range reached early (Mach still above
       the box) therefore deploys as soon as Mach falls to the box's upper edge; **or**
    2. Mach has fallen to the box's lower edge ``mach_box[0]`` (the fallback: a vehicle that is short of the
       target still opens the parachute, whatever the range or the dynamic pressure).

    Parameters
    ----------
    range_to_go_m : array_like
        Navigated range to the target along the ground, m (negative after overflying it).
    threshold_m : array_like
        Deploy range, m (per case allowed). Mars 2020 computed it from the range a nominal parachute phase
        covers (Dutta & Way, NTRS 20170000743).
    mach, dynamic_pressure_pa : array_like
        Navigated Mach number and dynamic pressure, Pa.
    mach_box, q_box : (low, high)
        The box (defaults Mach 1.4–2.2, 300–800 Pa: the values of open research code, reference tag M).

    Returns
    -------
    ndarray of bool
    """
    return range_trigger_g(range_to_go_m, threshold_m, mach, dynamic_pressure_pa, mach_box, q_box) <= 0.0


def sufr_trigger_g(speed_m_s: ArrayLike, threshold_m_s: ArrayLike) -> NDArray[np.float64]:
    """Event function of the SUFR start (navigated planet-relative speed at or below the threshold): the
    engine's :func:`marsedl.laws.sufr_trigger_g` over arrays."""
    f = np.asarray
    return np.asarray(laws.sufr_trigger_g.py_func(f(speed_m_s, dtype=float), f(threshold_m_s, dtype=float)))


def sufr_trigger(speed_m_s: ArrayLike, threshold_m_s: ArrayLike) -> NDArray[np.bool_]:
    """SUFR (MSL, Mars 2020): straighten up once the navigated planet-relative speed is at or below the
    threshold (``sequence.sufr_speed_m_s``); the parachute trigger is armed only after it."""
    return sufr_trigger_g(speed_m_s, threshold_m_s) <= 0.0


def altitude_trigger_g(altitude_m: ArrayLike, threshold_m: ArrayLike) -> NDArray[np.float64]:
    """Event function of "altitude at or below a threshold" (e.g. backshell separation at ≈ 2.1 km AGL)."""
    return below_g(altitude_m, threshold_m)


def altitude_trigger(altitude_m: ArrayLike, threshold_m: ArrayLike) -> NDArray[np.bool_]:
    """True once the altitude (say which: AGL for backshell separation) is at or below the threshold."""
    return altitude_trigger_g(altitude_m, threshold_m) <= 0.0


def heat_shield_separation_g(
    mach: ArrayLike,
    time_since_deploy_s: ArrayLike,
    max_mach: float = 0.8,
    min_time_s: float = 20.0,
) -> NDArray[np.float64]:
    """Event function of heat-shield separation: subsonic (Mach ≤ ``max_mach``) **and** a minimum time after
    parachute deploy (≈ 20 s for Mars 2020, press kit; logic of this kind per the project reference): the engine's
    :func:`marsedl.laws.heat_shield_separation_g` over arrays, ``max(M - M_max, t_min - t_since_deploy)``."""
    f = np.asarray
    return np.asarray(laws.heat_shield_separation_g.py_func(f(mach, dtype=float), f(time_since_deploy_s, dtype=float),
                                                            0.0, float(max_mach), float(min_time_s)), dtype=float)


def heat_shield_separation(
    mach: ArrayLike,
    time_since_deploy_s: ArrayLike,
    max_mach: float = 0.8,
    min_time_s: float = 20.0,
) -> NDArray[np.bool_]:
    """True once heat-shield separation is due (see :func:`heat_shield_separation_g`)."""
    return heat_shield_separation_g(mach, time_since_deploy_s, max_mach, min_time_s) <= 0.0
