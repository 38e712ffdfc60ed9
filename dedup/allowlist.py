"""Allowlist: boilerplate given as example text (a licence notice, a disclaimer).

An allowlist file is read and cut into paragraphs like any scanned file. A scanned paragraph
whose normalised words equal an allowlisted paragraph's, or which the verifier finds to be a
``near`` copy of one, or to lie inside one (``contained``: a fragment), or to hold one plus so
little else that the pair scores as ``near`` (the verifier reports containment first), is left
out of the clusters and counted. A paragraph that contains an allowlisted one among much other
text is still reported: the rest of it is not boilerplate.

Candidates come from the scan's own MinHash index (the allowlisted paragraphs are indexed with
the scanned ones) and from shared sentences, so the cost does not grow with
``allowlist paragraphs x scanned paragraphs``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dedup.candidates import Pair, SentenceKeys
from dedup.config import Config
from dedup.models import Kind
from dedup.rarity import Rarity
from dedup.verify import Text, verify

Example = tuple[tuple[str, ...], tuple[int, ...]]  # an allowlisted paragraph: words, sentence keys


@dataclass(frozen=True, slots=True)
class Allowlist:
    """The allowlisted paragraphs as texts, numbered after the scanned texts."""

    texts: tuple[Text, ...] = ()
    sentences: tuple[tuple[int, ...], ...] = ()

    @property
    def first_id(self) -> int:
        return self.texts[0].id if self.texts else 0


def allowlist_texts(paragraphs: Iterable[Example], first_id: int) -> Allowlist:
    """Texts for ``(words, sentence keys)`` of the allowlisted paragraphs, ids from ``first_id``.

    Their content words are left empty: a retelling of boilerplate is not boilerplate.
    """
    unique = list(dict.fromkeys((w, k) for w, k in paragraphs if w))
    texts = tuple(Text(first_id + i, w, ()) for i, (w, _) in enumerate(unique))
    return Allowlist(texts, tuple(k for _, k in unique))


def allowlisted(
    texts: Sequence[Text],
    text_sentences: SentenceKeys,
    allow: Allowlist,
    pairs: Iterable[Pair],
    config: Config,
    weights: Rarity,
) -> frozenset[int]:
    """The ids of ``texts`` that match an allowlisted paragraph.

    Args:
        texts: the scanned distinct texts, ``texts[i].id == i``.
        text_sentences: their sentence keys.
        allow: the allowlist, numbered after ``texts``.
        pairs: candidate pairs over the scanned and allowlisted texts together.
    """
    if not allow.texts:
        return frozenset()
    exact = {t.words for t in allow.texts}
    found = {t.id for t in texts if t.words in exact}
    first = allow.first_id
    for a, b in sorted(_candidates(pairs, text_sentences, allow)):
        scanned, boiler = (a, b) if a < first else (b, a)
        if scanned in found or scanned >= first or boiler < first:
            continue
        if matches(texts[scanned], allow.texts[boiler - first], config, weights):
            found.add(scanned)
    return frozenset(found)


def matches(scanned: Text, boiler: Text, config: Config, weights: Rarity) -> bool:
    """A near copy of the boilerplate, a fragment of it, or it with a little text added."""
    link = verify(scanned, boiler, config, weights)
    if link is None or link.kind is Kind.REWORDED:
        return False
    if link.kind is Kind.NEAR or link.inner == scanned.id:
        return True
    # the boilerplate lies inside the scanned paragraph: only if the rest is small, i.e. the
    # pair would pass as near (the verifier reports containment first)
    aligned = link.similarity * len(boiler.words)
    return 2 * aligned / (len(scanned.words) + len(boiler.words)) >= config.near_threshold


def _candidates(pairs: Iterable[Pair], text_sentences: SentenceKeys, allow: Allowlist) -> set[Pair]:
    """Index pairs with an allowlisted text, plus scanned texts sharing a sentence with one."""
    first = allow.first_id
    out = {p for p in pairs if (p[0] >= first) != (p[1] >= first)}
    by_sentence: dict[int, list[int]] = defaultdict(list)
    for text in allow.texts:
        for key in allow.sentences[text.id - first]:
            by_sentence[key].append(text.id)
    if by_sentence:
        for text_id, key in text_sentences.rows():
            out.update((text_id, boiler) for boiler in by_sentence.get(key, ()))
    return out
