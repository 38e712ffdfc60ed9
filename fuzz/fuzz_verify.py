"""F9 near_dup: two fuzzed word sequences through the verifier.

Invariants: the verdict is symmetric (same kind and similarity either way round), the
similarity lies in [0, 1], and a text verified against itself is a near copy with similarity 1.
"""

from __future__ import annotations

import atheris
from common import fuzz

from dedup.config import Config
from dedup.normalize import content_words, words
from dedup.rarity import rarity
from dedup.verify import Text, verify

CONFIG = Config()


def _text(key: int, raw: str) -> Text:
    tokens = words(raw) or ("x",)
    content = content_words(tokens)
    return Text(key, tokens, tuple(t for t in tokens if t in content))


def target(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    a = _text(0, provider.ConsumeUnicode(provider.ConsumeIntInRange(0, 2000)))
    b = _text(1, provider.ConsumeUnicode(2000))
    weights = rarity([a.content, b.content])
    ab = verify(a, b, CONFIG, weights)
    ba = verify(Text(0, b.words, b.content), Text(1, a.words, a.content), CONFIG, weights)
    assert (ab is None) == (ba is None)
    if ab is not None and ba is not None:
        assert (ab.kind, ab.similarity) == (ba.kind, ba.similarity)
        assert 0.0 <= ab.similarity <= 1.0
    same = verify(a, Text(1, a.words, a.content), CONFIG, weights)
    assert same is not None and same.similarity == 1.0


if __name__ == "__main__":
    fuzz(target)
