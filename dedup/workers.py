"""Lean worker processes: the other cores' share of a scan's verification (``verify_pool``,
through ``from_both_ends``) and of its candidates (``Aside``: the rare-word join, then LSH bands
from the last one on, ``Aside.alongside``).

A worker forked from the scan would count the scan's whole memory once more (each process's
resident set holds the pages it shares with the scan), and one started by ``multiprocessing``
imports the scan's main module again. So a worker is a new interpreter running this module
(``python -m dedup.workers``), which imports only what its tasks need. A task is a module-level
function and its arguments, pickled through the worker's standard input by a writer thread (so
that the scan never waits on a full pipe); the worker answers through its standard output,
read by a reader thread. Tasks run in the order they were sent. A worker that cannot start,
or dies, answers nothing more: ``Worker.results`` says so, and the scan does that work itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

_HEADER = 8  # bytes of a frame's length, little-endian

Task = Callable[..., Any]
T = TypeVar("T")
R = TypeVar("R")


class Worker:
    """One worker process and the two threads that write its tasks and read its answers."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self.pending: set[int] = set()  # tasks sent, not answered
        # answers that came while a caller collected its own (an ``Aside``'s, while its worker
        # shared other work): kept for whoever asks for them
        self.kept: dict[int, Any] = {}
        self.alive = True
        self._sent = 0
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._inbox: queue.SimpleQueue[tuple[int, Any] | None] = queue.SimpleQueue()
        self._threads = (
            threading.Thread(target=self._write, args=(process.stdin,), daemon=True),
            threading.Thread(target=self._read, args=(process.stdout,), daemon=True),
        )
        for thread in self._threads:
            thread.start()

    @classmethod
    def start(cls) -> Worker | None:
        """A new worker, or ``None`` when none can start here."""
        if not sys.executable:  # an embedded interpreter: no Python to run
            return None
        env = first_on_path(Path(__file__).resolve().parent.parent)  # this package's home
        try:
            command = [sys.executable, "-m", "dedup.workers"]
            pipe = subprocess.PIPE
            return cls(subprocess.Popen(command, stdin=pipe, stdout=pipe, env=env))
        except OSError:
            return None

    def send(self, task: Task, *args: Any) -> int:
        """Queue ``task(*args)`` (``args`` are pickled now); its number, for ``results``."""
        number = self._sent
        self._sent += 1
        self.pending.add(number)
        self._outbox.put(pickle.dumps((number, task, args), protocol=5))
        return number

    def results(self, wait: bool) -> list[tuple[int, Any]]:
        """The answers that came so far (with ``wait``: every pending one, or until the worker
        is gone; ``alive`` then turns false and what is still ``pending`` will not come)."""
        answers: list[tuple[int, Any]] = []
        while self.pending and self.alive:
            try:
                answer = self._inbox.get(block=wait)
            except queue.Empty:
                break
            if answer is None:
                self.alive = False
                break
            self.pending.discard(answer[0])
            answers.append(answer)
        return answers

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
                _write_frame(stream, frame)

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while (frame := _read_frame(stream)) is not None:
                self._inbox.put(pickle.loads(frame))
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
        self._inbox.put(None)


