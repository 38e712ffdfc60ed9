"""``python -m dedup``."""

from __future__ import annotations

from dedup.cli import run

if __name__ == "__main__":
    run()
