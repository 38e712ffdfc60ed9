"""Exit codes and the few exception types the library raises."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit status of the ``dedup`` command (ripgrep's model: an error beats findings)."""

    CLEAN = 0
    FINDINGS = 1
    ERROR = 2
    INTERRUPTED = 130


class DedupError(Exception):
    """Base class of every error the library raises on purpose."""


class ConfigError(DedupError):
    """A setting is unknown, malformed or out of range; the message says how to fix it."""


class InputError(DedupError):
    """A path given on the command line cannot be scanned at all."""
