"""Train the reworded tier's model on the tune part of MRPC and write ``dedup/reworded_model.py``.

The model is a logistic regression over ``dedup.verify.reworded_features`` (standardised, L2
penalty ``L2``) fitted on every tune pair of two distinct sentence-sized texts (fitting on all
of them, not only on those the ``near`` and ``contained`` tiers leave to it, scored better
out of fold on the tune part: accuracy 0.751 against 0.745 at 0.5), by Newton's method: no
random step, so the same data gives the same model on every machine. The probability
threshold is the one that maximises accuracy on out-of-fold predictions (five folds by
position), counting the pairs ``near`` and ``contained`` link as found, so it is not chosen on
the pairs the model was fitted on.

Run: ``python -m benchmarks.train_reworded`` (prints what it chose; ``--check`` only prints).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks import mrpc
from dedup.config import Config
from dedup.rarity import rarity
from dedup.verify import MODEL_MAX_WORDS, _lcs, reworded_features, verify

L2 = 1.0
FOLDS = 5
OUT = mrpc.REPO / "dedup" / "reworded_model.py"
Floats = npt.NDArray[np.float64]


def fit(x: Floats, y: Floats) -> tuple[Floats, Floats, Floats]:
    """``(mean, scale, weights)``, ``weights[0]`` the bias, of an L2 logistic regression."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[np.ones(len(x)), (x - mean) / scale]
    w = np.zeros(z.shape[1])
    penalty = L2 * np.diag(np.r_[0.0, np.ones(z.shape[1] - 1)])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        w -= np.linalg.solve(hessian, gradient)
    return mean, scale, w


def predict(model: tuple[Floats, Floats, Floats], x: Floats) -> Floats:
    mean, scale, w = model
    z = np.c_[np.ones(len(x)), (x - mean) / scale]
    result: Floats = 1 / (1 + np.exp(-z @ w))
    return result


def tune_pairs() -> tuple[Floats, Floats, npt.NDArray[np.bool_]]:
    """Features and labels of the tune pairs, and which of them the model decides.

    The model decides sentence-sized pairs that ``near`` and ``contained`` do not link; the
    others are linked whatever it says. Pairs of one text (exact repeats) are left out.
    """
    texts, where = mrpc.texts()
    weights = rarity(t.content for t in texts)
    config = Config(reworded=False)
    rows, labels, decided = [], [], []
    for item in mrpc.labels():
        if mrpc.split_of(item) != "tune":
            continue
        a = texts[where[(item["a"]["path"], item["a"]["line"])]]
        b = texts[where[(item["b"]["path"], item["b"]["line"])]]
        if a.id == b.id:
            continue
        if max(len(a.words), len(b.words)) > MODEL_MAX_WORDS or not a.content or not b.content:
            continue
        rows.append(reworded_features(a, b, _lcs(a.words, b.words), weights))
        labels.append(item["label"])
        decided.append(verify(a, b, config, weights) is None)
    return np.array(rows, dtype=float), np.array(labels, dtype=float), np.array(decided)


def choose_threshold(x: Floats, y: Floats, decided: npt.NDArray[np.bool_]) -> float:
    """The probability threshold with the best out-of-fold accuracy over the tune pairs."""
    folds = np.arange(len(y)) % FOLDS
    oof = np.empty(len(y))
    for k in range(FOLDS):
        held = folds == k
        oof[held] = predict(fit(x[~held], y[~held]), x[held])
    best = (-1.0, 0.5)
    print("threshold  accuracy  F1   (out-of-fold, tune pairs)")
    for t in np.round(np.arange(0.30, 0.71, 0.05), 2):
        yes = np.where(decided, oof >= t, True)
        tp, fp, fn = (yes & (y == 1)).sum(), (yes & (y == 0)).sum(), (~yes & (y == 1)).sum()
        accuracy = (yes == (y == 1)).mean()
        print(f"{t:9.2f}  {accuracy:8.3f}  {2 * tp / (2 * tp + fp + fn):.3f}")
        best = max(best, (float(accuracy), float(t)))
    return best[1]


def write_model(model: tuple[Floats, Floats, Floats], threshold: float, path: Path) -> None:
    mean, scale, w = model

    def row(values: Floats) -> str:
        return "(" + ", ".join(f"{v:.6f}" for v in values) + ")"

    path.write_text(
        '"""The reworded tier\'s model: written by ``benchmarks/train_reworded.py``; '
        'do not edit."""\n\n'
        "from __future__ import annotations\n\n"
        "FEATURES = (\n" + "".join(f'    "{name}",\n' for name in FEATURE_NAMES) + ")\n"
        f"MEAN = {row(mean)}\n"
        f"SCALE = {row(scale)}\n"
        f"WEIGHTS = {row(w[1:])}\n"
        f"BIAS = {w[0]:.6f}\n"
        f"# The probability threshold chosen on the tune part (the default reworded_probability).\n"
        f"PROBABILITY = {threshold:.2f}\n",
        encoding="utf-8",
    )


FEATURE_NAMES = (
    "unigrams",
    "bigrams",
    "characters",
    "length_ratio",
    "near",
    "contained",
    "numbers",
    "rare_words",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print, do not write the model")
    args = parser.parse_args()
    x, y, decided = tune_pairs()
    print(f"tune: {len(y)} pairs, {int(decided.sum())} of them decided by the model")
    threshold = choose_threshold(x, y, decided)
    model = fit(x, y)
    print("weights:", dict(zip(FEATURE_NAMES, np.round(model[2][1:], 3), strict=True)))
    print(f"bias {model[2][0]:.3f}; chosen threshold {threshold:.2f}")
    if not args.check:
        write_model(model, threshold, OUT)
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
