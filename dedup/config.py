"""Settings: one frozen dataclass, checked on construction, loaded from one place.

Precedence: built-in defaults < ``[tool.dedup]`` of the nearest ``pyproject.toml`` (or ``--config``)
< command-line flags. An unknown or malformed key is an error that names the key, so a typo never
switches a gate off silently.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dedup import reworded_model
from dedup.errors import ConfigError
from dedup.models import Kind

ALL_KINDS: tuple[Kind, ...] = tuple(Kind)


@dataclass(frozen=True, slots=True)
class Config:
    """Every tunable of a scan and of the CI gate.

    The defaults are the ones measured in the README's "Accuracy" section.
    """

    # --- which files
    hidden: bool = False
    follow_symlinks: bool = False
    gitignore: bool = True
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()  # when set, only matching files are scanned
    max_file_size: int = 10 * 1024 * 1024
    max_depth: int | None = None  # folders deeper than this below a root are not entered
    # --- how files are read
    encoding: str | None = None  # the codec of files without a BOM (None: UTF-8)
    binary_as_text: bool = False  # read files with NUL bytes as text (``--text``)
    # --- which paragraphs
    min_words: int = 5  # shorter paragraphs are matched exactly only
    # longer paragraphs (normalised characters) are matched exactly only: aligning two texts of
    # n words costs about n * n / 64 steps, so a minified 10 MB line would stall verification
    max_paragraph_chars: int = 2 * 1024 * 1024
    text_field: str = "text"  # the field of a JSON Lines record that holds its text
    # --- candidates
    shingle_size: int = 3
    num_perm: int = 128
    lsh_threshold: float = 0.3
    seed: int = 1
    # --- verification
    near_threshold: float = 0.75
    contained_threshold: float = 0.9
    reworded: bool = True
    reworded_threshold: float = 0.25  # paragraphs longer than the model's range
    reworded_probability: float = reworded_model.PROBABILITY  # sentence-sized texts
    # --- the gate
    fail_on: tuple[Kind, ...] = ALL_KINDS
    fail_similarity: float = 0.0
    exit_zero: bool = False
    allow_empty: bool = False  # scanning no file at all is not an error
    # --- what is accepted: a baseline file of today's repeats, allowlist files of boilerplate
    baseline: Path | None = None
    update_baseline: bool = False  # do not read ``baseline``: the CLI rewrites it from this scan
    allowlist: tuple[Path, ...] = ()
    # --- which clusters are reported: those touching lines changed since a git revision
    changed_since: str | None = None
    staged: bool = False  # lines changed in the git index (staged for commit)
    # --- execution
    jobs: int = 0  # 0: decide from the size of the input
    root: Path = field(default_factory=Path.cwd)

    def __post_init__(self) -> None:
        _check_range("min_words", self.min_words, 1, 10_000)
        _check_range("shingle_size", self.shingle_size, 1, 16)
        _check_range("num_perm", self.num_perm, 16, 1024)
        _check_range("max_file_size", self.max_file_size, 1, 2**40)
        _check_range("max_paragraph_chars", self.max_paragraph_chars, 1, 2**40)
        _check_range("jobs", self.jobs, 0, 256)
        if self.max_depth is not None:
            _check_range("max_depth", self.max_depth, 0, 1_000_000)
        _check_range("seed", self.seed, 0, 2**32 - 1)  # numpy's seed range, used by datasketch
        # Above 0.9 datasketch finds no band layout for small num_perm: no candidates at all.
        _check_range("lsh_threshold", self.lsh_threshold, 0.0, 0.9)
        if self.encoding is not None:
            _check_encoding(self.encoding)
        if not self.text_field:
            raise ConfigError("text_field must not be empty")
        for name in (
            "near_threshold",
            "contained_threshold",
            "reworded_threshold",
            "reworded_probability",
            "fail_similarity",
        ):
            _check_range(name, getattr(self, name), 0.0, 1.0)
        if self.changed_since is not None and self.staged:
            raise ConfigError("use --changed-since REF or --staged, not both")
        if self.update_baseline and (self.changed_since is not None or self.staged):
            raise ConfigError(
                "--update-baseline records the whole tree; it cannot be combined with "
                "--changed-since or --staged"
            )
        if self.update_baseline and self.baseline is None:
            raise ConfigError("update_baseline needs a baseline file")

    def replace(self, **changes: Any) -> Config:
        """A copy with some settings changed (checked again)."""
        return dataclasses.replace(self, **changes)


def _check_encoding(label: str) -> None:
    """Python's codec registry knows ``label`` as a bytes-to-text encoding."""
    try:  # LookupError for unknown labels and bytes-to-bytes codecs (b"" is never looked up)
        b"x".decode(label)
    except UnicodeDecodeError:
        pass  # a known codec that cannot decode this one byte (utf-16): fine
    except LookupError as exc:
        raise ConfigError(
            f"encoding: unknown text encoding {label!r} (use a Python codec name such as "
            "cp1252, latin-1, shift_jis, utf-16)"
        ) from exc


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value!r}")


