"""A helper process for one report made from the command line, so that the machine's second core pays the slow
first calls while the first one reads, validates and counts.

A report made alone in a fresh process spends about 0.8 s starting vl-convert's JavaScript runtime (first
chart) and about 0.5 s importing nbconvert and loading typst's fonts (rendering). None of that depends on the
data, and vl-convert holds the GIL while it works, so a thread does not help; a second process does. The sidecar
is started (spawned: a fork would inherit vl-convert's runtime without its threads if this process had made a
chart already, and hang) when ``spiegel report`` starts, warms those three up while the main process imports,
reads and validates, and then does two jobs for it:

* converts the notebook's chart specs to SVG (:func:`spiegel.offload.charts_via`) — the same
  vl-convert, fonts and settings, so the SVG is byte-identical to an in-process conversion;
* renders the executed notebook to HTML and PDF (:func:`spiegel.render.render`), while the main process
  writes ``tabellen.xlsx`` (deferred from the notebook's last cell, :func:`spiegel.offload.deferred_writes`).

When the sidecar cannot be used (it died, or did not answer within :data:`TIMEOUT` seconds), the work is done in
the main process as it would be without it. The batch does not use a sidecar: its workers are warm already.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import Any


def _warm_up() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    from spiegel.render import warm_up

    warm_up()  # nbconvert exporter and template, typst compiler and fonts, vl-convert's runtime


def _chart(spec: dict[str, Any]) -> str:
    from spiegel.present.charts import vegalite_to_svg

    return vegalite_to_svg(spec)


def _render(notebook: str, out_dir: str, formats: tuple[str, ...], renderer: str) -> dict[str, str]:
    from spiegel.render import render

    return {k: str(v) for k, v in render(notebook, out_dir, formats=formats, renderer=renderer).items()}


TIMEOUT = 120.0  # seconds for one chart or one rendering, warm-up included


class Sidecar:
    """``with Sidecar() as sidecar:`` — charts are converted by the sidecar inside the block; pass
    ``sidecar.render`` to :func:`spiegel.pipeline.make_report` to render there too."""

    def __init__(self) -> None:
        self._deferred: list[Any] = []
        self._pool: ProcessPoolExecutor | None = None
        self._started: Future | None = None
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_up
        )
        self._started = self._pool.submit(int)  # forks the worker now; it warms up while we go on

    def _call(self, fn: Any, *args: Any) -> tuple[bool, Any]:
        """(True, result) from the sidecar, or (False, None) when it is not there (then the caller works)."""
        if self._pool is None:
            return False, None
        try:
            return True, self._pool.submit(fn, *args).result(timeout=TIMEOUT)
        except (BrokenProcessPool, RuntimeError, TimeoutError):  # died, shut down, or stuck
            self._abandon()
            return False, None

    def _abandon(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list(getattr(pool, "_processes", {}).values()):  # a stuck worker would block shutdown
            with contextlib.suppress(Exception):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def spec_to_svg(self, spec: Mapping[str, Any]) -> str:
        done, svg = self._call(_chart, dict(spec))
        if done:
            return svg
        from spiegel.present.charts import vegalite_to_svg

        return vegalite_to_svg(spec)

    def render(
        self, notebook: str | Path, out_dir: str | Path, *, formats: Iterable[str], renderer: str = "auto"
    ) -> dict[str, Path]:
        future = None
        if self._pool is not None:
            try:
                future = self._pool.submit(_render, str(notebook), str(out_dir), tuple(formats), renderer)
            except (BrokenProcessPool, RuntimeError):
                self._abandon()
        self.flush()  # the deferred XLSX writes, here, while the sidecar renders
        if future is not None:
            try:
                return {k: Path(v) for k, v in future.result(timeout=TIMEOUT).items()}
            except (BrokenProcessPool, RuntimeError, TimeoutError):
                self._abandon()
        from spiegel.render import render

        return render(notebook, out_dir, formats=tuple(formats), renderer=renderer)

    def flush(self) -> None:
        """Do the writes deferred so far (in order); an error propagates to the caller."""
        while self._deferred:
            self._deferred.pop(0)()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Sidecar:
        from spiegel import offload

        self._hooks = contextlib.ExitStack()
        self._hooks.enter_context(offload.charts_via(self.spec_to_svg))
        self._hooks.enter_context(offload.deferred_writes(self._deferred))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._hooks.close()
        try:
            # Normally flushed already (by render, or by the command before it lists the outputs); left over
            # only when the report failed after its tables, where the in-process run would have written them too.
            with contextlib.suppress(Exception):
                if exc_type is None:
                    self.flush()
        finally:
            self._deferred.clear()
            self.close()
