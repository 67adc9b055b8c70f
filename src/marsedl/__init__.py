"""marsedl: Mars entry, descent and landing.

A batched EDL engine (a single run is a population of one case), the debris field of every shed body,
Monte Carlo at scale, and the Mars 2020 parachute message codec.

>>> import marsedl
>>> result = marsedl.simulate("mars2020")          # doctest: +SKIP
>>> result.events, result.impacts, result.to_dataframe()  # doctest: +SKIP
>>> result.save("run.parquet"); marsedl.load("run.parquet")  # doctest: +SKIP
>>> mc = marsedl.montecarlo("mars2020", n=200, seed=7)      # doctest: +SKIP
>>> mc.summary, mc.to_pandas(), mc.ellipses()               # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load", "montecarlo", "simulate"]


def __getattr__(name: str) -> Any:
    # `marsedl.simulate`, `.load` and `.montecarlo` are loaded on first use, so `import marsedl` (and the command
    # line) stay light. `marsedl.montecarlo` is the subpackage, which is callable (marsedl.montecarlo.api).
    if name == "simulate":
        from marsedl.flight import simulate

        return simulate
    if name == "load":
        from marsedl.montecarlo.api import load

        return load
    if name == "montecarlo":
        import importlib

        return importlib.import_module("marsedl.montecarlo")
    raise AttributeError(f"module 'marsedl' has no attribute {name!r}")
