"""Event functions of one body (the sequence's triggers and thresholds); the navigated state the triggers see."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from marsedl.kernels.layout import (
    CF_BACKSHELL_ALT,
    CF_DEPLOY_ENABLED,
    CF_DRY_MASS,
    CF_HS_MIN_TIME,
    CF_NAV_DR,
    CF_NAV_DV,
    CF_NAV_ON,
    CF_POWERED_DELAY,
    CF_RANGE_TRIGGER,
    CF_STOP_SPEED,
    CF_T_DEPLOY,
    CF_T_MARK,
    CF_TARGET_UNIT,
    CF_VELOCITY_TRIGGER,
    CI_FIRED,
    CI_PHASE,
    GEN0,
    N_EV,
    O_ALT_AGL,
    O_ALT_MOLA,
    O_MACH,
    O_Q,
    O_SPEED,
    O_UP,
    P_BRIDLE,
    P_DECEL_ALT,
    P_DEPLOY_FLOOR,
    P_FLYAWAY_BURN,
    P_GATE_ALT,
    P_GEN_OBS,
    P_GEN_SIGN,
    P_GEN_THR,
    P_HS_MAX_MACH,
    P_MACH_HI,
    P_MACH_LO,
    P_MAX_TIME,
    P_Q_HI,
    P_Q_LO,
    P_RE,
    P_RP,
    P_SKIP_ALT,
    P_SKY_CRANE_ALT,
    P_SUFR_SPEED,
    P_TARGET_RADIUS,
    P_TOUCHDOWN_DETECT,
    P_TRIGGER_RANGE,
    PH_ENTRY,
)
from marsedl.laws import navigated, radar_navigated_position
from marsedl.laws._jit import INNER as _INNER
from marsedl.laws.triggers import (
    altitude_floor_g,
    heat_shield_separation_g,
    range_trigger_g,
    sufr_trigger_g,
    velocity_trigger_g,
)
from marsedl.sequence import N_GENERIC, OBSERVABLES, event_column


@njit(**_INNER)
def _nav1(i, x, yy, z, vx, vy, vz, cf):
    """The navigated state of body ``i``: :func:`marsedl.laws.navigated` with its case's error."""
    return navigated(x, yy, z, vx, vy, vz, cf[i, CF_NAV_DR], cf[i, CF_NAV_DR + 1], cf[i, CF_NAV_DR + 2],
                     cf[i, CF_NAV_DV], cf[i, CF_NAV_DV + 1], cf[i, CF_NAV_DV + 2])


@njit(**_INNER)
def _nav_descent1(i, x, yy, z, cf, p):
    """The position the powered descent of body ``i`` flies without terrain-relative navigation:
    :func:`marsedl.laws.radar_navigated_position` with its case's error."""
    return radar_navigated_position(x, yy, z, cf[i, CF_NAV_DR], cf[i, CF_NAV_DR + 1], p[P_RE], p[P_RP])


# the kernels' column of each continuous event of marsedl.sequence.EVENTS
E_IMPACT = event_column("impact")
E_SKIP_OUT = event_column("skip_out")
E_STOP_SPEED = event_column("stop_speed")
E_SUFR = event_column("sufr")
E_DEPLOY = event_column("parachute_deploy")
E_HS_SEP = event_column("heat_shield_separation")
E_BACKSHELL_SEP = event_column("backshell_separation")
E_POWERED_START = event_column("powered_descent_start")
E_CONSTANT_VELOCITY_START = event_column("constant_velocity_start")
E_CONSTANT_DECELERATION_START = event_column("constant_deceleration_start")
E_SKY_CRANE_START = event_column("sky_crane_start")
E_TOUCHDOWN = event_column("touchdown")
E_FLYAWAY = event_column("flyaway")
E_FLYAWAY_BURN_END = event_column("flyaway_burn_end")
E_PROPELLANT = event_column("propellant_exhausted")
E_TIMEOUT = event_column("timeout")


