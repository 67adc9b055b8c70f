"""What each event does, compiled: one interpreter of the sequence's primitive actions (:class:`marsedl.sequence.Op`)
and the special actions of :data:`marsedl.sequence.SPECIAL_NAMES`, each a compiled function of that name.

An event's actions are rows ``(op, arg)`` of the run's action table (``ops[code, :nops[code]]``, built from
:data:`marsedl.sequence.EVENTS` and the preset's events by :mod:`marsedl.engine.actions`); :func:`_apply_event`
carries them out in order on the body the event happened to: log it (a row of the case's event log), set the
phase or the aerodynamic model, release a part (its body spawned with its mass and its push along or against the
velocity, the mass taken off the event's body), end the case with an outcome, mark the time, or run a special
action, found by its index in :data:`marsedl.sequence.SPECIAL_NAMES` (:data:`SPECIALS`: the functions by name, in
that order).

The arguments come grouped (all arrays are the call's rows: body ``b`` is ``case * n_slots + slot``):
``bd = (t, y, cf, ci)`` the bodies' times, states and per-body columns; ``cs = (cin, res, outcome, parts)`` the
cases' inputs (``CIN_*``), results (``RES_*``), outcomes and their parts' masses and pushes (n, n_parts, 2);
``w`` the world (:func:`marsedl.kernels.dynamics._core`); ``tab = (ops, nops, col_code, part_slot, part_aero,
part_sign, safe)`` the run's tables; ``rec = (log, nlog, hb, hn)`` the event log (n, L, NL) with its counts per
case and the history rows (n_bodies, K, NH) with theirs; ``scr`` per-thread scratch arrays.

A case's values (the bank and the entry guidance's, the deploy and line-stretch times, the powered descent's aim
and the fly-away azimuth) live in its vehicle's row of ``cf`` (slot 0); :func:`_refresh` copies what a body's
forces and events read from there into the body's own row before it flies on or is observed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.extending import register_jitable

from marsedl import sphere
from marsedl.kernels.advance import _history_row, _row
from marsedl.kernels.dynamics import _core, _deriv1, _step_s
from marsedl.kernels.layout import (
    AERO_CBM_ID,
    AERO_DS_ID,
    AERO_EBM_ID,
    CF_BANK,
    CF_COS_BANK,
    CF_DRY_MASS,
    CF_ENTRY_GUIDED,
    CF_FLYAWAY_DIR,
    CF_GUIDANCE_LOG,
    CF_HAS_CHUTE,
    CF_LIFTING,
    CF_NAV_DR,
    CF_PD_TARGET,
    CF_PLANAR,
    CF_SIN_BANK,
    CF_T_DEPLOY,
    CF_T_LINE_STRETCH,
    CF_T_MARK,
    CF_THRUST_MAG,
    CF_THRUST_X,
    CI_AERO_ID,
    CI_CASE,
    CI_FIRED,
    CI_PHASE,
    CIN_CBM_MASS,
    CIN_DIVERT_LIMIT,
    CIN_EBM_DV,
    CIN_EBM_MASS,
    CIN_LINE_STRETCH_DELAY,
    L_CASE,
    L_CODE,
    L_H,
    L_SLOT,
    N_BUILTIN,
    O_MACH,
    O_Q,
    O_UP,
    OP_END,
    OP_LOG,
    OP_MARK,
    OP_RELEASE,
    OP_SET_AERO,
    OP_SET_PHASE,
    OP_SPECIAL,
    OUT_GROUND_IMPACT,
    OUT_IMPACT,
    OUT_PARACHUTE_NOT_DEPLOYED,
    OUT_PROPELLANT,
    OUT_RUNNING,
    OUT_STOPPED,
    OUT_TIMEOUT,
    P_BACKSHELL_AVOID,
    P_CBM_DV,
    P_CBM_EJECT_TIME,
    P_DS_DRY,
    P_GATE_ALT,
    P_GROUND,
    P_HAS_MAP,
    P_LONE_BODY,
    P_MAP_EAST,
    P_MAP_NORTH,
    P_MAP_SOUTH,
    P_MAP_WEST,
    P_N_CBM,
    P_N_EBM,
    P_N_SLOTS,
    P_RE,
    P_ROVER_MASS,
    P_RP,
    P_SLOT_DS,
    P_TARGET_RADIUS,
    P_TRN,
    P_UNDULATION,
    PH_BALLISTIC,
    PH_CHUTE,
    PH_CHUTE_NO_HS,
    PH_DONE,
    PH_ENTRY,
    PH_HOVER,
    PH_SUFR,
    RES_DEPLOY_MACH,
    RES_DEPLOY_Q,
    RES_PROP_START,
    RES_PROP_USED,
    RES_TRN_DIVERT,
    RES_TRN_SAFE,
)
from marsedl.laws._jit import INNER as _INNER
from marsedl.laws.gravity import ellipsoid_radius_along
from marsedl.laws.navigation import navigated
from marsedl.laws.safe_spot import SAFE_SPOT, nearest_safe_cell
from marsedl.sequence import SPECIAL_NAMES

# the positions on a sphere (marsedl.sphere: one source, run over arrays by marsedl.planet), compiled for one case
for _f in (sphere.wrap_pi, sphere.wrap_2pi):
    register_jitable(_f)
cartesian_to_spherical = njit(**_INNER)(sphere.cartesian_to_spherical)
spherical_to_cartesian = njit(**_INNER)(sphere.spherical_to_cartesian)
surface_distance_bearing = njit(**_INNER)(sphere.surface_distance_bearing)

# ------------------------------------------------------------------------------------------ a body's values


@njit(**_INNER)
def _refresh(b, bank, bd, p):
    """Body ``b``'s per-body columns that follow its phase and its case (from the case's vehicle row): lift and
    the parachute for the vehicle in the phases that have them, the bank's cos and sin (``bank``), the
    parachute's line stretch, the deploy time, the powered descent's aim and the fly-away azimuth; no thrust (the
    kernels command it at each step); the entry guidance runs for the vehicle in entry and SUFR."""
    _, _, cf, ci = bd
    v = b - b % int(p[P_N_SLOTS])
    ph = ci[b, CI_PHASE]
    veh = b == v
    cf[b, CF_LIFTING] = 1.0 if veh and ph == PH_ENTRY else 0.0
    cf[b, CF_COS_BANK] = math.cos(bank)
    cf[b, CF_SIN_BANK] = 0.0 if cf[b, CF_PLANAR] != 0.0 else math.sin(bank)
    cf[b, CF_HAS_CHUTE] = 1.0 if veh and (ph == PH_CHUTE or ph == PH_CHUTE_NO_HS) else 0.0
    cf[b, CF_T_LINE_STRETCH] = cf[v, CF_T_LINE_STRETCH]
    cf[b, CF_T_DEPLOY] = cf[v, CF_T_DEPLOY]
    for j in range(3):
        cf[b, CF_THRUST_X + j] = 0.0
        cf[b, CF_PD_TARGET + j] = cf[v, CF_PD_TARGET + j]
        cf[b, CF_FLYAWAY_DIR + j] = cf[v, CF_FLYAWAY_DIR + j]
    cf[b, CF_THRUST_MAG] = 0.0
    cf[b, CF_ENTRY_GUIDED] = 1.0 if veh and (ph == PH_ENTRY or ph == PH_SUFR) else 0.0
    cf[b, CF_GUIDANCE_LOG] = 0.0


@njit(**_INNER)
def _observe(b, bank, bd, w, scr):
    """Observables of body ``b`` now (its columns refreshed with ``bank``), into the scratch row ``scr[1]``."""
    t, y, cf, ci = bd
    dy, ob = scr[0], scr[1]
    _refresh(b, bank, bd, w[0])
    _deriv1(t[b], y[b], b, cf, ci, w, dy, ob)


@njit(**_INNER)
def _bank(b, bd, p):
    """The bank of body ``b``'s case (its vehicle's)."""
    return bd[2][b - b % int(p[P_N_SLOTS]), CF_BANK]


@njit(**_INNER)
def _log_event(b, code, bank, bd, w, rec, scr):
    """A row of event ``code`` of body ``b`` in its case's event log (the observables at its state now, the forces
    evaluated with ``bank``, which the row shows for the vehicle; NaN for other bodies). A case's rows beyond the
    log's room are counted, not written (the engine then raises)."""
    t, y, cf, ci = bd
    log, nlog = rec[0], rec[1]
    p = w[0]
    n_slots = int(p[P_N_SLOTS])
    c = b // n_slots
    _observe(b, bank, bd, w, scr)
    ob = scr[1]
    k = nlog[c]
    nlog[c] = k + 1
    if k >= log.shape[1]:
        return
    row = log[c, k]
    row[L_CASE] = ci[b, CI_CASE]
    row[L_SLOT] = b - c * n_slots
    row[L_CODE] = code
    _row(row, L_H, t[b], y[b], ob, bank if b == c * n_slots else np.nan, ci[b, CI_PHASE])


