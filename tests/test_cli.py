"""``dedup scan`` through click's CliRunner: every option, its exit code and its exact output.

Bad input (encodings, unreadable or vanishing files, FIFOs, symlink loops) and the identity of
reports across hash seeds and worker counts are tested in the bad-input and property tests.
"""

from __future__ import annotations

import gc
import io
import json
import os
import re
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import jsonschema
import pytest
from click.testing import CliRunner, Result
from conftest import write
from rich.console import Console

from dedup import __version__, cli
from dedup.cli import _finish, main
from dedup.errors import ExitCode
from dedup.reporters.json_report import schema

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
# A fixed width and no colour variables from the caller's environment (None unsets).
ENV: dict[str, str | None] = {"COLUMNS": "100", "NO_COLOR": None, "FORCE_COLOR": None}
PROSE = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)
TIME = re.compile(r" · \d+\.\d\d s$", re.MULTILINE)
COLOUR = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-7]|9[0-7]|38;[25])[;\dm]")


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={**ENV, **(env or {})}, prog_name="dedup")


def untimed(text: str) -> str:
    return TIME.sub(" · TIME", text)


def valid(text: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(text)
    jsonschema.Draft202012Validator(schema()).validate(data)
    return data


def golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8")


def clusters(text: str) -> list[tuple[str, list[tuple[str, int]]]]:
    """(kind, [(path, start_line)]) of each cluster of a JSON report."""
    data = valid(text)
    return [
        (c["kind"], [(m["path"], m["start_line"]) for m in c["members"]])
        for c in data["clusters"]  # type: ignore[attr-defined]
    ]


def summary(result: Result) -> str:
    return untimed(result.stdout.splitlines()[-1])


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    return REPO


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository (``.git`` marks its root, so no settings file above it is read)."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- the default run, --format, --output ---------------------------------------------------


def test_default_scan_prints_the_golden_report_and_exits_1(in_repo: Path) -> None:
    result = run("scan", "samples")
    assert result.exit_code == 1
    assert untimed(result.stdout) == golden("samples.console.txt")
    assert result.stderr == ""


def test_summary_line_counts_files_paragraphs_clusters_by_kind_and_time(in_repo: Path) -> None:
    last = run("scan", "samples").stdout.splitlines()[-1]
    assert re.fullmatch(
        r"4 clusters \(3 exact, 1 reworded\) in 3 files, 44 paragraphs "
        r"\(1 short: exact matching only\) · \d+\.\d\d s",
        last,
    )


def test_no_paths_scans_the_current_folder(in_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO / "samples")
    result = run("scan", "--root", str(REPO))
    assert result.exit_code == 1
    assert untimed(result.stdout) == golden("samples.console.txt")


def test_format_json_prints_the_golden_json(in_repo: Path) -> None:
    result = run("scan", "samples", "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == golden("samples.json")
    assert result.stderr == ""
    valid(result.stdout)


def test_format_console_is_the_default(in_repo: Path) -> None:
    result = run("scan", "samples", "--format", "console")
    assert untimed(result.stdout) == golden("samples.console.txt")


def test_unknown_format_is_a_usage_error(in_repo: Path) -> None:
    result = run("scan", "samples", "--format", "yaml")
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'yaml' is not one of" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("flag", ["-o", "--output"])
def test_output_writes_the_file_atomically_and_stdout_stays_empty(
    in_repo: Path, tmp_path: Path, flag: str
) -> None:
    out = tmp_path / "r.json"
    old_mask = os.umask(0o022)
    try:
        result = run("scan", "samples", "--format", "json", flag, str(out))
    finally:
        os.umask(old_mask)
    assert result.exit_code == 1
    assert (result.stdout, result.stderr) == ("", "")
    assert out.read_text(encoding="utf-8") == golden("samples.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no temporary file left
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # as a plain open() would make it


def test_output_replaces_an_old_report_keeping_its_mode(in_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.txt"
    out.write_text("old report\n")
    out.chmod(0o600)
    result = run("scan", "samples", "-o", str(out))
    assert result.exit_code == 1
    assert untimed(out.read_text(encoding="utf-8")).startswith("#1 reworded · 2 copies")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def _tiny_file_size_limit() -> None:
    """In the child only: writes beyond 64 bytes fail with EFBIG, as on a full disk (root too)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def test_a_failed_write_leaves_the_old_report_intact_and_no_temp_file(
    in_repo: Path, tmp_path: Path
) -> None:
    # A child process: the limit would also stop pytest writing its own log to a file.
    out = tmp_path / "r.json"
    out.write_text("old report\n")
    result = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", "samples", "--format", "json", "-o", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=_tiny_file_size_limit,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == f"dedup: error: cannot write {out}: File too large\n"
    assert out.read_text() == "old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_output_into_a_missing_folder_is_an_error(in_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "r.json"
    result = run("scan", "samples", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: cannot write {out}: No such file or directory\n"
    assert not (tmp_path / "no").exists()


def test_output_through_a_link_to_a_device_writes_it_and_keeps_the_link(
    in_repo: Path, tmp_path: Path
) -> None:
    link = tmp_path / "out"
    link.symlink_to(os.devnull)
    result = run("scan", "samples", "--output", str(link))
    assert result.exit_code == 1
    assert link.is_symlink() and os.readlink(link) == os.devnull
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# --- the gate: --exit-zero, --fail-on, --fail-similarity ---------------------------------------


def test_exit_zero_reports_the_same_and_exits_0(in_repo: Path) -> None:
    result = run("scan", "samples", "--exit-zero")
    assert result.exit_code == 0
    assert untimed(result.stdout) == golden("samples.console.txt")


def test_exit_zero_never_hides_an_error(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": PROSE, "b.txt": PROSE})
    (in_tmp / "broken").symlink_to(in_tmp / "gone.txt")
    result = run("scan", ".", "--follow", "--exit-zero")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith("dedup: broken: broken symbolic link")
    assert summary(result).endswith(", 1 error · TIME")
    assert run("scan", ".", "--follow").exit_code == 2  # an error wins over findings


@pytest.mark.parametrize(
    ("kinds", "code"),
    [
        ("all", 1),
        ("exact", 1),
        ("reworded", 1),
        ("near,contained", 0),
        ("near, reworded", 1),
        ("none", 0),
    ],
)
def test_fail_on_chooses_the_kinds_that_fail(in_repo: Path, kinds: str, code: int) -> None:
    result = run("scan", "samples", "--fail-on", kinds)
    assert result.exit_code == code
    assert untimed(result.stdout) == golden("samples.console.txt")  # the report is the same


@pytest.mark.parametrize("kinds", ["bogus", "exact,similar"])
def test_fail_on_an_unknown_kind_is_an_error_naming_it(in_repo: Path, kinds: str) -> None:
    result = run("scan", "samples", "--fail-on", kinds)
    assert result.exit_code == 2
    bad = kinds.split(",")[-1]
    assert result.stderr == (
        f"dedup: error: --fail-on: unknown kind '{bad}'; "
        "use any of contained, exact, near, reworded, or all, none\n"
    )
    assert result.stdout == ""


def test_fail_on_nothing_by_accident_is_an_error(in_repo: Path) -> None:
    result = run("scan", "samples", "--fail-on", ",")
    assert result.exit_code == 2
    assert result.stderr == "dedup: error: --fail-on names no kind; to fail on nothing, say none\n"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--fail-similarity", "0"], 1),
        (["--fail-similarity", "0.2718"], 1),  # the reworded cluster's weakest link: at the gate
        (["--fail-similarity", "0.28", "--fail-on", "reworded"], 0),
        (["--fail-similarity", "0.28"], 1),  # the exact clusters (1.0) still fail
        (["--fail-similarity", "1"], 1),
    ],
)
def test_fail_similarity_is_a_lower_bound_on_the_weakest_link(
    in_repo: Path, args: list[str], code: int
) -> None:
    assert run("scan", "samples", *args).exit_code == code


def test_fail_similarity_out_of_range_is_a_usage_error(in_repo: Path) -> None:
    result = run("scan", "samples", "--fail-similarity", "1.5")
    assert result.exit_code == 2
    assert "Invalid value for '--fail-similarity': 1.5 is not in the range 0<=x<=1." in (
        result.stderr
    )


# --- which paragraphs match: --min-words and the thresholds ------------------------------------

SIX = "Seven ravens circled the old mill"  # and a seventh word


def test_min_words_makes_shorter_paragraphs_exact_only(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": SIX + " today.\n", "b.txt": SIX + " yesterday.\n"})
    found = run("scan", ".", "--format", "json")
    assert found.exit_code == 1
    assert clusters(found.stdout) == [("near", [("a.txt", 1), ("b.txt", 1)])]
    result = run("scan", ".", "--min-words", "8")
    assert result.exit_code == 0
    assert summary(result) == (
        "0 clusters in 2 files, 2 paragraphs (2 short: exact matching only) · TIME"
    )
    assert run("scan", ".", "--min-words", "0").exit_code == 2


def test_short_paragraphs_still_match_exactly(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": "Seven ravens.\n", "b.txt": "seven RAVENS\n"})
    result = run("scan", ".", "--format", "json", "--min-words", "8")
    assert result.exit_code == 1
    assert clusters(result.stdout) == [("exact", [("a.txt", 1), ("b.txt", 1)])]


def test_near_threshold(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": PROSE, "b.txt": PROSE.replace("Tuesday", "Wednesday")})
    result = run("scan", ".")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "#1 near · 2 copies · similarity 0.96"
    assert summary(result) == (
        "1 cluster (1 near) in 2 files, 2 paragraphs (0 short: exact matching only) · TIME"
    )
    stricter = run("scan", ".", "--near-threshold", "0.97", "--no-reworded")
    assert stricter.exit_code == 0
    assert summary(stricter).startswith("0 clusters in 2 files")


LONGER = (
    PROSE.replace("long", "lengthy")
    + " The mayor welcomed the decision and promised to open the wing next spring. Builders are"
    " expected to start work in March, once the planning office has approved the drawings."
)


def test_contained_threshold(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": PROSE, "b.txt": LONGER})
    found = run("scan", ".", "--format", "json")
    assert found.exit_code == 1
    assert clusters(found.stdout) == [("contained", [("a.txt", 1), ("b.txt", 1)])]
    link = valid(found.stdout)["clusters"][0]["links"][0]  # type: ignore[index]
    assert link == {"a": 0, "b": 1, "inner": 0, "kind": "contained", "similarity": 0.9615}
    stricter = run("scan", ".", "--format", "json", "--contained-threshold", "0.97")
    assert [kind for kind, _ in clusters(stricter.stdout)] == ["reworded"]
    none = run("scan", ".", "--contained-threshold", "0.97", "--no-reworded")
    assert none.exit_code == 0


def test_reworded_threshold_and_no_reworded(in_repo: Path) -> None:
    by_kind = {
        "default": "4 clusters (3 exact, 1 reworded)",
        "--reworded-threshold=0.28": "3 clusters (3 exact)",
        "--no-reworded": "3 clusters (3 exact)",
        "--reworded-threshold=0.2": "6 clusters (3 exact, 3 reworded)",  # samples/README.md
    }
    for flag, expected in by_kind.items():
        args = ["scan", "samples"] + ([flag] if flag != "default" else [])
        result = run(*args)
        assert result.exit_code == 1
        assert summary(result).startswith(expected + " in 3 files, 44 paragraphs"), flag


@pytest.mark.parametrize(
    "flag", ["--near-threshold", "--contained-threshold", "--reworded-threshold"]
)
def test_thresholds_out_of_range_are_usage_errors(in_repo: Path, flag: str) -> None:
    result = run("scan", "samples", flag, "-0.1")
    assert result.exit_code == 2
    assert f"Invalid value for '{flag}'" in result.stderr


# --- which files: --exclude, --hidden, --no-ignore, --follow, --max-file-size, -v ----------------


def scanned(*args: str) -> list[str]:
    result = run("scan", *args, "--format", "json")
    return valid(result.stdout)["files_scanned"]  # type: ignore[return-value]


def test_exclude_is_repeatable_and_gitignore_style(in_tmp: Path) -> None:
    names = ["a.txt", "b.md", "build/c.txt", "docs/d.txt"]
    write(in_tmp, dict.fromkeys(names, PROSE))
    assert scanned(".") == names
    assert scanned(".", "--exclude", "*.md") == ["a.txt", "build/c.txt", "docs/d.txt"]
    assert scanned(".", "--exclude", "build/", "--exclude", "/docs") == ["a.txt", "b.md"]


def test_exclude_everything_is_an_error_with_a_hint(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": PROSE})
    result = run("scan", ".", "--exclude", "*.txt")
    assert result.exit_code == 2
    assert result.stderr == (
        "dedup: error: no files were scanned; a filter may exclude them "
        "(see --hidden, --no-ignore, --exclude; -v lists skipped files)\n"
    )
    assert summary(result) == (
        "0 clusters in 0 files, 0 paragraphs (0 short: exact matching only) · TIME"
    )


def test_hidden(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": PROSE, ".b.txt": PROSE, ".notes/c.txt": PROSE})
    assert run("scan", ".").exit_code == 0
    assert scanned(".", "--hidden") == [".b.txt", ".notes/c.txt", "a.txt"]
    assert run("scan", ".", "--hidden").exit_code == 1


def test_no_ignore(in_tmp: Path) -> None:
    write(in_tmp, {".gitignore": "b.txt\n", "a.txt": PROSE, "b.txt": PROSE})
    (in_tmp / ".git" / "info").mkdir()
    (in_tmp / ".git" / "info" / "exclude").write_text("c.txt\n")
    write(in_tmp, {"c.txt": PROSE})
    assert scanned(".") == ["a.txt"]
    assert scanned(".", "--no-ignore") == ["a.txt", "b.txt", "c.txt"]
    assert run("scan", ".", "--no-ignore").exit_code == 1


def test_follow(in_tmp: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = write(tmp_path_factory.mktemp("outside"), {"b.txt": PROSE, "d/c.txt": PROSE})
    write(in_tmp, {"a.txt": PROSE})
    (in_tmp / "link.txt").symlink_to(outside / "b.txt")
    (in_tmp / "dir").symlink_to(outside / "d")
    assert scanned(".") == ["a.txt"]
    assert scanned(".", "--follow") == ["a.txt", "dir/c.txt", "link.txt"]
    assert run("scan", ".", "--follow").exit_code == 1


def test_max_file_size_skips_larger_files_and_verbose_lists_them(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": PROSE, "b.txt": PROSE + "\n\n" + PROSE.upper()})
    limit = str(len(PROSE) + 10)
    result = run("scan", ".", "--max-file-size", limit)
    assert result.exit_code == 0
    assert summary(result) == (
        "0 clusters in 1 file, 1 paragraph (0 short: exact matching only), 1 file skipped · TIME"
    )
    assert "dedup: skipped" not in result.stderr
    verbose = run("scan", ".", "--max-file-size", limit, "-v")
    skipped = f"dedup: skipped b.txt: too large (over {limit} bytes; raise max-file-size)"
    assert skipped in verbose.stderr.splitlines()
    assert run("scan", ".", "--max-file-size", limit, "--verbose").stderr == verbose.stderr
    assert run("scan", ".", "--max-file-size", "0").exit_code == 2


def test_verbose_lists_skipped_files_on_stderr_only(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": PROSE, "b.txt": PROSE, "logo.png": b"\x89PNG\x00\x01"})
    quiet = run("scan", ".")
    assert quiet.stderr == ""
    verbose = run("scan", ".", "--verbose")
    assert verbose.stderr == "dedup: skipped logo.png: binary (contains NUL bytes)\n"
    assert untimed(verbose.stdout) == untimed(quiet.stdout)
    assert verbose.exit_code == quiet.exit_code == 1


# --- execution and paths: -j, --root ----------------------------------------------------------


@pytest.mark.parametrize("flag", ["-j", "--jobs"])
def test_jobs(in_repo: Path, flag: str) -> None:
    result = run("scan", "samples", flag, "2", "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == golden("samples.json")
    assert run("scan", "samples", flag, "-1").exit_code == 2


def test_root_makes_paths_relative_to_it(in_repo: Path) -> None:
    result = run("scan", "samples", "--root", "samples", "--format", "json")
    assert result.exit_code == 1
    data = valid(result.stdout)
    assert data["files_scanned"] == [
        "000_ee18bd951d049419.txt",
        "004_e6a5073a7b3a0431.txt",
        "README.md",
    ]
    first = run("scan", "samples", "--root", "samples").stdout.splitlines()[1]
    assert first == "  1. 000_ee18bd951d049419.txt:8"
    missing = run("scan", "samples", "--root", "no/such/dir")
    assert missing.exit_code == 2
    assert "Invalid value for '--root': Directory 'no/such/dir' does not exist." in missing.stderr


# --- settings: --config, --isolated, [tool.dedup] -----------------------------------------------


def test_config_file_settings_and_flags_win(in_tmp: Path) -> None:
    write(
        in_tmp,
        {
            "a.txt": PROSE,
            "b.txt": PROSE,
            "conf/dedup.toml": 'fail-on = "none"\nexclude = ["c.txt"]\n',
            "c.txt": PROSE,
        },
    )
    assert run("scan", ".").exit_code == 1
    assert run("scan", ".", "--config", "conf/dedup.toml").exit_code == 0  # fail-on none
    files = scanned(".", "--config", "conf/dedup.toml")
    assert {"a.txt", "b.txt"} <= set(files)
    assert "c.txt" not in files  # excluded by the file
    assert run("scan", ".", "--config", "conf/dedup.toml", "--fail-on", "exact").exit_code == 1


def test_config_pyproject_table(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": PROSE, "x/pyproject.toml": "[tool.dedup]\nhidden = 1\n"})
    result = run("scan", ".", "--config", "x/pyproject.toml")
    assert result.exit_code == 2
    assert result.stderr == (
        "dedup: error: x/pyproject.toml: hidden must be true or false, got 1\n"
    )


def test_config_unknown_key_is_an_error_naming_it(in_tmp: Path) -> None:
    write(in_tmp, {"a.txt": PROSE, "dedup.toml": "fail-similarty = 0.5\n"})
    result = run("scan", "a.txt", "--config", "dedup.toml")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "dedup: error: dedup.toml: unknown key 'fail-similarty' in [tool.dedup]; known keys: "
    )
    assert result.stdout == ""


def test_config_missing_file_is_a_usage_error(in_tmp: Path) -> None:
    result = run("scan", ".", "--config", "nope.toml")
    assert result.exit_code == 2
    assert "Invalid value for '--config': File 'nope.toml' does not exist." in result.stderr


def test_nearest_pyproject_is_read_and_isolated_ignores_every_settings_file(in_tmp: Path) -> None:
    write(
        in_tmp,
        {
            "pyproject.toml": '[tool.dedup]\nfail-on = "none"\n',
            "dedup.toml": 'fail-on = "none"\n',
            "docs/a.txt": PROSE,
            "docs/b.txt": PROSE,
        },
    )
    os.chdir(in_tmp / "docs")  # found by searching upwards
    assert run("scan", ".").exit_code == 0
    assert run("scan", ".", "--isolated").exit_code == 1
    assert run("scan", ".", "--isolated", "--config", "../dedup.toml").exit_code == 1


# --- colour, progress -------------------------------------------------------------------------


def test_color_always_and_never(in_repo: Path) -> None:
    always = run("scan", "samples", "--color", "always")
    assert COLOUR.search(always.stdout)
    assert untimed(re.sub(r"\x1b\[[\d;]*m", "", always.stdout)) == golden("samples.console.txt")
    never = run("scan", "samples", "--color", "never", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in never.stdout
    assert "\x1b[" not in run("scan", "samples").stdout  # auto, and not a terminal
    assert run("scan", "samples", "--color", "blue").exit_code == 2


def test_a_report_file_never_has_colour(in_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.txt"
    result = run("scan", "samples", "--color", "always", "-o", str(out))
    assert result.exit_code == 1
    assert untimed(out.read_text(encoding="utf-8")).endswith(
        golden("samples.console.txt").splitlines()[-1] + "\n"
    )
    assert "\x1b[" not in out.read_text(encoding="utf-8")


def test_force_color_and_no_color(in_repo: Path) -> None:
    assert COLOUR.search(run("scan", "samples", env={"FORCE_COLOR": "1"}).stdout)
    # the flag beats the environment
    assert COLOUR.search(run("scan", "samples", "--color", "always", env={"NO_COLOR": "1"}).stdout)


def test_no_color_on_a_real_terminal(in_repo: Path) -> None:
    """NO_COLOR only matters on a terminal: run ``python -m dedup`` on a pseudo-terminal."""

    def on_a_terminal(no_color: str) -> bytes:
        leader, follower = os.openpty()
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(COLUMNS="100", TERM="xterm-256color", NO_COLOR=no_color)
        try:
            code = subprocess.run(
                [sys.executable, "-m", "dedup", "scan", "samples", "--exit-zero"],
                stdout=follower,
                stderr=subprocess.DEVNULL,
                env=env,
                timeout=60,
                check=False,
            ).returncode
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the terminal was closed and is drained
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(leader)
        assert code == 0
        return b"".join(chunks)

    assert COLOUR.search(on_a_terminal("").decode())
    plain = on_a_terminal("1").decode()
    assert "Vasily Nebenzya" in plain
    assert not COLOUR.search(plain)


def test_no_progress_bar_when_stderr_is_not_a_terminal(in_repo: Path) -> None:
    assert run("scan", "samples", "--color", "always").stderr == ""


# --- errors, --debug, --version, --help ---------------------------------------------------------


def test_missing_paths_are_named_and_exit_2(in_repo: Path) -> None:
    result = run("scan", "samples", "no/such", "gone.txt")
    assert result.exit_code == 2
    assert result.stderr == (
        "dedup: error: no/such: no such file or folder; gone.txt: no such file or folder\n"
    )
    assert result.stdout == ""


def test_unknown_option_is_a_usage_error(in_repo: Path) -> None:
    result = run("scan", "samples", "--treshold", "0.5")
    assert result.exit_code == 2
    assert "No such option '--treshold'" in result.stderr


DEEP_TOML = "exclude = " + "[" * 5000 + "]" * 5000 + "\n"


def test_internal_error_is_one_line_and_debug_adds_the_traceback(in_tmp: Path) -> None:
    # Python's TOML parser recurses once per nested array: a real file it cannot parse.
    write(in_tmp, {"a.txt": PROSE, "dedup.toml": DEEP_TOML})
    result = run("scan", "a.txt", "--config", "dedup.toml")
    assert result.exit_code == 2
    assert re.fullmatch(
        r"dedup: internal error: RecursionError: maximum recursion depth exceeded[^\n]*"
        r" \(run with --debug for details\)\n",
        result.stderr,
    )
    debug = run("scan", "a.txt", "--config", "dedup.toml", "--debug")
    assert debug.exit_code == 2
    assert debug.stderr.startswith("Traceback (most recent call last):\n")
    assert "tomllib" in debug.stderr
    assert debug.stderr.endswith(result.stderr)


def test_debug_changes_nothing_without_an_internal_error(in_repo: Path) -> None:
    result = run("scan", "samples", "--debug")
    assert result.exit_code == 1
    assert (untimed(result.stdout), result.stderr) == (golden("samples.console.txt"), "")


def test_version() -> None:
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"dedup, version {__version__}\n")


def test_python_m_dedup(in_repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", "samples", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (1, golden("samples.json"), "")


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(flag: str) -> None:
    top = run(flag)
    assert top.exit_code == 0
    assert top.stdout.startswith("Usage: dedup [OPTIONS] COMMAND [ARGS]...\n")
    assert re.search(r"^  scan +Scan PATHS", top.stdout, re.MULTILINE)
    scan = run("scan", flag)
    assert scan.exit_code == 0
    assert scan.stdout.startswith("Usage: dedup scan [OPTIONS] [PATHS]...\n")
    assert "Exit status: 0 nothing at or above the gate, 1 repeats found, 2 error" in scan.stdout
    assert scan.stderr == ""


def _interrupt(*args: object, **kwargs: object) -> NoReturn:
    raise KeyboardInterrupt


@pytest.mark.parametrize("command", [["scan", "samples"], ["eval", "labels.jsonl", "samples"]])
def test_an_interrupt_exits_130_with_one_line_and_no_report(
    in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    # Ctrl-C arrives while the scan runs (our own scan function raises it, as Python would).
    monkeypatch.setattr("dedup.cli.run_scan", _interrupt)
    labels = tmp_path / "labels.jsonl"
    pair = {"a": {"path": "a.txt", "line": 1}, "b": {"path": "b.txt", "line": 1}, "label": 1}
    labels.write_text(json.dumps(pair) + "\n")
    out = tmp_path / "r.json"
    args = [a.replace("labels.jsonl", str(labels)) for a in command]
    result = run(*args, "--format", "json", "-o", str(out))
    assert result.exit_code == 130
    assert result.stderr == "dedup: interrupted; no report was written\n"
    assert not out.exists()


@pytest.mark.parametrize("cycles", [False, True])
def test_a_command_body_runs_without_the_cycle_collector_unless_asked(cycles: bool) -> None:
    """The local engine's scan and report run with reference counting alone; the Spark engine
    (whose py4j objects the collector frees) with the collector on."""
    seen: list[bool] = []

    def body() -> ExitCode:
        seen.append(gc.isenabled())
        return ExitCode.CLEAN

    with pytest.raises(SystemExit) as stopped:
        _finish(body, Console(file=io.StringIO()), debug=False, cycles=cycles)
    assert stopped.value.code == 0
    assert seen == [cycles]
    assert gc.isenabled()


def test_a_scan_of_plain_text_starts_without_the_other_formats_parsers(tmp_path: Path) -> None:
    """The Markdown, reStructuredText and HTML parsers and ``dedup eval``'s scoring are some
    40 ms of the start of every scan: imported only when a document or the command needs
    them."""
    write(tmp_path, {"a.txt": "One paragraph of plain text here.", "b.md": "# A title"})
    code = (
        "import sys; from dedup.cli import main; from click.testing import CliRunner; "
        "run = lambda *a: CliRunner().invoke(main, ['scan', '--isolated', *a]); "
        "lazy = ('markdown_it', 'docutils', 'dedup.formats.html', 'dedup.evaluate'); "
        "run(sys.argv[1]); print([m for m in lazy if m in sys.modules]); "
        "run(sys.argv[2]); print([m for m in lazy if m in sys.modules])"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "a.txt"), str(tmp_path / "b.md")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.splitlines() == ["[]", "['markdown_it', 'dedup.formats.html']"]


def test_as_the_command_it_ends_its_process_without_collecting_or_freeing(
    in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``dedup`` (``run``) leaves with ``os._exit`` once its output is flushed, the collector
    still off (its first run would walk every object of the report); called as a library, or
    on Spark, it exits as usual."""
    ended: list[tuple[int, bool]] = []

    def exit_now(code: int) -> NoReturn:
        ended.append((code, gc.isenabled()))
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", exit_now)
    plain = run("scan", "samples", "--format", "json")
    assert ended == []  # not the command: sys.exit, the collector on again
    monkeypatch.setattr(cli, "_AS_COMMAND", True)
    try:
        quick = run("scan", "samples", "--format", "json")
    finally:
        gc.enable()
    assert ended == [(1, False)]
    assert quick.exit_code == plain.exit_code == 1
    assert quick.stdout == plain.stdout == golden("samples.json")
