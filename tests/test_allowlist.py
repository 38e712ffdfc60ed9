"""The allowlist: boilerplate given as example text is not reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.config import Config
from dedup.errors import ExitCode
from dedup.pipeline import scan

NOTICE = (
    "Copyright 2024 Example Corp. Licensed under the Apache License, Version 2.0; you may not use "
    "this file except in compliance with the License. Unless required by applicable law, the "
    "software is distributed on an as is basis, without warranties of any kind."
)
DISCLAIMER = "The views expressed here are the author's own and do not reflect those of the firm."
STORY = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "docs/a.md": f"# A\n\n{STORY}\n\n{NOTICE}\n",
            "docs/b.txt": f"{STORY}\n\n{NOTICE.replace('2024', '2019')}\n\n{DISCLAIMER}\n",
            # a fragment of the notice, and the disclaimer with a few words changed
            "docs/c.txt": (
                "Licensed under the Apache License, Version 2.0; you may not use this file "
                "except in compliance with the License.\n\n"
                + DISCLAIMER.replace("the firm", "the company")
                + "\n"
            ),
            "allow/boilerplate.md": f"{NOTICE.replace('2024 Example Corp', 'YEAR OWNER')}\n\n"
            f"{DISCLAIMER}\n",
        },
    )


def kinds(root: Path, config: Config) -> list[tuple[str, frozenset[str]]]:
    report = scan([str(root / "docs")], config)
    return [(c.kind.value, frozenset(m.path for m in c.members)) for c in report.clusters]


def test_boilerplate_and_its_near_copies_and_fragments_are_not_reported(docs: Path) -> None:
    without = Config(root=docs)
    assert len(kinds(docs, without)) == 3  # the story, the notice, the disclaimer
    config = without.replace(allowlist=(docs / "allow" / "boilerplate.md",))
    assert kinds(docs, config) == [("exact", frozenset({"docs/a.md", "docs/b.txt"}))]
    report = scan([str(docs / "docs")], config)
    assert report.stats.allowlisted_paragraphs == 5
    assert report.stats.paragraphs == scan([str(docs / "docs")], without).stats.paragraphs


def test_a_paragraph_containing_boilerplate_among_other_text_is_still_reported(
    tmp_path: Path,
) -> None:
    longer = f"{STORY} {DISCLAIMER} The vote was close, and the mayor will sign the order soon."
    write(tmp_path, {"d/a.txt": longer + "\n", "d/b.txt": longer + "\n", "allow.txt": DISCLAIMER})
    config = Config(root=tmp_path, allowlist=(tmp_path / "allow.txt",))
    report = scan([str(tmp_path / "d")], config)
    assert len(report.clusters) == 1
    assert report.stats.allowlisted_paragraphs == 0


def test_boilerplate_with_a_few_words_added_is_still_boilerplate(tmp_path: Path) -> None:
    # 17 words added to 42: the verifier calls it containment, yet it scores as near
    extended = f"{NOTICE} See the LICENSE file at the root of this repository for the full terms."
    write(tmp_path, {"d/a.txt": extended, "d/b.txt": extended, "allow.txt": NOTICE})
    config = Config(root=tmp_path, allowlist=(tmp_path / "allow.txt",))
    report = scan([str(tmp_path / "d")], config)
    assert report.clusters == ()
    assert report.stats.allowlisted_paragraphs == 2


def test_an_unrelated_allowlist_changes_nothing(docs: Path) -> None:
    write(docs, {"other.txt": "A note about lunch and nothing else, written for this test."})
    config = Config(root=docs)
    plain = scan([str(docs / "docs")], config)
    allowed = scan([str(docs / "docs")], config.replace(allowlist=(docs / "other.txt",)))
    assert allowed.clusters == plain.clusters
    assert allowed.stats.candidate_pairs == plain.stats.candidate_pairs


def test_cli_flag_settings_key_and_the_file_is_not_scanned(
    docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(docs)
    runner = CliRunner()
    result = runner.invoke(main, ["scan", ".", "--allowlist", "allow/boilerplate.md", "-f", "x"])
    assert result.exit_code == 2  # -f is not an option; usage errors are 2
    result = runner.invoke(
        main, ["scan", ".", "--format", "json", "--allowlist", "allow/boilerplate.md"]
    )
    data = json.loads(result.stdout)
    assert result.exit_code == ExitCode.FINDINGS
    assert len(data["clusters"]) == 1
    assert data["stats"]["allowlisted_paragraphs"] == 5
    assert "allow/boilerplate.md" not in data["files_scanned"]
    (docs / ".git").mkdir()
    write(docs, {"pyproject.toml": '[tool.dedup]\nallowlist = ["allow/boilerplate.md"]\n'})
    monkeypatch.chdir(docs / "docs")
    from_settings = runner.invoke(main, ["scan", ".", "--format", "json", "--root", ".."])
    assert json.loads(from_settings.stdout)["stats"]["allowlisted_paragraphs"] == 5


@pytest.mark.parametrize("name", ["missing.txt", "docs"])
def test_an_unreadable_allowlist_is_an_error(docs: Path, name: str) -> None:
    result = CliRunner().invoke(main, ["scan", str(docs / "docs"), "--allowlist", str(docs / name)])
    assert result.exit_code == ExitCode.ERROR
    assert f"allowlist {docs / name}" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("line", "message"),
    [("allowlist = 3", "must be a list of file paths"), ("baseline = [1]", "must be a file path")],
)
def test_malformed_settings_keys_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, message: str
) -> None:
    write(tmp_path, {"pyproject.toml": f"[tool.dedup]\n{line}\n", "a.txt": STORY})
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["scan", "a.txt"])
    assert result.exit_code == ExitCode.ERROR
    assert f"{line.split()[0]} {message}" in result.stderr
