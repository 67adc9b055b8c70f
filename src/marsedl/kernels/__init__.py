"""Compiled (numba) kernels of the engine's hot path: derivatives, RK4 steps and event functions of all bodies.

Why: a single nominal case is a population of one body at a time, so the NumPy engine spends nearly all its
time in per-call overhead (about 60 small array operations per derivative evaluation); a 10,000-case batch
spends it in temporaries. These kernels evaluate each body's forces in one fused scalar loop (gravity with
J2, Coriolis and centrifugal terms, the atmosphere grid, Mach tables, lift with bank, parachute inflation,
thrust), and :func:`fly_cases` flies whole cases: each body from event to event (RK4 steps at the phase's step
size, the entry guidance (bank) and the powered-descent thrust law at the start of each step, the event
functions at each step's end, reused as the next step's start, peak loads and history rows along the way), each
event located inside its step and carried out by the compiled interpreter of the sequence's actions
(:mod:`~marsedl.kernels.actions`), the released bodies flown to their own ends. Python only prepares the arrays
and packages the results (:mod:`marsedl.engine`).

Per-body helpers are compiled without numba's reference-counting runtime (``_nrt=False``: they never
allocate), so a call does not atomically count references to each of its array arguments; that bookkeeping
cost more than a derivative's arithmetic. The kernels are compiled ``nogil``: :class:`marsedl.engine.Engine`
(``threads=N``) runs :func:`fly_cases` on disjoint ranges of cases from Python threads. There is no numba
``parallel`` kernel: an OpenMP thread pool in the parent makes a later ``fork`` (Monte Carlo workers) abort.

Compile time: numba gives each compiled function machine code of its own, re-optimising its callees inside it.
A helper with one caller and a modest body (a body's step, derivative, RK4 and midpoint stages) is therefore
inlined into that caller in numba's IR (``inline="always"``), and a helper called with constant arguments has one
explicit signature (numba would compile a copy per constant). The larger ones (forces, events, entry guidance,
thrust, a body's stepping loop) stay separate: inlined, numba types them again inside a larger function, which
costs more than the call's extra machine code. Helpers that only compiled code calls have no Python or cfunc
wrappers (:data:`marsedl.laws._jit.INNER`). The case loop calls a body's event loop through its address
(:mod:`~marsedl.kernels.calls`), so that its machine code does not hold the whole flight a second time.

Each law the kernels apply (gravity, the frame terms, the reference ellipsoid, canopy inflation, heating, the
navigated state, the triggers, the entry guidance and the powered-descent guidance) is a compiled function of
:mod:`marsedl.laws`, the one the Python API calls too; this module adds only the data layout, the atmosphere
and table look-ups, the RK4 stages and the stepping loop.

Data layout (all arrays are float64 unless said):

``cf`` (n, NCF)
    Per-body controls and case values held over a step (columns ``CF_*``).
``ci`` (n, NCI) int64
    Per-body aero table, atmosphere row, case index and phase (columns ``CI_*``).
``p`` (NP,)
    Constants of the run: planet, site, grids, vehicle and event thresholds (indices ``P_*``).
``obs`` (n, NOBS)
    Observables of a state (columns ``O_*``): altitudes, speeds, Mach, q, density, sensed acceleration,
    local up, gravity with the frame terms (no aerodynamics, no thrust), drag acceleration, radius, sin lat,
    the parachute's own drag force (N; 0 without one).

Compiled functions use ``cache=True``: the first call on a machine compiles them (a few seconds, reported by
``benchmarks/bench_nominal.py``) and stores the machine code next to this file's ``__pycache__``; later
processes load it.

Modules: :mod:`~marsedl.kernels.layout`, :mod:`~marsedl.kernels.dynamics`, :mod:`~marsedl.kernels.events`,
:mod:`~marsedl.kernels.control`, :mod:`~marsedl.kernels.advance` (a body's steps between its events),
:mod:`~marsedl.kernels.actions` (what each event does), :mod:`~marsedl.kernels.case` (a whole case),
:mod:`~marsedl.kernels.calls` (a call through an address); everything is
importable from ``marsedl.kernels``.
"""

from marsedl.kernels.advance import advance_outputs  # noqa: F401
from marsedl.kernels.case import (  # noqa: F401
    MAX_EVENTS_PER_BODY,
    body_address,
    compile_half,
    fly_cases,
    observe_bodies,
)
from marsedl.kernels.dynamics import table_at_mach  # noqa: F401
from marsedl.kernels.layout import *  # noqa: F401,F403
