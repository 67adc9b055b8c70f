"""Run a Monte Carlo: plan once, fly chunks of cases (each one vectorised ``Engine.run``), stream them to Parquet.

Backends: in this process (one worker or one chunk), local processes (``concurrent.futures``, the default: all
cores, no server), a local Dask cluster (``workers=N``) or an existing Dask scheduler (``scheduler=ADDRESS``).
Whatever the backend, chunk size or worker count, case ``i`` draws from its own seeded generator and is flown by
the same vectorised engine, so the results are identical.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from marsedl.engine import Engine
from marsedl.errors import DamagedFileError, MarsEDLError
from marsedl.montecarlo.cases import build_cases, input_columns
from marsedl.montecarlo.context import RunContext, plan_run
from marsedl.montecarlo.dispersions import DispersionSpec
from marsedl.montecarlo.sampling import draw_cases
from marsedl.montecarlo.store import RunStore, chunk_bounds
from marsedl.montecarlo.tabulate import case_table
from marsedl.preset_data import absolute_inputs

__all__ = ["MAX_CHUNK", "MAX_CHUNK_SIZE", "MAX_N", "UNTIL_MAX_N", "RunResult", "Until", "default_chunk_size",
           "fly_chunk", "parse_until",
           "run_montecarlo"]

#: Largest default chunk: big enough that the engine's per-run overhead is small, small enough for a smooth
#: progress bar and a few MB per chunk in memory.
MAX_CHUNK = 500
#: Largest --chunk-size: a chunk of 4,000 mars2020 cases takes about 230 MB in flight (57 kB a case, measured), so
#: 5,000 keeps each worker well under 1 GB.
MAX_CHUNK_SIZE = 5_000
#: Largest run: the summary reads every case into one table (about 1.8 kB a case: 18 GB at this bound), and ten
#: million cases take two weeks on two cores. Beyond it the run list alone would not fit in memory.
MAX_N = 10_000_000
SCHEDULER_TIMEOUT_S = 5.0


def default_chunk_size(n: int, workers: int) -> int:
    """``min(500, max(25, ceil(n / workers)))``: every worker busy, few chunks per worker for small runs."""
    return int(min(MAX_CHUNK, max(25, math.ceil(n / max(1, workers)))))


def fly_chunk(ctx: RunContext, seed: int, start: int, stop: int) -> pd.DataFrame:
    """Draw and fly cases ``start .. stop - 1``; one row per case (inputs ``in_*`` and every output)."""
    return _fly_table(ctx, seed, start, stop).to_pandas()


def _fly_table(ctx: RunContext, seed: int, start: int, stop: int) -> pa.Table:
    """:func:`fly_chunk` as an Arrow table: what the backends hand back and the store writes as it is (no
    pandas frame per chunk; the run becomes one frame once, at the end)."""
    draws = draw_cases(ctx.spec, seed, start, stop)
    out = Engine(ctx.setup.config).run(build_cases(ctx, draws))
    cols = case_table(out, ctx, start)
    cols.update(input_columns(ctx, draws))
    return pa.table(cols)


@dataclass(frozen=True)
class RunResult:
    """A finished run: every case's row, the manifest, and timing."""

    frame: pd.DataFrame
    manifest: dict[str, Any]
    path: Path | None
    elapsed_s: float
    cases_flown: int
    repaired: tuple[str, ...] = ()  # damaged chunk files found on --resume and flown again
    manifest_rebuilt: str | None = None  # a damaged manifest --resume set aside and rebuilt: what was wrong


# --------------------------------------------------------------------------------------------- backends


def _serial(ctx: RunContext, seed: int, jobs: list[tuple[int, int, int]]) -> Iterator[tuple[int, pa.Table]]:
    for k, s, e in jobs:
        yield k, _fly_table(ctx, seed, s, e)


def _processes(ctx, seed, jobs, processes: int) -> Iterator[tuple[int, pa.Table]]:
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futs = {pool.submit(_fly_table, ctx, seed, s, e): k for k, s, e in jobs}
        try:
            for f in as_completed(futs):
                yield futs[f], f.result()
        finally:
            for f in futs:
                f.cancel()


