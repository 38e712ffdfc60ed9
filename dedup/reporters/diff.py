"""Word differences between two copies, shared by the console, Markdown and HTML reports.

A difference is a list of ``Change`` runs computed once here; each reporter only decides how
to draw them (git's word-diff notation, Markdown strike-through, HTML ``<del>``/``<ins>``).
A reworded copy shares few words in place, so for it ``shared_content`` lists the content
words both copies tell in the same order instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from dedup.models import Cluster, Kind, Member
from dedup.normalize import STOPWORDS, words

EQUAL_RUN_SHOWN = 6  # words of an unchanged run kept on each side of a change, when eliding
MAX_SHARED_SHOWN = 40  # content words listed for a reworded copy


@dataclass(frozen=True, slots=True)
class Change:
    """One run of the alignment: ``equal`` words, or ``old`` words replaced by ``new`` ones."""

    equal: bool
    old: tuple[str, ...]
    new: tuple[str, ...]


def word_changes(old: Sequence[str], new: Sequence[str]) -> list[Change]:
    """The runs that turn the words ``old`` into ``new`` (difflib, no junk heuristic)."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [
        Change(tag == "equal", tuple(old[i1:i2]), tuple(new[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def elided(changes: list[Change]) -> list[Change | int]:
    """``changes`` with the middle of long unchanged runs replaced by the number of words cut.

    A run keeps its head only when old words come before it, and its tail only when old words
    follow it.
    """
    total = sum(len(c.old) for c in changes)
    out: list[Change | int] = []
    start = 0
    for change in changes:
        run = change.old
        end = start + len(run)
        if change.equal and len(run) > 2 * EQUAL_RUN_SHOWN:
            head = run[:EQUAL_RUN_SHOWN] if start else ()
            tail = run[-EQUAL_RUN_SHOWN:] if end < total else ()
            if head:
                out.append(Change(True, head, head))
            out.append(len(run) - len(head) - len(tail))
            if tail:
                out.append(Change(True, tail, tail))
        else:
            out.append(change)
        start = end
    return out


def differs_in_words(changes: list[Change]) -> bool:
    """Whether any run adds or removes words (else the copies differ only in spacing)."""
    return any(not c.equal for c in changes)


def shows_shared_content(first: Member, other: Member, cluster: Cluster) -> bool:
    """Whether ``other`` is best shown by the content words it shares with ``first``."""
    return cluster.kind is Kind.REWORDED and words(first.text) != words(other.text)


def shared_content(a: str, b: str) -> list[str]:
    """The content words (no stop words) that ``a`` and ``b`` tell in the same order."""
    wa = [w for w in words(a) if w not in STOPWORDS]
    wb = [w for w in words(b) if w not in STOPWORDS]
    blocks = Indel.editops(wa, wb).as_matching_blocks()
    return [w for block in blocks for w in wa[block.a : block.a + block.size]]


def shared_content_note(a: str, b: str) -> tuple[str, str]:
    """How a reworded copy is shown: an introduction, and the shared content words listed."""
    shared = shared_content(a, b)
    listed = " ".join(shared[:MAX_SHARED_SHOWN]) + (" …" if len(shared) > MAX_SHARED_SHOWN else "")
    return f"told again in other words; {len(shared)} content words in the same order: ", listed
