"""Choose the reworded tier's partner cap and posting cap on **tune** data only.

For each ``(partners, posting cap)`` setting, ``dedup eval`` scores the MRPC tune part and the
planted benchmark's tune pool with every other setting at its default, in a child process whose
``dedup.candidates.RARE_MAX_POSTINGS`` and ``RARE_MAX_PARTNERS`` are set first (the library has no
option for them: they are the tier's design, not a user's knob). ``None`` partners: every pair
over the shared-weight share is kept (the tier before the partner cap). MRPC held-out and the
planted report pool are never used here.

Run: ``python -m benchmarks.partners`` (about a minute).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from benchmarks import evaluate_all, mrpc, mutate, planted, realtext
from benchmarks.evaluate_all import group_totals

SETTINGS: list[tuple[int | None, int]] = [
    (None, 1024),
    (None, 256),
    (None, 128),
    (None, 64),
    *((k, 1024) for k in (1, 2, 4, 8, 16)),
    (8, 256),
]

_CHILD = (
    "import sys\n"
    "import dedup.candidates\n"
    "from dedup.cli import main\n"
    "dedup.candidates.RARE_MAX_POSTINGS = {cap}\n"
    "dedup.candidates.RARE_MAX_PARTNERS = {partners} or 1 << 62\n"
    "sys.argv = ['dedup', *sys.argv[1:]]\n"
    "main()\n"
)


def run_eval(labels: Path, paths: list[str], cwd: Path, setting: tuple[int | None, int]) -> Any:
    """``dedup eval`` (default settings) with the partner and posting caps of ``setting``."""
    partners, cap = setting
    return evaluate_all.run_eval(
        labels, paths, cwd, ("-c", _CHILD.format(cap=cap, partners=partners))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=mrpc.REPO / "build" / "eval")
    args = parser.parse_args()
    tune = mrpc.write_splits(args.build / "mrpc")["tune"]
    docs = str((mrpc.MRPC / "docs").resolve())
    out = args.build / "planted-tune"
    sources = planted.pool(realtext.paragraphs(), "tune")
    labels = planted.write(planted.plant(sources, 50, planted.SEED), out, planted.SEED)
    print(
        "| partners | posting cap | MRPC tune F1 | accuracy | planted recall 30 % | 50 % "
        "| containment | precision | negatives called copies |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for setting in SETTINGS:
        scores = run_eval(tune, [docs], args.build / "mrpc", setting)["pairs"]
        result = run_eval(labels, ["corpus"], out, setting)
        groups = result["groups"]
        recall = [
            group_totals(groups, [planted.group_name(k, rate) for k in mutate.WORD_EDITS])
            for rate in (0.3, 0.5)
        ]
        kept, held = group_totals(groups, ["sentence added", "sentence removed"])
        print(
            f"| {setting[0] or 'all'} | {setting[1]} | {scores['f1']:.3f} "
            f"| {scores['accuracy']:.3f} | "
            + " | ".join(f"{found / total:.3f}" for found, total in recall)
            + f" | {kept / held:.3f} | {result['pairs']['precision']:.3f} "
            f"| {groups['negatives']['false_positives']} |"
        )


if __name__ == "__main__":
    main()
