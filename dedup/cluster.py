"""Group verified links into clusters of copies, deterministically.

Exact copies of one text are linked to its first occurrence. Links between distinct texts
join their groups with a union-find (iterative ``find``: long chains never recurse). Each
cluster keeps a maximum spanning tree of its links, so a chain A~B~C where A and C do not match
shows as two links, and the weakest of them gives the cluster its kind and similarity.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dedup.models import Cluster, ClusterLink, Kind, Link, Member, Paragraph

_KINDS = tuple(Kind)  # a kind's rank is its place here


class UnionFind:
    """Disjoint sets over ``0..n-1`` with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True


def _link_order(link: Link) -> tuple[float, int, int, int]:
    return (-link.similarity, link.kind.rank, link.a, link.b)


class LinkTable:
    """Verified links kept as columns, about 33 bytes a link.

    As ``Link`` objects the 466,103 links of a 300k-paragraph scan took some 70 MB while the
    texts were still held, at the scan's memory peak; here they take 15 MB, and only the
    links of the spanning trees become objects again.
    """

    def __init__(self) -> None:
        self.a, self.b, self.inner = array("q"), array("q"), array("q")  # inner: -1 for None
        self.rank = array("b")
        self.similarity = array("d")

    def extend(self, links: Iterable[Link]) -> None:
        for link in links:
            self.a.append(link.a)
            self.b.append(link.b)
            self.rank.append(link.kind.rank)
            self.similarity.append(link.similarity)
            self.inner.append(-1 if link.inner is None else link.inner)

    def merge(self, other: LinkTable) -> None:
        """Append the links of ``other`` after these, in its order."""
        self.a.extend(other.a)
        self.b.extend(other.b)
        self.inner.extend(other.inner)
        self.rank.extend(other.rank)
        self.similarity.extend(other.similarity)

    def __len__(self) -> int:
        return len(self.a)

    def __iter__(self) -> Iterator[Link]:
        """The links in the order they were added."""
        return map(self._link, range(len(self.a)))

    def strongest_first(self) -> Iterator[Link]:
        """The links in ``_link_order``: the most similar first, then by kind, then by ids."""
        return map(self._link, self._strongest_first())

    def spanning_forest(self, forest: UnionFind) -> list[Link]:
        """Kruskal over these links, strongest first: the links that join two trees of
        ``forest`` (joined by them). Only those become ``Link`` objects."""
        a, b = self.a, self.b
        return [self._link(i) for i in self._strongest_first() if forest.union(a[i], b[i])]

    def _strongest_first(self) -> list[int]:
        columns = (self.b, self.a, self.rank, self.similarity)
        b, a, rank, similarity = (np.frombuffer(c, dtype=c.typecode) for c in columns)
        order: list[int] = np.lexsort((b, a, rank, -similarity)).tolist()
        return order

    def _link(self, i: int) -> Link:
        inner = self.inner[i]
        kind = _KINDS[self.rank[i]]
        return Link(self.a[i], self.b[i], kind, self.similarity[i], None if inner < 0 else inner)


def build_clusters(
    occurrences: Sequence[Sequence[Paragraph]], links: Iterable[Link]
) -> list[Cluster]:
    """Clusters of paragraphs, most important first.

    Args:
        occurrences: for each distinct text id, its paragraphs in walk order.
        links: verified links between distinct text ids.
    """
    return clusters_of_groups(groups([len(o) for o in occurrences], links), occurrences)


@dataclass(frozen=True, slots=True)
class Group:
    """The texts of one cluster, in increasing order, and its spanning tree of links."""

    text_ids: tuple[int, ...]
    tree: tuple[Link, ...]


def groups(copies: Sequence[int], links: Iterable[Link]) -> list[Group]:
    """The texts joined by links into groups of two copies or more, each with its maximum
    spanning tree (Kruskal, strongest links first).

    Args:
        copies: for each distinct text id, how many paragraphs have it.
        links: verified links between distinct text ids (a ``LinkTable`` is sorted by numpy,
            and only its tree links become objects).
    """
    n = len(copies)
    forest = UnionFind(n)
    # Kruskal: strongest links first
    if isinstance(links, LinkTable):
        tree = links.spanning_forest(forest)
    else:
        tree = [link for link in sorted(links, key=_link_order) if forest.union(link.a, link.b)]
    members: dict[int, list[int]] = defaultdict(list)
    for text_id in range(n):
        members[forest.find(text_id)].append(text_id)
    tree_by_root: dict[int, list[Link]] = defaultdict(list)
    for link in tree:
        tree_by_root[forest.find(link.a)].append(link)
    return [
        Group(tuple(text_ids), tuple(tree_by_root[root]))
        for root, text_ids in members.items()
        if sum(copies[t] for t in text_ids) >= 2  # not a lone copy, nor an allowlisted text
    ]


