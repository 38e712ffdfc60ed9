"""The verification pool gives the same report, byte for byte, as verifying in one process."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dedup import pipeline
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


def test_verification_pool_gives_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = corpus(tmp_path)
    serial = pipeline.scan([str(root)], Config(root=root, jobs=1))
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_PAIRS", 0)  # pool from the first pair on
    monkeypatch.setattr(pipeline, "VERIFY_BATCH", 7)  # many small tasks, results in order
    pooled = pipeline.scan([str(root)], Config(root=root, jobs=2))
    assert pooled.stats.candidate_pairs > 7 * 4
    assert serial.stats.verified_pairs >= 40
    assert render_json(pooled) == render_json(serial)