def _connect(scheduler: str | None, workers: int | None):
    """A Dask client: to ``scheduler`` (short connect timeout) or to a new local cluster of ``workers``."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - declared dependency
        raise MarsEDLError("Dask runs need the 'distributed' package (pip install dask[distributed])") from None
    if scheduler is not None:
        if not scheduler.strip() or "://" not in scheduler:
            raise MarsEDLError(f"--scheduler '{scheduler}' must look like tcp://HOST:PORT")
        try:
            return Client(scheduler, timeout=SCHEDULER_TIMEOUT_S), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise MarsEDLError(f"--scheduler {scheduler} does not answer ({type(exc).__name__}); "
                               f"is a Dask scheduler running there?") from None
    # its processes stay quiet: a Ctrl-C at the terminal reaches them too, and they would print a warning per
    # cancelled chunk and the traceback of every connection their dying peers closed. A chunk's own error still
    # reaches the caller through its future.
    cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.CRITICAL)
    return Client(cluster), cluster


_END = object()


def _dask(client, ctx, seed, jobs) -> Iterator[tuple[int, pa.Table]]:
    """Chunks from a Dask cluster as they finish.

    The waiting for results runs on a helper thread and hands them over through a queue: a Ctrl-C then lands in
    this thread's ``Queue.get``, never inside distributed's event-loop synchronisation (where it made distributed
    log a traceback of its own), and the queued chunks are cancelled from here.
    """
    from distributed import as_completed as dask_completed

    ctx_f = client.scatter(ctx, broadcast=True)
    futs = {client.submit(_fly_table, ctx_f, seed, s, e, pure=False): k for k, s, e in jobs}
    handed: queue.Queue = queue.Queue()
    stop = threading.Event()

    def collect() -> None:
        try:
            for f in dask_completed(list(futs)):
                if stop.is_set():
                    break
                handed.put((futs[f], f.result()))
        except BaseException as exc:  # a chunk's error (bad input found while flying...) goes to the caller
            if not stop.is_set():
                handed.put(exc)
        finally:
            handed.put(_END)

    helper = threading.Thread(target=collect, name="marsedl-dask-results", daemon=True)
    helper.start()
    try:
        while True:
            try:
                item = handed.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        try:
            client.cancel(list(futs))
        except (RuntimeError, OSError, TimeoutError):  # the client is already going away: nothing to cancel
            pass
        helper.join(timeout=10.0)


@contextmanager
def _backend(scheduler: str | None, workers: int | None):
    if scheduler is None and workers is None:
        yield None
        return
    client, cluster = _connect(scheduler, workers)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------------------------- the run


_SAME = ("preset", "preset_file", "overrides", "atmosphere", "seed", "n")
_UNTIL_RE = re.compile(r"^\s*axes\s*:\s*([0-9]*\.?[0-9]+)\s*%\s*$")
#: Default largest run of ``--until`` (when ``-n`` is not given).
UNTIL_MAX_N = 50_000


@dataclass(frozen=True)
class Until:
    """A stopping rule: fly until the ``confidence`` interval half-width of the ``probability`` ellipse axes of the
    landing and delivery ellipses (:data:`~marsedl.montecarlo.stats.CONVERGENCE_ELLIPSES`), as a fraction of the
    axis, is at most ``tolerance`` (``--until axes:2%``), or ``max_n`` cases have flown."""

    tolerance: float
    max_n: int
    probability: float = 0.99
    method: str = "empirical"

    @property
    def text(self) -> str:
        return f"axes:{100 * self.tolerance:g}%"

    def first(self, step: int) -> int:
        """First check: at least ``10 / (1 - P)`` cases (ten outside the ellipse), in whole chunks."""
        want = max(step, math.ceil(10.0 / (1.0 - self.probability) - 1e-9))
        return min(self.max_n, step * math.ceil(want / step))

    def next(self, n: int, half_width: float | None, step: int) -> int:
        """Next check after ``n`` cases gave ``half_width``: where 1/sqrt(N) says it is met (10 % more), at least
        one chunk and at most four times further, in whole chunks, at most ``max_n``."""
        if half_width is None or not math.isfinite(half_width):
            want = 2.0 * n
        else:
            want = min(4.0 * n, 1.1 * n * (half_width / self.tolerance) ** 2)
        want = max(n + step, want)
        return min(self.max_n, step * math.ceil(want / step))


def parse_until(text: str, max_n: int, probability: float = 0.99, method: str = "empirical") -> Until:
    """``--until axes:P%`` (P from 0.1 to 50) as an :class:`Until` (one-line error naming the option otherwise)."""
    m = _UNTIL_RE.match(str(text))
    tol = float(m.group(1)) if m else math.nan
    if not m or not 0.1 <= tol <= 50.0:
        raise MarsEDLError(f"--until '{text}': give axes:P% with P from 0.1 to 50, e.g. --until axes:2% (fly until "
                           "the 95 % interval of the ellipse axes is within +-P %)")
    from marsedl.montecarlo.ellipses import check_method

    return Until(tolerance=tol / 100.0, max_n=int(max_n), probability=float(probability), method=check_method(method))


def _half_width(frame: pd.DataFrame, manifest: dict[str, Any], until: Until) -> float | None:
    from marsedl.montecarlo.stats import CONVERGENCE_ELLIPSES, axes_half_width, run_ellipses

    ells = run_ellipses(frame, manifest, until.probability, until.method, names=CONVERGENCE_ELLIPSES)
    return axes_half_width(ells)


def run_montecarlo(
    preset: str | None = "mars2020",
    *,
    n: int,
    seed: int = 0,
    out: str | Path | None = None,
    resume: bool = False,
    preset_file: str | Path | None = None,
    overrides: list[str] | None = None,
    atmosphere: str | None = None,
    dispersions: DispersionSpec | dict[str, Any] | None = None,
    chunk_size: int | None = None,
    processes: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    context: RunContext | None = None,
    until: Until | str | None = None,
) -> RunResult:
    """Fly ``n`` dispersed cases of a mission and (optionally) store them.

    Parameters
    ----------
    preset, preset_file, overrides, atmosphere
        The mission, as for :func:`marsedl.simulate`; ``overrides`` may set ``dispersions.*``.
    n : int
        Number of cases (at least 1); with ``until``, the most cases to fly.
    seed : int
        Run seed (non-negative); case ``i`` draws from ``SeedSequence(seed, spawn_key=(i,))``.
    out : path, optional
        Folder for the Parquet chunks and ``manifest.json`` (absent or empty unless ``resume``).
    resume : bool
        Finish the run in ``out``: chunks already written are kept, the others flown.
    dispersions : DispersionSpec or dict, optional
        Dispersions from Python (default: the preset's table or the built-in set).
    chunk_size : int, optional
        Cases per engine run (default :func:`default_chunk_size`, or 500 with ``until``; a resumed run keeps its
        own).
    processes : int, optional
        Local worker processes (default: all cores; 1 runs in this process).
    workers : int, optional
        Start a local Dask cluster with this many single-threaded worker processes.
    scheduler : str, optional
        Address ``tcp://HOST:PORT`` of a running Dask scheduler.
    progress : callable, optional
        ``progress(cases_done, n)`` after each chunk (with ``until``, ``n`` is the cases planned so far).
    context : RunContext, optional
        An already planned run (from :func:`~marsedl.montecarlo.plan_run` with the same preset, overrides and
        dispersions): skips planning, e.g. to fly several runs of one mission.
    until : Until or str, optional
        Keep flying chunks until the ellipse axes are known well enough (:class:`Until`; a string such as
        ``"axes:2%"`` is read by :func:`parse_until` at 99 %, empirical). Cases are checked at whole chunks
        (:meth:`Until.first`, :meth:`Until.next`), each check on cases ``0 .. N - 1`` only, so the run stops at the
        same ``N`` whatever the workers, and its cases are the first ``N`` of any longer run with the seed. The
        manifest records the rule and every check (``until``); ``n`` is then the cases planned so far, and the
        cases flown when it ends.

    Returns
    -------
    RunResult
    """
    t0 = time.perf_counter()
    if isinstance(n, bool) or int(n) != n or not 1 <= n <= MAX_N:
        raise MarsEDLError(f"-n must be a whole number of cases from 1 to {MAX_N:,}; got {n:,}")
    if isinstance(seed, bool) or int(seed) != seed or not 0 <= seed < 2**63:
        raise MarsEDLError(f"--seed must be a whole number from 0 to 2^63-1; got {seed}")
    if chunk_size is not None and (int(chunk_size) != chunk_size or not 1 <= chunk_size <= MAX_CHUNK_SIZE):
        raise MarsEDLError(f"--chunk-size must be from 1 to {MAX_CHUNK_SIZE:,} cases; got {chunk_size:,}")
    for name, val in (("--processes", processes), ("--workers", workers)):
        if val is not None and (int(val) != val or not 1 <= val <= 1024):
            raise MarsEDLError(f"{name} must be from 1 to 1024; got {val}")
    if workers is not None and scheduler is not None:
        raise MarsEDLError("give --workers (start a local Dask cluster) or --scheduler (use one), not both")
    if processes is not None and (workers is not None or scheduler is not None):  # it would do nothing
        raise MarsEDLError("--processes runs local processes; with --workers or --scheduler the Dask workers fly "
                           "the cases: give one of them")
    n, seed = int(n), int(seed)
    if isinstance(until, str):
        until = parse_until(until, n)
    elif until is not None and until.max_n != n:
        until = Until(until.tolerance, n, until.probability, until.method)
    n_workers = workers or processes or os.cpu_count() or 1
    # recorded and compared by --resume: the files they name, absolute, are the same from any working directory
    preset_file, overrides, atmosphere = absolute_inputs(preset_file, overrides, atmosphere)
    request = {"preset": None if preset_file else preset, "preset_file": preset_file,
               "overrides": overrides, "atmosphere": atmosphere, "seed": seed, "n": n}
    until_rec = None if until is None else {"rule": until.text, "tolerance": until.tolerance, "max_n": until.max_n,
                                            "probability": until.probability, "method": until.method}
    store = RunStore(out) if out is not None else None
    old = None
    rebuilt = None  # what was wrong with a damaged manifest that --resume rebuilds from this request
    if store is not None and resume:
        try:
            old = store.check_resume()
        except DamagedFileError as exc:
            rebuilt = str(exc).split("; the same montecarlo command")[0]
            on_disk = store.chunk_size_on_disk()
            if chunk_size is not None and on_disk is not None and chunk_size != on_disk:
                raise MarsEDLError(f"--resume: --chunk-size {chunk_size} differs from the run's chunks in '{out}' "
                                   f"({on_disk} cases each)") from None
            chunk_size = chunk_size or on_disk
    if old is not None:
        old_until = old.get("until")
        if (old_until is None) != (until is None):
            raise MarsEDLError(f"--resume: the run in '{out}' was " + ("not " if old_until is None else "")
                               + "flown with --until; give the same options, or a new --out")
        for key in _SAME:
            if key == "n" and until is not None:
                continue  # an --until run's n is where it has got to; its -n is the recorded max_n
            if old.get(key) != request[key]:
                raise MarsEDLError(f"--resume: {key} {request[key]!r} differs from the run in '{out}' "
                                   f"({old.get(key)!r}); give the same, or a new --out")
        if until is not None:
            for key in ("rule", "max_n", "probability", "method"):
                if old_until.get(key) != until_rec[key]:
                    raise MarsEDLError(f"--resume: --until {key} {until_rec[key]!r} differs from the run in "
                                       f"'{out}' ({old_until.get(key)!r}); give the same, or a new --out")
        if chunk_size is not None and chunk_size != old["chunk_size"]:
            raise MarsEDLError(f"--resume: --chunk-size {chunk_size} differs from the run's {old['chunk_size']}")
        chunk_size = int(old["chunk_size"])
    elif store is not None and rebuilt is None:
        store.check_new()
    if until is not None:
        # a fixed step, not one from the worker count: the checks, and so where the run stops, do not depend on it
        chunk_size = int(chunk_size or MAX_CHUNK)
        target = until.first(chunk_size)
    else:
        chunk_size = int(chunk_size or default_chunk_size(n, n_workers))
        target = n

    with _backend(scheduler, workers) as client:  # connect before anything is written
        ctx = context or plan_run(preset, preset_file=preset_file, overrides=overrides, atmosphere=atmosphere,
                                  dispersions=dispersions)
        from marsedl import __version__

        spec_dump = ctx.spec.model_dump(mode="json")
        if old is not None and old.get("dispersions") != spec_dump:
            raise MarsEDLError(f"--resume: the dispersions now differ from the run in '{out}' (was the preset "
                               "file edited?); give a new --out")
        bounds = chunk_bounds(target, chunk_size)
        manifest = {
            **request, "n": target, "chunk_size": chunk_size, "n_chunks": len(bounds), "version": __version__,
            "mission": ctx.setup.mission.name, "dispersions": spec_dump, "active_dispersions": ctx.spec.active(),
            "target_lat_deg": ctx.setup.mission.site.lat_deg, "target_lon_deg": ctx.setup.mission.site.lon_deg,
            "radius_m": ctx.radius_m, "approach_azimuth_deg": math.degrees(ctx.approach_azimuth_rad),
            "atmosphere_used": ctx.setup.atmosphere_name, "body_names": list(ctx.body_names),
            "deploy_box": {"mach": list(ctx.setup.config.sequence.mach_box),
                           "q_pa": list(ctx.setup.config.sequence.q_box_pa)},
            "complete": False, "elapsed_s": float(old.get("elapsed_s", 0.0)) if old else 0.0,
        }
        if until_rec is not None:
            manifest["until"] = {**until_rec, "checks": [], "met": None}
        created = store is not None and old is None and rebuilt is None
        existed = created and store.path.exists()
        if store is not None:
            if rebuilt is not None:  # kept aside; every finished chunk must then prove it is this run's
                rebuilt = f"{rebuilt}: kept as {store.set_aside_manifest()} and rebuilt from this command"
                store.clean_temporaries()
            if old is None:
                store.create(manifest)
            else:
                store.clean_temporaries()
                if until is not None:
                    store.write_manifest(manifest)
        frames: dict[int, pa.Table] = {}
        flown = 0

        def fly(bounds: list[tuple[int, int]]) -> None:
            """Fly the chunks of ``bounds`` not yet finished (in the store, or in ``frames``)."""
            nonlocal flown
            done = (store.done_chunks(bounds, belongs=_first_case_flies_the_same if rebuilt else None)
                    if store is not None else set(frames))
            jobs = [(k, s, e) for k, (s, e) in enumerate(bounds) if k not in done]
            total = bounds[-1][1]
            cases_done = sum(bounds[k][1] - bounds[k][0] for k in done)
            if progress:
                progress(cases_done, total)
            if not jobs:
                return
            if client is not None:
                it = _dask(client, ctx, seed, jobs)
            elif min(n_workers, len(jobs)) <= 1:
                it = _serial(ctx, seed, jobs)
            else:
                it = _processes(ctx, seed, jobs, min(n_workers, len(jobs)))
            try:
                for k, table in it:
                    if store is not None:
                        store.write_chunk(k, table)
                    else:
                        frames[k] = table
                    size = bounds[k][1] - bounds[k][0]
                    cases_done += size
                    flown += size
                    if progress:
                        progress(cases_done, total)
            finally:
                it.close()  # its clean-up (cancelling what is queued) runs now, while the backend is still up

        def _first_case_flies_the_same(path: Path, start: int, stop: int) -> bool:
            """Whether a chunk found beside a rebuilt manifest is this run's: its first case, drawn and flown
            again from this request, gives the same row to the bit (inputs and outputs)."""
            first = pd.read_parquet(path, engine="pyarrow").iloc[:1].reset_index(drop=True)
            return first.equals(fly_chunk(ctx, seed, start, start + 1))

        def read(n_chunks: int) -> pd.DataFrame:
            if store is not None:
                return store.read(range(n_chunks))
            return pa.concat_tables([frames[k] for k in range(n_chunks)]).to_pandas()

        try:
            fly(bounds)
            while until is not None:
                h = _half_width(read(len(bounds)), manifest, until)
                checks = manifest["until"]["checks"]
                checks.append({"cases": target, "half_width": h})
                met = h is not None and h <= until.tolerance
                if met or target >= until.max_n:
                    manifest["until"]["met"] = bool(met)
                    break
                target = until.next(target, h, chunk_size)
                bounds = chunk_bounds(target, chunk_size)
                manifest["n"], manifest["n_chunks"] = target, len(bounds)
                if store is not None:
                    store.write_manifest(manifest)
                fly(bounds)
        except MarsEDLError:
            # bad input found while flying (a draw outside its physical range): a new run that wrote no chunk
            # leaves nothing behind
            if created and flown == 0:
                store.discard(remove_folder=not existed)
            raise
        except KeyboardInterrupt:
            # Ctrl-C: the finished chunks stay (each was written atomically); the time spent on them is kept so
            # the resumed run's cases/s stays true
            if store is not None and flown:
                manifest["elapsed_s"] += time.perf_counter() - t0
                store.write_manifest(manifest)
            raise
    elapsed = time.perf_counter() - t0
    manifest["elapsed_s"] += elapsed
    manifest["complete"] = True
    if store is not None:
        store.write_manifest(manifest)
        frame = store.read(range(len(bounds)))
    else:
        frame = read(len(bounds))
    return RunResult(frame=frame, manifest=manifest, path=store.path if store else None, elapsed_s=elapsed,
                     cases_flown=flown, repaired=tuple(store.repaired) if store else (), manifest_rebuilt=rebuilt)
