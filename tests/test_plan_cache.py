"""Plan cache housekeeping: the folder keeps only the most recently used plans, and can be emptied.

Plans here are small made-up ones (the cache stores whatever it is given), so no mission is flown; the
planner itself is replaced by a stub where the public ``cached_plan`` path is exercised.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from marsedl import flight
from marsedl.flight import PLAN_CACHE_MAX, cached_plan, clear_plan_cache, plan_cache_dir
from marsedl.guidance.entry import ReferenceTrajectory
from marsedl.targeting import Plan


def _plan(tag: float = 0.0) -> Plan:
    """A small valid plan (three reference rows); ``tag`` marks it so a round trip can be told apart."""
    ref = ReferenceTrajectory(speed_m_s=[500.0, 1500.0, 4000.0], range_to_go_m=[1e3, 2e4, 3e5],
                              drag_m_s2=[5.0, 20.0, 10.0], altitude_rate_m_s=[-50.0, -80.0, -120.0],
                              f1=[-1e3, -2e3, -3e3], f2=[10.0, 20.0, 30.0], f3=[1e3, 5e3, 1e4], lod_vertical_ref=0.18)
    return Plan(y0=np.arange(7.0) + tag, reference=ref, chute_range_m=12e3, reference_bank_rad=0.5,
                entry_lat_deg=-4.0, entry_lon_deg=137.0, entry_azimuth_deg=90.0 + tag, reference_miss_m=tag)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The plan cache folder, moved under tmp_path and switched on."""
    monkeypatch.setenv("MARSEDL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MARSEDL_NO_CACHE", raising=False)
    folder = plan_cache_dir()
    assert folder == tmp_path / "cache" / "plans"
    folder.mkdir(parents=True)
    return folder


def _fake_plans(folder, n: int, t0: float = 1.0e9) -> list:
    """``n`` plan-named files, file k last used at t0 + k hours (oldest first)."""
    paths = []
    for k in range(n):
        p = folder / f"{k:064x}.npz"
        p.write_bytes(b"plan")
        os.utime(p, (t0 + 3600.0 * k, t0 + 3600.0 * k))
        paths.append(p)
    return paths


def test_saving_a_plan_keeps_only_the_most_recently_used(cache):
    old = _fake_plans(cache, PLAN_CACHE_MAX + 6)
    assert PLAN_CACHE_MAX == 64
    new = cache / ("f" * 64 + ".npz")
    flight._save_plan(new, _plan(1.0))
    left = set(cache.iterdir())
    # the plan just saved, and the 63 newest of the others; the 7 oldest are gone
    assert left == {new, *old[7:]}
    assert len(left) == 64
    # the plan just saved is kept even when the clock makes it look older than all the others
    os.utime(new, (1.0, 1.0))
    assert flight._prune_plans(cache, keep=64, spare=new) == 0
    assert flight._prune_plans(cache, keep=3, spare=new) == 61
    assert set(cache.iterdir()) == {new, *old[-2:]}


def test_pruning_counts_what_it_removes_and_leaves_partial_saves_alone(cache):
    paths = _fake_plans(cache, 10)
    partial = cache / f"{'a' * 64}.{os.getpid()}.tmp.npz"  # a save in progress in another process
    partial.write_bytes(b"half")
    os.utime(partial, (1.0, 1.0))
    other = cache / "notes.txt"
    other.write_text("not a plan")
    assert flight._prune_plans(cache, keep=4) == 6
    assert set(cache.iterdir()) == {*paths[6:], partial, other}
    assert flight._prune_plans(cache, keep=4) == 0


