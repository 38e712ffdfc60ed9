"""The benchmark corpus helpers: paragraph cutting, duplicate removal and seeded edits."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from benchmarks import mutate, realtext
from dedup.normalize import words

TEXT = (
    "The quick brown fox jumps over the lazy dog near the river bank today. "
    "It was not amused by the noise of the passing trains at all. "
    "Nobody saw what happened next, and nobody asked about it either."
)
VOCAB = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]


def test_split_paragraphs_joins_lines_and_cuts_at_blank_and_dot_lines() -> None:
    text = "one two three four five six seven eight\nnine ten\n\nshort one\n .\n" + (
        "a b c d e f g h i\n"
    )
    assert list(realtext.split_paragraphs(text)) == [
        "one two three four five six seven eight nine ten",
        "a b c d e f g h i",
    ]


def test_distinct_keeps_first_of_floor_equal_paragraphs() -> None:
    para = "This Paragraph, has eight words in it: truly."
    kept = realtext.distinct([("a", para), ("b", para.lower().replace(",", ""))])
    assert kept == [realtext.SourceParagraph("a", para)]


@pytest.mark.parametrize("kind", mutate.WORD_EDITS)
@pytest.mark.parametrize("rate", mutate.EDIT_RATES)
def test_word_edits_are_seeded_and_change_the_planned_number_of_words(
    kind: str, rate: float
) -> None:
    first = mutate.edit_words(TEXT, kind, rate, random.Random(7), VOCAB)
    assert first == mutate.edit_words(TEXT, kind, rate, random.Random(7), VOCAB)
    n = len(TEXT.split())
    k = mutate.edit_count(n, rate)
    after = first.split()
    if kind == "delete":
        assert len(after) == n - k
    elif kind == "insert":
        assert len(after) == n + k
    else:
        assert len(after) == n
        changed = sum(a != b for a, b in zip(TEXT.split(), after, strict=True))
        assert 1 <= changed <= k + 1


def test_surface_edits_keep_the_normalised_words() -> None:
    rng = random.Random(3)
    for edit in (mutate.recase, mutate.respace):
        for _ in range(10):
            assert words(edit(TEXT, rng)) == words(TEXT)
    assert words(mutate.wrap(TEXT, 40)) == words(TEXT)
    assert "\n" in mutate.wrap(TEXT, 40)


def test_containment_edits() -> None:
    rng = random.Random(1)
    longer = mutate.add_sentence(TEXT, "Another sentence was added here. And one more.", rng)
    assert TEXT in longer and len(longer) > len(TEXT)
    shorter = mutate.drop_sentence(TEXT, rng)
    assert shorter is not None and len(words(shorter)) < len(words(TEXT))
    assert mutate.drop_sentence("Only one sentence here.", rng) is None


def test_floor_and_naive_read_the_same_paragraphs(tmp_path: Path) -> None:
    from benchmarks.floor import floor
    from benchmarks.naive import naive

    same = "The licence grants every user the right to copy and share the work freely."
    (tmp_path / "a.txt").write_text(f"{same}\n\nSomething else entirely, said once only.\n")
    (tmp_path / "b.txt").write_text(same.upper().replace(" ", "   ") + "\n")
    assert floor(str(tmp_path)) == (3, 2)  # three paragraphs, two distinct after the floor's key
    assert naive(str(tmp_path)) == (3, 1)  # the two equal ones are the one candidate pair
