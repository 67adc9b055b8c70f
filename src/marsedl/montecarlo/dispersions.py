"""Dispersions spec: which inputs of a case are drawn at random, from which distribution, and how wide.

A ``[dispersions]`` table in a preset (or ``--set dispersions.fpa_deg.sigma=0.03``) declares them. Each entry is
a distribution of a *deviation from the nominal*, added to the nominal value (entry state, mass, trigger
thresholds) or, for the ``*_rel`` entries, applied as a relative change ``scale = 1 + deviation``::

    [dispersions]
    fpa_deg = {dist = "normal", sigma = 0.025}
    cd_rel = {dist = "truncnormal", sigma = 0.01, truncate_sigma = 3}
    wind_rel = {dist = "uniform", half_width = 0.5}
    density_profile = {sigma = 0.05, correlation_length_km = 8}
    wind_profile = {sigma_m_s = 6, correlation_length_km = 5}
    marsgram_file = "LAT20N.txt"     # optional: each case flies one Mars-GRAM Monte Carlo profile

A bare number is a normal sigma (``fpa_deg = 0.025``). Presets without a table get :func:`default_dispersions`.

Entry-state errors that are correlated (a navigation delivery covariance) are declared jointly instead, as a
covariance over some of :data:`ENTRY_STATE_FIELDS` in the units of their names (those fields are then left out
of the per-element entries)::

    entry_covariance = {fields = ["fpa_deg", "speed_m_s"], matrix = [[6.25e-4, 3.0e-3], [3.0e-3, 0.09]]}

Shed-hardware masses, separation speeds, event delays and the backshell-separation altimeter bias
(:data:`HARDWARE_FIELDS`) and the navigation errors (:data:`NAV_FIELDS`: a constant position and velocity error,
east/north/up, seen by the entry guidance and the deploy trigger, not by the dynamics; the descent's radar and,
for Mars 2020, terrain-relative navigation take over before landing) are applied per case by the engine, like
every other dispersion here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from marsedl.errors import MarsEDLError

__all__ = [
    "HARDWARE_FIELDS",
    "NORMAL_REACH_SIGMA",
    "OWN_RANGES",
    "PRESET_FIELDS",
    "NAV_FIELDS",
    "SCALAR_FIELDS",
    "DensityProfileSpec",
    "ENTRY_STATE_FIELDS",
    "EntryCovarianceSpec",
    "WindProfileSpec",
    "DispersionSpec",
    "Distribution",
    "default_dispersions",
    "parse_dispersions",
]


class Distribution(BaseModel):
    """One scalar dispersion: ``normal`` (mean, sigma), ``uniform`` (mean +- half_width) or ``truncnormal``
    (a normal cut at ``mean +- truncate_sigma * sigma``, drawn by inverse CDF)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Literal["normal", "uniform", "truncnormal"] = "normal"
    mean: float = Field(default=0.0, allow_inf_nan=False)
    sigma: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    half_width: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    truncate_sigma: float = Field(default=3.0, gt=0, le=10, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, v: Any) -> Any:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return {"dist": "normal", "sigma": v}
        return v

    @model_validator(mode="after")
    def _width_matches_kind(self) -> Distribution:
        if self.dist == "uniform" and self.sigma:
            raise ValueError("a uniform distribution takes half_width, not sigma")
        if self.dist != "uniform" and self.half_width:
            raise ValueError(f"a {self.dist} distribution takes sigma, not half_width")
        return self

    @property
    def is_zero(self) -> bool:
        """True when every draw equals ``mean`` (a zero-width distribution)."""
        return self.sigma == 0.0 and self.half_width == 0.0

    @property
    def width(self) -> float:
        """The declared width: ``half_width`` of a uniform, ``sigma`` of the others."""
        return self.half_width if self.dist == "uniform" else self.sigma

    @property
    def std(self) -> float:
        """Standard deviation of the draws (for reports)."""
        if self.dist == "uniform":
            return self.half_width / 3.0**0.5
        if self.dist == "truncnormal":  # a normal cut at +-a sigma: variance sigma^2 (1 - 2 a phi(a) / (2 Phi(a) - 1))
            a = self.truncate_sigma
            phi = math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
            return self.sigma * math.sqrt(1.0 - 2.0 * a * phi / math.erf(a / math.sqrt(2.0)))
        return self.sigma


