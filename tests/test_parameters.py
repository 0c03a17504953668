"""Notebook parameters from papermill (issue 26, item 9): ``-p gemeente 0363`` arrives as 363 and a KvK number
with a leading zero as an integer; the notebooks normalise codes to zero-padded text (spiegel.parameters). The
README's papermill commands are run here exactly as written, on the ``spiegel`` kernel, which prints no English
warning about an unencrypted kernel connection (spiegel.kernel)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from spiegel.errors import ParameterError
from spiegel.parameters import gemeentecode, kvk, notebook_parameters

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_codes_given_as_integers_become_zero_padded_text():
    assert notebook_parameters(1234567, "2025H1", 363) == ("01234567", "2025H1", "0363")
    assert notebook_parameters("91000011", "2025h1", "0363") == ("91000011", "2025H1", "0363")
    assert gemeentecode("GM0363") == "0363" and gemeentecode(None) is None and gemeentecode("") is None
    assert kvk(" 91000011 ") == "91000011"


@pytest.mark.parametrize("value", [123456789, "12a45678", True, 3.5, "-1234567"])
def test_a_kvk_number_that_cannot_be_one_is_refused_in_dutch(value):
    with pytest.raises(ParameterError, match=r"^parameter provider: verwacht een KvK-nummer"):
        kvk(value)


@pytest.mark.parametrize("value", [36300, "GM36300", False, "Amsterdam"])
def test_a_gemeentecode_that_cannot_be_one_is_refused_in_dutch(value):
    with pytest.raises(ParameterError, match=r"^parameter gemeente: verwacht een gemeentecode"):
        gemeentecode(value)


@pytest.mark.parametrize("name", ["jeugdhulp", "vt", "jb", "jr"])
def test_every_report_notebook_normalises_its_parameters_right_after_the_parameters_cell(name: str):
    nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    following = next(c for c in nb.cells[tagged[0] + 1 :] if c.cell_type == "code")
    assert "provider, period, gemeente = notebook_parameters(provider, period, gemeente)" in following.source
    assert following.source.index("notebook_parameters(") < following.source.index("report.build(")


def test_the_spiegel_kernel_spec_runs_the_quiet_launcher():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("spiegel")
    assert spec.argv[spec.argv.index("-m") + 1] == "spiegel.kernel"
    assert Path(spec.argv[0]).parent == BIN


def _readme_papermill_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return [line for line in readme.splitlines() if line.startswith(".venv/bin/papermill ")]


def test_the_readme_shows_papermill_with_p_and_with_r():
    commands = _readme_papermill_commands()
    assert any(" -p gemeente 0363" in c for c in commands) and any(" -r gemeente 0363" in c for c in commands)


@pytest.mark.parametrize("index", [0, 1], ids=["-p", "-r"])
def test_the_readme_papermill_command_runs_as_shown(index: int, tmp_path: Path):
    command = shlex.split(_readme_papermill_commands()[index])
    output = Path(command[2])
    command[0] = str(BIN / "papermill")
    command[2] = str(tmp_path / output.name)  # the README writes to /tmp; the test to its own folder
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "without encryption" not in done.stderr and "Traceback" not in done.stderr
    nb = json.loads((tmp_path / output.name).read_text(encoding="utf-8"))
    injected = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    source = "".join(injected["source"])
    assert re.search(r'^gemeente = (363|"0363")$', source, re.MULTILINE), source
    shown = json.dumps([c.get("outputs", []) for c in nb["cells"]], ensure_ascii=False)
    assert "0363" in shown  # the extract names its gemeente by code


def test_the_kernel_drops_only_the_plain_tcp_warning():
    import logging

    from spiegel.kernel import PLAIN_TCP_WARNING, _DropPlainTcpWarning

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("IPKernelApp", logging.WARNING, __file__, 1, message, None, None)

    quiet = _DropPlainTcpWarning()
    assert not quiet.filter(record(PLAIN_TCP_WARNING + ". All communication ... is sent in plain text"))
    assert quiet.filter(record("Kernel died: something else"))
