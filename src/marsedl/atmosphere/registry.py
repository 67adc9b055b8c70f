"""``get_atmosphere(spec)``: an atmosphere model from a name or a file path."""

from __future__ import annotations

from pathlib import Path

from marsedl.atmosphere.base import Atmosphere
from marsedl.atmosphere.exponential import ExponentialAtmosphere
from marsedl.atmosphere.gale import gale_msl_landing_day
from marsedl.atmosphere.glenn import GlennAtmosphere
from marsedl.atmosphere.mars2020 import mars2020_reconstruction
from marsedl.atmosphere.marsgram import MarsGramProfiles, is_marsgram_monte_carlo, read_marsgram_avg
from marsedl.atmosphere.table import TableAtmosphere
from marsedl.atmosphere.us1976 import US1976
from marsedl.errors import MarsEDLError

__all__ = ["ATMOSPHERE_NAMES", "default_exponential", "get_atmosphere", "split_profile_index"]


def default_exponential() -> ExponentialAtmosphere:
    """Mars exponential atmosphere: rho = 0.0140 exp(-h / 11.1 km), h = MOLA altitude.

    Derived (D) from the Mars 2020 reconstruction (W22 Table 13): 1.39e-2 kg/m^3 near 0 km MOLA and 1.39e-3
    at 25.7 km give H = 25.7 / ln(10) = 11.1 km; temperature g H / R = 218 K (hydrostatic).
    """
    return ExponentialAtmosphere(
        rho0_kg_m3=0.0140,
        scale_height_m=11.1e3,
        name="exponential",
        source="exponential fit to the Mars 2020 reconstruction (W22 Table 13): 0.0140 kg/m^3, H 11.1 km",
    )


ATMOSPHERE_NAMES = {
    "default": mars2020_reconstruction,
    "mars2020": mars2020_reconstruction,
    "gale2012": gale_msl_landing_day,
    "exponential": default_exponential,
    "glenn": GlennAtmosphere,
    "us1976": US1976,  # Earth
}

_ALLOWED = (
    f"a name ({', '.join(ATMOSPHERE_NAMES)}) or a file: *.csv table, Mars-GRAM mean profile, "
    "Mars-GRAM Monte Carlo file with :INDEX"
)


def split_profile_index(spec: str) -> tuple[str, int | None]:
    """A file spec's path and its Mars-GRAM profile index: ``"LAT20N.txt:17"`` -> ``("LAT20N.txt", 17)``;
    ``("table.csv", None)`` without one."""
    head, sep, tail = spec.rpartition(":")
    if sep and tail.strip().lstrip("+-").isdigit() and head:
        return head, int(tail)
    return spec, None


def get_atmosphere(spec: str) -> Atmosphere:
    """An atmosphere model from a name or a path.

    Parameters
    ----------
    spec : str
        ``"default"`` (= ``"mars2020"``, needs no files), ``"mars2020"``, ``"gale2012"`` (MSL's landing day),
        ``"exponential"``, ``"glenn"``; or a
        path: ``*.csv`` (see :meth:`TableAtmosphere.from_csv`), a Mars-GRAM mean profile, or a Mars-GRAM Monte
        Carlo file with a ``:INDEX`` suffix picking one profile (0-based, e.g. ``LAT20N.txt:17``).

    Raises
    ------
    MarsEDLError
        Unknown name, missing file, malformed table, or a Monte Carlo file without a valid index.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise MarsEDLError(f"atmosphere must be {_ALLOWED}; got {spec!r}")
    spec = spec.strip()
    key = spec.lower()
    if key in ATMOSPHERE_NAMES:
        return ATMOSPHERE_NAMES[key]()
    path_part, index = split_profile_index(spec)
    path = Path(path_part).expanduser()
    if not path.is_file():
        if path.suffix or "/" in path_part or "\\" in path_part:
            raise MarsEDLError(f"atmosphere file not found: {path_part} (atmosphere must be {_ALLOWED})")
        raise MarsEDLError(f"unknown atmosphere '{spec}'; use {_ALLOWED}")
    if is_marsgram_monte_carlo(path):
        profiles = MarsGramProfiles.read(path)
        if index is None:
            raise MarsEDLError(
                f"{path_part} holds {profiles.n_profiles} Mars-GRAM profiles: pick one with "
                f"{path_part}:INDEX, INDEX in 0..{profiles.n_profiles - 1}"
            )
        return profiles.profile(index)
    if index is not None:
        raise MarsEDLError(
            f"':{index}' selects a profile only in a Mars-GRAM Monte Carlo file, not {path_part}"
        )
    if path.suffix.lower() == ".csv":
        return TableAtmosphere.from_csv(path)
    return read_marsgram_avg(path)
