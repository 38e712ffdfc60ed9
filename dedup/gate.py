"""The exit code, decided in one place from the report and the gate settings."""

from __future__ import annotations

from dedup.config import Config
from dedup.errors import ExitCode
from dedup.models import BaselineState, Cluster, Report


def failing(report: Report, config: Config) -> list[Cluster]:
    """The clusters at or above the gate: a kind in ``fail_on`` and similarity high enough.

    With a baseline, only what is new counts: a new cluster, or an accepted one that new copies
    joined (``baseline_state`` new or updated); a cluster of accepted copies never fails.
    """
    return [
        c
        for c in report.clusters
        if c.kind in config.fail_on
        and c.similarity >= config.fail_similarity
        and c.baseline_state is not BaselineState.UNCHANGED
    ]


def exit_code(report: Report, config: Config, findings: int | None = None) -> ExitCode:
    """2 on any error or when nothing was scanned; else 1 on findings at the gate; else 0.

    ``exit_zero`` turns 1 into 0 but never hides an error: a partial scan never passes as clean.
    ``allow_empty`` accepts a scan that found no file to read (a CI gate that scanned nothing is
    usually misconfigured, so that is an error otherwise). ``findings``: the clusters at the
    gate, counted where they are (a clusters table) when the report holds none.
    """
    if report.errors or (not report.files_scanned and not config.allow_empty):
        return ExitCode.ERROR
    if findings is None:
        findings = len(failing(report, config))
    if findings and not config.exit_zero:
        return ExitCode.FINDINGS
    return ExitCode.CLEAN


def eval_exit_code(report: Report | None) -> ExitCode:
    """``dedup eval``: 0 once scored, but 2 when its own scan was partial or empty.

    ``report`` is None when the clusters came from a saved JSON report.
    """
    if report is not None and (report.errors or not report.files_scanned):
        return ExitCode.ERROR
    return ExitCode.CLEAN
