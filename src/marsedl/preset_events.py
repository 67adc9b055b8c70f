"""A preset's own events: the ``[[sequence.events]]`` rows of a preset (pydantic schema) and their compilation into
the engine's generic event rows (:class:`marsedl.sequence.GenericEvent`) and parts.

A row names the event, the phases in which its condition is evaluated, the condition (a threshold on one of
:data:`marsedl.sequence.OBSERVABLES`, reached from above: ``below``, or from below: ``above``) and its actions
(each a one-key table: ``set_aero``, ``release``, ``end``, ``mark``); the event is always logged
first. It happens at most once per body, the first time its condition holds in an armed phase::

    [[sequence.events]]
    name = "radar_activation"
    armed = ["chute"]
    when = {observable = "alt_agl_m", below = 6000.0}
    actions = [{release = {part = "radar_cover", mass_kg = 2.0, aero = "entry_balance_mass", delta_v_m_s = 1.0}}]

A released part is a new body of the case (its slot follows the vehicle's own parts), flies ballistically with the
named aero model and appears in the debris impacts; its mass is part of the entry mass (the vehicle carries it
until the event), so an event that releases one is armed only before backshell separation.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from marsedl.phase import Phase
from marsedl.sequence import (
    AERO_MODELS,
    EVENTS,
    N_GENERIC,
    OBSERVABLES,
    PART_BACKSHELL,
    Action,
    GenericEvent,
    Op,
    Outcome,
    Part,
)
from marsedl.spec_base import Mass, SeparationSpeed, _Spec

__all__ = ["PresetEvent", "check_events", "event_rows", "released_parts"]

_FLYING = tuple(p.name.lower() for p in Phase if p not in (Phase.UNBORN, Phase.DONE))
PhaseName = Literal[_FLYING]  # type: ignore[valid-type]
AeroName = Literal[AERO_MODELS]  # type: ignore[valid-type]
# a preset's event may end a case any way but as a landing (the touchdown's), and not as a lone body's impact
OutcomeName = Literal[tuple(o.name.lower() for o in Outcome  # type: ignore[valid-type]
                            if o not in (Outcome.RUNNING, Outcome.LANDED, Outcome.IMPACT))]
Name = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
#: phases in which the vehicle still carries its entry mass budget (before backshell separation)
_CARRIED = ("entry", "sufr", "chute", "chute_no_hs")
_BUILTIN_BODIES = ("vehicle", "heat_shield", "backshell", "descent_stage")


class When(_Spec):
    """The condition: a threshold on an observable, reached falling (``below``) or rising (``above``)."""

    observable: Literal[OBSERVABLES]  # type: ignore[valid-type]
    below: float | None = None
    above: float | None = None

    @model_validator(mode="after")
    def _one_threshold(self) -> When:
        if (self.below is None) == (self.above is None):
            raise ValueError("give exactly one of below or above (the threshold, in the observable's unit)")
        return self


class Release(_Spec):
    """A part the event releases: a new body with its mass, aero model and separation push."""

    part: str = Name
    mass_kg: Mass
    aero: AeroName
    delta_v_m_s: SeparationSpeed = 0.0
    direction: Literal["along", "against"] = "along"  # the push, along or against the velocity


class ActionSpec(_Spec):
    """One action: exactly one of its keys. (No phase change: the phases and their order are the built-in
    sequence's — a preset's event that put an entry vehicle into, say, the powered descent would fly a vehicle in a
    state no built-in event leads to, and its plan with it.)"""

    set_aero: AeroName | None = None
    release: Release | None = None
    end: OutcomeName | None = None
    mark: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_key(self) -> ActionSpec:
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("an action is a table with exactly one of set_aero, release, end, mark "
                             f"(got {', '.join(given) or 'none'})")
        return self


class PresetEvent(_Spec):
    """One event of a preset (``[[sequence.events]]``)."""

    name: str = Name
    armed: tuple[PhaseName, ...] = Field(min_length=1)
    when: When
    actions: tuple[ActionSpec, ...] = Field(default=(), max_length=8)
    timeline: bool = True

    @model_validator(mode="after")
    def _valid(self) -> PresetEvent:
        builtin = [e.name for e in EVENTS]
        if self.name in builtin:
            raise ValueError(f"name {self.name!r} is a built-in event's; pick another (built-in: {', '.join(builtin)})")
        if any(a.release is not None for a in self.actions) and not set(self.armed) <= set(_CARRIED):
            raise ValueError(f"an event that releases a part is armed only in {', '.join(_CARRIED)}: the part's "
                             "mass is carried in the entry mass until it goes, and after backshell separation the "
                             "descent stage's mass is its own")
        return self

    @property
    def parts(self) -> tuple[Release, ...]:
        return tuple(a.release for a in self.actions if a.release is not None)


def check_events(events: tuple[PresetEvent, ...]) -> None:
    """Rules across a preset's events: names and part names unique, parts not named as the vehicle's bodies."""
    names = [e.name for e in events]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"events: each name once (twice: {', '.join(twice)})")
    parts = [p.part for e in events for p in e.parts]
    twice = sorted({n for n in parts if parts.count(n) > 1 or n in _BUILTIN_BODIES or "balance_mass" in n})
    if twice:
        raise ValueError(f"events: each released part needs its own name, not one of the vehicle's bodies "
                         f"({', '.join(twice)})")


def event_rows(events: tuple[PresetEvent, ...]) -> tuple[GenericEvent, ...]:
    """The engine's rows of a preset's events, each in its generic column, in order. A release action names its
    part by index: the built-in parts first, then the preset's in the order of :func:`released_parts`."""
    if len(events) > N_GENERIC:  # (the schema refuses it; a programmatic caller gets the same rule)
        raise ValueError(f"at most {N_GENERIC} preset events")
    rows, n_parts = [], 0
    for e in events:
        actions = [Action(Op.LOG)]
        for a in e.actions:
            if a.set_aero is not None:
                actions.append(Action(Op.SET_AERO, AERO_MODELS.index(a.set_aero)))
            elif a.end is not None:
                actions.append(Action(Op.END, int(Outcome[a.end.upper()])))
            elif a.mark is not None:
                actions.append(Action(Op.MARK))
            else:
                actions.append(Action(Op.RELEASE, PART_BACKSHELL + 1 + n_parts))
                n_parts += 1
        below = e.when.below is not None
        rows.append(GenericEvent(
            name=e.name, armed=tuple(Phase[p.upper()] for p in e.armed),
            observable=OBSERVABLES.index(e.when.observable), threshold=e.when.below if below else e.when.above,
            sign=1.0 if below else -1.0, timeline=e.timeline, actions=tuple(actions)))
    return tuple(rows)


def released_parts(events: tuple[PresetEvent, ...], first_slot: int) -> tuple[tuple[str, Part], ...]:
    """The parts a preset's events release (name and :class:`~marsedl.sequence.Part`), in the order their events
    and actions list them (the order of :func:`event_rows`' part indices), in body slots from ``first_slot`` on
    (:func:`marsedl.vehicle.build_vehicle` gives the first free one)."""
    return tuple((r.part, Part(first_slot + k, AERO_MODELS.index(r.aero), r.mass_kg, r.delta_v_m_s,
                               1.0 if r.direction == "along" else -1.0))
                 for k, r in enumerate(r for e in events for r in e.parts))
