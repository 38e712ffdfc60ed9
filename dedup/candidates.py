"""Candidate pairs of distinct texts, for the verifier to confirm or reject.

Two generators, each cheap and each blind to what the other sees:
* MinHash LSH (datasketch's ``MinHashLSH``, the index of record) over shingle signatures:
  texts whose shingle sets have a Jaccard similarity near or above the threshold;
* shared sentences: texts that contain the same normalised sentence, which finds a short
  paragraph copied into a much longer one, where Jaccard similarity is low.
Exact repeats never get here: the pipeline collapses them to one text first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

from datasketch import MinHashLSH

from dedup.signatures import U32, lean_minhash

# datasketch weighs false positives against false negatives when it picks bands and rows.
# Every candidate is verified, so a false positive costs one check and a false negative a miss.
RECALL_WEIGHTS = (0.2, 0.8)
# A sentence shared by more texts than this is boilerplate: link each text to the first one only.
MAX_SENTENCE_BUCKET = 64
# An LSH bucket holding more texts than this (thousands of variants of one template) would
# make the verifier check every pair of them, O(n²): link each text to the bucket's first only.
MAX_LSH_BUCKET = 64

Pair = tuple[int, int]


@lru_cache(maxsize=16)
def bands_and_rows(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's choice of (bands, rows) for ``threshold``, weighted towards recall."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=RECALL_WEIGHTS)
    return int(lsh.b), int(lsh.r)


def lsh_pairs(keys: Sequence[int], rows: U32, threshold: float, seed: int) -> set[Pair]:
    """Pairs ``(a, b)``, ``a < b``, of keys whose signatures share at least one LSH band.

    These are the pairs ``MinHashLSH.query`` returns, read bucket by bucket from the index; a
    bucket of more than ``MAX_LSH_BUCKET`` keys gives the pairs of its smallest key only.
    """
    num_perm = int(rows.shape[1]) if len(keys) else 2
    params = bands_and_rows(threshold, num_perm)
    lsh = MinHashLSH(num_perm=num_perm, params=params)
    sketches = [lean_minhash(row, seed) for row in rows]
    with lsh.insertion_session() as session:
        for key, sketch in zip(keys, sketches, strict=True):
            session.insert(key, sketch, check_duplication=False)
    pairs: set[Pair] = set()
    for table in lsh.hashtables:
        for band in table.keys():  # noqa: SIM118 - a datasketch storage, not a dict
            pairs.update(_bucket_pairs(sorted(table.get(band)), MAX_LSH_BUCKET))
    return pairs


def _bucket_pairs(ids: Sequence[int], cap: int) -> Iterable[Pair]:
    """Every pair of a bucket of sorted ids, or only the first id's pairs above ``cap`` ids."""
    if len(ids) > cap:
        return ((ids[0], other) for other in ids[1:])
    return ((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])


def shared_sentence_pairs(sentences: Iterable[tuple[int, Iterable[str]]]) -> set[Pair]:
    """Pairs of texts that share a normalised sentence.

    Args:
        sentences: ``(text id, sentence keys)`` for every text, ids in increasing order.
    """
    buckets: dict[str, list[int]] = defaultdict(list)
    for text_id, keys in sentences:
        for key in set(keys):
            buckets[key].append(text_id)
    pairs: set[Pair] = set()
    for ids in buckets.values():
        pairs.update(_bucket_pairs(ids, MAX_SENTENCE_BUCKET))
    return pairs
