"""Workers (verification, the rare-word join and LSH bands beside it) give the same report,
byte for byte, as one process."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup import pipeline, verify_pool, workers
from dedup.cluster import LinkTable
from dedup.config import Config
from dedup.reporters.json_report import render_json
from dedup.verify import MODEL_MAX_WORDS, Text

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
    """Forty paragraphs, each with an edited copy in another file; one in four longer than the
    reworded model's sentences (their pairs are verified first: ``sentence_pairs_last``)."""
    rng = random.Random(5)
    originals = [
        " ".join(rng.choices(WORDS, k=rng.randint(12, 30) + 30 * (i % 4 == 0))) + "."
        for i in range(40)
    ]
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


def tasks_sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions sent to workers."""
    sent: list[str] = []
    original = workers.Worker.send

    def send(self: workers.Worker, task: workers.Task, *args: Any) -> int:
        sent.append(task.__name__)
        return original(self, task, *args)

    monkeypatch.setattr(workers.Worker, "send", send)
    return sent


def prepared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, str, list[int]]:
    """The corpus, its report from one process, and the batches counted from now on, verified
    with workers from the first pair on, in many small batches (put back in order)."""
    root = corpus(tmp_path)
    serial = render_json(pipeline.scan([str(root)], Config(root=root, jobs=1)))
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(verify_pool, "BATCH", 7)
    return root, serial, here_counted(monkeypatch)


@pytest.mark.parametrize("jobs", [2, 3])
def test_workers_give_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, jobs: int
) -> None:
    root, serial, here = prepared(monkeypatch, tmp_path)
    sent = tasks_sent(monkeypatch)
    shared = pipeline.scan([str(root)], Config(root=root, jobs=jobs))
    batches = -(-shared.stats.candidate_pairs // 7)
    assert batches > 4
    assert 0 < len(here) < batches  # the workers verified some batches, this process the rest
    assert sent.count("_start") == jobs - 1  # the settings, once per worker, then batches
    assert set(sent) == {"_start", "_verify_sent"}
    assert shared.stats.verified_pairs >= 40
    assert render_json(shared) == serial


@pytest.mark.parametrize("python", ["", "/bin/false"], ids=["no-python", "worker-dies"])
def test_what_a_worker_does_not_answer_is_done_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, python: str
) -> None:
    root, serial, here = prepared(monkeypatch, tmp_path)
    monkeypatch.setattr(sys, "executable", python)
    alone = pipeline.scan([str(root)], Config(root=root, jobs=2))
    assert len(here) == -(-alone.stats.candidate_pairs // 7)  # every batch, here
    assert render_json(alone) == serial


@pytest.mark.parametrize("python", [None, "/bin/false"], ids=["worker", "worker-dies"])
def test_the_rare_words_joined_in_a_worker_give_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, python: str | None
) -> None:
    root = corpus(tmp_path)
    serial = render_json(pipeline.scan([str(root)], Config(root=root, jobs=1)))
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_POSTINGS", 0)
    sent = tasks_sent(monkeypatch)
    if python is not None:
        monkeypatch.setattr(sys, "executable", python)
    aside = pipeline.scan([str(root)], Config(root=root, jobs=2))
    # then the worker may make LSH bands; too few pairs for verification workers
    assert sent[:2] == ["rare_join", "keep_shingles"]
    assert set(sent[2:]) <= {"kept_band_codes"}
    assert render_json(aside) == serial


def test_a_task_aside_is_run_here_when_no_worker_can_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = tasks_sent(monkeypatch)
    assert workers.Aside(pow, 2, 10, alone=True).result() == 1024
    assert sent == []
    monkeypatch.setattr(sys, "executable", "")
    assert workers.Aside(pow, 3, 4).result() == 81
    assert sent == []


def test_a_task_aside_runs_in_a_worker_that_ends_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = tasks_sent(monkeypatch)
    aside = workers.Aside(max, 3, 9, 4)
    assert aside.worker is not None
    process = aside.worker.process
    assert aside.result() == 9
    assert sent == ["max"]
    assert process.poll() == 0  # stopped with its one task
    assert aside.worker is None


def test_a_worker_does_not_import_the_scan() -> None:
    """A worker is a new interpreter: what it imports, it holds in memory of its own."""
    code = (
        "import sys, dedup.workers, dedup.verify_pool, dedup.candidates; "
        "print('dedup.pipeline' in sys.modules)"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout == "False\n"


def test_a_worker_runs_its_tasks_in_turn_and_ends_with_its_input() -> None:
    frames = b"".join(
        len(frame).to_bytes(8, "little") + frame
        for frame in (pickle.dumps((0, pow, (2, 5))), pickle.dumps((1, max, (3, 9, 4))))
    )
    ran = subprocess.run(
        [sys.executable, "-m", "dedup.workers"], input=frames, capture_output=True, check=True
    )
    answers = []
    out = ran.stdout
    while out:
        size = int.from_bytes(out[:8], "little")
        answers.append(pickle.loads(out[8 : 8 + size]))
        out = out[8 + size :]
    assert answers == [(0, 32), (1, 9)]
    assert ran.stderr == b""


def test_sentence_pairs_go_last_each_part_in_its_order() -> None:
    """The pairs of two sentence-sized texts are moved to the end (the workers' end), and
    neither part is reordered (a text's pairs stay together for its profile)."""
    rng = random.Random(3)
    texts = [Text(i, ("w",) * rng.choice([1, 39, 40, 41, 90]), ()) for i in range(50)]
    pairs = np.array(sorted(tuple(sorted(rng.sample(range(50), 2))) for _ in range(300)))
    moved = verify_pool.sentence_pairs_last(texts, pairs)
    listed = pairs.tolist()
    short = [max(len(texts[a].words), len(texts[b].words)) <= MODEL_MAX_WORDS for a, b in listed]
    kept = [p for p, s in zip(listed, short, strict=True) if not s]
    assert 0 < len(kept) < len(listed)
    assert moved.tolist() == kept + [p for p, s in zip(listed, short, strict=True) if s]
