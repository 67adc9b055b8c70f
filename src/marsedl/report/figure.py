"""The project's matplotlib figures: one style, a figure without pyplot (Agg, no global state), saving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from marsedl.errors import MarsEDLError

FORMATS = ("png", "svg")


_STYLE = {"axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
          "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold", "legend.fontsize": 8,
          "legend.framealpha": 0.9}


def _figure(w: float = 9.0, h: float = 5.5, **kw: Any) -> Figure:
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(w, h), layout="constrained", **kw)
    return fig


def _axes(fig: Figure, *args: Any, **kw: Any) -> Any:
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        return fig.add_subplot(*args, **kw)


def save(fig: Figure, path: str | Path, *, dpi: int = 110) -> Path:
    """Save a figure (format from the suffix: .png or .svg); a path that cannot be written is one line."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise MarsEDLError(f"plot file '{path}': the format must be one of {', '.join(FORMATS)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, format=fmt)
    except OSError as exc:
        raise MarsEDLError(f"plot file '{path}' cannot be written: {exc.strerror or exc}") from None
    return path

