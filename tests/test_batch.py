"""spiegel batch: failures recorded, incremental skip, kill -9 and resume, Dask, manifest and index.

The batch runs the real pipeline (``spiegel.pipeline.make_report``) on a test double of the report notebook
(``tests/data/batch_report.ipynb``): a provider number starting with 9 fails in a cell, one starting with 8
kills its worker process; ``SPIEGEL_TEST_DELAY`` slows each report down for the kill test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from spiegel.batch import BatchOptions, run_batch
from spiegel.batch.worker import STAMP, is_finished
from spiegel.deliveries import DeliveryMeta, write_meta

NOTEBOOK = Path(__file__).parent / "data" / "batch_report.ipynb"
# The executed notebook keeps the notebook's own name in the report folder (ReportJob.notebook_file).
NOTEBOOK_FILE = NOTEBOOK.name


def make_store(root: Path, delivered: list[str], missing: list[str] = ()) -> Path:
    """A deliveries folder: register.csv plus one small delivery file (with sidecar) per delivered provider."""
    rows = ["kvk,naam,domein,grootteklasse,gemeenten"]
    for i, kvk in enumerate([*delivered, *missing]):
        rows.append(f"{kvk},Aanbieder {i},jeugdhulp,klein,0363")
        if kvk in missing:
            continue
        path = root / "2025H1" / kvk / f"{kvk}_2025H1.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"levering {kvk}\n")
        write_meta(path, DeliveryMeta(kvk=kvk, naam=f"Aanbieder {i}", domein="jeugdhulp", periode="2025H1",
                                      correctie=False, ontvangen=datetime(2025, 7, 10, 12, 0)))
    (root / "register.csv").write_text("\n".join(rows) + "\n")
    return root


def options(store: Path, out: Path, **kw) -> BatchOptions:
    kw.setdefault("workers", 2)
    return BatchOptions(period="2025H1", deliveries=store, out_root=out, formats=("csv",), notebook=NOTEBOOK,
                        progress=False, **kw)


def by_kvk(result) -> dict[str, dict]:
    return {r["kvk"]: r for r in result.records}


def test_failing_provider_is_recorded_and_the_others_are_made(tmp_path):
    store = make_store(tmp_path / "d", ["10000001", "90000002", "80000003", "10000004"], missing=["10000005"])
    result = run_batch(options(store, tmp_path / "o"))
    records = by_kvk(result)
    assert result.exit_code == 1
    assert {k: r["status"] for k, r in records.items()} == {
        "10000001": "gemaakt", "90000002": "mislukt", "80000003": "mislukt", "10000004": "gemaakt",
        "10000005": "geen levering",
    }
    failed = records["90000002"]
    assert (failed["stage"], failed["error_type"]) == ("uitvoeren", "PapermillExecutionError")
    assert failed["message"].startswith("ValueError in cel")
    error_nb = nbformat.read(tmp_path / "o" / "2025H1" / "90000002" / failed["outputs"]["notebook_fout"], 4)
    assert "papermill-error-cell-tag" in error_nb.cells[0].metadata.tags
    for path in (tmp_path / "o" / "2025H1").glob("*/*.ipynb"):  # written by the workers' own writer
        assert path.read_text(encoding="utf-8") == nbformat.writes(nbformat.read(path, 4)), path.name
    assert records["80000003"]["error_type"] == "WorkerDied"
    assert not (tmp_path / "o" / "2025H1" / "90000002" / STAMP).exists()
    manifest = json.loads((tmp_path / "o" / "2025H1" / "manifest.json").read_text())
    assert manifest["status"] == "klaar"
    assert manifest["counts"] == {"gemaakt": 2, "ongewijzigd": 0, "mislukt": 2, "wachtend": 0, "geen levering": 1}
    made = records["10000001"]
    assert set(made["timings"]) >= {"zoeken", "uitvoeren", "totaal"}
    assert made["summary"]["validatie"] == {"fouten": 1, "waarschuwingen": 1, "regels": []}
    assert made["outputs"]["notebook"] == NOTEBOOK_FILE and made["input_key"] and made["code_version"]
    csv_text = (tmp_path / "o" / "2025H1" / "manifest.csv").read_text()
    assert csv_text.splitlines()[0].startswith("kvk,naam,status,stage,error_type,message,fouten,waarschuwingen")
    assert len(csv_text.splitlines()) == 6


def test_unchanged_reports_are_not_made_again_and_a_changed_delivery_is(tmp_path):
    store = make_store(tmp_path / "d", ["10000001", "10000002", "90000003"])
    first = run_batch(options(store, tmp_path / "o"))
    notebook = tmp_path / "o" / "2025H1" / "10000001" / NOTEBOOK_FILE
    mtime = notebook.stat().st_mtime_ns
    changed = store / "2025H1" / "10000002" / "10000002_2025H1.csv"
    changed.write_text("levering 10000002, gecorrigeerd\n")
    second = run_batch(options(store, tmp_path / "o"))
    status = {k: r["status"] for k, r in by_kvk(second).items()}
    assert status == {"10000001": "ongewijzigd", "10000002": "gemaakt", "90000003": "mislukt"}
    assert notebook.stat().st_mtime_ns == mtime
    assert by_kvk(second)["10000002"]["input_key"] != by_kvk(first)["10000002"]["input_key"]
    assert second.batch_id != first.batch_id and second.exit_code == 1


def test_worker_is_replaced_before_a_report_that_would_take_it_past_the_memory_budget(tmp_path):
    store = make_store(tmp_path / "d", ["10000001", "10000002", "10000003"])
    big = store / "2025H1" / "10000002" / "10000002_2025H1.csv"
    big.write_text("levering 10000002\n" + "x" * 4_000_000 + "\n")  # expected need: 25 + 55 × 3.8 ≈ 235 MB
    write_meta(big, DeliveryMeta(kvk="10000002", naam="Aanbieder 1", domein="jeugdhulp", periode="2025H1",
                                 correctie=False, ontvangen=datetime(2025, 7, 10, 12, 0)))
    roomy = by_kvk(run_batch(options(store, tmp_path / "o1", workers=1, max_rss_mb=100_000)))
    pids = [roomy[k]["worker"]["pid"] for k in ("10000001", "10000002", "10000003")]
    assert len(set(pids)) == 1  # with room to spare, one worker makes all three
    resting = roomy["10000001"]["worker"]["rss_mb"]
    budget = resting + 120  # room for a small report (25 MB), not for the big one
    tight = by_kvk(run_batch(options(store, tmp_path / "o2", workers=1, max_rss_mb=budget)))
    assert {r["status"] for r in tight.values()} == {"gemaakt"}
    assert tight["10000002"]["worker"]["pid"] != tight["10000001"]["worker"]["pid"]


_BATCH = """
import sys
from pathlib import Path
from spiegel.batch import BatchOptions, run_batch
result = run_batch(BatchOptions(period="2025H1", deliveries=Path(sys.argv[1]), out_root=Path(sys.argv[2]),
                   formats=("csv",), notebook=Path(sys.argv[3]), workers=2, progress=False))
