"""``evaluate``: score the clusters of a scan against hand-made labels.

Labels are JSON Lines, one object a line, in either of two shapes:
* a pair: ``{"a": {"path": P, "line": L}, "b": {...}, "label": 0|1}``, with optional ``"kind"``
  (the kind the pair should be found as) and ``"group"`` (any name; metrics are also given per
  group);
* a cluster: ``{"members": [{"path": P, "line": L}, ...]}``: these locations are copies of each
  other, and not of the members of any other labelled cluster.

``line`` is any line inside the paragraph; paths are relative to the labels file's folder.

A labelled pair is predicted a copy when both locations fall inside members of the same reported
cluster. Its predicted similarity is that of the weakest link on the path between the two
members in the cluster's spanning tree (the tree is a maximum spanning tree, so this is the
strongest chain of verified links between them) and its kind the weakest kind on that path.
Raising a threshold to ``t`` keeps exactly the pairs whose predicted similarity is ``t`` or more,
which is what single-linkage clustering of the verified links at ``t`` would report.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import comb
from pathlib import Path
from typing import Any

from dedup.cluster import UnionFind
from dedup.errors import DedupError
from dedup.models import Cluster, ClusterLink, Kind, Member

# The thresholds of the precision/recall table: 0.00, 0.05, ..., 1.00.
THRESHOLDS = tuple(round(i * 0.05, 2) for i in range(21))


class LabelsError(DedupError):
    """The labels file (or a report given to ``eval``) cannot be used; the message says where."""


@dataclass(frozen=True, slots=True)
class Location:
    """A line inside a paragraph: ``path`` is absolute and normalised."""

    path: str
    line: int


@dataclass(frozen=True, slots=True)
class PairLabel:
    a: Location
    b: Location
    positive: bool
    kind: Kind | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Labels:
    pairs: tuple[PairLabel, ...]
    clusters: tuple[tuple[Location, ...], ...]


@dataclass(frozen=True, slots=True)
class Prediction:
    """How the scan relates two labelled locations (``kind`` is None when not a copy)."""

    kind: Kind | None
    similarity: float


@dataclass(frozen=True, slots=True)
class Scores:
    """Pairwise counts and the measures derived from them (None where undefined)."""

    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def precision(self) -> float | None:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else None

    @property
    def recall(self) -> float | None:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float | None:
        total = (
            self.true_positives + self.false_positives + self.false_negatives + self.true_negatives
        )
        return (self.true_positives + self.true_negatives) / total if total else None


@dataclass(frozen=True, slots=True)
class KindScores:
    """Precision of the pairs found as ``kind``; scores of the pairs labelled ``kind``.

    ``labelled`` counts every pair labelled with this kind, copies and non-copies, found as any
    kind: its recall is always defined when a copy carries the kind, its precision and F1 only
    mean something when non-copies carry it too (``f1`` is None otherwise).
    """

    kind: Kind
    found: Scores  # over labelled pairs the scan found as this kind (tp, fp only)
    labelled: Scores  # over the pairs labelled this kind

    @property
    def f1(self) -> float | None:
        """F1 over the pairs labelled ``kind``, when some of them are non-copies."""
        negatives = self.labelled.false_positives + self.labelled.true_negatives
        return self.labelled.f1 if negatives else None


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    threshold: float
    scores: Scores


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything ``dedup eval`` prints."""

    pairs: Scores | None
    kinds: tuple[KindScores, ...]
    groups: tuple[tuple[str, Scores], ...]
    pair_thresholds: tuple[ThresholdRow, ...]
    clusters: Scores | None  # pairwise, over the items of the cluster labels
    adjusted_rand: float | None
    cluster_thresholds: tuple[ThresholdRow, ...]

    @staticmethod
    def best(rows: Sequence[ThresholdRow]) -> ThresholdRow | None:
        """The row with the highest F1 (the highest threshold among ties)."""
        scored = [r for r in rows if r.scores.f1 is not None]
        if not scored:
            return None
        return max(scored, key=lambda r: (r.scores.f1, r.threshold))


# --- loading -------------------------------------------------------------------------------


