"""The on-disk result of a Monte Carlo run: one Parquet file per chunk plus ``manifest.json``.

Layout of ``DIR``::

    manifest.json            preset, overrides, seed, n, chunk size, version, dispersion spec, progress
    chunk-00000.parquet      cases 0 .. chunk_size - 1 (dispersed inputs ``in_*`` and every output)
    chunk-00001.parquet      ...

Every file is written under a temporary name in the same folder and renamed into place (``os.replace`` is atomic
on POSIX), so a file with a final name is always complete: ``--resume`` trusts exactly those and redoes the rest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from marsedl.errors import DamagedFileError, MarsEDLError, read_text

__all__ = ["MANIFEST", "RunStore", "chunk_bounds"]

MANIFEST = "manifest.json"
_CHUNK = "chunk-{:05d}.parquet"


def chunk_bounds(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` of the chunks of a run of ``n`` cases."""
    return [(s, min(n, s + chunk_size)) for s in range(0, n, chunk_size)]


def _fsync_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class RunStore:
    """A run folder. ``RunStore(path)`` opens it; :meth:`create` and :meth:`open_resume` prepare it for writing."""

    repaired: list[str]
    """Chunk files found damaged by :meth:`done_chunks` (renamed ``.damaged``, flown again)."""

    def __init__(self, path: str | Path):
        self.repaired = []
        self.path = Path(path)

    # ------------------------------------------------------------------ opening

    def check_new(self) -> None:
        """Fail (one line) unless the folder is absent or empty and can be created and written."""
        p = self.path
        if p.exists() and not p.is_dir():
            raise MarsEDLError(f"--out '{p}' is a file, not a folder")
        if p.is_dir() and any(p.iterdir()):
            raise MarsEDLError(f"--out '{p}' is not empty: give --resume to finish that run, or a new folder")
        parent = p if p.is_dir() else next((a for a in p.parents if a.exists()), Path("."))
        if not os.access(parent, os.W_OK | os.X_OK):
            raise MarsEDLError(f"--out '{p}' cannot be written ('{parent}' is not writable)")

    def check_resume(self) -> dict[str, Any]:
        """The manifest of an interrupted run to resume (one-line error when there is none)."""
        if not (self.path / MANIFEST).is_file():
            raise MarsEDLError(f"--resume: '{self.path}' holds no {MANIFEST} of an earlier run")
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise MarsEDLError(f"--out '{self.path}' cannot be written")
        return self.read_manifest()

    def create(self, manifest: dict[str, Any]) -> None:
        """Make the folder and write the manifest (call after every check passed)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MarsEDLError(f"--out '{self.path}' cannot be created: {exc.strerror or exc}") from None
        self.write_manifest(manifest)

    def discard(self, *, remove_folder: bool) -> None:
        """Undo :meth:`create` for a run that wrote no chunk: the manifest, temporaries, and the folder if asked."""
        self.clean_temporaries()
        (self.path / MANIFEST).unlink(missing_ok=True)
        if remove_folder:
            try:
                self.path.rmdir()
            except OSError:
                pass  # not empty (someone else's file): leave it

    def clean_temporaries(self) -> None:
        """Remove half-written files a killed run left behind."""
        for p in self.path.glob(".*.tmp-*"):
            p.unlink(missing_ok=True)

    # ------------------------------------------------------------------ manifest

    def read_manifest(self) -> dict[str, Any]:
        """The run's manifest; :class:`DamagedFileError` when it is not one marsedl wrote (cut short, not JSON,
        keys missing or of the wrong type: ``--resume`` rebuilds it), :class:`MarsEDLError` when there is none."""
        path = self.path / MANIFEST
        if not path.is_file():
            raise MarsEDLError(f"'{self.path}' is not a Monte Carlo run folder (no {MANIFEST})")
        hint = "; the same montecarlo command with --resume rebuilds it"
        try:
            manifest = json.loads(read_text(path, "run manifest"))
        except DamagedFileError as exc:
            raise DamagedFileError(f"{exc}{hint}") from None
        except json.JSONDecodeError as exc:
            raise DamagedFileError(f"run manifest '{path}' is not valid JSON: {exc}{hint}") from None
        if not isinstance(manifest, dict):
            raise DamagedFileError(f"run manifest '{path}' is not a JSON object{hint}")
        _check_manifest(manifest, path, hint)
        return manifest

    def set_aside_manifest(self) -> str:
        """Rename a damaged manifest ``manifest.json.damaged`` (kept, not deleted); returns the new name."""
        name = MANIFEST + ".damaged"
        os.replace(self.path / MANIFEST, self.path / name)
        return name

    def chunk_size_on_disk(self) -> int | None:
        """The chunk size the finished chunk files were written with (chunk ``k`` starts at case ``k * size``), or
        None when no readable chunk tells it."""
        for path in self.chunk_files():
            k = int(path.name[len("chunk-"):-len(".parquet")])
            try:
                cases = pq.read_table(path, columns=["case"]).column("case").to_numpy()
            except (OSError, ValueError, KeyError, pa.ArrowException):
                continue
            if cases.size and (k == 0 or cases[0] % k == 0):
                return int(cases.size if k == 0 else cases[0] // k)
        return None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, indent=2, sort_keys=True)
        _fsync_write(self.path / MANIFEST, lambda p: p.write_text(text, encoding="utf-8"))

    # ------------------------------------------------------------------ chunks

    def chunk_path(self, k: int) -> Path:
        return self.path / _CHUNK.format(k)

    def chunk_files(self) -> list[Path]:
        """The finished chunks' files, in chunk order (a half-written chunk is a hidden temporary, not one)."""
        return sorted(self.path.glob(_CHUNK.replace("{:05d}", "*")))

    def done_chunks(self, bounds: list[tuple[int, int]],
                    belongs: Callable[[Path, int, int], bool] | None = None) -> set[int]:
        """Indices of the chunks already complete: chunk ``k``'s final file exists, is a readable Parquet file and
        holds exactly the cases ``bounds[k]``. A damaged one (cut short by a full disk, overwritten, another chunk
        or a foreign file put in its place) is renamed ``<name>.damaged``, named in :attr:`repaired`, and left to
        be flown again. ``belongs(path, start, stop)``, when given, must also say the chunk is this run's (after its
        manifest was rebuilt)."""
        done = set()
        for k, (start, stop) in enumerate(bounds):
            path = self.chunk_path(k)
            if not path.is_file():
                continue
            ours = _chunk_problem(path, start, stop) is None and (belongs is None or belongs(path, start, stop))
            if not ours:
                os.replace(path, path.with_name(path.name + ".damaged"))
                self.repaired.append(path.name)
                continue
            done.add(k)
        return done

    def write_chunk(self, k: int, table: pa.Table) -> None:
        """Write chunk ``k`` (an Arrow table, as the backends hand them over) atomically."""
        _fsync_write(self.chunk_path(k), lambda p: pq.write_table(table, p))

    def read(self, chunks: Iterable[int] | None = None) -> pd.DataFrame:
        """All (or the given) chunks as one DataFrame in case order."""
        if chunks is None:
            files = self.chunk_files()
        else:
            files = [self.chunk_path(k) for k in sorted(chunks)]
        if not files:
            raise MarsEDLError(f"'{self.path}' holds no finished chunk yet")
        size = self.read_manifest()["chunk_size"]
        tables = []
        for f in files:
            table = _read_chunk(f)
            k = int(f.name[len("chunk-"):-len(".parquet")])
            start = k * size
            cases = table.column("case").to_numpy() if "case" in table.column_names else None
            bad = (cases is None or not 1 <= cases.size <= size
                   or not np.array_equal(cases, np.arange(start, start + cases.size))
                   or (tables and table.column_names != tables[0].column_names))
            if bad:
                raise MarsEDLError(f"a Parquet chunk is not part of this run: '{f}' (it should hold cases {start:,} "
                                   f"onwards, in this run's columns); the same montecarlo command with --resume "
                                   "sets it aside and flies it again")
            tables.append(table)
        # files in chunk order hold the cases in order (checked above): one conversion of the whole run
        return pa.concat_tables(tables).to_pandas()


