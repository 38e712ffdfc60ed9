"""Each stage's time, for ``dedup scan --timings`` and the benchmark's table of stages.

A stage is timed from the end of the one before: wall seconds, this process's CPU seconds (its
threads included), and the CPU seconds of the worker processes that ended during the stage (a
scan's workers end with the stage that started them: the reading pool, the rare-word join,
verification), so that where a scan's time goes is measured by the program itself, on any
corpus, rather than by scripts around it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

try:
    import resource
except ImportError:  # not on Windows: the workers' CPU is then not known
    resource = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class StageTime:
    """What one stage of a scan took, and how much it made."""

    name: str
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU
    workers: float | None  # seconds of CPU of the workers that ended in the stage; None: unknown
    count: int  # what the stage made (paragraphs, texts, pairs, links, clusters)
    unit: str  # what ``count`` counts

    def line(self) -> str:
        """The stage as ``--timings`` prints it (``parsed`` reads it back)."""
        workers = "" if self.workers is None else f" + {self.workers:.2f} s in workers"
        return (
            f"{PREFIX}{self.name}: {self.wall:.2f} s, CPU {self.cpu:.2f} s{workers}, "
            f"{self.count:,} {self.unit}"
        )


Timings = Callable[[StageTime], None]

PREFIX = "dedup: timings: "
_LINE = re.compile(
    re.escape(PREFIX) + r"(?P<name>.+?): (?P<wall>\d+\.\d+) s, CPU (?P<cpu>\d+\.\d+) s"
    r"(?: \+ (?P<workers>\d+\.\d+) s in workers)?, (?P<count>\d[\d,]*) (?P<unit>.+)"
)


def parsed(lines: Iterable[str]) -> list[StageTime]:
    """The stages among ``lines`` (a scan's stderr with ``--timings``), to the hundredth of a
    second they were printed with; other lines are left out."""
    found = []
    for line in lines:
        match = _LINE.fullmatch(line.rstrip("\n"))
        if match is not None:
            workers = match["workers"]
            found.append(
                StageTime(
                    match["name"],
                    float(match["wall"]),
                    float(match["cpu"]),
                    None if workers is None else float(workers),
                    int(match["count"].replace(",", "")),
                    match["unit"],
                )
            )
    return found


class Stopwatch:
    """Times the stages one after another, each reported to ``timings`` as it ends (nothing is
    measured without it). ``children``: whether the CPU of child processes that end is the
    work's (not on Spark, whose JVM outlives every stage: the workers' CPU is then unknown)."""

    def __init__(self, timings: Timings | None, children: bool = True) -> None:
        self.timings = timings
        self.children = children
        self.started = self._now() if timings is not None else (0.0, 0.0, None)

    def lap(self, name: str, count: int, unit: str) -> None:
        """The stage ``name`` ends now, having made ``count`` ``unit``."""
        if self.timings is None:
            return
        wall, cpu, workers = self._now()
        before_wall, before_cpu, before_workers = self.started
        done = None if workers is None or before_workers is None else workers - before_workers
        self.timings(StageTime(name, wall - before_wall, cpu - before_cpu, done, count, unit))
        self.started = self._now()  # what ``timings`` itself takes is no stage's

    def _now(self) -> tuple[float, float, float | None]:
        """Wall seconds, this process's CPU seconds, and its ended children's CPU seconds."""
        return time.perf_counter(), time.process_time(), _children() if self.children else None


def _children() -> float | None:
    """The CPU seconds of this process's children that ended (``None`` where not known)."""
    if resource is None:
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
