"""Candidate pairs of distinct texts, for the verifier to confirm or reject.

Three generators, each cheap and each blind to what the others see:
* MinHash LSH over shingle signatures: texts whose shingle sets have a Jaccard similarity near
  or above the threshold. datasketch's ``MinHashLSH`` is the index of record: its rule chooses
  the bands and rows, and ``lsh_pairs`` returns exactly the pairs of its buckets (a bucket of
  over ``MAX_LSH_BUCKET`` texts as a star; differential tests check both), only computed with
  array operations, without importing datasketch (and the scipy it imports: a quarter of a
  second and some 50 MB in every scan and in each of its workers);
* shared sentences: texts that contain the same normalised sentence, which finds a short
  paragraph copied into a much longer one, where Jaccard similarity is low;
* shared rare words: texts whose shared content words, weighted by rarity, make up a good part
  of the lighter text's weight, which finds a story told again in other words (the names,
  numbers and rare words survive a retelling; its word 3-grams mostly do not).
Exact repeats never get here: the pipeline collapses them to one text first.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.rarity import Rarity, TextWords
from dedup.signatures import U32, Shingles, lean_minhash, signature_columns

# datasketch weighs false positives against false negatives when it picks bands and rows.
# Every candidate is verified, so a false positive costs one check and a false negative a miss.
RECALL_WEIGHTS = (0.2, 0.8)
# A sentence shared by more texts than this is boilerplate: link each text to the first one only.
MAX_SENTENCE_BUCKET = 64
# An LSH bucket holding more texts than this (thousands of variants of one template) would
# make the verifier check every pair of them, O(n²): link each text to the bucket's first only.
MAX_LSH_BUCKET = 64

# Odd: a row's mix (``_runs``) is a polynomial in its band values modulo 2**64.
_ROW_MIX = np.uint64(0x9E3779B97F4A7C15)
# Merge the pairs of several bands at once, but never hold more than about this many unmerged.
_MERGE_MIN = 1 << 20
# Rare words: a word in more than RARE_MAX_SHARE of the texts (at least RARE_MIN_POSTINGS, at most
# RARE_MAX_POSTINGS texts) weighs little and would pair too many texts, so it pairs none.
RARE_MAX_SHARE = 0.02
RARE_MIN_POSTINGS = 16
RARE_MAX_POSTINGS = 256
# Each text keeps only its RARE_MAX_PARTNERS strongest partners (by shared rare weight, ties by
# id); a pair stays when either side keeps it. With the fixed posting cap above, the tier's work
# and candidates grow with the corpus, not faster (chosen on tune data: see README "Accuracy").
RARE_MAX_PARTNERS = 8

Pair = tuple[int, int]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
PairArray = I64  # shape (n, 2): one candidate pair per row, the smaller id first


@dataclass(frozen=True, slots=True)
class Capped:
    """Buckets over their cap, paired as a star (recall may be lower inside them)."""

    buckets: int = 0
    first: int | None = None  # the smallest centre id among them

    def plus(self, other: Capped) -> Capped:
        firsts = [f for f in (self.first, other.first) if f is not None]
        return Capped(self.buckets + other.buckets, min(firsts) if firsts else None)


@lru_cache(maxsize=16)
def bands_and_rows(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's choice of (bands, rows) for ``threshold``, weighted towards recall.

    datasketch's rule (``MinHashLSH(threshold, num_perm, weights)``): of every layout with
    ``bands * rows <= num_perm``, the first (by bands, then rows) with the least weighted sum of
    the false positive area, the integral of ``1 - (1 - s**rows)**bands`` over ``[0,
    threshold]``, and the false negative area, that of ``(1 - s**rows)**bands`` over
    ``[threshold, 1]``. Both integrands are polynomials of degree at most ``num_perm``, which
    Gauss-Legendre quadrature with ``num_perm // 2 + 1`` nodes integrates exactly; datasketch
    integrates adaptively (scipy's ``quad``), so when the best two layouts are closer than
    ``_TIE``, datasketch itself is asked.
    """
    bands, rows = _layouts(num_perm)
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    below = _area(threshold * (nodes + 1) / 2, threshold / 2 * weights, bands, rows)
    above = _area(
        threshold + (1 - threshold) * (nodes + 1) / 2, (1 - threshold) / 2 * weights, bands, rows
    )
    false_positive = threshold - below  # the integral of 1 - (1 - s**r)**b over [0, threshold]
    error = RECALL_WEIGHTS[0] * false_positive + RECALL_WEIGHTS[1] * above
    order = np.argsort(error, kind="stable")  # ties in datasketch's loop order
    best = int(order[0])
    if len(order) > 1 and error[order[1]] - error[best] <= _TIE:
        return _datasketch_bands_and_rows(threshold, num_perm)
    if bands[best] < 2:  # as datasketch refuses it
        raise ValueError(f"no LSH layout of at least 2 bands for threshold {threshold}")
    return int(bands[best]), int(rows[best])


