"""Normalisation: the words of a paragraph as compared by every tier.

The steps, in order, and why the order matters:
1. Unicode NFKC, so compatibility forms (ligatures, full-width letters, non-breaking spaces)
   become the ordinary characters a reader sees.
2. Case folding (``str.casefold``), stronger than ``lower`` for German sharp s and Greek sigma.
3. Quotes, apostrophes and dashes map to their ASCII forms, before tokenising, so a curly
   apostrophe and a straight one split a word the same way.
4. Words are runs of word characters; punctuation and every kind of whitespace separate them.
   Lone surrogates U+DC00-U+DCFF (undecodable bytes kept by the reader) count as word
   characters, so invalid bytes never disappear and two texts that differ only in them stay
   different.

Two paragraphs are ``exact`` copies when their word sequences are equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import chain

_PUNCT = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\uff07", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    }
)
_WORD = re.compile(r"[\w\udc00-\udcff]+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")
# ASCII bytes as ``_ASCII_WORD`` and ``lower()`` see them: letters lower-cased, the other word
# characters kept, every other byte a space (``bytes.split`` then cuts the words).
_ASCII_FOLD = bytes(
    c + 32 if 65 <= c <= 90 else c if chr(c).isalnum() or c == 95 else 32 for c in range(128)
).ljust(256, b" ")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "even",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "may",
        "me",
        "might",
        "more",
        "most",
        "must",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "s",
        "t",
        "said",
        "says",
        "also",
        "however",
    ]
)


def fold(text: str) -> str:
    """Steps 1-3: NFKC, case folding, ASCII quotes and dashes."""
    if text.isascii():
        return text.lower()  # ASCII is NFKC-stable, and lower() equals casefold() on ASCII
    return unicodedata.normalize("NFKC", text).casefold().translate(_PUNCT)


def words(text: str) -> tuple[str, ...]:
    """The normalised words of ``text``: the words of ``fold(text)``."""
    if text.isascii():
        return tuple(_ASCII_WORD.findall(text.lower()))
    return tuple(_WORD.findall(_folded_for_words(unicodedata.normalize("NFKC", text))))


# Of the characters _PUNCT maps, only these are word characters; the others separate words
# mapped or not, so tokenising needs only these replaced (far cheaper than str.translate).
_WORD_PUNCT = [(chr(k), v) for k, v in _PUNCT.items() if _WORD.fullmatch(chr(k))]


def _folded_for_words(nfkc: str) -> str:
    """Steps 2-3 of ``fold`` on NFKC text, as far as they change its words."""
    folded = nfkc.casefold()
    for char, ascii_form in _WORD_PUNCT:
        if char in folded:
            folded = folded.replace(char, ascii_form)
    return folded


def is_content(token: str) -> bool:
    """Whether ``token`` carries meaning: not a stop word, not one letter unless a digit."""
    return token not in STOPWORDS and (len(token) > 1 or token.isdigit())


def content_sequence(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The content words of ``tokens``, in order, repeats kept."""
    return tuple(filter(is_content, tokens))


def content_sequences(texts: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """``content_sequence`` of each of ``texts``, with each distinct word judged once (a scan's
    texts hold some 40 words each, of a few hundred thousand distinct ones)."""
    content = set(filter(is_content, set(chain.from_iterable(texts))))
    return [tuple(filter(content.__contains__, tokens)) for tokens in texts]


def content_words(tokens: tuple[str, ...]) -> frozenset[str]:
    """The distinct words that carry meaning (see ``is_content``)."""
    return frozenset(filter(is_content, tokens))


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+|(?<=[a-z][.!?])(?=[A-Z])")


def sentences(prose: str) -> list[str]:
    """Split prose into sentences (also where a missing space follows the full stop)."""
    return [s for s in _SENTENCE_END.split(prose) if s.strip()]


# The same breaks as _SENTENCE_END, with the closing mark taken into the break: no word changes,
# and a regular expression that starts at a literal character is much faster to scan.
_SENTENCE_BREAK = re.compile(r"[.!?](?:[\"'\u201d\u2019)\]]*\s+|(?<=[a-z][.!?])(?=[A-Z]))")


def sentence_texts(prose: str) -> list[str]:
    """The words of each sentence of ``prose`` that has words, joined by spaces, tokenised once.

    Equal to ``[" ".join(w) for w in map(words, sentences(nfkc)) if w]``, where ``nfkc`` is the
    NFKC form of ``prose`` (a property test holds them equal): sentences are cut after NFKC,
    then each is case-folded and tokenised. No word holds a space, so joined by spaces they
    are ``words(prose)``, and a sentence's word count is its spaces plus one. Strings, not
    tuples of words: a worker sends a paragraph's words as one string, and the sentence keys
    hash the same strings (the reading workers' CPU at 300k paragraphs: 3.89 s against 4.18).
    """
    # ASCII is NFKC-stable, and half the rest is ASCII after NFKC (no-break spaces)
    nfkc = prose if prose.isascii() else unicodedata.normalize("NFKC", prose)
    if nfkc.isascii():  # lower() equals casefold() on ASCII; fold()'s quotes are not ASCII
        # one byte table for lower() and findall(): a third faster on the scan's corpus
        cut = [
            p.encode("ascii").translate(_ASCII_FOLD).split() for p in _SENTENCE_BREAK.split(nfkc)
        ]
        return [b" ".join(w).decode("ascii") for w in cut if w]
    found = [_WORD.findall(_folded_for_words(part)) for part in _SENTENCE_BREAK.split(nfkc)]
    return [" ".join(w) for w in found if w]
