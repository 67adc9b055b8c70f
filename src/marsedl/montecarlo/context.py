"""Plan a Monte Carlo run once, in the parent: mission, dispersions, engine configuration and reference.

The result, a :class:`RunContext`, is everything a worker needs to fly any chunk of cases; it is a plain
picklable value sent to local processes or scattered to Dask workers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from marsedl.errors import MarsEDLError
from marsedl.flight import Setup, plan_setup
from marsedl.montecarlo.dispersions import DispersionSpec, default_dispersions, parse_dispersions
from marsedl.planet import surface_distance_bearing
from marsedl.scenario import apply_overrides, read_preset, validate_mission

__all__ = ["RunContext", "plan_run", "resolve_dispersions", "split_overrides"]


@dataclass(frozen=True)
class RunContext:
    """A planned Monte Carlo run (shared by all cases).

    Attributes
    ----------
    setup : Setup
        Mission, engine configuration (with a stacked atmosphere when Mars-GRAM profiles are drawn) and plan.
    spec : DispersionSpec
    n_profiles : int
        Atmosphere profiles the cases choose from (1: the preset's model only).
    target_lat_rad, target_lon_rad, radius_m : float
        Landing target and the sphere radius used for surface distances (areoid + ground).
    approach_azimuth_rad : float
        Direction of flight at the target along the great circle from the entry point (along-track axis).
    """

    setup: Setup
    spec: DispersionSpec
    n_profiles: int
    target_lat_rad: float
    target_lon_rad: float
    radius_m: float
    approach_azimuth_rad: float

    @property
    def body_names(self) -> tuple[str, ...]:
        return tuple(self.setup.config.vehicle.body_names)


def resolve_dispersions(preset: str | None = "mars2020", *, preset_file: str | Path | None = None,
                        overrides: list[str] | None = None,
                        dispersions: DispersionSpec | dict[str, Any] | None = None
                        ) -> tuple[DispersionSpec, dict[str, Any], str]:
    """The dispersions a run of this preset would fly, without planning it.

    Returns ``(spec, preset data without its [dispersions] table, origin)``: ``dispersions`` from Python if
    given, else the preset's table, else the built-in set, with the ``dispersions.*`` overrides on top.
    """
    data, origin = read_preset(preset, preset_file)
    table = data.pop("dispersions", None)
    if isinstance(dispersions, DispersionSpec):
        table = dispersions.model_dump()
    elif dispersions is not None:
        table = dict(dispersions)
    elif table is None:
        table = default_dispersions(preset)
    if not isinstance(table, dict):
        raise MarsEDLError(f"{origin}: dispersions must be a table of dispersions")
    table = apply_overrides({"dispersions": table}, split_overrides(overrides)[1])["dispersions"]
    return parse_dispersions(table), data, origin


def split_overrides(overrides: list[str] | None) -> tuple[list[str], list[str]]:
    """Separate ``dispersions.*`` overrides from the mission's own."""
    mission, disp = [], []
    for item in overrides or []:
        (disp if item.strip().startswith("dispersions.") else mission).append(item)
    return mission, disp


def _marsgram_grid(path: str, like):
    """Every profile of a Mars-GRAM Monte Carlo file on the engine grid ``like`` (an AtmosphereGrid)."""
    from marsedl.atmosphere import AtmosphereGrid, MarsGramProfiles

    p = Path(path)
    if not p.is_file():
        raise MarsEDLError(f"dispersions.marsgram_file '{p}' does not exist")
    profiles = MarsGramProfiles.read(p)
    grids = [AtmosphereGrid.from_atmosphere(profiles.profile(i), h_min_m=like.h_min_m, h_max_m=like.h_max_m,
                                            dh_m=like.dh_m) for i in range(profiles.n_profiles)]
    return AtmosphereGrid.stack(grids), profiles.n_profiles


def _preset_value(mission, plan, path: str) -> float:
    """The value of the preset field at ``path`` in the mission flown (an ``"auto"`` range trigger as planned)."""
    value: Any = mission
    for key in path.split("."):
        value = getattr(value, key)
    if path == "parachute.range_trigger_m" and value == "auto":
        return float(plan.chute_range_m)
    return float(value)


def plan_run(preset: str | None = "mars2020", *, preset_file: str | Path | None = None,
             overrides: list[str] | None = None, atmosphere: str | None = None,
             dispersions: DispersionSpec | dict[str, Any] | None = None) -> RunContext:
    """Load, validate and plan a Monte Carlo run.

    Parameters
    ----------
    preset, preset_file, overrides, atmosphere
        As for :func:`marsedl.simulate`; overrides may also set ``dispersions.<field>...``.
    dispersions : DispersionSpec or dict, optional
        The dispersions from Python. Default: the preset's ``[dispersions]`` table, else the built-in set
        (:func:`~marsedl.montecarlo.dispersions.default_dispersions`); ``dispersions.*`` overrides apply on top.

    Returns
    -------
    RunContext
    """
    spec, data, origin = resolve_dispersions(preset, preset_file=preset_file, overrides=overrides,
                                             dispersions=dispersions)
    mission = validate_mission(apply_overrides(data, split_overrides(overrides)[0]), origin)
    setup = plan_setup(mission, atmosphere)
    plan = setup.plan
    spec.check_within(lambda path: _preset_value(mission, plan, path))
    n_profiles = 1
    if spec.marsgram_file:
        grid, n_profiles = _marsgram_grid(spec.marsgram_file, setup.config.atmosphere)
        setup = replace(setup, config=replace(setup.config, atmosphere=grid),
                        atmosphere_name=f"{Path(spec.marsgram_file).name} ({n_profiles} Mars-GRAM profiles)")
    tlat, tlon = np.radians(mission.site.lat_deg), np.radians(mission.site.lon_deg)
    radius = mission.site.areoid_radius_m + mission.site.ground_mola_m
    _, back = surface_distance_bearing(tlat, tlon, np.radians(plan.entry_lat_deg), np.radians(plan.entry_lon_deg),
                                       radius)
    return RunContext(setup=setup, spec=spec, n_profiles=n_profiles, target_lat_rad=float(tlat),
                      target_lon_rad=float(tlon), radius_m=float(radius),
                      approach_azimuth_rad=float((back + np.pi) % (2 * np.pi)))
