"""The console report: clusters in order of importance, where each copy lives, what differs.

Differences are shown word by word in git's word-diff notation, ``[-removed-]{+added+}``, so
they read the same with or without colour; on a terminal they are also coloured. A reworded
copy shares few words in place, so for it the report lists the content words both copies tell
in the same order instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO

from rich.console import Console
from rich.text import Text

from dedup.models import BaselineState, Cluster, Kind, Member, Report
from dedup.reporters.diff import (
    differs_in_words,
    elided,
    shared_content_note,
    shows_shared_content,
    word_changes,
)
from dedup.reporters.json_report import clean

MAX_SHOWN_CHARS = 400  # of the first copy's text
MAX_MEMBERS_SHOWN = 20  # copies listed per cluster; the JSON report lists every one

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` safe for one line of a terminal: undecodable bytes and control characters
    (a newline in a file name, an escape sequence) shown as backslash escapes."""
    return _CONTROL.sub(lambda m: _CONTROL_NAMES.get(m[0], f"\\x{ord(m[0]):02x}"), clean(text))


def render_console(report: Report, stream: IO[str], console: Console | None = None) -> None:
    """Write the human report of ``report`` to ``stream`` (or to ``console`` when given)."""
    out = console or Console(file=stream, highlight=False, soft_wrap=False)
    for cluster in report.clusters:
        _cluster(out, cluster)
    out.print(summary(report), highlight=False, soft_wrap=True)  # one line, however long


def summary(report: Report) -> Text:
    """The closing line: files, paragraphs, clusters by kind, problems, time."""
    stats = report.stats
    by_kind = [
        f"{sum(c.kind == k for c in report.clusters)} {k.value}"
        for k in Kind
        if any(c.kind == k for c in report.clusters)
    ]
    line = Text()
    line.append(_count(len(report.clusters), "cluster"), style="bold")
    if by_kind:
        line.append(f" ({', '.join(by_kind)})")
    line.append(
        f" in {_count(stats.files_scanned, 'file')}, {_count(stats.paragraphs, 'paragraph')}"
        f" ({stats.short_paragraphs} short: exact matching only)"
    )
    states = [c.baseline_state for c in report.clusters if c.baseline_state is not None]
    if states:
        accepted = states.count(BaselineState.UNCHANGED)
        line.append(f"; baseline: {len(states) - accepted} new", style="bold")
        line.append(f", {accepted} accepted")
    if stats.ignored_paragraphs:
        line.append(f", {stats.ignored_paragraphs} under ignore markers")
    if stats.allowlisted_paragraphs:
        line.append(f", {stats.allowlisted_paragraphs} allowlisted")
    if stats.clusters_outside_changes:
        line.append(f", {stats.clusters_outside_changes} clusters away from the changed lines")
    if report.skipped:
        line.append(f", {_count(len(report.skipped), 'file')} skipped")
    if report.errors:
        line.append(f", {_count(len(report.errors), 'error')}", style="bold red")
    line.append(f" · {stats.seconds:.2f} s")
    return line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def location(member: Member) -> str:
    """``path:start-end`` (or ``path:line`` for a one-line copy; ``path:record N (line L)``)."""
    if member.record is not None:
        return f"{member.path}:record {member.record} (line {member.start_line})"
    span = str(member.start_line)
    if member.end_line != member.start_line:
        span += f"-{member.end_line}"
    return f"{member.path}:{span}"


def baseline_label(cluster: Cluster) -> str:
    """``NEW``, ``1 NEW COPY``, ``2 NEW COPIES``, or "" (no baseline, or all copies accepted)."""
    if cluster.baseline_state is BaselineState.NEW:
        return "NEW"
    if cluster.baseline_state is BaselineState.UPDATED:
        added = sum(bool(m.new) for m in cluster.members)
        return f"{added} NEW {'COPY' if added == 1 else 'COPIES'}"
    return ""


def is_new_copy(cluster: Cluster, member: Member) -> bool:
    """Whether ``member`` is a new copy in an accepted cluster (worth marking on its own)."""
    return bool(member.new) and cluster.baseline_state is BaselineState.UPDATED


def new_first(clusters: Sequence[Cluster]) -> list[Cluster]:
    """The clusters with something new first (a capped report must not lose them)."""
    return sorted(clusters, key=lambda c: c.baseline_state is BaselineState.UNCHANGED)


def _cluster(out: Console, cluster: Cluster) -> None:
    first = cluster.members[0]
    header = Text()
    header.append(f"#{cluster.id} {cluster.kind.value}", style=f"bold {_COLOURS[cluster.kind]}")
    if label := baseline_label(cluster):
        header.append(f" · {label}", style="bold yellow")
    header.append(f" · {len(cluster.members)} copies · similarity {cluster.similarity:.2f}")
    if len(cluster.links) > 1:
        weakest = cluster.weakest
        header.append(
            f" (weakest link: {weakest.a + 1}~{weakest.b + 1} {weakest.kind.value}"
            f" {weakest.similarity:.2f})"
        )
    out.print(header)
    listed = cluster.members[:MAX_MEMBERS_SHOWN]
    for number, member in enumerate(listed, start=1):
        line = Text(f"  {number}. {printable(location(member))}", style="cyan")
        if is_new_copy(cluster, member):
            line.append(" (new)", style="bold yellow")
        out.print(line)
    hidden = len(cluster.members) - len(listed)
    if hidden:
        out.print(Text(f"  … and {hidden} more copies (the JSON report lists them all)"))
    text = clean(first.text)
    shown = text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "…"
    _indented(out, Text(" ".join(shown.split()), style="dim"), 4)
    for number, member in enumerate(listed[1:], start=2):
        line = Text(f"1→{number}: ", style="bold")
        line.append_text(_difference(first, member, cluster))
        _indented(out, line, 2)
    out.print()


def _indented(out: Console, text: Text, indent: int) -> None:
    """Print ``text`` wrapped to the console width, every line indented, no trailing spaces."""
    for line in text.wrap(out, max(20, out.width - indent)):
        line.rstrip()
        out.print(Text(" " * indent) + line, soft_wrap=True)


def _difference(first: Member, other: Member, cluster: Cluster) -> Text:
    if first.text == other.text:
        return Text("identical")
    if shows_shared_content(first, other, cluster):
        return _shared_content(first.text, other.text)
    return word_diff(clean(first.text).split(), clean(other.text).split())


def word_diff(old: list[str], new: list[str]) -> Text:
    """``old`` -> ``new`` in word-diff notation, long unchanged runs elided."""
    changes = word_changes(old, new)
    if not differs_in_words(changes):
        return Text("same words; differs only in spacing")
    text = Text()
    for piece in elided(changes):
        if isinstance(piece, int):
            text.append(f"…({piece} words)… ")
        elif piece.equal:
            text.append(" ".join(piece.old) + " ")
        else:
            if piece.old:
                text.append("[-" + " ".join(piece.old) + "-]", style="red strike")
            if piece.new:
                text.append("{+" + " ".join(piece.new) + "+}", style="green")
            text.append(" ")
    text.rstrip()
    return text


def _shared_content(a: str, b: str) -> Text:
    intro, listed = shared_content_note(a, b)
    text = Text(intro)
    text.append(listed, style="green")
    return text


_COLOURS = {
    Kind.EXACT: "red",
    Kind.NEAR: "magenta",
    Kind.CONTAINED: "yellow",
    Kind.REWORDED: "blue",
}
