"""The engine alone: dispersed full cases per second (one thread) with the presets' [integration] settings
against the settings they replaced, in one process.

Usage::

    python benchmarks/bench_engine.py [--n 500] [--preset mars2020] [--repeat 5]

Both runs use the same engine code and the same drawn cases (seed 7); the baseline is the earlier settings
(coast 10 s, parachute 0.5 s, inflation 0.02 s, RK4 under thrust). Times are the best of ``--repeat`` runs, in
CPU seconds of this process (on a machine shared with other work the CPU time is the steadier measure; the
wall time is printed too). Also prints the nominal case's body steps under each.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from marsedl.engine import Engine
from marsedl.flight import nominal_cases
from marsedl.montecarlo import plan_run
from marsedl.montecarlo.cases import build_cases
from marsedl.montecarlo.sampling import draw_cases


def compare(ctx, engines: dict[str, Engine], n: int, repeat: int) -> dict[str, float]:
    """Fly the same ``n`` dispersed cases (seed 7) with each engine, best of ``repeat`` after a warm-up; print each
    one's nominal body steps and cases/s, and return the best CPU seconds by name."""
    cases = build_cases(ctx, draw_cases(ctx.spec, 7, 0, n))
    best = {}
    for name, eng in engines.items():
        rows = eng.run(nominal_cases(ctx.setup, 1), record=True).history["t"].size
        eng.run(cases)
        cpu, wall = [], []
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            eng.run(cases)
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - t)
        best[name] = min(cpu)
        print(f"{name:17s} nominal body steps {rows:5d}   {n} cases: {min(cpu):.3f} s CPU ({min(wall):.3f} s wall), "
              f"{n / min(cpu):,.0f} cases/s (one thread)")
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--preset", default="mars2020")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    ctx = plan_run(a.preset)
    cfg = ctx.setup.config
    before = replace(cfg.steps, coast=10.0, parachute=0.5, inflation=0.02, powered_midpoint=False)
    engines = {"earlier settings": Engine(replace(cfg, steps=before)), "preset settings": Engine(cfg)}
    best = compare(ctx, engines, a.n, a.repeat)
    print(f"ratio {best['earlier settings'] / best['preset settings']:.2f}x")


if __name__ == "__main__":
    main()
