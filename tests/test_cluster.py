"""cluster.py: N-way clusters, the weakest link, deterministic order, no recursion."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup.cluster
from dedup.cluster import Group, LinkTable, UnionFind, _link_order, build_clusters, groups
from dedup.models import ClusterLink, Kind, Link, Member, Paragraph


def paragraph(pid: int, path: str, line: int = 1, text: str = "some words here") -> Paragraph:
    return Paragraph(pid, path, line, line, text)


def single(*paths: str) -> list[list[Paragraph]]:
    """One paragraph per distinct text, text i in file ``paths[i]``."""
    return [[paragraph(i, p)] for i, p in enumerate(paths)]


def test_a_chain_is_one_cluster_with_two_links_and_the_weakest_reported() -> None:
    # A~B and B~C verified, A and C not: one cluster, the chain visible in its links.
    links = [Link(0, 1, Kind.NEAR, 0.9), Link(1, 2, Kind.NEAR, 0.8)]
    (cluster,) = build_clusters(single("a.txt", "b.txt", "c.txt"), links)
    assert [m.path for m in cluster.members] == ["a.txt", "b.txt", "c.txt"]
    assert cluster.links == (
        ClusterLink(0, 1, Kind.NEAR, 0.9),
        ClusterLink(1, 2, Kind.NEAR, 0.8),
    )
    assert (cluster.kind, cluster.similarity) == (Kind.NEAR, 0.8)
    assert cluster.weakest == ClusterLink(1, 2, Kind.NEAR, 0.8)


def test_a_cluster_takes_the_kind_of_its_weakest_link() -> None:
    links = [Link(0, 1, Kind.CONTAINED, 0.95, inner=1), Link(1, 2, Kind.REWORDED, 0.3)]
    (cluster,) = build_clusters(single("a.txt", "b.txt", "c.txt"), links)
    assert (cluster.kind, cluster.similarity) == (Kind.REWORDED, 0.3)
    contained = next(k for k in cluster.links if k.kind is Kind.CONTAINED)
    assert contained.inner == 1  # the member index of b.txt


def test_a_cycle_keeps_a_maximum_spanning_tree() -> None:
    links = [Link(0, 2, Kind.NEAR, 0.76), Link(0, 1, Kind.NEAR, 0.9), Link(1, 2, Kind.NEAR, 0.8)]
    (cluster,) = build_clusters(single("a.txt", "b.txt", "c.txt"), links)
    assert [(k.a, k.b, k.similarity) for k in cluster.links] == [(0, 1, 0.9), (1, 2, 0.8)]
    assert cluster.similarity == 0.8


def test_exact_copies_link_to_the_first_occurrence() -> None:
    occurrences = [
        [paragraph(0, "b.txt", 5), paragraph(1, "a.txt", 2), paragraph(2, "b.txt", 9)],
        [paragraph(3, "c.txt")],
    ]
    (cluster,) = build_clusters(occurrences, [])
    assert [(m.path, m.start_line) for m in cluster.members] == [
        ("a.txt", 2),
        ("b.txt", 5),
        ("b.txt", 9),
    ]
    # the first occurrence in walk order (b.txt:5) is member 1
    assert cluster.links == (ClusterLink(1, 0, Kind.EXACT, 1.0), ClusterLink(1, 2, Kind.EXACT, 1.0))
    assert (cluster.kind, cluster.similarity, cluster.id) == (Kind.EXACT, 1.0, 1)


def test_a_text_seen_once_and_unlinked_is_no_cluster() -> None:
    assert build_clusters(single("a.txt", "b.txt"), []) == []


def test_clusters_are_ordered_by_repeated_words_then_numbered() -> None:
    long_text = " ".join(["word"] * 20)
    occurrences = [
        [paragraph(0, "a.txt", 1), paragraph(1, "a.txt", 3)],
        [paragraph(2, "b.txt", 1, long_text), paragraph(3, "c.txt", 1, long_text)],
    ]
    clusters = build_clusters(occurrences, [])
    assert [(c.id, c.members[0].path) for c in clusters] == [(1, "b.txt"), (2, "a.txt")]
    assert [c.repeated_words for c in clusters] == [20, 3]


def test_the_order_of_the_links_does_not_matter() -> None:
    paths = [f"f{i:02}.txt" for i in range(12)]
    links = [Link(i, i + 1, Kind.NEAR, round(0.76 + i / 100, 4)) for i in range(0, 10, 2)]
    links += [Link(0, 5, Kind.REWORDED, 0.3), Link(7, 9, Kind.CONTAINED, 0.9, inner=9)]
    expected = build_clusters(single(*paths), links)
    for seed in range(5):
        shuffled = links[:]
        random.Random(seed).shuffle(shuffled)
        assert build_clusters(single(*paths), shuffled) == expected


def test_a_long_chain_needs_no_recursion() -> None:
    n = 100_000
    forest = UnionFind(n)
    forest.parent = [min(i + 1, n - 1) for i in range(n)]  # the deepest tree there is
    assert forest.find(0) == n - 1
    assert forest.find(1) == n - 1
    m = 20_000  # a chain of links through build_clusters (smaller: building the input is slow)
    occurrences = [[Paragraph(i, "a.txt", i + 1, i + 1, "w")] for i in range(m)]
    links = [Link(i, i + 1, Kind.NEAR, 0.8) for i in range(m - 1)]
    (cluster,) = build_clusters(occurrences, links)
    assert len(cluster.members) == m
    assert len(cluster.links) == m - 1
    assert cluster.members[-1] == Member("a.txt", m, m, "w")


def test_a_link_table_gives_the_links_back_and_in_kruskal_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Columns in, the same links out: as added, and sorted as ``groups`` sorts Link objects
    (the most similar first, ties by kind, then by ids), so both give the same groups."""
    monkeypatch.setattr(dedup.cluster, "_OBJECTS", 7)  # made into objects in many blocks
    rng = random.Random(11)
    links = []
    for _ in range(400):
        a, b = sorted(rng.sample(range(120), 2))
        kind = rng.choice([Kind.NEAR, Kind.CONTAINED, Kind.REWORDED])
        inner = rng.choice([a, b]) if kind is Kind.CONTAINED else None
        links.append(Link(a, b, kind, rng.choice([0.5, 0.75, 0.9, 1.0, rng.random()]), inner))
    links = list({(k.a, k.b): k for k in links}.values())  # one link a pair, as verified
    table = LinkTable()
    table.extend(links)
    assert len(table) == len(links)
    assert list(table) == links
    assert list(table.strongest_first()) == sorted(links, key=_link_order)
    copies = [rng.randint(1, 3) for _ in range(120)]
    assert groups(copies, table) == groups(copies, links)


