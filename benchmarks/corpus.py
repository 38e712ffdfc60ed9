"""The speed benchmark's corpus: real paragraphs grown to a target size with seeded copies.

Paragraph slots are drawn one after another from one seeded ``random.Random``, so the corpus of
30k paragraphs is the first 30k paragraphs of the corpus of 300k (and so on), and every size
has the same mix:
* ``FRESH`` (23 %): the next real paragraph from ``benchmarks.realtext`` (in a seeded shuffled
  order). Once all of them are used (only above ~300k paragraphs), the real paragraphs come
  round again with half their words substituted, so they are new texts, not copies;
* ``EXACT`` (50 %): a repeat of any earlier paragraph, as licence and man-page boilerplate
  repeats, sometimes re-cased, re-punctuated, re-spaced or hard-wrapped (edits that do not
  change the normalised words);
* the rest (27 %): an edited copy of an earlier fresh paragraph: a word edit (substitute,
  delete, insert, reorder) at one of ``benchmarks.mutate.EDIT_RATES``, or a sentence added or
  dropped (``benchmarks.mutate``).
Paragraphs go ``PER_FILE`` to a file, separated by blank lines, 100 files to a folder.

The corpus is written once to ``realtext.CACHE`` (``~/.cache/dedup-benchmarks``: outside the
repository, where a ``.gitignore`` would hide it from the scan) and reused while its manifest
matches. ``python -m benchmarks.corpus 30000`` builds one and prints where it is.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks import mutate, realtext

CACHE = realtext.CACHE  # outside any repository, so no .gitignore hides it from the scan
FRESH = 0.23
EXACT = 0.50
PER_FILE = 100
FILES_PER_FOLDER = 100
VERSION = 1  # bump when the recipe changes, so stale caches are rebuilt


@dataclass(frozen=True, slots=True)
class Corpus:
    """A built corpus: its folder and what it holds."""

    root: Path
    paragraphs: int
    files: int
    seed: int
    realtext_digest: str


class _Grower:
    """Draws paragraph slots from real paragraphs and seeded copies of them."""

    def __init__(self, real: Sequence[str], seed: int) -> None:
        self.rng = random.Random(f"dedup-bench-corpus-{seed}")
        self.real = list(real)
        self.rng.shuffle(self.real)
        self.vocabulary = [w for text in self.real[:5000] for w in text.split()]
        self.emitted: list[str] = []
        self.fresh: list[str] = []

    def next(self) -> str:
        roll = self.rng.random()
        if not self.fresh or roll < FRESH:
            text = self._fresh()
            self.fresh.append(text)
        elif roll < FRESH + EXACT:
            text = self._surface(self.rng.choice(self.emitted))
        else:
            text = self._edited(self.rng.choice(self.fresh))
        self.emitted.append(text)
        return text

    def _fresh(self) -> str:
        rounds, index = divmod(len(self.fresh), len(self.real))
        text = self.real[index]
        if rounds:
            text = mutate.edit_words(text, "substitute", 0.5, self.rng, self.vocabulary)
        return text

    def _surface(self, text: str) -> str:
        style = self.rng.randrange(6)
        if style == 0:
            return mutate.recase(text, self.rng)
        if style == 1:
            return mutate.repunctuate(text, self.rng)
        if style == 2:
            return mutate.respace(text, self.rng)
        if style == 3:
            return mutate.wrap(text, self.rng.choice((60, 72, 79)))
        return text

    def _edited(self, text: str) -> str:
        roll = self.rng.random()
        if roll < 0.1:
            return mutate.add_sentence(text, self.rng.choice(self.fresh), self.rng)
        if roll < 0.2:
            dropped = mutate.drop_sentence(text, self.rng)
            if dropped is not None:
                return dropped
        kind = self.rng.choice(mutate.WORD_EDITS)
        rate = self.rng.choice(mutate.EDIT_RATES)
        return mutate.edit_words(text, kind, rate, self.rng, self.vocabulary)


def paragraphs(real: Sequence[str], size: int, seed: int) -> Iterator[str]:
    """The first ``size`` paragraphs grown from ``real`` with ``seed``."""
    grower = _Grower(real, seed)
    for _ in range(size):
        yield grower.next()


def corpus_root(size: int, seed: int = 1, cache: Path = CACHE) -> Path:
    """Where the corpus of ``size`` paragraphs is written (its files are under ``docs``)."""
    return cache / f"corpus-{size}-s{seed}"


def build(size: int, seed: int = 1, cache: Path = CACHE) -> Corpus:
    """The corpus of ``size`` paragraphs, from the cache when it is there and up to date."""
    real = realtext.paragraphs()
    digest = realtext.digest(real)
    root = corpus_root(size, seed, cache)
    manifest = root / "manifest.json"
    files = -(-size // PER_FILE)
    expected = Corpus(root, size, files, seed, digest)
    want = {**asdict(expected), "root": str(root), "version": VERSION}
    if manifest.is_file() and json.loads(manifest.read_text()) == want:
        return expected
    shutil.rmtree(root, ignore_errors=True)
    docs = root / "docs"
    batch: list[str] = []
    number = 0
    for text in paragraphs([p.text for p in real], size, seed):
        batch.append(text)
        if len(batch) == PER_FILE:
            _write(docs, number, batch)
            batch, number = [], number + 1
    if batch:
        _write(docs, number, batch)
    manifest.write_text(json.dumps(want, indent=1) + "\n")
    return expected


def _write(docs: Path, number: int, batch: list[str]) -> None:
    folder = docs / f"d{number // FILES_PER_FOLDER:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"f{number:06d}.txt").write_text("\n\n".join(batch) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int, help="paragraphs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = build(args.size, args.seed)
    print(f"{corpus.paragraphs} paragraphs in {corpus.files} files under {corpus.root / 'docs'}")


if __name__ == "__main__":
    main()
