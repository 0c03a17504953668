"""The warm papermill engine (spiegel_warm): same outputs as a kernel, papermill's records, isolation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import papermill as pm
import pytest

DATA = Path(__file__).parent / "data"
PROBE = DATA / "batch_probe.ipynb"


def _code_outputs(nb: nbformat.NotebookNode, keep_traceback: bool = False) -> list:
    """Per code cell: execution count and outputs (tracebacks reduced to 'present', as file names differ)."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.outputs:
            out = dict(out)
            if out["output_type"] == "error" and not keep_traceback:
                out["traceback"] = bool(out["traceback"])
            outputs.append(out)
        cells.append((cell.execution_count, outputs))
    return cells


def _run(engine: str | None, out: Path, **parameters) -> nbformat.NotebookNode:
    pm.execute_notebook(str(PROBE), str(out), parameters=parameters, engine_name=engine, progress_bar=False,
                        kernel_name="python3")
    return nbformat.read(out, as_version=4)


def test_warm_engine_is_registered_with_papermill():
    from papermill.engines import papermill_engines

    from spiegel.batch.engine import WarmEngine

    assert papermill_engines.get_engine("spiegel_warm") is WarmEngine


def test_warm_engine_gives_the_same_outputs_as_a_kernel(tmp_path):
    kernel = _run(None, tmp_path / "kernel.ipynb", provider="K")
    warm = _run("spiegel_warm", tmp_path / "warm.ipynb", provider="K")
    assert _code_outputs(warm) == _code_outputs(kernel)
    kinds = [o["output_type"] for _, outs in _code_outputs(warm) for o in outs]
    assert {"stream", "execute_result", "display_data"} <= set(kinds)
    assert "image/svg+xml" in str(_code_outputs(warm))  # the altair chart as a display bundle
    assert warm.metadata.language_info.name == kernel.metadata.language_info.name == "python"
    assert all(c.metadata.papermill.status == "completed" for c in warm.cells)
    assert warm.metadata.papermill.duration is not None


def test_cell_records_are_papermills_with_duration_from_start_and_end(tmp_path):
    from datetime import datetime

    kernel = _run(None, tmp_path / "kernel.ipynb", provider="K")
    warm = _run("spiegel_warm", tmp_path / "warm.ipynb", provider="K")
    for k_cell, w_cell in zip(kernel.cells, warm.cells, strict=True):
        k, w = k_cell.metadata.papermill, w_cell.metadata.papermill
        assert set(w) == set(k) and (w.status, w.exception) == (k.status, k.exception)
        if w_cell.cell_type == "code":
            start, end = datetime.fromisoformat(w.start_time), datetime.fromisoformat(w.end_time)
            assert start.tzinfo is not None and w.duration == (end - start).total_seconds() >= 0


def _without_times(nb: nbformat.NotebookNode) -> dict:
    nb = json.loads(nbformat.writes(nb))
    for key in ("start_time", "end_time", "duration", "output_path"):
        nb["metadata"]["papermill"].pop(key, None)
    for cell in nb["cells"]:
        for key in ("start_time", "end_time", "duration"):
            cell["metadata"].get("papermill", {}).pop(key, None)
        cell["metadata"].pop("execution", None)
        if {"injected-parameters", "papermill-error-cell-tag"} & set(cell["metadata"].get("tags", [])):
            cell.pop("id", None)  # papermill gives the cells it inserts a random id
    return nb


@pytest.mark.parametrize("fail", [False, True])
def test_notebook_read_without_its_stored_outputs_gives_the_same_record(tmp_path, fail):
    from spiegel.notebook_io import read_without_outputs

    src = nbformat.read(PROBE, as_version=4)
    for cell in src.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="opgeslagen uitvoer\n")]
    notebook = tmp_path / "met_uitvoer.ipynb"
    nbformat.write(src, notebook)
    records = []
    for register in (False, True):
        if register:
            read_without_outputs(str(notebook))
        out = tmp_path / f"uit_{register}.ipynb"
        try:
            pm.execute_notebook(str(notebook), str(out), parameters={"provider": "K", "fail": fail},
                                engine_name="spiegel_warm", progress_bar=False)
        except pm.PapermillExecutionError:
            assert fail
        records.append(_without_times(nbformat.read(out, as_version=4)))
    assert records[0] == records[1]
    from papermill.iorw import papermill_io

    assert "opgeslagen uitvoer" not in papermill_io.read(str(notebook))  # what papermill now reads
    assert "opgeslagen uitvoer" in notebook.read_text(encoding="utf-8")
    assert records[1]["metadata"]["papermill"]["input_path"] == str(notebook)


def test_failing_cell_gives_papermills_error_cell_and_stops(tmp_path):
    out = tmp_path / "fout.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as info:
        _run("spiegel_warm", out, provider="F", fail=True)
    assert (info.value.ename, info.value.evalue) == ("ValueError", "opzettelijke fout")
    nb = nbformat.read(out, as_version=4)
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.tags
    failed = [c for c in nb.cells if c.cell_type == "code" and c.metadata.papermill.status == "failed"]
    assert len(failed) == 1 and failed[0].outputs[-1].output_type == "error"
    assert nb.cells[-1].source == 'print("na de fout")' and nb.cells[-1].execution_count is None
    assert nb.metadata.papermill.exception is True


