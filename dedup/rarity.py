"""Rarity: how much a shared word says, from how many distinct texts of the scan use it.

A word's weight is its inverse document frequency over the distinct texts of one scan,
``log(n / df)``: a name or a number that two texts share and no other text uses is strong
evidence that they tell the same thing; "government" shared by a thousand texts is not. The
reworded tier uses it twice: to pair candidates that share rare words, and as one feature of the
verifier.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import count

import numpy as np
import numpy.typing as npt

# Weights are also kept as integers in units of 2**-24 (a weight is at most ln(texts), under 64),
# so a sum of them is exact: the same in any order, in any process and on any engine.
QUANTUM = 1 << 24


def quantized(weight: float) -> int:
    """A word weight in integer units of ``1 / QUANTUM``."""
    return round(weight * QUANTUM)


@dataclass(frozen=True, slots=True)
class Rarity:
    """Document frequencies of the content words of ``texts`` distinct texts, and weights."""

    frequencies: dict[str, int]
    texts: int
    weights: dict[str, float]  # log(texts / frequency), computed once per word
    quanta: dict[str, int] = field(init=False, repr=False, compare=False)  # weights, quantized

    def __post_init__(self) -> None:
        quanta = {word: quantized(weight) for word, weight in self.weights.items()}
        object.__setattr__(self, "quanta", quanta)

    def weight(self, word: str) -> float:
        """``log(n / df)``; a word no text of the scan uses weighs as if one did."""
        found = self.weights.get(word)
        return found if found is not None else self.unseen()

    def unseen(self) -> float:
        """The weight of a word no text of the scan uses: as if one text did."""
        return math.log(max(self.texts, 1))

    def total(self, words: Collection[str]) -> int:
        """The summed quantized weight of a set of distinct words: exact, in any order.

        A collection, not an iterator: an unknown word makes it start again.
        """
        quanta = self.quanta
        try:
            return sum(map(quanta.__getitem__, words))
        except KeyError:  # a word no text of the scan uses (an allowlisted text's)
            unseen = quantized(self.unseen())
            return sum(quanta.get(word, unseen) for word in words)


def idf(texts: int, frequency: int) -> float:
    """The weight of a word that ``frequency`` of ``texts`` distinct texts use."""
    return math.log(texts / frequency)


@dataclass(frozen=True, slots=True)
class TextWords:
    """Each text's distinct content words, as their positions in ``Rarity.frequencies`` (the
    order in which the words were first met): text ``i``'s are ``words[ends[i - 1]:ends[i]]``,
    in the order of the set of its words."""

    words: npt.NDArray[np.int32]
    ends: npt.NDArray[np.int64]


def counted(contents: Iterable[Iterable[str]]) -> tuple[Rarity, TextWords]:
    """The rarity table of the content words of every distinct text, and each text's words as
    numbers: the reworded tier's rare-word entries are then array operations on them
    (``candidates.counted_postings``) rather than a second pass over every text's words."""
    # a new word gets the next number: looked up from C, not from a Python loop over words
    ids: defaultdict[str, int] = defaultdict(count().__next__)
    number = ids.__getitem__
    flat = array("i")  # 32-bit: the largest array of a scan's counting (millions of entries)
    sizes = array("q")
    for words in contents:
        distinct = set(words)
        sizes.append(len(distinct))
        flat.extend(map(number, distinct))
    word_ids = np.frombuffer(flat, dtype=np.int32)
    texts = len(sizes)
    counts = np.bincount(word_ids, minlength=len(ids)).tolist()
    frequencies = dict(zip(ids, counts, strict=True))
    weights = {w: idf(texts, df) for w, df in frequencies.items()}
    ends = np.cumsum(np.frombuffer(sizes, dtype=np.int64))
    return Rarity(frequencies, texts, weights), TextWords(word_ids, ends)


def rarity(contents: Iterable[Iterable[str]]) -> Rarity:
    """The rarity table of the content words of every distinct text."""
    return counted(contents)[0]
