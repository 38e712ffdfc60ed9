"""The README stays true: every option is documented, and its marker example works."""

from __future__ import annotations

import re
from pathlib import Path

import click

from dedup.cli import main
from dedup.config import Config
from dedup.pipeline import scan

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_scan_option_is_in_the_readme() -> None:
    command = main.commands["scan"]
    names = {
        name
        for param in command.params
        if isinstance(param, click.Option)
        for name in param.opts
        if name.startswith("--")
    }
    missing = sorted(
        n for n in names if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", README)
    )
    assert missing == []


def test_the_marker_example_suppresses_what_it_says(tmp_path: Path) -> None:
    example = re.search(r"```markdown\n(.*?)```", README, re.S)
    assert example is not None
    (tmp_path / "chapter.md").write_text(example.group(1), encoding="utf-8")
    prose = [
        "This disclaimer is repeated on purpose at the top of every chapter.",
        "Every paragraph here is left out of the scan.",
    ]
    (tmp_path / "other.md").write_text("\n\n".join(prose) + "\n", encoding="utf-8")
    report = scan([str(tmp_path)], Config(root=tmp_path))
    assert report.clusters == ()
    assert report.stats.ignored_paragraphs == 3
    assert report.warnings == ()
