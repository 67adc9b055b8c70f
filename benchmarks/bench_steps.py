"""What growing the shed bodies' steps buys: the same dispersed cases flown with fixed ballistic steps
(``integration.dt_ballistic_s``) and with steps that grow to ``integration.dt_ballistic_max_s``, in one process.

Usage::

    python benchmarks/bench_steps.py [--n 500] [--preset mars2020] [--repeat 4]

Both runs use the same engine build and the same drawn cases (seed 7); the baseline is the fixed-step flight.
Prints the best of ``--repeat`` timings of each (CPU seconds, one thread; :func:`bench_engine.compare`) and the
body steps of the nominal case.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from bench_engine import compare  # (this folder: the scripts run as python benchmarks/NAME.py)

from marsedl.engine import Engine
from marsedl.montecarlo import plan_run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--preset", default="mars2020")
    ap.add_argument("--repeat", type=int, default=4)
    a = ap.parse_args()
    ctx = plan_run(a.preset)
    cfg = ctx.setup.config
    engines = {"fixed steps": Engine(replace(cfg, steps=replace(cfg.steps, ballistic_max=None))),
               "growing steps": Engine(cfg)}
    best = compare(ctx, engines, a.n, a.repeat)
    print(f"ratio {best['fixed steps'] / best['growing steps']:.2f}x")


if __name__ == "__main__":
    main()
