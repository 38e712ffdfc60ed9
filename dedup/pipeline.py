"""``scan``: the whole pipeline, from paths to a ``Report``.

The per-file stage (read, decode, split, normalise) is a pure function of one file, run in a
process pool when the input is large; its results are consumed in walk order, so the report is
the same whatever the number of workers.
"""

from __future__ import annotations

import ctypes
import gc
import os
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np

from dedup import candidates, verify_pool
from dedup.allowlist import Example, allowlist_texts, allowlisted
from dedup.baseline import Baseline, from_report, mark
from dedup.baseline import load as load_baseline
from dedup.candidates import (
    I64,
    MAX_LSH_BUCKET,
    Capped,
    PairArray,
    RarePostings,
    SentenceKeys,
    band_codes,
    bands_and_rows,
    capped_code_pairs,
    capped_lsh_pairs,
    counted_postings,
    keep_shingles,
    kept_band_codes,
    rare_join,
    rare_postings,
    shared_sentence_pairs,
    union_pairs,
)
from dedup.changes import Changes, changed_lines, only_changed
from dedup.cluster import Group, LinkTable, clusters_of_groups, groups
from dedup.config import Config
from dedup.errors import ConfigError
from dedup.models import (
    Block,
    Cluster,
    Document,
    FileError,
    Paragraph,
    Report,
    Skipped,
    SourceFile,
    Stats,
    Warning_,
)
from dedup.normalize import content_sequences, sentence_texts, words
from dedup.paragraphs import split_document
from dedup.rarity import Rarity, TextWords, counted
from dedup.reader import Job, read_marked
from dedup.reread import Wanted, digest, texts_again
from dedup.signatures import U32, signature_columns, signatures, text_shingles
from dedup.stable_hash import stable_hash
from dedup.timings import Stopwatch, Timings
from dedup.verify import Text
from dedup.walk import walk
from dedup.workers import Aside, Workers

# A sentence needs this many words to be a candidate key: shorter ones repeat by chance.
MIN_SENTENCE_WORDS = 8
# Below this much input a process pool costs more than it saves.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
# Below this many candidate pairs, verification workers cost more than they save.
PARALLEL_MIN_PAIRS = 100_000
# Below this many (text, rare word) entries, the rare-word join is not worth a worker's start.
PARALLEL_MIN_POSTINGS = 200_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Piece:
    """A block of a document after normalisation."""

    start_line: int
    end_line: int
    text: str
    # The normalised words joined by spaces (no word holds one): a worker process sends one
    # string, not one per word, and the scan looks a repeated text up before splitting it.
    joined: str
    sentence_keys: tuple[int, ...]  # the ``stable_hash`` of each long sentence's words
    record: int | None = None

    @property
    def words(self) -> tuple[str, ...]:
        """The normalised words."""
        return tuple(self.joined.split(" ")) if self.joined else ()


@dataclass(frozen=True, slots=True)
class Pieces:
    """A file's pieces as columns: what a worker process sends the scan.

    A few tuples a file are made, pickled and unpickled in 0.67 s of CPU for 300k paragraphs,
    where one object a paragraph took 1.74 s to pickle and unpickle; and a scan that does not
    keep the texts gets their ``digest`` instead of the texts: half the bytes.
    """

    lines: tuple[int, ...]  # the start and the end line of each piece, one after the other
    joined: tuple[str, ...]
    sentence_keys: tuple[tuple[int, ...], ...]
    records: tuple[int | None, ...]
    texts: tuple[str, ...]  # empty when the texts are not kept
    digests: tuple[int, ...]  # the ``digest`` of each text, when the texts are not kept

    @classmethod
    def of(cls, pieces: Sequence[Piece], keep_text: bool) -> Pieces:
        """The columns of ``pieces``; their texts, or the texts' digests."""
        texts = tuple(p.text for p in pieces)
        return cls(
            tuple(chain.from_iterable((p.start_line, p.end_line) for p in pieces)),
            tuple(p.joined for p in pieces),
            tuple(p.sentence_keys for p in pieces),
            tuple(p.record for p in pieces),
            texts if keep_text else (),
            () if keep_text else tuple(map(digest, texts)),
        )


