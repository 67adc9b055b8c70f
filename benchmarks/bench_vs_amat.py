"""The same hypersonic Mars entry in marsedl and in AMAT 2.4.1: agreement of the results and trajectories per second.

Run from the repository root::

    python benchmarks/bench_vs_amat.py --amat-python /work/venvs/amat312/bin/python
    python benchmarks/bench_vs_amat.py              # marsedl only; AMAT is reported as skipped

AMAT (PyPI ``amat`` 2.4.1, Python 3.12) lives in its own virtual environment; see ``benchmarks/README.md``. Its
side runs in a subprocess (``benchmarks/amat_case.py``) that flies the case, times its own loop and prints JSON.

The case (issue 4): ballistic coefficient 135 kg/m^2, L/D 0.24, constant bank 60 deg, entry 125 km altitude,
5.5 km/s, flight-path angle -15.5 deg, AMAT's Mars-GRAM mean profile ``mars-gram-avg.dat``, flown to 10 km.
The profile is read from ``../shared/data/marsgram/mars-gram-avg.dat`` beside the repository (it is AMAT's data
file, not part of marsedl; ``--atmosphere`` points elsewhere). Compared: peak deceleration (g = 9.80665 m/s^2),
time from 125 km to 10 km, planet-relative speed at 10 km; they must agree within 1 %.

Physical assumptions, chosen so that both codes fly the same problem (AMAT's model is the reference; each item
is read from AMAT 2.4.1's ``planet.py`` / ``vehicle.py``):

* Planet: AMAT's Mars is a *sphere* of radius RP = 3389.5 km (also the J2 reference radius) with
  GM = 4.282837e13 m^3/s^2, J2 = 1960.45e-6 and rotation 7.088253e-5 rad/s. marsedl flies the same sphere
  (``Planet`` with equatorial = polar = mean radius = RP, ``Site`` areoid radius RP, so the undulation is 0),
  the same GM and J2, and AMAT's rotation rate (marsedl's own is 7.088218e-5 rad/s; the difference is
  irrelevant, but there is no reason to keep it). AMAT also has J3 = 31.5e-6, which marsedl's gravity does not
  model: AMAT's J3 is set to 0 in the subprocess (its effect is reported by ``--amat-j3`` runs in the README).
* Altitude: height above that sphere, ``r - RP``, in both (marsedl: MOLA altitude over an areoid equal to the
  sphere). "10 km" is ``r = RP + 10 km``; marsedl puts the site's ground at 10 km so that its IMPACT event is
  the 10 km crossing, located inside the integration step.
* Speeds and angles are planet-relative (AMAT's state is relative; marsedl's ``CaseInputs.y0`` velocity is
  relative). Entry at latitude 0, longitude 0, heading due east (AMAT heading 0 deg from east; marsedl azimuth
  90 deg from north).
* Bank sign: AMAT's positive bank turns the vehicle to the left (north when flying east: ``a_w = L sin(bank)``
  raises the heading measured towards north); marsedl's positive bank turns right (lift side = velocity x
  lift-up). AMAT flies +60 deg and marsedl -60 deg, so both turn north; the table prints the latitude at 10 km
  as a check of that convention. (AMAT's latitude comes out ~1 % short: its heading equation divides by
  ``cos(gamma) + 1e-2``; with that guard removed AMAT gives 0.6013 deg against marsedl's 0.6018 deg.)
* Aerodynamics: constant C_D and C_L (no Mach dependence): AMAT ``C_D = m / (beta A)``, ``C_L = 0.24 C_D``;
  marsedl's trim-attitude tables hold the constant ``C_D A = m / beta`` and ``C_L A = 0.24 m / beta``. Mass and
  area are the Mars 2020 preset's (3369 kg, 15.9 m^2; sources in ``missions/mars2020.toml``); only beta and
  L/D matter for the trajectory.
* Atmosphere: the same table. AMAT interpolates density cubically in altitude and sets it to exactly 0 above
  120 km; marsedl interpolates log-density linearly and continues the table's top exponentially (density at
  120-125 km is ~1e-8 kg/m^3: the drag there changes the speed by millimetres per second). No winds.
* Peak deceleration: the magnitude of the aerodynamic acceleration (drag and lift) in both. AMAT's own
  ``acc_net_g`` has a typo (``a_w*2.0`` for ``a_w**2.0``), so the AMAT side recomputes the magnitude from AMAT's
  own acceleration components; AMAT's formula is shown too.
* marsedl integrates with the Mars 2020 preset's settings: the entry flown at constant bank without guidance
  takes error-controlled Dormand-Prince 5(4) steps (``step_tolerance_m`` 0.01 m, m/s; ``--fixed-steps`` also
  times RK4 at the preset's 0.5 s entry step, as before); AMAT with ``odeint`` (LSODA) and
  ``solve_ivp`` (RK45) at tol 1e-6 sampled every 0.1 s, as in AMAT's examples.

Speed: AMAT has no batch mode; its Monte Carlo is a Python loop over ``propogateEntry`` calls, so the AMAT figure
is that loop (``--amat-repeats`` trajectories, each propagated just 5 s past the 10 km crossing — the kindest
span for AMAT, whose ``odeint`` has no stop event — and the faster of its two propagators), on one core. marsedl
flies N identical copies of the case in one batched ``Engine.run``, on one thread and on ``--threads`` threads
(``Engine(threads=...)``: the compiled kernels step disjoint slices of the batch without the GIL); its per-case
time at N = 1 is printed too. Two ratios are printed: one thread against AMAT's one core, and the whole machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from marsedl.atmosphere import AtmosphereGrid, read_marsgram_avg
from marsedl.engine import CaseInputs, Engine, EngineConfig, Ev, Outcome
from marsedl.flight import build_config
from marsedl.planet import Planet, Site, spherical_to_cartesian, velocity_from_flight
from marsedl.scenario import load_mission
from marsedl.vehicle import AERO_TRIM

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ATMOSPHERE = REPO.parent / "shared" / "data" / "marsgram" / "mars-gram-avg.dat"
AMAT_SCRIPT = Path(__file__).resolve().with_name("amat_case.py")

# --- the case (issue 4, "benchmarks/bench_vs_amat.py")
BETA_KG_M2 = 135.0
LIFT_TO_DRAG = 0.24
BANK_DEG = 60.0  # magnitude; marsedl flies -60 deg, AMAT +60 deg (both turn north, see the module docstring)
ENTRY_ALTITUDE_M = 125e3
ENTRY_SPEED_M_S = 5500.0
ENTRY_FPA_DEG = -15.5
END_ALTITUDE_M = 10e3
ENTRY_LAT_DEG = 0.0
ENTRY_LON_DEG = 0.0
ENTRY_AZIMUTH_DEG = 90.0  # due east (marsedl: from north; AMAT heading 0 deg from east)

# --- AMAT 2.4.1's Mars (AMAT/planet.py, Planet("MARS")), flown by both codes
AMAT_RP_M = 3389.5e3  # sphere radius and J2 reference radius
AMAT_GM_M3_S2 = 4.282837e13
AMAT_J2 = 1960.45e-6
AMAT_OMEGA_RAD_S = 7.088253e-5

# --- AMAT solver settings (values used throughout AMAT's example notebooks)
AMAT_TOL = 1e-6
AMAT_DT_S = 0.1
AMAT_T_SEC = 1500.0  # span of the result run; the timed runs stop 5 s past the 10 km crossing

TOLERANCE = 0.01  # the "agree within 1 %"
METRICS = (("peak_decel_g", "peak deceleration", "g", 3),
           ("time_to_10km_s", "time 125 -> 10 km", "s", 2),
           ("speed_at_10km_m_s", "speed at 10 km", "m/s", 2))


# ---------------------------------------------------------------------------------------------- marsedl side


def marsedl_config(atmosphere_file: Path) -> tuple[EngineConfig, float]:
    """The Mars 2020 engine configuration turned into the benchmark case; returns ``(config, mass_kg)``."""
    cfg, _ = build_config(load_mission("mars2020"))
    planet = Planet(name="AMAT Mars sphere", gm_m3_s2=AMAT_GM_M3_S2, equatorial_radius_m=AMAT_RP_M,
                    polar_radius_m=AMAT_RP_M, mean_radius_m=AMAT_RP_M, j2=AMAT_J2,
                    rotation_rate_rad_s=AMAT_OMEGA_RAD_S)
    # ground at 10 km above the sphere: the IMPACT event is the 10 km crossing, located inside the step
    site = Site(lat_deg=ENTRY_LAT_DEG, lon_deg=ENTRY_LON_DEG, ground_mola_m=END_ALTITUDE_M,
                areoid_radius_m=AMAT_RP_M, planet=planet)
    grid = AtmosphereGrid.from_atmosphere(read_marsgram_avg(atmosphere_file), h_min_m=-9000.0, h_max_m=200000.0,
                                          dh_m=100.0)
    vehicle = cfg.vehicle
    mass = vehicle.entry_mass_kg
    cd = vehicle.aero_cd.copy()
    cl = vehicle.aero_cl.copy()
    cd[AERO_TRIM] = mass / BETA_KG_M2  # C_D A, m^2, constant in Mach
    cl[AERO_TRIM] = LIFT_TO_DRAG * mass / BETA_KG_M2
    vehicle = replace(vehicle, aero_cd=cd, aero_cl=cl)
    seq = replace(cfg.sequence, sufr_speed_m_s=0.0, cbm_eject_time_s=None)  # no SUFR, no cruise balance masses
    cfg = replace(cfg, planet=planet, site=site, atmosphere=grid, vehicle=vehicle, sequence=seq,
                  reference=None, entry_altitude_m=ENTRY_ALTITUDE_M)
    return cfg, mass


def marsedl_cases(n: int, mass_kg: float) -> CaseInputs:
    """``n`` identical copies of the case: constant bank, no guidance, no parachute."""
    lat, lon = np.radians(ENTRY_LAT_DEG), np.radians(ENTRY_LON_DEG)
    r = spherical_to_cartesian(lat, lon, AMAT_RP_M + ENTRY_ALTITUDE_M)
    v = velocity_from_flight(lat, lon, ENTRY_SPEED_M_S, np.radians(ENTRY_FPA_DEG), np.radians(ENTRY_AZIMUTH_DEG))
    y0 = np.concatenate([r, v, [mass_kg]])
    return CaseInputs.broadcast(
        n, y0=y0, bank0_rad=-np.radians(BANK_DEG), guided=False, planar=False, aim_range_m=0.0,
        range_trigger_m=0.0, velocity_trigger_m_s=0.0, stop_speed_m_s=0.0, cd_scale=1.0, cl_scale=1.0,
        chute_cd_scale=1.0, density_factor=1.0, atm_row=0, deploy_enabled=False, target_lat_rad=0.0,
        target_lon_rad=0.0, divert_limit_m=0.0,
    )


def marsedl_results(cfg: EngineConfig, mass_kg: float) -> dict:
    """The three compared numbers (and the latitude at 10 km) from one marsedl case."""
    out = Engine(cfg).run(marsedl_cases(1, mass_kg))
    ev = out.events
    i = np.flatnonzero((ev["code"] == Ev.IMPACT) & (ev["body"] == 0) & (ev["case"] == 0))
    if i.size != 1 or out.outcome[0] != Outcome.PARACHUTE_NOT_DEPLOYED:
        raise RuntimeError(f"marsedl case did not end at the 10 km crossing (outcome {out.outcome[0]})")
    i = i[0]
    return {"peak_decel_g": float(out.peaks["deceleration_g"][0]),
            "peak_decel_time_s": float(out.peaks["deceleration_time_s"][0]),
            "time_to_10km_s": float(ev["t"][i]), "speed_at_10km_m_s": float(ev["speed"][i]),
            "lat_at_10km_deg": float(np.degrees(ev["lat"][i])), "lon_at_10km_deg": float(np.degrees(ev["lon"][i])),
            "altitude_at_end_m": float(ev["alt_mola"][i])}


def marsedl_timing(cfg: EngineConfig, mass_kg: float, n: int, threads: int = 1, min_seconds: float = 1.0) -> dict:
    """Wall time of one batched run of ``n`` copies on ``threads`` threads (best of repeats totalling at least
    ``min_seconds``)."""
    engine = Engine(cfg, threads=threads)
    cases = marsedl_cases(n, mass_kg)
    best = np.inf
    spent = 0.0
    runs = 0
    while runs < 2 or (spent < min_seconds and runs < 20):
        t0 = time.perf_counter()
        out = engine.run(cases)
        dt = time.perf_counter() - t0
        best = min(best, dt)
        spent += dt
        runs += 1
    if not np.all(out.outcome == Outcome.PARACHUTE_NOT_DEPLOYED):
        raise RuntimeError("a batched marsedl copy did not end at the 10 km crossing")
    return {"n": n, "threads": threads, "runs": runs, "best_s": best, "per_case_s": best / n,
            "trajectories_per_s": n / best}


# ---------------------------------------------------------------------------------------------- AMAT side


def amat_case_json(atmosphere_file: Path, mass_kg: float, area_m2: float, nose_radius_m: float, repeats: int,
                   j3: float | None = 0.0) -> dict:
    """The case in AMAT's terms (keys of ``amat_case.CASE_KEYS``)."""
    return {"mass_kg": mass_kg, "area_m2": area_m2, "beta_kg_m2": BETA_KG_M2, "lift_to_drag": LIFT_TO_DRAG,
            "nose_radius_m": nose_radius_m, "bank_deg": BANK_DEG, "h0_km": ENTRY_ALTITUDE_M / 1e3,
            "lat0_deg": ENTRY_LAT_DEG, "lon0_deg": ENTRY_LON_DEG, "v0_km_s": ENTRY_SPEED_M_S / 1e3,
            "heading0_deg": 90.0 - ENTRY_AZIMUTH_DEG, "fpa0_deg": ENTRY_FPA_DEG,
            "atmosphere_file": str(atmosphere_file), "j3": j3, "omega_rad_s": None, "tol": AMAT_TOL,
            "dt_s": AMAT_DT_S, "t_sec": AMAT_T_SEC, "repeats": repeats}


