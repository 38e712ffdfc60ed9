"""``dedup eval``: labels, matching lines to paragraphs, and metrics computed by hand."""

from __future__ import annotations

import json
from collections import Counter
from math import comb
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dedup.cli import main
from dedup.evaluate import (
    Evaluation,
    LabelsError,
    _pair_counts,
    adjusted_rand,
    evaluate,
    load_labels,
)
from dedup.models import Cluster, ClusterLink, Kind, Member

PROSE = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)
OTHER = "Rain is expected over the northern hills tonight, with snow above five hundred metres."


def member(path: str, start: int, end: int | None = None) -> Member:
    return Member(path, start, end if end is not None else start, "text")


def loc(path: str, line: int) -> dict[str, object]:
    return {"path": path, "line": line}


def write_labels(folder: Path, items: list[dict[str, object]]) -> Path:
    path = folder / "labels.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


# One found cluster: a.txt 1-2 ~near 0.9~ b.txt 5 ~reworded 0.5~ c.txt 1.
FOUND = [
    Cluster(
        1,
        Kind.REWORDED,
        0.5,
        (member("a.txt", 1, 2), member("b.txt", 5), member("c.txt", 1)),
        (ClusterLink(0, 1, Kind.NEAR, 0.9), ClusterLink(1, 2, Kind.REWORDED, 0.5)),
    )
]


def test_pair_metrics_by_hand(tmp_path: Path) -> None:
    labels = write_labels(
        tmp_path,
        [
            {"a": loc("a.txt", 2), "b": loc("b.txt", 5), "label": 1, "group": "g"},  # TP near
            # TP, found through b.txt 5 as reworded
            {"a": loc("a.txt", 1), "b": loc("c.txt", 1), "label": 1, "kind": "reworded"},
            # FP
            {"a": loc("b.txt", 5), "b": loc("c.txt", 1), "label": 0, "group": "g"}
            | {"kind": "reworded"},
            {"a": loc("a.txt", 1), "b": loc("d.txt", 1), "label": 1, "kind": "near"},  # FN
            {"a": loc("d.txt", 1), "b": loc("e.txt", 1), "label": 0},  # TN
        ],
    )
    result = evaluate(load_labels(labels), FOUND, tmp_path)
    pairs = result.pairs
    assert pairs is not None
    counts = (
        pairs.true_positives,
        pairs.false_positives,
        pairs.false_negatives,
        pairs.true_negatives,
    )
    assert counts == (2, 1, 1, 1)
    assert pairs.precision == pytest.approx(2 / 3)
    assert pairs.recall == pytest.approx(2 / 3)
    assert pairs.f1 == pytest.approx(2 / 3)
    assert pairs.accuracy == pytest.approx(3 / 5)
    kinds = {k.kind: k for k in result.kinds}
    assert set(kinds) == {Kind.NEAR, Kind.REWORDED}
    assert kinds[Kind.NEAR].found.precision == 1.0
    assert kinds[Kind.NEAR].labelled.recall == 0.0  # the labelled near pair was missed
    assert kinds[Kind.REWORDED].found.precision == 0.5
    assert kinds[Kind.REWORDED].labelled.recall == 1.0
    # Pairs labelled reworded: the copy a1~c1 found, the non-copy b5~c1 found: P 1/2, R 1.
    assert kinds[Kind.REWORDED].f1 == pytest.approx(2 / 3)
    assert kinds[Kind.NEAR].f1 is None  # no non-copy is labelled near
    group = dict(result.groups)["g"]
    assert (group.true_positives, group.false_positives) == (1, 1)
    rows = {r.threshold: r.scores for r in result.pair_thresholds}
    assert rows[0.5].f1 == pytest.approx(2 / 3)
    assert (rows[0.6].precision, rows[0.6].recall, rows[0.6].f1) == pytest.approx((1, 1 / 3, 0.5))
    assert rows[0.95].precision is None
    best = Evaluation.best(result.pair_thresholds)
    assert best is not None
    assert best.threshold == 0.5  # the highest threshold among those with the best F1


