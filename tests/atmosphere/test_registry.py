"""get_atmosphere: names and paths, with one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.atmosphere import (
    Atmosphere,
    ExponentialAtmosphere,
    GlennAtmosphere,
    TableAtmosphere,
    get_atmosphere,
)
from marsedl.errors import MarsEDLError


@pytest.mark.parametrize("name", ["default", "mars2020", "exponential", "glenn", " Glenn "])
def test_names_need_no_files(name):
    atm = get_atmosphere(name)
    assert isinstance(atm, Atmosphere) and atm.source
    s = atm.evaluate(np.array([0.0, 10e3, 125e3]))
    # Mars near-surface density is ~0.01-0.02 kg/m^3 (every model here, W22, GRC, Mars-GRAM)
    assert 0.01 < s.density_kg_m3[0] < 0.02
    assert np.all(np.diff(s.density_kg_m3) < 0)


def test_types():
    assert isinstance(get_atmosphere("glenn"), GlennAtmosphere)
    assert isinstance(get_atmosphere("exponential"), ExponentialAtmosphere)
    # the exponential default: 0.014 at 0 km and 1.39e-3 at 25.7 km like the W22 reconstruction (within 3 %)
    d = get_atmosphere("exponential").density(np.array([0.0, 25.72e3]))
    np.testing.assert_allclose(d, [1.4e-2, 1.39e-3], rtol=0.03)


def test_paths(shared_data, tmp_path):
    avg = get_atmosphere(str(shared_data / "marsgram" / "mars-gram-avg.dat"))
    assert avg.density(np.array([0.0]))[0] == pytest.approx(1.319e-2)
    mc = get_atmosphere(f"{shared_data / 'marsgram' / 'LAT20N.txt'}:17")
    assert isinstance(mc, TableAtmosphere) and mc.name.endswith(":17")
    csv = tmp_path / "t.csv"
    csv.write_text("altitude_m,density_kg_m3,temperature_k\n0,0.015,220\n10000,0.006,200\n")
    assert get_atmosphere(str(csv)).density(np.array([10e3]))[0] == pytest.approx(0.006)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("venus", "unknown atmosphere 'venus'.*glenn"),
        ("/no/such/file.csv", "not found: /no/such/file.csv"),
        ("", "atmosphere must be"),
    ],
)
def test_errors_are_one_line_and_list_what_is_allowed(spec, match):
    with pytest.raises(MarsEDLError, match=match) as exc:
        get_atmosphere(spec)
    assert "\n" not in str(exc.value)


def test_monte_carlo_index_errors(shared_data):
    path = shared_data / "marsgram" / "LAT20N.txt"
    with pytest.raises(MarsEDLError, match=r"INDEX in 0\.\.199"):
        get_atmosphere(str(path))
    with pytest.raises(MarsEDLError, match=r"0\.\.199"):
        get_atmosphere(f"{path}:200")
    with pytest.raises(MarsEDLError, match="only in a Mars-GRAM Monte Carlo file"):
        get_atmosphere(f"{shared_data / 'marsgram' / 'mars-gram-avg.dat'}:3")


def test_malformed_table_via_registry(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("altitude_m,density_kg_m3\n0,0.01\n0,0.009\n")
    with pytest.raises(MarsEDLError, match="bad.csv"):
        get_atmosphere(str(csv))
