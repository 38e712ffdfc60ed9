"""F2 scan_corpus: 1-4 fuzzed files of up to 2 KiB (text, Markdown, reST, HTML, JSON Lines).

Invariants: the scan raises nothing; every file is listed exactly once (scanned, skipped or an
error); the JSON report parses, has no NaN and no lone surrogate; clusters have at least two
members, sorted; link indices point at members; spans lie inside the files.
"""

from __future__ import annotations

import json
import shutil

import atheris
from common import fuzz, scratch

from dedup.config import Config
from dedup.formats.lines import split_lines
from dedup.pipeline import scan
from dedup.reader import decode
from dedup.reporters.json_report import render_json

ROOT = scratch("dedup-fuzz-scan-")
SUFFIXES = [".txt", ".md", ".rst", ".html", ".jsonl", ""]


def _write_corpus(data: bytes) -> dict[str, bytes]:
    provider = atheris.FuzzedDataProvider(data)
    files: dict[str, bytes] = {}
    for i in range(provider.ConsumeIntInRange(1, 4)):
        name = f"f{i}{provider.PickValueInList(SUFFIXES)}"
        content = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 2048))
        if files and provider.ConsumeBool():  # a copy of an earlier file, plus or minus a bit
            earlier = list(files.values())[provider.ConsumeIntInRange(0, len(files) - 1)]
            content = earlier[: provider.ConsumeIntInRange(0, len(earlier))] + content
        files[name] = content
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir()
    for name, content in files.items():
        (ROOT / name).write_bytes(content)
    return files


def _no_constant(name: str) -> None:
    raise AssertionError(f"{name} in the JSON report")


def target(data: bytes) -> None:
    files = _write_corpus(data)
    report = scan([str(ROOT)], Config(root=ROOT, max_file_size=1536))
    listed = [*report.files_scanned, *(s.path for s in report.skipped)]
    listed += [e.path for e in report.errors]
    assert sorted(listed) == sorted(files), (listed, sorted(files))
    parsed = json.loads(render_json(report), parse_constant=_no_constant)
    json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    for cluster in report.clusters:
        # Locations are lines, and several blocks can share one (two HTML paragraphs or two
        # Markdown table cells on one line), so a location may repeat: found by this target.
        where = [(m.path, m.start_line) for m in cluster.members]
        assert len(where) >= 2 and where == sorted(where)
        for link in cluster.links:
            assert 0 <= link.a < len(where) and 0 <= link.b < len(where)
        for member in cluster.members:
            text = decode(files[member.path]).text
            assert text is not None
            assert 1 <= member.start_line <= member.end_line <= len(split_lines(text))


if __name__ == "__main__":
    fuzz(target)
