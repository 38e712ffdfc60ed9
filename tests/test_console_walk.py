"""Golden console rendering of samples/, and the walker's filtering rules."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from rich.console import Console

from dedup.config import Config
from dedup.pipeline import scan
from dedup.reporters.console import render_console
from dedup.walk import walk

REPO = Path(__file__).resolve().parent.parent


def test_samples_console_matches_golden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    stream = io.StringIO()
    console = Console(file=stream, width=100, no_color=True, force_terminal=False)
    render_console(scan(["samples"], Config(root=REPO)), stream, console)
    text = re.sub(r" · \d+\.\d\d s", " · TIME", stream.getvalue())
    golden = REPO / "tests" / "golden" / "samples.console.txt"
    if os.environ.get("DEDUP_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert "\x1b[" not in text


def _names(root: Path, config: Config, *paths: str) -> list[str]:
    return [f.display for f in walk([str(root / p) for p in paths or ("",)], config).files]


def test_walk_honours_gitignore_hidden_and_explicit_files(tmp_path: Path) -> None:
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("excluded.txt\n")
    (tmp_path / ".gitignore").write_text("*.log\n!keep.log\nbuild/\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("local.txt\n")
    names = ["a.txt", "x.log", "keep.log", "excluded.txt", ".hidden.txt", "sub/local.txt"]
    for name in [*names, "sub/b.txt"]:
        (tmp_path / name).write_text("text")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "out.txt").write_text("text")
    config = Config(root=tmp_path)
    names = _names(tmp_path, config)
    assert names == ["a.txt", "keep.log", "sub/b.txt"]
    assert "x.log" in _names(tmp_path, config.replace(gitignore=False))
    assert ".hidden.txt" in _names(tmp_path, config.replace(hidden=True))
    assert _names(tmp_path, config, "x.log") == ["x.log"]  # named explicitly: always read
    assert _names(tmp_path, config, "sub") == ["sub/b.txt"]  # the repository's rules still apply


def test_walk_skips_symlinks_scans_a_file_once_and_never_opens_fifos(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("text")
    os.link(tmp_path / "d" / "a.txt", tmp_path / "d" / "hard.txt")
    (tmp_path / "d" / "loop").symlink_to(tmp_path / "d")
    os.mkfifo(tmp_path / "d" / "pipe")
    config = Config(root=tmp_path)
    result = walk([str(tmp_path / "d"), str(tmp_path / "d")], config)
    assert [f.display for f in result.files] == ["d/a.txt"]
    assert [s.path for s in result.skipped] == ["d/pipe"]
    followed = walk([str(tmp_path / "d")], config.replace(follow_symlinks=True))
    assert [e.path for e in followed.errors] == ["d/loop"]
