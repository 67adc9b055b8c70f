"""Analytic models, tables, CSV and blending."""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.atmosphere import (
    BlendedAtmosphere,
    ExponentialAtmosphere,
    GlennAtmosphere,
    TableAtmosphere,
    hydrostatic_pressure,
)
from marsedl.errors import MarsEDLError

R = 188.9


def test_exponential_is_exact():
    atm = ExponentialAtmosphere(0.02, 11.1e3, temperature_k=210.0, reference_altitude_m=1000.0)
    h = np.array([[1000.0, 12100.0], [-10100.0, 123100.0]])
    s = atm.evaluate(h)
    assert s.density_kg_m3.shape == (2, 2)
    np.testing.assert_allclose(
        s.density_kg_m3, [[0.02, 0.02 / np.e], [0.02 * np.e, 0.02 * np.exp(-11)]], rtol=1e-14
    )
    np.testing.assert_allclose(s.pressure_pa, s.density_kg_m3 * R * 210.0, rtol=1e-14)
    np.testing.assert_allclose(s.sound_speed_m_s, np.sqrt(1.29 * R * 210.0))
    assert np.all(s.wind_east_m_s == 0) and np.all(s.wind_north_m_s == 0)


def test_exponential_default_temperature_is_hydrostatic():
    # T = g H / R makes dp/dh = -rho g exactly (g = 3.71 m/s^2, fact sheet)
    atm = ExponentialAtmosphere(0.014, 11.1e3)
    assert atm.temperature_k == pytest.approx(3.71 * 11.1e3 / R)
    h = np.array([5e3])
    dp = (atm.evaluate(h + 1).pressure_pa - atm.evaluate(h - 1).pressure_pa) / 2
    assert dp[0] == pytest.approx(-atm.evaluate(h).density_kg_m3[0] * 3.71, rel=1e-6)


@pytest.mark.parametrize(
    "bad", [dict(rho0_kg_m3=-1.0, scale_height_m=1e4), dict(rho0_kg_m3=0.01, scale_height_m=0)]
)
def test_exponential_rejects_bad_parameters(bad):
    with pytest.raises(MarsEDLError):
        ExponentialAtmosphere(**bad)


def test_glenn_formulas_by_hand():
    s = GlennAtmosphere().evaluate(np.array([0.0, 5000.0, 7000.0, 20000.0, 300e3]))
    # h = 0: T = -23.4 C = 249.7 K; p = 0.699 kPa; rho = 0.699 / (0.1921 * 249.7)
    assert s.temperature_k[0] == pytest.approx(249.7)
    assert s.pressure_pa[0] == pytest.approx(699.0)
    assert s.density_kg_m3[0] == pytest.approx(0.699 / (0.1921 * 249.7))
    # h = 5000: T = -23.4 - 11.1 = -34.5 C; p = 0.699 exp(-0.45)
    assert s.temperature_k[1] == pytest.approx(273.1 - 34.5)
    assert s.pressure_pa[1] == pytest.approx(699.0 * np.exp(-0.45))
    # h = 7000 uses the upper segment: -31 - 6.986 C
    assert s.temperature_k[2] == pytest.approx(273.1 - 31 - 6.986)
    # h = 20 km: T = -50.96 C; rho from the page's formula
    p20 = 0.699 * np.exp(-1.8)
    assert s.density_kg_m3[3] == pytest.approx(p20 / (0.1921 * (273.1 - 50.96)))
    # far above: temperature floor, still positive and finite
    assert s.temperature_k[4] == pytest.approx(120.0)
    assert np.all(np.isfinite(s.density_kg_m3)) and np.all(s.density_kg_m3 > 0)
    np.testing.assert_allclose(s.sound_speed_m_s**2, 1.29 * s.pressure_pa / s.density_kg_m3)


def _table():
    h = np.array([0.0, 10e3, 20e3, 40e3])
    rho = np.array([0.015, 0.006, 0.002, 2e-4])
    t = np.array([230.0, 200.0, 180.0, 150.0])
    return TableAtmosphere(h, rho, temperature=t, wind_east=[0, 10, 20, 0], wind_north=[1, 1, 1, 1])


def test_table_exact_at_nodes_and_log_linear_between():
    tab = _table()
    s = tab.evaluate(tab.altitude_m)
    np.testing.assert_allclose(s.density_kg_m3, [0.015, 0.006, 0.002, 2e-4], rtol=1e-14)
    np.testing.assert_allclose(s.temperature_k, [230, 200, 180, 150])
    # derived columns: p = rho R T, a = sqrt(gamma R T)
    np.testing.assert_allclose(s.pressure_pa, s.density_kg_m3 * R * s.temperature_k, rtol=1e-14)
    np.testing.assert_allclose(s.sound_speed_m_s, np.sqrt(1.29 * R * s.temperature_k))
    mid = tab.evaluate(np.array([5e3, 30e3]))
    np.testing.assert_allclose(mid.density_kg_m3, [np.sqrt(0.015 * 0.006), np.sqrt(0.002 * 2e-4)], rtol=1e-12)
    np.testing.assert_allclose(mid.temperature_k, [215.0, 165.0])
    np.testing.assert_allclose(mid.wind_east_m_s, [5.0, 10.0])


