"""User-facing errors.

Every problem with what a user gave us (a preset field, a bit string, an image, a file) is raised as
:class:`MarsEDLError` with a one-line message naming the field and what is allowed. The command line prints
that line and exits non-zero; it never shows a traceback for these. :func:`finite_array` is the shared check
of numeric tables given by a user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported by the check that needs it: `marsedl --help` and `--version` stay light
    import numpy as np


class MarsEDLError(ValueError):
    """Bad input, explained in one line (names the field and the allowed range)."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class PlanningError(MarsEDLError):
    """A mission whose reference flight cannot be planned (it skips out, never deploys its parachute...): an
    answer about the user's design, said in one line with what to check."""


class DamagedFileError(MarsEDLError):
    """A file that exists but is not what it claims to be (not UTF-8 text, far too large, not the format, of the
    wrong content): said in one line naming it. A reader that can rebuild the file catches this class only."""


def read_text(path, what: str, *, max_bytes: int = 16 * 1024 * 1024) -> str:
    """The UTF-8 text of a file the user (or an earlier crash) may have damaged, or a one-line
    :class:`MarsEDLError` naming ``what`` and the file: missing, unreadable, too large, or not UTF-8 text."""
    from pathlib import Path

    p = Path(path)
    try:
        if p.stat().st_size > max_bytes:
            raise DamagedFileError(f"{what} '{p}' is {p.stat().st_size:,} bytes: larger than any such file "
                               f"({max_bytes:,} bytes at most)")
        return p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise MarsEDLError(f"{what} '{p}' does not exist") from None
    except UnicodeDecodeError as exc:
        raise DamagedFileError(f"{what} '{p}' is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8") \
            from None
    except OSError as exc:
        raise MarsEDLError(f"{what} '{p}' cannot be read: {exc.strerror or exc}") from None


def debug_enabled() -> bool:
    """Whether the user asked for tracebacks (``MARSEDL_DEBUG=1`` in the environment, or ``--debug``)."""
    import os

    return os.environ.get("MARSEDL_DEBUG", "").strip() not in ("", "0")


def interrupt_in(exc: BaseException) -> bool:
    """Whether ``exc`` is a Ctrl-C in disguise: a ``KeyboardInterrupt`` that surfaced inside compiled code
    comes back as a ``SystemError`` ("returned a result with an exception set") caused by it."""
    seen = 0
    while exc is not None and seen < 16:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def finite_array(name: str, values, *, flat: bool = False, nonempty: bool = False) -> np.ndarray:
    """``values`` as a read-only float array, or :class:`MarsEDLError` naming ``name``.

    Every value must be a finite number; ``flat`` ravels it to one dimension (a scalar becomes one value either
    way), ``nonempty`` asks for at least one value.
    """
    import numpy as np

    try:
        a = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise MarsEDLError(f"{name}: every value must be a finite number") from None
    a = a.reshape(-1) if flat or a.ndim == 0 else a
    if nonempty and a.size == 0:
        raise MarsEDLError(f"{name}: needs at least one value")
    if not np.all(np.isfinite(a)):
        raise MarsEDLError(f"{name}: every value must be a finite number")
    a.setflags(write=False)
    return a
