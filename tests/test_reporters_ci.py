"""The CI and review reporters: SARIF, GitHub annotations, Markdown, HTML (without a browser)."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from html import unescape as unescape_html
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote_to_bytes

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dedup.baseline import from_report
from dedup.baseline import render as render_baseline
from dedup.cli import main
from dedup.config import Config
from dedup.models import Cluster, FileError, Kind, Member, Report, Warning_
from dedup.pipeline import scan
from dedup.reporters import REPORTERS
from dedup.reporters.console import word_diff
from dedup.reporters.github import (
    PER_LEVEL,
    command,
    escape_data,
    escape_property,
    render_github,
)
from dedup.reporters.html import page
from dedup.reporters.json_report import _layout, render_json, report_dict
from dedup.reporters.markdown import escape, render_markdown
from dedup.reporters.sarif import FINGERPRINT_KEY, MAX_RELATED, artifact, sarif_log

REPO = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
PROSE = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)
OTHER = (
    "Volunteers painted the old station house over three weekends, using donated paint and "
    "ladders borrowed from the fire brigade next door."
)
COMMAND = re.compile(r"^::(notice|warning|error) [^\n]*::[^\n]*$")
LINK = re.compile(r"(?<!\\)\[((?:[^\]\\]|\\.)*)\]\((\d+)\)")


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # the format checker makes "uri" and "uri-reference" count (rfc3986-validator)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def test_the_sarif_validator_checks_uris() -> None:
    assert "uri-reference" in jsonschema.FormatChecker().checkers
    log = sarif_log(synthetic(["a.txt", "b.txt"]))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = (
        "a b[1].txt"
    )
    with pytest.raises(jsonschema.ValidationError, match="uri-reference"):
        sarif_validator().validate(log)


def valid_sarif(report: Report) -> dict[str, Any]:
    """The SARIF of ``report``, checked against the OASIS schema and what GitHub requires."""
    log = sarif_log(report)
    sarif_validator().validate(log)
    run = log["runs"][0]
    assert log["$schema"] and run["columnKind"] == "unicodeCodePoints"
    for rule in run["tool"]["driver"]["rules"]:
        for field in ("shortDescription", "fullDescription", "help"):
            assert rule[field]["text"].strip()
    for result in run["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        ids = [r["id"] for r in result["relatedLocations"]]
        assert ids == list(range(1, len(ids) + 1))
        linked = [int(target) for _, target in LINK.findall(result["message"]["text"])]
        assert linked and set(linked) <= set(ids)
    return log


def write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")
    return root


def scan_tree(root: Path) -> Report:
    return scan([str(root)], Config(root=root))


def render(reporter: Callable[[Report, IO[str]], None], report: Report) -> str:
    stream = io.StringIO()
    reporter(report, stream)
    return stream.getvalue()


@pytest.fixture
def samples(monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(REPO)
    return scan(["samples"], Config(root=REPO))


# --- golden files -----------------------------------------------------------------------------


GOLDEN = [("sarif", "sarif"), ("github", "github.txt"), ("markdown", "md"), ("html", "html")]


@pytest.mark.parametrize(("fmt", "suffix"), GOLDEN)
def test_samples_reports_match_golden(samples: Report, fmt: str, suffix: str) -> None:
    text = render(REPORTERS[fmt], samples)
    golden = REPO / "tests" / "golden" / f"samples.{suffix}"
    if os.environ.get("DEDUP_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


# --- SARIF ------------------------------------------------------------------------------------


def test_samples_sarif_is_valid_and_has_one_result_per_cluster(samples: Report) -> None:
    log = valid_sarif(samples)
    results = log["runs"][0]["results"]
    assert len(results) == len(samples.clusters) == 4
    first = results[1]  # the photo caption copied between the two articles
    assert first["ruleId"] == "DUP001"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "samples/000_ee18bd951d049419.txt",
        "uriBaseId": "%SRCROOT%",
    }
    caption = samples.clusters[1].members[0].text
    assert location["region"] == {
        "startLine": 4,
        "startColumn": 1,
        "endLine": 4,
        "endColumn": len(caption) + 1,
    }
    related = first["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "samples/004_e6a5073a7b3a0431.txt"
    assert related["region"]["startLine"] == 26
    assert "[samples/004_e6a5073a7b3a0431.txt:26](1)" in first["message"]["text"]
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_sarif_fingerprints_survive_moves_and_renames_but_not_edits(tmp_path: Path) -> None:
    before = write(tmp_path / "a", {"one.txt": PROSE + "\n", "two.txt": f"{OTHER}\n\n{PROSE}\n"})
    moved = write(
        tmp_path / "b",
        {"renamed.txt": "\n\n\n" + PROSE + "\n", "two.txt": f"{OTHER}\n\n\n{OTHER} x\n\n{PROSE}\n"},
    )
    edited = write(tmp_path / "c", {"one.txt": PROSE + "\n", "two.txt": PROSE + " Later.\n"})

    def prints(root: Path) -> list[str]:
        results = valid_sarif(scan_tree(root))["runs"][0]["results"]
        exact = [r for r in results if r["ruleId"] == "DUP001"]
        return [r["partialFingerprints"][FINGERPRINT_KEY] for r in exact]

    assert prints(before) == prints(moved) != []
    assert prints(edited) == []  # no longer an exact copy: a near one, with another fingerprint


def test_every_format_caps_a_cluster_of_600_copies(tmp_path: Path) -> None:
    write(tmp_path, {"many.txt": "\n\n".join([PROSE] * 600) + "\n"})
    report = scan_tree(tmp_path)
    result = valid_sarif(report)["runs"][0]["results"][0]
    assert len(result["relatedLocations"]) == MAX_RELATED
    assert result["properties"]["clusterSize"] == 600
    assert result["message"]["text"].endswith(f"and {599 - 3} more.")
    annotation = parse_command(render(render_github, report).splitlines()[0])[2]
    assert len(annotation.splitlines()) == 1 + 10 + 1 and annotation.endswith("and 590 more")
    markdown = render(REPORTERS["markdown"], report)
    assert len(re.findall(r"^\d+\. many", markdown, re.M)) == 20
    assert "… and 580 more copies" in markdown
    html = page(report)
    assert html.count("<li>") == 501 and "… and 100 more copies" in html


def test_sarif_uris_decode_to_the_file_names_and_link_text_is_escaped(tmp_path: Path) -> None:
    names = [b"a b#1%.txt", b"c[1],:d.txt", b"latin-\xe9.txt"]
    for name in names:
        (tmp_path / os.fsdecode(name)).write_text(PROSE + "\n", encoding="utf-8")
    result = valid_sarif(scan_tree(tmp_path))["runs"][0]["results"][0]
    locations = [result["locations"][0], *result["relatedLocations"]]
    uris = {unquote_to_bytes(x["physicalLocation"]["artifactLocation"]["uri"]) for x in locations}
    assert uris == set(names)
    assert "[c\\[1\\],:d.txt:1](" in result["message"]["text"]
    assert artifact("/outside/a b.md") == {"uri": "file:///outside/a%20b.md"}  # no %SRCROOT%


def test_sarif_carries_the_baseline_state(tmp_path: Path) -> None:
    """With --baseline each result has SARIF's baselineState (the names dedup uses too)."""
    text = "A paragraph long enough to be compared, repeated here on purpose for this test."
    write(tmp_path, {"a.txt": text, "b.txt": text})
    (tmp_path / ".base.json").write_text(render_baseline(from_report(scan_tree(tmp_path))))
    write(tmp_path, {"c.txt": text, "d.txt": "Another repeat.\n\nAnother repeat."})
    config = Config(root=tmp_path, baseline=tmp_path / ".base.json")
    results = valid_sarif(scan([str(tmp_path)], config))["runs"][0]["results"]
    assert sorted(r["baselineState"] for r in results) == ["new", "updated"]
    plain = valid_sarif(scan_tree(tmp_path))["runs"][0]["results"]
    assert all("baselineState" not in r for r in plain)


