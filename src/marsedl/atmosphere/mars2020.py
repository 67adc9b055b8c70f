"""The Mars 2020 landing-day atmosphere: the flight reconstruction (W22 Table 13 + E22 upper points).

The table ships as package data (``data/mars2020_reconstruction.csv``, sources in its header). Above its top
(75.2 km) the profile joins an isothermal exponential layer at the top temperature (148 K, E22) through the
top point, with the hydrostatic scale height ``R T / g`` (about 7.8 km); the join is a smooth
:class:`~marsedl.atmosphere.blend.BlendedAtmosphere` band from 58.74 km (the highest W22 row) to 75.2 km, so
every W22/E22 node below the band is reproduced exactly by the table's log-linear interpolation.

Wind: the paper gives only the wind *along track* ("sign as printed"), and prints it positive against the
direction of flight (a head wind). This follows from W22's own numbers, not from a flight of ours: SUFR began at
a ground-relative speed of 488 m/s and Mach 2.09 (W22 Table 10, as quoted in issue #10, which also reads the
table's airspeed as below the ground-relative speed there: a tail wind). SUFR came before the parachute, which
opened about 11 km above the surface (PK), so above 8.4 km MOLA, where Table 13 prints winds of -13 to -23 m/s
and sound speeds of 212-232 m/s. Read as head winds (a negative value blows along the flight), 488 m/s is Mach
2.04-2.21 there, and 2.09 at 11.7 km; read as tail winds it is Mach 2.16-2.39, never within 0.07 of 2.09
(``tests/atmosphere/test_mars2020.py``). With the track azimuth ``psi`` (from north, clockwise) the wind along
the flight ``w = -printed`` becomes ``wind_east = w sin(psi)``, ``wind_north = w cos(psi)``;
``along_track_sign=+1`` reads the printed sign the other way (a positive value blowing along the flight). No
cross-track wind is given (zero). Rows without wind (the E22 points) interpolate between W22 rows; above
58.74 km the wind fades to zero across the blend band (no data).
"""

from __future__ import annotations

import numpy as np

from marsedl.atmosphere.base import GAMMA_CO2, R_CO2
from marsedl.atmosphere.blend import BlendedAtmosphere
from marsedl.atmosphere.packaged import read_package_table, with_isothermal_top
from marsedl.atmosphere.table import TableAtmosphere
from marsedl.errors import MarsEDLError

__all__ = ["MARS2020_TRACK_AZIMUTH_DEG", "load_mars2020_table", "mars2020_reconstruction"]

# Default ground-track azimuth (deg from north, clockwise). Assumption, not a published number: the approach
# was roughly eastward. W22's inertial and relative entry speeds (5.56 vs 5.33 km/s) differ by about
# omega r cos(lat) ~ 230 m/s, the full rotation speed at ~18 N, which only an almost due-east heading gives.
# Presets should pass the heading of their own entry state.
MARS2020_TRACK_AZIMUTH_DEG = 90.0

_SOURCE = (
    "Mars 2020 landing-day reconstruction: Way et al. AIAA SciTech 2022 (NTRS 20210024480) Table 13 and "
    "Edquist et al. AIAA SciTech 2022 (NTRS 20210024709)"
)


def load_mars2020_table() -> dict[str, np.ndarray]:
    """The shipped reconstruction table as SI columns (altitude_m, pressure_pa, temperature_k, density_kg_m3,
    sound_speed_m_s, wind_along_track_m_s; NaN where the source gives no value)."""
    return read_package_table("mars2020_reconstruction.csv")


def mars2020_reconstruction(
    track_azimuth_deg: float = MARS2020_TRACK_AZIMUTH_DEG, along_track_sign: float = -1.0
) -> BlendedAtmosphere:
    """The Mars 2020 landing-day atmosphere (see the module docstring for the model and conventions).

    Parameters
    ----------
    track_azimuth_deg : float
        Azimuth of the flight's ground track, degrees from north, clockwise (90 = due east).
    along_track_sign : float
        -1 (default, W22's convention: see the module docstring): a positive printed wind blows against the
        direction of flight (a head wind); +1: along it.
    """
    if not np.isfinite(track_azimuth_deg):
        raise MarsEDLError(f"track_azimuth_deg must be a finite angle in degrees, got {track_azimuth_deg}")
    if along_track_sign not in (1.0, -1.0):
        raise MarsEDLError(f"along_track_sign must be +1 or -1, got {along_track_sign}")
    t = load_mars2020_table()
    psi = np.deg2rad(track_azimuth_deg)
    w = along_track_sign * t["wind_along_track_m_s"]
    table = TableAtmosphere(
        t["altitude_m"],
        t["density_kg_m3"],
        temperature=t["temperature_k"],
        pressure=t["pressure_pa"],
        sound_speed=t["sound_speed_m_s"],
        wind_east=w * np.sin(psi),
        wind_north=w * np.cos(psi),
        gas_constant=R_CO2,
        gamma=GAMMA_CO2,
        name="mars2020-table",
        source=_SOURCE,
    )
    w22 = np.isfinite(t["wind_along_track_m_s"])
    blend_from = float(t["altitude_m"][w22][-1])  # the highest W22 row (58.74 km)
    return with_isothermal_top(table, float(t["altitude_m"][-1]), float(t["temperature_k"][-1]),
                               float(t["density_kg_m3"][-1]), blend_from, "mars2020", _SOURCE)
