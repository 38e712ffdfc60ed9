"""verify.py: each kind, its score, the direction of containment, and a non-match."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cluster import LinkTable
from dedup.config import Config
from dedup.models import Kind, Link
from dedup.normalize import content_words, words
from dedup.pipeline import scan
from dedup.rarity import Rarity, rarity
from dedup.verify import (
    MIN_REWORDED_ALIGNED,
    MODEL_MAX_WORDS,
    Profile,
    Profiles,
    Text,
    _bigram_overlap,
    _bound_score,
    _cheap_features,
    _lcs,
    _numbers,
    _with_bigrams,
    paraphrase_probability,
    reworded_features,
    verdicts,
    verify,
    verify_pairs,
)

TEN = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
OTHER_TEN = "lambda mu nu xi omicron pi rho sigma tau upsilon"
FACTS = [
    "senate", "budget", "vote", "passed", "tuesday", "city", "library", "wing",
    "mayor", "spring", "march", "drawings", "builders", "office", "approval",
]  # fmt: skip
NO_REWORDED = Config(reworded=False)


def text(text_id: int, source: str) -> Text:
    tokens = words(source)
    return Text(text_id, tokens, tuple(t for t in tokens if t in content_words((t,))))


def table(*texts: Text) -> Rarity:
    return rarity(t.content for t in texts)


def check(a: Text, b: Text, config: Config) -> Link | None:
    return verify(a, b, config, table(a, b))


def test_near_is_the_word_alignment() -> None:
    a, b = text(0, TEN), text(1, TEN.replace("gamma", "omega"))
    # 9 of 10 words align: 2 * 9 / (10 + 10)
    assert check(a, b, Config()) == Link(0, 1, Kind.NEAR, 0.9)
    assert check(a, b, Config(near_threshold=0.9)) == Link(0, 1, Kind.NEAR, 0.9)  # at: passes
    assert check(a, b, NO_REWORDED.replace(near_threshold=0.91)) is None


def test_word_order_counts() -> None:
    a = text(0, TEN)
    b = text(1, " ".join(reversed(TEN.split())))
    assert check(a, b, NO_REWORDED) is None  # the same words, but only one aligns in order


def test_contained_says_which_text_is_inside() -> None:
    short, long_ = text(0, TEN), text(1, TEN + " " + OTHER_TEN)
    assert check(short, long_, Config()) == Link(0, 1, Kind.CONTAINED, 1.0, inner=0)
    short, long_ = text(7, TEN), text(3, OTHER_TEN + " " + TEN)
    assert check(long_, short, Config()) == Link(3, 7, Kind.CONTAINED, 1.0, inner=7)


def test_contained_threshold_is_the_share_of_the_shorter_text_aligned() -> None:
    short = text(0, TEN.replace("gamma", "omega"))
    long_ = text(1, TEN + " " + OTHER_TEN)
    assert check(short, long_, Config()) == Link(0, 1, Kind.CONTAINED, 0.9, inner=0)
    # Not contained any more, and 2 * 9 / 30 is no near copy.
    assert check(short, long_, NO_REWORDED.replace(contained_threshold=0.95)) is None


def test_contained_needs_the_longer_text_a_quarter_longer() -> None:
    short = text(0, TEN + " one two three four five six seven")  # 17 words
    long_ = text(1, short.words[0] + " " + " ".join(short.words) + " x y")  # 20 words
    link = check(short, long_, Config())
    assert link is not None
    assert (link.kind, link.similarity, link.inner) == (Kind.NEAR, round(34 / 37, 4), None)


def told_and_retold(facts: list[str]) -> tuple[Text, Text]:
    """The same facts in the same order, wrapped in different stop words."""
    told = " ".join(f"the {w} of it and" for w in facts)
    retold = " ".join(f"{w} is" for w in facts)
    return text(0, told), text(1, retold)


def test_reworded_paragraphs_align_their_content_words() -> None:
    a, b = told_and_retold(FACTS)
    assert len(a.words) > MODEL_MAX_WORDS  # a paragraph, not a sentence: no model
    # All words: 2 * 15 / 105, and only half of the shorter text lies in the longer.
    assert check(a, b, Config()) == Link(0, 1, Kind.REWORDED, 1.0)
    assert check(a, b, NO_REWORDED) is None
    assert check(a, b, Config(reworded_threshold=1.0)) == Link(0, 1, Kind.REWORDED, 1.0)


def test_reworded_paragraphs_need_ten_content_words_in_common() -> None:
    a, b = told_and_retold(FACTS[:9])
    assert len(a.words) > MODEL_MAX_WORDS
    assert check(a, b, Config()) is None


def test_reworded_sentences_are_scored_by_the_model() -> None:
    a = text(0, "The senate passed the city budget on Tuesday after a long debate.")
    b = text(1, "After a lengthy debate on Tuesday, the city budget was approved by the senate.")
    link = check(a, b, Config())
    assert link is not None and link.kind is Kind.REWORDED
    assert check(a, b, Config(reworded_probability=min(1.0, link.similarity + 0.0001))) is None
    assert check(a, b, NO_REWORDED) is None


def test_unrelated_texts_do_not_match() -> None:
    assert check(text(0, TEN), text(1, OTHER_TEN), Config()) is None
    assert check(text(0, " ".join(FACTS)), text(1, OTHER_TEN), Config()) is None


def test_exact_is_decided_before_verification(tmp_path: Path) -> None:
    # Equal normalised texts are one text before candidates are sought, so verify never sees
    # them; the pipeline links their occurrences as exact copies.
    (tmp_path / "a.txt").write_text("The UN’s vote — a turning point in the war, said many.\n")
    (tmp_path / "b.txt").write_text("the UN's vote - a turning point in the war said many\n")
    (cluster,) = scan([str(tmp_path)], Config(root=tmp_path)).clusters
    assert (cluster.kind, cluster.similarity) == (Kind.EXACT, 1.0)
    assert [m.path for m in cluster.members] == ["a.txt", "b.txt"]


WORDS = [*FACTS, "the", "of", "and", "2024", "93", "x1"]
word_lists = st.lists(st.sampled_from(WORDS), min_size=1, max_size=MODEL_MAX_WORDS)


def _share(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """The multiset overlap as a share of the shorter sequence, counted with Counters."""
    counts_a, counts_b = Counter(a), Counter(b)
    shorter = min(counts_a.total(), counts_b.total())
    return sum((counts_a & counts_b).values()) / shorter if shorter else 0.0


@settings(max_examples=200)
@given(a=word_lists, b=word_lists)
def test_model_overlaps_are_the_multiset_shares(a: list[str], b: list[str]) -> None:
    """The aligned sorted words (and word pairs) are exactly the shared ones, with repeats."""
    ta, tb = text(0, " ".join(a)), text(1, " ".join(b))
    weights = table(ta, tb)
    features = reworded_features(ta, tb, 0, weights)
    assert features[0] == _share(ta.words, tb.words)
    assert features[1] == _share(pairwise(ta.words), pairwise(tb.words))


def test_verify_pairs_equal_verify_one_pair_at_a_time() -> None:
    """Profiles kept from pair to pair never leak into another pair's features."""
    rng = random.Random(7)
    texts = [
        text(i, " ".join(rng.choices(FACTS[: rng.randint(4, 15)], k=rng.randint(5, 30))))
        for i in range(60)
    ]
    drawn = (rng.sample(range(60), 2) for _ in range(800))
    pairs = sorted({(min(two), max(two)) for two in drawn})
    weights = table(*texts)
    one_at_a_time = [
        link for a, b in pairs if (link := verify(texts[a], texts[b], Config(), weights))
    ]
    assert any(link.kind is Kind.REWORDED for link in one_at_a_time)
    assert list(verify_pairs(texts, pairs, Config(), weights)) == one_at_a_time
    columns = LinkTable()  # as a scan keeps them: no Link objects on the way
    columns.extend_rows(verdicts(texts, pairs, Config(), weights))
    assert list(columns) == one_at_a_time


