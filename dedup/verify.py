"""Verify a candidate pair with rapidfuzz and say how the two texts relate.

Every measure is an alignment (longest common subsequence) computed by rapidfuzz's Indel
distance on word sequences, so word order counts and the score is exact, not estimated:
* ``near``: ``2 * LCS / (len(a) + len(b))`` over all words, at least ``near_threshold``;
* ``contained``: the shorter text is at most 80 % of the longer one's length and at least
  ``contained_threshold`` of its words align, in order, inside the longer one;
* ``reworded``: the same over content words only (stop words dropped), which keeps the facts
  and names of a story told again in other words; at least ``reworded_threshold`` and at least
  ``MIN_REWORDED_ALIGNED`` content words in common, so two short captions that share a date and
  a place are not called a retelling.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Indel

from dedup.config import Config
from dedup.models import Kind, Link

CONTAINED_MAX_RATIO = 0.8
MIN_REWORDED_ALIGNED = 10


@dataclass(frozen=True, slots=True)
class Text:
    """One distinct normalised text, as the verifier sees it."""

    id: int
    words: tuple[str, ...]
    content: tuple[str, ...]  # the words without stop words, in order


def _lcs(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    return (len(a) + len(b) - Indel.distance(a, b)) // 2


def verify(a: Text, b: Text, config: Config) -> Link | None:
    """The verified link between ``a`` and ``b``, or ``None`` when they are not copies."""
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
    if config.reworded and a.content and b.content:
        aligned = _lcs(a.content, b.content)
        score = 2 * aligned / (len(a.content) + len(b.content))
        if aligned >= MIN_REWORDED_ALIGNED and score >= config.reworded_threshold:
            return Link(a.id, b.id, Kind.REWORDED, round(score, 4))
    return None
