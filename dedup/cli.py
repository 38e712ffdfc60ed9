"""The ``dedup`` command: parse flags, build a ``Config``, scan, report, exit.

No algorithm lives here. Results go to stdout (or ``--output``), progress and messages to
stderr, and the exit code comes from ``gate.exit_code`` alone.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import stat
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console

from dedup import __version__, baseline
from dedup.config import Config, find_config_file, load_config_file, parse_kinds
from dedup.errors import ConfigError, DedupError, ExitCode
from dedup.gate import eval_exit_code, exit_code
from dedup.models import Cluster, Report
from dedup.pipeline import scan as run_scan
from dedup.pipeline import without_cycle_collection
from dedup.progress import DelayedBar
from dedup.reporters import REPORTERS
from dedup.reporters.console import printable, render_console
from dedup.timings import StageTime, Stopwatch, Timings

if TYPE_CHECKING:  # pyarrow is needed only for --format parquet; evaluation only to `eval`
    from dedup.evaluate import Evaluation
    from dedup.table import Written

KIND_HELP = "exact, near, contained, reworded (comma-separated), all or none"


def _stderr_console(color: str) -> Console:
    # soft_wrap: a message stays on one line in CI logs, whatever the terminal width
    return Console(stderr=True, highlight=False, soft_wrap=True, **_color_args(color))


def _color_args(color: str) -> dict[str, Any]:
    """Rich settings for ``--color``: the flag, then FORCE_COLOR, then NO_COLOR, then the TTY."""
    if color == "always" or (color == "auto" and os.environ.get("FORCE_COLOR")):
        return {"force_terminal": True, "no_color": False}
    if color == "never":
        return {"no_color": True, "force_terminal": False}
    return {}  # rich looks at the TTY and at NO_COLOR


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find duplicate and near-duplicate paragraphs across a folder of documents."""


# Set by ``run``: this process is the ``dedup`` command, and ends with the command.
_AS_COMMAND = False


def run() -> None:
    """The ``dedup`` command (and ``python -m dedup``): ``main``, in a process of its own, which
    ``_finish`` may end without freeing what the command built."""
    global _AS_COMMAND
    _AS_COMMAND = True
    main()


# The options that choose, read and match paragraphs: the same for every command that scans.
_SCAN_SETTINGS = [
    click.option(
        "--min-words", type=click.IntRange(1), help="Shorter paragraphs: exact matching only."
    ),
    click.option("--near-threshold", type=click.FloatRange(0, 1), help="Word alignment for near."),
    click.option(
        "--contained-threshold",
        type=click.FloatRange(0, 1),
        help="Share of the shorter text aligned.",
    ),
    click.option(
        "--reworded-threshold",
        type=click.FloatRange(0, 1),
        help="Content-word alignment for reworded (paragraphs over 40 words).",
    ),
    click.option(
        "--reworded-probability",
        type=click.FloatRange(0, 1),
        help="Model probability for reworded (texts up to 40 words).",
    ),
    click.option("--no-reworded", is_flag=True, default=None, help="Skip the reworded tier."),
    click.option("--exclude", multiple=True, metavar="GLOB", help="Leave out matching paths."),
    click.option(
        "--include",
        multiple=True,
        metavar="GLOB",
        help="Scan only matching files (files named as PATHS always are).",
    ),
    click.option(
        "--text-field",
        metavar="NAME",
        help="Field holding the text of a .jsonl record [default: text].",
    ),
    click.option("--hidden", is_flag=True, default=None, help="Scan hidden files and folders."),
    click.option(
        "--no-ignore",
        is_flag=True,
        default=None,
        help="Do not honour .gitignore, .ignore, .dedupignore.",
    ),
    click.option("--follow", is_flag=True, default=None, help="Follow symbolic links."),
    click.option("--max-file-size", type=click.IntRange(1), help="Skip larger files (bytes)."),
    click.option(
        "--max-paragraph-chars",
        type=click.IntRange(1),
        help="Longer paragraphs: exact matching only, with a warning.",
    ),
    click.option(
        "--encoding", metavar="LABEL", help="Codec of files without a BOM [default: utf-8]."
    ),
    click.option(
        "--text",
        "binary_as_text",
        is_flag=True,
        default=None,
        help="Read files with NUL bytes as text (NULs kept).",
    ),
    click.option(
        "--max-depth",
        type=click.IntRange(0),
        metavar="N",
        help="Do not enter folders deeper than N.",
    ),
    click.option("-j", "--jobs", type=click.IntRange(0, 256), help="Worker processes (0: auto)."),
    click.option(
        "--root",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        help="Report paths relative to this folder [default: current folder].",
    ),
    click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="Settings file (pyproject.toml with [tool.dedup], or dedup.toml).",
    ),
    click.option("--isolated", is_flag=True, help="Ignore every settings file."),
]


