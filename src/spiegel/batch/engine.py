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

Isolation between notebooks that share a process: besides the fresh shell, the state a notebook may change
in libraries is put back after every notebook (working directory, environment variables, ``sys.path``,
warning filters and their once-registries, pandas options, the altair renderer/theme/data transformer, random
state, the root logger). ``sys.modules`` is shared on purpose — that is the speed-up; module-level caches must
therefore not depend on a notebook's inputs. The batch recycles worker processes every N reports to bound
memory; ``tests/test_batch_engine.py`` shows a report is byte-identical alone and after another one.

Limits: a crash in native code kills the worker (the batch records the provider as failed and goes on); output
written by C code or subprocesses straight to file descriptors 1/2 is not captured; a per-cell
``execution_timeout`` works only when the engine runs in a process's main thread (SIGALRM).
"""

from __future__ import annotations

import atexit
import copy
import datetime
import json
import logging
import os
import random
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from papermill.engines import Engine, NotebookExecutionManager
from papermill.iorw import LocalHandler, papermill_io
from traitlets.config import Config

from spiegel.io import file_stamp

__all__ = [
    "LANGUAGE_INFO",
    "CellTimeout",
    "WarmEngine",
    "WarmShell",
    "execute_cells",
    "install_notebook_writer",
    "notebook_json",
    "process_state",
    "read_without_outputs",
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


# --------------------------------------------------------------------------------------------------------
# Process state a notebook may change, put back after each notebook
# --------------------------------------------------------------------------------------------------------


def _flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = copy.copy(value)
    return flat


def _pandas_options() -> dict[str, Any] | None:
    if "pandas" not in sys.modules:
        return None
    from pandas._config import config as cfg

    return _flatten(cfg._global_config)


def _set_pandas_options(saved: dict[str, Any]) -> None:
    import pandas as pd

    now = _pandas_options() or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, value in saved.items():
            if key in now and now[key] is not value and now[key] != value:
                try:
                    pd.set_option(key, value)
                except Exception:  # an option that cannot be set back; leave it
                    continue


def _altair_state() -> dict[str, Any] | None:
    alt = sys.modules.get("altair")
    if alt is None:
        return None
    state = {}
    for name in ("renderers", "data_transformers"):
        registry = getattr(alt, name, None)
        if registry is not None:
            state[name] = (registry.active, copy.deepcopy(registry.options))
    theme = getattr(alt, "theme", None)
    if theme is not None and hasattr(theme, "active"):
        state["theme"] = theme.active
    return state


def _set_altair_state(saved: dict[str, Any]) -> None:
    alt = sys.modules["altair"]
    for name in ("renderers", "data_transformers"):
        if name in saved:
            registry = getattr(alt, name)
            active, options = saved[name]
            if registry.active != active or registry.options != options:
                registry.enable(active, **options)
    if "theme" in saved and alt.theme.active != saved["theme"]:
        alt.theme.enable(saved["theme"])


# Imported before the first snapshot, so their options are known at their defaults even when the first
# notebook of a process is the one that imports (and changes) them.
WARM_MODULES = ("pandas", "altair")


def warm_up(modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Import the libraries whose state the engine restores (and whose import the batch pays once)."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


@contextmanager
def process_state() -> Iterator[None]:
    """Snapshot the process-wide state a notebook may change and restore it afterwards."""
    warm_up()
    cwd = os.getcwd()
    environ = dict(os.environ)
    path = list(sys.path)
    filters = list(warnings.filters)
    showwarning = warnings.showwarning
    rnd = random.getstate()
    np = sys.modules.get("numpy")
    np_state = np.random.get_state() if np is not None else None
    root = logging.getLogger()
    root_state = (root.level, list(root.handlers))
    pandas_options = _pandas_options()
    altair_state = _altair_state()
    mpl = sys.modules.get("matplotlib")
    rc = copy.deepcopy(dict(mpl.rcParams)) if mpl is not None else None
    # Warnings shown once per location must show again in the next notebook, as in a fresh kernel.
    warnings._filters_mutated()  # type: ignore[attr-defined]
    warnings.onceregistry.clear()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        os.chdir(cwd)
        if dict(os.environ) != environ:
            os.environ.clear()
            os.environ.update(environ)
        sys.path[:] = path
        warnings.filters[:] = filters
        warnings.showwarning = showwarning
        warnings._filters_mutated()  # type: ignore[attr-defined]
        random.setstate(rnd)
        if np_state is not None:
            np.random.set_state(np_state)
        root.setLevel(root_state[0])
        root.handlers[:] = root_state[1]
        if pandas_options is not None:
            _set_pandas_options(pandas_options)
        if altair_state is not None:
            _set_altair_state(altair_state)
        if rc is not None:
            import matplotlib.pyplot as plt

            plt.close("all")
            mpl.rcParams.update(rc)


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


class _SourceWithoutOutputs(LocalHandler):
    """papermill's local file reader for one notebook, giving it without its code cells' stored outputs.

    papermill clears every code cell's outputs when execution starts (``notebook_start``), with any engine; the
    stored outputs (what nbval compares) were still parsed, validated and deep-copied for every report (~6 ms).
    The text is re-made when the file changes (:func:`spiegel.io.file_stamp`). Other paths are read as they are.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._text = ""

    def read(self, path: str) -> str:
        if path != self.path:
            return super().read(path)  # type: ignore[no-any-return]
        stamp = file_stamp(os.stat(path))  # None: too fresh to remember
        if stamp is None or stamp != self._stamp:
            nb = json.loads(super().read(path))
            for cell in nb.get("cells", []):
                if cell.get("cell_type") == "code":
                    cell["outputs"] = []
            self._text, self._stamp = json.dumps(nb, ensure_ascii=False), stamp
        return self._text


