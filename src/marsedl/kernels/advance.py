"""Many steps per call: each body flies from event to event (step sizes, guidance cycles, peaks)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from marsedl.kernels.control import _bank_controls, _guide1, _next_cycle, _thrust1
from marsedl.kernels.dynamics import _core, _derivative, _dp5_s, _fixed_s, _free1, _may_free1, _put, _step_s
from marsedl.kernels.events import _events1
from marsedl.kernels.layout import (
    _BALLISTIC_DRAG_FRACTION,
    _BALLISTIC_MAX_DH_M,
    _T_EPS,
    CF_BANK,
    CF_BANK_BEFORE,
    CF_ENTRY_GUIDED,
    CF_GUIDANCE_LOG,
    CF_T_GUIDE,
    CF_T_LINE_STRETCH,
    CI_PHASE,
    G_DT,
    G_HEAT_K,
    G_NOSE_RADIUS,
    H_BANK,
    H_OBS,
    H_T,
    H_Y,
    N_EV,
    NOBS,
    O_AERO_G,
    O_ALT_MOLA,
    O_CANOPY,
    O_DRAG,
    O_Q,
    O_RHO,
    O_SPEED,
    O_UP,
    P_T_INFLATION,
    PH_BALLISTIC,
    PH_CHUTE,
    PH_CHUTE_NO_HS,
    PH_ENTRY,
    PH_FLYAWAY,
    PH_FREEFALL,
    PH_POWERED,
    PH_SUFR,
    PK_CHUTE_LOAD,
    PK_G,
    PK_G_1,
    PK_G_2,
    PK_G_T,
    PK_HEAT,
    PK_HEAT_1,
    PK_HEAT_2,
    PK_Q,
    PK_Q_1,
    PK_Q_2,
    PK_T_1,
    PK_T_2,
    S_BALLISTIC,
    S_BALLISTIC_MAX,
    S_COAST,
    S_COAST_ALT,
    S_ENTRY,
    S_INFLATION,
    S_PARACHUTE,
    S_POWERED,
)
from marsedl.laws import sutton_graves
from marsedl.laws._jit import JIT as _JIT
from marsedl.laws._jit import LEAF as _LEAF

# error-controlled steps (dynamics._dp5_s): the next step is the last one times SAFETY err^(-1/5), between
# SHRINK_MIN and GROW_MAX times it (the usual controller of an embedded pair: Hairer, Norsett & Wanner I, II.4);
# a step is tried at most MAX_REJECTIONS times (then the last try is taken)
_SAFETY, _SHRINK_MIN, _GROW_MAX, _MAX_REJECTIONS = 0.9, 0.2, 5.0, 40
# a peak between error-controlled steps is searched to this time resolution, with at most this many samples per
# peaked quantity (_refine_peaks)
_PEAK_TOL_S, _PEAK_ITERATIONS = 1e-3, 4


@njit(**_LEAF)
def _step_size1(t, ph, ob, vr, tls, p, steps):
    """Step of a body in phase ``ph`` at time ``t`` with observables ``ob`` and vertical speed ``vr``: the phase's
    step (:class:`marsedl.engine.Steps`); a shed body's grows up to ``steps[S_BALLISTIC_MAX]`` while its drag and
    its altitude change slowly (fractions of its drag time and of a few kilometres per step); above the coast
    altitude, the coast step, down to that altitude."""
    alt_mola = ob[O_ALT_MOLA]
    dt = steps[S_BALLISTIC]
    if ph == PH_BALLISTIC and steps[S_BALLISTIC_MAX] > dt:
        lim = min(steps[S_BALLISTIC_MAX], _BALLISTIC_MAX_DH_M / max(abs(vr), 1e-9))
        if ob[O_DRAG] > 0.0:
            lim = min(lim, _BALLISTIC_DRAG_FRACTION * ob[O_SPEED] / ob[O_DRAG])
        dt = max(dt, lim)
    if ph == PH_ENTRY or ph == PH_SUFR:
        dt = steps[S_ENTRY]
    if ph == PH_CHUTE or ph == PH_CHUTE_NO_HS:
        dt = steps[S_PARACHUTE]
        if t < tls + 3.0 * p[P_T_INFLATION]:
            dt = steps[S_INFLATION]
    if ph >= PH_FREEFALL and ph <= PH_FLYAWAY:
        dt = steps[S_POWERED]
    if alt_mola > steps[S_COAST_ALT] and (ph == PH_BALLISTIC or ph == PH_ENTRY):
        # the coast step, cut where the descent at the current vertical speed reaches the coast altitude (so no
        # coast step runs deep into the air), but not below the step the body takes in the air
        dt = max(dt, min(steps[S_COAST], (alt_mola - steps[S_COAST_ALT]) / max(-vr, 1e-9)))
    if ph == PH_CHUTE and t < tls and t + dt > tls:
        dt = max(tls - t, 1e-6)
    return dt


@njit(inline="always", **_LEAF)
def _steps1(i, start, cf, ci, w, seq, out, rec, scratch):
    """Up to ``max_steps[i]`` steps of body ``i`` (:func:`marsedl.kernels.dynamics._step_s`; where no guidance
    cycle binds, :func:`~marsedl.kernels.dynamics._free1`, error-controlled Dormand-Prince steps whose size
    carries over in ``hx[i]``), stopping after the first step in which an event holds or is crossed; the
    arguments are grouped as :func:`advance_steps` takes them (``scratch``: per-thread work arrays
    ``(sc, ga, gb, oa, ks, sp, ox)``). Out: the last step's start (t_s, y_s, obs_s, g0), length h and end (y1, obs1,
    g1), and whether it holds an event (has). Quiet steps update the body's peak records ``pk`` when
    ``track[i]`` and, when the history buffer ``hb`` has room (``hb.shape[1] > 0``: a recorded run), write their
    end as a row of ``hb[i]`` (counted in ``hn[i]``).

    The end of a quiet step is the start of the next: its derivative, observables and event functions are
    reused, not evaluated again. A body's steps depend on nothing but its own values, so a case flies the
    same alone or in any batch.
    """
    t, y, obs0, max_steps, track, hx = start
    armed, steps, gpar, ref = seq
    t_s, h, y_s, obs_s, g0, y1, obs1, g1, has = out
    pk, hb, hn = rec
    sc, ga, gb, oa, ks, sp, ox = scratch
    p = w[0]
    ph = ci[i, CI_PHASE]
    tls = cf[i, CF_T_LINE_STRETCH]
    tt = t[i]
    y0, y1_, y2, y3, y4, y5, y6 = y[i, 0], y[i, 1], y[i, 2], y[i, 3], y[i, 4], y[i, 5], y[i, 6]
    r = _core(tt, (y0, y1_, y2, y3, y4, y5, y6), i, cf, ci, w)
    d3, d4, d5, d6 = r[0], r[1], r[2], r[3]
    for j in range(NOBS):
        oa[j] = obs0[i, j]
    _events1(tt, y[i], i, oa, cf, ci, p, armed, ga)
    event = False
    for j in range(N_EV):
        if ga[j] <= 0.0:
            event = True
    n_max = max_steps[i]
    yo = y1[i]
    oo = obs1[i]
    powered = ph >= PH_POWERED and ph <= PH_FLYAWAY
    prev_free = False  # whether the step before this one was error-controlled (its start is in sp)
    may_free = _may_free1(i, cf, ci, p)  # (its phase and guidance do not change within a call)
    entry = cf[i, CF_ENTRY_GUIDED] != 0.0
    for s in range(n_max):
        if entry:  # bank for the step from the guidance at its start, when a guidance cycle is due
            bank_held = cf[i, CF_BANK]  # (the held controls are its cos and sin: see _bank_controls)
            # (a cycle that stopped the kernel to log an event is not run again when it resumes at that state:
            # the schedule has already moved past it)
            if (may_free and tt >= cf[i, CF_T_GUIDE] - _T_EPS and np.isfinite(cf[i, CF_T_GUIDE])
                    and (hx[i] > 0.0 or _free1(tt, i, cf, ci, p))):
                # error-controlled steps skip the cycles that fall inside them (each would change nothing: see
                # _free1); the schedule keeps its times, so that the first cycle after them (after SUFR) comes
                # when it would have come after steps of one cycle each
                cf[i, CF_T_GUIDE] = _cycle_after(cf[i, CF_T_GUIDE], tt, gpar[G_DT])
            if tt >= cf[i, CF_T_GUIDE] - _T_EPS:
                cf[i, CF_BANK_BEFORE] = cf[i, CF_BANK]
                log = _guide1(i, ph, (y0, y1_, y2, y3, y4, y5, y6), oa, cf, p, gpar, ref)
                cf[i, CF_T_GUIDE] = _next_cycle(cf[i, CF_T_GUIDE], tt, gpar[G_DT])
                if log != 0:  # stop here (no step): the engine logs these events at this state
                    cf[i, CF_GUIDANCE_LOG] = log
                    t_s[i] = tt
                    h[i] = 0.0
                    y_s[i, 0], y_s[i, 1], y_s[i, 2], y_s[i, 3] = y0, y1_, y2, y3
                    y_s[i, 4], y_s[i, 5], y_s[i, 6] = y4, y5, y6
                    for j in range(7):
                        yo[j] = y_s[i, j]
                    for j in range(NOBS):
                        obs_s[i, j] = oa[j]
                        oo[j] = oa[j]
                    for j in range(N_EV):
                        g0[i, j] = ga[j]
                        g1[i, j] = ga[j]
                    has[i] = False
                    return
            if cf[i, CF_BANK] != bank_held:  # a new bank: new lift direction, new derivative at the start
                _bank_controls(i, cf)
                r = _core(tt, (y0, y1_, y2, y3, y4, y5, y6), i, cf, ci, w)
                d3, d4, d5, d6 = r[0], r[1], r[2], r[3]
        if powered:  # guidance sets the thrust for the step from its start: the derivative there changes
            _thrust1(i, ph, (y0, y1_, y2, y3, y4, y5, y6), oa, cf, p)
            # (r: the forces at this state, evaluated before the new command)
            d3, d4, d5, d6 = _derivative(r[12], r[13], r[14], r[9], r[10], r[11], y6, i, cf, p)
        dt = _step_size1(tt, ph, oa, y3 * oa[O_UP] + y4 * oa[O_UP + 1] + y5 * oa[O_UP + 2], tls, p, steps)
        free = may_free and _free1(tt, i, cf, ci, p)
        if free:  # error-controlled: the step its error allows (the fixed step's at first)
            n, r, dt = _free_step(tt, min(hx[i] if hx[i] > 0.0 else dt, steps[S_COAST]),
                                  (y0, y1_, y2, y3, y4, y5, y6), (d3, d4, d5, d6), i, cf, ci, w, ks, hx)
        else:
            n = _fixed_s(tt, dt, (y0, y1_, y2, y3, y4, y5, y6), (d3, d4, d5, d6), i, cf, ci, w)
            r = _core(tt + dt, n, i, cf, ci, w)
            hx[i] = 0.0
        for j in range(7):
            yo[j] = n[j]
        _put(n[3], n[4], n[5], r, p, sc, oo)
        _events1(tt + dt, yo, i, oo, cf, ci, p, armed, gb)
        for j in range(N_EV):
            if ga[j] > 0.0 and gb[j] <= 0.0:
                event = True
        if not event and track[i]:
            if free and prev_free and pk[i, PK_T_1] == sp[0] and pk[i, PK_T_2] == tt:
                _refine_peaks(i, ph, sp, (tt, y0, y1_, y2, y3, y4, y5, y6, d3, d4, d5, d6), tt + dt, oo, cf, ci, w,
                              ks, gpar, pk[i], sc, ox)
            _track1(tt + dt, ph, oo, gpar, pk[i], free)
        if event or s == n_max - 1:
            t_s[i] = tt
            h[i] = dt
            y_s[i, 0], y_s[i, 1], y_s[i, 2], y_s[i, 3] = y0, y1_, y2, y3
            y_s[i, 4], y_s[i, 5], y_s[i, 6] = y4, y5, y6
            for j in range(NOBS):
                obs_s[i, j] = oa[j]
            for j in range(N_EV):
                g0[i, j] = ga[j]
                g1[i, j] = gb[j]
            has[i] = event
            if not event:
                _history_row(hb, hn, i, tt + dt, yo, oo, cf[i, CF_BANK] if entry else np.nan)
            return
        if free:  # the start of the step just taken, for the next step's peak search
            sp[0] = tt
            sp[1], sp[2], sp[3], sp[4], sp[5], sp[6], sp[7] = y0, y1_, y2, y3, y4, y5, y6
            sp[8], sp[9], sp[10], sp[11] = d3, d4, d5, d6
        prev_free = free
        tt = tt + dt
        y0, y1_, y2, y3, y4, y5, y6 = n
        d3, d4, d5, d6 = r[0], r[1], r[2], r[3]
        for j in range(NOBS):
            oa[j] = oo[j]
        for j in range(N_EV):
            ga[j] = gb[j]
        _history_row(hb, hn, i, tt, yo, oa, cf[i, CF_BANK] if entry else np.nan)


@njit(**_LEAF)
def _free_step(t, dt, s, d, i, cf, ci, w, ks, hx):
    """An error-controlled step of body ``i`` from ``(t, s)`` (derivative ``d``), tried first at ``dt``: the
    Dormand-Prince step (:func:`marsedl.kernels.dynamics._dp5_s`) of the length its error allows, and the next
    step's length into ``hx[i]``. Returns its end state, the forces there and its length. (Not inlined into the
    stepping loop, which it made slower where no step is error-controlled.)"""
    for _ in range(_MAX_REJECTIONS):
        n, r, err = _dp5_s(t, dt, s, d, i, cf, ci, w, ks)
        if err <= 1.0:
            break
        dt = dt * max(_SHRINK_MIN, _SAFETY * err ** -0.2) if np.isfinite(err) else dt * _SHRINK_MIN
    hx[i] = dt * _GROW_MAX if err < 1e-12 else dt * min(_GROW_MAX, _SAFETY * err ** -0.2)
    return n, r, dt


@njit(**_LEAF)
def _cycle_after(t_due, t, period):
    """The first time of the guidance schedule ``t_due + k period`` (k >= 1) after the step start ``t``."""
    k = math.floor((t - t_due) / period + _T_EPS / period) + 1.0
    return t_due + max(k, 1.0) * period


@njit(**_LEAF)
def _history_row(hb, hn, i, t, y, ob, bank):
    """Append the state ``(t, y)`` with its observables and bank to body ``i``'s rows of ``hb`` (if it has room:
    the caller sizes ``hb`` to its steps per call, or to none when it keeps no history)."""
    k = hn[i]
    if k >= hb.shape[1]:
        return
    hb[i, k, H_T] = t
    for j in range(7):
        hb[i, k, H_Y + j] = y[j]
    for j in range(NOBS):
        hb[i, k, H_OBS + j] = ob[j]
    hb[i, k, H_BANK] = bank
    hn[i] = k + 1


@njit(inline="always", **_LEAF)
def _loads1(ph, ob, gpar):
    """Aerodynamic deceleration (g), dynamic pressure and stagnation-point heat rate of a vehicle body in phase
    ``ph`` with observables ``ob``, as its peak records count them (no aerodynamic load outside the atmospheric
    phases, no heating after SUFR)."""
    entry_like = ph >= PH_ENTRY and ph <= PH_CHUTE_NO_HS
    heat = 0.0
    if ph == PH_ENTRY or ph == PH_SUFR:
        heat = sutton_graves(ob[O_RHO], ob[O_SPEED], gpar[G_NOSE_RADIUS], gpar[G_HEAT_K])
    return (ob[O_AERO_G] if entry_like else 0.0, ob[O_Q] if entry_like else 0.0, heat)


@njit(**_LEAF)
def _track1(t, ph, ob, gpar, pk, free):
    """Peak deceleration (and its time), dynamic pressure, heat rate and parachute load of a vehicle body after
    a quiet step; the end of an error-controlled step (``free``) becomes the last of the samples
    :func:`_refine_peaks` searches."""
    g, q, heat = _loads1(ph, ob, gpar)
    _peak_sample(t, g, q, heat, pk)
    if ph == PH_CHUTE or ph == PH_CHUTE_NO_HS:
        pk[PK_CHUTE_LOAD] = max(pk[PK_CHUTE_LOAD], ob[O_CANOPY])
    if free:
        pk[PK_T_1], pk[PK_G_1], pk[PK_Q_1], pk[PK_HEAT_1] = pk[PK_T_2], pk[PK_G_2], pk[PK_Q_2], pk[PK_HEAT_2]
        pk[PK_T_2], pk[PK_G_2], pk[PK_Q_2], pk[PK_HEAT_2] = t, g, q, heat


@njit(inline="always", **_LEAF)
def _peak_sample(t, g, q, heat, pk):
    """Count one sample of deceleration ``g`` at ``t``, dynamic pressure and heat rate in the peak records."""
    if g > pk[PK_G]:
        pk[PK_G] = g
        pk[PK_G_T] = t
    pk[PK_Q] = max(pk[PK_Q], q)
    pk[PK_HEAT] = max(pk[PK_HEAT], heat)


@njit(**_LEAF)
def _refine_peaks(i, ph, sp, cur, t3, ob3, cf, ci, w, ks, gpar, pk, sc, ox):
    """After two error-controlled steps (their starts ``sp`` = (t, y (7), derivative (4)) and ``cur``, the same as
    a tuple; the second ends at ``t3`` with observables ``ob3``), each of deceleration, dynamic pressure and heat
    rate whose middle sample is the largest of the three peaks between them: sample it where the parabola through
    the three samples peaks (a partial step from the step's start, :func:`marsedl.kernels.dynamics._dp5_s`), keep
    the three samples around the largest, and again, up to _PEAK_ITERATIONS times or to _PEAK_TOL_S (successive
    parabolic interpolation). Every sample counts in the peak records, so a peak is a value the trajectory takes;
    with steps of a guidance cycle the samples at the steps' ends are close enough and this is not called."""
    p = w[0]
    last = _loads1(ph, ob3, gpar)
    for k in range(3):  # (the records' samples: g_1, g_2, then q_1, q_2, then heat_1, heat_2)
        t1, t2 = pk[PK_T_1], pk[PK_T_2]
        f1, f2, f3 = pk[PK_G_1 + 2 * k], pk[PK_G_2 + 2 * k], last[k]
        ta = t3
        for _ in range(_PEAK_ITERATIONS):
            if not (f2 >= f1 and f2 >= f3 and f2 > 0.0):
                break
            tv = _vertex(t1, f1, t2, f2, ta, f3)
            if not (t1 < tv < ta) or abs(tv - t2) < _PEAK_TOL_S:
                break
            if tv < cur[0]:
                t0, s = sp[0], (sp[1], sp[2], sp[3], sp[4], sp[5], sp[6], sp[7])
                d = (sp[8], sp[9], sp[10], sp[11])
            else:
                t0, s, d = cur[0], (cur[1], cur[2], cur[3], cur[4], cur[5], cur[6], cur[7]), (cur[8], cur[9],
                                                                                             cur[10], cur[11])
            n, r, _ = _dp5_s(t0, tv - t0, s, d, i, cf, ci, w, ks)
            _put(n[3], n[4], n[5], r, p, sc, ox)
            x = _loads1(ph, ox, gpar)
            _peak_sample(tv, x[0], x[1], x[2], pk)
            fx = x[k]
            if tv < t2:
                if fx >= f2:
                    ta, f3, t2, f2 = t2, f2, tv, fx
                else:
                    t1, f1 = tv, fx
            elif fx >= f2:
                t1, f1, t2, f2 = t2, f2, tv, fx
            else:
                ta, f3 = tv, fx


@njit(**_LEAF)
def _vertex(t1, f1, t2, f2, t3, f3):
    """Time of the vertex of the parabola through ``(t1, f1), (t2, f2), (t3, f3)`` (t1 < t2 < t3; NaN if it
    opens upwards or is flat)."""
    d1 = (f2 - f1) / (t2 - t1)
    c = ((f3 - f2) / (t3 - t2) - d1) / (t3 - t1)  # f = f1 + d1 (t - t1) + c (t - t1)(t - t2)
    if not c < 0.0:
        return np.nan
    return 0.5 * (t1 + t2) - 0.5 * d1 / c


def advance_outputs(n: int) -> tuple:
    """Empty outputs of :func:`advance_steps` for ``n`` bodies: ``(t_s, h, y_s, obs_s, g0, y1, obs1, g1, has)``."""
    return (np.empty(n), np.empty(n), np.empty((n, 7)), np.empty((n, NOBS)), np.empty((n, N_EV)), np.empty((n, 7)),
            np.empty((n, NOBS)), np.empty((n, N_EV)), np.zeros(n, dtype=np.bool_))


@njit(**_JIT)
def advance_steps(lo, hi, start, cf, ci, w, seq, out, rec):
    """Bodies ``lo <= i < hi`` take up to ``max_steps`` RK4 steps (their own step sizes), each stopping at its
    first event step.

    In: ``start = (t, y, obs0, max_steps, track, hx)`` (the bodies' times, states, observables, step budgets,
    whether to follow their peaks, and the next error-controlled step of each (0: none yet; updated in place)),
    the per-body columns ``cf``/``ci``, the world ``w`` (as :func:`marsedl.kernels.dynamics._core`),
    ``seq = (armed, steps, gpar, ref)`` (armed events per phase, step sizes, entry-guidance constants, reference
    trajectory), ``out`` (:func:`advance_outputs`) and
    ``rec = (pk, hb, hn)`` (peak records, history rows and their counts).

    Out (rows ``lo:hi`` of the arrays of :func:`advance_outputs`): the last step's start ``t_s``, length ``h``,
    start state ``y_s`` and observables ``obs_s``, end state ``y1`` and observables ``obs1``, the event functions
    at both ends (``g0``, ``g1``) and whether an event holds or is crossed in it (``has``). ``pk`` and the
    guidance columns of ``cf`` are updated in place, row by row; a recorded run's quiet steps are written to the
    history rows ``hb`` (n, K, NH) counted in ``hn`` (n,). Rows are independent and the kernel holds no GIL:
    disjoint row ranges may run on concurrent threads.
    """
    scratch = (np.empty(7), np.empty(N_EV), np.empty(N_EV), np.empty(NOBS), np.empty((8, 7)), np.empty(12),
               np.empty(NOBS))
    for i in range(lo, hi):
        _steps1(i, start, cf, ci, w, seq, out, rec, scratch)


@njit(**_JIT)
def locate(step, col, cf, ci, w, armed, iterations, tol_s):
    """Where event column ``col`` falls through zero inside each body's step ``step = (t0, y0, dt, ga, gb)``,
    from its values ``ga`` > 0 at the start and ``gb`` <= 0 at the end: the Illinois variant of regula falsi on
    partial RK4 steps from the step's start, each body to its own tolerance ``tol_s`` (so its answer does not
    depend on the others), at most ``iterations`` times. Returns the right end of each final bracket (where the
    event holds).
    """
    t0, y0, dt, ga, gb = step
    p = w[0]
    n = dt.shape[0]
    out = np.empty(n)
    yx, ob, sc, g, ks = np.empty(7), np.empty(NOBS), np.empty(7), np.empty(N_EV), np.empty((8, 7))
    for i in range(n):
        a, b, fa, fb, side = 0.0, dt[i], ga[i], gb[i], 0
        s = (y0[i, 0], y0[i, 1], y0[i, 2], y0[i, 3], y0[i, 4], y0[i, 5], y0[i, 6])
        r = _core(t0[i], s, i, cf, ci, w)  # the step's start: its derivative serves every partial step
        d = (r[0], r[1], r[2], r[3])
        for _ in range(iterations):
            if not (b - a >= tol_s):
                break
            x = b - fb * (b - a) / (fb - fa)
            if not (np.isfinite(x) and x > a and x < b):
                x = 0.5 * (a + b)
            e = _step_s(t0[i], x, s, d, i, cf, ci, w, ks)  # as dynamics._step1, from the derivative already known
            for j in range(7):
                yx[j] = e[j]
            _put(e[3], e[4], e[5], _core(t0[i] + x, e, i, cf, ci, w), p, sc, ob)
            _events1(t0[i] + x, yx, i, ob, cf, ci, p, armed, g)
            fx = g[col]
            if fx > 0.0:  # the root is in [x, b]
                a, fa = x, fx
                if side == 1:
                    fb = 0.5 * fb
                side = 1
            else:  # in [a, x]
                b, fb = x, fx
                if side == -1:
                    fa = 0.5 * fa
                side = -1
        out[i] = b
    return out
