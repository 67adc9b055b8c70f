"""The MSL landing-day atmosphere at Gale (issue #10 item 8), against the numbers it is built from.

Sources (see ``marsedl/atmosphere/data/msl_gale.csv``): **H14** Harri et al. 2014 (REMS): about 730 Pa at the
Bradbury landing site (-4.501 km MOLA) in the first sols' afternoons; **W22** / **E22**: Mars 2020's landing-day
temperatures, used at the same MOLA altitudes (a model choice). No MSL density profile was reached in numbers, so
no density is tested against a flight reconstruction here.
"""

from __future__ import annotations

import numpy as np
import pytest

from marsedl.atmosphere import GAMMA_CO2, R_CO2, get_atmosphere, hydrostatic_pressure
from marsedl.atmosphere.gale import load_gale_table
from marsedl.atmosphere.mars2020 import load_mars2020_table
from marsedl.planet import MARS
from marsedl.scenario import load_mission

#: H14: REMS ground pressure at Gale (Pa) and the landing site's MOLA altitude (m, Vasavada et al. 2014)
REMS_PRESSURE_PA, GALE_FLOOR_M = 730.0, -4501.0


def test_msl_flies_gales_atmosphere():
    assert load_mission("msl").atmosphere.model == "gale2012"
    assert get_atmosphere("gale2012").name == "gale2012"


def test_the_ground_pressure_is_rems():
    s = get_atmosphere("gale2012").evaluate(np.array([GALE_FLOOR_M]))
    assert s.pressure_pa[0] == pytest.approx(REMS_PRESSURE_PA, abs=0.5)
    assert s.density_kg_m3[0] == pytest.approx(REMS_PRESSURE_PA / (R_CO2 * s.temperature_k[0]), rel=1e-9)
    assert s.sound_speed_m_s[0] == pytest.approx(np.sqrt(GAMMA_CO2 * R_CO2 * s.temperature_k[0]), rel=1e-9)


def test_temperatures_are_mars2020s_at_the_same_altitudes():
    g, m = load_gale_table(), load_mars2020_table()
    for h, t in zip(g["altitude_m"][1:], g["temperature_k"][1:], strict=True):
        assert t == m["temperature_k"][np.flatnonzero(np.isclose(m["altitude_m"], h))[0]]


def test_the_lowest_layer_against_the_closed_form_of_a_constant_lapse_rate():
    """p = p0 (T / T0)^(g / (R lapse)) for a linear temperature (g at the layer's middle): an independent formula."""
    t = load_gale_table()
    h0, h1 = t["altitude_m"][:2]
    t0, t1 = t["temperature_k"][:2]
    g = MARS.gm_m3_s2 / (MARS.mean_radius_m + 0.5 * (h0 + h1)) ** 2
    expected = REMS_PRESSURE_PA * (t1 / t0) ** (g / (R_CO2 * (t0 - t1) / (h1 - h0)))
    assert t["pressure_pa"][1] == pytest.approx(expected, rel=1e-3)


def test_pressure_and_density_agree_hydrostatically():
    """Integrating the density back down (the package's other hydrostatic law) gives the same pressures, to 1 %,
    below 30 km (the top value's error fades a few scale heights down)."""
    t = load_gale_table()
    p = hydrostatic_pressure(t["altitude_m"], t["density_kg_m3"])
    low = t["altitude_m"] < 30e3
    np.testing.assert_allclose(p[low], t["pressure_pa"][low], rtol=0.01)
