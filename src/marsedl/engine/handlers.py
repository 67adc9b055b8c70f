"""What each event of the sequence does: one small handler per event, found by name from
:data:`marsedl.sequence.EVENTS`.

A handler takes the engine (its configuration and bookkeeping), the run state and the bodies the event happened
to (indices into the state's flat arrays, all of one event, vectorised over cases), and the event log. It logs
the event, switches phases and aerodynamics, drops mass and spawns the bodies it releases with their separation
velocity. Handlers run in Python at the event's located instant; the kernels then fly every body on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from marsedl.engine.config import (
    _BALLISTIC,
    _CHUTE,
    _CHUTE_NO_HS,
    _CONSTANT_DECELERATION,
    _CONSTANT_VELOCITY,
    _DONE,
    _ENTRY,
    _FLYAWAY,
    _FREEFALL,
    _HOVER,
    _POWERED,
    _SKY_CRANE,
    _SUFR,
    EngineConfig,
    Ev,
    Outcome,
)
from marsedl.engine.state import _Log, _Obs, _State, navigated_state
from marsedl.planet import cartesian_to_spherical, surface_distance_bearing
from marsedl.trn import SAFE_SPOT, select_safe_spot
from marsedl.vehicle import (
    AERO_BACKSHELL,
    AERO_DESCENT_STAGE,
    AERO_EBM,
    AERO_HEAT_SHIELD,
    AERO_PDV,
    AERO_ZERO_ALPHA,
)


class Engine(Protocol):
    """What a handler uses of the engine (:class:`marsedl.engine.Engine`)."""

    cfg: EngineConfig

    def _log_events(self, log: _Log, st: _State, bodies: np.ndarray, code: Ev) -> None: ...

    def _observe(self, st: _State, bodies: np.ndarray) -> _Obs: ...


Handler = Callable[[Engine, _State, np.ndarray, _Log], None]


def impact(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """A body reached the ground: it is done; a vehicle that had not landed ends the case (before its parachute
    opened, or after)."""
    eng._log_events(log, st, bodies, Ev.IMPACT)
    st.phase[bodies] = _DONE
    vb = st.case[bodies][st.slot[bodies] == 0]
    running = st.outcome[vb] == Outcome.RUNNING
    before_chute = np.isinf(st.t_deploy[vb])
    ended = np.where(before_chute, Outcome.PARACHUTE_NOT_DEPLOYED, Outcome.GROUND_IMPACT_BEFORE_TOUCHDOWN)
    if eng.cfg.vehicle.start_phase == _BALLISTIC:  # a lone body: reaching the ground is the end of its flight
        ended[:] = Outcome.IMPACT
    st.outcome[vb[running]] = ended[running]


def skip_out(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The vehicle climbed back out of the atmosphere: the case ends."""
    eng._log_events(log, st, bodies, Ev.SKIP_OUT)
    st.phase[bodies] = _DONE
    st.outcome[st.case[bodies]] = Outcome.SKIP_OUT