@njit(**_INNER)
def _events1(t, y, i, ob, cf, ci, p, armed, g):
    """Event functions of body ``i`` (N_EV,) into ``g``: +inf where not armed; <= 0 once the event holds."""
    ph = ci[i, CI_PHASE]
    inf = np.inf
    for k in range(N_EV):
        g[k] = inf
    if armed[ph, E_IMPACT]:
        g[E_IMPACT] = ob[O_ALT_AGL]
        # at or below the ground but climbing (a body launched from the ground): not an impact; mirrored so the
        # function stays continuous and positive until the body comes back down through the ground
        if g[E_IMPACT] <= 0.0 and y[3] * ob[O_UP] + y[4] * ob[O_UP + 1] + y[5] * ob[O_UP + 2] > 0.0:
            g[E_IMPACT] = max(-g[E_IMPACT], 1e-9)
    if armed[ph, E_SKIP_OUT]:
        g[E_SKIP_OUT] = p[P_SKIP_ALT] - ob[O_ALT_MOLA]
    if armed[ph, E_STOP_SPEED] and cf[i, CF_STOP_SPEED] > 0.0:
        g[E_STOP_SPEED] = ob[O_SPEED] - cf[i, CF_STOP_SPEED]
    if armed[ph, E_SUFR] and p[P_SUFR_SPEED] > 0.0:
        speed = ob[O_SPEED]
        if cf[i, CF_NAV_ON] != 0.0:  # the trigger sees the navigated speed
            _, _, _, wx, wy, wz = _nav1(i, y[0], y[1], y[2], y[3], y[4], y[5], cf)
            speed = math.sqrt(wx * wx + wy * wy + wz * wz)
        g[E_SUFR] = sufr_trigger_g(speed, p[P_SUFR_SPEED])
    # the parachute trigger is armed once SUFR is done (MSL and Mars 2020 waited for it in SUFR); straight from
    # entry only when the sequence has no SUFR
    if armed[ph, E_DEPLOY] and cf[i, CF_DEPLOY_ENABLED] != 0.0 and (ph != PH_ENTRY or p[P_SUFR_SPEED] <= 0.0):
        mach = ob[O_MACH]
        if p[P_TRIGGER_RANGE] != 0.0:
            # range to the target: great circle on the target's radius
            tx, ty, tz = cf[i, CF_TARGET_UNIT], cf[i, CF_TARGET_UNIT + 1], cf[i, CF_TARGET_UNIT + 2]
            ux, uy, uz = ob[O_UP], ob[O_UP + 1], ob[O_UP + 2]
            if cf[i, CF_NAV_ON] != 0.0:  # the trigger sees the navigated position
                nx_, ny_, nz_, _, _, _ = _nav1(i, y[0], y[1], y[2], y[3], y[4], y[5], cf)
                rn = math.sqrt(nx_ * nx_ + ny_ * ny_ + nz_ * nz_)
                ux, uy, uz = nx_ / rn, ny_ / rn, nz_ / rn
            cosang = ux * tx + uy * ty + uz * tz
            cx, cy, cz = uy * tz - uz * ty, uz * tx - ux * tz, ux * ty - uy * tx
            sinang = math.sqrt(cx * cx + cy * cy + cz * cz)
            rng = p[P_TARGET_RADIUS] * math.atan2(sinang, cosang)
            g[E_DEPLOY] = range_trigger_g(rng, cf[i, CF_RANGE_TRIGGER], mach, ob[O_Q], p[P_MACH_LO], p[P_MACH_HI],
                                          p[P_Q_LO], p[P_Q_HI])
        else:
            speed = ob[O_SPEED]
            if cf[i, CF_NAV_ON] != 0.0:  # the trigger sees the navigated speed
                _, _, _, wx, wy, wz = _nav1(i, y[0], y[1], y[2], y[3], y[4], y[5], cf)
                speed = math.sqrt(wx * wx + wy * wy + wz * wz)
            g[E_DEPLOY] = velocity_trigger_g(speed, cf[i, CF_VELOCITY_TRIGGER], mach, p[P_MACH_LO], p[P_MACH_HI])
        if p[P_DEPLOY_FLOOR] > 0.0:  # the altitude floor (navigated altitude above the ground), below the Mach box
            g[E_DEPLOY] = min(g[E_DEPLOY], altitude_floor_g(ob[O_ALT_AGL] + cf[i, CF_NAV_DR + 2], p[P_DEPLOY_FLOOR],
                                                            mach, p[P_MACH_HI]))
    if armed[ph, E_HS_SEP]:
        g[E_HS_SEP] = heat_shield_separation_g(ob[O_MACH], t, cf[i, CF_T_DEPLOY], p[P_HS_MAX_MACH],
                                               cf[i, CF_HS_MIN_TIME])
    if armed[ph, E_BACKSHELL_SEP]:
        g[E_BACKSHELL_SEP] = ob[O_ALT_AGL] - cf[i, CF_BACKSHELL_ALT]
    if armed[ph, E_POWERED_START]:
        g[E_POWERED_START] = cf[i, CF_T_MARK] + cf[i, CF_POWERED_DELAY] - t
    if armed[ph, E_CONSTANT_VELOCITY_START]:  # the powered approach reaches its gate (radar altitude)
        g[E_CONSTANT_VELOCITY_START] = ob[O_ALT_AGL] - p[P_GATE_ALT]
    if armed[ph, E_CONSTANT_DECELERATION_START]:
        g[E_CONSTANT_DECELERATION_START] = ob[O_ALT_AGL] - p[P_DECEL_ALT]
    if armed[ph, E_SKY_CRANE_START]:
        g[E_SKY_CRANE_START] = ob[O_ALT_AGL] - p[P_SKY_CRANE_ALT]
    if armed[ph, E_TOUCHDOWN]:
        g[E_TOUCHDOWN] = ob[O_ALT_AGL] - p[P_BRIDLE]
    if armed[ph, E_FLYAWAY]:
        g[E_FLYAWAY] = cf[i, CF_T_MARK] + p[P_TOUCHDOWN_DETECT] - t
    if armed[ph, E_FLYAWAY_BURN_END]:
        g[E_FLYAWAY_BURN_END] = cf[i, CF_T_MARK] + p[P_FLYAWAY_BURN] - t
    if armed[ph, E_PROPELLANT]:
        g[E_PROPELLANT] = y[6] - cf[i, CF_DRY_MASS]
    if armed[ph, E_TIMEOUT]:
        g[E_TIMEOUT] = p[P_MAX_TIME] - t
    fired = ci[i, CI_FIRED]
    for k in range(N_GENERIC):  # a preset's events: a threshold on an observable, once per body
        if armed[ph, GEN0 + k] and (fired >> k) & 1 == 0:
            v = _observable(int(p[P_GEN_OBS + k]), t, ob, i, cf)
            if math.isfinite(v):  # (a time since a mark not yet set stays +inf: neither below nor above)
                g[GEN0 + k] = p[P_GEN_SIGN + k] * (v - p[P_GEN_THR + k])


