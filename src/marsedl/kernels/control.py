"""Controls set at the start of a step: entry guidance (bank) and powered-descent thrust."""

from __future__ import annotations

import math

from numba import njit

from marsedl.kernels.events import _nav1, _nav_descent1
from marsedl.kernels.layout import (
    _SKY_CRANE_GAIN_PER_S,
    _T_EPS,
    _TGO_MAX_S,
    _TGO_MIN_S,
    CF_AIM_RANGE,
    CF_BANK,
    CF_BANK0,
    CF_BANK_RATE,
    CF_BANK_SIGN,
    CF_COS_BANK,
    CF_FLYAWAY_DIR,
    CF_GUIDANCE_ON,
    CF_GUIDED,
    CF_HEADING_ALIGNED,
    CF_NAV_ON,
    CF_PD_TARGET,
    CF_PLANAR,
    CF_SIN_BANK,
    CF_TARGET_UNIT,
    CF_THRUST_MAG,
    CF_THRUST_X,
    G_ACC_MAX,
    G_C0,
    G_C1,
    G_C2,
    G_DT,
    G_F3_FLOOR,
    G_HA_GAIN,
    G_HA_LIMIT,
    G_HA_SPEED,
    G_K3,
    G_LOD,
    G_MAX_BANK,
    G_MIN_BANK,
    G_RATE_MAX,
    G_START_DRAG,
    LOG_BANK_REVERSAL,
    LOG_GUIDANCE_START,
    LOG_HEADING_ALIGNMENT,
    O_ALT_AGL,
    O_DRAG,
    O_GRAV,
    O_SPEED,
    O_UP,
    P_DECEL,
    P_FLYAWAY_COS,
    P_FLYAWAY_SIN,
    P_FLYAWAY_THRUST,
    P_GATE_SPEED,
    P_SKY_CRANE_ALT,
    P_SKY_CRANE_SPEED,
    P_TARGET_RADIUS,
    P_THRUST_MAX,
    P_THRUST_MIN,
    P_TRN,
    PH_CONSTANT_DECELERATION,
    PH_CONSTANT_VELOCITY,
    PH_ENTRY,
    PH_FLYAWAY,
    PH_POWERED,
    PH_SUFR,
    R_DRAG,
    R_F1,
    R_F2,
    R_F3,
    R_HDOT,
    R_LOD,
    R_RANGE,
    R_SPEED,
)
from marsedl.laws._jit import INNER as _INNER
from marsedl.laws.entry_guidance import (
    apollo_vertical_lod,
    bank_magnitude,
    corridor_width,
    heading_alignment_bank,
    lateral_sign,
    rate_limited_bank,
)
from marsedl.laws.powered import (
    constant_deceleration_sink_rate,
    eguidance_acceleration,
    velocity_hold_acceleration,
    vertical_time_to_go,
)


