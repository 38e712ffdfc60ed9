"""Do the readers' line spans point at the right lines? Checked on the documents a machine has.

For every ``.md``, ``.rst`` and ``.html`` file under the given folders (sorted, at most
``--files`` per format), each block's words must all stand in the source lines of its span
(``_`` and ``\\`` read as word breaks, since ``N2258_`` is a reST link to ``N2258`` and
``a\\_b`` is Markdown for ``a_b``). A block
whose words are not all there is a *miss*: either a wrong span or markup the reader turned into
different words (a substitution, ``\\_`` escapes); the first misses are printed to look at.

Run ``python -m benchmarks.format_spans`` (``--roots`` and ``--files`` to choose).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path

from dedup.models import Document
from dedup.normalize import words
from dedup.paragraphs import split_document
from dedup.reader import FORMAT_BY_SUFFIX, decode

FORMATS = ("markdown", "rst", "html")


def documents(roots: list[str], fmt: str, limit: int) -> Iterator[Path]:
    """Up to ``limit`` files of format ``fmt`` under ``roots``, in sorted order."""
    found: list[Path] = []
    for root in roots:
        for folder, subdirs, names in os.walk(root):
            subdirs.sort()
            found += [
                Path(folder, n) for n in sorted(names) if FORMAT_BY_SUFFIX.get(_suffix(n)) == fmt
            ]
    yield from sorted(p for p in found if p.is_file())[:limit]


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def check(path: Path, fmt: str) -> tuple[int, list[str]]:
    """How many blocks ``path`` has, and a line for each block whose words miss from its span."""
    text = decode(path.read_bytes()).text
    if text is None:
        return 0, []
    split = split_document(Document(str(path), text, fmt))
    misses = []
    for block in split.blocks:
        source = set(_tokens(block.text))
        missing = [w for w in _tokens(block.prose) if w not in source]
        if missing:
            misses.append(f"{path}:{block.start_line}-{block.end_line}: {missing[:4]}")
    return len(split.blocks), misses


def _tokens(text: str) -> tuple[str, ...]:
    """Words, with ``_`` and ``\\`` read as breaks (reST links, Markdown escapes)."""
    return words(text.replace("_", " ").replace("\\", " "))


def main() -> None:
    """Print, per format, files, blocks and misses, then the first misses."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--roots", nargs="+", default=["/usr/share", "/usr/lib"])
    args.add_argument("--files", type=int, default=1000, help="at most this many per format")
    args.add_argument("--show", type=int, default=5, help="misses printed per format")
    options = args.parse_args()
    for fmt in FORMATS:
        files = blocks = 0
        misses: list[str] = []
        for path in documents(options.roots, fmt, options.files):
            count, missed = check(path, fmt)
            files, blocks = files + 1, blocks + count
            misses += missed
        print(f"{fmt}: {files} files, {blocks} blocks, {len(misses)} misses")
        for miss in misses[: options.show]:
            print(f"  {miss}")


if __name__ == "__main__":
    main()
