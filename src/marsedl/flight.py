"""Build an engine from a mission, plan it, and fly the nominal case: ``marsedl.simulate("mars2020")``."""

from __future__ import annotations

import functools
import hashlib
import os
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from marsedl.atmosphere import AtmosphereGrid, get_atmosphere
from marsedl.constants import G0
from marsedl.engine import CaseInputs, Engine, EngineConfig, Outcome, Sequence, Steps
from marsedl.errors import MarsEDLError, PlanningError
from marsedl.guidance.entry import EntryGuidanceParams, ReferenceTrajectory
from marsedl.planet import MARS, Site, destination, inertial_to_relative
from marsedl.preset_events import event_rows
from marsedl.result import SimulationResult, build_result
from marsedl.scenario import Mission, apply_overrides, read_preset, validate_mission
from marsedl.targeting import Plan, build_reference, entry_state, solve_entry_point
from marsedl.vehicle import build_vehicle


@dataclass(frozen=True)
class Setup:
    """A mission made ready to fly: engine configuration and plan."""

    mission: Mission  # (or a marsedl.body.BodyMission, which has no plan)
    config: EngineConfig
    plan: Plan | None
    atmosphere_name: str


def build_config(mission: Mission, atmosphere: str | None = None) -> tuple[EngineConfig, str]:
    """Compile a mission into an :class:`EngineConfig` (without the reference trajectory)."""
    spec = atmosphere or mission.atmosphere.model
    atm = get_atmosphere(spec)
    grid = AtmosphereGrid.for_engine(atm)
    site = Site(lat_deg=mission.site.lat_deg, lon_deg=mission.site.lon_deg,
                ground_mola_m=mission.site.ground_mola_m, areoid_radius_m=mission.site.areoid_radius_m)
    vehicle = build_vehicle(mission)
    m = mission
    seq = Sequence(
        sufr_speed_m_s=m.sequence.sufr_speed_m_s, trigger=m.parachute.trigger, mach_box=m.parachute.mach_box,
        q_box_pa=m.parachute.q_box_pa, deploy_floor_agl_m=m.parachute.deploy_floor_agl_m,
        hs_max_mach=m.heat_shield.max_mach,
        hs_min_time_s=m.heat_shield.min_time_after_deploy_s, hs_delta_v_m_s=m.heat_shield.delta_v_m_s,
        ebm_delta_v_m_s=m.entry_balance_masses.delta_v_m_s, cbm_delta_v_m_s=m.cruise_balance_masses.delta_v_m_s,
        cbm_eject_time_s=m.cruise_balance_masses.eject_time_s,
        backshell_altitude_agl_m=m.backshell.separation_altitude_agl_m,
        backshell_delta_v_m_s=m.backshell.delta_v_m_s, powered_delay_s=m.sequence.powered_descent_delay_s,
        sky_crane_altitude_m=m.sequence.sky_crane_altitude_agl_m, sky_crane_speed_m_s=m.sequence.sky_crane_speed_m_s,
        bridle_length_m=m.sequence.bridle_length_m, touchdown_detect_s=m.sequence.touchdown_detect_s,
        flyaway_pitch_rad=np.radians(m.sequence.flyaway_pitch_deg), flyaway_throttle=m.sequence.flyaway_throttle,
        flyaway_burn_s=m.sequence.flyaway_burn_s,
        terrain_relative_navigation=m.sequence.terrain_relative_navigation,
        gate_altitude_m=m.sequence.approach_gate_altitude_agl_m, gate_speed_m_s=m.sequence.approach_gate_speed_m_s,
        decel_altitude_m=m.sequence.constant_deceleration_altitude_agl_m,
        backshell_avoidance_m=m.sequence.backshell_avoidance_m,
    )
    i = m.integration
    steps = Steps(coast=i.dt_coast_s, entry=i.dt_entry_s, parachute=i.dt_parachute_s, inflation=i.dt_inflation_s,
                  powered=i.dt_powered_s, ballistic=i.dt_ballistic_s, max_time=i.max_time_s,
                  ballistic_max=i.dt_ballistic_max_s, powered_midpoint=i.powered_method == "midpoint",
                  tolerance=i.step_tolerance_m or None)
    g = m.guidance
    lod = float(vehicle.tables[0].lift_to_drag(30.0)) * m.aeroshell.cl_scale / m.aeroshell.cd_scale
    params = EntryGuidanceParams(
        lod=lod, k3=g.k3, start_drag_m_s2=g.start_drag_g * G0,
        heading_alignment_speed_m_s=g.heading_alignment_speed_m_s,
        heading_alignment_max_bank_deg=g.heading_alignment_max_bank_deg,
        corridor_c0=g.corridor_m[0], corridor_c1=g.corridor_m[1], corridor_c2=g.corridor_m[2],
        bank_rate_limit_deg_s=g.bank_rate_limit_deg_s, bank_accel_limit_deg_s2=g.bank_accel_limit_deg_s2,
        period_s=g.period_s,
    )
    entry_alt = m.entry.radius_m - site.areoid_radius_at(np.radians(site.lat_deg), np.radians(site.lon_deg))
    hazard = None
    if m.trn.hazard_map is not None:  # read once here: every case of a run (and every worker) shares it
        from marsedl.hazard_map import load_hazard_map

        hazard = load_hazard_map(m.trn.hazard_map, m.trn.bounds)
    events = event_rows(m.sequence.events)  # (the parts they release: the vehicle's, vehicle.py)
    cfg = EngineConfig(planet=MARS, site=site, atmosphere=grid, vehicle=vehicle, sequence=seq, steps=steps,
                       guidance=params, reference=None, entry_altitude_m=float(entry_alt), hazard_map=hazard,
                       preset_events=events)
    return cfg, getattr(atm, "name", spec)


