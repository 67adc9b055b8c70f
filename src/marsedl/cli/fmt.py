"""How the terminal shows a quantity: its unit, its fixed precision, and tables that never cut a number.

One place for every command's presentation rules:

- :func:`unit_of` maps an SI key (``parachute_deploy_alt_agl_m``, ``peak_parachute_load_n``...) to the unit an
  engineer reads it in (km, kN, g...) with a fixed number of decimals, so a column has one format and never
  falls into scientific notation;
- :func:`body_sets` groups bodies that come in identical sets (``entry_balance_mass_1`` … ``_6``) into one
  labelled row ("entry balance masses ×6");
- :func:`print_table` builds a Rich table whose numbers never wrap and are never cut: names wrap (or fold), and
  when the console is too narrow the optional columns are left out, least important first (``--json`` keeps
  everything).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Rich is imported where a table or a console is made: `--json` never loads it
    from rich.console import Console
    from rich.table import Table


@dataclass(frozen=True)
class Unit:
    """A display unit: ``symbol``, the factor from SI (``shown = si * scale``) and the fixed ``decimals``."""

    symbol: str
    scale: float = 1.0
    decimals: int = 0

    def __call__(self, si: float | None) -> str:
        """The SI value ``si`` in this unit, with thousands separators; ``-`` when there is none."""
        if si is None or not math.isfinite(si):
            return "-"
        text = f"{si * self.scale:,.{self.decimals}f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0.00"

    def label(self, name: str) -> str:
        """``name (symbol)``, or ``name`` alone for a dimensionless quantity."""
        return f"{name} ({self.symbol})" if self.symbol else name


TIME = Unit("s", 1.0, 1)
HEIGHT = Unit("m", 1.0, 0)  # a timeline altitude: 130,528 m down to the 20 m of the sky crane
ALTITUDE = Unit("km", 1e-3, 2)  # a dispersed altitude (deploy at 11.15 km)
DISTANCE = Unit("m", 1.0, 0)  # miss, offsets, debris distances
AXIS = Unit("km", 1e-3, 2)  # an ellipse's semi-axis
SPEED = Unit("m/s", 1.0, 1)
SPEED_KMH = Unit("km/h", 3.6, 0)
LANDING_SPEED = Unit("m/s", 1.0, 2)  # touchdown and sky-crane speeds (0.75 m/s)
MACH = Unit("", 1.0, 2)
PRESSURE = Unit("Pa", 1.0, 0)
FORCE = Unit("kN", 1e-3, 0)
ACCEL = Unit("g", 1.0, 2)
HEAT_RATE = Unit("W/cm²", 1.0, 1)
MASS = Unit("kg", 1.0, 1)
ENERGY = Unit("MJ", 1e-6, 2)
LATLON = Unit("°", 1.0, 4)  # 1e-4° is about 6 m on Mars
BEARING = Unit("°", 1.0, 0)  # of a debris impact from the rover
AZIMUTH = Unit("°", 1.0, 1)  # an entry heading, an ellipse's major axis
PERCENT = Unit("%", 100.0, 1)  # from a fraction
COUNT = Unit("", 1.0, 0)

#: The unit of an SI key, by its ending (first match wins).
_SUFFIXES: tuple[tuple[str, Unit], ...] = (
    ("vertical_speed_m_s", LANDING_SPEED), ("horizontal_speed_m_s", LANDING_SPEED), ("_m_s", SPEED),
    ("_t_s", TIME), ("_time_s", TIME), ("_alt_agl_m", ALTITUDE), ("_alt_mola_m", ALTITUDE), ("_mach", MACH),
    ("_pa", PRESSURE), ("_g", ACCEL), ("_n", FORCE), ("_w_cm2", HEAT_RATE), ("_kg", MASS), ("_deg", LATLON),
    ("_km", AXIS), ("_m", DISTANCE), ("_count", COUNT),
)


def significant(x: float | None, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits, never in scientific notation (a declared width: 0.01973, 200)."""
    if x is None or not math.isfinite(x):
        return "-"
    import numpy as np

    return np.format_float_positional(x, precision=digits, unique=True, fractional=False, trim="-")


