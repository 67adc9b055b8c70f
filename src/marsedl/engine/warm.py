"""A new install's first flight compiles on two cores.

The first flight of a process whose compiled code is not cached yet compiles :func:`marsedl.kernels.fly_cases`
and everything it calls: about 20 s of one core, as Numba compiles under one lock per process. Where the machine
has two cores or more, :func:`start` runs a helper process (``python -m marsedl.compile_helper``) that compiles a part
of the flight (:meth:`marsedl.engine.core.Engine.compile_half`: what events do and the case loop) into the same
on-disk cache while this process compiles a body's event loop (its steps, guidance and event search); when this
process needs the helper's part, it loads it from that cache instead of compiling it. (If the helper is late or
fails, this process compiles them itself: the result is the same, only the wait is longer.) :func:`finish` ends
the helper and marks this source's compiled code complete, so that later first runs start no helper.

The two halves can be compiled apart because the case loop calls a body's event loop through its address
(:mod:`marsedl.kernels.calls`) instead of linking it.

``MARSEDL_COMPILE_HELPER=0`` turns the helper off (one process compiles everything, as on one core).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numba

from marsedl.laws._jit import compiled_cache_dir

#: the file that marks this source's compiled code as complete (in its cache folder)
_MARK = "flight-compiled"
#: a helper still running when this process has compiled everything is no longer needed: it is ended after this
_GRACE_S = 5.0
_state = {"tried": False}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1


def start() -> subprocess.Popen | None:
    """The helper process, if this is the first flight of this process, the compiled flight is not cached yet, the
    machine has two cores or more and the helper is not turned off; else None."""
    if _state["tried"]:
        return None
    _state["tried"] = True
    if (numba.config.DISABLE_JIT or os.environ.get("MARSEDL_COMPILE_HELPER", "1").strip() == "0"
            or _cores() < 2 or (compiled_cache_dir() / _MARK).exists()):
        return None
    try:
        return _spawn()
    except OSError:  # no helper: this process compiles everything
        return None


def _spawn() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "marsedl.compile_helper"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def finish(helper: subprocess.Popen | None, wait: bool = True) -> None:
    """After the first flight of this process: end the helper (given a few seconds if it is still running, none
    if not ``wait``: the flight ended with an error or an interrupt) and mark the compiled code complete if the
    flight was compiled."""
    if helper is None:
        return
    try:
        helper.wait(timeout=_GRACE_S if wait else 0.0)
    except subprocess.TimeoutExpired:
        helper.kill()
        helper.wait()
    from marsedl.kernels import fly_cases

    if not fly_cases.signatures:  # interrupted before the flight was compiled: the next first run tries again
        return
    try:
        (compiled_cache_dir() / _MARK).touch()
    except OSError:  # a cache that cannot be written: the next first run starts a helper again
        pass
