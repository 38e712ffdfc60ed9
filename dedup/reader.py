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

from dedup.ignore import NOTHING, Suppression, read_markers
from dedup.models import Document, FileError, Skipped, SourceFile, Warning_

# What reading a file needs: the file, the size cap, the JSON Lines text field, the encoding and
# whether binary files are read as text.
Job = tuple[SourceFile, int, str, str | None, bool]

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


def decode(data: bytes, encoding: str | None = None, binary_as_text: bool = False) -> Decoded:
    """Decode file bytes; a BOM wins over ``encoding`` and over the binary check.

    Without a BOM the bytes are decoded with ``encoding`` (default UTF-8). A NUL makes the file
    binary unless ``binary_as_text``: then each NUL is kept as the escaped byte U+DC00, a word
    character, so the text never matches a copy without it.
    """
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], bom_encoding)
    if encoding is None:
        if b"\x00" in data and not binary_as_text:
            return Decoded(None, skip_reason="binary (contains NUL bytes)")
        return _keep_nul(_decode(data, "utf-8"))
    decoded = _decode(data, encoding)
    if decoded.text is not None and "\x00" in decoded.text and not binary_as_text:
        return Decoded(None, skip_reason="binary (contains NUL characters)")
    return _keep_nul(decoded)


def _decode(body: bytes, encoding: str) -> Decoded:
    """Strict decoding, else the bad bytes kept as lone surrogates and a warning."""
    try:
        return Decoded(body.decode(encoding))
    except UnicodeDecodeError as exc:
        return Decoded(
            body.decode(encoding, errors=ESCAPE_ERRORS),
            warning=f"not valid {codecs.lookup(encoding).name.upper()} (first bad byte at offset "
            f"{exc.start}); bytes kept as they are, so only byte-identical text matches them",
        )


def _keep_nul(decoded: Decoded) -> Decoded:
    if decoded.text is None or "\x00" not in decoded.text:
        return decoded
    return Decoded(decoded.text.replace("\x00", chr(0xDC00)), warning=decoded.warning)


ReadOutcome = Document | Skipped | FileError


def read_document(
    source: SourceFile, max_bytes: int, encoding: str | None = None, binary_as_text: bool = False
) -> tuple[ReadOutcome, Warning_ | None]:
    """Read and decode ``source`` (see ``decode``); never blocks on a FIFO, never reads more
    than the cap."""
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
    decoded = decode(data, encoding, binary_as_text)
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


def read_marked(job: Job) -> tuple[Document | Skipped | FileError, Warning_ | None, Suppression]:
    """Read and decode one file, its ignore-marker lines blanked, and what the markers suppress."""
    source, max_bytes, _, encoding, binary_as_text = job
    outcome, warning = read_document(source, max_bytes, encoding, binary_as_text)
    if not isinstance(outcome, Document):
        return outcome, warning, NOTHING
    document, marked = read_markers(outcome)
    return document, warning, marked
