"""What each event does: its row's primitive actions (:class:`marsedl.sequence.Action`), carried out in order by
:func:`apply_event`, and the few named special actions for what is not a primitive.

The primitives (:class:`marsedl.sequence.Op`) log the event, set the phase or the aerodynamic model, release a
part (spawn its body with its mass, aero model and separation push along or against the velocity, and take its
mass off the event's body), end the case with an outcome, and mark the time. A special action is a small function
of :data:`SPECIALS`, named in :data:`marsedl.sequence.SPECIAL_NAMES`: the entry balance masses' fan, the deploy's
bookkeeping, the descent stage's start and hover, the powered target with TRN, and the outcomes of an impact,
a timeout and an empty tank. Each takes the engine (its configuration and bookkeeping), the run state and the
bodies the event happened to (indices into the state's flat arrays, all of one event, vectorised over cases), and
the event log. Actions run in Python at the event's located instant; the kernels then fly every body on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from marsedl.engine.config import (
    _BALLISTIC,
    _DONE,
    _ENTRY,
    _HOVER,
    ARMED,
    GENERIC0,
    EngineConfig,
    Outcome,
)
from marsedl.engine.state import _Log, _Obs, _State, navigated_state
from marsedl.planet import cartesian_to_spherical, surface_distance_bearing
from marsedl.sequence import CONTINUOUS, EVENTS, SPECIAL_NAMES, Action, Op, Part
from marsedl.trn import SAFE_SPOT, select_safe_spot
from marsedl.vehicle import (
    AERO_BACKSHELL,
    AERO_DESCENT_STAGE,
    AERO_EBM,
    AERO_HEAT_SHIELD,
    VehicleModel,
)


class Engine(Protocol):
    """What the actions use of the engine (:class:`marsedl.engine.Engine`)."""

    cfg: EngineConfig
    parts: tuple[Part, ...]

    def _log_events(self, log: _Log, st: _State, bodies: np.ndarray, code: int) -> None: ...

    def _observe(self, st: _State, bodies: np.ndarray) -> _Obs: ...


Special = Callable[[Engine, _State, np.ndarray, _Log], None]


# ------------------------------------------------------------------------------------------ the engine's tables


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


def column_code(k: int) -> int:
    """The event code of kernel event column ``k``: a built-in continuous event's, or a preset event's (after
    :data:`marsedl.sequence.EVENTS`)."""
    return int(CONTINUOUS[k]) if k < GENERIC0 else len(EVENTS) + k - GENERIC0


def apply_event(eng: Engine, st: _State, bodies: np.ndarray, code: int, log: _Log) -> None:
    """Carry out event ``code``'s actions on the bodies it happened to (a preset's event then never fires again
    for them)."""
    if code < len(EVENTS):
        actions = EVENTS[code].actions
    else:
        j = code - len(EVENTS)
        actions = eng.cfg.preset_events[j].actions
        st.fired[bodies] |= 1 << j
    for a in actions:
        _OPS[a.op](eng, st, bodies, log, code, a)


# ------------------------------------------------------------------------------------------ the primitives


def _log(eng: Engine, st: _State, bodies: np.ndarray, log: _Log, code: int, a: Action) -> None:
    eng._log_events(log, st, bodies, code)


def _set_phase(eng: Engine, st: _State, bodies: np.ndarray, log: _Log, code: int, a: Action) -> None:
    st.phase[bodies] = a.arg


def _set_aero(eng: Engine, st: _State, bodies: np.ndarray, log: _Log, code: int, a: Action) -> None:
    st.aero_id[bodies] = a.arg


def _release(eng: Engine, st: _State, bodies: np.ndarray, log: _Log, code: int, a: Action) -> None:
    """The part flies off with its push along (or against) the velocity; its mass leaves the body."""
    part = eng.parts[a.arg]
    cs = st.case[bodies]
    m = getattr(st.cases, part.mass_kg)[cs] if isinstance(part.mass_kg, str) else np.full(cs.size, part.mass_kg)
    dv = (getattr(st.cases, part.delta_v_m_s)[cs] if isinstance(part.delta_v_m_s, str)
          else np.full(cs.size, part.delta_v_m_s))
    vel = st.y[bodies, 3:6]
    vhat = vel / np.linalg.norm(vel, axis=1, keepdims=True)
    spawn(st, st.body_index(cs, part.slot), st.y[bodies], st.t[bodies], m, part.aero_id,
          part.sign * vhat * dv[:, None])
    st.y[bodies, 6] -= m


def _end(eng: Engine, st: _State, bodies: np.ndarray, log: _Log, code: int, a: Action) -> None:
    """The bodies stop; a vehicle's case still running ends with the outcome."""
    st.phase[bodies] = _DONE
    vb = st.case[bodies][st.slot[bodies] == 0]
    st.outcome[vb[st.outcome[vb] == Outcome.RUNNING]] = a.arg


def _mark(eng: Engine, st: _State, bodies: np.ndarray, log: _Log, code: int, a: Action) -> None:
    st.t_mark[bodies] = st.t[bodies]


