"""Findings: the tidy table, the summary per rule, the JSON (against its JSON Schema), the text, the exit status."""

from __future__ import annotations

import json

import jsonschema
import pandas as pd

from spiegel.domains.jeugdhulp.facts import Settings
from spiegel.validate import validate
from spiegel.validate.catalogue import schema
from test_validate_rules import ENDED, PERIOD, delivery, meta

FAULTY = [
    {"geslacht": "X"},  # row 2: JH-V07
    {"hulpvorm": "03", "geslacht": ""},  # row 3: JH-V01 (geslacht)
    {"hulpvorm": "04", "verwijzer": ""},  # row 4: JH-V01 (verwijzer)
    {"hulpvorm": "11", "geboortedatum": "20060101"},  # row 5: JH-D07 (waarschuwing)
]


def test_table_has_one_row_per_rule_and_column_with_first_rows():
    table = validate(delivery(FAULTY), PERIOD).table
    assert list(table.columns) == [
        "regel", "ernst", "groep", "kolommen", "aantal", "rijen", "bestand", "melding", "advies", "toelichting",
    ]
    assert table[["regel", "ernst", "kolommen", "aantal"]].values.tolist() == [
        ["JH-V01", "fout", "geslacht", 1],
        ["JH-V01", "fout", "verwijzer", 1],
        ["JH-V07", "fout", "geslacht", 1],
        ["JH-D07", "waarschuwing", "geboortedatum, datum_aanvang", 1],
    ]
    assert table["rijen"].tolist() == [[3], [4], [2], [5]]


def test_summary_counts_distinct_rows_per_rule():
    summary = validate(delivery(FAULTY), PERIOD).summary()
    assert summary[["regel", "kolommen", "aantal", "rijen"]].values.tolist() == [
        ["JH-V01", "geslacht, verwijzer", 2, [3, 4]],
        ["JH-V07", "geslacht", 1, [2]],
        ["JH-D07", "geboortedatum, datum_aanvang", 1, [5]],
    ]


def test_only_the_first_row_numbers_are_shown_but_all_are_counted():
    rows = [{"hulpvorm": h, "geslacht": "X"} for h in ("01", "02", "03", "04", "11")]
    rows[0]["verwijzer"] = "06"
    findings = validate(delivery(rows), PERIOD, settings=Settings(max_rows_shown=3))
    (finding,) = [f for f in findings if f.regel == "JH-V07"]
    assert (finding.aantal, finding.rijen) == (5, (2, 3, 4))
    assert findings.rows("JH-V07").tolist() == [2, 3, 4, 5, 6]


def test_exit_status_is_0_clean_1_warnings_2_errors():
    assert validate(delivery([{}]), PERIOD).exit_status == 0
    assert validate(delivery([{"geboortedatum": "20060101"}]), PERIOD).exit_status == 1
    assert validate(delivery(FAULTY), PERIOD).exit_status == 2


def test_json_validates_against_the_schema():
    previous = delivery([{"datum_aanvang": "20240901"}])
    for findings in (
        validate(delivery(FAULTY), PERIOD),
        validate(delivery([{}]), PERIOD, previous=previous, meta=meta("2024H2")),
        validate(delivery([{}]), PERIOD),
    ):
        document = json.loads(findings.to_json())
        jsonschema.validate(document, schema())


def test_json_names_rules_not_run_and_the_outcome():
    document = json.loads(validate(delivery(FAULTY), PERIOD).to_json())
    assert document["uitkomst"] == {"exitstatus": 2, "regels_met_fout": 2, "regels_met_waarschuwing": 1}
    assert [r["regel"] for r in document["niet_uitgevoerd"]] == ["JH-C01", "JH-C02", "JH-C03"]
    assert document["vorige_levering"] is None


def test_previous_file_rows_are_labelled_in_table_and_text():
    previous = delivery([{"datum_aanvang": "20240901"}, {"datum_aanvang": "20240901", "hulpvorm": "03"}])
    findings = validate(delivery([{"datum_aanvang": "20240901", "hulpvorm": "03"}]), PERIOD, previous=previous)
    row = findings.table.set_index("regel").loc["JH-C01"]
    assert (row["bestand"], row["rijen"]) == ("vorig", [2])
    assert "1 rij in het bestand van de vorige periode: 2" in findings.to_text()


def test_text_report_is_dutch_with_dutch_numbers():
    rows = [{"bsn": f"{i:08d}", "hulpvorm": "03"} for i in range(1, 1202)]  # 1.201 BSNs of 8 digits
    text = validate(delivery(rows), PERIOD).to_text()
    assert "Periode: 1e halfjaar 2025 (2025H1); protocolversie 7; 1.201 records" in text
    assert "Niet uitgevoerd: JH-C01, JH-C02, JH-C03 (geen levering van de vorige periode)" in text
    assert "JH-V02  Het BSN bestaat niet uit 9 cijfers" in text
    assert "kolom bsn; 1.201 rijen: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …" in text
    assert "Advies: Lever het BSN als 9 cijfers, met voorloopnullen." in text


def test_text_of_a_clean_delivery_says_so():
    text = validate(delivery([ENDED]), PERIOD).to_text()
    assert text.endswith("Uitkomst: geen fouten en geen waarschuwingen.\n")


def test_table_of_a_clean_delivery_is_empty_with_the_columns():
    findings = validate(delivery([{}]), PERIOD)
    assert findings.table.empty and "regel" in findings.table.columns
    assert isinstance(findings.summary(), pd.DataFrame) and findings.summary().empty
