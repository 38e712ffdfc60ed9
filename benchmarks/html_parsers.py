"""Why the HTML reader uses lxml: Python's html.parser against it on unterminated markup.

Each input is about 200 KB of one unterminated construct. ``html.parser`` runs in a child
process with a time limit (it may not finish); the reader (``dedup.formats.html.blocks``, on
lxml) runs in this one. Times are wall-clock seconds on this machine, so compare the two columns
of one run, not runs on different machines.

Run ``python -m benchmarks.html_parsers`` (``--limit`` sets the child's time limit).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from dedup.formats import FormatError, html

INPUTS = {
    "start tag '<a '": "<a " * 70_000,
    "'<x'": "<x" * 100_000,
    "end tag '</'": "</" * 100_000,
    "processing instruction '<?'": "<?" * 100_000,
    "bogus comment '</ '": "</ " * 70_000,
    "marked section '<!['": "<![" * 70_000,
}

_CHILD = """
import sys, time
from html.parser import HTMLParser
text = sys.stdin.read()
start = time.perf_counter()
try:
    parser = HTMLParser()
    parser.feed(text)
    parser.close()
    print(f"{time.perf_counter() - start:.2f}")
except Exception as exc:
    print(type(exc).__name__)
"""


def stdlib_seconds(text: str, limit: float) -> str:
    """html.parser's time on ``text`` (or how it failed), measured in a child process."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=text,
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"> {limit:.0f} (stopped)"
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def reader_seconds(text: str) -> str:
    """The lxml-based reader's time on ``text``."""
    start = time.perf_counter()
    try:
        html.blocks(text)
    except FormatError:
        return f"{time.perf_counter() - start:.2f} (parser gave up: plain text)"
    return f"{time.perf_counter() - start:.2f}"


def main() -> None:
    """Print one row per input: its size, html.parser's time and the reader's."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--limit", type=float, default=20.0, help="html.parser's time limit (s)")
    limit = args.parse_args().limit
    print(f"{'input':32} {'bytes':>8} {'html.parser s':>18} {'dedup reader s':>16}")
    for name, text in INPUTS.items():
        stdlib, reader = stdlib_seconds(text, limit), reader_seconds(text)
        print(f"{name:32} {len(text):8} {stdlib:>18} {reader:>16}")


if __name__ == "__main__":
    main()
