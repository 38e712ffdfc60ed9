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
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

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


_NO_NUMBERS: frozenset[str] = frozenset()


def _numbers(words: Sequence[str], joined: str) -> frozenset[str]:
    """The ``words`` holding a digit; ``joined``: a text holding all of them (most texts hold no
    digit at all, and a word of letters only holds none: no search needed)."""
    if not _DIGIT.search(joined):
        return _NO_NUMBERS
    return frozenset(w for w in words if not w.isalpha() and _DIGIT.search(w))


class _Facts(NamedTuple):
    content: frozenset[str]
    numbers: frozenset[str]  # content words holding a digit
    weight: int  # the content words' summed quantized rarity


class Profile:
    """What the model's features need of one text: made once per text, not once per pair, and
    each part on first use (most pairs are settled by the cheap features: ``verify``)."""

    __slots__ = ("_bigrams", "_facts", "_rarity", "joined", "text", "words")

    def __init__(self, text: Text, rarity: Rarity) -> None:
        self.text, self._rarity = text, rarity
        self.words = tuple(sorted(text.words))
        self.joined = " ".join(text.words)
        self._bigrams: tuple[tuple[str, str], ...] | None = None
        self._facts: _Facts | None = None

    @property
    def bigrams(self) -> tuple[tuple[str, str], ...]:
        """The word pairs, sorted."""
        if self._bigrams is None:
            self._bigrams = tuple(sorted(pairwise(self.text.words)))
        return self._bigrams

    @property
    def facts(self) -> _Facts:
        """The content words, those holding a digit, and their rarity."""
        if self._facts is None:
            content = frozenset(self.text.content)
            numbers = _numbers(self.text.content, self.joined)
            self._facts = _Facts(content, numbers, self._rarity.total(content))
        return self._facts


class Profiles:
    """The profiles of the last two texts seen: candidate pairs come sorted by their first text,
    so its profile is made once for all of its pairs (keeping every profile would cost memory).
    """

    def __init__(self, rarity: Rarity) -> None:
        self.rarity = rarity
        self.recent: dict[int, Profile] = {}  # by id() of the text, least recently used first

    def of(self, text: Text) -> Profile:
        found = self.recent.pop(id(text), None)
        if found is None or found.text is not text:
            found = Profile(text, self.rarity)
        self.recent[id(text)] = found
        if len(self.recent) > 2:
            del self.recent[next(iter(self.recent))]
        return found


def reworded_features(a: Text, b: Text, common: int, rarity: Rarity) -> tuple[float, ...]:
    """The model's features, in the order of ``reworded_model.FEATURES``.

    Args:
        common: the LCS of the two word sequences (the verifier has it already).
    """
    pa, pb = Profile(a, rarity), Profile(b, rarity)
    return _completed(_cheap_features(pa, pb, common), _bigram_overlap(pa, pb), pa, pb, rarity)


# For each feature (0 to 1), the value that makes the model's probability highest, all else equal.
_LIKELIEST = tuple(0.0 if w < 0 else 1.0 for w in reworded_model.WEIGHTS)
# A pair is settled by the bound only when it is below the threshold by this much: the bound's
# score is computed otherwise than ``paraphrase_probability`` computes it (``_bound_score``), and
# the two may differ in the last bits.
_BOUND_MARGIN = 1e-9


# The model's score (the logit of its probability) is linear in the features:
# ``_OFFSET + sum(c * x for c, x in zip(_COEFFICIENTS, features))``.
_COEFFICIENTS = tuple(
    w / s for w, s in zip(reworded_model.WEIGHTS, reworded_model.SCALE, strict=True)
)
_OFFSET = reworded_model.BIAS - sum(
    c * m for c, m in zip(_COEFFICIENTS, reworded_model.MEAN, strict=True)
)
# The score of the bound: the costly features' part is the same for every pair.
_BOUND_OFFSET = _OFFSET + sum(_COEFFICIENTS[i] * _LIKELIEST[i] for i in (1, 6, 7))
_C0, _C1, _C2, _C3, _C4, _C5, _, _ = _COEFFICIENTS


def _bound_score(cheap: tuple[float, ...]) -> float:
    """The score of ``paraphrase_probability(cheap)``, from the cheap features only."""
    x0, _, x2, x3, x4, x5, _, _ = cheap
    return _BOUND_OFFSET + _C0 * x0 + _C2 * x2 + _C3 * x3 + _C4 * x4 + _C5 * x5


def _with_bigrams(bound: float, bigrams: float) -> float:
    """``bound`` (``_bound_score``) with the bigram feature known: the score of the features
    with only the number and rare-word ones (the costliest) at their likeliest."""
    return bound + _C1 * (bigrams - _LIKELIEST[1])


@lru_cache(maxsize=8)
def _settled_below(probability: float) -> float:
    """The bound's score under which a pair is settled: the logit of ``probability`` less
    ``_BOUND_MARGIN`` (compared as scores, the bound needs no ``exp()``; the margin is far
    wider than the two ways of computing the score differ)."""
    p = probability - _BOUND_MARGIN
    if p <= 0.0:
        return -math.inf
    return math.log(p / (1.0 - p)) if p < 1.0 else math.inf


