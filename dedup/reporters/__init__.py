"""Reporters turn a ``Report`` into output; they never decide the exit code."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from dedup.models import Report
from dedup.reporters.console import render_console
from dedup.reporters.github import render_github
from dedup.reporters.html import render_html
from dedup.reporters.json_report import render_json, write_json
from dedup.reporters.markdown import render_markdown
from dedup.reporters.sarif import render_sarif

# name -> function writing the report to a text stream
REPORTERS: dict[str, Callable[[Report, IO[str]], None]] = {
    "console": lambda report, stream: render_console(report, stream),
    "json": lambda report, stream: _write_json(report, stream),
    "sarif": render_sarif,
    "github": render_github,
    "markdown": lambda report, stream: render_markdown(report, stream),
    "html": render_html,
}


def _write_json(report: Report, stream: IO[str]) -> None:
    write_json(report, stream.write)


__all__ = [
    "REPORTERS",
    "render_console",
    "render_github",
    "render_html",
    "render_json",
    "render_markdown",
    "render_sarif",
]
