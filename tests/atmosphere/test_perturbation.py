"""Gauss-Markov density dispersions: statistics match the process definition."""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.atmosphere import density_perturbation
from marsedl.errors import MarsEDLError


def test_statistics_match_first_order_gauss_markov():
    rng = np.random.default_rng(123)
    sigma, L = 0.1, 5e3
    pert = density_perturbation(rng, 4000, sigma, L, h_min_m=0.0, h_max_m=50e3, dh_m=500.0)
    assert pert.factors.shape == (4000, 101)
    x = np.log(pert.factors)
    # stationary: std of ln(factor) = sigma at every altitude, mean 0 (standard error ~ 0.1/sqrt(4000))
    np.testing.assert_allclose(x.std(axis=0), sigma, rtol=0.06)
    assert np.abs(x.mean(axis=0)).max() < 5 * sigma / np.sqrt(4000)
    # correlation exp(-dh / L) at lags of 500 m, 5 km, 15 km
    for lag, expected in ((1, np.exp(-0.1)), (10, np.exp(-1.0)), (30, np.exp(-3.0))):
        c = np.mean(x[:, :-lag] * x[:, lag:]) / sigma**2
        assert c == pytest.approx(expected, abs=0.03)
    assert np.all(pert.factors > 0)


def test_altitude_dependent_sigma_and_lookup():
    rng = np.random.default_rng(7)
    h = np.arange(0.0, 100e3 + 1, 1e3)
    sigma = np.where(h < 40e3, 0.05, 0.3)
    pert = density_perturbation(rng, 3000, sigma, 8e3, h_min_m=0.0, h_max_m=100e3, dh_m=1e3)
    s = np.log(pert.factors).std(axis=0)
    assert s[:40].mean() == pytest.approx(0.05, rel=0.05) and s[41:].mean() == pytest.approx(0.3, rel=0.05)
    # lookup: exact at nodes, per case
    cases = np.array([0, 5, 2999])
    np.testing.assert_allclose(
        pert.evaluate(np.array([0.0, 10e3, 100e3]), cases), pert.factors[cases, [0, 10, 100]]
    )
    mid = pert.evaluate(np.array([500.0]), np.array([3]))[0]
    assert mid == pytest.approx(0.5 * (pert.factors[3, 0] + pert.factors[3, 1]))


def test_same_seed_same_draws_and_errors():
    a = density_perturbation(np.random.default_rng(1), 3, 0.1, 5e3).factors
    b = density_perturbation(np.random.default_rng(1), 3, 0.1, 5e3).factors
    np.testing.assert_array_equal(a, b)
    with pytest.raises(MarsEDLError):
        density_perturbation(np.random.default_rng(1), 3, 0.1, 0.0)
    with pytest.raises(MarsEDLError):
        density_perturbation(np.random.default_rng(1), 3, -0.1, 5e3)
