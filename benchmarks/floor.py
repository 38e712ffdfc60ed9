"""The floor: the least any exact-duplicate finder must do, in the simplest Python.

Read every file, split it on blank lines, lower-case each paragraph, replace runs of non-word
characters with one space, and hash it (counting each hash). ``python -m benchmarks.floor DIR``
prints how many paragraphs and distinct hashes it saw.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator

BLANK_LINES = re.compile(r"\n\s*\n")
NON_WORD = re.compile(r"\W+")


def paragraph_keys(root: str) -> Iterator[str]:
    """Each paragraph under ``root``, lower-cased with runs of non-word characters as a space."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                text = handle.read()
            for paragraph in BLANK_LINES.split(text):
                key = NON_WORD.sub(" ", paragraph.lower()).strip()
                if key:
                    yield key


def floor(root: str) -> tuple[int, int]:
    """``(paragraphs, distinct paragraphs)`` under ``root``."""
    counts: dict[int, int] = {}
    for key in paragraph_keys(root):
        digest = hash(key)
        counts[digest] = counts.get(digest, 0) + 1
    return sum(counts.values()), len(counts)


if __name__ == "__main__":
    total, distinct = floor(sys.argv[1])
    print(f"{total} paragraphs, {distinct} distinct")
