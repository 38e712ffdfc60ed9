"""Reading again: the clustered paragraphs' texts, from their files, after matching.

A local scan holds no paragraph text (it would be the largest part of its memory): a paragraph
keeps its lines, its place among the blocks of its file and the ``digest`` of its text, and
once the clusters are known their files are read again. What is done for a file is a pure
function of the file and of what is wanted of it.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from dedup.formats.lines import split_lines
from dedup.models import Block, FileError, Skipped
from dedup.paragraphs import split_document
from dedup.reader import Job, read_marked

# A paragraph wanted of a file: its id, its first and last line, its place among the blocks the
# file keeps (for JSON Lines), and the ``digest`` of the text that was matched.
Wanted = tuple[int, int, int, int, int]
# The texts of a file's wanted paragraphs by their ids; or why they cannot be had (a message).
Again = dict[int, str] | str


def digest(text: str) -> int:
    """A checksum of a paragraph's text, the same in every process: is a paragraph read again
    the one that was matched? (A CRC-32 costs a third of ``stable_hash``, and a changed
    paragraph must also still start and end on the same lines.)"""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def texts_again(job: Job, wanted: Sequence[Wanted]) -> Again:
    """The texts of the ``wanted`` paragraphs of the file of ``job``, read again; or why they
    cannot be (the file is gone or unreadable, or a paragraph is not the one matched)."""
    outcome, _, marked = read_marked(job)
    if isinstance(outcome, Skipped):
        return outcome.reason
    if isinstance(outcome, FileError):
        return outcome.message
    texts: list[str | None]
    if outcome.format != "jsonl":
        # A block of every other format is its lines joined by LF (a property test in
        # test_formats): the file need not be split again.
        lines = split_lines(outcome.text)
        texts = ["\n".join(lines[start - 1 : end]) for _, start, end, _, _ in wanted]
    else:  # a record's paragraph is its text field: split again, found by its place
        kept = marked.split(split_document(outcome, job[2]).blocks)[0]
        texts = [_block_text(kept, block, start) for _, start, _, block, _ in wanted]
    edited = _first_edited(wanted, texts)
    if edited is not None:
        return f"line {edited} is not the paragraph it was"
    return {p[0]: text for p, text in zip(wanted, texts, strict=True) if text is not None}


def _block_text(blocks: Sequence[Block], number: int, line: int) -> str | None:
    """The text of the ``number``-th block, if there is one and it starts on ``line``."""
    if number < len(blocks) and blocks[number].start_line == line:
        return blocks[number].text
    return None


def _first_edited(wanted: Sequence[Wanted], texts: Sequence[str | None]) -> int | None:
    """The first line of the first paragraph whose text read again is not the one matched."""
    for (_, start, _, _, checksum), text in zip(wanted, texts, strict=True):
        if text is None or digest(text) != checksum:
            return start
    return None