class _Manifest(BaseModel):
    """What a run manifest must hold, with the types :func:`run_montecarlo` writes (strict: a manifest edited or
    damaged into another type is refused, not coerced). Keys not listed are kept as they are."""

    model_config = ConfigDict(extra="allow", strict=True, allow_inf_nan=False)

    seed: int = Field(ge=0, lt=2**63)
    n: int = Field(ge=1)
    chunk_size: int = Field(ge=1)
    n_chunks: int | None = Field(default=None, ge=1)
    radius_m: float = Field(gt=0)
    target_lat_deg: float | None = Field(default=None, ge=-90, le=90)  # (the report needs them: report/mcrun.py)
    target_lon_deg: float | None = Field(default=None, ge=-360, le=360)
    approach_azimuth_deg: float | None = None
    body_names: list[str]
    preset: str | None = None
    preset_file: str | None = None
    atmosphere: str | None = None
    overrides: list[str] = []
    dispersions: dict[str, Any] = {}
    deploy_box: dict[str, list[float]] | None = None
    complete: bool = False
    elapsed_s: float = Field(default=0.0, ge=0)
    until: dict[str, Any] | None = None


def _check_manifest(manifest: dict[str, Any], path: Path, hint: str = "") -> None:
    """One-line error naming the manifest and its first wrong keys, when it is not one :func:`run_montecarlo`
    could have written (a foreign JSON file, a key of the wrong type, one missing)."""
    try:
        _Manifest.model_validate(manifest)
    except ValidationError as exc:
        parts = []
        for err in exc.errors()[:3]:
            loc = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{loc} is missing" if err.get("type") == "missing" else f"{loc}: {err.get('msg')}")
        raise DamagedFileError(f"run manifest '{path}' is not one marsedl wrote: " + "; ".join(parts) + hint) \
            from None


def _chunk_problem(path: Path, start: int, stop: int) -> str | None:
    """Why chunk file ``path`` is not the finished chunk of cases ``start .. stop - 1`` (``None``: it is)."""
    try:
        cases = pq.read_table(path, columns=["case"]).column("case").to_numpy()
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if not np.array_equal(cases, np.arange(start, stop)):
        return f"holds other cases than {start:,} .. {stop - 1:,}"
    return None


def _read_chunk(path: Path) -> pa.Table:
    """One chunk's table (without the pandas metadata of chunks written by earlier versions), or a one-line error
    naming the damaged file and how to repair the run."""
    try:
        return pq.read_table(path).replace_schema_metadata(None)
    except (OSError, ValueError, pa.ArrowException) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MarsEDLError(f"a Parquet chunk cannot be read: '{path}' ({first}); the same montecarlo command with "
                           "--resume flies it again") from None
