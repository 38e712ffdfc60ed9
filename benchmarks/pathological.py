"""Pathological corpora, each scanned with a time and a memory budget (CONVENTIONS.md B35-B37).

* ``copies``: one paragraph copied 100,000 times (100 files of 1,000 copies): one exact cluster,
  the JSON lists every copy, the console report stays short (it caps the copies it lists);
* ``huge``: two 1 MB paragraphs that differ in one word, one on a single line, one wrapped:
  one near cluster;
* ``variants``: 10,000 variants of one paragraph (seeded word edits from ``benchmarks/mutate.py``:
  substitutions, deletions, insertions, swaps of 5-10 % of the words): one cluster, without
  verifying all 50 million pairs (LSH buckets are capped).

Every corpus is generated in a temporary folder and scanned by the ``dedup`` command in a child
process (``--format json -o`` and the console report to a file); its wall time and peak memory
(``ru_maxrss`` from ``wait4``, which covers the worker processes the scan waits for) are checked
against the budgets below. Exit status 1 when a budget or a check fails.

Run: ``make bench-pathological`` (or ``.venv/bin/python -m benchmarks.pathological [NAME...]``).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.mutate import WORD_EDITS, edit_words

PARAGRAPH = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing with money saved from the road repairs."
)
VOCABULARY = (
    "river",
    "stone",
    "garden",
    "winter",
    "market",
    "letter",
    "engine",
    "harbour",
    "window",
    "bridge",
    "mountain",
    "lantern",
    "forest",
    "paper",
    "candle",
    "silver",
)


@dataclass(frozen=True)
class Corpus:
    name: str
    build: Callable[[Path], None]
    check: Callable[[dict[str, Any], str], list[str]]
    seconds: float  # wall-time budget
    megabytes: int  # peak RSS budget


def build_copies(root: Path) -> None:
    for i in range(100):
        (root / f"copies{i:03d}.txt").write_text("\n\n".join([PARAGRAPH] * 1000) + "\n")


def check_copies(report: dict[str, Any], console: str) -> list[str]:
    problems = []
    clusters = report["clusters"]
    if len(clusters) != 1 or len(clusters[0]["members"]) != 100_000:
        problems.append(f"expected one cluster of 100000 copies, got {report['stats']}")
    if len(console.splitlines()) > 60 or "99980 more copies" not in console:
        problems.append(f"console report not capped ({len(console.splitlines())} lines)")
    return problems


def _words(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(VOCABULARY) + str(rng.randrange(1000)) for _ in range(count)]


def build_huge(root: Path) -> None:
    words = _words(100_000, 1)  # about 1 MB of text
    (root / "one-line.txt").write_text(" ".join(words) + "\n")
    words[len(words) // 2] = "changed"
    (root / "wrapped.txt").write_text(textwrap.fill(" ".join(words), 72) + "\n")


def check_huge(report: dict[str, Any], console: str) -> list[str]:
    kinds = [c["kind"] for c in report["clusters"]]
    return [] if kinds == ["near"] else [f"expected one near cluster, got {kinds}"]


def build_variants(root: Path) -> None:
    """10,000 copies of PARAGRAPH, each with 5-10 % of its words edited (benchmarks/mutate.py)."""
    rng = random.Random(7)
    vocabulary = [f"word{i}" for i in range(5000)]
    variants = [
        edit_words(PARAGRAPH, WORD_EDITS[i % 4], rng.choice((0.05, 0.10)), rng, vocabulary)
        for i in range(10_000)
    ]
    for f in range(10):
        (root / f"variants{f}.txt").write_text("\n\n".join(variants[f * 1000 : f * 1000 + 1000]))


def check_variants(report: dict[str, Any], console: str) -> list[str]:
    sizes = [len(c["members"]) for c in report["clusters"]]
    return [] if sizes == [10_000] else [f"expected one cluster of 10000, got sizes {sizes[:5]}"]


CORPORA = (
    Corpus("copies", build_copies, check_copies, seconds=20, megabytes=1500),
    Corpus("huge", build_huge, check_huge, seconds=20, megabytes=1000),
    Corpus("variants", build_variants, check_variants, seconds=30, megabytes=1000),
)


def run_dedup(root: Path, args: list[str], out: Path) -> tuple[float, int, int]:
    """Run ``dedup scan`` on ``root``; return wall seconds, peak RSS in MB and the exit code."""
    command = [sys.executable, "-m", "dedup", "scan", ".", "--isolated", *args]
    started = time.perf_counter()
    with out.open("w") as stdout:
        child = subprocess.Popen(command, cwd=root, stdout=stdout, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stderr is not None
    errors = child.stderr.read().decode(errors="replace").strip()
    if errors:
        print(f"  stderr: {errors[:500]}")
    return seconds, usage.ru_maxrss // 1024, child.returncode


def measure(corpus: Corpus) -> bool:
    with tempfile.TemporaryDirectory(prefix=f"dedup-{corpus.name}-") as tmp:
        root = Path(tmp) / "corpus"
        root.mkdir()
        corpus.build(root)
        size = sum(p.stat().st_size for p in root.iterdir())
        report_path = Path(tmp) / "report.json"
        seconds, megabytes, code = run_dedup(
            root, ["--format", "json", "-o", str(report_path)], Path(tmp) / "stdout.txt"
        )
        report = json.loads(report_path.read_text())
        console_path = Path(tmp) / "console.txt"
        console_seconds, console_mb, _ = run_dedup(root, ["--color", "never"], console_path)
        console = console_path.read_text()
    problems = corpus.check(report, console)
    if code != 1:
        problems.append(f"exit code {code}, expected 1 (findings)")
    for what, value, budget in (
        ("json seconds", seconds, corpus.seconds),
        ("console seconds", console_seconds, corpus.seconds),
        ("json MB", megabytes, corpus.megabytes),
        ("console MB", console_mb, corpus.megabytes),
    ):
        if value > budget:
            problems.append(f"{what} {value:.1f} over the budget of {budget}")
    print(
        f"{corpus.name:9} input {size / 1e6:6.1f} MB | json {seconds:5.1f} s {megabytes:5d} MB"
        f" | console {console_seconds:5.1f} s {console_mb:5d} MB, {len(console.splitlines())} lines"
        f" | budget {corpus.seconds} s {corpus.megabytes} MB | {'ok' if not problems else 'FAIL'}"
    )
    for problem in problems:
        print(f"  {problem}")
    return not problems


def main(names: list[str]) -> int:
    chosen = [c for c in CORPORA if not names or c.name in names]
    results = [measure(corpus) for corpus in chosen]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
