"""``marsedl plot``, ``report``, ``kml`` and ``survey``: presentation of runs (commands are added by ``register``)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
