"""User-facing errors.

Every problem with what a user gave us (a preset field, a bit string, an image, a file) is raised as
:class:`MarsEDLError` with a one-line message naming the field and what is allowed. The command line prints
that line and exits non-zero; it never shows a traceback for these. :func:`finite_array` is the shared check
of numeric tables given by a user.
"""

import numpy as np


class MarsEDLError(ValueError):
    """Bad input, explained in one line (names the field and the allowed range)."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class PlanningError(MarsEDLError):
    """A mission whose reference flight cannot be planned (it skips out, never deploys its parachute...): an
    answer about the user's design, said in one line with what to check."""


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
