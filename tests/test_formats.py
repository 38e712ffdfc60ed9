"""Every format's prose units and their source lines: Markdown, reST, HTML, JSON Lines."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cli import main
from dedup.config import Config, settings_from_mapping
from dedup.errors import ConfigError
from dedup.formats import html, jsonl, markdown, plain, rst
from dedup.formats.lines import split_lines
from dedup.models import Block, Cluster, ClusterLink, Document, Kind, Member, Report
from dedup.normalize import words
from dedup.paragraphs import FORMATS, split_document
from dedup.pipeline import scan
from dedup.reader import format_of
from dedup.reporters import REPORTERS, json_report
from dedup.reporters.console import render_console
from dedup.reporters.json_report import render_json, schema

PROSE = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)


def units(found: list[Block]) -> list[tuple[int, int, str]]:
    """(first line, last line, normalised words) of each block."""
    return [(b.start_line, b.end_line, " ".join(words(b.prose))) for b in found]


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
    return root


# --- Markdown -------------------------------------------------------------------------------

MARKDOWN = """\
---
title: front matter is not prose at all
---

# Heading *one*

A paragraph with **bold**, `code`, [a link](http://x "t") and
an image ![alt text](i.png).

<!-- an html comment
over lines -->

- list item one
- list item two
  continued

> quoted paragraph
> over two lines

| col a | col b |
|---|---|
| a long table cell with many words | x |

    indented code is not prose

```
fenced code is not prose
```

Setext heading
--------------

<details>
<summary>Summary words in html</summary>
</details>
"""


def test_markdown_units_and_their_lines() -> None:
    assert units(markdown.blocks(MARKDOWN)) == [
        (5, 5, "heading one"),
        (7, 8, "a paragraph with bold code a link and an image"),
        (13, 13, "list item one"),
        (14, 15, "list item two continued"),
        (17, 18, "quoted paragraph over two lines"),
        (22, 22, "a long table cell with many words"),
        (30, 31, "setext heading"),
        (34, 34, "summary words in html"),
    ]


def test_markdown_markup_does_not_stop_a_match_with_the_plain_copy() -> None:
    marked = "The *committee* met on **Tuesday** to discuss the `budget` for the [coming\nyear](x)"
    plain_copy = "The committee met on Tuesday to discuss the budget for the coming year"
    assert [words(b.prose) for b in markdown.blocks(marked)] == [words(plain_copy)]


# --- reStructuredText -----------------------------------------------------------------------

RST = """\
=========
Big Title
=========

Section one
-----------

This is a *paragraph* with ``code``, a `link <http://x>`_
and :ref:`a role <target>` over two lines [1]_.

- item one is a list item
  wrapped over two lines

.. note::

   Admonition body is prose.

.. code-block:: python

   print("code is not prose")

Literal follows::

    a literal block is not prose

.. a comment is not prose
   at all

.. math::

   x^2 + y^2

.. raw:: html

   <p>raw is not prose</p>

.. include:: other.rst

.. csv-table:: Numbers are data
   :header: "a long header with many words", "b"

   "a long cell value with many words", 2

.. toctree::

   an unknown directive is not prose

Term
   Definition text with |sub|.

.. |sub| replace:: substituted words

.. [1] The footnote body.
"""


def test_rst_units_and_their_lines() -> None:
    assert units(rst.blocks(RST)) == [
        (1, 3, "big title"),
        (5, 6, "section one"),
        (8, 9, "this is a paragraph with code a link and a role over two lines"),
        (11, 12, "item one is a list item wrapped over two lines"),
        (16, 16, "admonition body is prose"),
        (22, 22, "literal follows"),
        (48, 48, "term"),
        (49, 49, "definition text with substituted words"),
        (53, 53, "the footnote body"),
    ]


def test_rst_spans_hold_against_tabs_and_unusual_line_breaks() -> None:
    text = "First\u2028paragraph.\n\nSecond\tparagraph with a tab.\n\n  Quoted\n  two.\n"
    assert units(rst.blocks(text)) == [
        (1, 1, "first paragraph"),
        (3, 3, "second paragraph with a tab"),
        (5, 6, "quoted two"),
    ]


def test_rst_line_block_lines_stand_alone() -> None:
    text = "| First line of the address\n| Second line\n|    indented third\n"
    assert units(rst.blocks(text)) == [
        (1, 1, "first line of the address"),
        (2, 2, "second line"),
        (3, 3, "indented third"),
    ]


def test_rst_sphinx_prose_directives_are_read() -> None:
    text = (
        ".. versionadded:: 1.2\n   The new option.\n\n.. seealso:: The other module.\n\n"
        ".. glossary::\n   :sorted:\n\n   term\n      What the term means.\n"
    )
    assert units(rst.blocks(text)) == [
        (2, 2, "the new option"),
        (4, 4, "the other module"),
        (9, 9, "term"),
        (10, 10, "what the term means"),
    ]


def test_rst_nested_too_deep_is_read_as_plain_text_with_a_problem() -> None:
    text = "".join(" " * i + f"para {i}\n\n" for i in range(300))
    split = split_document(Document("deep.rst", text, "rst"))
    assert len(split.blocks) == 300
    assert split.problems == ("nested too deeply to read as rst; read as plain text",)


# --- HTML -----------------------------------------------------------------------------------

HTML = """\
<!DOCTYPE html>
<html><head><title>Page title</title>
<style>p { color: red }</style>
<script>var x = "<p>not prose</p>";</script>
</head>
<body>
<nav><ul><li>Home link</li></ul></nav>
<header><h1>Site header</h1></header>
<main>
<h1>The real heading</h1>
<p>First paragraph with <em>emphasis</em> &amp; an entity
wrapped over &ldquo;two&rdquo; lines.
<p>Implicit close paragraph
<ul>
  <li>Item one
  <li>Item two with <a href="#">link</a><br>and a break
</ul>
<table><tr><td>Short cell<td>A cell of five words or more</tr></table>
<pre>code is not prose</pre>
<div>Loose text in a div</div>
<template><p>Template para</p></template>
<!-- <p>comment</p> -->
<figure><img src=x alt="alt text"><figcaption>A caption.</figcaption></figure>
<dl><dt>Term</dt><dd>Definition.</dd></dl>
<aside>Aside text</aside>
<div role="navigation"><p>Previous: chapter one</p></div>
<p hidden>Hidden text</p>
</main>
<footer><p>Footer text</p></footer>
</body></html>
"""


def test_html_units_and_their_lines() -> None:
    assert units(html.blocks(HTML)) == [
        (10, 10, "the real heading"),
        (11, 12, "first paragraph with emphasis an entity wrapped over two lines"),
        (13, 13, "implicit close paragraph"),
        (15, 15, "item one"),
        (16, 16, "item two with link and a break"),
        (18, 18, "a cell of five words or more"),
        (20, 20, "loose text in a div"),
        (23, 23, "a caption"),
        (24, 24, "term"),
        (24, 24, "definition"),
    ]


def test_html_lines_past_65535_and_with_crlf_are_right() -> None:
    text = "<p>first</p>\r\n" + "\r\n" * 70_000 + "<p>last\rline</p>"
    assert units(html.blocks(text)) == [(1, 1, "first"), (70_002, 70_003, "last line")]


def test_html_debris_xml_declaration_and_undecodable_bytes() -> None:
    assert html.blocks("<![<![<![") == []
    assert html.blocks("") == []
    assert units(html.blocks("</</</\n<p>text here</p>")) == [(2, 2, "text here")]
    declared = '<?xml version="1.0" encoding="utf-8"?>\n<html><p>declared</p></html>'
    assert units(html.blocks(declared)) == [(2, 2, "declared")]
    # Bytes the reader kept as lone surrogates survive the parse, so they never make two
    # different files equal.
    assert [b.prose for b in html.blocks("<p>a\udc80b</p><p>a\udc81b</p>")] == [
        "a\udc80b",
        "a\udc81b",
    ]


def test_html_nested_past_the_parser_limit_is_read_as_plain_text_with_a_problem() -> None:
    split = split_document(Document("deep.html", "<div>" * 3000 + "deep text", "html"))
    assert len(split.blocks) == 1
    (problem,) = split.problems
    assert problem.startswith("the HTML parser stopped at line 1: Excessive depth")
    assert problem.endswith("; read as plain text")


# --- JSON Lines -----------------------------------------------------------------------------


def test_jsonl_records_and_bad_records() -> None:
    lines = [
        json.dumps({"text": "First record.\n\nIts second paragraph."}),
        "",
        json.dumps({"body": "other field", "text": "Second record."}),
        "{not json",
        "[1, 2]",
        json.dumps({"title": "no text"}),
        json.dumps({"text": 3}),
    ]
    records = jsonl.blocks("\n".join(lines))
    assert [(b.start_line, b.record, b.prose) for b in records.blocks] == [
        (1, 1, "First record."),
        (1, 1, "Its second paragraph."),
        (3, 2, "Second record."),
    ]
    assert records.problems == [
        "line 4 (record 3): not JSON (Expecting property name enclosed in double quotes at "
        "column 2); record skipped",
        "line 5 (record 4): not a JSON object but list; record skipped",
        "line 6 (record 5): no 'text' field (choose the field with --text-field); record skipped",
        "line 7 (record 6): field 'text' is int, not a string; record skipped",
    ]
    body = jsonl.blocks("\n".join(lines), "body")
    assert [b.prose for b in body.blocks] == ["other field"]
    two = '{"meta": {"body": "Nested text."}}\n{"meta.body": "Flat key."}'
    nested = jsonl.blocks(two, "meta.body")
    assert [b.prose for b in nested.blocks] == ["Nested text.", "Flat key."]


def test_jsonl_bad_records_are_counted_past_the_listed_ones() -> None:
    problems = jsonl.blocks("x\n" * 8).problems
    assert len(problems) == jsonl.MAX_LISTED_PROBLEMS + 1
    assert problems[-1] == "3 more bad records skipped (8 in all)"


def test_jsonl_scan_locates_records_in_console_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rows = [{"content": PROSE}, {"content": "Something else entirely."}, {"content": PROSE}]
    tree(tmp_path, {"data.jsonl": "\n".join(json.dumps(r) for r in rows) + "\nnot json\n"})
    report = scan(["data.jsonl"], Config(text_field="content"))
    (cluster,) = report.clusters
    assert [(m.record, m.start_line) for m in cluster.members] == [(1, 1), (3, 3)]
    assert [(w.path, w.message[:22]) for w in report.warnings] == [
        ("data.jsonl", "line 4 (record 4): not")
    ]
    data = json.loads(render_json(report))
    jsonschema.Draft202012Validator(schema()).validate(data)
    assert [m["record"] for m in data["clusters"][0]["members"]] == [1, 3]
    lines = _console(report)
    assert "  1. data.jsonl:record 1 (line 1)" in lines
    assert "  2. data.jsonl:record 3 (line 3)" in lines
    for name in ("markdown", "github", "html", "sarif"):
        stream = io.StringIO()
        REPORTERS[name](report, stream)
        shown = stream.getvalue().replace("\\", "")  # the Markdown report escapes "." and "("
        assert "data.jsonl:record 3 (line 3)" in shown, name


def _console(report: Report) -> list[str]:
    stream = io.StringIO()
    render_console(report, stream)
    return stream.getvalue().splitlines()


def test_text_field_from_the_cli_and_from_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rows = "\n".join(json.dumps({"body": PROSE}) for _ in range(2))
    tree(tmp_path, {"a.jsonl": rows, "dedup.toml": 'text-field = "body"\n'})
    runner = CliRunner()
    by_flag = runner.invoke(main, ["scan", "a.jsonl", "--isolated", "--text-field", "body"])
    assert by_flag.exit_code == 1, by_flag.output
    by_file = runner.invoke(main, ["scan", "a.jsonl", "--config", "dedup.toml"])
    assert by_file.exit_code == 1, by_file.output
    default = runner.invoke(main, ["scan", "a.jsonl", "--isolated"])
    assert default.exit_code == 0
    assert "no 'text' field" in default.stderr
    with pytest.raises(ConfigError, match="text_field must be a non-empty string"):
        settings_from_mapping({"text-field": 3}, "dedup.toml")


# --- every format together ------------------------------------------------------------------


def test_one_paragraph_in_md_rst_html_and_txt_is_one_exact_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    tree(
        tmp_path,
        {
            "a.txt": "Intro.\n\nThe committee met on Tuesday to discuss the budget for the coming\n"
            "year, and after a long debate it agreed to fund the new library wing.\n",
            "b.md": "# Notes\n\nThe *committee* met on **Tuesday** to discuss the `budget`\n"
            "for the coming year, and after a long debate it agreed to fund the\n"
            "[new library wing](https://example.com).\n",
            "c.rst": "Minutes\n=======\n\n.. note::\n\n   The *committee* met on **Tuesday** to "
            "discuss the ``budget`` for the coming\n   year, and after a long debate it agreed "
            "to fund the `new library wing <https://example.com>`_.\n",
            "d.html": "<html><body>\n<nav><p>Home</p></nav>\n<p>The <b>committee</b> met "
            "on Tuesday to discuss the budget for the coming year,\nand after a long debate it "
            "agreed to fund the new library&nbsp;wing.</p>\n</body></html>\n",
        },
    )
    report = scan(["."], Config())
    (cluster,) = report.clusters
    assert cluster.kind is Kind.EXACT
    assert [(m.path, m.start_line, m.end_line) for m in cluster.members] == [
        ("a.txt", 3, 4),
        ("b.md", 3, 5),
        ("c.rst", 6, 7),
        ("d.html", 3, 4),
    ]
    in_pool = scan(["."], Config(jobs=2))  # every reader also works in worker processes
    assert render_json(in_pool) == render_json(report)


# --- choosing files -------------------------------------------------------------------------


def test_format_is_chosen_by_suffix() -> None:
    assert [format_of(n) for n in ("a.MD", "b.rst", "c.htm", "d.html", "e.jsonl", "f.py")] == [
        "markdown",
        "rst",
        "html",
        "html",
        "jsonl",
        "text",
    ]


def test_include_keeps_only_matching_files_but_named_files_always(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {"d/a.md": PROSE, "d/b.txt": PROSE, "d/c.rst": PROSE, "e.txt": PROSE})
    only_md = scan(["d"], Config(include=("*.md",)))
    assert only_md.files_scanned == ("d/a.md",)
    two = scan(["d", "e.txt"], Config(include=("*.md", "*.rst")))
    assert two.files_scanned == ("d/a.md", "d/c.rst", "e.txt")
    result = CliRunner().invoke(
        main, ["scan", "d", "--isolated", "--include", "*.txt", "--format", "json"]
    )
    assert json.loads(result.stdout)["files_scanned"] == ["d/b.txt"]
    assert settings_from_mapping({"include": "*.md"}, "x") == {"include": ("*.md",)}


def test_plain_text_is_still_the_default() -> None:
    document = Document("notes.txt", "One.\n\nTwo.\n", format_of("notes.txt"))
    assert split_document(document).blocks == tuple(plain.blocks("One.\n\nTwo.\n"))


# --- properties of every reader -------------------------------------------------------------

_PIECES = [
    *("word", "Other words", "x", "1.", "- ", "* ", "# ", "> ", "|", " | ", "=====", "-----"),
    *("::", ".. note::", ".. code-block::", ".. ", "``", "`", "*", "_", "[a](b)", "&amp;", "&"),
    *("<p>", "</p>", "<li>", "<td>", "<br>", "<script>", "</script>", "<!--", "-->", "<![", "<"),
    *('{"text": "', '"}', "{", "}", '"'),
    *("\n", "\n\n", "\r\n", "\r", "\u2028", "\t", "   ", "\udc80", "\ufeff"),
]
_MARKUP = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@settings(max_examples=150)
@given(text=_MARKUP, fmt=st.sampled_from(FORMATS))
def test_every_reader_gives_spans_inside_the_file_for_any_text(text: str, fmt: str) -> None:
    lines = split_lines(text)
    split = split_document(Document("f", text, fmt))
    for block in split.blocks:
        assert 1 <= block.start_line <= block.end_line <= max(1, len(lines))
        if fmt != "jsonl":  # a record's paragraph text is its field, not the JSON line
            assert block.text == "\n".join(lines[block.start_line - 1 : block.end_line])


@given(text=st.text(st.sampled_from("ab \n\r\u2028\x0c\x85")) | _MARKUP)
def test_split_lines_cuts_at_cr_lf_cr_and_lf_only(text: str) -> None:
    # LF-only text takes the str.split path: the same lines as the regular expression's
    expected = re.split(r"\r\n|\r|\n", text)
    if expected[-1] == "":
        expected.pop()
    assert split_lines(text) == expected


@settings(max_examples=100)
@given(text=_MARKUP, fmt=st.sampled_from(FORMATS))
def test_every_reader_gives_the_same_lines_for_lf_crlf_and_cr(text: str, fmt: str) -> None:
    lf = "\n".join(split_lines(text))

    def found(source: str) -> list[tuple[int, int, tuple[str, ...], int | None]]:
        split = split_document(Document("f", source, fmt))
        return [(b.start_line, b.end_line, words(b.prose), b.record) for b in split.blocks]

    assert found(lf.replace("\n", "\r\n")) == found(lf) == found(lf.replace("\n", "\r"))


# text as a scan holds it: any character, undecodable bytes as lone surrogates U+DC80..U+DCFF
_SCANNED = st.text(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from("\udc80\udcff"))
)


@settings(max_examples=200)
@given(
    path=_SCANNED,
    text=_SCANNED,
    lines=st.tuples(st.integers(1, 10**9), st.integers(1, 10**9)),
    record=st.none() | st.integers(1, 10**9),
    new=st.none() | st.booleans(),
)
def test_member_lines_are_what_the_json_encoder_writes(
    path: str, text: str, lines: tuple[int, int], record: int | None, new: bool | None
) -> None:
    member = Member(path, *lines, text, record, new)
    assert json_report._member_line(member) == json_report._FLAT.encode(json_report._member(member))


@settings(max_examples=200)
@given(
    ends=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
    kind=st.sampled_from(Kind),
    similarity=st.floats(0, 1) | st.sampled_from([0.0, 1.0, 0.9, 1e-05, 0.1234]),
    inner=st.none() | st.integers(0, 10**6),
)
def test_link_lines_are_what_the_json_encoder_writes(
    ends: tuple[int, int], kind: Kind, similarity: float, inner: int | None
) -> None:
    link = ClusterLink(*ends, kind, similarity, inner)
    assert json_report._link_line(link) == json_report._FLAT.encode(json_report._link(link))


_members = st.builds(
    Member,
    _SCANNED,
    st.integers(1, 10**6),
    st.integers(1, 10**6),
    _SCANNED,
    st.none() | st.integers(1, 10**6),
    st.none() | st.booleans(),
)
_links = st.builds(
    ClusterLink,
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from(Kind),
    st.floats(0, 1),
    st.none() | st.integers(0, 99),
)


@settings(max_examples=200)
@given(
    cluster=st.builds(
        Cluster,
        st.integers(1, 10**6),
        st.sampled_from(Kind),
        st.floats(0, 1) | st.sampled_from([0.0, 1.0]),
        st.lists(_members, min_size=1, max_size=4).map(tuple),
        st.lists(_links, max_size=3).map(tuple),
    ),
    margin=st.sampled_from(["", "  ", "    "]),
)
def test_a_cluster_is_written_as_the_layout_writes_its_fields(
    cluster: Cluster, margin: str
) -> None:
    """A cluster made as one string is what laying out its plain data writes, key by key."""
    laid_out: list[str] = []
    json_report._layout(json_report._cluster(cluster), margin, laid_out.append)
    assert json_report._cluster_text(cluster, margin) == "".join(laid_out)
