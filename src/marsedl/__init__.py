"""marsedl: Mars entry, descent and landing.

A batched EDL engine (a single run is a population of one case), the debris field of every shed body,
Monte Carlo at scale, and the Mars 2020 parachute message codec.

>>> import marsedl
>>> result = marsedl.simulate("mars2020")          # doctest: +SKIP
>>> result.events, result.impacts, result.to_dataframe()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "simulate"]


def __getattr__(name: str) -> Any:
    # `marsedl.simulate` is loaded on first use, so `import marsedl` (and the command line) stay light.
    if name == "simulate":
        from marsedl.flight import simulate

        return simulate
    raise AttributeError(f"module 'marsedl' has no attribute {name!r}")
