"""The LSH stage alone: array band bucketing against datasketch's ``MinHashLSH``, same pairs.

``python -m benchmarks.lsh_compare 30000`` takes the benchmark corpus of that many paragraphs
(``benchmarks.corpus``), keeps the distinct normalised texts of at least 5 words, computes their
word 3-gram signatures as the scan does, and times ``lsh_pairs`` against inserting every
signature into ``MinHashLSH`` and querying each (CPU seconds), checking the pairs are equal.
"""

from __future__ import annotations

import sys
import time

from benchmarks import corpus, realtext
from dedup.candidates import datasketch_pairs, lsh_pairs, pair_set
from dedup.normalize import words
from dedup.signatures import batch_word_hashes, shingle_hashes, signatures


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    real = [p.text for p in realtext.paragraphs()]
    distinct = dict.fromkeys(words(t) for t in corpus.paragraphs(real, size, 1))
    texts = [t for t in distinct if len(t) >= 5]
    sets = [shingle_hashes(h, 3) for h in batch_word_hashes(texts)]
    rows = signatures(sets, 128, 1)
    keys = list(range(len(texts)))
    started = time.process_time()
    ours = lsh_pairs(keys, rows, 0.3)
    middle = time.process_time()
    theirs = datasketch_pairs(keys, rows, 0.3, 1)
    done = time.process_time()
    same = pair_set(ours) == theirs
    print(
        f"{len(texts)} texts, {len(theirs)} pairs; lsh_pairs {middle - started:.2f} s CPU, "
        f"MinHashLSH insert + query {done - middle:.2f} s CPU; same pairs: {same}"
    )


if __name__ == "__main__":
    main()
