"""Batch: the reports of every provider of a period, in parallel, resumable, with a manifest and an index.

``run_batch(BatchOptions(period=..., deliveries=...))`` is the API behind ``spiegel batch``; see docs/batch.md.
The papermill engine ``spiegel_warm`` (``spiegel.batch.engine.WarmEngine``) runs notebooks in the warm worker
processes.
"""

from spiegel.batch.runner import BatchOptions, BatchResult, run_batch

__all__ = ["BatchOptions", "BatchResult", "run_batch"]
