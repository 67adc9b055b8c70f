"""What growing the shed bodies' steps buys: the same dispersed cases flown with fixed ballistic steps
(``integration.dt_ballistic_s``) and with steps that grow to ``integration.dt_ballistic_max_s``, in one process.

Usage::

    python benchmarks/bench_steps.py [--n 500] [--preset mars2020]

Both runs use the same engine build and the same drawn cases (seed 7); the baseline is the fixed-step flight.
Prints the best of four timings of each (one thread) and the body steps of the nominal case.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--preset", default="mars2020")
    a = ap.parse_args()
    ctx = plan_run(a.preset)
    cfg = ctx.setup.config
    engines = {"fixed steps": Engine(replace(cfg, steps=replace(cfg.steps, ballistic_max=None))),
               "growing steps": Engine(cfg)}
    cases = build_cases(ctx, draw_cases(ctx.spec, 7, 0, a.n))
    best = {}
    for name, eng in engines.items():
        rows = eng.run(nominal_cases(ctx.setup, 1), record=True).history["t"].size
        times = []
        for _ in range(4):
            t = time.perf_counter()
            eng.run(cases)
            times.append(time.perf_counter() - t)
        best[name] = min(times)
        print(f"{name:14s} nominal body steps {rows:5d}   {a.n} cases: {best[name]:.2f} s, "
              f"{a.n / best[name]:,.0f} cases/s (one thread)")
    print(f"ratio {best['fixed steps'] / best['growing steps']:.2f}x")


if __name__ == "__main__":
    main()