def test_with_a_baseline_new_findings_come_first_and_are_marked(tmp_path: Path) -> None:
    """Twelve accepted clusters would use up the annotations and push the new one out."""
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    words += ["iota", "kappa", "lambda", "mu"]
    accepted = [f"Accepted {w} note." for w in words]  # short: exact matching only
    fresh = "Freshness."  # the least repeated words: the last cluster by importance
    write(tmp_path, {f"a{i:02d}.txt": f"{t}\n" for i, t in enumerate(accepted)})
    write(tmp_path, {f"b{i:02d}.txt": f"{t}\n" for i, t in enumerate(accepted)})
    write(tmp_path, {"x1.txt": fresh, "x2.txt": fresh})
    (tmp_path / ".base.json").write_text(render_baseline(from_report(scan_tree(tmp_path))))
    write(tmp_path, {"y.txt": f"Intro.\n\n{fresh}\n"})
    report = scan([str(tmp_path)], Config(root=tmp_path, baseline=tmp_path / ".base.json"))
    assert len(report.clusters) == 13
    annotations = render(render_github, report).splitlines()
    assert len(annotations) == 1
    kind, props, message = parse_command(annotations[0])
    assert (kind, props["file"], props["line"]) == ("warning", "y.txt", "3")
    assert props["title"].endswith("(1 NEW COPY)") and "3. y.txt:3 (new)" in message
    markdown = render(render_markdown, report)
    assert "Baseline: 1 new, 12 accepted." in markdown
    first = markdown.index("### ")
    assert report.clusters[-1].members[-1].path == "y.txt"
    assert markdown[first:].startswith(f"### {report.clusters[-1].id}. exact · **1 NEW COPY** · ")
    assert "y\\.txt:3 **(new)**" in markdown
    assert "<strong>1 NEW COPY</strong>" in page(report)


