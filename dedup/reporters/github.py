"""GitHub Actions workflow commands: one annotation per cluster, on its first copy.

Clusters are ``::warning`` annotations (with a baseline, only new clusters and accepted ones
that new copies joined, annotated on the first new copy), files that could not be read
``::error`` and degraded input ``::notice``. GitHub shows at most 10 annotations of each level
per step (and drops the rest without a word), so each level is capped at 10 and one closing
notice counts what was left out. Messages and properties are escaped as the Actions toolkit
escapes them, so a file name with ``,`` or ``:`` or a message with a line break cannot end a
property or the command early.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from dedup.models import BaselineState, Cluster, Report
from dedup.reporters.console import baseline_label, is_new_copy, location
from dedup.reporters.json_report import clean
from dedup.reporters.sarif import RULES

PER_LEVEL = 10  # annotations GitHub shows per level and step
MAX_COPIES_LISTED = 10


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, CR and LF."""
    return clean(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as a message, and also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | int) -> str:
    """One workflow command line, ``::level key=value,...::message``."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{level}{' ' if props else ''}{props}::{escape_data(message)}"


def render_github(report: Report, stream: IO[str]) -> None:
    """Write ``report`` to ``stream`` as workflow commands, capped per level."""
    levels = {
        "error": [
            command("error", e.message, file=e.path, title="dedup: cannot read")
            for e in report.errors
        ],
        # with a baseline, accepted clusters would use up the 10 annotations: only what is new
        "warning": [
            _cluster(c) for c in report.clusters if c.baseline_state is not BaselineState.UNCHANGED
        ],
        "notice": [
            command("notice", w.message, file=w.path, title="dedup: input warning")
            for w in report.warnings
        ],
    }
    names = {"error": "errors", "warning": "clusters", "notice": "input warnings"}
    overflow = any(len(lines) > PER_LEVEL for lines in levels.values())
    caps = {"error": PER_LEVEL, "warning": PER_LEVEL, "notice": PER_LEVEL - int(overflow)}
    _write(stream, (line for lv, lines in levels.items() for line in lines[: caps[lv]]))
    left_out = [
        f"{len(lines) - caps[lv]} more {names[lv]}"
        for lv, lines in levels.items()
        if len(lines) > caps[lv]
    ]
    if left_out:
        message = (
            f"Not annotated: {', '.join(left_out)} (GitHub shows {PER_LEVEL} annotations of "
            "each level per step). Every finding is in the SARIF, JSON or HTML report."
        )
        _write(stream, [command("notice", message, title="dedup: more findings")])


def _cluster(cluster: Cluster) -> str:
    # on the first new copy when new copies joined an accepted cluster: that is the change
    first = next((m for m in cluster.members if is_new_copy(cluster, m)), cluster.members[0])
    listed = [
        f"{n}. {location(m)}" + (" (new)" if is_new_copy(cluster, m) else "")
        for n, m in enumerate(cluster.members, start=1)
    ]
    more = len(listed) - MAX_COPIES_LISTED
    message = (
        f"Paragraph repeated: {len(listed)} copies ({cluster.kind.value}, similarity "
        f"{cluster.similarity:.2f})\n"
        + "\n".join(listed[:MAX_COPIES_LISTED])
        + (f"\n... and {more} more" if more > 0 else "")
    )
    rule_id, _, short, _ = RULES[cluster.kind]
    return command(
        "warning",
        message,
        file=first.path,
        line=first.start_line,
        endLine=first.end_line,
        title=f"dedup {rule_id}: {short}"
        + (f" ({baseline_label(cluster)})" if baseline_label(cluster) else ""),
    )


def _write(stream: IO[str], lines: Iterable[str]) -> None:
    for line in lines:
        stream.write(line + "\n")
