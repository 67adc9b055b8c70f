"""Step-size study of the nominal flights: each [integration] setting against a fine reference, the others as
in the preset.

Usage::

    python benchmarks/step_convergence.py [--preset mars2020] [--preset msl]

For each setting, the nominal flight with the preset's value, coarser values and a fine reference (every other
setting as the preset has it) is compared event by event and impact by impact: the largest difference in time
(s) and in position (m; surface distance and altitude) against the reference, and the body steps of the case.
This is how the presets' [integration] values were chosen (their comments quote it); the tests in
``tests/test_engine_steps.py`` hold the chosen values to tolerances. The error-controlled steps' tolerance
(``step_tolerance_m``) acts only on an unguided flight's entry, so it is studied on the flight without guidance,
against RK4 at fixed 0.05 s steps, with the entry's peaks and steps too.
"""

from __future__ import annotations

import argparse
import math

from marsedl.flight import simulate

#: setting -> (fine reference, values studied)
STUDY = {
    "dt_coast_s": (2.0, (10.0, 30.0, 60.0)),
    "dt_entry_s": (0.125, (0.25, 0.5)),
    "dt_parachute_s": (0.1, (0.5, 1.0, 2.0)),
    "dt_inflation_s": (0.002, (0.02, 0.05, 0.1)),
    "powered_method": ("rk4", ("midpoint",)),
}
#: the same for the settings of an unguided flight (``guidance=False``: the entry holds its bank), whose entry
#: takes error-controlled steps; the reference is RK4 at fixed 0.05 s steps (tolerance 0: fixed steps)
STUDY_UNGUIDED = {
    "step_tolerance_m": ((0.0, ("integration.dt_entry_s=0.05",)), (1.0, 0.1, 0.01, 0.001, 0.0001, 0.0)),
}


def _distance_m(a, b, radius=3.3895e6) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2.0 * radius * math.asin(min(1.0, math.sqrt(h)))


def compare(run, ref) -> tuple[float, float, float, float]:
    """(largest event time difference, s; largest event position difference, m; the same for impacts)."""
    if [e.name for e in run.events] != [e.name for e in ref.events]:
        return (math.inf,) * 4
    ev_t = max(abs(a.time_s - b.time_s) for a, b in zip(run.events, ref.events, strict=True))
    ev_x = max(math.hypot(_distance_m(a, b), a.altitude_mola_m - b.altitude_mola_m)
               for a, b in zip(run.events, ref.events, strict=True))
    im_t = max(abs(a.time_s - b.time_s) for a, b in zip(run.impacts, ref.impacts, strict=True))
    im_x = max(_distance_m(a, b) for a, b in zip(run.impacts, ref.impacts, strict=True))
    return ev_t, ev_x, im_t, im_x


def _entry_steps(run) -> int:
    df = run.to_dataframe()
    return int(((df.body == "vehicle") & (df.phase == "entry")).sum())


def _peak_error(run, ref) -> float:
    """Largest relative difference of the entry's peaks (deceleration, dynamic pressure, heat rate)."""
    return max(abs(run.peaks[k] / ref.peaks[k] - 1.0) for k in ("deceleration_g", "dynamic_pressure_pa",
                                                                 "heat_rate_w_cm2"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", action="append", default=None)
    a = ap.parse_args()
    for preset in a.preset or ["mars2020"]:
        print(f"{preset}: {'setting':16s} {'value':>8s} {'events dt (s)':>14s} {'events dx (m)':>14s} "
              f"{'impacts dt (s)':>15s} {'impacts dx (m)':>15s} {'body steps':>11s}")
        for name, (fine, values) in STUDY.items():
            ref = simulate(preset, overrides=[f"integration.{name}={fine}"], record=False)
            for v in values:
                run = simulate(preset, overrides=[f"integration.{name}={v}"], record=True)
                steps = run.to_dataframe().shape[0]
                print(f"{'':{len(preset) + 2}s}{name:16s} {v!s:>8s} " + " ".join(
                    f"{x:>14.4f}" for x in compare(run, ref)) + f" {steps:>11d}")
        print(f"{preset} unguided: {'setting':16s} {'value':>8s} {'events dt (s)':>14s} {'events dx (m)':>14s} "
              f"{'impacts dt (s)':>15s} {'impacts dx (m)':>15s} {'peaks (rel)':>11s} {'entry steps':>11s}")
        for name, ((fine, more), values) in STUDY_UNGUIDED.items():
            ref = simulate(preset, overrides=[f"integration.{name}={fine}", *more], guidance=False, record=True)
            for v in values:
                run = simulate(preset, overrides=[f"integration.{name}={v}"], guidance=False, record=True)
                print(f"{'':{len(preset) + 11}s}{name:16s} {v!s:>8s} " + " ".join(
                    f"{x:>14.4f}" for x in compare(run, ref)) + f" {_peak_error(run, ref):>11.1e}"
                    f" {_entry_steps(run):>11d}")


if __name__ == "__main__":
    main()