@njit(**_INNER)
def _record(b, bd, w, rec, scr):
    """A history row of body ``b`` at its state now (a recorded run)."""
    hb, hn = rec[2], rec[3]
    if hb.shape[1] == 0:
        return
    t, y, _, ci = bd
    p = w[0]
    bank = _bank(b, bd, p)
    _observe(b, bank, bd, w, scr)
    ob = scr[1]
    _history_row(hb, hn, b, t[b], y[b], ob, bank if b % int(p[P_N_SLOTS]) == 0 else np.nan, ci[b, CI_PHASE])


@njit(inline="always", **_INNER)  # (called with constants: inlined, not compiled once per constant)
def _spawn(dst, b, mass, aero_id, dvx, dvy, dvz, bd):
    """Body ``dst`` released from body ``b``'s state with a velocity change ``dv``, flying ballistically."""
    t, y, cf, ci = bd
    for j in range(7):
        y[dst, j] = y[b, j]
    y[dst, 3] += dvx
    y[dst, 4] += dvy
    y[dst, 5] += dvz
    y[dst, 6] = mass
    t[dst] = t[b]
    ci[dst, CI_PHASE] = PH_BALLISTIC
    ci[dst, CI_AERO_ID] = aero_id
    cf[dst, CF_DRY_MASS] = 0.0


