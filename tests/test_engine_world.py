"""The kernels' world (marsedl.engine.compiled._KernelData.world): the cases' density factors and wind offsets
share one array, each on its own altitude grid, and the forces read each from its own rows and grid."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from marsedl import kernels as K
from marsedl.atmosphere import DensityPerturbation, WindPerturbation
from marsedl.engine import Engine
from marsedl.flight import nominal_cases
from marsedl.montecarlo import plan_run


@pytest.fixture(scope="module")
def setup():
    ctx = plan_run("mars2020")
    return Engine(ctx.setup.config), nominal_cases(ctx.setup, 3)


def _perturbed(cases):
    """Case 0 unperturbed (factor 1, no offset), case 1 with 1.3 times the density, case 2 with a 40 m/s wind from
    the west. The density grid (5 altitudes, 0-40 km) is shorter than the wind's (9, 0-160 km), and it ends below
    the entry interface, where its last factor is held."""
    f = np.ones((3, 5))
    f[1] = 1.3
    o = np.zeros((3, 2, 9))
    o[2, 0] = 40.0
    return replace(cases, density_perturbation=DensityPerturbation(f, 0.0, 10e3),
                   wind_perturbation=WindPerturbation(o, 0.0, 20e3))


def test_each_perturbation_has_its_own_rows_and_grid_in_the_world(setup):
    eng, cases = setup
    c = _perturbed(cases)
    p, _, _, pert = eng._k.world(c.density_perturbation, c.wind_perturbation)
    assert pert.shape == (3, K.NPT, 9)
    np.testing.assert_array_equal(pert[:, K.PT_DENSITY, :5], c.density_perturbation.factors)
    np.testing.assert_array_equal(pert[:, K.PT_WIND_E:K.PT_WIND_N + 1], c.wind_perturbation.offsets_m_s)
    assert (p[K.P_PERT_N], p[K.P_WPERT_N], p[K.P_PERT_DH], p[K.P_WPERT_DH]) == (5, 9, 10e3, 20e3)
    assert eng._k.p[K.P_HAS_PERT] == 0.0, "a run's perturbations changed the engine's own constants"


def test_the_forces_read_the_density_factor_and_the_wind_offsets_each_on_its_grid(setup):
    """At the entry interface (about 125 km, above the density grid's 40 km top, inside the wind grid) the
    dynamic pressure of case 1 is 1.3 times case 0's, as q = rho v^2 / 2 is linear in the density; case 2 flies in
    40 m/s more wind from the west, so its Mach number is case 0's times the ratio of the two air-relative speeds,
    worked out here from the state, the local east and north, and the profile's own wind there. Had the density
    factor been read on the (longer) wind grid, case 1 would have read the zero padding there."""
    eng, cases = setup
    plain = eng.initial_observables(cases)
    obs = eng.initial_observables(_perturbed(cases))
    assert obs["alt_mola"][0] > 100e3
    np.testing.assert_allclose(obs["q"][0], plain["q"][0], rtol=1e-14)
    np.testing.assert_allclose(obs["q"][1] / obs["q"][0], 1.3, rtol=1e-12)
    assert obs["mach"][1] == obs["mach"][0]
    x, y, z, vx, vy, vz = cases.y0[2, :6]
    r, rxy = np.sqrt(x * x + y * y + z * z), np.hypot(x, y)
    up, east = np.array([x, y, z]) / r, np.array([-y, x, 0.0]) / rxy
    north = np.cross(up, east)
    wind = eng.cfg.atmosphere.evaluate(obs["alt_mola"][2], rows=int(cases.atm_row[2]))
    w_e, w_n = float(wind.wind_east_m_s), float(wind.wind_north_m_s)
    v = np.array([vx, vy, vz])
    air0 = v - (w_e * east + w_n * north)
    air2 = v - ((w_e + 40.0) * east + w_n * north)
    np.testing.assert_allclose(obs["mach"][2] / obs["mach"][0], np.linalg.norm(air2) / np.linalg.norm(air0),
                               rtol=1e-12)