def test_profiles_of_another_rarity_table_are_not_used() -> None:
    a = text(0, "The senate passed the city budget on Tuesday after a long debate.")
    b = text(1, "After a lengthy debate on Tuesday, the city budget was approved by the senate.")
    own = rarity([a.content, b.content, ("river", "bridge"), ("harbour", "ferry")])
    # a table in which "senate", "budget" and "city" are common words and the rest rare
    other = rarity([a.content, b.content, *(("senate", "budget", "city"),) * 50])
    low = verify(a, b, Config(reworded_probability=0.0), other)
    high = verify(a, b, Config(reworded_probability=0.0), own)
    assert low is not None and high is not None and low.similarity != high.similarity
    stale = Profiles(other)
    stale.of(a), stale.of(b)
    assert verify(a, b, Config(reworded_probability=0.0), own, stale) == high


MODEL_ONLY = Config(near_threshold=1.0, contained_threshold=1.0)  # most pairs go to the model


@settings(max_examples=300)
@given(a=word_lists, b=word_lists, threshold=st.floats(0.0, 1.0))
def test_pairs_settled_by_the_bound_are_those_the_model_rejects(
    a: list[str], b: list[str], threshold: float
) -> None:
    """``verify`` rejects most sentence pairs on a bound over the cheap features; it still
    gives the link, and only the link, that the whole model gives."""
    ta, tb = text(0, " ".join(a)), text(1, " ".join(b))
    weights = table(ta, tb)
    link = verify(ta, tb, replace(MODEL_ONLY, reworded_probability=threshold), weights)
    if link is not None and link.kind is not Kind.REWORDED:
        return  # decided before the model
    if not ta.content or not tb.content:
        assert link is None
        return
    common = _lcs(ta.words, tb.words)
    p = paraphrase_probability(reworded_features(ta, tb, common, weights))
    bound = paraphrase_probability(
        _cheap_features(Profile(ta, weights), Profile(tb, weights), common)
    )
    assert bound >= p
    assert link == (Link(0, 1, Kind.REWORDED, round(p, 4)) if p >= threshold else None)
    score = _bound_score(_cheap_features(Profile(ta, weights), Profile(tb, weights), common))
    assert 1 / (1 + math.exp(-score)) == pytest.approx(bound, rel=1e-12, abs=1e-15)
    # the second bound, the bigram feature known: between the first and the whole model
    bigrams = _bigram_overlap(Profile(ta, weights), Profile(tb, weights))
    second = 1 / (1 + math.exp(-_with_bigrams(score, bigrams)))
    assert p <= second + 1e-12
    assert second <= bound + 1e-12


