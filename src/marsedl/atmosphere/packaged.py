"""Landing-day atmosphere profiles shipped as package data (``atmosphere/data/*.csv``).

Each file has a provenance header (``#`` lines), a header row and one row per altitude; an empty cell is a value
the source does not give (NaN here). Above a profile's top, :func:`with_isothermal_top` joins an isothermal
exponential layer at the top temperature through the top point (hydrostatic scale height ``R T / g``), blended
smoothly over a band below the top so that every row under the band is reproduced exactly.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from marsedl.atmosphere.base import R_CO2, Atmosphere, gravity_at_altitude
from marsedl.atmosphere.blend import BlendedAtmosphere
from marsedl.atmosphere.exponential import ExponentialAtmosphere

__all__ = ["read_package_table", "with_isothermal_top"]


def read_package_table(filename: str) -> dict[str, np.ndarray]:
    """A shipped table as SI columns (``altitude_km`` becomes ``altitude_m``; the ``source`` column is dropped;
    NaN where the source gives no value)."""
    text = resources.files("marsedl.atmosphere").joinpath(f"data/{filename}").read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    header = lines[0].split(",")
    rows = [ln.split(",") for ln in lines[1:]]
    out = {}
    for j, name in enumerate(header):
        if name == "source":
            continue
        col = np.array([float(r[j]) if r[j].strip() else np.nan for r in rows])
        if name == "altitude_km":
            name, col = "altitude_m", col * 1e3
        out[name] = col
    return out


def with_isothermal_top(table: Atmosphere, top_altitude_m: float, top_temperature_k: float, top_density_kg_m3: float,
                        blend_from_m: float, name: str, source: str) -> BlendedAtmosphere:
    """``table`` up to ``blend_from_m``, an isothermal exponential layer through its top point above
    ``top_altitude_m``, and a smooth blend in between."""
    upper = ExponentialAtmosphere(
        rho0_kg_m3=top_density_kg_m3,
        scale_height_m=R_CO2 * top_temperature_k / float(gravity_at_altitude(top_altitude_m)),
        temperature_k=top_temperature_k,
        reference_altitude_m=top_altitude_m,
        name="isothermal",
        source=f"isothermal {top_temperature_k:g} K layer through the top point (hydrostatic scale height)",
    )
    atm = BlendedAtmosphere(table, upper, blend_from_m=blend_from_m, blend_to_m=top_altitude_m)
    atm.name = name
    atm.source = source + f"; above {top_altitude_m / 1e3:g} km an isothermal {top_temperature_k:g} K exponential layer"
    return atm
