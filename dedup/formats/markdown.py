"""Markdown, parsed by markdown-it-py (CommonMark with tables), which keeps source line maps.

Prose units: paragraphs (also inside list items and block quotes), headings and table cells of
at least ``MIN_CELL_WORDS`` words (shorter cells are data: labels, values, yes/no).
Raw HTML blocks are read by ``dedup.formats.html`` (so the text of a ``<details>`` or a
``<p align="center">`` counts, and an HTML comment does not).
Not prose: fenced and indented code, HTML comments, YAML/TOML front matter, image alt text
(the HTML and reST readers do not read it either).
Inline markup (emphasis, links, inline code, inline HTML tags) is dropped from the words, so a
paragraph still matches its plain-text copy.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from dedup.formats import MIN_CELL_WORDS, html
from dedup.formats.lines import split_lines
from dedup.models import Block

_FRONT_MATTER_FENCES = {"---": ("---", "..."), "+++": ("+++",)}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def blocks(text: str) -> list[Block]:
    """Cut Markdown into prose blocks with 1-based, inclusive line spans."""
    lines = split_lines(text)
    skip = _front_matter_lines(lines)
    body = "\n".join("" if i < skip else line for i, line in enumerate(lines))
    out: list[Block] = []
    opener: Token | None = None
    for token in _parser().parse(body):
        if token.nesting == 1:
            opener = token
        if token.type == "html_block" and token.map is not None:
            out.extend(_html_prose(token.content, token.map[0], lines))
        if token.type != "inline" or opener is None:
            continue
        prose = _inline_text(token.children or [])
        if opener.type in ("td_open", "th_open") and len(prose.split()) < MIN_CELL_WORDS:
            continue
        # A heading's own map covers a setext underline too; a cell's inline has the row's.
        where = opener.map if opener.type == "heading_open" else token.map or opener.map
        if prose.strip() and where is not None:
            first, stop = where
            out.append(Block(first + 1, stop, "\n".join(lines[first:stop]), prose))
    return out


def _html_prose(content: str, offset: int, lines: list[str]) -> list[Block]:
    """The prose of a raw HTML block (``<details>``, ``<p align=center>``...) at its lines."""
    out = []
    for block in html.blocks(content):
        first, last = block.start_line + offset, block.end_line + offset
        out.append(Block(first, last, "\n".join(lines[first - 1 : last]), block.prose))
    return out


def _front_matter_lines(lines: list[str]) -> int:
    """How many lines at the top are front matter (0 when there is none)."""
    if not lines or lines[0].strip() not in _FRONT_MATTER_FENCES:
        return 0
    closers = _FRONT_MATTER_FENCES[lines[0].strip()]
    for i in range(1, len(lines)):
        if lines[i].strip() in closers:
            return i + 1
    return 0


def _inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
