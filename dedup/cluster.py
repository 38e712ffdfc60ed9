"""Group verified links into clusters of copies, deterministically.

Exact copies of one text are linked to its first occurrence. Links between distinct texts
join their groups: Kruskal's spanning forest, strongest links first, found by Borůvka's rounds
as array operations (``LinkTable.spanning_forest``). Each cluster keeps that maximum spanning
tree of its links, so a chain A~B~C where A and C do not match
shows as two links, and the weakest of them gives the cluster its kind and similarity.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.models import KIND_RANKS, Cluster, ClusterLink, Kind, Link, Member, Paragraph

I64 = npt.NDArray[np.int64]

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
        self.extend_rows((k.a, k.b, k.kind, k.similarity, k.inner) for k in links)

    def extend_rows(self, rows: Iterable[tuple[int, int, Kind, float, int | None]]) -> None:
        """Append links given as their fields, in ``Link``'s order (``verify.verdicts``)."""
        a, b, rank, similarity, inner = self.a, self.b, self.rank, self.similarity, self.inner
        for one, other, kind, score, within in rows:
            a.append(one)
            b.append(other)
            rank.append(KIND_RANKS[kind])
            similarity.append(score)
            inner.append(-1 if within is None else within)

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
        return self._objects(np.arange(len(self.a), dtype=np.int64))

    def strongest_first(self) -> Iterator[Link]:
        """The links in ``_link_order``: the most similar first, then by kind, then by ids."""
        return self._objects(self._strongest_first())

    def spanning_forest(self, n: int) -> tuple[I64, I64]:
        """Kruskal's spanning forest of these links over texts ``0 .. n - 1``, the strongest
        links first: its links (their places in this table) in the order Kruskal takes them,
        and each text's tree, named by its smallest text.

        Found by Borůvka's rounds, as array operations: each tree takes the first of the links
        that leave it, and the trees joined by those links become one, until no link joins two
        trees. Every link has a place of its own in the order, so the forest is the one Kruskal
        builds: a link is in it exactly when no path of earlier links joins its two texts.
        """
        a, b = (np.frombuffer(c, dtype=np.int64) for c in (self.a, self.b))
        order = self._strongest_first()
        place = np.empty(order.shape[0], dtype=np.int64)
        place[order] = np.arange(order.shape[0])
        tree = np.arange(n, dtype=np.int64)  # each text's tree, named by one of its texts
        found = []
        left = np.arange(a.shape[0], dtype=np.int64)  # the links that may still join two trees
        while left.shape[0]:
            ta, tb = tree[a[left]], tree[b[left]]
            across = ta != tb
            left, ta, tb = left[across], ta[across], tb[across]
            places = place[left]
            first = np.full(n, order.shape[0], dtype=np.int64)  # by tree: its first link out
            np.minimum.at(first, ta, places)
            np.minimum.at(first, tb, places)
            from_a, from_b = first[ta] == places, first[tb] == places
            found.append(left[from_a | from_b])
            joined = np.arange(n, dtype=np.int64)  # each tree points at the tree it joins
            joined[ta[from_a]] = tb[from_a]
            joined[tb[from_b]] = ta[from_b]
            both = from_a & from_b  # two trees that took the same link: the smaller one leads
            smaller = np.minimum(ta[both], tb[both])
            joined[smaller] = smaller
            while not np.array_equal(hop := joined[joined], joined):
                joined = hop
            tree = joined[tree]
        smallest = np.full(n, n, dtype=np.int64)
        np.minimum.at(smallest, tree, np.arange(n, dtype=np.int64))
        links = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        return links[np.argsort(place[links])], smallest[tree]

    def links(self, places: I64) -> list[Link]:
        """The links in ``places``, as objects."""
        columns = (self.a, self.b, self.rank, self.similarity, self.inner)
        a, b, rank, similarity, inner = (
            np.frombuffer(c, dtype=c.typecode)[places].tolist() for c in columns
        )
        inners = [None if i < 0 else i for i in inner]
        return list(map(Link, a, b, map(_KINDS.__getitem__, rank), similarity, inners))

    def _strongest_first(self) -> I64:
        columns = (self.b, self.a, self.rank, self.similarity)
        b, a, rank, similarity = (np.frombuffer(c, dtype=c.typecode) for c in columns)
        order: I64 = np.lexsort((b, a, rank, -similarity))
        return order

    def _objects(self, places: I64) -> Iterator[Link]:
        """The links in ``places``, made a block at a time (not all of a large table's links
        as objects at once)."""
        for start in range(0, places.shape[0], _OBJECTS):
            yield from self.links(places[start : start + _OBJECTS])


# How many links ``LinkTable`` makes into objects at a time when it is walked.
_OBJECTS = 1 << 12


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
    spanning tree (Kruskal's, strongest links first: ``LinkTable.spanning_forest``), in the
    order of their smallest texts.

    Args:
        copies: for each distinct text id, how many paragraphs have it.
        links: verified links between distinct text ids (from a ``LinkTable``, only the tree
            links become objects).
    """
    if not isinstance(links, LinkTable):
        table = LinkTable()
        table.extend(links)
        links = table
    n = len(copies)
    forest, tree = links.spanning_forest(n)
    # not a lone copy, nor an allowlisted text (no copies left)
    kept = np.bincount(tree, weights=np.asarray(copies, dtype=np.float64), minlength=n)[tree] >= 2
    texts = np.flatnonzero(kept)
    texts = texts[np.argsort(tree[texts], kind="stable")]  # by tree, then increasing
    ends_a = np.frombuffer(links.a, dtype=np.int64)
    forest = forest[kept[ends_a[forest]]]
    forest_trees = tree[ends_a[forest]]
    by_tree = np.argsort(forest_trees, kind="stable")  # by tree, then in Kruskal's order
    forest, forest_trees = forest[by_tree], forest_trees[by_tree]
    starts = np.flatnonzero(np.diff(tree[texts], prepend=-1))
    names = tree[texts[starts]]
    firsts = np.searchsorted(forest_trees, names, side="left").tolist()
    lasts = np.searchsorted(forest_trees, names, side="right").tolist()
    ends = np.append(starts[1:], texts.shape[0]).tolist() if starts.shape[0] else []
    ids = texts.tolist()
    tree_links = links.links(forest)
    return [
        Group(tuple(ids[start:end]), tuple(tree_links[first:last]))
        for start, end, first, last in zip(starts.tolist(), ends, firsts, lasts, strict=True)
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
