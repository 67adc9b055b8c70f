"""This checkout's engine against another checkout's (an earlier version, in a worktree): dispersed cases per
second on one thread, a lone nominal ``simulate`` with its plan cached, and a recorded nominal flight.

Usage::

    git worktree add --detach ../base <commit>     # the version to compare with, outside this repository
    python benchmarks/bench_case.py --baseline ../base [--n 1000] [--rounds 2]

Each measurement runs in a fresh process (the baseline's with ``PYTHONPATH=<baseline>/src``), the two checkouts
alternating ``--rounds`` times; cases/s is CPU time, the best of three runs of the same ``--n`` cases (seed 7,
drawn as Monte Carlo draws them), the nominal times the best of seven (``simulate``) and five (the recorded
flight). Both checkouts' compiled code is compiled (and cached) before the first measured run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

_WORKER = """
import json, sys, time
import marsedl
from marsedl.engine import Engine
from marsedl.flight import nominal_cases
from marsedl.montecarlo import plan_run
from marsedl.montecarlo.cases import build_cases
from marsedl.montecarlo.sampling import draw_cases

n = int(sys.argv[1])
ctx = plan_run("mars2020")
eng = Engine(ctx.setup.config)
cases = build_cases(ctx, draw_cases(ctx.spec, 7, 0, n))
eng.run(cases)
cpu = []
for _ in range(3):
    c = time.process_time()
    eng.run(cases)
    cpu.append(time.process_time() - c)
marsedl.simulate("mars2020")
nominal = []
for _ in range(7):
    t = time.perf_counter()
    marsedl.simulate("mars2020")
    nominal.append(time.perf_counter() - t)
one = nominal_cases(ctx.setup, 1)
recorded = []
for _ in range(5):
    t = time.perf_counter()
    eng.run(one, record=True)
    recorded.append(time.perf_counter() - t)
print(json.dumps({"cases_per_s": n / min(cpu), "simulate_ms": 1e3 * min(nominal),
                  "recorded_flight_ms": 1e3 * min(recorded)}))
"""


def measure(src: Path, n: int) -> dict:
    """One fresh process on the checkout whose package is in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", _WORKER, str(n)], env=env, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="the other checkout (its src/ is imported)")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    here = Path(__file__).resolve().parents[1] / "src"
    checkouts = {"baseline": a.baseline.resolve() / "src", "this": here}
    for _ in range(a.rounds):
        for name, src in checkouts.items():
            r = measure(src, a.n)
            print(f"{name:9s} {a.n} cases: {r['cases_per_s']:7.0f} cases/s (one thread)   simulate: "
                  f"{r['simulate_ms']:6.1f} ms   recorded flight: {r['recorded_flight_ms']:6.1f} ms", flush=True)


if __name__ == "__main__":
    main()
