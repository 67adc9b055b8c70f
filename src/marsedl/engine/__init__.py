"""The batched EDL engine: every body of every case integrated together, with events located inside the step.

One engine serves a single nominal run (a population of one case) and a 10,000-case Monte Carlo alike.

State
    Each body carries a planet-fixed state ``y = (x, y, z, vx, vy, vz, m)`` in the rotating Mars frame (so the
    equations hold the Coriolis and centrifugal terms), its own time ``t`` and a *phase* (what forces act on it
    and which events can happen next). Bodies advance with their own step sizes (small while a parachute opens
    or engines fire, large for a falling balance mass), so nothing waits for the slowest body.
Integrator
    Classical fourth-order Runge–Kutta, fixed step per phase. Controls (bank angle, thrust vector) are computed
    by the guidance at the start of each step and held over it, as a flight computer does at its cycle rate.
Events
    Each event is a continuous function ``g`` of the state that falls through zero when the event happens
    (deploy trigger, heat-shield separation, altitude crossings, touchdown, impacts, time delays). When a step
    brackets a root, the root is found by regula falsi (Illinois) on partial RK4 steps from the step's start, so
    events are located inside the step to the integrator's accuracy, not snapped to the grid. The earliest event
    of each body is applied (phase change, mass drop, a new body spawned with its separation velocity), then the
    body continues from the event time.
Compiled
    A whole case flies in compiled code (:func:`marsedl.kernels.fly_cases`): its bodies' steps, the events and
    their actions, the guidance, the released bodies, the event log and the histories. The engine prepares the
    arrays, calls it for a bounded number of cases at a time (on its threads, over disjoint cases: the results do
    not depend on the thread count or the chunking) and packages the results.

Nothing here reads files or prints; all inputs arrive as arrays and frozen configuration objects.

Modules: :mod:`~marsedl.engine.config` (outcomes, configuration, per-case inputs, output),
:mod:`~marsedl.engine.core` (:class:`Engine`), :mod:`~marsedl.engine.actions` (each event's actions and the
parts, as the compiled interpreter's tables), :mod:`~marsedl.engine.state` (the run's arrays, the event log's
columns, the navigated state) and
:mod:`~marsedl.engine.compiled` (constants and tables for :mod:`marsedl.kernels`), :mod:`~marsedl.engine.warm` (a
new install's first flight compiled on two cores). The events themselves are
declared once in :mod:`marsedl.sequence`, the phases in :mod:`marsedl.phase`. Everything is importable from
``marsedl.engine``.
"""

# private names too: the tests of the kernels and of the engine's internals import them from here
from marsedl.engine.compiled import _guidance_tables, _KernelData  # noqa: F401
from marsedl.engine.config import (  # noqa: F401
    _ARMED,
    _CONTINUOUS,
    _N_EV,
    EVENT_NAMES,
    G0,
    OUTCOME_NAMES,
    CaseInputs,
    EngineConfig,
    EngineOutput,
    Ev,
    Outcome,
    Phase,
    Sequence,
    Steps,
)
from marsedl.engine.core import Engine
from marsedl.engine.state import (  # noqa: F401
    RunArrays,
    navigated_state,
    unit_vector,
)

__all__ = [
    "EVENT_NAMES",
    "G0",
    "OUTCOME_NAMES",
    "CaseInputs",
    "Engine",
    "EngineConfig",
    "EngineOutput",
    "Ev",
    "Outcome",
    "Phase",
    "Sequence",
    "Steps",
    "navigated_state",
    "unit_vector",
]
