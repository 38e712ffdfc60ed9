"""Does the baseline survive edits? False alarms after moves, renames and seeded word edits.

A tree of ``--pairs`` real paragraphs (``benchmarks.realtext``), each copied into two files among
unrepeated filler paragraphs, is scanned and baselined. Then the tree is changed and scanned
again, and the clusters the baseline would fail on are counted:

* ``shift``: every file gets a new paragraph and blank lines at the top, paragraphs reversed;
* ``rename``: every second-copy file is renamed;
* ``<edit> <rate>``: the second copy of every pair gets a seeded word edit (``benchmarks.mutate``);
* ``new copy`` / ``new near copy``: a third copy of every paragraph (exact, or with 10 % of its
  words substituted) in new files, which the baseline must report as new (the detection rate).

Each changed tree is matched twice against the same baseline: by dedup's matching (exact, then
the verifier for edits in place, then by words for moves), and by an exact-key baseline (the same
code without the verifier pass), which is what a content hash would do.

Run: ``python -m benchmarks.baseline_edits --pairs 300 --seed 1``
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.mutate import WORD_EDITS, edit_words, wrap
from benchmarks.realtext import paragraphs
from dedup.baseline import Baseline, from_report, mark
from dedup.config import Config
from dedup.models import BaselineState, Report
from dedup.pipeline import scan

FILES = 30
Tree = dict[str, list[str]]


def build_tree(copies: list[str], fillers: list[str]) -> Tree:
    """Copy ``i`` goes to ``a/fK.txt`` and ``b/fL.txt``, among unrepeated fillers."""
    tree: Tree = {}
    filler = iter(fillers)
    for i, text in enumerate(copies):
        for folder, k in (("a", i % FILES), ("b", (i * 7 + 3) % FILES)):
            tree.setdefault(f"{folder}/f{k:02d}.txt", []).extend([text, next(filler)])
    return tree


def write(root: Path, tree: Tree) -> None:
    if root.exists():
        shutil.rmtree(root)
    for name, texts in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(wrap(t) for t in texts) + "\n", encoding="utf-8")


def failing(report: Report, baseline: Baseline, config: Config) -> int:
    marked = mark(report, baseline, config)
    return sum(c.baseline_state is not BaselineState.UNCHANGED for c in marked.clusters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = [p.text for p in paragraphs() if 20 <= len(p.text.split()) <= 120]
    chosen = rng.sample(corpus, args.pairs * 3)
    copies, fillers = chosen[: args.pairs], chosen[args.pairs :]
    vocabulary = sorted({w for t in rng.sample(corpus, 2000) for w in t.split()})
    tree = build_tree(copies, fillers)
    workdir = Path(tempfile.mkdtemp(prefix="dedup-baseline-bench-"))
    config = Config(root=workdir)
    exact = config.replace(min_words=10_000)  # no copy is long enough for the verifier pass

    def scan_tree(changed: Tree) -> Report:
        write(workdir / "docs", changed)
        return scan([str(workdir / "docs")], config)

    start = time.perf_counter()
    original = scan_tree(tree)
    baseline = from_report(original)
    print(
        f"{args.pairs} pairs, {len(tree)} files, {original.stats.paragraphs} paragraphs: "
        f"{len(original.clusters)} clusters baselined ({len(baseline)} copies)"
    )
    print(
        f"{'scenario':<18} {'clusters':>8} {'with a new copy':>16} {'fail: dedup':>12} "
        f"{'fail: exact key':>16}"
    )
    for name, change in scenarios(copies, vocabulary, args.seed).items():
        report = scan_tree(change(tree))
        planted = sum(any(m.path.startswith("docs/c/") for m in c.members) for c in report.clusters)
        print(
            f"{name:<18} {len(report.clusters):>8} {planted:>16} "
            f"{failing(report, baseline, config):>12} {failing(report, baseline, exact):>16}"
        )
    print(f"({time.perf_counter() - start:.0f} s)")
    shutil.rmtree(workdir)


def scenarios(
    copies: list[str], vocabulary: list[str], seed: int
) -> dict[str, Callable[[Tree], Tree]]:
    out: dict[str, Callable[[Tree], Tree]] = {
        "shift": lambda t: {
            k: [f"Opening note {n}.\n\n\n", *reversed(v)] for n, (k, v) in enumerate(t.items())
        },
        "rename": lambda t: {k.replace("b/f", "b/renamed-"): v for k, v in t.items()},
    }
    for kind in WORD_EDITS:
        for rate in (0.05, 0.10, 0.20, 0.30):
            out[f"{kind} {rate:.2f}"] = _edited(copies, kind, rate, vocabulary, seed)
    out["new copy"] = lambda t: {**t, **{f"c/new{i:03d}.txt": [c] for i, c in enumerate(copies)}}
    near = _edited(copies, "substitute", 0.10, vocabulary, seed + 1)
    out["new near copy"] = lambda t: {
        **t,
        **{f"c/new{i:03d}.txt": [c] for i, c in enumerate(near({"x": copies})["x"])},
    }
    return out


def _edited(
    copies: list[str], kind: str, rate: float, vocabulary: list[str], seed: int
) -> Callable[[Tree], Tree]:
    """Edit the copies found in the ``b/`` files (or in every file of a one-file tree)."""

    def change(tree: Tree) -> Tree:
        rng = random.Random(f"{seed}:{kind}:{rate}")
        targets = set(copies)
        out = {}
        for name, texts in sorted(tree.items()):
            edit = name.startswith("b/") or len(tree) == 1
            out[name] = [
                edit_words(t, kind, rate, rng, vocabulary) if edit and t in targets else t
                for t in texts
            ]
        return out

    return change


if __name__ == "__main__":
    main()
