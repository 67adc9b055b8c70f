"""The compile options shared by the laws and the kernels, and where their machine code is cached.

Numba caches a compiled function beside its own source file and checks only that file when it loads it again:
a kernel compiled with a law from another module, or with the layout constants of another module, would be
served stale after that other module changed. So the cache lives in a folder named after a hash of every
source file that compiled code reads (``marsedl/laws``, ``marsedl/kernels``, ``marsedl/phase.py``,
``marsedl/sequence.py``, ``marsedl/sphere.py``): any change to any of them starts from an empty folder. The
folder is ``$NUMBA_CACHE_DIR/marsedl-<hash>`` when that variable is set, else ``marsedl/__pycache__/numba/<hash>``
inside the package (numba's own default place, by the sources), or ``~/.cache/marsedl/numba/<hash>``
(``$XDG_CACHE_HOME`` is honoured) where the package's folder cannot be written. ``marsedl cache clear`` removes
the folders of other sources.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

#: cache the machine code on disk; release the GIL (the engine steps bodies on threads); NumPy's error model
#: (a division by zero gives inf/nan as in NumPy, no exception)
JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
#: scalar helpers never allocate: compiled without the reference-counting runtime, a call no longer counts
#: references (atomically) to each of its array arguments, which cost more than a derivative's arithmetic
LEAF = {**JIT, "_nrt": False}
#: helpers that only compiled code calls (the event actions, the case's flight): no wrappers for calls from Python,
#: which for their tuples of arrays cost more to compile than the helpers themselves
INNER = {**LEAF, "no_cpython_wrapper": True, "no_cfunc_wrapper": True}


def compiled_sources_digest(root: Path | None = None) -> str:
    """Hash of the source files the compiled code is built from (and of numba's version); ``root`` is the
    package folder (this one by default)."""
    root = Path(__file__).resolve().parents[1] if root is None else Path(root)
    h = hashlib.sha256(numba.__version__.encode())
    files = [root / "phase.py", root / "sequence.py", root / "sphere.py", *sorted((root / "laws").glob("*.py")),
             *sorted((root / "kernels").glob("*.py"))]
    for path in files:
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def compiled_cache_dir() -> Path:
    """The folder of this source's compiled code (see the module's docstring)."""
    digest = compiled_sources_digest()
    user = os.environ.get("NUMBA_CACHE_DIR", "").strip()
    if user:
        return Path(user) / f"marsedl-{digest}"
    return _compiled_roots()[0] / digest


def _compiled_roots() -> list[Path]:
    """Where compiled code may be kept: in the package if its folder can be written, and in the user's cache."""
    package = Path(__file__).resolve().parents[1]
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    user = Path(xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")) / "marsedl" / "numba"
    cache = package / "__pycache__"
    writable = os.access(cache if cache.is_dir() else package, os.W_OK)
    return [cache / "numba", user] if writable else [user]


def clear_stale_compiled() -> int:
    """Remove the compiled code of other sources than this one (left by earlier versions); returns how many
    folders were removed (those that cannot be are skipped)."""
    import shutil

    keep = compiled_sources_digest()
    removed = 0
    folders = []
    for root in _compiled_roots():
        try:
            folders += [p for p in root.iterdir() if p.is_dir() and p.name != keep]
        except OSError:
            pass
    for folder in folders:
        try:
            shutil.rmtree(folder)
            removed += 1
        except OSError:
            pass
    return removed


numba.config.CACHE_DIR = str(compiled_cache_dir())
