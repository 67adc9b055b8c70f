"""The nominal ``mars2020`` and ``msl`` against their published flight reconstructions (issue #10).

Published flight outcomes are for validation only, never for fitting: no model constant was moved to make one of
these pass. Each test names its source and its tolerance, and why that tolerance.

Sources:

* **L18** Lakdawalla, "The Design and Engineering of Curiosity" (Springer 2018), Table 2.2: MSL's EDL events in
  spacecraft event time (UTC), to 1 s, compiled from Karlgaard et al. 2014 (MSL EDL trajectory and atmosphere
  reconstruction) and others: entry interface 05:10:46, heading alignment 05:13:01, entry balance mass jettison
  (SUFR) 05:14:45, "wait for parachute deploy" 05:14:59, parachute deploy 05:15:05, heat-shield separation
  05:15:24.
* **JPL12** NASA/JPL, "Final Minutes of Curiosity's Arrival at Mars" (science.nasa.gov resource, 2012): "even for
  a given site, times for the opening of the parachute could vary by 10 to 15 seconds" — the pre-flight spread of
  the deploy time, used here as the tolerance of event times near deploy.
* **W22** Way et al., "Assessment of the Mars 2020 EDL Simulation", AIAA SciTech 2022, Table 10, as quoted in
  issue #10: SUFR started at 488 m/s, Mach 2.09; the powered descent vehicle fell free about 2.3 s from backshell
  separation to powered descent start.
* **UT12** Universe Today, "Rover, Sky Crane, Heat Shield and Parachute Located From Orbit by HiRISE" (Aug 2012),
  quoting the HiRISE team (press conference of 7 Aug 2012): MSL's heat shield about 1,220 m from Curiosity, the
  backshell and parachute about 610 m, the sky crane (descent stage) about 620 m ("2,100 feet", 640 m).
* **AS12** Air & Space magazine, "How Things Work: Dropping in on Mars" (2012, before the landing): MSL's powered
  descent lasts 25 to 30 s (a design figure, not a reconstruction; also in the project reference
  mars_edl_inputs.md as "MSL design").

Not tested here for want of a source reached: Mars 2020's flown event times (W22 Table 10 itself), peak
deceleration, the backshell's impact speed and its debris distances from the rover (HiRISE).
"""

from __future__ import annotations

import pytest

from marsedl.flight import simulate

#: L18 Table 2.2, seconds after MSL's entry interface (05:10:46 UTC)
MSL_FLOWN_S = {"heading_alignment": 135.0, "sufr": 239.0, "parachute_deploy": 259.0,
               "heat_shield_separation": 278.0}
#: L18: the entry balance masses went 20 s before the parachute (05:14:45 -> 05:15:05)
MSL_SUFR_TO_DEPLOY_S = 20.0
#: JPL12: deploy times spread by 10-15 s before flight
DEPLOY_SPREAD_S = 15.0
#: UT12: MSL's debris distances from the rover (HiRISE), m
MSL_DEBRIS_FROM_ROVER_M = {"heat_shield": 1220.0, "backshell": 610.0, "descent_stage": 620.0}


@pytest.fixture(scope="module")
def msl():
    return simulate("msl", record=False)


@pytest.fixture(scope="module")
def m2020():
    return simulate("mars2020", record=False)


def _t(result, name):
    return next(e for e in result.events if e.name == name).time_s


#: MSL's SUFR speed is Mars 2020's (M in the preset): in Gale's thinner air (item 8) the guided capsule flies lower
#: and reaches it 15.3 s before the flown SUFR, then waits 25.7 s for its velocity trigger
_MSL_SUFR = pytest.mark.xfail(strict=True, reason="issue #10 item 1: MSL's SUFR trigger is Mars 2020's 488 m/s (M); "
                                                  "with Gale's atmosphere SUFR comes at E+223.7 s, 15.3 s early")


@pytest.mark.parametrize("event", [pytest.param(e, marks=_MSL_SUFR) if e == "sufr" else e
                                   for e in sorted(MSL_FLOWN_S)])
