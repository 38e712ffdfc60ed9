"""Verification workers give the same report, byte for byte, as verifying in one process."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dedup import pipeline, verify_pool
from dedup.cluster import LinkTable
from dedup.config import Config
from dedup.reporters.json_report import render_json

WORDS = (
    "river",
    "stone",
    "market",
    "council",
    "budget",
    "library",
    "winter",
    "harbour",
    "signal",
    "garden",
    "engine",
    "morning",
    "letter",
    "bridge",
    "window",
    "county",
    "station",
    "record",
    "village",
    "museum",
    "doctor",
    "teacher",
    "farmer",
    "road",
)


def corpus(root: Path) -> Path:
    """Forty paragraphs, each with an edited copy in another file."""
    rng = random.Random(5)
    originals = [" ".join(rng.choices(WORDS, k=rng.randint(12, 30))) + "." for _ in range(40)]
    copies = []
    for text in originals:
        words = text.split()
        words[rng.randrange(len(words))] = "changed"
        copies.append(" ".join(words))
    (root / "a.txt").write_text("\n\n".join(originals) + "\n", encoding="utf-8")
    (root / "b.txt").write_text("\n\n".join(copies) + "\n", encoding="utf-8")
    return root


def here_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the batches the scan's own process verifies (the workers' are not counted)."""
    done: list[int] = []
    original = verify_pool._verify

    def counted(*args: Any) -> LinkTable:
        done.append(1)
        return original(*args)

    monkeypatch.setattr(verify_pool, "_verify", counted)
    return done


@pytest.mark.parametrize("jobs", [2, 3])
def test_verification_workers_give_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, jobs: int
) -> None:
    root = corpus(tmp_path)
    serial = pipeline.scan([str(root)], Config(root=root, jobs=1))
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_PAIRS", 0)  # workers from the first pair on
    monkeypatch.setattr(verify_pool, "BATCH", 7)  # many small batches, put back in order
    here = here_counted(monkeypatch)
    shared = pipeline.scan([str(root)], Config(root=root, jobs=jobs))
    batches = -(-shared.stats.candidate_pairs // 7)
    assert batches > 4
    assert 0 < len(here) < batches  # the workers verified some batches, this process the rest
    assert serial.stats.verified_pairs >= 40
    assert render_json(shared) == render_json(serial)


@pytest.mark.parametrize("python", ["", "/bin/false"], ids=["no-python", "worker-dies"])
def test_batches_a_worker_does_not_answer_are_verified_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, python: str
) -> None:
    root = corpus(tmp_path)
    serial = pipeline.scan([str(root)], Config(root=root, jobs=1))
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(verify_pool, "BATCH", 7)
    monkeypatch.setattr(sys, "executable", python)
    here = here_counted(monkeypatch)
    alone = pipeline.scan([str(root)], Config(root=root, jobs=2))
    assert len(here) == -(-alone.stats.candidate_pairs // 7)  # every batch, here
    assert render_json(alone) == render_json(serial)


def test_a_worker_does_not_import_the_scan() -> None:
    """A worker is a new interpreter: what it imports, it holds in memory of its own."""
    code = "import sys, dedup.verify_pool; print('dedup.pipeline' in sys.modules)"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout == "False\n"


def test_a_worker_ends_with_its_input() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "dedup.verify_pool"], input=b"", capture_output=True, check=True
    )
    assert ran.stdout == b"" and ran.stderr == b""
