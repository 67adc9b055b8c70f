"""The rules the corpus leans on, held to independent truths: every number of a preset schema has a range on both
sides, and no normal draw of the Monte Carlo sampler goes beyond the reach the range check assumes."""

from __future__ import annotations

import typing

import numpy as np
import pytest
from pydantic import BaseModel

#: numeric fields bounded by a validator of their own rather than a declared range (tested in the corpus)
_VALIDATED = {"entry.range_km", "parachute.mach_box", "parachute.q_box_pa", "guidance.corridor_m",
              "initial.velocity_ned_m_s", "planet.inverse_flattening"}


def _numeric_leaves(model: type[BaseModel], prefix: str = ""):
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _numeric_leaves(ann, f"{prefix}{name}.")
            continue
        args = typing.get_args(ann) or (ann,)
        if any(a in (int, float) or typing.get_origin(a) in (tuple, typing.Annotated) for a in args):
            yield f"{prefix}{name}"


@pytest.mark.parametrize("schema", ["marsedl.scenario:Mission", "marsedl.body:BodyMission"])
def test_every_number_of_a_preset_has_a_range_on_both_sides(schema):
    import importlib

    from marsedl.scenario import field_range

    module, name = schema.split(":")
    model = getattr(importlib.import_module(module), name)
    unbounded = []
    for path in _numeric_leaves(model):
        rng = field_range(path, model)
        if path not in _VALIDATED and (rng is None or rng.low is None or rng.high is None):
            unbounded.append(path)
    assert not unbounded


class _Extreme:
    """A generator whose every uniform is ``value`` (the sampler's most extreme raw draws: 0 and 1 - 2^-53)."""

    def __init__(self, value: float):
        self.value = value

    def random(self, n: int) -> np.ndarray:
        return np.full(n, self.value)


@pytest.mark.parametrize("raw", [0.0, 1.0 - 2.0**-53])
def test_the_farthest_normal_draw_is_within_the_reach_the_range_check_assumes(monkeypatch, raw):
    """``numpy``'s ``random()`` returns k / 2^53 for k in 0 .. 2^53 - 1: fed its two extremes, the sampler draws a
    normal of sigma 1 at -8.29 (the inverse CDF of 2^-54) and +8.13 (of 1 - 2^-53, the largest double below 1; the
    top of the shifted grid, 1 - 2^-54, rounded to 1.0 and drew +inf before), both finite and within
    NORMAL_REACH_SIGMA."""
    from statistics import NormalDist

    from marsedl.montecarlo import sampling
    from marsedl.montecarlo.dispersions import NORMAL_REACH_SIGMA, DispersionSpec

    monkeypatch.setattr(sampling, "case_generator", lambda seed, case: _Extreme(raw))
    spec = DispersionSpec(fpa_deg={"sigma": 1.0}, heat_shield_delay_s={"sigma": 2.0})
    d = sampling.draw_cases(spec, seed=0, start=0, stop=2).values
    want = NormalDist().inv_cdf(2.0**-54 if raw == 0.0 else 1.0 - 2.0**-53)
    assert d["fpa_deg"] == pytest.approx([want] * 2, rel=1e-9)
    assert d["heat_shield_delay_s"] == pytest.approx([2.0 * want] * 2, rel=1e-9)
    assert abs(d["fpa_deg"]).max() <= NORMAL_REACH_SIGMA < 8.2925
    lo, hi = spec.reach("fpa_deg")
    assert lo <= d["fpa_deg"].min() and d["fpa_deg"].max() <= hi
