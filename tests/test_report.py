"""The report object the notebook calls: sections and the decisions it takes."""

from __future__ import annotations

import pytest

from spiegel import report
from spiegel.domains.jeugdhulp import report as jeugdhulp_report
from spiegel.present import report as present_report
from spiegel.present.display import Callout, Heading, Stack, Table
from spiegel.sample import DELIVERIES, REFERENCE_PROVIDER


@pytest.fixture
def shown(monkeypatch):
    """What the report's sections show (the generic sections and the jeugdhulp ones)."""
    items: list = []
    monkeypatch.setattr(present_report, "show", lambda *objs: items.extend(objs))
    monkeypatch.setattr(jeugdhulp_report, "_show", lambda *objs: items.extend(objs))
    return items


def _headings(items) -> list[str]:
    flat = [i for obj in items for i in (obj.items if isinstance(obj, Stack) else [obj])]
    return [h.text for h in flat if isinstance(h, Heading)]


def test_detail_per_gemeente_is_shown_for_a_provider_with_few_gemeenten(shown):
    r = report.build(REFERENCE_PROVIDER, "2025H1", DELIVERIES)
    r.gemeenten()
    assert "Amsterdam (0363)" in _headings(shown)
    assert not any(isinstance(i, Callout) for i in shown)


def test_detail_per_gemeente_goes_to_the_tables_above_the_limit(shown, monkeypatch):
    monkeypatch.setattr(jeugdhulp_report, "DETAIL_MAX_GEMEENTEN", 3)
    r = report.build(REFERENCE_PROVIDER, "2025H1", DELIVERIES)
    r.gemeenten()
    r.uitsplitsingen()
    assert _headings(shown) == []
    notes = [i for i in shown if isinstance(i, Callout)]
    assert len(notes) == 2 and "tabellen.xlsx" in notes[0].plain()
    titles = [t.title for t in shown if isinstance(t, Table)]
    assert "Trajecten en jongeren per gemeente" in titles  # the compact table stays
    assert not any(t and t.endswith("per gemeente (trajecten)") for t in titles)


def test_unknown_gemeente_for_an_extract_is_a_parameter_error():
    from spiegel.errors import ParameterError

    with pytest.raises(ParameterError, match="9999"):
        report.build(REFERENCE_PROVIDER, "2025H1", DELIVERIES, gemeente="9999")


def test_a_provider_without_delivery_is_an_input_error_naming_the_folder():
    from spiegel.errors import InputError
    from spiegel.sample import MISSING_PROVIDER

    with pytest.raises(InputError, match=MISSING_PROVIDER):
        report.build(MISSING_PROVIDER, "2025H1", DELIVERIES)


def test_show_publishes_exactly_what_ipython_display_of_each_item_publishes():
    """``show`` hands each item's MIME bundle to IPython as it is (``raw=True``) instead of letting the display
    formatter ask every formatter about it; the outputs in the notebook must be the same."""
    import pandas as pd
    from IPython.display import display

    from spiegel.batch.engine import WarmShell
    from spiegel.present.charts import top_chart
    from spiegel.present.display import Title

    frame = pd.DataFrame({"gemeente": ["Aa en Hunze", "Zwolle"], "n": [3, 1234]})
    items = [Title("Spiegelrapport", "2025H1"), Heading("Per gemeente", 3), Table(frame),
             top_chart(frame, category="gemeente", value="n"), Callout("Controleer de aanlevering.", kind="warning")]
    shell = WarmShell.fresh()
    try:
        present_report.show(*items)
        shown = list(shell.capture.outputs)
        shell.capture.outputs.clear()
        for item in items:
            display(item)
        assert shown == shell.capture.outputs
        assert len(shown) == len(items) and shown[0].metadata  # the title's metadata travels along
    finally:
        shell.close()


# --- extracts for one gemeente (issue 26, items 1-3; docs/uitvoer.md "Uittreksel per gemeente") ----------------

ERRORS_PROVIDER = "91000022"  # the sample provider with the deliberate errors


def _texts(items) -> str:
    flat = [i for obj in items for i in (obj.items if isinstance(obj, Stack) else [obj])]
    return "\n".join(i.plain() for i in flat)


def test_an_extract_shows_no_validation_counts_or_row_numbers(shown):
    r = report.build(ERRORS_PROVIDER, "2025H1", DELIVERIES, protection="cbs", gemeente="0363")
    r.validatie()
    tables = [i for i in shown if isinstance(i, Table)]
    assert tables and all(t.columns == ["regel", "ernst", "melding"] for t in tables)
    text = _texts(shown)
    assert "controles een fout" in text and "volledige rapport" in text
    assert "Eerste rijnummers" not in text and "herlever" not in text
    assert list(r.tables()["validatie"].columns) == ["regel", "ernst", "groep", "melding"]
    # the provider's own report keeps the counts and row numbers
    own = report.build(ERRORS_PROVIDER, "2025H1", DELIVERIES)
    assert {"aantal", "rijen"} <= set(own.tables()["validatie"].columns)


def test_an_extracts_text_is_written_for_a_gemeente_reader(shown):
    r = report.build(REFERENCE_PROVIDER, "2025H1", DELIVERIES, protection="cbs", gemeente="0362")
    r.voorblad()
    r.gemeenten()
    text = _texts(shown)
    assert "uittreksel voor de gemeente Amstelveen" in text
    assert "herlever" not in text and "zodat de aanbieder" not in text
    assert "= eindstand" not in text and "niet altijd precies de eindstand" in text