def _scan_settings(command: Callable[..., None]) -> Callable[..., None]:
    """Apply ``_SCAN_SETTINGS`` to a command, in the order they are listed."""
    for option in reversed(_SCAN_SETTINGS):
        command = option(command)
    return command


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted([*REPORTERS, "parquet"])),
    default="console",
    show_default=True,
    help="Report format (parquet: the clusters table and a manifest, in the folder -o names).",
)
@click.option("-o", "--output", type=click.Path(), help="Write the report here.")
@click.option("--exit-zero", is_flag=True, default=None, help="Exit 0 on findings (errors: 2).")
@click.option(
    "--allow-empty", is_flag=True, default=None, help="Scanning no file at all is not an error."
)
@click.option("--fail-on", metavar="KINDS", help=f"Kinds that fail the check: {KIND_HELP}.")
@click.option(
    "--fail-similarity",
    type=click.FloatRange(0, 1),
    help="Fail only on clusters at least this similar (0..1).",
)
@_scan_settings
@click.option(
    "--baseline",
    metavar="FILE",
    help="Accepted repeats: fail only on new clusters and new copies.",
)
@click.option(
    "--update-baseline",
    metavar="FILE",
    help="Record today's clusters in FILE as accepted (exit 0 unless an error).",
)
@click.option(
    "--allowlist",
    multiple=True,
    metavar="FILE",
    help="Paragraphs of boilerplate never to report, nor their near copies (repeatable).",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Report only clusters touching lines changed since git REF (and untracked files).",
)
@click.option(
    "--staged", is_flag=True, default=None, help="Report only clusters touching staged lines."
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour on a terminal; NO_COLOR and FORCE_COLOR are honoured.",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="List skipped files (and Spark's stages) on stderr."
)
@click.option(
    "--timings", is_flag=True, help="Print each stage's wall and CPU time on stderr at the end."
)
@click.option("--debug", is_flag=True, help="Show a traceback on an internal error.")
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="Run the matching stages here or on Apache Spark (pip install 'dedup[spark]').",
)
@click.option("--master", metavar="URL", help="Spark master: local[*], spark://, yarn, k8s://.")
@click.option("--remote", metavar="URL", help="Spark Connect server: sc://host:port.")
@click.option(
    "--spark-conf",
    multiple=True,
    metavar="KEY=VALUE",
    help="A Spark setting, e.g. spark.sql.shuffle.partitions=64.",
)
@click.option(
    "--work-dir",
    metavar="URI",
    help="Folder for Spark's stage tables, one every executor reads [default: a temp folder].",
)
@click.option(
    "--dataset",
    type=click.Choice(["jsonl", "parquet"]),
    help="With --engine spark: PATHS are datasets on any path Spark reads, a document a record.",
)
@click.option(
    "--id-field",
    metavar="NAME",
    help="With --dataset: the field naming each record (stands for the path) [default: id].",
)
def scan(
    paths: tuple[str, ...],
    output_format: str,
    output: str | None,
    config_file: Path | None,
    isolated: bool,
    color: str,
    verbose: bool,
    timings: bool,
    debug: bool,
    engine: str,
    master: str | None,
    remote: str | None,
    spark_conf: tuple[str, ...],
    work_dir: str | None,
    dataset: str | None,
    id_field: str | None,
    **flags: Any,
) -> None:
    """Scan PATHS (files and folders; default: the current folder) for repeated paragraphs.

    \b
    Exit status: 0 nothing at or above the gate, 1 repeats found, 2 error
    (bad usage or settings, a missing path, a file that could not be read,
    nothing scanned, a bad baseline). An error wins over findings. With
    --baseline only new repeats count.

    \b
    Examples:
      dedup scan docs/
      dedup scan docs/ --format json --output report.json
      dedup scan . --fail-on exact,near --fail-similarity 0.9
      dedup scan docs/ --update-baseline .dedup-baseline.json
      dedup scan docs/ --baseline .dedup-baseline.json --changed-since main
    """
    _tolerant_streams()
    err = _stderr_console(color)
    kept: list[Report] = []  # the report, alive until ``_finish`` ends the process

    def body() -> ExitCode:
        config = build_config(flags, config_file, isolated)
        spark = _spark_options(engine, master, remote, spark_conf, work_dir)
        if spark is not None and dataset is not None:
            spark.update(dataset=dataset, id_field=id_field or "id")
        elif id_field is not None or dataset is not None:
            raise ConfigError(
                "--id-field needs --dataset"
                if dataset is None
                else "--dataset needs --engine spark"
            )
        folder = _table_folder(output_format, output, config)
        settings_file = None if isolated else config_file or find_config_file(Path.cwd())
        avoid = _own_files(output, settings_file)
        written = None
        stages: list[StageTime] = []
        timed = stages.append if timings else None
        if spark is None:
            report = _scan_with_progress(list(paths) or ["."], config, err, avoid, timed)
        else:
            shown = err if verbose or timings else None
            report, written = _scan_on_spark(
                list(paths) or ["."], config, spark, avoid, shown, folder
            )
        kept.append(report)
        watch = Stopwatch(timed)
        _messages(report, err, verbose, config.allow_empty)
        if folder is not None:
            failing = _write_table(report, written, folder, config, err)
            code = exit_code(report, config, failing)
        else:
            if config.update_baseline:
                _update_baseline(report, config, err)
            try:
                _write(report, output_format, output, color)
            except BrokenPipeError:  # `dedup scan | head`: stop writing quietly, keep the verdict
                _silence_stdout()
            code = exit_code(report, config)
        watch.lap("report", len(report.clusters), "clusters")
        for stage in stages:
            err.print(stage.line(), markup=False, highlight=False)
        return code

    # Spark's driver talks to the JVM through py4j, whose objects are freed by the collector.
    _finish(body, err, debug, cycles=engine == "spark")


