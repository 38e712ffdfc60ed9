"""HTML, read with the standard library's ``html.parser`` (a tolerant, event-based parser).

Why this parser: a prose unit here is a run of text between two block boundaries, which needs
no tree, only the events in source order, and ``html.parser`` reports the exact source position
of every event and decodes every named and numeric entity. The alternatives measured: lxml
gives element start lines only, and caps them at 65,535 (every later element claims line 65535);
BeautifulSoup's ``Tag.sourceline`` is a start line too, and with ``html.parser`` underneath it
does not close ``<p>`` or ``<li>`` implicitly either. Implicit closing does not matter here: any
block tag, opening or closing, ends the current run, so ``<li>one<li>two`` gives two units as a
browser shows them.

Prose units: the text of p, li, h1-h6, blockquote, td/th, dd/dt, figcaption, caption, and any
text that stands directly in a container such as div, section or body (nothing is dropped
because it lacks a ``<p>``). Inline elements (a, em, code, span...) stay inside their unit;
``<br>`` is a space. Table cells need ``MIN_CELL_WORDS`` words, as in Markdown.
Not prose: head, script, style, template, pre, textarea, noscript, svg, math, select, comments,
and the page chrome nav, header, footer and aside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from dedup.formats import MIN_CELL_WORDS
from dedup.formats.lines import split_lines
from dedup.models import Block

SKIPPED_TAGS = frozenset(
    {
        "head",
        "title",
        "script",
        "style",
        "template",
        "pre",
        "textarea",
        "noscript",
        "svg",
        "math",
        "select",
        "nav",
        "header",
        "footer",
        "aside",
    }
)
BLOCK_TAGS = frozenset(
    {
        *("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "dt"),
        *("td", "th", "tr", "table", "thead", "tbody", "tfoot", "caption", "figcaption"),
        *("figure", "ul", "ol", "dl", "div", "section", "article", "main", "body", "html"),
        *("address", "details", "summary", "fieldset", "legend", "form", "hr", "center"),
        *("dialog", "hgroup", "menu", "search"),
    }
)
_CELLS = frozenset({"td", "th"})
_ROWS = frozenset({"tr", "table", "thead", "tbody", "tfoot"})


@dataclass(slots=True)
class _Run:
    """Text gathered since the last block boundary, each piece with the line it starts on."""

    pieces: list[tuple[int, str]] = field(default_factory=list)
    in_cell: bool = False


class _Reader(HTMLParser):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = lines
        self.blocks: list[Block] = []
        self.skipping: list[str] = []  # open skipped elements, innermost last
        self.run = _Run()
        self.cell = False  # inside a table cell

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skipping.clear()  # the end tag of head may be left out
        if tag in SKIPPED_TAGS:
            self._flush()
            self.skipping.append(tag)
        elif tag in BLOCK_TAGS:
            self._flush()
            self.cell = tag in _CELLS or (self.cell and tag not in _ROWS)
        elif tag == "br":
            self.handle_data(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self._flush()
        elif tag == "br":
            self.handle_data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("body", "html"):
            self.skipping.clear()  # an element left open never hides the rest of the page
        if tag in SKIPPED_TAGS and tag in self.skipping:
            while self.skipping.pop() != tag:
                pass
        elif tag in BLOCK_TAGS:
            self._flush()
            if tag in _CELLS or tag in _ROWS:
                self.cell = False

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.run.pieces:
            self.run.in_cell = self.cell
        self.run.pieces.append((self.getpos()[0], data))

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        run, self.run = self.run, _Run()
        prose = "".join(text for _, text in run.pieces)
        if not prose.strip():
            return
        if run.in_cell and len(prose.split()) < MIN_CELL_WORDS:
            return
        first = _edge_line(run.pieces, first=True)
        last = _edge_line(run.pieces, first=False)
        self.blocks.append(Block(first, last, "\n".join(self.lines[first - 1 : last]), prose))


def _edge_line(pieces: list[tuple[int, str]], first: bool) -> int:
    """The line of the first (or last) character of the run that is not whitespace."""
    for line, text in pieces if first else reversed(pieces):
        if text.strip():
            head = text[: len(text) - len(text.lstrip())] if first else text.rstrip()
            return line + head.count("\n")
    raise ValueError("a run with text has a piece with text")  # pragma: no cover


def blocks(text: str) -> list[Block]:
    """Cut HTML into prose blocks with 1-based, inclusive line spans."""
    lines = split_lines(text)
    reader = _Reader(lines)
    reader.feed("\n".join(lines))
    reader.close()
    return reader.blocks
