"""The README's "ours vs flown" table: the nominal presets next to every published outcome in
``src/marsedl/data/flown.toml`` (misses included, with their reasons).

Usage::

    python scripts/flown_table.py            # print it
    python scripts/flown_table.py --readme   # replace it in README.md (from its "N rows:" line to the last source)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from marsedl.flight import simulate
from marsedl.flown import compare, sources


def _num(x: float, unit: str) -> str:
    return f"{x:.2f}" if unit == "" else f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"


README = Path(__file__).resolve().parents[1] / "README.md"
#: the table's block in the README: its count line, the table and the list of sources
BLOCK = re.compile(r"^\d+ rows: \d+ within their tolerance, \d+ outside it\.\n.*?(?:^- \*\*[^\n]*\n)+",
                   re.MULTILINE | re.DOTALL)


def table() -> str:
    """The count line, the table and its sources, as the README shows them."""
    rows = [c for mission in ("mars2020", "msl") for c in compare(simulate(mission, record=False), mission)]
    within = sum(c.within for c in rows)
    out = [f"{len(rows)} rows: {within} within their tolerance, {len(rows) - within} outside it.", "",
           "| mission | quantity | ours | flown | tolerance | within | source | why not (if not) |",
           "|---|---|---|---|---|---|---|---|"]
    for c in rows:
        r, unit = c.flown, c.flown.unit
        u = f" {unit}" if unit else ""
        flown = f"{_num(r.range[0], unit)}–{_num(r.range[1], unit)}{u}" if r.range else f"{_num(r.flown, unit)}{u}"
        tol = ("the span" if r.range else f"± {100 * r.rel_tolerance:.0f} %" if r.rel_tolerance
               else f"± {r.tolerance:g}{u}")
        out.append(f"| {r.mission} | {r.label} | {_num(c.ours, unit)}{u} | {flown} | {tol} | "
                   f"{'yes' if c.within else '**no**'} | {r.source} | {'' if c.within else r.known_miss or ''} |")
    out.append("")
    out += [f"- **{key}** {ref}" for key, ref in sources().items()]
    return "\n".join(out) + "\n"


def main() -> None:
    text = table()
    if "--readme" not in sys.argv[1:]:
        print(text, end="")
        return
    readme = README.read_text(encoding="utf-8")
    if len(BLOCK.findall(readme)) != 1:
        sys.exit(f"{README}: expected one 'N rows: ...' table block")
    README.write_text(BLOCK.sub(lambda _: text, readme), encoding="utf-8")
    print(f"{README}: ours-vs-flown table rewritten")


if __name__ == "__main__":
    main()