# ------------------------------------------------------------------------------------------ the interpreter


@njit(**_INNER)
def _apply_event(b, code, bd, cs, w, tab, rec, scr):
    """Carry out event ``code``'s actions on body ``b`` (a preset's event then never fires again for it)."""
    t, y, cf, ci = bd
    ops, nops = tab[0], tab[1]
    p = w[0]
    if code >= N_BUILTIN:
        ci[b, CI_FIRED] |= 1 << (code - N_BUILTIN)
    for a in range(nops[code]):
        op, arg = ops[code, a, 0], ops[code, a, 1]
        if op == OP_LOG:
            _log_event(b, code, _bank(b, bd, p), bd, w, rec, scr)
        elif op == OP_SET_PHASE:
            ci[b, CI_PHASE] = arg
        elif op == OP_SET_AERO:
            ci[b, CI_AERO_ID] = arg
        elif op == OP_RELEASE:
            _release(b, arg, bd, cs, p, tab)
        elif op == OP_END:  # the body stops; a vehicle's case still running ends with the outcome
            ci[b, CI_PHASE] = PH_DONE
            _set_outcome(b, arg, cs, p)
        elif op == OP_MARK:
            cf[b, CF_T_MARK] = t[b]
        elif op == OP_SPECIAL:
            _special(arg, b, bd, cs, w, tab, rec, scr)


