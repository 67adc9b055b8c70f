"""Mission planning with the engine itself: the entry point, the reference trajectory and its sensitivities.

Everything a flight team computes before entry, done by flying the batched engine:

1. **Entry point** (when the preset gives the entry relative to the target with ``range_km = "auto"``): fly
   the unguided reference vehicle (constant reference bank, lift kept in the vertical plane; below the heading
   alignment speed the guided vehicle's heading-alignment bank, then SUFR and the parachute trigger as the
   guided vehicle flies them: the same kernels) all the way to the ground from a first guess, and from two
   shifted guesses in the same batch; the landing points give a 2×2 Jacobian, and Newton steps put the
   nominal landing on the target (four: heading alignment makes the landing a little non-linear in the entry
   point, and two left the reference 105 m off).
2. **Reference trajectory** (Apollo final phase): the same unguided flight from the chosen entry point,
   tabulated against planet-relative speed V: range to go to the deploy point R_ref(V), drag acceleration
   D_ref(V), altitude rate ḣ_ref(V); and the distance the parachute and powered phases then cover, which is what
   the range trigger and the guidance's aim point subtract from the range to the target.
3. **Sensitivities** F1 = ∂R/∂D, F2 = ∂R/∂ḣ, F3 = ∂R/∂(L/D)_vertical by finite differences: at each tabulated
   speed, the reference state and three perturbed copies (altitude, flight-path angle, bank) are flown on to the
   deploy speed in one batch, and the differences of the ranges flown give the partials.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from marsedl.constants import G0
from marsedl.engine import OUTCOME_NAMES, CaseInputs, Engine, EngineConfig, EngineOutput, Ev, Outcome, unit_vector
from marsedl.errors import PlanningError
from marsedl.guidance.entry import ReferenceTrajectory, reference_sensitivities
from marsedl.planet import destination, surface_distance_bearing, velocity_from_flight

_SPEED_NODES = 40


@dataclass(frozen=True)
class Plan:
    """What planning produced: entry state, reference tables and the trigger/aim distances."""

    y0: np.ndarray  # (7,) entry state, planet-fixed
    reference: ReferenceTrajectory
    chute_range_m: float  # surface distance from the reference deploy point to its landing point
    reference_bank_rad: float
    entry_lat_deg: float
    entry_lon_deg: float
    entry_azimuth_deg: float
    reference_miss_m: float  # landing miss of the unguided reference flight


def _case_inputs(cfg: EngineConfig, y0: np.ndarray, target: tuple[float, float], bank: np.ndarray,
                 *, stop_speed: float = 0.0, deploy: bool = True, velocity_trigger: float,
                 atm_row: int = 0, density_factor: float = 1.0) -> CaseInputs:
    n = y0.shape[0]
    return CaseInputs.broadcast(
        n, y0=y0, bank0_rad=bank, guided=False, planar=True, aim_range_m=0.0, range_trigger_m=0.0,
        velocity_trigger_m_s=velocity_trigger, stop_speed_m_s=stop_speed, cd_scale=1.0, cl_scale=1.0,
        chute_cd_scale=1.0, density_factor=density_factor, atm_row=atm_row, deploy_enabled=deploy,
        target_lat_rad=target[0], target_lon_rad=target[1], divert_limit_m=0.0,
    )


def _velocity_trigger(cfg: EngineConfig) -> EngineConfig:
    """The reference's configuration: the velocity trigger, and no backshell-avoidance divert (the reference lands
    where it was delivered, as with no divert towards the target: planning aims the delivery, not the divert)."""
    return replace(cfg, sequence=replace(cfg.sequence, trigger="velocity", backshell_avoidance_m=0.0))


def entry_state(cfg: EngineConfig, lat_rad: np.ndarray, lon_rad: np.ndarray, radius_m: float, speed: float,
                fpa_rad: float, azimuth_rad: float) -> np.ndarray:
    """Planet-fixed entry state(s) (n, 7) from position, planet-relative speed, flight-path angle, heading."""
    lat = np.atleast_1d(lat_rad).astype(float)
    lon = np.atleast_1d(lon_rad).astype(float)
    r = radius_m * unit_vector(lat, lon)
    v = velocity_from_flight(lat, lon, speed, fpa_rad, azimuth_rad)
    m = np.full((lat.size, 1), cfg.vehicle.entry_mass_kg)
    return np.hstack([r, np.broadcast_to(v, r.shape), m])


#: Outcomes of the reference vehicle that planning can aim with: it reached the ground under its parachute or
#: its engines, softly or not, so its end point and its parachute phase exist. A failing design (too little
#: propellant, too small a parachute...) is thus planned and flown, and its outcome shown, instead of refused.
_AIMABLE = (Outcome.LANDED, Outcome.GROUND_IMPACT_BEFORE_TOUCHDOWN, Outcome.PROPELLANT_EXHAUSTED)

#: What to check when the reference vehicle cannot be aimed, by how it ended.
_HINTS = {
    Outcome.SKIP_OUT: "it left the atmosphere again: check entry.fpa_deg (too shallow) and entry.speed_m_s",
    Outcome.PARACHUTE_NOT_DEPLOYED: "it never slowed into the parachute's Mach box before the ground: check "
                                    "entry.fpa_deg (too steep), the vehicle's mass and the site altitude",
    Outcome.TIMEOUT: "it was still flying at integration.max_time_s",
}


def _landing(out: EngineOutput) -> tuple[np.ndarray, np.ndarray]:
    """Latitude/longitude (rad) where each case's vehicle ended on the ground: its touchdown, or where it hit the
    ground when it reached it otherwise (an aimable outcome); NaN for the others."""
    ev = out.events
    lat = np.full(out.n_cases, np.nan)
    lon = np.full(out.n_cases, np.nan)
    for code in (Ev.IMPACT, Ev.TOUCHDOWN):  # a touchdown, when there is one, wins
        sel = (ev["code"] == code) & (ev["body"] == 0)
        lat[ev["case"][sel]] = ev["lat"][sel]
        lon[ev["case"][sel]] = ev["lon"][sel]
    bad = ~np.isin(out.outcome, _AIMABLE)
    lat[bad], lon[bad] = np.nan, np.nan
    return lat, lon


def _cannot_aim(what: str, outcome: int) -> PlanningError:
    o = Outcome(outcome)
    hint = _HINTS.get(o, "check the entry state and the vehicle")
    return PlanningError(f"{what} ended with '{OUTCOME_NAMES[o]}': {hint}")


def _event_rows(out: EngineOutput, code: Ev) -> dict[str, np.ndarray]:
    ev = out.events
    sel = (ev["code"] == code) & (ev["body"] == 0)
    return {k: v[sel] for k, v in ev.items()}


def solve_entry_point(cfg: EngineConfig, target: tuple[float, float], radius_m: float, speed: float,
                      fpa_rad: float, azimuth_rad: float, bank_rad: float, deploy_speed: float,
                      first_range_m: float = 650e3, iterations: int = 4) -> tuple[float, float, float]:
    """Entry latitude/longitude (rad) whose unguided reference flight lands on the target; and the miss (m).

    Newton's method on the landing point, with the Jacobian from two shifted entry points flown in the same
    batch as the guess (1 km along the heading, 1 km to its right).
    """
    planet_r = cfg.site.areoid_radius_m
    tlat, tlon = target
    lat, lon = destination(tlat, tlon, azimuth_rad + np.pi, first_range_m, planet_r)
    lat, lon = float(lat), float(lon)
    vcfg = _velocity_trigger(cfg)
    miss = np.inf
    for _ in range(iterations):
        step = 1000.0
        lats = np.array([lat, 0.0, 0.0])
        lons = np.array([lon, 0.0, 0.0])
        lats[1], lons[1] = destination(lat, lon, azimuth_rad, step, planet_r)
        lats[2], lons[2] = destination(lat, lon, azimuth_rad + np.pi / 2, step, planet_r)
        y0 = entry_state(cfg, lats, lons, radius_m, speed, fpa_rad, azimuth_rad)
        out = Engine(vcfg).run(_case_inputs(vcfg, y0, target, bank_rad, velocity_trigger=deploy_speed))
        llat, llon = _landing(out)
        if np.isnan(llat).any():
            raise _cannot_aim("the unguided reference vehicle, flown to place the entry point,",
                              out.outcome[np.flatnonzero(np.isnan(llat))[0]])
        # landing offsets from the target in a local east/north plane (m)
        e, n = _east_north(llat, llon, tlat, tlon, planet_r)
        jac = np.array([[e[1] - e[0], e[2] - e[0]], [n[1] - n[0], n[2] - n[0]]]) / step
        d_along, d_right = np.linalg.solve(jac, -np.array([e[0], n[0]]))
        miss = float(np.hypot(e[0], n[0]))
        lat, lon = destination(lat, lon, azimuth_rad, d_along, planet_r)
        lat, lon = destination(float(lat), float(lon), azimuth_rad + np.pi / 2, d_right, planet_r)
        lat, lon = float(lat), float(lon)
    return lat, lon, miss


def _east_north(lat, lon, lat0, lon0, radius):
    dist, bearing = surface_distance_bearing(lat0, lon0, lat, lon, radius)
    return dist * np.sin(bearing), dist * np.cos(bearing)


def build_reference(cfg: EngineConfig, y0: np.ndarray, target: tuple[float, float], bank_rad: float,
                    deploy_speed: float, *, sensitivities: str = "adjoint") -> tuple[ReferenceTrajectory, float, float]:
    """Fly the reference and tabulate R_ref, D_ref, ḣ_ref and F1..F3 against speed.

    Parameters
    ----------
    sensitivities : {"adjoint", "finite-difference"}
        F1..F3 from the Apollo adjoint along the tabulated reference (fast, the default), or by flying
        perturbed copies of the reference states on to the deploy speed with the batched engine.

    Returns
    -------
    reference, chute_range_m, miss_m
        The reference tables, the parachute-phase range (deploy point to landing, m) and the miss of the
        reference landing from the target (m).
    """
    vcfg = _velocity_trigger(cfg)
    eng = Engine(vcfg)
    out = eng.run(_case_inputs(vcfg, y0[None, :], target, bank_rad, velocity_trigger=deploy_speed), record=True)
    if out.outcome[0] not in _AIMABLE:
        raise _cannot_aim("the reference trajectory", out.outcome[0])
    radius = cfg.site.areoid_radius_m + cfg.site.ground_mola_m
    dep = _event_rows(out, Ev.PARACHUTE_DEPLOY)
    end_lat, end_lon = _landing(out)  # the touchdown, or where a failing design hit the ground
    chute_range, _ = surface_distance_bearing(dep["lat"][0], dep["lon"][0], end_lat[0], end_lon[0], radius)
    e, n = _east_north(end_lat[:1], end_lon[:1], target[0], target[1], radius)
    miss = float(np.hypot(e[0], n[0]))

    h = out.history
    sel = (h["body"] == 0) & (h["t"] <= dep["t"][0]) & (h["t"] >= 0.0)
    hs = {k: v[sel][np.argsort(h["t"][sel])] for k, v in h.items()}
    lat, lon, speed = hs["lat"], hs["lon"], hs["speed"]
    seg, _ = surface_distance_bearing(lat[:-1], lon[:-1], lat[1:], lon[1:], radius)
    flown = np.concatenate([[0.0], np.cumsum(seg)])
    dist_to_dep, _ = surface_distance_bearing(lat[-1], lon[-1], dep["lat"][0], dep["lon"][0], radius)
    range_to_go = flown[-1] - flown + dist_to_dep

    # speed nodes from the deploy speed up to the speed where the sensed drag reaches the guidance start
    # (0.2 g): range control runs only below it, and from there on the speed falls monotonically
    drag_start = float(np.min(np.atleast_1d(cfg.guidance.start_drag_m_s2)))
    sensed = hs["accel_g"] * G0
    i_start = int(np.argmax(sensed >= drag_start)) if np.any(sensed >= drag_start) else int(np.argmax(speed))
    v_top = float(speed[i_start]) - 1.0
    nodes = np.linspace(deploy_speed + 1.0, v_top, _SPEED_NODES)
    first = i_start
    rev = slice(None, None, -1)
    sp = speed[first:][rev]
    states = np.column_stack([np.interp(nodes, sp, hs[k][first:][rev]) for k in
                              ("x", "y", "z", "vx", "vy", "vz", "mass")])
    r_nodes = np.interp(nodes, sp, range_to_go[first:][rev])
    base = _observe_states(eng, states, target, bank_rad)
    # vertical L/D flown at each node: the reference bank, then heading alignment's (below its speed); none in
    # SUFR (zero angle of attack)
    lod_v = np.cos(np.interp(nodes, sp, hs["bank"][first:][rev])) * float(cfg.guidance.lod)
    lod_v[nodes <= cfg.sequence.sufr_speed_m_s] = 0.0
    if sensitivities == "adjoint":
        f1, f2, f3 = _adjoint(cfg, states, nodes, base, lod_v)
    elif sensitivities == "finite-difference":
        f1, f2, f3 = finite_difference_sensitivities(cfg, states, target, bank_rad, deploy_speed, base)
    else:
        raise ValueError(f"sensitivities must be 'adjoint' or 'finite-difference', not {sensitivities!r}")
    ref = ReferenceTrajectory(
        speed_m_s=nodes, range_to_go_m=r_nodes, drag_m_s2=base["drag"], altitude_rate_m_s=base["hdot"],
        f1=_clean(f1), f2=_clean(f2), f3=_clean(f3), lod_vertical_ref=lod_v,
    )
    return ref, float(chute_range), miss


def _adjoint(cfg: EngineConfig, states, nodes, base, lod_v):
    """Apollo adjoint sensitivities with the local scale height, gravity and radius along the reference."""
    r = np.linalg.norm(states[:, :3], axis=1)
    alt = base["alt_mola"]
    rho_lo = cfg.atmosphere.evaluate(alt - 250.0).density_kg_m3
    rho_hi = cfg.atmosphere.evaluate(alt + 250.0).density_kg_m3
    scale_height = 500.0 / np.log(rho_lo / rho_hi)
    gravity = cfg.planet.gm_m3_s2 / r**2
    return reference_sensitivities(nodes, base["drag"], base["hdot"], lod_v, scale_height_m=scale_height,
                                   gravity_m_s2=gravity, radius_m=r)


def finite_difference_sensitivities(cfg: EngineConfig, states, target, bank_rad, deploy_speed, base):
    """F1..F3 by flying perturbed copies of the reference states to the deploy speed (one batched run).

    At each node: altitude +300 m (a drag change at fixed speed and altitude rate), flight-path angle +0.25°
    (an altitude-rate change) and vertical L/D +0.02 (a bank change), each flown on with the reference bank.
    """
    vcfg = _velocity_trigger(cfg)
    eng = Engine(vcfg)
    k = states.shape[0]
    dh, dgam, dlod = 300.0, np.deg2rad(0.25), 0.02
    up = states[:, :3] / np.linalg.norm(states[:, :3], axis=1, keepdims=True)
    s_h = states.copy()
    s_h[:, :3] += up * dh
    s_g = states.copy()
    vel = states[:, 3:6]
    vmag = np.linalg.norm(vel, axis=1, keepdims=True)
    vhat = vel / vmag
    perp = up - vhat * np.einsum("ij,ij->i", up, vhat)[:, None]
    perp /= np.linalg.norm(perp, axis=1, keepdims=True)
    s_g[:, 3:6] = vmag * (np.cos(dgam) * vhat + np.sin(dgam) * perp)
    lod = float(cfg.guidance.lod)
    bank_lod = np.arccos(np.clip(np.cos(bank_rad) + dlod / lod, -1.0, 1.0))
    y_all = np.vstack([states, s_h, s_g, states])
    banks = np.concatenate([np.full(3 * k, bank_rad), np.full(k, bank_lod)])
    runs = eng.run(_case_inputs(vcfg, y_all, target, banks, stop_speed=deploy_speed, deploy=False,
                                velocity_trigger=deploy_speed))
    stop = _event_rows(runs, Ev.STOP_SPEED)
    end_lat = np.full(4 * k, np.nan)
    end_lon = np.full(4 * k, np.nan)
    end_lat[stop["case"]] = stop["lat"]
    end_lon[stop["case"]] = stop["lon"]
    start_lat = np.arcsin(y_all[:, 2] / np.linalg.norm(y_all[:, :3], axis=1))
    start_lon = np.arctan2(y_all[:, 1], y_all[:, 0])
    radius = cfg.site.areoid_radius_m + cfg.site.ground_mola_m
    flown, _ = surface_distance_bearing(start_lat, start_lon, end_lat, end_lon, radius)
    obs = _observe_states(eng, y_all, target, banks)
    r0, rh, rg, rl = (flown[i * k:(i + 1) * k] for i in range(4))
    f1 = (rh - r0) / (obs["drag"][k:2 * k] - obs["drag"][:k])
    f2 = (rg - r0) / (obs["hdot"][2 * k:3 * k] - obs["hdot"][:k])
    f3 = (rl - r0) / dlod
    return f1, f2, f3


def _clean(x: np.ndarray) -> np.ndarray:
    """Fill non-finite finite-difference partials (a case that did not reach the stop speed) by neighbours."""
    good = np.isfinite(x)
    if good.all():
        return x
    idx = np.arange(x.size)
    return np.interp(idx, idx[good], x[good])


def _observe_states(eng: Engine, y: np.ndarray, target, bank) -> dict[str, np.ndarray]:
    """Drag acceleration and altitude rate of given states (no integration)."""
    return eng.initial_observables(_case_inputs(eng.cfg, y, target, bank, velocity_trigger=0.0))