def _cheap_features(a: Profile, b: Profile, common: int) -> tuple[float, ...]:
    """The features, with those that cost the most (bigrams, numbers, rare words) at their
    likeliest values: the probability of these bounds the true one from above.

    Every step of ``paraphrase_probability`` is monotonic in each feature, in floating point too
    (IEEE rounding keeps order).
    """
    la, lb = len(a.words), len(b.words)
    shorter = min(la, lb)
    return (
        _overlap(a.words, b.words),
        _LIKELIEST[1],
        Indel.normalized_similarity(a.joined, b.joined),
        shorter / max(la, lb),
        2 * common / (la + lb),
        common / shorter,
        _LIKELIEST[6],
        _LIKELIEST[7],
    )


def _bigram_overlap(a: Profile, b: Profile) -> float:
    return _overlap(a.bigrams, b.bigrams)


def _completed(
    cheap: tuple[float, ...], bigrams: float, a: Profile, b: Profile, rarity: Rarity
) -> tuple[float, ...]:
    """``cheap`` with its bigram feature (``bigrams``), number and rare-word features."""
    fa, fb = a.facts, b.facts
    either = fa.numbers | fb.numbers
    lighter = min(fa.weight, fb.weight)
    return (
        cheap[0],
        bigrams,
        *cheap[2:6],
        len(fa.numbers & fb.numbers) / len(either) if either else 1.0,
        rarity.total(fa.content & fb.content) / lighter if lighter else 0.0,
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


# What the verifier finds of a linked pair: the link's kind, its similarity and, for
# ``contained``, the text that lies inside the other (a ``Link`` without its two texts).
Verdict = tuple[Kind, float, int | None]


def verify(
    a: Text, b: Text, config: Config, rarity: Rarity, profiles: Profiles | None = None
) -> Link | None:
    """The verified link between ``a`` and ``b``, or ``None`` when they are not copies.

    ``profiles``: where to find the texts' profiles for the model (made anew without it, or
    when it was made for another rarity table).
    """
    found = _verdict(a, b, config, rarity, profiles)
    return None if found is None else Link(a.id, b.id, *found)


def _verdict(
    a: Text, b: Text, config: Config, rarity: Rarity, profiles: Profiles | None
) -> Verdict | None:
    """``verify``'s link as a ``Verdict``: a scan verifies a million pairs and keeps its links
    as columns (``cluster.LinkTable``), so making each one an object would be wasted."""
    la, lb = len(a.words), len(b.words)
    common = _lcs(a.words, b.words)
    near = 2 * common / (la + lb)
    short, long_ = (a, b) if la <= lb else (b, a)
    if len(short.words) <= CONTAINED_MAX_RATIO * len(long_.words):
        coverage = common / len(short.words)
        if coverage >= config.contained_threshold:
            return Kind.CONTAINED, round(coverage, 4), short.id
    if near >= config.near_threshold:
        return Kind.NEAR, round(near, 4), None
    if not config.reworded or not a.content or not b.content:
        return None
    if max(la, lb) <= MODEL_MAX_WORDS:
        if profiles is None or profiles.rarity is not rarity:
            profiles = Profiles(rarity)
        pa, pb = profiles.of(a), profiles.of(b)
        cheap = _cheap_features(pa, pb, common)
        settled = _settled_below(config.reworded_probability)
        bound = _bound_score(cheap)
        if bound < settled:
            return None  # settled by the bound, as most pairs are
        bigrams = _bigram_overlap(pa, pb)
        if _with_bigrams(bound, bigrams) < settled:
            return None  # settled before the texts' numbers and rare words are looked at
        p = paraphrase_probability(_completed(cheap, bigrams, pa, pb, rarity))
        return (Kind.REWORDED, round(p, 4), None) if p >= config.reworded_probability else None
    return _retold(a, b, common, config)


def _retold(a: Text, b: Text, common: int, config: Config) -> Verdict | None:
    """The reworded verdict on two texts longer than the model's sentences: their content
    words aligned, or ``None``.

    The content words' alignment is at most ``common``, the words' (a common subsequence of
    the content words is one of the words, which hold them in order), and at most the fewer
    content words: a pair whose bound falls short is settled without aligning them (two thirds
    of these pairs at 300k paragraphs).
    """
    total = len(a.content) + len(b.content)
    most = min(common, len(a.content), len(b.content))
    if most < MIN_REWORDED_ALIGNED or 2 * most / total < config.reworded_threshold:
        return None
    aligned = _lcs(a.content, b.content)
    score = 2 * aligned / total
    if aligned >= MIN_REWORDED_ALIGNED and score >= config.reworded_threshold:
        return Kind.REWORDED, round(score, 4), None
    return None


def verify_pairs(
    texts: Sequence[Text], pairs: Iterable[Sequence[int]], config: Config, rarity: Rarity
) -> Iterator[Link]:
    """The links of ``verify`` for pairs of positions in ``texts``, in pair order."""
    return (Link(*found) for found in verdicts(texts, pairs, config, rarity))


def verdicts(
    texts: Sequence[Text], pairs: Iterable[Sequence[int]], config: Config, rarity: Rarity
) -> Iterator[tuple[int, int, Kind, float, int | None]]:
    """``verify_pairs``'s links as plain tuples: the two texts' ids, then the ``Verdict``."""
    profiles = Profiles(rarity)
    for a, b in pairs:
        ta, tb = texts[a], texts[b]
        if (found := _verdict(ta, tb, config, rarity, profiles)) is not None:
            yield ta.id, tb.id, *found