@njit(inline="always", **_INNER)  # (called with constants: inlined, not compiled once per constant)
def _set_outcome(b, outcome, cs, p):
    """The case of body ``b`` ends with ``outcome`` if ``b`` is its vehicle and it is still running."""
    n_slots = int(p[P_N_SLOTS])
    c = b // n_slots
    if b == c * n_slots and cs[2][c] == OUT_RUNNING:
        cs[2][c] = outcome


@njit(inline="always", **_INNER)
def _release(b, part, bd, cs, p, tab):
    """The part flies off with its push along (or against) the velocity; its mass leaves the body."""
    y = bd[1]
    n_slots = int(p[P_N_SLOTS])
    c = b // n_slots
    m, dv = cs[3][c, part, 0], cs[3][c, part, 1]
    vx, vy, vz = y[b, 3], y[b, 4], y[b, 5]
    vn = math.sqrt(vx * vx + vy * vy + vz * vz)
    sign = tab[5][part]
    _spawn(c * n_slots + tab[3][part], b, m, tab[4][part], sign * (vx / vn) * dv, sign * (vy / vn) * dv,
           sign * (vz / vn) * dv, bd)
    y[b, 6] -= m


# ------------------------------------------------------------------------------------------ special actions


@njit(inline="always", **_INNER)
def impact_outcome(b, bd, cs, w, tab, rec, scr):
    """A vehicle that reached the ground before landing ends its case (before its parachute opened, or after)."""
    p = w[0]
    v = b - b % int(p[P_N_SLOTS])
    ended = OUT_PARACHUTE_NOT_DEPLOYED if math.isinf(bd[2][v, CF_T_DEPLOY]) else OUT_GROUND_IMPACT
    if p[P_LONE_BODY] != 0.0:  # a lone body: reaching the ground is the end of its flight
        ended = OUT_IMPACT
    _set_outcome(b, ended, cs, p)


@njit(inline="always", **_INNER)
def timeout_outcome(b, bd, cs, w, tab, rec, scr):
    """A vehicle still running at the run's time limit ends with a timeout (a lone body: stopped)."""
    p = w[0]
    _set_outcome(b, OUT_STOPPED if p[P_LONE_BODY] != 0.0 else OUT_TIMEOUT, cs, p)


@njit(inline="always", **_INNER)
def entry_balance_masses(b, bd, cs, w, tab, rec, scr):
    """SUFR: the entry balance masses go."""
    _entry_balance_masses(b, bd, cs, w[0])


@njit(inline="always", **_INNER)
def entry_balance_masses_from_entry(b, bd, cs, w, tab, rec, scr):
    """A parachute deployed straight from entry (a sequence without SUFR): the entry balance masses go now."""
    if bd[3][b, CI_PHASE] == PH_ENTRY:
        _entry_balance_masses(b, bd, cs, w[0])


@njit(inline="always", **_INNER)
def deploy_bookkeeping(b, bd, cs, w, tab, rec, scr):
    """Mortar fire: the canopy inflates from line stretch; the deploy Mach and q are kept for the summary."""
    t, _, cf, _ = bd
    p = w[0]
    c = b // int(p[P_N_SLOTS])
    cf[b, CF_T_DEPLOY] = t[b]
    cf[b, CF_T_LINE_STRETCH] = t[b] + cs[0][c, CIN_LINE_STRETCH_DELAY]
    _observe(b, _bank(b, bd, p), bd, w, scr)
    ob = scr[1]
    cs[1][c, RES_DEPLOY_MACH] = ob[O_MACH]
    cs[1][c, RES_DEPLOY_Q] = ob[O_Q]


