"""The batch's warm-up reads the bundled sample, never a user's delivery (issue 25): a hostile workbook that would
crash the process reading it can then only fail its own provider, in its own worker, and the batch goes on."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import xlsxwriter

from spiegel import sample
from spiegel.batch import BatchOptions, run_batch
from spiegel.batch.runner import _warmup_delivery
from spiegel.deliveries import DeliveryMeta, write_meta

NOTEBOOK = Path(__file__).parent / "data" / "batch_report.ipynb"


def test_the_warm_up_delivery_is_one_of_the_bundled_sample_in_the_batch_domain():
    for domain in ("jeugdhulp", "vt"):
        spec = _warmup_delivery(domain)
        assert spec is not None and Path(spec["deliveries"]) == sample.DELIVERIES
        assert spec["domain"] == domain
        folder = sample.DELIVERIES / spec["period"] / spec["kvk"]
        assert any(p.name.startswith(f"{domain}_") for p in folder.iterdir())
    assert _warmup_delivery("bestaat-niet") is None


def test_a_hostile_smallest_delivery_does_not_reach_the_warm_up_and_the_batch_finishes(tmp_path):
    store = tmp_path / "d"
    rows = ["kvk,naam,domein,grootteklasse,gemeenten"]
    for i, kvk in enumerate(["10000001", "10000002"]):
        rows.append(f"{kvk},Aanbieder {i},jeugdhulp,klein,0363")
        folder = store / "2025H1" / kvk
        folder.mkdir(parents=True)
        if kvk == "10000001":  # the smallest delivery: a workbook of a few KB with one cell at XFD1048576
            path = folder / f"{kvk}_2025H1.xlsx"
            book = xlsxwriter.Workbook(str(path))
            book.add_worksheet().write_string(1_048_575, 16_383, "x")
            book.close()
        else:
            path = folder / f"{kvk}_2025H1.csv"
            path.write_text(f"levering {kvk}\n" + "x" * 20_000 + "\n")
        write_meta(path, DeliveryMeta(kvk=kvk, naam=f"Aanbieder {i}", domein="jeugdhulp", periode="2025H1",
                                      correctie=False, ontvangen=datetime(2025, 7, 10, 12, 0)))
    (store / "register.csv").write_text("\n".join(rows) + "\n")
    result = run_batch(BatchOptions(period="2025H1", deliveries=store, out_root=tmp_path / "o", formats=("csv",),
                                    notebook=NOTEBOOK, progress=False, workers=1))
    assert {r["kvk"]: r["status"] for r in result.records} == {"10000001": "gemaakt", "10000002": "gemaakt"}
    manifest = json.loads((tmp_path / "o" / "2025H1" / "manifest.json").read_text())
    assert manifest["status"] == "klaar"
    assert (tmp_path / "o" / "2025H1" / "index.html").exists()


def test_the_memory_estimate_of_a_workbook_uses_the_measured_factor_of_its_format(tmp_path):
    from spiegel.batch import pool
    from spiegel.deliveries import DeliveryRef

    meta = DeliveryMeta(kvk="1", naam="x", domein="jeugdhulp", periode="2025H1", correctie=False,
                        ontvangen=datetime(2025, 7, 10, 12, 0))
    csv, xlsx = tmp_path / "a.csv", tmp_path / "a.xlsx"
    for path in (csv, xlsx):
        path.write_bytes(b"x" * 2**20)
    csv_need = pool.memory_need_of([DeliveryRef(csv, meta)])
    xlsx_need = pool.memory_need_of([DeliveryRef(xlsx, meta)])
    assert csv_need == pool.NEED_BASE_MB + pool.NEED_PER_INPUT_MB
    assert xlsx_need == pool.NEED_BASE_MB + pool.FACTOR_XLSX > csv_need
    assert pool.memory_need_of([DeliveryRef(csv, meta), DeliveryRef(xlsx, meta)]) == (
        pool.NEED_BASE_MB + pool.NEED_PER_INPUT_MB + pool.FACTOR_XLSX)
