"""Bad input, part 3: scale, settings and output (CONVENTIONS.md section 1, B34-B43).

B38 (unterminated ignore region) is tested in test_ignore.py and B40 (bad baseline) in
test_baseline.py, beside the features they test.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PROSE, Cli, run_process, write

import dedup.cli
from dedup.config import Config
from dedup.pipeline import scan

OTHER = "A second paragraph about something else entirely, long enough to be prose here."


def test_b34_whole_files_that_are_identical_give_one_cluster_per_paragraph(
    tmp_path: Path, cli: Cli
) -> None:
    body = f"{PROSE}\n\n{OTHER}\n\nA third paragraph, also prose, also repeated whole.\n"
    write(tmp_path, {"a.txt": body, "b.txt": body})
    data = cli(".", "--format", "json").json()
    spans = sorted(
        sorted((m["path"], m["start_line"]) for m in c["members"]) for c in data["clusters"]
    )
    assert spans == [[("a.txt", n), ("b.txt", n)] for n in (1, 3, 5)]


def test_b35_the_console_caps_the_copies_it_lists(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {f"f{i:03d}.txt": PROSE for i in range(150)})
    console = cli(".", "--color", "never").stdout
    assert "150 copies" in console
    assert "  20. f019.txt:1" in console and "f020.txt" not in console
    assert "… and 130 more copies (the JSON report lists them all)" in console
    assert len(console.splitlines()) < 50
    data = cli(".", "--format", "json").json()
    assert len(data["clusters"][0]["members"]) == 150  # the JSON lists every copy


def test_b36_regex_hostile_text_is_handled(tmp_path: Path, cli: Cli) -> None:
    hostile = {
        "dots.txt": "a." * 50_000,  # sentence splitter: every character a boundary
        "bangs.txt": "!" * 100_000 + " word " * 10,
        "items.txt": "\n".join("- " * 2_000 for _ in range(50)),
        "spaces.txt": "x" + " " * 100_000 + "y\n" + "\t" * 50_000,
    }
    write(tmp_path, {**hostile, "copy.txt": "a." * 50_000})
    run = cli(".", "--format", "json")
    assert run.code == 1
    assert [sorted(m["path"] for m in c["members"]) for c in run.json()["clusters"]] == [
        ["copy.txt", "dots.txt"]
    ]


def test_b37_many_near_variants_do_not_make_every_pair_a_candidate(tmp_path: Path) -> None:
    words = PROSE.split()
    variants = []
    for i in range(400):
        changed = list(words)
        changed[i % len(words)] = f"variant{i}"
        variants.append(" ".join(changed))
    write(tmp_path, {"v.txt": "\n\n".join(variants)})
    report = scan([str(tmp_path)], Config(root=tmp_path))
    assert [len(c.members) for c in report.clusters] == [400]
    assert report.stats.candidate_pairs < 400 * 399 // 2 // 4  # capped LSH buckets
    [warning] = report.warnings  # one per scan, however many buckets were capped
    assert warning.path == "v.txt"
    assert "candidate bucket(s) held more than 64 texts" in warning.message


def test_b37_capped_buckets_warn_on_stderr_and_in_json(tmp_path: Path, cli: Cli) -> None:
    words = PROSE.split()
    variants = [" ".join([*words, f"tail{i}"]) for i in range(70)]  # one sentence in 70 texts
    write(tmp_path, {"few.txt": "\n\n".join(variants[:60]), "more.txt": "\n\n".join(variants)})
    data = cli("few.txt", "--format", "json").json()
    assert data["warnings"] == []  # 60 texts: under the cap, every pair is a candidate
    run = cli("more.txt", "--format", "json")
    [warning] = run.json()["warnings"]
    count = int(warning["message"].split()[0])
    assert warning["path"] == "more.txt" and count >= 2  # LSH bands and the shared sentence
    assert f"dedup: warning: more.txt: {count} candidate bucket(s)" in run.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[tool.dedup\n", "not valid TOML"),
        (b"[tool.dedup]\nmin-words = '\xff'\n", "not UTF-8"),
        (b"[tool.dedup]\nthreshhold = 0.5\n", "unknown key 'threshhold'"),
        (b"[tool.dedup]\nmin-words = 'five'\n", "min_words must be a whole number"),
        (b"[tool.dedup]\nnear-threshold = nan\n", "near_threshold must be between"),
        (b"[tool.dedup]\nfail-on = ['exakt']\n", "unknown kind 'exakt'"),
        (b"[tool.dedup]\nexclude = ['\\']\n", "exclude"),
        (b"[tool]\ndedup = 3\n", "[tool.dedup] must be a table"),
    ],
)
def test_b39_malformed_settings_exit_2_and_name_the_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str
) -> None:
    write(tmp_path, {"pyproject.toml": content, "a.txt": PROSE})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    for args in (["a.txt"], ["a.txt", "--config", "pyproject.toml"]):
        result = dedup_cli(args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def dedup_cli(args: list[str]) -> Any:
    from click.testing import CliRunner

    return CliRunner().invoke(dedup.cli.main, ["scan", *args])


def test_b39_a_pyproject_whose_tool_is_not_a_table_has_no_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # found by fuzz_config: `tool = 9` crashed with AttributeError (an internal error)
    write(tmp_path, {"pyproject.toml": "tool = 9\n", "a.txt": PROSE})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    for args in (["a.txt"], ["a.txt", "--config", "pyproject.toml"]):
        result = dedup_cli(args)
        assert result.exit_code == 0, result.output


def test_b39_a_missing_or_folder_config_path_exits_2(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"a.txt": PROSE, "conf/x": ""})
    for target in ("missing.toml", "conf"):
        run = cli("a.txt", "--config", target)
        assert run.code == 2
        assert "--config" in run.stderr


def test_b41_a_closed_pipe_stops_quietly_and_keeps_the_verdict(tmp_path: Path) -> None:
    write(tmp_path, {f"f{i}.txt": PROSE for i in range(300)})
    command = [sys.executable, "-m", "dedup", "scan", "--isolated", ".", "--format", "json"]
    child = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # like `| head` exiting before the report is written
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=60) == 1  # the gate's code, not 0 and not a crash
    assert stderr == ""


def test_b41_a_failed_report_write_exits_2_and_leaves_no_partial_file(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.txt": PROSE})
    missing = cli("a.txt", "--format", "json", "-o", "no/such/dir/r.json")
    assert missing.code == 2
    assert "cannot write no/such/dir/r.json" in missing.stderr

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    full = cli("a.txt", "--format", "json", "-o", "r.json")
    assert full.code == 2
    assert "No space left on device" in full.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temporary file left


def test_b42_no_terminal_means_no_colour_and_stdin_is_never_read(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.txt": PROSE, "b.txt": PROSE})
    child = subprocess.run(  # stdin is an open pipe that never ends: reading it would hang
        [sys.executable, "-m", "dedup", "scan", "--isolated"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 1
    assert b"\x1b[" not in child.stdout + child.stderr
    assert "\x1b[" in cli(".", "--color", "always").stdout
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in cli(".").stdout
    assert "\x1b[" not in cli(".", "--color", "never").stdout


def test_b43_the_json_report_is_byte_identical_across_seeds_workers_and_order(
    tmp_path: Path,
) -> None:
    edited = PROSE.replace("Tuesday", "Wednesday")
    write(
        tmp_path,
        {
            "b/one.txt": f"{PROSE}\n\n{OTHER}\n",
            "a/two.md": f"# Title\n\n{edited}\n",
            "c.txt": f"{OTHER}\n\n{PROSE}\n",
            "d.txt": "Short.\n\nShort.\n",
        },
    )
    base = ["scan", "--isolated", "--format", "json"]
    outputs = {
        run_process([*base, *args], tmp_path, env={"PYTHONHASHSEED": seed}).stdout
        for seed, args in (
            ("0", [".", "-j", "1"]),
            ("1", ["d.txt", "c.txt", "b", "a", "-j", "2"]),  # the process pool, on a small input
            ("2", ["a", "c.txt", "d.txt", "b"]),
        )
    }
    assert len(outputs) == 1
    assert '"clusters": [' in outputs.pop()