def test_loading_a_plan_marks_it_used_so_it_survives_the_prune(cache):
    old = _fake_plans(cache, PLAN_CACHE_MAX)
    # the oldest file becomes a real plan, then is read back: a cache hit
    flight._save_plan(old[0], _plan(3.0))
    os.utime(old[0], (1.0e9 - 3600.0, 1.0e9 - 3600.0))
    before = time.time()
    back = flight._load_plan(old[0])
    assert back is not None and back.reference_miss_m == 3.0 and back.entry_azimuth_deg == 93.0
    np.testing.assert_array_equal(back.y0, np.arange(7.0) + 3.0)
    assert old[0].stat().st_mtime >= before - 2.0  # touched now, not an hour before the others
    # one more plan saved: the oldest *unused* file goes, not the one just read
    flight._save_plan(cache / ("e" * 64 + ".npz"), _plan(4.0))
    left = set(cache.iterdir())
    assert old[0] in left and old[1] not in left and len(left) == PLAN_CACHE_MAX


def test_a_failed_load_does_not_count_as_use(cache):
    (bad,) = _fake_plans(cache, 1)
    assert flight._load_plan(bad) is None
    assert bad.stat().st_mtime == 1.0e9


def test_cached_plan_prunes_through_the_public_path(cache, monkeypatch):
    calls = []

    def plan_stub(mission, cfg):
        calls.append(mission)
        return _plan(float(len(calls)))

    monkeypatch.setattr(flight, "plan_mission", plan_stub)
    monkeypatch.setattr(flight, "plan_key", lambda mission, cfg: f"{mission:064x}")
    old = _fake_plans(cache, PLAN_CACHE_MAX)
    plan, hit = cached_plan(10_000, None)
    assert not hit and calls == [10_000]
    assert len(list(cache.glob("*.npz"))) == PLAN_CACHE_MAX and not old[0].exists() and old[1].exists()
    again, hit = cached_plan(10_000, None)
    assert hit and calls == [10_000] and again.reference_miss_m == plan.reference_miss_m


def test_clear_empties_the_folder_and_counts(cache, monkeypatch):
    _fake_plans(cache, 5)
    (cache / f"{'b' * 64}.123.tmp.npz").write_bytes(b"left over by a crash")
    assert clear_plan_cache() == 6
    assert list(cache.iterdir()) == []
    assert clear_plan_cache() == 0
    # clearing works with caching switched off too (the folder is still where the plans were)
    _fake_plans(cache, 2)
    monkeypatch.setenv("MARSEDL_NO_CACHE", "1")
    assert plan_cache_dir() is None
    assert clear_plan_cache() == 2


def test_missing_or_unwritable_cache_does_not_raise(tmp_path, monkeypatch):
    monkeypatch.delenv("MARSEDL_NO_CACHE", raising=False)
    monkeypatch.setenv("MARSEDL_CACHE_DIR", str(tmp_path / "nothing_yet"))
    assert clear_plan_cache() == 0  # no folder: nothing to remove
    # the cache "folder" is a file: mkdir fails, the save is skipped, planning still answers
    blocker = tmp_path / "a_file"
    blocker.write_text("in the way")
    monkeypatch.setenv("MARSEDL_CACHE_DIR", str(blocker))
    folder = plan_cache_dir()
    flight._save_plan(folder / ("c" * 64 + ".npz"), _plan())
    assert flight._prune_plans(folder) == 0
    assert clear_plan_cache() == 0
    monkeypatch.setattr(flight, "plan_mission", lambda mission, cfg: _plan(5.0))
    monkeypatch.setattr(flight, "plan_key", lambda mission, cfg: "d" * 64)
    plan, hit = cached_plan(None, None)
    assert not hit and plan.reference_miss_m == 5.0
    assert blocker.read_text() == "in the way"


def test_files_that_cannot_be_removed_are_skipped(cache, monkeypatch):
    paths = _fake_plans(cache, 6)
    real_unlink = type(paths[0]).unlink

    def unlink(self, missing_ok=False):
        if self.name == paths[0].name:
            raise PermissionError(13, "read-only", str(self))
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(type(paths[0]), "unlink", unlink)
    assert flight._prune_plans(cache, keep=2) == 3  # four too many, one of them will not go
    assert set(cache.iterdir()) == {paths[0], *paths[4:]}
    assert clear_plan_cache() == 2
    assert list(cache.iterdir()) == [paths[0]]
