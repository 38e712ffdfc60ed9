"""The JSON report: a stable, versioned shape, separate from the internal model.

Byte-identical for the same input: sorted keys, no timings, no absolute paths, no NaN, and text
that was not valid UTF-8 shown with backslash escapes instead of lone surrogates.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from dedup import __version__
from dedup.models import Cluster, ClusterLink, Kind, Member, Report

SCHEMA_VERSION = 1


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code - 0xDC00:02x}" if 0xDC00 <= code <= 0xDCFF else f"\\u{code:04x}"


def clean(text: str) -> str:
    """Text safe for any JSON reader: an undecodable byte ``b`` (kept by the reader as the lone
    surrogate U+DC00+b) appears as ``\\xNN``; no lone surrogate reaches the output."""
    return text if text.isascii() else _SURROGATE.sub(_escaped, text)


def raw_path(path: str) -> str | None:
    """Base64 of the bytes of a file name that is not valid UTF-8 (None for every other name).

    Its escaped text (``clean``) cannot be told apart from a name that really holds ``\\xNN``;
    the bytes can, as in ripgrep's JSON.
    """
    if not _SURROGATE.search(path):
        return None
    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # not from a file system: nothing better than the text
        return None
    return base64.b64encode(data).decode("ascii")


def _path_bytes(paths: Iterable[str]) -> dict[str, Any]:
    """The optional top-level ``path_bytes`` map: escaped path -> base64 of its raw bytes."""
    found = {clean(p): raw for p in set(paths) if (raw := raw_path(p)) is not None}
    return {"path_bytes": dict(sorted(found.items()))} if found else {}


def _cluster(cluster: Cluster) -> dict[str, Any]:
    state = cluster.baseline_state
    return {
        **({"baseline_state": state.value} if state is not None else {}),
        "id": cluster.id,
        "kind": cluster.kind.value,
        "similarity": cluster.similarity,
        "members": [_member(m) for m in cluster.members],
        "links": [_link(k) for k in cluster.links],
    }


def _member(m: Member) -> dict[str, Any]:
    return {
        "path": clean(m.path),
        **({"path_bytes": raw} if (raw := raw_path(m.path)) is not None else {}),
        "start_line": m.start_line,
        "end_line": m.end_line,
        "text": clean(m.text),
        **({"record": m.record} if m.record is not None else {}),
        **({"new": m.new} if m.new is not None else {}),
    }


def _link(link: ClusterLink) -> dict[str, Any]:
    return {
        "a": link.a,
        "b": link.b,
        "kind": link.kind.value,
        "similarity": link.similarity,
        **({"inner": link.inner} if link.inner is not None else {}),
    }


# What ``_FLAT`` writes for a string (it escapes every non-ASCII character).
_STRING = json.encoder.encode_basestring_ascii
# ... and for each kind (an enum's ``value`` is a Python-level property: looked up a million
# times in a large report).
_KINDS = {kind: _STRING(kind.value) for kind in Kind}


def _member_line(m: Member) -> str:
    """``_FLAT.encode(_member(m))``, written directly (a test holds the two equal): the report
    of a large scan has hundreds of thousands of members, and this takes a quarter of the time."""
    return "".join(
        (
            f'{{"end_line": {m.end_line}, ',
            "" if m.new is None else f'"new": {"true" if m.new else "false"}, ',
            _path_part(m.path),
            "" if m.record is None else f'"record": {m.record}, ',
            f'"start_line": {m.start_line}, "text": {_STRING(clean(m.text))}}}',
        )
    )


@lru_cache(maxsize=1 << 14)
def _path_part(path: str) -> str:
    """A member line's ``path`` and ``path_bytes`` fields: made once per file, not per member."""
    raw = raw_path(path)
    return f'"path": {_STRING(clean(path))}, ' + (
        "" if raw is None else f'"path_bytes": {_STRING(raw)}, '
    )


