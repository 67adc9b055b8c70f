"""The helper process of a new install's first flight (``python -m marsedl.compile_helper``, started by
:mod:`marsedl.engine.warm`): it compiles part of the case flight into the on-disk cache the first process reads,
then exits. (Its own module, outside the engine, because it loads a preset: the engine imports no mission code.)"""

from __future__ import annotations

from marsedl.engine import Engine
from marsedl.flight import build_config
from marsedl.scenario import load_mission


def main() -> None:
    """Compile the helper's part of the flight for the built-in ``msl`` preset's engine (the arrays' types, which
    are all that the compiled code depends on, are the same for every mission)."""
    cfg, _ = build_config(load_mission("msl"))
    Engine(cfg).compile_half()


if __name__ == "__main__":
    main()
