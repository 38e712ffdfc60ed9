"""MinHash signatures for a batch of token sequences, computed as one array operation.

The permutations are datasketch's own (``MinHash(num_perm, seed).permutations``, scheme
``affine32``, drawn the same way from numpy's ``RandomState(seed)``) and the arithmetic is that of
``MinHash.update_batch``: the input hash is mixed by the MurmurHash3 finalizer, then
``a * h + b`` modulo 2**32, then the minimum per permutation. Differential tests check that the
permutations and every signature equal datasketch's for the same shingle hashes; datasketch
itself is imported only to wrap a signature for its index (tests and benchmarks). Shingle hashes
come from CRC-32 of each word, combined per shingle, so they are the same in every process and
on every machine (Python's ``hash`` is not).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, count
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from datasketch import LeanMinHash

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
SCHEME = "affine32"
_MIX = np.uint32(0x9E3779B1)  # odd: multiplying by it is a bijection modulo 2**32
_EMPTY_SET = "every shingle set must be non-empty; leave short paragraphs out"
# Shingles per block of the permutation product: computed as one row per permutation, so that
# each row of the block is a contiguous run of shingles (signatures at 300k paragraphs: 0.23 s
# of CPU for the products and minima, against 0.64 s with 1 << 10 and 0.80 s laid out one row per
# shingle, as before; ``benchmarks/HISTORY.md``).
_CHUNK = 1 << 14
# Texts shingled at a time: their k-grams are hashed and sorted as a few arrays (some 10 MB at
# 4,096 texts; all at once, every word of a 300k-paragraph scan was in one list and one array).
_TEXT_BATCH = 1 << 12


def word_hashes(words: Sequence[str]) -> U32:
    """A 32-bit CRC of each word (surrogate escapes kept, so invalid bytes stay distinct)."""
    return np.fromiter(
        (zlib.crc32(w.encode("utf-8", "surrogatepass")) for w in words),
        dtype=np.uint32,
        count=len(words),
    )


def batch_word_hashes(texts: Sequence[Sequence[str]]) -> list[U32]:
    """``word_hashes`` of every text, each distinct word hashed once (words repeat a lot)."""
    ends = np.cumsum([len(text) for text in texts], dtype=np.int64)
    return np.split(_flat_word_hashes(texts), ends[:-1]) if texts else []


def _flat_word_hashes(texts: Sequence[Sequence[str]]) -> U32:
    """``word_hashes`` of the words of all ``texts``, one after the other."""
    every = list(chain.from_iterable(texts))
    vocabulary: defaultdict[str, int] = defaultdict(count().__next__)  # a new word: the next
    ids = np.fromiter(map(vocabulary.__getitem__, every), dtype=np.int64, count=len(every))
    return word_hashes(list(vocabulary))[ids]


def shingle_hashes(hashes: U32, k: int) -> U32:
    """The distinct hashes of the word k-grams of one paragraph (empty when it has < k words)."""
    n = hashes.shape[0] - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint32)
    acc = hashes[:n].copy()
    for j in range(1, k):
        acc = acc * _MIX + hashes[j : j + n]
    return np.unique(acc)


def text_signatures(
    texts: Sequence[Sequence[str]], shingle_size: int, num_perm: int, seed: int
) -> U32:
    """One signature row per text, over its word ``shingle_size``-grams (a batch function: the
    Spark engine calls it once per Arrow batch; the local scan makes a band's columns at a time
    instead, ``signature_columns``).

    Every text needs at least ``shingle_size`` words.
    """
    every = slice(None)
    shingles = text_shingles(texts, shingle_size)
    return np.ascontiguousarray(signature_columns(shingles, num_perm, seed, every))


@dataclass(frozen=True, slots=True)
class Shingles:
    """The shingle sets of many texts, as their hashes mixed for the permutations: what every
    column of their signatures is computed from. In parts of ``_TEXT_BATCH`` texts (the sets
    one after the other), never copied into one array."""

    parts: tuple[tuple[U32, I64], ...]  # (mixed hashes, the size of each text's set)


def text_shingles(texts: Sequence[Sequence[str]], shingle_size: int) -> Shingles:
    """The ``Shingles`` of ``texts`` (each of at least ``shingle_size`` words), for
    ``signature_columns``: a fourth of the memory of their signatures at 128 permutations."""
    parts = []
    for start in range(0, len(texts), _TEXT_BATCH):
        hashes, lengths = _batch_shingles(texts[start : start + _TEXT_BATCH], shingle_size)
        parts.append((_fmix32(hashes), lengths))
    return Shingles(tuple(parts))


def signature_columns(shingles: Shingles, num_perm: int, seed: int, columns: slice) -> U32:
    """``columns`` of the ``num_perm`` signatures of the texts of ``shingles``: the same values
    as those columns of ``signatures`` of their shingle sets, one LSH band at a time without the
    whole matrix (all columns: ``text_signatures``)."""
    a, b = permutations(num_perm, seed)
    a, b = a[columns], b[columns]
    out = np.empty((a.shape[0], sum(n.shape[0] for _, n in shingles.parts)), dtype=np.uint32)
    row = 0
    for mixed, lengths in shingles.parts:
        out[:, row : row + lengths.shape[0]] = _minima(mixed, lengths, a, b)
        row += lengths.shape[0]
    return out.T


def _batch_shingles(texts: Sequence[Sequence[str]], k: int) -> tuple[U32, I64]:
    """``shingle_hashes`` of every text at once: the sets one after the other, and their sizes.

    The k-grams are hashed over the batch's words in one array operation, those that cross
    from one text into the next are dropped, and each text's are made distinct with one sort.
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    if (lengths < k).any():
        raise ValueError(_EMPTY_SET)
    words = _flat_word_hashes(texts)
    n = words.shape[0] - k + 1
    acc = words[:n].copy()
    for j in range(1, k):
        acc = acc * _MIX + words[j : j + n]
    owner = np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)[:n]
    ends = np.cumsum(lengths)
    # a k-gram starting at i stays in its text when i + k <= the end of the text
    inside = np.arange(n, dtype=np.int64) + k <= np.repeat(ends, lengths)[:n]
    keys = (owner[inside] << np.uint64(32)) | acc[inside].astype(np.uint64)
    keys.sort()
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if keys.size else keys
    sizes = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=len(texts))
    return keys.astype(np.uint32), sizes


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """datasketch's permutation parameters ``(a, b)`` for ``num_perm`` and ``seed``: odd
    multipliers ``a``, then offsets ``b``, each drawn as one array from ``RandomState(seed)``."""
    draw = np.random.RandomState(seed)
    a = draw.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: U32) -> U32:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signatures(shingle_sets: Sequence[U32], num_perm: int, seed: int) -> U32:
    """One row of ``num_perm`` minimum hashes per non-empty shingle set, in input order."""
    if any(s.shape[0] == 0 for s in shingle_sets):
        raise ValueError(_EMPTY_SET)
    lengths = np.fromiter((s.shape[0] for s in shingle_sets), dtype=np.int64)
    hashes = np.concatenate(shingle_sets) if shingle_sets else np.empty(0, np.uint32)
    return _signatures(hashes, lengths, num_perm, seed)


