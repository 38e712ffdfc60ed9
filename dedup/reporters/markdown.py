"""Markdown for pull-request comments and ``$GITHUB_STEP_SUMMARY``.

A summary table by kind, then one section per cluster: where each copy lives, the first copy's
text and, for every other copy, the words that differ (~~removed~~ **added**). Text from the
scanned files is escaped, so it cannot open a link, a table or an HTML tag, nor mention a user.
The whole document is capped (a comment holds 65 536 characters), and a note says how many
clusters did not fit.
"""

from __future__ import annotations

import re
from typing import IO

from dedup.models import BaselineState, Cluster, Kind, Member, Report
from dedup.reporters.console import baseline_label, is_new_copy, location, new_first
from dedup.reporters.diff import (
    differs_in_words,
    elided,
    shared_content_note,
    shows_shared_content,
    word_changes,
)
from dedup.reporters.json_report import clean

MAX_CHARS = 60_000  # below GitHub's 65 536 for a comment body, with room for the closing note
MAX_SHOWN_CHARS = 400  # of the first copy's text
MAX_PAIRS = 10  # differences shown per cluster
MAX_COPIES_LISTED = 20  # locations listed per cluster
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&])")


def escape(text: str) -> str:
    """``text`` as literal Markdown: one line, punctuation escaped, no ``@mention``."""
    flat = " ".join(clean(text).split())
    return _SPECIAL.sub(r"\\\1", flat).replace("@", "@\u200b")


def render_markdown(report: Report, stream: IO[str], max_chars: int = MAX_CHARS) -> None:
    """Write ``report`` to ``stream`` as Markdown of at most about ``max_chars`` characters."""
    out = _head(report)
    size = len(out)
    for number, cluster in enumerate(new_first(report.clusters)):
        section = _section(cluster)
        if size + len(section) > max_chars:
            left = len(report.clusters) - number
            out += (
                f"_{left} more clusters not shown: this summary is capped at {max_chars} "
                "characters. Every cluster is in the JSON, SARIF or HTML report._\n"
            )
            break
        out += section
        size += len(section)
    stream.write(out)


def _head(report: Report) -> str:
    stats = report.stats
    lines = [
        f"## dedup: {len(report.clusters)} repeated paragraph clusters",
        "",
        f"{stats.files_scanned} files, {stats.paragraphs} paragraphs scanned.",
        "",
    ]
    states = [c.baseline_state for c in report.clusters if c.baseline_state is not None]
    if states:
        accepted = states.count(BaselineState.UNCHANGED)
        lines += [f"Baseline: {len(states) - accepted} new, {accepted} accepted.", ""]
    if report.clusters:
        lines += ["| kind | clusters | copies | repeated words |", "|---|---:|---:|---:|"]
        for kind in Kind:
            of_kind = [c for c in report.clusters if c.kind is kind]
            if of_kind:
                lines.append(_row(kind.value, of_kind))
        lines += [_row("**total**", list(report.clusters)), ""]
    for problem, items in (("could not be read", report.errors), ("warnings", report.warnings)):
        if items:
            lines.append(f"**{len(items)} files {problem}:**")
            lines += [f"- {escape(i.path)}: {escape(i.message)}" for i in items] + [""]
    return "\n".join(lines) + "\n"


def _row(label: str, clusters: list[Cluster]) -> str:
    copies = sum(len(c.members) for c in clusters)
    repeated = sum(c.repeated_words for c in clusters)
    return f"| {label} | {len(clusters)} | {copies} | {repeated} |"


def _section(cluster: Cluster) -> str:
    first = cluster.members[0]
    lines = [
        f"### {cluster.id}. {cluster.kind.value} · "
        + (f"**{baseline_label(cluster)}** · " if baseline_label(cluster) else "")
        + f"{len(cluster.members)} copies · similarity {cluster.similarity:.2f}",
        "",
    ]
    members = cluster.members[:MAX_COPIES_LISTED]
    lines += [
        f"{n}. {escape(location(m))}" + (" **(new)**" if is_new_copy(cluster, m) else "")
        for n, m in enumerate(members, start=1)
    ]
    if len(cluster.members) > MAX_COPIES_LISTED:
        lines.append(f"\n… and {len(cluster.members) - MAX_COPIES_LISTED} more copies")
    shown = first.text if len(first.text) <= MAX_SHOWN_CHARS else first.text[:MAX_SHOWN_CHARS]
    lines += ["", "> " + escape(shown) + ("…" if shown != first.text else ""), ""]
    pairs = list(enumerate(cluster.members[1:], start=2))
    for number, member in pairs[:MAX_PAIRS]:
        lines.append(f"- 1→{number}: {_difference(first, member, cluster)}")
    if len(pairs) > MAX_PAIRS:
        lines.append(f"- … {len(pairs) - MAX_PAIRS} more copies")
    return "\n".join(lines) + "\n\n"


def _difference(first: Member, other: Member, cluster: Cluster) -> str:
    if first.text == other.text:
        return "identical"
    if shows_shared_content(first, other, cluster):
        intro, listed = shared_content_note(first.text, other.text)
        return intro + escape(listed)
    changes = word_changes(first.text.split(), other.text.split())
    if not differs_in_words(changes):
        return "same words; differs only in spacing"
    parts = []
    for piece in elided(changes):
        if isinstance(piece, int):
            parts.append(f"…({piece} words)…")
        elif piece.equal:
            parts.append(escape(" ".join(piece.old)))
        else:
            parts += [f"~~{escape(' '.join(piece.old))}~~"] if piece.old else []
            parts += [f"**{escape(' '.join(piece.new))}**"] if piece.new else []
    return " ".join(parts)
