"""The Mars 2020 parachute message codec: canopy bits, encoding, decoding, drawing and photo reading.

>>> from marsedl.chute import encode, decode
>>> canopy = encode("DARE MIGHTY THINGS", band="34°11'58\\"N 118°10'31\\"W")
>>> decode(canopy.as_seen(start_gore=17, mirrored=True)).words
['DARE', 'MIGHTY', 'THINGS']

``marsedl.chute.draw`` (SVG/PNG rendering) and ``marsedl.chute.read`` (reading a photograph) are imported
on first use, so the codec itself needs only NumPy.
"""

from __future__ import annotations

import importlib
from typing import Any

from marsedl.chute.canopy import Canopy
from marsedl.chute.code import encode
from marsedl.chute.coords import Coordinates, parse_coordinates
from marsedl.chute.decoding import Decoded, decode

__all__ = ["Canopy", "Coordinates", "Decoded", "decode", "encode", "parse_coordinates"]

_LAZY = ("draw", "read")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"marsedl.chute.{name}")
    raise AttributeError(f"module 'marsedl.chute' has no attribute {name!r}")
