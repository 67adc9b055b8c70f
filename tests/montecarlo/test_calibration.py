"""The built-in dispersion set against the published landing ellipses.

The widths were calibrated (seed 7, 2,000 cases) so that the mars2020 delivery ellipse, at backshell
separation and before the powered descent's divert, matches the published Mars 2020 99 % landing ellipse,
7.7 km x 6.6 km (JPL PIA24350). This test flies another seed, so it checks that the match is a property of the
set and not of one draw (600 cases: an ellipse axis then carries about 3 % sampling error, well inside the
15 % allowed). MSL's published 20 km x 7 km (JPL PIA15686) was not used for the calibration: its width is
checked here; its length is not reached (about 11 km, see README) and is not asserted.
"""

from __future__ import annotations

import pytest

from marsedl.montecarlo import run_montecarlo
from marsedl.montecarlo.stats import ground_ellipse

N, SEED = 600, 2026


def _ellipse_km(preset: str, lat: str, lon: str) -> tuple[float, float]:
    run = run_montecarlo(preset, n=N, seed=SEED, processes=1)
    f = run.frame
    landed = f[f.outcome == "landed"]
    assert len(landed) >= 0.99 * N
    e = ground_ellipse(landed[lat], landed[lon], float(run.manifest["radius_m"]), 0.99)
    return 2 * e["semi_major_km"], 2 * e["semi_minor_km"]


def test_mars2020_delivery_ellipse_matches_the_published_landing_ellipse():
    major, minor = _ellipse_km("mars2020", "backshell_separation_lat_deg", "backshell_separation_lon_deg")
    assert major == pytest.approx(7.7, rel=0.15)
    assert minor == pytest.approx(6.6, rel=0.15)


def test_msl_ellipse_width_matches_the_published_one():
    # the width is set by the winds under the parachute and cross-track navigation, both shared with mars2020
    _, minor = _ellipse_km("msl", "touchdown_lat_deg", "touchdown_lon_deg")
    assert minor == pytest.approx(7.0, rel=0.2)


def test_density_profile_correlation_length_matches_mars_gram(shared_data):
    """The built-in density profile's correlation length against an independent source: the 200 Mars-GRAM Monte
    Carlo profiles at 20 deg N in the test data. Their ln(rho) perturbations (about their mean, 0-40 km) lose
    correlation with altitude lag as exp(-lag / L); the fitted L must be within 25 % of ours. (Their size is not
    ours: 2-5 % below 40 km against our calibrated 7 %, which also carries the error of the mean model; see
    README.)"""
    import numpy as np

    from marsedl.atmosphere.marsgram import MarsGramProfiles
    from marsedl.montecarlo import default_dispersions

    p = MarsGramProfiles.read(shared_data / "marsgram" / "LAT20N.txt")
    h = np.asarray(p.altitude_m)
    sel = (h >= 0.0) & (h <= 40e3)
    x = np.log(np.asarray(p.density_kg_m3)[:, sel] / np.asarray(p.mean_density_kg_m3)[sel])
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    dh = float(np.median(np.diff(h[sel])))
    lags = np.arange(1, int(round(8e3 / dh)) + 1)
    corr = np.array([np.mean(x[:, :-k] * x[:, k:]) for k in lags])
    slope = np.polyfit(lags * dh, np.log(corr), 1)[0]  # ln(corr) = -lag / L
    fitted_km = -1.0 / slope / 1e3
    ours_km = default_dispersions("mars2020")["density_profile"]["correlation_length_km"]
    assert 4.0 < fitted_km < 15.0
    assert ours_km == pytest.approx(fitted_km, rel=0.25)
