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
MEAN = (0.668760, 0.448940, 0.678990, 0.845399, 0.559733, 0.615621, 0.734196, 0.674095)
SCALE = (0.134662, 0.178879, 0.094998, 0.101656, 0.118181, 0.134834, 0.405798, 0.167212)
WEIGHTS = (1.085085, -0.859021, 0.537372, 0.055794, 1.185231, -1.347730, 0.258356, 0.217244)
BIAS = 0.537217
# The probability threshold chosen on the tune part (the default reworded_probability).
PROBABILITY = 0.50
