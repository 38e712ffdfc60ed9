"""datasketch is the MinHash LSH of record: the array-based band bucketing must agree with it.

On a few thousand real paragraphs (licences and copyright files, as ``benchmarks.realtext``
reads them) plus seeded edited copies (``benchmarks.mutate``), the candidate pairs of
``lsh_pairs`` must be exactly those datasketch's ``MinHashLSH`` returns for the same signatures
and the same (bands, rows), for both indexes the scan builds.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from functools import lru_cache
from itertools import combinations, pairwise
from typing import Any

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup.candidates
from benchmarks import mutate, realtext
from dedup import pipeline
from dedup.candidates import (
    MAX_LSH_BUCKET,
    RECALL_WEIGHTS,
    Capped,
    SentenceKeys,
    _runs,
    bands_and_rows,
    capped_lsh_pairs,
    datasketch_pairs,
    lsh_pairs,
    pair_set,
    shared_sentence_pairs,
    union_pairs,
)
from dedup.config import Config
from dedup.normalize import content_words, words
from dedup.signatures import (
    U32,
    shingle_hashes,
    signature_columns,
    signatures,
    text_signatures,
    word_hashes,
)
from dedup.verify import Text
from dedup.workers import Aside

REAL = 2500
EDITED = 1000


@lru_cache(maxsize=1)
def corpus() -> tuple[str, ...]:
    real = realtext.distinct((*realtext.license_texts(), *realtext.copyright_texts()))
    texts = [p.text for p in real[:REAL]]
    rng = random.Random(4)
    vocabulary = [w for t in texts[:200] for w in t.split()]
    edited = [
        mutate.edit_words(
            rng.choice(texts),
            rng.choice(mutate.WORD_EDITS),
            rng.choice(mutate.EDIT_RATES),
            rng,
            vocabulary,
        )
        for _ in range(EDITED)
    ]
    return (*texts, *edited)


def lexical_sets(texts: tuple[str, ...]) -> list[U32]:
    return [shingle_hashes(word_hashes(words(t)), 3) for t in texts]


def content_sets(texts: tuple[str, ...]) -> list[U32]:
    return [np.unique(word_hashes(sorted(content_words(words(t))))) for t in texts]


# The scan's index is over word 3-grams at its default threshold. Content-word sets at a low
# threshold get 2-row bands and many large buckets, a harder case for the bucketing; there
# datasketch's queries return many keys, so that case gets fewer texts to stay quick.
LOW_THRESHOLD = 0.15


def queried_pairs(keys: list[int], rows: U32, threshold: float) -> set[tuple[int, int]]:
    """What ``MinHashLSH.query`` returns for every inserted signature, as pairs."""
    lsh = MinHashLSH(num_perm=128, params=bands_and_rows(threshold, 128))
    sketches = [MinHash(num_perm=128, seed=1, hashvalues=row, scheme="affine32") for row in rows]
    for key, sketch in zip(keys, sketches, strict=True):
        lsh.insert(key, sketch)
    return {
        (min(k, o), max(k, o))
        for k, sketch in zip(keys, sketches, strict=True)
        for o in lsh.query(sketch)
        if o != k
    }


@pytest.mark.parametrize("cap", [MAX_LSH_BUCKET, None], ids=["capped", "uncapped"])
@pytest.mark.parametrize(
    ("make_sets", "threshold", "count"),
    [(lexical_sets, 0.3, REAL + EDITED), (content_sets, LOW_THRESHOLD, 1200)],
    ids=["word-3-grams", "content-words"],
)
def test_band_bucketing_yields_exactly_datasketch_pairs(make_sets, threshold, count, cap) -> None:  # type: ignore[no-untyped-def]
    texts = corpus()
    assert len(texts) == REAL + EDITED, "needs /usr/share/doc/*/copyright and common-licenses"
    picked = texts[: count // 2] + texts[-count // 2 :]  # real texts and edited copies
    sets = [s for s in make_sets(picked) if s.shape[0]]
    # Not 0..n-1, and decreasing: the keys must come back, and a star starts at the smallest.
    keys = [3 * (len(sets) - i) + 7 for i in range(len(sets))]
    rows = signatures(sets, 128, 1)
    ours = lsh_pairs(keys, rows, threshold, cap)
    theirs = datasketch_pairs(keys, rows, threshold, 1, cap)
    assert len(theirs) > 500  # real near copies and chance collisions both
    assert pair_set(ours) == theirs
    assert np.array_equal(ours, union_pairs(ours))  # sorted and distinct
    if cap is None and threshold == 0.3:
        assert theirs == queried_pairs(keys, rows, threshold)


def scanned_texts(config: Config) -> list[Text]:
    picked = [words(t) for t in corpus()[:600] + corpus()[-400:]]
    return [Text(5 * i + 2, w, ()) for i, w in enumerate(picked) if len(w) >= config.shingle_size]


def test_the_scan_s_bands_yield_exactly_datasketch_pairs() -> None:
    """The scan makes its signatures one band at a time from the texts' words (``Shingles``):
    its pairs are datasketch's over the whole signatures, the same cap included."""
    config = Config()
    texts = scanned_texts(config)
    rows = text_signatures(
        [t.words for t in texts], config.shingle_size, config.num_perm, config.seed
    )
    keys = [t.id for t in texts]
    theirs = datasketch_pairs(keys, rows, config.lsh_threshold, config.seed)
    ours, capped = pipeline._lexical_candidates(texts, config)
    assert len(theirs) > 200
    assert pair_set(ours) == theirs
    assert np.array_equal(ours, union_pairs(ours))  # sorted and distinct
    assert capped == capped_lsh_pairs(keys, rows, config.lsh_threshold)[1]


