"""What one force evaluation costs (:func:`marsedl.kernels.dynamics._core`), called as the engine calls it: out of
line (as the event search and a guidance cycle's new bank call it), inlined (as a step calls it,
:func:`~marsedl.kernels.dynamics._step_s`), and inlined with two or four independent evaluations interleaved, as
a lockstep of several cases would evaluate them.

Usage::

    python benchmarks/bench_forces.py [--rounds 3] [--repeat 400]

The states are the nominal Mars 2020 entry's, the first 256 recorded ones (a lifting vehicle in the Mars-GRAM
winds, above the density grid's top where the profile is extended); each evaluation depends on the one before
(its x position gets 1e-300 of the last result), so that a chain cannot overlap itself. Prints ns per evaluation
of each, the best of ``--rounds``, and each one's speed as a ratio against the out-of-line call measured in the
same round. If the interleaved chains are not faster than one, an evaluation is not bound by the latency of its
chain of dependent operations, and a lockstep of cases would gain little.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from numba import njit

import marsedl
from marsedl import kernels as K
from marsedl.engine import Engine
from marsedl.kernels.dynamics import _core, _core_inline
from marsedl.montecarlo import plan_run

_OPTS = {"error_model": "numpy", "_nrt": False}  # as the engine's kernels (no reference counting)


@njit(**_OPTS)
def out_of_line(S, n, cf, ci, w):
    acc = 0.0
    for _ in range(n):
        for k in range(S.shape[0]):
            r = _core(0.0, (S[k, 0] + acc * 1e-300, S[k, 1], S[k, 2], S[k, 3], S[k, 4], S[k, 5], S[k, 6]), 0,
                      cf, ci, w)
            acc += r[0]
    return acc


@njit(**_OPTS)
def inlined(S, n, cf, ci, w):
    acc = 0.0
    for _ in range(n):
        for k in range(S.shape[0]):
            r = _core_inline(0.0, (S[k, 0] + acc * 1e-300, S[k, 1], S[k, 2], S[k, 3], S[k, 4], S[k, 5], S[k, 6]),
                             0, cf, ci, w)
            acc += r[0]
    return acc


@njit(**_OPTS)
def two_chains(S, n, cf, ci, w):
    a0 = a1 = 0.0
    m = S.shape[0] // 2
    for _ in range(n):
        for k in range(m):
            q = k + m
            r0 = _core_inline(0.0, (S[k, 0] + a0 * 1e-300, S[k, 1], S[k, 2], S[k, 3], S[k, 4], S[k, 5], S[k, 6]),
                              0, cf, ci, w)
            r1 = _core_inline(0.0, (S[q, 0] + a1 * 1e-300, S[q, 1], S[q, 2], S[q, 3], S[q, 4], S[q, 5], S[q, 6]),
                              1, cf, ci, w)
            a0 += r0[0]
            a1 += r1[0]
    return a0 + a1


@njit(**_OPTS)
def four_chains(S, n, cf, ci, w):
    a0 = a1 = a2 = a3 = 0.0
    m = S.shape[0] // 4
    for _ in range(n):
        for k in range(m):
            q1, q2, q3 = k + m, k + 2 * m, k + 3 * m
            r0 = _core_inline(0.0, (S[k, 0] + a0 * 1e-300, S[k, 1], S[k, 2], S[k, 3], S[k, 4], S[k, 5], S[k, 6]),
                              0, cf, ci, w)
            r1 = _core_inline(0.0, (S[q1, 0] + a1 * 1e-300, S[q1, 1], S[q1, 2], S[q1, 3], S[q1, 4], S[q1, 5],
                                    S[q1, 6]), 1, cf, ci, w)
            r2 = _core_inline(0.0, (S[q2, 0] + a2 * 1e-300, S[q2, 1], S[q2, 2], S[q2, 3], S[q2, 4], S[q2, 5],
                                    S[q2, 6]), 2, cf, ci, w)
            r3 = _core_inline(0.0, (S[q3, 0] + a3 * 1e-300, S[q3, 1], S[q3, 2], S[q3, 3], S[q3, 4], S[q3, 5],
                                    S[q3, 6]), 3, cf, ci, w)
            a0 += r0[0]
            a1 += r1[0]
            a2 += r2[0]
            a3 += r3[0]
    return a0 + a1 + a2 + a3


def _inputs():
    """The first 256 entry states of the nominal Mars 2020 flight, and four bodies' rows set as a lifting entry
    vehicle's (bank 36.9 degrees, the atmosphere's first row, no parachute, no thrust)."""
    ctx = plan_run("mars2020")
    w = Engine(ctx.setup.config)._k.world()
    h = marsedl.simulate("mars2020").history
    sel = (h["body"] == 0) & (h["phase"] == K.PH_ENTRY)
    S = np.ascontiguousarray(np.stack([h[k][sel] for k in ("x", "y", "z", "vx", "vy", "vz", "mass")], axis=1)[:256])
    cf = np.zeros((4, K.NCF))
    ci = np.zeros((4, K.NCI), dtype=np.int64)
    for col, v in ((K.CF_DENSITY_FACTOR, 1.0), (K.CF_CD_SCALE, 1.0), (K.CF_CL_SCALE, 1.0), (K.CF_LIFTING, 1.0),
                   (K.CF_WIND_SCALE, 1.0), (K.CF_COS_BANK, 0.8), (K.CF_SIN_BANK, 0.6), (K.CF_T_LINE_STRETCH, np.inf)):
        cf[:, col] = v
    ci[:, K.CI_PHASE] = K.PH_ENTRY
    return S, cf, ci, w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=400)
    a = ap.parse_args()
    S, cf, ci, w = _inputs()
    fns = (out_of_line, inlined, two_chains, four_chains)
    for f in fns:
        f(S, 1, cf, ci, w)  # compile
    best = {f.__name__: np.inf for f in fns}
    ratio = {f.__name__: 0.0 for f in fns}
    for _ in range(a.rounds):
        ns = {}
        for f in fns:
            t = time.perf_counter()
            f(S, a.repeat, cf, ci, w)
            ns[f.__name__] = 1e9 * (time.perf_counter() - t) / (a.repeat * S.shape[0])
        for k, v in ns.items():
            best[k] = min(best[k], v)
            ratio[k] = max(ratio[k], ns["out_of_line"] / v)
    for k in best:
        print(f"{k:12s} {best[k]:6.1f} ns per evaluation   {ratio[k]:4.2f}x the out-of-line call (best round)")


if __name__ == "__main__":
    main()