def load_labels(path: Path) -> Labels:
    """Read a labels file; raise ``LabelsError`` naming the file and line of any mistake."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"{path}: cannot read the labels: {exc}") from exc
    base = path.resolve().parent
    pairs: list[PairLabel] = []
    clusters: list[tuple[Location, ...]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelsError(f"{where}: not a JSON object: {exc.msg}") from exc
        if isinstance(item, dict) and "members" in item:
            clusters.append(_cluster_label(item, base, where))
        elif isinstance(item, dict):
            pairs.append(_pair_label(item, base, where))
        else:
            raise LabelsError(f"{where}: expected a JSON object (a pair or a cluster)")
    if not pairs and not clusters:
        raise LabelsError(f"{path}: no labels found (one JSON object a line)")
    _check_disjoint(clusters, path)
    return Labels(tuple(pairs), tuple(clusters))


def _location(value: Any, base: Path, where: str) -> Location:
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("path"), str)
        or not isinstance(value.get("line"), int)
        or isinstance(value.get("line"), bool)
        or value["line"] < 1
    ):
        raise LabelsError(f'{where}: a location must be {{"path": "...", "line": N}} with N >= 1')
    return Location(os.path.normpath(base / value["path"]), value["line"])


def _pair_label(item: Mapping[str, Any], base: Path, where: str) -> PairLabel:
    label = item.get("label")
    if label not in (0, 1) or isinstance(label, bool):
        raise LabelsError(f"{where}: a pair needs a, b and label 0 or 1")
    kind = item.get("kind")
    if kind is not None and kind not in {k.value for k in Kind}:
        raise LabelsError(f"{where}: unknown kind {kind!r}")
    group = item.get("group")
    if group is not None and not isinstance(group, str):
        raise LabelsError(f"{where}: group must be a string")
    return PairLabel(
        _location(item.get("a"), base, where),
        _location(item.get("b"), base, where),
        label == 1,
        Kind(kind) if kind is not None else None,
        group,
    )


def _cluster_label(item: Mapping[str, Any], base: Path, where: str) -> tuple[Location, ...]:
    members = item["members"]
    if not isinstance(members, list) or len(members) < 2:
        raise LabelsError(f"{where}: a cluster needs a list of at least two members")
    return tuple(_location(m, base, where) for m in members)


def _check_disjoint(clusters: Sequence[tuple[Location, ...]], path: Path) -> None:
    seen: set[Location] = set()
    for members in clusters:
        for location in members:
            if location in seen:
                raise LabelsError(
                    f"{path}: {location.path}:{location.line} is in two labelled clusters; "
                    "merge them into one"
                )
            seen.add(location)


def check_scanned(labels: Labels, scanned: Iterable[str], root: Path) -> None:
    """Raise ``LabelsError`` when a labelled path is not among the files the scan read.

    A mistyped path would otherwise count as a copy that was never found.
    """
    read = {os.path.normpath(root / path) for path in scanned}
    locations = [loc for p in labels.pairs for loc in (p.a, p.b)]
    locations += [loc for members in labels.clusters for loc in members]
    missing = sorted({loc.path for loc in locations} - read)
    if missing:
        raise LabelsError(
            f"the labels name {len(missing)} file(s) the scan did not read, such as "
            f"{missing[0]}; label paths are relative to the labels file's folder"
        )


def clusters_from_json(data: Any, source: str) -> list[Cluster]:
    """The clusters of a JSON report made by ``dedup scan --format json``."""
    try:
        return [
            Cluster(
                int(c["id"]),
                Kind(c["kind"]),
                float(c["similarity"]),
                tuple(
                    Member(m["path"], int(m["start_line"]), int(m["end_line"]), m["text"])
                    for m in c["members"]
                ),
                tuple(
                    ClusterLink(int(k["a"]), int(k["b"]), Kind(k["kind"]), float(k["similarity"]))
                    for k in c["links"]
                ),
            )
            for c in data["clusters"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise LabelsError(f"{source}: not a dedup JSON report ({exc!r})") from exc


# --- matching labels to clusters -----------------------------------------------------------


class Found:
    """The reported clusters, indexed by absolute path for look-ups by line."""

    def __init__(self, clusters: Sequence[Cluster], root: Path) -> None:
        self.clusters = clusters
        self._spans: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
        for ci, cluster in enumerate(clusters):
            for mi, m in enumerate(cluster.members):
                path = os.path.normpath(root / m.path)
                self._spans[path].append((m.start_line, m.end_line, ci, mi))
        self._forests: dict[tuple[int, float], UnionFind] = {}

    def member(self, location: Location) -> tuple[int, int] | None:
        """(cluster index, member index) of the paragraph holding ``location``, if reported."""
        for start, end, ci, mi in self._spans.get(location.path, ()):
            if start <= location.line <= end:
                return ci, mi
        return None

    def predict(self, a: Location, b: Location) -> Prediction:
        ma, mb = self.member(a), self.member(b)
        if ma is None or mb is None or ma[0] != mb[0]:
            return Prediction(None, 0.0)
        if ma[1] == mb[1]:
            return Prediction(Kind.EXACT, 1.0)
        path = _tree_path(self.clusters[ma[0]].links, ma[1], mb[1])
        kind = max((link.kind for link in path), key=lambda k: k.rank)
        return Prediction(kind, min(link.similarity for link in path))

    def group_of(self, location: Location, threshold: float) -> tuple[object, ...]:
        """A key of the predicted group of ``location`` once links below ``threshold`` are cut."""
        found = self.member(location)
        if found is None:
            return ("alone", location.path, location.line)
        ci, mi = found
        key = (ci, threshold)
        if key not in self._forests:
            forest = UnionFind(len(self.clusters[ci].members))
            for link in self.clusters[ci].links:
                if link.similarity >= threshold:
                    forest.union(link.a, link.b)
            self._forests[key] = forest
        return (ci, self._forests[key].find(mi))


def _tree_path(links: Sequence[ClusterLink], start: int, goal: int) -> list[ClusterLink]:
    """The links on the path from member ``start`` to member ``goal`` in a spanning tree."""
    adjacent: dict[int, list[tuple[int, ClusterLink]]] = defaultdict(list)
    for link in links:
        adjacent[link.a].append((link.b, link))
        adjacent[link.b].append((link.a, link))
    came: dict[int, tuple[int, ClusterLink] | None] = {start: None}
    stack = [start]
    while stack:
        node = stack.pop()
        for other, link in adjacent[node]:
            if other not in came:
                came[other] = (node, link)
                stack.append(other)
    path: list[ClusterLink] = []
    node = goal
    while (step := came.get(node)) is not None:
        node, link = step
        path.append(link)
    return path


# --- scoring -------------------------------------------------------------------------------


def _scores(outcomes: Iterable[tuple[bool, bool]]) -> Scores:
    counts = Counter(outcomes)
    return Scores(
        counts[(True, True)], counts[(False, True)], counts[(True, False)], counts[(False, False)]
    )


def adjusted_rand(contingency: Mapping[tuple[Any, Any], int]) -> float | None:
    """Hubert and Arabie's adjusted Rand index from a contingency table {(true, found): n}.

    None when it is undefined (fewer than two items, or both partitions trivial the same way).
    """
    rows: Counter[Any] = Counter()
    cols: Counter[Any] = Counter()
    for (row, col), n in contingency.items():
        rows[row] += n
        cols[col] += n
    total = sum(rows.values())
    if total < 2:
        return None
    index = sum(comb(n, 2) for n in contingency.values())
    sum_rows = sum(comb(n, 2) for n in rows.values())
    sum_cols = sum(comb(n, 2) for n in cols.values())
    expected = sum_rows * sum_cols / comb(total, 2)
    maximum = (sum_rows + sum_cols) / 2
    if maximum == expected:
        return None
    return (index - expected) / (maximum - expected)


def _contingency(
    clusters: Sequence[tuple[Location, ...]], found: Found, threshold: float
) -> Counter[tuple[int, tuple[object, ...]]]:
    table: Counter[tuple[int, tuple[object, ...]]] = Counter()
    for true_id, members in enumerate(clusters):
        for location in members:
            table[(true_id, found.group_of(location, threshold))] += 1
    return table


def _pair_counts(contingency: Mapping[tuple[Any, Any], int]) -> Scores:
    """Pairwise counts over all pairs of labelled items, from the contingency table."""
    rows: Counter[Any] = Counter()
    cols: Counter[Any] = Counter()
    for (row, col), n in contingency.items():
        rows[row] += n
        cols[col] += n
    tp = sum(comb(n, 2) for n in contingency.values())
    true_pairs = sum(comb(n, 2) for n in rows.values())
    found_pairs = sum(comb(n, 2) for n in cols.values())
    total = comb(sum(rows.values()), 2)
    return Scores(tp, found_pairs - tp, true_pairs - tp, total - true_pairs - found_pairs + tp)


def evaluate(labels: Labels, clusters: Sequence[Cluster], root: Path) -> Evaluation:
    """Score ``clusters`` (member paths relative to ``root``) against ``labels``."""
    found = Found(clusters, root)
    predicted = [(p, found.predict(p.a, p.b)) for p in labels.pairs]
    pairs = _scores((p.positive, f.kind is not None) for p, f in predicted) if predicted else None
    pair_rows = tuple(
        ThresholdRow(
            t,
            _scores((p.positive, f.kind is not None and f.similarity >= t) for p, f in predicted),
        )
        for t in THRESHOLDS
    )
    cluster_scores = adjusted = None
    cluster_rows: tuple[ThresholdRow, ...] = ()
    if labels.clusters:
        table = _contingency(labels.clusters, found, 0.0)
        cluster_scores, adjusted = _pair_counts(table), adjusted_rand(table)
        cluster_rows = tuple(
            ThresholdRow(t, _pair_counts(_contingency(labels.clusters, found, t)))
            for t in THRESHOLDS
        )
    return Evaluation(
        pairs,
        _kind_scores(predicted),
        _group_scores(predicted),
        pair_rows if predicted else (),
        cluster_scores,
        adjusted,
        cluster_rows,
    )


def _kind_scores(predicted: Sequence[tuple[PairLabel, Prediction]]) -> tuple[KindScores, ...]:
    out = []
    for kind in Kind:
        found = _scores((p.positive, True) for p, f in predicted if f.kind is kind)
        mine = [(p.positive, f.kind is not None) for p, f in predicted if p.kind is kind]
        if found.true_positives + found.false_positives or mine:
            out.append(KindScores(kind, found, _scores(mine)))
    return tuple(out)


def _group_scores(
    predicted: Sequence[tuple[PairLabel, Prediction]],
) -> tuple[tuple[str, Scores], ...]:
    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for p, f in predicted:
        if p.group is not None:
            groups[p.group].append((p.positive, f.kind is not None))
    return tuple((name, _scores(groups[name])) for name in sorted(groups))
