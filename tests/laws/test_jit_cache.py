"""Compiled code is cached by the hash of every source it is built from, so that no kernel is served stale after
a law or a layout constant in another module changed (numba checks only the function's own file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numba

import marsedl
from marsedl.laws._jit import compiled_cache_dir, compiled_sources_digest


def _copy_package(tmp_path: Path) -> Path:
    src = Path(marsedl.__file__).parent
    dst = tmp_path / "marsedl"
    dst.mkdir()
    shutil.copy(src / "phase.py", dst / "phase.py")
    shutil.copy(src / "sequence.py", dst / "sequence.py")
    shutil.copy(src / "planet.py", dst / "planet.py")
    shutil.copy(src / "sphere.py", dst / "sphere.py")
    for sub in ("laws", "kernels"):
        shutil.copytree(src / sub, dst / sub, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def test_a_change_to_a_law_or_the_layout_moves_the_cache(tmp_path):
    pkg = _copy_package(tmp_path)
    first = compiled_sources_digest(pkg)
    assert compiled_sources_digest(pkg) == first
    (pkg / "planet.py").write_text("# not read by compiled code\n")
    assert compiled_sources_digest(pkg) == first
    with (pkg / "laws" / "gravity.py").open("a") as f:
        f.write("\n# a changed law\n")
    second = compiled_sources_digest(pkg)
    assert second != first
    with (pkg / "kernels" / "layout.py").open("a") as f:
        f.write("\n# a changed column\n")
    third = compiled_sources_digest(pkg)
    assert third not in (first, second)
    with (pkg / "sphere.py").open("a") as f:  # (compiled by the event actions, outside laws/)
        f.write("\n# a changed geometry\n")
    assert compiled_sources_digest(pkg) not in (first, second, third)


def test_numba_caches_in_the_folder_of_this_source():
    assert numba.config.CACHE_DIR == str(compiled_cache_dir())
    assert compiled_sources_digest() in numba.config.CACHE_DIR