@njit(inline="always", **_INNER)
def descent_stage_start(b, bd, cs, w, tab, rec, scr):
    """After backshell separation: the powered descent vehicle's dry mass, its propellant at this moment (what the
    descent starts with) and the fly-away azimuth (along the horizontal velocity)."""
    _, y, cf, _ = bd
    p = w[0]
    c = b // int(p[P_N_SLOTS])
    cf[b, CF_DRY_MASS] = p[P_DS_DRY] + p[P_ROVER_MASS]
    cs[1][c, RES_PROP_START] = y[b, 6] - cf[b, CF_DRY_MASS]
    _observe(b, _bank(b, bd, p), bd, w, scr)
    ob = scr[1]
    ux, uy, uz = ob[O_UP], ob[O_UP + 1], ob[O_UP + 2]
    vx, vy, vz = y[b, 3], y[b, 4], y[b, 5]
    d = vx * ux + vy * uy + vz * uz
    hx, hy, hz = vx - ux * d, vy - uy * d, vz - uz * d
    hn = max(math.sqrt(hx * hx + hy * hy + hz * hz), 1e-9)
    cf[b, CF_FLYAWAY_DIR], cf[b, CF_FLYAWAY_DIR + 1], cf[b, CF_FLYAWAY_DIR + 2] = hx / hn, hy / hn, hz / hn


@njit(inline="always", **_INNER)
def powered_descent_aim(b, bd, cs, w, tab, rec, scr):
    """The engines take over: the powered approach flies to its gate above the chosen point (:func:`_aim`: the
    backshell avoidance, then terrain-relative navigation's safe spot)."""
    cf = bd[2]
    cf[b, CF_PD_TARGET], cf[b, CF_PD_TARGET + 1], cf[b, CF_PD_TARGET + 2] = _aim(b, bd, cs, w[0], tab)


@njit(inline="always", **_INNER)
def descent_stage_hover(b, bd, cs, w, tab, rec, scr):
    """Touchdown: the descent stage (with what propellant is left) hovers until the bridles are cut."""
    t, y, cf, ci = bd
    p = w[0]
    n_slots = int(p[P_N_SLOTS])
    c = b // n_slots
    ds = c * n_slots + int(p[P_SLOT_DS])
    _spawn(ds, b, y[b, 6] - p[P_ROVER_MASS], AERO_DS_ID, 0.0, 0.0, 0.0, bd)
    ci[ds, CI_PHASE] = PH_HOVER
    cf[ds, CF_T_MARK] = t[b]
    cf[ds, CF_DRY_MASS] = p[P_DS_DRY]
    cs[1][c, RES_PROP_USED] = cs[1][c, RES_PROP_START] - (y[b, 6] - cf[b, CF_DRY_MASS])


@njit(inline="always", **_INNER)
def propellant_outcome(b, bd, cs, w, tab, rec, scr):
    """No propellant left: a vehicle still running ends the case this way (it burnt all it had)."""
    p = w[0]
    n_slots = int(p[P_N_SLOTS])
    c = b // n_slots
    _set_outcome(b, OUT_PROPELLANT, cs, p)
    if b == c * n_slots:
        cs[1][c, RES_PROP_USED] = cs[1][c, RES_PROP_START]


#: the special actions, in the order of marsedl.sequence.SPECIAL_NAMES (the arg of Op.SPECIAL indexes both): each
#: found by its function's name, so a name without its function fails the import (a KeyError), not a flight
SPECIALS = tuple({f.__name__: f for f in (
    impact_outcome, timeout_outcome, entry_balance_masses, entry_balance_masses_from_entry, deploy_bookkeeping,
    descent_stage_start, powered_descent_aim, descent_stage_hover, propellant_outcome)}[name] for name in SPECIAL_NAMES)
_S0, _S1, _S2, _S3, _S4, _S5, _S6, _S7, _S8 = SPECIALS


@njit(**_INNER)
def _special(k, b, bd, cs, w, tab, rec, scr):
    """Special action ``k`` (its index in :data:`SPECIALS`) on body ``b``."""
    if k == 0:
        _S0(b, bd, cs, w, tab, rec, scr)
    elif k == 1:
        _S1(b, bd, cs, w, tab, rec, scr)
    elif k == 2:
        _S2(b, bd, cs, w, tab, rec, scr)
    elif k == 3:
        _S3(b, bd, cs, w, tab, rec, scr)
    elif k == 4:
        _S4(b, bd, cs, w, tab, rec, scr)
    elif k == 5:
        _S5(b, bd, cs, w, tab, rec, scr)
    elif k == 6:
        _S6(b, bd, cs, w, tab, rec, scr)
    elif k == 7:
        _S7(b, bd, cs, w, tab, rec, scr)
    elif k == 8:
        _S8(b, bd, cs, w, tab, rec, scr)


