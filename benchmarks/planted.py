"""The planted-edit benchmark: real paragraphs, copies with controlled edits, and look-alikes.

From the real paragraphs of ``benchmarks.realtext`` (licences, copyright files, man pages), a
seeded generator picks source paragraphs and plants one copy of each, with one kind of edit:
* word edits (``benchmarks.mutate``): substitute, delete, insert, reorder, at 5, 10, 20, 30 and
  50 % of the words;
* surface edits: case, punctuation, whitespace;
* containment: a sentence of another paragraph added, or one sentence removed;
* layout: the copy hard-wrapped at 72 columns (the source on one line), or the source wrapped
  and the copy on one line; a copy in the same file as its source (every other copy is in
  another file); and a copy split across two files (its first sentences in one, the rest in
  another: two ``contained`` pairs).
Negatives: for each source, a different paragraph of the same family (another clause of the
same licence, another option of the same man page), which looks alike but is not a copy. Pairs
that are copies already in the source text (word alignment of 0.5 or more) are not used as
negatives.

Each source and each negative is used once, so a heavily edited copy is never found through a
lighter copy of the same source. Sources are split by the CRC-32 of their text: even into the
``tune`` pool, odd into the ``report`` pool; defaults are chosen on ``tune``, the README reports
``report``. The corpus is written as plain-text files of up to ``PER_FILE`` paragraphs, and the
labels (``dedup eval`` format, with a ``group`` per edit) next to them.

Run: ``python -m benchmarks.planted OUT --pool report --per-group 50``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import mutate
from benchmarks.realtext import SourceParagraph
from dedup.config import Config
from dedup.normalize import sentences, words
from dedup.verify import _lcs

PER_FILE = 40
MIN_WORDS = 10  # so a copy with half its words deleted still has the scan's 5
MAX_WORDS = 400  # longer source paragraphs are left out (a few man pages hold huge tables)
NEGATIVE_MAX_ALIGNMENT = 0.5
SEED = 20260224

WORD_GROUPS = [(kind, rate) for kind in mutate.WORD_EDITS for rate in mutate.EDIT_RATES]
OTHER_GROUPS = (
    "case",
    "punctuation",
    "whitespace",
    "sentence added",
    "sentence removed",
    "wrapped copy",
    "unwrapped copy",
    "same file",
    "split across files",
)


def group_name(kind: str, rate: float) -> str:
    return f"{kind} {round(rate * 100)}%"


GROUPS = tuple(group_name(k, r) for k, r in WORD_GROUPS) + OTHER_GROUPS


@dataclass(frozen=True, slots=True)
class Planted:
    """A labelled pair to be written: the two texts and how they relate."""

    source: str
    copy: str
    group: str
    label: int
    kind: str | None  # the kind the copy should be found as
    same_file: bool = False


def pool(paragraphs: Sequence[SourceParagraph], name: str) -> list[SourceParagraph]:
    """The ``tune`` or ``report`` half of the paragraphs (by the CRC-32 of the text)."""
    parity = 0 if name == "tune" else 1
    return [
        p
        for p in paragraphs
        if MIN_WORDS <= len(p.text.split()) <= MAX_WORDS
        and zlib.crc32(p.text.encode()) % 2 == parity
    ]


def _split(text: str, group: str) -> list[Planted]:
    """Two halves of ``text`` (by sentences), each contained in it; none when it has one."""
    parts = sentences(text)
    if len(parts) < 2:
        return []
    cut = len(parts) // 2
    halves = (" ".join(parts[:cut]), " ".join(parts[cut:]))
    if min(len(words(half)) for half in halves) < Config().min_words:
        return []  # a part under min-words is matched exactly only, by design
    return [Planted(text, half, group, 1, "contained") for half in halves]


def _copy(
    group: str, text: str, other: str, rng: random.Random, vocab: Sequence[str]
) -> list[Planted]:
    """The planted copies of ``text`` for ``group`` (``other``: a donor of sentences)."""
    if group == "split across files":
        return _split(text, group)
    for kind, rate in WORD_GROUPS:
        if group == group_name(kind, rate):
            copy = mutate.edit_words(text, kind, rate, rng, vocab)
            return [Planted(text, copy, group, 1, "near")]
    surface: dict[str, Callable[[], tuple[str, str, str]]] = {
        "case": lambda: (text, mutate.recase(text, rng), "exact"),
        "punctuation": lambda: (text, mutate.repunctuate(text, rng), "exact"),
        "whitespace": lambda: (text, mutate.respace(text, rng), "exact"),
        "sentence added": lambda: (text, mutate.add_sentence(text, other, rng), "contained"),
        "sentence removed": lambda: (text, mutate.drop_sentence(text, rng) or "", "contained"),
        "wrapped copy": lambda: (text, mutate.wrap(text), "exact"),
        "unwrapped copy": lambda: (mutate.wrap(text), text, "exact"),
        "same file": lambda: (text, mutate.edit_words(text, "substitute", 0.1, rng, vocab), "near"),
    }
    source, copy, kind = surface[group]()
    return [Planted(source, copy, group, 1, kind, same_file=group == "same file")]


def _negative(
    source: SourceParagraph, family: Sequence[SourceParagraph], used: set[str]
) -> str | None:
    """A paragraph of the same family that is not a copy of ``source`` and not used yet."""
    tokens = words(source.text)
    for other in family:
        if other.text == source.text or other.text in used:
            continue
        theirs = words(other.text)
        if 2 * _lcs(tokens, theirs) / (len(tokens) + len(theirs)) < NEGATIVE_MAX_ALIGNMENT:
            return other.text
    return None


def plant(paragraphs: Sequence[SourceParagraph], per_group: int, seed: int) -> list[Planted]:
    """``per_group`` planted copies for each group, and one negative per source, seeded."""
    rng = random.Random(seed)
    order = list(paragraphs)
    rng.shuffle(order)
    families: dict[str, list[SourceParagraph]] = defaultdict(list)
    for p in order:
        families[p.family].append(p)
    vocab = sorted({w for p in order[:2000] for w in p.text.split() if w.isalpha()})
    used: set[str] = set()
    out: list[Planted] = []
    items = iter(order)
    for group in GROUPS:
        made = 0
        while made < per_group:
            source = next(items)
            negative = _negative(source, families[source.family][:50], used)
            if source.text in used or negative is None:
                continue
            donor = rng.choice(order)
            if donor.family == source.family:
                continue
            copies = _copy(group, source.text, donor.text, rng, vocab)
            if not copies or any(not c.copy or c.copy == c.source for c in copies):
                continue  # an edit that changes nothing (no quotes to curl, too short to wrap)
            used.update((source.text, negative))
            out.extend(copies)
            out.append(Planted(copies[0].source, negative, "negatives", 0, None))
            made += 1
    return out


def write(planted: Sequence[Planted], out: Path, seed: int) -> Path:
    """Write the corpus under ``out/corpus`` and the labels to ``out/labels.jsonl``."""
    rng = random.Random(seed + 1)
    corpus = out / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)  # no file of an earlier run may stay
    corpus.mkdir(parents=True)
    files: list[list[str]] = [[] for _ in range(max(2, 2 * len(planted) // PER_FILE + 1))]
    placed: dict[str, tuple[int, int]] = {}  # text -> (file index, paragraph index)

    def place(text: str, avoid: int | None = None, at: int | None = None) -> tuple[int, int]:
        if text in placed:
            return placed[text]
        index = at if at is not None else rng.randrange(len(files))
        while at is None and index == avoid:
            index = rng.randrange(len(files))
        files[index].append(text)
        placed[text] = (index, len(files[index]) - 1)
        return placed[text]

    pairs = []
    for p in planted:
        a = place(p.source)
        b = place(p.copy, avoid=a[0], at=a[0] if p.same_file else None)
        pairs.append((p, a, b))
    lines = {}
    for index, paragraphs in enumerate(files):
        line = 1
        for position, text in enumerate(paragraphs):
            lines[(index, position)] = line
            line += text.count("\n") + 2
        body = "\n\n".join(paragraphs) + "\n"
        (corpus / f"doc_{index:04d}.txt").write_text(body, encoding="utf-8")
    labels = out / "labels.jsonl"
    with labels.open("w", encoding="utf-8") as handle:
        for p, a, b in pairs:
            record = {
                "a": {"path": f"corpus/doc_{a[0]:04d}.txt", "line": lines[a]},
                "b": {"path": f"corpus/doc_{b[0]:04d}.txt", "line": lines[b]},
                "label": p.label,
                "group": p.group,
                **({"kind": p.kind} if p.kind else {}),
            }
            handle.write(json.dumps(record) + "\n")
    return labels


def main() -> None:
    from benchmarks import realtext

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pool", choices=("tune", "report"), default="report")
    parser.add_argument("--per-group", type=int, default=50)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    planted = plant(pool(realtext.paragraphs(), args.pool), args.per_group, args.seed)
    labels = write(planted, args.out, args.seed)
    print(f"{len(planted)} labelled pairs in {labels}")


if __name__ == "__main__":
    main()
