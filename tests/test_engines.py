"""Choosing an engine: the local one stays the default and never loads pyspark; the Spark
engine's flags are checked before any Spark starts (the Spark runs are in test_spark.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_the_local_engine_never_imports_pyspark() -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from dedup.cli import main\n"
        "result = CliRunner().invoke(main, ['scan', 'samples', '--format', 'json'])\n"
        "assert result.exit_code == 1, result.output\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('pyspark', 'pyarrow')]\n"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=REPO, check=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--master", "local[2]"], "--master needs --engine spark"),
        (["--remote", "sc://127.0.0.1:15002"], "--remote needs --engine spark"),
        (["--work-dir", "/tmp/w"], "--work-dir needs --engine spark"),
        (
            ["--engine", "spark", "--master", "local[2]", "--remote", "sc://h:1"],
            "give --master or --remote, not both",
        ),
        (["--engine", "spark", "--spark-conf", "shuffle"], "write it as KEY=VALUE"),
        (["--dataset", "jsonl"], "--dataset needs --engine spark"),
        (["--engine", "spark", "--id-field", "name"], "--id-field needs --dataset"),
    ],
)
def test_spark_flags_are_checked_before_spark_starts(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["scan", str(REPO / "samples"), *args])
    assert result.exit_code == 2
    assert message in result.output
