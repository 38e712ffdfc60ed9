"""The naive datasketch pipeline, as the issue defines it.

Per paragraph (split and normalised as the floor does): word 5-shingles, ``MinHash.update`` per
shingle with 128 permutations, then a ``MinHashLSH`` (datasketch's defaults: threshold 0.5,
in-memory storage) query and insert, which finds every candidate pair once.
No exact-duplicate collapse and no verification. ``python -m benchmarks.naive DIR [LIMIT]``
prints the paragraphs and candidate pairs; LIMIT stops after that many paragraphs (the
benchmark uses it only when the table says the naive figure is extrapolated).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from datasketch import MinHash, MinHashLSH

from benchmarks.floor import paragraph_keys

SHINGLE = 5
NUM_PERM = 128


def paragraph_words(root: str) -> Iterator[list[str]]:
    """The normalised words of each paragraph under ``root``, in walk order (as the floor reads)."""
    for key in paragraph_keys(root):
        yield key.split()


def naive(root: str, limit: int | None = None) -> tuple[int, int]:
    """``(paragraphs, candidate pairs)`` under ``root`` (the first ``limit`` paragraphs)."""
    lsh = MinHashLSH(num_perm=NUM_PERM)
    pairs = 0
    count = 0
    for key, words in enumerate(paragraph_words(root)):
        if limit is not None and key >= limit:
            break
        sketch = MinHash(num_perm=NUM_PERM)
        for i in range(max(1, len(words) - SHINGLE + 1)):
            sketch.update(" ".join(words[i : i + SHINGLE]).encode("utf-8"))
        pairs += len(lsh.query(sketch))
        lsh.insert(key, sketch)
        count += 1
    return count, pairs


if __name__ == "__main__":
    total, found = naive(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
    print(f"{total} paragraphs, {found} candidate pairs")
