"""A run records the files it was given as absolute paths: ``--resume`` from another working directory finishes it
(the same files named from there), and refuses, naming both, when the path given names another file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from marsedl.errors import MarsEDLError
from marsedl.input_paths import absolute_fields
from marsedl.montecarlo import RunStore, run_montecarlo
from marsedl.montecarlo.api import open_run
from marsedl.preset_data import absolute_inputs
from marsedl.scenario import preset_text, read_preset

MAP = Path(__file__).resolve().parents[2] / "examples" / "synthetic_hazard_map.png"


@pytest.fixture
def folders(tmp_path):
    """``a/`` holds a map (and its bounds), ``b/`` is another working directory."""
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "maps").mkdir(parents=True)
    b.mkdir()
    shutil.copy(MAP, a / "maps" / "site.png")
    shutil.copy(MAP.with_name(MAP.stem + ".bounds.toml"), a / "maps" / "site.bounds.toml")
    return a, b


def _fly(out, **kw):
    return run_montecarlo("mars2020", n=4, seed=3, chunk_size=2, processes=1, out=out, **kw)


def _interrupt(out):
    """As a kill after the first chunk leaves it: the second chunk gone, the manifest not complete."""
    (out / "chunk-00001.parquet").unlink()
    store = RunStore(out)
    manifest = store.read_manifest()
    store.write_manifest({**manifest, "complete": False})


def test_a_map_given_with_set_resumes_from_another_working_directory(folders, tmp_path, monkeypatch):
    a, b = folders
    out = tmp_path / "run"
    monkeypatch.chdir(a)
    whole = _fly(out, overrides=["trn.hazard_map=maps/site.png"]).frame
    assert whole.trn_safe_spot.notna().all()  # the map was read
    assert RunStore(out).read_manifest()["overrides"] == [f'trn.hazard_map="{a / "maps" / "site.png"}"']
    _interrupt(out)

    monkeypatch.chdir(b)
    with pytest.raises(MarsEDLError, match=r"--resume: overrides .*/b/maps/site\.png.* differs .*/a/maps/site\.png"):
        _fly(out, overrides=["trn.hazard_map=maps/site.png"], resume=True)  # b/maps/site.png: another file
    resumed = _fly(out, overrides=["trn.hazard_map=../a/maps/site.png"], resume=True)
    pd.testing.assert_frame_equal(whole, resumed.frame, check_exact=True)


def test_a_preset_file_and_its_map_resume_from_another_working_directory(folders, tmp_path, monkeypatch):
    """``--preset-file mine.toml`` naming ``maps/site.png`` (next to it); resumed from ``b`` as ``../a/mine.toml``;
    the run folder's preset text is found from anywhere."""
    a, b = folders
    (a / "mine.toml").write_text(preset_text("mars2020") + '\n[trn]\nhazard_map = "maps/site.png"\n')
    out = tmp_path / "run"
    monkeypatch.chdir(a)
    whole = _fly(out, preset_file="mine.toml").frame
    assert RunStore(out).read_manifest()["preset_file"] == str(a / "mine.toml")
    _interrupt(out)

    monkeypatch.chdir(b)
    resumed = _fly(out, preset_file="../a/mine.toml", resume=True)
    pd.testing.assert_frame_equal(whole, resumed.frame, check_exact=True)
    assert 'hazard_map = "maps/site.png"' in open_run(out).preset_text()


def test_which_inputs_are_files_and_from_where(tmp_path, monkeypatch):
    """From the working directory: ``--set`` values of the file fields, ``--atmosphere`` and ``--preset-file``
    when they are files; from a preset file's folder: its own. Names and absolute paths stay as they are."""
    (tmp_path / "atm.csv").write_text("x")
    (tmp_path / "p.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    pf, overrides, atm = absolute_inputs("p.toml", [
        "trn.hazard_map=m.png", 'dispersions.marsgram_file="LAT20N.txt"', "atmosphere.model=atm.csv:3",
        "atmosphere.model=gale2012", "trn.hazard_map=/abs/m.png", "sequence.divert_limit_m=600"], "atm.csv")
    assert pf == str(tmp_path / "p.toml") and atm == str(tmp_path / "atm.csv")
    assert overrides == [f'trn.hazard_map="{tmp_path}/m.png"', f'dispersions.marsgram_file="{tmp_path}/LAT20N.txt"',
                         f'atmosphere.model="{tmp_path}/atm.csv:3"', "atmosphere.model=gale2012",
                         "trn.hazard_map=/abs/m.png", "sequence.divert_limit_m=600"]
    # a missing preset file or atmosphere file stays as written, for the message that names it
    assert absolute_inputs("none.toml", None, "none.csv") == ("none.toml", [], "none.csv")

    data = {"trn": {"hazard_map": "m.png"}, "dispersions": {"marsgram_file": "g.txt"},
            "atmosphere": {"model": "atm.csv"}}
    absolute_fields(data, tmp_path / "presets")
    assert data == {"trn": {"hazard_map": f"{tmp_path}/presets/m.png"},
                    "dispersions": {"marsgram_file": f"{tmp_path}/presets/g.txt"},
                    "atmosphere": {"model": "atm.csv"}}  # not in presets/: left to the atmosphere's message


def test_a_preset_files_atmosphere_table_is_found_next_to_it(tmp_path, monkeypatch):
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "atm.csv").write_text("x")
    (folder / "mine.toml").write_text('[atmosphere]\nmodel = "atm.csv"\n')
    monkeypatch.chdir(tmp_path)
    data, _ = read_preset(preset_file="presets/mine.toml")
    assert data["atmosphere"]["model"] == str(folder / "atm.csv")
