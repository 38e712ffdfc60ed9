"""gate.py: the exit code, from the report and the gate settings alone."""

from __future__ import annotations

import pytest

from dedup.config import Config
from dedup.gate import exit_code, failing
from dedup.models import Cluster, ClusterLink, FileError, Kind, Member, Report, Stats


def cluster(kind: Kind, similarity: float) -> Cluster:
    members = (Member("a.txt", 1, 1, "text"), Member("b.txt", 1, 1, "text"))
    return Cluster(1, kind, similarity, members, (ClusterLink(0, 1, kind, similarity),))


def report(
    clusters: tuple[Cluster, ...] = (), errors: int = 0, scanned: tuple[str, ...] = ("a.txt",)
) -> Report:
    stats = Stats(len(scanned), len(scanned), 2, 0, 2, 1, 1, 0.0)
    problems = tuple(FileError(f"bad{i}.txt", "cannot read: no permission") for i in range(errors))
    return Report(scanned, (), problems, (), clusters, stats)


FINDING = (cluster(Kind.NEAR, 0.9),)


# errors, anything scanned, findings at the gate, exit_zero -> exit code
MATRIX = [
    (0, True, False, False, 0),
    (0, True, False, True, 0),
    (0, True, True, False, 1),
    (0, True, True, True, 0),
    (0, False, False, False, 2),
    (0, False, False, True, 2),
    (0, False, True, False, 2),
    (0, False, True, True, 2),
    (1, True, False, False, 2),
    (1, True, False, True, 2),
    (1, True, True, False, 2),
    (1, True, True, True, 2),
    (1, False, False, False, 2),
    (1, False, False, True, 2),
    (1, False, True, False, 2),
    (1, False, True, True, 2),
]


@pytest.mark.parametrize(("errors", "scanned", "findings", "exit_zero", "expected"), MATRIX)
def test_the_full_matrix(
    errors: int, scanned: bool, findings: bool, exit_zero: bool, expected: int
) -> None:
    the_report = report(FINDING if findings else (), errors, ("a.txt",) if scanned else ())
    assert exit_code(the_report, Config(exit_zero=exit_zero)) == expected


def test_the_matrix_spelled_out() -> None:
    config, zero = Config(), Config(exit_zero=True)
    assert exit_code(report(), config) == 0
    assert exit_code(report(FINDING), config) == 1
    assert exit_code(report(FINDING), zero) == 0
    assert exit_code(report(FINDING, errors=1), config) == 2  # an error wins over findings
    assert exit_code(report(FINDING, errors=1), zero) == 2  # --exit-zero never hides an error
    assert exit_code(report(scanned=()), config) == 2  # nothing scanned
    assert exit_code(report(scanned=()), zero) == 2


def test_fail_on_chooses_the_kinds() -> None:
    mixed = report((cluster(Kind.EXACT, 1.0), cluster(Kind.REWORDED, 0.3)))
    assert exit_code(mixed, Config(fail_on=(Kind.REWORDED,))) == 1
    assert exit_code(mixed, Config(fail_on=(Kind.NEAR, Kind.CONTAINED))) == 0
    assert exit_code(mixed, Config(fail_on=())) == 0
    assert [c.kind for c in failing(mixed, Config(fail_on=(Kind.EXACT,)))] == [Kind.EXACT]


def test_fail_similarity_is_inclusive() -> None:
    weak = report((cluster(Kind.REWORDED, 0.3),))
    assert exit_code(weak, Config(fail_similarity=0.3)) == 1
    assert exit_code(weak, Config(fail_similarity=0.3001)) == 0
    assert failing(weak, Config(fail_similarity=0.31)) == []
    assert exit_code(report(FINDING, errors=1), Config(fail_similarity=1.0)) == 2
