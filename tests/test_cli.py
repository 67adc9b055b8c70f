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
