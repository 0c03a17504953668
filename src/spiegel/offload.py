"""Work a report can hand to a helper process, behind one door: while ``spiegel report`` runs its sidecar
(:mod:`spiegel.sidecar`), charts are converted to SVG there and ``tabellen.xlsx`` is written after the notebook,
while the sidecar renders HTML and PDF. Outside these two context managers, charts are converted and tables
written in the calling process as they are asked for; tests/test_sidecar.py holds the outputs of both ways equal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

_converter: Callable[[Mapping[str, Any]], str] | None = None
_deferred: list[Callable[[], object]] | None = None


@contextlib.contextmanager
def charts_via(converter: Callable[[Mapping[str, Any]], str]) -> Iterator[None]:
    """Within the block, Vega-Lite specs are converted to SVG by ``converter`` (the same vl-convert elsewhere)."""
    global _converter
    saved, _converter = _converter, converter
    try:
        yield
    finally:
        _converter = saved


def chart_converter() -> Callable[[Mapping[str, Any]], str] | None:
    """The converter of the enclosing :func:`charts_via` block, or None."""
    return _converter


@contextlib.contextmanager
def deferred_writes(queue: list[Callable[[], object]]) -> Iterator[None]:
    """Within the block, writes that may wait (``tabellen.xlsx``) are put in ``queue`` instead of done; the caller
    runs the queue (in order) when it has time, and clears it."""
    global _deferred
    saved, _deferred = _deferred, queue
    try:
        yield
    finally:
        _deferred = saved


def defer(write: Callable[[], object]) -> bool:
    """Put ``write`` in the queue of the enclosing :func:`deferred_writes` block; False (and nothing queued)
    outside one, when the caller writes at once."""
    if _deferred is None:
        return False
    _deferred.append(write)
    return True
