"""Aerodynamics tests. Expected values come from the project reference (shared/reference/mars_edl_inputs.md),
published figures, or hand arithmetic -- never from the code's own output."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsedl.aero import (
    NOMINAL_DIAMETER_ROUNDED_M,
    AeroTable,
    DiskGapBand,
    backshell_with_parachute,
    balance_mass,
    capsule_trim,
    capsule_zero_alpha,
    descent_stage,
    evaluate_tables,
    heat_shield,
    powered_descent_vehicle,
    sutton_graves_heat_rate_w_m2,
)
from marsedl.errors import MarsEDLError

MARS_SURFACE_GRAVITY_M_S2 = 3.71  # NASA NSSDC Mars Fact Sheet
JEZERO_SURFACE_DENSITY_KG_M3 = 1.581e-2  # W22 Table 13, landing-day reconstruction at the surface


def test_table_interpolates_at_nodes_between_and_clamps():
    t = capsule_trim()
    cd, cl = t.coefficients(np.array([3.0, 4.0, 3.5, 0.1, 40.0]))
    # nodes from the reference table: M3 -> 1.41/0.44, M4 -> 1.37/0.42; midpoint is the mean; clamped ends
    np.testing.assert_allclose(cd, [1.41, 1.37, 1.39, 1.58, 1.46], atol=1e-12)
    np.testing.assert_allclose(cl, [0.44, 0.42, 0.43, 0.46, 0.35], atol=1e-12)


def test_coefficients_keep_input_shape():
    cd, cl = capsule_trim().coefficients(np.full((3, 4), 2.0))
    assert cd.shape == (3, 4) and cl.shape == (3, 4)


def test_hypersonic_trim_lift_to_drag_and_ballistic_coefficient():
    t = capsule_trim()
    # E22 / MSL heritage: L/D ~ 0.24 at trim; C_D ~ 1.5 so beta ~ 140 kg/m^2 at 3369 kg.
    assert t.lift_to_drag(20.0) == pytest.approx(0.24, abs=0.01)
    assert 130.0 <= t.ballistic_coefficient_kg_m2(3369.0, 20.0) <= 155.0
    assert t.reference_area_m2 == pytest.approx(math.pi * 2.25**2, abs=0.01)  # 4.5 m diameter


def test_zero_alpha_has_no_lift_and_phoenix_drag():
    t = capsule_zero_alpha()
    cd, cl = t.coefficients(np.array([0.45, 1.4, 2.5]))
    assert np.all(cl == 0.0)
    assert cd[0] == pytest.approx(1.04) and cd[1] == pytest.approx(1.54)
    assert 1.57 <= cd[2] <= 1.60  # reference: 1.57-1.60 over Mach 1.8-3.5


def test_balance_mass_ballistic_coefficients_in_reference_bands():
    # reference (tag D): 25 kg tungsten entry balance mass 1700-2000 kg/m^2; 75 kg cruise mass 2500-2900
    assert 1700.0 <= balance_mass(25.0).ballistic_coefficient_kg_m2(25.0, 1.0) <= 2000.0
    assert 2500.0 <= balance_mass(75.0).ballistic_coefficient_kg_m2(75.0, 1.0) <= 2900.0


def test_balance_mass_area_is_from_volume():
    # 25 kg of tungsten is 1.30 L (reference); a cube of that volume has an 10.9 cm edge
    table = balance_mass(25.0, area_factor=1.0)
    edge = (25.0 / 19250.0) ** (1 / 3)
    assert edge == pytest.approx(0.109, abs=0.001)
    assert table.reference_area_m2 == pytest.approx(edge**2)


def test_heat_shield_ballistic_coefficient():
    # reference (tag D): 440 kg, C_D ~ 1.05 on 15.9 m^2 -> ~26 kg/m^2, at the subsonic speeds after separation
    beta = heat_shield().ballistic_coefficient_kg_m2(440.0, np.array([0.3, 0.5]))
    assert np.all((beta > 24.0) & (beta < 28.0))


def test_backshell_with_parachute_ballistic_coefficient_and_terminal_speed():
    table = backshell_with_parachute()
    beta = table.ballistic_coefficient_kg_m2(575.0, 0.2)
    assert 2.0 <= beta <= 3.5  # reference: ~3 kg/m^2, parachute C_D S ~ 220 m^2 dominates
    # Terminal speed sqrt(2 m g / (rho C_D S)) at the Jezero surface should be near the press kit's ~126 km/h
    # (35 m/s). Tolerance +-10 %: the published figure is rounded, the subsonic canopy C_D is known to ~3 %
    # (0.615 model vs 0.636 reconstructed, Cruz 2014), and the backshell's own drag is an estimate.
    drag_area = table.drag_area_m2(0.2)
    v = math.sqrt(2 * 575.0 * MARS_SURFACE_GRAVITY_M_S2 / (JEZERO_SURFACE_DENSITY_KG_M3 * drag_area))
    assert 126.0 / 3.6 * 0.9 <= v <= 126.0 / 3.6 * 1.1


def test_descent_stage_and_pdv_are_small_bluff_bodies():
    for t in (descent_stage(), powered_descent_vehicle()):
        cd, cl = t.coefficients(0.3)
        assert cl == 0.0
        assert 1.0 <= cd * t.reference_area_m2 <= 15.9  # smaller than the aeroshell it came out of


def test_evaluate_tables_per_body():
    tables = [capsule_trim(), heat_shield(), balance_mass(25.0)]
    idx = np.array([0, 1, 2, 0, 2])
    mach = np.array([3.0, 0.45, 2.0, 24.0, 0.5])
    cd, cl, area = evaluate_tables(tables, idx, mach)
    np.testing.assert_allclose(cd[[0, 1, 3]], [1.41, 1.04, 1.46])
    np.testing.assert_allclose(cl[[0, 3]], [0.44, 0.35])
    assert area[0] == area[3] == pytest.approx(15.90)
    assert area[2] == area[4] == pytest.approx(tables[2].reference_area_m2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mach": [0, 1], "cd": [1, 1, 1], "cl": [0, 0]},
        {"mach": [1, 0.5], "cd": [1, 1], "cl": [0, 0]},
        {"mach": [0, 1], "cd": [1, -1], "cl": [0, 0]},
        {"mach": [0, np.nan], "cd": [1, 1], "cl": [0, 0]},
    ],
)
def test_bad_table_raises_user_error(kwargs):
    with pytest.raises(MarsEDLError):
        AeroTable(reference_area_m2=1.0, **kwargs)


def test_bad_inputs_raise_user_error():
    with pytest.raises(MarsEDLError):
        AeroTable(mach=[0], cd=[1], cl=[0], reference_area_m2=0.0)
    with pytest.raises(MarsEDLError):
        balance_mass(-1.0)
    with pytest.raises(MarsEDLError):
        DiskGapBand(nominal_diameter_m=0.0)
    with pytest.raises(MarsEDLError):
        sutton_graves_heat_rate_w_m2(1e-3, 5000.0, nose_radius_m=0.0)


# --- parachute ---------------------------------------------------------------------------------------------


def test_dgb_nominal_area_true_and_rounded():
    assert DiskGapBand().reference_area_m2 == pytest.approx(358.0, abs=0.5)  # Cruz et al. 2014
    assert DiskGapBand(nominal_diameter_m=NOMINAL_DIAMETER_ROUNDED_M).reference_area_m2 == pytest.approx(
        363.0, abs=0.5
    )  # press kit


def test_dgb_cd_curve():
    chute = DiskGapBand()
    cd = chute.cd([0.3, 0.6, 1.0, 2.0, 2.2, 3.0])
    np.testing.assert_allclose(cd, [0.615, 0.615, 0.60, 0.50, 0.48, 0.48])


def test_dgb_area_fraction_limits_and_power_law():
    chute = DiskGapBand(inflation_time_s=0.4, inflation_exponent=2.0)
    f = chute.area_fraction(np.array([-1.0, 0.0, 0.2, 0.4, 5.0]))
    np.testing.assert_allclose(f, [0.0, 0.0, 0.25, 1.0, 1.0])  # (0.2/0.4)^2 = 0.25


@settings(max_examples=50, deadline=None)
@given(
    n=st.floats(0.5, 6.0),
    t=st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=20),
)
def test_dgb_area_fraction_monotonic_in_unit_interval(n, t):
    chute = DiskGapBand(inflation_exponent=n)
    ts = np.sort(np.array(t))
    f = chute.area_fraction(ts)
    assert np.all((f >= 0.0) & (f <= 1.0))
    assert np.all(np.diff(f) >= 0.0)


def test_dgb_drag_area_full_open_subsonic():
    chute = DiskGapBand()
    assert chute.drag_area_m2(0.3, 10.0) == pytest.approx(0.615 * 358.0, rel=2e-3)  # ~220 m^2 (reference)
    assert chute.drag_area_m2(0.3, -0.1) == 0.0


def test_dgb_peak_opening_load_in_test_band():
    # reference (tag D): peak opening force in the tests was 0.9-1.0 x q S0; allow 0.8-1.05 over Mach 1.4-2.2
    chute = DiskGapBand()
    mach = np.linspace(1.4, 2.2, 9)
    ratio = chute.peak_opening_load_n(600.0, mach) / (600.0 * chute.reference_area_m2)
    assert np.all((ratio >= 0.8) & (ratio <= 1.05))


def test_dgb_qualification_box():
    msl = DiskGapBand()
    ok = msl.within_qualification(np.array([2.0, 2.3, 2.0]), np.array([700.0, 700.0, 800.0]))
    assert ok.tolist() == [True, False, False]
    assert DiskGapBand.mars2020_strengthened().within_qualification(1.85, 900.0)


# --- heating -----------------------------------------------------------------------------------------------


def test_sutton_graves_hand_point():
    # 1.9e-4 * sqrt(1e-3 / 1.125) * 5000^3 = 1.9e-4 * 0.0298142 * 1.25e11 = 7.0809e5 W/m^2
    q = sutton_graves_heat_rate_w_m2(1e-3, 5000.0, nose_radius_m=1.125)
    assert q == pytest.approx(7.0809e5, rel=1e-4)
    assert sutton_graves_heat_rate_w_m2(0.0, 5000.0) == 0.0


def test_sutton_graves_scaling():
    q = sutton_graves_heat_rate_w_m2(np.array([1e-4, 4e-4]), np.array([3000.0, 6000.0]))
    assert q[1] / q[0] == pytest.approx(2.0 * 8.0)  # sqrt(4) * 2^3