def _signatures(hashes: U32, lengths: I64, num_perm: int, seed: int) -> U32:
    """``signatures`` of the sets laid one after the other in ``hashes``, of sizes ``lengths``."""
    a, b = permutations(num_perm, seed)
    return np.ascontiguousarray(_minima(_fmix32(hashes), lengths, a, b).T)


def _minima(mixed: U32, lengths: I64, a: U32, b: U32) -> U32:
    """For each permutation ``(a, b)``, a row: the minimum of ``a * h + b`` over each set of the
    ``mixed`` hashes ``h`` (sets one after the other, of sizes ``lengths``)."""
    out = np.empty((a.shape[0], lengths.shape[0]), dtype=np.uint32)
    if not lengths.shape[0]:
        return out
    ends = np.cumsum(lengths)
    starts = ends - lengths
    buffer = np.empty((a.shape[0], max(_CHUNK, int(lengths.max()))), dtype=np.uint32)
    # Whole sets a chunk of about _CHUNK shingles at a time: the products stay in the cache.
    row = 0
    while row < lengths.shape[0]:
        begin = int(starts[row])
        stop = max(row + 1, int(np.searchsorted(ends, begin + _CHUNK, side="right")))
        end = int(ends[stop - 1])
        products = np.multiply(a[:, None], mixed[None, begin:end], out=buffer[:, : end - begin])
        products += b[:, None]
        out[:, row:stop] = np.minimum.reduceat(products, starts[row:stop] - begin, axis=1)
        row = stop
    return out


def lean_minhash(signature: U32, seed: int) -> LeanMinHash:
    """Wrap one signature row for datasketch's ``MinHashLSH``."""
    from datasketch import LeanMinHash  # for the reference index only

    return LeanMinHash(seed=seed, hashvalues=signature, scheme=SCHEME)
