"""Batch: the reports of every provider of a period, in parallel, resumable, with a manifest and an index.

``run_batch(BatchOptions(period=..., deliveries=...))`` is the API behind ``spiegel batch``; see docs/batch.md.
The papermill engine ``spiegel_warm`` (``spiegel.batch.engine.WarmEngine``) runs notebooks in the warm worker
processes.
"""

# papermill.engines loads every registered engine when it is imported, ours (spiegel.batch.engine) included,
# and spiegel.batch.engine imports papermill.engines: imported first, papermill would meet our module half
# made. The package is always imported before its modules, so importing papermill's engines here first lets
# `import spiegel.batch.engine` work on its own.
import papermill.engines  # noqa: F401  (import order, see above)

from spiegel.batch.runner import BatchOptions, BatchResult, run_batch

__all__ = ["BatchOptions", "BatchResult", "run_batch"]
