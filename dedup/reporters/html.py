"""A single self-contained HTML page for reviewers: copies side by side, differences marked.

Everything is inline (CSS, a little JavaScript, no fonts, no images), and a Content Security
Policy forbids the page any network access, so it opens the same from a CI artifact, a mail
attachment or ``file://``. Filters by kind and by path run in the page. Every piece of text from
the scanned files is HTML-escaped. Links point at ``path#Lstart``, relative to the scan root, so
they resolve when the report is written there.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import IO
from urllib.parse import quote

from dedup import __version__
from dedup.models import Cluster, Kind, Member, Report
from dedup.normalize import words
from dedup.reporters.console import baseline_label, is_new_copy, location
from dedup.reporters.diff import (
    Change,
    shared_content,
    shared_content_note,
    shows_shared_content,
    word_changes,
)
from dedup.reporters.json_report import clean

MAX_PAIRS = 20  # copies compared side by side per cluster; the rest are listed
MAX_COPIES_LISTED = 500  # locations listed per cluster (a paragraph may repeat 100 000 times)


def render_html(report: Report, stream: IO[str]) -> None:
    """Write ``report`` to ``stream`` as one HTML page."""
    stream.write(page(report))


def page(report: Report) -> str:
    """The whole page."""
    title = f"dedup: {len(report.clusters)} clusters of repeated paragraphs"
    body = "\n".join(_cluster(c) for c in report.clusters) or (
        '<p class="empty">No repeated paragraphs.</p>'
    )
    return _PAGE.format(
        title=escape(title),
        style=_asset("report.css"),
        script=_asset("report.js"),
        stats=_stats(report),
        filters=_filters(report),
        problems=_problems(report),
        clusters=body,
        version=escape(__version__),
    )


def _asset(name: str) -> str:
    """The page's stylesheet or script, shipped in ``dedup/templates`` and inlined."""
    return resources.files("dedup").joinpath("templates", name).read_text("utf-8")


def _t(text: str) -> str:
    """Scanned text, escaped for HTML (undecodable bytes shown as ``\\xNN``)."""
    return escape(clean(text), quote=True)


def _stats(report: Report) -> str:
    stats = report.stats
    parts = [f"{stats.files_scanned} files", f"{stats.paragraphs} paragraphs"]
    parts += [f"{len(report.skipped)} skipped"] if report.skipped else []
    parts += [f"{len(report.errors)} could not be read"] if report.errors else []
    return " · ".join(parts)


def _filters(report: Report) -> str:
    boxes = []
    for kind in Kind:
        count = sum(c.kind is kind for c in report.clusters)
        if count:
            boxes.append(
                f'<label class="kind {kind.value}"><input type="checkbox" name="kind" '
                f'value="{kind.value}" checked> {kind.value} <span class="count">{count}</span>'
                "</label>"
            )
    return "\n".join(boxes)


def _problems(report: Report) -> str:
    rows = [("error", e.path, e.message) for e in report.errors]
    rows += [("warning", w.path, w.message) for w in report.warnings]
    rows += [("skipped", s.path, s.reason) for s in report.skipped]
    if not rows:
        return ""
    items = "".join(
        f'<li class="{what}"><b>{what}</b> {_t(path)}: {_t(message)}</li>'
        for what, path, message in rows
    )
    summary = f"<summary>{len(rows)} notes on files</summary>"
    return f'<details class="problems">{summary}<ul>{items}</ul></details>'


def _link(member: Member) -> str:
    raw = member.path.encode("utf-8", "surrogateescape")
    href = ("file://" if member.path.startswith("/") else "") + quote(raw, safe="/")
    return f'<a href="{escape(href)}#L{member.start_line}">{_t(location(member))}</a>'


