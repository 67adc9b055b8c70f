"""``marsedl plot / report / kml / survey`` end to end (the session's run stands in for re-flying the preset)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from marsedl.cli import app
from marsedl.errors import MarsEDLError

runner = CliRunner()


def test_plot_writes_six_figures(no_resimulation, tmp_path):
    r = runner.invoke(app, ["plot", "mars2020", "-o", str(tmp_path), "--format", "svg"])
    assert r.exit_code == 0, r.output
    assert len(list(tmp_path.glob("*.svg"))) == 6


def test_report_and_kml_write_files(no_resimulation, tmp_path):
    r = runner.invoke(app, ["report", "mars2020", "-o", str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "r.html").stat().st_size > 1_000_000
    els = tmp_path / "el.json"
    els.write_text(json.dumps([{"name": "landing", "semi_major_km": 4, "semi_minor_km": 3, "azimuth_deg": 90,
                                "center_lat_deg": 18.4447, "center_lon_deg": 77.4508}]))
    r = runner.invoke(app, ["kml", "mars2020", "-o", str(tmp_path / "r.kml"), "--ellipses", str(els)])
    assert r.exit_code == 0, r.output
    assert "<Polygon>" in (tmp_path / "r.kml").read_text()


def test_the_issue_example_survey_relocates_and_reaches_everything(no_resimulation):
    # issue 5's command: with out-and-back sorties the backshell (468 m) is out of reach; relocating flights reach
    # every piece, each flight within 625 m and starting where the last one landed
    args = ["survey", "mars2020", "--altitude", "10", "--camera-fov", "47", "--max-sortie-m", "625"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "relocating" in r.output and "flights" in r.output
    r = runner.invoke(app, [*args, "--json"])
    plan = json.loads(r.output)
    assert plan["mode"] == "relocating" and plan["skipped"] == []
    covered = {n for p in plan["photos"] for n in p["targets"]}
    assert covered == {i.body for i in no_resimulation.impacts}
    fl = plan["sorties"]
    assert plan["flights"] == len(fl) and all(f["distance_m"] <= 625 * (1 + 1e-9) for f in fl)
    assert all(a["end_en_m"] == b["start_en_m"] for a, b in zip(fl[:-1], fl[1:], strict=False))
    # the far balance masses tens of km away: at least (farthest impact / 625 m) flights, honestly many
    far = max(i.distance_from_rover_m for i in no_resimulation.impacts)
    assert far > 10_000 and plan["flights"] >= far / 625
    assert plan["total_distance_m"] >= far - plan["footprint_side_m"]


def test_survey_return_to_base_names_what_a_625_m_sortie_cannot_reach(no_resimulation):
    r = runner.invoke(app, ["survey", "mars2020", "--max-sortie-m", "625", "--return-to-base"])
    assert isinstance(r.exception, MarsEDLError)
    msg = str(r.exception)
    # every impact farther than 312.5 m from the rover is named
    far = [i.body for i in no_resimulation.impacts if i.distance_from_rover_m > 312.5]
    assert far and all(name in msg for name in far)


def test_survey_max_flights_names_the_targets_beyond_the_cap(no_resimulation):
    r = runner.invoke(app, ["survey", "mars2020", "--max-flights", "3", "--json"])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.output)
    assert plan["flights"] == 3
    # three 625 m flights cannot reach anything beyond 1,875 m
    beyond = {i.body for i in no_resimulation.impacts if i.distance_from_rover_m > 3 * 625 + 10}
    assert beyond and beyond <= set(plan["beyond_flights"])


def test_survey_json_covers_the_reachable_debris(no_resimulation, tmp_path):
    r = runner.invoke(app, ["survey", "mars2020", "--max-sortie-m", "5000", "--return-to-base", "--skip-unreachable",
                            "--json",
                            "--plot", str(tmp_path / "s.png"), "--kml", str(tmp_path / "s.kml")])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.output)
    near = {i.body for i in no_resimulation.impacts if i.distance_from_rover_m < 2400}
    covered = {n for p in plan["photos"] for n in p["targets"]}
    assert near and near <= covered
    assert all(s["distance_m"] <= 5000 + 1e-6 for s in plan["sorties"])
    assert set(plan["skipped"]) == {i.body for i in no_resimulation.impacts} - covered
    assert (tmp_path / "s.png").stat().st_size > 10_000 and (tmp_path / "s.kml").is_file()


@pytest.mark.parametrize(("args", "text"), [
    (["plot", "not_a_preset"], "neither a preset"),
    (["plot", "mars2020", "--format", "jpg"], "--format"),
    (["report", "mars2020", "-o", "/proc/nope/r.html"], "cannot be written"),
    (["report", "mars2020", "-o", "r.pdf"], ".html"),
    (["survey", "mars2020", "--base", "abc"], "--base"),
    (["kml", "mars2020", "--ellipse", "round"], "--ellipse 'round': choose empirical or gaussian"),
])
def test_bad_input_is_one_line_before_any_flight(args, text):
    r = runner.invoke(app, args)
    assert isinstance(r.exception, MarsEDLError), r.output
    assert text in str(r.exception) and "\n" not in str(r.exception)


def test_folder_without_manifest_is_not_a_run(tmp_path):
    r = runner.invoke(app, ["report", str(tmp_path), "-o", str(tmp_path / "r.html")])
    assert isinstance(r.exception, MarsEDLError)
    assert "not a Monte Carlo run" in str(r.exception)


def test_every_run_command_takes_the_gaussian_ellipse(mc_run, tmp_path):
    """report, kml, plot and survey size a Monte Carlo run's ellipses as asked: the Gaussian touchdown ellipse
    is another one than the empirical default (on 24 cases the two differ), in the KML as in the survey's
    targets."""
    run = str(mc_run.path)
    texts = {}
    for method in ("empirical", "gaussian"):
        out = tmp_path / f"{method}.kml"
        r = runner.invoke(app, ["kml", run, "--ellipse", method, "-o", str(out)])
        assert r.exit_code == 0, r.output
        texts[method] = out.read_text()
        s = runner.invoke(app, ["survey", run, "--ellipse", method, "--json", "--skip-unreachable"])
        assert s.exit_code == 0, s.output
    assert texts["empirical"] != texts["gaussian"]
    for cmd in (["report", run, "-o", str(tmp_path / "g.html")], ["plot", run, "-o", str(tmp_path / "g")]):
        r = runner.invoke(app, [*cmd, "--ellipse", "gaussian"])
        assert r.exit_code == 0, r.output
