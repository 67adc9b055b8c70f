"""``montecarlo --until axes:P%``: stops when it should, flies the same cases as a fixed-N run, resumes after a
kill, refuses malformed rules. Small runs: the 90 % ellipses (a first check at 10 / (1 - P) = 100 cases), chunks
of 25, one process."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from marsedl.errors import MarsEDLError
from marsedl.montecarlo import RunStore, run_montecarlo
from marsedl.montecarlo.runner import Until, parse_until
from marsedl.montecarlo.stats import CONVERGENCE_ELLIPSES, axes_half_width, run_ellipses, summarize

SEED, P, STEP = 3, 0.9, 25


def _half_width(frame, manifest):
    return axes_half_width(run_ellipses(frame, manifest, P, "empirical", names=CONVERGENCE_ELLIPSES))


@pytest.fixture(scope="module")
def until_run(ctx_default):
    return run_montecarlo("mars2020", n=600, seed=SEED, context=ctx_default, chunk_size=STEP, processes=1,
                          until=Until(tolerance=0.15, max_n=600, probability=P))


def test_until_stops_at_the_first_check_that_meets_the_rule_with_the_fixed_run_cases(ctx_default, until_run):
    u = until_run.manifest["until"]
    checks = u["checks"]
    n_stop = len(until_run.frame)
    assert u["met"] is True and checks[-1]["cases"] == n_stop == until_run.manifest["n"] < 600
    assert checks[0]["cases"] == 100 and all(c["cases"] % STEP == 0 for c in checks)
    # a fixed-N run of the same seed (another chunk size) flies the same cases, bit for bit
    fixed = run_montecarlo("mars2020", n=n_stop, seed=SEED, context=ctx_default, chunk_size=40, processes=1)
    pd.testing.assert_frame_equal(until_run.frame, fixed.frame, check_exact=True)
    # recomputed from the fixed run: met at the stop, not at any earlier check
    assert _half_width(fixed.frame, fixed.manifest) <= 0.15
    for c in checks[:-1]:
        h = _half_width(fixed.frame.iloc[:c["cases"]], fixed.manifest)
        assert h == pytest.approx(c["half_width"], rel=1e-12) and h > 0.15
    s = summarize(until_run.frame, until_run.manifest, P)
    assert s["complete"] and s["convergence"]["until"]["met"] and s["convergence"]["axes_half_width"] <= 0.15


def test_until_stops_at_the_most_cases_and_says_so(ctx_default):
    res = run_montecarlo("mars2020", n=130, seed=SEED, context=ctx_default, chunk_size=STEP, processes=1,
                         until=Until(tolerance=0.01, max_n=130, probability=P))
    u = res.manifest["until"]
    assert len(res.frame) == 130 and u["met"] is False and u["checks"][-1]["cases"] == 130
    assert u["checks"][-1]["half_width"] > 0.01


def test_until_resumes_after_a_kill_to_the_same_cases(ctx_default, until_run, tmp_path, kill_after_chunks):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "marsedl", "montecarlo", "mars2020", "-n", "600", "--seed", str(SEED),
           "--probability", str(P), "--until", "axes:15%", "--chunk-size", str(STEP), "--processes", "1", "--quiet",
           "--json", "--out", str(out)]
    written = kill_after_chunks(cmd, out, 5)  # past the first check (4 chunks)
    assert 5 <= written < len(until_run.frame) // STEP
    res = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    pd.testing.assert_frame_equal(RunStore(out).read(), until_run.frame, check_exact=True)
    assert RunStore(out).read_manifest()["until"]["checks"] == until_run.manifest["until"]["checks"]
    assert json.loads(res.stdout)["convergence"]["until"]["met"] is True
    # resuming with another rule, or without one, is refused
    with pytest.raises(MarsEDLError, match="--until rule 'axes:10%' differs"):
        run_montecarlo("mars2020", n=600, seed=SEED, context=ctx_default, out=out, resume=True, processes=1,
                       until=Until(tolerance=0.10, max_n=600, probability=P))
    with pytest.raises(MarsEDLError, match="was flown with --until"):
        run_montecarlo("mars2020", n=600, seed=SEED, context=ctx_default, out=out, resume=True, processes=1)


@pytest.mark.parametrize("text", ["axes:2", "axes:0%", "axes:60%", "corners:2%", "axes:two%", ""])
def test_malformed_until_is_refused(text):
    with pytest.raises(MarsEDLError, match=r"--until '.*': give axes:P% with P from 0.1 to 50"):
        parse_until(text, 1000)
    assert parse_until(" axes: 2.5 % ", 1000).tolerance == pytest.approx(0.025)


def test_bad_options_are_one_line_exit_2_and_nothing_is_written(tmp_path):
    from typer.testing import CliRunner

    from marsedl.cli import app

    res = subprocess.run([sys.executable, "-m", "marsedl", "montecarlo", "mars2020", "--quiet", "--out",
                          str(tmp_path / "new"), "--until", "axes:2"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "--until 'axes:2': give axes:P%" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    # the same MarsEDLError path (main() prints it as one line): checked before anything is planned or written
    for cmd in (["montecarlo", "mars2020", "--out", str(tmp_path / "new"), "--ellipse", "foo"],
                ["summary", str(tmp_path / "new"), "--ellipse", "foo"]):
        r = CliRunner().invoke(app, cmd)
        assert isinstance(r.exception, MarsEDLError)
        assert str(r.exception) == "--ellipse 'foo': choose empirical or gaussian"
    assert not (tmp_path / "new").exists()
