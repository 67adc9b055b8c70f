"""Any planet, any body (marsedl.body): user-defined planets and bodies through `marsedl simulate --preset-file`,
checked against analytic solutions and geodesy identities."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from marsedl.cli import app
from marsedl.errors import MarsEDLError
from marsedl.flight import prepare, simulate
from marsedl.planet import MARS, planet_from_data

runner = CliRunner()

MARS_DROP = """
kind = "body"
name = "mars_drop"
[planet]
name = "mars"
j2 = 0.0
rotation_rate_rad_s = 0.0
[atmosphere]
model = "exponential"
[body]
mass_kg = 10.0
reference_area_m2 = 0.1
cd = {cd}
[initial]
lat_deg = 18.0
lon_deg = 77.0
altitude_m = 10000.0
ground_altitude_m = -2000.0
[integration]
dt_s = 0.05
max_time_s = 600.0
"""


def _write(tmp_path, text, name="body.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_mars_vacuum_drop_meets_energy_conservation(tmp_path):
    """No drag, no J2, no rotation: the impact speed is sqrt(2 GM (1/r_ground - 1/r_0)) exactly (1/R² field)."""
    p = _write(tmp_path, MARS_DROP.format(cd=0.0))
    r = simulate(None, preset_file=p)
    assert r.outcome == "impact"
    (hit,) = r.impacts
    cfg = prepare(None, preset_file=p).config
    r0 = cfg.site.areoid_radius_m + 10000.0
    rg = cfg.site.areoid_radius_m - 2000.0
    v = math.sqrt(2 * MARS.gm_m3_s2 * (1 / rg - 1 / r0))
    assert hit.speed_m_s == pytest.approx(v, rel=1e-7)
    # and straight down: no rotation, no lift, no wind
    assert hit.lat_deg == pytest.approx(18.0, abs=1e-9) and hit.lon_deg == pytest.approx(77.0, abs=1e-9)


def test_mars_drop_with_drag_reaches_terminal_velocity(tmp_path):
    """A light, draggy body falls at its terminal speed sqrt(2 m g / (rho C_D A)) near the ground. (It lags the
    local terminal speed, which falls as the air thickens, by about v_t² / (2 g H) ≈ 0.3 % at 15 m/s.)"""
    p = _write(tmp_path, MARS_DROP.format(cd=1.0).replace("mass_kg = 10.0", "mass_kg = 0.05")
               .replace("max_time_s = 600.0", "max_time_s = 5000.0"))
    r = simulate(None, preset_file=p)
    (hit,) = r.impacts
    cfg = prepare(None, preset_file=p).config
    rho = 0.0140 * math.exp(2000.0 / 11.1e3)  # the exponential model at -2 km MOLA (atmosphere.registry)
    rg = cfg.site.areoid_radius_m - 2000.0
    g = MARS.gm_m3_s2 / rg**2
    v_t = math.sqrt(2 * 0.05 * g / (rho * 1.0 * 0.1))
    assert hit.speed_m_s == pytest.approx(v_t, rel=0.006)


def test_earth_geodesy_round_trip_and_radius():
    """Planetodetic latitude <-> position on WGS-84: round trip to 1e-12 rad, and the point on the ellipsoid has
    the ellipsoid's radius at its planetocentric latitude, tan(lat_c) = (b/a)² tan(lat_d)."""
    earth = planet_from_data("earth")
    lat = np.radians([-89.0, -45.0, 0.0, 10.0, 45.0, 60.0, 89.5])
    for h in (0.0, 9144.0, 400e3):
        r = earth.position_m(lat, np.radians(30.0), h)
        assert np.allclose(earth.latitude_rad(r), lat, atol=1e-12, rtol=0)
    r = earth.position_m(lat, 0.0, 0.0)
    lat_c = np.arctan((earth.polar_radius_m / earth.equatorial_radius_m) ** 2 * np.tan(lat))
    assert np.allclose(np.linalg.norm(r, axis=1), earth.ellipsoid_radius_m(lat_c), rtol=1e-13)
    assert earth.flattening == pytest.approx(1 / 298.257223563, rel=1e-12)  # WGS-84, TR8350.2


