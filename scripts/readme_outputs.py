"""Regenerate the README's example outputs from the real commands, as a newcomer sees them at 80 columns.

    python scripts/readme_outputs.py [README.md]

Each example is a fenced block right after a marker line ``<!-- output: marsedl ARGS -->``; the block is
replaced by what ``marsedl ARGS`` prints with its output piped and ``COLUMNS=80`` (Rich's width in a pipe),
run from the repository's folder. A command that fails stops the script and leaves the README unchanged.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^<!-- output: marsedl (?P<args>.+?) -->\n```[a-z]*\n.*?^```\n", re.MULTILINE | re.DOTALL)


def output(args: str) -> str:
    """What ``marsedl args`` prints at 80 columns, piped."""
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("FORCE_COLOR", None)
    proc = subprocess.run([sys.executable, "-m", "marsedl", *shlex.split(args)], capture_output=True, text=True,
                          env=env, cwd=REPO, check=False)
    if proc.returncode != 0:
        sys.exit(f"marsedl {args}: exit {proc.returncode}\n{proc.stderr}")
    return "\n".join(line.rstrip() for line in proc.stdout.splitlines()) + "\n"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "README.md"
    text = path.read_text(encoding="utf-8")
    new = MARKER.sub(lambda m: f"<!-- output: marsedl {m['args']} -->\n```\n{output(m['args'])}```\n", text)
    path.write_text(new, encoding="utf-8")
    print(f"{path}: {len(MARKER.findall(text))} example outputs regenerated")


if __name__ == "__main__":
    main()
