"""A 64-bit hash of text that is the same in every process, on every machine and in Spark.

Python's ``hash()`` of a string changes with each interpreter (``PYTHONHASHSEED``); ids and keys
that leave a process, or order anything in a report, come from here instead.
"""

from __future__ import annotations

import hashlib


def stable_hash(text: str) -> int:
    """The signed 64-bit BLAKE2b of ``text`` (lone surrogates kept: undecodable bytes differ)."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
