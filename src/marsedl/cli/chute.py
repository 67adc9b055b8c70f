"""``marsedl chute``: the Mars 2020 parachute message codec on the command line."""

from __future__ import annotations

import typer

app = typer.Typer(help="The parachute code: encode a message into gores, decode a pattern, read a photo.",
                  no_args_is_help=True)
