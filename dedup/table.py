"""The clusters table: the report of a large run as Parquet, one row per clustered paragraph.

``dedup scan --format parquet -o DIR`` writes ``DIR/clusters/`` (Parquet files) and
``DIR/manifest.json`` (the report without its clusters: stats, warnings, skipped files, errors,
settings, the table's columns and row counts; ``schemas/manifest-v1.json``). The Spark engine
writes the table from its executors, so no driver ever holds every clustered paragraph; the
local engine writes the same rows from its report, so the two can be compared.

Each row is a member of a cluster, with its cluster's kind and similarity and the link to its
parent in the cluster's spanning tree (member 0 is the root). A cluster's id is a 64-bit hash
of its first member, the same on every machine and for any partitioning; the JSON report's
order is the order of ``CLUSTER_ORDER``. ``read_clusters`` turns a table back into the
report's clusters.
"""

from __future__ import annotations

import base64
import json
import os
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from importlib import resources
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from dedup.cluster import ranked
from dedup.config import Config
from dedup.errors import ConfigError
from dedup.gate import failing
from dedup.models import Cluster, ClusterLink, Kind, Member, Report
from dedup.reporters.json_report import clean, raw_path, report_dict
from dedup.stable_hash import stable_hash

SCHEMA_VERSION = 1
CLUSTERS = "clusters"  # the table's folder inside the output folder
MANIFEST = "manifest.json"
# The rows' key: sorted by it, two tables of the same scan are equal.
KEY = ("cluster", "member")
# The JSON report's cluster order, on the rows with member 0: most repeated words first, then
# the kind's rank (exact, near, contained, reworded), then the first member's place.
CLUSTER_ORDER = ("repeated_words desc", "kind_rank", "path", "start_line")

SCHEMA = pa.schema(
    [
        ("cluster", pa.int64()),  # stable id: a hash of the first member
        ("kind", pa.string()),  # the cluster's kind and similarity (its weakest link)
        ("kind_rank", pa.int32()),
        ("similarity", pa.float64()),
        ("size", pa.int32()),  # members in the cluster
        ("repeated_words", pa.int64()),  # the words of every copy but the longest
        ("member", pa.int32()),  # 0-based, in the report's member order
        ("path", pa.string()),  # undecodable bytes as \xNN, as in the JSON report
        ("path_bytes", pa.string()),  # base64 of a path that is not UTF-8, else null
        ("start_line", pa.int32()),
        ("end_line", pa.int32()),
        ("record", pa.int32()),  # JSON Lines: the 1-based record number, else null
        ("text", pa.string()),
        ("parent", pa.int32()),  # the member this one links to in the spanning tree (0: null)
        ("link_kind", pa.string()),
        ("link_similarity", pa.float64()),
        ("inner", pa.int32()),  # for a contained link: the member that lies inside the other
    ]
)
_SPARK_TYPES = {
    pa.int64(): "long",
    pa.int32(): "int",
    pa.float64(): "double",
    pa.string(): "string",
}
# The same schema in Spark's DDL (the Spark engine declares its output with it).
SPARK_DDL = ", ".join(f"{f.name} {_SPARK_TYPES[f.type]}" for f in SCHEMA)


def cluster_id(first: Member) -> int:
    """A signed 64-bit BLAKE2b of the first member's place and text (never Python's hash())."""
    return stable_hash(f"{first.path}\0{first.start_line}\0{first.end_line}\0{first.text}")


def _parents(cluster: Cluster) -> dict[int, ClusterLink]:
    """Each member's link to its parent, the spanning tree rooted at member 0."""
    around: dict[int, list[ClusterLink]] = defaultdict(list)
    for link in cluster.links:
        around[link.a].append(link)
        around[link.b].append(link)
    parent: dict[int, ClusterLink] = {}
    queue = deque([0])
    while queue:
        node = queue.popleft()
        for link in around[node]:
            other = link.b if link.a == node else link.a
            if other != 0 and other not in parent:
                parent[other] = link
                queue.append(other)
    return parent


def to_arrow(clusters: Iterable[Cluster]) -> pa.Table:
    """The table's rows of ``clusters`` (both engines call it, the Spark engine per cluster)."""
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for cluster in clusters:
        parents = _parents(cluster)
        head = {
            "cluster": cluster_id(cluster.members[0]),
            "kind": cluster.kind.value,
            "kind_rank": cluster.kind.rank,
            "similarity": cluster.similarity,
            "size": len(cluster.members),
            "repeated_words": cluster.repeated_words,
        }
        for index, member in enumerate(cluster.members):
            link = parents.get(index)
            row = {
                **head,
                "member": index,
                "path": clean(member.path),
                "path_bytes": raw_path(member.path),
                "start_line": member.start_line,
                "end_line": member.end_line,
                "record": member.record,
                "text": clean(member.text),
                "parent": None if link is None else (link.a if link.b == index else link.b),
                "link_kind": None if link is None else link.kind.value,
                "link_similarity": None if link is None else link.similarity,
                "inner": None if link is None else link.inner,
            }
            for name, value in row.items():
                columns[name].append(value)
    return pa.Table.from_pydict(columns, schema=SCHEMA)


def read_clusters(folder: str) -> list[Cluster]:
    """The clusters of a table, in the JSON report's order and numbered as it numbers them."""
    rows = pq.read_table(os.path.join(folder, CLUSTERS), schema=SCHEMA).to_pylist()
    by_cluster: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_cluster[row["cluster"]].append(row)
    return ranked(
        [_cluster(sorted(group, key=lambda r: r["member"])) for group in by_cluster.values()]
    )