def test_sarif_reports_a_partial_scan_as_unsuccessful(samples: Report) -> None:
    broken = replace(
        samples,
        errors=(FileError("docs/locked.md", "cannot read: Permission denied"),),
        warnings=(Warning_("old.txt", "not valid UTF-8"),),
    )
    invocation = valid_sarif(broken)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    levels = [n["level"] for n in invocation["toolExecutionNotifications"]]
    assert levels == ["error", "warning"]


path_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00/"), min_size=1)


def synthetic(paths: list[str], kind: Kind = Kind.NEAR) -> Report:
    """A report with one cluster whose copies live in ``paths`` (built, not scanned)."""
    members = tuple(Member(p, i + 1, i + 2, f"{PROSE}\n{i}") for i, p in enumerate(paths))
    cluster = Cluster(1, kind, 0.9, members, ())
    base = scan([str(REPO / "samples" / "README.md")], Config(root=REPO))
    return replace(base, clusters=(cluster,))


@settings(max_examples=40)
@given(st.lists(path_text, min_size=2, max_size=6))
def test_sarif_is_valid_for_any_file_names(paths: list[str]) -> None:
    valid_sarif(synthetic(paths))


# --- GitHub annotations -----------------------------------------------------------------------


def unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    head, _, data = line[2:].partition("::")
    level, _, props = head.partition(" ")
    pairs = dict(p.split("=", 1) for p in props.split(",")) if props else {}
    return level, {k: unescape(v) for k, v in pairs.items()}, unescape(data)


@given(path_text, st.text(st.characters(codec="utf-8")))
def test_annotation_escaping_round_trips(path: str, message: str) -> None:
    line = command("warning", message, file=path, title=f"t:{path},x")
    assert COMMAND.match(line)
    assert parse_command(line) == ("warning", {"file": path, "title": f"t:{path},x"}, message)


def test_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("50% a:b,c\r\nd") == "50%25 a:b,c%0D%0Ad"
    assert escape_property("50% a:b,c\r\nd") == "50%25 a%3Ab%2Cc%0D%0Ad"


def test_samples_annotations(samples: Report) -> None:
    lines = render(render_github, samples).splitlines()
    assert len(lines) == 4 and all(COMMAND.match(line) for line in lines)
    level, props, message = parse_command(lines[1])
    assert level == "warning"
    assert props == {
        "file": "samples/000_ee18bd951d049419.txt",
        "line": "4",
        "endLine": "4",
        "title": "dedup DUP001: Paragraph is repeated word for word",
    }
    assert message.splitlines()[1:] == [
        "1. samples/000_ee18bd951d049419.txt:4",
        "2. samples/004_e6a5073a7b3a0431.txt:26",
    ]


