"""Choose the files to scan: an iterative, sorted walk that honours ignore rules.

Rules, in the spirit of ripgrep: hidden entries and VCS folders are skipped, ``.gitignore``,
``.ignore`` and ``.dedupignore`` files (and ``.git/info/exclude``) are honoured, the later and the
deeper file winning, symbolic links are not followed unless asked, only
regular files are read during traversal, and one physical file is scanned once however many
ways it is reached. ``include`` globs, when given, keep only the files found in folders that
match one (folders themselves are always entered). A path named on the command line is always
scanned.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from dedup.config import Config
from dedup.errors import ConfigError, InputError
from dedup.models import FileError, Skipped, SourceFile
from dedup.reader import read_regular

VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"})
MAX_IGNORE_FILE_BYTES = 1024 * 1024
OWN_FILE = "dedup's own report or settings file"
# Ignore files of one folder, weakest first (ripgrep's order, with ours in place of .rgignore).
IGNORE_FILES = (".gitignore", ".ignore", ".dedupignore")


@dataclass(frozen=True, slots=True)
class _Rules:
    """The ignore specs in force in one folder, each with the folder it is relative to."""

    specs: tuple[tuple[Path, pathspec.GitIgnoreSpec], ...] = ()

    def ignored(self, path: Path, is_dir: bool) -> bool:
        for base, spec in reversed(self.specs):  # the deepest file has the last word
            rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            verdict = spec.check_file(rel).include
            if verdict is not None:
                return verdict
        return False

    def plus(self, base: Path, lines: Iterable[str]) -> _Rules:
        spec = pathspec.GitIgnoreSpec.from_lines(_valid_patterns(lines))
        return _Rules((*self.specs, (base, spec))) if spec.patterns else self


def _valid_patterns(lines: Iterable[str]) -> list[str]:
    """The lines of an ignore file that are valid patterns; git skips invalid ones too."""
    valid = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except ValueError:
            continue
        valid.append(line)
    return valid


@dataclass(slots=True)
class WalkResult:
    """The files to read, in sorted order, and what was left out or could not be listed."""

    files: list[SourceFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def display_path(path: Path, root: Path) -> str:
    """The POSIX path shown in reports: relative to the scan root where it can be."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, root)).as_posix()


def walk(paths: Sequence[str], config: Config, avoid: Sequence[Path] = ()) -> WalkResult:
    """List the files under ``paths`` (files and folders in any mix), sorted by display path.

    Files in ``avoid`` (the report being written, the settings file) are listed as skipped.

    Raises:
        InputError: a path does not exist or is not a file or folder (all such paths are named).
        ConfigError: an ``exclude`` pattern is not a valid gitignore pattern.
    """
    _check_arguments(paths)
    walker = _Walker(config, avoid)
    for raw in paths:
        walker.add_root(Path(raw))
    result = walker.result
    result.files.sort(key=lambda f: f.display)
    result.skipped.sort(key=lambda s: s.path)
    result.errors.sort(key=lambda e: e.path)
    return result


def _check_arguments(paths: Sequence[str]) -> None:
    problems = []
    for raw in paths:
        try:
            mode = os.stat(raw).st_mode
        except FileNotFoundError:
            problems.append(f"{raw}: no such file or folder")
            continue
        except OSError as exc:
            problems.append(f"{raw}: {exc.strerror}")
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            problems.append(f"{raw}: not a regular file or folder (FIFOs and devices are not read)")
    if problems:
        raise InputError("; ".join(problems))


