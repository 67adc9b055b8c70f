"""A whole case flies in compiled code: :func:`fly_cases`.

Each body of a case flies from event to event (:func:`marsedl.kernels.advance._steps1`: the steps, the guidance
cycles, the thrust, the peaks and the history rows), the event inside the last step is located
(:func:`_locate1`: regula falsi on partial steps from the step's start), the body is moved to it by a partial step
and the event's actions are carried out (:func:`marsedl.kernels.actions._apply_event`); the guidance's own
events (guidance start, heading alignment, bank reversals) are logged where the guidance found them. As a case
starts, its cruise balance masses are released where its vehicle was before entry interface
(:func:`marsedl.kernels.actions._cruise_balance_masses`). The vehicle flies first, to its own end; the bodies it
released then fly to theirs, in slot order (a body depends only on its own values, so the order changes nothing).
Python prepares the arrays and packages the results (:mod:`marsedl.engine.core`).

The arguments are grouped as :mod:`marsedl.kernels.actions` says, with ``seq = (armed, steps, gpar, ref)`` (armed
events per phase, step sizes, entry-guidance constants, reference trajectory) and ``wk = (obs0, max_steps, track,
out, pk, fx)``: per-body work rows of :func:`marsedl.kernels.advance._steps1` (start observables, step budgets,
whether a body is a vehicle whose peaks are followed, the last step's values, peak records) and ``fx``, None or
the work arrays of error-controlled steps (``(rows (n, NFX), stages (n, 8, 7), observables (n, NOBS),
tolerance)``: a run whose unguided entries take them; the flight compiled for None has none of their code).
"""

from __future__ import annotations

import numpy as np
from numba import njit, typeof, types
from numba._dispatcher import compute_fingerprint

from marsedl.kernels.actions import _apply_event, _bank, _cruise_balance_masses, _log_event, _observe, _record, _refresh
from marsedl.kernels.advance import _part_s, _steps1
from marsedl.kernels.calls import address, call_bool
from marsedl.kernels.dynamics import _core, _deriv1, _put, _step_s, table_at_mach
from marsedl.kernels.events import _events1
from marsedl.kernels.layout import (
    CF_BANK,
    CF_BANK_BEFORE,
    CF_GUIDANCE_LOG,
    CI_PHASE,
    EV_BANK_REVERSAL,
    EV_CBM_SEPARATION,
    EV_ENTRY_INTERFACE,
    EV_GUIDANCE_START,
    EV_HEADING_ALIGNMENT,
    LOG_BANK_REVERSAL,
    LOG_GUIDANCE_START,
    LOG_HEADING_ALIGNMENT,
    N_EV,
    NCF,
    NCI,
    NOBS,
    NPK,
    P_CBM_RELEASE,
    P_N_SLOTS,
    PH_ENTRY,
    RES_PK,
    S_COAST,
)
from marsedl.laws._jit import INNER as _INNER
from marsedl.laws._jit import JIT as _JIT

#: the guidance's events: its LOG_* bit and the event code (an array: codes read from it are not constants, so the
#: logging, inlined, is compiled once)
_GUIDANCE_LOGGED = np.array([[LOG_GUIDANCE_START, LOG_HEADING_ALIGNMENT, LOG_BANK_REVERSAL],
                             [EV_GUIDANCE_START, EV_HEADING_ALIGNMENT, EV_BANK_REVERSAL]], dtype=np.int64)
#: logged at a case's start: its entry interface, then (with them) the cruise balance masses' separation
_START_LOGGED = np.array([EV_ENTRY_INTERFACE, EV_CBM_SEPARATION], dtype=np.int64)
#: the root search inside a step: at most this many regula-falsi iterations, to this bracket (s)
_ITERATIONS, _TOL_S = 40, 1e-7
#: events of one body: a bound, never reached (every body meets its timeout event first)
MAX_EVENTS_PER_BODY = 1_000_000
#: the address of a body's event loop by the types of the flight's arguments (numba's fingerprint of them)
_BODY_ADDRESSES: dict[bytes, int] = {}