def plan_mission(mission: Mission, cfg: EngineConfig) -> Plan:
    """Entry point (solved when relative), reference trajectory and sensitivities.

    The planning flights carry the preset's own events but not their ``end``: a plan is made for the vehicle
    that lands (an event that ends the case, an abort, is flown by the nominal and Monte Carlo runs)."""
    cfg = replace(cfg, preset_events=tuple(e.without_end() for e in cfg.preset_events))
    e = mission.entry
    tlat, tlon = np.radians(mission.site.lat_deg), np.radians(mission.site.lon_deg)
    bank = np.radians(mission.guidance.reference_bank_deg)
    v_ref = mission.guidance.deploy_reference_speed_m_s
    fpa, az = np.radians(e.fpa_deg), np.radians(e.azimuth_deg)
    speed = e.speed_m_s
    miss = np.nan
    if e.lat_deg is not None:
        lat, lon = np.radians(e.lat_deg), np.radians(e.lon_deg)
        if e.frame == "inertial":
            y0 = entry_state(cfg, lat, lon, e.radius_m, speed, fpa, az)
            v_rel = inertial_to_relative(y0[:, :3], y0[:, 3:6], cfg.planet)
            from marsedl.planet import flight_from_velocity

            speed, fpa, az = (float(x[0]) for x in flight_from_velocity(y0[:, :3], v_rel))
    elif e.range_km == "auto":
        lat, lon, miss = solve_entry_point(cfg, (tlat, tlon), e.radius_m, speed, fpa, az, bank, v_ref)
    else:
        lat, lon = destination(tlat, tlon, az + np.pi, e.range_km * 1e3, cfg.site.areoid_radius_m)
    y0 = entry_state(cfg, lat, lon, e.radius_m, speed, fpa, az)[0]
    ref, chute_range, ref_miss = build_reference(cfg, y0, (tlat, tlon), bank, v_ref)
    return Plan(y0=y0, reference=ref, chute_range_m=chute_range, reference_bank_rad=float(bank),
                entry_lat_deg=float(np.degrees(lat)), entry_lon_deg=float(np.degrees(lon)),
                entry_azimuth_deg=float(np.degrees(az)), reference_miss_m=ref_miss)


# --------------------------------------------------------------------------------------------- plan cache
#
# Planning flies the engine three times (two Newton iterations on the entry point, then the recorded reference
# flight): most of a nominal `marsedl simulate`. The plan is a pure function of the mission, the atmosphere
# grid and the code, so it is kept on disk under a key that hashes all three (every source file of the
# package, the numpy and numba versions): any change to any of them is a different key, never a stale plan.
# MARSEDL_NO_CACHE=1 turns the cache off; MARSEDL_CACHE_DIR moves it (default: $XDG_CACHE_HOME/marsedl or
# ~/.cache/marsedl). A cache that cannot be read or written is ignored. Every code change makes new keys, so the
# folder is pruned after each save to the PLAN_CACHE_MAX most recently used plans (a load touches its file's
# modification time); clear_plan_cache() empties it.

_PLAN_FORMAT = 1
_REF_FIELDS = ("speed_m_s", "range_to_go_m", "drag_m_s2", "altitude_rate_m_s", "f1", "f2", "f3")

