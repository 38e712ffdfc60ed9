"""Markdown, parsed by markdown-it-py (CommonMark with tables), which keeps source line maps.

Prose units: paragraphs (also inside list items and block quotes), headings and table cells of
at least ``MIN_CELL_WORDS`` words (shorter cells are data: labels, values, yes/no).
Not prose: fenced and indented code, HTML blocks and comments, YAML/TOML front matter.
Inline markup (emphasis, links, inline code) is dropped from the words, so a paragraph still
matches its plain-text copy.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from dedup.formats.lines import split_lines
from dedup.models import Block

MIN_CELL_WORDS = 5
_FRONT_MATTER_FENCES = {"---": ("---", "..."), "+++": ("+++",)}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def blocks(text: str) -> list[Block]:
    """Cut Markdown into prose blocks with 1-based, inclusive line spans."""
    lines = split_lines(text)
    skip = _front_matter_lines(lines)
    body = "\n".join("" if i < skip else line for i, line in enumerate(lines))
    tokens = _parser().parse(body)
    out = []
    span: list[int] | None = None
    opener = ""
    for token in tokens:
        if token.nesting == 1:
            opener = token.type
            if token.map is not None:
                span = token.map
        if token.type != "inline" or span is None:
            continue
        where = token.map or span
        prose = _inline_text(token.children or [])
        if opener in ("td_open", "th_open") and len(prose.split()) < MIN_CELL_WORDS:
            continue
        if prose.strip():
            first, stop = where
            out.append(Block(first + 1, stop, "\n".join(lines[first:stop]), prose))
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
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return "".join(parts)
