"""The baseline: accept today's repeats, fail only on new ones, survive edits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import baseline
from dedup.cli import main
from dedup.config import Config
from dedup.errors import ExitCode
from dedup.gate import exit_code
from dedup.models import BaselineState
from dedup.pipeline import scan
from dedup.reporters.json_report import schema
from dedup.walk import OWN_FILE

COMMITTEE = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)
FLOOD = (
    "Heavy rain over the weekend flooded the lower town, closing the bridge and two schools "
    "while volunteers filled sandbags along the river bank."
)
OTHER = "A paragraph about something else entirely, which appears only once in the tree."


def tree(root: Path, files: dict[str, list[str]]) -> Path:
    for name, paragraphs in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return root


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["scan", "docs", "--root", str(root), *args])


def report_json(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run(root, "--format", "json", *args)
    data: dict[str, Any] = json.loads(result.stdout)
    jsonschema.Draft202012Validator(schema()).validate(data)
    return result.exit_code, data


@pytest.fixture
def accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tree with one repeated paragraph (and one repeated twice in one file), baselined."""
    monkeypatch.chdir(tmp_path)
    tree(
        tmp_path,
        {
            "docs/a.md": ["# A", COMMITTEE, OTHER],
            "docs/b.txt": ["Intro to b.", COMMITTEE],
            "docs/c.txt": [FLOOD, "Between them.", FLOOD],
        },
    )
    assert run(tmp_path).exit_code == ExitCode.FINDINGS
    result = run(tmp_path, "--update-baseline", "base.json")
    assert result.exit_code == ExitCode.CLEAN, result.output
    assert "wrote baseline base.json: 4 copies in 2 clusters accepted (+4 -0)" in result.stderr
    return tmp_path


def test_update_then_check_passes_and_marks_everything_accepted(accepted: Path) -> None:
    code, data = report_json(accepted, "--baseline", "base.json")
    assert code == ExitCode.CLEAN
    assert [c["baseline_state"] for c in data["clusters"]] == ["unchanged", "unchanged"]
    assert all(m["new"] is False for c in data["clusters"] for m in c["members"])
    console = run(accepted, "--baseline", "base.json").stdout
    assert "baseline: 0 new, 2 accepted" in console


def test_file_is_sorted_one_copy_a_line_and_stable(accepted: Path) -> None:
    first = (accepted / "base.json").read_text()
    lines = first.splitlines()
    assert lines[0].startswith('{"schema_version": 1, "tool": "dedup"')
    copies = [json.loads(line.rstrip(",")) for line in lines[3:-1]]
    assert [(c["path"], c["words"]) for c in copies] == sorted(
        (c["path"], c["words"]) for c in copies
    )
    assert {c["path"]: c["count"] for c in copies if "flooded" in c["words"]} == {"docs/c.txt": 2}
    assert "timestamp" not in first and "line" not in json.loads(first)["copies"][0]
    assert run(accepted, "--update-baseline", "base.json").exit_code == 0
    assert (accepted / "base.json").read_text() == first


def test_moved_paragraphs_added_text_and_renamed_files_are_not_new(accepted: Path) -> None:
    shutil.move(accepted / "docs" / "b.txt", accepted / "docs" / "renamed.txt")
    tree(
        accepted,
        {
            "docs/a.md": ["# A", "Something new at the top.\n\n\n\n\n", OTHER, COMMITTEE],
            "docs/c.txt": ["New intro paragraph.", FLOOD, FLOOD, "Between them."],
        },
    )
    code, data = report_json(accepted, "--baseline", "base.json")
    assert code == ExitCode.CLEAN
    assert {c["baseline_state"] for c in data["clusters"]} == {"unchanged"}


def test_a_small_edit_to_an_accepted_copy_is_not_new(accepted: Path) -> None:
    edited = COMMITTEE.replace("Tuesday", "Wednesday").replace("long debate", "long, hard debate")
    tree(accepted, {"docs/b.txt": ["Intro to b.", edited]})
    code, data = report_json(accepted, "--baseline", "base.json")
    assert code == ExitCode.CLEAN
    near = [c for c in data["clusters"] if c["kind"] == "near"]
    assert near and near[0]["baseline_state"] == "unchanged"


def test_a_new_copy_joining_an_accepted_cluster_fails_and_is_marked(accepted: Path) -> None:
    tree(accepted, {"docs/d.txt": ["Copied again:", COMMITTEE]})
    code, data = report_json(accepted, "--baseline", "base.json")
    assert code == ExitCode.FINDINGS
    grown = next(c for c in data["clusters"] if "committee" in c["members"][0]["text"])
    assert grown["baseline_state"] == "updated"
    assert {m["path"]: m["new"] for m in grown["members"]} == {
        "docs/a.md": False,
        "docs/b.txt": False,
        "docs/d.txt": True,
    }
    console = run(accepted, "--baseline", "base.json").stdout
    assert "#1 exact · 1 NEW COPY · 3 copies" in console
    assert "docs/d.txt:3 (new)" in console
    assert "baseline: 1 new, 1 accepted" in console