@njit(**_INNER)
def _flying(b, ci):
    return ci[b, CI_PHASE] >= PH_ENTRY  # (UNBORN and DONE are below ENTRY)


@njit(inline="always", **_INNER)
def _locate1(b, t0, s, dt, fa, fb, col, bd, w, armed, scr, fx):
    """Where event column ``col`` of body ``b`` falls through zero inside its step from ``(t0, s)`` of length
    ``dt``, from its values ``fa`` > 0 at the start and ``fb`` <= 0 at the end: the Illinois variant of regula
    falsi on partial steps from the step's start (as the stepping loop took the step: ``fx``, see
    :func:`marsedl.kernels.advance._part_s`), to ``_TOL_S``, at most ``_ITERATIONS`` times. Returns the right end
    of the final bracket (where the event holds)."""
    _, _, cf, ci = bd
    p = w[0]
    yx, ob, sc, g = scr[2], scr[3], scr[4], scr[5]
    a, bb, side = 0.0, dt, 0
    r = _core(t0, s, b, cf, ci, w)  # the step's start: its derivative serves every partial step
    d = (r[0], r[1], r[2], r[3])
    for _ in range(_ITERATIONS):
        if not (bb - a >= _TOL_S):
            break
        x = bb - fb * (bb - a) / (fb - fa)
        if not (np.isfinite(x) and x > a and x < bb):
            x = 0.5 * (a + bb)
        e, re = _part_s(t0, x, s, d, b, cf, ci, w, fx)
        for j in range(7):
            yx[j] = e[j]
        _put(e[3], e[4], e[5], re, p, sc, ob)
        _events1(t0 + x, yx, b, ob, cf, ci, p, armed, g)
        fv = g[col]
        if fv > 0.0:  # the root is in [x, bb]
            a, fa = x, fv
            if side == 1:
                fb = 0.5 * fb
            side = 1
        else:  # in [a, x]
            bb, fb = x, fv
            if side == -1:
                fa = 0.5 * fa
            side = -1
    return bb


@njit(**_INNER)
def _to_event(b, bd, w, seq, tab, wk, scr, fx):
    """Body ``b``'s last step holds an event: move the body to the earliest one (ties: the first column) and
    return its code (``fx``: as :func:`marsedl.kernels.advance._steps1` took the step)."""
    t, y, cf, ci = bd
    t_s, h, y_s, _, g0, _, _, g1, _ = wk[3]
    h_best, k_best = np.inf, -1
    s = (y_s[b, 0], y_s[b, 1], y_s[b, 2], y_s[b, 3], y_s[b, 4], y_s[b, 5], y_s[b, 6])
    for k in range(N_EV):
        if g0[b, k] <= 0.0:
            if h_best > 0.0:
                h_best, k_best = 0.0, k
        elif g1[b, k] <= 0.0:
            hk = _locate1(b, t_s[b], s, h[b], g0[b, k], g1[b, k], k, bd, w, seq[0], scr, fx)
            if hk < h_best:
                h_best, k_best = hk, k
    if h_best > 0.0:
        r = _core(t_s[b], s, b, cf, ci, w)
        e, _ = _part_s(t_s[b], h_best, s, (r[0], r[1], r[2], r[3]), b, cf, ci, w, fx)
        for j in range(7):
            y[b, j] = e[j]
    else:
        for j in range(7):
            y[b, j] = s[j]
    t[b] = t_s[b] + h_best
    return tab[2][k_best]


