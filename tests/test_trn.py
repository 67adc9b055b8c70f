"""Terrain-relative navigation as safe-spot selection (issue #10 item 9): the selection rule on hand-made maps
with known answers, the georeference of a PNG and its bounds, and the bad maps a user can give."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from marsedl.errors import MarsEDLError
from marsedl.hazard_map import load_hazard_map, sidecar_path
from marsedl.scenario import MapBounds, load_mission
from marsedl.trn import NO_SAFE_SPOT_IN_REACH, SAFE_SPOT, HazardMap, select_safe_spot

R = 3_391_937.1  # a ground radius, m (mars2020's)
CELL_M = 10.0
DEG_PER_CELL = math.degrees(CELL_M / R)  # a 10 m cell at the equator, both ways
SHIPPED = Path(__file__).resolve().parent.parent / "examples" / "synthetic_hazard_map.png"


def _map(safe, lat0=0.0, lon0=0.0) -> HazardMap:
    """A map of square 10 m cells at the equator, its north-west corner at (lat0, lon0) degrees."""
    safe = np.asarray(safe, dtype=bool)
    rows, cols = safe.shape
    return HazardMap(safe=safe, north_rad=math.radians(lat0), south_rad=math.radians(lat0 - rows * DEG_PER_CELL),
                     west_rad=math.radians(lon0), east_rad=math.radians(lon0 + cols * DEG_PER_CELL))


def _centre(row, col):
    """Latitude and longitude (radians) of a cell centre of :func:`_map`'s maps, from the definition."""
    return math.radians(-(row + 0.5) * DEG_PER_CELL), math.radians((col + 0.5) * DEG_PER_CELL)


def _select(hm, points, reach):
    lat, lon = np.array(points, dtype=float).T
    return select_safe_spot(hm, lat, lon, reach, R)


# ---------------------------------------------------------------------------------------- the selection rule


def test_a_predicted_touchdown_on_an_unsafe_cell_goes_to_the_nearest_safe_cell():
    """11 x 11 map, all unsafe but two cells: 3 cells east (30 m) and 4 cells south (40 m) of the centre cell.
    From the centre the nearer (east) one is chosen; with 35 m of reach, still it; with 25 m, neither: the
    vehicle stays where it was going (and says so)."""
    safe = np.zeros((11, 11), bool)
    safe[5, 8] = safe[9, 5] = True
    hm = _map(safe)
    p = _centre(5, 5)
    for reach, want, status in ((600.0, (5, 8), SAFE_SPOT), (35.0, (5, 8), SAFE_SPOT),
                                (25.0, None, NO_SAFE_SPOT_IN_REACH)):
        lat, lon, s = _select(hm, [p], reach)
        assert s[0] == status
        got = (lat[0], lon[0])
        assert got == pytest.approx(_centre(*want) if want else p, abs=1e-12), reach


def test_a_safe_predicted_touchdown_keeps_its_own_cell():
    safe = np.ones((5, 5), bool)
    hm = _map(safe)
    c_lat, c_lon = _centre(2, 3)
    p = (c_lat + math.radians(0.3 * DEG_PER_CELL), c_lon - math.radians(0.4 * DEG_PER_CELL))  # inside cell (2, 3)
    lat, lon, s = _select(hm, [p], 5.0)  # 5 m: the cell's own centre is 5 m away (3-4-5)
    assert s[0] == SAFE_SPOT and (lat[0], lon[0]) == pytest.approx((c_lat, c_lon), abs=1e-12)


def test_off_the_map_only_map_cells_are_chosen_and_only_within_reach():
    """A point 100 m west of the map's west edge: the nearest safe cell is in column 0 (105 m away); nothing off
    the map is ever chosen (nothing is known to be safe there)."""
    hm = _map(np.ones((3, 3), bool))
    row_lat, _ = _centre(1, 0)
    p = (row_lat, math.radians(-100.0 / R * 180 / math.pi))
    lat, lon, s = _select(hm, [p, p], np.array([110.0, 100.0]))
    assert s.tolist() == [SAFE_SPOT, NO_SAFE_SPOT_IN_REACH]
    assert (lat[0], lon[0]) == pytest.approx(_centre(1, 0), abs=1e-12)
    assert (lat[1], lon[1]) == pytest.approx(p, abs=1e-15)


