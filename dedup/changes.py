"""Changed lines, from git: report only the clusters that touch them.

The whole tree is still indexed, so a new paragraph that copies an unchanged file is caught;
only the clusters with no copy on a changed line are left out of the report (and counted).

* ``--changed-since REF``: ``git diff --unified=0 REF`` (the working tree against REF, staged or
  not), plus every untracked file that git does not ignore, all of whose lines count as changed;
* ``--staged``: ``git diff --cached --unified=0`` (what a commit would record).

A deletion counts as a change to the lines on both sides of it. A renamed file with no edits has
no changed lines.
"""

from __future__ import annotations

import bisect
import codecs
import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from dedup.errors import DedupError
from dedup.models import Member, Report

_HUNK = re.compile(rb"@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class ChangesError(DedupError):
    """git is missing, the folder is not in a repository, or the revision is unknown."""


@dataclass(frozen=True, slots=True)
class Changes:
    """Changed line spans per display path; files in ``whole`` changed on every line."""

    spans: dict[str, tuple[tuple[int, int], ...]]  # sorted, 1-based, inclusive
    whole: frozenset[str]

    def touches(self, member: Member) -> bool:
        """Whether any line of ``member`` changed."""
        if member.path in self.whole:
            return True
        spans = self.spans.get(member.path, ())
        # spans are disjoint: only the last one starting at or before the member's end can overlap
        i = bisect.bisect_right(spans, (member.end_line, sys.maxsize)) - 1
        return i >= 0 and spans[i][1] >= member.start_line


def only_changed(report: Report, changes: Changes) -> Report:
    """``report`` without the clusters that have no copy on a changed line (counted in stats)."""
    kept = [c for c in report.clusters if any(changes.touches(m) for m in c.members)]
    stats = replace(report.stats, clusters_outside_changes=len(report.clusters) - len(kept))
    clusters = tuple(replace(c, id=number) for number, c in enumerate(kept, start=1))
    return replace(report, clusters=clusters, stats=stats)


def changed_lines(root: Path, since: str | None, staged: bool) -> Changes:
    """The lines changed in the git repository holding ``root``, as display paths under it.

    Raises:
        ChangesError: git is not installed, ``root`` is not in a repository, or ``since`` is
            not a revision of it.
    """
    top = Path(os.fsdecode(_git(root, "rev-parse", "--show-toplevel").rstrip(b"\n")))
    if since is not None:
        if since.startswith("-"):
            raise ChangesError(f"--changed-since {since!r}: not a git revision")
        _git(root, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}", what=since)
        diff = _git(top, "diff", *_DIFF_ARGS, since, "--")
        untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z")
    else:
        diff = _git(top, "diff", "--cached", *_DIFF_ARGS, "--")
        untracked = b""
    here = os.path.relpath(os.path.realpath(root), top)

    def display(git_path: str) -> str:
        return Path(os.path.relpath(git_path, here)).as_posix()

    spans = {display(p): tuple(s) for p, s in parse_diff(diff).items()}
    whole = frozenset(display(os.fsdecode(p)) for p in untracked.split(b"\0") if p)
    return Changes(spans, whole)


_DIFF_ARGS = (
    "--unified=0",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--find-renames",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


def _git(folder: Path, *args: str, what: str | None = None) -> bytes:
    command = ["git", "-c", "core.quotePath=false", "-C", str(folder), *args]
    try:
        done = subprocess.run(command, capture_output=True, check=False)
    except FileNotFoundError:
        raise ChangesError("--changed-since and --staged need git, which was not found") from None
    if done.returncode == 0:
        return done.stdout
    if what is not None:
        raise ChangesError(f"unknown git revision {what!r} (see git log, git branch -a)")
    message = done.stderr.decode(errors="replace").strip().splitlines()
    if b"not a git repository" in done.stderr:
        raise ChangesError(
            f"{folder} is not inside a git repository; --changed-since and --staged compare "
            "with git (use --root to point at the repository)"
        )
    raise ChangesError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")


def parse_diff(diff: bytes) -> dict[str, list[tuple[int, int]]]:
    """New-side changed line spans per repository path, from ``git diff --unified=0``."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    path: str | None = None
    for line in diff.split(b"\n"):
        if line.startswith(b"+++ "):
            path = _diff_path(line[4:])
        elif line.startswith(b"@@ ") and path is not None and (hunk := _HUNK.match(line)):
            start, count = int(hunk.group(1)), int(hunk.group(2) or b"1")
            if count:
                spans[path].append((start, start + count - 1))
            else:  # a deletion after line ``start``: both neighbours changed
                spans[path].append((max(1, start), start + 1))
    return {p: _merged(s) for p, s in spans.items()}


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _diff_path(raw: bytes) -> str | None:
    """The path of a ``+++`` header (``None`` for a deleted file); git quotes odd names."""
    raw = raw.rstrip(b"\t")
    if raw == b"/dev/null":
        return None
    if raw.startswith(b'"') and raw.endswith(b'"'):
        raw = codecs.escape_decode(raw[1:-1])[0]
    return os.fsdecode(raw[2:]) if raw.startswith(b"b/") else os.fsdecode(raw)
