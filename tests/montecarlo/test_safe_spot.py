"""Terrain-relative navigation's safe-spot selection in a dispersed run (issue #10 item 9): with the shipped
synthetic hazard map every touchdown is on a safe cell; without a map there is no divert towards the target."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.ndimage import distance_transform_edt

from marsedl.flight import build_config
from marsedl.hazard_map import load_hazard_map
from marsedl.montecarlo import run_montecarlo
from marsedl.planet import surface_distance_bearing
from marsedl.scenario import load_mission

SHIPPED = Path(__file__).resolve().parents[2] / "examples" / "synthetic_hazard_map.png"


def test_the_preset_field_loads_the_map_into_the_run_configuration():
    """``trn.hazard_map`` is read once, into the configuration every case (and every worker) shares."""
    cfg, _ = build_config(load_mission("mars2020", overrides=[f'trn.hazard_map="{SHIPPED}"']))
    assert cfg.hazard_map is not None and cfg.hazard_map.shape == (600, 600)
    assert build_config(load_mission("mars2020"))[0].hazard_map is None


def test_200_dispersed_cases_all_land_on_safe_cells(ctx_default):
    """Every case has a safe cell within reach: every delivery point (backshell separation) lies on the map, and
    no point of the map is farther than the largest distance to a safe cell (an independent distance transform of
    the raster, in metres) from one, which is well inside the 600 m divert limit. So every touchdown must be on a
    safe cell; without the map about a third of them are not (the map's unsafe share)."""
    hazard = load_hazard_map(SHIPPED)
    cfg = ctx_default.setup.config
    with_map = replace(ctx_default, setup=replace(ctx_default.setup, config=replace(cfg, hazard_map=hazard)))
    df = run_montecarlo("mars2020", n=200, seed=3, context=with_map, processes=1).frame
    assert (df.outcome == "landed").all()

    rows, cols = hazard.shape
    cell_n = (hazard.north_rad - hazard.south_rad) / rows * cfg.site.areoid_radius_m
    cell_e = (hazard.east_rad - hazard.west_rad) / cols * cfg.site.areoid_radius_m * math.cos(hazard.north_rad)
    worst = distance_transform_edt(~hazard.safe, sampling=(cell_n, cell_e)).max() + math.hypot(cell_n, cell_e)
    assert worst < 0.5 * ctx_default.setup.mission.sequence.divert_limit_m
    bs = np.radians(df[["backshell_separation_lat_deg", "backshell_separation_lon_deg"]].to_numpy(float))
    _, _, inside = hazard.cell_index(bs[:, 0], bs[:, 1])
    assert inside.all()

    td = np.radians(df[["touchdown_lat_deg", "touchdown_lon_deg"]].to_numpy(float))
    assert hazard.is_safe(td[:, 0], td[:, 1]).all()
    no_map = run_montecarlo("mars2020", n=200, seed=3, context=ctx_default, processes=1).frame
    td0 = np.radians(no_map[["touchdown_lat_deg", "touchdown_lon_deg"]].to_numpy(float))
    assert 0.4 < hazard.is_safe(td0[:, 0], td0[:, 1]).mean() < 0.9

    # each case's record of its choice: a safe cell in reach, and the divert it flew, which is how far its
    # touchdown moved from where the same case landed without the map (its predicted spot), to a metre (the
    # descent lands on its aim point)
    assert (df.trn_safe_spot == 1.0).all() and no_map.trn_safe_spot.isna().all() and no_map.trn_divert_m.isna().all()
    moved, _ = surface_distance_bearing(td0[:, 0], td0[:, 1], td[:, 0], td[:, 1], ctx_default.radius_m)
    assert np.abs(moved - df.trn_divert_m.to_numpy(float)).max() < 1.0
    assert (moved > 20.0).mean() > 0.1  # a third of the predicted spots were unsafe: those cases diverted
