"""The Gauss-Markov recursion against SciPy's IIR filter of the same process (an independent implementation)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

from marsedl.laws import gauss_markov_rows


@pytest.mark.parametrize("phi", [0.0, 0.3, 0.9394, 0.999])
def test_rows_are_scipys_filter_of_the_same_process(phi):
    rng = np.random.default_rng(11)
    e = rng.standard_normal((7, 421))
    b = np.sqrt(1.0 - phi * phi)
    start = e.copy()
    start[:, 0] /= b  # lfilter's first output is b e_0: scaled so that it starts at e_0 (the stationary start)
    want = lfilter([b], [1.0, -phi], start, axis=1)
    np.testing.assert_allclose(gauss_markov_rows(e, phi), want, rtol=1e-12, atol=1e-12)


def test_stationary_unit_variance_and_correlation():
    """Over many rows, every sample has unit variance and samples k apart correlate as phi**k."""
    rng = np.random.default_rng(5)
    phi = 0.8
    x = gauss_markov_rows(rng.standard_normal((40_000, 30)), phi)
    np.testing.assert_allclose(x.var(axis=0), 1.0, atol=0.03)
    for k in (1, 3, 10):
        assert np.mean(x[:, 5] * x[:, 5 + k]) == pytest.approx(phi**k, abs=0.02)