# Layouts whose errors differ by less than this are left to datasketch's own computation: our
# areas and scipy's differed by at most 6.6e-13 over 2,100 layouts at num_perm 32 to 1,024,
# while the best two layouts of the thresholds 0.00 to 0.90 differ by 5.3e-9 or more.
_TIE = 1e-10


def _layouts(num_perm: int) -> tuple[I64, I64]:
    """Every (bands, rows) with ``bands * rows <= num_perm``, in datasketch's loop order."""
    pairs = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    layouts = np.array(pairs, dtype=np.int64)
    return layouts[:, 0], layouts[:, 1]


def _area(points: F64, weights: F64, bands: I64, rows: I64) -> F64:
    """The quadrature of ``(1 - s**rows)**bands`` for each layout, at ``points`` by ``weights``."""
    values = (1 - points[None, :] ** rows[:, None]) ** bands[:, None]
    return np.asarray(values @ weights, dtype=np.float64)


def _datasketch_bands_and_rows(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) as datasketch computes them (it imports scipy: only for near ties)."""
    from datasketch import MinHashLSH  # imported here: some 50 MB, rarely needed

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=RECALL_WEIGHTS)
    return int(lsh.b), int(lsh.r)


def lsh_pairs(
    keys: Sequence[int], rows: U32, threshold: float, cap: int | None = MAX_LSH_BUCKET
) -> PairArray:
    """The pairs of ``capped_lsh_pairs``."""
    return capped_lsh_pairs(keys, rows, threshold, cap)[0]


def capped_lsh_pairs(
    keys: Sequence[int], rows: U32, threshold: float, cap: int | None = MAX_LSH_BUCKET
) -> tuple[PairArray, Capped]:
    """Pairs ``(a, b)``, ``a < b``, of keys whose signatures share at least one LSH band.

    The pairs of the buckets of datasketch's ``MinHashLSH`` with the same (bands, rows), where
    a bucket of more than ``cap`` keys gives the pairs of its smallest key only (``None``: no
    cap, exactly what ``MinHashLSH.query`` returns); ``datasketch_pairs`` reads them from
    datasketch's index and a differential test holds the two equal. Found by sorting each band
    instead of one dictionary look-up per band and text. Sorted, as an ``(n, 2)`` array, with
    the buckets over ``cap`` (counted per band).
    """
    if len(keys) < 2:
        return np.empty((0, 2), dtype=np.int64), Capped()
    key_array = np.asarray(keys, dtype=np.int64)
    if np.any(key_array[1:] < key_array[:-1]):  # a run's first row must be its smallest key
        by_key = np.argsort(key_array, kind="stable")
        key_array, rows = key_array[by_key], rows[by_key]
    return capped_band_pairs(key_array, band_slices(rows, threshold), cap)


def capped_band_pairs(
    keys: I64, bands: Iterable[U32], cap: int | None = MAX_LSH_BUCKET
) -> tuple[PairArray, Capped]:
    """``capped_lsh_pairs`` of ``keys``, in increasing order, and their LSH ``bands`` (each the
    rows' values in one band), taken one band at a time."""
    return capped_code_pairs(keys, (band_codes(band, cap) for band in bands))


def capped_code_pairs(keys: I64, found: Iterable[tuple[I64, I64]]) -> tuple[PairArray, Capped]:
    """``capped_band_pairs`` from what ``band_codes`` found in each band."""
    if keys.shape[0] < 2:
        return np.empty((0, 2), dtype=np.int64), Capped()
    merged = _PairSet(keys.shape[0])
    capped = Capped()
    for codes, big in found:
        merged.add(codes)
        if big.size:
            capped = capped.plus(Capped(int(big.size), int(keys[big.min()])))
    pairs = keys[merged.decode()]
    if np.any(keys[1:] <= keys[:-1]):  # a key given twice: its pairs are not yet distinct
        return union_pairs(pairs), capped
    return pairs, capped  # distinct row pairs, sorted: so are the pairs of increasing keys


# What a worker makes LSH bands of: set by ``keep_shingles`` (``pipeline._lexical_candidates``).
_KEPT: tuple[Shingles, int, int] | None = None


def keep_shingles(shingles: Shingles, num_perm: int, seed: int) -> None:
    """In a worker: the texts' shingles and the MinHash settings that ``kept_band_codes`` uses."""
    global _KEPT
    _KEPT = (shingles, num_perm, seed)


def kept_band_codes(columns: slice) -> tuple[I64, I64]:
    """In a worker: ``band_codes`` of the band of signature ``columns`` of the kept shingles."""
    assert _KEPT is not None, "keep_shingles comes first"
    shingles, num_perm, seed = _KEPT
    return band_codes(signature_columns(shingles, num_perm, seed, columns))


def band_slices(rows: U32, threshold: float) -> list[U32]:
    """The LSH bands of signature ``rows``: texts are candidates when any band is equal in both
    (the Spark engine groups by these)."""
    bands, width = bands_and_rows(threshold, int(rows.shape[1]))
    return [rows[:, band * width : (band + 1) * width] for band in range(bands)]


def band_codes(band: U32, cap: int | None = MAX_LSH_BUCKET) -> tuple[I64, I64]:
    """Pair codes ``i * n + j`` (``i < j``, row indices) of rows whose band values are equal.

    A run of more than ``cap`` equal rows gives only the pairs of its first row; the first rows
    of those runs are returned too.
    """
    n = band.shape[0]
    order, new_run = _runs(band)
    starts = np.flatnonzero(new_run)
    ends = np.append(starts[1:], n)
    run_end = np.repeat(ends, ends - starts)  # for each sorted position, the end of its run
    partners = run_end - np.arange(n) - 1  # later members of the same run
    big: I64 = np.empty(0, dtype=np.int64)
    if cap is not None:
        run_start = np.repeat(starts, ends - starts)
        partners[(run_end - run_start > cap) & (np.arange(n) != run_start)] = 0
        big = order[starts[ends - starts > cap]].astype(np.int64)
    total = int(partners.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), big
    first = np.repeat(np.arange(n), partners)
    offset = np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners)
    left, right = order[first], order[first + 1 + offset]
    low = np.minimum(left, right).astype(np.int64)
    high = np.maximum(left, right).astype(np.int64)
    codes: I64 = low * n + high
    return codes, big