#: Plans kept in the cache folder; older ones (by last use: save or load) are removed after each save.
PLAN_CACHE_MAX = 64


def plan_cache_folder() -> Path:
    """The plan cache folder, whether or not caching is on."""
    base = os.environ.get("MARSEDL_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = os.path.join(xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache"), "marsedl")
    return Path(base) / "plans"


def plan_cache_dir() -> Path | None:
    """Folder of cached plans, or None when caching is off (``MARSEDL_NO_CACHE`` set and not ``0``)."""
    if os.environ.get("MARSEDL_NO_CACHE", "0") not in ("", "0"):
        return None
    return plan_cache_folder()


@functools.cache
def _code_digest() -> str:
    """Hash of every source file of the installed package and of the numeric libraries' versions."""
    import numba

    import marsedl

    h = hashlib.sha256(f"{marsedl.__version__}|{np.__version__}|{numba.__version__}".encode())
    root = Path(marsedl.__file__).parent
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]  # (the compiled kernels' cache: hundreds)
        files += [Path(folder, n) for n in names if n.endswith((".py", ".toml", ".csv"))]
    for path in sorted(files):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def plan_key(mission: Mission, cfg: EngineConfig) -> str:
    """Cache key of a mission's plan: mission, engine configuration, atmosphere grid and code."""
    h = hashlib.sha256(f"plan{_PLAN_FORMAT}|{_code_digest()}".encode())
    # the plan flies to the parachute, never to the powered descent: the hazard map ([trn]) does not change it
    h.update(mission.model_dump_json(exclude={"trn"}).encode())
    h.update(repr((cfg.planet, cfg.site, cfg.sequence, cfg.steps, cfg.guidance, cfg.entry_altitude_m)).encode())
    v = cfg.vehicle
    for a in (v.aero_cd, v.aero_cl, v.chute_cd_s):
        h.update(np.ascontiguousarray(a).tobytes())
    atm = cfg.atmosphere
    for name in ("log_density", "log_pressure", "temperature_k", "sound_speed_m_s", "wind_east_m_s",
                 "wind_north_m_s", "top_scale_height_m", "bottom_scale_height_m"):
        h.update(np.ascontiguousarray(getattr(atm, name)).tobytes())
    h.update(repr((atm.h_min_m, atm.dh_m)).encode())
    return h.hexdigest()


def _load_plan(path: Path) -> Plan | None:
    """The plan stored at ``path`` (None when missing or unreadable); a good read marks the file as just used."""
    try:
        with np.load(path, allow_pickle=False) as z:
            ref = ReferenceTrajectory(*(z[f] for f in _REF_FIELDS), lod_vertical_ref=z["lod_vertical_ref"])
            plan = Plan(y0=z["y0"], reference=ref, chute_range_m=float(z["chute_range_m"]),
                        reference_bank_rad=float(z["reference_bank_rad"]), entry_lat_deg=float(z["entry_lat_deg"]),
                        entry_lon_deg=float(z["entry_lon_deg"]), entry_azimuth_deg=float(z["entry_azimuth_deg"]),
                        reference_miss_m=float(z["reference_miss_m"]))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, MarsEDLError):  # damaged: plan again
        return None
    try:
        os.utime(path)  # last use, for pruning (file systems mounted noatime do not keep access times)
    except OSError:
        pass
    return plan


def _plan_files(folder: Path) -> list[Path]:
    """Cached plan files in ``folder`` (``<key>.npz``; not the ``<key>.<pid>.tmp.npz`` of a save in progress)."""
    try:
        return [p for p in folder.glob("*.npz") if "." not in p.stem]
    except OSError:
        return []


def _prune_plans(folder: Path, keep: int = PLAN_CACHE_MAX, *, spare: Path | None = None) -> int:
    """Remove all but the ``keep`` most recently used plan files of ``folder`` (``spare`` is always kept).

    Returns the number of files removed; a file that cannot be read or removed is left alone.
    """
    used = []
    for p in _plan_files(folder):
        try:
            used.append((p.stat().st_mtime_ns, p.name, p))
        except OSError:
            continue
    used.sort(reverse=True)
    if spare is not None:  # the plan just saved counts among the kept, whatever the clock says
        used.sort(key=lambda u: u[2].name != spare.name)
    return _remove([p for _, _, p in used[max(keep, 0):]])


