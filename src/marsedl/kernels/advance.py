"""Many steps per call: each body flies from event to event (step sizes, guidance cycles, peaks).

Where no guidance cycle sets the step (an unguided entry vehicle holding its bank: :func:`_free1`), a run with
``integration.step_tolerance_m`` takes error-controlled Dormand-Prince 5(4) steps instead
(:func:`_free_step`, its peaks searched between the long steps by :func:`_refine_peaks`). Those run only in the
compiled specialization whose ``fx`` argument is their work arrays: with ``fx`` None (every guided run) Numba
prunes their branches before typing, so a guided flight neither compiles nor runs any of it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from marsedl.kernels.control import _bank_controls, _guide1, _holds_bank, _next_cycle, _thrust1
from marsedl.kernels.dynamics import _core, _derivative, _dp5_s, _put, _step_s
from marsedl.kernels.events import _events1
from marsedl.kernels.layout import (
    _BALLISTIC_DRAG_FRACTION,
    _BALLISTIC_MAX_DH_M,
    _T_EPS,
    CF_BANK,
    CF_BANK_BEFORE,
    CF_ENTRY_GUIDED,
    CF_GUIDANCE_LOG,
    CF_PLANAR,
    CF_T_GUIDE,
    CF_T_LINE_STRETCH,
    CI_PHASE,
    FX_G_1,
    FX_G_2,
    FX_H_NEXT,
    FX_HEAT_1,
    FX_HEAT_2,
    FX_Q_1,
    FX_Q_2,
    FX_SP_D,
    FX_SP_T,
    FX_SP_Y,
    FX_T_1,
    FX_T_2,
    G_DT,
    G_HEAT_K,
    G_NOSE_RADIUS,
    H_BANK,
    H_OBS,
    H_PHASE,
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
    PK_G_T,
    PK_HEAT,
    PK_Q,
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
from marsedl.laws._jit import INNER as _INNER

# error-controlled steps (_free_step): the next step is the last one times SAFETY err^(-1/5), between SHRINK_MIN and
# GROW_MAX times it (the usual controller of an embedded pair: Hairer, Norsett & Wanner I, II.4); a step is tried
# at most MAX_REJECTIONS times (then the last try is taken)
_SAFETY, _SHRINK_MIN, _GROW_MAX, _MAX_REJECTIONS = 0.9, 0.2, 5.0, 40
# a peak between error-controlled steps is searched to this time resolution, with at most this many samples per
# peaked quantity (_refine_peaks)
_PEAK_TOL_S, _PEAK_ITERATIONS = 1e-3, 4


@njit(**_INNER)
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


@njit(**_INNER)
def _steps1(i, start, cf, ci, w, seq, out, rec, scratch, fx):
    """Up to ``max_steps[i]`` steps of body ``i`` (RK4, :func:`marsedl.kernels.dynamics._step_s`), stopping after
    the first step in which an event holds or is crossed; the arguments are grouped as
    :func:`marsedl.kernels.case._fly_body` gives them (``scratch``: per-thread work arrays ``(sc, ga, gb, oa)``;
    ``fx``: None, or the work arrays of error-controlled steps, :func:`_free_step`, which the body takes where
    :func:`_free1` holds). Out: the last step's start (t_s, y_s, obs_s, g0), length h and end (y1, obs1, g1), and
    whether it holds an event (has). Quiet steps update the body's peak records ``pk`` when ``track[i]`` (the
    vehicle) and, in a recorded run (``hb.shape[1] > 0``), write their end as a row of ``hb[i]`` (counted in
    ``hn[i]``: see :func:`_history_row`).

    The end of a quiet step is the start of the next: its derivative, observables and event functions are
    reused, not evaluated again. A body's steps depend on nothing but its own values, so a case flies the
    same alone or in any batch.
    """
    t, y, obs0, max_steps, track = start
    armed, steps, gpar, ref = seq
    t_s, h, y_s, obs_s, g0, y1, obs1, g1, has = out
    pk, hb, hn = rec
    sc, ga, gb, oa = scratch
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
    entry = cf[i, CF_ENTRY_GUIDED] != 0.0
    prev_free = False  # whether the step before this one (in this call) was error-controlled
    for s in range(n_max):
        if entry:  # bank for the step from the guidance at its start, when a guidance cycle is due
            bank_held = cf[i, CF_BANK]  # (the held controls are its cos and sin: see _bank_controls)
            # (a cycle that stopped the kernel to log an event is not run again when it resumes at that state:
            # the schedule has already moved past it)
            if fx is not None and tt >= cf[i, CF_T_GUIDE] - _T_EPS and np.isfinite(cf[i, CF_T_GUIDE]):
                if fx[0][i, FX_H_NEXT] > 0.0 or _free1(i, ph, cf):
                    # error-controlled steps skip the cycles that fall inside them (each would change nothing:
                    # _free1); the schedule keeps its times, so that the first cycle after them (after SUFR)
                    # comes when it would have come after steps of one cycle each
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
        free = False
        if fx is not None and _free1(i, ph, cf):  # the step its error allows (the fixed step's at first)
            free = True
            n, r, dt = _free_step(tt, dt, steps[S_COAST], (y0, y1_, y2, y3, y4, y5, y6), (d3, d4, d5, d6), i,
                                  cf, ci, w, fx)
        else:
            n, r = _step_s(tt, dt, (y0, y1_, y2, y3, y4, y5, y6), (d3, d4, d5, d6), i, cf, ci, w)
            if fx is not None:
                fx[0][i, FX_H_NEXT] = 0.0
        for j in range(7):
            yo[j] = n[j]
        _put(n[3], n[4], n[5], r, p, sc, oo)
        _events1(tt + dt, yo, i, oo, cf, ci, p, armed, gb)
        for j in range(N_EV):
            if ga[j] > 0.0 and gb[j] <= 0.0:
                event = True
        if not event and track[i]:
            if fx is not None and free:  # the peaks between the last two error-controlled steps, then its end
                fb = fx[0][i]
                if prev_free and fb[FX_T_1] == fb[FX_SP_T] and fb[FX_T_2] == tt:
                    _refine_peaks(i, ph, fb, (tt, y0, y1_, y2, y3, y4, y5, y6, d3, d4, d5, d6), tt + dt, oo, cf, ci,
                                  w, gpar, pk[i], sc, (fx[1][i], fx[2][i]))
                _sample2(tt + dt, _loads1(ph, oo, gpar), fb)
            _track1(tt + dt, ph, oo, n[6], p, gpar, pk[i])
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
                _history_row(hb, hn, i, tt + dt, yo, oo, cf[i, CF_BANK] if track[i] else np.nan, ph)
            return
        if fx is not None:
            if free:  # the start of the step just taken, for the next step's peak search
                fb = fx[0][i]
                fb[FX_SP_T] = tt
                fb[FX_SP_Y], fb[FX_SP_Y + 1], fb[FX_SP_Y + 2], fb[FX_SP_Y + 3] = y0, y1_, y2, y3
                fb[FX_SP_Y + 4], fb[FX_SP_Y + 5], fb[FX_SP_Y + 6] = y4, y5, y6
                fb[FX_SP_D], fb[FX_SP_D + 1], fb[FX_SP_D + 2], fb[FX_SP_D + 3] = d3, d4, d5, d6
            prev_free = free
        tt = tt + dt
        y0, y1_, y2, y3, y4, y5, y6 = n
        d3, d4, d5, d6 = r[0], r[1], r[2], r[3]
        for j in range(NOBS):
            oa[j] = oo[j]
        for j in range(N_EV):
            ga[j] = gb[j]
        _history_row(hb, hn, i, tt, yo, oa, cf[i, CF_BANK] if track[i] else np.nan, ph)


@njit(**_INNER)
def _history_row(hb, hn, i, t, y, ob, bank, ph):
    """Append the state ``(t, y)`` with its observables, bank and phase to body ``i``'s rows of ``hb``; a row
    beyond its room is counted in ``hn[i]`` but not written (the caller sizes ``hb``: none when it keeps no
    history; a count above the room says the rows must be flown again with more room)."""
    k = hn[i]
    if hb.shape[1] == 0:
        return
    hn[i] = k + 1
    if k >= hb.shape[1]:
        return
    _row(hb[i, k], 0, t, y, ob, bank, ph)


@njit(**_INNER)
def _row(row, at, t, y, ob, bank, ph):
    """The fields of a history row (:data:`marsedl.kernels.layout.NH`: time, state, observables, bank, phase) into
    ``row[at:]`` (a history row at 0, an event-log row after its own fields)."""
    row[at + H_T] = t
    for j in range(7):
        row[at + H_Y + j] = y[j]
    for j in range(NOBS):
        row[at + H_OBS + j] = ob[j]
    row[at + H_BANK] = bank
    row[at + H_PHASE] = ph


@njit(inline="always", **_INNER)
def _loads1(ph, ob, gpar):
    """Aerodynamic deceleration (g), dynamic pressure and stagnation-point heat rate of a vehicle body in phase
    ``ph`` with observables ``ob``, as its peak records count them (no aerodynamic load outside the atmospheric
    phases, no heating after SUFR)."""
    entry_like = ph >= PH_ENTRY and ph <= PH_CHUTE_NO_HS
    heat = 0.0
    if ph == PH_ENTRY or ph == PH_SUFR:
        heat = sutton_graves(ob[O_RHO], ob[O_SPEED], gpar[G_NOSE_RADIUS], gpar[G_HEAT_K])
    return ob[O_AERO_G] if entry_like else 0.0, ob[O_Q] if entry_like else 0.0, heat


@njit(inline="always", **_INNER)
def _peak_sample(t, loads, pk):
    """Count one sample of the loads ``(g, q, heat)`` (:func:`_loads1`) at ``t`` in the peak records ``pk``."""
    g, q, heat = loads
    if g > pk[PK_G]:
        pk[PK_G] = g
        pk[PK_G_T] = t
    pk[PK_Q] = max(pk[PK_Q], q)
    pk[PK_HEAT] = max(pk[PK_HEAT], heat)


@njit(**_INNER)
def _track1(t, ph, ob, m, p, gpar, pk):
    """Peak deceleration (and its time), dynamic pressure, heat rate and parachute load of a vehicle body after
    a quiet step."""
    _peak_sample(t, _loads1(ph, ob, gpar), pk)
    if ph == PH_CHUTE or ph == PH_CHUTE_NO_HS:
        pk[PK_CHUTE_LOAD] = max(pk[PK_CHUTE_LOAD], ob[O_CANOPY])


@njit(inline="always", **_INNER)
def _free1(i, ph, cf):
    """Whether body ``i``'s step (in phase ``ph``) is error-controlled where the run has them: an entry vehicle
    flown without guidance that holds its bank (:func:`marsedl.kernels.control._holds_bank`) and whose lift is not
    held in the vertical plane (a reference trajectory, which flies heading alignment), so that no guidance cycle
    sets its step: each would change nothing. (Shed bodies and the open parachute were tried too, and left on
    their fixed steps: at tolerances that keep their impacts, the pair's six force evaluations per step, its
    rejected steps at the kinks of the tabulated atmosphere and aerodynamics, and its dearer event location cost
    as much as the steps saved; see the README's Speed section.)"""
    return cf[i, CF_ENTRY_GUIDED] != 0.0 and cf[i, CF_PLANAR] == 0.0 and _holds_bank(i, ph, cf)


@njit(**_INNER)
def _free_step(t, dt, cap, s, d, i, cf, ci, w, fx):
    """An error-controlled step of body ``i`` from ``(t, s)`` (derivative ``d``), tried first at the length the
    last one proposed (``dt``, the fixed step, if none; never longer than ``cap``, the coast step): the
    Dormand-Prince step
    (:func:`marsedl.kernels.dynamics._dp5_s`) of the length whose error estimate is within the tolerance
    ``fx[3]`` (m, m/s), and the next step's length into its ``FX_H_NEXT``. Returns its end state, the forces there
    and its length."""
    fb, ks, tol = fx[0][i], fx[1][i], fx[3]
    if fb[FX_H_NEXT] > 0.0:
        dt = fb[FX_H_NEXT]
    dt = min(dt, cap)
    for _ in range(_MAX_REJECTIONS):
        n, r, err = _dp5_s(t, dt, s, d, i, cf, ci, w, ks)
        err = err / tol
        if err <= 1.0:
            break
        dt = dt * max(_SHRINK_MIN, _SAFETY * err ** -0.2) if np.isfinite(err) else dt * _SHRINK_MIN
    fb[FX_H_NEXT] = dt * _GROW_MAX if err < 1e-12 else dt * min(_GROW_MAX, _SAFETY * err ** -0.2)
    return n, r, dt


@njit(inline="always", **_INNER)
def _part_s(t, h, s, d, i, cf, ci, w, fx):
    """A partial step of body ``i`` (the event's search and the move to it, :mod:`marsedl.kernels.case`) as the
    stepping loop takes its step from the same start: the fifth-order solution of the error-controlled pair where
    the body takes those (``fx`` not None and :func:`_free1`), else :func:`marsedl.kernels.dynamics._step_s`.
    Returns the state at the step's end and the forces there (a :func:`marsedl.kernels.dynamics._core` result)."""
    if fx is not None and _free1(i, ci[i, CI_PHASE], cf):
        n, r, _ = _dp5_s(t, h, s, d, i, cf, ci, w, fx[1][i])
        return n, r
    return _step_s(t, h, s, d, i, cf, ci, w)


@njit(**_INNER)
def _cycle_after(t_due, t, period):
    """The first time of the guidance schedule ``t_due + k period`` (k >= 1) after the step start ``t``."""
    k = math.floor((t - t_due) / period + _T_EPS / period) + 1.0
    return t_due + max(k, 1.0) * period


@njit(inline="always", **_INNER)
def _sample2(t, loads, fb):
    """The loads ``(g, q, heat)`` at the end ``t`` of an error-controlled step become the later of the two samples
    ``fb`` keeps for :func:`_refine_peaks` (the later one becomes the earlier)."""
    fb[FX_T_1], fb[FX_G_1], fb[FX_Q_1], fb[FX_HEAT_1] = fb[FX_T_2], fb[FX_G_2], fb[FX_Q_2], fb[FX_HEAT_2]
    fb[FX_T_2], fb[FX_G_2], fb[FX_Q_2], fb[FX_HEAT_2] = t, loads[0], loads[1], loads[2]


@njit(**_INNER)
def _refine_peaks(i, ph, fb, cur, t3, ob3, cf, ci, w, gpar, pk, sc, kx):
    """After two error-controlled steps (the first's start in ``fb``'s ``FX_SP_*``, the second's ``cur`` = (t,
    state (7), derivative (4)); the second ends at ``t3`` with observables ``ob3``), each of deceleration, dynamic
    pressure and heat rate whose middle sample (``fb``'s ``FX_*_2``, at the second's start) is the largest of the
    three peaks between them: sample it where the parabola through the three samples peaks (a partial step from the
    step's start, :func:`marsedl.kernels.dynamics._dp5_s`), keep the three samples around the largest, and again,
    up to _PEAK_ITERATIONS times or to _PEAK_TOL_S (successive parabolic interpolation). Every sample counts in the
    peak records ``pk``, so a peak is a value the trajectory takes. ``kx``: scratch (the pair's stages (8, 7),
    observables (NOBS,)); ``sc`` (7,)."""
    p = w[0]
    ks, ox = kx
    last = _loads1(ph, ob3, gpar)
    for k in range(3):  # (the samples: g_1, g_2, then q_1, q_2, then heat_1, heat_2)
        t1, t2 = fb[FX_T_1], fb[FX_T_2]
        f1, f2, f3 = fb[FX_G_1 + 2 * k], fb[FX_G_2 + 2 * k], last[k]
        ta = t3
        for _ in range(_PEAK_ITERATIONS):
            if not (f2 >= f1 and f2 >= f3 and f2 > 0.0):
                break
            tv = _vertex(t1, f1, t2, f2, ta, f3)
            if not (t1 < tv < ta) or abs(tv - t2) < _PEAK_TOL_S:
                break
            if tv < cur[0]:
                t0 = fb[FX_SP_T]
                s = (fb[FX_SP_Y], fb[FX_SP_Y + 1], fb[FX_SP_Y + 2], fb[FX_SP_Y + 3], fb[FX_SP_Y + 4],
                     fb[FX_SP_Y + 5], fb[FX_SP_Y + 6])
                d = (fb[FX_SP_D], fb[FX_SP_D + 1], fb[FX_SP_D + 2], fb[FX_SP_D + 3])
            else:
                t0, s, d = cur[0], (cur[1], cur[2], cur[3], cur[4], cur[5], cur[6], cur[7]), (cur[8], cur[9],
                                                                                             cur[10], cur[11])
            n, r, _ = _dp5_s(t0, tv - t0, s, d, i, cf, ci, w, ks)
            _put(n[3], n[4], n[5], r, p, sc, ox)
            x = _loads1(ph, ox, gpar)
            _peak_sample(tv, x, pk)
            fv = x[k]
            if tv < t2:
                if fv >= f2:
                    ta, f3, t2, f2 = t2, f2, tv, fv
                else:
                    t1, f1 = tv, fv
            elif fv >= f2:
                t1, f1, t2, f2 = t2, f2, tv, fv
            else:
                ta, f3 = tv, fv


@njit(**_INNER)
def _vertex(t1, f1, t2, f2, t3, f3):
    """Time of the vertex of the parabola through ``(t1, f1), (t2, f2), (t3, f3)`` (t1 < t2 < t3; NaN if it
    opens upwards or is flat)."""
    d1 = (f2 - f1) / (t2 - t1)
    c = ((f3 - f2) / (t3 - t2) - d1) / (t3 - t1)  # f = f1 + d1 (t - t1) + c (t - t1)(t - t2)
    if not c < 0.0:
        return np.nan
    return 0.5 * (t1 + t2) - 0.5 * d1 / c


def advance_outputs(n: int) -> tuple:
    """Empty outputs of :func:`_steps1` for ``n`` bodies: ``(t_s, h, y_s, obs_s, g0, y1, obs1, g1, has)``."""
    return (np.empty(n), np.empty(n), np.empty((n, 7)), np.empty((n, NOBS)), np.empty((n, N_EV)), np.empty((n, 7)),
            np.empty((n, NOBS)), np.empty((n, N_EV)), np.zeros(n, dtype=np.bool_))