class _ProfileSpec(BaseModel):
    """An altitude-correlated (Gauss-Markov) dispersion; a bare number is its width (field ``width_field``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    width_field: ClassVar[str] = "sigma"

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, v: Any) -> Any:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return {cls.width_field: v}
        return v


class DensityProfileSpec(_ProfileSpec):
    """Altitude-correlated density factor ``exp(sigma x(h))``, ``x`` a unit Gauss-Markov process in altitude
    (see :func:`marsedl.atmosphere.density_perturbation`)."""

    sigma: float = Field(default=0.0, ge=0, le=2, allow_inf_nan=False, description="std of ln(rho)")
    correlation_length_km: float = Field(default=8.0, gt=0, le=500, allow_inf_nan=False)


class WindProfileSpec(_ProfileSpec):
    """Altitude-correlated wind offsets ``sigma_m_s x(h)`` added to the east and north winds (independent unit
    Gauss-Markov processes in altitude; see :func:`marsedl.atmosphere.wind_perturbation`)."""

    width_field: ClassVar[str] = "sigma_m_s"

    sigma_m_s: float = Field(default=0.0, ge=0, le=100, allow_inf_nan=False, description="std of each component")
    correlation_length_km: float = Field(default=5.0, gt=0, le=500, allow_inf_nan=False)


#: Entry-state deviations that :class:`EntryCovarianceSpec` may correlate (units as named).
ENTRY_STATE_FIELDS = ("fpa_deg", "speed_m_s", "azimuth_deg", "downrange_km", "crossrange_km", "mass_kg")


class EntryCovarianceSpec(BaseModel):
    """Jointly normal entry-state deviations: ``fields`` (a subset of :data:`ENTRY_STATE_FIELDS`), their
    covariance ``matrix`` (symmetric, positive semi-definite, in the units of the field names squared) and an
    optional ``mean``.

    Draws keep the seed contract: each field's own uniform becomes a standard normal ``z`` (inverse CDF) and the
    deviations are ``mean + L z`` with ``L L^T = matrix`` (so a diagonal matrix gives exactly the per-element
    draws of sigma ``sqrt(matrix[i][i])``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: list[str] = Field(min_length=1)
    matrix: list[list[float]]
    mean: list[float] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EntryCovarianceSpec:
        k = len(self.fields)
        bad = [f for f in self.fields if f not in ENTRY_STATE_FIELDS]
        if bad:
            raise ValueError(f"fields {bad} are not entry-state fields {list(ENTRY_STATE_FIELDS)}")
        if len(set(self.fields)) != k:
            raise ValueError("fields must not repeat")
        if len(self.matrix) != k or any(len(row) != k for row in self.matrix):
            raise ValueError(f"matrix must be {k} x {k} (one row and column per field)")
        if self.mean is not None and len(self.mean) != k:
            raise ValueError(f"mean must have {k} values (one per field)")
        import numpy as np  # local: the spec module stays light to import

        m = np.asarray(self.matrix, dtype=float)
        if not np.all(np.isfinite(m)) or (self.mean is not None and not np.all(np.isfinite(self.mean))):
            raise ValueError("matrix and mean must be finite")
        if not np.allclose(m, m.T, rtol=1e-9, atol=0.0):
            raise ValueError("matrix must be symmetric")
        lam = np.linalg.eigvalsh(m)
        if lam.min() < -1e-9 * max(lam.max(), 0.0) or lam.max() < 0:
            raise ValueError(f"matrix must be positive semi-definite (smallest eigenvalue {lam.min():.3g})")
        return self

    def factor(self):
        """``L`` (k, k) with ``L L^T = matrix``: Cholesky when positive definite, else from the eigenvectors."""
        import numpy as np

        m = np.asarray(self.matrix, dtype=float)
        try:
            return np.linalg.cholesky(m)
        except np.linalg.LinAlgError:  # semi-definite: a perfectly correlated pair, say
            lam, vec = np.linalg.eigh(m)
            return vec * np.sqrt(np.clip(lam, 0.0, None))


#: Scalar dispersions applied today, in draw order (the order is part of the seed contract: a case's uniforms
#: are drawn in this order, always all of them, so widening one never changes another's draws).
SCALAR_FIELDS = (
    "fpa_deg", "speed_m_s", "azimuth_deg", "downrange_km", "crossrange_km", "mass_kg",
    "cd_rel", "cl_rel", "chute_cd_rel", "density_rel", "wind_rel", "range_trigger_m", "velocity_trigger_m_s",
)

#: Shed-hardware, separation and timing dispersions, drawn after the fields above (and after the density profile)
#: in this order, so adding them left every earlier draw of a seed unchanged. Deviations added to the preset's
#: value: masses (kg, each balance mass), separation speeds (m/s), delays (s: parachute deploy to line stretch,
#: heat-shield minimum time after deploy, backshell separation to powered descent) and the altimeter bias of the
#: backshell-separation trigger (m: +200 separates 200 m higher above the ground).
HARDWARE_FIELDS = (
    "heat_shield_mass_kg", "backshell_mass_kg", "entry_balance_mass_kg", "cruise_balance_mass_kg",
    "heat_shield_delta_v_m_s", "backshell_delta_v_m_s", "entry_balance_delta_v_m_s", "parachute_deploy_delay_s",
    "heat_shield_delay_s", "backshell_altitude_m", "powered_descent_delay_s",
)

#: Navigation errors: one distribution each, drawn independently for the east, north and up components (three
#: uniforms each, after the hardware ones): constant position (m) and velocity (m/s) errors of the navigated state.
NAV_FIELDS = ("nav_position_m", "nav_velocity_m_s")
#: Draw keys of the navigation components (the ``in_*`` columns), in draw order.
NAV_COMPONENTS = tuple(f"{f.removesuffix(unit)}_{axis}{unit}" for f, unit in (("nav_position_m", "_m"),
                                                                             ("nav_velocity_m_s", "_m_s"))
                       for axis in ("east", "north", "up"))

#: The farthest a normal draw goes, in sigmas: the sampler's uniforms lie in [2^-54, 1 - 2^-53]
#: (marsedl.montecarlo.sampling), whose lower end maps to -8.292361... through the inverse normal CDF (the upper
#: to +8.13); rounded up, so that no draw's last bit can pass it.
NORMAL_REACH_SIGMA = 8.2924

#: The preset field each dispersion moves, and how: ``add`` (value + deviation) or ``scale`` (value * (1 +
#: deviation)). A dispersion may reach no value outside the range the schema declares for that field
#: (:meth:`DispersionSpec.check_within`). An entry-mass deviation ends in the propellant the descent stage carries
#: (every shed part keeps its own mass).
PRESET_FIELDS: dict[str, tuple[str, str]] = {
    "fpa_deg": ("entry.fpa_deg", "add"),
    "speed_m_s": ("entry.speed_m_s", "add"),
    "azimuth_deg": ("entry.azimuth_deg", "add"),
    "mass_kg": ("descent_stage.propellant_kg", "add"),
    "cd_rel": ("aeroshell.cd_scale", "scale"),
    "cl_rel": ("aeroshell.cl_scale", "scale"),
    "chute_cd_rel": ("parachute.cd_scale", "scale"),
    "range_trigger_m": ("parachute.range_trigger_m", "add"),
    "velocity_trigger_m_s": ("parachute.velocity_trigger_m_s", "add"),
    "heat_shield_mass_kg": ("heat_shield.mass_kg", "add"),
    "backshell_mass_kg": ("backshell.mass_kg", "add"),
    "entry_balance_mass_kg": ("entry_balance_masses.mass_kg", "add"),
    "cruise_balance_mass_kg": ("cruise_balance_masses.mass_kg", "add"),
    "heat_shield_delta_v_m_s": ("heat_shield.delta_v_m_s", "add"),
    "backshell_delta_v_m_s": ("backshell.delta_v_m_s", "add"),
    "entry_balance_delta_v_m_s": ("entry_balance_masses.delta_v_m_s", "add"),
    "parachute_deploy_delay_s": ("parachute.line_stretch_delay_s", "add"),
    "heat_shield_delay_s": ("heat_shield.min_time_after_deploy_s", "add"),
    "backshell_altitude_m": ("backshell.separation_altitude_agl_m", "add"),
    "powered_descent_delay_s": ("sequence.powered_descent_delay_s", "add"),
}

#: Ranges of the dispersions that move no preset field (``*_rel``: of the factor 1 + deviation), with why.
OWN_RANGES: dict[str, tuple[float, float, str]] = {
    # Mars' density at one altitude spans about a factor 2-3 over seasons and dust storms (Mars-GRAM); a factor
    # beyond 1/4..4 is another planet
    "density_rel": (0.25, 4.0, "the density factor"),
    # the winds may be absent, or five times the modelled ones (landing-day winds up to 25 m/s: 125 m/s)
    "wind_rel": (0.0, 5.0, "the wind scale"),
    # an entry delivery error (a few km 3-sigma), not another entry point: the target's entry lies elsewhere
    "downrange_km": (-200.0, 200.0, "the entry point's move along track (km)"),
    "crossrange_km": (-200.0, 200.0, "the entry point's move across track (km)"),
    # a knowledge error, not a different planet: beyond these the guidance would steer for somewhere else
    "nav_position_m": (-50_000.0, 50_000.0, "each navigation position error (m)"),
    "nav_velocity_m_s": (-50.0, 50.0, "each navigation velocity error (m/s)"),
}

_Dist = Distribution


class DispersionSpec(BaseModel):
    """Every dispersion of a Monte Carlo run (all zero width by default: ``DispersionSpec()`` flies the nominal).

    Units follow the names: ``fpa_deg``, ``azimuth_deg`` (deg); ``speed_m_s``; ``downrange_km`` and
    ``crossrange_km`` move the entry point along and across the entry heading (km); ``mass_kg`` (entry mass);
    ``*_rel`` are relative (0.01 = 1 %) on capsule C_D, C_L, parachute C_D, a constant density factor and the
    wind speed; ``range_trigger_m`` and ``velocity_trigger_m_s`` shift the deploy trigger threshold (the
    navigated-state error the trigger sees). The :data:`HARDWARE_FIELDS` shift the shed masses (the entry mass
    changes with them), separation speeds, event delays and the backshell altimeter reading (m, deviation from the
    preset's value). Every dispersion's farthest draw must keep its preset field in range (:meth:`check_within`) or,
    for those that move none, inside :data:`OWN_RANGES`. ``nav_position_m`` and ``nav_velocity_m_s`` are per-axis
    navigation errors (east, north, up drawn independently). ``density_profile`` adds an
    altitude-correlated factor on top of ``density_rel``; ``wind_profile`` adds altitude-correlated east and
    north wind offsets (m/s) to the scaled winds; ``marsgram_file`` draws each case's
    atmosphere uniformly from a Mars-GRAM Monte Carlo file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    fpa_deg: _Dist = _Dist()
    speed_m_s: _Dist = _Dist()
    azimuth_deg: _Dist = _Dist()
    downrange_km: _Dist = _Dist()
    crossrange_km: _Dist = _Dist()
    mass_kg: _Dist = _Dist()
    cd_rel: _Dist = _Dist()
    cl_rel: _Dist = _Dist()
    chute_cd_rel: _Dist = _Dist()
    density_rel: _Dist = _Dist()
    wind_rel: _Dist = _Dist()
    range_trigger_m: _Dist = _Dist()
    velocity_trigger_m_s: _Dist = _Dist()
    density_profile: DensityProfileSpec = DensityProfileSpec()
    wind_profile: WindProfileSpec = WindProfileSpec()
    marsgram_file: str | None = None
    entry_covariance: EntryCovarianceSpec | None = None
    # shed hardware, separation and timing (HARDWARE_FIELDS)
    heat_shield_mass_kg: _Dist = _Dist()
    backshell_mass_kg: _Dist = _Dist()
    entry_balance_mass_kg: _Dist = _Dist()
    cruise_balance_mass_kg: _Dist = _Dist()
    heat_shield_delta_v_m_s: _Dist = _Dist()
    backshell_delta_v_m_s: _Dist = _Dist()
    entry_balance_delta_v_m_s: _Dist = _Dist()
    parachute_deploy_delay_s: _Dist = _Dist()
    heat_shield_delay_s: _Dist = _Dist()
    backshell_altitude_m: _Dist = _Dist()
    powered_descent_delay_s: _Dist = _Dist()
    # navigation errors (NAV_FIELDS)
    nav_position_m: _Dist = _Dist()
    nav_velocity_m_s: _Dist = _Dist()

    @field_validator("marsgram_file")
    @classmethod
    def _non_empty(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("must be a file path (or left out)")
        return v

    @model_validator(mode="after")
    def _covariance_or_elements(self) -> DispersionSpec:
        if self.entry_covariance is not None:
            both = [f for f in self.entry_covariance.fields if not getattr(self, f).is_zero or getattr(self, f).mean]
            if both:
                raise ValueError(f"{both} declared both alone and in entry_covariance: keep one")
        return self

    @model_validator(mode="after")
    def _within_own_ranges(self) -> DispersionSpec:
        for name, (low, high, what) in OWN_RANGES.items():
            lo, hi = self.reach(name)
            value_lo, value_hi = (1.0 + lo, 1.0 + hi) if name.endswith("_rel") else (lo, hi)
            if value_lo < low or value_hi > high:
                raise ValueError(f"{name} {self.reach_text(name)}, so {what} would reach {value_lo:g} .. "
                                 f"{value_hi:g}, outside [{low:g}, {high:g}]; narrow it")
        return self

    def reach(self, name: str) -> tuple[float, float]:
        """The lowest and highest deviation dispersion ``name`` can draw (not a quantile: the sampler's bounds).

        A uniform reaches mean +- half_width, a truncated normal its cut, a normal :data:`NORMAL_REACH_SIGMA`
        sigma (the most extreme uniform the sampler draws, through the inverse CDF); a field of
        ``entry_covariance`` reaches ``mean_i +- NORMAL_REACH_SIGMA * sum_j |L_ij|`` (each standard normal of the
        factor ``L`` within the same bound)."""
        cov = self.entry_covariance
        if cov is not None and name in cov.fields:
            i = cov.fields.index(name)
            mean = cov.mean[i] if cov.mean is not None else 0.0
            width = NORMAL_REACH_SIGMA * float(sum(abs(x) for x in cov.factor()[i]))
            return mean - width, mean + width
        d = getattr(self, name)
        width = {"uniform": d.half_width, "truncnormal": d.truncate_sigma * d.sigma}.get(
            d.dist, NORMAL_REACH_SIGMA * d.sigma)
        return d.mean - width, d.mean + width

    def reach_text(self, name: str) -> str:
        """How far dispersion ``name`` reaches, said for an error message."""
        lo, hi = self.reach(name)
        cov = self.entry_covariance
        if cov is not None and name in cov.fields:
            how = f"(entry_covariance, up to {NORMAL_REACH_SIGMA:.2f} sigma per normal)"
        else:
            how = {"uniform": "(uniform)", "truncnormal": "(truncated normal)"}.get(
                getattr(self, name).dist, f"(a normal draws up to {NORMAL_REACH_SIGMA:.2f} sigma)")
        return f"draws deviations {lo:+g} .. {hi:+g} {_unit(name)} {how}"

    def check_within(self, nominal: Callable[[str], float]) -> None:
        """One-line :class:`MarsEDLError` when a dispersion can draw a value outside the range its preset field
        declares (:data:`PRESET_FIELDS`; ``nominal(path)`` gives the field's value in the mission flown)."""
        from marsedl.scenario import field_range

        for name, (path, how) in PRESET_FIELDS.items():
            lo, hi = self.reach(name)
            if lo == hi == 0.0:
                continue
            base = nominal(path)
            values = (base * (1.0 + lo), base * (1.0 + hi)) if how == "scale" else (base + lo, base + hi)
            rng = field_range(path)
            bad = [v for v in values if v not in rng]
            if bad:
                raise MarsEDLError(f"dispersions.{name} {self.reach_text(name)}, so {path} (nominal {base:g}) "
                                   f"would reach {bad[0]:g}, outside its range {rng}; narrow it")

    def describe(self) -> list[dict[str, Any]]:
        """One row per active dispersion: ``name``, ``kind`` (normal, uniform, truncnormal, profile,
        covariance, file), ``mean``, ``width`` (sigma, half-width or the profile's sigma), ``std`` (one standard
        deviation of the draws), ``unit`` and ``detail`` (truncation, correlation length, covariance fields)."""
        rows = []
        for name in (*SCALAR_FIELDS, *HARDWARE_FIELDS, *NAV_FIELDS):
            d = getattr(self, name)
            if d.is_zero and not d.mean:
                continue
            detail = f"cut at {d.truncate_sigma:g} sigma" if d.dist == "truncnormal" else ""
            if name in NAV_FIELDS:
                detail = "each of east, north, up"
            rows.append({"name": name, "kind": d.dist, "mean": d.mean, "width": d.width, "std": d.std,
                         "unit": _unit(name), "detail": detail})
        for name, spec in (("density_profile", self.density_profile), ("wind_profile", self.wind_profile)):
            width = getattr(spec, spec.width_field)
            if width > 0:
                rows.append({"name": name, "kind": "profile", "mean": 0.0, "width": width, "std": width,
                             "unit": "ln(rho)" if name == "density_profile" else "m/s",
                             "detail": f"Gauss-Markov in altitude, {spec.correlation_length_km:g} km"})
        if self.entry_covariance is not None:
            c = self.entry_covariance
            for j, f in enumerate(c.fields):
                sd = float(c.matrix[j][j]) ** 0.5
                rows.append({"name": f, "kind": "covariance", "mean": c.mean[j] if c.mean else 0.0, "width": sd,
                             "std": sd, "unit": _unit(f), "detail": "jointly with " + ", ".join(
                                 g for g in c.fields if g != f) if len(c.fields) > 1 else "entry_covariance"})
        if self.marsgram_file:
            rows.append({"name": "marsgram_file", "kind": "file", "mean": 0.0, "width": 0.0, "std": 0.0, "unit": "",
                         "detail": self.marsgram_file})
        return rows

    def active(self) -> list[str]:
        """Names of the dispersions that are not fixed at the nominal."""
        names = [n for n in (*SCALAR_FIELDS, *HARDWARE_FIELDS, *NAV_FIELDS)
                 if not getattr(self, n).is_zero or getattr(self, n).mean]
        if self.density_profile.sigma > 0:
            names.append("density_profile")
        if self.wind_profile.sigma_m_s > 0:
            names.append("wind_profile")
        if self.marsgram_file:
            names.append("marsgram_file")
        if self.entry_covariance is not None:
            names.append("entry_covariance")
        return names


def _unit(name: str) -> str:
    """The unit a dispersion's name ends in (``_rel``: relative, 0.01 = 1 %)."""
    for suffix, unit in (("_m_s", "m/s"), ("_deg", "deg"), ("_km", "km"), ("_kg", "kg"), ("_rel", "relative"),
                         ("_s", "s"), ("_m", "m")):
        if name.endswith(suffix):
            return unit
    return ""


def parse_dispersions(data: dict[str, Any] | None, origin: str = "dispersions") -> DispersionSpec:
    """Validate a raw ``[dispersions]`` table, with a one-line error naming the field and the rule."""
    try:
        return DispersionSpec.model_validate(data or {})
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if not str(p).startswith("function-"))
            msg = err.get("msg", "invalid").removeprefix("Value error, ")
            first = msg.split(" ", 1)[0]
            if not loc and first in DispersionSpec.model_fields:  # a rule of the whole spec naming one field
                loc, msg = first, msg.split(" ", 1)[1]
                parts.append(f"{origin}.{loc} {msg}")
                continue
            loc = f"{origin}.{loc}" if loc else origin
            if err.get("type") == "extra_forbidden":
                msg = "is not a known dispersion (see marsedl.montecarlo.DispersionSpec)"
            parts.append(f"{loc}: {msg}")
        raise MarsEDLError("; ".join(parts[:3]) + (" ..." if len(parts) > 3 else "")) from None


# Built-in set for presets that declare none. Widths are 1-sigma. No public per-parameter Mars 2020 / MSL
# dispersion table was available to us, so each width is a model choice (M) sized to the orders of magnitude the
# Mars 2020 and MSL simulation assessments quote (W22 Way et al. 2022; DW17 Dutta & Way 2017; E22 Edquist et al.
# 2022; C14 Cruz et al. 2014), then calibrated on one published figure: the Mars 2020 99 % landing ellipse,
# 7.7 km x 6.6 km (JPL PIA24350), which the mars2020 delivery ellipse (backshell separation, before the descent)
# matches within 10 % (tests/montecarlo/test_calibration.py). The calibration moved five widths (the density
# profile 3 -> 7 %, the unpredicted winds 6 -> 10 m/s, capsule C_L 2 -> 3 %, C_D 1 -> 2 %, navigation
# knowledge 300 -> 650 m). Checked, not tuned: MSL's published 20 km x 7 km ellipse (JPL PIA15686) - our
# msl preset gives the width (about 7.6 km) but only about 12 km of the length; see README, "Monte Carlo".
# Change them in a preset's [dispersions] table or with --set.
_DEFAULT: dict[str, Any] = {
    # delivery error at entry interface: +-0.075 deg 3-sigma FPA (W22/DW17 quote +-0.05-0.1 deg), M
    "fpa_deg": {"dist": "normal", "sigma": 0.025},
    "speed_m_s": {"dist": "normal", "sigma": 0.3},  # M: +-1 m/s 3-sigma planet-relative speed at EI
    "azimuth_deg": {"dist": "normal", "sigma": 0.01},  # M: +-0.03 deg 3-sigma heading
    "downrange_km": {"dist": "normal", "sigma": 1.0},  # M: entry-point delivery, +-3 km 3-sigma along track
    "crossrange_km": {"dist": "normal", "sigma": 0.3},  # M: +-1 km 3-sigma across track
    "mass_kg": {"dist": "normal", "sigma": 5.0},  # M: +-15 kg 3-sigma entry mass (E22: 3369 flown vs 3436 design)
    # M: C_D +-6 % 3-sigma (capsule aero uncertainty grows from hypersonic to supersonic, W22 order; calibrated)
    "cd_rel": {"dist": "truncnormal", "sigma": 0.02, "truncate_sigma": 3.0},
    "cl_rel": {"dist": "truncnormal", "sigma": 0.03, "truncate_sigma": 3.0},  # M: C_L +-9 % 3-sigma (calibrated)
    "chute_cd_rel": {"dist": "truncnormal", "sigma": 0.0167, "truncate_sigma": 3.0},  # M: +-5 % 3-sigma (C14)
    "density_rel": {"dist": "normal", "sigma": 0.04},  # M: a whole-profile factor, +-12 % 3-sigma
    # M: Gauss-Markov in ln(rho), about one scale height; with the factor above, 8 % 1-sigma in all below 40 km,
    # where the flown Mars 2020 atmosphere was within 12 % of its pre-flight model (E22). Calibrated: it is the
    # change of density with altitude, not a whole-profile factor the guidance adapts to, that moves the delivery
    "density_profile": {"sigma": 0.07, "correlation_length_km": 8.0},
    "wind_rel": {"dist": "uniform", "half_width": 0.5},  # M: winds known to +-50 % (W22 Table 13 sizes)
    "range_trigger_m": {"dist": "normal", "sigma": 200.0},  # M: navigated along-track error at deploy
    "velocity_trigger_m_s": {"dist": "normal", "sigma": 1.0},  # M: navigated speed error at deploy
    # M: winds the model did not predict, 10 m/s per component, correlated over 5 km in altitude (the flown
    # along-track winds, W22 Table 13, reached 20-25 m/s); under the parachute (about 100 s) this drifts the
    # vehicle about 1 km (1 sigma) - the largest term of the delivery ellipse's width. Calibrated
    "wind_profile": {"sigma_m_s": 10.0, "correlation_length_km": 5.0},
    # M: entry-navigation knowledge error, 650 m per axis (east, north, up; seen by entry guidance and the deploy
    # trigger; the descent's radar and terrain-relative navigation remove it before landing). Calibrated
    "nav_position_m": {"dist": "normal", "sigma": 650.0},
    # Shed hardware and timing (deviations from the preset's values), all M: no public tolerance was found.
    # They barely move the rover but spread the debris footprints the survey must cover.
    "heat_shield_mass_kg": {"dist": "normal", "sigma": 5.0},  # +-15 kg 3-sigma on 440 kg (a secondary source)
    "backshell_mass_kg": {"dist": "normal", "sigma": 5.0},  # +-15 kg 3-sigma on 575 kg
    "entry_balance_mass_kg": {"dist": "normal", "sigma": 0.1},  # machined tungsten, +-0.3 kg 3-sigma
    "cruise_balance_mass_kg": {"dist": "normal", "sigma": 0.3},
    # spring push-off speeds, +-10 % 1-sigma, cut at 3 sigma so a speed never goes negative
    "heat_shield_delta_v_m_s": {"dist": "truncnormal", "sigma": 0.15, "truncate_sigma": 3.0},
    "entry_balance_delta_v_m_s": {"dist": "truncnormal", "sigma": 0.3, "truncate_sigma": 3.0},
    "parachute_deploy_delay_s": {"dist": "truncnormal", "sigma": 0.05, "truncate_sigma": 3.0},  # mortar to line stretch
    "heat_shield_delay_s": {"dist": "normal", "sigma": 0.5},  # minimum time after deploy (20 s nominal)
    "backshell_altitude_m": {"dist": "normal", "sigma": 20.0},  # radar altitude at separation, about 1 % of 2.1 km
    "powered_descent_delay_s": {"dist": "truncnormal", "sigma": 0.05, "truncate_sigma": 3.0},  # engine warm-up
}


def default_dispersions(preset: str | None = None) -> dict[str, Any]:
    """The built-in raw ``[dispersions]`` table (same set for ``mars2020`` and ``msl``; a deep copy)."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in _DEFAULT.items()}
