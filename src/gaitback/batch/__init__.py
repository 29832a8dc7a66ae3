"""Batch analysis of many recordings into one table, on a process pool or a Dask cluster.

``gaitback batch SOURCES --out RES`` (``gaitback.cli.batch``) is glue around
:func:`sources_expand` and :func:`batch_run`; ``docs/batch.md`` is the user's guide.
"""

from gaitback.batch.runner import BatchCounts, batch_run, usable_cores
from gaitback.batch.sources import sources_expand
from gaitback.batch.task import FileResult, FileTask, analyze_file, content_hash

__all__ = [
    "BatchCounts",
    "FileResult",
    "FileTask",
    "analyze_file",
    "batch_run",
    "content_hash",
    "sources_expand",
    "usable_cores",
]