def _special(eng: Engine, st: _State, bodies: np.ndarray, log: _Log, code: int, a: Action) -> None:
    SPECIALS[a.arg](eng, st, bodies, log)


_OPS = {Op.LOG: _log, Op.SET_PHASE: _set_phase, Op.SET_AERO: _set_aero, Op.RELEASE: _release, Op.END: _end,
        Op.MARK: _mark, Op.SPECIAL: _special}


# ------------------------------------------------------------------------------------------ special actions


def impact_outcome(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """A vehicle that reached the ground before landing ends its case (before its parachute opened, or after)."""
    vb = st.case[bodies][st.slot[bodies] == 0]
    running = st.outcome[vb] == Outcome.RUNNING
    before_chute = np.isinf(st.t_deploy[vb])
    ended = np.where(before_chute, Outcome.PARACHUTE_NOT_DEPLOYED, Outcome.GROUND_IMPACT_BEFORE_TOUCHDOWN)
    if eng.cfg.vehicle.start_phase == _BALLISTIC:  # a lone body: reaching the ground is the end of its flight
        ended[:] = Outcome.IMPACT
    st.outcome[vb[running]] = ended[running]


def timeout_outcome(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """A vehicle still running at the run's time limit ends with a timeout."""
    cs = st.case[bodies]
    veh = st.slot[bodies] == 0
    ended = Outcome.STOPPED if eng.cfg.vehicle.start_phase == _BALLISTIC else Outcome.TIMEOUT  # a lone body's end
    st.outcome[cs[veh & (st.outcome[cs] == Outcome.RUNNING)]] = ended


def entry_balance_masses(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """SUFR: the entry balance masses go."""
    spawn_entry_balance_masses(eng, st, bodies)


def entry_balance_masses_from_entry(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """A parachute deployed straight from entry (a sequence without SUFR): the entry balance masses go now."""
    if eng.cfg.vehicle.n_ebm:
        spawn_entry_balance_masses(eng, st, bodies[st.phase[bodies] == _ENTRY])


def deploy_bookkeeping(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """Mortar fire: the canopy inflates from line stretch; the deploy Mach and q are kept for the summary."""
    cs = st.case[bodies]
    st.t_deploy[cs] = st.t[bodies]
    st.t_line_stretch[cs] = st.t[bodies] + st.cases.line_stretch_delay_s[cs]
    obs = eng._observe(st, bodies)
    st.deploy_mach[cs] = obs.mach
    st.deploy_q[cs] = obs.q


def descent_stage_start(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """After backshell separation: the powered descent vehicle's dry mass, its propellant at this moment (what the
    descent starts with) and the fly-away azimuth (along the horizontal velocity)."""
    v = eng.cfg.vehicle
    cs = st.case[bodies]
    st.dry_mass[bodies] = v.descent_stage_dry_kg + v.rover_mass_kg
    st.prop_start[cs] = st.y[bodies, 6] - st.dry_mass[bodies]
    vel = st.y[bodies, 3:6]
    obs = eng._observe(st, bodies)
    horiz = vel - obs.up * np.einsum("ij,ij->i", vel, obs.up)[:, None]
    st.flyaway_dir[cs] = horiz / np.maximum(np.linalg.norm(horiz, axis=1, keepdims=True), 1e-9)


def powered_descent_aim(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The engines take over: the powered approach flies to its gate above the chosen point (:func:`powered_target`:
    the backshell avoidance, then terrain-relative navigation's safe spot)."""
    st.pd_target[st.case[bodies]] = powered_target(eng, st, bodies)


def descent_stage_hover(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """Touchdown: the descent stage (with what propellant is left) hovers until the bridles are cut."""
    v = eng.cfg.vehicle
    cs = st.case[bodies]
    ds = st.body_index(cs, v.slot_descent_stage)
    spawn(st, ds, st.y[bodies], st.t[bodies], st.y[bodies, 6] - v.rover_mass_kg, AERO_DESCENT_STAGE, 0.0)
    st.phase[ds] = _HOVER
    st.t_mark[ds] = st.t[bodies]
    st.dry_mass[ds] = v.descent_stage_dry_kg
    st.prop_used[cs] = st.prop_start[cs] - (st.y[bodies, 6] - st.dry_mass[bodies])


def propellant_outcome(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """No propellant left: a vehicle still running ends the case this way (it burnt all it had)."""
    vb = st.case[bodies][st.slot[bodies] == 0]
    st.outcome[vb[st.outcome[vb] == Outcome.RUNNING]] = Outcome.PROPELLANT_EXHAUSTED
    st.prop_used[vb] = st.prop_start[vb]


#: the special actions, in the order of marsedl.sequence.SPECIAL_NAMES (the arg of Op.SPECIAL indexes both): each
#: found by its function's name, so a name without its function fails the import (a KeyError), not a flight
SPECIALS: tuple[Special, ...] = tuple({f.__name__: f for f in (
    impact_outcome, timeout_outcome, entry_balance_masses, entry_balance_masses_from_entry, deploy_bookkeeping,
    descent_stage_start, powered_descent_aim, descent_stage_hover, propellant_outcome)}[name] for name in SPECIAL_NAMES)


# ------------------------------------------------------------------------------------------ what they use


def spawn(st: _State, bodies: np.ndarray, y: np.ndarray, t: np.ndarray, mass, aero_id: int, dv) -> None:
    """Release ``bodies`` at state ``y`` and time ``t`` with a velocity change ``dv``, flying ballistically."""
    st.y[bodies] = y
    st.y[bodies, 3:6] += dv
    st.y[bodies, 6] = mass
    st.t[bodies] = t
    st.phase[bodies] = _BALLISTIC
    st.aero_id[bodies] = aero_id
    st.dry_mass[bodies] = 0.0


def spawn_entry_balance_masses(eng: Engine, st: _State, bodies: np.ndarray) -> None:
    """Eject the entry balance masses in a fan normal to the velocity (directions are a model choice)."""
    v = eng.cfg.vehicle
    if v.n_ebm == 0 or bodies.size == 0:
        return
    cs = st.case[bodies]
    m_ebm = st.cases.ebm_mass_kg[cs]
    dv_ebm = st.cases.ebm_delta_v_m_s[cs][:, None]
    vel = st.y[bodies, 3:6]
    r = st.y[bodies, :3]
    vhat = vel / np.linalg.norm(vel, axis=1, keepdims=True)
    side = np.cross(vhat, r)
    side /= np.linalg.norm(side, axis=1, keepdims=True)
    normal = np.cross(side, vhat)
    for k in range(v.n_ebm):  # loop over the (few) masses, vectorised over cases
        ang = 2 * np.pi * (k + 0.5) / v.n_ebm
        d = np.cos(ang) * side + np.sin(ang) * normal
        spawn(st, st.body_index(cs, 1 + v.n_cbm + k), st.y[bodies], st.t[bodies], m_ebm, AERO_EBM, d * dv_ebm)
    st.y[bodies, 6] -= v.n_ebm * m_ebm


def powered_target(eng: Engine, st: _State, bodies: np.ndarray) -> np.ndarray:
    """The powered approach's aim (n, 3): its gate, ``gate_altitude_m`` above the ground over the chosen spot.

    The predicted touchdown is straight below where the vehicle believes it is (:func:`believed_position`). The
    backshell avoidance moves it aside (:func:`backshell_avoidance`). Without a hazard map that is the spot: no
    divert towards any target. With a map (``EngineConfig.hazard_map``), terrain-relative navigation then picks the
    safe cell nearest that point within what is left of the divert reach (``divert_limit_m`` less the avoidance's
    divert), or keeps the point when none is in reach (:func:`marsedl.trn.select_safe_spot`, once for all the
    bodies); each case records how far TRN moved it (``trn_divert``) and whether it found a safe cell.
    """
    s = eng.cfg.sequence
    cs = st.case[bodies]
    site = eng.cfg.site
    lat, lon, _ = cartesian_to_spherical(backshell_avoidance(eng, st, bodies, believed_position(eng, st, bodies)))
    if eng.cfg.hazard_map is not None:
        radius = site.areoid_radius_m + site.ground_mola_m
        reach = np.maximum(st.cases.divert_limit_m[cs] - s.backshell_avoidance_m, 0.0)
        lat1, lon1, status = select_safe_spot(eng.cfg.hazard_map, lat, lon, reach, radius)
        st.trn_divert[cs] = surface_distance_bearing(lat, lon, lat1, lon1, radius)[0]
        st.trn_safe[cs] = status == SAFE_SPOT
        lat, lon = lat1, lon1
    return site.position_m(lat, lon, s.gate_altitude_m)


def believed_position(eng: Engine, st: _State, bodies: np.ndarray) -> np.ndarray:
    """Where the powered descent believes ``bodies`` are (n, 3): their position with the case's horizontal
    navigation error, or the true one with terrain-relative navigation."""
    r = st.y[bodies, :3]
    nav = st.cases.nav_position_error_m[st.case[bodies]].copy()
    nav[:, 2] = 0.0  # the radar measures the altitude (see marsedl.laws.radar_navigated_position)
    on = np.any(nav != 0.0, axis=1) & (not eng.cfg.sequence.terrain_relative_navigation)
    if on.any():
        r = np.where(on[:, None], navigated_state(r, r, nav, np.zeros_like(nav))[0], r)
    return r


def backshell_avoidance(eng: Engine, st: _State, bodies: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The points (n, 3) ``backshell_avoidance_m`` to the right of the believed positions ``r``: the divert away
    from the falling backshell and parachute (MSL: 300 m, Sell et al. 2013), across the horizontal velocity at
    backshell separation (M: across the track along which they drift; the flight's choice of side was not
    found)."""
    up = r / np.linalg.norm(r, axis=1, keepdims=True)
    side = np.cross(st.flyaway_dir[st.case[bodies]], up)  # a horizontal unit vector: flyaway_dir is one
    return r + side * eng.cfg.sequence.backshell_avoidance_m
