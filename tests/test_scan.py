"""End-to-end checks of the scan pipeline, the CLI and the JSON report."""

from __future__ import annotations

import ctypes
import gc
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import write
from datasketch import MinHash, MinHashLSH

import dedup.signatures
from dedup import pipeline
from dedup.candidates import bands_and_rows, lsh_pairs, pair_set
from dedup.cli import main
from dedup.config import Config
from dedup.errors import ConfigError, ExitCode, InputError
from dedup.formats import plain
from dedup.pipeline import scan
from dedup.reader import decode
from dedup.reporters.json_report import render_json, schema
from dedup.signatures import (
    permutations,
    shingle_hashes,
    signature_columns,
    signatures,
    text_shingles,
    text_signatures,
    word_hashes,
)
from dedup.stable_hash import stable_hash

REPO = Path(__file__).resolve().parent.parent
A = "samples/000_ee18bd951d049419.txt"
B = "samples/004_e6a5073a7b3a0431.txt"
PROSE = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)


def valid(report_json: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(report_json)
    jsonschema.Draft202012Validator(schema()).validate(data)
    return data


def locations(config: Config, paths: list[str]) -> list[set[tuple[str, int]]]:
    return [{(m.path, m.start_line) for m in c.members} for c in scan(paths, config).clusters]


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    return REPO


def test_samples_give_exactly_the_expected_clusters(in_repo: Path) -> None:
    report = scan(["samples"], Config(root=in_repo))
    found = {
        (c.kind.value, frozenset((m.path, m.start_line) for m in c.members))
        for c in report.clusters
    }
    assert found == {
        ("exact", frozenset({(A, 4), (B, 26)})),
        ("exact", frozenset({(A, 1), (A, 3)})),
        ("exact", frozenset({(B, 1), (B, 3)})),
        ("reworded", frozenset({(A, 8), (B, 36)})),
    }


def test_samples_json_matches_golden_and_schema(in_repo: Path) -> None:
    text = render_json(scan(["samples"], Config(root=in_repo)))
    valid(text)
    golden = REPO / "tests" / "golden" / "samples.json"
    if os.environ.get("DEDUP_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_cli_exit_codes(in_repo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["scan", "samples"]).exit_code == ExitCode.FINDINGS
    assert runner.invoke(main, ["scan", "samples", "--exit-zero"]).exit_code == ExitCode.CLEAN
    assert runner.invoke(main, ["scan", "samples", "--fail-on", "none"]).exit_code == 0
    result = runner.invoke(main, ["scan", "samples", "--fail-on", "near,contained"])
    assert result.exit_code == ExitCode.CLEAN
    missing = runner.invoke(main, ["scan", "no/such/dir"])
    assert missing.exit_code == ExitCode.ERROR
    assert "no such file or folder" in missing.output
    assert "Traceback" not in missing.output
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(main, ["scan", str(empty)]).exit_code == ExitCode.ERROR


def test_cli_json_output_file_is_written_and_stdout_stays_empty(
    in_repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["scan", "samples", "--format", "json", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(valid(out.read_text())["clusters"]) == 4  # type: ignore[arg-type]


def test_unknown_config_key_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.dedup]\nthreshhold = 0.5\n", "a.txt": PROSE})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["scan", "a.txt"])
    assert result.exit_code == ExitCode.ERROR
    assert "threshhold" in result.output
    assert CliRunner().invoke(main, ["scan", "a.txt", "--isolated"]).exit_code == 0


def test_config_rejects_out_of_range() -> None:
    with pytest.raises(ConfigError, match="near_threshold"):
        Config(near_threshold=1.5)


def test_missing_paths_are_all_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"x1.*x2"):
        scan([str(tmp_path / "x1"), str(tmp_path / "x2")], Config(root=tmp_path))


def test_short_paragraphs_still_match_exactly(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": "Overview\n\n" + PROSE, "b.txt": "Overview\n"})
    assert {("a.txt", 1), ("b.txt", 1)} in locations(Config(root=tmp_path), [str(tmp_path)])


def test_reading_numbers_the_texts_in_the_order_they_first_come(tmp_path: Path) -> None:
    """Reading numbers each paragraph's text (repeats by their joined words, not hashing their
    words again): the same numbers as counting distinct word tuples in walk order."""
    write(
        tmp_path,
        {
            "a.txt": "One text here.\n\nTwo text here.\n\nONE   text, here!",
            "b.txt": "Two text here.\n\nThree.\n\nOne text here.",
        },
    )
    collected = pipeline.collect([str(tmp_path)], Config(root=tmp_path), keep_text=False)
    assert list(collected.text_ids) == pipeline.text_numbers(collected.words) == [0, 1, 0, 1, 2, 0]


@pytest.mark.parametrize("over", [0, 1])
def test_the_longest_text_is_measured_while_reading(tmp_path: Path, over: int) -> None:
    """A scan measures every text against max_paragraph_chars only when the longest one read
    is over it: the longest is the normalised text's length, as ``too_long`` measures it."""
    texts = ["Short one here.", "The Longest, paragraph   of   all: with (markup)!", "Mid sized."]
    write(tmp_path, {"a.txt": "\n\n".join(texts), "b.txt": texts[1]})
    collected = pipeline.collect([str(tmp_path)], Config(root=tmp_path), keep_text=False)
    assert collected.longest == max(map(pipeline.normalised_chars, collected.words)) == 40
    limit = Config(root=tmp_path, max_paragraph_chars=40 - over)
    report = scan([str(tmp_path)], limit)
    assert len(report.warnings) == over  # the longest text, when it is over the limit
    assert [m.path for c in report.clusters for m in c.members] == ["a.txt", "b.txt"]


def test_near_and_contained_copies(tmp_path: Path) -> None:
    edited = PROSE.replace("Tuesday", "Wednesday").replace("long", "lengthy")
    longer = PROSE + " The mayor welcomed the decision and promised to open the wing next spring."
    write(tmp_path, {"a.txt": PROSE, "b.txt": edited, "c.txt": longer})
    report = scan([str(tmp_path)], Config(root=tmp_path))
    assert len(report.clusters) == 1
    kinds = {link.kind.value for link in report.clusters[0].links}
    assert kinds == {"near", "contained"}


def test_invalid_bytes_never_make_files_equal(tmp_path: Path) -> None:
    body = PROSE.encode()
    write(tmp_path, {"a.txt": b"caf\xe9 " + body, "b.txt": b"caf\xe8 " + body})
    report = scan([str(tmp_path)], Config(root=tmp_path))
    assert all(c.kind.value != "exact" for c in report.clusters)
    assert len(report.warnings) == 2


def test_decode_bom_and_binary() -> None:
    assert decode(b"\xef\xbb\xbfhello").text == "hello"
    assert decode("hi".encode("utf-16")).text == "hi"
    assert decode(b"a" * 70000 + b"\x00").text is None


def test_title_over_caption_is_two_paragraphs_and_wrapped_prose_is_one() -> None:
    wrapped = (
        "Title\nThe first line of a paragraph that an editor wrapped at\nseventy columns for us.\n"
    )
    spans = [(b.start_line, b.end_line) for b in plain.blocks(wrapped)]
    assert spans == [(1, 1), (2, 3)]
    text = "A title line\n" + "A caption that is far too long to be a wrapped line of prose. " * 3
    assert [(b.start_line, b.end_line) for b in plain.blocks(text)] == [(1, 1), (2, 2)]
    spans = [(b.start_line, b.end_line) for b in plain.blocks("a\r\nb\u2028c\r\n\r\nd\re")]
    # U+2028 is not a line end; CR LF and lone CR are (lines this short are never wrapped)
    assert spans == [(1, 1), (2, 2), (4, 4), (5, 5)]


def test_signatures_equal_datasketch() -> None:
    rng = np.random.default_rng(7)
    sets = [
        np.unique(rng.integers(0, 2**32, size=int(n), dtype=np.uint64).astype(np.uint32))
        # sizes around and over the chunk of products (1,024 shingles) too
        for n in (*rng.integers(1, 400, 300), 1023, 1024, 1025, 2, 3000, 5)
    ]
    rows = signatures(sets, 128, 1)
    for shingles, row in zip(sets, rows, strict=True):
        sketch = MinHash(num_perm=128, seed=1, hashfunc=lambda x: x, scheme="affine32")
        sketch.update_batch([int(v) for v in shingles])
        assert np.array_equal(sketch.hashvalues, row)


@pytest.mark.parametrize("num_perm", [16, 128, 1024])
@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1])
def test_permutations_are_datasketch_s(num_perm: int, seed: int) -> None:
    a, b = permutations(num_perm, seed)
    theirs = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert a.dtype == b.dtype == np.uint32
    assert np.array_equal(a, theirs[0]) and np.array_equal(b, theirs[1])


def test_a_scan_does_not_import_datasketch() -> None:
    """datasketch imports scipy: a quarter of a second and some 50 MB in every run and worker.
    A scan computes its permutations and LSH layout itself (the tests above hold them equal)."""
    code = (
        "import sys; from dedup.cli import main; from dedup.config import Config; "
        "from dedup.pipeline import scan; scan([sys.argv[1]], Config()); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')))"
    )
    samples = Path(__file__).parent.parent / "samples"
    ran = subprocess.run(
        [sys.executable, "-c", code, str(samples)], capture_output=True, text=True, check=True
    )
    assert ran.stdout == "[]\n"


SURROGATE_TEXT = "caf\u00e9 \udcff"  # an undecodable byte is kept as a lone surrogate


def test_stable_hash_is_the_same_in_every_process() -> None:
    """Sentence keys are made in worker processes and compared in the parent: they must not
    follow each interpreter's string hash seed."""
    code = "from dedup.stable_hash import stable_hash; print(stable_hash('caf\\u00e9 \\udcff'))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert seen == {f"{stable_hash(SURROGATE_TEXT)}\n"}
    assert stable_hash("a") != stable_hash("b")


def test_text_signatures_in_batches_equal_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(40)]
    texts = [tuple(rng.choices(vocabulary, k=rng.randint(3, 30))) for _ in range(50)]
    whole = signatures([shingle_hashes(word_hashes(t), 3) for t in texts], 128, 1)
    monkeypatch.setattr(dedup.signatures, "_TEXT_BATCH", 7)
    assert np.array_equal(text_signatures(texts, 3, 128, 1), whole)


