"""The one speed trick for small inputs: below :data:`SMALL_ROWS` rows, work on Python lists instead of pandas.

Every pandas call (a string method, a comparison, ``isin``, ``groupby``, building a Series) costs a fixed
fraction of a millisecond whatever the size, and the median delivery has some 20 records, so for most reports of a
batch a loop over a Python list is several times cheaper than the vectorised call. Every module that has such a
second path asks :func:`small` here, so there is one threshold; each second path has a test that holds it equal to
the plain (pandas) one, and :func:`threshold` lets a test move the threshold to run the plain path on small data.

The text storage of pandas follows the same rule, by the size of a report's delivery files (a report's rows are not
known before its files are read): see :func:`string_storage`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

#: Below this many rows a module takes its Python-list path (measured: 27 → 12 ms per small file when reading,
#: 15 → 7 ms when validating, ~2.5 ms per breakdown when counting; tests/test_fastpath.py and the tests of each
#: module hold both paths equal).
SMALL_ROWS = 2_000
#: Bytes of delivery files per row, roughly (CSV of the jeugdhulp layout): turns :data:`SMALL_ROWS` into a size.
BYTES_PER_ROW = 64

_threshold = SMALL_ROWS


def small(n: int) -> bool:
    """Whether ``n`` rows (or values) take the Python-list path."""
    return n < _threshold


@contextlib.contextmanager
def threshold(rows: int) -> Iterator[None]:
    """Within the block, :func:`small` uses ``rows`` as its threshold (tests: ``threshold(0)`` runs every plain
    path on small data)."""
    global _threshold
    saved, _threshold = _threshold, rows
    try:
        yield
    finally:
        _threshold = saved


def small_input(size_bytes: int) -> bool:
    """Whether a report reading ``size_bytes`` of delivery files counts as small (see :func:`string_storage`)."""
    return size_bytes < _threshold * BYTES_PER_ROW


@contextlib.contextmanager
def string_storage(size_bytes: int) -> Iterator[None]:
    """While a report of ``size_bytes`` bytes of delivery files runs in this process, a small one keeps pandas' text
    columns in Python objects (``mode.string_storage = "python"``) instead of Arrow: the same dtype (``str``) and
    values, but a lower fixed cost per operation. Measured on the national synthetic store (same report,
    alternating): 30 KB of input 0.30 → 0.26 s a report, ~100 KB about even, 440 KB 0.73 → 0.83 s and the largest
    provider 1.4 → 2.0 s, so large deliveries keep Arrow. A notebook run by a Jupyter kernel keeps the kernel's own."""
    import pandas as pd

    storage = "python" if small_input(size_bytes) else pd.get_option("mode.string_storage")
    with pd.option_context("mode.string_storage", storage):
        yield
