"""The progress bar of ``marsedl montecarlo`` (Rich's, with a cases-per-second column).

A module of its own so that Rich's progress machinery is imported only by the command that shows it."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text


class _RateColumn(ProgressColumn):
    """Cases flown per second since this run started (cases finished before a ``--resume`` do not count)."""

    def render(self, task: Task) -> Text:
        flown = task.completed - task.fields.get("initial", 0)
        elapsed = task.elapsed
        return Text(f"{flown / elapsed:,.1f} cases/s" if flown > 0 and elapsed else "-- cases/s")


def case_progress(console: Console, *, quiet: bool) -> Progress:
    """A bar of cases flown: description, bar, done/total, cases/s and time left (nothing when ``quiet``)."""
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
               _RateColumn(), TimeRemainingColumn())
    return Progress(*columns, console=console, disable=quiet, transient=False)
