"""How much boilerplate does the allowlist catch, and does it swallow anything else?

``--boilerplate`` real paragraphs (``benchmarks.realtext``) go into an allowlist file. The tree
holds, for each of them, two copies with a seeded edit (``benchmarks.mutate``) at each rate, and
fragments (one sentence dropped); plus ``--others`` unrelated real paragraphs, each copied twice,
some of them from the same source families (a licence's other clauses look alike). Counted:

* caught: planted copies of boilerplate left out of the clusters (allowlisted);
* wrongly allowlisted: copies of the unrelated paragraphs left out (they should stay reported).

Run: ``python -m benchmarks.allowlist_match --boilerplate 40 --others 400 --seed 1``
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from benchmarks.mutate import WORD_EDITS, drop_sentence, edit_words, wrap
from benchmarks.realtext import paragraphs
from dedup.config import Config
from dedup.pipeline import scan

RATES = (0.0, 0.05, 0.10, 0.20, 0.30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boilerplate", type=int, default=40)
    parser.add_argument("--others", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--debug", action="store_true", help="print what was wrongly left out")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = [p for p in paragraphs() if 20 <= len(p.text.split()) <= 120]
    chosen = rng.sample(corpus, args.boilerplate)
    families = {p.family for p in chosen}
    texts = {p.text for p in chosen}
    # unrelated paragraphs: half from the boilerplate's own families (the hard negatives)
    kin = [p.text for p in corpus if p.family in families and p.text not in texts]
    rest = [p.text for p in corpus if p.family not in families]
    others = rng.sample(kin, min(len(kin), args.others // 2))
    others += rng.sample(rest, args.others - len(others))
    vocabulary = sorted({w for t in rng.sample(rest, 2000) for w in t.split()})

    root = Path(tempfile.mkdtemp(prefix="dedup-allowlist-bench-"))
    (root / "allow.txt").write_text("\n\n".join(wrap(p.text) for p in chosen) + "\n")
    planted: dict[str, str] = {}  # file name -> what it holds
    for i, item in enumerate(chosen):
        for rate in RATES:
            kind = rng.choice(WORD_EDITS)
            for copy in (1, 2):
                text = edit_words(item.text, kind, rate, rng, vocabulary) if rate else item.text
                planted[f"b{i:03d}-{rate:.2f}-{copy}.txt"] = text
        if (fragment := drop_sentence(item.text, rng)) is not None:
            for copy in (1, 2):
                planted[f"b{i:03d}-fragment-{copy}.txt"] = fragment
    for i, text in enumerate(others):
        for copy in (1, 2):
            planted[f"o{i:03d}-{copy}.txt"] = text
    docs = root / "docs"
    docs.mkdir()
    for name, text in planted.items():
        (docs / name).write_text(wrap(text) + "\n")

    config = Config(root=root, allowlist=(root / "allow.txt",))
    reported = {
        m.path.split("/")[-1] for c in scan([str(docs)], config).clusters for m in c.members
    }
    without = {
        m.path.split("/")[-1]
        for c in scan([str(docs)], Config(root=root)).clusters
        for m in c.members
    }
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for name in planted:
        group = "others" if name.startswith("o") else name.split("-")[1]
        total[group] += 1
        caught[group] += name in without and name not in reported
        if group == "others" and name in without and name not in reported and args.debug:
            print("wrongly allowlisted:", name, planted[name][:300])
    print(f"{args.boilerplate} allowlisted paragraphs; {len(planted)} files")
    print(f"{'copies':<22} {'in clusters without':>20} {'left out with allowlist':>24}")
    for group in [*(f"{r:.2f}" for r in RATES), "fragment", "others"]:
        label = "unrelated" if group == "others" else f"edit {group}"
        clustered = sum(n in without for n in planted if _group(n) == group)
        print(f"{label:<22} {clustered:>10} of {total[group]:<6} {caught[group]:>16}")
    shutil.rmtree(root)


def _group(name: str) -> str:
    return "others" if name.startswith("o") else name.split("-")[1]


if __name__ == "__main__":
    main()
