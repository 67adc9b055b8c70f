"""One nominal mars2020 run per test session, shared by the report tests (a run takes several seconds)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def nominal():
    from marsedl.flight import simulate

    return simulate("mars2020", record=True)


@pytest.fixture
def no_resimulation(monkeypatch, nominal):
    """Make the CLI's RUN loader hand back the session's run instead of flying the preset again."""
    import marsedl.report.common as common

    real = common.load_run

    def fake(run, *, overrides=None, record=True, probability=0.99, method="empirical"):
        if run == "mars2020" and not overrides:
            return nominal
        return real(run, overrides=overrides, record=record, probability=probability, method=method)

    monkeypatch.setattr(common, "load_run", fake)
    return nominal


@pytest.fixture(scope="session")
def mc_run(tmp_path_factory):
    """A small real Monte Carlo run folder (24 cases in chunks of 8, this process) and its opened form."""
    from marsedl.montecarlo import run_montecarlo
    from marsedl.report.mcrun import open_run

    path = tmp_path_factory.mktemp("mc") / "run"
    run_montecarlo("mars2020", n=24, seed=7, out=path, chunk_size=8, processes=1)
    return open_run(path)