def test_warm_engine_puts_back_what_a_notebook_changes_in_the_process(tmp_path):
    import altair as alt
    import pandas as pd

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, sys, warnings\nimport altair as alt\nimport pandas as pd\n"
        f"os.chdir({str(tmp_path)!r})\nos.environ['SPIEGEL_PROBE'] = '1'\nsys.path.append('/nergens')\n"
        "warnings.simplefilter('error')\npd.set_option('display.max_rows', 3)\nalt.renderers.enable('svg')\n"
        "alt.data_transformers.disable_max_rows()\nx = 1"
    )])
    before = (os.getcwd(), list(sys.path), list(warnings.filters), pd.get_option("display.max_rows"),
              alt.renderers.active, alt.data_transformers.options)
    pm.execute_notebook(nb, None, engine_name="spiegel_warm", progress_bar=False)
    after = (os.getcwd(), list(sys.path), list(warnings.filters), pd.get_option("display.max_rows"),
             alt.renderers.active, alt.data_transformers.options)
    assert after == before
    assert "SPIEGEL_PROBE" not in os.environ


_SEQUENCE = """
import json, sys, nbformat, papermill as pm
outputs = {}
for name, params in json.loads(sys.argv[1]):
    out = sys.argv[2] + "/" + name + ".ipynb"
    try:
        pm.execute_notebook(sys.argv[3], out, parameters=params, engine_name="spiegel_warm", progress_bar=False)
    except pm.PapermillExecutionError:
        pass
"""


def _sequence(tmp: Path, runs: list) -> None:
    subprocess.run([sys.executable, "-c", _SEQUENCE, json.dumps(runs), str(tmp), str(PROBE)], check=True)


def test_report_is_byte_identical_alone_and_after_another_report_in_the_same_process(tmp_path):
    alone, after = tmp_path / "alone", tmp_path / "after"
    alone.mkdir()
    after.mkdir()
    _sequence(alone, [["B", {"provider": "B"}]])
    # A changes pandas options, the altair renderer and leaves a variable behind; then it fails mid-way.
    _sequence(after, [["A", {"provider": "A", "rows": 5, "fail": True}], ["B", {"provider": "B"}]])
    b_alone = nbformat.read(alone / "B.ipynb", as_version=4)
    b_after = nbformat.read(after / "B.ipynb", as_version=4)
    dump = lambda nb: json.dumps(_code_outputs(nb, keep_traceback=True), sort_keys=True).encode()  # noqa: E731
    assert dump(b_after) == dump(b_alone)
    assert "vorige None" in b_after.cells[3].outputs[0].text  # A's variable did not reach B


def test_the_engine_module_imports_on_its_own_and_registers_with_papermill():
    """papermill loads its engine entry points (ours too) when papermill.engines is imported; importing
    spiegel.batch.engine first must not leave papermill with our module half made."""
    code = ("import spiegel.batch.engine as e, papermill.engines as p; "
            "assert p.papermill_engines.get_engine('spiegel_warm') is e.WarmEngine; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-500:]


def test_notebook_json_is_the_text_nbformat_writes():
    import random

    from spiegel.notebook_io import _encode, notebook_json

    report = Path(__file__).parents[1] / "notebooks" / "jeugdhulp.ipynb"  # with the outputs nbval compares
    notebooks = [nbformat.read(path, 4) for path in (PROBE, report)]
    odd = nbformat.v4.new_notebook(metadata={"orig_nbformat": 3, "signature": "x", "b": [], "a": {}})
    odd.cells = [
        nbformat.v4.new_markdown_cell(
            "# Kop\nregel\r\nnog één\n", attachments={"p.png": {"image/png": "QUJD\n", "text/plain": "a\nb"}}
        ),
        nbformat.v4.new_code_cell("x = 1\n", metadata={"trusted": True, "tags": ["t"]}, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="a\nb\n"),
            nbformat.v4.new_output("display_data", data={"text/plain": "x\ny", "image/svg+xml": "<svg>\n</svg>",
                                                         "application/json": {"k": "a\nb"}, "text/html": ["al", "s"]}),
            nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1),
            nbformat.v4.new_output("error", ename="E", evalue="\u2028\"", traceback=["t\nr"]),
        ]),
        nbformat.v4.new_raw_cell("ruw"),
    ]
    odd.cells[1].outputs[1]["metadata"] = {"bytes": b"QUJD", "n": [1.5, -0.0, 10**20, float("nan"), True, None]}
    for nb in [*notebooks, odd]:
        before = json.dumps(nb, sort_keys=True, default=repr)
        assert notebook_json(nb) == nbformat.writes(nb)
        assert json.dumps(nb, sort_keys=True, default=repr) == before  # the notebook itself is left as it was
    rng = random.Random(5)

    def value(depth=0):
        r = rng.random()
        if depth > 3 or r < 0.3:
            return rng.choice(["a\nb", "é\u2028\"\\", "", 0, -3, 1.5, float("inf"), 1e300, True, False, None])
        if r < 0.6:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        return {rng.choice(["b", "a", "é", "\n", 1, 2.5]) if depth else "k" + str(rng.randrange(9)): value(depth + 1)
                for _ in range(rng.randrange(4))}

    for _ in range(500):
        v, parts = value(), []
        try:
            expected = json.dumps(v, indent=1, sort_keys=True, ensure_ascii=False, separators=(",", ": "))
        except TypeError:  # keys of mixed types cannot be sorted: both refuse
            with pytest.raises(TypeError):
                _encode(v, 0, parts)
            continue
        _encode(v, 0, parts)
        assert "".join(parts) == expected