def test_table_extrapolation_is_exponential_and_positive():
    # an exactly exponential table extrapolates exactly
    h = np.linspace(0, 50e3, 6)
    tab = TableAtmosphere(h, 0.02 * np.exp(-h / 9e3), temperature=np.full(6, 200.0))
    x = np.array([-8e3, 80e3, 300e3])
    np.testing.assert_allclose(tab.evaluate(x).density_kg_m3, 0.02 * np.exp(-x / 9e3), rtol=1e-9)
    # noisy top (density rising): falls back to a decaying isothermal tail
    noisy = TableAtmosphere([0, 1e3, 2e3], [0.01, 0.009, 0.0095], temperature=[200, 200, 200])
    d = noisy.evaluate(np.array([2e3, 1e5, 1e6])).density_kg_m3
    assert np.all(np.diff(d) < 0) and np.all(d >= 0) and np.all(np.isfinite(d))


def test_table_derives_temperature_from_pressure_and_hydrostatic():
    h = np.linspace(0, 60e3, 61)
    rho = 0.015 * np.exp(-h / 10e3)
    t_true = 180.0
    tab = TableAtmosphere(h, rho, pressure=rho * R * t_true)
    np.testing.assert_allclose(tab.temperature_k, t_true)
    # density only: hydrostatic; an isothermal exponential layer has T = g H / R (g varies with h: ~3%)
    dens_only = TableAtmosphere(h, rho)
    g = 4.282837e13 / (3389.5e3 + h) ** 2
    np.testing.assert_allclose(dens_only.temperature_k[:40], (g * 10e3 / R)[:40], rtol=0.02)


def test_hydrostatic_pressure_exact_for_exponential_constant_g():
    h = np.linspace(0, 100e3, 101)
    rho = 0.02 * np.exp(-h / 8e3)
    p = hydrostatic_pressure(h, rho, np.full(h.size, 3.7))
    np.testing.assert_allclose(p, rho * 3.7 * 8e3, rtol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(altitude_m=[0.0], density=[0.01]), "at least 2 rows"),
        (dict(altitude_m=[0.0, 1e3, 1e3], density=[0.01, 0.009, 0.008]), "row 2"),
        (dict(altitude_m=[0.0, 1e3], density=[0.01, -1.0]), "density row 1"),
        (dict(altitude_m=[0.0, 1e3], density=[0.01, 0.009], temperature=[200.0, 0.0]), "temperature row 1"),
        (dict(altitude_m=[0.0, 1e3], density=[0.01, 0.009, 0.008]), "density has 3 rows"),
    ],
)
def test_table_validation_names_the_problem(kwargs, match):
    with pytest.raises(MarsEDLError, match=match):
        TableAtmosphere(**kwargs)


def test_csv_round_trip(tmp_path):
    tab = _table()
    path = tmp_path / "atm.csv"
    tab.to_csv(path)
    back = TableAtmosphere.from_csv(path)
    x = np.linspace(-5e3, 60e3, 50)
    a, b = tab.evaluate(x), back.evaluate(x)
    for f in a._fields:
        np.testing.assert_allclose(getattr(b, f), getattr(a, f), rtol=1e-12, atol=1e-12)


def test_csv_km_and_comments_and_empty_cells(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        "# my source line\naltitude_km,density_kg_m3,temperature_k,pressure_pa\n"
        "0,0.015,230,\n10,0.006,,100\n20,0.002,180,\n"
    )
    tab = TableAtmosphere.from_csv(path)
    assert tab.source == "my source line"
    np.testing.assert_allclose(tab.altitude_m, [0, 10e3, 20e3])
    assert tab.temperature_k[1] == pytest.approx(100 / (0.006 * R))  # from the given pressure
    assert tab.pressure_pa[0] == pytest.approx(0.015 * R * 230)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("altitude_m,density_kg_m3,colour\n0,1,2\n", "unknown column 'colour'"),
        ("altitude_m,temperature_k\n0,200\n1,200\n", "missing required column density_kg_m3"),
        ("altitude_m,density_kg_m3\n0,0.01\n1000,abc\n", "line 3: density_kg_m3 'abc' is not a number"),
        ("altitude_m,density_kg_m3\n0,0.01\n1000\n", "line 3"),
        ("altitude_m,density_kg_m3\n1000,0.01\n0,0.02\n", "increase"),
        ("# nothing\n", "no header"),
    ],
)
def test_malformed_csv_errors(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(MarsEDLError, match=match) as exc:
        TableAtmosphere.from_csv(path)
    assert "\n" not in str(exc.value)


def test_missing_csv_file(tmp_path):
    with pytest.raises(MarsEDLError, match="not found"):
        TableAtmosphere.from_csv(tmp_path / "nope.csv")


def test_blend_is_pure_outside_band_and_smooth_inside():
    lower = ExponentialAtmosphere(0.02, 10e3, temperature_k=200.0)
    upper = ExponentialAtmosphere(0.02 * np.exp(-5), 8e3, temperature_k=150.0, reference_altitude_m=50e3)
    blend = BlendedAtmosphere(lower, upper, 40e3, 60e3)
    np.testing.assert_allclose(blend.density(np.array([0, 40e3])), lower.density(np.array([0, 40e3])))
    np.testing.assert_allclose(blend.density(np.array([60e3, 90e3])), upper.density(np.array([60e3, 90e3])))
    h = np.linspace(30e3, 70e3, 4001)
    lr = np.log(blend.density(h))
    slope = np.diff(lr) / np.diff(h)
    assert np.all(slope < 0)  # monotonic
    # no kink: a kink would change the slope by |1/10 km - 1/8 km| in one 10 m step; smoothstep spreads it
    assert np.max(np.abs(np.diff(slope))) < 0.01 * abs(1 / 10e3 - 1 / 8e3)
    assert blend.evaluate(np.array([50e3])).temperature_k[0] == pytest.approx(175.0)
    with pytest.raises(MarsEDLError):
        BlendedAtmosphere(lower, upper, 60e3, 40e3)
