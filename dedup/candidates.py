"""Candidate pairs of distinct texts, for the verifier to confirm or reject.

Three generators, each cheap and each blind to what the others see:
* MinHash LSH (datasketch's ``MinHashLSH``, the index of record) over shingle signatures:
  texts whose shingle sets have a Jaccard similarity near or above the threshold;
* shared sentences: texts that contain the same normalised sentence, which finds a short
  paragraph copied into a much longer one, where Jaccard similarity is low;
* shared rare words: texts whose shared content words, weighted by rarity, make up a good part
  of the lighter text's weight, which finds a story told again in other words (the names,
  numbers and rare words survive a retelling; its word 3-grams mostly do not).
Exact repeats never get here: the pipeline collapses them to one text first.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

from datasketch import MinHashLSH

from dedup.rarity import Rarity
from dedup.signatures import U32, lean_minhash

# datasketch weighs false positives against false negatives when it picks bands and rows.
# Every candidate is verified, so a false positive costs one check and a false negative a miss.
RECALL_WEIGHTS = (0.2, 0.8)
# A sentence shared by more texts than this is boilerplate: link each text to the first one only.
MAX_SENTENCE_BUCKET = 64
# An LSH bucket holding more texts than this (thousands of variants of one template) would
# make the verifier check every pair of them, O(n²): link each text to the bucket's first only.
MAX_LSH_BUCKET = 64

# Rare words: a word in more than RARE_MAX_SHARE of the texts (at least RARE_MIN_POSTINGS, at most
# RARE_MAX_POSTINGS texts) weighs little and would pair too many texts, so it pairs none.
RARE_MAX_SHARE = 0.02
RARE_MIN_POSTINGS = 16
RARE_MAX_POSTINGS = 1024

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


def rare_word_pairs(
    texts: Iterable[tuple[int, Iterable[str]]], rarity: Rarity, min_share: float
) -> set[Pair]:
    """Pairs of texts whose shared rare words weigh ``min_share`` of the lighter text or more.

    Args:
        texts: ``(text id, content words)`` for every text, ids in increasing order.
        rarity: the word weights of the scan.
        min_share: the shared weight needed, as a share of the lighter text's total weight.
    """
    cap = min(RARE_MAX_POSTINGS, max(RARE_MIN_POSTINGS, int(RARE_MAX_SHARE * rarity.texts)))
    postings: dict[str, list[int]] = defaultdict(list)
    rare: list[tuple[int, list[str], float]] = []
    for text_id, words in texts:
        distinct = sorted(set(words))  # sorted: the sums below add up in the same order every run
        kept = [w for w in distinct if rarity.frequencies.get(w, 0) <= cap]
        for word in kept:
            postings[word].append(text_id)
        rare.append((text_id, kept, rarity.mass(distinct)))
    mass = {text_id: m for text_id, _, m in rare}
    pairs: set[Pair] = set()
    for a, kept, mass_a in rare:  # one text at a time: memory stays that of one text's partners
        shared: dict[int, float] = defaultdict(float)
        for word in kept:
            ids = postings[word]
            weight = rarity.weight(word)
            for b in ids[bisect_right(ids, a) :]:
                shared[b] += weight
        pairs.update((a, b) for b, w in shared.items() if w >= min_share * min(mass_a, mass[b]))
    return pairs