# ------------------------------------------------------------------------------------------ what they use


@njit(**_INNER)
def _entry_balance_masses(b, bd, cs, p):
    """Eject the entry balance masses in a fan normal to the velocity (directions are a model choice)."""
    y = bd[1]
    n_ebm = int(p[P_N_EBM])
    if n_ebm == 0:
        return
    n_slots = int(p[P_N_SLOTS])
    c = b // n_slots
    m, dv = cs[0][c, CIN_EBM_MASS], cs[0][c, CIN_EBM_DV]
    vx, vy, vz = y[b, 3], y[b, 4], y[b, 5]
    rx, ry, rz = y[b, 0], y[b, 1], y[b, 2]
    vn = math.sqrt(vx * vx + vy * vy + vz * vz)
    hx, hy, hz = vx / vn, vy / vn, vz / vn
    sx, sy, sz = hy * rz - hz * ry, hz * rx - hx * rz, hx * ry - hy * rx
    sn = math.sqrt(sx * sx + sy * sy + sz * sz)
    sx, sy, sz = sx / sn, sy / sn, sz / sn
    nx, ny, nz = sy * hz - sz * hy, sz * hx - sx * hz, sx * hy - sy * hx
    first = c * n_slots + 1 + int(p[P_N_CBM])
    for k in range(n_ebm):  # (the few masses, in order)
        ang = 2 * np.pi * (k + 0.5) / n_ebm
        ca, sa = math.cos(ang), math.sin(ang)
        _spawn(first + k, b, m, AERO_EBM_ID, (ca * sx + sa * nx) * dv, (ca * sy + sa * ny) * dv,
               (ca * sz + sa * nz) * dv, bd)
    y[b, 6] -= n_ebm * m