def _cluster(rows: list[dict[str, Any]]) -> Cluster:
    members = tuple(
        Member(_path(r), r["start_line"], r["end_line"], r["text"], r["record"]) for r in rows
    )
    links = [
        ClusterLink(
            min(r["member"], r["parent"]),
            max(r["member"], r["parent"]),
            Kind(r["link_kind"]),
            r["link_similarity"],
            r["inner"],
        )
        for r in rows
        if r["parent"] is not None
    ]
    links.sort(key=lambda k: (-k.similarity, k.kind.rank, k.a, k.b))
    first = rows[0]
    return Cluster(0, Kind(first["kind"]), first["similarity"], members, tuple(links))


def _path(row: dict[str, Any]) -> str:
    raw = row["path_bytes"]
    path: str = row["path"]
    return path if raw is None else base64.b64decode(raw).decode("utf-8", "surrogateescape")


def check_table_settings(config: Config) -> None:
    """The table holds every cluster of the scan: no baseline marks, no changed-lines filter.

    Raises:
        ConfigError: such a setting is given.
    """
    for name, flag in (
        ("baseline", "--baseline or --update-baseline"),
        ("changed_since", "--changed-since"),
        ("staged", "--staged"),
    ):
        if getattr(config, name):
            raise ConfigError(f"--format parquet cannot be combined with {flag}")


@dataclass(frozen=True, slots=True)
class Written:
    """What a clusters table holds, counted where it was written."""

    rows: int
    clusters: int
    kinds: dict[str, int]  # clusters by kind
    failing: int  # clusters at or above the gate (``gate.failing``)


def write_local(report: Report, folder: str, config: Config) -> Written:
    """Write the table of ``report``'s clusters under ``folder`` (the local engine)."""
    clear(folder)
    table = to_arrow(report.clusters)
    fs, root = _filesystem(folder)
    fs.delete_dir_contents(f"{root}/{CLUSTERS}", missing_dir_ok=True)
    fs.create_dir(f"{root}/{CLUSTERS}")
    pq.write_table(table, f"{root}/{CLUSTERS}/part-00000.parquet", filesystem=fs)
    kinds: dict[str, int] = defaultdict(int)
    for cluster in report.clusters:
        kinds[cluster.kind.value] += 1
    at_gate = len(failing(report, config))
    return Written(table.num_rows, len(report.clusters), dict(kinds), at_gate)


def _filesystem(folder: str) -> tuple[pafs.FileSystem, str]:
    """The file system of ``folder`` (a local path, or a URI pyarrow knows: s3://, gs://,
    hdfs://) and the path within it.

    Raises:
        ConfigError: pyarrow cannot reach ``folder``.
    """
    if "://" not in folder:
        return pafs.LocalFileSystem(), os.path.abspath(folder).rstrip("/")
    try:
        fs, path = pafs.FileSystem.from_uri(folder)
    except (pa.ArrowException, ValueError) as exc:
        raise ConfigError(f"{folder}: cannot write the manifest there ({exc})") from None
    return fs, path.rstrip("/")


def clear(folder: str) -> None:
    """Make ``folder`` and remove an earlier manifest: a folder with a manifest holds a
    complete table, so a reader never takes a half-written one for the new one.

    Raises:
        ConfigError: ``folder`` cannot be made, or is a file.
    """
    fs, root = _filesystem(folder)
    try:
        if fs.get_file_info(root).type == pafs.FileType.File:
            raise ConfigError(f"{folder}: a file; --format parquet writes a folder")
        fs.create_dir(root)
        fs.delete_file(f"{root}/{MANIFEST}")
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ConfigError(f"cannot write {folder}: {exc}") from None


def manifest(report: Report, written: Written, config: Config) -> dict[str, Any]:
    """The manifest: the report without its clusters (and file list), and the table's shape."""
    data = report_dict(replace(report, clusters=(), files_scanned=()))
    del data["clusters"], data["files_scanned"]
    data["stats"]["clusters"] = written.clusters
    data["stats"]["clusters_by_kind"] = dict(sorted(written.kinds.items()))
    data["schema_version"] = SCHEMA_VERSION
    data["table"] = {
        "path": CLUSTERS,
        "format": "parquet",
        "rows": written.rows,
        "clusters": written.clusters,
        "key": list(KEY),
        "cluster_order": list(CLUSTER_ORDER),
        "columns": [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in SCHEMA],
    }
    data["settings"] = settings(config)
    return data


# Settings that change no result (or are machine paths) are left out of the manifest.
_NOT_SETTINGS = frozenset({"root", "jobs"})


def settings(config: Config) -> dict[str, Any]:
    """The scan's settings as JSON values."""
    return {
        f.name: _plain(getattr(config, f.name))
        for f in fields(config)
        if f.name not in _NOT_SETTINGS
    }


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Kind):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # a Path


def write_manifest(folder: str, data: dict[str, Any]) -> None:
    """Write ``manifest.json`` last: its presence marks a complete table."""
    text = json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"
    fs, root = _filesystem(folder)
    with fs.open_output_stream(f"{root}/{MANIFEST}") as stream:
        stream.write(text.encode("utf-8"))


def manifest_schema() -> dict[str, Any]:
    """The published JSON Schema of the manifest."""
    text = resources.files("dedup").joinpath("schemas/manifest-v1.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
