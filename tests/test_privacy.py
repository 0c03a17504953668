"""No output of any sample report contains a BSN, birth date or postcode from the sample's deliveries."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import pdfpages
from spiegel import deliveries as store
from spiegel import domains
from spiegel.read import read_delivery
from spiegel.sample import DELIVERIES

SPECIAL_BSN = {"999999999", "000000000"}
SPECIAL_DATES = {"99999999", "00000000"}  # Veilig Thuis: ongeboren, onbekend (codes, not a person's date)


def report_dates() -> set[str]:
    """Dates a report shows by design (receipt times, period bounds), as 31-12-2025. A synthetic birth date that
    happens to fall on one of them is not searched for in its Dutch notation (it would be found for the wrong
    reason); it is still searched for as delivered (JJJJMMDD)."""
    from spiegel.formats import fmt_date

    dates = set()
    for ref in store.find_deliveries(DELIVERIES):
        dates.add(fmt_date(ref.meta.ontvangen))
        dates |= {fmt_date(ref.meta.period.first_day), fmt_date(ref.meta.period.last_day)}
    return dates


def personal_values() -> set[str]:
    """Every BSN, birth date (as delivered and as 31-12-2025) and full postcode in the sample, in every record set of
    every domain's deliveries (Veilig Thuis: its persons)."""
    values: set[str] = set()
    shown_dates = report_dates()
    for ref in store.find_deliveries(DELIVERIES):
        delivery = read_delivery(ref.path, domains.get(ref.meta.domein).layout(ref.meta.indeling))
        for raw in (s.raw for s in delivery.sets.values()):
            values |= {b for b in raw.get("bsn", []) if len(b) == 9 and b.isdigit() and b not in SPECIAL_BSN}
            for d in raw.get("geboortedatum", []):
                if len(d) == 8 and d.isdigit() and d not in SPECIAL_DATES:
                    values.add(d)
                    dutch = f"{d[6:8]}-{d[4:6]}-{d[0:4]}"
                    if not d.endswith("00") and dutch not in shown_dates:
                        values.add(dutch)
            values |= {p.replace(" ", "").upper() for p in raw.get("postcode", []) if len(p.replace(" ", "")) == 6}
    return values


def test_the_scan_knows_the_persons_of_every_domain():
    """The Veilig Thuis persons (a record set of their own) are in the scan too."""
    vt = [ref for ref in store.find_deliveries(DELIVERIES) if ref.meta.domein == "vt"]
    assert vt, "the sample holds Veilig Thuis deliveries"
    persons = read_delivery(vt[0].path, domains.get("vt").layout(vt[0].meta.indeling)).sets["personen"].raw
    known = [b for b in persons["bsn"] if b not in SPECIAL_BSN and len(b) == 9]
    assert known and set(known) <= personal_values()


def texts_of(path: Path) -> str:
    if path.suffix == ".pdf":
        return pdfpages.pdf_text(path)
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def test_the_scan_knows_the_sample_personal_values():
    values = personal_values()
    assert sum(v.isdigit() and len(v) == 9 for v in values) > 100
    assert any(len(v) == 6 and v[4:].isalpha() for v in values)


def test_no_output_of_any_sample_report_contains_personal_values(sample_reports):
    values = personal_values()
    roots = {Path(r.outputs["notebook"]).parent for r in sample_reports.values() if "notebook" in r.outputs}
    assert roots, "no reports were made"
    files = [p for root in roots for p in root.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".ipynb", ".html", ".pdf", ".xlsx", ".csv", ".json"} <= kinds
    assert {"jeugdhulp.ipynb", "vt.ipynb", "jb.ipynb", "jr.ipynb"} <= {p.name for p in files}  # every domain
    leaks = []
    for path in files:
        text = texts_of(path)
        found = [v for v in values if v in text]
        if found:
            leaks.append((str(path), len(found)))
    assert leaks == []


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validation_output_of_the_faulty_provider_has_no_personal_values(fmt, capsys):
    from spiegel.cli import main
    from spiegel.sample import FAULTY_PROVIDER

    ref = store.current_delivery(DELIVERIES, "2025H1", FAULTY_PROVIDER)
    main(["validate", str(ref.path), "--period", "2025H1", "--format", fmt])
    out = capsys.readouterr()
    text = out.out + out.err
    assert text.strip()
    assert [v for v in personal_values() if v in text] == []


@pytest.mark.parametrize("name", ["jeugdhulp.ipynb", "vt.ipynb", "jb.ipynb", "jr.ipynb"])
def test_committed_report_notebook_holds_no_personal_values(name):
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / name
    text = notebook.read_text(encoding="utf-8")
    assert "Kerncijfers" in text or "Beginstand" in text  # the stored outputs (what nbval compares) are there
    assert [v for v in personal_values() if v in text] == []


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validation_output_of_the_faulty_vt_organisation_has_no_personal_values(fmt, capsys):
    from spiegel.cli import main
    from spiegel.domains.vt.sample import FAULTY

    ref = store.current_delivery(DELIVERIES, "2025H1", FAULTY)
    main(["validate", str(ref.path), "--domain", "vt", "--format", fmt])
    out = capsys.readouterr()
    text = out.out + out.err
    assert "VT-K34" in text
    assert [v for v in personal_values() if v in text] == []


@pytest.mark.parametrize("domain, period", [("jb", "2025H1"), ("jr", "2025Q2")])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validation_output_of_the_faulty_gi_has_no_personal_values(domain, period, fmt, capsys):
    from spiegel.cli import main
    from spiegel.domains.gi.sample import FAULTY

    ref = store.current_delivery(DELIVERIES, period, FAULTY)
    main(["validate", str(ref.path), "--domain", domain, "--format", fmt])
    out = capsys.readouterr()
    text = out.out + out.err
    assert f"{domain.upper()}-V01" in text
    assert [v for v in personal_values() if v in text] == []