def _cluster(cluster: Cluster) -> str:
    first = cluster.members[0]
    paths = "\n".join(sorted({clean(m.path) for m in cluster.members}))
    copies = "".join(
        f"<li>{_link(m)}{' <strong>(new)</strong>' if is_new_copy(cluster, m) else ''}"
        f"{_copy_note(first, m, n)}</li>"
        for n, m in enumerate(cluster.members[:MAX_COPIES_LISTED], start=1)
    )
    if len(cluster.members) > MAX_COPIES_LISTED:
        copies += f"<li>… and {len(cluster.members) - MAX_COPIES_LISTED} more copies</li>"
    differing = [(n, m) for n, m in enumerate(cluster.members[1:], start=2) if not _same(first, m)]
    pairs = "".join(_pair(cluster, n, m) for n, m in differing[:MAX_PAIRS])
    if not differing:
        pairs = f'<div class="single">{_words(first.text.split())}</div>'
    elif len(differing) > MAX_PAIRS:
        left = len(differing) - MAX_PAIRS
        pairs += f'<p class="note">{left} more differing copies are not compared here.</p>'
    return (
        f'<section class="cluster" id="cluster-{cluster.id}" data-kind="{cluster.kind.value}" '
        f'data-paths="{escape(paths, quote=True)}">'
        f'<h2><span class="badge {cluster.kind.value}">{cluster.kind.value}</span> '
        f'<a class="anchor" href="#cluster-{cluster.id}">#{cluster.id}</a> · '
        + (f"<strong>{baseline_label(cluster)}</strong> · " if baseline_label(cluster) else "")
        + f"{len(cluster.members)} copies · similarity {cluster.similarity:.2f}"
        f'</h2><ol class="copies">{copies}</ol>{pairs}</section>'
    )


def _copy_note(first: Member, member: Member, number: int) -> str:
    same = _same(first, member) if number > 1 else ""
    return f' <span class="same">{same}</span>' if same else ""


def _same(first: Member, member: Member) -> str:
    """How ``member`` equals the first copy, or "" when their words differ."""
    if member.text == first.text:
        return "identical to 1"
    if member.text.split() == first.text.split():
        return "same words as 1, spaced differently"
    return ""


def _pair(cluster: Cluster, number: int, member: Member) -> str:
    first = cluster.members[0]
    if shows_shared_content(first, member, cluster):
        intro, listed = shared_content_note(first.text, member.text)
        shared = set(shared_content(first.text, member.text))
        left, right = _marked(first.text, shared), _marked(member.text, shared)
        note = f'<p class="note">{_t(intro)}<i>{_t(listed)}</i></p>'
    else:
        changes = word_changes(first.text.split(), member.text.split())
        left, right = _side(changes, old=True), _side(changes, old=False)
        note = ""
    return (
        f'<div class="pair"><div class="copy"><div class="where">1 · {_link(first)}</div>'
        f'{left}</div><div class="copy"><div class="where">{number} · {_link(member)}</div>'
        f"{right}</div></div>{note}"
    )


def _side(changes: list[Change], old: bool) -> str:
    """One copy's words, with the words the other copy lacks in ``<del>`` or ``<ins>``."""
    tag = "del" if old else "ins"
    parts = []
    for change in changes:
        run = change.old if old else change.new
        if not run:
            continue
        text = _t(" ".join(run))
        parts.append(text if change.equal else f"<{tag}>{text}</{tag}>")
    return f'<p class="text">{" ".join(parts)}</p>'


def _marked(text: str, shared: set[str]) -> str:
    """``text`` with the words that belong to the shared content in ``<mark>``."""
    tokens = [
        f"<mark>{_t(token)}</mark>" if shared.intersection(words(token)) else _t(token)
        for token in text.split()
    ]
    return f'<p class="text">{" ".join(tokens)}</p>'


def _words(tokens: list[str]) -> str:
    return f'<p class="text">{_t(" ".join(tokens))}</p>'


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="stats">{stats}</p>
<form id="filters" onsubmit="return false">
<fieldset><legend>Kind</legend>
{filters}
</fieldset>
<label class="path">Path <input type="search" id="path-filter" placeholder="part of a path" \
autocomplete="off"></label>
<output id="shown"></output>
</form>
{problems}
</header>
<main>
{clusters}
</main>
<footer>dedup {version}</footer>
<script>
{script}</script>
</body>
</html>
"""