@njit(**_INNER)
def _fly_body(b, bd, cs, w, seq, tab, rec, wk, scr):
    """Body ``b`` flies from event to event until it stops. Returns False if it met more events than a body can
    (a bug)."""
    t, y, cf, ci = bd
    obs0, _, track, out, _, fx = wk
    t_s, h, y_s, _, _, y1, _, _, has = out
    n_slots = int(w[0][P_N_SLOTS])
    v = b - b % n_slots
    for _ in range(MAX_EVENTS_PER_BODY):
        if not _flying(b, ci):
            return True
        _refresh(b, cf[v, CF_BANK], bd, w[0])
        _deriv1(t[b], y[b], b, cf, ci, w, scr[0], obs0[b])
        _steps1(b, (t, y, obs0, wk[1], track), cf, ci, w, seq, out, (wk[4], rec[2], rec[3]), scr[6], fx)
        if has[b]:
            code = _to_event(b, bd, w, seq, tab, wk, scr, fx)
            _apply_event(b, code, bd, cs, w, tab, rec, scr)
            _record(b, bd, w, rec, scr)
        elif h[b] == 0.0:  # a guidance cycle found events to log, at the state where it ran
            t[b] = t_s[b] + h[b]
            for j in range(7):
                y[b, j] = y1[b, j]
            bits = int(cf[b, CF_GUIDANCE_LOG])
            before = cf[b, CF_BANK_BEFORE]  # (the rows show the bank before the cycle's update)
            for k in range(_GUIDANCE_LOGGED.shape[1]):  # (one call site: the logging is inlined)
                if bits & _GUIDANCE_LOGGED[0, k]:
                    _log_event(b, _GUIDANCE_LOGGED[1, k], before, bd, w, rec, scr)
            _record(b, bd, w, rec, scr)
        else:  # the step budget ran out (a bound: the history's room decides nothing)
            t[b] = t_s[b] + h[b]
            for j in range(7):
                y[b, j] = y1[b, j]
    return False


@njit(inline="always", **_JIT)
def _scratch():
    """Per-thread scratch arrays: derivative and observables of one state (:func:`_observe`), the root search's
    state, observables, stage and event values, then :func:`_steps1`'s (stage, events at both ends,
    observables), then one body's per-body rows (float and int) for a flight that is no body's
    (:func:`_cruise_balance_masses`'s in vacuum). (One type wherever it is made, so that what takes it is compiled
    once.)"""
    return (np.empty(7), np.empty(NOBS), np.empty(7), np.empty(NOBS), np.empty(7), np.empty(N_EV),
            (np.empty(7), np.empty(N_EV), np.empty(N_EV), np.empty(NOBS)),
            (np.empty((1, NCF)), np.empty((1, NCI), dtype=np.int64)))


@njit(**_JIT, no_cfunc_wrapper=True)  # (called from Python only: no C-callable wrapper of its tuples)
def fly_cases(lo, hi, bd, cs, w, seq, tab, rec, wk, fly_body):
    """Cases ``lo <= c < hi`` of the call's rows fly from entry interface (their vehicle's start) until every
    body has stopped: the event log, the outcomes, the per-case results and (with room for them) the history
    rows are written in place (see the module's docstring for the arguments; ``fly_body``: the address of
    :func:`_fly_body` for them, :func:`body_address`). Cases are independent and the
    function holds no GIL: disjoint ranges may run on concurrent threads. Returns the number of the first case
    (call rows) whose body met more events than a body can, or -1 (always: that bound is never reached)."""
    t, y, cf, ci = bd
    p = w[0]
    n_slots = int(p[P_N_SLOTS])
    scr = _scratch()
    released = p[P_CBM_RELEASE] != 0.0
    for c in range(lo, hi):
        v = c * n_slots
        if released:  # the cruise balance masses, released before entry interface
            _cruise_balance_masses(v, bd, cs, w, seq[1][S_COAST], scr[7])
        for k in range(2 if released else 1):  # the entry interface; the cruise balance masses' release before it
            _log_event(v + k, _START_LOGGED[k], cf[v, CF_BANK], bd, w, rec, scr)
        for b in range(v, v + n_slots):
            if _flying(b, ci):
                _record(b, bd, w, rec, scr)
        more = True
        while more:  # a body released into an earlier slot than the body that released it flies in a later pass
            more = False
            for b in range(v, v + n_slots):
                if _flying(b, ci):
                    more = True
                    if not call_bool(fly_body, (b, bd, cs, w, seq, tab, rec, wk, scr)):
                        return c
        for j in range(NPK):
            cs[1][c, RES_PK + j] = wk[4][v, j]
    return -1


