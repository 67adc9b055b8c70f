"""Monte Carlo at scale: dispersions, seeded sampling, chunked local/Dask runs streamed to Parquet, statistics.

``marsedl.montecarlo("mars2020", n=1000, seed=7, out="runs/m2020")`` flies 1000 dispersed cases (all cores) and
returns a :class:`~marsedl.montecarlo.api.MonteCarloRun` with the per-case table, the summary and the ellipses:
this package is callable, as :func:`marsedl.montecarlo.api.montecarlo` (what ``marsedl montecarlo`` runs).
``marsedl.load("runs/m2020")`` opens the run again.
"""

import sys
import types

from marsedl.montecarlo.api import MonteCarloRun, montecarlo, open_run
from marsedl.montecarlo.context import RunContext, plan_run
from marsedl.montecarlo.dispersions import (
    SCALAR_FIELDS,
    DensityProfileSpec,
    DispersionSpec,
    Distribution,
    EntryCovarianceSpec,
    WindProfileSpec,
    default_dispersions,
    parse_dispersions,
)
from marsedl.montecarlo.runner import RunResult, default_chunk_size, fly_chunk, run_montecarlo
from marsedl.montecarlo.sampling import Draws, case_generator, draw_cases
from marsedl.montecarlo.store import RunStore, chunk_bounds

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

    def __call__(self, *args, **kwargs) -> MonteCarloRun:
        return montecarlo(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