def test_bands_made_by_a_worker_beside_its_task_give_the_same_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once the task aside is done, its worker makes bands from the last one on: the same pairs
    and capped buckets, and the task's own answer is still there for its result."""
    config = Config()
    texts = scanned_texts(config)
    alone = pipeline._lexical_candidates(texts, config)
    here: list[int] = []

    def slowed(*args: Any) -> U32:  # this process's bands only: the worker's are its own
        here.append(1)
        time.sleep(0.1)
        return signature_columns(*args)

    monkeypatch.setattr(pipeline, "signature_columns", slowed)
    aside = Aside(max, 3, 9, 4)
    shared = pipeline._lexical_candidates(texts, config, aside)
    assert aside.result() == 9
    assert 0 < len(here) < bands_and_rows(config.lsh_threshold, config.num_perm)[0]
    assert np.array_equal(shared[0], alone[0])
    assert shared[1] == alone[1]


def test_giant_buckets_every_pair_or_a_star() -> None:
    rows = np.zeros((300, 128), dtype=np.uint32)  # one bucket in every band
    rows[::2, :64] = 5  # and two buckets of 150 in the first bands
    keys = list(range(300))
    every = lsh_pairs(keys, rows, 0.3, None)
    assert every.shape == (300 * 299 // 2, 2)
    assert pair_set(every) == datasketch_pairs(keys, rows, 0.3, 1, None)
    star = lsh_pairs(keys, rows, 0.3)  # 0 with everyone, 1 with the other odd rows
    assert star.shape == (299 + 149, 2)
    assert pair_set(star) == datasketch_pairs(keys, rows, 0.3, 1)


def test_the_cap_is_exact() -> None:
    rows = np.zeros((2 * MAX_LSH_BUCKET + 1, 128), dtype=np.uint32)
    rows[: MAX_LSH_BUCKET + 1] = 1  # one bucket just over the cap, one exactly at it
    keys = list(range(rows.shape[0]))
    pairs = lsh_pairs(keys, rows, 0.3)
    assert pairs.shape == (MAX_LSH_BUCKET + MAX_LSH_BUCKET * (MAX_LSH_BUCKET - 1) // 2, 2)
    assert pair_set(pairs) == datasketch_pairs(keys, rows, 0.3, 1)


def sentence_pairs_plainly(
    sentences: list[tuple[int, list[int]]], cap: int
) -> tuple[set[tuple[int, int]], Capped]:
    """The sentence tier the plain way: a bucket of text ids per key, every pair of a bucket,
    or the pairs of its first (smallest) text above ``cap`` texts."""
    buckets: dict[int, list[int]] = defaultdict(list)
    for text_id, keys in sentences:
        for key in set(keys):
            buckets[key].append(text_id)
    pairs: set[tuple[int, int]] = set()
    capped = Capped()
    for ids in buckets.values():
        if len(ids) > cap:
            pairs.update((ids[0], other) for other in ids[1:])
            capped = capped.plus(Capped(1, ids[0]))
        else:
            pairs.update(combinations(ids, 2))
    return pairs, capped


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(0, 6), max_size=5),
        max_size=25,
    ),
    st.integers(1, 4),
    st.sets(st.integers(0, 24)),
)
def test_sentence_buckets_are_every_pair_or_a_star(
    keys: list[list[int]], cap: int, left_out: set[int]
) -> None:
    """Also from the keys as columns, of the texts the scan keeps for this tier (``only``)."""
    sentences = [(text_id * 3 + 1, found) for text_id, found in enumerate(keys)]
    kept = [(text_id, found) for text_id, found in sentences if text_id // 3 not in left_out]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dedup.candidates, "MAX_SENTENCE_BUCKET", cap)
        pairs, capped = shared_sentence_pairs(SentenceKeys.of(iter(sentences)))
        columns = SentenceKeys.of(sentences).only(text_id for text_id, _ in kept)
        kept_pairs, kept_capped = shared_sentence_pairs(columns)
    expected, expected_capped = sentence_pairs_plainly(sentences, cap)
    assert pairs.tolist() == sorted(map(list, expected))
    assert capped == expected_capped
    expected, expected_capped = sentence_pairs_plainly(kept, cap)
    assert kept_pairs.tolist() == sorted(map(list, expected))
    assert kept_capped == expected_capped
    assert set(columns.rows()) == {(text_id, key) for text_id, found in kept for key in found}


def _run_sets(order: np.ndarray, new_run: np.ndarray) -> set[tuple[int, ...]]:
    starts = [*np.flatnonzero(new_run).tolist(), len(order)]
    return {tuple(order[s:e].tolist()) for s, e in pairwise(starts)}


@pytest.mark.parametrize("mix", [None, 0], ids=["mixed", "every-row-collides"])
def test_runs_are_the_equal_rows_in_row_order(
    monkeypatch: pytest.MonkeyPatch, mix: int | None
) -> None:
    """A band's runs are its groups of equal rows, each in row order, even when rows that
    differ share the 64-bit key they are sorted by (a mix of 0 keys a row by its last value)."""
    if mix is not None:
        monkeypatch.setattr(dedup.candidates, "_ROW_MIX", np.uint64(mix))
    band = np.random.default_rng(9).integers(0, 3, size=(500, 3)).astype(np.uint32)
    order, new_run = _runs(band)
    reference = np.lexsort(band.T[::-1])
    same = np.ones(500, dtype=bool)
    same[1:] = np.any(band[reference][1:] != band[reference][:-1], axis=1)
    assert _run_sets(order, new_run) == _run_sets(reference, same)
    assert len(_run_sets(order, new_run)) == 27
    if mix == 0:  # sorted again by every column: the rows differ in more than the last value
        assert np.array_equal(order, reference)


def datasketch_layout(threshold: float, num_perm: int) -> tuple[int, int] | None:
    """datasketch's own (bands, rows), or ``None`` where it refuses every layout."""
    try:
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=RECALL_WEIGHTS)
    except ValueError:
        return None
    return int(lsh.b), int(lsh.r)


