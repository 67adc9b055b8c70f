"""A preset's own events ([[sequence.events]], marsedl.preset_events): flown from the example file, checked against
the trajectory's own history; a released part; bad rows refused in one line."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from marsedl import simulate
from marsedl.errors import MarsEDLError
from marsedl.scenario import load_mission, read_preset, validate_mission

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mars2020_lvs_event.toml"
LVS_ALT_M = 4200.0  # the example's threshold (its source: the file's comment)
BALLAST_KG = 30.0


@pytest.fixture(scope="module")
def lvs():
    return simulate(preset_file=EXAMPLE)


@pytest.fixture(scope="module")
def nominal():
    return simulate("mars2020")


def _vehicle_history(res):
    df = res.to_dataframe()
    return df[df["body"] == "vehicle"].sort_values("time_s", kind="stable")


def test_example_event_is_where_the_history_crosses_its_altitude(lvs):
    ev = [e for e in lvs.events if e.name == "lander_vision_system_start"]
    assert len(ev) == 1  # once, though the vehicle stays below 4.2 km all the way down
    e = ev[0]
    # independently: the first time the recorded vehicle, under the parachute without its heat shield, is below
    # 4.2 km above the ground, interpolated linearly between the two rows around it (rows at the event excluded)
    h = _vehicle_history(lvs)
    h = h[(h["phase"] == "chute_no_hs") & (np.abs(h["time_s"] - e.time_s) > 1e-6)]
    t, alt = h["time_s"].to_numpy(), h["altitude_agl_m"].to_numpy()
    k = int(np.flatnonzero(alt <= LVS_ALT_M)[0])
    t_cross = np.interp(LVS_ALT_M, [alt[k], alt[k - 1]], [t[k], t[k - 1]])
    # (the rows are steps apart, 2 s under the parachute, and the two around the excluded event row at most two steps
    # apart: the descent rate changes little over that, so the linear interpolation is good to a few hundredths of a
    # second, ~1 m at ~90 m/s)
    assert t[k] - t[k - 1] <= 4.0
    assert e.time_s == pytest.approx(t_cross, abs=0.02)
    assert e.altitude_agl_m == pytest.approx(LVS_ALT_M, abs=0.5)
    # in its order: after heat-shield separation, before backshell separation (2.1 km)
    names = [x.name for x in lvs.events]
    assert names.index("heat_shield_separation") < names.index("lander_vision_system_start") \
        < names.index("backshell_separation")


def test_a_logged_event_changes_nothing_else(lvs, nominal):
    other = [x for x in lvs.events if x.name != "lander_vision_system_start"]
    assert [x.name for x in other] == [x.name for x in nominal.events]
    # (the event splits one integration step, and the planning flights carry it too: the same to rounding, well
    # inside what the nominal timeline must keep, 0.05 s and 5 m)
    for a, b in zip(other, nominal.events, strict=True):
        assert a.time_s == pytest.approx(b.time_s, abs=1e-3)
        assert a.altitude_agl_m == pytest.approx(b.altitude_agl_m, abs=0.1)
    assert lvs.touchdown.miss_distance_m == pytest.approx(nominal.touchdown.miss_distance_m, abs=0.1)


def _with_events(*events, name="mars2020_ballast"):
    data, _ = read_preset("mars2020")
    data = copy.deepcopy(data)
    data["name"] = name
    data["sequence"]["events"] = list(events)
    return data


BALLAST = {"name": "ballast_drop", "armed": ["chute"],
           "when": {"observable": "time_since_deploy_s", "above": 5.0},
           "actions": [{"release": {"part": "ballast", "mass_kg": BALLAST_KG, "aero": "entry_balance_mass",
                                    "delta_v_m_s": 2.0, "direction": "against"}}]}


def test_a_released_part_takes_its_mass_and_lands():
    nominal_mass = load_mission("mars2020").entry_mass_kg
    data = _with_events(BALLAST)
    assert validate_mission(data).entry_mass_kg == pytest.approx(nominal_mass + BALLAST_KG)  # carried from entry
    res = simulate(mission=data)
    assert res.outcome == "landed"
    ev = {e.name: e for e in res.events}
    # when: 5 s after the deploy logged by the engine's own event
    assert ev["ballast_drop"].time_s == pytest.approx(ev["parachute_deploy"].time_s + 5.0, abs=1e-6)
    h = _vehicle_history(res)
    t, m = h["time_s"].to_numpy(), h["mass_kg"].to_numpy()
    te = ev["ballast_drop"].time_s
    before, after = m[t < te - 1e-9][-1], m[t > te + 1e-9][0]
    assert before - after == pytest.approx(BALLAST_KG, abs=1e-9)  # under the parachute nothing else changes it
    assert m[0] == pytest.approx(nominal_mass + BALLAST_KG)
    impacts = [i for i in res.impacts if i.body == "ballast"]
    assert len(impacts) == 1 and impacts[0].mass_kg == pytest.approx(BALLAST_KG)
    assert impacts[0].time_s > te
    # it flew on its own, with its own mass, from after the event down to the ground
    df = res.to_dataframe()
    b = df[df["body"] == "ballast"]
    assert b["time_s"].min() > te and np.all(b["mass_kg"] == BALLAST_KG)
    assert b["altitude_agl_m"].min() == pytest.approx(0.0, abs=0.01)


def test_set_aero_and_end_end_the_case():
    # a capsule that ends its flight at SUFR with the outcome 'stopped', after switching its aero model
    data = _with_events({"name": "abort", "armed": ["sufr"], "when": {"observable": "mach", "below": 2.0},
                         "actions": [{"set_aero": "heat_shield"}, {"end": "stopped"}]}, name="mars2020_abort")
    res = simulate(mission=data)
    assert res.outcome == "stopped"
    names = [e.name for e in res.events]
    assert names[-1] == "abort" and "parachute_deploy" not in names
    assert res.events[-1].mach == pytest.approx(2.0, abs=1e-4)


@pytest.mark.parametrize(("event", "says"), [
    ({**BALLAST, "name": "sufr"}, "built-in"),
    ({**BALLAST, "armed": ["orbit"]}, "armed"),
    ({**BALLAST, "when": {"observable": "altitude", "below": 1.0}}, "observable"),
    ({**BALLAST, "when": {"observable": "mach", "below": 1.0, "above": 2.0}}, "exactly one of below or above"),
    ({**BALLAST, "actions": [{"explode": True}]}, "explode"),
    ({**BALLAST, "actions": [{"set_aero": "brick"}]}, "set_aero"),
    ({**BALLAST, "armed": ["powered"]}, "after backshell separation"),
    ({**BALLAST, "actions": [{"release": {**BALLAST["actions"][0]["release"], "mass_kg": -1.0}}]}, "allowed"),
    # no phase change from a preset (an entry vehicle put into the powered descent was an internal error), and no
    # landing but the touchdown's
    ({**BALLAST, "actions": [{"set_phase": "powered"}]}, "set_phase"),
    ({**BALLAST, "actions": [{"end": "landed"}]}, "end"),
])
def test_bad_events_are_one_line_errors(event, says):
    with pytest.raises(MarsEDLError) as exc:
        validate_mission(_with_events(event), "preset x")
    msg = str(exc.value)
    assert "\n" not in msg and "sequence.events" in msg and says in msg


def test_too_many_and_twice_named_events():
    with pytest.raises(MarsEDLError, match=r"sequence.events.*at most 8"):
        validate_mission(_with_events(*({**BALLAST, "name": f"e_{c}", "actions": []} for c in "abcdefghi")))
    with pytest.raises(MarsEDLError, match="each name once"):
        validate_mission(_with_events({**BALLAST, "actions": []}, {**BALLAST, "actions": []}))


def test_cli_bad_event_exits_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace('observable = "alt_agl_m"', 'observable = "altitude"'))
    r = subprocess.run([sys.executable, "-m", "marsedl", "simulate", "--preset-file", str(bad)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr + r.stdout
    assert "sequence.events.0.when.observable" in r.stderr + r.stdout


# one logged event per observable (marsedl.sequence.OBSERVABLES), each with a threshold the nominal flight crosses
# once in the phases where it is armed: (observable, condition, threshold, armed phases)
_WATCH = [("alt_agl_m", "below", 6000.0, ["chute_no_hs"]), ("alt_mola_m", "below", 3000.0, ["chute_no_hs"]),
          ("speed_m_s", "below", 150.0, ["chute_no_hs"]), ("mach", "below", 1.0, ["chute"]),
          ("dynamic_pressure_pa", "below", 300.0, ["chute"]), ("time_s", "above", 300.0, ["chute_no_hs"]),
          ("time_since_deploy_s", "above", 5.0, ["chute"]), ("time_since_mark_s", "above", 0.5, ["freefall"])]


def test_each_observable_is_the_quantity_it_names():
    """An event watching an observable fires where that quantity (as the event row reports it) reaches the
    threshold: the kernels read the observable its name says."""
    events = [{"name": f"watch_{k}", "armed": armed, "when": {"observable": obs, cond: thr}, "actions": []}
              for k, (obs, cond, thr, armed) in enumerate(_WATCH)]
    res = simulate(None, mission=_with_events(*events, name="mars2020_watch"))
    got = {e.name: e for e in res.events}
    deploy, backshell = got["parachute_deploy"].time_s, got["backshell_separation"].time_s
    row = {"alt_agl_m": "altitude_agl_m", "alt_mola_m": "altitude_mola_m", "speed_m_s": "speed_m_s", "mach": "mach",
           "dynamic_pressure_pa": "dynamic_pressure_pa", "time_s": "time_s"}
    for k, (obs, _, thr, _) in enumerate(_WATCH):
        e = got[f"watch_{k}"]
        if obs in row:
            assert getattr(e, row[obs]) == pytest.approx(thr, rel=1e-4, abs=1e-3), obs
        elif obs == "time_since_deploy_s":
            assert e.time_s - deploy == pytest.approx(thr, abs=1e-3)
        else:  # the vehicle's mark is set at backshell separation
            assert e.time_s - backshell == pytest.approx(thr, abs=1e-3)


def test_a_time_since_the_deploy_starts_at_the_deploy_on_every_body():
    """The entry balance masses leave at SUFR, before the parachute's deploy, and fly on after it. An event on them
    watching ``time_since_deploy_s`` below a large threshold fires when the deploy has happened — at the deploy's
    time — not at their release, when it was still to come (the bodies fly one after the other, so a body released
    earlier is flown after its vehicle has set the deploy's time: the observable must not see it early)."""
    from marsedl.engine import Engine
    from marsedl.flight import nominal_cases, prepare

    ev = {"name": "after_deploy", "armed": ["ballistic"], "when": {"observable": "time_since_deploy_s",
                                                                    "below": 1000.0}, "actions": []}
    setup = prepare(mission=_with_events(ev, name="mars2020_since_deploy"))
    out = Engine(setup.config).run(nominal_cases(setup))
    names = out.event_names
    e = out.events
    code = {n: names.index(n) for n in ("sufr", "parachute_deploy", "after_deploy")}
    sufr, deploy = (e["t"][(e["code"] == code[n]) & (e["body"] == 0)] for n in ("sufr", "parachute_deploy"))
    ebm = [k for k, n in enumerate(out.body_names) if n.startswith("entry_balance_mass")]
    assert deploy.size == 1 and ebm and sufr[0] < deploy[0] - 1.0  # (released well before the deploy)
    for b in ebm:
        fired = e["t"][(e["code"] == code["after_deploy"]) & (e["body"] == b)]
        assert fired.size == 1, out.body_names[b]
        assert fired[0] == pytest.approx(deploy[0], abs=1e-5)
