"""Seeded edits that turn a real paragraph into a planted copy with a known amount of change.

Every function takes a ``random.Random`` and never touches global state, so a generator that
seeds one ``Random`` gets the same copies on every run and every machine.

Word edits work on whitespace tokens (punctuation stays attached, as a person editing would
leave it) and change ``max(1, round(rate * n))`` of the ``n`` words:
* ``substitute``: that many distinct positions get a different word from ``vocabulary``;
* ``delete``: that many words are removed;
* ``insert``: that many words from ``vocabulary`` are put at random positions;
* ``reorder``: that many words move, as swaps of disjoint adjacent pairs (local reordering).

Surface edits change no word as the normaliser sees it: ``recase``, ``repunctuate``,
``respace``, and hard-wrapping (``wrap``) at a width.
Containment: ``add_sentence`` appends another paragraph's sentence, ``drop_sentence`` removes
one sentence from a paragraph of several.
"""

from __future__ import annotations

import random
import textwrap
from collections.abc import Callable, Sequence

from dedup.normalize import sentences

WORD_EDITS = ("substitute", "delete", "insert", "reorder")
EDIT_RATES = (0.05, 0.10, 0.20, 0.30, 0.50)


def edit_count(n: int, rate: float) -> int:
    """How many of ``n`` words an edit at ``rate`` changes (at least one)."""
    return min(n, max(1, round(rate * n)))


def substitute(tokens: list[str], k: int, rng: random.Random, vocabulary: Sequence[str]) -> None:
    for i in rng.sample(range(len(tokens)), k):
        choices = (rng.choice(vocabulary) for _ in range(100))
        tokens[i] = next((w for w in choices if w.lower() != tokens[i].lower()), f"x{i}")


def delete(tokens: list[str], k: int, rng: random.Random, vocabulary: Sequence[str]) -> None:
    for i in sorted(rng.sample(range(len(tokens)), k), reverse=True):
        del tokens[i]


def insert(tokens: list[str], k: int, rng: random.Random, vocabulary: Sequence[str]) -> None:
    for _ in range(k):
        tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(vocabulary))


def reorder(tokens: list[str], k: int, rng: random.Random, vocabulary: Sequence[str]) -> None:
    pairs = list(range(0, len(tokens) - 1, 2))
    for i in rng.sample(pairs, min(len(pairs), (k + 1) // 2)):
        tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]


_EDITS: dict[str, Callable[[list[str], int, random.Random, Sequence[str]], None]] = {
    "substitute": substitute,
    "delete": delete,
    "insert": insert,
    "reorder": reorder,
}


def edit_words(
    text: str, kind: str, rate: float, rng: random.Random, vocabulary: Sequence[str]
) -> str:
    """``text`` with ``rate`` of its words changed by the word edit ``kind``."""
    tokens = text.split()
    _EDITS[kind](tokens, edit_count(len(tokens), rate), rng, vocabulary)
    return " ".join(tokens)


def recase(text: str, rng: random.Random) -> str:
    """Upper, lower or title case for the whole paragraph, or every word at random."""
    style = rng.randrange(4)
    if style == 0:
        return text.upper()
    if style == 1:
        return text.lower()
    if style == 2:
        return text.title()
    return " ".join(t.upper() if rng.random() < 0.5 else t.lower() for t in text.split())


def repunctuate(text: str, rng: random.Random) -> str:
    """Punctuation dropped, or added between words, or typographic quotes and dashes."""
    style = rng.randrange(3)
    if style == 0:
        return "".join(c for c in text if c.isalnum() or c.isspace() or c == "_")
    if style == 1:
        return " ".join(t + rng.choice((",", ";", " -", "")) for t in text.split())
    return text.replace("'", "\u2019").replace('"', "\u201c").replace(" - ", " \u2014 ")


def respace(text: str, rng: random.Random) -> str:
    """Runs of spaces, tabs and non-breaking spaces between words."""
    gaps = ("  ", "\t", " \u00a0", "   ")
    return "".join(t + rng.choice(gaps) for t in text.split()).rstrip()


def wrap(text: str, width: int = 72) -> str:
    """Hard-wrapped at ``width`` columns, as an editor would wrap it."""
    return textwrap.fill(text, width=width, break_long_words=False, break_on_hyphens=False)


def add_sentence(text: str, other: str, rng: random.Random) -> str:
    """``text`` with one sentence of ``other`` added at its start or its end."""
    extra = rng.choice(sentences(other) or [other])
    return f"{extra} {text}" if rng.random() < 0.5 else f"{text} {extra}"


def drop_sentence(text: str, rng: random.Random) -> str | None:
    """``text`` without one of its sentences, or ``None`` when it has fewer than three."""
    parts = sentences(text)
    if len(parts) < 3:
        return None
    del parts[rng.randrange(len(parts))]
    return " ".join(parts)
