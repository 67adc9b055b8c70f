"""NASA's NESC atmospheric check-cases (NASA/TM-2015-218675), flown by the engine from the presets in
``examples/nesc/`` and compared with every simulator's published time history (down-sampled to whole seconds in
``tests/data/nesc/`` by ``scripts/nesc_data.py``): each quantity must stay within the simulators' own spread
about their median (plus a resolution floor; see :mod:`marsedl.verification`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from marsedl.verification import QUANTITIES, check_case

REPO = Path(__file__).resolve().parents[1]
CASES = {
    "01": "atmos_01_dropped_sphere.toml",
    "04": "atmos_04_round_earth_no_rotation.toml",
    "05": "atmos_05_round_earth_rotation.toml",
    "06": "atmos_06_ellipsoid_no_wind.toml",
    "07": "atmos_07_steady_wind.toml",
    "09": "atmos_09_eastward_cannonball.toml",
}


def _fly(case: str, overrides: list[str] | None = None):
    preset = REPO / "examples" / "nesc" / CASES[case]
    sims = pd.read_csv(REPO / "tests" / "data" / "nesc" / f"atmos_{case}.csv", dtype={"sim": str})
    flown = check_case(preset, sims, overrides)
    return flown.result, flown.comparisons


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_case_within_the_simulators_spread(case):
    result, checks = _fly(case)
    assert result.outcome == "stopped"  # flown the 30 s of the case, never through the ground
    compared = {c.quantity for c in checks}
    assert {"altitude_m", "lat_deg", "lon_deg", "v_north_m_s", "v_east_m_s", "v_down_m_s", "mach"} <= compared
    assert compared <= set(QUANTITIES)
    bad = [f"{c.quantity}: miss {c.worst_miss:.3g} vs spread {c.spread:.3g}" for c in checks if not c.passed]
    assert not bad, bad


def test_the_check_fails_without_j2():
    """The comparison can fail: case 6 without its J2 term falls several metres away from every simulator."""
    _, checks = _fly("06", ["planet.j2=0"])
    alt = next(c for c in checks if c.quantity == "altitude_m")
    assert not alt.passed and alt.worst_miss > 1.0


def test_the_check_fails_without_the_wind():
    """Case 7 flown in still air misses the simulators' Mach (the 20 ft/s wind is most of the airspeed early)."""
    _, checks = _fly("07", ["atmosphere.wind_east_m_s=0"])
    assert not next(c for c in checks if c.quantity == "mach").passed
