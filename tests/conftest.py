"""Shared test set-up: hypothesis profiles and helpers to run the ``dedup`` command.

Profiles: ``ci`` is derandomised (the CI sets ``HYPOTHESIS_PROFILE=ci``), so a failure there
reproduces; ``dev`` (the default) explores new examples each run. Each property sets its own
modest ``max_examples`` so the suite stays fast; ``nightly`` multiplies the search.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from dedup.cli import main
from dedup.reporters.json_report import schema

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "nightly",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

PROSE = (
    "The committee met on Tuesday to discuss the budget for the coming year, and after a long "
    "debate it agreed to fund the new library wing."
)


@dataclass(frozen=True)
class Run:
    """The outcome of one ``dedup`` run."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        """stdout parsed as a JSON report, checked against the published schema."""
        data: dict[str, Any] = json.loads(self.stdout)
        jsonschema.Draft202012Validator(schema()).validate(data)
        return data


Cli = Callable[..., Run]


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``files`` (name -> text or bytes) under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run ``dedup scan ARGS`` in this process (so monkeypatches apply), from ``tmp_path``."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Run:
        result = CliRunner().invoke(main, ["scan", "--isolated", *args])
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


def run_process(
    args: list[str | bytes],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Run:
    """Run ``python -m dedup ARGS`` in a child process, killed after ``timeout`` seconds."""
    done = subprocess.run(
        [sys.executable, "-m", "dedup", *args],
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return Run(
        done.returncode,
        done.stdout.decode("utf-8", "surrogateescape"),
        done.stderr.decode("utf-8", "surrogateescape"),
    )
