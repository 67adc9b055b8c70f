"""`marsedl simulate` and `marsedl presets` on the command line: JSON interface and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from marsedl.cli import app

runner = CliRunner()


def test_presets_lists_both():
    result = runner.invoke(app, ["presets"])
    assert result.exit_code == 0
    assert "mars2020" in result.output and "msl" in result.output


def test_a_crash_is_reported_where_and_how_fast_from_the_target():
    result = runner.invoke(app, ["simulate", "mars2020", "--set", "descent_stage.propellant_kg=50"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "outcome: propellant_exhausted" in text and "no landing: the vehicle hit the ground" in text
    assert "from the target" in text and "distance and bearing from the target" in text


def test_simulate_json_interface(tmp_path):
    out = tmp_path / "run.parquet"
    result = runner.invoke(app, ["simulate", "mars2020", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert set(d) == {"preset", "outcome", "events", "peaks", "touchdown", "impacts"}
    assert d["outcome"] == "landed"
    assert set(d["events"][0]) == {"name", "time_s", "altitude_agl_m", "altitude_mola_m", "speed_m_s", "mach",
                                   "dynamic_pressure_pa", "lat_deg", "lon_deg"}
    assert set(d["touchdown"]) == {"time_s", "lat_deg", "lon_deg", "vertical_speed_m_s", "horizontal_speed_m_s",
                                   "miss_distance_m"}
    assert set(d["impacts"][0]) == {"body", "time_s", "lat_deg", "lon_deg", "distance_from_rover_m",
                                    "bearing_from_rover_deg", "speed_m_s", "kinetic_energy_j"}
    df = pd.read_parquet(out)
    assert {"vehicle", "backshell", "heat_shield"} <= set(df["body"])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["simulate", "venus"], "unknown preset 'venus'"),
        (["simulate", "mars2020", "--set", "rover.mass_kg=-1"], "rover.mass_kg"),
        (["simulate", "mars2020", "--set", "nonsense"], "path.to.field=value"),
        (["simulate", "mars2020", "--atmosphere", "no_such_file.csv"], "no_such_file.csv"),
        (["simulate", "mars2020", "--out", "run.txt"], ".parquet or .csv"),
        (["simulate", "mars2020", "--preset-file", "missing.toml"], "missing.toml"),
        # the message is printed as text: its "[low, high]" is not taken for terminal markup and dropped
        (["simulate", "mars2020", "--set", "parachute.mach_box=[2.2, 1.4]"], "must be [low, high]"),
        (["simulate", "mars2020", "--set", "integration.dt_entry_s=1.0"], "guidance.period_s"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(args, needle):
    proc = subprocess.run([sys.executable, "-m", "marsedl", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]
