"""The output of ``dedup eval``: console tables (rich) or a JSON document."""

from __future__ import annotations

import json
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from dedup.evaluate import Evaluation, Scores, ThresholdRow


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def scores_dict(scores: Scores) -> dict[str, Any]:
    """Counts and measures of ``scores`` as plain data (null where undefined)."""
    return {
        "true_positives": scores.true_positives,
        "false_positives": scores.false_positives,
        "false_negatives": scores.false_negatives,
        "true_negatives": scores.true_negatives,
        "precision": _num(scores.precision),
        "recall": _num(scores.recall),
        "f1": _num(scores.f1),
        "accuracy": _num(scores.accuracy),
    }


def _table(rows: tuple[ThresholdRow, ...]) -> dict[str, Any] | None:
    if not rows:
        return None
    best = Evaluation.best(rows)
    return {
        "rows": [
            {
                "threshold": r.threshold,
                "precision": _num(r.scores.precision),
                "recall": _num(r.scores.recall),
                "f1": _num(r.scores.f1),
            }
            for r in rows
        ],
        "best_threshold": best.threshold if best else None,
        "best_f1": _num(best.scores.f1) if best else None,
    }


def evaluation_dict(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation as plain data."""
    e = evaluation
    return {
        "pairs": scores_dict(e.pairs) if e.pairs else None,
        "kinds": {
            k.kind.value: {
                "found": k.found.true_positives + k.found.false_positives,
                "precision": _num(k.found.precision),
                "labelled": k.labelled.true_positives + k.labelled.false_negatives,
                "recall": _num(k.labelled.recall),
                "f1": _num(k.f1),
            }
            for k in e.kinds
        },
        "groups": {name: scores_dict(s) for name, s in e.groups},
        "pair_thresholds": _table(e.pair_thresholds),
        "clusters": scores_dict(e.clusters) if e.clusters else None,
        "adjusted_rand_index": _num(e.adjusted_rand),
        "cluster_thresholds": _table(e.cluster_thresholds),
    }


def render_eval_json(evaluation: Evaluation, stream: IO[str]) -> None:
    """Write the evaluation as one JSON document."""
    stream.write(json.dumps(evaluation_dict(evaluation), indent=2, sort_keys=True) + "\n")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _scores_table(title: str, rows: list[tuple[str, Scores]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("", "TP", "FP", "FN", "TN", "precision", "recall", "F1", "accuracy"):
        table.add_column(column, justify="left" if not column else "right")
    for name, s in rows:
        table.add_row(
            name,
            str(s.true_positives),
            str(s.false_positives),
            str(s.false_negatives),
            str(s.true_negatives),
            _fmt(s.precision),
            _fmt(s.recall),
            _fmt(s.f1),
            _fmt(s.accuracy),
        )
    return table


def _threshold_table(title: str, rows: tuple[ThresholdRow, ...]) -> Table:
    best = Evaluation.best(rows)
    table = Table(title=title, title_justify="left")
    for column in ("similarity >=", "precision", "recall", "F1"):
        table.add_column(column, justify="right")
    for r in rows:
        mark = " *" if best is not None and r is best else ""
        table.add_row(
            f"{r.threshold:.2f}{mark}",
            _fmt(r.scores.precision),
            _fmt(r.scores.recall),
            _fmt(r.scores.f1),
        )
    return table


def render_eval_console(evaluation: Evaluation, console: Console) -> None:
    """Print the evaluation as tables on ``console``."""
    e = evaluation
    if e.pairs is not None:
        console.print(_scores_table("Labelled pairs", [("all", e.pairs), *e.groups]))
        kinds = Table(title="By kind", title_justify="left")
        for column in ("kind", "found", "precision", "labelled", "recall", "F1"):
            kinds.add_column(column, justify="left" if column == "kind" else "right")
        for k in e.kinds:
            kinds.add_row(
                k.kind.value,
                str(k.found.true_positives + k.found.false_positives),
                _fmt(k.found.precision),
                str(k.labelled.true_positives + k.labelled.false_negatives),
                _fmt(k.labelled.recall),
                _fmt(k.f1),
            )
        console.print(kinds)
        console.print(_threshold_table("Pairs by threshold (* best F1)", e.pair_thresholds))
    if e.clusters is not None:
        console.print(_scores_table("Labelled clusters (pairs of members)", [("all", e.clusters)]))
        console.print(f"adjusted Rand index: {_fmt(e.adjusted_rand)}", highlight=False)
        console.print(_threshold_table("Clusters by threshold (* best F1)", e.cluster_thresholds))