def unit_of(key: str) -> Unit:
    """The display unit of an SI-named key (``..._alt_agl_m`` → km, ``..._n`` → kN); plain numbers otherwise."""
    for suffix, unit in _SUFFIXES:
        if key.endswith(suffix):
            return unit
    return Unit("", 1.0, 2)


def human(name: str) -> str:
    """A snake_case name as words (``heat_shield_separation`` → ``heat shield separation``)."""
    return name.replace("_", " ")


_MEMBER = re.compile(r"^(?P<stem>.+)_(?P<k>\d+)$")


def _plural(words: str) -> str:
    return words + ("es" if words.endswith(("s", "sh", "ch", "x")) else "s")


def body_sets(names: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Bodies grouped into identical sets, in first-seen order: ``[(label, members)]``.

    Bodies named ``<stem>_<k>`` that share their stem with another body form one set, labelled
    ``"<stem>s ×<count>"`` in words; any other body is a set of one, labelled by its name in words.
    """
    stems: dict[str, list[str]] = {}
    for name in names:
        m = _MEMBER.match(name)
        stems.setdefault(m["stem"] if m else name, []).append(name)
    return [(f"{_plural(human(stem))} ×{len(members)}" if len(members) > 1 else human(members[0]), members)
            for stem, members in stems.items()]


@dataclass(frozen=True)
class Col:
    """A column: ``header`` (may hold a newline for a stacked unit), ``name`` (text that wraps) or a number
    (never wraps, never cut), and ``drop``: 0 always shown, else left out when the console is too narrow
    (highest first)."""

    header: str
    name: bool = False
    drop: int = 0


#: A row marker: draw a line between the rows before and after it.
SECTION = None


def make_table(title: str | None, cols: Sequence[Col], rows: Sequence[Sequence[str] | None], *,
               show_header: bool = True) -> Table:
    """A Rich table of ``cols`` and ``rows`` (``SECTION`` between groups) with the house style."""
    from rich import box
    from rich.table import Table

    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_header=show_header, show_edge=False,
              pad_edge=False, collapse_padding=True)
    for c in cols:
        if c.name:
            t.add_column(c.header, justify="left", overflow="fold", ratio=1)
        else:
            t.add_column(c.header, justify="right", no_wrap=True, overflow="fold")
    for row in rows:
        if row is SECTION:
            t.add_section()
        else:
            t.add_row(*row)
    return t


def fit_table(console: Console, title: str | None, cols: Sequence[Col], rows: Sequence[Sequence[str] | None],
              *, show_header: bool = True) -> tuple[Table, list[int]]:
    """The table of as many columns as the console's width holds without cutting a number.

    Columns with ``drop > 0`` are left out, highest ``drop`` first, until Rich's measure of the table's
    minimum width fits; returns the table and the indices of the columns kept.
    """
    from rich.measure import Measurement

    keep = list(range(len(cols)))
    while True:
        table = make_table(title, [cols[i] for i in keep],
                           [r if r is SECTION else [r[i] for i in keep] for r in rows], show_header=show_header)
        # measured without the console's limit (Rich clamps a measure to the width it is given)
        need = Measurement.get(console, console.options.update_width(1_000_000), table).minimum
        optional = [i for i in keep if cols[i].drop > 0]
        if need <= console.width or not optional:
            return table, keep
        keep.remove(max(optional, key=lambda i: (cols[i].drop, i)))


def print_table(console: Console, title: str | None, cols: Sequence[Col], rows: Sequence[Sequence[str] | None],
                *, show_header: bool = True) -> list[int]:
    """Print :func:`fit_table`'s table; returns the indices of the columns shown."""
    table, keep = fit_table(console, title, cols, rows, show_header=show_header)
    console.print(table)
    return keep


def console(stderr: bool = False, **options) -> Console:
    """The commands' console: no syntax highlighting; Rich's width (the terminal's, or 80 when piped).

    Made by each command when it prints (Rich's import is left to the commands that print with it)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, **options)


def escape(text: str) -> str:
    """``text`` as Rich markup that prints as written (``rich.markup.escape``, imported when first used)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)
