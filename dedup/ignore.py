"""Ignore markers in the prose: which lines of a document are left out of the scan.

Each format writes the marker in its own comment syntax, on a line of its own:

* Markdown and HTML: ``<!-- dedup: ignore -->``, ``<!-- dedup: ignore-start -->``,
  ``<!-- dedup: ignore-end -->`` (markers inside fenced code in Markdown are examples, not markers);
* reStructuredText: ``.. dedup: ignore`` (and ``-start`` / ``-end``);
* plain text: ``dedup: ignore`` (and ``-start`` / ``-end``).

``ignore`` covers the next block the format's reader cuts out after the marker (a paragraph, a
heading, a list item, a table cell). ``ignore-start`` ... ``ignore-end`` covers every block
that overlaps the lines between them. A start without an end
suppresses nothing and is reported, as is an end without a start, so a typo never widens a
suppression. Only whole lines are compared with the marker patterns (linear time).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dedup.formats.lines import is_blank, split_lines
from dedup.models import Block, Document

_WORDS = r"dedup:\s*(ignore(?:-start|-end)?)"
_MARKERS = {
    "markdown": re.compile(rf"\s*<!--\s*{_WORDS}\s*-->\s*"),
    "html": re.compile(rf"\s*<!--\s*{_WORDS}\s*-->\s*"),
    "rst": re.compile(rf"\s*\.\.\s+{_WORDS}\s*"),
    "text": re.compile(rf"\s*{_WORDS}\s*"),
}
# How the marker is written in each format, for messages.
SYNTAX = {
    "markdown": "<!-- dedup: {} -->",
    "html": "<!-- dedup: {} -->",
    "rst": ".. dedup: {}",
    "text": "dedup: {}",
}
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True, slots=True)
class Suppression:
    """What the markers of one document suppress, where they are, and what went wrong."""

    spans: tuple[tuple[int, int], ...] = ()  # regions, 1-based, inclusive
    next_after: tuple[int, ...] = ()  # ``ignore`` marker lines: the next block after each
    markers: frozenset[int] = frozenset()  # 1-based line numbers of all markers
    problems: tuple[str, ...] = ()  # "line N: ..." messages about unmatched markers

    def covers(self, start_line: int, end_line: int) -> bool:
        """Whether any region overlaps the lines ``start_line..end_line``."""
        return any(a <= end_line and start_line <= b for a, b in self.spans)

    def split(self, blocks: Sequence[Block]) -> tuple[list[Block], list[Block]]:
        """``(kept, suppressed)``: a block is suppressed when a region overlaps it, or when it
        is the first block (paragraph, heading, list item, ...) after an ``ignore`` marker."""
        taken = set()
        for line in self.next_after:
            after = [i for i, b in enumerate(blocks) if b.start_line > line]
            if after:
                taken.add(min(after, key=lambda i: blocks[i].start_line))
        kept: list[Block] = []
        suppressed: list[Block] = []
        for i, block in enumerate(blocks):
            hidden = i in taken or self.covers(block.start_line, block.end_line)
            (suppressed if hidden else kept).append(block)
        return kept, suppressed


NOTHING = Suppression()


def suppression(lines: Sequence[str], fmt: str) -> Suppression:
    """The ignore markers of a document given as lines, in the comment syntax of ``fmt``."""
    pattern = _MARKERS.get(fmt)
    if pattern is None:
        return NOTHING
    found = _find_markers(lines, pattern, fmt == "markdown")
    if not found:
        return NOTHING
    markers = frozenset(n for n, _ in found)
    spans: list[tuple[int, int]] = []
    next_after: list[int] = []
    problems: list[str] = []
    start: int | None = None
    for number, word in found:
        if word == "ignore-start":
            if start is not None:
                problems.append(_unmatched(start, fmt))
            start = number
        elif word == "ignore-end":
            if start is None:
                problems.append(
                    f"line {number}: {SYNTAX[fmt].format('ignore-end')} without a start"
                )
            else:
                spans.append((start, number))
                start = None
        elif _prose_after(lines, number, markers):
            next_after.append(number)
        else:
            problems.append(
                f"line {number}: {SYNTAX[fmt].format('ignore')} has no paragraph after it"
            )
    if start is not None:
        problems.append(_unmatched(start, fmt))
    return Suppression(tuple(spans), tuple(next_after), markers, tuple(problems))


def _unmatched(line: int, fmt: str) -> str:
    return (
        f"line {line}: {SYNTAX[fmt].format('ignore-start')} has no matching "
        f"{SYNTAX[fmt].format('ignore-end')}; nothing suppressed by it"
    )


def _find_markers(
    lines: Sequence[str], pattern: re.Pattern[str], fenced_code: bool
) -> list[tuple[int, str]]:
    """``(line number, marker word)`` for every marker line, outside fenced code blocks."""
    found = []
    fence = ""
    for number, line in enumerate(lines, start=1):
        if fenced_code and (opening := _FENCE.match(line)):
            run = opening.group(1)
            if not fence:
                fence = run
            elif run[0] == fence[0] and len(run) >= len(fence) and not line.strip(run[0] + " \t"):
                fence = ""
            continue
        if fence or "dedup" not in line:
            continue
        if match := pattern.fullmatch(line):
            found.append((number, match.group(1)))
    return found


def _prose_after(lines: Sequence[str], marker: int, markers: frozenset[int]) -> bool:
    """Whether a non-blank line that is not a marker follows line ``marker`` (1-based)."""
    return any(
        not is_blank(line) and n not in markers
        for n, line in enumerate(lines[marker:], start=marker + 1)
    )


def read_markers(document: Document) -> tuple[Document, Suppression]:
    """The document with its marker lines blanked (no marker joins a paragraph), and what the
    markers suppress. Line numbers are unchanged."""
    if "dedup" not in document.text:
        return document, NOTHING
    lines = split_lines(document.text)
    found = suppression(lines, document.format)
    if not found.markers:
        return document, found
    text = "\n".join("" if n in found.markers else line for n, line in enumerate(lines, start=1))
    return Document(document.path, text, document.format), found
