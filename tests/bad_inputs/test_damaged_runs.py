"""Damaged Monte Carlo run folders: nothing good is lost, and ``--resume`` repairs the run to the same bits.

A copy of a finished run (40 cases in 4 chunks, seed 3) has its manifest or a chunk damaged in one of several
ways. ``summary`` names the damage in one line (or, for a chunk moved away, reports an incomplete run); the
untouched files stay byte for byte through every command; the same ``montecarlo`` command with ``--resume``
keeps the damaged file aside (``.damaged``, same bytes), flies again what it must, and the run's case table then
equals the undamaged run's exactly. (tests/test_bad_files.py covers a chunk cut in half and one overwritten.)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from marsedl.montecarlo import RunStore

from .conftest import MANIFEST_DAMAGE

RESUME = ["montecarlo", "mars2020", "-n", "40", "--seed", "3", "--chunk-size", "10", "--processes", "1", "--quiet",
          "--json", "--resume", "--out"]


def _foreign_parquet(path: Path) -> None:
    pd.DataFrame({"city": ["Pasadena", "Jezero"], "population": [138_000, 0]}).to_parquet(path)


def _other_cases(path: Path) -> None:
    shutil.copy(path.with_name("chunk-00000.parquet"), path)


#: chunk damage -> (what to do to chunk-00001.parquet, what summary says)
CHUNK_DAMAGE = {
    "zero-bytes": (lambda p: p.write_bytes(b""), "a Parquet chunk cannot be read"),
    "garbage": (lambda p: p.write_bytes(bytes(range(256)) * 40), "a Parquet chunk cannot be read"),
    "tail-cut": (lambda p: p.write_bytes(p.read_bytes()[:-9]), "a Parquet chunk cannot be read"),
    "foreign-parquet": (_foreign_parquet, "is not part of this run"),
    "another-chunk": (_other_cases, "is not part of this run"),
    "renamed-away": (lambda p: p.rename(p.with_name("chunk-1.parquet.bak")), None),
}


def _copy(good: Path, dest: Path) -> Path:
    shutil.copytree(good, dest)
    return dest


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _same_cases(run: Path, good: Path) -> None:
    pd.testing.assert_frame_equal(RunStore(run).read(), RunStore(good).read(), check_exact=True)


@pytest.mark.parametrize("kind", list(CHUNK_DAMAGE))
def test_a_damaged_chunk_is_named_kept_aside_and_flown_again(cli, refused, good_run, tmp_path, kind):
    run = _copy(good_run, tmp_path / "run")
    chunk = run / "chunk-00001.parquet"
    damage, needle = CHUNK_DAMAGE[kind]
    damage(chunk)
    before = _bytes(run)
    summary = cli("summary", str(run))
    if needle is None:  # the chunk is gone: the summary is of the cases that are there, and says it is incomplete
        assert summary.code == 0 and "30 cases" in summary.out and "incomplete run" in summary.out
    else:
        refused(summary, needle)
        assert str(chunk) in summary.err
    assert _bytes(run) == before  # summary changed nothing
    resumed = cli(*RESUME, str(run))
    assert resumed.code == 0, resumed.err
    after = _bytes(run)
    for name in ("chunk-00000.parquet", "chunk-00002.parquet", "chunk-00003.parquet"):
        assert after[name] == before[name]  # the good chunks, byte for byte
    if kind == "renamed-away":
        assert after["chunk-1.parquet.bak"] == before["chunk-1.parquet.bak"]
    else:
        assert "chunk-00001.parquet was damaged" in resumed.err
        assert after["chunk-00001.parquet.damaged"] == before["chunk-00001.parquet"]  # kept, not deleted
    _same_cases(run, good_run)


@pytest.mark.parametrize("kind", list(MANIFEST_DAMAGE))
def test_a_damaged_manifest_is_kept_aside_and_rebuilt_by_resume(cli, refused, good_run, tmp_path, kind):
    run = _copy(good_run, tmp_path / "run")
    damage, needle = MANIFEST_DAMAGE[kind]
    text = (good_run / "manifest.json").read_text(encoding="utf-8")
    (run / "manifest.json").write_bytes(damage(text).encode("latin-1" if kind == "latin-1" else "utf-8"))
    before = _bytes(run)
    refused(cli("summary", str(run)), needle)
    assert "--resume rebuilds it" in cli("summary", str(run)).err
    assert _bytes(run) == before
    resumed = cli(*RESUME, str(run))
    assert resumed.code == 0, resumed.err
    assert "kept as manifest.json.damaged and rebuilt from this command" in resumed.err
    assert "was damaged" not in resumed.err.replace("manifest.json", "")  # every chunk proved to be this run's
    after = _bytes(run)
    assert after["manifest.json.damaged"] == before["manifest.json"]
    for name in ("chunk-00000.parquet", "chunk-00001.parquet", "chunk-00002.parquet", "chunk-00003.parquet"):
        assert after[name] == before[name]
    _same_cases(run, good_run)
    assert cli("summary", str(run)).code == 0


def test_chunks_of_another_run_beside_a_rebuilt_manifest_are_kept_aside_not_mixed_in(cli, good_run, tmp_path):
    """Resumed with another seed, a run whose manifest was lost cannot claim the old chunks: each one's first case,
    flown again, differs; they are kept as .damaged and the run is flown afresh, equal to a new run of that seed."""
    run = _copy(good_run, tmp_path / "run")
    (run / "manifest.json").write_text("{}")
    resumed = cli(*[a if a != "3" else "4" for a in RESUME], str(run))
    assert resumed.code == 0, resumed.err
    assert resumed.err.count("was damaged") == 4
    fresh = cli(*[a if a != "3" else "4" for a in RESUME[:-2]], "--out", str(tmp_path / "fresh"))
    assert fresh.code == 0, fresh.err
    _same_cases(run, tmp_path / "fresh")
    assert (run / "chunk-00002.parquet.damaged").read_bytes() == (good_run / "chunk-00002.parquet").read_bytes()


def test_a_manifest_and_a_chunk_damaged_together_are_both_repaired(cli, good_run, tmp_path):
    run = _copy(good_run, tmp_path / "run")
    (run / "manifest.json").write_bytes(b"\x00" * 64)
    (run / "chunk-00003.parquet").write_bytes(b"")
    resumed = cli(*RESUME, str(run))
    assert resumed.code == 0, resumed.err
    assert "chunk-00003.parquet was damaged" in resumed.err and "manifest.json.damaged" in resumed.err
    _same_cases(run, good_run)
    assert json.loads(resumed.out)["cases"] == 40  # the summary of the repaired run
