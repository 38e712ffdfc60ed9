"""Choose the tier thresholds on the **tune** pool of the planted benchmark.

For each threshold, one setting at a time around the default, ``dedup eval`` scores the tune
pool; the table shows what the setting trades: recall of 30 % word edits (the hardest rate
with a target), containment recall, overall precision and the negatives called copies.
The README's defaults are the ones picked from this table; the report pool is never used here.

Run: ``python -m benchmarks.sweep`` (about a minute).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks import mrpc, mutate, planted, realtext
from benchmarks.evaluate_all import group_totals, run_eval

# The near tier alone (the reworded tier off, or it would find what near misses), then with it.
SETTINGS = [
    *(("--no-reworded", "--near-threshold", v) for v in ("0.6", "0.65", "0.7", "0.75", "0.8")),
    *(("--near-threshold", v) for v in ("0.65", "0.85")),
    *(("--contained-threshold", v) for v in ("0.8", "0.85", "0.9", "0.95")),
    *(("--reworded-threshold", v) for v in ("0.2", "0.25", "0.3", "0.35")),
    *(("--reworded-probability", v) for v in ("0.4", "0.5", "0.6", "0.7")),
]


RATES = (0.2, 0.3)
WORD_EDITS = mutate.WORD_EDITS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=mrpc.REPO / "build" / "eval")
    parser.add_argument("--per-group", type=int, default=50)
    args = parser.parse_args()
    out = args.build / "planted-tune"
    sources = planted.pool(realtext.paragraphs(), "tune")
    labels = planted.write(planted.plant(sources, args.per_group, planted.SEED), out, planted.SEED)
    print(
        "| setting | recall 20 % | recall 30 % | containment recall | precision "
        "| precision of `near` | negatives called copies |"
    )
    print("|---|---|---|---|---|---|---|")
    for setting in SETTINGS:
        result = run_eval(labels, ["corpus", *setting], out)
        groups = result["groups"]
        recall = [
            group_totals(groups, [planted.group_name(k, r) for k in WORD_EDITS]) for r in RATES
        ]
        kept, held = group_totals(groups, ["sentence added", "sentence removed"])
        near = result["kinds"].get("near", {}).get("precision")
        print(
            f"| `{' '.join(setting)}` | "
            + " | ".join(f"{found / total:.3f}" for found, total in recall)
            + f" | {kept / held:.3f} | {result['pairs']['precision']:.3f} | {near} "
            f"| {groups['negatives']['false_positives']} |"
        )


if __name__ == "__main__":
    main()