def test_an_extract_has_no_exact_figure_and_its_exact_summary_lies_outside_its_folder(tmp_path):
    import json

    r = report.build(REFERENCE_PROVIDER, "2025H1", DELIVERIES, protection="cbs", gemeente="0362")
    assert "gemeenten" not in set(r.shown.summary["kengetal"])  # "Aantal gemeenten" is not protected
    folder = tmp_path / "gemeente-0362"
    r.exporteer(folder, ("csv",))
    sent = json.loads((folder / "samenvatting.json").read_text(encoding="utf-8"))
    assert "records" not in sent["levering"]
    cells = [v for row in sent["stromen"] for k, v in row.items() if k.startswith("trajecten_")]
    assert cells and all(v == "." or v % 5 == 0 for v in cells)
    assert "." in cells  # the sample's 0362 extract holds small numbers
    exact = json.loads((tmp_path / "samenvatting-gemeente-0362.json").read_text(encoding="utf-8"))
    assert exact["levering"]["records"] == r.source.rows
    assert any(v not in (".",) and v % 5 for row in exact["stromen"] for k, v in row.items()
               if k.startswith("trajecten_"))


def test_an_empty_extract_is_refused_before_anything_is_written(tmp_path):
    from spiegel.errors import ParameterError
    from spiegel.pipeline import ReportJob, make_report

    with pytest.raises(ParameterError, match="geen trajecten voor gemeente 0363"):
        report.build("91000088", "2025H1", DELIVERIES, protection="cbs", gemeente="0363")
    job = ReportJob(kvk="91000088", period="2025H1", deliveries=DELIVERIES, out_root=tmp_path, formats=("csv",),
                    protection="cbs", gemeente="0363", engine="spiegel_warm")
    result = make_report(job)
    assert (result.status, result.stage) == ("mislukt", "zoeken")
    assert "er is geen uittreksel gemaakt" in result.message
    assert not any(tmp_path.iterdir())


def test_a_fully_secret_chart_becomes_a_sentence(shown):
    from spiegel.present.charts import SecretChart

    r = report.build("91000088", "2025H1", DELIVERIES, protection="cbs", gemeente="0384")  # 6 trajectories
    r.samenvatting()
    secret = [i for i in shown if isinstance(i, SecretChart)]
    assert len(secret) == 1 and "niet getoond" in secret[0].plain()
    assert "<svg" not in secret[0].html()


# --- details the CLI prints, in the report (issue 26 items 4 and 6) -------------------------------------------


def test_the_report_shows_the_details_behind_jh_c03_c04_and_v12_and_marks_rows_of_the_previous_file(shown):
    r = report.build(ERRORS_PROVIDER, "2025H1", DELIVERIES)
    r.validatie()
    text = _texts(shown)
    for code in ("JH-C03", "JH-C04", "JH-V12"):  # what spiegel validate prints under the rule
        details = [i.toelichting for i in r.findings if i.regel == code]
        assert details and all(d in text for d in details), code
    assert "gemeente 0362 (Amstelveen): 28 records in de vorige periode, 62 nu (+121,4%)" in text  # JH-C03
    assert "14,2% onbekend (drempel 10,0%)" in text  # JH-C04
    assert "code 0457 → 0363 (Amsterdam)" in text  # JH-V12
    table = next(i for i in shown if isinstance(i, Table))
    rows = {row[0]: row for row in table.rows}
    assert rows["JH-C01"][-1].endswith("(vorig bestand)")
    assert not rows["JH-C02"][-1].endswith("(vorig bestand)")


def test_the_outcome_counts_controls_and_the_rows_they_affect():
    r = report.build(ERRORS_PROVIDER, "2025H1", DELIVERIES)
    f = r.findings
    errors = {row for i in f if i.ernst == "fout" and i.bestand == "huidig" for row in i.alle_rijen.tolist()}
    assert f.rows_affected("fout") == len(errors) > 29  # JH-C01's rows of the previous file not among them
    text = r.status_callout().plain()
    assert f"29 controles met een fout (in {len(errors)} rijen)" in text
    assert "regels met een fout" not in text
    assert f"29 controles met een fout (in {len(errors)} rijen)" in f.to_text()


# --- tables with their context (issue 26 item 7) ----------------------------------------------------------------


def test_tables_travel_with_their_context_and_dutch_numbers(tmp_path):
    import pandas as pd

    r = report.build(REFERENCE_PROVIDER, "2025H1", DELIVERIES, protection="cbs", gemeente="0363")
    r.exporteer(tmp_path / "gemeente-0363", ("xlsx", "csv"))
    folder = tmp_path / "gemeente-0363"
    sheets = pd.read_excel(folder / "tabellen.xlsx", sheet_name=None, engine="calamine")
    assert list(sheets)[:2] == ["toelichting", "inhoud"]
    context = dict(zip(sheets["toelichting"]["onderwerp"], sheets["toelichting"]["toelichting"], strict=True))
    assert "KvK 91000011" in context["Aanbieder"] and context["Periode"].startswith("1e halfjaar 2025")
    assert context["Kolom vorige"].startswith("2e halfjaar 2024")
    assert "CBS" in context["Bescherming"] and "geheim" in context["."]
    readme = (folder / "tabellen" / "README.txt").read_text(encoding="utf-8")
    assert "Kolom vorige: 2e halfjaar 2024" in readme and "Bescherming:" in readme
    duur = pd.read_csv(folder / "tabellen" / "duur.csv", sep=";", dtype=str, encoding="utf-8-sig",
                       keep_default_na=False)
    means = [v for v in duur["gemiddelde"] if v not in ("", ".")]
    assert means and all("." not in v and len(v.partition(",")[2]) <= 1 for v in means), means
