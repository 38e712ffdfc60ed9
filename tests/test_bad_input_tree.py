"""Bad input, part 2: the shape of the tree and the paths (CONVENTIONS.md section 1, B17-B33).

Permission errors are injected (the OS call the walker or reader uses is monkeypatched),
because CI runs as root, where file modes do not stop reads. Anything that could block (FIFOs,
sockets) runs in a child process with a timeout.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import socket
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import PROSE, Cli, run_process, write

import dedup.pipeline
import dedup.reader
import dedup.walk
from dedup.cli import main
from dedup.config import Config
from dedup.pipeline import scan
from dedup.reporters import REPORTERS
from dedup.walk import WalkResult
from dedup.walk import walk as real_walk


def members(data: dict[str, Any]) -> list[list[str]]:
    return [sorted({m["path"] for m in c["members"]}) for c in data["clusters"]]


def test_b17_a_tree_1200_folders_deep_is_walked(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "deep").mkdir()
    os.chdir(tmp_path / "deep")  # relative steps: each mkdir is O(1), not O(depth)
    for _ in range(1200):  # os.walk and Path.rglob hit RecursionError here on Python 3.11
        os.mkdir("d")
        os.chdir("d")
    Path("bottom.txt").write_text(PROSE)
    os.chdir(tmp_path)
    (tmp_path / "deep" / "top.txt").write_text(PROSE)
    try:
        run = cli("deep", "--format", "json")
    finally:  # shutil.rmtree recurses too: remove the tree bottom-up before pytest does
        os.chdir(tmp_path / "deep" / ("d/" * 1200))
        os.remove("bottom.txt")
        for _ in range(1200):
            os.chdir("..")
            os.rmdir("d")
        os.chdir(tmp_path)
    assert run.code == 1
    bottom = "deep/" + "d/" * 1200 + "bottom.txt"
    assert members(run.json()) == [sorted([bottom, "deep/top.txt"])]


def test_b17_max_depth_stops_the_walk_and_says_where(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"a.txt": PROSE, "d1/b.txt": PROSE, "d1/d2/c.txt": PROSE})

    def run(*flags: str) -> dict[str, Any]:
        return cli(".", "--format", "json", *flags).json()

    assert run("--max-depth", "1")["files_scanned"] == ["a.txt", "d1/b.txt"]
    shallow = run("--max-depth", "0")
    assert shallow["files_scanned"] == ["a.txt"]
    assert shallow["skipped"] == [{"path": "d1", "reason": "folder deeper than --max-depth 0"}]
    assert len(run()["files_scanned"]) == 3
    (tmp_path / "d.toml").write_text("max-depth = 1\n")
    settings = CliRunner().invoke(main, ["scan", "--config", "d.toml", "--format", "json"])
    assert json.loads(settings.stdout)["files_scanned"] == ["a.txt", "d1/b.txt"]
    (tmp_path / "d.toml").write_text("max-depth = -1\n")
    bad = CliRunner().invoke(main, ["scan", ".", "--config", "d.toml"])
    assert bad.exit_code == 2
    assert "max_depth must be between 0 and 1000000, got -1" in bad.stderr


def test_b17_the_walk_does_not_recurse(tmp_path: Path) -> None:
    folder = tmp_path
    for _ in range(150):
        folder = folder / "d"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(PROSE)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100)  # the CPython trick: a low limit instead of 1000+ folders
    try:
        files = dedup.walk.walk([str(tmp_path)], Config(root=tmp_path)).files
    finally:
        sys.setrecursionlimit(limit)
    assert len(files) == 1


def test_b18_a_symlink_loop_is_not_followed_by_default_and_an_error_with_follow(
    tmp_path: Path, cli: Cli
) -> None:
    write(tmp_path, {"d/a.txt": PROSE, "d/sub/b.txt": "Another paragraph that is prose too."})
    (tmp_path / "d" / "sub" / "up").symlink_to(tmp_path / "d")
    run = cli("d", "--format", "json")
    assert run.code == 0  # no self-duplicates from walking the loop
    assert run.json()["files_scanned"] == ["d/a.txt", "d/sub/b.txt"]
    followed = cli("d", "--format", "json", "--follow")
    assert followed.code == 2
    assert followed.json()["errors"] == [
        {"path": "d/sub/up", "message": "symbolic link loop: it points to a folder above it"}
    ]
    assert followed.json()["clusters"] == []


def test_b19_one_physical_file_is_scanned_once(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"docs/sub/a.txt": PROSE})
    os.link(tmp_path / "docs/sub/a.txt", tmp_path / "docs/hard.txt")
    (tmp_path / "docs" / "link.txt").symlink_to(tmp_path / "docs/sub/a.txt")
    for args in (
        ["docs", "docs/sub"],  # overlapping roots
        ["docs/sub", "docs"],
        ["docs/sub/a.txt", "docs/sub/a.txt", "docs"],  # the same file twice
        ["docs", "--follow"],  # a file symlink, followed
    ):
        run = cli(*args, "--format", "json")
        assert run.code == 0, args
        assert len(run.json()["files_scanned"]) == 1, args


def test_b20_a_broken_symlink_is_ignored_unless_followed(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"a.txt": PROSE})
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    assert cli(".").code == 0
    followed = cli(".", "--follow", "--format", "json")
    assert followed.code == 2
    assert followed.json()["errors"][0]["path"] == "gone.txt"
    assert "broken symbolic link" in followed.stderr


def _refuse(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, victim: str) -> None:
    """Make ``module.os.<name>`` raise PermissionError for paths ending in ``victim``."""
    real = getattr(os, name)

    def guarded(path: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(path).endswith(victim):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module.os, name, guarded)


def test_b21_an_unreadable_file_is_an_error_and_the_scan_goes_on(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.txt": PROSE, "b.txt": PROSE, "locked.txt": PROSE})
    _refuse(monkeypatch, dedup.reader, "open", "locked.txt")
    run = cli(".", "--format", "json")
    data = run.json()
    assert run.code == 2  # an error beats findings: a partial scan never passes as clean
    assert data["errors"] == [{"path": "locked.txt", "message": "cannot read: Permission denied"}]
    assert members(data) == [["a.txt", "b.txt"]]  # the findings are still reported
    assert "dedup: locked.txt: cannot read: Permission denied" in run.stderr
    assert cli(".", "--exit-zero").code == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_b21_an_unreadable_file_by_mode(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"a.txt": PROSE, "locked.txt": PROSE})
    (tmp_path / "locked.txt").chmod(0)
    assert cli(".").code == 2


def test_b22_an_unreadable_folder_is_an_error(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.txt": PROSE, "private/b.txt": PROSE, "public/c.txt": PROSE})
    _refuse(monkeypatch, dedup.walk, "scandir", "private")
    run = cli(".", "--format", "json")
    data = run.json()
    assert run.code == 2
    assert data["errors"] == [
        {"path": "private", "message": "cannot list folder: Permission denied"}
    ]
    assert data["files_scanned"] == ["a.txt", "public/c.txt"]


def _after_listing(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    """Run ``change()`` between the walk and the reading of the files."""

    def walk_then_change(*args: Any, **kwargs: Any) -> WalkResult:
        listed = real_walk(*args, **kwargs)
        change()
        return listed

    monkeypatch.setattr(dedup.pipeline, "walk", walk_then_change)


def test_b23_a_file_deleted_after_listing_is_an_error(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.txt": PROSE, "gone.txt": PROSE})
    _after_listing(monkeypatch, (tmp_path / "gone.txt").unlink)
    run = cli(".", "--format", "json")
    assert run.code == 2
    assert run.json()["errors"] == [{"path": "gone.txt", "message": "vanished during the scan"}]


def test_b23_a_path_argument_that_vanishes_after_the_check_is_an_error(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.txt": PROSE, "gone.txt": PROSE})
    real_check = dedup.walk._check_arguments

    def check_then_delete(paths: list[str]) -> None:
        real_check(paths)
        (tmp_path / "gone.txt").unlink()

    monkeypatch.setattr(dedup.walk, "_check_arguments", check_then_delete)
    run = cli("a.txt", "gone.txt", "--format", "json")
    assert run.code == 2
    assert run.json()["errors"][0]["path"] == "gone.txt"
    assert "vanished during the scan" in run.json()["errors"][0]["message"]


@pytest.mark.timeout(30)
def test_b24_a_file_replaced_by_a_folder_or_a_fifo_is_an_error(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.txt": PROSE, "dir.txt": PROSE, "fifo.txt": PROSE})

    def replace() -> None:
        (tmp_path / "dir.txt").unlink()
        (tmp_path / "dir.txt").mkdir()
        (tmp_path / "fifo.txt").unlink()
        os.mkfifo(tmp_path / "fifo.txt")  # opening it for reading must not block

    _after_listing(monkeypatch, replace)
    run = cli(".", "--format", "json")
    assert run.code == 2
    assert [e["path"] for e in run.json()["errors"]] == ["dir.txt", "fifo.txt"]
    assert all("no longer a regular file" in e["message"] for e in run.json()["errors"])


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "tree" / "s.sock"
    path.parent.mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    yield path
    server.close()


def test_b25_fifos_and_sockets_never_block(tmp_path: Path, unix_socket: Path) -> None:
    tree = unix_socket.parent
    write(tree, {"a.txt": PROSE})
    os.mkfifo(tree / "pipe")
    run = run_process(["scan", "--isolated", ".", "--format", "json"], tree, timeout=30)
    assert run.code == 0
    assert run.json()["skipped"] == [
        {"path": "pipe", "reason": "not a regular file"},
        {"path": "s.sock", "reason": "not a regular file"},
    ]
    explicit = run_process(["scan", "--isolated", "pipe", "a.txt"], tree, timeout=30)
    assert explicit.code == 2
    assert "pipe: not a regular file or folder" in explicit.stderr
    assert explicit.stdout == ""


def test_b26_every_missing_path_is_named_and_nothing_is_reported(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"a.txt": PROSE})
    run = cli("a.txt", "nope1", "sub/nope2", "--format", "json")
    assert run.code == 2
    assert "nope1: no such file or folder" in run.stderr
    assert "sub/nope2: no such file or folder" in run.stderr
    assert run.stdout == ""
    assert "Traceback" not in run.stderr


def test_b27_a_file_named_on_the_command_line_bypasses_the_filters(
    tmp_path: Path, cli: Cli
) -> None:
    write(tmp_path, {".hidden.txt": PROSE, "ignored.log": PROSE, ".gitignore": "*.log\n"})
    (tmp_path / ".git").mkdir()
    run = cli(".hidden.txt", "ignored.log", "--format", "json")
    assert run.json()["files_scanned"] == [".hidden.txt", "ignored.log"]
    assert run.code == 1


NAMES = [
    "with space.txt",
    "hash#and%percent.txt",
    "comma,colon:semi;.txt",
    "emoji \U0001f600.txt",
    unicodedata.normalize("NFD", "caf\u00e9.txt"),
    unicodedata.normalize("NFC", "caf\u00e9.txt"),
]


def test_b28_unicode_file_names_are_kept_exactly(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, dict.fromkeys(NAMES, PROSE))
    run = cli(".", "--format", "json")
    assert run.code == 1
    assert members(run.json()) == [sorted(NAMES)]  # NFC and NFD are two files, never merged
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    console = run_process(["scan", "--isolated", "."], tmp_path, strict)
    assert console.code == 1
    assert all(name in console.stdout for name in NAMES)


@pytest.mark.skipif(sys.platform == "darwin", reason="APFS rejects names that are not UTF-8")
def test_b29_file_names_that_are_not_utf8_never_crash_the_output(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"bad\xffname.txt")).write_text(PROSE)
    write(tmp_path, {"good.txt": PROSE, "x.png": b"\x00"})
    os.rename(tmp_path / "x.png", tmp_path / os.fsdecode(b"bin\xfe.png"))
    strict = {"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    run = run_process(["scan", "--isolated", ".", "--format", "json", "-v"], tmp_path, strict)
    assert run.code == 1, run.stderr
    data = run.json()  # valid UTF-8 JSON, no lone surrogates
    assert members(data) == [["bad\\xffname.txt", "good.txt"]]
    assert data["skipped"] == [{"path": "bin\\xfe.png", "reason": "binary (contains NUL bytes)"}]
    assert "skipped bin\\xfe.png" in run.stderr
    console = run_process(["scan", "--isolated", "."], tmp_path, strict)
    assert console.code == 1
    assert "bad\\xffname.txt:1" in console.stdout
    assert "Traceback" not in console.stderr + run.stderr


def test_b29_path_bytes_tell_a_bad_byte_from_a_literal_backslash_x(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"bad\xffname.txt")).write_text(PROSE)
    write(tmp_path, {"bad\\xffname.txt": PROSE, "x.png": b"\x00"})  # the name holds \ x f f
    os.rename(tmp_path / "x.png", tmp_path / os.fsdecode(b"bin\xfe.png"))
    run = run_process(["scan", "--isolated", ".", "--format", "json", "-v"], tmp_path)
    data = run.json()  # checked against the schema
    [cluster] = data["clusters"]
    # the same escaped text for both names; only the real byte carries path_bytes
    assert [m["path"] for m in cluster["members"]] == ["bad\\xffname.txt"] * 2
    raw = [m.get("path_bytes") for m in cluster["members"]]
    assert set(raw) == {base64.b64encode(b"bad\xffname.txt").decode(), None}
    assert data["path_bytes"] == {
        "bad\\xffname.txt": base64.b64encode(b"bad\xffname.txt").decode(),
        "bin\\xfe.png": base64.b64encode(b"bin\xfe.png").decode(),
    }
    plain = run_process(["scan", "--isolated", "bad\\xffname.txt", "--format", "json"], tmp_path)
    assert "path_bytes" not in plain.json()  # only where needed


def test_b30_a_newline_in_a_file_name_cannot_forge_output_lines(tmp_path: Path, cli: Cli) -> None:
    name = "evil\n  2. forged.txt:1\x1b[31m.txt"
    write(tmp_path, {name: PROSE, "a.txt": PROSE})
    data = cli(".", "--format", "json").json()
    assert members(data) == [sorted(["a.txt", name])]  # JSON keeps the name exactly
    console = cli(".", "--color", "never").stdout
    assert "evil\\n  2. forged.txt:1\\x1b[31m.txt:1" in console
    assert "\x1b" not in console
    assert not any(line.startswith("  2. forged") for line in console.splitlines())


def test_b31_hidden_entries_and_vcs_folders_are_skipped(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"a.txt": PROSE, ".cache/b.txt": PROSE, ".git/c.txt": PROSE, ".d.txt": PROSE})
    assert cli(".", "--format", "json").json()["files_scanned"] == ["a.txt"]
    shown = cli(".", "--format", "json", "--hidden").json()["files_scanned"]
    assert shown == [".cache/b.txt", ".d.txt", "a.txt"]  # never .git


@pytest.mark.timeout(30)
def test_b32_ignore_files_invalid_patterns_and_no_ignore(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {".gitignore": "\\\n*.log\n", "a.txt": PROSE, "b.log": PROSE})
    run = cli(".", "--format", "json")  # the invalid pattern is skipped, as git does
    assert run.code == 0
    assert run.json()["files_scanned"] == ["a.txt"]
    assert cli(".", "--format", "json", "--no-ignore").json()["files_scanned"] == [
        "a.txt",
        "b.log",
    ]
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "sub" / ".gitignore")  # read non-blocking: no hang
    assert cli(".").code == 0


def test_b32_ignore_and_dedupignore_precedence(tmp_path: Path, cli: Cli) -> None:
    files: dict[str, str | bytes] = dict.fromkeys(
        ("a.txt", "b.log", "c.log", "d.md", "sub/e.md"), PROSE
    )
    write(tmp_path, files)
    write(tmp_path, {".gitignore": "*.log\n", ".ignore": "!b.log\n*.md\n"})
    write(tmp_path, {".dedupignore": "c.log\n!d.md\n", "sub/.gitignore": "!e.md\n"})

    def scanned(*flags: str) -> list[str]:
        return list(cli(".", "--format", "json", *flags).json()["files_scanned"])

    # .ignore beats .gitignore (b.log back), .dedupignore beats both (d.md back, c.log out),
    # and the deeper .gitignore beats the parent's .ignore (sub/e.md back).
    assert scanned() == ["a.txt", "b.log", "d.md", "sub/e.md"]
    assert scanned("--no-ignore") == ["a.txt", "b.log", "c.log", "d.md", "sub/e.md"]


def test_b33_the_report_being_written_is_not_scanned(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, {"a.txt": PROSE, "b.txt": PROSE})
    for _ in range(2):
        assert cli(".", "--format", "json", "-o", "out.json").code == 1
    again = json.loads((tmp_path / "out.json").read_text())
    assert again["files_scanned"] == ["a.txt", "b.txt"]
    assert {"path": "out.json", "reason": "dedup's own report or settings file"} in again["skipped"]
    console = cli(".", "-o", "out.txt")
    assert cli(".", "-o", "out.txt").code == console.code == 1
    assert "out.txt" not in (tmp_path / "out.txt").read_text().split("clusters")[0]


def test_b33_stdout_redirected_into_the_tree_is_not_scanned(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": PROSE, "b.txt": PROSE})
    command = [sys.executable, "-m", "dedup", "scan", "--isolated", ".", "--format", "json"]
    with (tmp_path / "r.json").open("w") as out:  # what `dedup scan . > r.json` does
        done = subprocess.run(command, cwd=tmp_path, stdout=out, timeout=60, check=False)
    assert done.returncode == 1
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["files_scanned"] == ["a.txt", "b.txt"]
    assert {"path": "r.json", "reason": "dedup's own report or settings file"} in data["skipped"]


def test_b33_the_settings_file_is_not_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.txt": PROSE, "dedup.toml": f'# {PROSE}\nexclude = ["*.md"]\n'})
    report = scan([str(tmp_path)], Config(root=tmp_path), avoid=[tmp_path / "dedup.toml"])
    assert report.files_scanned == ("a.txt",)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["scan", ".", "--config", "dedup.toml", "--format", "json"])
    assert json.loads(result.stdout)["files_scanned"] == ["a.txt"]


@pytest.mark.skipif(sys.platform == "darwin", reason="APFS rejects names that are not UTF-8")
@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_b29_b30_every_report_format_survives_hostile_file_names(
    tmp_path: Path, cli: Cli, fmt: str
) -> None:
    (tmp_path / os.fsdecode(b"bad\xffname.txt")).write_text(PROSE)
    write(tmp_path, {"new\nline,colon:%.txt": PROSE, "good.txt": PROSE})
    run = cli(".", "--format", fmt, "-o", f"report.{fmt}")
    assert run.code == 1, run.stderr
    assert "internal error" not in run.stderr
    written = (tmp_path / f"report.{fmt}").read_bytes()
    written.decode("utf-8")  # valid UTF-8 whatever the names
    assert b"\xff" not in written
