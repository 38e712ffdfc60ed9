"""The speed benchmark's plumbing: what it runs and how it reports. Its seconds are not asserted
(speed lives in the benchmark's own runs, README "Performance")."""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

import pytest

from benchmarks import bench
from benchmarks.bench import BEFORE, Row, Run
from dedup.timings import StageTime


def test_a_program_run_from_a_home_imports_dedup_from_there(tmp_path: Path) -> None:
    """The earlier commit's scan runs from its worktree: ``python`` there must import that
    commit's package, not this tree's (``python -m`` puts the folder it runs in first)."""
    home = tmp_path / "before"
    (home / "dedup").mkdir(parents=True)
    (home / "dedup" / "__init__.py").write_text("MARK = 'before'\n", encoding="utf-8")
    found = tmp_path / "found.txt"
    write = f"import dedup, pathlib; pathlib.Path({str(found)!r}).write_text(dedup.MARK)"
    assert bench.measure([sys.executable, "-c", write], 60, 0, home).exit_code == 0
    assert found.read_text(encoding="utf-8") == "before"
    this_tree = "import dedup, sys; sys.exit(hasattr(dedup, 'MARK') * 3)"
    assert bench.measure([sys.executable, "-c", this_tree], 60, 0).exit_code == 0


@pytest.mark.parametrize("git", [True, False], ids=["unknown-commit", "no-git"])
def test_a_commit_that_cannot_be_checked_out_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, git: bool
) -> None:
    if not git:
        monkeypatch.setenv("PATH", str(tmp_path))  # no git to run
    with pytest.raises(SystemExit, match=r"^bench: cannot check out 'no-such-commit'"):
        bench.worktree("no-such-commit", tmp_path / "tree")
    assert not (tmp_path / "tree").exists()


def test_the_table_compares_the_earlier_commit_within_each_round() -> None:
    def run(wall: float) -> Run:
        return Run(wall, wall, 100.0, 0)

    rounds = [
        {"floor": run(1.0), "scan": run(2.0), BEFORE: run(3.0)},
        {"floor": run(1.0), "scan": run(4.0), BEFORE: run(5.0)},
        {"floor": run(1.0), "scan": run(2.0), BEFORE: run(2.2)},
    ]
    row = Row(1000, rounds=rounds, identical={BEFORE: [True, True, False]})
    text = bench.table([row], ("floor", "naive", "scan", BEFORE))
    # the median of the rounds' own ratios (1.5, 1.25, 1.1), not a ratio of medians (3.0 / 2.0)
    assert f"* 1,000: {BEFORE}/scan wall 1.25; JSON report identical: NO" in text


def test_a_child_still_in_its_parents_memory_is_not_counted_twice() -> None:
    """A child started by ``vfork`` shows its parent's resident set until it runs its program
    (a sample then counted the scan twice); a child on its own memory counts, grandchildren
    too, and a process outside the tree does not."""
    mb = 1024
    table = {
        10: (1, 400 * mb, 900 << 20),  # the scan
        11: (10, 400 * mb, 900 << 20),  # a worker, not yet in its own program
        12: (10, 60 * mb, 300 << 20),  # a worker in its own program
        13: (12, 5 * mb, 20 << 20),  # its child
        14: (1, 400 * mb, 900 << 20),  # another program of the same size, not in the tree
    }
    assert bench.tree_rss_kb(table, 10) == 465 * mb
    assert bench.tree_rss_kb({**table, 11: (10, 400 * mb, 901 << 20)}, 10) == 865 * mb
    assert bench.tree_rss_kb(table, 99) == 0


def test_the_live_tree_counts_this_process() -> None:
    own = bench._tree_rss_kb(os.getpid())
    assert own >= resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 4


def test_the_stage_table_shows_each_stage_s_median_and_what_is_outside_them() -> None:
    def run(wall: float, reading: float, workers: float | None) -> Run:
        stages = (
            StageTime("reading", reading, 1.0, workers, 300, "paragraphs"),
            StageTime("verification", 2.0, 2.0, 0.5, 40, "links"),
        )
        return Run(wall, wall, 100.0, 0, stages=stages)

    rounds = [
        {"scan": run(10.0, 3.0, 4.0)},
        {"scan": run(12.0, 5.0, None)},
        {"scan": run(8.0, 4.0, 2.0)},
    ]
    lines = bench.stage_table(Row(1000, rounds=rounds)).splitlines()
    assert lines[0].startswith("Stages of scan at 1,000 paragraphs (medians of 3 rounds")
    assert lines[4] == "| reading | 4.00 | 40% | 1.00 | 3.00 | 300 paragraphs |"
    assert lines[5] == "| verification | 2.00 | 20% | 2.00 | 0.50 | 40 links |"
    # each round's wall less its stages (5, 5, 2): the median, of the median wall (10)
    assert lines[6] == "| outside the stages | 5.00 | 50% | | | |"
    assert bench.stage_table(Row(1000, rounds=[{"scan": Run(1.0, 1.0, 1.0, 0)}])) == ""