def kruskal_groups(copies: Sequence[int], links: Sequence[Link]) -> list[Group]:
    """The groups the plain way: Kruskal with a union-find over the sorted links, members by
    root in text order."""
    forest = UnionFind(len(copies))
    tree = [k for k in sorted(links, key=_link_order) if forest.union(k.a, k.b)]
    members: dict[int, list[int]] = defaultdict(list)
    for text_id in range(len(copies)):
        members[forest.find(text_id)].append(text_id)
    tree_by_root: dict[int, list[Link]] = defaultdict(list)
    for link in tree:
        tree_by_root[forest.find(link.a)].append(link)
    return [
        Group(tuple(ids), tuple(tree_by_root[root]))
        for root, ids in members.items()
        if sum(copies[t] for t in ids) >= 2
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 3), min_size=n, max_size=n),  # 0: an allowlisted text
            st.lists(
                st.tuples(
                    st.integers(0, n - 1),
                    st.integers(0, n - 1),
                    st.sampled_from([Kind.NEAR, Kind.CONTAINED, Kind.REWORDED]),
                    st.sampled_from([0.5, 0.8, 0.8, 0.9, 1.0]),  # ties, broken by kind and ids
                ),
                max_size=80,
            ),
        )
    )
)
def test_the_forest_found_by_rounds_is_kruskal_s(
    drawn: tuple[list[int], list[tuple[int, int, Kind, float]]],
) -> None:
    """Borůvka's rounds over arrays give the groups, trees and orders of Kruskal's walk."""
    copies, drawn_links = drawn
    links = list(
        {
            (min(a, b), max(a, b)): Link(min(a, b), max(a, b), kind, similarity)
            for a, b, kind, similarity in drawn_links
            if a != b
        }.values()
    )
    assert groups(copies, links) == kruskal_groups(copies, links)