def test_planet_overrides_and_mars_unchanged():
    assert planet_from_data("mars") == MARS
    round_earth = planet_from_data("earth", flattening=0.0, j2=0.0)
    assert round_earth.polar_radius_m == round_earth.equatorial_radius_m and round_earth.j2 == 0.0


def test_simulate_cli_flies_an_earth_body_and_writes_its_history(tmp_path):
    out = tmp_path / "drop.csv"
    res = runner.invoke(app, ["simulate", "--preset-file", "examples/nesc/atmos_06_ellipsoid_no_wind.toml",
                              "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["outcome"] == "stopped" and data["events"][-1]["time_s"] == pytest.approx(30.0)
    import pandas as pd

    df = pd.read_csv(out)
    assert {"altitude_mola_m", "lat_deg", "lon_deg", "mach", "dynamic_pressure_pa"} <= set(df.columns)
    assert df["time_s"].max() == pytest.approx(30.0)


@pytest.mark.parametrize(("edit", "field"), [
    (("cd = 0.0", "cd = -1"), "body.cd"),
    (('name = "mars"', 'name = "pluto"'), "planet"),
    (("altitude_m = 10000.0", "altitude_m = 1e9"), "initial.altitude_m"),
    (("mass_kg = 10.0", "mass_kg = 0"), "body.mass_kg"),
    (("cd = 0.0", "cd = 0.1\ncd_mach = [0, 1]\ncd_values = [1, 2]"), "body"),
])
def test_bad_body_presets_get_one_line(tmp_path, edit, field):
    p = _write(tmp_path, MARS_DROP.format(cd=0.0).replace(*edit))
    res = runner.invoke(app, ["simulate", "--preset-file", str(p)])
    assert isinstance(res.exception, MarsEDLError)  # what `marsedl` prints as one line, exit 2
    message = str(res.exception)
    assert field in message and "\n" not in message


def test_montecarlo_refuses_a_body_preset(tmp_path):
    p = _write(tmp_path, MARS_DROP.format(cd=0.0))
    proc = subprocess.run([sys.executable, "-m", "marsedl", "montecarlo", "--preset-file", str(p), "-n", "2"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "not an EDL mission" in proc.stderr and "Traceback" not in proc.stderr


def test_a_body_from_python_data_over_a_geodetic_earth():
    """`marsedl.simulate(mission={...})`: a 1 kg ball dropped from 1 km at 45° N lands near its sea-level terminal
    speed sqrt(2 m g / (rho C_D A)) = 56.6 m/s (rho 1.225 kg/m³, g 9.806 m/s²), deflected east by the Coriolis
    force by less than a vacuum drop of the same duration would be, ω g t³ cos φ / 3."""
    import marsedl

    r = marsedl.simulate(mission={
        "kind": "body", "name": "ball", "planet": {"name": "earth"},
        "body": {"mass_kg": 1.0, "reference_area_m2": 0.01, "cd": 0.5},
        "initial": {"lat_deg": 45.0, "lon_deg": 10.0, "altitude_m": 1000.0}})
    (hit,) = r.impacts
    assert r.outcome == "impact"
    assert hit.speed_m_s == pytest.approx(math.sqrt(2 * 9.806 / (1.225 * 0.5 * 0.01)), rel=0.01)
    earth = planet_from_data("earth")
    east_m = math.radians(hit.lon_deg - 10.0) * earth.equatorial_radius_m * math.cos(math.radians(45.0))
    vacuum_m = earth.rotation_rate_rad_s * 9.806 * hit.time_s**3 * math.cos(math.radians(45.0)) / 3.0
    assert 0.0 < east_m < vacuum_m
    assert abs(math.radians(hit.lat_deg - 45.0)) * earth.equatorial_radius_m < 0.1 * vacuum_m


def test_simulate_prints_a_body_as_a_flight_not_as_an_edl(tmp_path):
    p = _write(tmp_path, MARS_DROP.format(cd=0.0))
    res = runner.invoke(app, ["simulate", "--preset-file", str(p)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "hit the ground at" in res.output and "planet: Mars" in res.output
    assert "peak deceleration" not in res.output and "touchdown" not in res.output
