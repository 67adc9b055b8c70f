"""The file paths among a run's inputs, made absolute when the run is asked for, so that what a run records
(``manifest.json``) names the same files from any working directory.

A Monte Carlo run records its preset file, ``--set`` overrides and ``--atmosphere``, and ``--resume`` compares
them with the command that finishes the run. A path relative to the working directory of the first command named
another file (or none) from another one: ``--set trn.hazard_map=maps/site.png`` resumed from elsewhere either
found no map or, given the path from there, was refused as "overrides differ". Absolute paths, not paths relative
to the run folder: the files are the user's, not the run's (a run folder copied elsewhere still names the maps
and presets it was flown with), and a path is then the same string whoever reads the manifest (``report`` shows
the preset file's text from it).

The preset fields that name a file are listed once here, :data:`FILE_FIELDS`; a preset file's own relative paths
are found next to it (:func:`marsedl.preset_data.read_preset`), those of ``--set`` and the command's options from
the working directory.
"""

from __future__ import annotations

from pathlib import Path

#: The preset fields that name a file: ``path.to.field`` -> whether it may instead be an atmosphere name (and a
#: file with a Mars-GRAM ``:INDEX`` suffix).
FILE_FIELDS = {"trn.hazard_map": False, "dispersions.marsgram_file": False, "atmosphere.model": True}


def absolute_file(text: str, folder: str | Path, *, atmosphere: bool = False) -> str:
    """``text`` (a file path, or with ``atmosphere`` a name or ``FILE[:INDEX]``) with a relative path made
    absolute from ``folder``.

    An atmosphere name stays as it is, and so does an atmosphere file that is not in ``folder`` (the atmosphere
    reader then says "unknown atmosphere" or "file not found" of what the user wrote); any other relative path
    is joined to ``folder`` whether or not the file is there, so that a missing file's message says where it
    was looked for.
    """
    if not isinstance(text, str) or not text.strip():
        return text
    part, index = text, None
    if atmosphere:
        from marsedl.atmosphere.registry import ATMOSPHERE_NAMES, split_profile_index

        if text.strip().lower() in ATMOSPHERE_NAMES:
            return text
        part, index = split_profile_index(text.strip())
    path = Path(part).expanduser()
    if path.is_absolute():
        return text
    full = Path(folder).absolute() / path
    if atmosphere and not full.is_file():
        return text
    return str(full.resolve()) + ("" if index is None else f":{index}")


def absolute_fields(data: dict, folder: str | Path) -> None:
    """Make the :data:`FILE_FIELDS` of raw preset data (a parsed TOML table) absolute from ``folder``, in place."""
    for field, atmosphere in FILE_FIELDS.items():
        *sections, key = field.split(".")
        node = data
        for name in sections:
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(key), str):
            node[key] = absolute_file(node[key], folder, atmosphere=atmosphere)
