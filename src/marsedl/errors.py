"""User-facing errors.

Every problem with what a user gave us (a preset field, a bit string, an image, a file) is raised as
:class:`MarsEDLError` with a one-line message naming the field and what is allowed. The command line prints
that line and exits non-zero; it never shows a traceback for these.
"""


class MarsEDLError(ValueError):
    """Bad input, explained in one line (names the field and the allowed range)."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))
