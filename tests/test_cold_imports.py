"""The cold command's import diet (issue #9): what the command line loads before and while it flies.

Numba's own start-up is most of a cold ``marsedl simulate mars2020 --json``; of the rest, the cheapest cut is not
importing libraries a command does not use (Rich alone cost 40 ms of every command). These tests run the real
entry point in a fresh interpreter and read ``sys.modules``: they fail when a module-level import brings a
library back, and they time nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: Libraries that no part of a nominal run needs: results, plots, reports, images, Monte Carlo statistics.
NOT_FOR_A_RUN = ("pandas", "pyarrow", "matplotlib", "plotly", "PIL", "dask", "hypothesis", "scipy.stats",
                 "scipy.optimize", "scipy.interpolate", "scipy.spatial")


def _modules_after(code: str) -> set[str]:
    """The modules loaded once ``code`` has run in a fresh interpreter (its stdout is left alone)."""
    probe = code + "\nimport json as _j, sys as _s\n_s.stderr.write('\\n' + _j.dumps(sorted(_s.modules)))\n"
    env = {**os.environ, "MARSEDL_DEBUG": "1"}  # a failure shows its traceback in the assertion message
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(json.loads(proc.stderr.rstrip().rsplit("\n", 1)[-1]))


def _present(modules: set[str], names) -> list[str]:
    return [n for n in names if n in modules]


def test_the_root_command_loads_no_numerics_and_no_rich():
    """``marsedl --help``, ``--version`` and a usage error start from here: no NumPy, Numba, pydantic or Rich."""
    loaded = _modules_after("import marsedl.cli")
    assert "typer" in loaded  # (the probe saw the import)
    assert _present(loaded, ("numpy", "numba", "scipy", "pydantic", "rich", *NOT_FOR_A_RUN)) == []


def test_simulate_json_loads_neither_rich_nor_the_libraries_of_results_and_plots():
    """``marsedl simulate mars2020 --json`` prints with the standard library: no Rich, and none of the libraries
    of saved runs, plots, reports and statistics (a run needs NumPy, Numba and pydantic only)."""
    code = ("import sys\nfrom marsedl.cli import main\n"
            "sys.argv = ['marsedl', 'simulate', 'mars2020', '--json']\nmain()")
    loaded = _modules_after(code)
    assert {"numpy", "numba", "pydantic", "marsedl.flight"} <= loaded  # (it flew)
    assert _present(loaded, ("rich", *NOT_FOR_A_RUN)) == []
