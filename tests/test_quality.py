"""Quality floors on a small fixed planted benchmark (licence paragraphs), so a regression fails.

The full benchmark is ``make eval`` (README "Accuracy"); this subset takes a second or two. The
floors sit a little under what the subset scores today, per group of edits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import planted, realtext
from dedup.config import Config
from dedup.evaluate import Scores, evaluate, load_labels
from dedup.pipeline import scan

LICENSES = Path("/usr/share/common-licenses")
pytestmark = pytest.mark.skipif(
    not LICENSES.is_dir(), reason="needs /usr/share/common-licenses (Debian's base-files)"
)


@pytest.fixture(scope="module")
def groups(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scores]:
    out = tmp_path_factory.mktemp("planted")
    sources = [p for p in realtext.distinct(realtext.license_texts()) if len(p.text.split()) >= 10]
    labels = planted.write(planted.plant(sources, 3, planted.SEED), out, planted.SEED)
    report = scan([str(out / "corpus")], Config(root=out, gitignore=False))
    return dict(evaluate(load_labels(labels), report.clusters, out).groups)


def _recall(groups: dict[str, Scores], names: list[str]) -> float:
    found = sum(groups[n].true_positives for n in names)
    return found / sum(groups[n].true_positives + groups[n].false_negatives for n in names)


@pytest.mark.parametrize(("rate", "floor"), [(0.05, 1.0), (0.1, 1.0), (0.2, 1.0), (0.3, 0.9)])
def test_recall_of_word_edits(groups: dict[str, Scores], rate: float, floor: float) -> None:
    names = [
        planted.group_name(kind, rate) for kind in ("substitute", "delete", "insert", "reorder")
    ]
    assert _recall(groups, names) >= floor


def test_recall_of_surface_layout_and_containment(groups: dict[str, Scores]) -> None:
    assert _recall(groups, list(planted.OTHER_GROUPS)) == 1.0


def test_look_alike_licence_clauses_are_not_copies(groups: dict[str, Scores]) -> None:
    negatives = groups["negatives"]
    assert negatives.true_negatives >= 0.95 * (negatives.true_negatives + negatives.false_positives)


def test_the_generator_is_seeded_and_its_labels_point_at_the_planted_texts(
    tmp_path: Path,
) -> None:
    sources = [p for p in realtext.distinct(realtext.license_texts()) if len(p.text.split()) >= 10]
    first = planted.plant(sources, 1, planted.SEED)
    assert first == planted.plant(sources, 1, planted.SEED)
    assert first != planted.plant(sources, 1, planted.SEED + 1)
    labels = planted.write(first, tmp_path, planted.SEED)
    records = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(first)
    for item, record in zip(first, records, strict=True):
        for side, text in (("a", item.source), ("b", item.copy)):
            where = record[side]
            lines = (tmp_path / where["path"]).read_text(encoding="utf-8").split("\n")
            assert lines[where["line"] - 1] == text.split("\n")[0]
        assert record["label"] == item.label
        assert record["group"] == item.group