_FIELDS = {f.name: f for f in fields(Config)}
_NOT_IN_FILE = {"root", "update_baseline", "changed_since", "staged"}


def _coerce(name: str, value: Any, source: str) -> Any:
    """Turn a TOML value into the type of the field, or raise a ConfigError naming the key."""
    default = _FIELDS[name].default
    where = f"{source}: {name}"
    if name == "fail_on":
        return parse_kinds(value, where)
    if name in ("exclude", "include"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be a list of glob patterns")
        return tuple(value)
    if name == "encoding":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where} must be a non-empty string, got {value!r}")
        return value
    if name == "max_depth":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        return value
    if name in ("baseline", "allowlist"):
        return _paths(name, value, Path(source).parent, where)
    if isinstance(default, str):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where} must be a non-empty string, got {value!r}")
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        return float(value)
    raise ConfigError(f"{where} cannot be set in a file")  # pragma: no cover


def _paths(name: str, value: Any, base: Path, where: str) -> Path | tuple[Path, ...]:
    """File paths of a settings file, relative to the folder of that file."""
    if name == "baseline":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where} must be a file path")
        return base / value
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where} must be a list of file paths")
    return tuple(base / v for v in value)


def parse_kinds(value: Any, where: str) -> tuple[Kind, ...]:
    """Parse a list (or comma-separated string) of kinds; "all" and "none" are accepted."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of kinds")
    if value == ["all"]:
        return ALL_KINDS
    if value == ["none"]:
        return ()
    if not value:  # an empty list would switch the gate off without saying so
        raise ConfigError(f"{where} names no kind; to fail on nothing, say none")
    names = {k.value for k in Kind}
    unknown = [v for v in value if v not in names]
    if unknown:
        raise ConfigError(
            f"{where}: unknown kind {unknown[0]!r}; "
            f"use any of {', '.join(sorted(names))}, or all, none"
        )
    return tuple(k for k in Kind if k.value in value)


def settings_from_mapping(table: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Check a ``[tool.dedup]`` table and return it as keyword arguments of ``Config``."""
    out: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        if key not in _FIELDS or key in _NOT_IN_FILE:
            known = ", ".join(sorted(k.replace("_", "-") for k in _FIELDS if k not in _NOT_IN_FILE))
            raise ConfigError(
                f"{source}: unknown key {raw_key!r} in [tool.dedup]; known keys: {known}"
            )
        out[key] = _coerce(key, value, source)
    return out


def find_config_file(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.dedup]`` table, from ``start`` upwards.

    The search stops at the first folder holding ``.git`` (the repository root).
    """
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _dedup_table(_read_toml(candidate), candidate) is not None:
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 (byte {exc.start})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def load_config_file(path: Path) -> dict[str, Any]:
    """The checked ``[tool.dedup]`` settings of ``path`` (a pyproject.toml or a dedup.toml)."""
    data = _read_toml(path)
    table = _dedup_table(data, path) if path.name == "pyproject.toml" else data
    if table is None:
        return {}
    return settings_from_mapping(table, str(path))


def _dedup_table(data: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """The ``[tool.dedup]`` table of a parsed pyproject.toml, or None when it has none."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):  # another tool's business: no dedup settings here
        return None
    table = tool.get("dedup")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.dedup] must be a table")
    return table