def test_the_bound_settles_most_pairs_the_model_rejects() -> None:
    """The bound is tight enough to pay (at 100k paragraphs it settles 83 % of the rejects)."""
    rng = random.Random(3)
    vocabulary = [*FACTS, *TEN.split(), *OTHER_TEN.split()]
    texts = [text(i, " ".join(rng.choices(vocabulary, k=rng.randint(8, 30)))) for i in range(200)]
    weights = table(*texts)
    rejected = settled = 0
    for ta, tb in pairwise(texts):
        common = _lcs(ta.words, tb.words)
        p = paraphrase_probability(reworded_features(ta, tb, common, weights))
        cheap = _cheap_features(Profile(ta, weights), Profile(tb, weights), common)
        rejected += p < 0.5
        settled += paraphrase_probability(cheap) < 0.5
    assert settled >= rejected / 2


long_word_lists = st.lists(
    st.sampled_from([*WORDS, "is", "a", "to"]), min_size=MODEL_MAX_WORDS + 1, max_size=90
)


@settings(max_examples=300)
@given(a=long_word_lists, b=long_word_lists, threshold=st.floats(0.0, 1.0))
def test_paragraph_pairs_settled_by_the_bound_are_those_the_alignment_rejects(
    a: list[str], b: list[str], threshold: float
) -> None:
    """Past the model's lengths, a pair whose content words cannot align well enough (at most
    the words' alignment, at most the fewer content words) is rejected without aligning them:
    the same link, and only the link, that aligning the content words gives."""
    ta, tb = text(0, " ".join(a)), text(1, " ".join(b))
    config = replace(MODEL_ONLY, reworded_threshold=threshold)
    link = verify(ta, tb, config, table(ta, tb))
    if link is not None and link.kind is not Kind.REWORDED:
        return  # decided before the reworded tier
    aligned = _lcs(ta.content, tb.content)
    assert aligned <= _lcs(ta.words, tb.words)
    score = 2 * aligned / (len(ta.content) + len(tb.content)) if aligned else 0.0
    enough = aligned >= MIN_REWORDED_ALIGNED and score >= threshold
    assert link == (Link(0, 1, Kind.REWORDED, round(score, 4)) if enough else None)


@settings(max_examples=300)
@given(st.lists(st.text(st.characters(exclude_categories=("Z", "C")), min_size=1), max_size=8))
def test_numbers_are_the_words_holding_a_digit(tokens: list[str]) -> None:
    """The search of the joined text first (most hold no digit) changes nothing."""
    holding = frozenset(w for w in tokens if any(c.isdecimal() for c in w))
    assert _numbers(tokens, " ".join(tokens)) == holding
