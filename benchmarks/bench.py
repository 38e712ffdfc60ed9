"""Speed and memory of ``dedup scan`` against the floor and against naive datasketch.

For each corpus size (``benchmarks.corpus``), every round runs, each in its own subprocess:
1. the floor (``benchmarks.floor``);
2. the naive datasketch pipeline (``benchmarks.naive``);
3. ``dedup scan`` with default settings, writing the JSON report to a file.
Wall time is taken around the child; CPU time (user + sys) comes from ``wait4``, so it includes
the child's worker processes; peak RSS is the largest sum of the resident sets of the child and
all its descendants, sampled every 20 ms (so a process pool counts all its workers; a child
that has not yet left its parent's memory for its own program is not counted twice). The
``ru_maxrss`` of ``wait4`` is not used: on Linux it starts from the parent's peak at ``exec``.
Ratios are taken within a round, then the median over rounds is shown, because the machines
are shared and noisy.

``make bench`` runs the default sizes; ``python -m benchmarks.bench --help`` shows the options
(``--million`` adds the 1M corpus; ``--naive-rounds`` and ``--naive-sample`` bound the naive
pipeline's cost, and the table then says the naive figures are fewer rounds or extrapolated;
``--against REF`` also runs the scan of an earlier commit in every round, from a worktree of it,
so that a change is measured side by side with what it changed, on the same machine and load).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.corpus import corpus_root
from dedup.timings import StageTime, parsed
from dedup.workers import first_on_path

SIZES = (30_000, 100_000, 300_000)
MILLION = 1_000_000
PROGRAMS = ("floor", "naive", "scan")
# Not one of the three: the scan without the reworded tier, to show what that tier costs.
LEXICAL = "scan-no-reworded"
# The same scan on Spark local[2] (--spark): start-up included. Its address space is not capped
# (a JVM reserves far more than it uses); its memory is bounded by the driver memory setting.
SPARK = "spark-local2"
SPARK_DRIVER_MEMORY = "2g"
# The scan of another commit (--against REF), run in every round right after this tree's.
BEFORE = "scan-before"


@dataclass(frozen=True, slots=True)
class Run:
    """One measured child process."""

    wall: float
    cpu: float
    rss_mb: float
    exit_code: int
    timed_out: bool = False
    stages: tuple[StageTime, ...] = ()  # what the program printed of its stages (--timings)


@dataclass(slots=True)
class Row:
    """Every round of one corpus size."""

    size: int
    rounds: list[dict[str, Run]] = field(default_factory=list)
    naive_note: str = ""
    naive_scale: float = 1.0  # paragraphs / paragraphs the naive run saw
    # per round, for each program that writes a report beside the scan's: the same bytes?
    identical: dict[str, list[bool]] = field(default_factory=dict)


def _tree_rss_kb(root: int) -> int:
    """The resident set of ``root`` and every descendant, in KiB (0 when it is gone)."""
    table: dict[int, tuple[int, int, int]] = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), int(fields[21]) * page_kb, int(fields[20]))
    return tree_rss_kb(table, root)


def tree_rss_kb(table: dict[int, tuple[int, int, int]], root: int) -> int:
    """The resident set of ``root`` and its descendants, from ``table``: each process's parent,
    resident set (KiB) and address space size (bytes), by process id.

    A child started with ``vfork`` (as ``subprocess`` starts one) runs in its parent's memory
    until it runs its program, and shows the parent's resident set and size meanwhile: it is
    not counted then, or a sample at that moment counts the parent twice (a 420 MB process
    starting 200 programs, sampled without pause: 649 of 62,269 samples of a child showed it
    at 420 MB).
    """
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        if pid not in table:
            continue
        parent, rss, size = table[pid]
        if pid != root and table.get(parent, (0, -1, -1))[1:] == (rss, size):
            continue  # the parent's memory, not yet its own
        total += rss
    return total


def programs(args: argparse.Namespace) -> tuple[str, ...]:
    extra = ((BEFORE,) if args.against else ()) + ((LEXICAL,) if args.no_reworded_too else ())
    return (*PROGRAMS, *extra, *((SPARK,) if args.spark else ()))


def measure(argv: list[str], timeout: float, memory_limit_mb: int, home: Path | None = None) -> Run:
    """Run ``argv`` and measure wall time, CPU time and peak RSS of it and its children; with
    ``home``, from that folder and with it first on the module path (``python -m`` imports
    from the folder it runs in: the earlier commit's worktree, not this tree).

    The child's address space is capped at ``memory_limit_mb``, so a run that would exhaust a
    shared machine fails instead (and the table says so).
    """
    limit = memory_limit_mb * 1024 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            preexec_fn=cap if limit else None,
            cwd=home,
            env=None if home is None else first_on_path(home),
        )
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], _tree_rss_kb(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        timed_out = not timer.is_alive()
        timer.cancel()
        done.set()
        sampler.join()
        child.returncode = code = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    if code not in (0, 1) and not timed_out:
        print(f"  {' '.join(argv)} failed ({code}): {stderr[-2000:]}", file=sys.stderr)
    cpu = usage.ru_utime + usage.ru_stime
    stages = tuple(parsed(stderr.splitlines()))
    return Run(wall, cpu, peak[0] / 1024, code, timed_out, stages)


def commands(docs: Path, report: Path, naive_limit: int | None) -> dict[str, list[str]]:
    """The command of each program (the Spark run writes its report beside the scan's)."""
    python = sys.executable
    naive = [python, "-m", "benchmarks.naive", str(docs)]
    if naive_limit is not None:
        naive.append(str(naive_limit))
    scan = [python, "-m", "dedup", "scan", str(docs), "--format", "json", "-o", str(report)]
    return {
        "floor": [python, "-m", "benchmarks.floor", str(docs)],
        "naive": naive,
        "scan": [*scan, "--root", str(docs), "--isolated", "--timings"],
        LEXICAL: [*scan, "--root", str(docs), "--isolated", "--no-reworded"],
        SPARK: [
            *scan[:-1],
            str(beside(report, SPARK)),
            *("--root", str(docs), "--isolated", "--engine", "spark", "--master", "local[2]"),
            *("--spark-conf", f"spark.driver.memory={SPARK_DRIVER_MEMORY}"),
        ],
        BEFORE: [*scan[:-1], str(beside(report, BEFORE)), "--root", str(docs), "--isolated"],
    }


def beside(report: Path, program: str) -> Path:
    """Where ``program`` writes the report that is compared with the scan's."""
    return report.with_name(f"report-{program}.json")


def run_size(size: int, args: argparse.Namespace, before: Path | None = None) -> Row:
    # Built in a child process: the bench process stays small, so the peak RSS a child
    # inherits from it across fork is not mistaken for the child's own.
    build = [sys.executable, "-m", "benchmarks.corpus", str(size), "--seed", str(args.seed)]
    subprocess.run(build, check=True, stdout=subprocess.DEVNULL)
    root = corpus_root(size, args.seed)
    docs = root / "docs"
    report = root / "report.json"
    sample = args.naive_sample if args.naive_sample and args.naive_sample < size else None
    row = Row(size)
    if sample is not None:
        row.naive_scale = size / sample
        row.naive_note = f"naive: first {sample} paragraphs, times x{row.naive_scale:.2f}"
    cmds = commands(docs, report, sample)
    homes = {} if before is None else {BEFORE: before}
    for round_ in range(args.rounds):
        runs: dict[str, Run] = {}
        for program in programs(args):
            if program == "naive" and round_ >= args.naive_rounds:
                continue
            limit = 0 if program == SPARK else args.memory_limit
            runs[program] = measure(cmds[program], args.timeout, limit, homes.get(program))
            print(f"  {size} round {round_ + 1} {program}: {_fmt_run(runs[program])}", flush=True)
        for program in (SPARK, BEFORE):
            if program in runs and "scan" in runs:
                same = beside(report, program).read_bytes() == report.read_bytes()
                row.identical.setdefault(program, []).append(same)
                print(
                    f"  {size} round {round_ + 1}: {program} report identical: {same}", flush=True
                )
        row.rounds.append(runs)
    naive_runs = sum("naive" in r for r in row.rounds)
    if naive_runs < args.rounds:
        row.naive_note = "; ".join(
            filter(None, [row.naive_note, f"naive: {naive_runs} of {args.rounds} rounds"])
        )
    return row


def _fmt_run(run: Run) -> str:
    flag = " TIMED OUT" if run.timed_out else ""
    return f"{run.wall:.2f} s wall, {run.cpu:.2f} s CPU, {run.rss_mb:.0f} MB{flag}"


def _flags(row: Row, program: str) -> str:
    runs = [r[program] for r in row.rounds if program in r]
    if any(run.timed_out for run in runs):
        return " (timed out)"
    if any(run.exit_code not in (0, 1) for run in runs):
        return " (failed)"
    return ""


def _median(row: Row, program: str, attr: str) -> float | None:
    values: list[float] = [getattr(r[program], attr) for r in row.rounds if program in r]
    if not values:
        return None
    scale = row.naive_scale if program == "naive" and attr in ("wall", "cpu") else 1.0
    return statistics.median(values) * scale


def _ratio(row: Row, top: str, bottom: str) -> float | None:
    values = [
        r[top].wall * (row.naive_scale if top == "naive" else 1.0) / r[bottom].wall
        for r in row.rounds
        if top in r and bottom in r
    ]
    return statistics.median(values) if values else None


def _cell(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows: list[Row], names: tuple[str, ...]) -> str:
    """The results as a Markdown table, with the notes under it."""
    head = ["paragraphs", "rounds"]
    for program in names:
        head += [f"{program} wall s", f"{program} CPU s", f"{program} RSS MB", f"{program} us/par"]
    head += ["scan/floor", "naive/scan"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes = []
    for row in rows:
        cells = [f"{row.size:,}", str(len(row.rounds))]
        for program in names:
            wall = _median(row, program, "wall")
            wall_cell = _cell(wall) + _flags(row, program)
            per = None if wall is None else wall / row.size * 1e6
            cells += [
                wall_cell,
                _cell(_median(row, program, "cpu")),
                _cell(_median(row, program, "rss_mb"), 0),
                _cell(per, 1),
            ]
        cells += [_cell(_ratio(row, "scan", "floor")), _cell(_ratio(row, "naive", "scan"))]
        lines.append("| " + " | ".join(cells) + " |")
        if row.naive_note:
            notes.append(f"* {row.size:,} paragraphs: {row.naive_note}")
        for program, identical in row.identical.items():
            ratio = _cell(_ratio(row, program, "scan"))
            same = "yes" if all(identical) else "NO"
            notes.append(
                f"* {row.size:,}: {program}/scan wall {ratio}; JSON report identical: {same}"
            )
    growth = _growth(rows)
    if growth:
        notes.append(growth)
    return "\n".join(lines + (["", *notes] if notes else []))


def stage_table(row: Row, program: str = "scan") -> str:
    """Where ``program``'s time went at one size: each stage it printed (``--timings``), the
    medians of its rounds, and what is left of its wall time outside the stages (the
    interpreter's start and imports, freeing the report, the exit); empty without stages."""
    runs = [r[program] for r in row.rounds if program in r and r[program].stages]
    if not runs:
        return ""
    wall = statistics.median(run.wall for run in runs)
    lines = [
        f"Stages of {program} at {row.size:,} paragraphs (medians of {len(runs)} rounds; "
        "CPU: the scan's own process, then its workers that ended in the stage):",
        "",
        "| stage | wall s | share of wall | CPU s | workers' CPU s | made |",
        "|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(stage.name for run in runs for stage in run.stages):
        found = [stage for run in runs for stage in run.stages if stage.name == name]
        stage_wall = statistics.median(stage.wall for stage in found)
        known = [stage.workers for stage in found if stage.workers is not None]
        workers = statistics.median(known) if known else None
        made = f"{statistics.median(stage.count for stage in found):,.0f} {found[0].unit}"
        lines.append(
            f"| {name} | {stage_wall:.2f} | {stage_wall / wall:.0%} "
            f"| {statistics.median(stage.cpu for stage in found):.2f} | {_cell(workers)} "
            f"| {made} |"
        )
    outside = statistics.median(run.wall - sum(stage.wall for stage in run.stages) for run in runs)
    lines.append(f"| outside the stages | {outside:.2f} | {outside / wall:.0%} | | | |")
    return "\n".join(lines)


def _growth(rows: list[Row]) -> str:
    if len(rows) < 2:
        return ""
    first, last = rows[0], rows[-1]
    a, b = _median(first, "scan", "wall"), _median(last, "scan", "wall")
    if a is None or b is None:
        return ""
    factor = (b / last.size) / (a / first.size)
    return f"* scan time per paragraph at {last.size:,} / at {first.size:,}: {factor:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated")
    parser.add_argument("--million", action="store_true", help="add the 1M-paragraph corpus")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--naive-rounds", type=int, default=1, help="rounds that run naive")
    parser.add_argument(
        "--naive-sample", type=int, default=0, help="run naive on this many paragraphs, scale up"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--memory-limit", type=int, default=8192, help="MB of address space per run (0: none)"
    )
    parser.add_argument(
        "--no-reworded-too",
        action="store_true",
        help=f"also run the scan without the reworded tier ({LEXICAL})",
    )
    parser.add_argument(
        "--spark", action="store_true", help=f"also run the scan on Spark local[2] ({SPARK})"
    )
    parser.add_argument(
        "--against",
        metavar="REF",
        help=f"also run the scan of git commit REF in every round ({BEFORE}), from a worktree",
    )
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.million:
        sizes.append(MILLION)
    with tempfile.TemporaryDirectory(prefix="dedup-before-") as folder:
        before = worktree(args.against, Path(folder) / "tree") if args.against else None
        try:
            rows = [run_size(size, args, before) for size in sizes]
        finally:
            if before is not None:
                _git("worktree", "remove", "--force", str(before))
    print()
    print(f"commit {_commit()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    if args.against:
        print(f"{BEFORE}: commit {_git('rev-parse', '--short', args.against)} ({args.against})")
    print(table(rows, programs(args)))
    for row in rows:
        stages = stage_table(row)
        if stages:
            print()
            print(stages)
    if args.json:
        args.json.write_text(json.dumps([_row_dict(r) for r in rows], indent=1) + "\n")


def _row_dict(row: Row) -> dict[str, object]:
    rounds = [{p: asdict(run) for p, run in r.items()} for r in row.rounds]
    return {"size": row.size, "naive_note": row.naive_note, "rounds": rounds}


def worktree(ref: str, path: Path) -> Path:
    """A checkout of commit ``ref`` at ``path`` (a git worktree: its files, this repository's
    history), for the scan of that commit to run from."""
    ok, said = _git_said("worktree", "add", "--detach", str(path), ref)
    if not ok:
        raise SystemExit(f"bench: cannot check out {ref!r} to run its scan: {said}")
    return path


def _git(*args: str) -> str:
    """What ``git`` prints, or nothing (no git, or not in a repository)."""
    ok, said = _git_said(*args)
    return said if ok else ""


def _git_said(*args: str) -> tuple[bool, str]:
    """Whether ``git`` succeeded, and what it printed; or its last line of errors, or why it
    could not run (no git here)."""
    try:
        result = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        return False, str(exc)
    if result.returncode != 0:
        return False, (result.stderr.strip().splitlines() or ["git failed"])[-1]
    return True, result.stdout.strip()


def _commit() -> str:
    return _git("describe", "--always", "--dirty") or "unknown"


if __name__ == "__main__":
    main()
