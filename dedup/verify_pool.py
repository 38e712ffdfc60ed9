"""Verification on more than one core: the scan's process verifies batches of candidate pairs
from the front of the list while lean workers (``dedup/workers.py``) verify batches from its
back, until they meet.

A worker gets the settings and word weights once, then each batch's texts, pickled: each word
once per batch, so that its texts share one copy of it, whose hash is computed once and which
equal words match by identity. The links of every batch are put back in batch order: the same
links in the same order as verifying in one process, at any number of workers; a batch that a
worker did not answer (it died, or could not start) is verified by the scan's process.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dedup.cluster import LinkTable
from dedup.config import Config
from dedup.rarity import Rarity
from dedup.verify import Text, verify_pairs
from dedup.workers import Worker, Workers

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
    """The links of every candidate pair, in pair order, ``workers`` helping this process (not
    for fewer than two batches)."""
    batches = [pairs[i : i + BATCH] for i in range(0, pairs.shape[0], BATCH)]
    found: list[LinkTable | None] = [None] * len(batches)
    if len(batches) > 1:
        _share(batches, found, texts, config, weights, workers.started())
    links = LinkTable()
    for index, table in enumerate(found):
        links.merge(_verify(texts, batches[index], config, weights) if table is None else table)
    return links


def _share(
    batches: list[Pairs],
    found: list[LinkTable | None],
    texts: Sequence[Text],
    config: Config,
    weights: Rarity,
    workers: list[Worker],
) -> None:
    """Verify ``batches`` into ``found``: here from the front, in the workers from the back.
    A batch a worker did not answer is left ``None``."""
    for worker in workers:
        worker.send(_start, config, weights)
    front, back = 0, len(batches)
    batch_of: dict[tuple[int, int], int] = {}  # by (worker, task number)
    while front < back:
        for w, worker in enumerate(workers):
            while worker.alive and len(worker.pending) <= AHEAD and front < back:
                back -= 1
                batch_of[w, worker.send(_verify_sent, _sent(texts, batches[back]))] = back
        found[front] = _verify(texts, batches[front], config, weights)
        front += 1
        _collect(workers, batch_of, found, wait=False)
    _collect(workers, batch_of, found, wait=True)


def _collect(
    workers: list[Worker],
    batch_of: dict[tuple[int, int], int],
    found: list[LinkTable | None],
    wait: bool,
) -> None:
    for w, worker in enumerate(workers):
        for number, table in worker.results(wait):
            if (w, number) in batch_of:  # not the answer to ``_start``
                found[batch_of[w, number]] = table


def _sent(texts: Sequence[Text], pairs: Pairs) -> Sent:
    positions, local = np.unique(pairs, return_inverse=True)
    chosen = [texts[p] for p in positions.tolist()]
    return (
        [t.id for t in chosen],
        [t.words for t in chosen],
        [t.content for t in chosen],
        local.reshape(-1, 2).tolist(),
    )


def _verify(texts: Sequence[Text], pairs: Pairs, config: Config, weights: Rarity) -> LinkTable:
    table = LinkTable()
    table.extend(verify_pairs(texts, pairs.tolist(), config, weights))
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
    texts = [Text(*text) for text in zip(ids, words, content, strict=True)]
    table = LinkTable()
    table.extend(verify_pairs(texts, pairs, config, weights))
    return table
