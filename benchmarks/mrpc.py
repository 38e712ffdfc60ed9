"""The MRPC paraphrase pairs (``../shared/eval/mrpc-train``), split once into tune and held-out.

The split rule, fixed before any tuning: a pair belongs to the **tune** part when the CRC-32 of
``"{a.path}:{a.line}|{b.path}:{b.line}"`` (the locations as the labels file writes them) is 0, 1
or 2 modulo 5, else to the **held-out** part: about 60 % / 40 %, the same on every machine.
Thresholds and the reworded model are chosen on the tune part only; the README reports the
held-out part.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dedup.config import Config
from dedup.models import Paragraph
from dedup.pipeline import _distinct_texts, process_file, text_numbers
from dedup.verify import Text
from dedup.walk import walk

REPO = Path(__file__).resolve().parent.parent
MRPC = Path(os.environ.get("DEDUP_MRPC", REPO.parent / "shared" / "eval" / "mrpc-train"))
SPLITS = ("tune", "heldout")


def split_of(item: dict[str, Any]) -> str:
    """``"tune"`` or ``"heldout"`` for one labelled pair (see the module docstring)."""
    a, b = item["a"], item["b"]
    key = f"{a['path']}:{a['line']}|{b['path']}:{b['line']}"
    return "tune" if zlib.crc32(key.encode("utf-8")) % 5 < 3 else "heldout"


def labels(mrpc: Path = MRPC) -> Iterator[dict[str, Any]]:
    """The labelled pairs of ``labels.jsonl``, in file order."""
    with (mrpc / "labels.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def write_splits(out: Path, mrpc: Path = MRPC) -> dict[str, Path]:
    """Write ``tune.jsonl`` and ``heldout.jsonl`` into ``out`` (absolute paths) and name them."""
    out.mkdir(parents=True, exist_ok=True)
    files = {name: out / f"{name}.jsonl" for name in SPLITS}
    handles = {name: path.open("w", encoding="utf-8") for name, path in files.items()}
    try:
        for item in labels(mrpc):
            absolute = {
                side: {
                    "path": str((mrpc / item[side]["path"]).resolve()),
                    "line": item[side]["line"],
                }
                for side in ("a", "b")
            }
            record = {**absolute, "label": item["label"], "kind": "reworded"}
            handles[split_of(item)].write(json.dumps(record) + "\n")
    finally:
        for handle in handles.values():
            handle.close()
    return files


def texts(mrpc: Path = MRPC) -> tuple[list[Text], dict[tuple[str, int], int]]:
    """The distinct texts of ``docs/`` as a scan sees them, and the text id of every line."""
    config = Config(root=mrpc)
    paragraphs: list[Paragraph] = []
    words: list[tuple[str, ...]] = []
    keys: list[tuple[int, ...]] = []
    for source in walk([str(mrpc / "docs")], config).files:
        result = process_file(source, config.max_file_size)
        for piece in result.pieces:
            if piece.words:
                paragraphs.append(
                    Paragraph(
                        len(paragraphs),
                        source.display,
                        piece.start_line,
                        piece.end_line,
                        piece.text,
                    )
                )
                words.append(piece.words)
                keys.append(piece.sentence_keys)
    occurrences, distinct, _ = _distinct_texts(paragraphs, words, keys, text_numbers(words))
    where = {
        (p.path, line): text_id
        for text_id, found in enumerate(occurrences)
        for p in found
        for line in range(p.start_line, p.end_line + 1)
    }
    return distinct, where
