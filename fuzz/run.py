"""Run every fuzz target in turn: ``make fuzz-short`` (a few thousand executions each, fixed
seed, part of ``make test``) or ``make fuzz`` (minutes each, random seed).

Each target starts from seeds written at run time (one or more per bad-input row it covers),
runs in its own process under libFuzzer (``-timeout`` and ``-rss_limit_mb`` make hangs and
blow-ups count as failures) and reports how many executions ran clean. A crash leaves its input
in ``fuzz/crashes/``; rerun it with ``python fuzz/fuzz_<target>.py fuzz/crashes/<file>``.

Usage: python fuzz/run.py short|long [TARGET...]
"""

from __future__ import annotations

import codecs
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import memory_folder

HERE = Path(__file__).resolve().parent
PROSE = b"The committee met on Tuesday to discuss the budget for the coming year."
TEXTS = [
    b"",
    b" \n\t\n",
    PROSE + b"\n\n" + PROSE + b"\n",
    codecs.BOM_UTF8 + PROSE,
    codecs.BOM_UTF16_LE + PROSE.decode().encode("utf-16-le"),
    codecs.BOM_UTF16_BE + PROSE.decode().encode("utf-16-be") + b"\xd8",
    codecs.BOM_UTF32_LE + "caf\u00e9".encode("utf-32-le"),
    b"caf\xe9 " + PROSE,
    b"\xc0\xaf\xed\xa0\x80\xff",
    PROSE.replace(b" ", b"\r\n") + b"\r\rx\r",
    "a\u2028b\u0085c\x0cd\x0be\x1cf".encode(),
    b"abc\x00def",
    b"---\ntitle: x\n---\n# Head\n\n> quote "
    + PROSE
    + b"\n\n```\ncode\n```\n| a | b |\n|---|---|\n",
    b"- item one\n- item two\n  continued\n1. numbered\n\n    indented code\n<!-- c -->\n",
    b"Title\n=====\n\n" + PROSE + b"\n\n.. code-block:: python\n\n   x = 1\n\n* item\n",
    b"<html><body><nav>menu</nav><p>" + PROSE + b"</p><script>x</script><td>&amp; c</td>",
    b'{"text": "' + PROSE + b'"}\n{"text": 3}\nnot json\n{"other": "x"}\n',
]
SEEDS: dict[str, list[bytes]] = {
    "decode_split": TEXTS,
    "normalize": [t.decode("utf-8", "replace").encode("utf-16-le") for t in TEXTS],
    "verify": [PROSE + b"\x00" + PROSE, PROSE + PROSE.replace(b"Tuesday", b"Friday")],
    "scan": [bytes([3, 0]) + t + PROSE for t in TEXTS]
    + [b"aP<>)\xc8<P/g>>P<>)\xc8<P>\xfb\xc8<P/gg>>>\xfb"],  # HTML blocks sharing a line
    "config": [
        b"[tool.dedup]\nmin-words = 3\nexclude = ['*.md']\nfail-on = 'exact,near'\n",
        b"fail-similarity = 0.5\nthreshhold = 1\n",
        b"[tool.dedup]\nnear-threshold = nan\nmax-file-size = -1\n",
        b"[tool.dedup\n",
        b"exclude = ['\\\\']\njobs = 99999999999999999999\n",
        b"seed = 1\nnum-perm = 15\nhidden = 'yes'\n",
        b"tool =9",  # found by fuzz_config: crashed the loader with AttributeError
    ],
}
SHORT_RUNS = {"decode_split": 5000, "normalize": 5000, "verify": 5000, "scan": 2000, "config": 2000}
LONG_SECONDS = 120
DONE = re.compile(r"Done (\d+) runs in (\d+) second")


def run(name: str, long: bool) -> bool:
    with tempfile.TemporaryDirectory(prefix=f"dedup-fuzz-{name}-", dir=memory_folder()) as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for i, seed in enumerate(SEEDS[name]):
            (corpus / f"seed{i:02d}").write_bytes(seed)
        crashes = HERE / "crashes"
        crashes.mkdir(exist_ok=True)
        budget = [f"-max_total_time={LONG_SECONDS}"] if long else [f"-runs={SHORT_RUNS[name]}"]
        command = [
            sys.executable,
            str(HERE / f"fuzz_{name}.py"),
            str(corpus),
            *budget,
            *([] if long else ["-seed=1"]),
            "-timeout=20",
            "-rss_limit_mb=2048",
            f"-artifact_prefix={crashes}/{name}-",
        ]
        started = time.perf_counter()
        env = {**os.environ, "DEDUP_FUZZ_SCRATCH": tmp}
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    seconds = time.perf_counter() - started
    found = DONE.search(done.stderr)
    ok = done.returncode == 0 and found is not None
    runs = found.group(1) if found else "?"
    print(f"fuzz_{name:13} {runs:>8} executions in {seconds:5.1f} s: {'clean' if ok else 'FAILED'}")
    if not ok:
        print(done.stderr[-3000:])
    return ok


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("short", "long"):
        print(__doc__)
        return 2
    names = argv[1:] or list(SEEDS)
    results = [run(name, argv[0] == "long") for name in names]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