@njit(**_INNER)
def _thrust1(i, ph, s, ob, cf, p):
    """Thrust of a powered body at state ``s = (x, yy, z, vx, vy, vz, m)`` at the start of a step into ``cf[i]``.

    The powered descent's phases (:mod:`marsedl.laws.powered`): E-guidance to the approach gate, the velocity
    hold of the constant-velocity descent, the constant deceleration to the sky-crane start, the sky crane's hold;
    the engines' range, and the fly-away burn; ``ob`` are the observables of the state (local up, gravity with
    the frame terms).
    """
    x, yy, z, vx, vy, vz, m = s
    ux, uy, uz = ob[O_UP], ob[O_UP + 1], ob[O_UP + 2]
    gx, gy, gz = ob[O_GRAV], ob[O_GRAV + 1], ob[O_GRAV + 2]
    if cf[i, CF_NAV_ON] != 0.0 and ph != PH_FLYAWAY and p[P_TRN] == 0.0:  # guidance flies the navigated state
        x, yy, z = _nav_descent1(i, x, yy, z, cf, p)
        rn = math.sqrt(x * x + yy * yy + z * z)
        ux, uy, uz = x / rn, yy / rn, z / rn
    if ph == PH_FLYAWAY:
        azx, azy, azz = cf[i, CF_FLYAWAY_DIR], cf[i, CF_FLYAWAY_DIR + 1], cf[i, CF_FLYAWAY_DIR + 2]
        d = azx * ux + azy * uy + azz * uz
        hx, hy, hz = azx - ux * d, azy - uy * d, azz - uz * d
        hn = max(math.sqrt(hx * hx + hy * hy + hz * hz), 1e-12)
        hx, hy, hz = hx / hn, hy / hn, hz / hn
        c, sn, f = p[P_FLYAWAY_COS], p[P_FLYAWAY_SIN], p[P_FLYAWAY_THRUST]
        tx, ty, tz = (c * ux + sn * hx) * f, (c * uy + sn * hy) * f, (c * uz + sn * hz) * f
    else:
        un = math.sqrt(ux * ux + uy * uy + uz * uz)
        nx, ny, nz = ux / un, uy / un, uz / un
        # the sink rate each phase flies to or holds: the approach gate's, the constant deceleration's profile
        # (whose own deceleration a_ref is fed forward), the sky crane's
        rate, a_ref = p[P_SKY_CRANE_SPEED], 0.0
        if ph == PH_POWERED or ph == PH_CONSTANT_VELOCITY:
            rate = p[P_GATE_SPEED]
        elif ph == PH_CONSTANT_DECELERATION:
            rate = constant_deceleration_sink_rate(ob[O_ALT_AGL], p[P_SKY_CRANE_ALT], p[P_SKY_CRANE_SPEED],
                                                   p[P_DECEL])
            a_ref = p[P_DECEL]
        tgo = 0.0
        if ph == PH_POWERED:  # E-guidance to the gate: its aim point, sinking at the gate's rate, no horizontal
            fx, fy, fz = cf[i, CF_PD_TARGET], cf[i, CF_PD_TARGET + 1], cf[i, CF_PD_TARGET + 2]
            vfx, vfy, vfz = -rate * nx, -rate * ny, -rate * nz
            dz = (fx - x) * nx + (fy - yy) * ny + (fz - z) * nz
            vz_sum = (vx + vfx) * nx + (vy + vfy) * ny + (vz + vfz) * nz
            tgo = vertical_time_to_go(dz, vz_sum, _TGO_MIN_S, _TGO_MAX_S)
        # E-guidance with its time to go at the floor has a fixed point hovering v_f T / 3 above its aim point, so
        # an approach at the floor that no longer sinks at the gate's rate holds that rate instead, down through
        # the gate (a nominal one still sinks faster there and is unchanged)
        stalled = tgo <= _TGO_MIN_S and -(vx * nx + vy * ny + vz * nz) < rate
        if ph == PH_POWERED and not stalled:
            ax = eguidance_acceleration(x, vx, fx, vfx, tgo, gx)
            ay = eguidance_acceleration(yy, vy, fy, vfy, tgo, gy)
            az = eguidance_acceleration(z, vz, fz, vfz, tgo, gz)
        else:  # constant velocity, constant deceleration, sky crane, hover, a stalled approach: hold the rate
            k = _SKY_CRANE_GAIN_PER_S
            ax = velocity_hold_acceleration(vx, -rate * nx, gx - a_ref * nx, k)
            ay = velocity_hold_acceleration(vy, -rate * ny, gy - a_ref * ny, k)
            az = velocity_hold_acceleration(vz, -rate * nz, gz - a_ref * nz, k)
        tx, ty, tz = ax * m, ay * m, az * m
        mag = math.sqrt(tx * tx + ty * ty + tz * tz)
        scale = min(max(mag, p[P_THRUST_MIN]), p[P_THRUST_MAX]) / max(mag, 1e-9)
        tx, ty, tz = tx * scale, ty * scale, tz * scale
    cf[i, CF_THRUST_X], cf[i, CF_THRUST_X + 1], cf[i, CF_THRUST_X + 2] = tx, ty, tz
    cf[i, CF_THRUST_MAG] = math.sqrt(tx * tx + ty * ty + tz * tz)


