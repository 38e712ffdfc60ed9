"""dedup: find duplicate and near-duplicate paragraphs across a folder of documents.

Example:
    >>> from dedup import Config, scan
    >>> report = scan(["samples"], Config())  # doctest: +SKIP
    >>> [c.kind.value for c in report.clusters]  # doctest: +SKIP
    ['reworded', 'exact', 'exact', 'exact']
"""

from __future__ import annotations

__version__ = "0.1.0"

from dedup.config import Config
from dedup.errors import ConfigError, DedupError, ExitCode, InputError
from dedup.gate import exit_code
from dedup.models import Cluster, Kind, Member, Report
from dedup.pipeline import scan

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
