import subprocess
import sys

import pytest
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


def _main_with(monkeypatch, capsys, argv, exc):
    """Run the console entry point with ``marsedl.scenario.preset_names`` raising ``exc``."""
    import marsedl.cli
    import marsedl.scenario

    def broken():
        raise exc

    monkeypatch.setattr(marsedl.scenario, "preset_names", broken)
    monkeypatch.setattr(sys, "argv", ["marsedl", *argv])
    with pytest.raises(SystemExit) as info:
        marsedl.cli.main()
    return info.value.code, capsys.readouterr().err


def test_a_bug_is_said_to_be_a_bug_not_a_user_error(monkeypatch, capsys):
    """A NotImplementedError inside a command is neither a traceback nor dressed up as bad input: one line that
    names it as an internal error and says how to see the traceback; exit 1 (user errors exit 2)."""
    monkeypatch.setenv("MARSEDL_DEBUG", "0")  # (restored at teardown whatever main sets)
    code, err = _main_with(monkeypatch, capsys, ["presets"], NotImplementedError("half-built"))
    assert code == 1
    assert "internal error" in err and "NotImplementedError: half-built" in err and "--debug" in err
    assert "Traceback" not in err and "error: " not in err.replace("internal error: ", "")


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setenv("MARSEDL_DEBUG", "0")  # --debug sets it to 1; teardown restores it
    import marsedl.cli
    import marsedl.scenario

    def broken():
        raise NotImplementedError("half-built")

    monkeypatch.setattr(marsedl.scenario, "preset_names", broken)
    monkeypatch.setattr(sys, "argv", ["marsedl", "--debug", "presets"])
    with pytest.raises(NotImplementedError, match="half-built"):
        marsedl.cli.main()