def test_a_map_without_a_safe_cell_keeps_every_case_where_it_was_going():
    hm = _map(np.zeros((4, 4), bool))
    p = [_centre(1, 1), _centre(2, 3)]
    lat, lon, s = _select(hm, p, 1e5)
    assert (s == NO_SAFE_SPOT_IN_REACH).all() and np.allclose(np.c_[lat, lon], p, atol=0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), reach=st.floats(5.0, 200.0))
def test_the_selection_is_the_brute_force_nearest_safe_cell(seed, reach):
    """Every case at once (vectorised) against an independent brute force: haversine distance from each point to
    every safe cell centre, taken from the cell's row and column."""
    rng = np.random.default_rng(seed)
    safe = rng.random((20, 30)) < 0.2
    hm = _map(safe, lat0=18.5, lon0=77.4)  # at 18.5 N the cells are 10 m x 9.5 m: not square
    n = 40
    lat = math.radians(18.5) - rng.uniform(-0.1, 1.1, n) * math.radians(20 * DEG_PER_CELL)
    lon = math.radians(77.4) + rng.uniform(-0.1, 1.1, n) * math.radians(30 * DEG_PER_CELL)
    got_lat, got_lon, status = select_safe_spot(hm, lat, lon, reach, R)
    rr, cc = np.nonzero(safe)
    c_lat = math.radians(18.5) - (rr + 0.5) * math.radians(DEG_PER_CELL)
    c_lon = math.radians(77.4) + (cc + 0.5) * math.radians(DEG_PER_CELL)
    for i in range(n):  # the reference, case by case
        h = (np.sin((c_lat - lat[i]) / 2) ** 2
             + np.cos(lat[i]) * np.cos(c_lat) * np.sin((c_lon - lon[i]) / 2) ** 2)
        d = 2 * R * np.arcsin(np.sqrt(h))
        k = int(np.argmin(d))
        if d[k] <= reach - 1e-6:
            assert status[i] == SAFE_SPOT
            d_got = d[(abs(c_lat - got_lat[i]) < 1e-12) & (abs(c_lon - got_lon[i]) < 1e-12)]
            assert d_got.size == 1 and d_got[0] == pytest.approx(d[k], abs=1e-6)  # a tie may pick either
        elif d[k] > reach + 1e-6:
            assert status[i] == NO_SAFE_SPOT_IN_REACH and (got_lat[i], got_lon[i]) == (lat[i], lon[i])


# ---------------------------------------------------------------------------------------- georeference


def _png(path: Path, safe: np.ndarray) -> Path:
    Image.fromarray(np.where(safe, 255, 0).astype(np.uint8)).save(path)
    return path


BOUNDS = MapBounds(north_lat_deg=18.50, south_lat_deg=18.40, west_lon_deg=77.40, east_lon_deg=77.60)


def test_georeference_round_trip(tmp_path):
    """One safe pixel at row 3, column 7 of a 10 x 20 PNG over 0.1 x 0.2 deg: its centre is at
    18.50 - 3.5 x 0.01 deg N, 77.40 + 7.5 x 0.01 deg E (the bounds are the corner pixels' outer edges). It is safe
    there, from either longitude branch; the cells around it are not; a half-bright grey is safe."""
    safe = np.zeros((10, 20), bool)
    safe[3, 7] = True
    hm = load_hazard_map(_png(tmp_path / "m.png", safe), BOUNDS)
    lat, lon = math.radians(18.465), math.radians(77.475)
    assert hm.is_safe(lat, lon) and hm.is_safe(lat, lon - 2 * math.pi)
    d = math.radians(0.01)
    assert not hm.is_safe(np.array([lat + d, lat - d, lat, lat]), np.array([lon, lon, lon + d, lon - d])).any()
    assert not hm.is_safe(math.radians(18.55), lon)  # north of the map
    grey = np.full((2, 2), 127, np.uint8)
    grey[0, 0] = 128
    Image.fromarray(grey).save(tmp_path / "g.png")
    assert load_hazard_map(tmp_path / "g.png", BOUNDS).safe.tolist() == [[True, False], [False, False]]