def _link_line(link: ClusterLink) -> str:
    """``_FLAT.encode(_link(link))``, written directly (a test holds the two equal)."""
    if not math.isfinite(link.similarity):
        raise ValueError(f"a link's similarity is {link.similarity}")
    inner = "" if link.inner is None else f'"inner": {link.inner}, '
    return (
        f'{{"a": {link.a}, "b": {link.b}, {inner}"kind": {_KINDS[link.kind]}, '
        f'"similarity": {float.__repr__(link.similarity)}}}'
    )


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain data, in the shape of ``schemas/report-v1.json``."""
    return _fields(report, [_cluster(c) for c in report.clusters])


@dataclass(frozen=True, slots=True)
class _Clusters:
    """The clusters, each turned into plain data only when it is written (the plain data of
    every member at once would be most of a large scan's memory)."""

    clusters: Sequence[Cluster]


def _fields(report: Report, clusters: list[dict[str, Any]] | _Clusters) -> dict[str, Any]:
    stats = report.stats
    kinds: dict[str, int] = {}
    for c in report.clusters:
        kinds[c.kind.value] = kinds.get(c.kind.value, 0) + 1
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dedup", "version": __version__},
        "files_scanned": [clean(p) for p in report.files_scanned],
        "skipped": [{"path": clean(s.path), "reason": s.reason} for s in report.skipped],
        "errors": [{"path": clean(e.path), "message": e.message} for e in report.errors],
        "warnings": [{"path": clean(w.path), "message": w.message} for w in report.warnings],
        "stats": {
            "files": stats.files_scanned,
            "paragraphs": stats.paragraphs,
            "short_paragraphs": stats.short_paragraphs,
            "distinct_texts": stats.distinct_texts,
            "candidate_pairs": stats.candidate_pairs,
            "verified_pairs": stats.verified_pairs,
            "ignored_paragraphs": stats.ignored_paragraphs,
            "allowlisted_paragraphs": stats.allowlisted_paragraphs,
            "clusters_outside_changes": stats.clusters_outside_changes,
            "clusters": len(report.clusters),
            "clusters_by_kind": kinds,
        },
        "clusters": clusters,
        **_path_bytes(_all_paths(report)),
    }


def _all_paths(report: Report) -> Iterable[str]:
    yield from report.files_scanned
    for notes in (report.skipped, report.errors, report.warnings):
        yield from (n.path for n in notes)
    for cluster in report.clusters:
        yield from (m.path for m in cluster.members)


def render_json(report: Report) -> str:
    """The JSON report as text, ending with a newline."""
    out: list[str] = []
    write_json(report, out.append)
    return "".join(out)


def write_json(report: Report, write: Callable[[str], object]) -> None:
    """The JSON report, piece by piece (a large report is never held as one string)."""
    _layout(_fields(report, _Clusters(report.clusters)), "", write)
    write("\n")


def _cluster_text(cluster: Cluster, margin: str) -> str:
    """What ``_layout`` writes for ``_cluster(cluster)`` at ``margin``, made as one string from
    the member and link lines (a test holds the two equal): a large report has hundreds of
    thousands of clusters, each laid out key by key before."""
    inner = margin + "  "
    state = cluster.baseline_state
    return "".join(
        (
            "{\n",
            "" if state is None else f'{inner}"baseline_state": {_STRING(state.value)},\n',
            f'{inner}"id": {_FLAT.encode(cluster.id)},\n',
            f'{inner}"kind": {_KINDS[cluster.kind]},\n',
            f'{inner}"links": ',
            _listed([_link_line(k) for k in cluster.links], inner),
            f',\n{inner}"members": ',
            _listed([_member_line(m) for m in cluster.members], inner),
            f',\n{inner}"similarity": {_FLAT.encode(cluster.similarity)}\n{margin}}}',
        )
    )


def _listed(lines: list[str], margin: str) -> str:
    """A list at ``margin`` of objects already written on one line each: one a line."""
    if not lines:
        return "[]"
    inner = margin + "  "
    return "[\n" + inner + (",\n" + inner).join(lines) + "\n" + margin + "]"


# An object of scalars (a cluster member, a link, a note) is written on one line by the json
# module's C encoder; only the containers above them are laid out here, one item a line. With
# indent=, json.dumps would run its pure-Python encoder over every value: a sixth of a scan.
_FLAT = json.JSONEncoder(sort_keys=True, allow_nan=False, separators=(", ", ": "))


def _layout(value: object, margin: str, write: Callable[[str], object]) -> None:
    items: Iterable[tuple[str, object]]
    inner = margin + "  "
    if isinstance(value, _Clusters) and value.clusters:  # every cluster holds lists
        write("[")
        for number, cluster in enumerate(value.clusters):
            write((",\n" if number else "\n") + inner + _cluster_text(cluster, inner))
        write("\n" + margin + "]")
        return
    if isinstance(value, list) and value and not any(map(_nested, value)):
        write(_listed(list(map(_FLAT.encode, value)), margin))
        return
    if isinstance(value, dict) and any(map(_nested, value.values())):
        items = sorted(value.items())
        opened = "{"
    elif isinstance(value, list) and value:
        items = (("", v) for v in value)
        opened = "["
    else:
        write(_FLAT.encode([] if isinstance(value, _Clusters) else value))
        return
    write(opened)
    for number, (key, item) in enumerate(items):
        write(",\n" + inner if number else "\n" + inner)
        if opened == "{":
            write(_FLAT.encode(key) + ": ")
        _layout(item, inner, write)
    write("\n" + margin + ("}" if opened == "{" else "]"))


def _nested(value: object) -> bool:
    """Whether ``value`` is laid out over several lines: a list, or an object holding one."""
    if isinstance(value, list | _Clusters):
        return True
    return isinstance(value, dict) and any(isinstance(v, dict | list) for v in value.values())


def schema() -> dict[str, Any]:
    """The published JSON Schema of the report."""
    text = resources.files("dedup").joinpath("schemas/report-v1.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
