"""Shared set-up of the fuzz targets: import the dedup modules under atheris instrumentation.

Heavy third-party modules are imported first, uninstrumented, so coverage feedback (and time)
goes to dedup's own code.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris
import datasketch  # noqa: F401  (imported before instrumentation on purpose)
import markdown_it  # noqa: F401
import numpy  # noqa: F401
import rapidfuzz  # noqa: F401
import rich  # noqa: F401
from scratch import memory_folder

with atheris.instrument_imports(include=["dedup"]):
    import dedup.candidates
    import dedup.cli
    import dedup.config
    import dedup.pipeline
    import dedup.reader  # noqa: F401


def fuzz(target: Callable[[bytes], None]) -> None:
    """Hand ``target`` to libFuzzer with the command-line arguments (``-runs=N`` and so on)."""
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


def scratch(prefix: str) -> Path:
    """A folder for the files a target writes, inside ``DEDUP_FUZZ_SCRATCH`` when run.py set
    it (run.py removes it afterwards; libFuzzer exits without running Python's clean-up)."""
    where = os.environ.get("DEDUP_FUZZ_SCRATCH") or memory_folder()
    return Path(tempfile.mkdtemp(prefix=prefix, dir=where))
