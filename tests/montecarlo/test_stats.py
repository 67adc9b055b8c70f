"""Ellipse maths and driver ranking against analytic cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from marsedl.errors import MarsEDLError
from marsedl.montecarlo.stats import (
    chi2_2,
    deploy_outside_box,
    drivers,
    ellipse_axes,
    ground_ellipse,
    inside_fraction,
)
from marsedl.planet import destination


def _samples(n=20000, seed=3):
    # covariance with eigenvalues 16 and 1 km^2, major axis 30 deg east of north
    th = math.radians(30.0)
    major = np.array([math.sin(th), math.cos(th)])  # (east, north)
    minor = np.array([math.cos(th), -math.sin(th)])
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2)) * [4000.0, 1000.0]
    pts = z[:, :1] * major + z[:, 1:] * minor
    return pts[:, 0], pts[:, 1]


def test_chi2_quantile_is_the_textbook_value():
    assert chi2_2(0.99) == pytest.approx(9.2103, abs=1e-4)
    assert chi2_2(0.3934693) == pytest.approx(1.0, abs=1e-6)  # 1-sigma per axis holds 39 %
    with pytest.raises(MarsEDLError):
        chi2_2(1.0)


def test_ellipse_of_a_known_normal():
    e, n = _samples()
    a, b, az = ellipse_axes(e, n, 0.99)
    # eigenvalue standard error ~ lambda sqrt(2/n) = 1 %; semi-axis ~ 0.5 %: allow 2 %
    assert a == pytest.approx(math.sqrt(9.2103 * 16e6), rel=0.02)
    assert b == pytest.approx(math.sqrt(9.2103 * 1e6), rel=0.02)
    assert az == pytest.approx(30.0, abs=1.0)
    # binomial sd of the inside fraction: sqrt(0.99 * 0.01 / 20000) = 0.0007
    assert inside_fraction(e, n, 0.99) == pytest.approx(0.99, abs=0.003)


def test_ground_ellipse_from_lat_lon_recovers_the_local_ellipse():
    e, n = _samples(8000, seed=4)
    lat0, lon0, radius = math.radians(18.44), math.radians(77.45), 3391937.0
    dist, brg = np.hypot(e, n), np.arctan2(e, n)
    lat, lon = destination(lat0, lon0, brg, dist, radius)
    ell = ground_ellipse(np.degrees(lat), np.degrees(lon), radius, 0.99)
    assert ell["semi_major_km"] == pytest.approx(math.sqrt(9.2103 * 16.0), rel=0.03)
    assert ell["semi_minor_km"] == pytest.approx(math.sqrt(9.2103), rel=0.03)
    assert ell["azimuth_deg"] == pytest.approx(30.0, abs=1.5)
    assert ell["center_lat_deg"] == pytest.approx(18.44, abs=0.01)  # se of the mean ~ 50 m = 0.001 deg
    assert ell["center_lon_deg"] == pytest.approx(77.45, abs=0.01)
    assert ground_ellipse(np.array([18.0, np.nan]), np.array([77.0, 77.0]), radius) is None


def test_drivers_rank_the_inputs_of_a_linear_model():
    rng = np.random.default_rng(0)
    n = 500
    df = pd.DataFrame({"in_a": rng.normal(size=n), "in_b": rng.normal(size=n), "in_c": rng.normal(size=n),
                       "in_zero": np.zeros(n)})
    df["miss_along_m"] = 3.0 * df.in_a - 1.0 * df.in_b + 0.05 * rng.normal(size=n)
    ranked = drivers(df, "miss_along_m")
    assert [r["input"] for r in ranked[:2]] == ["a", "b"]
    # SRC = beta sigma_x / sigma_y: 3 / sqrt(10) and -1 / sqrt(10)
    assert ranked[0]["src"] == pytest.approx(3 / math.sqrt(10), abs=0.03)
    assert ranked[1]["src"] == pytest.approx(-1 / math.sqrt(10), abs=0.03)
    assert "zero" not in [r["input"] for r in ranked]


def test_deploys_above_the_box_are_counted_by_edge():
    frame = pd.DataFrame({
        "parachute_deploy_mach": [1.9, 2.2, 2.25, 1.8, np.nan, 2.3],
        "parachute_deploy_q_pa": [700.0, 800.0, 700.0, 850.0, np.nan, 900.0],
    })
    box = deploy_outside_box(frame, {"deploy_box": {"mach": [1.4, 2.2], "q_pa": [300.0, 800.0]}})
    # on an edge is inside; the NaN row never deployed; the last row is over both edges, counted once
    assert box == {"mach_max": 2.2, "q_max_pa": 800.0, "cases": 3, "cases_over_mach": 2, "cases_over_q": 2,
                   "deployed": 5}
    assert deploy_outside_box(frame, {}) is None  # a run written before the box was recorded


def _frame_with_failures(n_landed=290, seed=0):
    """A run's frame: 290 landings and 10 cases that did not land (6 without a parachute, 4 skip-outs, which also
    never reach backshell separation)."""
    rng = np.random.default_rng(seed)
    lat0, lon0, radius = math.radians(18.44), math.radians(77.45), 3391937.0
    e, n = _samples(n_landed + 10, seed=seed)
    lat, lon = destination(lat0, lon0, np.arctan2(e, n), np.hypot(e, n), radius)
    outcome = np.array(["landed"] * n_landed + ["parachute_not_deployed"] * 6 + ["skip_out"] * 4, dtype=object)
    order = rng.permutation(outcome.size)
    outcome = outcome[order]
    td_lat = np.where(outcome == "landed", np.degrees(lat), np.nan)
    td_lon = np.where(outcome == "landed", np.degrees(lon), np.nan)
    bs_lat = np.where(outcome == "skip_out", np.nan, np.degrees(lat) + 0.01)
    bs_lon = np.where(outcome == "skip_out", np.nan, np.degrees(lon))
    frame = pd.DataFrame({"case": np.arange(outcome.size), "outcome": outcome, "touchdown_lat_deg": td_lat,
                          "touchdown_lon_deg": td_lon, "backshell_separation_lat_deg": bs_lat,
                          "backshell_separation_lon_deg": bs_lon, "miss_distance_m": np.hypot(e, n)})
    manifest = {"radius_m": radius, "body_names": ["vehicle"], "seed": 3, "n": outcome.size, "complete": True,
                "mission": "synthetic", "chunk_size": outcome.size}
    return frame, manifest


def test_cases_that_did_not_land_are_counted_and_left_out_of_the_landing_ellipse(tmp_path):
    from typer.testing import CliRunner

    from marsedl.cli import app
    from marsedl.montecarlo import RunStore
    from marsedl.montecarlo.stats import summarize

    frame, manifest = _frame_with_failures()
    s = summarize(frame, manifest)
    le, de = s["landing_ellipse"], s["delivery_ellipse"]
    assert le["cases"] == 290 and le["excluded"] == {"parachute_not_deployed": 6, "skip_out": 4}
    assert de["cases"] == 296 and de["excluded"] == {"skip_out": 4}
    assert le["containment"]["cases"] == 290 and le["containment"]["inside"] == math.ceil(0.99 * 290)
    assert s["outcomes"] == {"landed": 290, "parachute_not_deployed": 6, "skip_out": 4}
    assert s["ellipse_method"] == "empirical" and s["convergence"]["ellipses"] == ["landing", "delivery"]
    store = RunStore(tmp_path / "run")
    store.create(manifest)
    store.write_chunk(0, pa.Table.from_pandas(frame, preserve_index=False))
    r = CliRunner().invoke(app, ["summary", str(tmp_path / "run")], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "landing ellipse: the 290 landed cases; left out: parachute_not_deployed 6, skip_out 4" in r.output
    assert "delivery ellipse: 296 cases; without that point: skip_out 4" in r.output
    assert "convergence: the 99% landing and delivery ellipse axes are known to ±" in r.output


def test_gaussian_sizing_gives_the_first_release_ellipse_bit_for_bit():
    # --ellipse gaussian keeps the numbers the summary gave before issue 15 (ellipse_axes is that computation)
    from marsedl.montecarlo.stats import _local_points

    e, n = _samples(500, seed=5)
    lat0, lon0, radius = math.radians(18.44), math.radians(77.45), 3391937.0
    lat, lon = destination(lat0, lon0, np.arctan2(e, n), np.hypot(e, n), radius)
    _, le, ln, _, _ = _local_points(np.degrees(lat), np.degrees(lon), radius)
    a, b, az = ellipse_axes(le, ln, 0.99)
    g = ground_ellipse(np.degrees(lat), np.degrees(lon), radius, 0.99, "gaussian")
    assert (g["semi_major_km"], g["semi_minor_km"], g["azimuth_deg"]) == (a / 1e3, b / 1e3, az)
    assert g["containment"]["fraction"] == inside_fraction(le, ln, 0.99)
