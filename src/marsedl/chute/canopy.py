"""The canopy as data: rings x gores of bits (1 coloured, 0 white, -1 unknown).

Conventions (shared by :mod:`marsedl.chute.code`, :mod:`marsedl.chute.draw` and :mod:`marsedl.chute.read`):

- ``bits[r, g]``: ring ``r`` counted from the innermost disk ring (``r = 0``) outwards; when ``band`` is True
  the last ring is the band (outside the gap), which carries the coordinates.
- Gore ``g = 0`` is the first gore of the first character group of ring 0's word, and ``g`` increases
  clockwise as seen from below (the view of the rover's up-look camera).
- 1 = coloured ("international orange"), 0 = white, -1 = unknown (not seen, or not classifiable).

Human-readable messages count rings and gores from 1 (``ring 1`` is the innermost); arrays and dictionaries
count from 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from marsedl.errors import MarsEDLError

GROUP = 10
"""Gores per character group: 3 white spacer gores then 7 value bits (reference: parachute_code.md)."""
MAX_RINGS = 8
"""Rings a canopy may have (Mars 2020's: 3 disk rings and the band); more is refused, not decoded for hours."""
MAX_GORES = 200
"""Gores a ring may have (Mars 2020's: 80); more is refused, as is any other bound the decoder's memory needs."""

_ALLOWED = {"0": 0, "1": 1, "?": -1}


@dataclass(frozen=True, eq=False)
class Canopy:
    """A canopy pattern: ``bits`` of shape (n_rings, n_gores), int8 in {1, 0, -1}.

    Parameters
    ----------
    bits : array_like of int, shape (n_rings, n_gores)
        1 coloured, 0 white, -1 unknown. Ring 0 is the innermost disk ring; gore 0 is the first gore of the
        first group of ring 0's word, gores increase clockwise seen from below. The array is copied and made
        read-only.
    band : bool
        True when the last ring is the band (coordinates), False when every ring is a disk ring.

    Raises
    ------
    MarsEDLError
        If ``bits`` is not 2-D, holds values other than 1, 0, -1, or the gore count is not a positive
        multiple of 10 (each character takes 10 gores).
    """

    bits: np.ndarray
    band: bool

    def __post_init__(self) -> None:
        try:
            raw = np.asarray(self.bits)
        except (TypeError, ValueError) as exc:  # ragged or not numbers: the user's; anything else is a bug
            raise MarsEDLError(f"canopy bits: cannot read as an array ({exc})") from None
        if raw.ndim != 2 or raw.shape[0] < 1:
            raise MarsEDLError(f"canopy bits: need a 2-D (rings, gores) array with at least 1 ring, "
                               f"got shape {raw.shape}")
        _check_rings(raw.shape[0], where="canopy bits")
        _check_gores(raw.shape[1], where="canopy bits")
        if raw.dtype.kind not in "iub":
            if raw.dtype.kind == "f" and np.all(np.isfinite(raw)) and np.all(raw == np.round(raw)):
                pass
            else:
                raise MarsEDLError(f"canopy bits: need integers 1, 0 or -1, got dtype {raw.dtype}")
        bad = ~np.isin(raw, (-1, 0, 1))
        if bad.any():
            r, g = np.argwhere(bad)[0]
            raise MarsEDLError(f"canopy bits: ring {r + 1}, gore {g + 1} is {raw[r, g]!r}; allowed 1 "
                               f"(coloured), 0 (white), -1 (unknown)")
        _check_gores(raw.shape[1], where="canopy bits")
        bits = raw.astype(np.int8).copy()
        bits.setflags(write=False)
        object.__setattr__(self, "bits", bits)
        object.__setattr__(self, "band", bool(self.band))

    # ------------------------------------------------------------------ shape
    @property
    def n_rings(self) -> int:
        """Number of rings (disk rings plus the band, if any)."""
        return int(self.bits.shape[0])

    @property
    def n_gores(self) -> int:
        """Number of gores per ring (a multiple of 10)."""
        return int(self.bits.shape[1])

    @property
    def disk_rings(self) -> int:
        """Number of disk rings (the rings that carry words)."""
        return self.n_rings - int(self.band)

    @property
    def groups(self) -> int:
        """Character groups per ring: ``n_gores // 10``."""
        return self.n_gores // GROUP

    # ------------------------------------------------------------------ text
    def rings_text(self) -> list[str]:
        """Each ring as a string of ``0``/``1`` with ``?`` for unknown gores, innermost first."""
        lut = np.array(["?", "0", "1"])
        return ["".join(lut[row + 1]) for row in self.bits]

    @classmethod
    def from_strings(cls, rings: Sequence[str], band: bool) -> Canopy:
        """Build a canopy from one ``0``/``1``/``?`` string per ring, innermost first.

        Spaces and underscores inside a string are ignored, so ``"0000000100 0000000001 ..."`` (groups of 10,
        as in the reference transcription) is accepted.

        Parameters
        ----------
        rings : sequence of str
            One string per ring; all rings must have the same number of gores, a multiple of 10.
        band : bool
            True when the last string is the band ring.

        Raises
        ------
        MarsEDLError
            Naming the ring (counted from 1, innermost first) and the offending character or length.
        """
        if isinstance(rings, str):
            rings = [rings]
        rings = list(rings)
        if not rings:
            raise MarsEDLError("rings: need at least one ring string of 0/1/?")
        _check_rings(len(rings), where="rings")
        for r, text in enumerate(rings):
            if isinstance(text, str) and len(text) > 4 * MAX_GORES:  # (spaces and _ allowed between groups)
                raise MarsEDLError(f"ring {r + 1}: {len(text):,} characters; a ring has at most {MAX_GORES} gores")
        rows = []
        expected = None
        for r, text in enumerate(rings):
            if not isinstance(text, str):
                raise MarsEDLError(f"ring {r + 1}: need a string of 0/1/?, got {type(text).__name__}")
            clean = "".join(text.split()).replace("_", "")
            for pos, ch in enumerate(clean):
                if ch not in _ALLOWED:
                    raise MarsEDLError(f"ring {r + 1}, gore {pos + 1}: character {ch!r} is not 0 (white), "
                                       f"1 (coloured) or ? (unknown)")
            if expected is None:
                if not clean:
                    raise MarsEDLError("ring 1: empty; need a multiple of 10 gores of 0/1/?")
                _check_gores(len(clean), where="ring 1")
                expected = len(clean)
            elif len(clean) != expected:
                raise MarsEDLError(f"ring {r + 1}: {len(clean)} gores, expected {expected} (the gore count "
                                   f"of ring 1)")
            rows.append([_ALLOWED[ch] for ch in clean])
        return cls(np.array(rows, dtype=np.int8), band=band)

    # ------------------------------------------------------------------ orientation
    def as_seen(self, start_gore: int = 0, mirrored: bool = False) -> Canopy:
        """This pattern as an observer would record it, rotated and/or mirrored.

        The result ``obs`` satisfies ``obs[:, (start_gore + i) % n] == bits[:, i]`` (``mirrored=False``) or
        ``obs[:, (start_gore - i) % n] == bits[:, i]`` (``mirrored=True``, i.e. seen from above), which is
        exactly what :func:`marsedl.chute.decoding.decode` reports back as ``start_gore`` and ``mirrored``.
        """
        n = self.n_gores
        i = np.arange(n)
        pos = (int(start_gore) + (-i if mirrored else i)) % n
        obs = np.empty_like(self.bits)
        obs[:, pos] = self.bits
        return Canopy(obs, band=self.band)

    # ------------------------------------------------------------------ dunder
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Canopy):
            return NotImplemented
        return self.band == other.band and np.array_equal(self.bits, other.bits)

    def __hash__(self) -> int:
        return hash((self.band, self.bits.shape, self.bits.tobytes()))

    def __repr__(self) -> str:
        return f"Canopy({self.n_rings} rings x {self.n_gores} gores, band={self.band})"


def _check_gores(n_gores: int, *, where: str) -> None:
    """Gore counts must be positive multiples of 10 (10 gores per character), at most ``MAX_GORES``."""
    if n_gores < GROUP or n_gores % GROUP or n_gores > MAX_GORES:
        raise MarsEDLError(f"{where}: {n_gores:,} gores; the gore count must be a multiple of {GROUP} (10 gores "
                           f"per character) from {GROUP} to {MAX_GORES}")


def _check_rings(n_rings: int, *, where: str) -> None:
    """A canopy has a few rings: at most ``MAX_RINGS`` (the decoder's work grows with every ring)."""
    if n_rings > MAX_RINGS:
        raise MarsEDLError(f"{where}: {n_rings:,} rings; a canopy has at most {MAX_RINGS} (Mars 2020's has 4)")