_registered_sources: set[str] = set()


def read_without_outputs(notebook: str) -> None:
    """Let papermill read ``notebook`` (the path exactly as passed to ``execute_notebook``) without stored
    outputs in this process: a scheme in papermill's I/O registry that only this path (and longer ones, which
    are read as they are) starts with."""
    if notebook not in _registered_sources:
        papermill_io.register(notebook, _SourceWithoutOutputs(notebook))
        _registered_sources.add(notebook)


# --------------------------------------------------------------------------------------------------------
# Writing the executed notebook
# --------------------------------------------------------------------------------------------------------

_SPLIT_MIMES = ("application/javascript", "image/svg+xml")  # split into lines besides text/* (nbformat's rule)
_TRANSIENT_METADATA = ("orig_nbformat", "orig_nbformat_minor", "signature")
_encode_str = json.encoder.encode_basestring  # the C version where there is one, as json.dumps uses


def notebook_json(nb: dict) -> str:
    """``nbformat.writes(nb)`` for a version-4 notebook, the same text, in a quarter of the time.

    nbformat deep-copies the notebook, splits multi-line text into lines, strips transient metadata and encodes
    it with ``json.dumps(indent=1, sort_keys=True)``, whose indented form has no C encoder in Python 3.11; here
    the split happens on shallow copies and the encoding in one recursive function. It does not validate the
    notebook against the schema (nbformat only logs a problem and writes anyway); the tests validate ours.
    """
    if nb.get("nbformat") != 4:
        return str(nbformat.writes(nb))
    parts: list[str] = []
    _encode(_for_file(nb), 0, parts)
    return "".join(parts)


