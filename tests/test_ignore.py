"""Ignore markers in the prose, per format."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dedup.cli import main
from dedup.config import Config
from dedup.errors import ExitCode
from dedup.ignore import suppression
from dedup.models import Block
from dedup.pipeline import scan

COPY = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)
OTHER = "The harbour master reported that the ferry would run on the winter timetable from May."


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")


def clustered(root: Path) -> list[set[tuple[str, int]]]:
    report = scan([str(root)], Config(root=root))
    return [{(m.path, m.start_line) for m in c.members} for c in report.clusters]


def test_markdown_ignore_covers_the_next_paragraph_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.md": f"# A\n\n<!-- dedup: ignore -->\n{COPY}\n\n{OTHER}\n",
            "b.md": f"{COPY}\n\n{OTHER}\n",
        },
    )
    report = scan([str(tmp_path)], Config(root=tmp_path))
    assert [{(m.path, m.start_line) for m in c.members} for c in report.clusters] == [
        {("a.md", 6), ("b.md", 3)}
    ]
    assert report.stats.ignored_paragraphs == 1


def test_next_paragraph_is_the_next_unit_even_without_a_blank_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.md": f"<!-- dedup: ignore -->\n- {COPY}\n- {OTHER}\n",
            "b.md": f"{COPY}\n\n{OTHER}\n",
        },
    )
    assert clustered(tmp_path) == [{("a.md", 3), ("b.md", 3)}]


def test_markdown_region_and_a_marker_in_fenced_code(tmp_path: Path) -> None:
    region = f"<!--dedup: ignore-start-->\n\n{COPY}\n\n{OTHER}\n\n<!-- dedup: ignore-end -->\n"
    fenced = f"```\n<!-- dedup: ignore -->\n```\n\n{OTHER}\n"
    write(tmp_path, {"a.md": region, "b.md": f"{COPY}\n\n{OTHER}\n", "c.md": fenced})
    assert clustered(tmp_path) == [{("b.md", 3), ("c.md", 5)}]


def test_plain_text_markers_and_marker_lines_are_not_prose(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.txt": f"dedup: ignore\n{COPY}\n\ndedup: ignore-start\n{OTHER}\ndedup: ignore-end\n",
            "b.txt": f"dedup: ignore\n\n{COPY}\n\n{OTHER}\n",
            "c.txt": f"{COPY}\n",
        },
    )
    report = scan([str(tmp_path)], Config(root=tmp_path))
    assert report.clusters == ()  # nor do the three marker lines form a cluster
    assert report.stats.ignored_paragraphs == 3
    assert report.warnings == ()


def test_b38_unterminated_start_warns_with_file_and_line_and_suppresses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "a.md": f"# A\n\n<!-- dedup: ignore-start -->\n\n{COPY}\n",
            "b.txt": f"{COPY}\n\ndedup: ignore-end\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["scan", ".", "--format", "json"])
    assert result.exit_code == ExitCode.FINDINGS
    data = json.loads(result.stdout)
    assert len(data["clusters"]) == 1
    assert data["stats"]["ignored_paragraphs"] == 0
    assert (
        "dedup: warning: a.md: line 3: <!-- dedup: ignore-start --> has no matching "
        "<!-- dedup: ignore-end -->; nothing suppressed by it" in result.stderr
    )
    assert "dedup: warning: b.txt: line 3: dedup: ignore-end without a start" in result.stderr


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("markdown", "<!-- dedup: ignore -->"),
        ("html", "  <!--  dedup:ignore  -->"),
        ("rst", ".. dedup: ignore"),
        ("text", "dedup: ignore"),
    ],
)
def test_each_format_has_its_comment_syntax(fmt: str, marker: str) -> None:
    lines = ["Before.", "", marker, "", "Covered.", "Kept.", "", "After."]
    found = suppression(lines, fmt)
    assert found.next_after == (3,) and found.spans == ()
    assert found.markers == frozenset({3})
    blocks = [Block(n, n, lines[n - 1], lines[n - 1]) for n in (1, 5, 6, 8)]
    kept, hidden = found.split(blocks)
    assert [b.text for b in hidden] == ["Covered."]
    assert [b.text for b in kept] == ["Before.", "Kept.", "After."]
    other = "text" if fmt != "text" else "rst"
    assert suppression(lines, other).markers == frozenset()  # another format's syntax is prose


def test_nested_start_and_a_marker_at_the_end_are_reported() -> None:
    found = suppression(["dedup: ignore-start", "a", "dedup: ignore-start", "b", "x"], "text")
    assert found.spans == ()
    assert [p.split(":")[0] for p in found.problems] == ["line 1", "line 3"]
    assert suppression(["a", "", "dedup: ignore", ""], "text").problems == (
        "line 3: dedup: ignore has no paragraph after it",
    )
    assert suppression(["a"], "jsonl").spans == ()


DISTINCT = [
    "The harbour master reported that the ferry would run on the winter timetable from May.",
    "Volunteers repainted the village hall over three weekends and the council paid for paint.",
    "A rare orchid was found growing beside the railway line, and botanists fenced it off.",
    "The bakery on Mill Street closes early on Sundays so the staff can attend the market.",
    "Students built a weather station on the school roof that now reports every ten minutes.",
    "The old lighthouse keeper wrote a diary of storms that the museum has now put online.",
]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    marked=st.lists(st.booleans(), min_size=len(DISTINCT), max_size=len(DISTINCT)),
    style=st.sampled_from(["next", "region"]),
    suffix=st.sampled_from([".md", ".txt"]),
)
def test_a_marked_paragraph_never_appears_in_a_cluster(
    tmp_path: Path, marked: list[bool], style: str, suffix: str
) -> None:
    """P15: suppression soundness; removing a marker never reduces the findings."""
    root = tmp_path / f"{style}{suffix[1:]}{''.join('1' if m else '0' for m in marked)}"
    root.mkdir()
    comment = "<!-- dedup: {} -->" if suffix == ".md" else "dedup: {}"
    parts = []
    for text, is_marked in zip(DISTINCT, marked, strict=True):
        if not is_marked:
            parts.append(text)
        elif style == "next":
            parts.append(comment.format("ignore") + "\n" + text)
        else:
            start, end = comment.format("ignore-start"), comment.format("ignore-end")
            parts.append(f"{start}\n\n{text}\n\n{end}")
    write(root, {f"a{suffix}": "\n\n".join(parts) + "\n", f"b{suffix}": "\n\n".join(DISTINCT)})
    report = scan([str(root)], Config(root=root))
    hidden = {t for t, m in zip(DISTINCT, marked, strict=True) if m}
    assert not any(m.text in hidden for c in report.clusters for m in c.members)
    assert report.stats.ignored_paragraphs == len(hidden)
    assert len(report.clusters) == len(DISTINCT) - len(hidden)
    assert report.warnings == ()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    layout=st.lists(
        st.lists(st.tuples(st.integers(0, len(DISTINCT) - 1), st.booleans()), max_size=6),
        min_size=1,
        max_size=4,
    ),
    data=st.data(),
)
def test_removing_a_marker_never_reduces_the_findings(
    tmp_path: Path, layout: list[list[tuple[int, bool]]], data: st.DataObject
) -> None:
    """P15: copies of a few paragraphs anywhere, some marked; unmark one and scan again."""
    marks = [(f, i) for f, doc in enumerate(layout) for i, (_, m) in enumerate(doc) if m]
    assume(marks)
    undone = data.draw(st.sampled_from(marks))
    root = Path(tempfile.mkdtemp(dir=tmp_path))  # a fresh folder per example

    def findings(skip: tuple[int, int] | None) -> tuple[int, int]:
        folder = root / ("after" if skip else "before")
        folder.mkdir(parents=True)
        for f, doc in enumerate(layout):
            parts = [
                ("dedup: ignore\n" if m and (f, i) != skip else "") + DISTINCT[t]
                for i, (t, m) in enumerate(doc)
            ]
            write(folder, {f"f{f}.txt": "\n\n".join(parts) + "\n"})
        report = scan([str(folder)], Config(root=folder))
        return len(report.clusters), sum(len(c.members) for c in report.clusters)

    before, after = findings(None), findings(undone)
    assert after[0] >= before[0] and after[1] >= before[1]


LINES = st.sampled_from(
    [
        "",
        "Some prose.",
        "dedup: ignore",
        "dedup: ignore-start",
        "dedup: ignore-end",
        "<!-- dedup: ignore -->",
        "<!-- dedup: ignore-start -->",
        "<!-- dedup: ignore-end -->",
        ".. dedup: ignore-start",
        "```",
        "dedup: ignored",
    ]
)


@given(lines=st.lists(LINES, max_size=30), fmt=st.sampled_from(["markdown", "rst", "text"]))
def test_markers_never_raise_and_spans_stay_inside_the_document(lines: list[str], fmt: str) -> None:
    """F4: spans are in bounds and ordered; every unmatched start is reported."""
    found = suppression(lines, fmt)
    for start, end in found.spans:
        assert 1 <= start <= end <= len(lines)
    assert all(1 <= n <= len(lines) for n in found.markers)
    starts = sum("ignore-start" in lines[n - 1] for n in found.markers)
    assert starts <= len(found.spans) + len(found.problems)


def test_rst_and_html_documents_honour_their_markers(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.rst": f"Title\n=====\n\n.. dedup: ignore\n\n{COPY}\n\n{OTHER}\n",
            # HTML elements often sit on consecutive lines: only the next one is hidden
            "b.html": f"<html><body>\n<!-- dedup: ignore -->\n<p>{COPY}</p>\n<p>{OTHER}</p>\n"
            "<!-- dedup: ignore-start -->\n<p>Unmatched start.</p>\n</body></html>\n",
            "c.txt": f"{COPY}\n\n{OTHER}\n",
        },
    )
    report = scan([str(tmp_path)], Config(root=tmp_path))
    assert [{(m.path, m.start_line) for m in c.members} for c in report.clusters] == [
        {("a.rst", 8), ("b.html", 4), ("c.txt", 3)}
    ]
    assert report.stats.ignored_paragraphs == 2
    assert [(w.path, w.message.split(":")[0]) for w in report.warnings] == [("b.html", "line 5")]