def _remove(files: list[Path]) -> int:
    """Delete ``files``; returns how many went (one that cannot be removed is left alone)."""
    removed = 0
    for p in files:
        try:
            p.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def clear_plan_cache() -> int:
    """Remove every cached plan (also when caching is off with ``MARSEDL_NO_CACHE``).

    Returns
    -------
    int
        Number of files removed (plans and left-over partial saves); files that cannot be removed are skipped.
    """
    try:
        files = list(plan_cache_folder().glob("*.npz"))
    except OSError:
        return 0
    return _remove(files)


def _save_plan(path: Path, plan: Plan) -> None:
    ref = plan.reference
    data = {f: getattr(ref, f) for f in _REF_FIELDS}
    data["lod_vertical_ref"] = np.asarray(ref.lod_vertical_ref)
    data["y0"] = plan.y0
    for f in ("chute_range_m", "reference_bank_rad", "entry_lat_deg", "entry_lon_deg", "entry_azimuth_deg",
              "reference_miss_m"):
        data[f] = np.asarray(getattr(plan, f))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **data)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError:
        return
    _prune_plans(path.parent, spare=path)


def cached_plan(mission: Mission, cfg: EngineConfig, *, cache: bool = True) -> tuple[Plan, bool]:
    """:func:`plan_mission`, from the plan cache when an identical plan was made before.

    Returns
    -------
    plan, from_cache
    """
    folder = plan_cache_dir() if cache else None
    path = folder / f"{plan_key(mission, cfg)}.npz" if folder is not None else None
    if path is not None and path.exists():
        plan = _load_plan(path)
        if plan is not None:
            return plan, True
    plan = plan_mission(mission, cfg)
    if path is not None:
        _save_plan(path, plan)
    return plan, False


def prepare(preset: str | None = "mars2020", *, preset_file: str | Path | None = None,
            overrides: list[str] | None = None, atmosphere: str | None = None, cache: bool = True,
            mission: dict | None = None) -> Setup:
    """Load, validate and plan a mission (everything before the flight).

    ``mission`` is a preset as Python data (the TOML's tables as nested dicts) instead of a name or a file.

    ``cache=False`` always plans afresh (see :func:`cached_plan`; ``MARSEDL_NO_CACHE=1`` does the same).
    """
    if mission is not None:
        data, origin = mission, f"mission {mission.get('name', '')!s}".strip()
    else:
        data, origin = read_preset(preset, preset_file)
    data = apply_overrides(data, overrides)
    if data.get("kind") == "body":  # a lone body (marsedl.body): nothing to plan
        from marsedl.body import BodyMission, body_config

        body = validate_mission(data, origin, BodyMission)
        cfg, atm_name, _ = body_config(body, atmosphere)
        return Setup(mission=body, config=cfg, plan=None, atmosphere_name=atm_name)
    return plan_setup(validate_mission(data, origin), atmosphere, cache=cache)


def plan_setup(mission: Mission, atmosphere: str | None = None, *, cache: bool = True) -> Setup:
    """Plan a validated mission: its engine configuration, its plan (from the cache when it holds it) and the
    reference the guidance flies. The one way every command and the Python API plan a mission."""
    cfg, atm_name = build_config(mission, atmosphere)
    try:
        plan, _ = cached_plan(mission, cfg, cache=cache)
    except PlanningError as exc:
        raise PlanningError(f"{mission.name}: planning failed: {exc}") from None
    cfg = replace(cfg, reference=plan.reference)
    return Setup(mission=mission, config=cfg, plan=plan, atmosphere_name=atm_name)


def nominal_cases(setup: Setup, n: int = 1, *, guided: bool | None = None) -> CaseInputs:
    """Inputs for ``n`` identical nominal cases (Monte Carlo replaces fields with dispersed draws)."""
    m = setup.mission
    p = setup.plan
    guided = m.guidance.enabled if guided is None else guided
    trig = m.parachute.range_trigger_m
    return CaseInputs.broadcast(
        n, y0=p.y0, bank0_rad=p.reference_bank_rad, guided=guided, planar=False, aim_range_m=p.chute_range_m,
        range_trigger_m=p.chute_range_m if trig == "auto" else float(trig),
        velocity_trigger_m_s=m.parachute.velocity_trigger_m_s, stop_speed_m_s=0.0, cd_scale=1.0, cl_scale=1.0,
        chute_cd_scale=1.0, density_factor=1.0, atm_row=0, deploy_enabled=True,
        target_lat_rad=np.radians(m.site.lat_deg), target_lon_rad=np.radians(m.site.lon_deg),
        divert_limit_m=m.sequence.divert_limit_m,
    )


