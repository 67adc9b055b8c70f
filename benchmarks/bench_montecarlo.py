"""Monte Carlo throughput: full dispersed cases (entry interface to touchdown, every shed body to impact) per second.

Usage::

    python benchmarks/bench_montecarlo.py            # n = 100 and 1,000
    python benchmarks/bench_montecarlo.py --big      # also n = 10,000
    python benchmarks/bench_montecarlo.py --processes 1

The baseline, measured in the same process, is one nominal case flown alone (``Engine.run`` with n = 1, best of
3 after a first call that loads the compiled kernels); the ratio column is the batching speed-up over flying
cases one at a time. Planning (reference trajectory; from the plan cache when it holds it) happens once and is
not counted. Memory: peak resident set of this process and its children (ru_maxrss).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from marsedl.engine import Engine
from marsedl.flight import nominal_cases
from marsedl.montecarlo import plan_run, run_montecarlo


def _rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0  # Linux reports KiB


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="also n = 10,000")
    ap.add_argument("--processes", type=int, default=None, help="local processes (default: all cores)")
    ap.add_argument("--preset", default="mars2020")
    args = ap.parse_args()

    t = time.perf_counter()
    ctx = plan_run(args.preset)
    plan_s = time.perf_counter() - t
    eng = Engine(ctx.setup.config)
    one = nominal_cases(ctx.setup, 1)
    eng.run(one)  # the first call loads the compiled kernels from their cache (planning may not have run them)
    one_s = min(_timed(lambda: eng.run(one)) for _ in range(3))
    base = 1.0 / one_s
    print(f"{args.preset}: planning {plan_s:.1f} s; one nominal case alone {one_s:.2f} s ({base:.2f} cases/s); "
          f"{os.cpu_count()} cores")
    print(f"{'n':>7} {'wall (s)':>9} {'cases/s':>9} {'x one-at-a-time':>16} {'peak RSS (MB)':>14}")
    for n in (100, 1000) + ((10000,) if args.big else ()):
        t = time.perf_counter()
        run_montecarlo(args.preset, n=n, seed=1, context=ctx, processes=args.processes)
        wall = time.perf_counter() - t
        print(f"{n:>7} {wall:>9.1f} {n / wall:>9.1f} {n / wall / base:>16.1f} {_rss_mb():>14.0f}")


if __name__ == "__main__":
    main()
