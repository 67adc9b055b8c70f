"""Fly NASA's NESC atmospheric check-cases and compare them with the six simulators: the README's table and figure.

    python scripts/nesc_checkcases.py [--figure docs/figures/nesc_checkcases.png]

Prints a Markdown table (per case and quantity: our worst distance from the simulators' median against the
largest distance of any simulator from it) and draws, for each case, every simulator's and our altitude minus
the simulators' median altitude against time. Uses only the repository (``examples/nesc/``, ``tests/data/nesc/``).
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from marsedl.verification import QUANTITIES, check_case  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
UNITS = {"altitude_m": ("altitude", "m", "{:.3g}"), "lat_deg": ("lat", "°", "{:.2g}"),
         "lon_deg": ("lon", "°", "{:.2g}"), "v_north_m_s": ("v N", "m/s", "{:.2g}"),
         "v_east_m_s": ("v E", "m/s", "{:.2g}"), "v_down_m_s": ("v D", "m/s", "{:.2g}"),
         "mach": ("Mach", "", "{:.2g}"), "dynamic_pressure_pa": ("q", "Pa", "{:.3g}")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--figure", default=str(REPO / "docs" / "figures" / "nesc_checkcases.png"))
    a = ap.parse_args()
    presets = sorted((REPO / "examples" / "nesc").glob("atmos_*.toml"))
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), sharex=True)
    print("| case | " + " | ".join(f"{UNITS[q][0]} ({UNITS[q][1]})" if UNITS[q][1] else UNITS[q][0]
                                   for q in QUANTITIES) + " |")
    print("|---|" + "---|" * len(QUANTITIES))
    for ax, preset in zip(axes.flat, presets, strict=True):
        case = preset.stem[6:8]
        sims = pd.read_csv(REPO / "tests" / "data" / "nesc" / f"atmos_{case}.csv", dtype={"sim": str})
        _, ours, comparisons, setup = check_case(preset, sims)
        checks = {c.quantity: c for c in comparisons}
        cells = []
        for q in QUANTITIES:
            c = checks.get(q)
            f = UNITS[q][2]
            cells.append("—" if c is None else f"{f.format(c.worst_miss)} / {f.format(c.spread)}"
                         + ("" if c.passed else " **✗**"))
        print(f"| {case} | " + " | ".join(cells) + " |")
        wide = sims.pivot_table(index="time_s", columns="sim", values="altitude_m", aggfunc="first")
        med = wide.median(axis=1)
        for sim in wide.columns:
            ax.plot(wide.index, wide[sim] - med, lw=1, alpha=0.7, label=f"sim {sim}")
        mine = np.interp(wide.index, ours["time_s"], ours["altitude_m"])
        ax.plot(wide.index, mine - med, "k--", lw=2, label="marsedl")
        title = setup.mission.description.removeprefix("NESC check-").replace("sphere dropped from 30,000 ft ", "drop ")
        ax.set_title(textwrap.fill(title, 48), fontsize=8)
        ax.set_ylabel("altitude − median (m)", fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)", fontsize=8)
    axes.flat[0].legend(fontsize=7, ncol=2)
    fig.suptitle("NESC atmospheric check-cases (NASA/TM-2015-218675): altitude of each simulator and of marsedl "
                 "about the simulators' median", fontsize=10)
    fig.tight_layout()
    Path(a.figure).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.figure, dpi=110)
    print(f"\nfigure: {a.figure}")


if __name__ == "__main__":
    main()
