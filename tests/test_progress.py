"""progress.py: the bar waits for its timer, follows the files read, then pulses while matching."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rich.console import Console

from dedup.progress import DelayedBar

NEVER = 3600.0  # a timer that does not fire during a test


@pytest.fixture
def console() -> Iterator[Console]:
    yield Console(file=io.StringIO(), force_terminal=True, width=80)


def test_nothing_shows_before_the_timer_then_the_bar_follows_the_scan(console: Console) -> None:
    bar = DelayedBar(console, delay=NEVER)
    try:
        bar(3, 10)
        assert bar.bar is None
        assert console.file.getvalue() == ""  # type: ignore[attr-defined]
        bar.show()
        assert bar.bar is not None
        (reading,) = bar.bar.tasks
        assert (reading.description, reading.completed, reading.total) == ("reading", 3, 10)
        assert reading.fields["detail"] == "3/10 files"
        bar(10, 10)  # every file read: matching has no count, so its bar pulses
        tasks = {task.description: task for task in bar.bar.tasks}
        assert not tasks["reading"].visible
        assert tasks["matching"].visible and tasks["matching"].total is None
    finally:
        bar.close()
    bar.timer.join(timeout=30)  # a cancelled timer ends without firing
    assert not bar.timer.is_alive()
    assert "reading" in console.file.getvalue()


def test_a_scan_that_ends_before_the_timer_shows_nothing(console: Console) -> None:
    bar = DelayedBar(console, delay=NEVER)
    bar(1, 1)
    bar.close()
    bar.show()  # a timer that fires late finds the bar closed
    assert bar.bar is None
    assert console.file.getvalue() == ""  # type: ignore[attr-defined]


def test_the_timer_shows_the_bar(console: Console) -> None:
    bar = DelayedBar(console, delay=0.0)
    bar.timer.join(timeout=30)
    try:
        assert bar.bar is not None
    finally:
        bar.close()
