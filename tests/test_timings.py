"""Stage timings (``dedup scan --timings``, ``dedup/timings.py``): which stages, what each
made, whose CPU, and the printed lines read back by the benchmark. No second is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write

from dedup.cli import main
from dedup.config import Config
from dedup.pipeline import scan
from dedup.timings import StageTime, Stopwatch, parsed

REPO = Path(__file__).resolve().parent.parent
STAGES = [
    "reading",
    "exact repeats and rarity",
    "candidates",
    "verification",
    "spanning trees",
    "reading again",
    "clusters",
]


def test_a_scan_times_each_stage_in_turn_with_what_it_made() -> None:
    stages: list[StageTime] = []
    report = scan([str(REPO / "samples")], Config(root=REPO), timings=stages.append)
    assert [s.name for s in stages] == STAGES
    made = {s.name: (s.count, s.unit) for s in stages}
    stats = report.stats
    assert made["reading"] == (stats.paragraphs, "paragraphs")
    assert made["exact repeats and rarity"] == (stats.distinct_texts, "distinct texts")
    assert made["candidates"] == (stats.candidate_pairs, "pairs")
    assert made["verification"] == (stats.verified_pairs, "links")
    assert made["spanning trees"] == (len(report.clusters), "groups")
    members = sum(len(c.members) for c in report.clusters)
    assert made["reading again"] == (members, "paragraphs")
    assert made["clusters"] == (len(report.clusters), "clusters")
    assert all(s.wall >= 0 and s.cpu >= 0 for s in stages)


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_cpu_counts_in_the_stage_they_ended_in(tmp_path: Path, jobs: int) -> None:
    """The reading pool's workers end with reading: their CPU is reading's, and no other
    stage's (there is none with one job)."""
    write(
        tmp_path, {f"{i}.txt": f"Paragraph number {i} says something of its own." for i in range(8)}
    )
    stages: list[StageTime] = []
    scan([str(tmp_path)], Config(root=tmp_path, jobs=jobs), timings=stages.append)
    workers = {s.name: s.workers for s in stages}
    assert (workers["reading"] or 0.0) > 0.0 if jobs == 2 else workers["reading"] == 0.0
    assert all(workers[name] == 0.0 for name in STAGES[1:] if name in workers)


def test_without_timings_nothing_is_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Stopwatch, "_now", lambda self: pytest.fail("measured"))
    Stopwatch(None).lap("reading", 1, "paragraphs")


def test_without_children_the_workers_cpu_is_not_known() -> None:
    stages: list[StageTime] = []
    Stopwatch(stages.append, children=False).lap("bands", 3, "rows")
    [stage] = stages
    assert (stage.name, stage.workers, stage.count) == ("bands", None, 3)
    assert stage.line().endswith("s, 3 rows") and "workers" not in stage.line()


def test_the_printed_lines_read_back() -> None:
    stages = [
        StageTime("reading", 2.814, 1.5, 3.7, 301_817, "paragraphs"),
        StageTime("a stage: with a colon", 0.0, 0.004, None, 0, "distinct texts"),
    ]
    lines = [s.line() for s in stages]
    assert lines[0] == (
        "dedup: timings: reading: 2.81 s, CPU 1.50 s + 3.70 s in workers, 301,817 paragraphs"
    )
    back = parsed(["dedup: warning: not a stage", *(line + "\n" for line in lines)])
    assert back == [
        StageTime("reading", 2.81, 1.5, 3.7, 301_817, "paragraphs"),
        StageTime("a stage: with a colon", 0.0, 0.0, None, 0, "distinct texts"),
    ]


def test_the_cli_prints_the_stages_and_the_report_after_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    args = ["scan", str(REPO / "samples"), "--root", str(REPO), "--isolated"]
    plain = CliRunner().invoke(main, [*args, "--format", "json"])
    timed = CliRunner().invoke(main, [*args, "--format", "json", "-o", str(out), "--timings"])
    assert timed.exit_code == plain.exit_code == 1
    assert out.read_text(encoding="utf-8") == plain.stdout  # the report is the same bytes
    stages = parsed(timed.stderr.splitlines())
    assert [s.name for s in stages] == [*STAGES, "report"]
    assert stages[-1].count == len(json.loads(plain.stdout)["clusters"])
    assert "timings" not in plain.stderr