def our_layout(threshold: float, num_perm: int) -> tuple[int, int] | None:
    bands_and_rows.cache_clear()
    try:
        return bands_and_rows(threshold, num_perm)
    except ValueError:
        return None


# The default num_perm over every threshold a setting may take (0.00 to 0.90) and past it, where
# datasketch refuses; other sizes more coarsely (datasketch's scipy integration is the slow part).
LAYOUT_CASES = [(t / 100, 128) for t in range(0, 101)] + [
    (t / 100, n) for n in (2, 16, 64, 256) for t in range(0, 101, 7)
]


def test_bands_and_rows_are_datasketch_s_choice() -> None:
    """Computed without datasketch (and the scipy it imports), the layout must be its choice."""
    ours = [our_layout(t, n) for t, n in LAYOUT_CASES]
    assert ours == [datasketch_layout(t, n) for t, n in LAYOUT_CASES]
    assert None in ours  # the refusals were reached too


def test_a_near_tie_is_left_to_datasketch(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[float, int]] = []
    original = dedup.candidates._datasketch_bands_and_rows

    def spy(threshold: float, num_perm: int) -> tuple[int, int]:
        asked.append((threshold, num_perm))
        return original(threshold, num_perm)

    monkeypatch.setattr(dedup.candidates, "_datasketch_bands_and_rows", spy)
    monkeypatch.setattr(dedup.candidates, "_TIE", 1.0)  # every pair of layouts "ties"
    assert our_layout(0.3, 128) == datasketch_layout(0.3, 128)
    assert asked == [(0.3, 128)]
    monkeypatch.setattr(dedup.candidates, "_TIE", 1e-10)
    assert our_layout(0.3, 128) == datasketch_layout(0.3, 128)
    assert asked == [(0.3, 128)]  # no tie at the default: datasketch is not asked
    bands_and_rows.cache_clear()
