"""The EDL sequence as data: every event of a flight, declared once.

Each :class:`EventSpec` says what the event is called, in which phases the compiled kernels evaluate its event
function (a continuous function of the state that falls through zero when the event happens; ``()`` for the
events the engine logs itself: entry interface, guidance events, the cruise balance masses' release), whether it
belongs to the vehicle's timeline and to the Monte Carlo table's per-case columns, and the name of its handler
(what it does: switch the phase and the aerodynamics, drop mass, spawn bodies, end the flight), found in
:data:`marsedl.engine.handlers.HANDLERS`.

From this table come the event codes (:class:`Ev`), the kernels' event columns (the continuous events, in the
order of the table, which is also their priority when two happen at the same instant of a step), the matrix of
armed events per phase, the timeline and the Monte Carlo columns. Adding an event touches three places: its row
here, its event function in :mod:`marsedl.kernels.events` (column ``event_column(name)``), and its handler in
:mod:`marsedl.engine.handlers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from marsedl.phase import Phase

__all__ = ["EVENTS", "EventSpec", "Ev", "event_column"]

#: every phase of a body in flight
_FLYING = tuple(p for p in Phase if p not in (Phase.UNBORN, Phase.DONE))


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
    handler : str or None
        Name of its handler in :data:`marsedl.engine.handlers.HANDLERS` (continuous events).
    """

    name: str
    armed: tuple[Phase, ...] = ()
    timeline: bool = False
    columns: bool = False
    handler: str | None = None


EVENTS: tuple[EventSpec, ...] = (
    # logged by the engine (no event function)
    EventSpec("entry_interface", timeline=True),
    EventSpec("guidance_start", timeline=True, columns=True),
    EventSpec("bank_reversal", timeline=True, columns=True),
    EventSpec("heading_alignment", timeline=True, columns=True),
    EventSpec("cruise_balance_mass_separation"),
    # continuous events, in the order of their priority within a step
    EventSpec("impact", _FLYING, timeline=True, handler="impact"),
    EventSpec("skip_out", (Phase.ENTRY,), timeline=True, handler="skip_out"),
    EventSpec("stop_speed", (Phase.ENTRY, Phase.SUFR), handler="stop_speed"),  # planning runs
    EventSpec("sufr", (Phase.ENTRY,), timeline=True, columns=True, handler="sufr"),
    # armed in entry only for a sequence without SUFR (kernels.events: the flight software waits in SUFR)
    EventSpec("parachute_deploy", (Phase.ENTRY, Phase.SUFR), timeline=True, columns=True,
              handler="parachute_deploy"),
    EventSpec("heat_shield_separation", (Phase.CHUTE,), timeline=True, columns=True,
              handler="heat_shield_separation"),
    EventSpec("backshell_separation", (Phase.CHUTE_NO_HS,), timeline=True, columns=True,
              handler="backshell_separation"),
    EventSpec("powered_descent_start", (Phase.FREEFALL,), timeline=True, columns=True,
              handler="powered_descent_start"),
    # the powered descent's phases (MSL and Mars 2020): approach to a gate, constant velocity, constant deceleration
    EventSpec("constant_velocity_start", (Phase.POWERED,), timeline=True, columns=True,
              handler="constant_velocity_start"),
    EventSpec("constant_deceleration_start", (Phase.CONSTANT_VELOCITY,), timeline=True, columns=True,
              handler="constant_deceleration_start"),
    EventSpec("sky_crane_start", (Phase.CONSTANT_DECELERATION,), timeline=True, columns=True,
              handler="sky_crane_start"),
    EventSpec("touchdown", (Phase.SKY_CRANE,), timeline=True, columns=True, handler="touchdown"),
    EventSpec("flyaway", (Phase.HOVER,), timeline=True, columns=True, handler="flyaway"),
    EventSpec("flyaway_burn_end", (Phase.FLYAWAY,), handler="flyaway_burn_end"),
    EventSpec("propellant_exhausted", (Phase.POWERED, Phase.CONSTANT_VELOCITY, Phase.CONSTANT_DECELERATION,
                                       Phase.SKY_CRANE, Phase.HOVER, Phase.FLYAWAY), timeline=True,
              handler="propellant_exhausted"),
    EventSpec("timeout", _FLYING, timeline=True, handler="timeout"),
)

#: Event codes, one per row of :data:`EVENTS` (``Ev.PARACHUTE_DEPLOY`` ...).
Ev = IntEnum("Ev", [(e.name.upper(), k) for k, e in enumerate(EVENTS)], module=__name__)
Ev.__doc__ = "Event codes: the rows of marsedl.sequence.EVENTS."

#: The continuous events, in the order of the kernels' event columns.
CONTINUOUS: tuple[Ev, ...] = tuple(Ev(k) for k, e in enumerate(EVENTS) if e.armed)


def event_column(name: str) -> int:
    """The kernels' event column of the continuous event ``name``."""
    return CONTINUOUS.index(Ev[name.upper()])


#: armed[phase, column]: the kernels evaluate that event function in that phase
ARMED = np.zeros((len(Phase), len(CONTINUOUS)), dtype=bool)
for _k, _code in enumerate(CONTINUOUS):
    ARMED[list(EVENTS[_code].armed), _k] = True
