"""Monte Carlo run folders in every report view: plots, the HTML page, KML, the survey, and bad folders."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.patches import Polygon
from typer.testing import CliRunner

from marsedl.cli import app
from marsedl.errors import MarsEDLError
from marsedl.report import html, kml, plots
from marsedl.report.mcrun import open_run
from marsedl.survey import inside_ellipse, to_local_en

from .test_html import _Refs

runner = CliRunner()
NS = {"k": "http://www.opengis.net/kml/2.2"}


def test_run_folder_opens_with_its_cases_and_ellipses(mc_run):
    assert len(mc_run.frame) == 24 and mc_run.manifest["seed"] == 7
    els = mc_run.ellipses()
    assert els[0]["name"] == "landing"
    # every shed body of Mars 2020 has a footprint: 2 cruise + 6 entry balance masses, heat shield, backshell,
    # descent stage (NASA/JPL Mars 2020 landing press kit)
    assert len(els) == 1 + 11
    lat, lon = mc_run.landing_points()
    assert len(lat) == mc_run.summary["outcomes"].get("landed", 0)
    # the landing ellipse is the 99 % ellipse of those points: its centre is their mean point (within metres)
    e, n = to_local_en(lat, lon, els[0]["center_lat_deg"], els[0]["center_lon_deg"], mc_run.radius_m)
    assert abs(e.mean()) < 1.0 and abs(n.mean()) < 1.0
    # the Gaussian 99 % ellipse's semi-axes are sqrt(chi2_2(0.99)) = 3.035 times the principal standard deviations
    x = np.vstack([e, n])
    lam = np.linalg.eigvalsh(np.cov(x))
    assert els[0]["gaussian"]["semi_major_km"] * 1e3 == pytest.approx(np.sqrt(9.2103 * lam[1]), rel=1e-3)
    # the default (empirical) one must hold ceil(0.99 x 24) = 24 points: all of them, so it is the covariance
    # ellipse through the point farthest in Mahalanobis distance
    d2 = np.einsum("ij,ij->j", x, np.linalg.solve(np.cov(x), x))
    assert els[0]["method"] == "empirical" and els[0]["containment"]["inside"] == 24
    assert els[0]["semi_major_km"] * 1e3 == pytest.approx(np.sqrt(d2.max() * lam[1]), rel=1e-3)


def test_scatter_draws_each_ellipse_at_its_size(mc_run):
    fig = plots.debris_footprints(mc_run)
    ax = fig.axes[0]
    polys = [p for p in ax.patches if isinstance(p, Polygon)]
    assert len(polys) == len(mc_run.ellipses())
    for poly, el in zip(polys, mc_run.ellipses(), strict=True):
        xy = poly.get_xy()
        # the east-west extent of a rotated ellipse: 2 sqrt(a^2 sin^2 az + b^2 cos^2 az)
        az = np.radians(el["azimuth_deg"])
        a, b = el["semi_major_km"], el["semi_minor_km"]
        assert np.ptp(xy[:, 0]) == pytest.approx(2 * np.hypot(a * np.sin(az), b * np.cos(az)), rel=2e-3)
    assert any("99%" in t.get_text() for t in ax.get_legend().get_texts())


def test_plot_command_writes_the_monte_carlo_set(mc_run, tmp_path):
    r = runner.invoke(app, ["plot", str(mc_run.path), "-o", str(tmp_path), "--format", "svg"])
    assert r.exit_code == 0, r.output
    written = sorted(p.stem for p in tmp_path.glob("*.svg"))
    assert written == sorted(plots.MONTECARLO_PLOTS)
    for p in tmp_path.glob("*.svg"):
        assert ET.parse(p).getroot().tag.endswith("svg")


def test_histograms_mark_the_run_percentiles(mc_run):
    fig = plots.metric_histograms(mc_run)
    v = mc_run.frame["miss_distance_m"].to_numpy(float)
    ax = next(a for a in fig.axes if "miss distance" in a.get_title())
    xs = sorted(ln.get_xdata()[0] for ln in ax.lines)
    assert xs == pytest.approx(np.percentile(v[np.isfinite(v)], [1, 50, 99]))


@pytest.fixture(scope="module")
def page(mc_run) -> str:
    return html.render_montecarlo(mc_run)


def test_page_is_self_contained_with_five_plots(page):
    p = _Refs()
    p.feed(page)
    assert [r for r in p.refs if r[2].lower().startswith(("http:", "https:", "//", "ftp:"))] == []
    assert {"mc-landing", "mc-site", "mc-debris", "mc-outcomes", "mc-metrics"} <= p.ids
    assert page.count("Plotly.newPlot(") == 5


def test_page_holds_summary_ellipses_drivers_metrics_manifest_and_inputs(mc_run, page):
    assert "id='mc-seed'>7<" in page
    box = mc_run.summary["deploy_outside_box"]
    assert f"id='mc-deploy-box'>{box['cases']:,}<" in page and box["deployed"] == 24
    for el in mc_run.ellipses(delivery=True):
        assert f"{el['semi_major_km']:.3f}" in page and f"{el['azimuth_deg']:.1f}" in page
        g = el["gaussian"]["containment"]
        assert f"{100 * g['fraction']:.1f}% ({100 * g['ci_low']:.1f}–{100 * g['ci_high']:.1f})" in page
    assert "delivery (backshell separation)" in page and "100.0% (85.8–100.0)" in page
    assert "id='mc-convergence'>Convergence: the 99% landing and delivery ellipse axes are known to ±" in page
    assert "99%" in page
    m = mc_run.summary["metrics"]["peak_deceleration_g"]
    assert f"{m['p50']:,.4g}" in page and f"{m['p99']:,.4g}" in page
    assert "Drivers of the miss" in page and "SRC" in page
    spec = page.split("id='dispersion-spec'>", 1)[1].split("</pre>", 1)[0]
    assert "fpa_deg" in spec and "density" in spec
    assert 'id="decoded-message">DARE MIGHTY THINGS<' in page
    # the preset's own source comments (NASA/JPL citations) are shown
    assert "Mars 2020" in page.split('id="inputs"', 1)[1]


def test_kml_has_an_ellipse_polygon_per_body_and_the_touchdowns(mc_run, tmp_path):
    path = kml.write(kml.montecarlo_kml(mc_run), tmp_path / "mc.kml")
    root = ET.parse(path).getroot()
    folders = {f.find("k:name", NS).text: f for f in root.iter(f"{{{NS['k']}}}Folder")}
    ell = next(f for n, f in folders.items() if n.startswith("Ellipses"))
    rings = ell.findall(".//k:outerBoundaryIs//k:coordinates", NS)
    assert len(rings) == len(mc_run.ellipses(delivery=True)) == len(mc_run.ellipses()) + 1
    # each says how many cases it holds (all 24: ceil(0.99 x 24)) and what the Gaussian one would
    descs = [pm.find("k:description", NS).text for pm in ell.findall("k:Placemark", NS)]
    assert all("holds 100.0 % of 24 cases (95 % interval 85.8–100.0 %)" in d for d in descs)
    assert all("the Gaussian χ² ellipse of the same covariance would hold" in d for d in descs)
    for ring, el in zip(rings, mc_run.ellipses(delivery=True), strict=True):
        c = np.array([[float(v) for v in t.split(",")] for t in ring.text.split()])
        e, n = to_local_en(c[:, 1], c[:, 0], el["center_lat_deg"], el["center_lon_deg"], mc_run.radius_m)
        assert np.hypot(e, n).max() == pytest.approx(el["semi_major_km"] * 1e3, rel=2e-3)
    td = next(f for n, f in folders.items() if n.startswith("Touchdown"))
    pts = td.findall("k:Placemark", NS)
    lat, lon = mc_run.landing_points()
    assert len(pts) == len(lat)
    first = [float(v) for v in pts[0].find(".//k:coordinates", NS).text.split(",")]
    assert first[1] == pytest.approx(lat[0]) and first[0] == pytest.approx((lon[0] + 180) % 360 - 180)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastkml import KML

    assert KML.parse(path).features[0].name.startswith("marsedl mars2020 (Monte Carlo")


def test_survey_tiles_the_debris_ellipses(mc_run, tmp_path):
    # at 50 % the small footprints are tiled from 24 m (Ingenuity's highest flights); the photo budget goes to the
    # smallest ellipses first, so those left out (named) are the largest: the balance masses' are kilometres long
    r = runner.invoke(app, ["survey", str(mc_run.path), "--altitude", "24", "--probability", "0.5",
                            "--skip-unreachable", "--json", "--kml", str(tmp_path / "s.kml")])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.output)
    assert plan["mode"] == "relocating"
    assert plan["skipped"] and all(f"entry_balance_mass_{k}" in plan["skipped"] for k in range(1, 7))
    covered = {n for p in plan["photos"] for n in p["targets"]}
    # something is tiled: with the built-in dispersions the budget reaches the cruise balance masses (shed before
    # entry, the smallest footprints); the ordering below is the property under test
    assert covered
    area = {t["name"]: t["semi_major_m"] * t["semi_minor_m"] for t in plan["targets"]}
    assert min(area[n] for n in plan["skipped"]) >= max(area[n] for n in covered)
    assert covered.isdisjoint(plan["skipped"])
    assert all(f["distance_m"] <= 625 * (1 + 1e-9) for f in plan["sorties"])
    photos = np.array([[p["east_m"], p["north_m"]] for p in plan["photos"]])
    radius = plan["footprint_side_m"] / 2
    rng = np.random.default_rng(2)
    for t in plan["targets"]:
        if t["name"] in plan["skipped"]:
            continue
        # random points inside the ellipse: each within a photo footprint's inscribed circle
        a, b = t["semi_major_m"], t["semi_minor_m"]
        pts = np.column_stack([rng.uniform(-a, a, 3000), rng.uniform(-a, a, 3000)]) + [t["east_m"], t["north_m"]]
        pts = pts[inside_ellipse(pts, t["east_m"], t["north_m"], a, b, t["azimuth_deg"])]
        d = np.hypot(pts[:, None, 0] - photos[None, :, 0], pts[:, None, 1] - photos[None, :, 1]).min(axis=1)
        assert len(pts) > 100 and (d <= radius + 1e-9).all(), t["name"]
        # and the 50 % ellipse is the 99 % one scaled down (same shape and orientation) until it holds half of the
        # body's 24 impacts: at least 12 (the one it passes through counted, hence the 1e-4 margin), and not 24
        el99 = next(e for e in mc_run.ellipses() if e["name"] == t["name"])
        assert a / b == pytest.approx(el99["semi_major_km"] / el99["semi_minor_km"], rel=1e-9)
        assert t["azimuth_deg"] == pytest.approx(el99["azimuth_deg"], abs=1e-9) and a < el99["semi_major_km"] * 1e3
        lat, lon = mc_run.debris_points()[t["name"]]
        # (in the ellipse's own frame, at its centre: the one the summary fits it in)
        en = np.column_stack(to_local_en(lat, lon, el99["center_lat_deg"], el99["center_lon_deg"], mc_run.radius_m))
        held = inside_ellipse(en, 0.0, 0.0, a * (1 + 1e-4), b * (1 + 1e-4), t["azimuth_deg"]).sum()
        assert 12 <= held < 24
    assert "relocating flights" in (tmp_path / "s.kml").read_text()


def test_report_and_kml_commands_accept_a_run_folder(mc_run, tmp_path):
    r = runner.invoke(app, ["report", str(mc_run.path), "-o", str(tmp_path / "mc.html")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "mc.html").stat().st_size > 1_000_000
    r = runner.invoke(app, ["kml", str(mc_run.path), "-o", str(tmp_path / "mc.kml")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["report", str(mc_run.path), "--set", "seed=3", "-o", str(tmp_path / "x.html")])
    assert isinstance(r.exception, MarsEDLError) and "--set" in str(r.exception)


def test_a_folder_that_is_not_a_readable_run_is_one_line(mc_run, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(mc_run.path / "manifest.json", bad / "manifest.json")
    (bad / "chunk-00000.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(MarsEDLError, match="Parquet chunk cannot be read"):
        open_run(bad)
    (bad / "manifest.json").write_text("{not json")
    with pytest.raises(MarsEDLError, match="manifest.json. is not valid JSON"):
        open_run(bad)
    (bad / "manifest.json").unlink()
    # the real command: one line on stderr, exit code 2, no traceback
    out = subprocess.run([sys.executable, "-c", "from marsedl.cli import main; main()", "plot", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "not a Monte Carlo run" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_a_run_opens_with_either_sizing(mc_run):
    g = open_run(mc_run.path, method="gaussian")
    assert g.summary["ellipse_method"] == "gaussian"
    for a, b in zip(g.ellipses(delivery=True), mc_run.ellipses(delivery=True), strict=True):
        assert a["semi_major_km"] == b["gaussian"]["semi_major_km"] and a["containment"] == b["gaussian"]["containment"]
    with pytest.raises(MarsEDLError, match="--ellipse 'foo'"):
        open_run(mc_run.path, method="foo")
