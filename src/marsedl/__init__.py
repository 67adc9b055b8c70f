"""marsedl: Mars entry, descent and landing.

A batched EDL engine (a single run is a population of one case), the debris field of every shed body,
Monte Carlo at scale, and the Mars 2020 parachute message codec.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