@dataclass(frozen=True, slots=True)
class FileResult:
    """What the per-file stage returns for one file."""

    outcome: Document | Skipped | FileError
    warnings: tuple[Warning_, ...]
    pieces: tuple[Piece, ...]
    ignored: int = 0  # paragraphs under an ignore marker


def process_file(
    source: SourceFile,
    max_bytes: int,
    text_field: str = "text",
    encoding: str | None = None,
    binary_as_text: bool = False,
) -> FileResult:
    """Read, decode, split and normalise one file (a pure function of the file)."""
    outcome, warning, marked = read_marked(
        (source, max_bytes, text_field, encoding, binary_as_text)
    )
    warnings: tuple[Warning_, ...] = (warning,) if warning is not None else ()
    if not isinstance(outcome, Document):
        return FileResult(outcome, warnings, ())
    split = split_document(outcome, text_field)
    problems = (*marked.problems, *split.problems)
    warnings += tuple(Warning_(outcome.path, problem) for problem in problems)
    kept, suppressed = marked.split(split.blocks)
    pieces = tuple(normalise_block(block) for block in kept)
    ignored = sum(bool(words(block.prose)) for block in suppressed)
    return FileResult(Document(outcome.path, "", outcome.format), warnings, pieces, ignored)


def normalise_block(block: Block) -> Piece:
    """The words and sentence keys of one block (a pure function: both engines call it)."""
    parts = sentence_texts(block.prose)
    # a sentence's words are joined by single spaces: MIN_SENTENCE_WORDS words or more
    keys = tuple(stable_hash(p) for p in parts if p.count(" ") >= MIN_SENTENCE_WORDS - 1)
    return Piece(block.start_line, block.end_line, block.text, " ".join(parts), keys, block.record)


def _process(job: Job, keep_text: bool) -> tuple[FileResult, Pieces]:
    """The per-file stage of ``job`` as a worker sends it: its pieces as columns."""
    result = process_file(*job)
    return replace(result, pieces=()), Pieces.of(result.pieces, keep_text)


def _worker_count(config: Config, files: Sequence[SourceFile]) -> int:
    if config.jobs:
        return config.jobs
    if sum(f.size for f in files) < PARALLEL_MIN_BYTES:
        return 1
    return _cores()


def _jobs(files: Sequence[SourceFile], config: Config) -> list[Job]:
    return [
        (f, config.max_file_size, config.text_field, config.encoding, config.binary_as_text)
        for f in files
    ]


