"""Plain text: blank lines separate blocks; a block is one paragraph or one per line.

A block of hard-wrapped prose (lines broken by an editor at a fixed width) is joined back into
one paragraph. A block whose lines stand on their own, such as a title over a photo caption, is
cut into one paragraph per line. The test is the one a text wrapper applies: a line was broken
by the wrapper when the first word of the next line would not have fitted on it.
"""

from __future__ import annotations

import re

from dedup.formats.lines import is_blank, split_lines
from dedup.models import Block

# Lines longer than this are not hard-wrapped: no editor or formatter wraps prose that wide.
MAX_WRAP_WIDTH = 120
# A block whose longest line is shorter than this was not wrapped either (nobody wraps prose
# that narrow): its lines stand on their own, like an address or a list of names.
MIN_WRAP_WIDTH = 40
_ITEM = re.compile(r"\s*(?:[-*+\u2022]\s|\d{1,3}[.)]\s|#{1,6}\s|>)")


def blocks(text: str) -> list[Block]:
    """Cut plain text into prose blocks with 1-based, inclusive line spans."""
    lines = split_lines(text)
    out: list[Block] = []
    start = None
    for i, line in enumerate([*lines, ""]):
        if not is_blank(line):
            if start is None:
                start = i
            continue
        if start is not None:
            out.extend(_units(lines, start, i))
            start = None
    return out


def _units(lines: list[str], start: int, stop: int) -> list[Block]:
    """Split the block ``lines[start:stop]`` into paragraphs."""
    width = max(len(line.rstrip()) for line in lines[start:stop])
    out = []
    first = start
    for i in range(start + 1, stop):
        if not _continues(lines[i - 1], lines[i], width):
            out.append(_block(lines, first, i))
            first = i
    out.append(_block(lines, first, stop))
    return out


def _continues(previous: str, line: str, width: int) -> bool:
    """Whether ``line`` continues the paragraph of ``previous`` (a wrapped line)."""
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH or _ITEM.match(line):
        return False
    next_word = line.split(maxsplit=1)[0]
    slack = max(4, width // 8)  # wrappers that balance lines leave some room
    return len(previous.rstrip()) + 1 + len(next_word) > width - slack


def _block(lines: list[str], first: int, stop: int) -> Block:
    chunk = lines[first:stop]
    prose = " ".join(line.strip() for line in chunk)
    return Block(first + 1, stop, "\n".join(chunk), prose)
