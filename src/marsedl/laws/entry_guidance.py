"""The entry guidance of MSL and Mars 2020: the Apollo final-phase range controller, the lateral corridor with
bank reversals, heading alignment, and the bank's rate and acceleration limits.

Angles in rad, speeds in m/s, ranges in m. The reference-trajectory values (``r_ref``, ``f1`` ...) are those at
the current speed; the caller interpolates its reference table (see :mod:`marsedl.guidance.entry`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import LEAF


@njit(**LEAF)
def apollo_vertical_lod(rtg, drag, hdot, r_ref, d_ref, hdot_ref, f1, f2, f3, lod_ref, k3, f3_floor):
    """Commanded vertical L/D of the Apollo final-phase controller.

    ``(L/D)_vc = (L/D)_ref + K3 (R_togo - R_p) / max(F3, floor)`` with the predicted range
    ``R_p = R_ref + F1 (D - D_ref) + F2 (hdot - hdot_ref)``. ``rtg`` range to go, ``drag`` the sensed drag
    acceleration (m/s²), ``hdot`` the altitude rate; F1 = dR/dD, F2 = dR/dhdot, F3 = dR/d(L/D)_v along the
    reference. The floor (1 m) saturates the command instead of dividing by zero where F3 -> 0.
    """
    r_p = r_ref + f1 * (drag - d_ref) + f2 * (hdot - hdot_ref)
    return lod_ref + k3 * (rtg - r_p) / np.maximum(f3, f3_floor)


@njit(**LEAF)
def bank_magnitude(lod_vertical, lod, min_bank, max_bank):
    """Bank magnitude flying a vertical L/D with a vehicle of L/D ``lod``: ``arccos(clip(lod_v / lod, -1, 1))``,
    limited to ``[min_bank, max_bank]``."""
    sigma = np.arccos(np.minimum(np.maximum(lod_vertical / lod, -1.0), 1.0))
    return np.minimum(np.maximum(sigma, min_bank), max_bank)


@njit(**LEAF)
def corridor_width(speed, c0, c1, c2):
    """Half-width of the lateral corridor at ``speed``: ``c0 + c1 V + c2 V²``, never below 0 (crossrange unit)."""
    return np.maximum(c0 + c1 * speed + c2 * (speed * speed), 0.0)


@njit(**LEAF)
def lateral_sign(crossrange, width, sign):
    """Bank sign after the lateral logic: outside the corridor (``|crossrange| > width``) the bank points towards
    the target, ``sign(crossrange)`` (a bank pointing away reverses); inside, the sign is kept (0 counts as +1).
    Returns +1.0 (lift to the right) or -1.0."""
    outside = np.abs(crossrange) > width
    keep = 1.0 - 2.0 * (sign < 0.0)
    toward = 1.0 - 2.0 * (crossrange <= 0.0)
    return outside * toward + (1.0 - outside) * keep


@njit(**LEAF)
def heading_alignment_bank(heading_error, gain, limit):
    """Signed bank of heading alignment: ``gain`` times the heading error wrapped to (-pi, pi], limited to
    ``±limit``."""
    err = np.arctan2(np.sin(heading_error), np.cos(heading_error))
    return np.minimum(np.maximum(gain * err, -limit), limit)


@njit(**LEAF)
def rate_limited_bank(bank, rate, command, dt, rate_max, accel_max):
    """The bank after one guidance cycle ``dt`` slewing towards ``command`` under rate and acceleration limits.

    The desired end-of-cycle rate points at the command, no larger than the rate limit nor than the rate from
    which braking at the acceleration limit still stops at the command (the discrete braking curve, about
    sqrt(2 a |e|)); the rate moves towards it by at most a dt; the bank moves by the mean of the old and new
    rates times dt (exact for a constant acceleration). So |d bank| <= rate_max dt and |d rate| <= accel_max dt
    every cycle, and a slew from rest takes the bang-coast-bang minimum time without overshoot. Bank is a plain
    angle: a reversal from +sigma to -sigma passes through 0 (lift up). Returns ``(bank, rate)``.
    """
    rate = np.minimum(np.maximum(rate, -rate_max), rate_max)
    err = command - bank
    s = 1.0 - 2.0 * (err < 0.0)
    # Largest end-of-cycle rate w (towards the command) from which braking at a still stops at the command:
    # w²/(2a) <= error left after this cycle = |e| - (w_now + w) dt/2  ->  solve the quadratic for w.
    half = 0.5 * accel_max * dt
    left = np.maximum(np.abs(err) - s * rate * 0.5 * dt, 0.0)
    braking = -half + np.sqrt(half * half + 2.0 * accel_max * left)
    desired = s * np.minimum(rate_max, braking)
    step = accel_max * dt
    rate_next = rate + np.minimum(np.maximum(desired - rate, -step), step)
    rate_next = np.minimum(np.maximum(rate_next, -rate_max), rate_max)
    return bank + 0.5 * (rate + rate_next) * dt, rate_next