def test_adjusted_rand_by_hand(tmp_path: Path) -> None:
    # Truth {x1 x2 x3} {x4 x5}; found {x1 x2} {x3 x4}, x5 alone.
    found = [
        Cluster(
            1,
            Kind.NEAR,
            0.8,
            (member("x", 1), member("x", 2)),
            (ClusterLink(0, 1, Kind.NEAR, 0.8),),
        ),
        Cluster(
            2,
            Kind.NEAR,
            0.9,
            (member("x", 3), member("x", 4)),
            (ClusterLink(0, 1, Kind.NEAR, 0.9),),
        ),
    ]
    labels = write_labels(
        tmp_path,
        [
            {"members": [loc("x", 1), loc("x", 2), loc("x", 3)]},
            {"members": [loc("x", 4), loc("x", 5)]},
        ],
    )
    result = evaluate(load_labels(labels), found, tmp_path)
    # index 1; rows 3 + 1 = 4; columns 1 + 1 = 2; expected 4 * 2 / 10 = 0.8; max 3.
    assert result.adjusted_rand == pytest.approx((1 - 0.8) / (3 - 0.8))
    clusters = result.clusters
    assert clusters is not None
    counts = (
        clusters.true_positives,
        clusters.false_positives,
        clusters.false_negatives,
        clusters.true_negatives,
    )
    assert counts == (1, 1, 3, 5)
    # Above 0.85 only {x3 x4} is left: no true pair found.
    rows = {r.threshold: r.scores for r in result.cluster_thresholds}
    assert rows[0.85].true_positives == 0
    assert rows[0.85].false_positives == 1
    assert pairs_is_none(result)


def pairs_is_none(result: Evaluation) -> bool:
    return result.pairs is None and result.pair_thresholds == () and result.kinds == ()


def test_adjusted_rand_extremes() -> None:
    assert adjusted_rand({("a", 1): 2, ("b", 2): 3}) == pytest.approx(1.0)
    assert adjusted_rand({("a", 1): 1}) is None
    # Everything in one true cluster and one found cluster: ARI undefined, not a crash.
    assert adjusted_rand({("a", 1): 4}) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not a JSON object"),
        ('{"a": {"path": "x", "line": 0}, "b": {"path": "x", "line": 1}, "label": 1}', "line"),
        ('{"a": {"path": "x", "line": 1}, "b": {"path": "x", "line": 2}, "label": 2}', "label"),
        ('{"members": [{"path": "x", "line": 1}]}', "at least two"),
        (
            '{"a": {"path": "x", "line": 1}, "b": {"path": "y", "line": 1}, "label": 1, '
            '"kind": "fuzzy"}',
            "unknown kind",
        ),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_bad_labels_name_the_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text("\n" + line + "\n", encoding="utf-8")
    with pytest.raises(LabelsError, match=message) as info:
        load_labels(path)
    assert f"{path}:2" in str(info.value)


def test_a_location_in_two_labelled_clusters_is_an_error(tmp_path: Path) -> None:
    labels = write_labels(
        tmp_path,
        [{"members": [loc("x", 1), loc("x", 2)]}, {"members": [loc("x", 2), loc("x", 3)]}],
    )
    with pytest.raises(LabelsError, match="two labelled clusters"):
        load_labels(labels)


