"""Fuzzing the readers of what a user types or gives: any input gives a result or the project's one-line user
error (:class:`marsedl.errors.MarsEDLError`), never another exception.

The preset schema (random values, types and keys at random places of a real preset, and random ``--set``
strings), the dispersions table and its range check, ``chute decode`` patterns, coordinate strings, and the
atmosphere file readers (CSV tables, Mars-GRAM mean profiles and Monte Carlo files). Example counts are modest
(derandomized) so this file runs in seconds.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsedl.errors import MarsEDLError

# 60 examples each (MARSEDL_FUZZ_EXAMPLES=1500 for a longer hunt: 50 s, nothing found after the fixes here)
SETTINGS = settings(max_examples=int(os.environ.get("MARSEDL_FUZZ_EXAMPLES", "60")), deadline=None,
                    derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# TOML-like leaves: every type a preset file can hold, with the awkward numbers
_NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70),
                     st.sampled_from([0, -0.0, 1e-300, 1e300, -1e300, 2**63, 0.5]))
_LEAF = st.one_of(_NUMBERS, st.booleans(), st.text(max_size=12), st.just("auto"), st.just("range"))
_VALUE = st.recursive(_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)


def _paths(data: dict, prefix: tuple = ()) -> list[tuple]:
    out = []
    for k, v in data.items():
        out.append((*prefix, k))
        if isinstance(v, dict):
            out.extend(_paths(v, (*prefix, k)))
    return out


def _preset():
    from marsedl.scenario import read_preset

    return read_preset("mars2020")[0]


_PRESET = _preset()
_PATHS = _paths(_PRESET)


def _set(data: dict, path: tuple, value) -> dict:
    import copy

    out = copy.deepcopy(data)
    node = out
    for k in path[:-1]:
        if not isinstance(node.get(k), dict):
            node[k] = {}
        node = node[k]
    node[path[-1]] = value
    return out


@SETTINGS
@given(edits=st.lists(st.tuples(st.one_of(st.sampled_from(_PATHS), st.lists(st.text(max_size=6), min_size=1,
                                                                               max_size=3).map(tuple)), _VALUE),
                      min_size=1, max_size=4))
def test_any_preset_validates_or_is_a_one_line_error(edits):
    from marsedl.scenario import Mission, validate_mission

    data = _PRESET
    for path, value in edits:
        data = _set(data, path, value)
    try:
        mission = validate_mission(data)
    except MarsEDLError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(mission, Mission)
    for v in (mission.entry.speed_m_s, mission.rover.mass_kg, mission.descent_stage.engine_thrust_max_n,
              mission.entry_mass_kg):
        assert math.isfinite(v)


@SETTINGS
@given(items=st.lists(st.text(max_size=40), min_size=1, max_size=3))
def test_any_set_string_is_applied_or_a_one_line_error(items):
    from marsedl.scenario import apply_overrides, validate_mission

    try:
        validate_mission(apply_overrides(_PRESET, items))
    except MarsEDLError as exc:
        assert "\n" not in str(exc)


_DISPERSIONS = ("fpa_deg", "speed_m_s", "mass_kg", "cd_rel", "density_rel", "wind_rel", "heat_shield_mass_kg",
                "powered_descent_delay_s", "nav_position_m", "range_trigger_m", "backshell_altitude_m")
_DIST = st.one_of(_NUMBERS, st.fixed_dictionaries({}, optional={
    "dist": st.sampled_from(["normal", "uniform", "truncnormal", "cauchy"]), "mean": _NUMBERS, "sigma": _NUMBERS,
    "half_width": _NUMBERS, "truncate_sigma": _NUMBERS}), _VALUE)


@SETTINGS
@given(table=st.dictionaries(st.sampled_from(_DISPERSIONS), _DIST, max_size=4))
def test_any_dispersions_table_parses_and_checks_or_is_a_one_line_error(table):
    from marsedl.montecarlo.dispersions import NORMAL_REACH_SIGMA, PRESET_FIELDS, parse_dispersions
    from marsedl.scenario import field_range, validate_mission

    mission = validate_mission(_PRESET)

    def nominal(path: str) -> float:
        value = mission
        for key in path.split("."):
            value = getattr(value, key)
        return 6000.0 if value == "auto" else float(value)

    try:
        spec = parse_dispersions(table)
        spec.check_within(nominal)
    except MarsEDLError as exc:
        assert "\n" not in str(exc)
        return
    # accepted: the farthest draw of every dispersion stays inside its field's declared range
    for name, (path, how) in PRESET_FIELDS.items():
        lo, hi = spec.reach(name)
        for x in (lo, hi):
            value = nominal(path) * (1 + x) if how == "scale" else nominal(path) + x
            assert value in field_range(path), (name, x)
    assert NORMAL_REACH_SIGMA > 8


_PATTERN_CHARS = st.sampled_from("0011??")


@SETTINGS
@given(rings=st.one_of(
    st.integers(1, 4).flatmap(lambda r: st.integers(1, 10).flatmap(
        lambda g: st.lists(st.text(_PATTERN_CHARS, min_size=10 * g, max_size=10 * g), min_size=r, max_size=r))),
    st.lists(st.text(max_size=90), max_size=5)))
def test_any_pattern_decodes_or_is_a_one_line_error(rings):
    from marsedl.chute import decode

    try:
        decoded = decode(rings)
    except MarsEDLError as exc:
        assert "\n" not in str(exc)
        return
    assert len(decoded.words) <= len(rings)


@SETTINGS
@given(text=st.one_of(st.text(max_size=40), st.text("0123456789.,-+ °'\"NSEW", max_size=30),
                      st.from_regex(r"-?\d{1,4}(\.\d+)?,\s?-?\d{1,4}(\.\d+)?", fullmatch=True)))
def test_any_coordinate_string_parses_or_is_a_one_line_error(text):
    from marsedl.chute.coords import parse_coordinates

    try:
        c = parse_coordinates(text)
    except MarsEDLError as exc:
        assert "\n" not in str(exc)
        return
    assert -90 <= c.lat_deg <= 90 and math.isfinite(c.lon_deg)


_CSV_CELL = st.one_of(st.sampled_from(["", "nan", "inf", "-1", "0", "1e400", "abc"]),
                      st.floats(-1e5, 2e5).map(lambda x: f"{x:g}"))
_CSV = st.tuples(st.lists(st.sampled_from(["altitude_m", "altitude_km", "density_kg_m3", "temperature_k",
                                           "pressure_pa", "wind_east_m_s", "junk", ""]), min_size=0, max_size=4),
                 st.lists(st.lists(_CSV_CELL, max_size=5), max_size=8)).map(
    lambda t: ",".join(t[0]) + "\n" + "\n".join(",".join(r) for r in t[1]))
_GRAM = st.lists(st.lists(st.one_of(st.floats(-1e4, 1e4).map(lambda x: f"{x:.3f}"),
                                    st.sampled_from(["NaN", "*****", "x", "1e400", "VAR_X", "DENSAV", "HgtMOLA"])),
                          max_size=12), max_size=12).map(lambda rows: "\n".join(" ".join(r) for r in rows))


@SETTINGS
@given(text=st.one_of(_CSV, _GRAM, st.text(max_size=200)), suffix=st.sampled_from([".csv", ".txt"]),
       index=st.sampled_from(["", ":0", ":3", ":-1"]))
def test_any_atmosphere_file_reads_or_is_a_one_line_error(text, suffix, index):
    from marsedl.atmosphere import get_atmosphere

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"atm{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            atm = get_atmosphere(f"{path}{index}")
        except MarsEDLError as exc:
            assert "\n" not in str(exc)
            return
    assert atm is not None
