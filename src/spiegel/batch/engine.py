"""A papermill engine that runs a notebook's cells inside the calling (warm) process.

Why: with a kernel per notebook, start-up and imports cost about 3 s per report; the batch makes thousands. Here
every worker process imports pandas/altair/vl-convert once, and each notebook runs in a *fresh* IPython
``InteractiveShell`` (new user namespace, new display formatters, execution counts from 1) inside that process.
papermill stays the runner: it parameterises the notebook, calls this engine through its engine registry
(entry point ``spiegel_warm``), and its ``NotebookExecutionManager`` records ``metadata.papermill`` timings and
writes the error cell, exactly as with the default nbclient engine.

Outputs are captured the way ipykernel sends them and nbclient stores them: ``execute_result`` with the
execution count and the full MIME bundle from the display formatter (``_repr_mimebundle_``), ``display_data``,
``stream`` (consecutive writes to one stream merged, as ipykernel's buffered stream does) and ``error`` (ename,
evalue, traceback). Empty code cells are not executed, like nbclient.

Isolation between notebooks that share a process: besides the fresh shell, the state a notebook may change in
libraries is put back after every notebook (:mod:`spiegel.batch.isolation`). ``sys.modules`` is shared on purpose —
that is the speed-up; module-level caches must therefore not depend on a notebook's inputs. How papermill reads and
writes the notebooks in a worker is in :mod:`spiegel.notebook_io`. The batch recycles worker processes every N
reports to bound memory; ``tests/test_batch_engine.py`` shows a report is byte-identical alone and after another
one.

Limits: a crash in native code kills the worker (the batch records the provider as failed and goes on); output
written by C code or subprocesses straight to file descriptors 1/2 is not captured; a per-cell
``execution_timeout`` works only when the engine runs in a process's main thread (SIGALRM).
"""

from __future__ import annotations

import atexit
import copy
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from papermill.engines import Engine, NotebookExecutionManager
from traitlets.config import Config

from spiegel.batch.isolation import process_state
from spiegel.notebook_io import manager_class

__all__ = [
    "LANGUAGE_INFO",
    "CellTimeout",
    "WarmEngine",
    "WarmShell",
    "execute_cells",
]

# What ipykernel reports in kernel_info for this interpreter; nbclient copies it into the notebook metadata.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": ".".join(str(x) for x in sys.version_info[:3]),
}

# One notebook at a time per process: the shell is a process-wide singleton (IPython.get_ipython()), and
# sys.stdout, the cwd and library options are process-wide too. Dask workers must run one thread each.
_RUN_LOCK = threading.Lock()



def _output(output_type: str, **fields: object) -> nbformat.NotebookNode:
    """An output node as ``nbformat.v4.new_output`` makes it, without its per-output jsonschema validation
    (about 60 ms per report); papermill validates the whole notebook (fastjsonschema) when it writes it."""
    node = nbformat.NotebookNode(output_type=output_type)
    if output_type in ("display_data", "execute_result"):
        node.metadata = nbformat.from_dict(fields.pop("metadata", None) or {})
        node.data = nbformat.from_dict(fields.pop("data", None) or {})
    node.update(nbformat.from_dict(fields))
    return node

class CellTimeout(Exception):
    """A cell ran longer than ``execution_timeout`` seconds."""


class _Capture:
    """Collects one cell's outputs in the order they were produced."""

    def __init__(self) -> None:
        self.outputs: list[nbformat.NotebookNode] = []
        self._clear_pending = False

    def _add(self, output: nbformat.NotebookNode) -> None:
        if self._clear_pending:
            self.outputs.clear()
            self._clear_pending = False
        self.outputs.append(output)

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.outputs[-1] if self.outputs and not self._clear_pending else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self._add(_output("stream", name=name, text=text))

    def display(self, data: dict, metadata: dict, transient: dict | None, update: bool) -> None:
        display_id = (transient or {}).get("display_id")
        if update and display_id:
            for out in self.outputs:
                if out.get("_display_id") == display_id:
                    out.data, out.metadata = data, metadata
            return
        out = _output("display_data", data=data, metadata=metadata)
        if display_id:
            out["_display_id"] = display_id  # removed before the cell is stored
        self._add(out)

    def execute_result(self, data: dict, metadata: dict, execution_count: int) -> None:
        self._add(
            _output("execute_result", data=data, metadata=metadata, execution_count=execution_count)
        )

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        self._add(_output("error", ename=ename, evalue=evalue, traceback=traceback))

    def clear(self, wait: bool) -> None:
        if wait:
            self._clear_pending = True
        else:
            self.outputs.clear()

    def finished(self) -> list[nbformat.NotebookNode]:
        for out in self.outputs:
            out.pop("_display_id", None)
        return self.outputs


class _Stream:
    """``sys.stdout``/``sys.stderr`` while a cell runs."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, name: str, shell: WarmShell) -> None:
        self.name = name
        self._shell = shell

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._shell.capture.stream(self.name, text)
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class _Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:  # type: ignore[override]
        self.shell.capture.display(data, metadata or {}, transient, update)

    def clear_output(self, wait: bool = False) -> None:
        self.shell.capture.clear(wait)


class _ResultHook(DisplayHook):
    """The value of a cell's last expression becomes an ``execute_result`` (what ZMQShellDisplayHook sends)."""

    def start_displayhook(self) -> None:
        pass

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self.shell.capture.execute_result(format_dict, md_dict or {}, self.prompt_count)

    def finish_displayhook(self) -> None:
        pass


