"""What the terminal shows (issue 14): the real commands at 80 and 120 columns, piped and through a
pseudo-terminal: no number cut, no line wider than the window, engineers' units, identical bodies as one row per
set, each unknown parachute character once."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest
from rich.cells import cell_len

from marsedl.cli import fmt

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
SCIENTIFIC = re.compile(r"\d\.?\d*e[+-]\d", re.IGNORECASE)
MODES = [(80, False), (120, False), (80, True), (120, True)]


def _env(width: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR")}
    env["MARSEDL_DEBUG"] = "0"
    if width is not None:
        env["COLUMNS"] = str(width)
    return env


def _through_pty(args: list[str], width: int) -> str:
    """Run in a pseudo-terminal of ``width`` columns (no COLUMNS: Rich asks the terminal) and read the screen."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, width, 0, 0))
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=_env(None), close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 0, b"".join(chunks).decode(errors="replace")
    return ANSI.sub("", b"".join(chunks).decode()).replace("\r\n", "\n")


def run(width: int, through_pty: bool, *args: str) -> str:
    """The command's text: piped (Rich's own 80 columns, or COLUMNS for a wider one) or on a terminal."""
    cmd = [sys.executable, "-m", "marsedl", *args]
    if through_pty:
        return _through_pty(cmd, width)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(None if width == 80 else width),
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def check_fits(text: str, width: int) -> None:
    """No cut number (Rich's ellipsis), no line wider than the window, no scientific notation."""
    assert "…" not in text, text
    wide = [line for line in text.splitlines() if cell_len(line.rstrip()) > width]
    assert not wide, "\n".join(wide)
    assert not SCIENTIFIC.search(text), SCIENTIFIC.search(text)


# ------------------------------------------------------------------------------------------------- simulate
@pytest.fixture(scope="module")
def nominal() -> dict:
    import marsedl

    return marsedl.simulate("mars2020").to_dict()  # what --json prints


@pytest.mark.parametrize(("width", "through_pty"), MODES)
def test_simulate_keeps_every_digit(nominal, width, through_pty):
    text = run(width, through_pty, "simulate", "mars2020")
    check_fits(text, width)
    lines = text.splitlines()
    for e in nominal["events"]:  # every event time, whole, on the line of its event
        assert any(f"{e['time_s']:.1f}" in line and e["name"].split("_")[0] in line for line in lines), e["name"]
    for i in nominal["impacts"]:
        if i["body"] in ("heat_shield", "backshell", "descent_stage"):
            row = next(line for line in lines if re.match(rf"{i['body'].replace('_', ' ')}\s+\d", line))
            # distance in whole metres and impact speed in km/h, with every digit
            assert f"{round(i['distance_from_rover_m']):,}" in row.split()
            assert f"{round(i['speed_m_s'] * 3.6):,}" in row.split()
    # the six entry balance masses and two cruise ones are one row each, with their spread
    assert text.count("masses ×6") == 1 and text.count("masses ×2") == 1
    assert "balance mass 1" not in text and "balance_mass" not in text
    assert sum(i["body"].startswith("entry_balance_mass") for i in nominal["impacts"]) == 6  # --json keeps them
    assert "within" in text
    if width >= 120:  # a wider window shows the impact coordinates too
        hs = next(i for i in nominal["impacts"] if i["body"] == "heat_shield")
        assert f"{hs['lat_deg']:.4f}" in text


# ------------------------------------------------------------------------------------------------ Monte Carlo
@pytest.fixture(scope="module")
def mc_run(tmp_path_factory):
    from marsedl.montecarlo.runner import run_montecarlo
    from marsedl.montecarlo.stats import summarize

    out = tmp_path_factory.mktemp("mc") / "run"
    r = run_montecarlo("mars2020", n=40, seed=1, out=out, processes=1)
    return out, summarize(r.frame, r.manifest)  # what --json prints


@pytest.mark.parametrize(("width", "through_pty"), [(80, False), (120, True)])
def test_montecarlo_summary_keeps_every_digit_in_engineers_units(mc_run, width, through_pty):
    out, s = mc_run
    text = run(width, through_pty, "summary", str(out))
    check_fits(text, width)
    m = s["metrics"]
    rows = {line.split("  ")[0].strip(): line for line in text.splitlines()}
    # each metric on its own row, in its unit, the median to the stated decimals (computed here from SI)
    expect = {"deploy altitude AGL (km)": f"{m['parachute_deploy_alt_agl_m']['p50'] / 1e3:,.2f}",
              "peak load (kN)": f"{m['peak_parachute_load_n']['p50'] / 1e3:,.0f}",
              "deploy q (Pa)": f"{m['deploy_q_pa']['p50']:,.0f}",
              "miss distance (m)": f"{m['miss_distance_m']['p50']:,.0f}",
              "vertical speed (m/s)": f"{m['touchdown_vertical_speed_m_s']['p50']:.2f}",
              "peak deceleration (g)": f"{m['peak_deceleration_g']['p50']:.2f}"}
    for label, p50 in expect.items():
        assert label in rows, label
        assert p50 in rows[label].split(), (label, rows[label])
    for phase in ("Entry", "Parachute", "Touchdown"):
        assert phase in rows
    assert "peak_parachute_load_n" not in text  # human labels; the keys are --json's
    # identical bodies: one row per set, --json keeps every body
    assert text.count("masses ×6") == 2  # the ellipses and what they hold
    assert "entry balance mass 3" not in text and "entry_balance_mass_3" not in text
    assert "entry_balance_mass_3" in s["debris_ellipses"]


