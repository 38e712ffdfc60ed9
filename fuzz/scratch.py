"""Where fuzz targets write their files (no atheris import here: run.py uses it too)."""

from __future__ import annotations

import os


def memory_folder() -> str | None:
    """/dev/shm where there is one: a fuzz target writes files thousands of times."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