def _results(
    files: Sequence[SourceFile], config: Config, keep_text: bool
) -> Iterator[tuple[FileResult, Pieces]]:
    """The per-file stage of every file, in order (in worker processes when the input is
    large; they start with the scan, while the parent process is small)."""
    jobs = _jobs(files, config)
    workers = _worker_count(config, files)
    process = partial(_process, keep_text=keep_text)
    if workers == 1 or len(files) < 2:
        yield from map(process, jobs)
        return
    chunk = max(1, min(64, len(files) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(process, jobs, chunksize=chunk)


@dataclass(frozen=True, slots=True)
class Collected:
    """The paragraphs of a scan in walk order, and what happened to every file."""

    files_seen: int
    scanned: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    errors: tuple[FileError, ...]
    warnings: tuple[Warning_, ...]
    paragraphs: list[Paragraph]
    words: list[tuple[str, ...]]  # per paragraph: its normalised words (one tuple per text)
    # per paragraph; empty for a repeat of an earlier text (only a first occurrence gives them)
    sentence_keys: list[tuple[int, ...]]
    short: int  # paragraphs below min_words
    # how many paragraphs in all (a dataset read by Spark gives the count, not the list)
    paragraph_count: int
    # per paragraph: its text's number, texts numbered in the order they first come
    text_ids: array[int] = field(default_factory=lambda: array("i"))
    ignored: int = 0  # paragraphs under an ignore marker
    # where to read the paragraphs' texts again, when they were not kept (``keep_text``)
    sources: Sources | None = None
    # the most characters of a normalised text (``normalised_chars``); None: not measured
    longest: int | None = None


@dataclass(frozen=True, slots=True)
class Sources:
    """Where each paragraph's text is, for a scan that does not hold the texts (the largest part
    of its memory): only the clustered paragraphs' are read again, after matching."""

    files: dict[str, SourceFile]  # by display path: the files scanned
    blocks: array[int]  # per paragraph: its place among the blocks its file keeps (JSON Lines)
    digests: array[int]  # per paragraph: the ``digest`` of its text: was it edited since?


@dataclass(frozen=True, slots=True)
class Found:
    """What the matching stages found, whichever engine ran them."""

    clusters: list[Cluster]
    distinct_texts: int
    candidate_pairs: int
    verified_pairs: int
    allowlisted: int = 0  # paragraphs matching the allowlist
    warnings: tuple[Warning_, ...] = ()  # about the matching (buckets paired as stars)


def scan(
    paths: Sequence[str],
    config: Config,
    progress: Progress | None = None,
    avoid: Sequence[Path] = (),
    timings: Timings | None = None,
) -> Report:
    """Scan ``paths`` and return the clustered repeats.

    ``avoid``: files never read (the report being written, the settings file), listed as skipped;
    the baseline and allowlist files are never read as documents either. ``timings``: told of
    each stage as it ends (``dedup/timings.py``).

    With ``config.baseline`` the clusters and their copies are marked new or accepted; with
    ``changed_since`` or ``staged`` only the clusters touching changed lines are kept.

    Raises:
        InputError: a path does not exist or is not a file or folder.
        ConfigError: an ``exclude`` pattern is invalid, or an allowlist file cannot be read.
        BaselineError: the baseline file is missing, malformed or from a newer dedup.
        ChangesError: git is missing, the root is not in a repository, or the revision unknown.
    """
    with without_cycle_collection():
        return _scan(paths, config, progress, avoid, Stopwatch(timings))


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Reference counting alone while a scan runs (the collector's state is restored after).

    A scan holds millions of objects (words, word tuples, paragraphs) in no reference cycle,
    and Python's full collections walked all of them again and again: 18 % of the CPU time of
    a 300k-paragraph scan (README "Performance"). What little cyclic garbage a scan makes (10
    objects in that scan) waits for the collector's first run after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _scan(
    paths: Sequence[str],
    config: Config,
    progress: Progress | None,
    avoid: Sequence[Path],
    watch: Stopwatch,
) -> Report:
    started = time.perf_counter()
    before = before_scan(config)
    collected = collect(paths, config, progress, avoid, keep_text=False)
    watch.lap("reading", collected.paragraph_count, "paragraphs")  # the settings' files too
    occurrences, texts, text_sentences = _distinct_texts(
        collected.paragraphs, collected.words, collected.sentence_keys, collected.text_ids
    )
    # the texts hold the words from here on: let them go with the texts, before clustering
    collected = replace(collected, paragraphs=[], words=[], sentence_keys=[], text_ids=array("i"))
    # most scans hold no text over max_paragraph_chars: no need to measure every one
    any_long = collected.longest is None or collected.longest > config.max_paragraph_chars
    long_warnings = [
        long_warning(occurrences[t.id][0], config)
        for t in (texts if any_long else ())
        if too_long(t, config)
    ]
    weights, numbered = counted(t.content for t in texts)
    scanned = _scanned_postings(texts, numbered, weights, config, any_long)
    del numbered  # before the candidates: their peak is the scan's
    _return_freed_memory()  # reading's, before a worker may start for the candidates
    watch.lap("exact repeats and rarity", len(texts), "distinct texts")
    allowed, pairs, capped = _allowlisted(
        texts, text_sentences, before.allow, config, weights, any_long, scanned
    )
    del text_sentences, scanned  # the candidates' alone: freed before verification's memory
    extra = (*long_warnings, *((_capped_warning(capped, occurrences),) if capped.buckets else ()))
    allowlisted = sum(len(occurrences[t]) for t in allowed)
    for text_id in allowed:
        occurrences[text_id] = []
    _return_freed_memory()  # the candidates', before the verification worker starts
    watch.lap("candidates", len(pairs), "pairs")
    links = _verified(texts, pairs, config, weights)
    watch.lap("verification", len(links), "links")
    counts = (len(texts), len(pairs), len(links))
    del texts, pairs, weights  # not needed from here on: free them for the clusters
    found_groups = groups([len(o) for o in occurrences], links)
    del links
    watch.lap("spanning trees", len(found_groups), "groups")
    texts_again = None
    if collected.sources is not None:
        found_groups, texts_again, changed = _read_again(
            found_groups, occurrences, collected.sources, config
        )
        errors = tuple(sorted((*collected.errors, *changed), key=lambda e: e.path))
        collected = replace(collected, errors=errors)
        watch.lap("reading again", len(texts_again), "paragraphs")
    clusters = clusters_of_groups(found_groups, occurrences, texts_again)
    found = Found(clusters, *counts, allowlisted, extra)
    report = after_scan(finish(collected, found, started), config, before)
    watch.lap("clusters", len(report.clusters), "clusters")
    return report


def collect(
    paths: Sequence[str],
    config: Config,
    progress: Progress | None = None,
    avoid: Sequence[Path] = (),
    keep_text: bool = True,
) -> Collected:
    """Walk ``paths``, then read, split and normalise every file (in worker processes if large).

    Without ``keep_text`` the paragraphs have no text: ``Collected.sources`` says where it is.

    Raises:
        InputError: a path does not exist or is not a file or folder.
        ConfigError: an ``exclude`` pattern is invalid.
    """
    settings_files = [p for p in (config.baseline, *config.allowlist) if p is not None]
    walked = walk(paths, config, [*avoid, *settings_files])
    skipped, errors = list(walked.skipped), list(walked.errors)
    warnings: list[Warning_] = []
    scanned: list[str] = []
    paragraphs: list[Paragraph] = []
    paragraph_words: list[tuple[str, ...]] = []
    sentence_keys: list[tuple[int, ...]] = []
    shared = _Shared()
    short = ignored = longest = 0
    files = {f.display: f for f in walked.files}
    blocks, digests, text_ids = array("i"), array("q"), array("i")
    for done, (result, pieces) in enumerate(_results(walked.files, config, keep_text), start=1):
        if progress is not None:
            progress(done, len(walked.files))
        warnings.extend(result.warnings)
        ignored += result.ignored
        if isinstance(result.outcome, Skipped):
            skipped.append(result.outcome)
            continue
        if isinstance(result.outcome, FileError):
            errors.append(result.outcome)
            continue
        path = result.outcome.path
        scanned.append(path)
        lines = pieces.lines
        count = len(pieces.joined)
        columns = zip(
            pieces.joined,
            pieces.sentence_keys,
            pieces.records,
            pieces.texts or repeat(None, count),
            pieces.digests or repeat(0, count),
            strict=True,
        )
        for number, (joined, keys, record, text, checksum) in enumerate(columns):
            if not joined:
                continue
            tokens, text_id, seen = shared.words(joined)
            text_ids.append(text_id)
            short += len(tokens) < config.min_words
            longest = max(longest, len(joined))  # its words and the single spaces between them
            if not keep_text:
                blocks.append(number)
                digests.append(checksum)
            paragraphs.append(
                Paragraph(
                    len(paragraphs),
                    path,
                    lines[2 * number],
                    lines[2 * number + 1],
                    None if text is None else shared.text(text),
                    record,
                )
            )
            paragraph_words.append(tokens)
            # Only a text's first occurrence gives its sentence keys (``_distinct_texts``).
            sentence_keys.append(() if seen else keys)
    return Collected(
        files_seen=len(walked.files) + len(walked.skipped) + len(walked.errors),
        scanned=tuple(scanned),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        errors=tuple(sorted(errors, key=lambda e: e.path)),
        warnings=tuple(sorted(warnings, key=lambda w: w.path)),
        paragraphs=paragraphs,
        words=paragraph_words,
        sentence_keys=sentence_keys,
        short=short,
        paragraph_count=len(paragraphs),
        ignored=ignored,
        sources=None if keep_text else Sources(files, blocks, digests),
        longest=longest,
        text_ids=text_ids,
    )


def finish(collected: Collected, found: Found, started: float) -> Report:
    """The report of a scan: the files, the clusters and the counts."""
    stats = Stats(
        files_seen=collected.files_seen,
        files_scanned=len(collected.scanned),
        paragraphs=collected.paragraph_count,
        short_paragraphs=collected.short,
        distinct_texts=found.distinct_texts,
        candidate_pairs=found.candidate_pairs,
        verified_pairs=found.verified_pairs,
        seconds=round(time.perf_counter() - started, 3),
        ignored_paragraphs=collected.ignored,
        allowlisted_paragraphs=found.allowlisted,
    )
    return Report(
        files_scanned=collected.scanned,
        skipped=collected.skipped,
        errors=collected.errors,
        warnings=tuple(sorted((*collected.warnings, *found.warnings), key=lambda w: w.path)),
        clusters=tuple(found.clusters),
        stats=stats,
    )


@dataclass(frozen=True, slots=True)
class Before:
    """What the settings accept and select, read before any scanning (so errors come first)."""

    accepted: Baseline | None
    changes: Changes | None
    allow: list[Example]


def before_scan(config: Config) -> Before:
    """The baseline, the changed lines and the allowlist examples the settings name."""
    return Before(*_before_scan(config))


def after_scan(report: Report, config: Config, before: Before) -> Report:
    """The report kept to the changed lines, and marked against the baseline, as set."""
    if before.changes is not None:
        report = only_changed(report, before.changes)
    accepted = from_report(report) if config.update_baseline else before.accepted
    return report if accepted is None else mark(report, accepted, config)


def _before_scan(config: Config) -> tuple[Baseline | None, Changes | None, list[Example]]:
    """What the settings accept and select, read before any scanning (so errors come first)."""
    accepted = None
    if config.baseline is not None and not config.update_baseline:
        accepted = load_baseline(config.baseline)
    changes = None
    if config.changed_since is not None or config.staged:
        root = Path(os.path.abspath(config.root))
        changes = changed_lines(root, config.changed_since, config.staged)
    pieces: list[Example] = []
    for path in config.allowlist:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ConfigError(f"allowlist {path}: {exc.strerror or exc}") from None
        source = SourceFile(path, str(path), True, size)
        result = process_file(
            source, config.max_file_size, config.text_field, config.encoding, config.binary_as_text
        )
        outcome = result.outcome
        if isinstance(outcome, Skipped):
            raise ConfigError(f"allowlist {path}: {outcome.reason}")
        if isinstance(outcome, FileError):
            raise ConfigError(f"allowlist {path}: {outcome.message}")
        pieces.extend((p.words, p.sentence_keys) for p in result.pieces)
    return accepted, changes, pieces


def normalised_chars(words: Sequence[str]) -> int:
    """The length of the normalised text: its words and the single spaces between them."""
    return sum(map(len, words)) + len(words) - 1


def too_long(text: Text, config: Config) -> bool:
    """Whether a text is over ``max_paragraph_chars``: it is then matched exactly only."""
    return normalised_chars(text.words) > config.max_paragraph_chars


def long_warning(first: Paragraph, config: Config) -> Warning_:
    return Warning_(
        first.path,
        f"line {first.start_line}: a paragraph of over {config.max_paragraph_chars} characters "
        "is matched exactly only (raise max-paragraph-chars to compare it fuzzily)",
    )


def _capped_warning(capped: Capped, occurrences: Sequence[Sequence[Paragraph]]) -> Warning_:
    """One warning per scan: candidate buckets over the cap were paired as stars.

    It names the file of the first such bucket's first text (the schema wants a path).
    """
    first = capped.first if capped.first is not None else 0
    path = occurrences[first][0].path if first < len(occurrences) else "."
    return capped_warning(capped, path)


def capped_warning(capped: Capped, path: str) -> Warning_:
    """The warning about buckets paired as stars, located at ``path`` (both engines give it)."""
    return Warning_(
        path,
        f"{capped.buckets} candidate bucket(s) held more than {MAX_LSH_BUCKET} texts (many "
        "variants of one paragraph, or one sentence in many); each was paired as a star, every "
        "text with the bucket's first only, so near copies among them may be missed",
    )


def _allowlisted(
    texts: list[Text],
    text_sentences: SentenceKeys,
    examples: list[Example],
    config: Config,
    weights: Rarity,
    any_long: bool,
    scanned: RarePostings | None,
) -> tuple[frozenset[int], PairArray, Capped]:
    """The texts matching the allowlist, the candidate pairs among the other texts, and the
    candidate buckets paired as stars (``any_long``: whether a scanned text may be over
    ``max_paragraph_chars``; ``scanned``: the scanned texts' rare-word entries, ``None`` when
    the reworded tier is off).

    The allowlisted paragraphs join the MinHash index (so they find their copies at no extra
    cost), with no sentence keys (so the scanned texts' sentence buckets stay as they are).
    """
    n = len(texts)
    allow = allowlist_texts(examples, n)
    both = [*texts, *allow.texts]
    any_long = any_long or any(too_long(t, config) for t in allow.texts)
    # the allowlist's texts have no sentence keys: the scanned texts' buckets stay as they are
    pairs, capped = _candidates(both, text_sentences, config, weights, any_long, scanned)
    if not allow.texts:
        return frozenset(), pairs, capped
    found = allowlisted(texts, text_sentences, allow, map(tuple, pairs.tolist()), config, weights)
    out = np.isin(pairs, np.fromiter(found, dtype=np.int64, count=len(found))) | (pairs >= n)
    return found, pairs[~out.any(axis=1)], capped


class _Shared:
    """One copy of each word, word sequence and paragraph text, however many paragraphs repeat
    them.

    Worker processes send every paragraph's words as new strings; kept as they come, a scan of
    300k paragraphs holds millions of copies of the same few thousand words.
    """

    def __init__(self) -> None:
        self.vocabulary: dict[str, str] = {}
        self.numbers: dict[str, int] = {}  # texts' numbers, by their words joined by spaces
        self.sequences: list[tuple[str, ...]] = []  # each text's words, by number
        self.texts: dict[str, str] = {}

    def text(self, text: str) -> str:
        """The shared copy of a paragraph's source text."""
        return self.texts.setdefault(text, text)

    def words(self, joined: str) -> tuple[tuple[str, ...], int, bool]:
        """The shared copy of the words ``joined`` by spaces, their text's number (texts are
        numbered as they first come), and whether they were seen before (a repeat is found
        without splitting it, and its number without hashing its words again)."""
        number = self.numbers.get(joined)
        if number is not None:
            return self.sequences[number], number, True
        tokens = joined.split(" ")
        known = tuple(map(self.vocabulary.setdefault, tokens, tokens))
        number = self.numbers[joined] = len(self.sequences)
        self.sequences.append(known)
        return known, number, False


def _return_freed_memory() -> None:
    """Give the memory freed so far back to the system, where the C library can (glibc's
    ``malloc_trim``; elsewhere nothing is done).

    glibc keeps freed memory for reuse, and after numpy frees a large array it serves arrays of
    up to that size from the same heap, so the candidates' arrays, freed, stayed in the scan's
    resident set through verification: at 300k paragraphs, 350 MB after the candidates, 316
    after this (and 275 -> 260 MB after reading), while a worker adds its own.
    """
    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # this process's C library
    except (OSError, TypeError):  # no C library to load by that name (Windows)
        return
    if trim is not None:
        trim(0)


def _verified(
    texts: Sequence[Text], pairs: PairArray, config: Config, weights: Rarity
) -> LinkTable:
    """Verify every candidate pair (the links in ``verify_pool.verified``'s order); from
    ``PARALLEL_MIN_PAIRS`` pairs on, with ``jobs - 1`` workers helping (with 0, one per core
    but this one, at most 7)."""
    helpers = (config.jobs or _cores()) - 1 if pairs.shape[0] >= PARALLEL_MIN_PAIRS else 0
    with Workers(helpers) as workers:
        return verify_pool.verified(texts, pairs, config, weights, workers)


def _cores() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _read_again(
    found: list[Group], occurrences: list[list[Paragraph]], sources: Sources, config: Config
) -> tuple[list[Group], dict[int, str], list[FileError]]:
    """The groups kept, the clustered paragraphs' texts by paragraph id, read again from their
    files (``dedup/reread.py``), and the files that changed.

    A file edited since it was read (a paragraph's text is not the one matched) gives an error
    and the groups with a paragraph in it are left out: the scan is then incomplete. In this
    process: a worker's share did not pay (2.51 against 2.49 s at 1M paragraphs,
    ``benchmarks/HISTORY.md``), and a process started now, from the scan at its largest,
    counts the scan's memory once more until it runs its own program.
    """
    wanted: dict[str, list[Wanted]] = defaultdict(list)
    blocks, digests = sources.blocks, sources.digests
    for group in found:
        for text_id in group.text_ids:
            for p in occurrences[text_id]:
                wanted[p.path].append((p.id, p.start_line, p.end_line, blocks[p.id], digests[p.id]))
    paths = sorted(wanted)
    jobs = _jobs([sources.files[p] for p in paths], config)
    read = map(texts_again, jobs, [wanted[p] for p in paths])
    texts: dict[int, str] = {}
    changed: list[FileError] = []
    for path, again in zip(paths, read, strict=True):
        if isinstance(again, str):
            message = f"changed while it was scanned ({again}); its repeats are left out"
            changed.append(FileError(path, message + ": scan again"))
        else:
            texts.update(again)
    gone = {error.path for error in changed}
    kept = found
    if gone:  # most scans: no file changed, no group to look through
        kept = [
            group
            for group in found
            if not any(p.path in gone for t in group.text_ids for p in occurrences[t])
        ]
    return kept, texts, changed


def _distinct_texts(
    paragraphs: Sequence[Paragraph],
    paragraph_words: Sequence[tuple[str, ...]],
    sentence_keys: Sequence[tuple[int, ...]],
    text_ids: Iterable[int],
) -> tuple[list[list[Paragraph]], list[Text], SentenceKeys]:
    """Collapse exact repeats: one ``Text`` per distinct normalised text, in walk order, and
    the texts' sentence keys.

    ``text_ids``: per paragraph, the number of its text, texts numbered in the order they
    first come (as reading numbers them: ``text_numbers``).
    """
    occurrences: list[list[Paragraph]] = []
    distinct: list[tuple[str, ...]] = []
    text_sentences: list[tuple[int, ...]] = []
    columns = zip(paragraphs, paragraph_words, sentence_keys, text_ids, strict=True)
    for paragraph, tokens, keys, text_id in columns:
        if text_id == len(occurrences):
            occurrences.append([])
            distinct.append(tokens)
            text_sentences.append(keys)
        occurrences[text_id].append(paragraph)
    contents = content_sequences(distinct)
    texts = [Text(i, tokens, contents[i]) for i, tokens in enumerate(distinct)]
    return occurrences, texts, SentenceKeys.of(enumerate(text_sentences))


def text_numbers(paragraph_words: Iterable[tuple[str, ...]]) -> list[int]:
    """Each paragraph's text number for ``_distinct_texts``, from its words: texts numbered in
    the order they first come (reading numbers them so as it goes)."""
    numbers: dict[tuple[str, ...], int] = {}
    return [numbers.setdefault(words, len(numbers)) for words in paragraph_words]


def _candidates(
    texts: Sequence[Text],
    text_sentences: SentenceKeys,
    config: Config,
    weights: Rarity,
    any_long: bool,
    scanned: RarePostings | None,
) -> tuple[PairArray, Capped]:
    fuzzy_min = _fuzzy_min(config)
    # Texts over max_paragraph_chars are matched exactly only too: aligning them would cost
    # too much (B14).
    if any_long and any(too_long(t, config) for t in texts):
        texts = [t for t in texts if not too_long(t, config)]
    reworded = (
        _reworded_candidates(texts, fuzzy_min, weights, config, scanned)
        if scanned is not None
        else None
    )
    fuzzy = [t for t in texts if len(t.words) >= fuzzy_min]
    # the sentences first: their buckets' memory is gone before the rare-word worker's peak
    sentence_pairs, sentence_capped = shared_sentence_pairs(
        text_sentences.only(t.id for t in fuzzy)
    )
    lexical_pairs, lsh_capped = _lexical_candidates(fuzzy, config, reworded)
    reworded_pairs = reworded.result() if reworded else np.empty((0, 2), dtype=np.int64)
    pairs = union_pairs(lexical_pairs, reworded_pairs, sentence_pairs)
    return pairs, lsh_capped.plus(sentence_capped)


# Candidates for the reworded tier share rare words worth this share of the lighter text's
# content-word weight (chosen on the tune part of MRPC: see README "Accuracy").
REWORDED_MIN_SHARED = 0.25


def _fuzzy_min(config: Config) -> int:
    """The fewest words of a text that is matched otherwise than exactly.

    Short texts are matched exactly only: with a handful of words one changed word is a
    different text, and fewer words than the shingle size would give an empty shingle set.
    """
    return max(config.min_words, config.shingle_size)


def _scanned_postings(
    texts: Sequence[Text], numbered: TextWords, weights: Rarity, config: Config, any_long: bool
) -> RarePostings | None:
    """The rare-word entries of the scanned ``texts`` that the reworded tier pairs (``None``
    when it is off), from their words as ``counted`` numbered them."""
    if not config.reworded:
        return None
    fuzzy_min = _fuzzy_min(config)
    kept = np.fromiter(
        (
            len(t.words) >= fuzzy_min and bool(t.content) and not (any_long and too_long(t, config))
            for t in texts
        ),
        dtype=np.bool_,
        count=len(texts),
    )
    return counted_postings(numbered, kept, weights)


def _reworded_candidates(
    texts: Sequence[Text], fuzzy_min: int, weights: Rarity, config: Config, scanned: RarePostings
) -> Aside[PairArray]:
    """The reworded tier's candidates (``rare_word_pairs``, in two steps): from
    ``PARALLEL_MIN_POSTINGS`` entries on, with more than one job, a worker joins the rare
    words while this process finds the other candidates. ``scanned``: the entries of the
    scanned texts (the ids ``weights`` counted), to which the allowlist's texts add theirs."""
    added = [
        (t.id, t.content)
        for t in texts
        if t.id >= weights.texts and len(t.words) >= fuzzy_min and t.content
    ]
    postings = scanned.plus(rare_postings(added, weights)) if added else scanned
    alone = (config.jobs or _cores()) < 2 or postings.owners.shape[0] < PARALLEL_MIN_POSTINGS
    # the partner cap read now, not when the function was defined (``benchmarks/partners.py``)
    partners = candidates.RARE_MAX_PARTNERS
    return Aside(rare_join, postings, REWORDED_MIN_SHARED, partners, alone=alone)


def _lexical_candidates(
    texts: Sequence[Text], config: Config, beside: Aside[Any] | None = None
) -> tuple[PairArray, Capped]:
    """The LSH pairs of ``texts`` (in id order), their signatures made one band at a time;
    ``beside``: a task whose worker makes bands from the last one on once its task is done
    (at 300k paragraphs the rare-word join ends before this process's bands do)."""
    shingles = text_shingles([t.words for t in texts], config.shingle_size)
    bands, width = bands_and_rows(config.lsh_threshold, config.num_perm)
    columns = [slice(band * width, (band + 1) * width) for band in range(bands)]
    keys = np.fromiter((t.id for t in texts), dtype=np.int64, count=len(texts))

    def here(band: int) -> tuple[I64, I64]:
        return band_codes(signature_columns(shingles, config.num_perm, config.seed, columns[band]))

    if beside is None or keys.shape[0] < 2:
        return capped_code_pairs(keys, map(here, range(bands)))
    found = beside.alongside(
        bands,
        here,
        lambda band: (kept_band_codes, (columns[band],)),
        (keep_shingles, (shingles, config.num_perm, config.seed)),
    )
    return capped_code_pairs(keys, found)


def _lsh(
    keys: list[int], sets: list[U32], threshold: float, config: Config
) -> tuple[PairArray, Capped]:
    """The LSH candidate pairs of shingle sets (``benchmarks/signals.py`` compares sets)."""
    return capped_lsh_pairs(keys, signatures(sets, config.num_perm, config.seed), threshold)
