"""The memory trick of large deliveries: freed memory handed back to the system between the steps of a read and a
validation (issue 25).

Two allocators keep what a step freed: Arrow's (mimalloc) and glibc's ``malloc`` (the arenas of Python's large
objects, numpy's and pandas' arrays). Freed memory is reused by the next allocation of a similar size, but a
reader's many small blocks of text followed by a validation's large arrays reuse little of it: measured on a 33
MB workbook, the process held 4.6 times the file after making its raw frame, of which 1.7 times was live;
:func:`give_back` brings it to the live memory. It costs a few milliseconds, so it is called after a large step
only (a sheet's columns, the typing of a large delivery's columns) and after every report of a batch
(:func:`trim_heap`); after each rule of a large delivery's validation only Arrow's part (:func:`release_arrow`).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

_TRIM: Any = None


def give_back() -> None:
    """Hand what Arrow's allocator and glibc's keep, freed, back to the system (after a large step)."""
    release_arrow()
    trim_heap()


def release_arrow() -> None:
    """Hand what Arrow's allocator keeps, freed, back to the system: cheap, so also after each rule of a large
    delivery's validation (``malloc_trim`` there cost the batch 5-10 % CPU on the largest national providers)."""
    pa.default_memory_pool().release_unused()


def trim_heap() -> None:
    """glibc's ``malloc_trim(0)``: freed heap memory back to the system. No-op where there is no glibc."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)
