"""The EDL sequence as data: every event of a flight, declared once, with what it does.

Each :class:`EventSpec` says what the event is called, in which phases the compiled kernels evaluate its event
function (a continuous function of the state that falls through zero when the event happens; ``()`` for the
events the engine logs itself: entry interface, guidance events, the cruise balance masses' release), whether it
belongs to the vehicle's timeline and to the Monte Carlo table's per-case columns, and what it does: a short list
of primitive :class:`Action` rows (log it, set the phase, set the aerodynamic model, release a part, end the case,
mark the time, or a named special action for what is not a primitive), which
the compiled interpreter :func:`marsedl.kernels.actions._apply_event` carries out in order (as rows of the
run's action table, :func:`marsedl.engine.actions.action_table`).

From this table come the event codes (:class:`Ev`), the kernels' event columns (the continuous events, in the
order of the table, which is also their priority when two happen at the same instant of a step), the matrix of
armed events per phase, the timeline and the Monte Carlo columns. Adding a built-in event touches three places:
its row here, its event function in :mod:`marsedl.kernels.events` (column ``event_column(name)``), and, only if
it does something no primitive does, a special action in :mod:`marsedl.kernels.actions`.

A preset adds its own events without code (:mod:`marsedl.preset_events`): each takes one of the
:data:`N_GENERIC` generic event columns that follow the built-in ones, whose condition is a threshold on one of
:data:`OBSERVABLES` (evaluated in the kernels from a small per-run table), and its actions are rows of the same
kind. The compiled code is the same whatever the preset: the generic columns are always there, never armed
unless a preset fills them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum

import numpy as np

from marsedl.phase import Phase

__all__ = ["AERO_MODELS", "EVENTS", "N_GENERIC", "OBSERVABLES", "Action", "EventSpec", "Ev", "Op", "Outcome", "Part",
           "event_column"]

#: every phase of a body in flight
_FLYING = tuple(p for p in Phase if p not in (Phase.UNBORN, Phase.DONE))


class Outcome(IntEnum):
    """How a case ended. Only LANDED is a landing; the others are results, not crashes of the program."""

    RUNNING = 0
    LANDED = 1
    SKIP_OUT = 2
    PARACHUTE_NOT_DEPLOYED = 3
    GROUND_IMPACT_BEFORE_TOUCHDOWN = 4
    PROPELLANT_EXHAUSTED = 5
    TIMEOUT = 6
    STOPPED = 7  # planning runs that stop at a speed; a lone body still flying at its end time
    IMPACT = 8  # a lone body (marsedl.body) reached the ground: the end of its flight


#: The vehicle's aerodynamic models by name, in the order of its tables (marsedl.vehicle.AERO_TRIM ... are their
#: indices): what Op.SET_AERO and a released part fly with.
AERO_MODELS = ("trim", "zero_alpha", "heat_shield", "cruise_balance_mass", "entry_balance_mass", "backshell",
               "descent_stage", "powered_descent_vehicle")


class Op(IntEnum):
    """Primitive actions of an event (integer codes, so that a later step can carry them into compiled code)."""

    LOG = 0  # log the event (its row in the event log, the timeline)
    SET_PHASE = 1  # arg: the Phase
    SET_AERO = 2  # arg: the aero table (marsedl.vehicle.AERO_*)
    RELEASE = 3  # arg: the part (an index into the engine's parts table, marsedl.engine.actions.Part)
    END = 4  # arg: the Outcome of a case still running (the event's bodies stop: phase DONE)
    MARK = 5  # the bodies' time mark (t_mark) := now
    SPECIAL = 6  # arg: index of a named special action in marsedl.kernels.actions.SPECIALS


@dataclass(frozen=True)
class Action:
    """One primitive action: an :class:`Op` and its integer argument (see :class:`Op`)."""

    op: Op
    arg: int = 0


@dataclass(frozen=True)
class Part:
    """A part an event can release (the argument of ``Op.RELEASE`` is its index in the engine's parts,
    :func:`marsedl.engine.actions.parts_table`).

    ``mass_kg`` and ``delta_v_m_s`` are numbers, or the names of the per-case columns of
    :class:`marsedl.engine.CaseInputs` (resolved) that Monte Carlo disperses; ``sign`` is +1 for a push along the
    velocity, -1 against it."""

    slot: int
    aero_id: int
    mass_kg: float | str
    delta_v_m_s: float | str
    sign: float


#: built-in parts an event can release (the part index of Op.RELEASE): their slot, mass, aero and push are the
#: engine's (marsedl.engine.actions.parts_table); a preset's parts come after these
PART_HEAT_SHIELD, PART_BACKSHELL = 0, 1
#: named special actions (the arg of Op.SPECIAL), as in marsedl.kernels.actions.SPECIALS
SPECIAL_NAMES = ("impact_outcome", "timeout_outcome", "entry_balance_masses", "entry_balance_masses_from_entry",
                 "deploy_bookkeeping", "descent_stage_start", "powered_descent_aim", "descent_stage_hover",
                 "propellant_outcome")


def _sp(name: str) -> Action:
    return Action(Op.SPECIAL, SPECIAL_NAMES.index(name))


def _phase(p: Phase) -> Action:
    return Action(Op.SET_PHASE, int(p))


def _aero(k: int) -> Action:
    return Action(Op.SET_AERO, k)


_LOG = Action(Op.LOG)
_ZERO_ALPHA, _DESCENT_STAGE, _PDV = (AERO_MODELS.index(n) for n in ("zero_alpha", "descent_stage",
                                                                     "powered_descent_vehicle"))
_LANDED, _SKIP_OUT, _STOPPED = Outcome.LANDED, Outcome.SKIP_OUT, Outcome.STOPPED


@dataclass(frozen=True)
class EventSpec:
    """One event of the EDL sequence.

    Attributes
    ----------
    name : str
        Its name in the timeline, the JSON and the Monte Carlo columns.
    armed : tuple of Phase
        Phases in which the kernels evaluate its event function; empty for an event the engine logs itself.
    timeline : bool
        Shown in the vehicle's timeline (``marsedl simulate``, the report).
    columns : bool
        Gets per-case columns (time, altitude, speed... of its first occurrence) in the Monte Carlo table.
    actions : tuple of Action
        What it does, in order (continuous events).
    """

    name: str
    armed: tuple[Phase, ...] = ()
    timeline: bool = False
    columns: bool = False
    actions: tuple[Action, ...] = ()


EVENTS: tuple[EventSpec, ...] = (
    # logged by the engine (no event function)
    EventSpec("entry_interface", timeline=True),
    EventSpec("guidance_start", timeline=True, columns=True),
    EventSpec("bank_reversal", timeline=True, columns=True),
    EventSpec("heading_alignment", timeline=True, columns=True),
    EventSpec("cruise_balance_mass_separation"),
    # continuous events, in the order of their priority within a step
    EventSpec("impact", _FLYING, timeline=True, actions=(_LOG, _phase(Phase.DONE), _sp("impact_outcome"))),
    EventSpec("skip_out", (Phase.ENTRY,), timeline=True, actions=(_LOG, Action(Op.END, _SKIP_OUT))),
    EventSpec("stop_speed", (Phase.ENTRY, Phase.SUFR), actions=(_LOG, Action(Op.END, _STOPPED))),  # planning runs
    # Straighten Up and Fly Right: the entry balance masses go, the capsule flies at zero angle of attack
    EventSpec("sufr", (Phase.ENTRY,), timeline=True, columns=True,
              actions=(_LOG, _phase(Phase.SUFR), _aero(_ZERO_ALPHA), _sp("entry_balance_masses"))),
    # armed in entry only for a sequence without SUFR (kernels.events: the flight software waits in SUFR); mortar
    # fire, the canopy inflates from line stretch
    EventSpec("parachute_deploy", (Phase.ENTRY, Phase.SUFR), timeline=True, columns=True,
              actions=(_sp("entry_balance_masses_from_entry"), _LOG, _phase(Phase.CHUTE), _aero(_ZERO_ALPHA),
                       _sp("deploy_bookkeeping"))),
    # the heat shield drops away, pushed along the velocity by its springs
    EventSpec("heat_shield_separation", (Phase.CHUTE,), timeline=True, columns=True,
              actions=(_LOG, _phase(Phase.CHUTE_NO_HS), Action(Op.RELEASE, PART_HEAT_SHIELD))),
    # the powered descent vehicle falls free of the backshell and parachute (slowed by the separation push)
    EventSpec("backshell_separation", (Phase.CHUTE_NO_HS,), timeline=True, columns=True,
              actions=(_LOG, _phase(Phase.FREEFALL), _aero(_PDV), Action(Op.MARK),
                       Action(Op.RELEASE, PART_BACKSHELL), _sp("descent_stage_start"))),
    EventSpec("powered_descent_start", (Phase.FREEFALL,), timeline=True, columns=True,
              actions=(_LOG, _phase(Phase.POWERED), _sp("powered_descent_aim"))),
    # the powered descent's phases (MSL and Mars 2020): approach to a gate, constant velocity, constant deceleration
    EventSpec("constant_velocity_start", (Phase.POWERED,), timeline=True, columns=True,
              actions=(_LOG, _phase(Phase.CONSTANT_VELOCITY))),
    EventSpec("constant_deceleration_start", (Phase.CONSTANT_VELOCITY,), timeline=True, columns=True,
              actions=(_LOG, _phase(Phase.CONSTANT_DECELERATION))),
    EventSpec("sky_crane_start", (Phase.CONSTANT_DECELERATION,), timeline=True, columns=True,
              actions=(_LOG, _phase(Phase.SKY_CRANE))),
    # the rover is on the ground: the case has landed; the descent stage hovers until the bridles are cut
    EventSpec("touchdown", (Phase.SKY_CRANE,), timeline=True, columns=True,
              actions=(_LOG, Action(Op.END, _LANDED), _sp("descent_stage_hover"))),
    EventSpec("flyaway", (Phase.HOVER,), timeline=True, columns=True,
              actions=(_LOG, _phase(Phase.FLYAWAY), Action(Op.MARK))),
    EventSpec("flyaway_burn_end", (Phase.FLYAWAY,), actions=(_phase(Phase.BALLISTIC), _aero(_DESCENT_STAGE))),
    EventSpec("propellant_exhausted", (Phase.POWERED, Phase.CONSTANT_VELOCITY, Phase.CONSTANT_DECELERATION,
                                       Phase.SKY_CRANE, Phase.HOVER, Phase.FLYAWAY), timeline=True,
              actions=(_LOG, _sp("propellant_outcome"), _phase(Phase.BALLISTIC))),
    EventSpec("timeout", _FLYING, timeline=True, actions=(_LOG, _phase(Phase.DONE), _sp("timeout_outcome"))),
)

#: Event codes, one per row of :data:`EVENTS` (``Ev.PARACHUTE_DEPLOY`` ...).
Ev = IntEnum("Ev", [(e.name.upper(), k) for k, e in enumerate(EVENTS)], module=__name__)
Ev.__doc__ = "Event codes: the rows of marsedl.sequence.EVENTS."

#: The continuous events, in the order of the kernels' event columns.
CONTINUOUS: tuple[Ev, ...] = tuple(Ev(k) for k, e in enumerate(EVENTS) if e.armed)

#: Generic event columns after the built-in ones, for a preset's events (their conditions are a per-run table:
#: marsedl.kernels.events); a fixed number, so that the compiled code does not depend on the preset.
N_GENERIC = 8
#: the first generic column; a preset's k-th event is column GENERIC0 + k and event code len(EVENTS) + k
GENERIC0 = len(CONTINUOUS)

#: What a generic condition can watch (its index is the kernels' code): altitude above the ground and above the
#: MOLA areoid (m), speed relative to the planet (m/s), Mach number, dynamic pressure (Pa), flight time from entry
#: interface (s), time since parachute deploy (s; never before it), time since the body's time mark (s: the
#: vehicle's is set at backshell separation, the descent stage's at touchdown and fly-away; never before one)
OBSERVABLES = ("alt_agl_m", "alt_mola_m", "speed_m_s", "mach", "dynamic_pressure_pa", "time_s",
               "time_since_deploy_s", "time_since_mark_s")


@dataclass(frozen=True)
class GenericEvent:
    """A preset's event, compiled (:mod:`marsedl.preset_events` builds it): it takes the next generic column.

    Attributes
    ----------
    name : str
        Its name (none of :data:`EVENTS`').
    armed : tuple of Phase
        Phases in which its condition is evaluated.
    observable : int
        Index into :data:`OBSERVABLES`.
    threshold : float
        The value (SI) at which it happens.
    sign : float
        +1: it happens as the observable falls to the threshold (below); -1: as it rises to it (above).
    timeline : bool
        Shown in the vehicle's timeline.
    actions : tuple of Action
        What it does (its first action logs it).
    """

    name: str
    armed: tuple[Phase, ...]
    observable: int
    threshold: float
    sign: float
    timeline: bool
    actions: tuple[Action, ...]

    def without_end(self) -> GenericEvent:
        """This event without its ``Op.END`` actions (the planning flights: marsedl.flight.plan_mission)."""
        return replace(self, actions=tuple(a for a in self.actions if a.op != Op.END))


def event_names(preset_events: tuple[GenericEvent, ...] = ()) -> tuple[str, ...]:
    """The name of every event code of a run: the built-in events', then its preset's."""
    return tuple(e.name for e in (*EVENTS, *preset_events))


def timeline_codes(preset_events: tuple[GenericEvent, ...] = ()) -> tuple[int, ...]:
    """The codes of the events of a run's vehicle timeline."""
    return tuple(k for k, e in enumerate((*EVENTS, *preset_events)) if e.timeline)


def event_column(name: str) -> int:
    """The kernels' event column of the built-in continuous event ``name``."""
    return CONTINUOUS.index(Ev[name.upper()])


#: armed[phase, column]: the kernels evaluate that event function in that phase (the generic columns: never;
#: an engine arms the ones its preset fills, see marsedl.engine.actions.armed_matrix)
ARMED = np.zeros((len(Phase), len(CONTINUOUS) + N_GENERIC), dtype=bool)
for _k, _code in enumerate(CONTINUOUS):
    ARMED[list(EVENTS[_code].armed), _k] = True
