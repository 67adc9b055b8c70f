"""The bad-input corpus of issue 13: the real command line, run in this process, and the files it is fed.

``cli(*argv)`` runs ``marsedl.cli.main`` (the console script's entry point, with its error handling) on ``argv`` and
returns exit code, stdout and stderr; ``refused(result, needle)`` asserts what every bad input must give: a
non-zero exit, at most three lines, no traceback, and ``needle`` (the field, file or value as the user wrote it).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return [ln for ln in (self.out + self.err).splitlines() if ln.strip()]


def run_cli(*argv: str) -> CliResult:
    """``marsedl ARGV`` through the console entry point, in this process."""
    import marsedl.cli

    out, err = io.StringIO(), io.StringIO()
    old = sys.argv
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        sys.argv = ["marsedl", *argv]
        try:
            marsedl.cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = old
    return CliResult(code, out.getvalue(), err.getvalue())


def assert_refused(result: CliResult, needle: str) -> None:
    """A bad input's answer: exit != 0 (2, a user error), at most three lines, no traceback or stray warning,
    naming ``needle``."""
    text = result.out + result.err
    assert result.code == 2, text[-2000:]
    assert "Traceback" not in text and "internal error" not in text and "Warning" not in text, text[-2000:]
    assert 1 <= len(result.lines) <= 3, text[-2000:]
    assert needle in text, f"{needle!r} not in {text[-2000:]!r}"


@pytest.fixture(scope="session")
def cli():
    return run_cli


@pytest.fixture(scope="session")
def refused():
    return assert_refused


@pytest.fixture(scope="session")
def good_run(tmp_path_factory) -> Path:
    """A finished Monte Carlo run folder: mars2020, 40 cases in 4 chunks of 10, seed 3 (never modified: copy it)."""
    from marsedl.montecarlo import run_montecarlo

    out = tmp_path_factory.mktemp("runs") / "good"
    run_montecarlo("mars2020", n=40, seed=3, out=out, chunk_size=10, processes=1)
    return out


#: manifest damage -> (how to damage the text, what the one-line answer names)
MANIFEST_DAMAGE = {
    "truncated": (lambda text: text[: len(text) // 3], "is not valid JSON"),
    "not-json": (lambda text: "seed = 3\nn = 40\n", "is not valid JSON"),
    "latin-1": (lambda text: text.replace('"mars2020"', '"mars2020\xe9"'), "is not UTF-8 text"),
    "wrong-type": (lambda text: _edit(text, chunk_size="ten"), "chunk_size: Input should be a valid integer"),
    "missing-key": (lambda text: _edit(text, drop="radius_m"), "radius_m is missing"),
    "foreign-json": (lambda text: json.dumps({"name": "left-pad", "version": "1.3.0"}), "seed is missing"),
    "negative": (lambda text: _edit(text, chunk_size=-10), "chunk_size: Input should be greater than or equal to 1"),
}


def _edit(text: str, drop: str | None = None, **values) -> str:
    data = json.loads(text)
    data.update(values)
    if drop:
        data.pop(drop)
    return json.dumps(data)


@pytest.fixture(scope="session")
def damaged_manifests(good_run, tmp_path_factory) -> dict[str, Path]:
    """A copy of ``good_run`` per kind of manifest damage (:data:`MANIFEST_DAMAGE`)."""
    root = tmp_path_factory.mktemp("damaged")
    text = (good_run / "manifest.json").read_text(encoding="utf-8")
    out = {}
    for kind, (damage, _) in MANIFEST_DAMAGE.items():
        path = root / kind
        shutil.copytree(good_run, path)
        data = damage(text)
        (path / "manifest.json").write_bytes(data.encode("latin-1" if kind == "latin-1" else "utf-8"))
        out[kind] = path
    return out


def _record(path: Path, **changes) -> None:
    """Rewrite the marsedl run record of the saved run ``path`` with ``changes`` (a key set to None is dropped)."""
    import pyarrow.parquet as pq

    from marsedl.runfile import META_KEY

    key = META_KEY.encode() if isinstance(META_KEY, str) else META_KEY
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    doc = json.loads(meta[key])
    for k, v in changes.items():
        if v is None:
            doc.pop(k)
        else:
            doc[k] = v
    meta[key] = json.dumps(doc).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


#: saved-run damage -> (what to do to a copy of ``run.parquet``, what the answer names)
SAVED_RUN_DAMAGE = {
    "zero-bytes": (lambda p: p.write_bytes(b""), "is not a readable Parquet file"),
    "cut-short": (lambda p: p.write_bytes(p.read_bytes()[:5000]), "is not a readable Parquet file"),
    "foreign-parquet": (lambda p: __import__("pandas").DataFrame({"a": [1]}).to_parquet(p), "not a run saved"),
    "newer-format": (lambda p: _record(p, format=99), "run-file format 99"),
    "events-text": (lambda p: _record(p, events="none"), "run record is damaged"),
    "no-events": (lambda p: _record(p, events=None), "run record is damaged (no 'events')"),
    "negative-radius": (lambda p: _record(p, site_radius_m=-1.0), "not a place on a planet"),
}


@pytest.fixture(scope="session")
def damaged_saved_runs(tmp_path_factory) -> dict[str, Path]:
    """A saved nominal run (``simulate mars2020 --out run.parquet``) damaged each way of :data:`SAVED_RUN_DAMAGE`."""
    root = tmp_path_factory.mktemp("saved")
    good = root / "good.parquet"
    assert run_cli("simulate", "mars2020", "--out", str(good)).code == 0
    out = {}
    for kind, (damage, _) in SAVED_RUN_DAMAGE.items():
        path = root / f"{kind}.parquet"
        shutil.copy(good, path)
        damage(path)
        out[kind] = path
    return out