# the code of each observable a preset's event can watch: its index in marsedl.sequence.OBSERVABLES, by name
(W_ALT_AGL, W_ALT_MOLA, W_SPEED, W_MACH, W_Q, W_TIME, W_SINCE_DEPLOY, W_SINCE_MARK) = (
    OBSERVABLES.index(name) for name in ("alt_agl_m", "alt_mola_m", "speed_m_s", "mach", "dynamic_pressure_pa",
                                         "time_s", "time_since_deploy_s", "time_since_mark_s"))


@njit(**_INNER)
def _observable(k, t, ob, i, cf):
    """Observable ``k`` of :data:`marsedl.sequence.OBSERVABLES` of body ``i`` (a time since a moment that has not
    happened yet: -inf, :func:`_since`)."""
    if k == W_ALT_AGL:
        return ob[O_ALT_AGL]
    if k == W_ALT_MOLA:
        return ob[O_ALT_MOLA]
    if k == W_SPEED:
        return ob[O_SPEED]
    if k == W_MACH:
        return ob[O_MACH]
    if k == W_Q:
        return ob[O_Q]
    if k == W_TIME:
        return t
    if k == W_SINCE_DEPLOY:
        return _since(t, cf[i, CF_T_DEPLOY])
    if k == W_SINCE_MARK:
        return _since(t, cf[i, CF_T_MARK])
    return np.nan  # (no such observable: the schema allows only those above; NaN never fires)


@njit(inline="always", **_INNER)
def _since(t, t0):
    """Time at ``t`` since the moment ``t0`` (the case's parachute deploy, which every body's row holds once its
    vehicle has deployed; the body's own mark), -inf before it: a body released before the deploy flies through
    times before it (bodies fly one after the other), and there it has not happened yet (not set: ``t0`` = +inf,
    never)."""
    return t - t0 if t >= t0 else -np.inf
