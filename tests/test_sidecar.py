"""`spiegel report` with its sidecar process (charts and rendering on the second core) makes the same report as
the same steps in one process, and falls back to this process when the sidecar is gone."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from spiegel import offload
from spiegel.present import charts
from spiegel.sample import DELIVERIES, REFERENCE_PROVIDER
from spiegel.sidecar import Sidecar

SPEC = {
    "data": {"values": [{"a": "Amsterdam", "b": 1234}, {"a": "Utrecht", "b": 8}]},
    "mark": "bar",
    "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}},
}


def test_sidecar_chart_is_the_in_process_chart():
    with Sidecar() as sidecar:
        assert offload.chart_converter() is not None
        remote = charts.spec_to_svg(SPEC)
        pid = sidecar._started.result() if sidecar._started else None
    assert offload.chart_converter() is None
    assert remote == charts.spec_to_svg(SPEC)
    assert "1.234" in remote  # nl-NL number format, drawn by the sidecar's vl-convert
    assert pid is not None and pid != os.getpid()


def test_sidecar_gone_means_work_in_this_process():
    with Sidecar() as sidecar:
        pid = sidecar._call(os.getpid)[1]
        os.kill(pid, signal.SIGKILL)
        assert charts.spec_to_svg(SPEC) == charts.dutch_aria(charts._unique_ids(charts.vegalite_to_svg(SPEC)))
        assert sidecar._pool is None  # noted as gone; later calls do not try again


def test_report_command_equals_the_report_made_in_one_process(sample_reports, tmp_path, capsys):
    from spiegel.cli import main

    status = main(["report", "--provider", REFERENCE_PROVIDER, "--period", "2025H1", "--deliveries",
                   str(DELIVERIES), "--out", str(tmp_path), "--renderer", "builtin"])
    assert status == 0
    made = tmp_path / "2025H1" / REFERENCE_PROVIDER
    reference = sample_reports[REFERENCE_PROVIDER].outputs
    for name in ("spiegelrapport.html", "spiegelrapport.pdf", "tabellen.xlsx"):
        assert (made / name).read_bytes() == (Path(reference["notebook"]).parent / name).read_bytes(), name
    printed = capsys.readouterr().out
    assert str(made / "spiegelrapport.pdf") in printed


def test_tables_only_report_writes_its_tables_before_it_lists_them(tmp_path, capsys):
    """Without HTML/PDF nothing renders, so the deferred XLSX write happens before the command returns."""
    from spiegel.cli import main

    status = main(["report", "--provider", REFERENCE_PROVIDER, "--period", "2025H1", "--deliveries",
                   str(DELIVERIES), "--out", str(tmp_path), "--formats", "xlsx"])
    assert status == 0
    made = tmp_path / "2025H1" / REFERENCE_PROVIDER
    assert (made / "tabellen.xlsx").stat().st_size > 0
    assert not (made / "spiegelrapport.pdf").exists()
    assert str(made / "tabellen.xlsx") in capsys.readouterr().out
    assert offload.defer(lambda: None) is False  # the hook is gone after the command: nothing is queued