def _finish(
    body: Callable[[], ExitCode], err: Console, debug: bool, cycles: bool = False
) -> NoReturn:
    """Run a command's body and exit: the one boundary where exceptions become exit codes.

    The code itself comes from ``gate``; here only errors (2) and interrupts (130) are mapped,
    each with one line on stderr, and a traceback only with ``--debug``. Unless ``cycles``, the
    body runs with reference counting alone: a large scan and its report are millions of
    objects in no cycle. As the ``dedup`` command (``run``), the process then ends without
    turning the collector on again, whose first run would walk every object the command made
    (0.18 s after a 300k-paragraph report is written), nor freeing them one by one (0.17 s
    more), its output flushed first: by then no worker, thread or temporary file is left. With
    ``cycles`` (Spark: its JVM is stopped at the interpreter's exit) it ends as usual.
    """
    quick = _AS_COMMAND and not cycles
    if quick:
        gc.disable()  # for good: the process ends with the command
    try:
        with nullcontext() if cycles or quick else without_cycle_collection():
            code = body()
    except DedupError as exc:
        err.print(f"dedup: error: {exc}", markup=False, highlight=False)
        code = ExitCode.ERROR
    except KeyboardInterrupt:
        err.print("dedup: interrupted; no report was written", markup=False, highlight=False)
        code = ExitCode.INTERRUPTED
    except Exception as exc:
        if debug:
            traceback.print_exc()
        err.print(
            f"dedup: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            markup=False,
        )
        code = ExitCode.ERROR
    if quick:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # closed, or a pipe closed early
                stream.flush()
        os._exit(int(code))
    sys.exit(int(code))


