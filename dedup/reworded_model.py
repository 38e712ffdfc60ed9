"""The reworded tier's model: written by ``benchmarks/train_reworded.py``; do not edit."""

from __future__ import annotations

FEATURES = (
    "unigrams",
    "bigrams",
    "characters",
    "length_ratio",
    "near",
    "contained",
    "numbers",
    "rare_words",
)
MEAN = (0.723771, 0.530257, 0.723320, 0.851946, 0.621729, 0.679831, 0.781369, 0.728940)
SCALE = (0.153989, 0.215406, 0.115945, 0.101041, 0.150316, 0.164366, 0.380943, 0.178762)
WEIGHTS = (1.225826, -1.020161, 0.759577, -0.008370, 2.001949, -2.151648, 0.201335, 0.273803)
BIAS = 1.010296
# The probability threshold chosen on the tune part (the default reworded_probability).
PROBABILITY = 0.50
