"""``make eval``: build the planted-edit benchmark, score it and MRPC with ``dedup eval``, print.

Everything is scored through the real command (``dedup eval ... --format json`` in a
subprocess), with the default settings, so the numbers are what a user gets. The tables are
printed as Markdown, ready for the README's "Accuracy" section.

Run: ``python -m benchmarks.evaluate_all [--build DIR] [--pool report|tune] [--per-group N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks import mrpc, mutate, planted, realtext

KIND_GROUPS = {
    "surface": ("case", "punctuation", "whitespace"),
    "containment": ("sentence added", "sentence removed"),
    "layout": ("wrapped copy", "unwrapped copy", "same file", "split across files"),
}


def run_eval(
    labels: Path, paths: Iterable[str], cwd: Path, launcher: Sequence[str] = ("-m", "dedup")
) -> dict[str, Any]:
    """``dedup eval`` with the default settings (no settings file), as JSON.

    ``launcher`` is what follows the interpreter to start dedup (a benchmark may pass
    ``("-c", code)`` that changes a constant first).
    """
    command = [
        sys.executable,
        *launcher,
        "eval",
        str(labels),
        *paths,
        "--isolated",
        "--no-ignore",
        "--format",
        "json",
    ]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"dedup eval failed ({done.returncode}): {done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def group_totals(groups: Mapping[str, Mapping[str, int]], names: Iterable[str]) -> tuple[int, int]:
    """(found, labelled) positives over ``names``."""
    found = sum(groups[n]["true_positives"] for n in names)
    missed = sum(groups[n]["false_negatives"] for n in names)
    return found, found + missed


def _row(name: str, found: int, total: int) -> str:
    return f"| {name} | {found}/{total} | {found / total:.3f} |"


def planted_tables(result: Mapping[str, Any]) -> list[str]:
    groups = result["groups"]
    lines = ["| edit rate (all four word edits) | found | recall |", "|---|---|---|"]
    for rate in mutate.EDIT_RATES:
        names = [planted.group_name(k, rate) for k in mutate.WORD_EDITS]
        lines.append(_row(f"{round(rate * 100)} %", *group_totals(groups, names)))
    lines += ["", "| edit kind | found | recall |", "|---|---|---|"]
    for kind in mutate.WORD_EDITS:
        names = [planted.group_name(kind, r) for r in mutate.EDIT_RATES if r <= 0.3]
        lines.append(_row(f"{kind} (5-30 %)", *group_totals(groups, names)))
    for label, members in KIND_GROUPS.items():
        for name in members:
            lines.append(_row(f"{label}: {name}", *group_totals(groups, [name])))
    negatives = groups["negatives"]
    wrong = negatives["false_positives"]
    total = wrong + negatives["true_negatives"]
    pairs = result["pairs"]
    lines += ["", "| precision | value |", "|---|---|"]
    lines.append(f"| all labelled pairs | {pairs['precision']:.3f} |")
    for kind, scores in sorted(result["kinds"].items()):
        if scores["found"]:
            name = f"found as `{kind}` ({scores['found']} pairs)"
            lines.append(f"| {name} | {scores['precision']:.3f} |")
    lines.append(f"| negatives called copies | {wrong}/{total} |")
    return lines


def mrpc_table(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    lines = [
        "| MRPC part | pairs | precision | recall | F1 | accuracy |",
        "|---|---|---|---|---|---|",
    ]
    counts = ("true_positives", "false_positives", "false_negatives", "true_negatives")
    for name, result in results.items():
        p = result["pairs"]
        total = sum(p[k] for k in counts)
        lines.append(
            f"| {name} | {total} | {p['precision']:.3f} | {p['recall']:.3f} | {p['f1']:.3f} "
            f"| {p['accuracy']:.3f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=mrpc.REPO / "build" / "eval")
    parser.add_argument("--pool", choices=("tune", "report"), default="report")
    parser.add_argument("--per-group", type=int, default=50)
    args = parser.parse_args()
    out = args.build / f"planted-{args.pool}"
    paragraphs = realtext.paragraphs()
    print(f"real text: {len(paragraphs)} paragraphs, digest {realtext.digest(paragraphs)}\n")
    sources = planted.pool(paragraphs, args.pool)
    pairs = planted.plant(sources, args.per_group, planted.SEED)
    labels = planted.write(pairs, out, planted.SEED)
    result = run_eval(labels, ["corpus"], out)
    (out / "eval.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"## Planted-edit benchmark ({args.pool} pool, {len(pairs)} labelled pairs)\n")
    print("\n".join(planted_tables(result)))
    if not (mrpc.MRPC / "labels.jsonl").is_file():
        print(f"\nMRPC not found at {mrpc.MRPC} (set DEDUP_MRPC): skipped")
        return
    splits = mrpc.write_splits(args.build / "mrpc")
    docs = str((mrpc.MRPC / "docs").resolve())
    results = {name: run_eval(path, [docs], args.build / "mrpc") for name, path in splits.items()}
    print("\n## MRPC (reworded tier; tune part used for choices, held-out reported)\n")
    print("\n".join(mrpc_table(results)))


if __name__ == "__main__":
    main()
