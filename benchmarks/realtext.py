"""Real paragraphs that every machine of ours has and nobody on the team wrote.

Sources, in this order:
* ``/usr/share/common-licenses/*``: the licence texts Debian ships;
* ``/usr/share/doc/*/copyright``: each package's copyright file (Debian's machine-readable format,
  whose multi-paragraph fields separate paragraphs with a line holding only ``.``);
* man pages from sections 1, 5 and 8, rendered as a reader sees them with ``man -l -P cat``
  (80 columns, no hyphenation or justification): ``man_pages`` of them, taken round-robin over
  tool names so no one tool's hundreds of pages dominate.

Each text is cut at blank lines (and ``.`` lines), its lines are joined with single spaces, and
paragraphs with fewer than ``MIN_WORDS`` words (headings, field names, option names) are dropped.
Exact duplicates are removed first (compared lower-cased with runs of non-word characters
collapsed, the issue's "floor" normalisation), keeping the first occurrence in source order.
Every paragraph keeps its *family* (the file it came from), so a benchmark can pick negatives
that look alike without being copies: two clauses of the same licence, two options of one page.

The result depends only on the packages installed: the same on every machine with the same
packages (``main`` prints a digest of the result so two runs can be compared).
Rendering man pages takes a while, so the result is cached as JSON Lines in ``CACHE``
(``~/.cache/dedup-benchmarks``, shared by every checkout on the machine).

Run ``python -m benchmarks.realtext --man-pages 300`` to build it and print a summary.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dedup-benchmarks"
MIN_WORDS = 8
MAN_SECTIONS = ("1", "5", "8")
_SEPARATOR = re.compile(r"\n[ \t]*\.?[ \t]*(?:\n|$)")
_FLOOR = re.compile(r"\W+")


@dataclass(frozen=True, slots=True)
class SourceParagraph:
    """One real paragraph, on one line, with the file family it came from."""

    family: str  # e.g. "license:GPL-3", "copyright:bash", "man:grep.1"
    text: str


def floor_key(text: str) -> str:
    """The exact-duplicate key: lower case, runs of non-word characters as one space."""
    return _FLOOR.sub(" ", text.lower()).strip()


def split_paragraphs(text: str) -> Iterator[str]:
    """Blocks between blank (or lone ``.``) lines, each joined into one line."""
    for block in _SEPARATOR.split(text.replace("\r\n", "\n")):
        joined = " ".join(block.split())
        if len(joined.split()) >= MIN_WORDS:
            yield joined


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def license_texts() -> Iterator[tuple[str, str]]:
    """``(family, text)`` of every licence in ``/usr/share/common-licenses``."""
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path) and not os.path.islink(path):
            yield f"license:{os.path.basename(path)}", _read(path)


def copyright_texts() -> Iterator[tuple[str, str]]:
    """``(family, text)`` of every package's ``copyright`` file."""
    for path in sorted(glob.glob("/usr/share/doc/*/copyright")):
        if os.path.isfile(path):
            yield f"copyright:{Path(path).parent.name}", _read(path)


def man_page_files(count: int) -> list[str]:
    """``count`` man pages of sections 1, 5 and 8, taken round-robin over name prefixes.

    Pages are grouped by the part of their name before the first ``_``, ``-`` or ``.`` (one
    tool with hundreds of sub-command pages is one group), so no single tool dominates.
    """
    groups: dict[str, list[str]] = {}
    for section in MAN_SECTIONS:
        for path in glob.glob(f"/usr/share/man/man{section}/*.{section}*.gz"):
            prefix = re.split(r"[_.-]", os.path.basename(path), maxsplit=1)[0]
            groups.setdefault(prefix, []).append(path)
    queues = [sorted(paths) for _, paths in sorted(groups.items())]
    out: list[str] = []
    depth = 0
    while len(out) < count and any(depth < len(q) for q in queues):
        out.extend(q[depth] for q in queues if depth < len(q))
        depth += 1
    return sorted(out[:count])


def _render(path: str) -> str:
    env = {**os.environ, "MANWIDTH": "80", "LANG": "C.UTF-8", "MAN_KEEP_FORMATTING": ""}
    result = subprocess.run(
        ["man", "--nh", "--nj", "-l", "-P", "cat", path],
        capture_output=True,
        env=env,
        check=False,
        timeout=60,
    )
    return result.stdout.decode("utf-8", errors="replace") if result.returncode == 0 else ""


def man_texts(count: int, workers: int = 2) -> Iterator[tuple[str, str]]:
    """``(family, rendered text)`` of the selected man pages, in sorted order."""
    files = man_page_files(count)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for path, text in zip(files, pool.map(_render, files), strict=True):
            name = os.path.basename(path).removesuffix(".gz")
            yield f"man:{name}", text


def distinct(texts: Iterable[tuple[str, str]]) -> list[SourceParagraph]:
    """The paragraphs of ``texts`` with exact duplicates removed (first occurrence kept)."""
    seen: set[str] = set()
    out = []
    for family, text in texts:
        for paragraph in split_paragraphs(text):
            key = floor_key(paragraph)
            if key not in seen:
                seen.add(key)
                out.append(SourceParagraph(family, paragraph))
    return out


def build(man_pages: int) -> list[SourceParagraph]:
    """Collect the paragraphs from every source (no cache)."""
    sources = (*license_texts(), *copyright_texts(), *man_texts(man_pages))
    return distinct(sources)


def paragraphs(man_pages: int = 2000, cache: Path = CACHE) -> list[SourceParagraph]:
    """The real paragraphs, from the cache when it was built with the same ``man_pages``."""
    path = cache / f"realtext-man{man_pages}.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as handle:
            return [SourceParagraph(**json.loads(line)) for line in handle]
    result = build(man_pages)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for item in result:
            handle.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
    tmp.replace(path)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--man-pages", type=int, default=2000, help="man pages to render")
    args = parser.parse_args()
    result = paragraphs(args.man_pages)
    families: dict[str, int] = {}
    for item in result:
        kind = item.family.split(":", 1)[0]
        families[kind] = families.get(kind, 0) + 1
    words = sum(len(p.text.split()) for p in result)
    print(f"{len(result)} distinct paragraphs, {words} words; by source: {families}")
    print(f"digest {digest(result)}")


def digest(items: Iterable[SourceParagraph]) -> str:
    """A short hash of the corpus, to tell whether two runs used the same text."""
    h = hashlib.sha256()
    for item in items:
        h.update(f"{item.family}\t{item.text}\n".encode())
    return h.hexdigest()[:16]


if __name__ == "__main__":
    main()
