"""The console report: clusters in order of importance, where each copy lives, what differs.

Differences are shown word by word in git's word-diff notation, ``[-removed-]{+added+}``, so
they read the same with or without colour; on a terminal they are also coloured. A reworded
copy shares few words in place, so for it the report lists the content words both copies tell
in the same order instead.
"""

from __future__ import annotations

import difflib
from typing import IO

from rapidfuzz.distance import Indel
from rich.console import Console
from rich.text import Text

from dedup.models import Cluster, Kind, Member, Report
from dedup.normalize import STOPWORDS, words

MAX_SHOWN_CHARS = 400  # of the first copy's text
EQUAL_RUN_SHOWN = 6  # words of an unchanged run kept on each side of a change
MAX_SHARED_SHOWN = 40  # content words listed for a reworded copy


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
    if report.skipped:
        line.append(f", {_count(len(report.skipped), 'file')} skipped")
    if report.errors:
        line.append(f", {_count(len(report.errors), 'error')}", style="bold red")
    line.append(f" · {stats.seconds:.2f} s")
    return line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _location(member: Member) -> str:
    span = str(member.start_line)
    if member.end_line != member.start_line:
        span += f"-{member.end_line}"
    return f"{member.path}:{span}"


def _cluster(out: Console, cluster: Cluster) -> None:
    first = cluster.members[0]
    header = Text()
    header.append(f"#{cluster.id} {cluster.kind.value}", style=f"bold {_COLOURS[cluster.kind]}")
    header.append(f" · {len(cluster.members)} copies · similarity {cluster.similarity:.2f}")
    if len(cluster.links) > 1:
        weakest = cluster.weakest
        header.append(
            f" (weakest link: {weakest.a + 1}~{weakest.b + 1} {weakest.kind.value}"
            f" {weakest.similarity:.2f})"
        )
    out.print(header)
    for number, member in enumerate(cluster.members, start=1):
        out.print(Text(f"  {number}. {_location(member)}", style="cyan"))
    shown = first.text if len(first.text) <= MAX_SHOWN_CHARS else first.text[:MAX_SHOWN_CHARS] + "…"
    _indented(out, Text(" ".join(shown.split()), style="dim"), 4)
    for number, member in enumerate(cluster.members[1:], start=2):
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
    if cluster.kind is Kind.REWORDED and words(first.text) != words(other.text):
        return _shared_content(first.text, other.text)
    return word_diff(first.text.split(), other.text.split())


def word_diff(old: list[str], new: list[str]) -> Text:
    """``old`` -> ``new`` in word-diff notation, long unchanged runs elided."""
    text = Text()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            run = old[i1:i2]
            if len(run) > 2 * EQUAL_RUN_SHOWN:
                head = run[:EQUAL_RUN_SHOWN] if i1 else []
                tail = run[-EQUAL_RUN_SHOWN:] if i2 < len(old) else []
                run = [*head, f"…({len(run) - len(head) - len(tail)} words)…", *tail]
            text.append(" ".join(run) + " ")
            continue
        if i2 > i1:
            text.append("[-" + " ".join(old[i1:i2]) + "-]", style="red strike")
        if j2 > j1:
            text.append("{+" + " ".join(new[j1:j2]) + "+}", style="green")
        text.append(" ")
    if len(text.plain.strip()) == 0 or text.plain.count("[-") + text.plain.count("{+") == 0:
        return Text("same words; differs only in spacing")
    text.rstrip()
    return text


def _shared_content(a: str, b: str) -> Text:
    wa = [w for w in words(a) if w not in STOPWORDS]
    wb = [w for w in words(b) if w not in STOPWORDS]
    blocks = Indel.editops(wa, wb).as_matching_blocks()
    shared = [w for block in blocks for w in wa[block.a : block.a + block.size]]
    text = Text(f"told again in other words; {len(shared)} content words in the same order: ")
    listed = " ".join(shared[:MAX_SHARED_SHOWN]) + (" …" if len(shared) > MAX_SHARED_SHOWN else "")
    text.append(listed, style="green")
    return text


_COLOURS = {
    Kind.EXACT: "red",
    Kind.NEAR: "magenta",
    Kind.CONTAINED: "yellow",
    Kind.REWORDED: "blue",
}