@njit(**_INNER)
def _bracket(x, ref):
    """``(lo, x)`` for :func:`_lerp` on the reference's speed grid (row R_SPEED): ``lo`` the left node of the
    interval holding ``x``, ``x`` clamped to the grid (``np.interp`` holds the end values beyond it)."""
    xp = ref[R_SPEED]
    k = xp.shape[0]
    if x <= xp[0]:
        return 0, xp[0]
    if x >= xp[k - 1]:
        return k - 2, xp[k - 1]
    lo, hi = 0, k - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xp[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo, x


#: one explicit signature: called with each table row as a constant, numba would otherwise compile a copy per row
@njit("float64(int64, float64, float64[:, ::1], int64)", **_INNER)
def _lerp(lo, x, ref, row):
    """``np.interp(x, ref[R_SPEED], ref[row])`` given ``(lo, x)`` from :func:`_bracket` (one search serves every
    row of the table)."""
    xp = ref[R_SPEED]
    if x == xp[lo + 1]:  # the right end of the grid (or a node): its value exactly, as np.interp
        return ref[row, lo + 1]
    slope = (ref[row, lo + 1] - ref[row, lo]) / (xp[lo + 1] - xp[lo])
    return slope * (x - xp[lo]) + ref[row, lo]


@njit(**_INNER)
def _next_cycle(t_due, t_now, period):
    """Time of the guidance cycle after the one run at ``t_now`` (due at ``t_due``): on the fixed schedule, or a
    period after ``t_now`` when the schedule fell behind."""
    nxt = t_due + period
    return nxt if nxt > t_now + _T_EPS else t_now + period


@njit(**_INNER)
def _heading_alignment_cmd(i, ux, uy, uz, vx, vy, vz, cf, gpar):
    """Bank command of heading alignment: :func:`marsedl.laws.heading_alignment_bank` of the angle from the
    heading to the target's bearing (position up ``u``, velocity ``v``, the case's target)."""
    tx, ty, tz = cf[i, CF_TARGET_UNIT], cf[i, CF_TARGET_UNIT + 1], cf[i, CF_TARGET_UNIT + 2]
    en = max(math.sqrt(uy * uy + ux * ux), 1e-12)
    ex, ey = -uy / en, ux / en
    nx, ny, nz = -uz * ey, uz * ex, ux * ey - uy * ex
    heading = math.atan2(vx * ex + vy * ey, vx * nx + vy * ny + vz * nz)
    d = tx * ux + ty * uy + tz * uz
    ttx, tty, ttz = tx - ux * d, ty - uy * d, tz - uz * d
    bearing = math.atan2(ttx * ex + tty * ey, ttx * nx + tty * ny + ttz * nz)
    return heading_alignment_bank(bearing - heading, gpar[G_HA_GAIN], gpar[G_HA_LIMIT])


@njit(inline="always", **_INNER)
def _holds_bank(i, ph, cf):
    """Whether entry vehicle ``i`` in phase ``ph`` flies unguided and holds its commanded bank (its bank of the
    phase: the initial bank in entry, wings level in SUFR; no bank rate), so that the rate-limited update of
    :func:`_guide1` would leave it as it is (and, without the reference's heading alignment, a guidance cycle
    changes nothing: :func:`marsedl.kernels.advance._free1`)."""
    return (cf[i, CF_GUIDED] == 0.0 and cf[i, CF_BANK_RATE] == 0.0
            and cf[i, CF_BANK] == (0.0 if ph == PH_SUFR else cf[i, CF_BANK0]))


@njit(**_INNER)
def _guide1(i, ph, s, ob, cf, p, gpar, ref):
    """Entry guidance of an entry vehicle at state ``s = (x, yy, z, vx, vy, vz, m)`` at the start of a step
    (:mod:`marsedl.laws.entry_guidance`): guidance start on sensed drag, Apollo range control on the reference,
    lateral corridor with bank reversals, heading alignment, then the rate- and acceleration-limited bank.
    Writes the case's guidance values in ``cf[i]``; returns the LOG_* bits of what the engine must log here.
    """
    x, yy, z, vx, vy, vz, _ = s
    # a reference trajectory (unguided, lift in the vertical plane) flies the guided vehicle's heading alignment
    # below its speed, so that what planning aims with is what the guided vehicle flies
    reference_ha = (cf[i, CF_GUIDED] == 0.0 and cf[i, CF_PLANAR] != 0.0 and ph == PH_ENTRY
                    and ob[O_SPEED] <= gpar[G_HA_SPEED])
    if not reference_ha and _holds_bank(i, ph, cf):
        return 0
    ux, uy, uz = ob[O_UP], ob[O_UP + 1], ob[O_UP + 2]
    speed = ob[O_SPEED]
    if cf[i, CF_NAV_ON] != 0.0:  # guidance sees the navigated state (the sensed drag stays true)
        x, yy, z, vx, vy, vz = _nav1(i, x, yy, z, vx, vy, vz, cf)
        rn = math.sqrt(x * x + yy * yy + z * z)
        ux, uy, uz = x / rn, yy / rn, z / rn
        speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    hdot = vx * ux + vy * uy + vz * uz
    drag = ob[O_DRAG]
    guided = cf[i, CF_GUIDED] != 0.0
    log = 0
    if guided and cf[i, CF_GUIDANCE_ON] == 0.0 and drag >= gpar[G_START_DRAG]:
        cf[i, CF_GUIDANCE_ON] = 1.0
        log |= LOG_GUIDANCE_START
    on = cf[i, CF_GUIDANCE_ON] != 0.0 and ph == PH_ENTRY
    cmd = cf[i, CF_BANK] if guided else cf[i, CF_BANK0]
    if guided and cf[i, CF_GUIDANCE_ON] == 0.0:
        cmd = cf[i, CF_BANK0]
    if on:
        tx, ty, tz = cf[i, CF_TARGET_UNIT], cf[i, CF_TARGET_UNIT + 1], cf[i, CF_TARGET_UNIT + 2]
        cosang = ux * tx + uy * ty + uz * tz
        cx, cy, cz = uy * tz - uz * ty, uz * tx - ux * tz, ux * ty - uy * tx
        radius = p[P_TARGET_RADIUS]
        rtg = radius * math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), cosang) - cf[i, CF_AIM_RANGE]
        # crossrange: angle of the target out of the plane (position, velocity); positive = to the right
        hx, hy, hz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
        hn = math.sqrt(hx * hx + hy * hy + hz * hz)
        hx, hy, hz = hx / hn, hy / hn, hz / hn
        crossrange = -math.asin(min(max(hx * tx + hy * ty + hz * tz, -1.0), 1.0)) * radius
        heading_mode = speed <= gpar[G_HA_SPEED]
        if heading_mode and cf[i, CF_HEADING_ALIGNED] == 0.0:
            cf[i, CF_HEADING_ALIGNED] = 1.0
            log |= LOG_HEADING_ALIGNMENT
        # range control (Apollo), lateral logic, heading alignment: marsedl.laws.entry_guidance
        lo, xs = _bracket(speed, ref)
        lodvc = apollo_vertical_lod(rtg, drag, hdot, _lerp(lo, xs, ref, R_RANGE), _lerp(lo, xs, ref, R_DRAG),
                                    _lerp(lo, xs, ref, R_HDOT), _lerp(lo, xs, ref, R_F1), _lerp(lo, xs, ref, R_F2),
                                    _lerp(lo, xs, ref, R_F3), _lerp(lo, xs, ref, R_LOD), gpar[G_K3], gpar[G_F3_FLOOR])
        mag = bank_magnitude(lodvc, gpar[G_LOD], gpar[G_MIN_BANK], gpar[G_MAX_BANK])
        width = corridor_width(speed, gpar[G_C0], gpar[G_C1], gpar[G_C2])
        new_sign = lateral_sign(crossrange, width, cf[i, CF_BANK_SIGN])
        if new_sign != cf[i, CF_BANK_SIGN] and not heading_mode:
            log |= LOG_BANK_REVERSAL
        if not heading_mode:
            cf[i, CF_BANK_SIGN] = new_sign
        if heading_mode:  # steer the heading onto the target with a limited bank
            cmd = _heading_alignment_cmd(i, ux, uy, uz, vx, vy, vz, cf, gpar)
        else:
            cmd = cf[i, CF_BANK_SIGN] * mag
    elif reference_ha:  # the reference flies the guided vehicle's heading alignment (marsedl.targeting)
        cmd = _heading_alignment_cmd(i, ux, uy, uz, vx, vy, vz, cf, gpar)
    if ph == PH_SUFR:
        cmd = 0.0
    cf[i, CF_BANK], cf[i, CF_BANK_RATE] = rate_limited_bank(cf[i, CF_BANK], cf[i, CF_BANK_RATE], cmd, gpar[G_DT],
                                                            gpar[G_RATE_MAX], gpar[G_ACC_MAX])
    return log


@njit(**_INNER)
def _bank_controls(i, cf):
    """cos and sin of the case's bank into the held controls (sin 0 for lift in the vertical plane only)."""
    b = cf[i, CF_BANK]
    cf[i, CF_COS_BANK] = math.cos(b)
    cf[i, CF_SIN_BANK] = 0.0 if cf[i, CF_PLANAR] != 0.0 else math.sin(b)