@njit(**_JIT, no_cfunc_wrapper=True)
def observe_bodies(idx, bd, w):
    """Observables (len(idx), NOBS) of bodies ``idx`` at their states now (their columns refreshed first)."""
    p = w[0]
    obs = np.empty((idx.shape[0], NOBS))
    scr = _scratch()
    for k in range(idx.shape[0]):
        b = idx[k]
        _observe(b, _bank(b, bd, p), bd, w, scr)
        ob = scr[1]
        for j in range(NOBS):
            obs[k, j] = ob[j]
    return obs


def _signatures(bd, cs, w, seq, tab, rec, wk) -> dict:
    """The argument types of :func:`fly_cases`, of :func:`_fly_body`, of :func:`_apply_event` and of a step
    (:func:`marsedl.kernels.dynamics._step_s`) as the flight calls them, for the types of ``fly_cases``'s arguments
    after its case range."""
    i8, f8, T = types.int64, types.float64, typeof
    scr = T(_scratch.py_func())
    return {fly_cases: (i8, i8, T(bd), T(cs), T(w), T(seq), T(tab), T(rec), T(wk), i8),
            _fly_body: (i8, T(bd), T(cs), T(w), T(seq), T(tab), T(rec), T(wk), scr),
            _apply_event: (i8, i8, T(bd), T(cs), T(w), T(tab), T(rec), scr),
            _step_s: (f8, f8, types.UniTuple(f8, 7), types.UniTuple(f8, 4), i8, T(bd[2]), T(bd[3]), T(w))}


def body_address(bd, cs, w, seq, tab, rec, wk) -> int:
    """The last argument of :func:`fly_cases` for these arguments (after its case range): the address of
    :func:`_fly_body` compiled (or loaded from the cache) for the types it is called with. The case loop calls a
    body's event loop through it, so that the case loop's machine code does not hold the whole flight again
    (:mod:`marsedl.kernels.calls`)."""
    key = compute_fingerprint((bd, cs, w, seq, tab, rec, wk))  # (the types, in a fraction of a microsecond)
    addr = _BODY_ADDRESSES.get(key)
    if addr is None:
        addr = _BODY_ADDRESSES[key] = address(_fly_body, _signatures(bd, cs, w, seq, tab, rec, wk)[_fly_body])
    return addr


def compile_half(bd, cs, w, seq, tab, rec, wk) -> None:
    """Compile, without flying, the part of the flight that a first run's own compile reaches last, for the types of
    :func:`fly_cases`'s arguments after its case range: what events do (:func:`_apply_event` and all it calls) and
    the case loop (:func:`fly_cases`, which does not link a body's event loop: :func:`body_address`); then
    :func:`observe_bodies` and :func:`marsedl.kernels.dynamics.table_at_mach`, which an engine's run calls after
    the flight. A new install's first run has a second process do this while the first compiles a body's event
    loop (:func:`_fly_body`: its steps, guidance and event search); both write the same on-disk cache, where the
    first process's compile then finds them. The step (:func:`marsedl.kernels.dynamics._step_s`) comes first: both
    halves call it, and the helper has it cached (some 6 s in) well before the first process reaches it (some 15 s
    in, after the forces, the event functions and the guidance), which then loads it rather than compiling it."""
    sig = _signatures(bd, cs, w, seq, tab, rec, wk)
    _step_s.compile(sig[_step_s])
    _apply_event.compile(sig[_apply_event])
    fly_cases.compile(sig[fly_cases])
    rows = types.int64[::1]
    observe_bodies.compile((rows, typeof(bd), typeof(w)))
    table_at_mach.compile((typeof(w[2]), rows, types.float64[::1], typeof(w[0])))
