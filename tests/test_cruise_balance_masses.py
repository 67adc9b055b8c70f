"""The cruise balance masses' release before entry interface (the compiled flight flies each vehicle back in vacuum
to their ejection time and releases them there), against independent truths: the time is the preset's, the two
masses leave the same point with equal and opposite pushes of the preset's speed across the velocity, and the
state they leave is the entry state flown back: a vacuum flight forward from it (SciPy's DOP853 on the textbook
point mass + J2 gravity in the rotating frame, written here) comes back to the entry interface."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from marsedl.flight import simulate
from marsedl.planet import MARS
from marsedl.scenario import load_mission


def _accel(r, v):
    """Point mass + J2 gravity and the rotating frame's Coriolis and centrifugal terms (rotation about +z)."""
    mu, j2, re, w = MARS.gm_m3_s2, MARS.j2, MARS.equatorial_radius_m, MARS.rotation_rate_rad_s
    x, y, z = r
    rn = np.sqrt(x * x + y * y + z * z)
    k = 1.5 * j2 * (re / rn) ** 2
    zz = 5.0 * z * z / (rn * rn)
    g = -mu / rn**3 * np.array([x * (1.0 + k * (1.0 - zz)), y * (1.0 + k * (1.0 - zz)), z * (1.0 + k * (3.0 - zz))])
    om = np.array([0.0, 0.0, w])
    return g - 2.0 * np.cross(om, v) - np.cross(om, np.cross(om, r))


def _release(overrides=()):
    """The two masses' first history rows and the vehicle's (its entry state), as (t, state (6,)) each."""
    df = simulate("mars2020", overrides=list(overrides)).to_dataframe()
    cols = ["x_m", "y_m", "z_m", "vx_m_s", "vy_m_s", "vz_m_s"]
    first = {b: g.iloc[0] for b, g in df.groupby("body")}
    rows = [first[b] for b in ("cruise_balance_mass_1", "cruise_balance_mass_2", "vehicle")]
    return [(float(r["time_s"]), r[cols].to_numpy(dtype=float), r) for r in rows]


# the flight back is RK4 at the coast step: its error falls as the step's fourth power (the preset's 30 s steps
# leave about 1 cm after 600 s, 10 s steps 0.1 mm after 1,234.5 s, 2.5 s steps 1 micrometre after 600 s)
@pytest.mark.parametrize(("eject_s", "dt_s", "tol_m"),
                         [(-600.0, None, 0.05), (-1234.5, 10.0, 1e-3), (-600.0, 2.5, 1e-5)])
def test_the_masses_leave_the_entry_state_flown_back(eject_s, dt_s, tol_m):
    spec = load_mission("mars2020").cruise_balance_masses
    overrides = [f"cruise_balance_masses.eject_time_s={eject_s}"]
    if dt_s is not None:
        overrides.append(f"integration.dt_coast_s={dt_s}")
    (t1, s1, row1), (t2, s2, row2), (t0, entry, _) = _release(overrides)
    assert t0 == 0.0
    assert t1 == t2 == pytest.approx(eject_s, abs=1e-9)
    assert row1["mass_kg"] == row2["mass_kg"] == spec.mass_kg
    assert row1["phase"] == row2["phase"] == "ballistic"
    np.testing.assert_array_equal(s1[:3], s2[:3])  # one point
    mid = 0.5 * (s1 + s2)  # the vehicle's state at the ejection (equal and opposite pushes)
    push = 0.5 * (s1[3:] - s2[3:])
    r, v = mid[:3], mid[3:]
    assert np.linalg.norm(push) == pytest.approx(spec.delta_v_m_s, rel=1e-9)
    across = np.cross(v, r)
    assert push @ across / (np.linalg.norm(push) * np.linalg.norm(across)) == pytest.approx(1.0, abs=1e-12)
    # flown forward in vacuum from the ejection, the vehicle comes back to where it entered
    sol = solve_ivp(lambda _, s: np.concatenate([s[3:], _accel(s[:3], s[3:])]), (t1, 0.0), mid, method="DOP853",
                    rtol=1e-12, atol=1e-9)
    end = sol.y[:, -1]
    assert np.linalg.norm(r - entry[:3]) > 1e6  # (a real flight back: hundreds of km at 5 km/s)
    assert np.linalg.norm(end[:3] - entry[:3]) < tol_m
    assert np.linalg.norm(end[3:] - entry[3:]) < tol_m / 100.0  # (per second)


def test_masses_ejected_at_entry_interface_leave_the_entry_state():
    """An ejection at entry interface itself (eject_time_s = 0, the schema's upper end): no flight back."""
    (t1, s1, _), (t2, s2, _), (t0, entry, _) = _release(["cruise_balance_masses.eject_time_s=0"])
    assert t1 == t2 == t0 == 0.0
    np.testing.assert_array_equal(s1[:3], entry[:3])
    np.testing.assert_allclose(0.5 * (s1 + s2), entry, rtol=0, atol=1e-9)
