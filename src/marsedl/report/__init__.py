"""Presentation of runs: matplotlib plots, the self-contained HTML report, KML for Google Earth's Mars mode.

Import the submodule you need (``marsedl.report.plots``, ``.html``, ``.kml``); nothing here imports a plotting
library until then, and the models (engine, result, survey) never import this package.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = ("common", "html", "kml", "mcrun", "plots")

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"marsedl.report.{name}")
    raise AttributeError(f"module 'marsedl.report' has no attribute {name!r}")
