"""The MSL landing-day atmosphere at Gale crater (6 Aug 2012), built from sourced numbers.

No MSL flight reconstruction was reachable in numbers, so the profile is built (``data/msl_gale.csv``, sources and
model choices in its header): REMS' ground pressure at Gale in the first sols (730 Pa at -4.501 km MOLA) and a
temperature profile (Mars 2020's landing-day afternoon temperatures at the same MOLA altitudes, a model choice),
integrated hydrostatically (:func:`~marsedl.atmosphere.table.hydrostatic_pressure_from_temperature`); density
``p / (R T)``. Above the top row (75.2 km) an isothermal layer, blended from 58.74 km, as for Mars 2020. No wind.
"""

from __future__ import annotations

import numpy as np

from marsedl.atmosphere.base import GAMMA_CO2, R_CO2
from marsedl.atmosphere.blend import BlendedAtmosphere
from marsedl.atmosphere.packaged import read_package_table, with_isothermal_top
from marsedl.atmosphere.table import TableAtmosphere, hydrostatic_pressure_from_temperature

__all__ = ["gale_msl_landing_day", "load_gale_table"]

_SOURCE = ("Gale crater on MSL's landing day, built: REMS ground pressure (Harri et al. 2014) with Mars 2020's "
           "landing-day temperature profile (W22 Table 13, E22; model choice), hydrostatic")


def load_gale_table() -> dict[str, np.ndarray]:
    """The shipped Gale table (altitude_m, pressure_pa, temperature_k) with the hydrostatic pressure and the
    density ``p / (R T)`` filled in at every row."""
    t = read_package_table("msl_gale.csv")
    ref = np.flatnonzero(np.isfinite(t["pressure_pa"]))
    p = hydrostatic_pressure_from_temperature(t["altitude_m"], t["temperature_k"], float(t["pressure_pa"][ref[0]]),
                                              int(ref[0]))
    return {**t, "pressure_pa": p, "density_kg_m3": p / (R_CO2 * t["temperature_k"])}


def gale_msl_landing_day() -> BlendedAtmosphere:
    """Gale crater's atmosphere on MSL's landing day (see the module docstring)."""
    t = load_gale_table()
    table = TableAtmosphere(t["altitude_m"], t["density_kg_m3"], temperature=t["temperature_k"],
                            pressure=t["pressure_pa"], gas_constant=R_CO2, gamma=GAMMA_CO2, name="gale-table",
                            source=_SOURCE)
    return with_isothermal_top(table, float(t["altitude_m"][-1]), float(t["temperature_k"][-1]),
                               float(t["density_kg_m3"][-1]), float(t["altitude_m"][-2]), "gale2012", _SOURCE)
