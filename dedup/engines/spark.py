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
6. the clustered paragraphs and links are collected and ``dedup.cluster`` builds the same
   clusters the local engine builds.
"""

from __future__ import annotations

import hashlib
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

from dedup.candidates import (
    MAX_LSH_BUCKET,
    MAX_SENTENCE_BUCKET,
    RARE_MAX_PARTNERS,
    RARE_MAX_POSTINGS,
    RARE_MAX_SHARE,
    RARE_MIN_POSTINGS,
    Capped,
    band_slices,
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
from dedup.rarity import Rarity, idf
from dedup.signatures import text_signatures
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
    """
    builder: Any = SparkSession.builder.appName("dedup")
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


# Told of each stage as it ends: its name, its wall seconds and the rows of its table.
StageReport = Callable[[str, float, int], None]


def scan(
    paths: Sequence[str],
    config: Config,
    spark: SparkSession,
    work_dir: str | None = None,
    stages: StageReport | None = None,
    avoid: Sequence[Path] = (),
) -> Report:
    """Scan ``paths`` as ``dedup.pipeline.scan`` does, the matching stages run by ``spark``.

    The files are walked and read here, on the driver, by the local engine's reader; a
    baseline and the changed-lines selection apply as they do locally.

    Raises:
        InputError: a path does not exist or is not a file or folder.
        ConfigError: an allowlist is set (the Spark engine does not read allowlists yet).
    """
    started = time.perf_counter()
    _refuse(config, "allowlist")
    before = before_scan(config)
    collected = collect(paths, config, None, avoid)
    if stages is not None:
        stages("read (driver)", time.perf_counter() - started, collected.paragraph_count)
    with _Work(spark, work_dir, stages) as work, warnings.catch_warnings():
        warnings.filterwarnings("ignore", _PANDAS_WARNING)
        paragraphs = work.save(_paragraph_frame(spark, collected), "paragraphs")
        matched = _match(paragraphs, config, work)
    found = _found(
        matched,
        lambda row: collected.paragraphs[row["pid"]],
        _walk_order,
        lambda first: collected.paragraphs[first].path,  # a text's id is its first paragraph's
        _long_warnings(collected, config),
    )
    return after_scan(finish(collected, found, started), config, before)


def _long_warnings(collected: Collected, config: Config) -> list[Warning_]:
    """The local engine's warnings about texts too long to compare fuzzily, in text order."""
    seen: set[tuple[str, ...]] = set()
    found = []
    for paragraph in collected.paragraphs:
        if paragraph.words in seen:
            continue
        seen.add(paragraph.words)
        if too_long(Text(paragraph.id, paragraph.words, ()), config):
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
        self, spark: SparkSession, root: str | None, stages: StageReport | None = None
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
        started = time.perf_counter()
        path = f"{self.root.rstrip('/')}/{name}"
        frame.write.mode("overwrite").parquet(path)
        saved = self.spark.read.parquet(path)
        if self.stages is not None:
            self.stages(name, time.perf_counter() - started, saved.count())
        return saved

    def collect(self, frame: DataFrame, name: str) -> list[Any]:
        """The rows of ``frame``, on the driver."""
        started = time.perf_counter()
        rows = frame.collect()
        if self.stages is not None:
            self.stages(name, time.perf_counter() - started, len(rows))
        return rows


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