def test_freed_memory_is_given_back_where_the_c_library_can(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline._return_freed_memory()  # glibc's malloc_trim on Linux

    def no_library(name: str | None) -> None:
        raise OSError(f"{name}: cannot load")

    monkeypatch.setattr(ctypes, "CDLL", no_library)
    pipeline._return_freed_memory()  # nothing to call: nothing done


@pytest.mark.parametrize("chunk", [1, 16, 1 << 14])
def test_signature_columns_are_the_columns_of_the_signatures(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """One band at a time, in parts of a few texts, a few shingles at a time (sets larger than
    a chunk are taken whole): the same values as the whole matrix."""
    rng = random.Random(8)
    vocabulary = [f"w{i}" for i in range(60)]
    texts = [tuple(rng.choices(vocabulary, k=rng.randint(4, 40))) for _ in range(90)]
    whole = signatures([shingle_hashes(word_hashes(t), 4) for t in texts], 128, 1)
    monkeypatch.setattr(dedup.signatures, "_TEXT_BATCH", 11)
    monkeypatch.setattr(dedup.signatures, "_CHUNK", chunk)
    assert np.array_equal(text_signatures(texts, 4, 128, 1), whole)
    shingles = text_shingles(texts, 4)
    assert len(shingles.parts) == 9
    for columns in (slice(0, 3), slice(63, 66), slice(125, 128), slice(0, 128)):
        assert np.array_equal(signature_columns(shingles, 128, 1, columns), whole[:, columns])
    assert signature_columns(text_shingles([], 4), 128, 1, slice(0, 3)).shape == (0, 3)


def test_lsh_pairs_equal_datasketch_queries() -> None:
    rng = np.random.default_rng(3)
    base = [
        np.unique(rng.integers(0, 2**32, size=60, dtype=np.uint64).astype(np.uint32))
        for _ in range(40)
    ]
    sets = base + [
        np.unique(
            np.concatenate([s[:45], rng.integers(0, 2**32, 15, dtype=np.uint64).astype(np.uint32)])
        )
        for s in base
    ]
    rows = signatures(sets, 128, 1)
    keys = list(range(len(sets)))
    ours = pair_set(lsh_pairs(keys, rows, 0.3))
    lsh = MinHashLSH(num_perm=128, params=bands_and_rows(0.3, 128))
    sketches = []
    for key, row in zip(keys, rows, strict=True):
        sketch = MinHash(num_perm=128, seed=1, hashvalues=row, scheme="affine32")
        sketches.append(sketch)
        lsh.insert(key, sketch)
    theirs = {(k, o) for k, s in zip(keys, sketches, strict=True) for o in lsh.query(s) if o > k}
    assert ours == theirs
    assert all(a < b for a, b in ours)


def test_same_input_same_bytes_at_any_worker_count(in_repo: Path) -> None:
    one = render_json(scan(["samples"], Config(root=in_repo, jobs=1)))
    two = render_json(scan(["samples"], Config(root=in_repo, jobs=2)))
    assert one == two


@pytest.mark.parametrize("enabled", [True, False])
def test_a_scan_runs_without_cycle_collection_and_restores_it(
    tmp_path: Path, enabled: bool
) -> None:
    write(tmp_path, {"a.txt": "one two three four five six.\n", "b.txt": "seven eight nine.\n"})
    during: list[bool] = []
    (gc.enable if enabled else gc.disable)()
    try:
        scan([str(tmp_path)], Config(), progress=lambda done, total: during.append(gc.isenabled()))
        after = gc.isenabled()
    finally:
        gc.enable()
    assert during == [False, False]
    assert after is enabled
