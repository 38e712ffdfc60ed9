"""config.py (and the CLI's merge of it): defaults < settings file < flags; every bad key named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dedup.cli import build_config
from dedup.config import (
    ALL_KINDS,
    Config,
    find_config_file,
    load_config_file,
    parse_kinds,
    settings_from_mapping,
)
from dedup.errors import ConfigError
from dedup.models import Kind


def toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def flags(**given: Any) -> dict[str, Any]:
    """The keyword arguments click passes for ``dedup scan``: None (or empty) when not given."""
    names = [
        "fail_on", "fail_similarity", "min_words", "near_threshold", "contained_threshold",
        "reworded_threshold", "no_reworded", "hidden", "no_ignore", "follow", "max_file_size",
        "jobs", "root", "exit_zero",
    ]  # fmt: skip
    return {"exclude": (), **dict.fromkeys(names), **given}


def test_defaults() -> None:
    config = Config()
    assert (config.min_words, config.near_threshold, config.fail_on) == (5, 0.75, ALL_KINDS)
    assert config.root == Path.cwd()


def test_precedence_defaults_then_file_then_flags(tmp_path: Path) -> None:
    path = toml(
        tmp_path / "pyproject.toml",
        '[tool.dedup]\nmin-words = 8\nnear_threshold = 0.8\nfail-on = "exact"\nexclude = "a/"\n',
    )
    from_file = build_config(flags(), path, isolated=False)
    assert (from_file.min_words, from_file.near_threshold) == (8, 0.8)
    assert from_file.fail_on == (Kind.EXACT,)
    assert from_file.contained_threshold == Config().contained_threshold  # not in the file
    both = build_config(
        flags(min_words=3, fail_on="near,reworded", exclude=("b/",), no_reworded=True),
        path,
        isolated=False,
    )
    assert (both.min_words, both.near_threshold) == (3, 0.8)  # the flag wins, the file stays
    assert both.fail_on == (Kind.NEAR, Kind.REWORDED)
    assert both.exclude == ("a/", "b/")  # patterns add up
    assert both.reworded is False
    assert build_config(flags(), path, isolated=True) == Config()


def test_boolean_flags_map_to_settings(tmp_path: Path) -> None:
    config = build_config(
        flags(hidden=True, no_ignore=True, follow=True, exit_zero=True, root=tmp_path),
        None,
        isolated=True,
    )
    assert (config.hidden, config.gitignore, config.follow_symlinks) == (True, False, True)
    assert (config.exit_zero, config.root) == (True, tmp_path)


def test_unknown_key_names_the_key_as_written() -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({"min-words": 3, "near-treshold": 0.5}, "pyproject.toml")
    message = str(caught.value)
    assert message.startswith("pyproject.toml: unknown key 'near-treshold' in [tool.dedup]; ")
    assert "near-threshold" in message  # the known keys are listed


def test_root_cannot_be_set_in_a_file() -> None:
    with pytest.raises(ConfigError, match="unknown key 'root'"):
        settings_from_mapping({"root": "/"}, "dedup.toml")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("hidden", 1, "hidden must be true or false, got 1"),
        ("hidden", "yes", "hidden must be true or false, got 'yes'"),
        ("min-words", True, "min_words must be a whole number, got True"),
        ("jobs", 1.5, "jobs must be a whole number, got 1.5"),
        ("max-file-size", "10MB", "max_file_size must be a whole number, got '10MB'"),
        ("near-threshold", "high", "near_threshold must be a number, got 'high'"),
        ("fail-similarity", False, "fail_similarity must be a number, got False"),
        ("exclude", ["a", 1], "exclude must be a list of glob patterns"),
        ("exclude", {"a": 1}, "exclude must be a list of glob patterns"),
        ("fail-on", 3, "fail_on must be a list of kinds"),
        ("fail-on", ["exact", "nearly"], "fail_on: unknown kind 'nearly'"),
        ("fail-on", [], "fail_on names no kind; to fail on nothing, say none"),
    ],
)
def test_wrong_types_name_the_key(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({key: value}, "f.toml")
    assert str(caught.value).startswith(f"f.toml: {message}")


def test_whole_numbers_are_accepted_for_numbers() -> None:
    assert settings_from_mapping({"fail-similarity": 1}, "f") == {"fail_similarity": 1.0}
    assert settings_from_mapping({"exclude": "build/"}, "f") == {"exclude": ("build/",)}


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"min_words": 0}, "min_words"),
        ({"near_threshold": 1.5}, "near_threshold"),
        ({"fail_similarity": -0.1}, "fail_similarity"),
        ({"jobs": 257}, "jobs"),
        ({"num_perm": 8}, "num_perm"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),
        ({"lsh_threshold": 0.95}, "lsh_threshold"),
        ({"max_file_size": 0}, "max_file_size"),
    ],
)
def test_out_of_range_values_are_errors_naming_the_setting(
    changes: dict[str, Any], name: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{name} must be between"):
        Config(**changes)
    with pytest.raises(ConfigError, match=f"^{name} must be between"):
        Config().replace(**changes)  # checked again on every copy


def test_parse_kinds() -> None:
    assert parse_kinds("all", "--fail-on") == ALL_KINDS
    assert parse_kinds("none", "--fail-on") == ()
    assert parse_kinds(" reworded , exact ", "--fail-on") == (Kind.EXACT, Kind.REWORDED)
    with pytest.raises(ConfigError, match="--fail-on: unknown kind 'all'"):
        parse_kinds("exact,all", "--fail-on")


def test_load_config_file_reads_the_table(tmp_path: Path) -> None:
    assert load_config_file(toml(tmp_path / "dedup.toml", "hidden = true\n")) == {"hidden": True}
    assert load_config_file(toml(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")) == {}
    assert load_config_file(toml(tmp_path / "pyproject.toml", "tool = 5\n")) == {}
    path = toml(tmp_path / "p" / "pyproject.toml", "[tool.dedup]\nhidden = true\n")
    assert load_config_file(path) == {"hidden": True}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.dedup\n", "not valid TOML"),
        ("[tool]\ndedup = 5\n", "[tool.dedup] must be a table"),
    ],
)
def test_malformed_pyproject(tmp_path: Path, text: str, message: str) -> None:
    path = toml(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_find_config_file_searches_up_to_the_repository_root(tmp_path: Path) -> None:
    outer = toml(tmp_path / "pyproject.toml", "[tool.dedup]\nhidden = true\n")
    repo = tmp_path / "repo"
    deep = repo / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config_file(deep) == outer
    (repo / ".git").mkdir()
    assert find_config_file(deep) is None  # the search stops at the repository root
    toml(repo / "a" / "pyproject.toml", "[project]\nname = 'no dedup table'\n")
    assert find_config_file(deep) is None
    found = toml(repo / "pyproject.toml", "[tool.dedup]\n")
    assert find_config_file(deep) == found
