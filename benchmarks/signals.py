"""What each candidate signal and each verifier buys on the **tune** part of MRPC.

Candidates: for each signal, how many pairs it proposes over all 7,797 distinct sentences, the
share of the tune part's paraphrase pairs among them (recall at the candidate stage), and the
share of its non-paraphrase pairs. Verifiers: F1 and accuracy on every tune pair, each alone
(no near/contained tiers), with the word 3-gram Jaccard baseline for scale.

Run: ``python -m benchmarks.signals``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks import mrpc
from dedup.candidates import Pair, pair_set, rare_word_pairs
from dedup.config import Config
from dedup.pipeline import REWORDED_MIN_SHARED
from dedup.pipeline import _lsh as _lsh_array
from dedup.rarity import Rarity, rarity
from dedup.signatures import shingle_hashes, word_hashes
from dedup.verify import (
    MIN_REWORDED_ALIGNED,
    Text,
    _lcs,
    paraphrase_probability,
    reworded_features,
)


def _chars(text: Text, k: int = 5) -> Any:
    joined = " ".join(text.words)
    return np.unique(word_hashes([joined[i : i + k] for i in range(max(1, len(joined) - k + 1))]))


def _lsh(keys: list[int], sets: list[Any], threshold: float, config: Config) -> set[Pair]:
    """The scan's LSH stage (which returns an array of pairs) as a set of pairs."""
    return pair_set(_lsh_array(keys, sets, threshold, config)[0])


def candidate_signals(texts: list[Text], weights: Rarity) -> dict[str, Callable[[], set[Pair]]]:
    config = Config()
    fuzzy = [t for t in texts if len(t.words) >= config.min_words]
    ids = [t.id for t in fuzzy]
    rich = [t for t in fuzzy if t.content]
    return {
        "word 3-gram MinHash LSH, 0.3 (lexical tiers)": lambda: _lsh(
            ids, [shingle_hashes(word_hashes(t.words), 3) for t in fuzzy], 0.3, config
        ),
        "content-word MinHash LSH, 0.15 (before)": lambda: _lsh(
            [t.id for t in rich], [np.unique(word_hashes(t.content)) for t in rich], 0.15, config
        ),
        "... only texts with 10+ content words (before, as shipped)": lambda: _lsh(
            [t.id for t in rich if len(set(t.content)) >= MIN_REWORDED_ALIGNED],
            [
                np.unique(word_hashes(t.content))
                for t in rich
                if len(set(t.content)) >= MIN_REWORDED_ALIGNED
            ],
            0.15,
            config,
        ),
        "character 5-gram MinHash LSH, 0.2": lambda: _lsh(
            ids, [_chars(t) for t in fuzzy], 0.2, config
        ),
        f"rare words, weighted share >= {REWORDED_MIN_SHARED} (now)": lambda: pair_set(
            rare_word_pairs(((t.id, t.content) for t in rich), weights, REWORDED_MIN_SHARED)
        ),
    }


def _trigram_jaccard(a: Text, b: Text) -> float:
    grams = [set(zip(t.words, t.words[1:], t.words[2:], strict=False)) for t in (a, b)]
    return len(grams[0] & grams[1]) / max(1, len(grams[0] | grams[1]))


def _scores(decisions: list[bool], labels: list[int]) -> str:
    yes = np.array(decisions)
    y = np.array(labels) == 1
    tp, fp, fn = (yes & y).sum(), (yes & ~y).sum(), (~yes & y).sum()
    return f"{2 * tp / (2 * tp + fp + fn):.3f} | {(yes == y).mean():.3f}"


def main() -> None:
    texts, where = mrpc.texts()
    weights = rarity(t.content for t in texts)
    tune = [
        (
            texts[where[(i["a"]["path"], i["a"]["line"])]],
            texts[where[(i["b"]["path"], i["b"]["line"])]],
            i["label"],
        )
        for i in mrpc.labels()
        if mrpc.split_of(i) == "tune"
    ]
    positives = {tuple(sorted((a.id, b.id))) for a, b, label in tune if label and a.id != b.id}
    negatives = {tuple(sorted((a.id, b.id))) for a, b, label in tune if not label and a.id != b.id}
    print("| candidate signal | pairs | paraphrases kept | non-paraphrases kept | seconds |")
    print("|---|---|---|---|---|")
    for name, signal in candidate_signals(texts, weights).items():
        started = time.perf_counter()
        pairs = signal()
        seconds = time.perf_counter() - started
        print(
            f"| {name} | {len(pairs):,} | {len(pairs & positives) / len(positives):.3f} "
            f"| {len(pairs & negatives) / len(negatives):.3f} | {seconds:.1f} |"
        )
    labels = [label for _, _, label in tune]
    print("\n| verifier alone, every tune pair | F1 | accuracy |\n|---|---|---|")
    print(f"| always yes | {_scores([True] * len(tune), labels)} |")
    trigram = [_trigram_jaccard(a, b) >= 0.3 for a, b, _ in tune]
    print(f"| word 3-gram Jaccard >= 0.3 | {_scores(trigram, labels)} |")
    old = []
    for a, b, _ in tune:
        aligned = _lcs(a.content, b.content) if a.content and b.content else 0
        dice = 2 * aligned / max(1, len(a.content) + len(b.content))
        old.append(aligned >= MIN_REWORDED_ALIGNED and dice >= 0.25)
    print(f"| content-word alignment >= 0.25, 10+ aligned (before) | {_scores(old, labels)} |")
    model = [
        paraphrase_probability(reworded_features(a, b, _lcs(a.words, b.words), weights)) >= 0.5
        for a, b, _ in tune
    ]
    print(f"| reworded model >= 0.5 (now; trained on this part) | {_scores(model, labels)} |")


if __name__ == "__main__":
    main()
