"""The first-order Gauss-Markov process of the Monte Carlo's altitude-correlated perturbations (density and wind).

``x_k = phi x_(k-1) + b e_k`` along each row, from white noise ``e``: with ``b = sqrt(1 - phi²)`` and the first
sample ``x_0 = e_0`` the rows are stationary with unit variance, and ``phi = exp(-dh / L)`` gives the process's
correlation ``exp(-|Δh| / L)`` between samples ``Δh`` apart (:mod:`marsedl.atmosphere.perturbation`). This is the
recursion SciPy's ``signal.lfilter([b], [1, -phi], e)`` evaluates (the tests check it against that), compiled
here because every Monte Carlo worker draws it for each case and importing ``scipy.signal`` costs about a second.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from marsedl.laws._jit import JIT


@njit(**JIT)
def gauss_markov_rows(e, phi):
    """Rows (n, m) of the unit-variance first-order Gauss-Markov process with step correlation ``phi`` (0 <= phi
    < 1) from unit normal draws ``e`` (n, m): ``x_0 = e_0``, ``x_k = phi x_(k-1) + sqrt(1 - phi²) e_k``."""
    b = np.sqrt(1.0 - phi * phi)
    x = np.empty_like(e)
    for i in range(e.shape[0]):
        acc = e[i, 0]
        x[i, 0] = acc
        for k in range(1, e.shape[1]):
            acc = b * e[i, k] + phi * acc
            x[i, k] = acc
    return x
