"""F3 normalize: any Unicode string, lone surrogates included.

Invariants: ``words`` raises nothing and is idempotent (the words of the joined words are the
same words); every word encodes (``surrogatepass``), so it can be hashed; no word is empty.
"""

from __future__ import annotations

import atheris
from common import fuzz

from dedup.normalize import content_words, sentences, words
from dedup.signatures import word_hashes


def target(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicode(4096)
    tokens = words(text)
    assert all(tokens), tokens
    assert words(" ".join(tokens)) == tokens, (text, tokens)
    word_hashes(tokens)  # encodes every word
    assert content_words(tokens) <= set(tokens)
    for part in sentences(text):
        assert part.strip()


if __name__ == "__main__":
    fuzz(target)
