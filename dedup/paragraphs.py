"""Cut a document into paragraphs: the format's blocks, normalised into words."""

from __future__ import annotations

from collections.abc import Callable

from dedup.formats import markdown, plain
from dedup.models import Block, Document

_SPLITTERS: dict[str, Callable[[str], list[Block]]] = {
    "text": plain.blocks,
    "markdown": markdown.blocks,
}


def split_blocks(document: Document) -> list[Block]:
    """The prose blocks of ``document`` in source order."""
    return _SPLITTERS[document.format](document.text)
