"""F5 config_loader: bytes as a settings file (``dedup.toml`` and ``pyproject.toml``).

Invariants: loading raises ``ConfigError`` or returns settings that build a ``Config`` (never
``KeyError``, ``TypeError``, ``UnicodeDecodeError``...); a ``[tool.dedup]`` key that is not a
setting is always rejected (a typo must never switch the gate off silently).
"""

from __future__ import annotations

import tomllib
from typing import Any

from common import fuzz, scratch

from dedup.config import Config, load_config_file
from dedup.errors import ConfigError
from dedup.walk import walk

FOLDER = scratch("dedup-fuzz-config-")
KNOWN = {name.replace("_", "-") for name in Config.__dataclass_fields__} - {"root"}


def _table(data: bytes, name: str) -> Any:
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if name != "pyproject.toml":
        return parsed
    tools = parsed.get("tool")
    return tools.get("dedup") if isinstance(tools, dict) else None


def target(data: bytes) -> None:
    for name in ("dedup.toml", "pyproject.toml"):
        path = FOLDER / name
        path.write_bytes(data)
        try:
            settings = load_config_file(path)
            config = Config(**settings)
            walk([], config)  # compiles the exclude patterns
        except ConfigError:
            continue
        table = _table(data, name)
        if isinstance(table, dict):
            unknown = {k.replace("_", "-") for k in table} - KNOWN
            assert not unknown, f"unknown keys accepted: {unknown}"


if __name__ == "__main__":
    fuzz(target)