def test_msl_event_times_against_the_reconstruction(msl, event):
    # L18, tolerance JPL12; MSL flies Gale's landing-day atmosphere (issue #10 item 8, atmosphere.gale)
    assert _t(msl, event) == pytest.approx(MSL_FLOWN_S[event], abs=DEPLOY_SPREAD_S)


@_MSL_SUFR
def test_msl_straightens_up_then_waits_for_its_velocity_trigger(msl):
    """L18: SUFR, a wait, then the velocity trigger, 20 s in all. Tolerance 5 s: MSL's SUFR speed is Mars 2020's
    (M in the preset); 20 m/s of it is about 5 s at the capsule's deceleration near Mach 2 (about 4 m/s²). With
    the former 900 m/s the wait was 83 s."""
    wait = _t(msl, "parachute_deploy") - _t(msl, "sufr")
    assert wait == pytest.approx(MSL_SUFR_TO_DEPLOY_S, abs=5.0)


def test_mars2020_deploys_after_sufr(m2020):
    # W22 (issue #10): the flight software waited in SUFR for the range trigger
    assert _t(m2020, "sufr") < _t(m2020, "parachute_deploy")


@pytest.mark.xfail(strict=True, reason="issue #10 item 2: the landing-day along-track wind's sign (and the "
                                       "temperature profile) put the nominal at Mach 2.29 at SUFR")
def test_mars2020_mach_at_sufr(m2020):
    # W22 Table 10 (issue #10): Mach 2.09 at SUFR; tolerance 0.05 (about 12 m/s of airspeed)
    sufr = next(e for e in m2020.events if e.name == "sufr")
    assert sufr.mach == pytest.approx(2.09, abs=0.05)


def test_mars2020_free_fall_after_backshell_separation(m2020):
    # W22 Table 10 (issue #10): about 2.3 s; the preset's powered_descent_delay_s is that value, so this checks the
    # sequence flies it (tolerance 0.05 s: the event is located inside a 0.1 s step)
    assert _t(m2020, "powered_descent_start") - _t(m2020, "backshell_separation") == pytest.approx(2.3, abs=0.05)


def test_msl_heat_shield_separation_after_deploy(msl):
    """L18: deploy 05:15:05, heat-shield separation 05:15:24, 19 s. Tolerance 2 s (each time to 1 s)."""
    assert _t(msl, "heat_shield_separation") - _t(msl, "parachute_deploy") == pytest.approx(19.0, abs=2.0)


@pytest.mark.xfail(strict=True, reason="the powered descent's gates are M (flight values not found): from MSL's "
                                       "1.5 km the approach alone takes 31 s; ours 37 s to the sky crane")
def test_msl_powered_descent_duration(msl):
    """AS12: 25 to 30 s of powered descent before the sky crane (a design figure); tolerance: that range."""
    assert 25.0 <= _t(msl, "sky_crane_start") - _t(msl, "powered_descent_start") <= 30.0


@pytest.mark.parametrize("body", [
    "heat_shield",  # (with MSL's own masses and Gale's atmosphere, issue #10 items 7 and 8; it was 1.9 km before)
    pytest.param("backshell", marks=pytest.mark.xfail(strict=True, reason="Gale's profile has no winds (issue #10 "
                                                                          "item 8) to drift the backshell, and the "
                                                                          "avoidance divert's side is M")),
    pytest.param("descent_stage", marks=pytest.mark.xfail(strict=True, reason="the fly-away burn and throttle "
                                                                              "are M (flyaway_burn_s)")),
])
def test_msl_debris_distances_from_the_rover(msl, body):
    """UT12 (HiRISE). Tolerance 25 %: the distances are quoted as "about", and Gale's landing-day winds are not in
    our Gale profile (issue #10 item 8)."""
    impact = next(i for i in msl.impacts if i.body == body)
    assert impact.distance_from_rover_m == pytest.approx(MSL_DEBRIS_FROM_ROVER_M[body], rel=0.25)
