"""AtmosphereGrid: accuracy against its source model, row selection, extrapolation, dispersions."""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.atmosphere import AtmosphereGrid, ExponentialAtmosphere, GlennAtmosphere, mars2020_reconstruction
from marsedl.errors import MarsEDLError


def test_grid_is_exact_for_exponential():
    atm = ExponentialAtmosphere(0.014, 11.1e3)
    grid = AtmosphereGrid.from_atmosphere(atm)
    assert grid.h_min_m == -10e3 and grid.h_max_m == pytest.approx(200e3) and grid.n_alt == 2101
    h = np.random.default_rng(0).uniform(-10e3, 200e3, 1000)
    np.testing.assert_allclose(grid.evaluate(h).density_kg_m3, atm.density(h), rtol=1e-10)
    # above h_max: continues with the top scale height (exactly the model here); below h_min likewise
    x = np.array([-20e3, 250e3, 400e3])
    np.testing.assert_allclose(grid.evaluate(x).density_kg_m3, atm.density(x), rtol=1e-9)


def test_grid_matches_models_within_interpolation_bound():
    # Linear interpolation of ln(rho): error <= dh^2/8 max|(ln rho)''|. GRC: ln(rho) = ln p - ln T + c with
    # ln p linear, so (ln rho)'' = (T'/T)^2 <= (0.00222 / 234)^2 ~ 1e-10 /m^2 -> 100^2/8 * 1e-10 ~ 1.3e-7.
    # At the 120 K floor (a kink) the bound is dh/4 * |jump of T'/T| = 25 * 0.000998/120 ~ 2e-4. At 7 km the
    # GRC temperature itself jumps by ~1 K (0.4 % in density), which no interpolation can follow: skip 100 m.
    atm = GlennAtmosphere()
    grid = AtmosphereGrid.from_atmosphere(atm)
    h = np.random.default_rng(1).uniform(-10e3, 200e3, 5000)
    rel = np.abs(grid.evaluate(h).density_kg_m3 / atm.density(h) - 1)
    away = np.abs(h - 7e3) > 100
    assert rel[away].max() < 2.5e-4
    smooth = away & (np.abs(h - 122.3e3) > 100)
    assert rel[smooth].max() < 2e-7
    # tables: at grid nodes exact; in between, the log-linear kink bound dh/4 * |d(1/H)| (< 1e-3 for Mars)
    m20 = mars2020_reconstruction()
    g20 = AtmosphereGrid.from_atmosphere(m20)
    s_grid, s_model = g20.evaluate(h), m20.evaluate(h)
    assert np.max(np.abs(s_grid.density_kg_m3 / s_model.density_kg_m3 - 1)) < 1e-3
    assert np.max(np.abs(s_grid.temperature_k - s_model.temperature_k)) < 0.5
    assert np.max(np.abs(s_grid.wind_east_m_s - s_model.wind_east_m_s)) < 0.5


def test_rows_pick_the_right_profile_and_factors_apply():
    a = ExponentialAtmosphere(0.01, 10e3, temperature_k=200.0)
    b = ExponentialAtmosphere(0.02, 8e3, temperature_k=150.0)
    grid = AtmosphereGrid.stack([AtmosphereGrid.from_atmosphere(a), AtmosphereGrid.from_atmosphere(b)])
    assert grid.n_rows == 2 and grid.names == ["exponential", "exponential"]
    h = np.array([[0.0, 5e3, 33e3], [0.0, 5e3, 33e3]])
    rows = np.array([[0, 1, 0], [1, 0, 1]])
    s = grid.evaluate(h, rows)
    expect = np.where(rows == 0, a.density(h), b.density(h))
    np.testing.assert_allclose(s.density_kg_m3, expect, rtol=1e-10)
    np.testing.assert_allclose(s.temperature_k, np.where(rows == 0, 200.0, 150.0))
    f = np.array([1.0, 1.5, 0.5])
    s2 = grid.evaluate(h, rows, density_factor=f)
    np.testing.assert_allclose(s2.density_kg_m3, expect * f, rtol=1e-10)
    np.testing.assert_allclose(s2.pressure_pa, s.pressure_pa * f, rtol=1e-10)
    np.testing.assert_allclose(s2.temperature_k, s.temperature_k)
    # scalar row broadcast
    assert grid.evaluate(h, 1).density_kg_m3.shape == h.shape


def test_row_errors():
    grid = AtmosphereGrid.stack([AtmosphereGrid.from_atmosphere(GlennAtmosphere())] * 3)
    with pytest.raises(MarsEDLError, match="0..2"):
        grid.evaluate(np.zeros(2), np.array([0, 3]))
    with pytest.raises(MarsEDLError, match="rows is required"):
        grid.evaluate(np.zeros(2))
    other = AtmosphereGrid.from_atmosphere(GlennAtmosphere(), dh_m=50.0)
    with pytest.raises(MarsEDLError, match="grid 1"):
        AtmosphereGrid.stack([grid, other])


def test_never_nan_or_negative_far_out():
    grid = AtmosphereGrid.from_atmosphere(mars2020_reconstruction())
    h = np.array([-1e5, -10e3, 0.0, 199.9e3, 200e3, 1e6, 1e9])
    s = grid.evaluate(h)
    for f in s._fields:
        assert np.all(np.isfinite(getattr(s, f))), f
    assert np.all(s.density_kg_m3 >= 0) and np.all(np.diff(s.density_kg_m3) <= 0)
    assert s.density_kg_m3[-1] == 0.0  # underflows to zero, not NaN
