"""The README stays true: every option is documented, and its example report is a real one."""

from __future__ import annotations

import contextlib
import io
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from dedup.cli import main
from dedup.config import Config, settings_from_mapping
from dedup.errors import ExitCode

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
GOLDEN_JSON = json.loads((REPO / "tests" / "golden" / "samples.json").read_text(encoding="utf-8"))


def contexts(
    command: click.Command, name: str = "dedup", parent: click.Context | None = None
) -> Iterator[click.Context]:
    """A context for the command and for every subcommand under it, as click would make them."""
    context = click.Context(command, info_name=name, parent=parent, **command.context_settings)
    yield context
    if isinstance(command, click.Group):
        for sub_name, sub in sorted(command.commands.items()):
            yield from contexts(sub, sub_name, context)


def commands() -> dict[str, click.Context]:
    return {context.command_path: context for context in contexts(main)}


def options() -> list[tuple[str, str]]:
    """(command, option string) for every option of every command, help and version included."""
    found: list[tuple[str, str]] = []
    for name, context in commands().items():
        for param in context.command.get_params(context):
            if isinstance(param, click.Option):
                found.extend((name, opt) for opt in (*param.opts, *param.secondary_opts))
    return found


def mentioned(token: str) -> bool:
    """Whether ``token`` stands in the README as a word of its own (``-o`` is not ``-one``)."""
    return re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", README) is not None


def test_the_option_list_is_introspected_not_hard_coded() -> None:
    found = {opt for _, opt in options()}
    assert {"--version", "--help", "-h", "--format", "-o", "--output", "--exit-zero"} <= found


@pytest.mark.parametrize(("command", "option"), options())
def test_every_option_of_every_command_is_in_the_readme(command: str, option: str) -> None:
    assert mentioned(option), f"{command} {option} is not documented in README.md"


def choices() -> list[tuple[str, str]]:
    """(option, value) for every value of every option that takes one of a fixed set."""
    return [
        (param.opts[-1], value)
        for context in commands().values()
        for param in context.command.get_params(context)
        if isinstance(param.type, click.Choice)
        for value in param.type.choices
    ]


@pytest.mark.parametrize(("option", "value"), choices())
def test_every_choice_of_every_option_is_in_the_readme(option: str, value: str) -> None:
    assert mentioned(f"`{value}`") or re.search(rf"`{option}[^`]*\b{value}\b[^`]*`", README)


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_is_in_the_readme_and_has_help(name: str) -> None:
    assert mentioned(name)
    context = commands()[name]
    assert context.command.help
    for param in context.command.get_params(context):
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts[-1]} has no help text"


def test_every_exit_code_is_in_the_readme_table() -> None:
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \| ", README, re.MULTILINE), code


def readme_json_example() -> dict[str, object]:
    section = README.split("## JSON report", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert block is not None
    example: dict[str, object] = json.loads(block.group(1))
    return example


def test_readme_json_example_numbers_come_from_the_samples_report() -> None:
    example = readme_json_example()
    assert example["stats"] == GOLDEN_JSON["stats"]
    assert example["schema_version"] == GOLDEN_JSON["schema_version"]
    assert example["tool"] == GOLDEN_JSON["tool"]
    shown = example["clusters"][0]  # type: ignore[index]
    real = GOLDEN_JSON["clusters"][0]
    assert {k: v for k, v in shown.items() if k != "members"} == {
        k: v for k, v in real.items() if k != "members"
    }
    where = [(m["path"], m["start_line"], m["end_line"]) for m in shown["members"]]
    assert where == [(m["path"], m["start_line"], m["end_line"]) for m in real["members"]]


def test_readme_counts_match_the_samples_report() -> None:
    assert "`make demo` prints four clusters" in README
    assert len(GOLDEN_JSON["clusters"]) == 4
    # "under 5 words": the documented minimum is the default
    assert "Paragraphs under **5 words** (`min-words`)" in README
    assert "min-words = 5" in README


def code_blocks(language: str, section: str) -> list[str]:
    text = README.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


def test_readme_settings_example_is_valid(tmp_path: Path) -> None:
    (block,) = code_blocks("toml", "Usage")
    table = tomllib.loads(block)["tool"]["dedup"]
    settings = settings_from_mapping(table, "README.md")
    config = Config(**settings)
    # the example's numbers for the matching itself are the defaults
    defaults = Config()
    for name in ("min_words", "near_threshold", "contained_threshold", "num_perm", "seed"):
        assert getattr(config, name) == getattr(defaults, name), name


def test_readme_library_example_prints_what_it_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    (program,) = code_blocks("python", "Library")
    (printed,) = code_blocks("text", "Library")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(program, "README.md", "exec"), {})
    assert out.getvalue() == printed