def test_bounds_come_from_the_sidecar_when_the_preset_gives_none(tmp_path):
    p = _png(tmp_path / "site.png", np.ones((4, 4), bool))
    assert sidecar_path(p).name == "site.bounds.toml"
    sidecar_path(p).write_text("north_lat_deg = 1.0\nsouth_lat_deg = 0.0\nwest_lon_deg = 10.0\neast_lon_deg = 12.0\n")
    hm = load_hazard_map(p)
    assert (hm.north_rad, hm.south_rad, hm.west_rad, hm.east_rad) == pytest.approx(
        tuple(map(math.radians, (1.0, 0.0, 10.0, 12.0))))


def test_the_shipped_map_is_the_synthetic_one_around_the_mars2020_target():
    mission = load_mission("mars2020")
    hm = load_hazard_map(SHIPPED)
    assert hm.shape == (600, 600)
    lat, lon = math.radians(mission.site.lat_deg), math.radians(mission.site.lon_deg)
    assert hm.south_rad < lat < hm.north_rad and hm.west_rad < lon < hm.east_rad
    assert 0.5 < hm.safe.mean() < 0.9  # hazards enough for the divert to matter, safe cells within reach
    assert "SYNTHETIC" in sidecar_path(SHIPPED).read_text() and "not Jezero" in sidecar_path(SHIPPED).read_text()


# ---------------------------------------------------------------------------------------- bad maps


def test_a_map_over_the_pixel_limit_is_refused_from_its_header(tmp_path, monkeypatch):
    import marsedl.hazard_map as hmod

    monkeypatch.setattr(hmod, "MAX_PIXELS", 99)
    p = _png(tmp_path / "big.png", np.ones((10, 10), bool))
    with pytest.raises(MarsEDLError, match=r"big\.png' has 10 x 10 = 100 pixels: at most 99"):
        load_hazard_map(p, BOUNDS)


@pytest.mark.parametrize(("name", "make", "needle"), [
    ("missing.png", None, "does not exist"),
    ("text.png", lambda p: p.write_text("not a picture"), "not an image Pillow can read"),
    ("cut.png", "truncate", "is truncated or damaged"),
    ("photo.jpg", lambda p: Image.new("L", (4, 4), 255).save(p), "is a JPEG image: give a PNG"),
    ("dem.tif", lambda p: p.write_bytes(b"II*\x00"), "GeoTIFF is not read"),
    ("nobounds.png", lambda p: _png(p, np.ones((2, 2), bool)), "has no bounds: give [trn.bounds]"),
])
def test_bad_maps_are_one_line_errors_naming_the_file(tmp_path, name, make, needle):
    p = tmp_path / name
    if make == "truncate":
        shutil.copy(SHIPPED, p)
        p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    elif make is not None:
        make(p)
    with pytest.raises(MarsEDLError) as err:
        load_hazard_map(p, None if name == "nobounds.png" else BOUNDS)
    msg = str(err.value)
    assert name in msg and needle in msg and "\n" not in msg


