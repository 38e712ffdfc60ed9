"""A regression guard on speed: ratios on a small real corpus, with generous margins.

Not a timing test: no number of seconds is asserted. Both sides run in this process, one after
the other, and only their CPU-time ratio is checked, so a busy machine slows both alike. The
targets themselves (issue 4) are measured by ``make bench``; this only catches a change that
makes the scan several times slower than it is, or its cost grow faster than the corpus.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import corpus, realtext
from benchmarks.naive import naive
from dedup.config import Config
from dedup.pipeline import scan
from dedup.reporters.json_report import render_json


def _licence_corpus(tmp: Path, size: int) -> Path:
    """``size`` paragraphs grown from the Debian licences (seeded), 100 to a file."""
    real = [p.text for p in realtext.distinct(realtext.license_texts())]
    if len(real) < 200:
        pytest.skip("fewer than 200 licence paragraphs in /usr/share/common-licenses")
    docs = tmp / f"docs-{size}"
    texts = list(corpus.paragraphs(real, size, seed=5))
    for start in range(0, size, 100):
        folder = docs / f"d{start // 10_000:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        chunk = "\n\n".join(texts[start : start + 100]) + "\n"
        (folder / f"f{start:06d}.txt").write_text(chunk, encoding="utf-8")
    return docs


def _cpu(run: Callable[[], object]) -> float:
    started = time.process_time()
    run()
    return time.process_time() - started


def _scan(docs: Path) -> Callable[[], object]:
    config = replace(Config(), root=docs, jobs=1)
    return lambda: render_json(scan([str(docs)], config))


@pytest.mark.slow
def test_the_scan_beats_naive_datasketch_and_grows_linearly(tmp_path: Path) -> None:
    small, large = _licence_corpus(tmp_path, 2_000), _licence_corpus(tmp_path, 8_000)
    _cpu(_scan(small))  # imports and first-call costs out of the measurement
    naive_large = _cpu(lambda: naive(str(large)))
    scan_small, scan_large = _cpu(_scan(small)), _cpu(_scan(large))
    # here about 5.9 x faster than naive at 8k paragraphs (CPU; make bench: 3.5 x at 30k, wall);
    # fail only at a third of that
    assert naive_large / scan_large > 2.0, (naive_large, scan_large)
    # the cost per paragraph at 4 x the corpus: about 1.1 x; fail only at twice that
    assert (scan_large / 8_000) / (scan_small / 2_000) < 2.0, (scan_small, scan_large)
