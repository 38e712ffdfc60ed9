"""SARIF 2.1.0: the report as static-analysis results, for GitHub code scanning and IDEs.

One result per cluster. Its location is the cluster's first copy (GitHub uses only the first
location of a result); the other copies are ``relatedLocations`` with ids 1..k, linked from the
message with ``[text](id)`` links, which is the only way GitHub shows them. Each kind is a rule,
so code scanning can filter by it. The fingerprint hashes the first copy's normalised words, so
a result keeps its identity when lines move or files are renamed. Column numbers count Unicode
code points (``columnKind``); line ends are CR LF, CR and LF, as the scan counts them.
"""

from __future__ import annotations

import hashlib
import json
from typing import IO, Any
from urllib.parse import quote

from dedup import __version__
from dedup.models import Cluster, Kind, Member, Report
from dedup.normalize import words
from dedup.reporters.console import location
from dedup.reporters.json_report import clean

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "dedupParagraphHash/v1"
MAX_RELATED = 99  # GitHub shows 100 locations of a result: the first one and 99 related
MAX_LINKS = 3  # links spelled out in a message before "and N more"

# kind -> (rule id, rule name, short description, what to do, precision)
RULES: dict[Kind, tuple[str, str, str, str]] = {
    Kind.EXACT: (
        "DUP001",
        "exact-duplicate-paragraph",
        "Paragraph is repeated word for word",
        "very-high",
    ),
    Kind.NEAR: (
        "DUP002",
        "near-duplicate-paragraph",
        "Paragraph is repeated with small edits",
        "high",
    ),
    Kind.CONTAINED: (
        "DUP003",
        "contained-paragraph",
        "Paragraph is copied inside a longer one",
        "high",
    ),
    Kind.REWORDED: (
        "DUP004",
        "reworded-paragraph",
        "Paragraph tells the same content as another in other words",
        "medium",
    ),
}
_HELP = (
    "Keep one copy and link to it from the other places, or rewrite the copies so each says "
    "something of its own. Intentional repeats (a licence notice, a disclaimer) can be marked "
    "so that dedup does not report them."
)


def render_sarif(report: Report, stream: IO[str]) -> None:
    """Write ``report`` to ``stream`` as a SARIF 2.1.0 log."""
    stream.write(json.dumps(sarif_log(report), indent=2, ensure_ascii=False, allow_nan=False))
    stream.write("\n")


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log of ``report`` as plain data."""
    run = {
        "tool": {"driver": _driver()},
        "invocations": [_invocation(report)],
        "columnKind": "unicodeCodePoints",
        "newlineSequences": ["\r\n", "\r", "\n"],
        "results": [_result(c) for c in report.clusters],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def fingerprint(text: str) -> str:
    """A content hash of ``text``: equal for texts with the same normalised words."""
    key = " ".join(words(text)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(key).hexdigest()[:32]


def _driver() -> dict[str, Any]:
    return {
        "name": "dedup",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(kind, *RULES[kind]) for kind in Kind],
    }


def _rule(kind: Kind, rule_id: str, name: str, short: str, precision: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": f"{short} ({kind.value} copies, after normalisation)."},
        "help": {"text": _HELP},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["maintainability", "documentation"], "precision": precision},
    }


def _invocation(report: Report) -> dict[str, Any]:
    notes = [_notification("error", e.path, e.message) for e in report.errors]
    notes += [_notification("warning", w.path, w.message) for w in report.warnings]
    return {
        "executionSuccessful": not report.errors and bool(report.files_scanned),
        "toolExecutionNotifications": notes,
    }


def _notification(level: str, path: str, message: str) -> dict[str, Any]:
    return {
        "level": level,
        "message": {"text": f"{clean(path)}: {clean(message)}"},
        "locations": [{"physicalLocation": {"artifactLocation": artifact(path)}}],
    }


def _result(cluster: Cluster) -> dict[str, Any]:
    first, others = cluster.members[0], cluster.members[1:]
    related = others[:MAX_RELATED]
    size = len(cluster.members)
    state = cluster.baseline_state  # with --baseline: SARIF's own names (new/updated/unchanged)
    return {
        **({"baselineState": state.value} if state is not None else {}),
        "ruleId": RULES[cluster.kind][0],
        "ruleIndex": list(Kind).index(cluster.kind),
        "level": "warning",
        "message": {"text": _message(cluster, related)},
        "locations": [{"physicalLocation": _physical(first)}],
        "relatedLocations": [
            {
                "id": number,
                "message": {"text": f"copy {number + 1} of {size}"},
                "physicalLocation": _physical(member),
            }
            for number, member in enumerate(related, start=1)
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(first.text)},
        "properties": {
            "clusterId": cluster.id,
            "clusterSize": size,
            "kind": cluster.kind.value,
            "similarity": cluster.similarity,
            "repeatedWords": cluster.repeated_words,
        },
    }


def _message(cluster: Cluster, related: tuple[Member, ...]) -> str:
    size = len(cluster.members)
    links = [f"[{_link_text(m)}]({n})" for n, m in enumerate(related[:MAX_LINKS], start=1)]
    more = size - 1 - len(links)
    where = ", ".join(links) + (f" and {more} more" if more else "")
    return (
        f"Paragraph of {len(words(cluster.members[0].text))} words has {size} copies"
        f" ({cluster.kind.value}, similarity {cluster.similarity:.2f}); also at {where}."
    )


def _link_text(member: Member) -> str:
    """``path:line`` with the characters that end a SARIF link escaped."""
    text = clean(location(member))
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _physical(member: Member) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": member.start_line, "endLine": member.end_line}
    lines = member.text.split("\n")
    # (a JSON Lines member's text is its record's paragraph, not the file line: no columns)
    if member.record is None and len(lines) == member.end_line - member.start_line + 1:
        # whole lines: from the first column to the one after the last character
        region.update(startColumn=1, endColumn=len(lines[-1]) + 1)
    return {"artifactLocation": artifact(member.path), "region": region}


def artifact(path: str) -> dict[str, str]:
    """A SARIF artifact location: relative paths against ``%SRCROOT%``, percent-encoded bytes."""
    try:
        raw = path.encode("utf-8", "surrogateescape")  # undecodable name bytes stay themselves
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogatepass")
    if path.startswith("/"):
        return {"uri": "file://" + quote(raw, safe="/")}
    return {"uri": quote(raw, safe="/"), "uriBaseId": "%SRCROOT%"}