sys.exit(result.exit_code)
"""


def test_batch_killed_mid_way_resumes_and_no_half_made_report_looks_finished(tmp_path):
    kvks = [f"1000{i:04d}" for i in range(1, 11)]
    store = make_store(tmp_path / "d", kvks)
    out = tmp_path / "o"
    env = dict(os.environ, SPIEGEL_TEST_DELAY="0.4")
    proc = subprocess.Popen([sys.executable, "-c", _BATCH, str(store), str(out), str(NOTEBOOK)], env=env,
                            start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(out.glob(f"2025H1/*/{STAMP}"))) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, as kill -9 or a power cut would
    proc.wait()

    period_dir = out / "2025H1"
    stamped = [p.parent.name for p in period_dir.glob(f"*/{STAMP}")]
    assert 2 <= len(stamped) < len(kvks)
    for folder in period_dir.iterdir():
        if folder.name in kvks and (folder / STAMP).exists():
            stamp = json.loads((folder / STAMP).read_text())
            assert is_finished(folder, stamp["input_key"]) is not None
            nbformat.read(folder / NOTEBOOK_FILE, 4)  # complete and valid
    killed = json.loads(next(period_dir.glob("batches/*/manifest.json")).read_text())
    assert killed["status"] == "bezig"  # a valid manifest, even after kill -9
    journaled = set()
    for line in next(period_dir.glob("batches/*/journal.jsonl")).read_text().splitlines():
        with contextlib.suppress(ValueError):  # a line cut off by kill -9
            journaled.add(json.loads(line)["kvk"])
    assert set(stamped) <= journaled  # stamped only once recorded: resume counts it as made in this batch

    result = run_batch(options(store, out, resume=True))
    assert result.exit_code == 0 and result.batch_id == killed["batch_id"]
    status = {k: r["status"] for k, r in by_kvk(result).items()}
    assert set(status.values()) == {"gemaakt"} and len(status) == len(kvks)
    assert all(is_finished(period_dir / k, by_kvk(result)[k]["input_key"]) for k in kvks)
    assert json.loads(result.manifest.read_text())["status"] == "klaar"


def test_batch_runs_on_a_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    store = make_store(tmp_path / "d", ["10000001", "10000002", "90000003"])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        result = run_batch(options(store, tmp_path / "o", cluster=cl.scheduler_address, workers=None))
    status = {k: r["status"] for k, r in by_kvk(result).items()}
    assert status == {"10000001": "gemaakt", "10000002": "gemaakt", "90000003": "mislukt"}
    assert result.exit_code == 1
    assert (tmp_path / "o" / "2025H1" / "10000001" / STAMP).exists()


def test_index_is_self_contained_and_lists_providers_and_those_without_delivery(tmp_path):
    store = make_store(tmp_path / "d", ["10000001", "10000002", "90000003"], missing=["10000009"])
    result = run_batch(options(store, tmp_path / "o"))
    html = result.index.read_text(encoding="utf-8")
    assert result.index == tmp_path / "o" / "2025H1" / "index.html"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http://" not in html and "https://" not in html and "<link" not in html
    assert "Geregistreerd zonder levering (1)" in html and "10000009" in html
    assert "<td>10000001</td>" in html and "mislukt" in html
    # national overview: the sum of the providers' flows (test notebook: n + 1 for provider ...nn)
    assert "Totaal jeugdhulp</td><td>0</td><td>0</td><td>0</td><td>0</td><td>5</td>" in html


def test_cli_batch_without_register_exits_2(tmp_path, capsys):
    from spiegel.cli import main

    assert main(["batch", "--period", "2025H1", "--deliveries", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "register.csv" in capsys.readouterr().err


def test_cli_only_with_unknown_provider_exits_2(tmp_path, capsys):
    from spiegel.cli import main

    store = make_store(tmp_path / "d", ["10000001"])
    code = main(["batch", "--period", "2025H1", "--deliveries", str(store), "--out", str(tmp_path / "o"),
                 "--only", "12345678"])
    assert code == 2 and "--only" in capsys.readouterr().err


def test_sigterm_stops_the_batch_like_ctrl_c_and_writes_the_manifest(tmp_path):
    store = make_store(tmp_path / "d", [f"1000{i:04d}" for i in range(1, 9)])
    out = tmp_path / "o"
    env = dict(os.environ, SPIEGEL_TEST_DELAY="1.0")
    proc = subprocess.Popen([sys.executable, "-c", _BATCH, str(store), str(out), str(NOTEBOOK)], env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None and not list(out.glob(f"2025H1/*/{STAMP}")):
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=180) == 130
    manifest = json.loads((out / "2025H1" / "manifest.json").read_text())
    assert manifest["status"] == "onderbroken"
    assert manifest["counts"]["gemaakt"] >= 1 and manifest["counts"]["wachtend"] >= 1


def test_manifest_rewrite_holds_the_latest_record_of_each_provider_in_json_and_csv(tmp_path):
    import csv

    from spiegel.batch.runner import MANIFEST_FIELDS, Manifest

    manifest = Manifest(tmp_path / "b", {"batch_id": "x", "period": "2025H1"})
    manifest.put({"kvk": "20000002", "naam": "B, met komma", "status": "wachtend", "outputs": {}}, journal=False)
    manifest.put({"kvk": "10000001", "naam": "A \"quote\"", "status": "wachtend", "outputs": {}}, journal=False)
    manifest.write("bezig")
    manifest.put({"kvk": "20000002", "naam": "B, met komma", "status": "gemaakt", "outputs": {"html": "r.html"},
                  "timings": {"totaal": 0.5}, "summary": {"validatie": {"fouten": 2, "waarschuwingen": 0}},
                  "worker": {"host": "h", "pid": 7, "max_rss_mb": 300.5}})
    manifest.write("klaar")
    manifest.close()
    data = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert (data["batch_id"], data["status"]) == ("x", "klaar")
    assert data["counts"]["gemaakt"] == 1 and data["counts"]["wachtend"] == 1
    assert [p["kvk"] for p in data["providers"]] == ["10000001", "20000002"]
    assert data["providers"][1]["outputs"] == {"html": "r.html"}
    rows = list(csv.DictReader((tmp_path / "b" / "manifest.csv").open(encoding="utf-8", newline="")))
    assert list(rows[0]) == list(MANIFEST_FIELDS)
    assert [(r["kvk"], r["naam"], r["status"]) for r in rows] == [
        ("10000001", "A \"quote\"", "wachtend"), ("20000002", "B, met komma", "gemaakt")]
    assert (rows[1]["html"], rows[1]["fouten"], rows[1]["worker"], rows[1]["max_rss_mb"]) == (
        "r.html", "2", "h:7", "300.5")
    journal = (tmp_path / "b" / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["status"] for line in journal] == ["gemaakt"]
    empty = Manifest(tmp_path / "e", {"batch_id": "y"})
    empty.write("klaar")
    assert json.loads((tmp_path / "e" / "manifest.json").read_text(encoding="utf-8"))["providers"] == []


_THREADS_SCRIPT = """
import json, os, sys
def names():
    return sorted(open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task"))
import spiegel.batch.warmup  # builds a report's sections, as in the forkserver
before = names()
from spiegel.present.charts import spec_to_svg
spec_to_svg({"data": {"values": [{"a": "x", "b": 1}]}, "mark": "bar",
             "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}}})
print(json.dumps({"before": before, "after": names()}))
"""


def test_the_forkserver_warm_up_builds_the_sections_without_starting_vl_converts_threads():
    """Workers are forked from the forkserver; a thread running there (vl-convert's JavaScript runtime) would be
    missing in every worker, whose first chart then waits for it forever."""
    from spiegel.batch.warmup import ENV
    from spiegel.sample import DELIVERIES, REFERENCE_PROVIDER

    env = dict(os.environ, **{ENV: json.dumps({"deliveries": str(DELIVERIES), "period": "2025H1",
                                               "kvk": REFERENCE_PROVIDER})})
    out = subprocess.run([sys.executable, "-c", _THREADS_SCRIPT], env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    threads = json.loads(out.stdout.strip().splitlines()[-1])
    assert not any(name.startswith(("V8", "tokio")) for name in threads["before"]), threads["before"]
    assert any(name.startswith("V8") for name in threads["after"])  # the check sees the runtime once it runs


_LIVE_BATCH = """
import sys
from pathlib import Path
from spiegel.batch import BatchOptions, run_batch, runner
runner._WRITE_EVERY = runner._INDEX_EVERY = runner._INDEX_COST_FACTOR = 0  # every result published at once
result = run_batch(BatchOptions(period="2025H1", deliveries=Path(sys.argv[1]), out_root=Path(sys.argv[2]),
                   formats=("csv",), notebook=Path(sys.argv[3]), workers=2, progress=False))
sys.exit(result.exit_code)
"""


def _index_rows(html: str) -> dict[str, str]:
    """KvK → the row's status class, from the providers table of index.html."""
    return {kvk: cls.split()[0] if cls else cls
            for cls, kvk in re.findall(r"<tr class='([\w ]*)'><td>(\d{8})</td>", html)}


def test_period_manifest_and_index_are_kept_current_while_the_batch_runs_and_valid_after_kill_9(tmp_path):
    kvks = [f"1000{i:04d}" for i in range(1, 11)]
    store = make_store(tmp_path / "d", kvks, missing=["10000099"])
    out = tmp_path / "o"
    period_dir = out / "2025H1"
    env = dict(os.environ, SPIEGEL_TEST_DELAY="0.4")
    proc = subprocess.Popen([sys.executable, "-c", _LIVE_BATCH, str(store), str(out), str(NOTEBOOK)], env=env,
                            start_new_session=True)
    deadline = time.monotonic() + 180
    seen_early = None
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            live = json.loads((period_dir / "manifest.json").read_text(encoding="utf-8"))
            seen_early = seen_early or live  # the first version read: there before any report was made
            if live["counts"]["gemaakt"] >= 3:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    assert seen_early is not None and seen_early["status"] == "bezig"
    manifest = json.loads((period_dir / "manifest.json").read_text(encoding="utf-8"))  # valid after kill -9
    assert manifest["status"] == "bezig" and manifest["counts"]["gemaakt"] >= 3
    made = {p["kvk"] for p in manifest["providers"] if p["status"] == "gemaakt"}
    stamped = {p.parent.name for p in period_dir.glob(f"*/{STAMP}")}
    assert made <= stamped and len(stamped - made) <= 1  # current: at most the report in hand when killed
    assert {p["kvk"] for p in manifest["providers"]} == {*kvks, "10000099"}
    csv_rows = (period_dir / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_rows) == 1 + len(kvks) + 1
    html = (period_dir / "index.html").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>") and "Tussenstand" in html
    rows = _index_rows(html)
    assert set(rows) == set(kvks)
    shown_made = {k for k, cls in rows.items() if cls == "ok"}
    assert shown_made <= made and len(made - shown_made) <= 1 and len(shown_made) >= 2
    # (a kill during a rewrite may leave the rewrite's temporary file, hidden; the files read above are whole)
    stale, fresh = period_dir / ".manifest.csv.abc123.tmp", period_dir / ".index.html.def456.tmp"
    stale.write_text("half", encoding="utf-8")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh.write_text("another batch writing", encoding="utf-8")

    result = run_batch(options(store, out, resume=True))  # and the finished batch's page says nothing of it
    final = result.index.read_text(encoding="utf-8")
    assert result.exit_code == 0 and "Tussenstand" not in final and set(_index_rows(final).values()) == {"ok"}
    assert not stale.exists() and fresh.exists()  # the resumed batch removed what was left, not a write in progress


def test_live_index_is_throttled_while_running_and_always_written_at_the_end(tmp_path, monkeypatch):
    from spiegel.batch import runner

    calls = []
    monkeypatch.setattr("spiegel.batch.index.write_index", lambda folder, m: calls.append(m["status"]) or folder)
    live = runner._LiveIndex(tmp_path)
    for status in ("bezig", "bezig", "bezig", "onderbroken", "klaar"):
        live(json.dumps({"status": status}))
    assert calls == ["bezig", "onderbroken", "klaar"]

def test_index_marks_providers_whose_delivery_has_errors():
    from spiegel.batch.index import render_index

    def provider(kvk, fouten):
        return {"kvk": kvk, "naam": f"Aanbieder {kvk}", "status": "gemaakt", "outputs": {},
                "summary": {"validatie": {"fouten": fouten, "waarschuwingen": 1}}}

    manifest = {"period": "2025H1", "providers": [provider("10000001", 0), provider("10000002", 3)]}
    html = render_index(manifest, "")
    assert "<tr class='ok metfouten'><td>10000002</td>" in html
    assert "<tr class='ok'><td>10000001</td>" in html
    assert "Aanbieders met fouten in de aanlevering: <b>1</b>" in html
