"""Cut a document into paragraphs: the format's blocks, normalised into words."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from dedup.formats import FormatError, jsonl, plain
from dedup.models import Block, Document

FORMATS = ("text", "markdown", "rst", "html", "jsonl")

# The module that cuts each format. The parsers of Markdown (markdown-it-py), reStructuredText
# (docutils) and HTML are imported when a document of their format is first met: they are
# some 30 ms of a scan's start, which a folder of plain text never needs.
_SPLITTERS = {"text": "plain", "markdown": "markdown", "rst": "rst", "html": "html"}


@cache
def _splitter(fmt: str) -> Callable[[str], list[Block]]:
    blocks: Callable[[str], list[Block]] = importlib.import_module(
        f"dedup.formats.{_SPLITTERS[fmt]}"
    ).blocks
    return blocks


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
    splitter = _splitter(document.format)
    try:
        return Split(tuple(splitter(document.text)))
    except RecursionError:  # a parser's recursion on absurdly deep nesting
        problem = f"nested too deeply to read as {document.format}; read as plain text"
    except FormatError as exc:
        problem = f"{exc}; read as plain text"
    return Split(tuple(plain.blocks(document.text)), (problem,))
