"""Hypothesis properties P1-P18 of CONVENTIONS.md 4.3 (those that apply to what exists).

Not applicable yet: P11 (no SARIF output), P12 (no GitHub annotations). P13 (baseline stability)
lives in test_baseline.py and P15 (suppression soundness) in test_ignore.py, next to the code
they test. Each property keeps a modest ``max_examples`` so the suite stays
fast; the ``ci`` profile (conftest.py) is derandomised, ``nightly`` searches much longer.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
from conftest import write
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from dedup.config import Config
from dedup.errors import ExitCode
from dedup.formats.lines import split_lines
from dedup.gate import exit_code
from dedup.models import Kind, Report
from dedup.normalize import words
from dedup.pipeline import process_file, scan
from dedup.rarity import rarity
from dedup.reader import decode
from dedup.reporters.json_report import render_json, schema
from dedup.verify import Text, verify
from dedup.walk import walk

VOCABULARY = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"]
sentence = st.lists(st.sampled_from(VOCABULARY), min_size=5, max_size=25).map(
    lambda ws: " ".join(ws) + "."
)
document = st.lists(sentence, min_size=0, max_size=5).map(lambda ps: "\n\n".join(ps) + "\n")
names = st.sampled_from(["a.txt", "b.txt", "c.md", "sub/d.txt", "sub/e.md", "f.txt"])
corpus = st.dictionaries(names, document, min_size=1, max_size=5)
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
line_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r\n"), max_size=80
)


@contextmanager
def folder(files: dict[str, str | bytes]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield write(Path(tmp), files)


def clusters(report: Report) -> set[frozenset[tuple[str, int]]]:
    return {frozenset((m.path, m.start_line) for m in c.members) for c in report.clusters}


def pieces(data: bytes, name: str = "f.txt") -> list[tuple[tuple[str, ...], int, int]]:
    with folder({name: data}) as root:
        source = walk([str(root / name)], Config(root=root)).files[0]
        result = process_file(source, 10**7)
    return [(p.words, p.start_line, p.end_line) for p in result.pieces]


@settings(max_examples=15)
@given(files=corpus)
def test_p1_p2_same_report_at_any_worker_count_and_argument_order(files: dict[str, str]) -> None:
    with folder(dict(files)) as root:
        config = Config(root=root)
        paths = sorted(str(root / name) for name in files)
        one = render_json(scan(paths, config.replace(jobs=1)))
        assert render_json(scan(paths, config.replace(jobs=1))) == one  # P1: run twice
        assert render_json(scan(paths[::-1], config.replace(jobs=2))) == one  # pool, reversed
        assert render_json(scan([str(root)], config)) == one  # the folder instead of the files


_SCAN_ALL = (
    "import sys\n"
    "from dedup import Config, scan\n"
    "from dedup.reporters.json_report import render_json\n"
    "for root in sys.argv[1:]:\n"
    "    print(render_json(scan([root], Config(root=root, jobs=2))))\n"
)


@settings(max_examples=1)
@given(corpora=st.lists(corpus, min_size=12, max_size=12))
def test_p1_same_json_under_different_hash_seeds(corpora: list[dict[str, str]]) -> None:
    """Twelve corpora in one child process per seed: starting an interpreter is the slow part."""
    with tempfile.TemporaryDirectory() as tmp:
        roots = [str(write(Path(tmp) / str(i), dict(c))) for i, c in enumerate(corpora)]
        outputs = set()
        for seed in ("0", "4242"):
            done = subprocess.run(
                [sys.executable, "-c", _SCAN_ALL, *roots],
                capture_output=True,
                env={**os.environ, "PYTHONHASHSEED": seed},
                timeout=120,
                check=True,
            )
            outputs.add(done.stdout)
    assert len(outputs) == 1


@settings(max_examples=15)
@given(files=corpus, data=st.data())
def test_p2_paragraph_order_within_a_file_does_not_change_the_clusters(
    files: dict[str, str], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(files)))
    paragraphs = [p for p in files[name].split("\n\n") if p.strip()]
    shuffled = data.draw(st.permutations(paragraphs))
    with folder(dict(files)) as root:
        before = scan([str(root)], Config(root=root))
        (root / name).write_text("\n\n".join(shuffled) + "\n")
        after = scan([str(root)], Config(root=root))

    def texts(report: Report) -> set[frozenset[tuple[str, str]]]:
        return {frozenset((m.path, m.text) for m in c.members) for c in report.clusters}

    assert texts(before) == texts(after)


@settings(max_examples=40)
@given(other=document, paragraph=line_text, before=st.integers(0, 3))
@example(other="", paragraph="x\x00y", before=0)  # a NUL makes the file binary: not a copy
def test_p3_p14_an_exact_copy_always_clusters(other: str, paragraph: str, before: int) -> None:
    assume(words(paragraph))
    blocks = other.strip().split("\n\n") if other.strip() else []
    blocks.insert(min(before, len(blocks)), paragraph)
    line = 1 + 2 * min(before, len(blocks) - 1)
    files: dict[str, str | bytes] = {"a.txt": "\n\n".join(blocks) + "\n", "b.txt": paragraph}
    with folder(files) as root:
        report = scan([str(root)], Config(root=root))
    accounted = [*report.files_scanned, *(s.path for s in report.skipped)]
    assert sorted(accounted) == ["a.txt", "b.txt"]  # P14
    if "\x00" in paragraph:
        return
    assert any({("a.txt", line), ("b.txt", 1)} <= c for c in clusters(report))


@settings(max_examples=200)
@given(text=any_text, spaces=st.lists(st.sampled_from([" ", "\t", "\n", "  ", "\u00a0", "\u2028"])))
def test_p4_whitespace_nfc_nfd_and_case_do_not_change_the_words(
    text: str, spaces: list[str]
) -> None:
    parts = text.split()
    respaced = "".join(
        p + (spaces[i % len(spaces)] if spaces else " ") for i, p in enumerate(parts)
    )
    assert words(respaced) == words(" ".join(parts))
    assert words(unicodedata.normalize("NFD", text)) == words(unicodedata.normalize("NFC", text))
    ascii_text = text.encode("ascii", "ignore").decode()
    assert words(ascii_text.upper()) == words(ascii_text.lower())


@settings(max_examples=100)
@given(ws=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=20), at=st.integers(0))
def test_p4_changing_one_word_changes_the_fingerprint(ws: list[str], at: int) -> None:
    changed = list(ws)
    changed[at % len(ws)] = "different"
    assert words(" ".join(changed)) != words(" ".join(ws))


@settings(max_examples=40)
@given(lines=st.lists(line_text, max_size=12))
def test_p5_p6_encodings_and_line_endings_give_the_same_paragraphs(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    assume(not text.startswith("\ufeff"))
    expected = pieces(text.encode())
    for newline in ("\r\n", "\r"):
        assert pieces(text.replace("\n", newline).encode()) == expected  # P6
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        assert pieces(bom + text.encode(encoding)) == expected  # P5


@settings(max_examples=150)
@given(
    data=st.binary(max_size=400) | any_text.map(str.encode),
    suffix=st.sampled_from([".txt", ".md", ".rst", ".html", ".jsonl"]),
)
def test_p7_every_span_lies_inside_the_file(data: bytes, suffix: str) -> None:
    decoded = decode(data)
    assume(decoded.text is not None)
    assert decoded.text is not None
    total = len(split_lines(decoded.text))
    for _, start, end in pieces(data, "f" + suffix):
        assert 1 <= start <= end <= total


@settings(max_examples=25)
@given(files=corpus)
def test_p8_p10_clusters_are_well_formed_and_the_json_is_clean(files: dict[str, str]) -> None:
    with folder(dict(files)) as root:
        report = scan([str(root)], Config(root=root))
    seen: set[tuple[str, int]] = set()
    for number, cluster in enumerate(report.clusters, start=1):
        assert cluster.id == number
        assert len(cluster.members) >= 2
        locations = [(m.path, m.start_line) for m in cluster.members]
        assert locations == sorted(locations) and len(set(locations)) == len(locations)
        assert seen.isdisjoint(locations)
        seen.update(locations)
        assert all(0 <= link.a < len(cluster.members) for link in cluster.links)
        assert all(0 <= link.b < len(cluster.members) for link in cluster.links)
        assert 0.0 <= cluster.similarity <= 1.0
    text = render_json(report)
    jsonschema.Draft202012Validator(schema()).validate(json.loads(text))


def exact_pairs(report: Report) -> set[frozenset[tuple[str, int]]]:
    """The pairs of copies joined by an ``exact`` link, as sets of two locations."""
    return {
        frozenset((c.members[i].path, c.members[i].start_line) for i in (link.a, link.b))
        for c in report.clusters
        for link in c.links
        if link.kind is Kind.EXACT
    }


@settings(max_examples=20)
@given(files=corpus, extra=document)
def test_p9_adding_a_file_never_splits_exact_copies(files: dict[str, str], extra: str) -> None:
    """P9 is monotonicity in exact mode: exact copies stay together whatever is added.

    The fuzzy tiers do not promise it: the reworded tier weighs words by their rarity across
    the whole scan, and a band bucket that grows past its cap is paired as a star, so an added
    file may change a fuzzy verdict elsewhere (the README says so).
    """
    assume("z.txt" not in files)
    with folder(dict(files)) as root:
        before = scan([str(root)], Config(root=root))
        (root / "z.txt").write_text(extra)
        after = scan([str(root)], Config(root=root))
    for pair in exact_pairs(before):
        assert any(pair <= bigger for bigger in clusters(after))


@settings(max_examples=40)
@given(
    contents=st.lists(
        st.binary(max_size=300) | document.map(str.encode) | any_text.map(str.encode),
        min_size=1,
        max_size=4,
    ),
    cap=st.sampled_from([10, 200, 10**6]),
)
def test_p10_p14_any_bytes_give_a_valid_report_listing_every_file(
    contents: list[bytes], cap: int
) -> None:
    files: dict[str, str | bytes] = {f"f{i}.txt": c for i, c in enumerate(contents)}
    with folder(files) as root:
        report = scan([str(root)], Config(root=root, max_file_size=cap))
    listed = [
        *report.files_scanned,
        *(s.path for s in report.skipped),
        *(e.path for e in report.errors),
    ]
    assert sorted(listed) == sorted(files)  # P14: every file exactly once
    data: dict[str, Any] = json.loads(render_json(report), parse_constant=_no_constants)
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # no lone surrogate in any string
    jsonschema.Draft202012Validator(schema()).validate(data)


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} in the JSON report")


texts = st.lists(st.sampled_from([*VOCABULARY, "the", "of", "and"]), min_size=1, max_size=40)


@settings(max_examples=150)
@given(a=texts, b=texts)
def test_p16_verification_is_symmetric_and_bounded(a: list[str], b: list[str]) -> None:
    config = Config()
    ta = Text(0, tuple(a), tuple(w for w in a if w in VOCABULARY))
    tb = Text(1, tuple(b), tuple(w for w in b if w in VOCABULARY))
    weights = rarity([ta.content, tb.content])
    ab = verify(ta, tb, config, weights)
    ba = verify(Text(0, tb.words, tb.content), Text(1, ta.words, ta.content), config, weights)
    assert (ab is None) == (ba is None)
    if ab is not None and ba is not None:
        assert (ab.kind, ab.similarity) == (ba.kind, ba.similarity)
        assert 0.0 <= ab.similarity <= 1.0
    same = verify(ta, Text(1, ta.words, ta.content), config, weights)
    assert same is not None and same.similarity == 1.0


@settings(max_examples=15)
@given(files=corpus, low=st.floats(0.5, 1.0), high=st.floats(0.5, 1.0))
def test_p16_a_higher_threshold_only_splits_clusters(
    files: dict[str, str], low: float, high: float
) -> None:
    low, high = sorted((low, high))
    with folder(dict(files)) as root:
        loose = scan([str(root)], Config(root=root, near_threshold=low, reworded=False))
        strict = scan([str(root)], Config(root=root, near_threshold=high, reworded=False))
    for cluster in clusters(strict):
        assert any(cluster <= bigger for bigger in clusters(loose))


@settings(max_examples=20)
@given(
    files=corpus,
    low=st.floats(0, 1),
    high=st.floats(0, 1),
    kinds=st.sets(st.sampled_from(["exact", "near", "contained", "reworded"])),
)
def test_p17_a_stricter_gate_never_turns_a_pass_into_a_failure(
    files: dict[str, str], low: float, high: float, kinds: set[str]
) -> None:
    low, high = sorted((low, high))
    with folder(dict(files)) as root:
        report = scan([str(root)], Config(root=root))
    loose = Config(root=Path(), fail_similarity=low)
    strict = loose.replace(
        fail_similarity=high, fail_on=tuple(k for k in loose.fail_on if k.value in kinds)
    )
    if exit_code(report, loose) == ExitCode.CLEAN:
        assert exit_code(report, strict) == ExitCode.CLEAN
    assert exit_code(report, loose.replace(exit_zero=True)) != ExitCode.FINDINGS


BOMS = [
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
]


@settings(max_examples=300)
@given(data=st.binary(max_size=200))
def test_p18_decoding_is_total_and_lossless_without_a_bom(data: bytes) -> None:
    assume(not data.startswith(tuple(BOMS)))
    decoded = decode(data)  # never raises
    assert (decoded.text is None) != (decoded.skip_reason is None)
    if decoded.text is not None:
        assert decoded.text.encode("utf-8", "surrogateescape") == data  # nothing lost


@settings(max_examples=300)
@given(bom=st.sampled_from(BOMS), one=st.binary(max_size=40), two=st.binary(max_size=40))
@example(bom=codecs.BOM_UTF16_LE, one=b"\x00\xd8", two=b"\x01\xd8")  # two lone surrogates
@example(bom=codecs.BOM_UTF32_BE, one=b"\x7f\xff\xff\xff", two=b"\x7f\xff\xff\xfe")
def test_p18_different_bytes_after_a_bom_never_decode_to_the_same_text(
    bom: bytes, one: bytes, two: bytes
) -> None:
    first, second = decode(bom + one), decode(bom + two)  # never raises
    longer = [b for b in BOMS if len(b) > len(bom)]
    assume(not (bom + one).startswith(tuple(longer)) and not (bom + two).startswith(tuple(longer)))
    assert first.text is not None and second.text is not None  # a BOM means text
    if one != two:
        assert first.text != second.text
