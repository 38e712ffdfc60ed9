"""``--format parquet``: the clusters table and its manifest, written by the local engine.

The Spark engine writes the same table (tests/test_spark.py compares the two); here the table
gives back the JSON report's clusters, the manifest is valid against its published schema, and
bad uses get one line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import jsonschema
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from referencing import Registry, Resource

from dedup import table
from dedup.cli import main
from dedup.config import Config
from dedup.models import Cluster, ClusterLink, Kind, Member
from dedup.pipeline import scan
from dedup.reporters.json_report import render_json, schema

REPO = Path(__file__).resolve().parent.parent


def validate_manifest(data: object) -> None:
    report = schema()
    registry = Registry().with_resource(report["$id"], Resource.from_contents(report))
    jsonschema.Draft202012Validator(table.manifest_schema(), registry=registry).validate(data)


def test_the_table_gives_back_the_json_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "table"
    common = ["scan", "samples", "--isolated", "--fail-on", "exact"]
    result = CliRunner().invoke(main, [*common, "--format", "parquet", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "dedup: wrote 4 clusters (8 rows)" in result.output
    report = scan(["samples"], Config())
    again = replace(report, clusters=tuple(table.read_clusters(str(out))))
    assert render_json(again) == render_json(report)
    rows = pq.read_table(out / "clusters")
    assert rows.schema == table.SCHEMA
    assert rows.num_rows == sum(len(c.members) for c in report.clusters)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    validate_manifest(manifest)
    assert manifest["stats"] == json.loads(render_json(report))["stats"]
    assert manifest["table"]["rows"] == rows.num_rows
    assert [c["name"] for c in manifest["table"]["columns"]] == rows.schema.names
    assert manifest["settings"]["fail_on"] == ["exact"]
    # Written again, the table is the same; --exit-zero is honoured as for any report.
    again_run = [*common, "--format", "parquet", "-o", str(out), "--exit-zero"]
    assert CliRunner().invoke(main, again_run).exit_code == 0
    assert pq.read_table(out / "clusters").equals(rows)


def test_the_manifest_schema_rejects_a_wrong_manifest() -> None:
    report = scan([str(REPO / "samples")], Config(root=REPO))
    written = table.Written(8, 4, {"exact": 3, "reworded": 1}, 4)
    data = table.manifest(report, written, Config())
    validate_manifest(data)
    del data["table"]["key"]
    with pytest.raises(jsonschema.ValidationError, match="'key' is a required property"):
        validate_manifest(data)


def test_rows_keep_the_spanning_tree_and_ids_follow_the_first_member() -> None:
    members = tuple(Member("a.txt", line, line, f"text {line}") for line in (1, 5, 9))
    links = (
        ClusterLink(0, 2, Kind.NEAR, 0.9),
        ClusterLink(1, 2, Kind.CONTAINED, 0.8, inner=1),
    )
    cluster = Cluster(1, Kind.CONTAINED, 0.8, members, links)
    rows = table.to_arrow([cluster]).to_pylist()
    assert [(r["member"], r["parent"], r["link_kind"], r["inner"]) for r in rows] == [
        (0, None, None, None),
        (1, 2, "contained", 1),
        (2, 0, "near", None),
    ]
    assert len({r["cluster"] for r in rows}) == 1
    moved = Cluster(7, Kind.CONTAINED, 0.8, (Member("b.txt", 1, 1, "text 1"), *members[1:]), links)
    assert table.to_arrow([moved]).column("cluster")[0] != rows[0]["cluster"]
    assert table.to_arrow([replace(cluster, id=9)]).to_pylist() == rows  # not the report's rank


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "parquet"], "--format parquet writes a folder: name it with -o DIR"),
        (
            ["--format", "parquet", "-o", "t", "--baseline", "b.json"],
            "--format parquet cannot be combined with --baseline",
        ),
        (
            ["--format", "parquet", "-o", "t", "--staged"],
            "--format parquet cannot be combined with --staged",
        ),
        (["--format", "parquet", "-o", "a-file"], "a-file: a file; --format parquet writes a"),
        (["--format", "json", "-o", "."], "-o .: a folder (only --format parquet writes a folder)"),
    ],
)
def test_bad_uses_get_one_line(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x", "utf-8")
    result = CliRunner().invoke(main, ["scan", str(REPO / "samples"), "--isolated", *args])
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert message in line


def test_without_pyarrow_the_message_names_the_extra(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "sys.modules['pyarrow'] = None  # as if it were not installed\n"
        "from dedup.cli import main\n"
        "main(['scan', 'samples', '--format', 'parquet', '-o', sys.argv[1]])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "t")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert run.stderr.strip().endswith("pip install 'dedup[parquet]'")
    assert len(run.stderr.strip().splitlines()) == 1
