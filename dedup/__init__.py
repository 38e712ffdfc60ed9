"""dedup: find duplicate and near-duplicate paragraphs across a folder of documents.

Example:
    >>> from dedup import Config, scan
    >>> report = scan(["samples"], Config())  # doctest: +SKIP
    >>> [c.kind.value for c in report.clusters]  # doctest: +SKIP
    ['reworded', 'exact', 'exact', 'exact']

The names below are imported on first use: a process that needs one module of the package (a
verification worker needs ``dedup.verify``) does not import the whole scan (numpy and the rest).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from dedup.config import Config
    from dedup.errors import ConfigError, DedupError, ExitCode, InputError
    from dedup.gate import exit_code
    from dedup.models import Cluster, Kind, Member, Report
    from dedup.pipeline import scan

_HOMES = {
    "Cluster": "dedup.models",
    "Config": "dedup.config",
    "ConfigError": "dedup.errors",
    "DedupError": "dedup.errors",
    "ExitCode": "dedup.errors",
    "InputError": "dedup.errors",
    "Kind": "dedup.models",
    "Member": "dedup.models",
    "Report": "dedup.models",
    "exit_code": "dedup.gate",
    "scan": "dedup.pipeline",
}

__all__ = [
    "Cluster",
    "Config",
    "ConfigError",
    "DedupError",
    "ExitCode",
    "InputError",
    "Kind",
    "Member",
    "Report",
    "__version__",
    "exit_code",
    "scan",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