class WarmShell(InteractiveShell):
    """An InteractiveShell whose outputs go into nbformat outputs instead of a terminal."""

    def __init__(self, **kwargs: Any) -> None:
        self.capture = _Capture()
        super().__init__(display_pub_class=_Publisher, displayhook_class=_ResultHook, **kwargs)

    def enable_gui(self, gui=None) -> None:  # abstract in InteractiveShell
        pass

    def _showtraceback(self, etype, evalue, stb: list[str]) -> None:
        self.capture.error(etype.__name__, str(evalue), list(stb))

    @classmethod
    def fresh(cls) -> WarmShell:
        """A new singleton shell (so ``get_ipython()`` and ``display()`` reach it); about 6 ms."""
        cls.clear_instance()  # clears the singleton on this class and its parents
        config = Config()
        # No SQLite history (IPython's documented switch; an in-memory database cost ~1 ms a notebook). The
        # session's inputs and outputs (In, Out, _, _i) are kept in memory as with a kernel.
        config.HistoryManager.enabled = False
        shell = cls.instance(config=config)
        atexit.unregister(shell.atexit_operations)  # else every shell (and its namespace) lives until exit
        return shell

    def close(self) -> None:
        self.restore_sys_module_state()  # puts sys.modules['__main__'] back
        self.history_manager.end_session()
        self.user_ns.clear()
        type(self).clear_instance()


@contextmanager
def _redirect(shell: WarmShell) -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream("stdout", shell), _Stream("stderr", shell)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@contextmanager
def _timeout(seconds: float | None) -> Iterator[None]:
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum, frame):
        raise CellTimeout(f"cel duurde langer dan {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def execute_cells(nb_man: NotebookExecutionManager, execution_timeout: float | None = None) -> None:
    """Run the code cells of ``nb_man.nb`` in a fresh shell, stopping at the first error like nbclient."""
    nb = nb_man.nb
    with _RUN_LOCK, process_state():
        shell = WarmShell.fresh()
        try:
            for index, cell in enumerate(nb.cells):
                nb_man.cell_start(cell, index)
                failed = False
                try:
                    if cell.cell_type == "code" and cell.source.strip():
                        failed = _run_cell(shell, cell, execution_timeout)
                finally:
                    if failed:
                        nb_man.cell_exception(cell, cell_index=index)
                    nb_man.cell_complete(cell, cell_index=index)
                if failed:
                    break
        finally:
            shell.close()
    nb.metadata["language_info"] = copy.deepcopy(LANGUAGE_INFO)


def _run_cell(shell: WarmShell, cell: nbformat.NotebookNode, execution_timeout: float | None) -> bool:
    """Execute one cell; its outputs and execution count go into ``cell``. Returns True when it raised."""
    count = shell.execution_count
    shell.capture = _Capture()
    timing = cell.metadata.setdefault("execution", {})
    timing["iopub.execute_input"] = _iso_now()
    with _redirect(shell):
        try:
            with _timeout(execution_timeout):
                result = shell.run_cell(cell.source, store_history=True, silent=False)
        except CellTimeout as exc:
            shell.capture.error("CellTimeout", str(exc), [f"CellTimeout: {exc}"])
            result = None
    timing["shell.execute_reply"] = _iso_now()
    cell.outputs = shell.capture.finished()
    cell.execution_count = count
    if result is None:
        return True
    return bool(result.error_before_exec or result.error_in_exec) or any(
        out.output_type == "error" for out in cell.outputs
    )


def _iso_now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


class WarmEngine(Engine):
    """papermill engine ``spiegel_warm``: cells run in this (warm) process, one fresh shell per notebook.

    Use: ``papermill.execute_notebook(..., engine_name="spiegel_warm")`` or ``papermill --engine spiegel_warm``.
    Accepts ``execution_timeout`` (seconds per cell); kernel options (``kernel_name``, ``start_timeout``) are
    accepted and ignored, as there is no kernel.
    """

    @classmethod
    def execute_notebook(
        cls,
        nb: nbformat.NotebookNode,
        kernel_name: str | None,
        output_path: str | None = None,
        progress_bar: bool = True,
        log_output: bool = False,
        autosave_cell_every: int = 30,
        **kwargs: Any,
    ) -> nbformat.NotebookNode:
        """What ``papermill.engines.Engine.execute_notebook`` does, with :func:`spiegel.notebook_io.manager_class`."""
        nb_man = manager_class()(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: NotebookExecutionManager,
        kernel_name: str | None,
        execution_timeout: float | None = None,
        **kwargs: Any,
    ) -> nbformat.NotebookNode:
        execute_cells(nb_man, execution_timeout=execution_timeout)
        return nb_man.nb

    @classmethod
    def nb_kernel_name(cls, nb: nbformat.NotebookNode, name: str | None = None) -> str:
        """No kernel is started, so a notebook without a kernelspec is fine."""
        return name or nb.metadata.get("kernelspec", {}).get("name") or "python3"

    @classmethod
    def nb_language(cls, nb: nbformat.NotebookNode, language: str | None = None) -> str:
        return language or nb.metadata.get("kernelspec", {}).get("language") or "python"
