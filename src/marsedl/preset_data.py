"""A preset's raw data, before validation: the shipped presets and a user's preset file read as TOML tables, a
file's ``base`` preset merged under it, ``--set`` overrides applied, and the files a run is given made absolute
(:mod:`marsedl.input_paths`). :mod:`marsedl.scenario` validates the result into a mission."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from marsedl.errors import MarsEDLError, read_text
from marsedl.input_paths import FILE_FIELDS, absolute_fields, absolute_file

__all__ = ["absolute_inputs", "absolute_overrides", "apply_overrides", "parse_toml", "parse_value", "preset_names",
           "preset_text", "read_preset"]


def preset_names() -> list[str]:
    """Names of the presets shipped in the package."""
    folder = resources.files("marsedl") / "missions"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def preset_text(name: str) -> str:
    """The TOML text of a shipped preset (with its source comments)."""
    if name not in preset_names():
        raise MarsEDLError(f"unknown preset '{name}': choose one of {', '.join(preset_names())}, "
                           "or give --preset-file")
    return (resources.files("marsedl") / "missions" / f"{name}.toml").read_text(encoding="utf-8")


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MarsEDLError(f"{origin} is not valid TOML: {exc}") from None


def parse_value(text: str) -> Any:
    """Parse an override value as TOML (numbers, booleans, strings, arrays); bare words become strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(data: dict[str, Any], overrides: list[str] | None) -> dict[str, Any]:
    """Apply ``path.to.field=value`` overrides to raw preset data (before validation)."""
    out = _deep_copy(data)
    for item in overrides or []:
        if "=" not in item:
            raise MarsEDLError(f"override '{item}' must look like path.to.field=value")
        path, _, raw = item.partition("=")
        keys = [k for k in path.strip().split(".") if k]
        if not keys:
            raise MarsEDLError(f"override '{item}' has no field name")
        node = out
        for k in keys[:-1]:
            if not isinstance(node.get(k), dict):
                if k in node:
                    raise MarsEDLError(f"override '{path}': '{k}' is a value, not a section")
                node[k] = {}
            node = node[k]
        node[keys[-1]] = parse_value(raw.strip())
    return out


def _deep_copy(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _deep_copy(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_deep_copy(v) for v in d]
    return d


def read_preset(preset: str | None = "mars2020", preset_file: str | Path | None = None) -> tuple[dict[str, Any], str]:
    """The raw TOML table of a shipped preset or of a user's preset file (not yet validated), and where it came
    from (for messages). A file that is missing, not UTF-8 or not TOML is a one-line error naming it."""
    if preset_file is not None:
        path = Path(preset_file)
        if path.is_dir():
            raise MarsEDLError(f"preset file '{path}' is a folder")
        data = parse_toml(read_text(path, "preset file"), str(path))
        if "base" in data:
            data = _on_base(data, str(path))
        # a file named in a preset file is found next to it (one given with --set: from the working directory)
        absolute_fields(data, path.parent)
        return data, str(path)
    name = preset or "mars2020"
    origin = f"preset {name}"
    return parse_toml(preset_text(name), origin), origin


def _on_base(data: dict[str, Any], origin: str) -> dict[str, Any]:
    """A preset file that names a shipped preset as its ``base``: that preset's table with the file's merged over
    it (tables key by key; any other value, an array of tables included, replaces the base's)."""
    base = data.pop("base")
    if base not in preset_names():
        raise MarsEDLError(f"{origin}: base must be a shipped preset ({', '.join(preset_names())}), got {base!r}")

    def merged(under: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        out = dict(under)
        for k, v in over.items():
            out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    return merged(parse_toml(preset_text(base), f"preset {base}"), data)


def absolute_overrides(overrides: list[str] | None) -> list[str]:
    """``--set`` overrides with the file a :data:`FILE_FIELDS` one names made absolute from the working directory
    (``trn.hazard_map=maps/site.png`` -> ``trn.hazard_map="/home/me/maps/site.png"``); the others unchanged."""
    out = []
    for item in overrides or []:
        field, eq, raw = item.partition("=")
        key = ".".join(k for k in field.strip().split(".") if k)
        value = parse_value(raw.strip()) if eq else None
        if key in FILE_FIELDS and isinstance(value, str):
            new = absolute_file(value, Path.cwd(), atmosphere=FILE_FIELDS[key])
            if new != value:
                item = f"{key}={json.dumps(new)}"  # a JSON string is a TOML basic string
        out.append(item)
    return out


def absolute_inputs(preset_file: str | Path | None, overrides: list[str] | None,
                    atmosphere: str | None) -> tuple[str | None, list[str], str | None]:
    """A run's preset file, overrides and ``--atmosphere``, with their relative paths made absolute from the
    working directory (a preset file that does not exist stays as given, for its message)."""
    if preset_file is not None and Path(preset_file).expanduser().exists():
        preset_file = str(Path(preset_file).expanduser().resolve())
    elif preset_file is not None:
        preset_file = str(preset_file)
    if atmosphere is not None:
        atmosphere = absolute_file(atmosphere, Path.cwd(), atmosphere=True)
    return preset_file, absolute_overrides(overrides), atmosphere
