"""Writing the facility config file (first run, or IT preparing one): TOML that `load_settings` reads.

Only what the first-run dialog asks is written by hand here; the format is kept deliberately
small (strings, numbers, booleans, lists of strings or of tables, one level of tables), the same subset
`config._coerce` accepts. The file is written next to its final name and renamed into place
only after `load_settings` has read it back, so a bad value never leaves a broken config behind.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workstation.config import ConfigError, Settings, hub_url_problem, load_settings

__all__ = ["hub_url_problem", "to_toml", "write_settings"]

Scalar = str | int | float | bool


def _value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (same escapes; \uXXXX for control characters).
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    if isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value):
        # A list of tables ([review] shifts), written as inline tables.
        return "[" + ", ".join(_inline_table(v, where) for v in value) + "]"
    raise ConfigError(f"{where}: cannot write a {type(value).__name__} ({value!r}) to the config file")


def _inline_table(table: Mapping[str, Any], where: str) -> str:
    return "{" + ", ".join(f"{k} = {_value(v, f'{where} {k}')}" for k, v in table.items()) + "}"


def to_toml(values: Mapping[str, Any]) -> str:
    """TOML text for a mapping of settings: top-level keys first, then one [table] per nested mapping."""
    lines = ["# Inspection Workstation facility configuration (see workstation.example.toml).", ""]
    tables = {k: v for k, v in values.items() if isinstance(v, Mapping)}
    for key, value in values.items():
        if key not in tables:
            lines.append(f"{key} = {_value(value, key)}")
    for name, table in tables.items():
        lines += ["", f"[{name}]"]
        for key, value in table.items():
            lines.append(f"{key} = {_value(value, f'[{name}] {key}')}")
    return "\n".join(lines) + "\n"


def write_settings(path: Path, values: Mapping[str, Any]) -> Settings:
    """Write `values` to the config file at `path`, merged over what it already holds; returns the
    settings as `load_settings` reads them back. Raises ConfigError naming the file and the value."""
    merged: dict[str, Any] = {}
    if path.exists():
        try:
            merged = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the existing file to update it: {exc}") from exc
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    text = to_toml(merged)
    tmp = path.with_name(path.name + ".new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        settings = load_settings(tmp)  # refuses unknown keys and wrong types, naming them
        os.replace(tmp, path)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace(str(tmp), str(path))) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return settings.with_overrides(source=str(path))
