"""MinHash signatures for a batch of token sequences, computed as one array operation.

The permutations are datasketch's own (``MinHash(num_perm, seed).permutations``, scheme
``affine32``) and the arithmetic is that of ``MinHash.update_batch``: the input hash is mixed by
the MurmurHash3 finalizer, then ``a * h + b`` modulo 2**32, then the minimum per permutation.
A differential test checks that every signature equals the one datasketch computes for the same
shingle hashes. Shingle hashes come from CRC-32 of each word, combined per shingle, so they are
the same in every process and on every machine (Python's ``hash`` is not).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

import numpy as np
import numpy.typing as npt
from datasketch import LeanMinHash, MinHash

U32 = npt.NDArray[np.uint32]
SCHEME = "affine32"
_MIX = np.uint32(0x9E3779B1)  # odd: multiplying by it is a bijection modulo 2**32
_CHUNK = 1 << 14  # shingles per block of the permutation product (bounds memory)
# Texts shingled at a time (all at once, every word of a 300k-paragraph scan was in one list
# and one array).
_TEXT_BATCH = 1 << 14


def word_hashes(words: Sequence[str]) -> U32:
    """A 32-bit CRC of each word (surrogate escapes kept, so invalid bytes stay distinct)."""
    return np.fromiter(
        (zlib.crc32(w.encode("utf-8", "surrogatepass")) for w in words),
        dtype=np.uint32,
        count=len(words),
    )


def batch_word_hashes(texts: Sequence[Sequence[str]]) -> list[U32]:
    """``word_hashes`` of every text, each distinct word hashed once (words repeat a lot)."""
    every = list(chain.from_iterable(texts))
    vocabulary = {word: i for i, word in enumerate(dict.fromkeys(every))}
    ids = np.fromiter(map(vocabulary.__getitem__, every), dtype=np.int64, count=len(every))
    table = word_hashes(list(vocabulary))
    ends = np.cumsum([len(text) for text in texts], dtype=np.int64)
    return np.split(table[ids], ends[:-1]) if texts else []


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
    local engine calls it once for the scan, the Spark engine once per Arrow batch).

    Every text needs at least ``shingle_size`` words.
    """
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    for start in range(0, len(texts), _TEXT_BATCH):
        batch = texts[start : start + _TEXT_BATCH]
        sets = [shingle_hashes(hashes, shingle_size) for hashes in batch_word_hashes(batch)]
        out[start : start + len(sets)] = signatures(sets, num_perm, seed)
    return out


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """datasketch's permutation parameters ``(a, b)`` for ``num_perm`` and ``seed``."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def _fmix32(h: U32) -> U32:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signatures(shingle_sets: Sequence[U32], num_perm: int, seed: int) -> U32:
    """One row of ``num_perm`` minimum hashes per non-empty shingle set, in input order."""
    if any(s.shape[0] == 0 for s in shingle_sets):
        raise ValueError("every shingle set must be non-empty; leave short paragraphs out")
    out = np.empty((len(shingle_sets), num_perm), dtype=np.uint32)
    if not shingle_sets:
        return out
    a, b = permutations(num_perm, seed)
    lengths = np.fromiter((s.shape[0] for s in shingle_sets), dtype=np.int64)
    mixed = _fmix32(np.concatenate(shingle_sets))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    buffer = np.empty((max(_CHUNK, int(lengths.max())), num_perm), dtype=np.uint32)
    # Process whole sets in chunks of about _CHUNK shingles, so memory stays bounded.
    row = 0
    while row < len(shingle_sets):
        stop = row + 1
        begin = int(starts[row])
        while stop < len(shingle_sets) and starts[stop] + lengths[stop] - begin <= _CHUNK:
            stop += 1
        end = int(starts[stop - 1] + lengths[stop - 1])
        products = np.multiply(mixed[begin:end, None], a[None, :], out=buffer[: end - begin])
        products += b[None, :]
        out[row:stop] = np.minimum.reduceat(products, starts[row:stop] - begin, axis=0)
        row = stop
    return out


def lean_minhash(signature: U32, seed: int) -> LeanMinHash:
    """Wrap one signature row for datasketch's ``MinHashLSH``."""
    return LeanMinHash(seed=seed, hashvalues=signature, scheme=SCHEME)