def first_on_path(folder: Path) -> dict[str, str]:
    """This environment with ``folder`` first on the module path: a new interpreter started
    with it imports the package found there (a worker, the scan's own; the benchmark's scan of
    an earlier commit, that commit's)."""
    paths = [str(folder), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


class Workers:
    """Up to ``count`` workers, started on first use and stopped on leaving the ``with``."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._started: list[Worker] | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self._started or ():
            worker.stop()

    def started(self) -> list[Worker]:
        """The workers that could start (none when ``count`` is 0)."""
        if self._started is None:
            self._started = [w for w in (Worker.start() for _ in range(self.count)) if w]
        return [w for w in self._started if w.alive]


class Aside(Generic[T]):
    """``task(*args)`` run by a worker of its own while this process goes on (``alone``: here,
    when asked); ``result`` waits for it. The worker ends with its one task, so the memory the
    task took ends with it (a worker's freed memory mostly stays with its process). With no
    worker, or one that dies first, this process runs the task when its result is asked."""

    def __init__(self, task: Callable[..., T], *args: Any, alone: bool = False) -> None:
        self.task, self.args = task, args
        self.worker = None if alone else Worker.start()
        self.number = self.worker.send(task, *args) if self.worker is not None else -1

    def alongside(
        self,
        count: int,
        here: Callable[[int], R],
        there: Callable[[int], tuple[Task, tuple[Any, ...]]],
        start: tuple[Task, tuple[Any, ...]],
    ) -> list[R]:
        """``from_both_ends`` of ``count`` items, with this task's worker taking items from the
        back once its task is done, after ``start`` (a task and its arguments: what the items
        need); with no worker, every item is done here. Items are sent one ahead, from the moment
        the worker's own task is answered: none waits behind that task."""
        if self.worker is None or not self.worker.alive:
            return [here(i) for i in range(count)]
        self.worker.send(start[0], *start[1])
        return from_both_ends(count, here, there, [self.worker], ahead=1)

    def result(self) -> T:
        """The task's result (asked once)."""
        if self.worker is not None:
            answers = self.worker.kept
            answers.update(self.worker.results(wait=True))
            self.worker.stop()
            self.worker = None
            if self.number in answers:
                answer: T = answers[self.number]
                return answer
        return self.task(*self.args)


def from_both_ends(
    count: int,
    here: Callable[[int], R],
    there: Callable[[int], tuple[Task, tuple[Any, ...]]],
    workers: Sequence[Worker],
    ahead: int = 2,
) -> list[R]:
    """The results of items ``0 .. count - 1``, in order: this process does them from the front
    (``here(i)``) while ``workers`` do them from the back (``there(i)``: the task to send and its
    arguments, whose result is ``here(i)``'s), each kept ``ahead`` tasks in hand, until they
    meet. An item a worker does not answer (it died, or could not start) is done here."""
    found: list[R | None] = [None] * count
    if count > 1 and workers:
        item_of: dict[tuple[int, int], int] = {}  # by (worker, task number)
        front, back = 0, count
        while front < back:
            for w, worker in enumerate(workers):
                while worker.alive and len(worker.pending) <= ahead and front < back:
                    back -= 1
                    task, args = there(back)
                    item_of[w, worker.send(task, *args)] = back
            found[front] = here(front)
            front += 1
            _collect(workers, item_of, found, wait=False)
        _collect(workers, item_of, found, wait=True)
    return [here(i) if result is None else result for i, result in enumerate(found)]


def _collect(
    workers: Sequence[Worker],
    item_of: dict[tuple[int, int], int],
    found: list[R | None],
    wait: bool,
) -> None:
    for w, worker in enumerate(workers):
        for number, result in worker.results(wait):
            if (w, number) in item_of:
                found[item_of[w, number]] = result
            else:  # the answer to a task sent before (settings, an aside's own task)
                worker.kept[number] = result


def _write_frame(stream: IO[bytes], frame: bytes) -> None:
    stream.write(len(frame).to_bytes(_HEADER, "little"))
    stream.write(frame)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    """One frame, or ``None`` at the end of the stream (or in a cut frame)."""
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        return None
    size = int.from_bytes(header, "little")
    frame = stream.read(size)
    return frame if len(frame) == size else None


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """A worker's loop: each task run in turn, its result answered with its number."""
    while (frame := _read_frame(source)) is not None:
        task: tuple[int, Task, tuple[Any, ...]] = pickle.loads(frame)
        del frame  # not held while the task runs
        number, function, args = task
        _write_frame(sink, pickle.dumps((number, function(*args)), protocol=5))


def _main() -> int:
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except (KeyboardInterrupt, BrokenPipeError):  # the scan was stopped: it reports that
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main())
