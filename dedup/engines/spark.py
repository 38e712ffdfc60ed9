"""The Spark engine: the scan's matching stages on Apache Spark, through DataFrames only.

The per-text work (content words, signatures and band keys, rarity masses, verification) is
the local engine's own code, called inside ``mapInArrow`` on Arrow batches; Spark does the
grouping, the joins and the connected components. Only DataFrame operations are used (no RDDs,
no ``checkpoint()``, no GraphFrames), so the same job runs on a classic cluster (``--master``)
and over Spark Connect (``--remote``).

Stages, each written to Parquet under the work folder so the next one reads a short plan:
1. exact collapse: paragraphs grouped by their words; a text's id is the id of its first
   paragraph, so text ids sort as the local engine's do and ties break the same way;
2. rarity: document frequency of each content word over the distinct texts, and its weight;
3. candidates: LSH band buckets, shared-sentence buckets and shared rare words, as in
   ``dedup.candidates``; a bucket over its cap links every member to its smallest id only;
4. verification of every candidate pair with ``dedup.verify.verify``;
5. connected components by large-star/small-star rounds (Kiveris et al. 2014);
6. ``dedup.cluster`` builds the same clusters the local engine builds: on the driver from the
   collected members and links, or, for the clusters table (``dedup.table``), per component
   on the executors, so no driver holds every clustered paragraph.

An allowlist's paragraphs become texts numbered after every paragraph id; they join the LSH
bands, and the scanned texts matching them (``dedup.allowlist``) are left out, as locally.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, StringType, StructType
from pyspark.util import is_remote_only

from dedup.allowlist import Example, allowlist_texts, matches
from dedup.candidates import (
    MAX_LSH_BUCKET,
    MAX_SENTENCE_BUCKET,
    RARE_MAX_PARTNERS,
    Capped,
    band_slices,
    rare_cap,
)
from dedup.cluster import clusters_of_components
from dedup.config import Config
from dedup.errors import ConfigError, InputError
from dedup.formats import plain
from dedup.models import Cluster, Kind, Link, Paragraph, Report, Warning_
from dedup.normalize import content_sequence
from dedup.pipeline import (
    REWORDED_MIN_SHARED,
    Collected,
    Found,
    after_scan,
    before_scan,
    capped_warning,
    collect,
    finish,
    long_warning,
    normalise_block,
    normalised_chars,
    too_long,
)
from dedup.rarity import Rarity, idf, quantized
from dedup.signatures import text_signatures
from dedup.stable_hash import stable_hash
from dedup.table import CLUSTERS, SPARK_DDL, Written, check_table_settings, to_arrow
from dedup.timings import Stopwatch, Timings
from dedup.verify import Text, verify

# Our batches are Arrow only; pyspark warns about pandas 3 whether pandas is used or not.
_PANDAS_WARNING = "PySpark does not yet fully support pandas"
# A classic session started by dedup: no web UI, no progress bars mixed into the report.
_QUIET = (
    ("spark.ui.enabled", "false"),
    ("spark.ui.showConsoleProgress", "false"),
    ("spark.log.level", "ERROR"),
)


@dataclass(frozen=True, slots=True)
class SparkOptions:
    """Where Spark runs and where it keeps the stages' tables."""

    master: str | None = None  # local[*], spark://..., yarn, k8s://...
    remote: str | None = None  # sc://host:port (Spark Connect)
    conf: tuple[tuple[str, str], ...] = ()
    work_dir: str | None = None  # a folder every executor can read; a temporary one by default


def session(options: SparkOptions) -> SparkSession:
    """A Spark session as ``options`` say (``local[*]`` when neither master nor remote).

    On a local master, ``PYSPARK_PYTHON`` is set to this interpreter unless it is set already.

    Raises:
        ConfigError: a master is asked of the thin Spark Connect client (no JVM to start).
    """
    builder: Any = SparkSession.builder.appName("dedup")
    if not options.remote and is_remote_only():
        raise ConfigError(
            "this pyspark is the Spark Connect client only (dedup[spark-connect]): give "
            "--remote sc://HOST:PORT, or pip install 'dedup[spark]' for --master"
        )
    if options.remote:
        builder = builder.remote(options.remote)
    else:
        master = options.master or "local[*]"
        builder = builder.master(master)
        for key, value in _QUIET:
            builder = builder.config(key, value)
        if master.startswith("local"):
            # Local workers run this interpreter, the one with dedup installed (pyspark reads
            # the variable when the session starts; its spark.pyspark.python setting does not
            # reach the workers of mapInArrow).
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in options.conf:
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", _PANDAS_WARNING)
        spark: SparkSession = builder.getOrCreate()
    return spark