def clusters_of_groups(
    found: Iterable[Group],
    occurrences: _Occurrences,
    texts: Mapping[int, str] | None = None,
) -> list[Cluster]:
    """The clusters of ``groups``, most important first.

    Args:
        texts: the paragraphs' texts by paragraph id, where the paragraphs hold none (a local
            scan reads them again: ``pipeline._read_again``).
    """
    found = list(found)
    if texts is None:
        texts = {p.id: p.source_text() for g in found for t in g.text_ids for p in occurrences[t]}
    return ranked([_cluster(list(g.text_ids), occurrences, list(g.tree), texts) for g in found])


def clusters_of_components(
    components: Iterable[tuple[Sequence[int], Sequence[Link]]],
    occurrences: Mapping[int, Sequence[Paragraph]],
) -> list[Cluster]:
    """Clusters from components found elsewhere (the Spark engine's connected components).

    Each component gives its text ids, in increasing order, and its verified links; its spanning
    tree is chosen as ``build_clusters`` chooses it (Kruskal, strongest links first), so the
    same components and links give the same clusters.
    """
    found = []
    for text_ids, links in components:
        index = {t: i for i, t in enumerate(text_ids)}
        forest = UnionFind(len(text_ids))
        tree = [
            link
            for link in sorted(links, key=_link_order)
            if forest.union(index[link.a], index[link.b])
        ]
        found.append(Group(tuple(text_ids), tuple(tree)))
    return clusters_of_groups(found, occurrences)


def ranked(clusters: list[Cluster]) -> list[Cluster]:
    """``clusters`` in report order (most important first), numbered from 1."""
    clusters.sort(key=_importance)
    return [_renumber(c, i + 1) for i, c in enumerate(clusters)]


_Occurrences = Sequence[Sequence[Paragraph]] | Mapping[int, Sequence[Paragraph]]


def _cluster(
    text_ids: list[int],
    occurrences: _Occurrences,
    tree: list[Link],
    texts: Mapping[int, str],
) -> Cluster:
    paragraphs = sorted(
        (p for t in text_ids for p in occurrences[t]), key=lambda p: (p.path, p.start_line)
    )
    index = {p.id: i for i, p in enumerate(paragraphs)}
    members = tuple(
        Member(p.path, p.start_line, p.end_line, texts[p.id], p.record) for p in paragraphs
    )
    first = {t: index[occurrences[t][0].id] for t in text_ids}
    cluster_links = [
        ClusterLink(first[t], index[p.id], Kind.EXACT, 1.0)
        for t in text_ids
        for p in occurrences[t][1:]
    ]
    for link in tree:
        inner = first[link.inner] if link.inner is not None else None
        low, high = sorted((first[link.a], first[link.b]))
        cluster_links.append(ClusterLink(low, high, link.kind, link.similarity, inner))
    cluster_links.sort(key=lambda k: (-k.similarity, k.kind.rank, k.a, k.b))
    weakest = min(cluster_links, key=lambda k: (k.similarity, -k.kind.rank))
    kind = max((k.kind for k in cluster_links), key=lambda k: k.rank)
    return Cluster(0, kind, weakest.similarity, members, tuple(cluster_links))


def _importance(cluster: Cluster) -> tuple[int, int, str, int]:
    first = cluster.members[0]
    return (-cluster.repeated_words, cluster.kind.rank, first.path, first.start_line)


def _renumber(cluster: Cluster, number: int) -> Cluster:
    return Cluster(number, cluster.kind, cluster.similarity, cluster.members, cluster.links)


__all__ = [
    "Group",
    "Kind",
    "LinkTable",
    "UnionFind",
    "build_clusters",
    "clusters_of_components",
    "clusters_of_groups",
    "groups",
    "ranked",
]
