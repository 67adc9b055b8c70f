"""Mars-GRAM readers, on the real Mars-GRAM 2010 files in ../shared/data (skipped when absent)."""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.atmosphere import AtmosphereGrid, MarsGramProfiles, read_marsgram_avg
from marsedl.errors import MarsEDLError


@pytest.fixture(scope="module")
def lat20n(shared_data):
    return MarsGramProfiles.read(shared_data / "marsgram" / "LAT20N.txt")


def _rows(path):
    return [ln.split() for ln in path.read_text().splitlines()[1:] if ln.strip()]


def test_mean_profile_values_at_rows(shared_data):
    atm = read_marsgram_avg(shared_data / "marsgram" / "mars-gram-avg.dat")
    s = atm.evaluate(np.array([0.0, 1000.0]))
    # the file's first rows: 0 m -> T 227.5 K, p 566.9 Pa, rho 1.319e-2, a 236.38; 1000 m -> 224.2, 1.221e-2
    np.testing.assert_allclose(s.density_kg_m3, [1.319e-2, 1.221e-2], rtol=1e-12)
    np.testing.assert_allclose(s.temperature_k, [227.5, 224.2])
    np.testing.assert_allclose(s.pressure_pa, [566.9, 517.1])
    assert s.sound_speed_m_s[0] == pytest.approx(236.38)
    assert atm.n_rows == 126 and atm.altitude_m[-1] == 125e3


def test_mean_profile_hydrostatic(shared_data):
    # dp/dh = -rho g (g = GM / (R + h)^2) holds for the file's p and rho within 8 % below 40 km (the file
    # itself strays further higher up: -37 % near 65 km, +19 % near 90 km, so only the lower part is
    # checked). A reader that mixed up the columns would be off by orders of magnitude.
    atm = read_marsgram_avg(shared_data / "marsgram" / "mars-gram-avg.dat")
    h = np.arange(0.0, 40e3, 1e3) + 500.0
    s0, s1 = atm.evaluate(h - 500.0), atm.evaluate(h + 500.0)
    dpdh = (s1.pressure_pa - s0.pressure_pa) / 1e3
    g = 4.282837e13 / (3389.5e3 + h) ** 2
    ratio = -dpdh / (atm.density(h) * g)
    assert np.all(np.abs(ratio - 1) < 0.08), ratio


def test_lat20n_shape_and_density_rows(shared_data, lat20n):
    assert lat20n.n_profiles == 200 and lat20n.n_heights == 156
    np.testing.assert_allclose(lat20n.altitude_m[[0, -1]], [-5e3, 150e3])
    rows = _rows(shared_data / "marsgram" / "LAT20N.txt")
    for i in (0, 1, 17, 199):
        first = rows[i * 156]
        assert float(first[0]) == -5.0
        p = lat20n.profile(i)
        # DENSTOT is the fifth column
        assert p.evaluate(np.array([-5e3])).density_kg_m3[0] == pytest.approx(float(first[4]), rel=1e-12)
        top = rows[i * 156 + 155]
        assert p.evaluate(np.array([150e3])).density_kg_m3[0] == pytest.approx(float(top[4]), rel=1e-12)


def test_lat20n_temperature_is_physical(lat20n):
    # hydrostatic from the mean density: Mars-like (the mean file, another place/season: 227.5 K at 0 m)
    t = lat20n.temperature_k
    h = lat20n.altitude_m
    assert abs(t[h == 0][0] - 227.5) < 15
    assert np.all((t[h <= 130e3] > 100) & (t[h <= 130e3] < 260))
    # the shared temperature and each profile's pressure obey p = rho R T
    p = lat20n.profile(5)
    np.testing.assert_allclose(p.pressure_pa, p.density_kg_m3 * 188.9 * t)


def test_profile_index_errors(lat20n):
    for bad in (-1, 200, 3.5):
        with pytest.raises(MarsEDLError, match=r"0\.\.199"):
            lat20n.profile(bad)


def test_grid_rows_pick_marsgram_profiles(lat20n):
    grid = AtmosphereGrid.stack(
        [AtmosphereGrid.from_atmosphere(lat20n.profile(i)) for i in range(0, 200, 40)]
    )
    h = np.array([-5e3, 10e3, 60e3, 100e3, 100e3])
    rows = np.array([0, 1, 2, 3, 4])
    expect = lat20n.density_kg_m3[rows * 40, [0, 15, 65, 105, 105]]
    np.testing.assert_allclose(grid.evaluate(h, rows).density_kg_m3, expect, rtol=1e-9)


def test_malformed_marsgram_files(tmp_path):
    bad = tmp_path / "mc.txt"
    bad.write_text("#  Var_X DENSTOT\n1 2\n")
    with pytest.raises(MarsEDLError, match="DENSAV"):
        MarsGramProfiles.read(bad)
    avg = tmp_path / "avg.dat"
    avg.write_text("#H\n0 200 600 0.01\n")
    with pytest.raises(MarsEDLError, match="4 columns"):
        read_marsgram_avg(avg)
    avg.write_text("#H\n0 200 600 0.01 230\n1000 x 500 0.009 229\n")
    with pytest.raises(MarsEDLError, match="line 3"):
        read_marsgram_avg(avg)