def scan(
    paths: Sequence[str],
    config: Config,
    spark: SparkSession,
    work_dir: str | None = None,
    stages: Timings | None = None,
    avoid: Sequence[Path] = (),
    table: str | None = None,
) -> Scanned:
    """Scan ``paths`` as ``dedup.pipeline.scan`` does, the matching stages run by ``spark``.

    The files are walked and read here, on the driver, by the local engine's reader; a
    baseline, an allowlist and the changed-lines selection apply as they do locally. With
    ``table`` (a folder every executor writes to), the clusters are written there as the
    clusters table by the executors, and the report holds none.

    Raises:
        InputError: a path does not exist or is not a file or folder.
        ConfigError: an allowlist file cannot be read; a setting the table does not take.
    """
    started = time.perf_counter()
    watch = Stopwatch(stages, children=False)
    if table is not None:
        check_table_settings(config)
    before = before_scan(config)
    collected = collect(paths, config, None, avoid)
    watch.lap("read (driver)", collected.paragraph_count, "paragraphs")
    with _Work(spark, work_dir, stages) as work, warnings.catch_warnings():
        warnings.filterwarnings("ignore", _PANDAS_WARNING)
        frame = _paragraph_frame(spark, collected, details=table is not None)
        paragraphs = work.save(frame, "paragraphs")
        boundary = collected.paragraph_count  # allowlisted texts are numbered after every pid
        matched = _match(paragraphs, config, work, _allow_frame(spark, before.allow, boundary))
        clusters, written = _clusters(
            matched, work, config, table, lambda row: collected.paragraphs[row["pid"]], False
        )

    def path_of(first: int) -> str:  # a text's id is its first paragraph's
        return collected.paragraphs[first].path if first < boundary else "."

    found = _found(matched, clusters, path_of, _long_warnings(collected, config))
    return Scanned(after_scan(finish(collected, found, started), config, before), written)


@dataclass(frozen=True, slots=True)
class Scanned:
    """A scan's report; with a clusters table, the report holds no clusters and ``written``
    says what the table holds."""

    report: Report
    written: Written | None = None


def _long_warnings(collected: Collected, config: Config) -> list[Warning_]:
    """The local engine's warnings about texts too long to compare fuzzily, in text order."""
    seen: set[tuple[str, ...]] = set()
    found = []
    for paragraph, words in zip(collected.paragraphs, collected.words, strict=True):
        if words in seen:
            continue
        seen.add(words)
        if too_long(Text(paragraph.id, words, ()), config):
            found.append(long_warning(paragraph, config))
    return found


def _refuse(config: Config, *names: str) -> None:
    """Settings the Spark engine does not carry out: an error, never a silent difference."""
    for name in names:
        if getattr(config, name):
            raise ConfigError(f"{name.replace('_', '-')} is not supported by --engine spark yet")


class _Work:
    """The folder of the stages' Parquet tables (a temporary one is removed at the end)."""

    def __init__(
        self, spark: SparkSession, root: str | None, stages: Timings | None = None
    ) -> None:
        self.spark = spark
        self.stages = stages
        self.owned = root is None
        self.root = root if root is not None else tempfile.mkdtemp(prefix="dedup-spark-")

    def __enter__(self) -> _Work:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.owned:
            shutil.rmtree(self.root, ignore_errors=True)

    def save(self, frame: DataFrame, name: str) -> DataFrame:
        """Write ``frame`` and read it back: later stages start from the table, not the plan."""
        watch = self.stopwatch()
        path = f"{self.root.rstrip('/')}/{name}"
        frame.write.mode("overwrite").parquet(path)
        saved = self.spark.read.parquet(path)
        if self.stages is not None:  # counting the rows costs a job
            watch.lap(name, saved.count(), "rows")
        return saved

    def collect(self, frame: DataFrame, name: str) -> list[Any]:
        """The rows of ``frame``, on the driver."""
        watch = self.stopwatch()
        rows = frame.collect()
        watch.lap(name, len(rows), "rows")
        return rows

    def stopwatch(self) -> Stopwatch:
        """Times one stage for ``stages`` (the driver's CPU only: the JVM's is not known)."""
        return Stopwatch(self.stages, children=False)


# --- words in Arrow: lone surrogates (undecodable bytes) are not UTF-8, so they travel as
# "\xNN" (a backslash is never part of a word, so the escape cannot be confused with a word).
_SURROGATE = re.compile("[\udc00-\udcff]")
_ESCAPE = re.compile(r"\\x([0-9a-f]{2})")


def _escaped(word: str) -> str:
    if word.isascii():
        return word
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", word)


def _restored(word: str) -> str:
    if "\\" not in word:
        return word
    return _ESCAPE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), word)


def _words(escaped: Iterable[str]) -> tuple[str, ...]:
    return tuple(map(_restored, escaped))


def _paragraph_frame(spark: SparkSession, collected: Collected, details: bool) -> DataFrame:
    """The paragraphs' ids, words and sentence keys, sent from the driver; with ``details``,
    their places and texts too (for the clusters table, built on the executors)."""
    paragraphs = collected.paragraphs
    columns = {
        "pid": pa.array([p.id for p in paragraphs], pa.int64()),
        "words": pa.array([[_escaped(w) for w in ws] for ws in collected.words], _WORDS),
        "keys": pa.array(collected.sentence_keys, _KEYS),
    }
    if details:
        columns |= {
            "path": pa.array([_raw(p.path) for p in paragraphs], pa.binary()),
            "start_line": pa.array([p.start_line for p in paragraphs], pa.int32()),
            "end_line": pa.array([p.end_line for p in paragraphs], pa.int32()),
            "text": pa.array([_raw(p.source_text()) for p in paragraphs], pa.binary()),
            "record": pa.array([p.record for p in paragraphs], pa.int32()),
        }
    return spark.createDataFrame(pa.table(columns))


