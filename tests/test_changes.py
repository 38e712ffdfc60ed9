"""--changed-since and --staged: the whole tree is indexed, clusters on changed lines reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dedup.changes import Changes, changed_lines, parse_diff
from dedup.cli import main
from dedup.errors import ExitCode
from dedup.models import Member

OLD = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)
LEGACY = (
    "Heavy rain over the weekend flooded the lower town, closing the bridge and two schools "
    "while volunteers filled sandbags along the river bank."
)


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed tree with an accepted-looking repeat (LEGACY twice) and OLD once."""
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "old.md").write_text(f"# Old\n\n{OLD}\n\n{LEGACY}\n")
    (tmp_path / "docs" / "legacy.txt").write_text(f"{LEGACY}\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "start")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def scan_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["scan", "docs", "--format", "json", *args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}


def paths(data: dict[str, Any]) -> list[set[str]]:
    return [{m["path"] for m in c["members"]} for c in data["clusters"]]


def test_an_untracked_copy_of_an_unchanged_file_is_caught(repo: Path) -> None:
    code, data = scan_json("--changed-since", "HEAD")
    assert code == ExitCode.CLEAN
    assert data["clusters"] == [] and data["stats"]["clusters_outside_changes"] == 1
    (repo / "docs" / "new.txt").write_text(f"Fresh intro.\n\n{OLD}\n")
    code, data = scan_json("--changed-since", "HEAD")
    assert code == ExitCode.FINDINGS
    assert paths(data) == [{"docs/new.txt", "docs/old.md"}]
    assert data["clusters"][0]["id"] == 1
    assert data["stats"]["clusters_outside_changes"] == 1
    code, data = scan_json()
    assert len(data["clusters"]) == 2  # without the option, both clusters


def test_an_edited_line_in_a_tracked_file_and_staged_mode(repo: Path) -> None:
    git(repo, "checkout", "-qb", "topic")
    legacy = repo / "docs" / "legacy.txt"
    legacy.write_text(f"{LEGACY}\n\nA new paragraph:\n\n{OLD}\n")
    code, data = scan_json("--changed-since", "main")
    assert code == ExitCode.FINDINGS
    assert paths(data) == [{"docs/legacy.txt", "docs/old.md"}]
    code, data = scan_json("--staged")
    assert code == ExitCode.CLEAN and data["stats"]["clusters_outside_changes"] == 2
    git(repo, "add", "docs/legacy.txt")
    code, data = scan_json("--staged")
    assert code == ExitCode.FINDINGS
    assert paths(data) == [{"docs/legacy.txt", "docs/old.md"}]
    git(repo, "commit", "-qm", "copy")
    assert scan_json("--changed-since", "HEAD")[0] == ExitCode.CLEAN
    assert scan_json("--changed-since", "main")[0] == ExitCode.FINDINGS


def test_a_rename_without_edits_changes_nothing(repo: Path) -> None:
    git(repo, "mv", "docs/legacy.txt", "docs/renamed.txt")
    assert scan_json("--staged")[0] == ExitCode.CLEAN
    assert scan_json("--changed-since", "HEAD")[0] == ExitCode.CLEAN


def test_deleting_lines_inside_a_copy_counts_as_a_change(repo: Path) -> None:
    old = repo / "docs" / "old.md"
    old.write_text(f"# Old\n\n{OLD}\n\n{LEGACY.replace('closing the bridge and ', '')}\n")
    assert scan_json("--changed-since", "HEAD")[0] == ExitCode.FINDINGS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--changed-since", "no-such-branch"], "unknown git revision 'no-such-branch'"),
        (["--changed-since", "--evil"], "not a git revision"),
        (["--changed-since", "HEAD", "--staged"], "not both"),
    ],
)
def test_bad_revisions_are_errors(repo: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["scan", "docs", *args])
    assert result.exit_code == ExitCode.ERROR
    assert message in result.stderr


def test_outside_a_repository_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text(OLD)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["scan", ".", "--changed-since", "HEAD"])
    assert result.exit_code == ExitCode.ERROR
    assert "is not inside a git repository" in result.stderr


def test_paths_are_relative_to_the_scan_root_and_odd_names_are_decoded(repo: Path) -> None:
    odd = repo / "docs" / 'we"ird\tname é.txt'
    odd.write_text(f"{OLD}\n")
    git(repo, "add", ".")
    changes = changed_lines(repo / "docs", None, staged=True)
    assert changes.spans == {'we"ird\tname é.txt': ((1, 1),)}
    assert changes.touches(Member('we"ird\tname é.txt', 1, 1, ""))
    assert not changes.touches(Member("old.md", 1, 9, ""))


def test_parse_diff_spans() -> None:
    diff = (
        b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -3,0 +4,2 @@\n+a\n+b\n@@ -10 +12 @@\n-c\n+d\n"
        b"@@ -20,3 +21,0 @@\n-e\n--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-z\n"
    )
    assert parse_diff(diff) == {"x": [(4, 5), (12, 12), (21, 22)]}
    changes = Changes({"x": ((4, 5), (12, 12), (21, 22))}, frozenset({"new"}))
    touched = [n for n in range(1, 25) if changes.touches(Member("x", n, n, ""))]
    assert touched == [4, 5, 12, 21, 22]
    assert changes.touches(Member("x", 6, 30, "")) and not changes.touches(Member("x", 6, 11, ""))
    assert changes.touches(Member("new", 1, 1, "")) and not changes.touches(Member("y", 1, 1, ""))


def test_with_a_baseline_a_cluster_must_touch_a_change_and_be_new(repo: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["scan", "docs", "--update-baseline", "base.json"]).exit_code == 0
    edited = LEGACY.replace("two schools", "three schools")
    (repo / "docs" / "legacy.txt").write_text(f"{edited}\n")
    code, data = scan_json("--changed-since", "HEAD", "--baseline", "base.json")
    assert code == ExitCode.CLEAN  # touches a change, but every copy is accepted
    assert [c["baseline_state"] for c in data["clusters"]] == ["unchanged"]
    (repo / "docs" / "copy.txt").write_text(f"{LEGACY}\n")
    code, data = scan_json("--changed-since", "HEAD", "--baseline", "base.json")
    assert code == ExitCode.FINDINGS
    assert [c["baseline_state"] for c in data["clusters"]] == ["updated"]


def test_a_real_pre_commit_run_with_staged_catches_a_staged_copy_only(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """pre-commit stashes unstaged edits; --staged then sees exactly what is committed."""
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "pre-commit").exists():
        pytest.skip("pre-commit is not installed")
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: dedup\n    name: dedup\n"
        "    entry: dedup scan docs --staged\n    language: system\n"
        "    pass_filenames: false\n    always_run: true\n    require_serial: true\n"
    )
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-qm", "hook")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
    }

    def pre_commit() -> subprocess.CompletedProcess[str]:
        command = [str(bin_dir / "pre-commit"), "run"]
        return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)

    (repo / "docs" / "notes.txt").write_text("A note of my own.\n")
    git(repo, "add", "docs/notes.txt")
    (repo / "docs" / "notes.txt").write_text(f"A note of my own.\n\n{OLD}\n")  # not staged
    clean = pre_commit()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    git(repo, "add", "docs/notes.txt")
    caught = pre_commit()
    assert caught.returncode == 1, caught.stdout + caught.stderr
    assert "docs/notes.txt:3" in caught.stdout and "docs/old.md:3" in caught.stdout
