"""A new domain is a folder and a registration: the tiny test domain (tests/tiny_domain: two columns, one data rule,
one count) goes through validate, report and batch without any change to the generic stages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from spiegel import domains
from spiegel.deliveries import DeliveryMeta, write_meta
from spiegel.io import write_text_atomic
from spiegel.read import read_delivery
from spiegel.validate import validate

KLEIN = domains.register("tiny_domain")
PERIOD = "2025H1"


def _store(root: Path, rows: dict[str, list[tuple[str, str]]]) -> Path:
    """A deliveries store of the tiny domain: a register and per provider one CSV with its sidecar."""
    register = ["kvk,naam,domein,grootteklasse,gemeenten"]
    for kvk, records in rows.items():
        register.append(f"{kvk},Testorganisatie {kvk} (synthetisch),klein,klein,0363")
        path = root / PERIOD / kvk / f"klein_{kvk}_{PERIOD}.csv"
        write_text_atomic(path, "id;aantal\n" + "".join(f"{i};{a}\n" for i, a in records))
        write_meta(path, DeliveryMeta(kvk=kvk, naam=f"Testorganisatie {kvk} (synthetisch)", domein="klein",
                                      periode=PERIOD, correctie=False, ontvangen=datetime(2025, 7, 10, 9, 30),
                                      indeling="klein-1"))
    write_text_atomic(root / "register.csv", "\n".join(register) + "\n")
    return root


def test_tiny_domain_is_found_by_name_with_its_own_layout_and_rules() -> None:
    assert domains.get("klein") is KLEIN and "klein" in domains.names()
    assert KLEIN.layout().names == ["id", "aantal"]
    assert KLEIN.file_rules["leeg"].code == "KL-B01"


def test_tiny_domain_validates_with_its_one_rule(tmp_path: Path) -> None:
    root = _store(tmp_path, {"12345678": [("a1", "3"), ("a2", "drie"), ("a3", "")]})
    delivery = read_delivery(next((root / PERIOD / "12345678").glob("*.csv")), KLEIN.layout())
    findings = validate(delivery, PERIOD)
    assert [(f.regel, f.rijen) for f in findings] == [("KL-V01", (3,))]
    assert findings.exit_status == 2


def test_tiny_domain_reader_problems_carry_its_file_rule(tmp_path: Path) -> None:
    path = tmp_path / "leeg.csv"
    path.write_text("id;aantal\n", encoding="utf-8")
    from spiegel.errors import InputError

    with pytest.raises(InputError) as caught:
        read_delivery(path, KLEIN.layout())
    assert caught.value.rule == "KL-B01"


def test_tiny_domain_report_is_made_rendered_and_exported(tmp_path: Path) -> None:
    from spiegel.pipeline import ReportJob, make_report

    root = _store(tmp_path / "in", {"12345678": [("a1", "3"), ("a2", "4"), ("a3", "")]})
    job = ReportJob(kvk="12345678", period=PERIOD, deliveries=root, out_root=tmp_path / "out", domain="klein",
                    engine="spiegel_warm", renderer="builtin")
    result = make_report(job)
    assert result.status == "gemaakt", result.message
    out = job.out_dir
    assert (out / "klein.ipynb").exists() and (out / "spiegelrapport.pdf").exists()
    html = (out / "spiegelrapport.html").read_text(encoding="utf-8")
    assert "Spiegelrapport testdomein" in html and "Testorganisatie 12345678" in html
    csv = (out / "tabellen" / "telling.csv").read_text(encoding="utf-8-sig")
    assert csv.splitlines() == ["maat;aantal", "records;3", "met_aantal;2"]
    assert json.loads((out / "samenvatting.json").read_text(encoding="utf-8"))["validatie"]["fouten"] == 0


def test_tiny_domain_protection_applies_to_its_declared_count_columns(tmp_path: Path) -> None:
    from spiegel import report

    root = _store(tmp_path, {"12345678": [(f"a{i}", "1") for i in range(12)]})
    shown = report.build("12345678", PERIOD, root, protection="cbs", domain="klein").shown
    assert shown.table("telling")["aantal"].tolist() == [10, 10]  # 12 → 10; the label column is untouched
    assert shown.protection == "cbs"


def test_tiny_domain_batch_makes_every_report_and_an_index(tmp_path: Path) -> None:
    from spiegel.batch import BatchOptions, run_batch

    root = _store(tmp_path / "in", {"12345678": [("a1", "3")], "23456789": [("b1", "x"), ("b2", "5")]})
    result = run_batch(BatchOptions(period=PERIOD, deliveries=root, out_root=tmp_path / "out", domain="klein",
                                    workers=1, formats=("html", "xlsx"), progress=False))
    assert result.counts["gemaakt"] == 2 and result.exit_code == 0
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["domain"] == "klein"
    assert {r["kvk"]: r["summary"]["validatie"]["fouten"] for r in manifest["providers"]} == {
        "12345678": 0, "23456789": 1,
    }
    index = result.index.read_text(encoding="utf-8")
    assert "Spiegelrapporten testdomein" in index and "Geen landelijk overzicht" in index