def run_amat(python: str, case: dict, timeout_s: float = 1800.0) -> dict:
    """Run ``amat_case.py`` in AMAT's interpreter; return its JSON (raises RuntimeError with its message)."""
    cmd = [python, str(AMAT_SCRIPT), "--case", json.dumps(case)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"could not run AMAT with {python}: {exc}") from None
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"AMAT subprocess ({python}) exited {proc.returncode}: {tail}")
    data = json.loads(lines[-1])
    if "error" in data:
        raise RuntimeError(f"AMAT subprocess: {data['error']}")
    return data


# ---------------------------------------------------------------------------------------------- report


def machine() -> str:
    """CPU model, logical CPU count, OS and Python version, for the README's results table."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    py = sys.version.split()[0]
    return f"{cpu}; {os.cpu_count()} logical CPUs; {platform.system()} {platform.release()}; Python {py}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="marsedl vs AMAT 2.4.1 on the issue-4 hypersonic case")
    p.add_argument("--amat-python", help="python of AMAT's venv (e.g. /work/venvs/amat312/bin/python); "
                                         "without it only the marsedl side runs")
    p.add_argument("--atmosphere", type=Path, default=DEFAULT_ATMOSPHERE,
                   help="AMAT's mars-gram-avg.dat (default: ../shared/data/marsgram/ beside the repo)")
    p.add_argument("--batch", type=int, nargs="+", default=[1, 100, 1000, 10000],
                   help="marsedl batch sizes N to time (default 1 100 1000 10000)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="threads of the multi-threaded marsedl rows (default: all logical CPUs; 1 thread is "
                        "always timed too)")
    p.add_argument("--amat-repeats", type=int, default=50, help="trajectories in AMAT's timed loop (default 50)")
    p.add_argument("--amat-j3", action="store_true", help="also run AMAT with its own J3 = 31.5e-6 (not timed)")
    p.add_argument("--fixed-steps", action="store_true",
                   help="also fly and time marsedl with fixed RK4 steps (the preset's 0.5 s entry step) instead of "
                        "its error-controlled steps, at the largest batch")
    p.add_argument("--json", type=Path, help="also write every number to this JSON file")
    p.add_argument("--print-amat-command", action="store_true",
                   help="print the command that runs the AMAT side by hand, and exit")
    args = p.parse_args(argv)
    if not args.atmosphere.is_file():
        print(f"atmosphere file not found: {args.atmosphere} (AMAT's mars-gram-avg.dat; pass --atmosphere)")
        return 2
    if any(n < 1 for n in args.batch) or args.amat_repeats < 1 or args.threads < 1:
        print("--batch sizes, --threads and --amat-repeats must be >= 1")
        return 2

    cfg, mass = marsedl_config(args.atmosphere)
    report: dict = {"machine": machine(), "case": amat_case_json(args.atmosphere, mass, cfg.vehicle.aeroshell_area_m2,
                                                                  cfg.vehicle.nose_radius_m, args.amat_repeats)}
    if args.print_amat_command:
        print(shlex.join([args.amat_python or "AMAT_PYTHON", str(AMAT_SCRIPT), "--case", json.dumps(report["case"])]))
        return 0
    load_before = os.getloadavg()[0]
    Engine(cfg).run(marsedl_cases(1, mass))  # warm-up (imports, caches)
    ours = marsedl_results(cfg, mass)
    timings = [marsedl_timing(cfg, mass, n) for n in args.batch]
    if args.threads > 1:
        timings += [marsedl_timing(cfg, mass, n, threads=args.threads) for n in args.batch if n > 1]
    report["marsedl"] = {"results": ours, "timing": timings, "dt_entry_s": cfg.steps.entry,
                         "step_tolerance_m": cfg.steps.tolerance}
    if args.fixed_steps:  # the same case at fixed RK4 steps, timed in this process
        fixed = replace(cfg, steps=replace(cfg.steps, tolerance=None))
        n = max(args.batch)
        fixed_timings = [marsedl_timing(fixed, mass, n)]
        if args.threads > 1 and n > 1:
            fixed_timings.append(marsedl_timing(fixed, mass, n, threads=args.threads))
        report["marsedl_fixed_steps"] = {"results": marsedl_results(fixed, mass), "timing": fixed_timings}

    amat = None
    if args.amat_python:
        try:
            amat = run_amat(args.amat_python, report["case"])
            if args.amat_j3:
                j3_case = dict(report["case"], j3=None, repeats=1)
                report["amat_with_j3"] = run_amat(args.amat_python, j3_case)
        except RuntimeError as exc:
            print(f"AMAT failed: {exc}")
            return 1
        report["amat"] = amat

    print(f"marsedl vs AMAT 2.4.1 — beta {BETA_KG_M2:g} kg/m2, L/D {LIFT_TO_DRAG:g}, bank {BANK_DEG:g} deg, "
          f"{ENTRY_ALTITUDE_M / 1e3:g} km, {ENTRY_SPEED_M_S / 1e3:g} km/s, {ENTRY_FPA_DEG:g} deg -> "
          f"{END_ALTITUDE_M / 1e3:g} km, {args.atmosphere.name}")
    report["load_average_1min"] = [load_before, os.getloadavg()[0]]
    print(f"machine: {report['machine']}")
    print(f"1-min load average before / after the timings: {load_before:.2f} / {report['load_average_1min'][1]:.2f} "
          f"(timings are only comparable on a quiet machine)")
    print()
    ok = True
    if amat is None:
        print("AMAT skipped (no --amat-python): marsedl results only")
        print(f"{'quantity':<22}{'marsedl':>12}")
        for key, label, unit, nd in METRICS:
            print(f"{label + ' (' + unit + ')':<22}{ours[key]:>12.{nd}f}")
        print(f"{'latitude at 10 km (deg)':<22}{ours['lat_at_10km_deg']:>12.4f}")
    else:
        best_name = max(("propogateEntry", "propogateEntry2"), key=lambda k: amat[k]["trajectories_per_s"])
        ref = amat[best_name]
        print(f"{'quantity':<26}{'marsedl':>12}{'AMAT':>12}{'difference':>12}  within 1 %")
        diffs = {}
        for key, label, unit, nd in METRICS:
            d = ours[key] / ref[key] - 1.0
            diffs[key] = d
            ok &= abs(d) <= TOLERANCE
            print(f"{label + ' (' + unit + ')':<26}{ours[key]:>12.{nd}f}{ref[key]:>12.{nd}f}{d:>+11.3%}  "
                  f"{'yes' if abs(d) <= TOLERANCE else 'NO'}")
        print(f"{'latitude at 10 km (deg)':<26}{ours['lat_at_10km_deg']:>12.4f}{ref['lat_at_10km_deg']:>12.4f}")
        print(f"{'longitude at 10 km (deg)':<26}{ours['lon_at_10km_deg']:>12.4f}{ref['lon_at_10km_deg']:>12.4f}")
        print(f"(AMAT numbers from {best_name}; AMAT's own acc_net_g formula gives peak "
              f"{ref['peak_decel_g_amat_formula']:.3f} g — see amat_case.py on its a_w*2.0 typo)")
        other = amat["propogateEntry2" if best_name == "propogateEntry" else "propogateEntry"]
        print(f"(AMAT's other propagator: peak {other['peak_decel_g']:.3f} g, {other['time_to_10km_s']:.2f} s, "
              f"{other['speed_at_10km_m_s']:.2f} m/s)")
        if "amat_with_j3" in report:
            j = report["amat_with_j3"][best_name]
            print(f"(AMAT with its J3 = 31.5e-6: peak {j['peak_decel_g']:.3f} g, {j['time_to_10km_s']:.2f} s, "
                  f"{j['speed_at_10km_m_s']:.2f} m/s)")
        report["relative_difference"] = diffs
    print()
    print(f"{'code':<40}{'N':>7}{'wall s':>10}{'per case ms':>13}{'traj/s':>11}{'x AMAT':>9}")
    amat_rate = None
    if amat is not None:
        for name in ("propogateEntry", "propogateEntry2"):
            a = amat[name]
            print(f"{'AMAT ' + name + ' (loop, 1 core)':<40}{a['repeats']:>7}{a['elapsed_s']:>10.3f}"
                  f"{a['per_case_s'] * 1e3:>13.3f}{a['trajectories_per_s']:>11.1f}")
        amat_rate = max(amat[k]["trajectories_per_s"] for k in ("propogateEntry", "propogateEntry2"))
    for t in timings:
        ratio = f"{t['trajectories_per_s'] / amat_rate:>9.1f}" if amat_rate else f"{'-':>9}"
        label = f"marsedl Engine.run (batched, {t['threads']} thread{'s' if t['threads'] > 1 else ''})"
        print(f"{label:<40}{t['n']:>7}{t['best_s']:>10.3f}{t['per_case_s'] * 1e3:>13.3f}"
              f"{t['trajectories_per_s']:>11.1f}{ratio}")
    for t in report.get("marsedl_fixed_steps", {}).get("timing", []):
        ratio = f"{t['trajectories_per_s'] / amat_rate:>9.1f}" if amat_rate else f"{'-':>9}"
        label = f"marsedl fixed 0.5 s steps ({t['threads']} thread{'s' if t['threads'] > 1 else ''})"
        print(f"{label:<40}{t['n']:>7}{t['best_s']:>10.3f}{t['per_case_s'] * 1e3:>13.3f}"
              f"{t['trajectories_per_s']:>11.1f}{ratio}")
    if "marsedl_fixed_steps" in report:
        r = report["marsedl_fixed_steps"]["results"]
        print("marsedl at fixed steps: " + ", ".join(f"{label} {r[key]:.{nd}f} {unit}"
                                                    for key, label, unit, nd in METRICS))
    if amat_rate:
        one = max((t for t in timings if t["threads"] == 1), key=lambda t: t["trajectories_per_s"])
        best = max(timings, key=lambda t: t["trajectories_per_s"])
        report["speed_ratio_one_thread"] = one["trajectories_per_s"] / amat_rate
        report["speed_ratio"] = best["trajectories_per_s"] / amat_rate
        print(f"\nbest marsedl batch on one thread (N = {one['n']}) / fastest AMAT loop: "
              f"{report['speed_ratio_one_thread']:.1f}x (core for core)")
        print(f"best marsedl batch (N = {best['n']}, {best['threads']} threads on {os.cpu_count()} logical CPUs) / "
              f"fastest AMAT loop: {report['speed_ratio']:.1f}x (the machine; issue #9 target: >= 300x)")
        print(f"agreement within 1 %: {'yes' if ok else 'NO'}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
