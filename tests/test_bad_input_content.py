"""Bad input, part 1: what is inside a file (CONVENTIONS.md section 1, rows B1-B16).

Each test is named after its row. Files are generated at test time; nothing binary is committed.
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import PROSE, Cli, write

from dedup.config import Config
from dedup.errors import ConfigError
from dedup.formats.lines import split_lines
from dedup.pipeline import process_file
from dedup.reader import decode
from dedup.walk import WalkResult, walk
from dedup.walk import walk as real_walk

OTHER = "A second paragraph about something else entirely, long enough to be prose here."


def clusters_of(data: dict[str, Any]) -> list[set[tuple[str, int]]]:
    return [{(m["path"], m["start_line"]) for m in c["members"]} for c in data["clusters"]]


def test_b01_empty_file_is_scanned_with_no_paragraphs(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"empty.txt": b"", "a.txt": PROSE})
    run = cli(".", "--format", "json")
    data = run.json()
    assert run.code == 0
    assert data["files_scanned"] == ["a.txt", "empty.txt"]
    assert data["stats"]["paragraphs"] == 1
    assert (data["skipped"], data["errors"], data["warnings"]) == ([], [], [])
    assert run.stderr == ""


def test_b02_whitespace_only_and_punctuation_only_files_give_no_paragraphs(
    tmp_path: Path, cli: Cli
) -> None:
    write(
        tmp_path,
        {
            "blank.txt": " \n\t\n\u2028\n\u3000\n\n",
            "dashes.txt": "-----\n\n!!! ... ???\n\n***\n",
            "b.txt": "-----\n\n!!! ... ???\n\n***\n",  # identical punctuation: no words, no cluster
        },
    )
    run = cli(".", "--format", "json")
    data = run.json()
    assert run.code == 0
    assert data["stats"]["paragraphs"] == 0
    assert data["clusters"] == []


def test_b03_nothing_scanned_exits_2_with_a_hint(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"only/.hidden.txt": PROSE, "bin/x.png": b"\x89PNG\r\n\x1a\n\x00\x00"})
    for target in ("only", "bin"):
        run = cli(target)
        assert run.code == 2
        assert "no files were scanned" in run.stderr
        assert "--hidden" in run.stderr
    (tmp_path / "empty").mkdir()
    assert cli("empty").code == 2
    allowed = cli("empty", "--allow-empty")
    assert allowed.code == 0
    assert "dedup: warning: no files were scanned" in allowed.stderr
    assert cli("bin", "--allow-empty", "--exit-zero").code == 0


def test_b04_binary_file_is_skipped_quietly(tmp_path: Path, cli: Cli) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + PROSE.encode()
    write(tmp_path, {"logo.png": png, "copy.bin": png, "a.txt": PROSE})
    run = cli(".", "--format", "json")
    data = run.json()
    assert run.code == 0  # skipping by policy is not an error
    assert data["skipped"] == [
        {"path": "copy.bin", "reason": "binary (contains NUL bytes)"},
        {"path": "logo.png", "reason": "binary (contains NUL bytes)"},
    ]
    assert run.stderr == ""  # listed only with -v
    assert "skipped logo.png: binary" in cli(".", "-v").stderr


def test_b04_text_reads_binary_files_and_keeps_their_nuls(tmp_path: Path, cli: Cli) -> None:
    nul = PROSE.replace(" ", " \x00", 1)  # one NUL inside the paragraph
    write(tmp_path, {"a.txt": PROSE, "b.dat": nul, "c.dat": nul})
    run = cli(".", "--format", "json", "--text", "--fail-on", "exact")
    data = run.json()
    assert data["files_scanned"] == ["a.txt", "b.dat", "c.dat"]
    assert data["skipped"] == []
    # b.dat and c.dat are exact copies; the NUL keeps them apart from a.txt (near at most)
    [cluster] = data["clusters"]
    paths = [m["path"] for m in cluster["members"]]
    links = {(paths[link["a"]], paths[link["b"]], link["kind"]) for link in cluster["links"]}
    assert ("b.dat", "c.dat", "exact") in links
    assert not any(kind == "exact" and "a.txt" in (a, b) for a, b, kind in links)
    assert "\\x00" in cluster["members"][1]["text"]  # shown escaped, never dropped
    assert decode(b"ab\x00cd").text is None  # the default is unchanged
    assert decode(b"ab\x00cd", binary_as_text=True).text == "ab\udc00cd"


def test_b05_a_nul_anywhere_makes_the_file_binary(tmp_path: Path, cli: Cli) -> None:
    late = (PROSE + "\n\n") * 600 + "\x00" + PROSE  # the NUL lies past 64 KiB
    assert len(late.encode()) > 70_000
    write(tmp_path, {"late.txt": late, "a.txt": PROSE})
    data = cli(".", "--format", "json").json()
    assert [s["path"] for s in data["skipped"]] == ["late.txt"]
    assert decode(b"\x00" + PROSE.encode()).text is None


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (b"caf\xe9", b"caf\xe8"),  # latin-1 bytes: jscpd 4.3.0 called these clones
        (b"\xff", b"\xfe"),  # a lone invalid byte
        (b"\xc0\xaf", b"\xc0\xae"),  # overlong encodings of "/" and "."
        (b"\xed\xa0\x80", b"\xed\xa0\x81"),  # surrogates encoded as UTF-8
    ],
)
def test_b06_invalid_utf8_warns_and_never_makes_two_files_equal(
    tmp_path: Path, cli: Cli, first: bytes, second: bytes
) -> None:
    body = PROSE.encode()
    write(tmp_path, {"a.txt": first + b" " + body, "b.txt": second + b" " + body})
    run = cli(".", "--format", "json", "--fail-on", "exact")
    data = run.json()
    assert run.code == 0, "an exact copy was invented from different bytes"
    assert [w["path"] for w in data["warnings"]] == ["a.txt", "b.txt"]
    assert "not valid UTF-8" in run.stderr
    assert "\\udc" not in run.stdout  # no lone-surrogate escapes reach the JSON
    # the same invalid bytes in both files are a byte-identical copy, and match
    write(tmp_path, {"b.txt": first + b" " + body})
    data = cli(".", "--format", "json").json()
    assert clusters_of(data) == [{("a.txt", 1), ("b.txt", 1)}]
    shown = data["clusters"][0]["members"][0]["text"]
    escaped = "".join(chr(b) if b < 0x80 else f"\\x{b:02x}" for b in first)
    assert shown == f"{escaped} {PROSE}"  # each invalid byte shown as \xNN


def test_b07_legacy_encodings_are_not_guessed(tmp_path: Path, cli: Cli) -> None:
    # cp1252 curly quotes: kept as bytes (no charset guessing), so not equal to the UTF-8 text
    cp1252 = "\u201cQuoted\u201d " + PROSE
    write(tmp_path, {"old.txt": cp1252.encode("cp1252"), "new.txt": cp1252})
    run = cli(".", "--format", "json", "--fail-on", "exact")
    assert run.code == 0
    assert [w["path"] for w in run.json()["warnings"]] == ["old.txt"]


def test_b07_encoding_decodes_files_without_a_bom(tmp_path: Path, cli: Cli) -> None:
    cp1252 = "\u201cQuoted\u201d " + PROSE
    bom = codecs.BOM_UTF8 + cp1252.encode()
    write(tmp_path, {"old.txt": cp1252.encode("cp1252"), "new.txt": bom})
    run = cli(".", "--format", "json", "--encoding", "cp1252")
    assert run.code == 1  # the BOM still wins for new.txt, cp1252 decodes old.txt
    assert clusters_of(run.json()) == [{("new.txt", 1), ("old.txt", 1)}]
    assert run.json()["warnings"] == []
    assert decode(b"caf\xe9", "latin-1").text == "caf\u00e9"
    assert decode(b"\x81", "cp1252").warning == (
        "not valid CP1252 (first bad byte at offset 0); bytes kept as they are, "
        "so only byte-identical text matches them"
    )


@pytest.mark.parametrize("label", ["klingon", "base64"])  # unknown; not a text encoding
def test_b07_unknown_encoding_is_a_settings_error(tmp_path: Path, cli: Cli, label: str) -> None:
    write(tmp_path, {"a.txt": PROSE})
    run = cli(".", "--encoding", label)
    assert run.code == 2
    assert f"unknown text encoding {label!r}" in run.stderr
    with pytest.raises(ConfigError, match="klingon"):
        Config(encoding="klingon")


def test_b07_forced_utf16_without_a_bom_is_text(tmp_path: Path, cli: Cli) -> None:
    write(
        tmp_path, {"wide.txt": PROSE.encode("utf-16-le"), "a.txt": codecs.BOM_UTF8 + PROSE.encode()}
    )
    run = cli(".", "--format", "json", "--encoding", "utf-16-le")
    assert clusters_of(run.json()) == [{("a.txt", 1), ("wide.txt", 1)}]


def test_b08_utf8_bom_is_stripped(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"bom.txt": codecs.BOM_UTF8 + PROSE.encode(), "plain.txt": PROSE})
    data = cli(".", "--format", "json").json()
    assert clusters_of(data) == [{("bom.txt", 1), ("plain.txt", 1)}]
    assert data["clusters"][0]["kind"] == "exact"
    assert data["warnings"] == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_b09_utf16_and_utf32_with_a_bom_are_text(tmp_path: Path, cli: Cli, encoding: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(
        encoding, codecs.BOM_UTF32_LE if encoding.endswith("le") else codecs.BOM_UTF32_BE
    )
    text = f"{OTHER}\r\n\r\n{PROSE}\r\n"
    write(tmp_path, {"wide.txt": bom + text.encode(encoding), "plain.txt": f"x\n\n\n{PROSE}\n"})
    data = cli(".", "--format", "json").json()
    assert clusters_of(data) == [{("plain.txt", 4), ("wide.txt", 3)}]
    assert data["skipped"] == [] and data["warnings"] == []


def test_b09_invalid_utf16_never_makes_two_files_equal(tmp_path: Path, cli: Cli) -> None:
    body = PROSE.encode("utf-16-le")
    lone_a, lone_b = b"\x00\xd8", b"\x01\xd8"  # two different unpaired surrogates
    write(
        tmp_path,
        {
            "a.txt": codecs.BOM_UTF16_LE + lone_a + body,
            "b.txt": codecs.BOM_UTF16_LE + lone_b + body,
            "c.txt": codecs.BOM_UTF16_LE + body + b"\x41",  # a truncated code unit
            "d.txt": codecs.BOM_UTF16_LE + body + b"\x42",
        },
    )
    run = cli(".", "--format", "json", "--fail-on", "exact")
    data = run.json()
    assert run.code == 0
    assert len(data["warnings"]) == 4
    assert "U+FFFD" not in run.stdout and "\ufffd" not in run.stdout


def test_b10_utf16_without_a_bom_is_binary(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"wide.txt": PROSE.encode("utf-16-le"), "a.txt": PROSE})
    data = cli(".", "--format", "json").json()
    assert data["skipped"] == [{"path": "wide.txt", "reason": "binary (contains NUL bytes)"}]


def _spans(text: str, tmp_path: Path) -> list[tuple[tuple[str, ...], int, int]]:
    """(words, start line, end line) of each paragraph of ``text`` read from a file."""
    (tmp_path / "f.txt").write_bytes(text.encode())
    source = walk([str(tmp_path / "f.txt")], Config(root=tmp_path)).files[0]
    return [(p.words, p.start_line, p.end_line) for p in process_file(source, 10**6).pieces]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_b11_b12_crlf_and_lone_cr_count_as_one_line_end(tmp_path: Path, newline: str) -> None:
    text = f"{OTHER}{newline}{newline}Title line{newline}{PROSE}{newline}"
    lf = text.replace(newline, "\n")
    assert _spans(text, tmp_path) == _spans(lf, tmp_path)
    assert [(s, e) for _, s, e in _spans(text, tmp_path)] == [(1, 1), (3, 3), (4, 4)]


def test_b11_b12_mixed_line_ends_and_a_trailing_cr(tmp_path: Path, cli: Cli) -> None:
    write(
        tmp_path,
        {"mixed.txt": f"x\r\ny\rz\n\r\n{PROSE}\r", "plain.txt": f"x\ny\nz\n\n{PROSE}\n"},
    )
    data = cli(".", "--format", "json").json()
    assert {("mixed.txt", 5), ("plain.txt", 5)} in clusters_of(data)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\f", "\v", "\x1c"])
def test_b13_unicode_separators_are_not_line_ends(tmp_path: Path, separator: str) -> None:
    text = f"First half of the paragraph{separator}second half of it.\n\n{PROSE}\n"
    assert len(split_lines(text)) == 3
    spans = _spans(text, tmp_path)
    assert [(s, e) for _, s, e in spans] == [(1, 1), (3, 3)]
    assert spans[0][0] == _spans(text.replace(separator, " "), tmp_path)[0][0]


def test_b14_a_huge_single_line_within_the_cap_is_scanned(tmp_path: Path, cli: Cli) -> None:
    line = " ".join(f"word{i % 9973}" for i in range(200_000))  # about 1.7 MB on one line
    write(tmp_path, {"minified.txt": line + "\n", "copy.txt": f"{OTHER}\n\n{line}"})
    run = cli(".", "--format", "json")
    assert clusters_of(run.json()) == [{("copy.txt", 3), ("minified.txt", 1)}]


def test_b14_a_paragraph_over_max_paragraph_chars_is_matched_exactly_only(
    tmp_path: Path, cli: Cli
) -> None:
    edited = PROSE.replace("budget", "plan")
    write(tmp_path, {"a.txt": PROSE, "b.txt": edited, "c.txt": PROSE})
    fuzzy = cli(".", "--format", "json")
    assert clusters_of(fuzzy.json()) == [{("a.txt", 1), ("b.txt", 1), ("c.txt", 1)}]
    assert fuzzy.json()["warnings"] == []
    capped = cli(".", "--format", "json", "--max-paragraph-chars", "100")
    data = capped.json()
    assert clusters_of(data) == [{("a.txt", 1), ("c.txt", 1)}]  # the exact copy still counts
    assert [(w["path"], w["message"][:7]) for w in data["warnings"]] == [
        ("a.txt", "line 1:"),
        ("b.txt", "line 1:"),
    ]
    assert "a.txt: line 1: a paragraph of over 100 characters is matched exactly only" in (
        capped.stderr
    )


def test_b15_a_file_over_the_cap_is_skipped_with_a_warning(tmp_path: Path, cli: Cli) -> None:
    with (tmp_path / "sparse.txt").open("wb") as handle:
        handle.truncate(2**31)  # 2 GiB, no disk blocks: skipped by stat, never read
    write(tmp_path, {"a.txt": PROSE})
    run = cli(".", "--format", "json")
    data = run.json()
    assert run.code == 0  # a policy skip, not an error
    assert data["skipped"][0]["path"] == "sparse.txt"
    assert data["skipped"][0]["reason"].startswith("too large")
    assert "sparse.txt: skipped: too large" in run.stderr  # a missed document is visible
    small = cli(".", "--format", "json", "--max-file-size", "10")
    assert {s["path"] for s in small.json()["skipped"]} == {"a.txt", "sparse.txt"}


def test_b16_a_file_that_changes_during_the_scan_warns(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"grows.txt": PROSE, "shrinks.txt": PROSE + "\n\n" + OTHER})
    import dedup.pipeline

    def walk_then_edit(*args: object, **kwargs: object) -> WalkResult:
        listed = real_walk(*args, **kwargs)  # type: ignore[arg-type]
        with (tmp_path / "grows.txt").open("a") as handle:
            handle.write("\n\n" + OTHER)
        os.truncate(tmp_path / "shrinks.txt", len(PROSE))
        return listed

    monkeypatch.setattr(dedup.pipeline, "walk", walk_then_edit)
    run = cli(".", "--format", "json")
    data = run.json()
    assert run.code == 1  # what was read is used: the two copies of PROSE and of OTHER
    assert [w["path"] for w in data["warnings"]] == ["grows.txt", "shrinks.txt"]
    assert all("changed during the scan" in w["message"] for w in data["warnings"])


THIRD = "Members of the board will vote on the proposal next month, after the public hearing."


def _as(suffix: str, *paragraphs: str) -> str:
    """A file of ``paragraphs``: blank-line separated text, or one JSON Lines record each."""
    if suffix == "jsonl":
        return "".join(json.dumps({"text": p}) + "\n" for p in paragraphs)
    return "\n\n".join(paragraphs) + "\n"


@pytest.mark.parametrize("suffix", ["txt", "jsonl"])
@pytest.mark.parametrize("edit", ["reworded", "shortened", "moved", "deleted"])
def test_b16_a_file_edited_before_its_text_is_read_again_is_an_error(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, edit: str, suffix: str
) -> None:
    """A scan keeps no paragraph text: the clustered ones are read again for the report. A file
    edited in between must not show text that was never matched, nor at lines it has left."""
    write(
        tmp_path,
        {
            f"a.{suffix}": _as(suffix, OTHER, PROSE),
            "b.txt": f"{PROSE}\n",
            "c.txt": f"{OTHER}\n",
            "d.txt": f"{THIRD}\n",
            "e.txt": f"{THIRD}\n",
        },
    )
    import dedup.pipeline

    real_verified = dedup.pipeline._verified
    edited = {
        "reworded": _as(suffix, OTHER, PROSE.upper()),
        "shortened": _as(suffix, OTHER),
        "moved": "\n" + _as(suffix, OTHER, PROSE),  # the same paragraphs a line lower
    }

    def edit_then_verify(*args: Any, **kwargs: Any) -> Any:
        if edit in edited:
            (tmp_path / f"a.{suffix}").write_text(edited[edit])
        else:
            (tmp_path / f"a.{suffix}").unlink()
        return real_verified(*args, **kwargs)

    monkeypatch.setattr(dedup.pipeline, "_verified", edit_then_verify)
    run = cli(".", "--format", "json")
    data = run.json()
    assert run.code == 2  # an incomplete scan never passes as clean
    assert [e["path"] for e in data["errors"]] == [f"a.{suffix}"]
    assert "changed while it was scanned" in data["errors"][0]["message"]
    assert "scan again" in data["errors"][0]["message"]
    # the repeats with a copy in a.txt are left out; the others are reported
    assert clusters_of(data) == [{("d.txt", 1), ("e.txt", 1)}]
