"""Cut a document into paragraphs: the format's blocks, normalised into words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dedup.formats import FormatError, html, jsonl, markdown, plain, rst
from dedup.models import Block, Document

FORMATS = ("text", "markdown", "rst", "html", "jsonl")

_SPLITTERS: dict[str, Callable[[str], list[Block]]] = {
    "text": plain.blocks,
    "markdown": markdown.blocks,
    "rst": rst.blocks,
    "html": html.blocks,
}


@dataclass(frozen=True, slots=True)
class Split:
    """The prose blocks of a document in source order, and what could not be read as prose."""

    blocks: tuple[Block, ...]
    problems: tuple[str, ...] = ()


def split_document(document: Document, text_field: str = "text") -> Split:
    """Cut ``document`` by its format; ``text_field`` names the text of a JSON Lines record."""
    if document.format == "jsonl":
        records = jsonl.blocks(document.text, text_field)
        return Split(tuple(records.blocks), tuple(records.problems))
    splitter = _SPLITTERS[document.format]
    try:
        return Split(tuple(splitter(document.text)))
    except RecursionError:  # a parser's recursion on absurdly deep nesting
        problem = f"nested too deeply to read as {document.format}; read as plain text"
    except FormatError as exc:
        problem = f"{exc}; read as plain text"
    return Split(tuple(plain.blocks(document.text)), (problem,))
