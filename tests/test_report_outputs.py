"""The sample's real reports, looked at as a reviewer would: the HTML offline in headless Chromium, the PDF as
page images and text (issue: "the HTML opens in headless Chromium with no console error and no network request,
and a screenshot shows the charts; the PDF's pages rendered to PNG show the charts and tables")."""

from __future__ import annotations

from pathlib import Path

import pytest

import pdfpages
from browser import ink_share, open_in_chromium
from spiegel.sample import FAULTY_PROVIDER, REFERENCE_PROVIDER

PROVIDERS = [REFERENCE_PROVIDER, FAULTY_PROVIDER]


@pytest.mark.parametrize("kvk", PROVIDERS)
def test_report_html_opens_offline_without_requests_or_errors_and_shows_charts(sample_reports, kvk, tmp_path):
    html = Path(sample_reports[kvk].outputs["html"])
    assert html.stat().st_size < 1_000_000
    result = open_in_chromium(html, tmp_path / f"{kvk}.png")
    assert result["requests"] == []
    assert result["errors"] == []
    page = result["page"]
    assert page["svgs"] >= 2 and min(page["svg_widths"]) > 200  # charts drawn, not collapsed
    assert page["tables"] >= 10
    for heading in ("Samenvatting", "Per gemeente", "Uitsplitsingen", "Validatie van de aanlevering", "Definities"):
        assert heading in page["text"]
    assert ink_share(result["thumbnail"]) > 0.03


def test_faulty_provider_report_lists_its_errors_and_what_to_correct(sample_reports):
    html = Path(sample_reports[FAULTY_PROVIDER].outputs["html"]).read_text(encoding="utf-8")
    assert "Validatie: fouten gevonden" in html
    assert "Wat te corrigeren vóór herlevering" in html
    assert "JH-D01" in html and "JH-R01" in html


@pytest.mark.parametrize("kvk", PROVIDERS)
def test_report_pdf_pages_show_tables_and_charts(sample_reports, kvk, tmp_path):
    path = Path(sample_reports[kvk].outputs["pdf"])
    text = pdfpages.pdf_text(path)
    for words in ("Spiegelrapport jeugdhulp", "Trajecten en jongeren per gemeente", "Beginstand", "Pagina 1 van",
                  "Trajecten naar hulpvorm"):  # the last one is the title drawn inside the flow chart
        assert words in text
    pages = pdfpages.page_images(path, dpi=30)
    assert len(pages) >= 3
    for number, (_, _, pixels) in enumerate(pages, 1):
        assert ink_share(pixels) > 0.01, number


def test_gemeente_extract_is_protected_with_the_cbs_rule(tmp_path):
    import pandas as pd

    from spiegel.pipeline import ReportJob, make_report
    from spiegel.sample import DELIVERIES

    job = ReportJob(kvk=REFERENCE_PROVIDER, period="2025H1", deliveries=DELIVERIES, out_root=tmp_path,
                    formats=("csv",), protection="cbs", gemeente="0363", engine="spiegel_warm")
    result = make_report(job)
    assert result.status == "gemaakt", result.message
    assert Path(result.outputs["notebook"]).parent == tmp_path / "2025H1" / REFERENCE_PROVIDER / "gemeente-0363"
    flows = pd.read_csv(Path(result.outputs["csv"]) / "stromen.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert set(flows["gemeente"]) == {"totaal", "0363"}
    cells = flows.filter(like="trajecten_").stack()
    assert cells.map(lambda v: v == "." or int(v) % 5 == 0).all()
    assert (cells == ".").any()


@pytest.mark.parametrize("kvk", PROVIDERS)
def test_report_is_the_same_with_text_columns_in_python_objects_or_in_arrow(kvk, tmp_path):
    """make_report keeps small deliveries' text columns in Python objects (faster for small frames); the
    outputs must not depend on that choice."""
    import json

    import nbformat

    from spiegel import fastpath
    from spiegel.pipeline import ReportJob, make_report
    from spiegel.sample import DELIVERIES

    made = {}
    for name, below in (("python", 10**12), ("arrow", 0)):
        job = ReportJob(kvk=kvk, period="2025H1", deliveries=DELIVERIES, out_root=tmp_path / name,
                        renderer="builtin", engine="spiegel_warm")
        with fastpath.threshold(below):  # rows; the text storage follows it (fastpath.string_storage)
            result = make_report(job)
        assert result.status == "gemaakt", result.message
        folder = Path(result.outputs["notebook"]).parent
        files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
                 if p.is_file() and p.suffix != ".ipynb" and p.name != "samenvatting.json"}
        summary = json.loads((folder / "samenvatting.json").read_text(encoding="utf-8"))
        assert summary.pop("tijden")  # seconds per stage differ from run to run
        files["samenvatting.json"] = json.dumps(summary, sort_keys=True)
        nb = nbformat.read(result.outputs["notebook"], as_version=4)
        files["outputs"] = json.dumps([c.outputs for c in nb.cells if c.cell_type == "code"], sort_keys=True)
        made[name] = files
    assert {"spiegelrapport.html", "spiegelrapport.pdf", "tabellen.xlsx", "samenvatting.json"} <= set(made["python"])
    assert list(made["python"]) == list(made["arrow"])
    for name in made["python"]:
        assert made["python"][name] == made["arrow"][name], name
