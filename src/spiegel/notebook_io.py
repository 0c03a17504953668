"""Every replacement of papermill's and nbformat's own work, behind one door (docs/architecture.md, "Speed doors").

papermill and nbformat are the runners of record: papermill parameterises and executes the notebook and writes
it; nothing here changes what they produce. Three things they do are done here in less time, each with a test
that holds it to papermill's or nbformat's own result (tests/test_notebook_io.py):

* :func:`read_without_outputs` — papermill reads the report notebook without its stored outputs (it clears them
  when execution starts anyway; parsing, validating and copying them cost ~6 ms a report);
* :func:`notebook_json` and :func:`install_notebook_writer` — the executed notebook is written with our own
  encoder of nbformat's text (``nbformat.writes`` deep-copies, validates and runs json's pure-Python indented
  encoder: 10 ms a report, here 2.3); papermill has no hook for this, so ``papermill.execute.write_ipynb`` is
  replaced, in the batch's worker processes only;
* :func:`manager_class` — papermill's execution manager with the cell durations computed by
  ``datetime.fromisoformat`` instead of dateutil (same metadata).
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any

import nbformat
from papermill.iorw import LocalHandler, papermill_io

from spiegel.io import file_stamp

__all__ = ["install_notebook_writer", "manager_class", "notebook_json", "read_without_outputs"]


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


def manager_class() -> type:
    """papermill's ``NotebookExecutionManager`` with the cell duration computed by ``datetime.fromisoformat``:
    papermill parses the start time it stored a moment before back with dateutil (~0.14 ms a cell). Same metadata
    values. Made on first use: ``papermill.engines`` imports every registered engine (ours too) as it is imported,
    so this module must not import it at its top."""
    global _MANAGER
    if _MANAGER is None:
        from papermill.engines import NotebookExecutionManager

        class Manager(NotebookExecutionManager):
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

        _MANAGER = Manager
    return _MANAGER


_MANAGER: type | None = None
