"""Powered descent guidance: E-guidance to a point (the powered approach to its gate), its time to go, the
velocity hold (the constant-velocity descent, the sky crane) and the constant deceleration between them.

One vector component at a time (the laws are linear in the vectors): ``r``, ``v`` position and velocity,
``r_f``, ``v_f`` the target's, ``g`` the acceleration of everything but thrust (gravity, frame terms, drag).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import JIT, LEAF


@njit(**LEAF)
def eguidance_acceleration(r, v, r_f, v_f, t_go, g):
    """E-guidance thrust acceleration (one component, m/s²): ``6 (r_f - r - v T)/T² - 2 (v_f - v)/T - g``, the
    commanded acceleration now of the profile linear in time that meets ``r_f`` and ``v_f`` after ``T`` =
    ``t_go`` seconds (Cherry 1964)."""
    return 6.0 * (r_f - r - v * t_go) / (t_go * t_go) - 2.0 * (v_f - v) / t_go - g


@njit(**LEAF)
def velocity_hold_acceleration(v, v_ref, g, gain):
    """Velocity hold (one component, m/s²): ``-g + k (v_ref - v)``: gravity compensation plus a proportional
    velocity loop of gain ``k`` (1/s), the sky crane's constant-rate descent."""
    return -g + gain * (v_ref - v)


@njit(**LEAF)
def constant_deceleration(speed_start, speed_end, height_start, height_end):
    """Deceleration (m/s², > 0) that takes a vertical descent from ``speed_start`` at ``height_start`` to
    ``speed_end`` at ``height_end`` (speeds as positive sink rates, heights above the ground):
    ``(v0² - v1²) / (2 (h0 - h1))``, uniform deceleration over the height between the two gates."""
    return (speed_start * speed_start - speed_end * speed_end) / (2.0 * (height_start - height_end))


@njit(**LEAF)
def constant_deceleration_sink_rate(height, height_end, speed_end, decel):
    """Sink rate (m/s, > 0) of the constant-deceleration profile at ``height`` above the ground: the profile that
    reaches ``speed_end`` at ``height_end`` decelerating uniformly at ``decel``,
    ``sqrt(v1² + 2 a (h - h1))`` (``v1`` below ``h1``)."""
    return np.sqrt(speed_end * speed_end + 2.0 * decel * np.maximum(height - height_end, 0.0))


@njit(**LEAF)
def vertical_time_to_go(dz, vz_sum, t_min, t_max):
    """Time to go of E-guidance from its vertical channel: ``T = 2 dz / (vz + vz_f)`` (constant vertical
    acceleration from the current height and rate to the target's; ``dz`` the height to go, ``vz_sum`` the sum of
    the current and target vertical velocities). Where it gives no positive time (moving away from the target
    height, or level at it) the result is ``t_max``; otherwise it is held in ``[t_min, t_max]``."""
    t = 2.0 * dz / vz_sum if vz_sum != 0.0 else np.inf
    if not (np.isfinite(t) and t > 0.0):
        t = t_max
    return min(max(t, t_min), t_max)


@njit(**JIT)
def vertical_time_to_go_many(dz, vz_sum, t_min, t_max):
    """:func:`vertical_time_to_go` for each element of the 1-D arrays ``dz`` and ``vz_sum``."""
    out = np.empty(dz.shape[0])
    for k in range(dz.shape[0]):
        out[k] = vertical_time_to_go(dz[k], vz_sum[k], t_min, t_max)
    return out
