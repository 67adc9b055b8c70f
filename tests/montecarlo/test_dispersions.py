"""Dispersion spec validation and seeded draws (no engine)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from marsedl.errors import MarsEDLError
from marsedl.montecarlo import SCALAR_FIELDS, DispersionSpec, default_dispersions, draw_cases, parse_dispersions
from marsedl.montecarlo.dispersions import HARDWARE_FIELDS
from marsedl.montecarlo.sampling import PERTURBATION_GRID_M, case_generator


@pytest.mark.parametrize(("table", "needle"), [
    ({"fpa_deg": {"sigma": -0.1}}, "dispersions.fpa_deg.sigma"),
    ({"fpa_deg": -0.1}, "dispersions.fpa_deg.sigma"),
    ({"fpa_dg": 0.1}, "dispersions.fpa_dg: is not a known dispersion"),
    ({"cd_rel": {"dist": "gauss", "sigma": 0.1}}, "dispersions.cd_rel.dist"),
    ({"wind_rel": {"dist": "uniform", "sigma": 0.1}}, "takes half_width"),
    ({"nav_position_m": {"sigma": -3.0}}, "dispersions.nav_position_m.sigma"),
    ({"density_profile": {"sigma": 0.1, "correlation_length_km": 0}}, "correlation_length_km"),
    ({"wind_profile": {"sigma_m_s": -5.0}}, "dispersions.wind_profile.sigma_m_s"),
    ({"wind_profile": {"sigma_m_s": 500.0}}, "dispersions.wind_profile.sigma_m_s"),
    ({"wind_profile": {"sigma": 5.0}}, "dispersions.wind_profile.sigma"),
    ({"entry_covariance": {"fields": ["fpa_deg", "bank_deg"], "matrix": [[1, 0], [0, 1]]}}, "not entry-state fields"),
    ({"entry_covariance": {"fields": ["fpa_deg"], "matrix": [[1, 0], [0, 1]]}}, "matrix must be 1 x 1"),
    ({"entry_covariance": {"fields": ["fpa_deg", "speed_m_s"], "matrix": [[1, 2], [0, 1]]}}, "must be symmetric"),
    ({"entry_covariance": {"fields": ["fpa_deg", "speed_m_s"], "matrix": [[1, 2], [2, 1]]}}, "semi-definite"),
    ({"fpa_deg": 0.1, "entry_covariance": {"fields": ["fpa_deg"], "matrix": [[0.01]]}}, "both alone and in"),
    ({"density_rel": {"dist": "uniform", "half_width": 0.9}}, "dispersions.density_rel draws deviations -0.9"),
    ({"wind_rel": {"sigma": 0.2}}, "dispersions.wind_rel draws deviations -1.6"),  # 8.29 sigma: a scale below 0
    ({"nav_position_m": 10_000}, "dispersions.nav_position_m draws"),  # 82.9 km
    ({"mass_kg": {"sigma": "big"}}, "dispersions.mass_kg.sigma"),
])
def test_bad_specs_are_one_line_errors_naming_the_field(table, needle):
    with pytest.raises(MarsEDLError) as exc:
        parse_dispersions(table)
    msg = str(exc.value)
    assert needle in msg and "\n" not in msg


def test_default_set_validates_and_declares_the_applied_dispersions():
    spec = parse_dispersions(default_dispersions("mars2020"))
    active = spec.active()
    for name in ("fpa_deg", "density_rel", "cd_rel", "chute_cd_rel", "density_profile"):
        assert name in active
    assert DispersionSpec().active() == []


def test_draw_distributions_match_their_declared_moments():
    # 4000 cases: sample std within ~4 standard errors (se of std = sigma / sqrt(2 n) ~ 1.1 %)
    spec = parse_dispersions({"fpa_deg": 0.05, "wind_rel": {"dist": "uniform", "half_width": 0.5},
                              "cd_rel": {"dist": "truncnormal", "sigma": 0.02, "truncate_sigma": 2.0}})
    d = draw_cases(spec, seed=5, start=0, stop=4000).values
    assert abs(d["fpa_deg"].std() / 0.05 - 1) < 0.05
    assert stats.kstest(d["fpa_deg"] / 0.05, "norm").pvalue > 1e-3
    assert d["wind_rel"].min() >= -0.5 and d["wind_rel"].max() <= 0.5
    assert stats.kstest((d["wind_rel"] + 0.5), "uniform").pvalue > 1e-3
    assert np.abs(d["cd_rel"]).max() <= 0.04
    truth = stats.truncnorm(-2, 2, scale=0.02)
    assert stats.kstest(d["cd_rel"], truth.cdf).pvalue > 1e-3
    for name in SCALAR_FIELDS:
        if name not in ("fpa_deg", "wind_rel", "cd_rel"):
            assert np.all(d[name] == 0.0)


def test_draws_do_not_depend_on_chunking_and_widening_one_keeps_the_others():
    spec = parse_dispersions(default_dispersions())
    whole = draw_cases(spec, 9, 0, 30)
    parts = [draw_cases(spec, 9, s, e) for s, e in ((0, 7), (7, 8), (8, 30))]
    for name in SCALAR_FIELDS:
        assert np.array_equal(whole.values[name], np.concatenate([p.values[name] for p in parts]))
    stacked = np.vstack([p.density_perturbation.factors for p in parts])
    assert np.array_equal(whole.density_perturbation.factors, stacked)
    wider = parse_dispersions({**default_dispersions(), "fpa_deg": {"sigma": 0.5}})
    other = draw_cases(wider, 9, 0, 30)
    assert np.allclose(other.values["fpa_deg"], whole.values["fpa_deg"] * 20.0, rtol=1e-12)
    assert np.array_equal(other.values["density_rel"], whole.values["density_rel"])
    assert not np.array_equal(draw_cases(spec, 10, 0, 30).values["fpa_deg"], whole.values["fpa_deg"])


def test_density_profile_draws_are_lognormal_with_the_declared_sigma_and_correlation():
    spec = parse_dispersions({"density_profile": {"sigma": 0.1, "correlation_length_km": 8.0}})
    f = draw_cases(spec, 1, 0, 1500).density_perturbation
    x = np.log(f.factors)
    assert abs(x[:, 100].std() / 0.1 - 1) < 0.08
    lag = int(8000 / f.dh_m)  # one correlation length: correlation exp(-1)
    r = np.corrcoef(x[:, 100], x[:, 100 + lag])[0, 1]
    assert abs(r - np.exp(-1)) < 0.08


def test_hardware_draws_come_after_every_earlier_draw_of_the_case_generator():
    """The seed contract, rebuilt by hand from each case's generator: the scalar uniforms, the profile pick, the
    density-profile normals, then the hardware uniforms. Widening a hardware dispersion leaves every earlier
    column of the seed as it was."""
    from scipy.special import ndtri

    spec = parse_dispersions({**default_dispersions(), "heat_shield_mass_kg": 10.0,
                              "powered_descent_delay_s": {"dist": "uniform", "half_width": 0.5},
                              "nav_position_m": 30.0})
    d = draw_cases(spec, 4, 3, 6)
    base = draw_cases(parse_dispersions(default_dispersions()), 4, 3, 6)
    for name in SCALAR_FIELDS:
        assert np.array_equal(d.values[name], base.values[name]), name
    assert np.array_equal(d.density_perturbation.factors, base.density_perturbation.factors)
    h0, h1, dh = PERTURBATION_GRID_M
    n_grid = int(round((h1 - h0) / dh)) + 1
    for j, case in enumerate(range(3, 6)):
        rng = case_generator(4, case)
        u = rng.random(len(SCALAR_FIELDS) + 1)
        assert d.values["fpa_deg"][j] == pytest.approx(0.025 * ndtri(u[0]), rel=1e-12, abs=1e-15)
        rng.standard_normal(n_grid)  # the Gauss-Markov profile's normals (one per grid point)
        u_hw = rng.random(len(HARDWARE_FIELDS) + 6)  # then east/north/up of position and velocity errors
        k_hs, k_pd = HARDWARE_FIELDS.index("heat_shield_mass_kg"), HARDWARE_FIELDS.index("powered_descent_delay_s")
        assert d.values["heat_shield_mass_kg"][j] == pytest.approx(10.0 * ndtri(u_hw[k_hs]), rel=1e-9)
        assert d.values["powered_descent_delay_s"][j] == pytest.approx(u_hw[k_pd] - 0.5, abs=1e-12)
        nh = len(HARDWARE_FIELDS)
        for a, axis in enumerate(("east", "north", "up")):
            assert d.values[f"nav_position_{axis}_m"][j] == pytest.approx(30.0 * ndtri(u_hw[nh + a]), rel=1e-9)
            assert d.values[f"nav_velocity_{axis}_m_s"][j] == 0.0
    for name in HARDWARE_FIELDS:  # the hardware dispersions left at their built-in widths draw as before
        if name not in ("heat_shield_mass_kg", "powered_descent_delay_s"):
            assert np.array_equal(d.values[name], base.values[name]), name
    assert {"heat_shield_mass_kg", "powered_descent_delay_s", "nav_position_m"} <= set(spec.active())


def test_wind_profile_draws_have_the_declared_sigma_and_correlation_and_come_last():
    """East and north offsets: N(0, sigma) at each altitude, correlation exp(-1) one correlation length apart,
    east and north independent. They are drawn after every other draw of a case, so switching them on leaves
    every earlier value of the seed unchanged; they do not depend on chunking."""
    base = parse_dispersions({**default_dispersions(), "wind_profile": {"sigma_m_s": 0.0}})
    spec = parse_dispersions({**default_dispersions(), "wind_profile": {"sigma_m_s": 8.0,
                                                                        "correlation_length_km": 5.0}})
    d = draw_cases(spec, 2, 0, 1500)
    w = d.wind_perturbation.offsets_m_s
    assert w.shape[:2] == (1500, 2)
    for k in (0, 1):
        assert abs(w[:, k, 100].std() / 8.0 - 1) < 0.08
    lag = int(5000 / d.wind_perturbation.dh_m)
    assert abs(np.corrcoef(w[:, 0, 100], w[:, 0, 100 + lag])[0, 1] - np.exp(-1)) < 0.08
    assert abs(np.corrcoef(w[:, 0, 100], w[:, 1, 100])[0, 1]) < 0.1
    b = draw_cases(base, 2, 0, 1500)
    assert b.wind_perturbation is None
    for name in (*SCALAR_FIELDS, *HARDWARE_FIELDS):
        assert np.array_equal(d.values[name], b.values[name]), name
    assert np.array_equal(d.density_perturbation.factors, b.density_perturbation.factors)
    parts = [draw_cases(spec, 2, s, e) for s, e in ((0, 4), (4, 9))]
    assert np.array_equal(np.concatenate([p.wind_perturbation.offsets_m_s for p in parts]), w[:9])


def test_entry_covariance_draws_have_the_declared_covariance():
    """5,000 draws of a correlated (FPA, speed, downrange) delivery error: the sample covariance matches the
    declared one (each entry within ~4 standard errors), and the other dispersions are untouched."""
    c = [[0.03**2, 0.03 * 0.5 * 0.6, 0.0], [0.03 * 0.5 * 0.6, 0.5**2, -0.5 * 2.0 * 0.4], [0.0, -0.4, 2.0**2]]
    spec = parse_dispersions({"entry_covariance": {"fields": ["fpa_deg", "speed_m_s", "downrange_km"],
                                                   "matrix": c, "mean": [0.0, 1.0, 0.0]},
                              "cd_rel": 0.01})
    d = draw_cases(spec, 3, 0, 5000).values
    x = np.column_stack([d["fpa_deg"], d["speed_m_s"], d["downrange_km"]])
    assert np.allclose(x.mean(axis=0), [0.0, 1.0, 0.0], atol=4 * np.sqrt(np.diag(c) / 5000))
    sample = np.cov(x, rowvar=False)
    sd = np.sqrt(np.diag(c))
    assert np.allclose(sample / np.outer(sd, sd), np.asarray(c) / np.outer(sd, sd), atol=0.06)
    assert np.all(d["azimuth_deg"] == 0.0) and d["cd_rel"].std() > 0


def test_diagonal_covariance_is_the_per_element_draw_and_a_singular_one_is_allowed():
    """Same uniforms, same seed contract: a diagonal covariance draws what per-element sigmas draw. A perfectly
    correlated pair (rank one) is a legal covariance: the two deviations are proportional."""
    per = draw_cases(parse_dispersions({"fpa_deg": 0.03, "speed_m_s": 0.5}), 8, 0, 50).values
    cov = draw_cases(parse_dispersions({"entry_covariance": {"fields": ["fpa_deg", "speed_m_s"],
                                                             "matrix": [[0.03**2, 0.0], [0.0, 0.5**2]]}}),
                     8, 0, 50).values
    for f in ("fpa_deg", "speed_m_s"):
        assert np.allclose(cov[f], per[f], rtol=1e-12, atol=0.0)
    one = draw_cases(parse_dispersions({"entry_covariance": {"fields": ["fpa_deg", "speed_m_s"],
                                                             "matrix": [[1e-4, 1e-3], [1e-3, 1e-2]]}}),
                     8, 0, 50).values
    assert np.allclose(one["speed_m_s"], 10.0 * one["fpa_deg"], rtol=1e-6, atol=1e-9)
    assert "entry_covariance" in parse_dispersions({"entry_covariance": {"fields": ["mass_kg"],
                                                                         "matrix": [[25.0]]}}).active()


def test_declared_standard_deviations_match_the_distributions():
    """The 1-sigma a report shows is the distribution's: scipy's truncated normal and uniform as the reference."""
    from marsedl.montecarlo import Distribution

    for a in (1.0, 2.0, 3.0):
        d = Distribution(dist="truncnormal", sigma=0.02, truncate_sigma=a)
        assert d.std == pytest.approx(stats.truncnorm(-a, a, scale=0.02).std(), rel=1e-12)
    assert Distribution(dist="uniform", half_width=0.5).std == pytest.approx(stats.uniform(-0.5, 1.0).std())


def test_dispersions_command_shows_what_a_run_would_fly():
    """`marsedl dispersions` resolves the preset's set with the overrides on top (no case flown): the built-in
    set's active names, an override's new width, a field switched off, and a one-line error for a bad width."""
    import json

    from typer.testing import CliRunner

    from marsedl.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["dispersions", "mars2020", "--json", "--set", "dispersions.fpa_deg.sigma=0.05",
                            "--set", "dispersions.cd_rel.sigma=0"])
    assert r.exit_code == 0, r.output
    rows = {row["name"]: row for row in json.loads(r.output)["dispersions"]}
    assert set(rows) == set(parse_dispersions(default_dispersions("mars2020")).active()) - {"cd_rel"}
    assert rows["fpa_deg"]["width"] == 0.05 and rows["fpa_deg"]["unit"] == "deg"
    assert rows["wind_profile"]["unit"] == "m/s" and rows["wind_rel"]["std"] == pytest.approx(0.5 / 3**0.5)
    import subprocess
    import sys

    bad = subprocess.run([sys.executable, "-m", "marsedl", "dispersions", "--set", "dispersions.fpa_deg.sigma=-1"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "dispersions.fpa_deg.sigma" in bad.stderr and "Traceback" not in bad.stderr
