"""``python -m dedup``."""

from __future__ import annotations

from dedup.cli import main

if __name__ == "__main__":
    main()