# ---------------------------------------------------------------------------------------------- chute read
@pytest.mark.parametrize(("photo", "width", "through_pty"),
                         [("nasa_up_look_frame.png", 80, True), ("overlay_composite.png", 120, False)])
def test_chute_read_names_each_unknown_character_once(shared_data, photo, width, through_pty):
    path = shared_data / "chute" / photo
    text = run(width, through_pty, "chute", "read", str(path))
    check_fits(text, width)
    from marsedl.chute.read import read

    unknown = read(path).to_dict()["unknown"]  # what --json prints
    assert f"Unknown characters: {len(unknown)} " in text
    assert ": candidates " not in text  # the decoder's per-character remarks are not repeated as notes
    for u in unknown:
        if u["ring"] < 3:
            where = f"word {u['ring'] + 1}, letter {u['index'] + 1}"
            assert text.count(where) == 1, where
        if u["candidates"]:
            assert u["candidates"][0] in text
    # the few best candidates, not all of them: at most three probabilities on a line
    assert all(len(re.findall(r"\(\d\.\d\d", line)) <= 3 for line in text.splitlines())


# -------------------------------------------------------------------------------------------------- fmt rules
def test_units_have_fixed_decimals_and_no_scientific_notation():
    assert fmt.ALTITUDE(11_150.4) == "11.15" and fmt.ALTITUDE(980.0) == "0.98"
    assert fmt.FORCE(121_400.0) == "121" and fmt.FORCE(1_234_567.0) == "1,235"
    assert fmt.DISTANCE(835.2) == "835" and fmt.DISTANCE(48_909.0) == "48,909"
    assert fmt.LANDING_SPEED(0.7497) == "0.75" and fmt.ACCEL(10.2649) == "10.26"
    assert fmt.DISTANCE(-0.3) == "0" and fmt.DISTANCE(None) == "-" and fmt.DISTANCE(float("nan")) == "-"
    assert fmt.unit_of("parachute_deploy_alt_agl_m") is fmt.ALTITUDE
    assert fmt.unit_of("peak_parachute_load_n") is fmt.FORCE
    assert fmt.unit_of("touchdown_vertical_speed_m_s") is fmt.LANDING_SPEED
    assert fmt.unit_of("deploy_q_pa") is fmt.PRESSURE and fmt.unit_of("miss_cross_m") is fmt.DISTANCE
    for x in (1.5e4, 2.5e-5, 0.01973, 123_456.0):
        assert "e" not in fmt.significant(x).lower()
    assert fmt.significant(0.019734) == "0.01973" and fmt.significant(200.0) == "200"


def test_identical_bodies_form_sets_in_first_seen_order():
    names = ["cruise_balance_mass_2", "cruise_balance_mass_1", "entry_balance_mass_5", "heat_shield",
             "entry_balance_mass_1", "backshell", "parachute_1"]
    assert fmt.body_sets(names) == [
        ("cruise balance masses ×2", ["cruise_balance_mass_2", "cruise_balance_mass_1"]),
        ("entry balance masses ×2", ["entry_balance_mass_5", "entry_balance_mass_1"]),
        ("heat shield", ["heat_shield"]), ("backshell", ["backshell"]), ("parachute 1", ["parachute_1"])]


def test_a_narrow_console_drops_optional_columns_not_digits():
    from rich.console import Console

    cols = [fmt.Col("body", name=True), fmt.Col("a"), fmt.Col("b", drop=2), fmt.Col("c", drop=1)]
    rows = [("entry balance masses ×6", "1,234,567.89", "9,876,543.21", "5,555,555.55")]
    wide = Console(width=120, file=open(os.devnull, "w"))  # noqa: SIM115
    narrow = Console(width=40, file=open(os.devnull, "w"))  # noqa: SIM115
    assert fmt.fit_table(wide, None, cols, rows)[1] == [0, 1, 2, 3]
    table, keep = fmt.fit_table(narrow, None, cols, rows)
    assert keep == [0, 1, 3]  # "b" (drop=2) goes first
    with narrow.capture() as cap:
        narrow.print(table)
    assert "1,234,567.89" in cap.get() and "5,555,555.55" in cap.get() and "…" not in cap.get()
