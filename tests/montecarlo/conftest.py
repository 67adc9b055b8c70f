"""Planned runs shared by the Monte Carlo tests (planning costs seconds; flying is what the tests vary)."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path

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


def _kill_after_chunks(cmd: list[str], out: Path, chunks: int) -> int:
    """Start ``cmd`` (a ``marsedl montecarlo ... --out out``), SIGKILL it once ``chunks`` chunk files are in
    ``out``, and return how many it had written."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("chunk-*.parquet"))) < chunks:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    return len(list(out.glob("chunk-*.parquet")))


@pytest.fixture
def kill_after_chunks():
    """``kill_after_chunks(cmd, out, k)``: run a Monte Carlo command, SIGKILL it after k chunk files; returns how
    many chunk files it had written."""
    return _kill_after_chunks
