"""Coordinates: parsing the ways people write them, DMS rounding, one-line errors naming the field."""

from __future__ import annotations

import pytest

from marsedl.chute.coords import Coordinates, parse_coordinates
from marsedl.errors import MarsEDLError

# JPL, as on the Mars 2020 band (reference: parachute_code.md): 34°11'58"N 118°10'31"W
JPL_LAT = 34 + 11 / 60 + 58 / 3600
JPL_LON = -(118 + 10 / 60 + 31 / 3600)
JPL_TEXT = "34°11'58\"N 118°10'31\"W"


@pytest.mark.parametrize("text", [
    JPL_TEXT,
    "34 11 58 N 118 10 31 W",
    "34d11m58sN 118d10m31sW",
    "34:11:58N, 118:10:31W",
    "34°11′58″N 118°10′31″W",  # typographic primes
    "34°11'58''N, 118°10'31''W",  # two apostrophes for seconds
    "  34 ° 11 ' 58 \" n   118 ° 10 ' 31 \" w ",
    "118 10 31 W 34 11 58 N",  # hemisphere letters decide which is which
])
def test_dms_forms_give_jpl(text):
    c = parse_coordinates(text)
    assert c.lat_deg == pytest.approx(JPL_LAT, abs=1e-12)
    assert c.lon_deg == pytest.approx(JPL_LON, abs=1e-12)
    assert c.text == JPL_TEXT


@pytest.mark.parametrize("text", ["34.1994, -118.1753", "34.1994 -118.1753", "34.1994N 118.1753W"])
def test_decimal_forms(text):
    c = parse_coordinates(text)
    assert (c.lat_deg, c.lon_deg) == pytest.approx((34.1994, -118.1753))
    # 0.1994 deg = 11.964' = 11' 57.84" -> 58"; 0.1753 deg = 10.518' = 10' 31.08" -> 31"
    assert c.text == JPL_TEXT


def test_tuple_and_passthrough():
    c = parse_coordinates((-12.5, 45.25))
    assert c.text == "12°30'0\"S 45°15'0\"E"
    assert parse_coordinates(c) is c


def test_lower_case_s_is_south_unless_it_marks_seconds():
    assert parse_coordinates("34 11 58 s 118 10 31 e").lat_deg == pytest.approx(-JPL_LAT)
    assert parse_coordinates("34.5s 20.25w").lat_deg == pytest.approx(-34.5)
    assert parse_coordinates("34d11m58sS 118d10m31sE").lat_deg == pytest.approx(-JPL_LAT)


def test_rounding_carries_seconds_into_minutes_and_degrees():
    # 59.6" rounds to 60" -> carries: 10°59'59.6" -> 11°0'0"
    c = Coordinates(10 + 59 / 60 + 59.6 / 3600, 0.0)
    assert c.dms[:4] == (11, 0, 0, "N")
    assert Coordinates(-0.0001, -0.0001).dms == (0, 0, 0, "N", 0, 0, 0, "E")


def test_from_dms_and_dict():
    c = Coordinates.from_dms(34, 11, 58, "N", 118, 10, 31, "W")
    assert c.to_dict() == {"lat_deg": pytest.approx(JPL_LAT), "lon_deg": pytest.approx(JPL_LON),
                           "text": JPL_TEXT}


@pytest.mark.parametrize(("text", "field"), [
    ("34 11 61 N 118 10 31 W", "latitude seconds"),
    ("34 60 1 N 118 10 31 W", "latitude minutes"),
    ("34 11 58 N 118 75 31 W", "longitude minutes"),
    ("95 0 0 N 1 0 0 E", "latitude degrees"),
    ("34 N 181 W", "longitude degrees"),
    ("90 30 0 N 0 E", "latitude"),
    ("34 N 35 S", "two latitudes"),
    ("34 11 58 E 118 10 31 W", "two longitudes"),
    ("34", "need a latitude and a longitude"),
    ("", "empty"),
    ("abc", "unexpected character 'a'"),
    ("-34 N 1 E", "minus sign"),
    ("34 11 58 12 N 1 E", "4 numbers"),
    ("34.5 11 N 1 E", "must be whole"),
])
def test_bad_text_names_the_field(text, field):
    with pytest.raises(MarsEDLError) as err:
        parse_coordinates(text)
    msg = str(err.value)
    assert field in msg
    assert "\n" not in msg


@pytest.mark.parametrize("value", [(100.0, 0.0), (0.0, -181.0), (float("nan"), 0.0), ("x", 0.0), (1, 2, 3)])
def test_bad_numbers(value):
    with pytest.raises(MarsEDLError):
        parse_coordinates(value)
