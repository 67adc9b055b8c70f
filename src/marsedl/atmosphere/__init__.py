"""Atmosphere models: density, pressure, temperature, speed of sound and winds versus altitude above the
reference surface (MOLA altitude on Mars).

Models (all :class:`Atmosphere`, vectorised): :class:`ExponentialAtmosphere`, :class:`GlennAtmosphere`
(NASA GRC), :class:`TableAtmosphere` (CSV or arrays), :class:`BlendedAtmosphere`, Mars-GRAM readers
(:func:`read_marsgram_avg`, :class:`MarsGramProfiles`) and the Mars 2020 landing-day reconstruction
(:func:`mars2020_reconstruction`) and MSL's at Gale (:func:`gale_msl_landing_day`); Earth's :class:`US1976`;
:class:`SteadyWind` adds a steady wind to any of them. :func:`get_atmosphere` builds one from a name or a path.
:class:`AtmosphereGrid` is the engine's fast look-up over one or many profiles, and
:func:`density_perturbation` draws altitude-correlated Monte Carlo density factors, :func:`wind_perturbation`
altitude-correlated wind offsets.
"""

from marsedl.atmosphere.base import GAMMA_CO2, R_CO2, Atmosphere, AtmosphereState
from marsedl.atmosphere.blend import BlendedAtmosphere
from marsedl.atmosphere.exponential import ExponentialAtmosphere
from marsedl.atmosphere.gale import gale_msl_landing_day
from marsedl.atmosphere.glenn import GlennAtmosphere
from marsedl.atmosphere.grid import AtmosphereGrid
from marsedl.atmosphere.mars2020 import mars2020_reconstruction
from marsedl.atmosphere.marsgram import MarsGramProfiles, read_marsgram_avg
from marsedl.atmosphere.perturbation import (
    DensityPerturbation,
    WindPerturbation,
    density_perturbation,
    wind_perturbation,
)
from marsedl.atmosphere.registry import get_atmosphere
from marsedl.atmosphere.table import TableAtmosphere, hydrostatic_pressure, hydrostatic_pressure_from_temperature
from marsedl.atmosphere.us1976 import US1976
from marsedl.atmosphere.wind import SteadyWind

__all__ = [
    "GAMMA_CO2",
    "R_CO2",
    "Atmosphere",
    "AtmosphereGrid",
    "AtmosphereState",
    "BlendedAtmosphere",
    "DensityPerturbation",
    "WindPerturbation",
    "ExponentialAtmosphere",
    "GlennAtmosphere",
    "MarsGramProfiles",
    "SteadyWind",
    "TableAtmosphere",
    "US1976",
    "density_perturbation",
    "gale_msl_landing_day",
    "wind_perturbation",
    "get_atmosphere",
    "hydrostatic_pressure",
    "hydrostatic_pressure_from_temperature",
    "mars2020_reconstruction",
    "read_marsgram_avg",
]
