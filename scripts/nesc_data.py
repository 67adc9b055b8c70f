"""Down-sample NASA's NESC atmospheric check-case results for the tests (run once; the output is committed).

Reads ``../shared/reference/nesc/Atmos_NN_*/Atmos_NN_sim_MM.csv`` (NASA/TM-2015-218675, the public copies kept in
nasa/simupy-flight, NASA Open Source Agreement 1.3), keeps the columns a point mass is compared on at whole
seconds, converts them to SI and writes ``tests/data/nesc/atmos_NN.csv`` (one row per simulator and second).

    python scripts/nesc_data.py [--source ../shared/reference/nesc] [--out tests/data/nesc]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

FT = 0.3048  # m, exact
LBF_FT2 = 4.4482216152605 / FT**2  # Pa
SLUG_FT3 = 14.5939029 / FT**3  # kg/m^3

COLUMNS = {  # ours: (theirs, factor)
    "altitude_m": ("altitudeMsl_ft", FT),
    "lat_deg": ("latitude_deg", 1.0),
    "lon_deg": ("longitude_deg", 1.0),
    "v_north_m_s": ("feVelocity_ft_s_X", FT),
    "v_east_m_s": ("feVelocity_ft_s_Y", FT),
    "v_down_m_s": ("feVelocity_ft_s_Z", FT),
    "mach": ("mach", 1.0),
    "dynamic_pressure_pa": ("dynamicPressure_lbf_ft2", LBF_FT2),
    "density_kg_m3": ("airDensity_slug_ft3", SLUG_FT3),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", default=str(Path(__file__).resolve().parents[2] / "shared/reference/nesc"))
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "tests/data/nesc"))
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for folder in sorted(Path(a.source).glob("Atmos_*")):
        case = folder.name[6:8]
        frames = []
        for f in sorted(folder.glob("*_sim_*.csv")):
            df = pd.read_csv(f, skipinitialspace=True)
            t = df["time"].to_numpy()
            keep = (abs(t - t.round()) < 1e-6)
            row = pd.DataFrame({"sim": f.stem.split("_")[-1], "time_s": t[keep].round()})
            for ours, (theirs, k) in COLUMNS.items():
                row[ours] = df[theirs].to_numpy()[keep] * k if theirs in df else float("nan")
            frames.append(row)
        pd.concat(frames).to_csv(out / f"atmos_{case}.csv", index=False, float_format="%.10g")
        print(out / f"atmos_{case}.csv", sum(len(x) for x in frames), "rows")


if __name__ == "__main__":
    main()