def test_a_further_copy_in_the_same_file_is_new(accepted: Path) -> None:
    tree(accepted, {"docs/c.txt": [FLOOD, "Between them.", FLOOD, "And:", FLOOD]})
    code, data = report_json(accepted, "--baseline", "base.json")
    assert code == ExitCode.FINDINGS
    flood = next(c for c in data["clusters"] if "flooded" in c["members"][0]["text"])
    assert [m["new"] for m in flood["members"]] == [False, False, True]


def test_a_new_cluster_fails_and_gating_options_still_apply(accepted: Path) -> None:
    fresh = "Every new member of staff receives a laptop, a badge and a welcome pack on day one."
    tree(accepted, {"docs/e.txt": [fresh], "docs/f.txt": [fresh]})
    code, data = report_json(accepted, "--baseline", "base.json")
    assert code == ExitCode.FINDINGS
    assert [c["baseline_state"] for c in data["clusters"]].count("new") == 1
    assert run(accepted, "--baseline", "base.json", "--fail-on", "near").exit_code == 0
    assert run(accepted, "--baseline", "base.json", "--exit-zero").exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"schema_version": 1, "copies": [{"path": "a"}]}', "is not a dedup baseline"),
        ('{"copies": []}', "is not a dedup baseline"),
        ('{"schema_version": 2, "copies": []}', "newer than this dedup reads"),
        (None, "not found; create it with: dedup scan --update-baseline"),
    ],
)
def test_b40_a_bad_baseline_is_an_error_saying_how_to_regenerate_it(
    accepted: Path, content: str | None, message: str
) -> None:
    path = accepted / "bad.json"
    if content is not None:
        path.write_text(content)
    result = run(accepted, "--baseline", "bad.json")
    assert result.exit_code == ExitCode.ERROR
    assert message in result.stderr
    assert "dedup scan --update-baseline bad.json" in result.stderr
    assert "Traceback" not in result.output
    assert run(accepted, "--update-baseline", "bad.json").exit_code == 0  # regenerates it


def test_baseline_inside_the_tree_is_not_scanned_and_settings_key_works(accepted: Path) -> None:
    (accepted / "pyproject.toml").write_text('[tool.dedup]\nbaseline = "docs/base.json"\n')
    (accepted / ".git").mkdir()
    assert run(accepted, "--update-baseline", "docs/base.json").exit_code == 0
    code, data = report_json(accepted)
    assert code == ExitCode.CLEAN
    assert {"path": "docs/base.json", "reason": OWN_FILE} in data["skipped"]
    assert "docs/base.json" not in data["files_scanned"]


def test_update_baseline_refuses_a_partial_scan_and_changed_since(accepted: Path) -> None:
    both = run(accepted, "--update-baseline", "x.json", "--changed-since", "HEAD")
    assert both.exit_code == ExitCode.ERROR
    assert "cannot be combined" in both.stderr
    assert not (accepted / "x.json").exists()


def test_library_marks_without_the_cli(accepted: Path) -> None:
    config = Config(root=accepted, baseline=accepted / "base.json")
    report = scan(["docs"], config)
    assert {c.baseline_state for c in report.clusters} == {BaselineState.UNCHANGED}
    assert len(baseline.load(accepted / "base.json")) == 4


PARAGRAPHS = [COMMITTEE, FLOOD, OTHER, "Short one.", "Another unrelated note about lunch."]


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order=st.permutations(range(len(PARAGRAPHS))),
    padding=st.integers(0, 20),
    name=st.sampled_from(["b.txt", "moved/b.txt", "renamed.md"]),
    extra=st.sampled_from(["docs/a.txt", "docs/new.txt", "docs/moved/c.md"]),
)
def test_shifting_and_renaming_never_makes_a_copy_new(
    tmp_path: Path, order: list[int], padding: int, name: str, extra: str
) -> None:
    """P13: update-baseline then check exits 0, whatever moves around; one more copy exits 1."""
    root = tmp_path / f"p{padding}{len(name)}{''.join(map(str, order))}"
    tree(root, {"docs/a.txt": PARAGRAPHS, "docs/b.txt": [FLOOD, COMMITTEE]})
    base = root / "base.json"
    config = Config(root=root)
    accepted = baseline.from_report(scan([str(root / "docs")], config))
    base.write_text(baseline.render(accepted))
    checked = config.replace(baseline=base)
    assert exit_code(scan([str(root / "docs")], checked), checked) == ExitCode.CLEAN
    (root / "docs" / "b.txt").unlink()
    shuffled = ["Unrelated opening words." + "\n" * padding] + [PARAGRAPHS[i] for i in order]
    tree(root, {"docs/a.txt": shuffled, f"docs/{name}": [COMMITTEE, "Padding.", FLOOD]})
    report = scan([str(root / "docs")], checked)
    assert report.clusters
    assert {c.baseline_state for c in report.clusters} == {BaselineState.UNCHANGED}
    assert exit_code(report, checked) == ExitCode.CLEAN
    path = root / extra  # a further copy of an accepted paragraph: multiplicity + 1
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.read_text() if path.exists() else ""
    path.write_text(f"{before}\n\n{FLOOD}\n")
    assert exit_code(scan([str(root / "docs")], checked), checked) == ExitCode.FINDINGS


