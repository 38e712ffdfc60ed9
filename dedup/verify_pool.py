"""Verification on more than one core: the scan's process verifies batches of candidate pairs
from the front of the list while lean workers (``dedup/workers.py``) verify batches from its
back, until they meet.

A worker gets the settings and word weights once, then each batch's texts, pickled: each word
once per batch, so that its texts share one copy of it, whose hash is computed once and which
equal words match by identity. The pairs of two sentence-sized texts come last, so the workers
get them: the reworded model makes them the costliest pairs to verify, and their texts are
the cheapest to send. The links of every batch are put back in batch order: the same links in
the same order as verifying in one process, at any number of workers; a batch that a worker
did not answer (it died, or could not start) is verified by the scan's process.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dedup.cluster import LinkTable
from dedup.config import Config
from dedup.rarity import Rarity
from dedup.verify import MODEL_MAX_WORDS, Text, verdicts
from dedup.workers import Workers, from_both_ends

# Candidate pairs per batch: some 50 ms of verification, small enough to share out the last
# batches evenly, large enough that sending a batch costs little beside verifying it.
BATCH = 1 << 13
# Batches queued for each worker, so that it never waits for the next one.
AHEAD = 2

Pairs = npt.NDArray[np.int64]  # shape (n, 2): positions in the texts
# A batch as a worker gets it: the ids, words and content words of its texts, and its pairs as
# positions in those texts.
Sent = tuple[list[int], list[tuple[str, ...]], list[tuple[str, ...]], list[list[int]]]

# What a worker verifies with: set once per worker by ``_start``.
_SETTINGS: tuple[Config, Rarity] | None = None


def verified(
    texts: Sequence[Text], pairs: Pairs, config: Config, weights: Rarity, workers: Workers
) -> LinkTable:
    """The links of every candidate pair, in the order of ``sentence_pairs_last``, ``workers``
    helping this process (not for fewer than two batches)."""
    pairs = sentence_pairs_last(texts, pairs)
    batches = [pairs[i : i + BATCH] for i in range(0, pairs.shape[0], BATCH)]
    helpers = workers.started() if len(batches) > 1 else []
    for worker in helpers:
        worker.send(_start, config, weights)
    found = from_both_ends(
        len(batches),
        lambda i: _verify(texts, batches[i], config, weights),
        lambda i: (_verify_sent, (_sent(texts, batches[i]),)),
        helpers,
        AHEAD,
    )
    links = LinkTable()
    for table in found:
        links.merge(table)
    return links


def sentence_pairs_last(texts: Sequence[Text], pairs: Pairs) -> Pairs:
    """``pairs`` with those of two texts of at most ``MODEL_MAX_WORDS`` words moved to the end,
    each part in its order (a text's pairs stay together for its profile: ``verify.Profiles``).

    At 300k paragraphs these are 53 % of the pairs and two thirds of the verifying (8.1 µs a
    pair against 4.7), and a batch of them costs 0.23 of its verifying to send (0.73 for the
    others): given these, the workers take more of the verifying for less of the scan's time.
    """
    sizes = np.fromiter((len(t.words) for t in texts), dtype=np.int64, count=len(texts))
    short = sizes[pairs].max(axis=1, initial=0) <= MODEL_MAX_WORDS
    return np.concatenate((pairs[~short], pairs[short]))


def _sent(texts: Sequence[Text], pairs: Pairs) -> Sent:
    positions, local = np.unique(pairs, return_inverse=True)
    chosen = [texts[p] for p in positions.tolist()]
    return (
        [t.id for t in chosen],
        [t.words for t in chosen],
        [t.content for t in chosen],
        local.reshape(-1, 2).tolist(),
    )


def _verify(
    texts: Sequence[Text], pairs: Pairs | list[list[int]], config: Config, weights: Rarity
) -> LinkTable:
    """The links of one batch of ``pairs`` (positions in ``texts``), as a table."""
    table = LinkTable()
    listed = pairs.tolist() if isinstance(pairs, np.ndarray) else pairs
    table.extend_rows(verdicts(texts, listed, config, weights))
    return table


def _start(config: Config, weights: Rarity) -> None:
    """In a worker: what it verifies with, from now on."""
    global _SETTINGS
    _SETTINGS = (config, weights)


def _verify_sent(sent: Sent) -> LinkTable:
    """In a worker: the links of one batch, its texts made again."""
    assert _SETTINGS is not None, "_start comes first"
    config, weights = _SETTINGS
    ids, words, content, pairs = sent
    return _verify(
        [Text(*text) for text in zip(ids, words, content, strict=True)], pairs, config, weights
    )
