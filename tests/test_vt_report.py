"""The Veilig Thuis report end to end on the bundled sample: one HTML/PDF with the spiegelrapport and, as a separate
part, the kwaliteitsrapport; tabellen.xlsx with a kwaliteitsrapport sheet; the batch index with the national
overview."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import pdfpages
from spiegel.domains.vt.sample import FAULTY, FIXED, REFERENCE


def test_report_shows_both_parts_and_says_why_there_is_no_gemeente_part(sample_reports):
    result = sample_reports[FAULTY]
    assert result.status == "gemaakt", (result.stage, result.message)
    html = Path(result.outputs["html"]).read_text(encoding="utf-8")
    spiegel_at, quality_at = html.index("Velden per gegevensset"), html.index("Kwaliteitsrapport</h2>")
    assert spiegel_at < quality_at
    assert "Geen uitsplitsing per gemeente" in html
    for code in ("VT-K01", "VT-K34", "VT-K37", "VT-K40"):
        assert code in html[quality_at:]
    assert "Wat te corrigeren vóór herlevering" in html[quality_at:]


def test_pdf_has_the_kwaliteitsrapport_on_its_own_pages(sample_reports):
    text = pdfpages.pdf_text(sample_reports[FAULTY].outputs["pdf"])
    page = next(p for p in text.split("\f") if "Het kwaliteitsrapport toetst" in p)
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    assert lines[0].startswith("Spiegelrapport en kwaliteitsrapport Veilig Thuis")  # the running header
    assert lines[1] == "Kwaliteitsrapport"  # the part starts a page of its own


def test_xlsx_has_a_kwaliteitsrapport_sheet_with_shares_and_rows(sample_reports):
    xlsx = Path(sample_reports[FAULTY].outputs["xlsx"])
    with zipfile.ZipFile(xlsx) as z:
        workbook = z.read("xl/workbook.xml").decode()
    assert 'name="kwaliteitsrapport"' in workbook
    csv = Path(sample_reports[FAULTY].outputs["csv"]) / "kwaliteitsrapport.csv"
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["gegevensset", "regel", "ernst"]
    assert any(line.startswith("personen;VT-K34;fout") for line in lines)


@pytest.mark.parametrize("kvk", [REFERENCE, FIXED])
def test_clean_organisations_get_a_report_without_fout(sample_reports, kvk):
    summary = json.loads((Path(sample_reports[kvk].outputs["notebook"]).parent / "samenvatting.json").read_text())
    assert summary["validatie"]["fouten"] == 0
    assert summary["vt"]["meldingen"] > 50 and summary["vt"]["kwaliteit_fouten"] == 0


def test_batch_index_shows_the_organisations_and_the_national_overview(tmp_path):
    from spiegel.batch.runner import BatchOptions, run_batch
    from spiegel.sample import DELIVERIES

    for period in ("2024H2", "2025H1"):
        result = run_batch(BatchOptions(period=period, deliveries=DELIVERIES, out_root=tmp_path, workers=1,
                                        formats=("xlsx",), domain="vt"))
        assert result.exit_code == 0
    index = (tmp_path / "2025H1" / "index.html").read_text(encoding="utf-8")
    assert "Spiegelrapporten Veilig Thuis" in index
    assert "Landelijke totalen" in index and "Kwaliteitsrapport (controles)" in index
    for kvk in (REFERENCE, FAULTY, FIXED):
        assert kvk in index
    assert "Geen rapporten van 2e halfjaar 2024" not in index  # compared with the previous period
    assert (tmp_path / "2025H1" / "manifest-vt.json").exists()


def test_no_output_holds_an_identifier_of_an_advies_melding_casus_or_onderzoek(sample_reports):
    """Besides BSNs and birth dates (tests/test_privacy.py), the organisation's own identifiers never leave."""
    import re

    from spiegel import deliveries as store
    from spiegel import domains
    from spiegel.read import read_delivery
    from spiegel.sample import DELIVERIES

    vt = domains.get("vt")
    ids: set[str] = set()
    for ref in store.find_deliveries(DELIVERIES):
        if ref.meta.domein != "vt":
            continue
        d = read_delivery(ref.path, vt.layout(ref.meta.indeling))
        for name, column in (("adviezen", "advies_id"), ("meldingen", "melding_id"), ("meldingen", "hoofdnummer"),
                             ("onderzoeken", "onderzoeksnummer"), ("personen", "ref_id")):
            ids |= set(d.sets[name].raw[column]) - {""}
    assert len(ids) > 500
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r")\b")
    leaks = []
    for kvk in (REFERENCE, FAULTY, FIXED):
        folder = Path(sample_reports[kvk].outputs["notebook"]).parent
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in {".html", ".ipynb", ".csv", ".json"}:
                found = pattern.findall(path.read_text(encoding="utf-8", errors="replace"))
                if found:
                    leaks.append((path.name, len(found)))
    assert leaks == []