def _runs(band: U32) -> tuple[I64, npt.NDArray[np.bool_]]:
    """The order that puts equal rows of ``band`` together, each run in row order, and where
    in that order each run of equal rows starts.

    Sorted by one 64-bit mix of each row instead of by every column; should rows that differ
    share their mix (a run boundary between equal keys), they are sorted by every column
    instead, so the runs are exact whatever the mix.
    """
    n = band.shape[0]
    key = np.zeros(n, dtype=np.uint64)
    for column in band.T:
        key = key * _ROW_MIX + column
    # not a stable sort (numpy's is 5 times slower here): equal keys come together in any
    # order, then each run of them is put in row order
    order = np.argsort(key)
    key = key[order]
    same = key[1:] == key[:-1]
    if same.any():
        run = np.cumsum(np.append(False, ~same))
        order = order[np.argsort(run * n + order)]  # distinct values: one order
    ordered = band[order]
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    if np.any(new_run[1:] & (key[1:] == key[:-1])):
        order = np.lexsort(band.T[::-1])  # stable: equal rows stay in row order
        ordered = band[order]
        new_run[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    return order, new_run


class _PairSet:
    """The union of pair codes from many bands, merged in batches so memory stays bounded."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.merged = np.empty(0, dtype=np.int64)
        self.pending: list[I64] = []
        self.pending_size = 0

    def add(self, codes: I64) -> None:
        self.pending.append(codes)
        self.pending_size += codes.shape[0]
        if self.pending_size >= max(self.merged.shape[0], _MERGE_MIN):
            self._merge()

    def _merge(self) -> None:
        self.merged = distinct(np.concatenate([self.merged, *self.pending]))
        self.pending, self.pending_size = [], 0

    def decode(self) -> I64:
        """The distinct pairs as an ``(n, 2)`` array of row indices, sorted."""
        self._merge()
        return np.stack((self.merged // self.n, self.merged % self.n), axis=1)


def distinct(codes: I64) -> I64:
    """The distinct values of ``codes``, sorted (``np.unique`` is far slower on large arrays)."""
    codes = np.sort(codes)
    keep = np.ones(codes.shape[0], dtype=bool)
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def union_pairs(*parts: PairArray | set[Pair]) -> PairArray:
    """The distinct pairs of all ``parts``, sorted."""
    arrays = [
        part if isinstance(part, np.ndarray) else np.array(sorted(part), dtype=np.int64)
        for part in parts
    ]
    stacked = np.concatenate([a.reshape(-1, 2) for a in arrays])
    if stacked.shape[0] == 0:
        return stacked
    base = int(stacked.max()) + 1
    codes = distinct(stacked[:, 0] * base + stacked[:, 1])
    return np.stack((codes // base, codes % base), axis=1)


def pair_set(pairs: PairArray) -> set[Pair]:
    """The pairs of an ``(n, 2)`` array as a set of tuples."""
    return {(a, b) for a, b in pairs.tolist()}


def datasketch_pairs(
    keys: Sequence[int], rows: U32, threshold: float, seed: int, cap: int | None = MAX_LSH_BUCKET
) -> set[Pair]:
    """The reference: every row inserted into datasketch's ``MinHashLSH``, the pairs read from
    its buckets (those ``MinHashLSH.query`` returns), a bucket over ``cap`` keys as a star."""
    from datasketch import MinHashLSH  # the reference, for tests and benchmarks

    num_perm = int(rows.shape[1]) if len(keys) else 2
    lsh = MinHashLSH(num_perm=num_perm, params=bands_and_rows(threshold, num_perm))
    sketches = [lean_minhash(row, seed) for row in rows]
    with lsh.insertion_session() as session:
        for key, sketch in zip(keys, sketches, strict=True):
            session.insert(key, sketch, check_duplication=False)
    pairs: set[Pair] = set()
    for table in lsh.hashtables:
        for band in table.keys():  # noqa: SIM118 - a datasketch storage, not a dict
            pairs.update(_bucket_pairs(sorted(table.get(band)), cap))
    return pairs


def _bucket_pairs(ids: Sequence[int], cap: int | None) -> Iterable[Pair]:
    """Every pair of a bucket of sorted ids, or only the first id's pairs above ``cap`` ids."""
    if cap is not None and len(ids) > cap:
        return ((ids[0], other) for other in ids[1:])
    return ((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])


@dataclass(frozen=True, slots=True)
class SentenceKeys:
    """The distinct sentence keys of each text, as two columns, for the shared-sentence tier.

    A scan holds them from the exact collapse through the candidates, its memory peak: at 300k
    paragraphs 264,142 keys of 154,846 texts, 18.7 MB as a tuple of ints a text, 4.2 MB here.
    """

    owners: I64  # the text of each key, texts in the order they were given
    keys: I64  # a key of that text: each text's keys once each

    @classmethod
    def of(cls, sentences: Iterable[tuple[int, Iterable[int]]]) -> SentenceKeys:
        """The keys of ``(text id, sentence keys)`` for every text (a text's repeats dropped)."""
        owners, flat = array("q"), array("q")  # one set at a time, not one kept a text
        for text_id, keys in sentences:
            distinct = set(keys)
            flat.extend(distinct)
            owners.extend(repeat(text_id, len(distinct)))
        return cls(np.frombuffer(owners, dtype=np.int64), np.frombuffer(flat, dtype=np.int64))

    def only(self, texts: Iterable[int]) -> SentenceKeys:
        """The keys of ``texts`` (their ids), in the same order."""
        kept = np.isin(self.owners, np.fromiter(texts, dtype=np.int64))
        return SentenceKeys(self.owners[kept], self.keys[kept])

    def rows(self) -> Iterator[tuple[int, int]]:
        """``(text id, key)`` for every key."""
        return zip(self.owners.tolist(), self.keys.tolist(), strict=True)


def shared_sentence_pairs(sentences: SentenceKeys) -> tuple[PairArray, Capped]:
    """Pairs of texts that share a normalised sentence, sorted, and the sentence buckets over
    ``MAX_SENTENCE_BUCKET`` texts (each paired as a star: its smallest text with every other).

    A sentence's bucket is found as an LSH band's is (``band_codes``): each (text, sentence)
    is a row whose band is the sentence key, as array operations, not a dict of lists.

    Args:
        sentences: the texts' keys, text ids in increasing order.
    """
    if sentences.keys.shape[0] < 2:
        return np.empty((0, 2), dtype=np.int64), Capped()
    band = sentences.keys.view(np.uint32).reshape(-1, 2)  # a key's halves: equal keys, equal rows
    return capped_code_pairs(sentences.owners, [band_codes(band, MAX_SENTENCE_BUCKET)])


def rare_word_pairs(
    texts: Iterable[tuple[int, Iterable[str]]],
    rarity: Rarity,
    min_share: float,
    max_partners: int = RARE_MAX_PARTNERS,
) -> PairArray:
    """Pairs of texts whose shared rare words weigh ``min_share`` of the lighter text or more.

    Of those, each text keeps its ``max_partners`` strongest partners (the most shared weight,
    then the smaller id), and a pair is returned when either of its texts keeps it. Weights are
    summed as integers (``quantized``), so a sum is the same in any order, here and in Spark.
    Sorted, as an ``(n, 2)`` array. ``rare_join(rare_postings(...))``: the scan may run the
    join in a worker.

    Args:
        texts: ``(text id, content words)`` for every text.
        rarity: the word weights of the scan.
        min_share: the shared weight needed, as a share of the lighter text's total weight.
        max_partners: how many partners each text keeps at most.
    """
    return rare_join(rare_postings(texts, rarity), min_share, max_partners)


@dataclass(frozen=True, slots=True)
class RarePostings:
    """What the rare-word join needs, as arrays: which texts use which rare words, how much each
    text and each rare word weighs (quantized)."""

    owners: I32  # one entry per (text, rare word), in text order: the text's id
    words: I32  # and the rare word's index
    mass: I64  # by text id: the summed weight of the text's distinct content words
    word_weight: I64  # by rare word index

    def plus(self, more: RarePostings) -> RarePostings:
        """These postings and ``more``, of texts with greater ids (by the same rarity table)."""
        mass = np.zeros(max(self.mass.shape[0], more.mass.shape[0]), dtype=np.int64)
        mass[: self.mass.shape[0]] = self.mass
        mass[: more.mass.shape[0]] += more.mass  # zero where these texts are
        return RarePostings(
            np.concatenate((self.owners, more.owners)),
            np.concatenate((self.words, more.words)),
            mass,
            self.word_weight,
        )


def rare_postings(texts: Iterable[tuple[int, Iterable[str]]], rarity: Rarity) -> RarePostings:
    """The rare words of ``(text id, content words)`` and the weights, for ``rare_join``."""
    cap = rare_cap(rarity.texts)
    rare = [word for word, df in rarity.frequencies.items() if df <= cap]
    word_ids = dict(zip(rare, range(len(rare)), strict=True))
    # 32-bit, as the join's arrays are the largest of a scan (a few million entries).
    owners = array("i")
    used = array("i")
    ids = array("q")
    masses = array("q")
    for text_id, words in texts:
        distinct = set(words)
        ids.append(text_id)
        masses.append(rarity.total(distinct))
        found = [i for i in map(word_ids.get, distinct) if i is not None]
        owners.extend(repeat(text_id, len(found)))
        used.extend(found)
    mass = np.zeros(max(ids, default=-1) + 1, dtype=np.int64)
    mass[np.frombuffer(ids, dtype=np.int64)] = np.frombuffer(masses, dtype=np.int64)
    return RarePostings(
        np.frombuffer(owners, dtype=np.int32),
        np.frombuffer(used, dtype=np.int32),
        mass,
        np.array([rarity.quanta[word] for word in rare], dtype=np.int64),
    )


def counted_postings(
    counted: TextWords, kept: npt.NDArray[np.bool_], rarity: Rarity
) -> RarePostings:
    """``rare_postings`` of the texts whose ids are ``kept`` (text ``i``: ``kept[i]``), from
    their words as ``dedup.rarity.counted`` numbered them when it made ``rarity``: the same
    arrays, by array operations."""
    frequencies = rarity.frequencies
    quanta = np.fromiter(map(rarity.quanta.__getitem__, frequencies), np.int64, len(frequencies))
    rare = np.fromiter(frequencies.values(), np.int64, len(frequencies)) <= rare_cap(rarity.texts)
    rare_of = np.full(len(frequencies), -1, dtype=np.int32)
    rare_of[rare] = np.arange(np.count_nonzero(rare), dtype=np.int32)
    words, ends = counted.words, counted.ends
    sizes = np.diff(ends, prepend=0)
    starts = ends - sizes
    # summed by cumulative sums: exact integers, as ``Rarity.total`` sums them
    running = np.concatenate(([0], np.cumsum(quanta[words])))
    kept_ids = np.flatnonzero(kept)
    size = int(kept_ids[-1]) + 1 if kept_ids.shape[0] else 0
    mass = np.zeros(size, dtype=np.int64)
    mass[kept_ids] = running[ends[kept_ids]] - running[starts[kept_ids]]
    del running
    owner = np.repeat(np.arange(sizes.shape[0], dtype=np.int32), sizes)
    used = rare_of[words]
    entry = (used >= 0) & kept[owner]
    return RarePostings(owner[entry], used[entry], mass, quanta[rare])


def rare_join(postings: RarePostings, min_share: float, max_partners: int) -> PairArray:
    """The pairs of ``rare_word_pairs``, from its ``postings`` (arrays only: a worker's task)."""
    if not postings.owners.shape[0]:
        return np.empty((0, 2), dtype=np.int64)
    mass_of = postings.mass
    size = mass_of.shape[0]
    joined = _Postings(postings.owners, postings.words)
    best = _Strongest(max_partners)
    for a, b, shared in joined.shared_weights(postings.word_weight, size):
        enough = shared >= min_share * np.minimum(mass_of[a], mass_of[b])
        best.add(a[enough], b[enough], shared[enough], complete=int(a[-1]))
    del joined  # before the last merge, the largest arrays of the join
    return best.pairs(size)


def rare_cap(texts: int) -> int:
    """The most texts a word may be in and still pair texts, for a scan of ``texts`` texts."""
    return min(RARE_MAX_POSTINGS, max(RARE_MIN_POSTINGS, int(RARE_MAX_SHARE * texts)))


# How many (text, partner, word) entries the rare-word join handles at once.
_SHARED_BLOCK = 1 << 18


class _Postings:
    """Every rare word's texts, sorted; the pairs they make are walked a block of texts at a time,
    so memory stays bounded however many pairs the words make."""

    def __init__(self, owners: I32, words: I32) -> None:
        """``owners[i]`` uses rare word ``words[i]``; the entries are in text order."""
        order = np.argsort(words, kind="stable")  # by word, then (stable) by text
        self.texts = owners[order]  # grouped by word, each word's texts in increasing order
        self.words = words[order]
        # each entry pairs with the later texts of its word's posting
        starts = np.flatnonzero(np.append(True, self.words[1:] != self.words[:-1]))
        ends = np.append(starts[1:], self.words.shape[0])
        self.partners = (
            np.repeat(ends, ends - starts) - np.arange(1, self.words.shape[0] + 1, dtype=np.int64)
        ).astype(np.int32)
        # where each entry went: walking it in text order walks the texts in turn
        self.by_text = np.empty(order.shape[0], dtype=np.int32)
        self.by_text[order] = np.arange(order.shape[0], dtype=np.int32)
        self.text_ends = np.flatnonzero(np.append(owners[1:] != owners[:-1], True))

    def shared_weights(self, word_weight: I64, size: int) -> Iterator[tuple[I64, I64, I64]]:
        """``(a, b, weight)``, ``a < b``: each pair of texts that share a rare word and the
        summed weight of the words they share; yielded in blocks of ``a``."""
        counts = self.partners[self.by_text]
        # blocks end where a text ends, so each pair's whole sum is in one block
        last_of_text = self.text_ends
        totals = np.cumsum(counts, dtype=np.int64)[last_of_text]
        start = 0
        done = 0
        while start < last_of_text.shape[0]:
            stop = max(start + 1, int(np.searchsorted(totals, done + _SHARED_BLOCK, "right")))
            lo = 0 if start == 0 else int(last_of_text[start - 1]) + 1
            hi = int(last_of_text[stop - 1]) + 1
            if int(totals[stop - 1]) > done:
                yield self._block_sums(self.by_text[lo:hi], counts[lo:hi], word_weight, size)
            done = int(totals[stop - 1])
            start = stop

    def _block_sums(
        self, entries: I32, counts: I32, word_weight: I64, size: int
    ) -> tuple[I64, I64, I64]:
        """``(a, b, weight)`` of the pairs whose first text owns one of ``entries``."""
        entries = entries.astype(np.int64)
        total = int(counts.sum(dtype=np.int64))
        offset = np.arange(total) - np.repeat(np.cumsum(counts, dtype=np.int64) - counts, counts)
        b = self.texts[np.repeat(entries + 1, counts) + offset].astype(np.int64)
        codes = np.repeat(self.texts[entries].astype(np.int64), counts) * size + b
        weights = np.repeat(word_weight[self.words[entries]], counts)
        order = np.argsort(codes)
        codes, weights = codes[order], weights[order]
        starts = np.flatnonzero(np.append(True, codes[1:] != codes[:-1]))
        pair_codes = codes[starts]
        return pair_codes // size, pair_codes % size, np.add.reduceat(weights, starts)


def _strongest_first(owner: I32, weight: I64, partner: I32) -> I64:
    """The order of the entries by owner, then by weight, the heaviest first, then by partner.

    Weights are not negative. Where an owner and a weight fit in one 63-bit number, sorted by
    that, then the entries of equal owner and weight by partner: the rare-word join of a
    300k-paragraph scan took 1.4 s of CPU so, against 1.7 s with a three-key ``np.lexsort``
    (which sorts the rest).
    """
    if not owner.shape[0]:
        return np.empty(0, dtype=np.int64)
    heaviest = int(weight.max())
    shift = heaviest.bit_length()
    if int(owner.max()).bit_length() + shift > 62:
        return np.lexsort((partner, heaviest - weight, owner))
    key = owner.astype(np.int64)
    key <<= shift
    key |= heaviest - weight
    order = np.argsort(key, kind="stable")  # ties are put in partner order below
    key.sort()  # in place: key[order] without another array
    tie = key[1:] == key[:-1]
    del key
    tied = np.flatnonzero(np.append(tie, False) | np.append(False, tie))  # sorted positions
    if tied.shape[0]:
        group = np.cumsum(np.append(True, ~tie[tied[1:] - 1]))  # a new group where no tie
        entries = order[tied]
        group *= int(partner.max()) + 1
        group += partner[entries]
        order[tied] = entries[np.argsort(group)]  # distinct values: one order
    return order


# Prune the partner lists once this many new entries wait.
_STRONGEST_PRUNE = 1 << 18


class _Strongest:
    """Each text's ``size`` strongest partners (most shared weight, then the smaller id).

    Each block of pairs is cut to its own strongest partners as it comes (the strongest of the
    whole are among them), so only a few entries a text wait to be merged. The blocks come in
    the order of their pairs' first texts, so a text's partners are all known once a block has
    passed it: its list is then set aside, never to be merged again.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.parts: list[tuple[I32, I32, I64]] = []  # sorted each, by owner then strength
        self.waiting = 0
        self.done: list[tuple[I32, I32]] = []  # the lists of texts with every pair seen

    def add(self, a: I64, b: I64, weight: I64, complete: int) -> None:
        """Pairs ``a < b`` of shared ``weight``; every pair of a text up to ``complete`` has
        been added (with these)."""
        # both directions: the pair may be among a's strongest, b's, or both
        a32, b32 = a.astype(np.int32), b.astype(np.int32)
        self.parts.append(
            self._top([np.concatenate([a32, b32]), np.concatenate([b32, a32]), np.tile(weight, 2)])
        )
        self.waiting += self.parts[-1][0].shape[0]
        if self.waiting >= _STRONGEST_PRUNE:
            owner, partner, weight = self._pruned()
            cut = int(np.searchsorted(owner, complete, side="right"))
            # copies: a slice would hold on to the whole of each array
            self.done.append((owner[:cut].copy(), partner[:cut].copy()))
            self.parts = [(owner[cut:], partner[cut:], weight[cut:])]
            self.waiting = 0

    def _pruned(self) -> tuple[I32, I32, I64]:
        columns = [np.concatenate(column) for column in zip(*self.parts, strict=True)]
        self.parts = []  # the concatenated copies hold them now: free the parts before sorting
        return self._top(columns)

    def _top(self, columns: list[npt.NDArray[Any]]) -> tuple[I32, I32, I64]:
        """The ``size`` strongest partners of each owner, from ``columns`` (owners, partners,
        weights), which it empties: each column is let go once sorted. Temporaries are 32-bit
        where they can be, as the kept entries of a 300k scan number over a million."""
        owner, partner, weight = columns
        columns.clear()
        order = _strongest_first(owner, weight, partner)
        owner = owner[order]
        partner = partner[order]
        weight = weight[order]
        del order
        first = np.flatnonzero(np.append(True, owner[1:] != owner[:-1])).astype(np.int32)
        counts = np.append(first[1:], np.int32(owner.shape[0])) - first
        rank = np.arange(owner.shape[0], dtype=np.int32)
        rank -= np.repeat(first, counts)
        keep = rank < self.size
        del rank
        return owner[keep], partner[keep], weight[keep]

    def pairs(self, size: int) -> PairArray:
        """The kept pairs of texts ``0..size-1``, each once, sorted."""
        if self.parts:
            self.done.append(self._pruned()[:2])
        if not self.done:
            return np.empty((0, 2), dtype=np.int64)
        owner = np.concatenate([column for column, _ in self.done])
        partner = np.concatenate([column for _, column in self.done])
        self.done = []
        codes = np.minimum(owner, partner).astype(np.int64) * size
        codes += np.maximum(owner, partner)
        del owner, partner
        codes = distinct(codes)
        return np.stack((codes // size, codes % size), axis=1)
