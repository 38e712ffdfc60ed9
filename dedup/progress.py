"""The progress bar on stderr: shown only on a terminal, and only for scans longer than a moment.

The pipeline reports each file it has read; after the last one it matches paragraphs, which
has no count to show, so the bar then pulses under the label "matching".
"""

from __future__ import annotations

import threading

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

# A scan shorter than this shows no bar: it would only flicker.
PROGRESS_DELAY = 0.5


class DelayedBar:
    """A transient bar that a timer shows ``delay`` seconds after it was made, unless closed first.

    Call it as the pipeline's progress callback ``(files done, files in all)``; ``close`` it when
    the scan ends (it is then erased).
    """

    def __init__(self, console: Console, delay: float = PROGRESS_DELAY) -> None:
        self.console = console
        self.done, self.total = 0, 0
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.closed = False
        self.lock = threading.Lock()
        self.timer = threading.Timer(delay, self.show)
        self.timer.daemon = True
        self.timer.start()

    def __call__(self, done: int, total: int) -> None:
        with self.lock:
            self.done, self.total = done, total
            if self.bar is not None:
                self._update(self.bar)

    def show(self) -> None:
        """Put the bar on screen (the timer calls this); nothing happens once closed."""
        with self.lock:
            if self.closed or self.bar is not None:
                return
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[detail]}"),
                console=self.console,
                transient=True,
            )
            self.tasks["reading"] = bar.add_task("reading", total=None, detail="")
            self._update(bar)
            self.bar = bar
            bar.start()

    def _update(self, bar: Progress) -> None:
        if self.total and self.done >= self.total and "matching" not in self.tasks:
            bar.update(self.tasks["reading"], visible=False)
            self.tasks["matching"] = bar.add_task("matching", total=None, detail="")
        detail = f"{self.done}/{self.total} files"
        total = self.total or None  # None: no count yet, the bar pulses
        bar.update(self.tasks["reading"], completed=self.done, total=total, detail=detail)

    def close(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.closed = True
            if self.bar is not None:
                self.bar.stop()