_WORDS = pa.list_(pa.string())
_KEYS = pa.list_(pa.int64())


def _raw(text: str) -> bytes:
    """Any text as bytes, lone surrogates (undecodable bytes) included: ``_text_of`` undoes it."""
    return text.encode("utf-8", "surrogatepass")


def _text_of(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")


# --- the per-batch functions (run in Spark's Python workers)
Batches = Iterator[pa.RecordBatch]


def _content_batch(batches: Batches) -> Batches:
    for batch in batches:
        texts = batch.column("words").to_pylist()
        restored = [_words(t) for t in texts]
        content = [[_escaped(w) for w in content_sequence(t)] for t in restored]
        chars = [normalised_chars(t) for t in restored]
        yield pa.RecordBatch.from_pydict(
            {
                "tid": batch.column("tid"),
                "content": pa.array(content, pa.list_(pa.string())),
                "chars": pa.array(chars, pa.int64()),
            }
        )


def _band_batch(config: Config, batches: Batches) -> Batches:
    for batch in batches:
        if batch.num_rows == 0:
            continue
        texts = [_words(t) for t in batch.column("words").to_pylist()]
        rows = text_signatures(texts, config.shingle_size, config.num_perm, config.seed)
        for number, band in enumerate(band_slices(rows, config.lsh_threshold)):
            keys = [row.tobytes() for row in np.ascontiguousarray(band)]
            yield pa.RecordBatch.from_pydict(
                {
                    "band": pa.array(np.full(batch.num_rows, number, dtype=np.int32)),
                    "key": pa.array(keys, pa.binary()),
                    "tid": batch.column("tid"),
                }
            )


def _weight_batch(texts: int, batches: Batches) -> Batches:
    """Each word's weight, and its exact integer form (``rarity.quantized``) that Spark sums."""
    for batch in batches:
        weights = [idf(texts, f) for f in batch.column("df").to_pylist()]
        yield pa.RecordBatch.from_pydict(
            {
                "word": batch.column("word"),
                "df": batch.column("df"),
                "weight": pa.array(weights, pa.float64()),
                "quantum": pa.array([quantized(w) for w in weights], pa.int64()),
            }
        )


def _mass_batch(texts: int, batches: Batches) -> Batches:
    """Each text's distinct content words in order, their weights, and their summed weight."""
    for batch in batches:
        words_out, weights_out, masses = [], [], []
        for pairs in batch.column("weighted").to_pylist():
            weights = {_restored(p["word"]): p["weight"] for p in pairs}
            ordered = sorted(weights)  # the order the local engine sums in
            words_out.append([_escaped(w) for w in ordered])
            weights_out.append([weights[w] for w in ordered])
            masses.append(Rarity({}, texts, weights).total(ordered))
        yield pa.RecordBatch.from_pydict(
            {
                "tid": batch.column("tid"),
                "cwords": pa.array(words_out, pa.list_(pa.string())),
                "cweights": pa.array(weights_out, pa.list_(pa.float64())),
                "mass": pa.array(masses, pa.int64()),
            }
        )


def _text(row: dict[str, Any], side: str) -> tuple[Text, dict[str, float]]:
    """A pair's text and its content words' weights (``cweights``, in the order of its sorted
    distinct content words): only the words and weights travel with every pair."""
    words = _words(row[f"words_{side}"])
    content = content_sequence(words)
    weights = dict(zip(sorted(set(content)), row[f"cweights_{side}"], strict=True))
    return Text(row[side], words, content), weights


def _verify_batch(config: Config, texts: int, batches: Batches) -> Batches:
    for batch in batches:
        out: dict[str, list[Any]] = {"a": [], "b": [], "kind": [], "similarity": [], "inner": []}
        for row in batch.to_pylist():
            a, weights_a = _text(row, "a")
            b, weights_b = _text(row, "b")
            link = verify(a, b, config, Rarity({}, texts, {**weights_a, **weights_b}))
            if link is None:
                continue
            out["a"].append(link.a)
            out["b"].append(link.b)
            out["kind"].append(link.kind.value)
            out["similarity"].append(link.similarity)
            out["inner"].append(link.inner)
        yield pa.RecordBatch.from_pydict(
            out,
            schema=pa.schema(
                [
                    ("a", pa.int64()),
                    ("b", pa.int64()),
                    ("kind", pa.string()),
                    ("similarity", pa.float64()),
                    ("inner", pa.int64()),
                ]
            ),
        )


# --- the stages
@dataclass(frozen=True, slots=True)
class _Matched:
    members: DataFrame  # (pid, tid, root[, path, start_line, end_line, text[, record]])
    links: DataFrame  # (a, b, kind, similarity, inner, root)
    texts: int
    candidates: int
    verified: int
    capped: Capped  # buckets paired as stars
    allowlisted: int  # paragraphs matching the allowlist


_DETAILS = ("path", "start_line", "end_line", "text", "record")


def _match(
    paragraphs: DataFrame, config: Config, work: _Work, allow: _Allow | None = None
) -> _Matched:
    """Every stage after reading, on ``paragraphs`` (pid, words, keys[, details]); ``allow``:
    the allowlisted paragraphs as texts, numbered after every pid."""
    texts, weights, n = _texts(paragraphs, work)
    candidates, capped_firsts = _candidates(texts, weights, n, config, work, allow)
    if allow is not None:
        candidates = work.save(candidates, "pairs-with-allowlist")
    allowed = _allowlisted(texts, allow, candidates, n, config, work)
    if allow is not None:  # pairs of scanned texts only, none allowlisted
        candidates = (
            candidates.filter(F.col("b") < F.lit(allow.first))
            .join(allowed.select(F.col("tid").alias("a")), "a", "left_anti")
            .join(allowed.select(F.col("tid").alias("b")), "b", "left_anti")
        )
    pairs = work.save(candidates, "pairs")
    summary = capped_firsts.agg(F.count("*").alias("buckets"), F.min("first").alias("first"))
    capped = Capped(*summary.collect()[0])
    links = work.save(_verified(texts, pairs, n, config), "links")
    roots = work.save(_clustered(texts, _components(links, work), allowed), "roots")
    details = [c for c in _DETAILS if c in paragraphs.columns]
    members = paragraphs.select("pid", "words", *details).join(
        texts.select("tid", "words"), "words"
    )
    members = members.join(roots, "tid").select("pid", "tid", "root", *details)
    rooted = links.join(roots.withColumnRenamed("tid", "a"), "a")
    dropped = 0
    if allow is not None:
        dropped = allowed.join(texts, "tid").agg(F.sum("copies")).collect()[0][0] or 0
    return _Matched(members, rooted, n, pairs.count(), links.count(), capped, dropped)


def _clusters(
    matched: _Matched,
    work: _Work,
    config: Config,
    table: str | None,
    paragraph: Callable[[Any], Paragraph],
    by_place: bool,
) -> tuple[list[Cluster], Written | None]:
    """The clusters, built on the driver from the collected members and links; or, with a
    ``table`` folder, built and written there by the executors (no cluster reaches the driver).

    ``by_place``: a text's occurrences are ordered by path and line (datasets) rather than by
    paragraph id (folders, whose ids are the walk order).
    """
    if table is not None:
        return [], _write_table(matched, work, config, table, by_place)
    members = work.collect(matched.members, "collect members")
    links = work.collect(matched.links, "collect links")
    return _assemble(members, links, paragraph, _place if by_place else _walk_order), None


def _found(
    matched: _Matched,
    clusters: list[Cluster],
    path_of: Callable[[int], str],
    long: Sequence[Warning_] = (),
) -> Found:
    capped = matched.capped
    extra: tuple[Warning_, ...] = tuple(long)
    if capped.buckets:
        where = path_of(capped.first) if capped.first is not None else "."
        extra += (capped_warning(capped, where),)
    return Found(
        clusters, matched.texts, matched.candidates, matched.verified, matched.allowlisted, extra
    )


def _texts(paragraphs: DataFrame, work: _Work) -> tuple[DataFrame, DataFrame, int]:
    """Distinct texts with their content words and rarity masses, the word weights, the count."""
    distinct = paragraphs.groupBy("words").agg(
        F.min("pid").alias("tid"),
        F.count("*").alias("copies"),
        F.min_by("keys", "pid").alias("keys"),  # the first occurrence's sentences
    )
    distinct = work.save(distinct, "distinct")
    n = distinct.count()
    content = distinct.select("tid", "words").mapInArrow(
        _content_batch, "tid long, content array<string>, chars long"
    )
    texts = work.save(distinct.join(content, "tid"), "texts-content")
    vocabulary = (
        texts.select(F.explode(F.array_distinct("content")).alias("word"))
        .groupBy("word")
        .agg(F.count("*").alias("df"))
    )
    weights = work.save(
        vocabulary.mapInArrow(
            partial(_weight_batch, n), "word string, df long, weight double, quantum long"
        ),
        "weights",
    )
    weighted = (
        texts.select("tid", F.explode(F.array_distinct("content")).alias("word"))
        .join(weights, "word")
        .groupBy("tid")
        .agg(F.collect_list(F.struct("word", "weight")).alias("weighted"))
    )
    masses = weighted.mapInArrow(
        partial(_mass_batch, n),
        "tid long, cwords array<string>, cweights array<double>, mass long",
    )
    texts = texts.join(masses, "tid", "left").select(
        "tid",
        "words",
        "content",
        "keys",
        "copies",
        "chars",
        F.size("words").alias("length"),
        F.coalesce("cwords", F.array().cast("array<string>")).alias("cwords"),
        F.coalesce("cweights", F.array().cast("array<double>")).alias("cweights"),
        F.coalesce("mass", F.lit(0).cast("long")).alias("mass"),
    )
    return work.save(texts, "texts"), weights, n


def _bucket_pairs(members: DataFrame, keys: list[str], cap: int) -> tuple[DataFrame, DataFrame]:
    """Pairs ``(a, b)``, ``a < b``, in the same bucket; past ``cap``, a star on the first (whose
    ids are returned too, one row per capped bucket)."""
    sizes = members.groupBy(*keys).agg(F.count("*").alias("size"), F.min("tid").alias("first"))
    sized = members.join(sizes, keys)
    small = sized.filter(F.col("size") <= cap)
    left = small.select(*keys, F.col("tid").alias("a"))
    right = small.select(*keys, F.col("tid").alias("b"))
    pairs = left.join(right, keys).filter(F.col("a") < F.col("b")).select("a", "b")
    star = sized.filter((F.col("size") > cap) & (F.col("tid") != F.col("first")))
    pairs = pairs.unionByName(star.select(F.col("first").alias("a"), F.col("tid").alias("b")))
    return pairs, sizes.filter(F.col("size") > cap).select("first")


def _fuzzy(texts: DataFrame, config: Config) -> DataFrame:
    """The texts compared fuzzily: long enough to shingle, short enough to align."""
    return texts.filter(
        (F.col("length") >= max(config.min_words, config.shingle_size))
        & (F.col("chars") <= config.max_paragraph_chars)  # longer: matched exactly only
    )


def _candidates(
    texts: DataFrame,
    weights: DataFrame,
    n: int,
    config: Config,
    work: _Work,
    allow: _Allow | None = None,
) -> tuple[DataFrame, DataFrame]:
    """Candidate pairs and the capped buckets' first ids. Allowlisted texts join the LSH
    buckets only, as in the local engine (they may make a bucket too big and a star)."""
    fuzzy = _fuzzy(texts, config)
    banded = fuzzy.select("tid", "words")
    if allow is not None:
        banded = banded.unionByName(_fuzzy(allow.texts, config).select("tid", "words"))
    bands = banded.mapInArrow(partial(_band_batch, config), "band int, key binary, tid long")
    lsh, lsh_capped = _bucket_pairs(work.save(bands, "bands"), ["band", "key"], MAX_LSH_BUCKET)
    sentences = fuzzy.select("tid", F.explode(F.array_distinct("keys")).alias("key"))
    shared, shared_capped = _bucket_pairs(sentences, ["key"], MAX_SENTENCE_BUCKET)
    union = lsh.unionByName(shared)
    if config.reworded:
        union = union.unionByName(_rare_pairs(fuzzy, weights, n, work))
    return union.distinct(), lsh_capped.unionByName(shared_capped)


def _rare_pairs(fuzzy: DataFrame, weights: DataFrame, n: int, work: _Work) -> DataFrame:
    rare = weights.filter(F.col("df") <= rare_cap(n)).select("word", "quantum")
    postings = fuzzy.select("tid", "mass", F.explode("cwords").alias("word")).join(rare, "word")
    left = postings.select(
        "word", "quantum", F.col("tid").alias("a"), F.col("mass").alias("mass_a")
    )
    right = postings.select("word", F.col("tid").alias("b"), F.col("mass").alias("mass_b"))
    # Integer weights (rarity.quantized): the sum is exact, so Spark may add in any order and
    # still match the local engine (candidates.rare_word_pairs) to the last unit.
    shared = (
        left.join(right, "word")
        .filter(F.col("a") < F.col("b"))
        .groupBy("a", "b")
        .agg(
            F.sum("quantum").alias("weight"),
            F.first("mass_a").alias("mass_a"),
            F.first("mass_b").alias("mass_b"),
        )
    )
    lighter = F.least("mass_a", "mass_b")
    passed = shared.select("a", "b", "weight", lighter.alias("lighter")).filter(
        F.col("weight") >= F.lit(REWORDED_MIN_SHARED) * F.col("lighter")
    )
    # Saved: both sides of the ranking below read it (as a plan, it was computed twice).
    passed = work.save(passed.select("a", "b", "weight"), "rare-pairs")
    # Each text keeps its strongest partners (most shared weight, then the smaller id), among
    # those above and below it alike; a pair stays when either side keeps it
    # (candidates.rare_word_pairs).
    both = passed.select(F.col("a").alias("text"), F.col("b").alias("partner"), "weight")
    both = both.unionByName(
        passed.select(F.col("b").alias("text"), F.col("a").alias("partner"), "weight")
    )
    strongest = Window.partitionBy("text").orderBy(F.desc("weight"), F.asc("partner"))
    ranked = both.select("text", "partner", F.row_number().over(strongest).alias("rank"))
    kept = ranked.filter(F.col("rank") <= RARE_MAX_PARTNERS)
    return kept.select(
        F.least("text", "partner").alias("a"), F.greatest("text", "partner").alias("b")
    ).distinct()


def _side(texts: DataFrame, side: str) -> DataFrame:
    return texts.select(
        F.col("tid").alias(side),
        *(F.col(c).alias(f"{c}_{side}") for c in ("words", "cweights")),
    )


def _verified(texts: DataFrame, pairs: DataFrame, n: int, config: Config) -> DataFrame:
    joined = pairs.join(_side(texts, "a"), "a").join(_side(texts, "b"), "b")
    return joined.mapInArrow(
        partial(_verify_batch, config, n),
        "a long, b long, kind string, similarity double, inner long",
    )


# --- connected components: large-star / small-star on edges (u, v), u > v
def _large_star(edges: DataFrame) -> DataFrame:
    both = edges.unionByName(edges.select(F.col("v").alias("u"), F.col("u").alias("v")))
    smallest = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (
        both.filter(F.col("v") > F.col("u"))
        .join(smallest, "u")
        .select(F.col("v").alias("u"), F.col("m").alias("v"))
        .distinct()
    )


def _small_star(edges: DataFrame) -> DataFrame:
    smallest = edges.groupBy("u").agg(F.min("v").alias("m"))
    spokes = (
        edges.join(smallest, "u")
        .filter(F.col("v") != F.col("m"))
        .select(F.col("v").alias("u"), F.col("m").alias("v"))
    )
    return spokes.unionByName(smallest.select("u", F.col("m").alias("v"))).distinct()


def _components(links: DataFrame, work: _Work) -> DataFrame:
    """``(tid, root)`` for every linked text, root the smallest text id of its component."""
    edges = work.save(
        links.select(F.col("b").alias("u"), F.col("a").alias("v")).distinct(), "edges-0"
    )
    rounds = 0
    while True:
        rounds += 1
        stars = work.save(_small_star(_large_star(edges)), f"edges-{rounds}")
        if stars.count() == edges.count() and stars.subtract(edges).isEmpty():
            break
        edges = stars
    roots = stars.select(F.col("v").alias("tid"), F.col("v").alias("root"))
    return stars.select(F.col("u").alias("tid"), F.col("v").alias("root")).unionByName(
        roots.distinct()
    )


def _clustered(texts: DataFrame, components: DataFrame, allowed: DataFrame) -> DataFrame:
    """``(tid, root)`` of every text in a cluster: linked, or repeated exactly (and not
    allowlisted)."""
    repeated = texts.filter(F.col("copies") > 1).select("tid", F.col("tid").alias("root"))
    repeated = repeated.join(allowed, "tid", "left_anti")
    return components.unionByName(repeated.join(components, "tid", "left_anti"))


# --- the allowlist (``dedup.allowlist``): texts numbered after every scanned paragraph id
@dataclass(frozen=True, slots=True)
class _Allow:
    texts: DataFrame  # (tid, words, keys, length, chars)
    first: int  # the first allowlisted text's id: every scanned id is smaller


def _allow_frame(spark: SparkSession, examples: list[Example], boundary: int) -> _Allow | None:
    """The allowlisted paragraphs as texts numbered from ``boundary``, or None."""
    allow = allowlist_texts(examples, boundary)
    if not allow.texts:
        return None
    table = pa.table(
        {
            "tid": pa.array([t.id for t in allow.texts], pa.int64()),
            "words": pa.array([[_escaped(w) for w in t.words] for t in allow.texts], _WORDS),
            "keys": pa.array(allow.sentences, _KEYS),
            "length": pa.array([len(t.words) for t in allow.texts], pa.int32()),
            "chars": pa.array([normalised_chars(t.words) for t in allow.texts], pa.int64()),
        }
    )
    return _Allow(spark.createDataFrame(table), boundary)


def _allowlisted(
    texts: DataFrame,
    allow: _Allow | None,
    candidates: DataFrame,
    n: int,
    config: Config,
    work: _Work,
) -> DataFrame:
    """``tid`` of the scanned texts matching an allowlisted paragraph (``allowlist.allowlisted``):
    equal words, or a match by ``allowlist.matches`` among the index pairs that cross the
    boundary and the texts sharing a sentence with an allowlisted one."""
    if allow is None:
        return texts.select("tid").limit(0)
    exact = texts.join(allow.texts.select("words"), "words", "left_semi").select("tid")
    crossing = candidates.filter(
        (F.col("a") < F.lit(allow.first)) & (F.col("b") >= F.lit(allow.first))
    ).select(F.col("a").alias("tid"), F.col("b").alias("boiler"))
    scanned_keys = texts.select("tid", F.explode(F.array_distinct("keys")).alias("key"))
    allow_keys = allow.texts.select(F.col("tid").alias("boiler"), F.explode("keys").alias("key"))
    sharing = scanned_keys.join(allow_keys, "key").select("tid", "boiler")
    pairs = crossing.unionByName(sharing).distinct().join(exact, "tid", "left_anti")
    scanned = texts.select("tid", "words", "content", "cwords", "cweights")
    boilers = allow.texts.select(F.col("tid").alias("boiler"), F.col("words").alias("boiler_words"))
    matched = (
        pairs.join(scanned, "tid")
        .join(boilers, "boiler")
        .mapInArrow(partial(_allow_batch, config, n), "tid long")
    )
    return work.save(exact.unionByName(matched).distinct(), "allowlisted")


def _allow_batch(config: Config, texts: int, batches: Batches) -> Batches:
    for batch in batches:
        found = []
        for row in batch.to_pylist():
            weights = dict(zip(_words(row["cwords"]), row["cweights"], strict=True))
            scanned = Text(row["tid"], _words(row["words"]), _words(row["content"]))
            boiler = Text(row["boiler"], _words(row["boiler_words"]), ())
            if matches(scanned, boiler, config, Rarity({}, texts, weights)):
                found.append(row["tid"])
        yield pa.RecordBatch.from_pydict({"tid": pa.array(found, pa.int64())})


# --- the clusters table (``dedup.table``), built per component on the executors
def _write_table(
    matched: _Matched, work: _Work, config: Config, folder: str, by_place: bool
) -> Written:
    """Write the clusters table under ``folder``: each component's clusters are built by
    ``dedup.cluster`` on an executor (a cogroup of its members and links) and become rows."""
    members = matched.members.select(
        "pid",
        "tid",
        "root",
        F.col("path").cast("binary").alias("path"),
        "start_line",
        "end_line",
        F.col("text").cast("binary").alias("text"),
        (F.col("record") if "record" in matched.members.columns else F.lit(None))
        .cast("int")
        .alias("record"),
    )
    # Both come from the roots table: saved, they are two tables, not one plan joined twice.
    members = work.save(members, "members")
    links = work.save(
        matched.links.select("a", "b", "kind", "similarity", "inner", "root"), "rooted-links"
    )
    rows = (
        members.groupBy("root")
        .cogroup(links.groupBy("root"))
        .applyInArrow(partial(_component_rows, by_place), SPARK_DDL)
    )
    watch = work.stopwatch()
    target = f"{folder.rstrip('/')}/{CLUSTERS}"
    rows.write.mode("overwrite").parquet(target)
    saved = work.spark.read.parquet(target)
    firsts = saved.filter(F.col("member") == 0)
    kinds = {r["kind"]: r["count"] for r in firsts.groupBy("kind").count().collect()}
    failing = firsts.filter(
        F.col("kind").isin([k.value for k in config.fail_on])
        & (F.col("similarity") >= F.lit(config.fail_similarity))
    ).count()
    written = Written(saved.count(), sum(kinds.values()), kinds, failing)
    watch.lap("clusters table", written.rows, "rows")
    return written


def _component_rows(by_place: bool, members: pa.Table, links: pa.Table) -> pa.Table:
    """The table rows of one component: its clusters as the local engine builds them."""
    rows = members.to_pylist()
    for row in rows:
        row["path"], row["text"] = _text_of(row["path"]), _text_of(row["text"])
    occurrences: dict[int, list[Paragraph]] = defaultdict(list)
    for row in sorted(rows, key=_place if by_place else _walk_order):
        occurrences[row["tid"]].append(_paragraph(row))
    found = [
        Link(r["a"], r["b"], Kind(r["kind"]), r["similarity"], r["inner"])
        for r in links.to_pylist()
    ]
    return to_arrow(clusters_of_components([(sorted(occurrences), found)], occurrences))


def _paragraph(row: dict[str, Any]) -> Paragraph:
    """A clustered paragraph of a members row."""
    record = row.get("record")
    return Paragraph(
        row["pid"], row["path"], row["start_line"], row["end_line"], row["text"], record
    )


def _walk_order(row: Any) -> int:
    return int(row["pid"])


def _place(row: Any) -> tuple[str, int, int]:
    return (row["path"], row["start_line"], row["pid"])


def _assemble(
    members: Iterable[Any],
    links: Iterable[Any],
    paragraph: Callable[[Any], Paragraph],
    order: Callable[[Any], Any],
) -> list[Cluster]:
    """The clusters of the collected members and links, built by ``dedup.cluster``.

    ``order`` puts each text's occurrences in order: its first is the one exact copies link to.
    """
    occurrences: dict[int, list[Paragraph]] = defaultdict(list)
    texts: dict[int, set[int]] = defaultdict(set)
    for row in sorted(members, key=order):
        occurrences[row["tid"]].append(paragraph(row))
        texts[row["root"]].add(row["tid"])
    by_root: dict[int, list[Link]] = defaultdict(list)
    for row in links:
        link = Link(row["a"], row["b"], Kind(row["kind"]), row["similarity"], row["inner"])
        by_root[row["root"]].append(link)
    components = [(sorted(ids), by_root[root]) for root, ids in texts.items()]
    return clusters_of_components(components, occurrences)


# --- datasets: JSON Lines or Parquet on any path Spark reads, one document per record
def scan_dataset(
    paths: Sequence[str],
    file_format: str,
    config: Config,
    spark: SparkSession,
    id_field: str = "id",
    work_dir: str | None = None,
    stages: Timings | None = None,
    table: str | None = None,
) -> Scanned:
    """Scan datasets of documents: ``config.text_field`` holds a record's text, ``id_field``
    names the record (it stands where a file path stands in the report). ``table`` as in
    ``scan``.

    Raises:
        InputError: a field is missing, or two records share an id.
        ConfigError: changed lines are asked for (a dataset has no git history); a setting
            the table does not take.
    """
    started = time.perf_counter()
    _refuse(config, "changed_since", "staged")
    if table is not None:
        check_table_settings(config)
    before = before_scan(config)
    with _Work(spark, work_dir, stages) as work, warnings.catch_warnings():
        warnings.filterwarnings("ignore", _PANDAS_WARNING)
        records = _records(spark, paths, file_format, config.text_field, id_field)
        missing = records.filter(F.col("text").isNull()).count()
        paragraphs = work.save(
            records.filter(F.col("text").isNotNull()).mapInArrow(_paragraph_batch, _PARAGRAPHS),
            "paragraphs",
        )
        count = paragraphs.count()
        if paragraphs.select("pid").distinct().count() != count:
            raise InputError(f"two records share an {id_field!r} value: give each its own id")
        short = paragraphs.filter(F.size("words") < config.min_words).count()
        last = paragraphs.agg(F.max("pid")).collect()[0][0]
        allow = _allow_frame(spark, before.allow, 0 if last is None else last + 1)
        matched = _match(paragraphs, config, work, allow)
        clusters, written = _clusters(
            matched, work, config, table, lambda row: _paragraph(row.asDict()), True
        )
        first = matched.capped.first
        located = paragraphs.filter(F.col("pid") == F.lit(first)).select("path").collect()
        too_long = (
            work.spark.read.parquet(f"{work.root.rstrip('/')}/texts")
            .filter(F.col("chars") > config.max_paragraph_chars)
            .join(paragraphs.withColumnRenamed("pid", "tid"), "tid")
            .select("tid", "path", "start_line", "end_line", "text")
            .collect()
        )
    long = sorted(
        (
            long_warning(
                Paragraph(r["tid"], r["path"], r["start_line"], r["end_line"], r["text"]),
                config,
            )
            for r in too_long
        ),
        key=lambda w: (w.path, w.message),
    )

    def path_of(_: int) -> str:
        return str(located[0]["path"]) if located else "."

    problem = f"{missing} records without a {config.text_field!r} string; skipped"
    warned = (Warning_(", ".join(paths), problem),) if missing else ()
    collected = Collected(len(paths), tuple(paths), (), (), warned, [], [], [], short, count)
    found = _found(matched, clusters, path_of, long)
    return Scanned(after_scan(finish(collected, found, started), config, before), written)


_PARAGRAPHS = (
    "pid long, path string, start_line int, end_line int, text string, "
    "words array<string>, keys array<bigint>"
)


def _records(
    spark: SparkSession, paths: Sequence[str], file_format: str, text_field: str, id_field: str
) -> DataFrame:
    frame = spark.read.format("json" if file_format == "jsonl" else file_format).load(list(paths))
    where = ", ".join(paths)
    for flag, name in (("--text-field", text_field), ("--id-field", id_field)):
        found = _field_type(frame.schema, name)
        if found is None:
            raise InputError(f"{where}: no field {name!r} in the records (choose it with {flag})")
        if flag == "--text-field" and not isinstance(found, StringType):
            raise InputError(f"{where}: field {name!r} holds {found.simpleString()}, not text")
    return frame.select(
        F.col(id_field).cast("string").alias("path"), F.col(text_field).alias("text")
    ).filter(F.col("path").isNotNull())


def _field_type(schema: StructType, name: str) -> DataType | None:
    """The type of field ``name`` (``meta.body`` reaches into a nested record), if there is one."""
    found: DataType = schema
    for part in name.split("."):
        if not isinstance(found, StructType) or part not in found.fieldNames():
            return None
        found = found[part].dataType
    return found


def paragraph_id(record: str, number: int) -> int:
    """A stable 64-bit id of a record's ``number``-th paragraph (the same on every machine)."""
    return stable_hash(f"{record}\0{number}")


def _paragraph_batch(batches: Batches) -> Batches:
    """Cut each record's text as plain text is cut, and normalise each block (the local code)."""
    for batch in batches:
        out: dict[str, list[Any]] = {name: [] for name in ("pid", *_DETAILS, "words", "keys")}
        for record, text in zip(
            batch.column("path").to_pylist(), batch.column("text").to_pylist(), strict=True
        ):
            for number, block in enumerate(plain.blocks(text)):
                piece = normalise_block(block)
                if not piece.words:
                    continue
                out["pid"].append(paragraph_id(record, number))
                out["path"].append(record)
                out["start_line"].append(piece.start_line)
                out["end_line"].append(piece.end_line)
                out["text"].append(piece.text)
                out["words"].append(list(piece.words))
                out["keys"].append(list(piece.sentence_keys))
        yield pa.RecordBatch.from_pydict(out, schema=_PARAGRAPH_SCHEMA)


_PARAGRAPH_SCHEMA = pa.schema(
    [
        ("pid", pa.int64()),
        ("path", pa.string()),
        ("start_line", pa.int32()),
        ("end_line", pa.int32()),
        ("text", pa.string()),
        ("words", pa.list_(pa.string())),
        ("keys", _KEYS),
    ]
)
