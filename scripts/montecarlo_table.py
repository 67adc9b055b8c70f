"""The README's Monte Carlo table: 99 % ellipses of the built-in dispersions, and what a hazard map changes.

Usage::

    python scripts/montecarlo_table.py [--n 2000] [--seed 7]

Flies ``mars2020`` (range trigger), ``mars2020`` with the velocity trigger, ``msl``, and ``mars2020`` with the
synthetic hazard map (``examples/synthetic_hazard_map.png``), each ``--n`` cases from ``--seed``, through
``marsedl.montecarlo`` (what ``marsedl montecarlo`` runs), and prints the table rows as Markdown: the along-track
spread at deploy and at touchdown, the delivery and touchdown ellipses (empirical 99 %, full axes; the Gaussian
chi-square ellipse in brackets with what it holds where that is not 99 %), and for the map run the share of
touchdowns on safe cells and the safe-spot diverts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import marsedl
from marsedl.hazard_map import load_hazard_map

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "examples" / "synthetic_hazard_map.png"


def _axes(ell: dict) -> str:
    emp, gau = ell["empirical"], ell["gaussian"]
    held = gau["containment"]["fraction"]
    note = "" if abs(held - 0.99) < 0.0025 else f", holds {100 * held:.1f} %"
    return (f"{2 * emp['semi_major_km']:.1f} km × {2 * emp['semi_minor_km']:.1f} km "
            f"({2 * gau['semi_major_km']:.1f} × {2 * gau['semi_minor_km']:.1f}{note})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    runs = {
        "mars2020, range trigger": ("mars2020", []),
        "mars2020, velocity trigger": ("mars2020", ["parachute.trigger=velocity"]),
        "msl (velocity trigger)": ("msl", []),
        "mars2020, synthetic hazard map": ("mars2020", [f'trn.hazard_map="{MAP}"']),
    }
    rows: dict[str, list[str]] = {"along-track σ at parachute deploy": [], "along-track σ at touchdown": [],
                                  "delivery (backshell separation)": [], "touchdown": []}
    hazard = load_hazard_map(MAP)
    for name, (preset, sets) in runs.items():
        mc = marsedl.montecarlo(preset, n=a.n, seed=a.seed, overrides=sets)
        df, s = mc.to_pandas(), mc.summary
        rows["along-track σ at parachute deploy"].append(f"{df['parachute_deploy_along_m'].std() / 1e3:.2f} km")
        rows["along-track σ at touchdown"].append(f"{df['miss_along_m'].std() / 1e3:.2f} km")
        rows["delivery (backshell separation)"].append(_axes(s["delivery_ellipse"]))
        rows["touchdown"].append(_axes(s["landing_ellipse"]))
        if preset == "mars2020":
            on = hazard.is_safe(np.radians(df["touchdown_lat_deg"]), np.radians(df["touchdown_lon_deg"]))
            print(f"{name}: {100 * on.mean():.1f} % of the touchdowns on the synthetic map's safe cells")
        if "trn_safe_spot" in df and df["trn_safe_spot"].notna().any():
            div = df["trn_divert_m"].dropna().to_numpy()
            print(f"{name}: {100 * df['trn_safe_spot'].mean():.1f} % on safe cells; safe-spot divert median "
                  f"{np.median(div):.0f} m, p99 {np.percentile(div, 99):.0f} m")
        print(f"{name}: {s['cases_per_s']:.0f} cases/s, outcomes {s['outcomes']}")
    print()
    print("| | " + " | ".join(runs) + " |")
    print("|---" * (len(runs) + 1) + "|")
    for label, cells in rows.items():
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
