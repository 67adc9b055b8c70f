"""What each event does, as the tables of the compiled interpreter (:mod:`marsedl.kernels.actions`).

An event's actions are its row's primitive :class:`marsedl.sequence.Action`\\ s (log it, set the phase or the
aerodynamic model, release a part, end the case, mark the time, or a named special action): :func:`action_table`
lays them out as integer rows ``(op, arg)`` per event code, the built-in events' (:data:`marsedl.sequence.EVENTS`)
then the preset's; the compiled :func:`marsedl.kernels.actions._apply_event` carries them out in order at the
event's located instant, inside the flight of the case. The parts an event can release are arrays too
(:func:`part_arrays`), each case's masses and pushes resolved here from its inputs (Monte Carlo disperses them).
The special actions are compiled functions found by their names (:data:`marsedl.kernels.actions.SPECIALS`, in the
order of :data:`marsedl.sequence.SPECIAL_NAMES`).
"""

from __future__ import annotations

import numpy as np

from marsedl.engine.config import GENERIC0, EngineConfig
from marsedl.kernels import N_EV
from marsedl.sequence import ARMED, CONTINUOUS, EVENTS, N_GENERIC, Part
from marsedl.vehicle import AERO_BACKSHELL, AERO_HEAT_SHIELD, VehicleModel


def parts_table(v: VehicleModel) -> tuple[Part, ...]:
    """The parts of vehicle ``v``: the heat shield and the backshell (sequence.PART_HEAT_SHIELD, PART_BACKSHELL),
    then its preset's parts (:attr:`VehicleModel.preset_parts`)."""
    return (Part(v.slot_heat_shield, AERO_HEAT_SHIELD, "heat_shield_mass_kg", "hs_delta_v_m_s", 1.0),
            Part(v.slot_backshell, AERO_BACKSHELL, "backshell_mass_kg", "backshell_delta_v_m_s", -1.0),
            *v.preset_parts)


def armed_matrix(cfg: EngineConfig) -> np.ndarray:
    """armed[phase, column] of this configuration: the built-in events' (:data:`marsedl.sequence.ARMED`) and its
    preset's events in their generic columns."""
    armed = ARMED.copy()
    for k, e in enumerate(cfg.preset_events):
        armed[list(e.armed), GENERIC0 + k] = True
    return armed


def column_codes() -> np.ndarray:
    """The event code of each kernel event column (N_EV,): a built-in continuous event's, or a preset event's
    (after :data:`marsedl.sequence.EVENTS`)."""
    return np.array([int(CONTINUOUS[k]) if k < GENERIC0 else len(EVENTS) + k - GENERIC0 for k in range(N_EV)],
                    dtype=np.int64)


def action_table(cfg: EngineConfig) -> tuple[np.ndarray, np.ndarray]:
    """``(ops, nops)``: event code ``c``'s actions are ``ops[c, :nops[c]]``, rows ``(op, arg)``, for the built-in
    events and the :data:`marsedl.sequence.N_GENERIC` preset event codes (those the preset leaves empty: none)."""
    rows = [e.actions for e in EVENTS] + [e.actions for e in cfg.preset_events]
    rows += [()] * (len(EVENTS) + N_GENERIC - len(rows))
    ops = np.zeros((len(rows), max(len(r) for r in rows), 2), dtype=np.int64)
    nops = np.array([len(r) for r in rows], dtype=np.int64)
    for c, actions in enumerate(rows):
        for k, a in enumerate(actions):
            ops[c, k] = int(a.op), int(a.arg)
    return ops, nops


def part_arrays(parts: tuple[Part, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts' slots and aerodynamic models (int) and the sign of their push (+1 along the velocity)."""
    return (np.array([p.slot for p in parts], dtype=np.int64), np.array([p.aero_id for p in parts], dtype=np.int64),
            np.array([p.sign for p in parts], dtype=float))


def part_values(parts: tuple[Part, ...], cases) -> np.ndarray:
    """Each case's mass (kg) and push (m/s) of each part, (n, n_parts, 2), from its resolved inputs (a part's
    value is a number, or the name of a per-case column of :class:`marsedl.engine.CaseInputs`)."""
    out = np.empty((cases.n, len(parts), 2))
    for k, part in enumerate(parts):
        for j, value in enumerate((part.mass_kg, part.delta_v_m_s)):
            out[:, k, j] = getattr(cases, value) if isinstance(value, str) else value
    return out
