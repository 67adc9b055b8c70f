"""A saved run is a run (issue #12, part 3): ``simulate --out run.parquet`` then report, kml, survey and plot on the
file give what the same commands give on the preset; a damaged or foreign file is one line naming it; the Python
API (``result.save``, ``marsedl.load``, ``marsedl.montecarlo``) returns the objects the commands take.

What a saved run is compared with is the flight itself: the JSON that ``simulate`` printed in the same command that
wrote the file, and the same command run on the preset (flown again).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import marsedl
from marsedl.cli import app
from marsedl.errors import MarsEDLError
from marsedl.result import SimulationResult

runner = CliRunner()


def _ok(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, (r.output, r.exception)
    return r.output


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """``simulate mars2020 --json --out run.parquet``: the file and the JSON printed by the run that wrote it."""
    path = tmp_path_factory.mktemp("saved") / "run.parquet"
    printed = json.loads(_ok("simulate", "mars2020", "--json", "--out", str(path)))
    return path, printed


# ------------------------------------------------------------------------------------------------ the file


def test_the_file_holds_the_story_the_run_printed(saved):
    path, printed = saved
    run = marsedl.load(path)
    assert isinstance(run, SimulationResult)
    assert run.to_dict() == printed  # timeline, peaks, touchdown, impacts: every number to the last bit
    assert run.outcome == "landed" and len(run.events) >= 10 and len(run.impacts) >= 10
    # the inputs: the resolved preset validates back to exactly the mission the preset loader gives
    from marsedl.scenario import load_mission, validate_mission

    assert validate_mission(run.inputs["mission"]) == load_mission("mars2020")
    assert run.inputs["preset"] == "mars2020" and run.inputs["overrides"] == [] and run.inputs["seed"] is None
    doc = json.loads(pq.read_schema(path).metadata[b"marsedl.run"])
    assert doc["format"] == 1 and doc["marsedl_version"] == marsedl.__version__


def test_the_histories_stay_a_plain_table_and_come_back(saved):
    path, _ = saved
    table = pd.read_parquet(path)  # any Parquet reader sees the same columns as before the file held a run
    assert list(table.columns[:3]) == ["body", "phase", "time_s"] and {"vehicle", "backshell"} <= set(table["body"])
    back = marsedl.load(path).to_dataframe()
    assert list(back.columns) == list(table.columns) and len(back) == len(table)
    for col in table.columns:
        if col.endswith("_deg"):  # stored in degrees, held in radians: back to within a few ulps
            np.testing.assert_allclose(back[col], table[col], rtol=1e-14, atol=1e-12)
        else:
            assert back[col].equals(table[col]), col


def test_save_is_atomic_and_csv_is_histories_only(saved, tmp_path, monkeypatch):
    path, _ = saved
    run = marsedl.load(path)
    csv = run.save(tmp_path / "run.csv")
    assert len(pd.read_csv(csv)) == len(pd.read_parquet(path))
    with pytest.raises(MarsEDLError, match="run.csv' is a CSV file: it holds time histories only"):
        marsedl.load(csv)
    # a write that fails half-way leaves the file that was there, and no temporary file
    target = tmp_path / "keep.parquet"
    run.save(target)
    before = target.read_bytes()

    def broken(table, where, **kw):
        open(where, "wb").write(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(MarsEDLError, match="keep.parquet' cannot be written: No space left on device"):
        run.save(target)
    assert target.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["keep.parquet",
                                                                                           "run.csv"]


# ------------------------------------------------------------------------- every command takes the file


def _sections(html: str, ids=("summary", "timeline", "debris", "inputs")) -> dict[str, str]:
    return {i: re.search(f'<section id="{i}">(.*?)</section>', html, re.S).group(1) for i in ids}


def test_report_of_the_file_is_the_report_of_the_preset(saved, tmp_path):
    path, _ = saved
    _ok("report", str(path), "-o", str(tmp_path / "file.html"))
    _ok("report", "mars2020", "-o", str(tmp_path / "preset.html"))
    a, b = (_sections((tmp_path / f).read_text(encoding="utf-8")) for f in ("file.html", "preset.html"))
    assert a == b
    assert "Parachute deploy" in a["timeline"] and "heat shield" in a["debris"]


def test_a_custom_design_is_reported_from_its_file_with_its_inputs(tmp_path):
    """The issue's user: a design of one's own (a preset file) flown once, then reported from the saved run,
    whose inputs section shows the design as it was flown (report cannot fly a preset file itself)."""
    from marsedl.scenario import preset_text

    design = tmp_path / "my_lander.toml"
    design.write_text(preset_text("mars2020").replace('name = "mars2020"', 'name = "my_lander"'), encoding="utf-8")
    path = tmp_path / "mine.parquet"
    printed = json.loads(_ok("simulate", "--preset-file", str(design), "--set", "rover.mass_kg=1100", "--json",
                             "--out", str(path)))
    _ok("report", str(path), "-o", str(tmp_path / "mine.html"))
    page = (tmp_path / "mine.html").read_text(encoding="utf-8")
    inputs = _sections(page, ("inputs",))["inputs"]
    assert f"preset file: {design}" in inputs and "rover.mass_kg=1100" in inputs
    assert "my_lander" in inputs and "1100.0" in inputs
    assert printed["preset"] == "my_lander" and marsedl.load(path).to_dict() == printed


_KML = "{http://www.opengis.net/kml/2.2}"


def _kml(path):
    return {f.find(f"{_KML}name").text: f for f in ET.parse(path).getroot().iter(f"{_KML}Folder")}


def test_kml_of_the_file_is_the_kml_of_the_preset(saved, tmp_path):
    path, _ = saved
    _ok("kml", str(path), "-o", str(tmp_path / "file.kml"))
    _ok("kml", "mars2020", "-o", str(tmp_path / "preset.kml"))
    a, b = _kml(tmp_path / "file.kml"), _kml(tmp_path / "preset.kml")
    assert set(a) == set(b) >= {"Trajectories", "Events", "Impacts", "Site"}
    for name in ("Events", "Impacts", "Site"):  # from the run record: identical to the character
        assert ET.tostring(a[name]) == ET.tostring(b[name]), name
    ta, tb = ([[float(x) for x in c.text.replace(" ", ",").split(",")] for c in f.iter(f"{_KML}coordinates")]
              for f in (a["Trajectories"], b["Trajectories"]))
    assert len(ta) == len(tb) == len(marsedl.load(path).body_names)
    for x, y in zip(ta, tb, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-13, atol=1e-9)


def test_survey_of_the_file_is_the_survey_of_the_preset(saved):
    path, printed = saved
    a = json.loads(_ok("survey", str(path), "--json"))
    b = json.loads(_ok("survey", "mars2020", "--json"))
    assert a == b
    assert {n for p in a["photos"] for n in p["targets"]} == {i["body"] for i in printed["impacts"]}


def test_plot_of_the_file_draws_the_plots_of_the_preset(saved, tmp_path):
    from PIL import Image

    path, _ = saved
    _ok("plot", str(path), "-o", str(tmp_path / "file"))
    _ok("plot", "mars2020", "-o", str(tmp_path / "preset"))
    names = sorted(p.name for p in (tmp_path / "file").glob("*.png"))
    assert len(names) == 6 and names == sorted(p.name for p in (tmp_path / "preset").glob("*.png"))
    for n in names:  # the same pixels
        a, b = (np.asarray(Image.open(tmp_path / d / n).convert("RGB")) for d in ("file", "preset"))
        assert np.array_equal(a, b), n


def test_a_lone_body_run_round_trips_and_plot_says_what_it_draws(tmp_path, monkeypatch, capsys):
    """A kind = "body" preset (NESC case 9, over a planetodetic Earth) saved and loaded: the same story, the same
    histories; kml takes it; plot and report, which draw EDL runs, say so in one line instead of failing."""
    from pathlib import Path

    preset = Path(__file__).resolve().parents[1] / "examples" / "nesc" / "atmos_09_eastward_cannonball.toml"
    path = tmp_path / "ball.parquet"
    printed = json.loads(_ok("simulate", "--preset-file", str(preset), "--json", "--out", str(path)))
    run = marsedl.load(path)
    assert run.to_dict() == printed and run.inputs["mission"]["kind"] == "body"
    table = pd.read_parquet(path)
    np.testing.assert_allclose(run.to_dataframe()["lat_deg"], table["lat_deg"], rtol=1e-14, atol=1e-12)
    _ok("kml", str(path), "-o", str(tmp_path / "ball.kml"))
    line = _one_line_error(["plot", str(path), "-o", str(tmp_path / "p")], monkeypatch, capsys)
    assert "is a lone body's run, and plot draws EDL runs" in line


# --------------------------------------------------------------------------- damaged and foreign files


def _flip_middle(data: bytes) -> bytes:
    b = bytearray(data)
    b[len(b) // 2] ^= 0xFF
    return bytes(b)


def _newer(path, out):
    t = pq.read_table(path)
    meta = dict(t.schema.metadata)
    doc = json.loads(meta[b"marsedl.run"])
    meta[b"marsedl.run"] = json.dumps({**doc, "format": 2, "marsedl_version": "9.0"}).encode()
    pq.write_table(t.replace_schema_metadata(meta), out)


def _no_events(path, out):
    t = pq.read_table(path)
    meta = dict(t.schema.metadata)
    doc = json.loads(meta[b"marsedl.run"])
    del doc["events"]
    meta[b"marsedl.run"] = json.dumps(doc).encode()
    pq.write_table(t.replace_schema_metadata(meta), out)


DAMAGE = {
    "empty": ("report", lambda src, out: out.write_bytes(b""), "not a readable Parquet file"),
    "truncated": ("kml", lambda src, out: out.write_bytes(src.read_bytes()[: src.stat().st_size // 2]),
                  "not a readable Parquet file"),
    "garbage": ("survey", lambda src, out: out.write_bytes(np.random.default_rng(1).bytes(4096)),
                "not a readable Parquet file"),
    "one byte changed": ("plot", lambda src, out: out.write_bytes(_flip_middle(src.read_bytes())),
                         "its time histories cannot be read"),
    "foreign Parquet": ("report", lambda src, out: pd.DataFrame({"a": [1.0, 2.0]}).to_parquet(out),
                        "a Parquet file but not a run saved by marsedl"),
    "newer format": ("kml", _newer, "run-file format 2; this marsedl"),
    "record without events": ("survey", _no_events, "its marsedl run record is damaged (no 'events')"),
}


def _one_line_error(argv, monkeypatch, capsys) -> str:
    """Run the ``marsedl`` entry point in this process; its error must be one line on stderr, exit 2."""
    from marsedl.cli import main

    monkeypatch.setattr(sys, "argv", ["marsedl", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert exit_.value.code == 2 and "Traceback" not in err and len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_or_foreign_file_is_one_line_naming_it(case, saved, tmp_path, monkeypatch, capsys):
    command, damage, needle = DAMAGE[case]
    bad = tmp_path / "bad.parquet"
    damage(saved[0], bad)
    out = {"report": ["-o", str(tmp_path / "r.html")], "kml": ["-o", str(tmp_path / "r.kml")],
           "plot": ["-o", str(tmp_path / "plots")], "survey": []}[command]
    line = _one_line_error([command, str(bad), *out], monkeypatch, capsys)
    assert str(bad) in line and needle in line, line


def test_a_csv_is_histories_only_and_a_saved_run_takes_no_set(saved, tmp_path, monkeypatch, capsys):
    csv = tmp_path / "run.csv"
    csv.write_text("body,time_s\nvehicle,0\n")
    line = _one_line_error(["plot", str(csv)], monkeypatch, capsys)
    assert str(csv) in line and "holds time histories only" in line and ".parquet" in line
    line = _one_line_error(["kml", str(saved[0]), "--set", "rover.mass_kg=1"], monkeypatch, capsys)
    assert "--set applies to a preset, not to the saved run" in line
    line = _one_line_error(["survey", str(tmp_path / "gone.parquet")], monkeypatch, capsys)
    assert "gone.parquet': the file does not exist" in line


def test_on_the_real_command_line_too(saved, tmp_path):
    bad = tmp_path / "cut.parquet"
    bad.write_bytes(saved[0].read_bytes()[:1000])
    proc = subprocess.run([sys.executable, "-m", "marsedl", "report", str(bad), "-o", str(tmp_path / "r.html")],
                          capture_output=True, text=True, timeout=120)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "not a readable Parquet file" in lines[0], proc.stderr
    assert not (tmp_path / "r.html").exists()


# ------------------------------------------------------------------------------------- Monte Carlo API


def test_montecarlo_from_python_and_load_of_its_folder(tmp_path):
    out = tmp_path / "mc"
    mc = marsedl.montecarlo("mars2020", n=16, seed=7, out=out, chunk_size=8, processes=1)
    assert isinstance(mc, marsedl.montecarlo.MonteCarloRun)
    table = mc.table
    assert table.num_rows == 16 and table.column("case").to_pylist() == list(range(16))
    pd.testing.assert_frame_equal(mc.to_pandas(), table.to_pandas())
    assert mc.summary["cases"] == 16 and mc.summary["seed"] == 7
    names = [e["name"] for e in mc.ellipses()]
    assert names[0] == "landing" and "heat_shield" in names
    again = marsedl.load(out)  # the folder opens to the same object, the same numbers
    assert isinstance(again, type(mc)) and again.summary == mc.summary
    pd.testing.assert_frame_equal(again.to_pandas(), mc.to_pandas())
    # and the command line runs the same function: the same cases give the same summary
    printed = json.loads(_ok("montecarlo", "mars2020", "-n", "16", "--seed", "7", "--chunk-size", "8",
                             "--processes", "1", "--json", "--quiet"))
    for key in ("cases", "outcomes", "landing_ellipse", "metrics"):
        assert printed[key] == json.loads(json.dumps(mc.summary[key])), key
