"""Frozen records passed between the stages of a scan.

The flow is ``walk`` -> ``SourceFile`` -> ``reader`` -> ``Document`` -> ``paragraphs`` ->
``Block`` -> ``Paragraph`` -> candidates -> ``Link`` -> ``Cluster`` -> ``Report``.
Only ``pipeline`` turns the streams into collections; reporters only see ``Report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Kind(StrEnum):
    """How two copies relate, from the strongest evidence to the weakest."""

    EXACT = "exact"
    NEAR = "near"
    CONTAINED = "contained"
    REWORDED = "reworded"

    @property
    def rank(self) -> int:
        """0 for the strongest kind; a cluster takes the kind of its weakest link."""
        return KIND_RANKS[self]


KIND_RANKS = {kind: rank for rank, kind in enumerate(Kind)}  # looked up for every link


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A regular file chosen by the walk."""

    path: Path  # the path used for I/O, never normalised
    display: str  # POSIX path relative to the scan root (or absolute when outside it)
    explicit: bool  # named on the command line: ignore rules and hidden-ness do not apply
    size: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file left out by policy (binary, too large, ...): listed, not an error."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class FileError:
    """Something that should have been read and was not: the scan goes on, the exit is 2."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class Warning_:
    """A degraded but usable input, such as invalid UTF-8 bytes."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class Document:
    """The decoded text of one file."""

    path: str  # display path
    text: str
    format: str  # "text", "markdown", "rst", "html" or "jsonl" (chosen by file suffix)


@dataclass(frozen=True, slots=True)
class Block:
    """A unit of prose cut out of a document, before normalisation."""

    start_line: int  # 1-based, inclusive
    end_line: int
    text: str  # the source lines as they stand in the file, joined with "\n"
    prose: str  # the words a reader sees (markup removed, wrapped lines joined)
    record: int | None = None  # JSON Lines: the 1-based record number; None elsewhere


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A block with its place in the scan (its words travel beside it, to the distinct texts:
    a clustered paragraph is reported without them)."""

    id: int  # dense, in walk order
    path: str
    start_line: int
    end_line: int
    # None in a local scan: only clustered paragraphs have their text read again, and kept apart
    text: str | None
    record: int | None = None  # JSON Lines: the 1-based record number; None elsewhere

    def source_text(self) -> str:
        """The text, which must have been read (``ValueError`` otherwise: a bug)."""
        if self.text is None:
            raise ValueError(f"{self.path}:{self.start_line}: the text was not read again")
        return self.text


@dataclass(frozen=True, slots=True)
class Link:
    """A verified relation between two distinct normalised texts (by their text ids)."""

    a: int
    b: int
    kind: Kind
    similarity: float  # 0..1
    # For CONTAINED: the id of the text that lies inside the other one.
    inner: int | None = None


class BaselineState(StrEnum):
    """A cluster compared with an accepted baseline (SARIF's ``baselineState`` names)."""

    NEW = "new"  # no copy was accepted
    UPDATED = "updated"  # an accepted cluster that new copies joined
    UNCHANGED = "unchanged"  # every copy was accepted


@dataclass(frozen=True, slots=True)
class Member:
    """One copy inside a cluster."""

    path: str
    start_line: int
    end_line: int
    text: str
    record: int | None = None  # JSON Lines: the 1-based record number; None elsewhere
    new: bool | None = None  # against the baseline: None when no baseline was applied


@dataclass(frozen=True, slots=True)
class ClusterLink:
    """A verified link between two members of a cluster (indices into ``members``)."""

    a: int
    b: int
    kind: Kind
    similarity: float
    inner: int | None = None  # for CONTAINED: the member that lies inside the other


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of copies of the same text; its kind and similarity are those of its weakest link."""

    id: int
    kind: Kind
    similarity: float
    members: tuple[Member, ...]
    links: tuple[ClusterLink, ...]  # a spanning tree of verified links, strongest first

    @property
    def weakest(self) -> ClusterLink:
        """The link with the lowest similarity (a chain A~B~C shows up here)."""
        return min(self.links, key=lambda link: (link.similarity, -link.kind.rank))

    @property
    def baseline_state(self) -> BaselineState | None:
        """How the cluster compares with the baseline; None when no baseline was applied."""
        marks = [m.new for m in self.members if m.new is not None]
        if not marks:
            return None
        if all(marks):
            return BaselineState.NEW
        return BaselineState.UPDATED if any(marks) else BaselineState.UNCHANGED

    @property
    def repeated_words(self) -> int:
        """How many words are repeated: the size of every copy but the longest."""
        sizes = sorted(len(m.text.split()) for m in self.members)
        return sum(sizes[:-1])


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts gathered during a scan, for the summary line and the JSON report."""

    files_seen: int
    files_scanned: int
    paragraphs: int
    short_paragraphs: int  # below min_words: matched exactly only
    distinct_texts: int
    candidate_pairs: int
    verified_pairs: int
    seconds: float
    ignored_paragraphs: int = 0  # under an ignore marker in the prose
    allowlisted_paragraphs: int = 0  # matching a paragraph of an allowlist file
    clusters_outside_changes: int = 0  # --changed-since: clusters on no changed line, not shown


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a reporter needs, and nothing more."""

    files_scanned: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    errors: tuple[FileError, ...]
    warnings: tuple[Warning_, ...]
    clusters: tuple[Cluster, ...]
    stats: Stats