_FLAG_FIELDS = {
    "fail_similarity": "fail_similarity",
    "min_words": "min_words",
    "near_threshold": "near_threshold",
    "contained_threshold": "contained_threshold",
    "reworded_threshold": "reworded_threshold",
    "reworded_probability": "reworded_probability",
    "hidden": "hidden",
    "follow": "follow_symlinks",
    "max_file_size": "max_file_size",
    "max_paragraph_chars": "max_paragraph_chars",
    "max_depth": "max_depth",
    "encoding": "encoding",
    "binary_as_text": "binary_as_text",
    "text_field": "text_field",
    "jobs": "jobs",
    "root": "root",
    "exit_zero": "exit_zero",
    "changed_since": "changed_since",
    "staged": "staged",
    "allow_empty": "allow_empty",
}


def build_config(flags: dict[str, Any], config_file: Path | None, isolated: bool) -> Config:
    """Defaults < settings file < flags given on the command line."""
    settings: dict[str, Any] = {}
    if not isolated:
        path = config_file or find_config_file(Path.cwd())
        if path is not None:
            settings.update(load_config_file(path))
    for flag, name in _FLAG_FIELDS.items():
        if flags.get(flag) is not None:
            settings[name] = flags[flag]
    if flags.get("fail_on") is not None:
        settings["fail_on"] = parse_kinds(flags["fail_on"], "--fail-on")
    if flags.get("no_reworded"):
        settings["reworded"] = False
    if flags.get("no_ignore"):
        settings["gitignore"] = False
    for name in ("exclude", "include"):
        if flags.get(name):
            settings[name] = (*settings.get(name, ()), *flags[name])
    if flags.get("allowlist"):
        settings["allowlist"] = (*settings.get("allowlist", ()), *map(Path, flags["allowlist"]))
    if flags.get("baseline") is not None:
        settings["baseline"] = Path(flags["baseline"])
    if flags.get("update_baseline") is not None:
        settings["baseline"] = Path(flags["update_baseline"])
        settings["update_baseline"] = True
    try:
        return Config(**settings)
    except TypeError as exc:  # pragma: no cover - settings keys are checked on load
        raise ConfigError(str(exc)) from exc


def _spark_options(
    engine: str, master: str | None, remote: str | None, conf: tuple[str, ...], work_dir: str | None
) -> dict[str, Any] | None:
    """The Spark engine's settings, or ``None`` for the local engine."""
    if engine != "spark":
        given = [n for n, v in (("--master", master), ("--remote", remote)) if v] + [
            n for n, v in (("--spark-conf", conf), ("--work-dir", work_dir)) if v
        ]
        if given:
            raise ConfigError(f"{given[0]} needs --engine spark")
        return None
    if master and remote:
        raise ConfigError("give --master or --remote, not both")
    pairs = []
    for item in conf:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--spark-conf {item!r}: write it as KEY=VALUE")
        pairs.append((key.strip(), value.strip()))
    return {"master": master, "remote": remote, "conf": tuple(pairs), "work_dir": work_dir}


def _table_folder(output_format: str, output: str | None, config: Config) -> str | None:
    """With ``--format parquet``: the table's folder (made, its old manifest removed), absolute
    so that Spark reads it as this process does; checked before anything is scanned."""
    if output_format != "parquet":
        if output is not None and os.path.isdir(output):
            raise ConfigError(f"-o {output}: a folder (only --format parquet writes a folder)")
        return None
    if output is None:
        raise ConfigError("--format parquet writes a folder: name it with -o DIR")
    try:
        from dedup import table
    except ImportError as exc:
        raise ConfigError(
            f"--format parquet needs pyarrow ({exc}): pip install 'dedup[parquet]'"
        ) from None
    table.check_table_settings(config)
    folder = output if "://" in output else os.path.abspath(output)
    table.clear(folder)
    return folder


def _write_table(
    report: Report, written: Written | None, folder: str, config: Config, err: Console
) -> int:
    """The manifest (and, from the local engine, the table); the failing clusters' count."""
    from dedup import table

    if written is None:
        written = table.write_local(report, folder, config)
    table.write_manifest(folder, table.manifest(report, written, config))
    err.print(
        f"dedup: wrote {written.clusters:,} clusters ({written.rows:,} rows) to {folder}",
        markup=False,
        highlight=False,
    )
    return written.failing


