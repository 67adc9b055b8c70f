"""Matplotlib figures: files are real PNG/SVG, one per view, and the Monte Carlo views draw what they are given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.patches import Polygon, Rectangle
from PIL import Image

from marsedl.errors import MarsEDLError
from marsedl.planet import MARS
from marsedl.report import plots
from marsedl.survey import Target, plan_survey

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_nominal_pngs_are_valid_and_complete(nominal, tmp_path):
    paths = plots.write_nominal_plots(nominal, tmp_path, fmt="png", dpi=60)
    assert [p.name for p in paths] == [f"{k}.png" for k in plots.NOMINAL_PLOTS]
    for p in paths:
        assert p.read_bytes()[:8] == PNG_MAGIC
        with Image.open(p) as im:
            w, h = im.size
        assert w > 200 and h > 200


def test_nominal_svgs_parse_as_svg(nominal, tmp_path):
    plan = plan_survey([Target("backshell", 150.0, -100.0)], max_sortie_m=625)
    paths = plots.write_nominal_plots(nominal, tmp_path, fmt="svg", survey=plan)
    assert len(paths) == len(plots.NOMINAL_PLOTS) + 1  # plus the survey map
    for p in paths:
        root = ET.parse(p).getroot()
        assert root.tag.endswith("svg")


def test_ground_track_marks_every_impact(nominal):
    fig = plots.ground_track(nominal)
    ax_track, ax_field = fig.axes[:2]
    # one "x" marker per impact on each panel
    for ax in (ax_track, ax_field):
        xs = [ln for ln in ax.lines if ln.get_marker() == "x"]
        assert len(xs) == len(nominal.impacts)
    # the far cruise balance masses are labelled with their impact speed
    labels = " ".join(t.get_text() for t in ax_field.texts)
    cbm = [i for i in nominal.impacts if i.body.startswith("cruise_balance_mass")]
    assert f"{cbm[0].speed_m_s:,.0f}"[:3] in labels


def test_bad_format_is_one_line(nominal, tmp_path):
    with pytest.raises(MarsEDLError, match="format"):
        plots.write_nominal_plots(nominal, tmp_path, fmt="jpg")


def test_landing_scatter_draws_the_ellipse_at_its_size():
    rng = np.random.default_rng(0)
    lat0, lon0 = 18.4447, 77.4508
    lat = lat0 + rng.normal(0, 0.02, 2000)
    lon = lon0 + rng.normal(0, 0.05, 2000)
    # major axis due east: the drawn ellipse spans 2a east-west and 2b north-south (km)
    el = {"name": "landing", "semi_major_km": 7.7, "semi_minor_km": 3.3, "azimuth_deg": 90.0,
          "center_lat_deg": lat0, "center_lon_deg": lon0, "probability": 0.99}
    fig = plots.landing_scatter(lat, lon, origin_lat_deg=lat0, origin_lon_deg=lon0, radius_m=MARS.mean_radius_m,
                                ellipses=[el], debris={"heat_shield": (lat + 0.01, lon + 0.02)})
    ax = fig.axes[0]
    polys = [p for p in ax.patches if isinstance(p, Polygon)]
    assert len(polys) == 1
    xy = polys[0].get_xy()
    assert np.ptp(xy[:, 0]) == pytest.approx(2 * 7.7, rel=1e-3)
    assert np.ptp(xy[:, 1]) == pytest.approx(2 * 3.3, rel=1e-3)
    assert any("99%" in t.get_text() for t in ax.get_legend().get_texts())
    pts = [ln for ln in ax.lines if len(ln.get_xdata()) == 2000]
    assert len(pts) == 2  # landing points and heat-shield footprint


def test_histograms_mark_percentiles():
    v = np.linspace(0.0, 100.0, 10001)  # P1 = 1, P50 = 50, P99 = 99 exactly
    fig = plots.histograms({"miss_distance": v, "deploy_mach": np.r_[v, np.nan]}, units={"miss_distance": "m"})
    assert len(fig.axes) == 2
    for ax in fig.axes:
        xs = sorted(ln.get_xdata()[0] for ln in ax.lines)
        assert xs == pytest.approx([1.0, 50.0, 99.0])
    assert "n = 10,001" in fig.axes[1].get_title()  # the NaN is left out
    assert "(m)" in fig.axes[0].get_xlabel()


def test_outcome_counts_bars_are_the_counts():
    fig = plots.outcome_counts({"landed": 9950, "crashed": 40, "parachute_failed": 10})
    bars = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert [b.get_width() for b in bars] == [9950, 40, 10]
    assert "10,000 cases" in fig.axes[0].get_title()
    assert any("99.5%" in t.get_text() for t in fig.axes[0].texts)
