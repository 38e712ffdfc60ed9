"""Read one file into text: BOM sniffing, a binary check, strict UTF-8 with a lossless fallback.

Undecodable bytes are kept as lone surrogates, never replaced by U+FFFD, so two files that
differ only in their invalid bytes never look equal: byte ``b`` becomes ``chr(0xDC00 + b)``
(``surrogateescape`` for UTF-8, the same mapping for bad code units after a UTF-16/32 BOM).
"""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from dedup.models import Document, FileError, Skipped, SourceFile, Warning_

# The format of a file comes from its suffix (any case); every other file is plain text.
FORMAT_BY_SUFFIX = {
    **dict.fromkeys((".md", ".markdown", ".mdown", ".mkd"), "markdown"),
    **dict.fromkeys((".rst", ".rest"), "rst"),
    **dict.fromkeys((".html", ".htm", ".xhtml"), "html"),
    **dict.fromkeys((".jsonl", ".ndjson"), "jsonl"),
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


ESCAPE_ERRORS = "dedup-escape"


def _escape_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each undecodable byte ``b`` becomes the lone surrogate U+DC00+b."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + b) for b in bad), exc.end


codecs.register_error(ESCAPE_ERRORS, _escape_bytes)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text, or the reason it is not text, plus a warning when bytes had to be escaped."""

    text: str | None
    skip_reason: str | None = None
    warning: str | None = None


def decode(data: bytes) -> Decoded:
    """Decode file bytes; a BOM wins over the binary check, so UTF-16 with a BOM is text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return Decoded(body.decode(encoding))
            except UnicodeDecodeError:
                return Decoded(
                    body.decode(encoding, errors=ESCAPE_ERRORS),
                    warning=f"invalid {encoding.upper()} data; bad code units kept as bytes, "
                    "so only byte-identical text matches them",
                )
    if b"\x00" in data:
        return Decoded(None, skip_reason="binary (contains NUL bytes)")
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Decoded(
            data.decode("utf-8", errors="surrogateescape"),
            warning=f"not valid UTF-8 (first bad byte at offset {exc.start}); "
            "bytes kept as they are, so only byte-identical text matches them",
        )


ReadOutcome = Document | Skipped | FileError


def read_document(source: SourceFile, max_bytes: int) -> tuple[ReadOutcome, Warning_ | None]:
    """Read and decode ``source``; never blocks on a FIFO, never reads more than the cap."""
    too_large = Skipped(source.display, f"too large (over {max_bytes} bytes; raise max-file-size)")
    if source.size > max_bytes:
        return too_large, Warning_(source.display, f"skipped: {too_large.reason}")
    try:
        data = _read_bounded(source, max_bytes)
    except FileNotFoundError:
        return FileError(source.display, "vanished during the scan"), None
    except OSError as exc:
        return FileError(source.display, f"cannot read: {exc.strerror or exc}"), None
    if data is None:
        return FileError(source.display, "is no longer a regular file"), None
    if len(data) > max_bytes:
        return too_large, Warning_(source.display, f"skipped: {too_large.reason}")
    decoded = decode(data)
    if decoded.text is None:
        return Skipped(source.display, decoded.skip_reason or "binary"), None
    notes = [decoded.warning] if decoded.warning else []
    if len(data) != source.size:
        notes.append(
            f"changed during the scan ({source.size} bytes when listed, {len(data)} read); "
            "what was read is used"
        )
    warning = Warning_(source.display, "; ".join(notes)) if notes else None
    return Document(source.display, decoded.text, format_of(source.path.name)), warning


def format_of(name: str) -> str:
    """The format a file name implies: "markdown", "rst", "html", "jsonl" or "text"."""
    suffix = os.path.splitext(name)[1].lower()
    return FORMAT_BY_SUFFIX.get(suffix, "text")


def _read_bounded(source: SourceFile, max_bytes: int) -> bytes | None:
    return read_regular(source.path, max_bytes)


def read_regular(path: Path, max_bytes: int) -> bytes | None:
    """At most ``max_bytes + 1`` bytes of ``path``, or None when it is not a regular file.

    Opened non-blocking, so a FIFO put in the file's place never blocks the scan.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(max_bytes + 1)
    finally:
        os.close(fd)