@njit(inline="always", **_INNER)  # (one caller, a modest body: inlined into the case loop, compiled with it)
def _cruise_balance_masses(v, bd, cs, w, dt_max, vac):
    """Before entry interface: the cruise balance masses of vehicle ``v``'s case, released at their ejection time
    ``P_CBM_EJECT_TIME`` (s from the vehicle's start, <= 0).

    The vehicle's state is flown back to then in vacuum (no air, lift, parachute or thrust: the rows ``vac`` =
    ``(cf, ci)``, one row each, are set to such a body's) by the flight's own step
    (:func:`marsedl.kernels.dynamics._step_s`) in ``ceil(|t| / dt_max)`` equal steps; there each mass is spawned
    with ``P_CBM_DV`` along the unit of v x r, alternately plus and minus, flying ballistically. The vehicle itself
    stays where it is, at its start."""
    t, y, _, ci = bd
    p = w[0]
    vcf, vci = vac
    i = vci.shape[0] - 1  # their one row (0, not as a constant: numba would compile _core and _step_s for it anew)
    vcf[i, :] = 0.0
    vcf[i, CF_T_LINE_STRETCH] = np.inf
    vci[i, :] = 0
    vci[i, CI_PHASE] = PH_BALLISTIC
    vci[i, CI_CASE] = ci[v, CI_CASE]
    t_ej = p[P_CBM_EJECT_TIME]
    n = math.ceil(abs(t_ej) / dt_max)
    h = t_ej / max(n, 1)
    s = (y[v, 0], y[v, 1], y[v, 2], y[v, 3], y[v, 4], y[v, 5], y[v, 6])
    te = t[v]
    r = _core(te, s, i, vcf, vci, w)
    for _ in range(n):
        s, r = _step_s(te, h, s, (r[0], r[1], r[2], r[3]), i, vcf, vci, w)
        te = te + h
    first = v + 1  # the masses' slots follow the vehicle's; the first holds the state they are released from
    for j in range(7):
        y[first, j] = s[j]
    t[first] = te
    rx, ry, rz, vx, vy, vz = s[0], s[1], s[2], s[3], s[4], s[5]
    sx, sy, sz = vy * rz - vz * ry, vz * rx - vx * rz, vx * ry - vy * rx
    sn = math.sqrt(sx * sx + sy * sy + sz * sz)
    sx, sy, sz = sx / sn, sy / sn, sz / sn
    m, dv = cs[0][v // int(p[P_N_SLOTS]), CIN_CBM_MASS], p[P_CBM_DV]
    for k in range(int(p[P_N_CBM]) - 1, -1, -1):  # (the first last: the others are released from its state)
        sign = 1.0 if k % 2 == 0 else -1.0
        _spawn(first + k, first, m, AERO_CBM_ID, sign * sx * dv, sign * sy * dv, sign * sz * dv, bd)


@njit(**_INNER)
def _aim(b, bd, cs, p, tab):
    """The powered approach's aim: its gate, ``gate_altitude_m`` above the ground over the chosen spot.

    The predicted touchdown is straight below where the vehicle believes it is: its position with the case's
    horizontal navigation error (the radar measures the altitude), or the true one with terrain-relative
    navigation. The backshell avoidance moves it ``backshell_avoidance_m`` to the right, across the horizontal
    velocity at backshell separation (MSL: 300 m, Sell et al. 2013; M: the side). Without a hazard map that is
    the spot: no divert towards any target. With one, terrain-relative navigation picks the safe cell nearest
    that point within what is left of the divert reach (:func:`marsedl.laws.safe_spot.nearest_safe_cell`) and the
    case records how far that moved it and whether it found a safe cell."""
    _, y, cf, _ = bd
    n_slots = int(p[P_N_SLOTS])
    c = b // n_slots
    x, yy, z = y[b, 0], y[b, 1], y[b, 2]
    de, dn = cf[b, CF_NAV_DR], cf[b, CF_NAV_DR + 1]
    if (de != 0.0 or dn != 0.0) and p[P_TRN] == 0.0:
        x, yy, z, _, _, _ = navigated(x, yy, z, x, yy, z, de, dn, 0.0, 0.0, 0.0, 0.0)
    rn = math.sqrt(x * x + yy * yy + z * z)
    ux, uy, uz = x / rn, yy / rn, z / rn
    fx, fy, fz = cf[b, CF_FLYAWAY_DIR], cf[b, CF_FLYAWAY_DIR + 1], cf[b, CF_FLYAWAY_DIR + 2]
    avoid = p[P_BACKSHELL_AVOID]
    lat, lon, _ = cartesian_to_spherical(x + (fy * uz - fz * uy) * avoid, yy + (fz * ux - fx * uz) * avoid,
                                         z + (fx * uy - fy * ux) * avoid)
    if p[P_HAS_MAP] != 0.0:
        radius = p[P_TARGET_RADIUS]
        reach = max(cs[0][c, CIN_DIVERT_LIMIT] - avoid, 0.0)
        lat1, lon1, status = nearest_safe_cell(tab[6], p[P_MAP_NORTH], p[P_MAP_SOUTH], p[P_MAP_WEST], p[P_MAP_EAST],
                                               lat, lon, reach, radius)
        cs[1][c, RES_TRN_DIVERT] = surface_distance_bearing(lat, lon, lat1, lon1, radius)[0]
        cs[1][c, RES_TRN_SAFE] = 1.0 if status == SAFE_SPOT else 0.0
        lat, lon = lat1, lon1
    cl, sl = math.cos(lat), math.sin(lat)  # (the site's position_m: the ellipsoid on the unit ray of the latitude)
    radius = (ellipsoid_radius_along(cl * cl, sl * sl, 1.0, p[P_RE], p[P_RP]) + p[P_UNDULATION] + p[P_GROUND]
              + p[P_GATE_ALT])
    return spherical_to_cartesian(lat, lon, radius)