def _scan_on_spark(
    paths: list[str],
    config: Config,
    settings: dict[str, Any],
    avoid: list[Path],
    err: Console | None,
    table: str | None = None,
) -> tuple[Report, Written | None]:
    try:
        from dedup.engines import spark
    except ImportError as exc:
        raise ConfigError(
            f"--engine spark needs pyspark ({exc}): pip install 'dedup[spark]'"
        ) from exc
    dataset, id_field = settings.pop("dataset", None), settings.pop("id_field", "id")
    options = spark.SparkOptions(**settings)
    session = spark.session(options)

    def shown(stage: StageTime) -> None:
        assert err is not None
        err.print(stage.line(), markup=False, highlight=False)

    stage = shown if err is not None else None  # counting each stage's rows costs a job
    try:
        if dataset is not None:
            scanned = spark.scan_dataset(
                paths, dataset, config, session, id_field, options.work_dir, stage, table
            )
        else:
            scanned = spark.scan(paths, config, session, options.work_dir, stage, avoid, table)
    finally:
        session.stop()
    return scanned.report, scanned.written


def _tolerant_streams() -> None:
    """Never crash printing a file name that is not valid UTF-8 (mypy does the same)."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _own_files(output: str | None, settings_file: Path | None) -> list[Path]:
    """Files the scan must not read: the report file (or the files of the table's folder), the
    file stdout goes to, the settings."""
    own = [Path(output)] if output else []
    if output and os.path.isdir(output):
        own.extend(p for p in Path(output).rglob("*") if p.is_file())
    if settings_file is not None:
        own.append(settings_file)
    with contextlib.suppress(OSError, ValueError):  # not a real file (a test runner's buffer)
        own.append(Path(f"/dev/fd/{sys.stdout.fileno()}"))
    return own


def _scan_with_progress(
    paths: list[str],
    config: Config,
    err: Console,
    avoid: list[Path],
    timings: Timings | None = None,
) -> Report:
    if not _isatty(err.file):  # a bar only on a real terminal, whatever --color says
        return run_scan(paths, config, avoid=avoid, timings=timings)
    bar = DelayedBar(err)
    try:
        return run_scan(paths, config, bar, avoid, timings)
    finally:
        bar.close()


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _messages(report: Report, err: Console, verbose: bool, allow_empty: bool = False) -> None:
    for error in report.errors:
        err.print(f"dedup: {printable(error.path)}: {error.message}", markup=False, highlight=False)
    for warning in report.warnings:
        err.print(f"dedup: warning: {printable(warning.path)}: {warning.message}", markup=False)
    if verbose:
        for skipped in report.skipped:
            err.print(f"dedup: skipped {printable(skipped.path)}: {skipped.reason}", markup=False)
    if not report.files_scanned:
        level = "warning" if allow_empty else "error"
        err.print(
            f"dedup: {level}: no files were scanned; a filter may exclude them "
            "(see --hidden, --no-ignore, --exclude; -v lists skipped files)",
            markup=False,
        )


def _update_baseline(report: Report, config: Config, err: Console) -> None:
    """Write the baseline of ``report``, unless the scan was partial; say what changed."""
    assert config.baseline is not None
    path = config.baseline
    if report.errors:
        raise DedupError(f"baseline {path} not written: the scan had errors")
    fresh = baseline.from_report(report)
    try:
        before = Counter(baseline.load(path).copies)
    except baseline.BaselineError:
        before = Counter()
    text = baseline.render(fresh)

    def write(stream: IO[str]) -> None:
        stream.write(text)

    _atomic_write(path, write)
    after = Counter(fresh.copies)
    err.print(
        f"dedup: wrote baseline {path}: {len(fresh)} copies in {len(report.clusters)} clusters "
        f"accepted (+{(after - before).total()} -{(before - after).total()})",
        markup=False,
        highlight=False,
    )


def _write(report: Report, output_format: str, output: str | None, color: str) -> None:
    if output is None:
        if output_format == "console":
            render_console(report, sys.stdout, Console(highlight=False, **_color_args(color)))
        else:
            REPORTERS[output_format](report, sys.stdout)
        return
    _atomic_write(Path(output), lambda stream: REPORTERS[output_format](report, stream))


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, or what ``open`` would give a new file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _atomic_write(path: Path, write: Callable[[IO[str]], None]) -> None:
    """Write through a temporary file in the same folder, then rename it into place.

    A reader never sees half a report, and a failed write leaves the old file as it was.
    A symbolic link is followed (the file it points to is replaced, the link kept); a target
    that is not a regular file (``/dev/stdout``, a FIFO) is written directly, never replaced.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except OSError:
        mode = None
    try:
        if mode is not None and not stat.S_ISREG(mode):
            with target.open(
                "w", encoding="utf-8", errors="backslashreplace", newline="\n"
            ) as stream:
                write(stream)
            return
        fd, tmp = tempfile.mkstemp(prefix=".dedup-", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise DedupError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        os.fchmod(fd, _file_mode(target))  # mkstemp makes 0600; a report or baseline is shared
        with os.fdopen(
            fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n"
        ) as stream:
            write(stream)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise DedupError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


@main.command(name="eval")
@click.argument("labels", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Score this JSON report (dedup scan --format json) instead of scanning.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["console", "json"]),
    default="console",
    show_default=True,
    help="Output format.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the scores here.")
@_scan_settings
@click.option("--debug", is_flag=True, help="Show a traceback on an internal error.")
def eval_(
    labels: Path,
    paths: tuple[str, ...],
    report_file: Path | None,
    output_format: str,
    output: str | None,
    config_file: Path | None,
    isolated: bool,
    debug: bool,
    **flags: Any,
) -> None:
    """Score a scan of PATHS (default: the labels file's folder) against LABELS.

    \b
    LABELS is JSON Lines: pairs {"a": {"path", "line"}, "b": {...}, "label": 0|1}
    and/or clusters {"members": [{"path", "line"}, ...]}; paths are relative to
    the labels file's folder. Prints pairwise precision, recall and F1 (also per
    kind and per group), the adjusted Rand index of cluster labels, and
    precision/recall across similarity thresholds.

    \b
    Exit status: 0 scored, 2 error (bad labels or report, or a partial scan).

    \b
    Examples:
      dedup eval labels.jsonl docs/
      dedup eval labels.jsonl --report report.json --format json
    """
    err = _stderr_console("auto")

    def body() -> ExitCode:
        from dedup.evaluate import check_scanned, evaluate, load_labels

        config = build_config(flags, config_file, isolated)
        gold = load_labels(labels)
        report: Report | None = None
        if report_file is not None:
            clusters, scanned = _read_report(report_file)
        else:
            targets = list(paths) or [str(labels.parent)]
            report = _scan_with_progress(targets, config, err, _own_files(output, None))
            _messages(report, err, verbose=False)
            clusters, scanned = list(report.clusters), list(report.files_scanned)
        check_scanned(gold, scanned, config.root)
        evaluation = evaluate(gold, clusters, config.root)
        _write_evaluation(evaluation, output_format, output)
        return eval_exit_code(report)

    _finish(body, err, debug)


def _read_report(path: Path) -> tuple[list[Cluster], list[str]]:
    """The clusters of a saved JSON report and the files its scan read."""
    from dedup.evaluate import clusters_from_json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DedupError(f"{path}: cannot read the JSON report: {exc}") from exc
    scanned = data.get("files_scanned") if isinstance(data, dict) else None
    if not isinstance(scanned, list) or not all(isinstance(p, str) for p in scanned):
        raise DedupError(f"{path}: not a dedup JSON report (no files_scanned list)")
    return clusters_from_json(data, str(path)), scanned


def _write_evaluation(evaluation: Evaluation, output_format: str, output: str | None) -> None:
    from dedup.reporters.evaluation import render_eval_console, render_eval_json

    def write(stream: IO[str]) -> None:
        if output_format == "json":
            render_eval_json(evaluation, stream)
        else:
            render_eval_console(evaluation, Console(file=stream, highlight=False, width=100))

    if output is None:
        if output_format == "console":
            render_eval_console(evaluation, Console(highlight=False))
        else:
            render_eval_json(evaluation, sys.stdout)
        return
    _atomic_write(Path(output), write)
