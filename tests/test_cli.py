import subprocess
import sys

from typer.testing import CliRunner

import marsedl
from marsedl.cli import app

runner = CliRunner()


def test_version_matches_package():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"marsedl {marsedl.__version__}"


def test_help_lists_command_families():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "chute" in result.output


def test_console_script_runs_as_module():
    out = subprocess.run([sys.executable, "-m", "marsedl", "--version"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert marsedl.__version__ in out.stdout


def test_cache_clear_removes_the_cached_plans(tmp_path, monkeypatch):
    monkeypatch.setenv("MARSEDL_CACHE_DIR", str(tmp_path))
    plans = tmp_path / "plans"
    plans.mkdir()
    for k in range(3):
        (plans / f"{k:064x}.npz").write_bytes(b"x")
    (plans / "notes.txt").write_text("not a plan")
    result = runner.invoke(app, ["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert "removed 3 cached plan files" in result.output
    assert sorted(p.name for p in plans.iterdir()) == ["notes.txt"]
    result = runner.invoke(app, ["cache", "path"])
    assert result.output.strip() == str(plans)
