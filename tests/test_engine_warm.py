"""A new install's first flight compiles on two cores (marsedl.engine.warm): the helper process compiles the step,
the event actions and the case loop for exactly the types the flight calls them with (else the flight would compile them
again and the helper would have saved nothing), and it starts only when it can help."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import pytest

from marsedl.engine import warm

_SAME_TYPES = textwrap.dedent("""
    from marsedl import compile_helper
    import marsedl.kernels.case as K
    halves = (K._apply_event, K._record, K.fly_cases, K.observe_bodies, K.table_at_mach, K._step_s)
    compile_helper.main()  # what the helper process does
    first = [f.signatures[:] for f in halves]
    assert all(len(s) == 1 for s in first)
    # the case loop's machine code does not hold a body's event loop (it calls it through its address)
    ir = K.fly_cases.inspect_llvm(first[2][0])
    assert "fly_cases" in ir and "_fly_body" not in ir and "_steps1" not in ir
    from marsedl.flight import prepare
    prepare("mars2020")  # the planning flights: a body's event loop compiles, calling the helper's part
    assert K._fly_body.stats.cache_misses, "the flight was loaded from a cache: nothing was tested"
    assert [f.signatures for f in halves] == first, "the flight compiled its own copies"
    print("ok")
""")


def test_the_helpers_compile_is_the_one_the_flight_calls(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "MARSEDL_COMPILE_HELPER": "0",
           "MARSEDL_NO_CACHE": "1"}
    out = subprocess.run([sys.executable, "-c", _SAME_TYPES], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A process that has not flown yet, on a two-core machine, with an empty compiled-code folder."""
    monkeypatch.setitem(warm._state, "tried", False)
    monkeypatch.setattr(warm, "_cores", lambda: 2)
    monkeypatch.setattr(warm, "compiled_cache_dir", lambda: tmp_path)
    monkeypatch.delenv("MARSEDL_COMPILE_HELPER", raising=False)
    started = []
    monkeypatch.setattr(warm, "_spawn", lambda: started.append(1) or "helper")
    return tmp_path, started


def test_the_helper_starts_once_for_an_empty_cache(fresh):
    _, started = fresh
    assert warm.start() == "helper"
    assert warm.start() is None  # (the second flight of the process)
    assert len(started) == 1


def test_no_helper_once_the_flight_is_compiled(fresh):
    folder, started = fresh
    (folder / warm._MARK).touch()
    assert warm.start() is None
    assert not started


def test_no_helper_on_one_core_or_when_turned_off(fresh, monkeypatch):
    _, started = fresh
    monkeypatch.setattr(warm, "_cores", lambda: 1)
    assert warm.start() is None
    monkeypatch.setitem(warm._state, "tried", False)
    monkeypatch.setattr(warm, "_cores", lambda: 4)
    monkeypatch.setenv("MARSEDL_COMPILE_HELPER", "0")
    assert warm.start() is None
    assert not started


def _late_helper():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_finish_ends_a_late_helper_and_marks_a_compiled_flight(fresh, monkeypatch):
    folder, _ = fresh
    monkeypatch.setattr(warm, "_GRACE_S", 0.2)
    monkeypatch.setattr("marsedl.kernels.fly_cases", SimpleNamespace(signatures=[]))
    late = _late_helper()
    warm.finish(late)  # (a flight interrupted before it compiled)
    assert late.poll() is not None  # ended, not waited for
    assert not (folder / warm._MARK).exists()
    monkeypatch.setattr("marsedl.kernels.fly_cases", SimpleNamespace(signatures=["compiled"]))
    warm.finish(_late_helper())
    assert (folder / warm._MARK).exists()


def test_a_failed_or_interrupted_flight_ends_the_helper_at_once(fresh, monkeypatch):
    monkeypatch.setattr(warm, "_GRACE_S", 30.0)
    late = _late_helper()
    t = time.perf_counter()
    warm.finish(late, wait=False)
    assert late.poll() is not None and time.perf_counter() - t < 10.0  # (not the 30 s of grace)
