"""HTML, parsed by lxml (libxml2's HTML parser), walked in source order.

Why lxml: it is a linear-time C parser that is tolerant the way browsers are (it closes ``<p>``,
``<li>`` and ``<td>`` implicitly, decodes every entity) and gives each element its source line.
Python's own ``html.parser`` (and BeautifulSoup on top of it) was measured first and rejected:
on CPython 3.11 it takes quadratic time on unterminated markup (210 KB of ``<a `` did not finish
in 20 s; 200 KB of ``</`` took seconds) and raises ``AssertionError`` on ``<![<![``, while lxml
reads the same inputs at once (``python -m benchmarks.html_parsers`` measures both).
libxml2's line numbers stop at 65,535 (every later element reports 65535), so past that line
the reader counts the newlines of the text it walks through itself (exact unless a tag itself
spans lines); before it, every element's own line is used.
Undecodable bytes (kept as lone surrogates by the reader) would stop libxml2's text, so they are
mapped to private-use characters for the parse and back afterwards.

Prose units: the text of p, li, h1-h6, blockquote, td/th, dd/dt, figcaption, caption, and any
text that stands directly in a container such as div, section or body (nothing is dropped
because it lacks a ``<p>``). Any block tag, opening or closing, ends the current unit. Inline
elements (a, em, code, span...) stay inside their unit; ``<br>`` is a space. Table cells need
``MIN_CELL_WORDS`` words, as in Markdown.
Not prose: head, script, style, template, pre, textarea, noscript, svg, math, select, comments,
processing instructions, elements with the ``hidden`` attribute, and the page chrome: nav,
header, footer and aside, and any element whose ARIA ``role`` says it is one of them
(``navigation``, ``banner``, ``contentinfo``, ``complementary``, ``search``, ``menu``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

from dedup.formats import MIN_CELL_WORDS, FormatError
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
# ARIA landmark roles of page chrome: what nav, header, footer and aside mean, given to a div.
CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
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


LINE_CAP = 65535  # libxml2 reports this line for every element at or past it
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_TO_PRIVATE = {0xDC80 + i: 0xF780 + i for i in range(128)}
_FROM_PRIVATE = {v: k for k, v in _TO_PRIVATE.items()}


def blocks(text: str) -> list[Block]:
    """Cut HTML into prose blocks with 1-based, inclusive line spans."""
    lines = split_lines(text)
    source = "\n".join(lines).translate(_TO_PRIVATE)
    # lxml refuses a str that declares its encoding; blanking it keeps every position.
    source = _XML_DECLARATION.sub(lambda m: re.sub(r"\S", " ", m[0]), source)
    if not source.strip():
        return []
    parser = _parser()
    try:
        root = lxml_html.document_fromstring(source, parser=parser)
    except etree.ParserError:  # nothing but markup debris: no element, no text
        return []
    for error in parser.error_log:
        if error.level == etree.ErrorLevels.FATAL:  # libxml2 stopped: the rest would be lost
            raise FormatError(f"the HTML parser stopped at line {error.line}: {error.message}")
    walker = _Walker(lines)
    walker.walk(root)
    return walker.blocks


def _parser() -> lxml_html.HTMLParser:
    # huge_tree lifts libxml2's 10 MB text-node limit; the HTML parser never fetches anything.
    return lxml_html.HTMLParser(huge_tree=True, remove_blank_text=False)


@dataclass(slots=True)
class _Run:
    """Text gathered since the last block boundary, each piece with the line it starts on."""

    pieces: list[tuple[int, str]] = field(default_factory=list)
    in_cell: bool = False


class _Walker:
    """Walks the tree in document order (an explicit stack: deep nesting never recurses)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.blocks: list[Block] = []
        self.line = 1
        self.skipping = 0  # depth inside skipped elements
        self.cell = False
        self.run = _Run()

    def walk(self, root: etree._Element) -> None:
        stack: list[tuple[etree._Element, bool]] = [(root, False)]
        while stack:
            node, ended = stack.pop()
            if ended:
                self._end(node)
            elif not isinstance(node.tag, str):  # a comment or processing instruction
                self._count(node.text)
                self._resync(node)
                self._text(node.tail)
            else:
                self._start(node)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node))
        self._flush()

    def _start(self, element: etree._Element) -> None:
        self._resync(element)
        tag = str(element.tag).lower()
        if tag in SKIPPED_TAGS or self.skipping or _is_chrome(element):
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self._flush()
            self.cell = tag in _CELLS or (self.cell and tag not in _ROWS)
        elif tag == "br":
            self._text(" ")
        self._text(element.text)

    def _end(self, element: etree._Element) -> None:
        tag = str(element.tag).lower()
        if self.skipping:
            self.skipping -= 1
        elif tag in BLOCK_TAGS:
            self._flush()
            if tag in _CELLS or tag in _ROWS:
                self.cell = False
        self._text(element.tail)

    def _resync(self, node: etree._Element) -> None:
        if node.sourceline is not None and node.sourceline < LINE_CAP:
            self.line = node.sourceline

    def _count(self, text: str | None) -> None:
        if text:
            self.line += text.count("\n")

    def _text(self, text: str | None) -> None:
        if not text:
            return
        if not self.skipping:
            if not self.run.pieces:
                self.run.in_cell = self.cell
            self.run.pieces.append((self.line, text))
        self._count(text)

    def _flush(self) -> None:
        run, self.run = self.run, _Run()
        prose = "".join(text for _, text in run.pieces).translate(_FROM_PRIVATE)
        if not prose.strip():
            return
        if run.in_cell and len(prose.split()) < MIN_CELL_WORDS:
            return
        first = _edge_line(run.pieces, first=True)
        last = _edge_line(run.pieces, first=False)
        self.blocks.append(Block(first, last, "\n".join(self.lines[first - 1 : last]), prose))


def _is_chrome(element: etree._Element) -> bool:
    """Page chrome marked with an ARIA landmark role (Sphinx marks its navigation so), or hidden."""
    role = (element.get("role") or "").strip().lower()
    return role in CHROME_ROLES or element.get("hidden") is not None


def _edge_line(pieces: list[tuple[int, str]], first: bool) -> int:
    """The line of the first (or last) character of the run that is not whitespace."""
    for line, text in pieces if first else reversed(pieces):
        if text.strip():
            head = text[: len(text) - len(text.lstrip())] if first else text.rstrip()
            return line + head.count("\n")
    raise ValueError("a run with text has a piece with text")  # pragma: no cover