def simulate(preset: str | None = "mars2020", *, preset_file: str | Path | None = None,
             overrides: list[str] | None = None, atmosphere: str | None = None, guidance: bool | None = None,
             record: bool = True, mission: dict | None = None) -> SimulationResult:
    """Fly a mission's nominal EDL from entry interface to touchdown, with every shed body to its impact.

    Parameters
    ----------
    preset : str
        Shipped preset name (``marsedl presets`` lists them).
    preset_file : path, optional
        A user's own TOML preset instead.
    mission : dict, optional
        A preset as Python data instead (the TOML's tables as nested dicts; a body with ``"kind": "body"``).
    overrides : list of str, optional
        ``path.to.field=value`` overrides.
    atmosphere : str, optional
        Atmosphere name or file (see :func:`marsedl.atmosphere.get_atmosphere`); default from the preset.
    guidance : bool, optional
        Turn entry guidance on/off (default: the preset's ``guidance.enabled``).
    record : bool
        Keep the time histories (``to_dataframe()``).

    Returns
    -------
    SimulationResult
    """
    t0 = time.perf_counter()
    setup = prepare(preset, preset_file=preset_file, overrides=overrides, atmosphere=atmosphere, mission=mission)
    t_plan = time.perf_counter() - t0
    # what was flown, kept with the result (a saved run's inputs): the resolved preset and how it was asked for
    inputs = {"preset": None if preset_file or mission is not None else preset,
              "preset_file": str(preset_file) if preset_file else None, "overrides": list(overrides or []),
              "atmosphere": atmosphere, "guidance": guidance, "seed": None,
              "mission": setup.mission.model_dump(mode="json")}
    return fly(setup, guidance=guidance, record=record, inputs=inputs, started=t0, planning_s=t_plan)


def fly(setup: Setup, *, guidance: bool | None = None, record: bool = True, inputs: dict | None = None,
        started: float | None = None, planning_s: float | None = None) -> SimulationResult:
    """Fly a prepared mission's nominal case (:func:`prepare`): what :func:`simulate` does after preparing.

    ``inputs`` is kept with the result (a saved run's inputs); ``started`` (``time.perf_counter()``) and
    ``planning_s`` time the run for ``info``.
    """
    t0 = time.perf_counter() if started is None else started
    if setup.plan is None:
        return _simulate_body(setup, record, t0, inputs)
    out = Engine(setup.config).run(nominal_cases(setup, guided=guidance), record=record)
    m = setup.mission
    info = {"entry_lat_deg": setup.plan.entry_lat_deg, "entry_lon_deg": setup.plan.entry_lon_deg,
            "entry_azimuth_deg": setup.plan.entry_azimuth_deg, "reference_miss_m": setup.plan.reference_miss_m,
            "parachute_phase_range_m": setup.plan.chute_range_m, "planning_s": planning_s,
            "elapsed_s": time.perf_counter() - t0}
    return build_result(out, case=0, preset=m.name, target_lat_deg=m.site.lat_deg,
                        target_lon_deg=m.site.lon_deg, radius_m=m.site.areoid_radius_m + m.site.ground_mola_m,
                        atmosphere=setup.atmosphere_name, info=info, inputs=inputs)


def _simulate_body(setup: Setup, record: bool, t0: float, inputs: dict | None) -> SimulationResult:
    """Fly a body preset's one case (:mod:`marsedl.body`) on the same engine."""
    from marsedl.body import body_cases

    m, cfg = setup.mission, setup.config
    out = Engine(cfg).run(body_cases(m, cfg), record=record)
    i = m.initial
    vn, ve, _ = i.velocity_ned_m_s
    info = {"entry_lat_deg": i.lat_deg, "entry_lon_deg": i.lon_deg,
            "entry_azimuth_deg": float(np.degrees(np.arctan2(ve, vn)) % 360.0), "planet": cfg.planet.name,
            "kind": "body", "elapsed_s": time.perf_counter() - t0}
    return build_result(out, case=0, preset=m.name, target_lat_deg=i.lat_deg, target_lon_deg=i.lon_deg,
                        radius_m=cfg.site.areoid_radius_m + cfg.site.ground_mola_m, atmosphere=setup.atmosphere_name,
                        info=info, planet=cfg.planet, inputs=inputs)


__all__ = ["PLAN_CACHE_MAX", "Outcome", "Setup", "build_config", "cached_plan", "clear_plan_cache", "fly",
           "nominal_cases",
           "plan_setup",
           "plan_cache_dir", "plan_cache_folder", "plan_key", "plan_mission", "prepare", "simulate"]