class _Walker:
    def __init__(self, config: Config, avoid: Sequence[Path]) -> None:
        self.config = config
        self.root = Path(os.path.abspath(config.root))
        self.result = WalkResult()
        self.seen: set[tuple[int, int]] = set()
        self.seen_dirs: set[tuple[int, int]] = set()  # overlapping roots walk a folder once
        self.avoid = {key for p in avoid if (key := _file_key(p)) is not None}
        try:
            self.exclude = pathspec.GitIgnoreSpec.from_lines(config.exclude)
            self.include = pathspec.GitIgnoreSpec.from_lines(config.include)
        except ValueError as exc:
            raise ConfigError(f"exclude or include pattern: {exc}") from exc

    def add_root(self, path: Path) -> None:
        try:
            st = path.stat()
        except OSError as exc:  # it existed a moment ago, when the arguments were checked
            self._error(path, f"vanished during the scan: {exc.strerror or exc}")
            return
        if stat.S_ISREG(st.st_mode):
            self._add_file(path, st, explicit=True)
            return
        key = (st.st_dev, st.st_ino)
        if key in self.seen_dirs:
            return
        self.seen_dirs.add(key)
        folder = Path(os.path.abspath(path))
        self._walk_dir(folder, self._parent_rules(folder), {key})

    def _excluded(self, path: Path, is_dir: bool) -> bool:
        if not self.exclude.patterns:
            return False
        rel = display_path(path, self.root) + ("/" if is_dir else "")
        return self.exclude.match_file(rel)

    def _included(self, path: Path) -> bool:
        """Whether a file found in a folder passes ``include`` (every file does without it)."""
        if not self.include.patterns:
            return True
        return self.include.match_file(display_path(path, self.root))

    def _parent_rules(self, folder: Path) -> _Rules:
        """Ignore files of the enclosing repository above ``folder`` (git applies them too)."""
        rules = _Rules()
        if not self.config.gitignore:
            return rules
        parents = [folder, *folder.parents]
        repo = next((p for p in parents if (p / ".git").exists()), None)
        if repo is None:
            return rules
        rules = rules.plus(repo, _read_lines(repo / ".git" / "info" / "exclude"))
        for parent in reversed(parents[1 : parents.index(repo) + 1]):
            rules = _folder_rules(rules, parent)
        return rules

    def _walk_dir(self, top: Path, rules: _Rules, ancestors: set[tuple[int, int]]) -> None:
        # An explicit stack: Python 3.11's os.walk recurses and fails on deep trees.
        stack: list[tuple[Path, _Rules, frozenset[tuple[int, int]], int]] = [
            (top, rules, frozenset(ancestors), 0)
        ]
        while stack:
            folder, rules, above, depth = stack.pop()
            if self.config.gitignore:
                rules = _folder_rules(rules, folder)
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self._error(folder, f"cannot list folder: {exc.strerror or exc}")
                continue
            subdirs = []
            for entry in entries:
                child = self._visit(entry, rules, above)
                if child is not None and self._within_depth(child[0], depth + 1):
                    subdirs.append((*child, depth + 1))
            stack.extend(reversed(subdirs))

    def _within_depth(self, folder: Path, depth: int) -> bool:
        """Whether ``--max-depth`` lets the walk enter ``folder``; if not, list it as skipped."""
        limit = self.config.max_depth
        if limit is None or depth <= limit:
            return True
        reason = f"folder deeper than --max-depth {limit}"
        self.result.skipped.append(Skipped(display_path(folder, self.root), reason))
        return False

    def _visit(
        self, entry: os.DirEntry[str], rules: _Rules, above: frozenset[tuple[int, int]]
    ) -> tuple[Path, _Rules, frozenset[tuple[int, int]]] | None:
        path = Path(entry.path)
        name = entry.name
        if name in VCS_DIRS or (name.startswith(".") and not self.config.hidden):
            return None
        is_link = False
        try:
            is_link = entry.is_symlink()
            if is_link and not self.config.follow_symlinks:
                return None
            st = entry.stat(follow_symlinks=True)
        except OSError as exc:
            if is_link:
                self._error(path, f"broken symbolic link: {exc.strerror or exc}")
            else:
                self._error(path, f"cannot stat: {exc.strerror or exc}")
            return None
        is_dir = stat.S_ISDIR(st.st_mode)
        if rules.ignored(path, is_dir) or self._excluded(path, is_dir):
            return None
        if is_dir:
            key = (st.st_dev, st.st_ino)
            if key in above:
                self._error(path, "symbolic link loop: it points to a folder above it")
                return None
            if key in self.seen_dirs:
                return None
            self.seen_dirs.add(key)
            return path, rules, above | {key}
        if not self._included(path):
            return None
        if not stat.S_ISREG(st.st_mode):
            self.result.skipped.append(Skipped(display_path(path, self.root), "not a regular file"))
            return None
        self._add_file(path, st, explicit=False)
        return None

    def _add_file(self, path: Path, st: os.stat_result, explicit: bool) -> None:
        key = (st.st_dev, st.st_ino)
        if key in self.seen:  # a hard link, a followed link or an overlapping root
            return
        self.seen.add(key)
        if key in self.avoid:
            self.result.skipped.append(Skipped(display_path(path, self.root), OWN_FILE))
            return
        self.result.files.append(
            SourceFile(path, display_path(path, self.root), explicit, st.st_size)
        )

    def _error(self, path: Path, message: str) -> None:
        self.result.errors.append(FileError(display_path(path, self.root), message))


def _folder_rules(rules: _Rules, folder: Path) -> _Rules:
    """``rules`` plus the ignore files of ``folder``, each overriding the one before."""
    for name in IGNORE_FILES:
        rules = rules.plus(folder, _read_lines(folder / name))
    return rules


def _read_lines(path: Path) -> list[str]:
    """The lines of an ignore file; never blocks on a FIFO, never reads a huge file whole."""
    try:
        data = read_regular(path, MAX_IGNORE_FILE_BYTES)
    except OSError:
        return []
    return [] if data is None else data.decode("utf-8", "surrogateescape").splitlines()


def _file_key(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None
