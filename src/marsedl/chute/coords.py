"""Geographic coordinates as the parachute band carries them: degrees, minutes, seconds, hemisphere.

The Mars 2020 band holds JPL's coordinates 34°11'58"N 118°10'31"W as eight groups
(34, 11, 58, N, 118, 10, 31, W) (reference: parachute_code.md). :class:`Coordinates` keeps signed decimal
degrees (north and east positive) and renders them in that form; :func:`parse_coordinates` reads the usual
ways people write them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from marsedl.errors import MarsEDLError


@dataclass(frozen=True)
class Coordinates:
    """A point on Earth in signed decimal degrees.

    Parameters
    ----------
    lat_deg : float
        Latitude, degrees, north positive, in [-90, 90].
    lon_deg : float
        Longitude, degrees, east positive, in [-180, 180].

    Examples
    --------
    >>> Coordinates(34.199444, -118.175278).text
    '34°11\\'58"N 118°10\\'31"W'
    """

    lat_deg: float
    lon_deg: float

    def __post_init__(self) -> None:
        for name, value, limit in (("latitude", self.lat_deg, 90.0), ("longitude", self.lon_deg, 180.0)):
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise MarsEDLError(f"{name}: need a number of degrees, got {value!r}") from None
            if not math.isfinite(v) or abs(v) > limit:
                raise MarsEDLError(f"{name}: {value!r} degrees is outside -{limit:g}..{limit:g}")
            object.__setattr__(self, "lat_deg" if name == "latitude" else "lon_deg", v)

    @classmethod
    def from_dms(cls, lat_d: float, lat_m: float, lat_s: float, ns: str,
                 lon_d: float, lon_m: float, lon_s: float, ew: str) -> Coordinates:
        """Build from degrees, minutes, seconds and hemisphere letters (``N``/``S``, ``E``/``W``).

        Raises
        ------
        MarsEDLError
            Naming the field when minutes or seconds are outside 0..59, degrees outside 0..90 (latitude) or
            0..180 (longitude), or a hemisphere letter is not one of its two.
        """
        lat = _from_parts("latitude", lat_d, lat_m, lat_s, ns, "NS", 90.0)
        lon = _from_parts("longitude", lon_d, lon_m, lon_s, ew, "EW", 180.0)
        return cls(lat, lon)

    @property
    def dms(self) -> tuple[int, int, int, str, int, int, int, str]:
        """``(lat_d, lat_m, lat_s, 'N'|'S', lon_d, lon_m, lon_s, 'E'|'W')`` rounded to the nearest second."""
        return (*_to_dms(self.lat_deg, "NS"), *_to_dms(self.lon_deg, "EW"))  # type: ignore[return-value]

    @property
    def text(self) -> str:
        """The coordinates as written on the band, e.g. ``34°11'58"N 118°10'31"W``."""
        ld, lm, ls, ns, od, om, os_, ew = self.dms
        return f"{ld}°{lm}'{ls}\"{ns} {od}°{om}'{os_}\"{ew}"

    def to_dict(self) -> dict:
        """``{"lat_deg", "lon_deg", "text"}`` for JSON output."""
        return {"lat_deg": self.lat_deg, "lon_deg": self.lon_deg, "text": self.text}

    def __str__(self) -> str:
        return self.text


def _to_dms(value_deg: float, letters: str) -> tuple[int, int, int, str]:
    total_s = int(math.floor(abs(value_deg) * 3600.0 + 0.5))
    hemi = letters[1] if value_deg < 0 and total_s > 0 else letters[0]
    return total_s // 3600, (total_s % 3600) // 60, total_s % 60, hemi


def _from_parts(name: str, d: float, m: float, s: float, hemi: str | None, letters: str,
                limit: float) -> float:
    for part, value, top in (("degrees", d, limit), ("minutes", m, 60.0), ("seconds", s, 60.0)):
        if not math.isfinite(value) or value < 0 or (value > top if part == "degrees" else value >= top):
            rng = f"0..{top:g}" if part == "degrees" else "0..59"
            raise MarsEDLError(f"{name} {part}: {value:g} is out of range {rng}")
    if (m or s) and d != int(d):
        raise MarsEDLError(f"{name} degrees: {d:g} must be whole when minutes or seconds are given")
    total = d + m / 60.0 + s / 3600.0
    if total > limit:
        raise MarsEDLError(f"{name}: {total:g} degrees is beyond {limit:g}")
    if hemi is None:
        return total
    h = hemi.upper()
    if h not in letters:
        raise MarsEDLError(f"{name} hemisphere: {hemi!r} is not {letters[0]} or {letters[1]}")
    return -total if h == letters[1] else total


# --------------------------------------------------------------------------------------------- parsing
_TOKEN = re.compile(
    r"""(?P<num>[+-]?\d+(?:\.\d*)?|[+-]?\.\d+)
      | (?P<deg>°|º|˚|deg|d)
      | (?P<sec>″|”|“|"|''|sec|s)
      | (?P<min>′|’|‘|'|min|m)
      | (?P<hem>[NSEWnsew])
      | (?P<sep>[,;/])
      | (?P<space>\s+|:)
    """,
    re.VERBOSE,
)
_UNIT_INDEX = {"deg": 0, "min": 1, "sec": 2}


