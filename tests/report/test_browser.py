"""The report in a real browser: Debian's headless Chromium renders it with no console message, draws the
Plotly plots, and keeps a screenshot. Skips when chromium is not installed (CI installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from marsedl.report import html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")

#: Flags for a root user on a machine with a closed network (no sandbox, no GPU, no background connections).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000", "--window-size=1366,900"]


def chromium(url: str, *extra: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="marsedl-chromium-") as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url], capture_output=True,
                              text=True, timeout=120)


def console_lines(stderr: str) -> list[str]:
    """Chromium logs every page console message (and uncaught exception) as a ``CONSOLE`` line."""
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]


@pytest.fixture(scope="module")
def report_file(nominal, tmp_path_factory) -> Path:
    return html.write(html.render_nominal(nominal), tmp_path_factory.mktemp("browser") / "report.html")


def test_console_lines_are_caught(tmp_path):
    # the detector itself: a page with an error must be seen as failing
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>console.error('boom'); notDefined();</script></body></html>")
    out = chromium(bad.as_uri(), "--dump-dom")
    lines = console_lines(out.stderr)
    assert any("boom" in ln for ln in lines) and any("Uncaught" in ln for ln in lines)


def test_report_renders_without_errors_and_draws_the_plots(report_file):
    out = chromium(report_file.as_uri(), "--dump-dom")
    assert out.returncode == 0, out.stderr[-2000:]
    assert console_lines(out.stderr) == []
    dom = out.stdout
    # Plotly drew each of the four figures (each gets its own svg.main-svg layers)
    for fid in ("altitude-speed", "loads", "debris-map", "landing-site"):
        block = dom.split(f'id="{fid}"', 1)[1][:200_000]
        assert 'class="main-svg"' in block, fid
    assert len(re.findall(r'<svg[^>]*class="main-svg"', dom)) >= 8
    assert "DARE MIGHTY THINGS" in dom


def test_screenshot_is_kept(report_file):
    shot = report_file.with_name("report.png")
    out = chromium(report_file.as_uri(), f"--screenshot={shot}")
    assert out.returncode == 0, out.stderr[-2000:]
    assert console_lines(out.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a drawn page, not a blank one


@pytest.fixture(scope="module")
def mc_report_file(mc_run, tmp_path_factory) -> Path:
    return html.write(html.render_montecarlo(mc_run), tmp_path_factory.mktemp("browser-mc") / "mc.html")


def test_montecarlo_report_renders_without_errors_and_draws_the_plots(mc_report_file):
    shot = mc_report_file.with_name("mc.png")
    out = chromium(mc_report_file.as_uri(), "--dump-dom")
    assert out.returncode == 0, out.stderr[-2000:]
    assert console_lines(out.stderr) == []
    dom = out.stdout
    for fid in ("mc-landing", "mc-site", "mc-debris", "mc-outcomes", "mc-metrics"):
        block = dom.split(f'id="{fid}"', 1)[1][:400_000]
        assert 'class="main-svg"' in block, fid
    # the ellipses are drawn as paths (one scatter line per ellipse) and the message is decoded
    assert "landing ellipse" in dom and "DARE MIGHTY THINGS" in dom
    out = chromium(mc_report_file.as_uri(), f"--screenshot={shot}")
    assert out.returncode == 0 and console_lines(out.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
