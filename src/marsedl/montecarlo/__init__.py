"""Monte Carlo at scale: dispersions, seeded sampling, chunked local/Dask runs streamed to Parquet, statistics.

``marsedl.montecarlo("mars2020", n=1000, seed=7, out="runs/m2020")`` flies 1000 dispersed cases (all cores) and
returns a :class:`~marsedl.montecarlo.api.MonteCarloRun` with the per-case table, the summary and the ellipses:
this package is callable, as :func:`marsedl.montecarlo.api.montecarlo` (what ``marsedl montecarlo`` runs).
``marsedl.load("runs/m2020")`` opens the run again.
"""

import importlib
import sys
import types
from typing import Any

#: Where each public name lives. They are imported on first use (PEP 562), so that reading a run's summary does
#: not import the engine, Numba and the planner (about 1 s at start-up).
_HOME = {
    "MonteCarloRun": "api", "montecarlo": "api", "open_run": "api",
    "RunContext": "context", "plan_run": "context",
    "SCALAR_FIELDS": "dispersions", "DensityProfileSpec": "dispersions", "DispersionSpec": "dispersions",
    "Distribution": "dispersions", "EntryCovarianceSpec": "dispersions", "WindProfileSpec": "dispersions",
    "default_dispersions": "dispersions", "parse_dispersions": "dispersions",
    "RunResult": "runner", "default_chunk_size": "runner", "fly_chunk": "runner", "run_montecarlo": "runner",
    "Draws": "sampling", "case_generator": "sampling", "draw_cases": "sampling",
    "RunStore": "store", "chunk_bounds": "store",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


__all__ = [
    "SCALAR_FIELDS",
    "DensityProfileSpec",
    "DispersionSpec",
    "Distribution",
    "Draws",
    "EntryCovarianceSpec",
    "MonteCarloRun",
    "RunContext",
    "RunResult",
    "RunStore",
    "WindProfileSpec",
    "case_generator",
    "chunk_bounds",
    "default_chunk_size",
    "default_dispersions",
    "draw_cases",
    "fly_chunk",
    "montecarlo",
    "open_run",
    "parse_dispersions",
    "plan_run",
    "run_montecarlo",
]


class _CallablePackage(types.ModuleType):
    """``marsedl.montecarlo`` is both this package and the function that flies a run: Python sets a package's
    attribute ``montecarlo`` to this subpackage whenever it is imported, so a function of that name in
    ``marsedl/__init__.py`` would be overwritten; calling the package itself is what stays true."""

    def __call__(self, *args, **kwargs):
        from marsedl.montecarlo.api import montecarlo

        return montecarlo(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
