"""Monte Carlo at scale: dispersions, seeded sampling, chunked local/Dask runs streamed to Parquet, statistics.

``run_montecarlo("mars2020", n=1000, seed=7, out="runs/m2020")`` flies 1000 dispersed cases (all cores) and
``summarize(RunStore("runs/m2020"))`` reads the landing and debris ellipses and every metric's statistics.
"""

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
    "parse_dispersions",
    "plan_run",
    "run_montecarlo",
]