def test_annotations_are_capped_per_level_with_a_summary(samples: Report) -> None:
    clusters = tuple(replace(samples.clusters[1], id=i) for i in range(25))
    errors = tuple(FileError(f"e{i}.md", "cannot read") for i in range(12))
    warnings = tuple(Warning_(f"w{i}.md", "not valid UTF-8") for i in range(10))
    report = replace(samples, clusters=clusters, errors=errors, warnings=warnings)
    lines = render(render_github, report).splitlines()
    assert all(COMMAND.match(line) for line in lines)
    levels = [parse_command(line)[0] for line in lines]
    assert levels.count("warning") == PER_LEVEL and levels.count("error") == PER_LEVEL
    assert levels.count("notice") == PER_LEVEL  # 9 input warnings and the summary
    summary = parse_command(lines[-1])[2]
    assert "2 more errors, 15 more clusters, 1 more input warnings" in summary


def test_annotations_name_hostile_file_names_exactly(tmp_path: Path) -> None:
    names = ["a,b:c%d.txt", "line\nbreak.txt"]
    for name in names:
        (tmp_path / name).write_text(PROSE + "\n", encoding="utf-8")
    (line,) = render(render_github, scan_tree(tmp_path)).splitlines()
    assert COMMAND.match(line)
    _, props, message = parse_command(line)
    assert props["file"] == names[0]
    assert message.splitlines()[1:] == ["1. a,b:c%d.txt:1", "2. line", "break.txt:1"]


