"""reStructuredText, parsed by docutils (the reference implementation of the format).

Why docutils and not a line-based reader: reST's block structure (directives with options and
indented bodies, literal blocks opened by a ``::`` at the end of the previous paragraph, comments,
grid tables, nested lists, definition lists, substitution definitions) is exactly what a
line-based reader gets subtly wrong, and its inline markup (``code``, *emphasis*, `links <url>`_,
:role:`text`, escapes) needs the real rules to be stripped. docutils gives every paragraph and
title a source line (measured on docutils 0.23: a paragraph's ``line`` is its first line, a
section title's is its underline), and keeps each node's raw source. Each span is then *checked*
against the file: the node's first raw line is looked for near the line docutils gives, and the
span is as many lines as the raw source has. So a line number docutils gets wrong (it has been off
by one in some contexts in past releases) moves a span to the right place instead of a wrong one.

Prose units: paragraphs (also inside list items, block quotes, admonitions such as ``note`` and
``warning``, footnotes, field and definition lists), section and admonition titles, definition
terms, figure captions, rubrics and each line of a line block (``| ...``, as plain text's
stand-alone lines); table cells only with at least ``MIN_CELL_WORDS`` words.
Not prose: literal blocks, doctest blocks, comments, substitution definitions, the bodies of
``code``/``code-block``/``sourcecode``, ``math``, ``raw``, ``include`` and ``csv-table``, and
every directive docutils does not know (Sphinx's ``toctree``, ``autoclass``...: it turns them
into error messages, which are skipped), except the Sphinx directives in ``PROSE_DIRECTIVES``
whose bodies are read as prose. Nothing is read from other files (``include`` is never followed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, ClassVar

from docutils import frontend, nodes, utils
from docutils.parsers.rst import Directive, Parser, directives
from docutils.statemachine import StringList

from dedup.formats import MIN_CELL_WORDS
from dedup.formats.lines import split_lines
from dedup.models import Block

# Directives whose bodies are code, data or markup for another tool: nothing in them is prose.
NOT_PROSE_DIRECTIVES = (
    *("code", "code-block", "sourcecode", "math", "raw", "include", "csv-table", "contents"),
)
# Sphinx directives docutils does not know whose text is prose, each with the number of words of
# its argument that are not (a version number).
PROSE_DIRECTIVES = {
    **dict.fromkeys(("seealso", "centered", "glossary", "hlist"), 0),
    **dict.fromkeys(("versionadded", "versionchanged", "versionremoved", "deprecated"), 1),
}

_UNITS = (nodes.paragraph, nodes.title, nodes.term, nodes.caption, nodes.rubric, nodes.line)
_NOT_PROSE = (
    nodes.system_message,
    nodes.comment,
    nodes.literal_block,
    nodes.doctest_block,
    nodes.math_block,
    nodes.raw,
    nodes.substitution_definition,
)
_SKIPPED_INLINE = (nodes.footnote_reference, nodes.citation_reference, nodes.system_message)
# Line ends docutils would split on (str.splitlines) but editors do not: made spaces, so docutils
# counts lines as ``split_lines`` does.
_FOREIGN_BREAKS = str.maketrans(dict.fromkeys("\v\f\x1c\x1d\x1e\x85\u2028\u2029", " "))
_ROLE = re.compile(r":[\w.+-]+(?::[\w.+-]+)*:`(?P<text>.*)`\Z", re.DOTALL)
_TARGET = re.compile(r"(?P<text>.*?)\s*<[^<>]*>\Z", re.DOTALL)
_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1+\s*\Z")
_SEARCH_RADIUS = 20  # lines around docutils' line number where a block's raw text is looked for


class _NotProse(Directive):
    """A directive whose body is dropped: it yields no nodes at all."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True  # options and arguments all land here, unchecked

    def run(self) -> list[nodes.Node]:
        return []


class _ProseBody(Directive):
    """A Sphinx directive whose argument text and body are ordinary reST prose.

    ``versionadded`` and its kin start with a version number, which is not prose.
    """

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Any]] = {
        "sorted": directives.flag,  # glossary
        "columns": directives.positive_int,  # hlist
    }

    def run(self) -> list[nodes.Node]:
        body = nodes.container()
        argument = self.arguments[0] if self.arguments else ""
        if PROSE_DIRECTIVES[self.name]:
            argument = [*argument.split(None, 1), ""][1]
        if argument.strip():
            source = self.state.document.current_source or "<dedup>"
            rows = argument.splitlines()
            # Each argument line keeps a line number near its own, for the span check.
            items = [(source, self.lineno - 1 + i) for i in range(len(rows))]
            self.state.nested_parse(StringList(rows, items=items), self.lineno - 1, body)
        self.state.nested_parse(self.content, self.content_offset, body)
        return [body]


