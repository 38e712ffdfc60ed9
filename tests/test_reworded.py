"""The reworded tier: rarity weights, rare-word candidates, the model and its training script."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import train_reworded
from dedup import candidates, reworded_model
from dedup.candidates import Pair, pair_set, rare_cap, rare_word_pairs
from dedup.config import Config
from dedup.models import Kind
from dedup.normalize import content_words, words
from dedup.rarity import Rarity, counted, quantized, rarity
from dedup.verify import MODEL_MAX_WORDS, Text, _lcs, reworded_features, verify

PROFIT = "The company said second-quarter profit rose 28 percent to 50 million dollars on sales."
RETOLD = "Second-quarter profit climbed 28 percent to 50 million dollars, the company said."
WEATHER = "Rain is expected over the northern hills tonight, with snow above five hundred metres."


def text(text_id: int, prose: str) -> Text:
    tokens = words(prose)
    return Text(text_id, tokens, tuple(w for w in tokens if w in content_words((w,))))


def test_rarity_is_the_log_inverse_document_frequency() -> None:
    table = rarity([("common", "rare"), ("common", "other"), ("common",), ("common", "rare")])
    assert table.texts == 4
    assert table.weight("common") == 0.0  # in every text: says nothing
    assert table.weight("rare") == pytest.approx(math.log(4 / 2))
    assert table.weight("unseen") == pytest.approx(math.log(4))
    assert table.total({"rare", "other"}) == quantized(math.log(2)) + quantized(math.log(4))


Contents = Sequence[tuple[int, Sequence[str]]]


def rare(contents: Contents, table: Rarity, share: float, max_partners: int = 8) -> set[Pair]:
    return pair_set(rare_word_pairs(contents, table, share, max_partners))


def reference_rare_pairs(
    contents: Contents, table: Rarity, share: float, max_partners: int
) -> set[Pair]:
    """The rare-word candidates the plain way: one text at a time, a dict of shared weights."""
    cap = rare_cap(table.texts)
    mass = {t: sum(quantized(table.weight(w)) for w in set(ws)) for t, ws in contents}
    shared: dict[Pair, int] = {}
    for i, (a, words_a) in enumerate(contents):
        for b, words_b in contents[i + 1 :]:
            common = [w for w in set(words_a) & set(words_b) if table.frequencies[w] <= cap]
            if common:
                shared[min(a, b), max(a, b)] = sum(quantized(table.weight(w)) for w in common)
    best: dict[int, list[tuple[int, int, int]]] = {}
    for (a, b), weight in shared.items():
        if weight >= share * min(mass[a], mass[b]):
            best.setdefault(a, []).append((-weight, b, b))
            best.setdefault(b, []).append((-weight, a, a))
    return {
        (min(t, p), max(t, p))
        for t, found in best.items()
        for _, _, p in sorted(found)[:max_partners]
    }


def test_rare_word_pairs_weigh_shared_words_by_rarity() -> None:
    contents = [
        (0, ("treaty", "geneva", "signed")),
        (1, ("treaty", "geneva", "ratified")),
        (2, ("signed", "weather")),
        (3, ("weather", "rain")),
    ]
    table = rarity(words for _, words in contents)
    # 0~1 share treaty and geneva (2 of 4 texts each): 2 ln 2 of 0's mass 2 ln 2 + ln 2.
    # 0~2 share signed: ln 2 of 2's mass 2 ln 2 (a half); 2~3 share weather: a half too.
    assert rare(contents, table, 0.6) == {(0, 1)}
    assert rare(contents, table, 0.5) == {(0, 1), (0, 2), (2, 3)}


def test_each_text_keeps_its_strongest_rare_word_partners() -> None:
    contents = [(0, ("a", "b", "c")), (1, ("a", "b")), (2, ("c", "d", "e")), (3, ("d", "e"))]
    table = rarity(words for _, words in contents)
    # Every word is in 2 of 4 texts. 0~1 and 2~3 share two words, 0~2 only c (a third of each).
    assert rare(contents, table, 0.3) == {(0, 1), (0, 2), (2, 3)}
    # One partner each: 0 and 2 both have a stronger one than each other, so 0~2 goes.
    assert rare(contents, table, 0.3, max_partners=1) == {(0, 1), (2, 3)}
    assert rare(contents, table, 0.3, max_partners=2) == {(0, 1), (0, 2), (2, 3)}


def test_rare_word_partner_ties_go_to_the_smaller_id_and_either_side_keeps_a_pair() -> None:
    contents = [(0, ("a",)), (1, ("a",)), (2, ("a",)), (3, ("y",)), (4, ("z",))]
    table = rarity(words for _, words in contents)
    # 0, 1 and 2 share all their weight. One partner each: 0 keeps 1, 1 keeps 0, 2 keeps 0
    # (the smaller id of a tie); 0~2 stays because 2 keeps it, 1~2 goes because neither does.
    assert rare(contents, table, 0.5, max_partners=1) == {(0, 1), (0, 2)}
    assert rare(contents, table, 0.5, max_partners=2) == {(0, 1), (0, 2), (1, 2)}


def test_identical_texts_have_every_feature_at_one() -> None:
    a, b = text(0, PROFIT), text(1, PROFIT)
    table = rarity([a.content, b.content, text(2, WEATHER).content])
    features = reworded_features(a, b, _lcs(a.words, b.words), table)
    assert features == pytest.approx((1.0,) * len(reworded_model.FEATURES))


def test_a_retold_sentence_is_reworded_and_an_unrelated_one_is_not() -> None:
    a, b, c = text(0, PROFIT), text(1, RETOLD), text(2, WEATHER)
    table = rarity([a.content, b.content, c.content])
    link = verify(a, b, Config(), table)
    assert link is not None
    assert link.kind is Kind.REWORDED
    assert link.similarity >= Config().reworded_probability
    assert verify(a, c, Config(), table) is None
    assert verify(a, b, Config(reworded=False), table) is None
    assert verify(a, b, Config(reworded_probability=0.99), table) is None


def test_the_model_file_matches_its_training_script() -> None:
    assert reworded_model.FEATURES == train_reworded.FEATURE_NAMES
    n = len(reworded_model.FEATURES)
    assert len(reworded_model.MEAN) == len(reworded_model.SCALE) == len(reworded_model.WEIGHTS) == n
    assert Config().reworded_probability == reworded_model.PROBABILITY
    assert MODEL_MAX_WORDS >= 35  # the longest MRPC sentence


def test_training_fits_a_separable_toy_problem() -> None:
    np = pytest.importorskip("numpy")
    x = np.array([[0.1], [0.2], [0.3], [0.7], [0.8], [0.9]])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    p = train_reworded.predict(train_reworded.fit(x, y), x)
    assert list(p >= 0.5) == [False, False, False, True, True, True]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcdefghijklmnop"), max_size=8), min_size=1, max_size=40),
    st.sampled_from([0.1, 0.25, 0.5]),
    st.integers(1, 4),
    st.booleans(),
)
def test_rare_word_pairs_equal_the_plain_computation(
    word_lists: list[list[str]], share: float, partners: int, small_blocks: bool
) -> None:
    contents = [(i * 3, tuple(ws)) for i, ws in enumerate(word_lists)]  # ids need not be dense
    table = rarity(ws for _, ws in contents)
    with pytest.MonkeyPatch.context() as patch:
        if small_blocks:  # many blocks and prunes, as on a large scan
            patch.setattr(candidates, "_SHARED_BLOCK", 3)
            patch.setattr(candidates, "_STRONGEST_PRUNE", 4)
        found = rare(contents, table, share, partners)
    assert found == reference_rare_pairs(contents, table, share, partners)


def postings_fields(postings: candidates.RarePostings) -> list[list[int]]:
    return [
        postings.owners.tolist(),
        postings.words.tolist(),
        postings.mass.tolist(),
        postings.word_weight.tolist(),
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), max_size=8), max_size=80),
    st.data(),
)
def test_counted_words_give_the_rare_postings_of_the_plain_pass(
    word_lists: list[list[str]], data: st.DataObject
) -> None:
    """The scan's array way to the rare-word entries equals one pass over the kept texts'
    words, and a scan's entries plus the allowlist's equal one pass over both."""
    table, numbered = counted(word_lists)
    assert table.frequencies == Counter(w for ws in word_lists for w in set(ws))
    words = list(table.frequencies)
    ends = numbered.ends.tolist()
    for i, ws in enumerate(word_lists):  # each text's distinct words, once each
        own = [words[w] for w in numbered.words[ends[i] - len(set(ws)) : ends[i]].tolist()]
        assert sorted(own) == sorted(set(ws))
    kept = data.draw(st.lists(st.booleans(), min_size=len(word_lists), max_size=len(word_lists)))
    items = [(i, ws) for i, (ws, keep) in enumerate(zip(word_lists, kept, strict=True)) if keep]
    added = data.draw(st.lists(st.lists(st.sampled_from("abcxyz0"), max_size=5), max_size=3))
    more = [(len(word_lists) + i, ws) for i, ws in enumerate(added)]  # "0": a word never counted
    with pytest.MonkeyPatch.context() as patch:
        # a cap of a few texts, so that some words are rare and some are not
        patch.setattr(candidates, "RARE_MIN_POSTINGS", data.draw(st.integers(1, 4)))
        ours = candidates.counted_postings(numbered, numpy.array(kept, dtype=bool), table)
        assert postings_fields(ours) == postings_fields(candidates.rare_postings(items, table))
        both = ours.plus(candidates.rare_postings(more, table))
        plain = candidates.rare_postings([*items, *more], table)
    assert postings_fields(both) == postings_fields(plain)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 2**31 - 1)),
        max_size=60,
        unique_by=lambda entry: (entry[0], entry[2]),
    ),
    st.sampled_from([1, 2**20, 2**58]),
)
def test_the_strongest_come_first_as_a_three_key_sort_puts_them(
    entries: list[tuple[int, int, int]], scale: int
) -> None:
    """Owner, then weight (the heaviest first), then partner; a scale of 2**58 leaves no room
    for the owner beside the weight: sorted by ``np.lexsort`` then."""
    owner = numpy.array([e[0] for e in entries], dtype=numpy.int32)
    weight = numpy.array([e[1] * scale for e in entries], dtype=numpy.int64)
    partner = numpy.array([e[2] for e in entries], dtype=numpy.int32)
    order = candidates._strongest_first(owner, weight, partner)
    expected = numpy.lexsort((partner, -weight, owner))
    assert order.tolist() == expected.tolist()


@given(st.lists(st.sampled_from(["treaty", "geneva", "rain", "unseen", "signed"]), unique=True))
def test_totals_are_exact_integer_sums_in_any_order(chosen: list[str]) -> None:
    table = rarity([("treaty", "geneva"), ("rain", "geneva"), ("signed",)])
    expected = sum(quantized(table.weight(w)) for w in chosen)
    assert table.total(chosen) == table.total(chosen[::-1]) == table.total(set(chosen))
    assert table.total(chosen) == expected  # "unseen" weighs as if one text used it