def test_a_clean_scan_writes_no_annotation(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": PROSE + "\n", "b.txt": OTHER + "\n"})
    assert render(render_github, scan_tree(tmp_path)) == ""


# --- Markdown ---------------------------------------------------------------------------------

HOSTILE = "Ping @octocat: <script>alert(1)</script> see [here](http://x.invalid) | a | b | *not* #1"


def test_markdown_escapes_text_from_the_files(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": f"{HOSTILE} {PROSE}\n", "b.txt": f"{HOSTILE} {PROSE}\n"})
    text = render(REPORTERS["markdown"], scan_tree(tmp_path))
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    assert "<script" not in html and "<a " not in html and "<em>" not in html
    assert "@octocat" not in html  # a zero-width space breaks the mention
    assert html.count("<table>") == 1  # the summary table only
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_summary_and_sections(samples: Report) -> None:
    text = render(REPORTERS["markdown"], samples)
    assert "| exact | 3 | 6 |" in text and "| reworded | 1 | 2 |" in text
    assert len(re.findall(r"^### \d+\. ", text, re.M)) == 4
    assert "1→2: identical" in text


def test_markdown_is_capped_with_a_note(samples: Report) -> None:
    many = replace(samples, clusters=tuple(replace(samples.clusters[0], id=i) for i in range(50)))
    stream = io.StringIO()
    render_markdown(many, stream, max_chars=20_000)
    text = stream.getvalue()
    shown = len(re.findall(r"^### ", text, re.M))
    assert 0 < shown < 50
    assert f"{50 - shown} more clusters not shown" in text
    assert len(text) < 20_000 + 300


def test_markdown_shows_word_changes(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": PROSE + "\n", "b.txt": PROSE.replace("Tuesday", "Friday") + "\n"})
    text = render(REPORTERS["markdown"], scan_tree(tmp_path))
    assert "~~Tuesday~~ **Friday**" in text
    assert escape("a_b <c>") == "a\\_b \\<c\\>"


def test_console_word_diff_elides_long_unchanged_runs() -> None:
    old = f"{PROSE} {PROSE}".split()
    new = [*old[:30], "Friday", *old[31:]]
    assert word_diff(old, new).plain == (
        "…(24 words)… library wing. The committee met on [-Tuesday-]{+Friday+} to discuss the "
        "budget for the …(15 words)…"
    )
    assert word_diff(["a", "b"], ["a", "b"]).plain == "same words; differs only in spacing"


# --- HTML (structure; the browser test is in test_html_browser.py) -----------------------------


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def test_html_escapes_text_and_paths_and_needs_no_network(tmp_path: Path) -> None:
    evil = '"><img src=x onerror=alert(1)>.txt'
    write(tmp_path, {evil: f"{HOSTILE} {PROSE}\n", "b.txt": f"{HOSTILE} {PROSE}\n"})
    html = page(scan_tree(tmp_path))
    tags = elements(html)
    assert [t for t, _ in tags].count("script") == 1
    assert not any(t in ("img", "link", "iframe") for t, _ in tags)
    assert not any(a.get("src") for _, a in tags)
    hrefs = [a["href"] for t, a in tags if t == "a"]
    assert hrefs and not any(h and h.startswith(("http:", "https:", "//")) for h in hrefs)
    assert "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt#L1" in hrefs
    csp = next(a for t, a in tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in (csp["content"] or "")


def test_html_marks_removed_and_added_words_side_by_side(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": PROSE + "\n", "b.txt": PROSE.replace("Tuesday", "Friday") + "\n"})
    html = page(scan_tree(tmp_path))
    assert "<del>Tuesday</del>" in html and "<ins>Friday</ins>" in html
    kinds = [a.get("data-kind") for t, a in elements(html) if t == "section"]
    assert kinds == ["near"]


# --- CLI --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sarif", "github", "markdown", "html"])
def test_formats_do_not_change_the_exit_code(
    fmt: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(main, ["scan", "samples", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 1 and result.stdout == ""
    assert out.stat().st_size > 0
    clean = CliRunner().invoke(main, ["scan", "samples", "--format", fmt, "--exit-zero"])
    assert clean.exit_code == 0 and clean.stdout == out.read_text(encoding="utf-8")


MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


MARKUP = st.sampled_from(list("*_`[]()<>#!|~&\\-+.=:@/ a1\n"))


@settings(max_examples=300)
@given(st.text(MARKUP) | st.text(st.characters(codec="utf-8", exclude_characters="\x00")))
@example("*a* _b_ [c](d) <b>e</b> `f` ~~g~~ @octocat")
def test_escaped_markdown_renders_back_to_the_same_text(text: str) -> None:
    html = MD.render("> " + escape(text))
    inner = re.fullmatch(r"<blockquote>\n?(?:<p>(.*)</p>\n)?</blockquote>\n", html, re.S)
    assert inner is not None, html
    shown = unescape_html(inner.group(1) or "")
    assert "<" not in (inner.group(1) or "")  # no tag of any kind
    assert shown == " ".join(text.split()).replace("@", "@\u200b")


def test_html_compares_only_copies_whose_words_differ(tmp_path: Path) -> None:
    rewrapped = PROSE.replace("year, and", "year,\nand")
    changed = PROSE.replace("Tuesday", "Friday")
    write(tmp_path, {"a.txt": PROSE + "\n", "b.txt": rewrapped + "\n", "c.txt": changed + "\n"})
    html = page(scan_tree(tmp_path))
    assert html.count('class="pair"') == 1  # a against c; b only differs in its line break
    assert "same words as 1, spaced differently" in html


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_the_json_layout_is_the_value_with_sorted_keys(value: object) -> None:
    out: list[str] = []
    _layout(value, "", out.append)
    text = "".join(out)
    assert json.loads(text) == value

    def keys_sorted(pairs: list[tuple[str, object]]) -> dict[str, object]:
        assert [k for k, _ in pairs] == sorted(k for k, _ in pairs)
        return dict(pairs)

    json.loads(text, object_pairs_hook=keys_sorted)


@pytest.mark.parametrize("clusters", ["all", "none"])
def test_the_streamed_report_is_laid_out_as_its_plain_data(samples: Report, clusters: str) -> None:
    report = samples if clusters == "all" else replace(samples, clusters=())
    laid_out: list[str] = []
    _layout(report_dict(report), "", laid_out.append)
    assert render_json(report) == "".join(laid_out) + "\n"
