"""Planned runs shared by the Monte Carlo tests (planning costs seconds; flying is what the tests vary)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from marsedl.montecarlo import DispersionSpec, default_dispersions, parse_dispersions, plan_run


@pytest.fixture(scope="session")
def ctx_zero():
    """mars2020, range trigger, every dispersion of zero width."""
    return plan_run("mars2020", dispersions=DispersionSpec())


@pytest.fixture(scope="session")
def ctx_default(ctx_zero):
    """mars2020 with the built-in dispersion set (same plan as ``ctx_zero``)."""
    return replace(ctx_zero, spec=parse_dispersions(default_dispersions("mars2020")))


@pytest.fixture(scope="session")
def ctx_velocity():
    """mars2020 flown with the velocity trigger, built-in dispersions."""
    return plan_run("mars2020", overrides=["parachute.trigger=velocity"])
