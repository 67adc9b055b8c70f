"""Heat-shield separation as the flight logic has it (issue #10 item 6): Mach at or below the preset's
``max_mach`` and at least ``min_time_after_deploy_s`` after deploy, whichever comes later (one law,
laws.triggers.heat_shield_separation_g, flown by the kernel's event)."""

from __future__ import annotations

import pytest

from marsedl.flight import simulate


def _sep(overrides):
    r = simulate("mars2020", overrides=overrides, record=False)
    ev = {e.name: e for e in r.events}
    return ev["parachute_deploy"], ev["heat_shield_separation"]


def test_the_minimum_time_holds_when_mach_is_already_low():
    deploy, hs = _sep(["heat_shield.min_time_after_deploy_s=20"])
    assert hs.time_s - deploy.time_s == pytest.approx(20.0, abs=1e-3)
    assert hs.mach < 0.8


@pytest.mark.parametrize("max_mach", [0.8, 0.5])
def test_the_mach_condition_holds_when_the_time_is_already_past(max_mach):
    # no minimum time: the heat shield goes as the Mach number falls through max_mach (located inside the step)
    deploy, hs = _sep(["heat_shield.min_time_after_deploy_s=0", f"heat_shield.max_mach={max_mach}"])
    assert hs.mach == pytest.approx(max_mach, abs=0.01)
    assert hs.time_s > deploy.time_s
