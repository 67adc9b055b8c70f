"""The Mars 2020 parachute code: encode words and coordinates into gores, decode a pattern back.

The code (reference: parachute_code.md, from transcriptions of the real canopy and NASA's "Mars
Perseverance Parachute Coding Activity"):

- each character is a group of 10 gores: 3 white spacer gores, then a 7-bit value, most significant bit
  first (1 = coloured);
- letters are A = 1 ... Z = 26; a word written in digits is one group holding that number, 0..127;
- each disk ring holds one word; after a word shorter than the ring come ``0001111111`` then
  ``1111111111`` groups up to the end of the ring;
- the words form a spiral: ring 0's word starts at gore 0, and each next word starts where the previous
  word's data ended (DARE at 0, MIGHTY at 40, THINGS at 20 on the 80-gore canopy);
- the band (outside the gap) holds latitude and longitude as 8 groups: degrees, minutes, seconds,
  N/S (as letters, N = 14, S = 19), degrees, minutes, seconds, E/W (E = 5, W = 23), starting at gore 0.

Decoding is :mod:`marsedl.chute.decoding`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from marsedl.chute.canopy import GROUP, Canopy, _check_gores, _check_rings
from marsedl.chute.coords import Coordinates, parse_coordinates
from marsedl.errors import MarsEDLError

SPACER_GORES = 3
"""White gores leading each character group (reference: parachute_code.md)."""
VALUE_BITS = 7
"""Bits per character value, most significant first (reference: parachute_code.md)."""
MAX_VALUE = 2**VALUE_BITS - 1
FILL_START = MAX_VALUE
"""Value of the first filler group ``0001111111`` after a short word (equal to the bits of value 127)."""
_FILL = MAX_VALUE + 1  # pattern index of the all-coloured filler group ``1111111111``
BAND_GROUPS = 8
"""Groups on the band: lat deg, min, sec, N/S, lon deg, min, sec, E/W (reference: parachute_code.md)."""
DEFAULT_DISK_RINGS = 3
"""Mars 2020: three disk rings (inner, middle, outer) and one band (reference: parachute_code.md)."""


def _patterns() -> np.ndarray:
    """(129, 10) bits: rows 0..127 = spacer + value, row 128 = the all-coloured filler group."""
    values = np.arange(MAX_VALUE + 1)
    shifts = np.arange(VALUE_BITS - 1, -1, -1)
    value_bits = (values[:, None] >> shifts) & 1
    pats = np.zeros((MAX_VALUE + 2, GROUP), dtype=np.int8)
    pats[:-1, SPACER_GORES:] = value_bits
    pats[-1] = 1
    return pats


PATTERNS = _patterns()
LETTERS = np.arange(1, 27)
_HEMI = {"N": 14, "S": 19, "E": 5, "W": 23}
BAND_FIELDS = ("latitude degrees", "latitude minutes", "latitude seconds", "latitude hemisphere",
                "longitude degrees", "longitude minutes", "longitude seconds", "longitude hemisphere")
# allowed values of each band group; longitude degrees stop at 127, the largest 7-bit value
_BAND_ALLOWED = (np.arange(0, 91), np.arange(0, 60), np.arange(0, 60), np.array([14, 19]),
                 np.arange(0, MAX_VALUE + 1), np.arange(0, 60), np.arange(0, 60), np.array([5, 23]))


# =========================================================================================== encode
def _shown(text: str) -> str:
    """A word as an error message names it: whole when short, its start and length when long (a message of a
    million characters is not one line)."""
    return repr(text) if len(text) <= 32 else f"{text[:24]!r}... ({len(text):,} characters)"


def _word_values(word: object, k: int) -> list[int]:
    text = str(word).strip() if isinstance(word, int | str) else None
    if text is None:
        raise MarsEDLError(f"word {k + 1}: need text or a number, got {type(word).__name__}")
    if text.isdigit() and text.isascii():
        n = int(text)
        if n > MAX_VALUE:
            raise MarsEDLError(f"word {k + 1} {_shown(text)}: the number does not fit 7 bits; "
                               f"numbers 0..{MAX_VALUE}")
        return [n]
    values = []
    for pos, ch in enumerate(text):
        up = ch.upper()
        if not ("A" <= up <= "Z"):
            raise MarsEDLError(f"word {k + 1} {_shown(text)}: character {ch!r} at position {pos + 1:,} cannot be "
                               f"carried; the code carries letters A-Z, or a whole word that is a number "
                               f"0..{MAX_VALUE}")
        values.append(ord(up) - 64)
    return values


def _band_values(band: Coordinates | str | tuple[float, float]) -> list[int]:
    coords = parse_coordinates(band)
    ld, lm, ls, ns, od, om, os_, ew = coords.dms
    if od > MAX_VALUE:
        raise MarsEDLError(f"band longitude degrees: {od} cannot be carried; a 7-bit group holds "
                           f"0..{MAX_VALUE}")
    return [ld, lm, ls, _HEMI[ns], od, om, os_, _HEMI[ew]]


def encode(words: str | Sequence[str], band: Coordinates | str | tuple[float, float] | None = None, *,
           disk_rings: int | None = None, gores: int = 80) -> Canopy:
    """Encode words (one per disk ring) and optional band coordinates into a canopy pattern.

    Parameters
    ----------
    words : str or sequence of str
        The words, innermost ring first; a string is split on whitespace. Letters A-Z (lower case is taken
        as capitals) take one group each. A word written in digits is *one* group holding that number,
        0..127 (``"34"`` → ``0000100010``); note that decoding shows a one-group word of value 1..26 as a
        letter, since the code does not tell the two apart.
    band : Coordinates, str or (lat_deg, lon_deg), optional
        Coordinates for the band ring (see :func:`marsedl.chute.coords.parse_coordinates`), rounded to the
        nearest second. None: no band ring.
    disk_rings : int, optional
        Number of disk rings (default 3, as on Mars 2020). Rings beyond the words stay empty
        (``0001111111`` then filler).
    gores : int
        Gores per ring, a positive multiple of 10 (default 80). The band needs exactly 80 (8 groups).

    Returns
    -------
    Canopy
        ``disk_rings`` disk rings, plus the band ring when ``band`` is given.

    Raises
    ------
    MarsEDLError
        A character the code cannot carry (named with its position), a word longer than its ring, more
        words than rings, a band on a canopy whose band is not 8 groups long, coordinates out of range.

    Examples
    --------
    >>> c = encode(["DARE", "MIGHTY", "THINGS"], band="34°11'58\\"N 118°10'31\\"W")
    >>> c.rings_text()[0][:20]
    '00000001000000000001'
    """
    _check_gores(int(gores), where="gores")
    gores = int(gores)
    capacity = gores // GROUP
    if isinstance(words, str):
        word_list: list = words.split()
    else:
        try:
            word_list = list(words)
        except TypeError:
            raise MarsEDLError(f"words: need text or a list of words, got {type(words).__name__}") from None
    n_disk = DEFAULT_DISK_RINGS if disk_rings is None else disk_rings
    if int(n_disk) != n_disk or n_disk < 0:
        raise MarsEDLError(f"disk_rings: {disk_rings!r}; need a whole number >= 0")
    n_disk = int(n_disk)
    _check_rings(n_disk + (band is not None), where="disk_rings")
    if len(word_list) > n_disk:
        raise MarsEDLError(f"words: {len(word_list)} words but the canopy has {n_disk} disk rings (one word "
                           f"per ring); pass disk_rings={len(word_list)} (--rings {len(word_list)}) or fewer "
                           f"words")
    if n_disk == 0 and band is None:
        raise MarsEDLError("disk_rings: 0 disk rings and no band leaves no ring to encode")
    values = [_word_values(w, k) for k, w in enumerate(word_list)]
    values += [[] for _ in range(n_disk - len(values))]
    groups = np.full((n_disk + (band is not None), capacity), _FILL, dtype=np.int64)
    start = 0
    for r, vals in enumerate(values):
        if len(vals) > capacity:
            raise MarsEDLError(f"word {r + 1} {_shown(str(word_list[r]))}: {len(vals):,} characters, but ring {r + 1} "
                               f"holds {capacity} ({gores} gores / 10)")
        idx = (start + np.arange(len(vals))) % capacity
        groups[r, idx] = vals
        if len(vals) < capacity:
            groups[r, (start + len(vals)) % capacity] = FILL_START
        start = (start + len(vals)) % capacity
    if band is not None:
        if capacity != BAND_GROUPS:
            raise MarsEDLError(f"band: the coordinates take {BAND_GROUPS} groups ({BAND_GROUPS * GROUP} "
                               f"gores); this canopy has {gores} gores per ring (use gores=80 or no band)")
        groups[-1] = _band_values(band)
    bits = PATTERNS[groups].reshape(groups.shape[0], gores)
    return Canopy(bits, band=band is not None)
