"""normalize.py: the words every tier compares."""

from __future__ import annotations

import pickle
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.models import Block
from dedup.normalize import (
    _WORD,
    content_sequence,
    content_sequences,
    content_words,
    fold,
    sentence_texts,
    sentences,
    words,
)
from dedup.pipeline import MIN_SENTENCE_WORDS, Pieces, normalise_block
from dedup.reread import digest
from dedup.stable_hash import stable_hash


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ﬁnal ﬂoor", "final floor"),  # ligatures (NFKC)
        ("ＦＵＬＬ width", "full width"),  # full-width letters (NFKC)
        ("no\u00a0break\u2009thin", "no break thin"),  # non-breaking and thin spaces
        ("Straße", "STRASSE"),  # case folding, not lower()
        ("ΣΟΦΟΣ", "σοφος"),  # final sigma folds like sigma
        ("Trump’s", "Trump's"),  # curly apostrophe
        ("‘single’ “double” «guillemets»", '\'single\' "double" "guillemets"'),
        ("Russia–Ukraine — war", "Russia-Ukraine - war"),  # en and em dashes
        ("minus−sign", "minus-sign"),
        ("Tabs\tand\r\nnew\nlines", "tabs and new lines"),
        ("Punctuation, does: not; count!", "punctuation does not count"),
    ],
)
def test_equal_after_normalisation(a: str, b: str) -> None:
    assert words(a) == words(b)


def test_words_are_exact_tokens() -> None:
    assert words("Trump’s Unexpected Shift in US Policy") == (
        "trump",
        "s",
        "unexpected",
        "shift",
        "in",
        "us",
        "policy",
    )
    assert words("Russia–Ukraine") == ("russia", "ukraine")
    assert words("") == ()
    assert words(" — ... ") == ()


def test_fold_maps_quotes_and_dashes_to_ascii() -> None:
    assert fold("“Ａ” – ‘B’") == "\"a\" - 'b'"
    assert fold("ASCII Only") == "ascii only"


def test_different_words_stay_different() -> None:
    assert words("Chapter 1 Introduction") != words("Chapter 2 Introduction")
    assert words("resume") != words("résumé")  # accents are kept
    assert words("caf\udce9 au lait") != words("caf\udce8 au lait")  # undecodable bytes kept


def test_content_words_drop_stop_words_and_single_letters() -> None:
    tokens = words("The UN voted 93 to 18, and a resolution passed in 2 hours.")
    expected = {"un", "voted", "93", "18", "resolution", "passed", "2", "hours"}
    assert content_words(tokens) == expected


def test_sentences() -> None:
    text = 'He said "stop." Then he left!Where to? Nobody knows.'
    assert [words(s) for s in sentences(text)] == [
        ("he", "said", "stop"),
        ("then", "he", "left"),  # also where the space after the full stop is missing
        ("where", "to"),
        ("nobody", "knows"),
    ]
    assert sentences("") == []


@given(st.text())
def test_words_are_idempotent(text: str) -> None:
    once = words(text)
    assert words(" ".join(once)) == once


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_fast_path_agrees_with_the_unicode_path(text: str) -> None:
    # "é" sends the text down the NFKC path; the ASCII words before it must not change.
    assert words(text + " é") == (*words(text), "é")


# Prose-like ASCII: the characters the sentence breaks turn on, often.
_PROSE = st.text(
    alphabet=st.sampled_from(list("aZ9_ .!?\"')]\n\t,-Ab\u02bc\u2019Σ\u00a0ﬁ…")), max_size=60
)


@given(st.one_of(_PROSE, st.text()))
def test_sentence_texts_tokenise_once_as_words_and_sentences_do(text: str) -> None:
    parts = sentence_texts(text)
    nfkc = unicodedata.normalize("NFKC", text)
    assert parts == [" ".join(w) for w in map(words, sentences(nfkc)) if w]
    whole = tuple(" ".join(parts).split(" ")) if parts else ()
    assert whole == words(text) == tuple(_WORD.findall(fold(text)))


@given(st.one_of(_PROSE, st.text(), st.text(" \u00a0\u2000\u3000\u202fa1_\u00e9\u0301\ufb01")))
def test_a_piece_joins_its_words_by_spaces_and_splits_them_back(text: str) -> None:
    """A worker sends a paragraph's words as one string (``Piece.joined``): no word holds the
    space that joins them, so splitting gives the words back."""
    block = Block(1, 1, text, text)
    piece = normalise_block(block)
    assert all(" " not in word for word in words(text))
    assert piece.words == words(text)
    nfkc = unicodedata.normalize("NFKC", text)
    long_sentences = [w for w in map(words, sentences(nfkc)) if len(w) >= MIN_SENTENCE_WORDS]
    assert piece.sentence_keys == tuple(stable_hash(" ".join(w)) for w in long_sentences)


@given(
    st.lists(st.tuples(_PROSE, st.one_of(st.none(), st.integers(0, 10**6))), max_size=5),
    st.booleans(),
)
def test_pieces_come_back_whole_from_a_worker(
    texts: list[tuple[str, int | None]], keep_text: bool
) -> None:
    """A worker sends a file's pieces as columns (``Pieces``): every field of every piece comes
    back, and the texts or, when they are not kept, their ``digest``."""
    pieces = [
        replace(normalise_block(Block(3 * i + 1, 3 * i + 2, text, text)), record=record)
        for i, (text, record) in enumerate(texts)
    ]
    sent = Pieces.of(pieces, keep_text)
    back = pickle.loads(pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == sent
    assert back.lines == tuple(n for p in pieces for n in (p.start_line, p.end_line))
    assert back.joined == tuple(p.joined for p in pieces)
    assert back.sentence_keys == tuple(p.sentence_keys for p in pieces)
    assert back.records == tuple(p.record for p in pieces)
    kept = tuple(text for text, _ in texts)
    assert (back.texts, back.digests) == (
        (kept, ()) if keep_text else ((), tuple(map(digest, kept)))
    )


@given(st.lists(_PROSE.map(words), max_size=6))
def test_content_sequences_judge_each_word_once_as_content_sequence_does(
    texts: list[tuple[str, ...]],
) -> None:
    assert content_sequences(texts) == [content_sequence(t) for t in texts]
