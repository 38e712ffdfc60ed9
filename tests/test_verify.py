"""verify.py: each kind, its score, the direction of containment, and a non-match."""

from __future__ import annotations

from pathlib import Path

from dedup.config import Config
from dedup.models import Kind, Link
from dedup.normalize import content_words, words
from dedup.pipeline import scan
from dedup.verify import Text, verify

TEN = "alpha beta gamma delta epsilon zeta eta theta iota kappa"
OTHER_TEN = "lambda mu nu xi omicron pi rho sigma tau upsilon"
FACTS = "senate budget vote passed tuesday city library wing mayor spring march drawings"


def text(text_id: int, source: str) -> Text:
    tokens = words(source)
    return Text(text_id, tokens, tuple(t for t in tokens if t in content_words((t,))))


def test_near_is_the_word_alignment() -> None:
    a, b = text(0, TEN), text(1, TEN.replace("gamma", "omega"))
    # 9 of 10 words align: 2 * 9 / (10 + 10)
    assert verify(a, b, Config()) == Link(0, 1, Kind.NEAR, 0.9)
    assert verify(a, b, Config(near_threshold=0.9)) == Link(0, 1, Kind.NEAR, 0.9)  # at: passes
    assert verify(a, b, Config(near_threshold=0.91)) is None


def test_word_order_counts() -> None:
    a = text(0, TEN)
    b = text(1, " ".join(reversed(TEN.split())))
    assert verify(a, b, Config()) is None  # the same words, but only one aligns in order


def test_contained_says_which_text_is_inside() -> None:
    short, long_ = text(0, TEN), text(1, TEN + " " + OTHER_TEN)
    assert verify(short, long_, Config()) == Link(0, 1, Kind.CONTAINED, 1.0, inner=0)
    short, long_ = text(7, TEN), text(3, OTHER_TEN + " " + TEN)
    assert verify(long_, short, Config()) == Link(3, 7, Kind.CONTAINED, 1.0, inner=7)


def test_contained_threshold_is_the_share_of_the_shorter_text_aligned() -> None:
    short = text(0, TEN.replace("gamma", "omega"))
    long_ = text(1, TEN + " " + OTHER_TEN)
    assert verify(short, long_, Config()) == Link(0, 1, Kind.CONTAINED, 0.9, inner=0)
    # Not contained any more; 2 * 9 / 30 is no near copy, and 9 content words are too few
    # for a retelling.
    assert verify(short, long_, Config(contained_threshold=0.95)) is None


def test_contained_needs_the_longer_text_a_quarter_longer() -> None:
    short = text(0, TEN + " one two three four five six seven")  # 17 words
    long_ = text(1, short.words[0] + " " + " ".join(short.words) + " x y")  # 20 words
    link = verify(short, long_, Config())
    assert link is not None
    assert (link.kind, link.similarity, link.inner) == (Kind.NEAR, round(34 / 37, 4), None)


def test_reworded_aligns_the_content_words_only() -> None:
    facts = FACTS.split()
    told = " ".join(f"the {w} of" for w in facts)  # 36 words
    retold = " ".join(f"{w} is" for w in facts)  # 24 words, other stop words
    a, b = text(0, told), text(1, retold)
    # All words: 2 * 12 / 60 = 0.4, and only half of the shorter text lies in the longer.
    assert verify(a, b, Config()) == Link(0, 1, Kind.REWORDED, 1.0)
    assert verify(a, b, Config(reworded=False)) is None
    assert verify(a, b, Config(reworded_threshold=1.0)) == Link(0, 1, Kind.REWORDED, 1.0)


def test_reworded_needs_ten_content_words_in_common() -> None:
    facts = FACTS.split()[:9]
    a = text(0, " ".join(f"the {w} of" for w in facts))
    b = text(1, " ".join(f"{w} is" for w in facts))
    assert verify(a, b, Config()) is None


def test_unrelated_texts_do_not_match() -> None:
    assert verify(text(0, TEN), text(1, OTHER_TEN), Config()) is None
    assert verify(text(0, TEN), text(1, FACTS), Config()) is None


def test_exact_is_decided_before_verification(tmp_path: Path) -> None:
    # Equal normalised texts are one text before candidates are sought, so verify never sees
    # them; the pipeline links their occurrences as exact copies.
    (tmp_path / "a.txt").write_text("The UN’s vote — a turning point in the war, said many.\n")
    (tmp_path / "b.txt").write_text("the UN's vote - a turning point in the war said many\n")
    (cluster,) = scan([str(tmp_path)], Config(root=tmp_path)).clusters
    assert (cluster.kind, cluster.similarity) == (Kind.EXACT, 1.0)
    assert [m.path for m in cluster.members] == ["a.txt", "b.txt"]
