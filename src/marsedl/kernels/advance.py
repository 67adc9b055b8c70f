"""Many steps per call: each body flies from event to event (step sizes, guidance cycles, peaks)."""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.kernels.control import _bank_controls, _guide1, _next_cycle, _thrust1
from marsedl.kernels.dynamics import _core, _derivative, _put, _step_s
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
def _steps1(i, start, cf, ci, w, seq, out, rec, scratch):
    """Up to ``max_steps[i]`` RK4 steps of body ``i``, stopping after the first step in which an event holds
    or is crossed; the arguments are grouped as :func:`marsedl.kernels.case._fly_body` gives them (``scratch``:
    per-thread work arrays ``(sc, ga, gb, oa)``). Out: the last step's start (t_s, y_s, obs_s, g0), length h and
    end (y1, obs1, g1), and whether it holds an event (has). Quiet steps update the body's peak records ``pk``
    when ``track[i]`` (the vehicle) and, in a recorded run (``hb.shape[1] > 0``), write their end as a row of
    ``hb[i]`` (counted in ``hn[i]``: see :func:`_history_row`).

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
    for s in range(n_max):
        if entry:  # bank for the step from the guidance at its start, when a guidance cycle is due
            bank_held = cf[i, CF_BANK]  # (the held controls are its cos and sin: see _bank_controls)
            # (a cycle that stopped the kernel to log an event is not run again when it resumes at that state:
            # the schedule has already moved past it)
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
        n = _step_s(tt, dt, (y0, y1_, y2, y3, y4, y5, y6), (d3, d4, d5, d6), i, cf, ci, w)
        for j in range(7):
            yo[j] = n[j]
        r = _core(tt + dt, n, i, cf, ci, w)
        _put(n[3], n[4], n[5], r, p, sc, oo)
        _events1(tt + dt, yo, i, oo, cf, ci, p, armed, gb)
        for j in range(N_EV):
            if ga[j] > 0.0 and gb[j] <= 0.0:
                event = True
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
            if not event and track[i]:
                _track1(tt + dt, ph, oo, n[6], p, gpar, pk[i])
            if not event:
                _history_row(hb, hn, i, tt + dt, yo, oo, cf[i, CF_BANK] if track[i] else np.nan, ph)
            return
        tt = tt + dt
        y0, y1_, y2, y3, y4, y5, y6 = n
        d3, d4, d5, d6 = r[0], r[1], r[2], r[3]
        for j in range(NOBS):
            oa[j] = oo[j]
        for j in range(N_EV):
            ga[j] = gb[j]
        if track[i]:
            _track1(tt, ph, oa, y6, p, gpar, pk[i])
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


@njit(**_INNER)
def _track1(t, ph, ob, m, p, gpar, pk):
    """Peak deceleration (and its time), dynamic pressure, heat rate and parachute load of a vehicle body after
    a quiet step."""
    entry_like = ph >= PH_ENTRY and ph <= PH_CHUTE_NO_HS
    g = ob[O_AERO_G] if entry_like else 0.0
    if g > pk[PK_G]:
        pk[PK_G] = g
        pk[PK_G_T] = t
    q = ob[O_Q] if entry_like else 0.0
    pk[PK_Q] = max(pk[PK_Q], q)
    if ph == PH_ENTRY or ph == PH_SUFR:
        pk[PK_HEAT] = max(pk[PK_HEAT], sutton_graves(ob[O_RHO], ob[O_SPEED], gpar[G_NOSE_RADIUS], gpar[G_HEAT_K]))
    if ph == PH_CHUTE or ph == PH_CHUTE_NO_HS:
        pk[PK_CHUTE_LOAD] = max(pk[PK_CHUTE_LOAD], ob[O_CANOPY])


def advance_outputs(n: int) -> tuple:
    """Empty outputs of :func:`_steps1` for ``n`` bodies: ``(t_s, h, y_s, obs_s, g0, y1, obs1, g1, has)``."""
    return (np.empty(n), np.empty(n), np.empty((n, 7)), np.empty((n, NOBS)), np.empty((n, N_EV)), np.empty((n, 7)),
            np.empty((n, NOBS)), np.empty((n, N_EV)), np.zeros(n, dtype=np.bool_))
