"""JSON Lines datasets: every non-blank line is a record, a JSON object holding one document.

The document's text is one string field (``text`` unless ``--text-field`` says otherwise; a
dotted name such as ``meta.body`` reaches into nested objects); it is cut into paragraphs as
plain text is. Every paragraph is located by its record number (1-based,
counting non-blank lines, as dataset tools number rows) and the file line of the record.
A record that is not JSON, not an object, or has no such string field is a problem reported with
its line; the other records are read all the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dedup.formats import plain
from dedup.formats.lines import is_blank, split_lines
from dedup.models import Block

MAX_LISTED_PROBLEMS = 5  # bad records named one by one per file; the rest are counted


@dataclass(frozen=True, slots=True)
class Records:
    """The prose of a JSON Lines file, and what was wrong with the records left out."""

    blocks: list[Block]
    problems: list[str]


def blocks(text: str, text_field: str = "text") -> Records:
    """Cut every record's ``text_field`` into paragraphs located at the record's line."""
    out: list[Block] = []
    problems: list[str] = []
    bad = 0
    record = 0
    for number, line in enumerate(split_lines(text), start=1):
        if is_blank(line):
            continue
        record += 1
        value = _field(line, text_field)
        if not isinstance(value, str):
            bad += 1
            if bad <= MAX_LISTED_PROBLEMS:
                problems.append(f"line {number} (record {record}): {value.reason}; record skipped")
            continue
        out.extend(
            Block(number, number, block.text, block.prose, record) for block in plain.blocks(value)
        )
    if bad > MAX_LISTED_PROBLEMS:
        problems.append(f"{bad - MAX_LISTED_PROBLEMS} more bad records skipped ({bad} in all)")
    return Records(out, problems)


@dataclass(frozen=True, slots=True)
class _Bad:
    reason: str


def _field(line: str, name: str) -> str | _Bad:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return _Bad(f"not JSON ({exc.msg} at column {exc.colno})")
    except (ValueError, RecursionError) as exc:  # huge numbers, absurd nesting
        return _Bad(f"not readable JSON ({type(exc).__name__})")
    if not isinstance(value, dict):
        return _Bad(f"not a JSON object but {type(value).__name__}")
    text = _lookup(value, name)
    if text is _MISSING:
        return _Bad(f"no {name!r} field (choose the field with --text-field)")
    if not isinstance(text, str):
        return _Bad(f"field {name!r} is {type(text).__name__}, not a string")
    return text


_MISSING = object()


def _lookup(record: dict[str, object], name: str) -> object:
    """``record[name]``, or for a dotted name such as ``meta.text`` the nested field."""
    if name in record:
        return record[name]
    value: object = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value