def _paragraph_frame(spark: SparkSession, collected: Collected) -> DataFrame:
    """The paragraphs' ids, words and sentence keys, sent from the driver."""
    table = pa.table(
        {
            "pid": pa.array([p.id for p in collected.paragraphs], pa.int64()),
            "words": pa.array(
                [[_escaped(w) for w in p.words] for p in collected.paragraphs],
                pa.list_(pa.string()),
            ),
            "keys": pa.array(
                [[_escaped(k) for k in keys] for keys in collected.sentence_keys],
                pa.list_(pa.string()),
            ),
        }
    )
    return spark.createDataFrame(table)


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
    for batch in batches:
        frequencies = batch.column("df").to_pylist()
        yield pa.RecordBatch.from_pydict(
            {
                "word": batch.column("word"),
                "df": batch.column("df"),
                "weight": pa.array([idf(texts, f) for f in frequencies], pa.float64()),
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
            masses.append(Rarity({}, texts, weights).mass(ordered))
        yield pa.RecordBatch.from_pydict(
            {
                "tid": batch.column("tid"),
                "cwords": pa.array(words_out, pa.list_(pa.string())),
                "cweights": pa.array(weights_out, pa.list_(pa.float64())),
                "mass": pa.array(masses, pa.float64()),
            }
        )


def _rare_batch(min_share: float, batches: Batches) -> Batches:
    """Pairs whose shared rare words weigh enough (summed in word order, as locally)."""
    for batch in batches:
        keep, weights = [], []
        for shared, mass_a, mass_b in zip(
            batch.column("shared").to_pylist(),
            batch.column("mass_a").to_pylist(),
            batch.column("mass_b").to_pylist(),
            strict=True,
        ):
            total = 0.0
            for _, weight in sorted((_restored(s["word"]), s["weight"]) for s in shared):
                total += weight
            keep.append(total >= min_share * min(mass_a, mass_b))
            weights.append(total)
        with_weight = batch.select(["a", "b"]).append_column(
            "weight", pa.array(weights, pa.float64())
        )
        yield with_weight.filter(pa.array(keep, pa.bool_()))


def _text(row: dict[str, Any], side: str) -> tuple[Text, dict[str, float]]:
    words = _words(row[f"words_{side}"])
    content = _words(row[f"content_{side}"])
    weights = dict(zip(_words(row[f"cwords_{side}"]), row[f"cweights_{side}"], strict=True))
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
    members: list[Any]  # rows (pid, tid, root[, path, start_line, end_line, text])
    links: list[Any]  # rows (a, b, kind, similarity, inner, root)
    texts: int
    candidates: int
    verified: int
    capped: Capped  # buckets paired as stars


_DETAILS = ("path", "start_line", "end_line", "text")


def _match(paragraphs: DataFrame, config: Config, work: _Work) -> _Matched:
    """Every stage after reading, on ``paragraphs`` (pid, words, keys[, details])."""
    texts, weights, n = _texts(paragraphs, work)
    candidates, capped_firsts = _candidates(texts, weights, n, config, work)
    pairs = work.save(candidates, "pairs")
    summary = capped_firsts.agg(F.count("*").alias("buckets"), F.min("first").alias("first"))
    capped = Capped(*summary.collect()[0])
    links = work.save(_verified(texts, pairs, n, config), "links")
    roots = work.save(_clustered(texts, _components(links, work)), "roots")
    details = [c for c in _DETAILS if c in paragraphs.columns]
    members = paragraphs.select("pid", "words", *details).join(
        texts.select("tid", "words"), "words"
    )
    members = members.join(roots, "tid").select("pid", "tid", "root", *details)
    rooted = links.join(roots.withColumnRenamed("tid", "a"), "a")
    return _Matched(
        work.collect(members, "collect members"),
        work.collect(rooted, "collect links"),
        n,
        pairs.count(),
        links.count(),
        capped,
    )


def _found(
    matched: _Matched,
    paragraph: Callable[[Any], Paragraph],
    order: Callable[[Any], Any],
    path_of: Callable[[int], str],
    long: Sequence[Warning_] = (),
) -> Found:
    clusters = _assemble(matched.members, matched.links, paragraph, order)
    capped = matched.capped
    extra: tuple[Warning_, ...] = tuple(long)
    if capped.buckets:
        where = path_of(capped.first) if capped.first is not None else "."
        extra += (capped_warning(capped, where),)
    return Found(clusters, matched.texts, matched.candidates, matched.verified, 0, extra)


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
        vocabulary.mapInArrow(partial(_weight_batch, n), "word string, df long, weight double"),
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
        "tid long, cwords array<string>, cweights array<double>, mass double",
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
        F.coalesce("mass", F.lit(0.0)).alias("mass"),
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


def _candidates(
    texts: DataFrame, weights: DataFrame, n: int, config: Config, work: _Work
) -> tuple[DataFrame, DataFrame]:
    fuzzy = texts.filter(
        (F.col("length") >= max(config.min_words, config.shingle_size))
        & (F.col("chars") <= config.max_paragraph_chars)  # longer: matched exactly only
    )
    bands = fuzzy.select("tid", "words").mapInArrow(
        partial(_band_batch, config), "band int, key binary, tid long"
    )
    lsh, lsh_capped = _bucket_pairs(work.save(bands, "bands"), ["band", "key"], MAX_LSH_BUCKET)
    sentences = fuzzy.select("tid", F.explode(F.array_distinct("keys")).alias("key"))
    shared, shared_capped = _bucket_pairs(sentences, ["key"], MAX_SENTENCE_BUCKET)
    union = lsh.unionByName(shared)
    if config.reworded:
        union = union.unionByName(_rare_pairs(fuzzy, weights, n))
    return union.distinct(), lsh_capped.unionByName(shared_capped)


def _rare_pairs(fuzzy: DataFrame, weights: DataFrame, n: int) -> DataFrame:
    cap = min(RARE_MAX_POSTINGS, max(RARE_MIN_POSTINGS, int(RARE_MAX_SHARE * n)))
    rare = weights.filter(F.col("df") <= cap).select("word", "weight")
    postings = fuzzy.select("tid", F.explode("cwords").alias("word")).join(rare, "word")
    left = postings.select("word", "weight", F.col("tid").alias("a"))
    right = postings.select("word", F.col("tid").alias("b"))
    shared = (
        left.join(right, "word")
        .filter(F.col("a") < F.col("b"))
        .groupBy("a", "b")
        .agg(F.collect_list(F.struct("word", "weight")).alias("shared"))
    )
    masses = fuzzy.select("tid", "mass")
    shared = shared.join(
        masses.select(F.col("tid").alias("a"), F.col("mass").alias("mass_a")), "a"
    ).join(masses.select(F.col("tid").alias("b"), F.col("mass").alias("mass_b")), "b")
    passed = shared.mapInArrow(
        partial(_rare_batch, REWORDED_MIN_SHARED), "a long, b long, weight double"
    )
    # Each text keeps its strongest partners (most shared weight, then the smaller id); a pair
    # stays when either side keeps it (candidates.rare_word_pairs).
    by_a = Window.partitionBy("a").orderBy(F.desc("weight"), F.asc("b"))
    by_b = Window.partitionBy("b").orderBy(F.desc("weight"), F.asc("a"))
    ranked = passed.select(
        "a",
        "b",
        F.row_number().over(by_a).alias("rank_a"),
        F.row_number().over(by_b).alias("rank_b"),
    )
    kept = ranked.filter(
        (F.col("rank_a") <= RARE_MAX_PARTNERS) | (F.col("rank_b") <= RARE_MAX_PARTNERS)
    )
    return kept.select("a", "b")


def _side(texts: DataFrame, side: str) -> DataFrame:
    return texts.select(
        F.col("tid").alias(side),
        *(F.col(c).alias(f"{c}_{side}") for c in ("words", "content", "cwords", "cweights")),
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


def _clustered(texts: DataFrame, components: DataFrame) -> DataFrame:
    """``(tid, root)`` of every text in a cluster: linked, or repeated exactly."""
    repeated = texts.filter(F.col("copies") > 1).select("tid", F.col("tid").alias("root"))
    return components.unionByName(repeated.join(components, "tid", "left_anti"))


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
    stages: StageReport | None = None,
) -> Report:
    """Scan datasets of documents: ``config.text_field`` holds a record's text, ``id_field``
    names the record (it stands where a file path stands in the report).

    Raises:
        InputError: a field is missing, or two records share an id.
    """
    started = time.perf_counter()
    _refuse(config, "allowlist", "changed_since", "staged")
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
        matched = _match(paragraphs, config, work)
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
                Paragraph(r["tid"], r["path"], r["start_line"], r["end_line"], r["text"], ()),
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
    collected = Collected(len(paths), tuple(paths), (), (), warned, [], [], short, count)
    found = _found(
        matched,
        lambda row: Paragraph(
            row["pid"], row["path"], row["start_line"], row["end_line"], row["text"], ()
        ),
        _place,
        path_of,
        long,
    )
    return after_scan(finish(collected, found, started), config, before)


_PARAGRAPHS = (
    "pid long, path string, start_line int, end_line int, text string, "
    "words array<string>, keys array<string>"
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
    key = f"{record}\0{number}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True)


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
        ("keys", pa.list_(pa.string())),
    ]
)
