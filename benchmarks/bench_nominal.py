"""How fast is marsedl? Nominal run (planning + flight), the cold CLI command, and batch throughput.

Every number is printed next to a baseline measured by this same script on this machine: the same engine and
laws with each body's stepping loop stopped and resumed after every step (``marsedl.engine.core._MAX_STEPS = 1``:
its columns refreshed and its observables evaluated again at each step; since a whole case flies in compiled
code, no longer a return to Python), against the default where the stepping loop runs from event to event. Both
fly the same laws and give the same numbers, bit for bit.

Usage::

    python benchmarks/bench_nominal.py            # everything (about 2-4 minutes on 2 cores)
    python benchmarks/bench_nominal.py --quick    # skip n = 10,000 and the slow baselines
    python benchmarks/bench_nominal.py --cli --repeat 9   # the cold command's rows only

Rows
----
planning (cold)     ``plan_mission``: 2 Newton runs of 3 cases + the recorded reference run
planning (cached)   ``prepare`` when the plan is in the cache (keyed by mission, atmosphere and code)
flight              the nominal run, events only (``record=False``, as Monte Carlo flies; against stepping once
                    per call) and with histories (``record=True``, as ``simulate`` does: no stepwise ratio)
simulate()          ``marsedl.simulate("mars2020")`` in process, plan cache off / on
CLI cold            ``python -m marsedl simulate mars2020 --json`` in a fresh process, best of 3, with Python's
                    bytecode cached (as in any installed package: PYTHONDONTWRITEBYTECODE is lifted and the
                    bytecode kept in a temporary PYTHONPYCACHEPREFIX); "Numba's floor" is a fresh process
                    that imports numba and calls one trivial cached function (which sets up Numba's CPU
                    target): the part of the cold command that is not marsedl's
compile             first call of the kernels with an empty numba cache (once per machine and version)
batch n             ``Engine.run`` of n full cases (every body to impact), small density and fpa dispersions,
                    in a fresh process: wall time, cases/s and peak resident memory
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_STEPWISE_PATCH = "import marsedl.engine.core as _c; _c._MAX_STEPS = 1; "


@contextlib.contextmanager
def stepwise_engine():
    """Every Engine run inside takes one step per kernel call (the baseline)."""
    import marsedl.engine.core as core

    old = core._MAX_STEPS
    core._MAX_STEPS = 1
    try:
        yield
    finally:
        core._MAX_STEPS = old


@contextlib.contextmanager
def env(**values):
    """Environment variables set (a value of None removes the variable) for the block."""
    old = {k: os.environ.get(k) for k in values}
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def in_process(repeat: int) -> list[tuple[str, float, float]]:
    from marsedl.engine import Engine
    from marsedl.flight import build_config, nominal_cases, plan_mission, prepare, simulate
    from marsedl.scenario import load_mission

    mission = load_mission("mars2020")
    cfg, _ = build_config(mission)
    setup = prepare("mars2020")  # warm: kernels loaded/compiled, plan cached
    cases = nominal_cases(setup)
    rows = []

    def pair(name, fn, base_repeat=1):
        fast = best(fn, repeat)
        with stepwise_engine():
            base = best(fn, base_repeat)
        rows.append((name, base, fast))

    pair("planning (cold)", lambda: plan_mission(mission, cfg))
    fast = best(lambda: prepare("mars2020"), repeat)
    with stepwise_engine(), env(MARSEDL_NO_CACHE="1"):
        base = best(lambda: prepare("mars2020"), 1)
    rows.append(("planning (cached) vs cold stepwise", base, fast))
    pair("flight, events only", lambda: Engine(setup.config).run(cases))
    rows.append(("flight, with histories", float("nan"),
                 best(lambda: Engine(setup.config).run(cases, record=True), repeat)))
    with env(MARSEDL_NO_CACHE="1"):
        fast = best(lambda: simulate("mars2020"), repeat)
        with stepwise_engine():
            base = best(lambda: simulate("mars2020"), 1)
    rows.append(("simulate() plan cache off", base, fast))
    rows.append(("simulate() plan cache on", base, best(lambda: simulate("mars2020"), repeat)))
    return rows


_TRIVIAL = "import numba\n\n\n@numba.njit(cache=True)\ndef one_more(x):\n    return x + 1.0\n"


def cli(repeat: int) -> list[tuple[str, float, float]]:
    with tempfile.TemporaryDirectory() as pyc, env(PYTHONDONTWRITEBYTECODE=None, PYTHONPYCACHEPREFIX=pyc):
        Path(pyc, "trivial_kernel.py").write_text(_TRIVIAL)
        floor = [sys.executable, "-c", f"import sys; sys.path.insert(0, {pyc!r}); import trivial_kernel; "
                 "trivial_kernel.one_more(1.0)"]
        subprocess.run(floor, check=True, capture_output=True)  # compiled and cached once
        return _cli_rows(repeat) + [("  Numba's floor (import + 1 call)", float("nan"),
                                     best(lambda: subprocess.run(floor, check=True, capture_output=True), repeat))]


def _cli_rows(repeat: int) -> list[tuple[str, float, float]]:
    cmd = [sys.executable, "-m", "marsedl", "simulate", "mars2020", "--json"]
    base_cmd = [sys.executable, "-c", _STEPWISE_PATCH + "import sys; from marsedl.cli import main; "
                "sys.argv = ['marsedl', 'simulate', 'mars2020', '--json']; main()"]

    def run(c, **e):
        with env(**e):
            subprocess.run(c, check=True, capture_output=True)

    run(cmd)  # warm the plan cache and the numba cache
    fast_cached = best(lambda: run(cmd), repeat)
    fast_cold = best(lambda: run(cmd, MARSEDL_NO_CACHE="1"), repeat)
    base = best(lambda: run(base_cmd, MARSEDL_NO_CACHE="1"), 1)
    startup = best(lambda: run([sys.executable, "-c", "import marsedl.flight, marsedl.cli"]), repeat)
    return [("CLI cold process, plan cached", base, fast_cached),
            ("CLI cold process, plan cache off", base, fast_cold),
            ("  of which python + imports", float("nan"), startup)]


def compile_time(helper: bool = True) -> float:
    """Seconds the first kernel call costs with an empty numba cache (compilation), in a fresh process.

    Measured as the first minus the second planning of the msl preset (one recorded reference flight). ``helper``:
    with the second process that compiles part of the flight on a machine of two cores or more
    (:mod:`marsedl.engine.warm`; False: ``MARSEDL_COMPILE_HELPER=0``, one process compiles everything).
    """
    code = ("import time; from marsedl.flight import build_config, plan_mission; "
            "from marsedl.scenario import load_mission; mi = load_mission('msl'); cfg, _ = build_config(mi); "
            "t = time.perf_counter(); plan_mission(mi, cfg); a = time.perf_counter() - t; "
            "t = time.perf_counter(); plan_mission(mi, cfg); b = time.perf_counter() - t; print(a - b)")
    with tempfile.TemporaryDirectory() as d, env(NUMBA_CACHE_DIR=d, MARSEDL_COMPILE_HELPER="1" if helper else "0"):
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def batch_worker(n: int, stepwise: bool) -> None:
    """Run in a fresh process: fly n dispersed full cases, print wall time and peak RSS as JSON."""
    import resource

    import numpy as np

    import marsedl.engine.core as core
    from marsedl.engine import CaseInputs, Engine, Outcome
    from marsedl.flight import nominal_cases, prepare

    if stepwise:
        core._MAX_STEPS = 1

    setup = prepare("mars2020")
    base = nominal_cases(setup)
    rng = np.random.default_rng(2026)
    y0 = np.repeat(base.y0, n, axis=0)
    # flight-path angle: rotate the velocity in the vertical plane by N(0, 0.05 deg)
    r, v = y0[:, :3], y0[:, 3:6]
    up = r / np.linalg.norm(r, axis=1, keepdims=True)
    vmag = np.linalg.norm(v, axis=1, keepdims=True)
    vhat = v / vmag
    perp = up - vhat * np.einsum("ij,ij->i", up, vhat)[:, None]
    perp /= np.linalg.norm(perp, axis=1, keepdims=True)
    dg = np.radians(rng.normal(0.0, 0.05, n))[:, None]
    y0[:, 3:6] = vmag * (np.cos(dg) * vhat + np.sin(dg) * perp)
    cases = CaseInputs.broadcast(n, **{**base.__dict__, "y0": y0, "density_factor": rng.normal(1.0, 0.03, n)})
    eng = Engine(setup.config)
    eng.run(CaseInputs.broadcast(1, **base.__dict__))  # load kernels
    t = time.perf_counter()
    out = eng.run(cases)
    wall = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"n": n, "wall_s": wall, "rss_mb": rss_mb,
                      "landed": int((out.outcome == Outcome.LANDED).sum()), "events": int(out.events["t"].size)}))


def batch(n: int, stepwise: bool) -> dict:
    cmd = [sys.executable, __file__, "--batch-worker", str(n)] + (["--stepwise"] if stepwise else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cli", action="store_true", help="only the cold command's rows")
    ap.add_argument("--batch-worker", type=int)
    ap.add_argument("--stepwise", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if a.batch_worker:
        batch_worker(a.batch_worker, a.stepwise)
        return
    print(f"{'':36s} {'stepwise (s)':>14s} {'default (s)':>13s} {'speed-up':>9s}")
    for name, base, fast in ([] if a.cli else in_process(a.repeat)) + cli(a.repeat):
        if base == base:
            print(f"{name:36s} {base:14.3f} {fast:13.3f} {base / fast:8.1f}x")
        else:
            print(f"{name:36s} {'-':>14s} {fast:13.3f}")
    if a.cli:
        return
    print(f"{'first-call kernel compilation':36s} {'':14s} {compile_time():13.1f}")
    print(f"{'  the same in one process':36s} {'':14s} {compile_time(helper=False):13.1f}")
    print()
    print(f"{'batch (full cases)':20s} {'stepw. s':>9s} {'cases/s':>9s} {'RSS MB':>8s} {'default s':>11s} "
          f"{'cases/s':>9s} {'RSS MB':>8s} {'landed':>7s}")
    for n in (100, 1000) if a.quick else (100, 1000, 10000):
        fast = batch(n, stepwise=False)
        base = batch(n, stepwise=True) if (n <= 100 or not a.quick) and n <= 1000 else None
        b = (f"{base['wall_s']:9.2f} {n / base['wall_s']:9.0f} {base['rss_mb']:8.0f}" if base
             else f"{'-':>9s} {'-':>9s} {'-':>8s}")
        print(f"{n:<20d} {b} {fast['wall_s']:11.2f} {n / fast['wall_s']:9.0f} {fast['rss_mb']:8.0f} "
              f"{fast['landed']:7d}")


if __name__ == "__main__":
    main()
