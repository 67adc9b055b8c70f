"""A Monte Carlo run folder, opened for the report views: now :mod:`marsedl.montecarlo.api` (the same object is
what ``marsedl.montecarlo(...)`` and ``marsedl.load(folder)`` return); kept here for existing imports."""

from marsedl.montecarlo.api import KEY_METRICS, MonteCarloRun, open_run

__all__ = ["KEY_METRICS", "MonteCarloRun", "open_run"]
