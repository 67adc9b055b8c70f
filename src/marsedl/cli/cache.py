"""``marsedl cache``: look after the on-disk plan cache (entry point and reference trajectory per mission)."""

from __future__ import annotations

import typer

app = typer.Typer(help="The plan cache (~/.cache/marsedl/plans; MARSEDL_CACHE_DIR moves it).", no_args_is_help=True)


@app.command("clear")
def clear() -> None:
    """Remove every cached plan (the next run of each mission plans afresh) and earlier versions' compiled code."""
    from marsedl.flight import clear_plan_cache, plan_cache_folder
    from marsedl.laws._jit import clear_stale_compiled

    n = clear_plan_cache()
    typer.echo(f"removed {n} cached plan file{'' if n == 1 else 's'} from {plan_cache_folder()}")
    k = clear_stale_compiled()
    if k:
        typer.echo(f"removed the compiled code of {k} earlier version{'' if k == 1 else 's'}")


@app.command("path")
def path() -> None:
    """Print the folder of the plan cache."""
    from marsedl.flight import plan_cache_folder

    typer.echo(str(plan_cache_folder()))