for _name in NOT_PROSE_DIRECTIVES:
    directives.register_directive(_name, _NotProse)
for _name in PROSE_DIRECTIVES:
    directives.register_directive(_name, _ProseBody)


@lru_cache(maxsize=1)
def _settings() -> Any:
    settings = frontend.get_default_settings(Parser)
    settings.report_level = 5  # nothing printed; problems stay in the tree as system_message
    settings.halt_level = 5  # never raise on bad markup
    settings.warning_stream = False
    settings.file_insertion_enabled = False
    settings.raw_enabled = False
    return settings


def blocks(text: str) -> list[Block]:
    """Cut reStructuredText into prose blocks with 1-based, inclusive line spans."""
    lines = split_lines(text)
    document = utils.new_document("<dedup>", _settings())
    Parser().parse("\n".join(lines).translate(_FOREIGN_BREAKS), document)
    seen: list[Block] = []
    for node in _units(document):
        prose = _text(node)
        if not prose.strip():
            continue
        if _in(node, nodes.entry) and len(prose.split()) < MIN_CELL_WORDS:
            continue
        first, last = _span(node, lines)
        seen.append(Block(first, last, "\n".join(lines[first - 1 : last]), prose))
    return seen


def _units(document: nodes.document) -> Iterator[nodes.Element]:
    for node in document.findall(nodes.Element):
        if isinstance(node, _UNITS) and not _in(node, _NOT_PROSE):
            yield node


def _in(node: nodes.Node, kinds: type | tuple[type, ...]) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        parent = parent.parent
    return False


def _text(node: nodes.Element) -> str:
    """The words of ``node`` as a reader sees them: markup gone, footnote marks dropped."""
    parts = []
    for child in node.children:
        if isinstance(child, nodes.Text):
            parts.append(child.astext())  # backslash escapes resolved
        elif isinstance(child, _SKIPPED_INLINE):
            continue
        elif isinstance(child, nodes.substitution_reference):
            parts.append(_substitution(child))
        elif isinstance(child, nodes.problematic):  # e.g. a Sphinx role docutils does not know
            parts.append(_role_text(child.astext()))
        elif isinstance(child, nodes.Element):
            parts.append(_text(child))
    return "".join(parts)


def _substitution(reference: nodes.substitution_reference) -> str:
    """The text a ``|name|`` stands for, when the file defines it (else the name)."""
    document = reference.document
    name = reference.get("refname", "")
    definition = document.substitution_defs.get(name) if document is not None else None
    return _text(definition) if definition is not None else reference.astext()


def _role_text(raw: str) -> str:
    """``:ref:`Title <target>``` -> ``Title``; ``:func:`~mod.name``` -> ``mod.name``."""
    role = _ROLE.match(raw)
    if role is None:
        return raw
    inner = role["text"]
    target = _TARGET.match(inner)
    return (target["text"] if target and target["text"] else inner).lstrip("~!")


def _span(node: nodes.Element, lines: list[str]) -> tuple[int, int]:
    """The 1-based, inclusive source lines of ``node``, checked against the file."""
    raw = [line.strip() for line in node.rawsource.splitlines()] or [node.astext().strip()]
    hint = _line_hint(node)
    first = _find(raw, lines, hint)
    if first is None:
        return hint, hint
    last = first + len(raw) - 1
    if isinstance(node, nodes.title) and isinstance(node.parent, nodes.section):
        if last < len(lines) and _ADORNMENT.match(lines[last]):
            last += 1
        if first > 1 and _ADORNMENT.match(lines[first - 2]):
            first -= 1
    return first, last


def _line_hint(node: nodes.Node | None) -> int:
    while node is not None:
        if node.line is not None:
            return max(1, node.line)
        node = node.parent
    return 1


def _find(raw: list[str], lines: list[str], hint: int) -> int | None:
    """The 1-based line nearest to ``hint`` where the raw lines ``raw`` stand in the file."""
    for offset in range(_SEARCH_RADIUS + 1):
        for start in (hint - offset, hint + offset) if offset else (hint,):
            if _stands_at(raw, lines, start):
                return start
    return None


def _stands_at(raw: list[str], lines: list[str], start: int) -> bool:
    end = start + len(raw) - 1
    if start < 1 or end > len(lines):
        return False
    return raw[0] in _comparable(lines[start - 1]) and raw[-1] in _comparable(lines[end - 1])


def _comparable(line: str) -> str:
    """A source line as docutils holds it: tabs expanded, odd breaks made spaces."""
    return line.expandtabs(8).translate(_FOREIGN_BREAKS)
