"""The Spark engine against the local engine: the same report, byte for byte.

On ``local[2]`` in this process, then over Spark Connect against a server the test starts on
127.0.0.1, then on a Spark standalone cluster (a master and one worker) started on
127.0.0.1. Marked ``spark`` (``pytest -m "not spark"`` leaves it out); ``make test`` runs it.
Without pyspark or Java the tests skip, except under CI (``CI=true``), where that is a failure.

The corpus holds exact, near, contained and reworded copies (sentence-sized and
paragraph-sized), a chain of edits, a boilerplate sentence shared by more texts than the
sentence bucket's cap, texts with more rare-word partners than each keeps, undecodable bytes,
Markdown and JSON Lines, among seeded filler paragraphs that give the rarity weights
something to weigh.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dedup.candidates import MAX_SENTENCE_BUCKET, RARE_MAX_PARTNERS, RARE_MIN_POSTINGS
from dedup.cli import main
from dedup.cluster import UnionFind
from dedup.config import Config
from dedup.errors import InputError
from dedup.models import Kind
from dedup.normalize import words
from dedup.pipeline import scan
from dedup.reporters.json_report import render_json, report_dict
from dedup.timings import StageTime

# Starting a JVM (and a Connect server) on a busy 2-core machine can take a while.
pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(300)]


def require_spark() -> None:
    """Skip (fail under ``CI=true``) when pyspark or a Java runtime is missing."""
    missing = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark (pip install -e '.[dev,spark]')")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        missing.append("a Java 17+ runtime")
    if not missing:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        return
    reason = f"needs {' and '.join(missing)}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; make test installs them, so CI must have them")
    pytest.skip(reason, allow_module_level=True)


require_spark()

import pyarrow as pa  # noqa: E402  (with pyspark: after the check above)
import pyarrow.parquet as pq  # noqa: E402

from dedup import table  # noqa: E402
from dedup.engines import spark  # noqa: E402

PROFIT = "The company said second-quarter profit rose 28 percent to 50 million dollars on sales."
RETOLD = "Second-quarter profit climbed 28 percent to 50 million dollars, the company said."
STORY = (
    "Flooding along the Severn closed the Tewkesbury bypass on Monday after the river rose "
    "four metres above its usual level, and the Environment Agency issued eleven severe "
    "warnings for Gloucestershire and Worcestershire while volunteers filled sandbags outside "
    "the abbey and the council opened two rest centres for residents of the lower town."
)
RETOLD_STORY = (
    "On Monday the Tewkesbury bypass was shut when the Severn climbed four metres over its "
    "normal level; eleven severe warnings were issued by the Environment Agency across "
    "Worcestershire and Gloucestershire, the council opened two rest centres for the lower "
    "town, and volunteers were filling sandbags by the abbey."
)
LICENCE = "This article is distributed under the terms of the Creative Commons licence."
QUOTE = "The bridge will stay closed to heavy traffic until the inspection report is published."
BASE = (
    "The library committee met on Tuesday to discuss the budget for the coming year, and after "
    "a long debate it agreed to fund the new reading room and two more librarians."
)
SYLLABLES = ("ka", "lo", "mi", "ren", "tas", "vo", "bri", "dun", "el", "fa", "gor", "hin", "jus")


def _filler(rng: random.Random) -> str:
    """A paragraph of made-up words: rare enough that fillers do not match one another."""
    words = (
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        for _ in range(rng.randint(9, 30))
    )
    return " ".join(words).capitalize() + "."


def _clique() -> list[str]:
    """Texts sharing three rare words, with words of their own between them (no shingle in
    common): each has more rare-word partners than it keeps, above and below its id alike."""
    shared = ("zephyrine", "quillback", "marrowfat")
    texts = []
    for i in range(RARE_MIN_POSTINGS):  # as many as a word may pair in a corpus this size
        own = ["quor" + "".join(chr(97 + int(d)) for d in f"{i}{k:02d}") for k in range(3)]
        texts.append(" ".join(w for pair in zip(own, shared, strict=True) for w in pair) + ".")
    assert len(texts) - 1 > RARE_MAX_PARTNERS
    return texts


def build(root: Path, seed: int = 7) -> Path:
    """Write the corpus under ``root`` and return it."""
    rng = random.Random(seed)
    filler = [_filler(rng) for _ in range(120)]
    boilerplate = [f"{_filler(rng)} {LICENCE}" for _ in range(MAX_SENTENCE_BUCKET + 6)]
    docs = root / "docs"
    docs.mkdir(parents=True)
    files: dict[str, list[str]] = {
        "a.txt": [BASE, PROFIT, STORY, *filler[:40]],
        "b.txt": [BASE.replace("Tuesday", "Wednesday"), *filler[40:80], RETOLD],
        "c.txt": [BASE, f"{QUOTE} The council gave no date for the report.", RETOLD_STORY],
        "d.md": ["# Notes", QUOTE, BASE.replace("two more", "three more"), *filler[80:]],
        "e.txt": boilerplate,
        "h.txt": _clique(),
    }
    for name, paragraphs in files.items():
        (docs / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    records = [{"id": i, "text": text} for i, text in enumerate([STORY, filler[3], LICENCE])]
    (docs / "f.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    broken = "Caf\xe9 menus were printed again for the summer fair on the green.".encode("latin-1")
    (docs / "g.txt").write_bytes(broken + b"\n\n" + broken + b"\n")
    return docs


@given(
    st.text(alphabet=st.sampled_from("ab\u00e9\\x8f \udc00\udc41\udc80\udcff\udc8f"), max_size=30)
)
def test_words_travel_through_arrow_unchanged(text: str) -> None:
    for word in words(text):
        escaped = spark._escaped(word)
        escaped.encode("utf-8")  # Arrow needs valid UTF-8
        assert spark._restored(escaped) == word


@pytest.fixture(scope="class")
def session() -> Iterator[Any]:
    options = spark.SparkOptions(master="local[2]", conf=(("spark.sql.shuffle.partitions", "4"),))
    started = spark.session(options)
    yield started
    started.stop()


class TestLocalMaster:
    """One classic session on ``local[2]`` for these tests, stopped before Spark Connect's."""

    def test_the_spark_report_is_the_local_report_byte_for_byte(
        self, session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        build(tmp_path)
        monkeypatch.chdir(tmp_path)
        config = Config(root=tmp_path)
        local = render_json(scan(["docs"], config))
        assert render_json(spark.scan(["docs"], config, session).report) == local
        data = json.loads(local)
        # The corpus holds what it should: every kind, and the texts that share the boilerplate
        # sentence (more than the sentence bucket's cap: both engines pair them as a star).
        assert set(data["stats"]["clusters_by_kind"]) == {"exact", "near", "contained", "reworded"}
        assert max(len(c["members"]) for c in data["clusters"]) > MAX_SENTENCE_BUCKET // 2
        assert data["warnings"], "the undecodable bytes are reported"

    def test_a_changed_setting_changes_both_engines_alike(
        self, session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        build(tmp_path)
        monkeypatch.chdir(tmp_path)
        config = Config(root=tmp_path, reworded=False, near_threshold=0.97, num_perm=64)
        local = render_json(scan(["docs"], config))
        stages: list[StageTime] = []
        work = str(tmp_path / "work")
        assert (
            render_json(spark.scan(["docs"], config, session, work, stages.append).report) == local
        )
        assert "reworded" not in json.loads(local)["stats"]["clusters_by_kind"]
        assert (tmp_path / "work" / "texts").is_dir(), "a given work folder is kept"
        # each stage timed as the local engine times its own; the JVM's CPU is not known
        read, *tables = stages
        paragraphs = json.loads(local)["stats"]["paragraphs"]
        assert (read.name, read.count, read.unit) == ("read (driver)", paragraphs, "paragraphs")
        assert {"texts", "pairs", "links"} <= {t.name for t in tables}
        assert all(t.unit == "rows" and t.workers is None for t in stages[1:])

    def test_the_spark_table_is_the_local_table(
        self, session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        build(tmp_path)
        monkeypatch.chdir(tmp_path)
        config = Config(root=tmp_path, fail_on=(Kind.NEAR,), fail_similarity=0.8)
        report = scan(["docs"], config)
        local_written = table.write_local(report, "local", config)
        scanned = spark.scan(["docs"], config, session, table=str(tmp_path / "spark"))
        assert scanned.report.clusters == ()
        assert scanned.written == local_written
        assert 0 < local_written.failing < local_written.clusters
        local_rows = pq.read_table("local/clusters")
        spark_rows = pq.read_table("spark/clusters")
        assert spark_rows.schema.remove_metadata() == local_rows.schema == table.SCHEMA
        key = [(name, "ascending") for name in table.KEY]
        assert spark_rows.sort_by(key).to_pylist() == local_rows.sort_by(key).to_pylist()
        # Everything but the clusters and the file list is the report's: the manifests match.
        assert table.manifest(scanned.report, scanned.written, config) == table.manifest(
            report, local_written, config
        )
        # The table gives back the report's clusters, in its order.
        again = replace(report, clusters=tuple(table.read_clusters("spark")))
        assert render_json(again) == render_json(report)

    def test_an_allowlist_leaves_out_the_same_paragraphs(
        self, session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        build(tmp_path)
        monkeypatch.chdir(tmp_path)
        boilerplate = [BASE.replace("Tuesday", "Thursday"), LICENCE, QUOTE, "Too short."]
        (tmp_path / "allow.txt").write_text("\n\n".join(boilerplate) + "\n", "utf-8")
        config = Config(root=tmp_path, allowlist=(tmp_path / "allow.txt",))
        local = render_json(scan(["docs"], config))
        assert render_json(spark.scan(["docs"], config, session).report) == local
        data = json.loads(local)
        # BASE and its three edits, QUOTE alone, the licence record (among others)
        assert data["stats"]["allowlisted_paragraphs"] >= 6
        texts = [m["text"] for c in data["clusters"] for m in c["members"]]
        assert not any("library committee" in t for t in texts)

    def test_a_dataset_gives_the_clusters_of_the_same_files(
        self, session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        docs = build(tmp_path)
        names = ["a.txt", "b.txt", "c.txt", "e.txt"]  # plain text: a record's text is cut alike
        plain = tmp_path / "plain"
        plain.mkdir()
        records = []
        for name in names:
            text = (docs / name).read_text("utf-8")
            (plain / name).write_text(text, "utf-8")
            records.append({"name": name, "body": {"text": text}})
        lines = "".join(json.dumps(r) + "\n" for r in [*records, {"name": "empty"}])
        (tmp_path / "records.jsonl").write_text(lines, "utf-8")
        pq.write_table(pa.Table.from_pylist(records), tmp_path / "records.parquet")
        monkeypatch.chdir(plain)
        local = report_dict(scan(["."], Config(root=plain)))
        config = Config(text_field="body.text")
        for dataset, file_format in (("records.jsonl", "jsonl"), ("records.parquet", "parquet")):
            path = str(tmp_path / dataset)
            scanned = spark.scan_dataset([path], file_format, config, session, "name")
            found = report_dict(scanned.report)
            assert found["clusters"] == local["clusters"]
            # The clusters table of a dataset, built on the executors, holds the same clusters.
            folder = str(tmp_path / f"table-{file_format}")
            spark.scan_dataset([path], file_format, config, session, "name", table=folder)
            tabled = replace(scanned.report, clusters=tuple(table.read_clusters(folder)))
            assert report_dict(tabled)["clusters"] == local["clusters"]
            # Not candidate_pairs: a boilerplate bucket's star centres on its smallest text id,
            # and a record's ids are hashes, not walk order.
            for key in ("paragraphs", "distinct_texts", "verified_pairs"):
                assert found["stats"][key] == local["stats"][key]
            assert found["files_scanned"] == [path]
            skipped = "1 records without a 'body.text' string; skipped"
            expected = [*local["warnings"]]  # the boilerplate bucket, paired as a star
            if file_format == "jsonl":  # the record without a text
                expected.append({"path": path, "message": skipped})
            assert sorted(found["warnings"], key=str) == sorted(expected, key=str)
        with pytest.raises(InputError, match="no field 'title'"):
            spark.scan_dataset([path], "parquet", Config(text_field="title"), session, "name")

    def test_components_are_those_of_a_union_find(self, session: Any, tmp_path: Path) -> None:
        rng = random.Random(3)
        ids = rng.sample(range(10**12), 400)
        path = ids[:80]  # a long chain: the rounds must carry the minimum all along it
        edges = list(pairwise(path))
        edges += [(x, y) for x, y in (rng.sample(ids[80:], 2) for _ in range(200))]
        links = session.createDataFrame([(min(e), max(e)) for e in edges], "a long, b long")
        with spark._Work(session, str(tmp_path)) as work:
            found = {r["tid"]: r["root"] for r in spark._components(links, work).collect()}
        index = {t: i for i, t in enumerate(ids)}
        forest = UnionFind(len(ids))
        for a, b in edges:
            forest.union(index[a], index[b])
        members: dict[int, list[int]] = {}
        for t in ids:
            members.setdefault(forest.find(index[t]), []).append(t)
        expected = {t: min(group) for group in members.values() if len(group) > 1 for t in group}
        assert found == expected


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(
    ready: Callable[[], bool], server: subprocess.Popen[bytes], log: Path, name: str
) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the {name} exited:\n{log.read_text()[-3000:]}")
        if ready():
            return
        time.sleep(0.5)
    pytest.fail(f"the {name} was not ready within 180 s:\n{log.read_text()[-3000:]}")


def _listening(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    return ready


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A server in its own process group, its output in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop a server started by ``_start`` and everything it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _spark_env(logs: Path) -> dict[str, str]:
    import pyspark

    return {
        **os.environ,
        "SPARK_HOME": str(Path(pyspark.__file__).parent),
        "SPARK_LOG_DIR": str(logs),
        "SPARK_PID_DIR": str(logs),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
    }


@pytest.fixture
def standalone_cluster(tmp_path: Path) -> Iterator[str]:
    """A Spark standalone cluster on 127.0.0.1: a master and one worker of two cores."""
    logs = tmp_path / "cluster-logs"
    logs.mkdir()
    env = _spark_env(logs)
    spark_class = str(Path(env["SPARK_HOME"]) / "bin" / "spark-class")
    deploy = "org.apache.spark.deploy"
    port = _free_port()
    master_url = f"spark://127.0.0.1:{port}"
    started = []
    try:
        master_log = logs / "master.out"
        master = _start(
            [
                *(spark_class, f"{deploy}.master.Master", "--host", "127.0.0.1"),
                *("--port", str(port), "--webui-port", str(_free_port())),
            ],
            env,
            master_log,
        )
        started.append(master)
        _wait_for(_listening(port), master, master_log, "standalone master")
        worker_log = logs / "worker.out"
        worker = _start(
            [
                *(spark_class, f"{deploy}.worker.Worker", "--host", "127.0.0.1"),
                *("--port", str(_free_port()), "--webui-port", str(_free_port())),
                *("--cores", "2", "--memory", "2g", "--work-dir", str(tmp_path / "worker")),
                master_url,
            ],
            env,
            worker_log,
        )
        started.append(worker)

        def registered() -> bool:
            return "Successfully registered with master" in worker_log.read_text("utf-8", "replace")

        _wait_for(registered, worker, worker_log, "standalone worker")
        yield master_url
    finally:
        for server in reversed(started):
            _stop(server)


def _same_report_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: list[str]
) -> bytes:
    """Scan the test corpus with the local engine and with ``engine`` options through the CLI;
    both exit 1 and write the same bytes, which are returned."""
    build(tmp_path)
    monkeypatch.chdir(tmp_path)
    common = ["scan", "docs", "--isolated", "--format", "json", "-o"]
    local = CliRunner().invoke(main, [*common, "local.json"])
    remote = CliRunner().invoke(main, [*common, "spark.json", "--engine", "spark", *engine])
    assert local.exit_code == 1, local.output
    assert remote.exit_code == 1, remote.output
    expected = (tmp_path / "local.json").read_bytes()
    assert (tmp_path / "spark.json").read_bytes() == expected
    return expected


def test_a_standalone_cluster_gives_the_local_report_through_the_cli(
    standalone_cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_cluster = [
        *["--master", standalone_cluster, "--work-dir", str(tmp_path / "work")],
        *("--spark-conf", "spark.driver.host=127.0.0.1"),
        *("--spark-conf", "spark.driver.bindAddress=127.0.0.1"),
        *("--spark-conf", "spark.executor.memory=1g"),
        *("--spark-conf", "spark.sql.shuffle.partitions=4"),
    ]
    _same_report_through_the_cli(tmp_path, monkeypatch, on_cluster)
    assert (tmp_path / "work" / "texts").is_dir(), "the stages' tables are in the work folder"
    assert list((tmp_path / "worker").iterdir()), "the worker ran the executor"


# Last: a Connect session marks the whole process as a Connect client (pyspark sets
# SPARK_CONNECT_MODE_ENABLED), so no classic session can start in it afterwards.
@pytest.fixture
def connect_server(tmp_path: Path) -> Iterator[str]:
    """A Spark Connect server on 127.0.0.1 (pyspark's own script, in the foreground)."""
    port = _free_port()
    logs = tmp_path / "connect-logs"
    logs.mkdir()
    env = _spark_env(logs)
    home = Path(env["SPARK_HOME"])
    settings = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
    }
    command = [str(home / "sbin" / "start-connect-server.sh"), "--wait", "--master", "local[2]"]
    for key, value in settings.items():
        command += ["--conf", f"{key}={value}"]
    log = logs / "server.out"
    server = _start(command, env, log)
    try:
        _wait_for(_listening(port), server, log, "Connect server")
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop(server)


def test_spark_connect_gives_the_local_report_through_the_cli(
    connect_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _same_report_through_the_cli(tmp_path, monkeypatch, ["--remote", connect_server])
    assert json.loads(expected)["clusters"]
    # The clusters table too: built by the server's executors, the same rows and manifest.
    tables = ["scan", "docs", "--isolated", "--format", "parquet", "-o"]
    assert CliRunner().invoke(main, [*tables, "local-table"]).exit_code == 1
    remote = CliRunner().invoke(
        main, [*tables, "spark-table", "--engine", "spark", "--remote", connect_server]
    )
    assert remote.exit_code == 1, remote.output
    key = [(name, "ascending") for name in table.KEY]
    rows = [pq.read_table(f"{name}-table/clusters").sort_by(key) for name in ("local", "spark")]
    assert rows[1].to_pylist() == rows[0].to_pylist()
    manifests = [
        (tmp_path / f"{name}-table" / "manifest.json").read_bytes() for name in ("local", "spark")
    ]
    assert manifests[1] == manifests[0]
