"""The baseline: today's repeats, accepted, so that a check fails only on new ones.

The file records every copy of every cluster by its file path and its normalised words, with a
count for copies repeated in one file. It keys on content, never on line numbers:

* a copy whose path and words are both recorded is accepted (lines moved, text added above);
* then a copy that the verifier links (any kind) to an unused recorded copy of the same file is
  accepted: an accepted copy edited in place, lightly or heavily, is still the same repeat
  (only a copy recorded in that file and no longer there can be "edited", so a further copy
  added next to an unchanged one is still new);
* then a copy whose words are recorded under another path is accepted (a renamed file, a
  paragraph moved to another file);
* anything else is new. A cluster with no accepted copy is ``new``; one that new copies joined
  is ``updated``; one with only accepted copies is ``unchanged``.

Each recorded copy is used once, so a further copy of an accepted paragraph is new.

The file is JSON with one copy a line, sorted, no timestamps, so it diffs well in review::

    {"schema_version": 1, "tool": "dedup",
     "regenerate": "dedup scan --update-baseline FILE",
     "copies": [
    {"count": 1, "path": "docs/a.md", "words": "the committee met on tuesday"},
    ...
    ]}
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeGuard

from dedup.config import Config
from dedup.errors import DedupError
from dedup.models import Cluster, Member, Report
from dedup.normalize import content_words, words
from dedup.rarity import rarity
from dedup.reporters.json_report import clean
from dedup.verify import Text, verify

SCHEMA_VERSION = 1

Key = tuple[str, str]  # (path, normalised words)


class BaselineError(DedupError):
    """The baseline is missing, malformed or from a newer dedup; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """Accepted copies: ``(path, normalised words) -> count``."""

    copies: dict[Key, int]

    def __len__(self) -> int:
        return sum(self.copies.values())


def member_key(member: Member) -> Key:
    """How a copy is recorded: its path and its normalised words (undecodable bytes escaped)."""
    return clean(member.path), clean(" ".join(words(member.text)))


def from_report(report: Report) -> Baseline:
    """The baseline that accepts every copy of every cluster of ``report``."""
    return Baseline(
        dict(Counter(member_key(m) for cluster in report.clusters for m in cluster.members))
    )


def render(baseline: Baseline) -> str:
    """The file text: a JSON document with one copy a line, sorted."""
    lines = [
        json.dumps({"count": n, "path": path, "words": text}, ensure_ascii=False, sort_keys=True)
        for (path, text), n in sorted(baseline.copies.items())
    ]
    body = ",\n".join(lines)
    return (
        f'{{"schema_version": {SCHEMA_VERSION}, "tool": "dedup",\n'
        ' "regenerate": "dedup scan --update-baseline FILE",\n'
        f' "copies": [\n{body}\n]}}\n'
    )


def load(path: Path) -> Baseline:
    """Read a baseline file.

    Raises:
        BaselineError: missing, unreadable, malformed or written by a newer dedup.
    """
    fix = f"regenerate it with: dedup scan --update-baseline {path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))  # tolerate an editor's BOM
    except FileNotFoundError:
        raise BaselineError(
            f"baseline {path} not found; create it with: dedup scan --update-baseline {path}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path}: cannot read it ({exc}); {fix}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path}: not valid JSON ({exc}); {fix}") from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise BaselineError(
            f"baseline {path} has schema_version {version}, newer than this dedup reads "
            f"({SCHEMA_VERSION}); upgrade dedup, or {fix}"
        )
    copies = _copies(data) if version == SCHEMA_VERSION else None
    if copies is None:
        raise BaselineError(f"baseline {path} is not a dedup baseline (schema_version 1); {fix}")
    return Baseline(copies)


def _copies(data: dict[str, Any]) -> dict[Key, int] | None:
    entries = data.get("copies")
    if not isinstance(entries, list):
        return None
    copies: dict[Key, int] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            return None
        path, text, count = entry.get("path"), entry.get("words"), entry.get("count")
        if not (isinstance(path, str) and isinstance(text, str) and _positive(count)):
            return None
        copies[(path, text)] = copies.get((path, text), 0) + count
    return copies


def _positive(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def mark(report: Report, baseline: Baseline, config: Config) -> Report:
    """``report`` with every member marked new or accepted against ``baseline``."""
    members = [(i, j, m) for i, c in enumerate(report.clusters) for j, m in enumerate(c.members)]
    keys = {(i, j): member_key(m) for i, j, m in members}
    left = Counter(baseline.copies)
    accepted: set[tuple[int, int]] = set()
    for match in (_same_place, _edited_in_place, _moved):
        match(keys, left, accepted, config)
    return replace(
        report,
        clusters=tuple(_marked(i, c, accepted) for i, c in enumerate(report.clusters)),
    )


def _marked(index: int, cluster: Cluster, accepted: set[tuple[int, int]]) -> Cluster:
    members = tuple(
        replace(m, new=(index, j) not in accepted) for j, m in enumerate(cluster.members)
    )
    return replace(cluster, members=members)


_Keys = dict[tuple[int, int], Key]


def _same_place(keys: _Keys, left: Counter[Key], accepted: set[tuple[int, int]], _: Config) -> None:
    for where, key in keys.items():
        if left[key] > 0:
            left[key] -= 1
            accepted.add(where)


def _edited_in_place(
    keys: _Keys, left: Counter[Key], accepted: set[tuple[int, int]], config: Config
) -> None:
    """Copies the verifier links to unused recorded copies of the same file, best links first."""
    minimum = max(config.min_words, config.shingle_size)
    recorded: dict[str, list[Text]] = defaultdict(list)
    for (path, text), n in sorted(left.items()):
        if n > 0 and len(text.split()) >= minimum:
            recorded[path].append(_text(len(recorded[path]), text))
    # word rarity as a scan computes it, over the distinct texts at hand
    distinct = {text for _, text in keys.values()} | {text for _, text in left}
    weights = rarity(_text(0, text).content for text in sorted(distinct))
    links = []
    for where, (path, text) in keys.items():
        if where in accepted or path not in recorded or len(text.split()) < minimum:
            continue
        mine = _text(-1, text)
        for theirs in recorded[path]:
            if (link := verify(mine, theirs, config, weights)) is not None:
                links.append((link.kind.rank, -link.similarity, where, path, theirs.id))
    for *_, where, path, number in sorted(links):
        key = (path, " ".join(recorded[path][number].words))
        if where not in accepted and left[key] > 0:
            left[key] -= 1
            accepted.add(where)


def _text(text_id: int, text: str) -> Text:
    tokens = tuple(text.split())
    content = content_words(tokens)
    return Text(text_id, tokens, tuple(w for w in tokens if w in content))


def _moved(keys: _Keys, left: Counter[Key], accepted: set[tuple[int, int]], _: Config) -> None:
    """A copy whose words were recorded under another path (a renamed or reorganised file)."""
    by_words: dict[str, list[str]] = defaultdict(list)
    for (path, text), n in sorted(left.items()):
        by_words[text].extend([path] * n)
    for where, (_path, text) in keys.items():
        if where not in accepted and by_words[text]:
            left[(by_words[text].pop(0), text)] -= 1
            accepted.add(where)