RETOLD = (
    "On Tuesday the committee met to talk about the budget for the coming year; after a long and "
    "heated debate, members agreed to fund a new wing for the library."
)


def test_a_heavy_rewrite_in_place_stays_accepted_but_the_same_text_added_is_new(
    accepted: Path,
) -> None:
    tree(accepted, {"docs/b.txt": ["Intro to b.", RETOLD]})
    code, data = report_json(accepted, "--baseline", "base.json")
    assert code == ExitCode.CLEAN
    assert sorted(c["kind"] for c in data["clusters"] if c["baseline_state"] == "unchanged") == [
        "exact",
        "reworded",
    ]
    tree(accepted, {"docs/b.txt": ["Intro to b.", COMMITTEE, RETOLD]})
    code, data = report_json(accepted, "--baseline", "base.json")
    assert code == ExitCode.FINDINGS
    grown = next(c for c in data["clusters"] if c["baseline_state"] == "updated")
    assert [(m["path"], m["start_line"], m["new"]) for m in grown["members"]] == [
        ("docs/a.md", 3, False),
        ("docs/b.txt", 3, False),
        ("docs/b.txt", 5, True),
    ]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_the_loader_raises_only_its_own_error(tmp_path: Path, data: bytes) -> None:
    """F6: any bytes either load or raise BaselineError with the regenerate hint."""
    path = tmp_path / "any.json"
    path.write_bytes(data)
    try:
        baseline.load(path)
    except baseline.BaselineError as exc:
        assert "dedup scan --update-baseline" in str(exc)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    copies=st.dictionaries(
        st.tuples(st.text(min_size=1, max_size=20), st.text(max_size=40)),
        st.integers(1, 5),
        max_size=8,
    )
)
def test_render_then_load_gives_the_same_baseline(
    tmp_path: Path, copies: dict[tuple[str, str], int]
) -> None:
    clean = {
        (p.encode("utf-8", "replace").decode(), w.encode("utf-8", "replace").decode()): n
        for (p, w), n in copies.items()
    }
    path = tmp_path / "round.json"
    path.write_text(baseline.render(baseline.Baseline(clean)), encoding="utf-8")
    assert baseline.load(path).copies == clean


def test_same_bytes_under_any_hash_seed_and_worker_count(accepted: Path) -> None:
    """Baseline marks, allowlist and markers do not depend on PYTHONHASHSEED or -j."""
    tree(
        accepted,
        {
            "docs/d.txt": ["dedup: ignore", FLOOD, RETOLD, COMMITTEE],
            "allow.txt": [OTHER],
        },
    )
    outputs = set()
    command = [sys.executable, "-m", "dedup", "scan", "docs", "--format", "json"]
    for seed, jobs in (("0", "1"), ("1", "2")):
        done = subprocess.run(
            [*command, "-j", jobs, "--baseline", "base.json", "--allowlist", "allow.txt"],
            cwd=accepted,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=False,
        )
        assert done.returncode == ExitCode.FINDINGS, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    data = json.loads(outputs.pop())
    assert data["stats"]["ignored_paragraphs"] == 1
    assert data["stats"]["allowlisted_paragraphs"] == 1


def test_the_baseline_file_gets_the_usual_permissions(accepted: Path) -> None:
    umask = os.umask(0o022)
    try:
        assert run(accepted, "--update-baseline", "fresh.json").exit_code == 0
    finally:
        os.umask(umask)
    assert (accepted / "fresh.json").stat().st_mode & 0o777 == 0o644
    (accepted / "fresh.json").chmod(0o664)
    assert run(accepted, "--update-baseline", "fresh.json").exit_code == 0
    assert (accepted / "fresh.json").stat().st_mode & 0o777 == 0o664  # kept when replaced
