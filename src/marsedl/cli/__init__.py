"""The ``marsedl`` command: thin wrappers that parse, call the library and print.

Each command family lives in its own module and registers a Typer sub-app here. No physics lives in
the command line; user errors (:class:`marsedl.errors.MarsEDLError`) become one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys

import typer

from marsedl import __version__
from marsedl.cli import cache as _cache
from marsedl.cli import chute as _chute
from marsedl.cli import montecarlo as _montecarlo
from marsedl.cli import report as _report
from marsedl.cli import simulate as _simulate
from marsedl.cli.fmt import escape
from marsedl.errors import MarsEDLError, debug_enabled, interrupt_in

app = typer.Typer(
    name="marsedl",
    help="Mars entry, descent and landing: simulate an EDL, its debris field, and the parachute code.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(_chute.app, name="chute")
app.add_typer(_cache.app, name="cache")
app.command("simulate")(_simulate.simulate)
app.command("presets")(_simulate.presets)
_montecarlo.register(app)
_report.register(app)


def _say(text: str) -> None:
    """One line of Rich markup on stderr (an error, an interruption)."""
    from marsedl.cli.fmt import console

    console(stderr=True, soft_wrap=True).print(text, markup=True)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"marsedl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of any error (also MARSEDL_DEBUG=1)."),
) -> None:
    """Mars entry, descent and landing: simulate an EDL, its debris field, and the parachute code."""
    if debug:
        os.environ["MARSEDL_DEBUG"] = "1"


def _one_line(exc: BaseException | str) -> str:
    """Render a user error as one line; pydantic errors name the field path and the rule."""
    try:
        from pydantic import ValidationError
    except ImportError:  # pragma: no cover - pydantic is a hard dependency
        ValidationError = ()  # type: ignore[assignment]
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ())) or "input"
            parts.append(f"{loc}: {err.get('msg', 'invalid')}")
        return "; ".join(parts)
    return " ".join(str(exc).split())


def main() -> None:
    """Entry point of the ``marsedl`` console script."""
    from pydantic import ValidationError

    # Typer's (vendored) Click exceptions, reached through its public ones
    click_exception = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    try:
        # not standalone: a usage error comes here, to be said in one line like any other user error
        code = app(standalone_mode=False)
    except click_exception as exc:  # a usage error: unknown option, value of the wrong type...
        if type(exc).__name__ == "NoArgsIsHelpError":  # a command group given alone: its help, as Typer shows it
            from typer import rich_utils

            rich_utils.rich_format_error(exc)
            sys.exit(exc.exit_code)
        where = f" (see '{exc.ctx.command_path} --help')" if getattr(exc, "ctx", None) is not None else ""
        _say(f"[bold red]error:[/] {escape(_one_line(exc.format_message()))}{escape(where)}")
        sys.exit(exc.exit_code)
    except typer.Abort:  # end of input at a prompt
        _say("interrupted")
        sys.exit(130)
    except (MarsEDLError, ValidationError) as exc:
        if debug_enabled():
            raise
        # the message is text, not markup: "[low, high]" in it must print as written
        _say(f"[bold red]error:[/] {escape(_one_line(exc))}")
        sys.exit(2)
    except KeyboardInterrupt:
        _say("interrupted")
        sys.exit(130)
    except SystemError as exc:  # a Ctrl-C that surfaced inside compiled code (see errors.interrupt_in)
        if interrupt_in(exc):
            _say("interrupted")
            sys.exit(130)
        _internal_error(exc)
    except Exception as exc:  # noqa: BLE001 - anything else is a bug of ours, said as one
        _internal_error(exc)
    else:
        if isinstance(code, int) and not isinstance(code, bool) and code:  # typer.Exit(code) of a command
            sys.exit(code)


def _internal_error(exc: BaseException) -> None:
    """A bug, not a user error: say so in one line (the traceback with --debug or MARSEDL_DEBUG=1)."""
    if debug_enabled():
        raise exc
    _say(f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(_one_line(exc))} "
         "(a bug in marsedl: run again with --debug for the traceback, and please report it)")
    sys.exit(1)
