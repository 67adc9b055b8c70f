"""The README's "ours vs flown" table: the nominal presets next to every published outcome in
``src/marsedl/data/flown.toml`` (misses included, with their reasons).

Usage::

    python scripts/flown_table.py
"""

from __future__ import annotations

from marsedl.flight import simulate
from marsedl.flown import compare, sources


def _num(x: float, unit: str) -> str:
    return f"{x:.2f}" if unit == "" else f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"


def main() -> None:
    rows = [c for mission in ("mars2020", "msl") for c in compare(simulate(mission, record=False), mission)]
    within = sum(c.within for c in rows)
    print(f"{len(rows)} rows: {within} within their tolerance, {len(rows) - within} outside it.")
    print()
    print("| mission | quantity | ours | flown | tolerance | within | source | why not (if not) |")
    print("|---|---|---|---|---|---|---|---|")
    for c in rows:
        r, unit = c.flown, c.flown.unit
        u = f" {unit}" if unit else ""
        flown = f"{_num(r.range[0], unit)}–{_num(r.range[1], unit)}{u}" if r.range else f"{_num(r.flown, unit)}{u}"
        tol = ("the span" if r.range else f"± {100 * r.rel_tolerance:.0f} %" if r.rel_tolerance
               else f"± {r.tolerance:g}{u}")
        print(f"| {r.mission} | {r.label} | {_num(c.ours, unit)}{u} | {flown} | {tol} | "
              f"{'yes' if c.within else '**no**'} | {r.source} | {'' if c.within else r.known_miss or ''} |")
    print()
    for key, ref in sources().items():
        print(f"- **{key}** {ref}")


if __name__ == "__main__":
    main()
