"""F1 decode_and_split: raw bytes -> decoder -> the paragraph splitter of every format.

Invariants: decoding raises nothing (a file is text or skipped with a reason); splitting raises
nothing (text, Markdown, reST, HTML, JSON Lines; what a parser cannot read is a problem, not an
exception); every span lies inside the file (1 <= start <= end <= line count, lines counted as
editors count them); the block text is made of the file's own lines.
"""

from __future__ import annotations

from common import fuzz

from dedup.formats.lines import split_lines
from dedup.models import Document
from dedup.paragraphs import FORMATS, split_document
from dedup.reader import decode


def target(data: bytes) -> None:
    decoded = decode(data)
    if decoded.text is None:
        assert decoded.skip_reason, "no text and no reason"
        return
    lines = split_lines(decoded.text)
    for fmt in FORMATS:
        for block in split_document(Document("f", decoded.text, fmt)).blocks:
            assert 1 <= block.start_line <= block.end_line <= len(lines), (fmt, block)
            if fmt == "text":
                assert block.text == "\n".join(lines[block.start_line - 1 : block.end_line])


if __name__ == "__main__":
    fuzz(target)