def _for_file(nb: dict) -> dict:
    """nbformat.v4's ``split_lines`` and ``strip_transient`` on shallow copies (``nb`` is left as it is)."""
    out = dict(nb)
    metadata = out["metadata"] = dict(nb.get("metadata", {}))
    for key in _TRANSIENT_METADATA:
        metadata.pop(key, None)
    cells = out["cells"] = []
    for original in nb["cells"]:
        cell = dict(original)
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
        if "trusted" in cell.get("metadata", {}):
            cell["metadata"] = {k: v for k, v in cell["metadata"].items() if k != "trusted"}
        if cell.get("attachments"):
            cell["attachments"] = {name: _split_bundle(b) for name, b in cell["attachments"].items()}
        if cell["cell_type"] == "code":
            outputs = cell["outputs"] = []
            for output in original["outputs"]:
                kind = output["output_type"]
                if kind in ("execute_result", "display_data") and output.get("data"):
                    output = {**output, "data": _split_bundle(output["data"])}
                elif kind == "stream" and isinstance(output["text"], str):
                    output = {**output, "text": output["text"].splitlines(True)}
                outputs.append(output)
        cells.append(cell)
    return out


def _split_bundle(data: dict) -> dict:
    return {
        mime: value.splitlines(True)
        if isinstance(value, str) and (mime.startswith("text/") or mime in _SPLIT_MIMES)
        else value
        for mime, value in data.items()
    }


def _encode(value: Any, level: int, parts: list[str]) -> None:
    """``json.dumps(indent=1, sort_keys=True, ensure_ascii=False)`` of ``value`` appended to ``parts``, with
    nbformat's ``BytesEncoder`` (bytes as ASCII text)."""
    if isinstance(value, str):
        parts.append(_encode_str(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        parts.append(_float_text(value))
    elif isinstance(value, list | tuple):
        if not value:
            parts.append("[]")
            return
        inner = "\n" + " " * (level + 1)
        separator = "[" + inner
        for item in value:
            parts.append(separator)
            separator = "," + inner
            _encode(item, level + 1, parts)
        parts.append("\n" + " " * level + "]")
    elif isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        inner = "\n" + " " * (level + 1)
        separator = "{" + inner
        for key, item in sorted(value.items()):
            parts.append(separator)
            separator = "," + inner
            parts.append(_encode_str(key if isinstance(key, str) else _key_text(key)))
            parts.append(": ")
            _encode(item, level + 1, parts)
        parts.append("\n" + " " * level + "}")
    elif isinstance(value, bytes):
        parts.append(_encode_str(value.decode("ascii")))
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key_text(key: Any) -> str:
    """A non-string dict key as ``json.dumps`` writes it."""
    if isinstance(key, float):
        return _float_text(key)
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _write_ipynb(nb: dict, path: str) -> None:
    papermill_io.write(notebook_json(nb), path)


def install_notebook_writer() -> None:
    """Let papermill write executed notebooks with :func:`notebook_json` in this process (batch workers): its
    ``execute_notebook`` ends with ``write_ipynb(nb, output_path)``, which calls ``nbformat.writes`` (~10 ms of a
    report). papermill offers no hook for this, so its module's function is replaced."""
    import papermill.execute

    if not callable(getattr(papermill.execute, "write_ipynb", None)):
        raise RuntimeError("papermill.execute.write_ipynb is gone: papermill changed, see install_notebook_writer")
    papermill.execute.write_ipynb = _write_ipynb


class _Manager(NotebookExecutionManager):
    """papermill's manager with the cell duration computed by ``datetime.fromisoformat``: papermill parses the
    start time it stored a moment before back with dateutil (~0.14 ms a cell). Same metadata values."""

    def cell_complete(self, cell: nbformat.NotebookNode, cell_index: int | None = None, **kwargs: Any) -> None:
        meta = cell.metadata.papermill
        start = meta.get("start_time")
        meta["start_time"] = None  # papermill computes no duration without it
        try:
            super().cell_complete(cell, cell_index=cell_index, **kwargs)
        finally:
            meta["start_time"] = start
        if start:
            end = datetime.datetime.fromisoformat(meta["end_time"])
            meta["duration"] = (end - datetime.datetime.fromisoformat(start)).total_seconds()


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
        """What ``papermill.engines.Engine.execute_notebook`` does, with :class:`_Manager`."""
        nb_man = _Manager(
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