def parse_coordinates(value: object) -> Coordinates:
    """Read coordinates from text, a ``(lat_deg, lon_deg)`` pair or a :class:`Coordinates`.

    Accepted text forms (latitude first unless hemisphere letters say otherwise)::

        34°11'58"N 118°10'31"W        34 11 58 N 118 10 31 W        34d11m58sN 118d10m31sW
        34:11:58N, 118:10:31W         34.1994, -118.1753            34.1994N 118.1753W

    Hemisphere letters are case-insensitive, except that a lower-case ``s`` written straight after the third
    number of a coordinate is the seconds mark (``58sN``).

    Raises
    ------
    MarsEDLError
        One line naming the field (``latitude minutes``, ``longitude hemisphere`` ...) and what is allowed.
    """
    if isinstance(value, Coordinates):
        return value
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, Sequence) and len(value) == 2:
        try:
            lat, lon = float(value[0]), float(value[1])  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise MarsEDLError(f"coordinates: need (lat_deg, lon_deg) numbers, got {value!r}") from None
        return Coordinates(lat, lon)
    raise MarsEDLError(f"coordinates: need text like 34°11'58\"N 118°10'31\"W or (lat_deg, lon_deg), "
                       f"got {value!r}")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise MarsEDLError(f"coordinates: unexpected character {text[pos]!r} at position {pos + 1} in "
                               f"{text!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group()))
        pos = m.end()
    return out


def _parse_text(text: str) -> Coordinates:
    if not text.strip():
        raise MarsEDLError("coordinates: empty; need e.g. 34°11'58\"N 118°10'31\"W or 34.1994, -118.1753")
    toks = _tokens(text)
    parts: list[dict] = []
    cur: dict = {"nums": [], "hem": None}

    def close() -> None:
        nonlocal cur
        if cur["nums"]:
            parts.append(cur)
        elif cur["hem"] is not None:
            raise MarsEDLError(f"coordinates: hemisphere {cur['hem']!r} has no number before it in {text!r}")
        cur = {"nums": [], "hem": None}

    for i, (kind, tok) in enumerate(toks):
        if kind == "num":
            if cur["hem"] is not None:
                close()
            cur["nums"].append([float(tok), None, tok])
        elif kind in ("deg", "min", "sec"):
            # a lower-case "s" after a number that is not the third one is the south hemisphere
            is_hemi_s = (tok == "s" and not (len(cur["nums"]) == 3 and i > 0 and toks[i - 1][0] == "num"))
            if is_hemi_s:
                kind = "hem"
            elif not cur["nums"] or cur["nums"][-1][1] is not None or (i > 0 and toks[i - 1][0] == "space"
                                                                       and toks[i - 2][0] != "num"):
                raise MarsEDLError(f"coordinates: unit mark {tok!r} without a number before it in {text!r}")
            else:
                cur["nums"][-1][1] = _UNIT_INDEX[kind]
                continue
        if kind == "hem":
            if cur["hem"] is not None or not cur["nums"]:
                raise MarsEDLError(f"coordinates: hemisphere {tok!r} has no number before it in {text!r}")
            cur["hem"] = tok.upper()
            close()
        elif kind == "sep":
            close()
    close()

    if len(parts) == 1 and cur["hem"] is None and len(parts[0]["nums"]) == 2 and parts[0]["hem"] is None \
            and all(n[1] is None for n in parts[0]["nums"]):
        # "34.1994 -118.1753": two bare decimal numbers
        parts = [{"nums": [parts[0]["nums"][0]], "hem": None}, {"nums": [parts[0]["nums"][1]], "hem": None}]
    if len(parts) != 2:
        raise MarsEDLError(f"coordinates: need a latitude and a longitude, found {len(parts)} value(s) in "
                           f"{text!r}")

    lat_part = lon_part = None
    for k, part in enumerate(parts):
        hem = part["hem"]
        if hem in ("N", "S"):
            role = "latitude"
        elif hem in ("E", "W"):
            role = "longitude"
        else:
            role = "latitude" if k == 0 else "longitude"
        if role == "latitude":
            if lat_part is not None:
                raise MarsEDLError(f"coordinates: two latitudes (N/S) in {text!r}; need one N/S and one E/W")
            lat_part = part
        else:
            if lon_part is not None:
                raise MarsEDLError(f"coordinates: two longitudes (E/W) in {text!r}; need one N/S and one E/W")
            lon_part = part
    assert lat_part is not None and lon_part is not None
    lat = _value(lat_part, "latitude", "NS", 90.0)
    lon = _value(lon_part, "longitude", "EW", 180.0)
    return Coordinates(lat, lon)


def _value(part: dict, name: str, letters: str, limit: float) -> float:
    nums = part["nums"]
    if len(nums) > 3:
        raise MarsEDLError(f"{name}: {len(nums)} numbers; need degrees, minutes, seconds at most")
    dms = [0.0, 0.0, 0.0]
    seen = [False, False, False]
    for pos, (val, unit, _tok) in enumerate(nums):
        slot = pos if unit is None else unit
        if seen[slot] or (unit is None and pos > 0 and any(seen[slot:])):
            raise MarsEDLError(f"{name}: cannot tell which number is degrees, minutes and seconds in "
                               f"{' '.join(n[2] for n in nums)}")
        seen[slot] = True
        dms[slot] = val
    negative = any(n[2].startswith("-") for n in nums)
    if negative and (part["hem"] is not None or len(nums) > 1):
        raise MarsEDLError(f"{name}: a minus sign is allowed only on plain decimal degrees without a "
                           f"hemisphere letter")
    if negative:
        value = dms[0]
        if abs(value) > limit:
            raise MarsEDLError(f"{name} degrees: {value:g} is out of range -{limit:g}..{limit:g}")
        return value
    if part["hem"] is not None and part["hem"] not in letters:
        raise MarsEDLError(f"{name} hemisphere: {part['hem']!r} is not {letters[0]} or {letters[1]}")
    return _from_parts(name, dms[0], dms[1], dms[2], part["hem"], letters, limit)
