"""Verify a candidate pair with rapidfuzz and say how the two texts relate.

Every word measure is an alignment (longest common subsequence) computed by rapidfuzz's Indel
distance on word sequences, so word order counts and the score is exact, not estimated:
* ``near``: ``2 * LCS / (len(a) + len(b))`` over all words, at least ``near_threshold``;
* ``contained``: the shorter text is at most 80 % of the longer one's length and at least
  ``contained_threshold`` of its words align, in order, inside the longer one;
* ``reworded``, for sentence-sized texts (both at most ``MODEL_MAX_WORDS`` words): a logistic
  model over eight alignment features (``reworded_features``), trained on the tune part of the
  MRPC paraphrase corpus by ``benchmarks/train_reworded.py``; its probability must reach
  ``reworded_probability``;
* ``reworded``, for longer paragraphs (beyond the lengths the model was trained on): the word
  alignment over content words only (stop words dropped), which keeps the facts and names of a
  story told again in other words; at least ``reworded_threshold`` and at least
  ``MIN_REWORDED_ALIGNED`` content words in common, so two paragraphs that share a date and a
  place are not called a retelling.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz.distance import Indel

from dedup import reworded_model
from dedup.config import Config
from dedup.models import Kind, Link
from dedup.rarity import Rarity

CONTAINED_MAX_RATIO = 0.8
MIN_REWORDED_ALIGNED = 10
# The longest MRPC sentence has 35 words; the model is not used beyond what it was trained on.
MODEL_MAX_WORDS = 40
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Text:
    """One distinct normalised text, as the verifier sees it."""

    id: int
    words: tuple[str, ...]
    content: tuple[str, ...]  # the words without stop words, in order


def _lcs(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    return (len(a) + len(b) - Indel.distance(a, b)) // 2


def _overlap(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Shared items (with multiplicity) as a share of the shorter sequence, both sorted.

    The longest common subsequence of two sorted sequences is their multiset intersection.
    """
    shorter = min(len(a), len(b))
    return _lcs(a, b) / shorter if shorter else 0.0


def _numbers(words: Sequence[str]) -> frozenset[str]:
    """The words holding a digit (a word of letters only holds none: no search needed)."""
    return frozenset(w for w in words if not w.isalpha() and _DIGIT.search(w))


@dataclass(frozen=True, slots=True)
class Profile:
    """What the model's features need of one text: computed once per text, not once per pair."""

    words: tuple[str, ...]  # sorted
    bigrams: tuple[tuple[str, str], ...]  # sorted
    joined: str  # the words, space-separated
    numbers: frozenset[str]  # content words holding a digit
    content: frozenset[str]
    weight: int  # the content words' summed quantized rarity


def profile(text: Text, rarity: Rarity) -> Profile:
    """The model's view of ``text``."""
    content = frozenset(text.content)
    return Profile(
        tuple(sorted(text.words)),
        tuple(sorted(pairwise(text.words))),
        " ".join(text.words),
        _numbers(text.content),
        content,
        rarity.total(content),
    )


class Profiles:
    """The profiles of the last two texts seen: candidate pairs come sorted by their first text,
    so its profile is made once for all of its pairs (keeping every profile would cost memory).
    """

    def __init__(self, rarity: Rarity) -> None:
        self.rarity = rarity
        self.recent: dict[int, tuple[Text, Profile]] = {}  # by id(), least recently used first

    def of(self, text: Text) -> Profile:
        found = self.recent.pop(id(text), None)
        if found is None or found[0] is not text:
            found = (text, profile(text, self.rarity))
        self.recent[id(text)] = found
        if len(self.recent) > 2:
            del self.recent[next(iter(self.recent))]
        return found[1]


def reworded_features(a: Text, b: Text, common: int, rarity: Rarity) -> tuple[float, ...]:
    """The model's features, in the order of ``reworded_model.FEATURES``.

    Args:
        common: the LCS of the two word sequences (the verifier has it already).
    """
    return _features(profile(a, rarity), profile(b, rarity), common, rarity)


def _features(a: Profile, b: Profile, common: int, rarity: Rarity) -> tuple[float, ...]:
    la, lb = len(a.words), len(b.words)
    shorter = min(la, lb)
    either = a.numbers | b.numbers
    lighter = min(a.weight, b.weight)
    return (
        _overlap(a.words, b.words),
        _overlap(a.bigrams, b.bigrams),
        Indel.normalized_similarity(a.joined, b.joined),
        shorter / max(la, lb),
        2 * common / (la + lb),
        common / shorter,
        len(a.numbers & b.numbers) / len(either) if either else 1.0,
        rarity.total(a.content & b.content) / lighter if lighter else 0.0,
    )


def paraphrase_probability(features: Sequence[float]) -> float:
    """The model's probability that two sentence-sized texts tell the same thing."""
    z = reworded_model.BIAS + sum(
        w * (x - m) / s
        for w, x, m, s in zip(
            reworded_model.WEIGHTS, features, reworded_model.MEAN, reworded_model.SCALE, strict=True
        )
    )
    return 1 / (1 + math.exp(-z))


def verify(
    a: Text, b: Text, config: Config, rarity: Rarity, profiles: Profiles | None = None
) -> Link | None:
    """The verified link between ``a`` and ``b``, or ``None`` when they are not copies.

    ``profiles``: where to find the texts' profiles for the model (made anew without it, or
    when it was made for another rarity table).
    """
    la, lb = len(a.words), len(b.words)
    common = _lcs(a.words, b.words)
    near = 2 * common / (la + lb)
    short, long_ = (a, b) if la <= lb else (b, a)
    if len(short.words) <= CONTAINED_MAX_RATIO * len(long_.words):
        coverage = common / len(short.words)
        if coverage >= config.contained_threshold:
            return Link(a.id, b.id, Kind.CONTAINED, round(coverage, 4), inner=short.id)
    if near >= config.near_threshold:
        return Link(a.id, b.id, Kind.NEAR, round(near, 4))
    if not config.reworded or not a.content or not b.content:
        return None
    if max(la, lb) <= MODEL_MAX_WORDS:
        if profiles is None or profiles.rarity is not rarity:
            profiles = Profiles(rarity)
        p = paraphrase_probability(_features(profiles.of(a), profiles.of(b), common, rarity))
        return (
            Link(a.id, b.id, Kind.REWORDED, round(p, 4))
            if p >= config.reworded_probability
            else None
        )
    aligned = _lcs(a.content, b.content)
    score = 2 * aligned / (len(a.content) + len(b.content))
    if aligned >= MIN_REWORDED_ALIGNED and score >= config.reworded_threshold:
        return Link(a.id, b.id, Kind.REWORDED, round(score, 4))
    return None


def verify_pairs(
    texts: Sequence[Text], pairs: Iterable[tuple[int, int]], config: Config, rarity: Rarity
) -> Iterator[Link]:
    """The links of ``verify`` for pairs of positions in ``texts``, in pair order."""
    profiles = Profiles(rarity)
    for a, b in pairs:
        if (link := verify(texts[a], texts[b], config, rarity, profiles)) is not None:
            yield link
