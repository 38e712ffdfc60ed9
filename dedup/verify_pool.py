"""Verification on more than one core: the scan's process verifies batches of candidate pairs
from the front of the list while worker processes verify batches from its back.

A worker forked from the scan would count the scan's whole memory once more (each process's
resident set holds the pages it shares with the scan), and one started by ``multiprocessing``
imports the scan's main module again. So a worker is a new interpreter running this module
(``python -m dedup.verify_pool``), which imports the verifier and nothing else of the scan. It
gets the settings and word weights once, then each batch's texts, through its standard input
(pickled: each word once per batch, so that its texts share one copy of it, whose hash is
computed once and which equal words match by identity); it answers each batch's links through
its standard output. Two threads per worker move the bytes, so that neither process
waits on a full pipe while it verifies. The links of every batch are put back in batch order:
the same links in the same order as verifying in one process, at any number of workers, and
a batch whose worker died or could not start is verified by the scan's process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from dedup.cluster import LinkTable
from dedup.config import Config
from dedup.rarity import Rarity
from dedup.verify import Text, verify_pairs

# Candidate pairs per batch: some 50 ms of verification, small enough to share out the last
# batches evenly, large enough that sending a batch costs little beside verifying it.
BATCH = 1 << 13
# Batches queued for each worker, so that it never waits for the next one.
AHEAD = 2

Pairs = npt.NDArray[np.int64]  # shape (n, 2): positions in the texts
# A batch as a worker gets it: the ids, words and content words of its texts, and its pairs as
# positions in those texts.
Sent = tuple[list[int], list[tuple[str, ...]], list[tuple[str, ...]], list[list[int]]]
_HEADER = 8  # bytes of a frame's length, little-endian


def verified(
    texts: Sequence[Text], pairs: Pairs, config: Config, weights: Rarity, workers: int
) -> LinkTable:
    """The links of every candidate pair, in pair order, with ``workers - 1`` worker processes
    helping this one (none when ``workers`` is 1, or for fewer than two batches)."""
    batches = [pairs[i : i + BATCH] for i in range(0, pairs.shape[0], BATCH)]
    found: list[LinkTable | None] = [None] * len(batches)
    if workers > 1 and len(batches) > 1:
        _share(batches, found, texts, config, weights, workers - 1)
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
    workers: int,
) -> None:
    """Verify ``batches`` into ``found``: here from the front, in the workers from the back.
    A batch a worker did not answer is left ``None``."""
    started = [w for w in (_Worker.start(config, weights) for _ in range(workers)) if w]
    front, back = 0, len(batches)
    try:
        while front < back:
            for worker in started:
                while worker.alive and len(worker.pending) < AHEAD and front < back:
                    back -= 1
                    worker.send(back, _sent(texts, batches[back]))
            found[front] = _verify(texts, batches[front], config, weights)
            front += 1
            for worker in started:
                worker.collect(found, wait=False)
        for worker in started:
            worker.collect(found, wait=True)
    finally:
        for worker in started:
            worker.stop()


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


class _Worker:
    """One worker process and the two threads that write its batches and read its links."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self.pending: set[int] = set()  # batches sent, not answered
        self.alive = True
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._inbox: queue.SimpleQueue[tuple[int, LinkTable] | None] = queue.SimpleQueue()
        self._threads = (
            threading.Thread(target=self._write, args=(process.stdin,), daemon=True),
            threading.Thread(target=self._read, args=(process.stdout,), daemon=True),
        )
        for thread in self._threads:
            thread.start()

    @classmethod
    def start(cls, config: Config, weights: Rarity) -> _Worker | None:
        """A worker with the settings and word weights, or ``None`` when none can start here."""
        if not sys.executable:  # an embedded interpreter: no Python to run
            return None
        home = str(Path(__file__).resolve().parent.parent)  # where this package is imported from
        paths = [home, *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
        except OSError:
            return None
        worker = cls(process)
        worker._outbox.put(pickle.dumps((config, weights), protocol=5))
        return worker

    def send(self, index: int, sent: Sent) -> None:
        self.pending.add(index)
        self._outbox.put(pickle.dumps((index, sent), protocol=5))

    def collect(self, found: list[LinkTable | None], wait: bool) -> None:
        """The links answered so far into ``found`` (with ``wait``: every pending batch's, or
        until the worker is gone)."""
        while self.pending and self.alive:
            try:
                answer = self._inbox.get(block=wait)
            except queue.Empty:
                return
            if answer is None:  # the worker is gone: its pending batches are left to us
                self.alive = False
                return
            index, table = answer
            self.pending.discard(index)
            found[index] = table

    def stop(self) -> None:
        self._outbox.put(None)  # closes its input: the worker ends
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for thread in self._threads:
            thread.join(timeout=10)

    def _write(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(OSError), stream:  # OSError: the worker is gone (the reader
            while (frame := self._outbox.get()) is not None:  # says so)
                stream.write(len(frame).to_bytes(_HEADER, "little"))
                stream.write(frame)
                stream.flush()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while (frame := _read_frame(stream)) is not None:
                self._inbox.put(pickle.loads(frame))
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
        self._inbox.put(None)


def _read_frame(stream: IO[bytes]) -> bytes | None:
    """One frame, or ``None`` at the end of the stream (or in a cut frame)."""
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        return None
    size = int.from_bytes(header, "little")
    frame = stream.read(size)
    return frame if len(frame) == size else None


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """A worker's loop: settings and weights, then batches, each answered with its links."""
    first = _read_frame(source)
    if first is None:
        return
    settings: tuple[Config, Rarity] = pickle.loads(first)
    config, weights = settings
    while (frame := _read_frame(source)) is not None:
        batch: tuple[int, Sent] = pickle.loads(frame)
        index, (ids, words, content, pairs) = batch
        texts = [Text(*text) for text in zip(ids, words, content, strict=True)]
        table = LinkTable()
        table.extend(verify_pairs(texts, pairs, config, weights))
        answer = pickle.dumps((index, table), protocol=5)
        sink.write(len(answer).to_bytes(_HEADER, "little"))
        sink.write(answer)
        sink.flush()


def _main() -> int:
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except (KeyboardInterrupt, BrokenPipeError):  # the scan was stopped: it reports that
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main())