@pytest.mark.parametrize(("setting", "needle"), [
    ("trn.bounds={north_lat_deg=95, south_lat_deg=18, west_lon_deg=77, east_lon_deg=78}",
     "trn.bounds.north_lat_deg: Input should be less than or equal to 90 (allowed [-90, 90])"),
    ("trn.bounds={north_lat_deg=18, south_lat_deg=18.5, west_lon_deg=77, east_lon_deg=78}",
     "north_lat_deg (18) must be north of south_lat_deg (18.5)"),
    ("trn.bounds={north_lat_deg=18.5, south_lat_deg=18, west_lon_deg=77, east_lon_deg=-78}",
     "east_lon_deg - west_lon_deg must be in (0, 5] deg"),
    ("trn.bounds={north_lat_deg=18.5, south_lat_deg=18}", "trn.bounds.west_lon_deg is missing"),
])
def test_bad_bounds_name_the_field_and_the_range(setting, needle):
    with pytest.raises(MarsEDLError, match=re.escape(needle)):
        load_mission("mars2020", overrides=['trn.hazard_map="x.png"', setting])


def test_a_bad_sidecar_names_its_file(tmp_path):
    p = _png(tmp_path / "s.png", np.ones((2, 2), bool))
    sidecar_path(p).write_text("north_lat_deg = 1.0\nsouth_lat_deg = 0.0\nwest_lon_deg = 10.0\n")
    with pytest.raises(MarsEDLError, match=r"hazard map bounds '.*s\.bounds\.toml': east_lon_deg is missing"):
        load_hazard_map(p)


def test_a_map_needs_terrain_relative_navigation():
    with pytest.raises(MarsEDLError, match="trn.hazard_map needs sequence.terrain_relative_navigation = true"):
        load_mission("msl", overrides=['trn.hazard_map="x.png"'])


def test_the_command_line_says_a_bad_map_in_one_line(tmp_path):
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "marsedl", "simulate", "mars2020", "--set",
                          'trn.hazard_map="nope.png"'], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert res.stderr.strip() == "error: hazard map 'nope.png' does not exist"


def test_a_preset_file_finds_its_map_next_to_it_and_the_plan_does_not_depend_on_it(tmp_path, monkeypatch):
    """``hazard_map = "maps/site.png"`` in a preset file is read from the file's folder, whatever the working
    directory; the plan (entry point and reference, flown to the parachute) is the same with or without a map, so
    giving one does not plan the mission again."""
    from marsedl.flight import build_config, plan_key
    from marsedl.scenario import preset_text

    (tmp_path / "maps").mkdir()
    p = _png(tmp_path / "maps" / "site.png", np.ones((3, 3), bool))
    sidecar_path(p).write_text("north_lat_deg = 18.5\nsouth_lat_deg = 18.4\nwest_lon_deg = 77.4\neast_lon_deg = 77.5\n")
    preset = tmp_path / "mine.toml"
    preset.write_text(preset_text("mars2020") + '\n[trn]\nhazard_map = "maps/site.png"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    mission = load_mission(preset_file=preset)
    cfg, _ = build_config(mission)
    assert cfg.hazard_map.shape == (3, 3) and Path(cfg.hazard_map.name) == p
    plain = load_mission("mars2020")
    assert plan_key(mission, cfg) == plan_key(plain, build_config(plain)[0])


def test_a_copy_of_a_map_is_the_same_map_and_travels_light():
    """A run's chunks each bring a pickled copy of the map: the copy is the same map (digest, choices) and carries
    the cells only (the search runs on the raster: nothing is built per map); a map with one cell changed is
    another map."""
    import pickle

    safe = np.ones((6, 6), bool)
    hm = _map(safe)
    copy = pickle.loads(pickle.dumps(hm))
    assert copy.digest == hm.digest and len(pickle.dumps(hm)) < 2_000
    p = ([_centre(2, 2)[0] + 1e-7], [_centre(2, 2)[1] - 2e-7])
    assert np.array_equal(np.r_[select_safe_spot(hm, *p, 100.0, R)], np.r_[select_safe_spot(copy, *p, 100.0, R)])
    safe[2, 2] = False
    assert _map(safe).digest != hm.digest