def test_cli_scans_the_labels_folder_and_scores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "corpus"
    docs.mkdir()
    (docs / "a.txt").write_text(f"Title line here\n\n{PROSE}\n", encoding="utf-8")
    copy = PROSE.replace("Tuesday", "Monday").replace(", and after", " and after")
    (docs / "b.txt").write_text(f"{OTHER}\n\n{copy[:60]}\n{copy[60:]}\n", encoding="utf-8")
    labels = write_labels(
        docs,
        [
            {"a": loc("a.txt", 3), "b": loc("b.txt", 4), "label": 1, "kind": "near"},
            {"a": loc("a.txt", 3), "b": loc("b.txt", 1), "label": 0},
        ],
    )
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["eval", str(labels), "--isolated", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pairs"]["precision"] == 1.0
    assert data["pairs"]["recall"] == 1.0
    assert data["kinds"]["near"] == {
        "found": 1,
        "labelled": 1,
        "precision": 1.0,
        "recall": 1.0,
        "f1": None,
    }
    assert data["adjusted_rand_index"] is None
    # The same scores from a saved JSON report, with console output.
    report = tmp_path / "r.json"
    scan = runner.invoke(main, ["scan", "corpus", "--isolated", "--format", "json", "-o", "r.json"])
    assert scan.exit_code == 1
    console = runner.invoke(main, ["eval", str(labels), "--report", str(report)])
    assert console.exit_code == 0, console.output
    assert "Labelled pairs" in console.stdout
    row = next(line for line in console.stdout.splitlines() if line.startswith("│ all"))
    assert [cell.strip() for cell in row.split("│")[1:-1]] == [
        *("all", "1", "0", "0", "1"),
        *("1.000", "1.000", "1.000", "1.000"),
    ]


def test_cli_bad_report_and_bad_labels_exit_2(tmp_path: Path) -> None:
    labels = write_labels(tmp_path, [{"a": loc("a", 1), "b": loc("b", 1), "label": 1}])
    bad = tmp_path / "bad.json"
    bad.write_text('{"files_scanned": [], "clusters": [{"id": 1}]}', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["eval", str(labels), "--report", str(bad)])
    assert result.exit_code == 2
    assert "not a dedup JSON report" in result.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    result = runner.invoke(main, ["eval", str(empty), "--report", str(bad)])
    assert result.exit_code == 2
    assert "no labels found" in result.output
    assert "Traceback" not in result.output


def test_a_label_naming_a_file_the_scan_did_not_read_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text(PROSE + "\n", encoding="utf-8")
    labels = write_labels(tmp_path, [{"a": loc("a.txt", 1), "b": loc("typo.txt", 1), "label": 1}])
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["eval", str(labels), "--isolated"])
    assert result.exit_code == 2
    assert "did not read" in result.output
    assert "typo.txt" in result.output


def test_cli_writes_the_scores_to_a_file_and_takes_scan_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text(PROSE + "\n", encoding="utf-8")
    copy = PROSE.replace("Tuesday", "Monday").replace("library", "museum")
    (tmp_path / "b.txt").write_text(copy + "\n", encoding="utf-8")
    labels = write_labels(tmp_path, [{"a": loc("a.txt", 1), "b": loc("b.txt", 1), "label": 1}])
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    out = tmp_path / "scores.json"
    args = ["eval", str(labels), "--isolated", "--format", "json", "-o", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["pairs"]["recall"] == 1.0
    strict = runner.invoke(main, [*args, "--near-threshold", "0.99", "--no-reworded"])
    assert strict.exit_code == 0, strict.output
    assert json.loads(out.read_text(encoding="utf-8"))["pairs"]["recall"] == 0.0


def test_eval_takes_every_scan_setting_that_chooses_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same options as dedup scan: here --include leaves b.txt unread, which eval reports.
    (tmp_path / "a.md").write_text(PROSE + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(PROSE + "\n", encoding="utf-8")
    labels = write_labels(tmp_path, [{"a": loc("a.md", 1), "b": loc("b.txt", 1), "label": 1}])
    monkeypatch.chdir(tmp_path)
    args = ["eval", str(labels), "--isolated", "--format", "json"]
    assert CliRunner().invoke(main, args).exit_code == 0
    narrowed = CliRunner().invoke(main, [*args, "--include", "*.md"])
    assert narrowed.exit_code == 2
    assert "did not read" in narrowed.output and "b.txt" in narrowed.output


partitions = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=30)


@given(partitions)
def test_adjusted_rand_is_symmetric_and_one_on_equal_partitions(
    items: list[tuple[int, int]],
) -> None:
    table = Counter(items)
    swapped = Counter({(b, a): n for (a, b), n in table.items()})
    ari = adjusted_rand(table)
    other = adjusted_rand(swapped)
    assert (ari is None) == (other is None)
    if ari is not None and other is not None:
        assert ari == pytest.approx(other)
        assert ari <= 1 + 1e-9
    same = adjusted_rand(Counter((a, a) for a, _ in items))
    assert same is None or same == pytest.approx(1.0)


@given(partitions)
def test_pair_counts_cover_every_pair_once(items: list[tuple[int, int]]) -> None:
    counts = _pair_counts(Counter(items))
    total = counts.true_positives + counts.false_positives
    total += counts.false_negatives + counts.true_negatives
    assert total == comb(len(items), 2)
    assert min(total, counts.true_positives, counts.false_positives, counts.true_negatives) >= 0
