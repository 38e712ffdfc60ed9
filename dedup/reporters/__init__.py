"""Reporters turn a ``Report`` into output; they never decide the exit code."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from dedup.models import Report
from dedup.reporters.console import render_console
from dedup.reporters.json_report import render_json

# name -> function writing the report to a text stream
REPORTERS: dict[str, Callable[[Report, IO[str]], None]] = {
    "console": lambda report, stream: render_console(report, stream),
    "json": lambda report, stream: _write_json(report, stream),
}


def _write_json(report: Report, stream: IO[str]) -> None:
    stream.write(render_json(report))


__all__ = ["REPORTERS", "render_console", "render_json"]