def stop_speed(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """A planning run reached the speed it was flown to."""
    eng._log_events(log, st, bodies, Ev.STOP_SPEED)
    st.phase[bodies] = _DONE
    st.outcome[st.case[bodies]] = Outcome.STOPPED


def timeout(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """A body still flying at the run's time limit stops; a vehicle still running ends with a timeout."""
    eng._log_events(log, st, bodies, Ev.TIMEOUT)
    st.phase[bodies] = _DONE
    cs = st.case[bodies]
    veh = st.slot[bodies] == 0
    ended = Outcome.STOPPED if eng.cfg.vehicle.start_phase == _BALLISTIC else Outcome.TIMEOUT  # a lone body's end
    st.outcome[cs[veh & (st.outcome[cs] == Outcome.RUNNING)]] = ended


def sufr(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """Straighten Up and Fly Right: the entry balance masses go, the capsule flies at zero angle of attack."""
    eng._log_events(log, st, bodies, Ev.SUFR)
    st.phase[bodies] = _SUFR
    st.aero_id[bodies] = AERO_ZERO_ALPHA
    spawn_entry_balance_masses(eng, st, bodies)


def parachute_deploy(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """Mortar fire: the canopy inflates from line stretch; the deploy Mach and q are kept for the summary."""
    v = eng.cfg.vehicle
    cs = st.case[bodies]
    if v.n_ebm:  # deployed straight from entry (a sequence without SUFR): the entry balance masses go now
        spawn_entry_balance_masses(eng, st, bodies[st.phase[bodies] == _ENTRY])
    eng._log_events(log, st, bodies, Ev.PARACHUTE_DEPLOY)
    st.phase[bodies] = _CHUTE
    st.aero_id[bodies] = AERO_ZERO_ALPHA
    st.t_deploy[cs] = st.t[bodies]
    st.t_line_stretch[cs] = st.t[bodies] + st.cases.line_stretch_delay_s[cs]
    obs = eng._observe(st, bodies)
    st.deploy_mach[cs] = obs.mach
    st.deploy_q[cs] = obs.q


def heat_shield_separation(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The heat shield drops away, pushed along the velocity by its springs."""
    cs = st.case[bodies]
    eng._log_events(log, st, bodies, Ev.HEAT_SHIELD_SEPARATION)
    st.phase[bodies] = _CHUTE_NO_HS
    hs = st.body_index(cs, eng.cfg.vehicle.slot_heat_shield)
    vel = st.y[bodies, 3:6]
    vhat = vel / np.linalg.norm(vel, axis=1, keepdims=True)
    m_hs = st.cases.heat_shield_mass_kg[cs]
    spawn(st, hs, st.y[bodies], st.t[bodies], m_hs, AERO_HEAT_SHIELD, vhat * st.cases.hs_delta_v_m_s[cs][:, None])
    st.y[bodies, 6] -= m_hs


def backshell_separation(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The powered descent vehicle falls free of the backshell and parachute (which fly on, slowed by the
    separation push); its propellant at this moment is what the descent starts with."""
    v = eng.cfg.vehicle
    cs = st.case[bodies]
    eng._log_events(log, st, bodies, Ev.BACKSHELL_SEPARATION)
    st.phase[bodies] = _FREEFALL
    st.aero_id[bodies] = AERO_PDV
    st.t_mark[bodies] = st.t[bodies]
    bs = st.body_index(cs, v.slot_backshell)
    vel = st.y[bodies, 3:6]
    vhat = vel / np.linalg.norm(vel, axis=1, keepdims=True)
    m_bs = st.cases.backshell_mass_kg[cs]
    spawn(st, bs, st.y[bodies], st.t[bodies], m_bs, AERO_BACKSHELL,
          -vhat * st.cases.backshell_delta_v_m_s[cs][:, None])
    st.y[bodies, 6] -= m_bs
    st.dry_mass[bodies] = v.descent_stage_dry_kg + v.rover_mass_kg
    st.prop_start[cs] = st.y[bodies, 6] - st.dry_mass[bodies]
    obs = eng._observe(st, bodies)
    horiz = vel - obs.up * np.einsum("ij,ij->i", vel, obs.up)[:, None]
    st.flyaway_dir[cs] = horiz / np.maximum(np.linalg.norm(horiz, axis=1, keepdims=True), 1e-9)


def powered_descent_start(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The engines take over: the powered approach flies to its gate above the chosen point
    (:func:`powered_target`: the backshell avoidance, then terrain-relative navigation's safe spot)."""
    eng._log_events(log, st, bodies, Ev.POWERED_DESCENT_START)
    st.phase[bodies] = _POWERED
    st.pd_target[st.case[bodies]] = powered_target(eng, st, bodies)


def constant_velocity_start(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The approach gate: the vehicle descends vertically at the gate's constant rate."""
    eng._log_events(log, st, bodies, Ev.CONSTANT_VELOCITY_START)
    st.phase[bodies] = _CONSTANT_VELOCITY


def constant_deceleration_start(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The vehicle decelerates uniformly to the sky-crane start's height and rate."""
    eng._log_events(log, st, bodies, Ev.CONSTANT_DECELERATION_START)
    st.phase[bodies] = _CONSTANT_DECELERATION


def sky_crane_start(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The rover is lowered on its bridles at a constant rate."""
    eng._log_events(log, st, bodies, Ev.SKY_CRANE_START)
    st.phase[bodies] = _SKY_CRANE


def touchdown(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The rover is on the ground: the case has landed; the descent stage (with what propellant is left) hovers
    until the bridles are cut."""
    v = eng.cfg.vehicle
    cs = st.case[bodies]
    eng._log_events(log, st, bodies, Ev.TOUCHDOWN)
    st.phase[bodies] = _DONE
    st.outcome[cs] = Outcome.LANDED
    ds = st.body_index(cs, v.slot_descent_stage)
    spawn(st, ds, st.y[bodies], st.t[bodies], st.y[bodies, 6] - v.rover_mass_kg, AERO_DESCENT_STAGE, 0.0)
    st.phase[ds] = _HOVER
    st.t_mark[ds] = st.t[bodies]
    st.dry_mass[ds] = v.descent_stage_dry_kg
    st.prop_used[cs] = st.prop_start[cs] - (st.y[bodies, 6] - st.dry_mass[bodies])


def flyaway(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The bridles are cut: the descent stage flies away."""
    eng._log_events(log, st, bodies, Ev.FLYAWAY)
    st.phase[bodies] = _FLYAWAY
    st.t_mark[bodies] = st.t[bodies]


def flyaway_burn_end(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """The fly-away burn ends: the descent stage falls to its impact."""
    st.phase[bodies] = _BALLISTIC
    st.aero_id[bodies] = AERO_DESCENT_STAGE


def propellant_exhausted(eng: Engine, st: _State, bodies: np.ndarray, log: _Log) -> None:
    """No propellant left: the body falls; a vehicle still running ends the case this way (it burnt all it had)."""
    eng._log_events(log, st, bodies, Ev.PROPELLANT_EXHAUSTED)
    vb = st.case[bodies][st.slot[bodies] == 0]
    st.outcome[vb[st.outcome[vb] == Outcome.RUNNING]] = Outcome.PROPELLANT_EXHAUSTED
    st.prop_used[vb] = st.prop_start[vb]
    st.phase[bodies] = _BALLISTIC


#: handler of each continuous event, by the name in marsedl.sequence.EVENTS
HANDLERS: dict[str, Handler] = {f.__name__: f for f in (
    impact, skip_out, stop_speed, timeout, sufr, parachute_deploy, heat_shield_separation, backshell_separation,
    powered_descent_start, constant_velocity_start, constant_deceleration_start, sky_crane_start, touchdown,
    flyaway, flyaway_burn_end, propellant_exhausted)}


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
