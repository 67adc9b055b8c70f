"""Ellipses that hold what they claim: empirical scaling, containment with binomial intervals, bootstrap axes.

A Monte Carlo ellipse has the centre, shape and orientation of the points' mean and sample covariance ``S``; its
size is a Mahalanobis radius ``k``: the points with ``d^2 = (x - m)^T S^-1 (x - m) <= k^2`` are inside, and the
semi-axes are ``k sqrt(lambda_i)`` (``lambda_i`` the eigenvalues of ``S``). Two ways to choose ``k`` for a
probability ``P``:

- ``empirical`` (the default): ``k^2`` is the smallest ``d^2`` of a point such that at least ``ceil(P n)`` of the
  ``n`` points are inside (the ``inverted_cdf`` sample quantile of ``d^2``). It holds ``P`` of the cases
  whatever the distribution's shape: touchdown scatter is far from Gaussian (heavy tails), and there the
  Gaussian ellipse holds less than it says.
- ``gaussian``: ``k^2 = chi2_2(P) = -2 ln(1 - P)``, right only for normally distributed points.

Either way the ellipse's **containment** is counted (cases inside / cases) and given with its Clopper-Pearson
interval (``scipy.stats.binomtest(...).proportion_ci(method="exact")``): the range of true probabilities that
the count is compatible with.

**Bootstrap** of the semi-axes (how much they would move with another seed): ``BOOTSTRAP_RESAMPLES`` resamples of
the run's cases, drawn with replacement from a generator seeded ``SeedSequence(seed, spawn_key=(BOOTSTRAP_STREAM,))``
(recorded; no case's own generator has that key), shared by every ellipse of the run (a resample is a set of
cases; each ellipse uses the resampled cases that have its point). The interval is the percentile interval of the
resampled axes. It is vectorised: a resample is a row of counts, the weighted sums give the covariance, and the
weighted quantile of ``d^2`` only sorts each row's largest values (the tail that holds the quantile), so 1,000
resamples of 10,000 cases take a fraction of a second per ellipse.

**Percentiles** of the metrics get the distribution-free order-statistic interval (``scipy.stats.quantile_test``
's ``confidence_interval``): ``[x_(l), x_(u)]`` with ``l, u`` from the binomial distribution of the number of cases
below the true percentile. It is what a bootstrap of a sample percentile approximates, with exact (conservative)
coverage for any continuous distribution and no resampling; where the run is too small to bound a tail percentile
(e.g. p99 of 100 cases) that side is ``None``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from marsedl.errors import MarsEDLError

__all__ = ["BOOTSTRAP_RESAMPLES", "BOOTSTRAP_STREAM", "CONFIDENCE", "METHODS", "PlaneEllipse", "bootstrap_axes",
           "bootstrap_generator", "bootstrap_samples", "check_method", "containment", "fit_ellipse", "needed_inside",
           "percentile_interval"]

#: Ellipse sizing methods (``--ellipse``).
METHODS = ("empirical", "gaussian")
#: Resamples of the axis bootstrap (capped for speed; each end of a 95 % interval is then known to about 2 % of the
#: interval's width, one standard error).
BOOTSTRAP_RESAMPLES = 1000
#: Confidence level of every interval the summary gives (containment, axes, percentiles).
CONFIDENCE = 0.95
#: spawn_key of the bootstrap's generator (beyond any case index, whose key is ``(i,)``).
BOOTSTRAP_STREAM = 2**63 + 0xB007
#: Resampled values held in memory at once (rows of a block x cases).
_BLOCK_VALUES = 2_000_000


def check_method(method: str) -> str:
    """``method`` if it is one of :data:`METHODS`, else a one-line error naming ``--ellipse``."""
    if method not in METHODS:
        raise MarsEDLError(f"--ellipse '{method}': choose {' or '.join(METHODS)}")
    return method


def chi2_2(probability: float) -> float:
    """Quantile of the chi-square distribution with 2 degrees of freedom: ``-2 ln(1 - P)``."""
    if not 0.0 < probability < 1.0:
        raise MarsEDLError(f"--probability must be between 0 and 1 (exclusive); got {probability}")
    return -2.0 * math.log1p(-probability)


def needed_inside(probability: float, n: np.ndarray | int) -> np.ndarray:
    """Least number of the ``n`` points an empirical ``probability`` ellipse holds: ``ceil(P n)`` (at least 1)."""
    n = np.asarray(n, dtype=float)
    return np.maximum(1.0, np.ceil(probability * n - 1e-9))


def containment(inside: int, cases: int, confidence: float = CONFIDENCE) -> dict[str, float | int | None]:
    """``{"inside", "cases", "fraction", "ci_low", "ci_high", "confidence"}``: cases inside an ellipse and the
    Clopper-Pearson interval of the probability it holds (None for no cases).

    The interval's ends are the Beta quantiles ``B(a/2; k, n - k + 1)`` and ``B(1 - a/2; k + 1, n - k)``
    (Clopper & Pearson 1934), from ``scipy.special.betaincinv``: what ``scipy.stats.binomtest(k, n)
    .proportion_ci(method="exact")`` returns (the tests hold the two equal), without importing ``scipy.stats``
    (about 1 s of a summary's start-up)."""
    from scipy.special import betaincinv

    inside, cases = int(inside), int(cases)
    if cases == 0:
        return {"inside": 0, "cases": 0, "fraction": None, "ci_low": None, "ci_high": None, "confidence": confidence}
    a = 1.0 - confidence
    low = 0.0 if inside == 0 else float(betaincinv(inside, cases - inside + 1, a / 2.0))
    high = 1.0 if inside == cases else float(betaincinv(inside + 1, cases - inside, 1.0 - a / 2.0))
    return {"inside": inside, "cases": cases, "fraction": inside / cases, "ci_low": low,
            "ci_high": high, "confidence": confidence}


def _upper_quantile(d2: np.ndarray, w: np.ndarray, probability: float, total: np.ndarray | None = None) -> np.ndarray:
    """Per row of ``d2`` (weights ``w``, whole numbers): the smallest value ``t`` with at least
    ``ceil(P total)`` of the weight at or below it (``total``: the row's whole weight, default ``w``'s; larger when
    ``d2`` holds only a row's largest values). Only each row's largest values are sorted."""
    rows, m = d2.shape
    total = w.sum(axis=1) if total is None else np.asarray(total, float)
    out_allowed = total - needed_inside(probability, total)  # weight that may lie strictly above t
    k = int(min(m, 2 * out_allowed.max() + 64))
    top = np.argpartition(d2, m - k, axis=1)[:, m - k:] if k < m else np.broadcast_to(np.arange(m), (rows, m))
    v = np.take_along_axis(d2, top, axis=1)
    ww = np.take_along_axis(w, top, axis=1)
    order = np.argsort(-v, axis=1, kind="stable")
    v, ww = np.take_along_axis(v, order, axis=1), np.take_along_axis(ww, order, axis=1)
    c = np.cumsum(ww, axis=1)
    short = c[:, -1] <= out_allowed
    if short.any():  # the top k did not reach the quantile (very uneven weights): sort those rows whole
        full = np.argsort(-d2[short], axis=1, kind="stable")
        vs = np.take_along_axis(d2[short], full, axis=1)
        cs = np.cumsum(np.take_along_axis(w[short], full, axis=1), axis=1)
        t_short = vs[np.arange(vs.shape[0]), np.argmax(cs > out_allowed[short, None], axis=1)]
    t = v[np.arange(rows), np.argmax(c > out_allowed[:, None], axis=1)]
    if short.any():
        t[short] = t_short
    return t


def _axes_of(cxx, cyy, cxy) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (larger, smaller) of 2x2 covariances given by their entries (arrays)."""
    tr = 0.5 * (cxx + cyy)
    s = np.sqrt(0.25 * (cxx - cyy) ** 2 + cxy**2)
    return tr + s, np.maximum(tr - s, 0.0)


@dataclass(frozen=True)
class PlaneEllipse:
    """A probability ellipse of points in a plane (metres east/north).

    Attributes
    ----------
    method : str
        ``empirical`` or ``gaussian``.
    probability : float
        The probability it is drawn for.
    center_m : (float, float)
        Mean point (east, north).
    semi_major_m, semi_minor_m : float
    azimuth_deg : float
        Major axis from north, in [0, 180).
    radius : float
        Its Mahalanobis radius ``k`` (``sqrt(chi2_2(P))`` for a Gaussian one).
    inside : int
        Points inside (``d^2 <= k^2``), of ``cases``.
    cases : int
    """

    method: str
    probability: float
    center_m: tuple[float, float]
    semi_major_m: float
    semi_minor_m: float
    azimuth_deg: float
    radius: float
    inside: int
    cases: int


def fit_ellipse(east_m: np.ndarray, north_m: np.ndarray, probability: float,
                method: str = "empirical") -> tuple[PlaneEllipse, np.ndarray]:
    """The ``method`` ellipse of points (at least 3) and every point's squared Mahalanobis distance ``d^2``."""
    check_method(method)
    x = np.vstack([np.asarray(east_m, float), np.asarray(north_m, float)])
    m = x.mean(axis=1)
    cov = np.cov(x)
    lam, vec = np.linalg.eigh(cov)
    lam = np.maximum(lam, 0.0)
    dx = x - m[:, None]
    try:
        d2 = np.einsum("ij,ij->j", dx, np.linalg.solve(cov, dx))
    except np.linalg.LinAlgError:  # all points on a line: distances along it (the minor axis is then 0)
        d2 = np.einsum("ij,ij->j", dx, np.linalg.pinv(cov) @ dx)
    if method == "gaussian":
        k2 = chi2_2(probability)
    else:
        k2 = float(_upper_quantile(d2[None, :], np.ones((1, d2.size)), probability)[0])
    az = math.degrees(math.atan2(vec[0, 1], vec[1, 1])) % 180.0
    # sqrt(k^2 lambda), as the Gaussian ellipses were always computed: --ellipse gaussian gives them bit for bit
    ell = PlaneEllipse(method=method, probability=probability, center_m=(float(m[0]), float(m[1])),
                       semi_major_m=math.sqrt(k2 * lam[1]), semi_minor_m=math.sqrt(k2 * lam[0]), azimuth_deg=az,
                       radius=math.sqrt(k2), inside=int(np.sum(d2 <= k2)), cases=int(d2.size))
    return ell, d2


@dataclass(frozen=True)
class _Prepared:
    """One ellipse's points ready for the bootstrap (centred at their mean; see :func:`_resampled_axes`)."""

    case: np.ndarray | None  # the points' cases (None: one point per case of the run, in case order)
    basis: np.ndarray  # (m, 6): 1, e, n, e^2, n^2, e n
    cand: np.ndarray  # indices of the points that may hold a resample's quantile (the largest d^2)
    c0: float  # every other point has d^2 < c0 under the full sample's mean and covariance
    cov: tuple[float, float, float]  # the full sample's covariance (xx, yy, xy)


#: Points whose d^2 is among the largest TAIL_FACTOR x (1 - P) of the sample are the candidates for a resample's
#: quantile; a resample for which that cannot be proven (see _resampled_axes) is done over all points.
TAIL_FACTOR = 5.0


def _prepare(case, e, n, n_cases: int, probability: float) -> _Prepared:
    case = np.asarray(case, dtype=np.int64)
    e = np.asarray(e, float) - np.mean(e)
    n = np.asarray(n, float) - np.mean(n)
    basis = np.stack([np.ones_like(e), e, n, e * e, n * n, e * n], axis=1)
    c = np.cov(np.vstack([e, n]))
    ell, d2 = fit_ellipse(e, n, 0.5, "gaussian")
    level = 1.0 - TAIL_FACTOR * (1.0 - probability)
    if level <= 0.0 or not np.all(np.isfinite(d2)):
        cand, c0 = np.arange(e.size), -np.inf
    else:
        c0 = float(np.quantile(d2, level))
        cand = np.flatnonzero(d2 >= c0)
    full = case.size == n_cases and np.array_equal(case, np.arange(n_cases))
    return _Prepared(case=None if full else case, basis=basis, cand=cand, c0=c0,
                     cov=(float(c[0, 0]), float(c[1, 1]), float(c[0, 1])))


def _resampled_axes(prep: _Prepared, counts: np.ndarray, probability: float, method: str) -> np.ndarray:
    """``(rows, 2)`` semi-axes of the ellipse in each resample (rows of ``counts``: how often each case is drawn).

    The empirical radius needs each resample's ``d^2`` only where its quantile can be: at the candidate points.
    Any other point has full-sample ``d^2 < c0``, so under the resample's mean ``m*`` and covariance ``S*`` its
    ``d*^2 <= (sqrt(s c0) + sqrt(d*^2(m)))^2``, ``s`` the largest eigenvalue of ``S*^-1 S``; a resample whose
    quantile is above that bound is exact, the others (rare) are redone over all the points.
    """
    w = counts if prep.case is None else counts[:, prep.case]
    s = w @ prep.basis  # (r, 6): n, sums of e, n, e^2, n^2, e n
    cnt = s[:, 0]
    ok = cnt >= 3
    cnt = np.where(ok, cnt, 3.0)
    me, mn = s[:, 1] / cnt, s[:, 2] / cnt
    cxx = (s[:, 3] - cnt * me * me) / (cnt - 1)
    cyy = (s[:, 4] - cnt * mn * mn) / (cnt - 1)
    cxy = (s[:, 5] - cnt * me * mn) / (cnt - 1)
    # a resample whose points all lie on one line (two distinct cases, say) has no ellipse: its covariance is
    # singular up to round-off, whose sign is chance; it is degenerate, not left to the round-off to decide
    ok &= cxx * cyy - cxy * cxy > 1e-9 * cxx * cyy
    big, small = _axes_of(cxx, cyy, cxy)
    if method == "gaussian":
        k2 = np.full(cnt.shape, chi2_2(probability))
    else:
        # d^2 under each resample's mean and covariance as one product with the basis:
        # (x - m)^T S^-1 (x - m) det S = cyy de^2 - 2 cxy de dn + cxx dn^2, expanded in e, n
        det = cxx * cyy - cxy**2
        with np.errstate(divide="ignore", invalid="ignore"):
            coef = np.stack([cyy * me * me - 2.0 * cxy * me * mn + cxx * mn * mn,
                             -2.0 * cyy * me + 2.0 * cxy * mn, -2.0 * cxx * mn + 2.0 * cxy * me,
                             cyy, cxx, -2.0 * cxy], axis=1) / det[:, None]
            k2 = _upper_quantile(coef @ prep.basis[prep.cand].T, w[:, prep.cand], probability, total=s[:, 0])
            sxx, syy, sxy = prep.cov
            # S*^-1 S = adj(S*) S / det(S*): its largest eigenvalue
            m11 = (cyy * sxx - cxy * sxy) / det
            m22 = (-cxy * sxy + cxx * syy) / det
            m12 = (cyy * sxy - cxy * syy) / det
            m21 = (-cxy * sxx + cxx * sxy) / det
            tr, dm = 0.5 * (m11 + m22), m11 * m22 - m12 * m21
            smax = tr + np.sqrt(np.maximum(tr * tr - dm, 0.0))
            bound = (np.sqrt(smax * max(prep.c0, 0.0)) + np.sqrt(np.maximum(coef[:, 0], 0.0))) ** 2
            redo = ok & ~(k2 > bound * (1.0 + 1e-9)) & (prep.cand.size < prep.basis.shape[0])
            if redo.any():
                k2[redo] = _upper_quantile(coef[redo] @ prep.basis.T, w[redo], probability)
    with np.errstate(invalid="ignore"):  # (the degenerate rows, set to NaN just below)
        axes = np.stack([np.sqrt(k2 * big), np.sqrt(k2 * small)], axis=1)
    axes[~ok] = np.nan
    return axes


def bootstrap_generator(seed: int | None) -> np.random.Generator:
    """The bootstrap's generator for a run seeded ``seed`` (see the module docstring)."""
    return np.random.default_rng(np.random.SeedSequence(int(seed or 0), spawn_key=(BOOTSTRAP_STREAM,)))


def bootstrap_samples(points: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], n_cases: int,
                      probability: float, method: str, seed: int | None,
                      resamples: int = BOOTSTRAP_RESAMPLES) -> dict[str, np.ndarray]:
    """Each ellipse's semi-axes in every resample: ``{name: (resamples, 2)}`` (NaN where a resample holds fewer
    than 3 of its points). Arguments as for :func:`bootstrap_axes`.

    Resample ``j`` draws ``n_cases`` case indices with replacement, ``rng.integers(0, n_cases, (rows, n_cases))``
    in blocks of ``rows`` resamples (fixed by ``n_cases``), from :func:`bootstrap_generator`.
    """
    check_method(method)
    rng = bootstrap_generator(seed)
    rows = max(1, min(resamples, _BLOCK_VALUES // max(1, n_cases)))
    prepared = {name: _prepare(case, e, n, n_cases, probability) for name, (case, e, n) in points.items()
                if np.asarray(case).size >= 3}
    draws: dict[str, list[np.ndarray]] = {name: [] for name in prepared}
    done = 0
    while done < resamples:
        r = min(rows, resamples - done)
        idx = rng.integers(0, n_cases, size=(r, n_cases))
        counts = np.bincount((idx + (np.arange(r) * n_cases)[:, None]).ravel(), minlength=r * n_cases)
        counts = counts.reshape(r, n_cases).astype(float)
        for name, prep in prepared.items():
            draws[name].append(_resampled_axes(prep, counts, probability, method))
        done += r
    return {name: np.concatenate(parts) for name, parts in draws.items()}


def bootstrap_axes(points: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], n_cases: int,
                   probability: float, method: str, seed: int | None, *, resamples: int = BOOTSTRAP_RESAMPLES,
                   confidence: float = CONFIDENCE) -> dict[str, dict[str, list[float]]]:
    """Percentile bootstrap intervals of the semi-axes of several ellipses of one run.

    Parameters
    ----------
    points : dict
        ``{name: (case_index, east_m, north_m)}``: each ellipse's points and the cases (0 .. n_cases - 1) they
        belong to.
    n_cases : int
        Cases of the run (what is resampled: one resample serves every ellipse).
    probability, method
        As for :func:`fit_ellipse`.
    seed : int
        The run seed (the generator is :func:`bootstrap_generator`).
    resamples, confidence : int, float

    Returns
    -------
    dict
        ``{name: {"semi_major_m": [low, high], "semi_minor_m": [low, high]}}`` (an ellipse with fewer than 3
        points in more than a tenth of the resamples is left out).
    """
    alpha = 1.0 - confidence
    out = {}
    for name, a in bootstrap_samples(points, n_cases, probability, method, seed, resamples).items():
        a = a[np.all(np.isfinite(a), axis=1)]
        if a.shape[0] < 0.9 * resamples:
            continue
        lo, hi = np.quantile(a, [alpha / 2, 1 - alpha / 2], axis=0)
        out[name] = {"semi_major_m": [float(lo[0]), float(hi[0])], "semi_minor_m": [float(lo[1]), float(hi[1])]}
    return out


def percentile_interval(sorted_values: np.ndarray, qs: tuple[float, ...],
                        confidence: float = CONFIDENCE) -> list[tuple[float | None, float | None]]:
    """Distribution-free intervals of the quantiles ``qs`` (0..1) from sorted finite values.

    ``[x_(l), x_(u)]`` (0-based ``l = B.ppf(a) - 1``, ``u = B.isf(a)``, ``B`` the binomial distribution of ``n``
    cases with probability ``q``, ``a = (1 - confidence) / 2``): the interval of ``scipy.stats.quantile_test``
    (whose p-value this does not need; the tests hold the two equal), at the cost of one sort per metric. A side
    that ``n`` cases cannot bound is None.
    """
    n = sorted_values.size
    if n == 0:
        return [(None, None) for _ in qs]
    return [(float(sorted_values[lo]) if lo >= 0 else None, float(sorted_values[hi]) if hi < n else None)
            for lo, hi in _order_indices(n, tuple(float(q) for q in qs), float(confidence))]


#: Relative slack when comparing a binomial tail with ``a``: ``(1 - 0.9) / 2`` is 0.04999999999999999, and a tail
#: of exactly 0.05 must count as reaching it (as in ``scipy.stats.binom``'s quantiles).
_TAIL_SLACK = 1e-12


def _first_k(holds, n: int) -> int:
    """Smallest ``k`` in ``0 .. n`` with ``holds(k)`` (a condition false then true as ``k`` grows); ``n + 1`` if
    none: a bisection, ``log2(n)`` evaluations whatever ``n``."""
    lo, hi = 0, n + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if holds(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


@functools.lru_cache(maxsize=64)
def _order_indices(n: int, qs: tuple[float, ...], confidence: float) -> list[tuple[int, int]]:
    """``(l, u)`` per quantile: ``l + 1`` the smallest ``k`` with ``P(X <= k) >= a`` and ``u`` the smallest with
    ``P(X > k) <= a``, for ``X ~ Binomial(n, q)`` (``scipy.special.bdtr``/``bdtrc``: ``binom.ppf`` and
    ``binom.isf`` without importing ``scipy.stats``)."""
    from scipy.special import bdtr, bdtrc

    a = (1.0 - confidence) / 2.0
    out = []
    for q in qs:
        ppf = _first_k(lambda k, q=q: bdtr(k, n, q) >= a * (1.0 - _TAIL_SLACK), n)
        isf = _first_k(lambda k, q=q: bdtrc(k, n, q) <= a * (1.0 + _TAIL_SLACK), n)
        out.append((ppf - 1, isf))
    return out
