"""Readers of each document format: text in, prose blocks with source line spans out."""

# A table cell with fewer words is data (a label, a value, yes/no), not prose: in every format.
MIN_CELL_WORDS = 5


class FormatError(Exception):
    """A parser gave up on a file (absurd nesting, say): it is read as plain text instead."""
