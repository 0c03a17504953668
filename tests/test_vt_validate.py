"""Veilig Thuis file, field and completeness rules, and the links into earlier deliveries (``history``)."""

from __future__ import annotations

import copy

from spiegel.periods import Period
from spiegel.validate import validate, validate_file
from test_vt_rules import PERIOD, found
from vt_helpers import VT, B, base, changed, delivery, frames

PREVIOUS = Period.parse("2024H2")


def run(tmp_path, rows, **kwargs):
    return validate(delivery(tmp_path, rows), PERIOD, domain=VT, **kwargs)


def test_field_rules_name_the_set_and_column(tmp_path):
    rows = changed(
        adviezen=[(0, {"hoedanigheid": ""}), (1, {"hoedanigheid": "99", "aard_03": "2"})],
        meldingen=[(0, {"datum_melding": "20250231", "vervolg": "05", "hoofdnummer": ""}), (1, {"melding_id": ""})],
        personen=[(0, {"bsn": "123456789"}), (1, {"geboortedatum": "2025133"}), (2, {"geslacht": "X"}),
                  (3, {"geslacht": ""})],
    )
    findings = run(tmp_path, rows)
    by = {(f.regel, f.gegevensset, f.kolommen): [int(r) for r in f.alle_rijen] for f in findings
          if f.regel.startswith("VT-V")}
    assert by == {
        ("VT-V01", "personen", ("bsn",)): [2],
        ("VT-V02", "meldingen", ("datum_melding",)): [2],
        ("VT-V02", "personen", ("geboortedatum",)): [3],
        ("VT-V03", "adviezen", ("hoedanigheid",)): [3],
        ("VT-V03", "meldingen", ("vervolg",)): [2],
        ("VT-V03", "personen", ("geslacht",)): [4],
        ("VT-V04", "adviezen", ("aard_03",)): [3],
        ("VT-V05", "adviezen", ("hoedanigheid",)): [2],
        ("VT-V06", "meldingen", ("hoofdnummer",)): [2],
        ("VT-V07", "meldingen", ("melding_id",)): [3],
        ("VT-V07", "personen", ("geslacht",)): [5],
    }


def test_list_codes_that_are_not_options_are_a_field_finding(tmp_path):
    rows = base()
    d = delivery(tmp_path, rows, layout="vt-1-lijst")
    d.sets["meldingen"].raw.loc[0, "aanleiding"] = "01|99"
    findings = validate(d, PERIOD, domain=VT)
    assert found(findings, "VT-V04") == {"meldingen": [2]}


def test_empty_set_and_unknown_column_are_warnings(tmp_path):
    rows = base()
    rows["adviezen"] = []
    path = tmp_path / "map"
    from spiegel.read import read_delivery
    from spiegel.write import write_sets

    write_sets(frames(rows), path, "map", VT.layout())
    text = (path / "meldingen.csv").read_text().splitlines()
    (path / "meldingen.csv").write_text("\n".join([text[0] + ";opmerking", *(t + ";x" for t in text[1:])]) + "\n")
    findings = validate(read_delivery(path, VT.layout()), PERIOD, domain=VT)
    assert {(f.regel, f.gegevensset, f.toelichting) for f in findings if f.regel in ("VT-F03", "VT-F04")} == {
        ("VT-F04", "adviezen", None), ("VT-F03", "meldingen", f"kolom op positie {len(text[0].split(';')) + 1}")}


def test_a_person_item_in_adviezen_is_k33(tmp_path):
    from spiegel.read import read_delivery
    from spiegel.write import write_sets

    path = write_sets(frames(base()), tmp_path / "map", "map", VT.layout())
    text = (path / "adviezen.csv").read_text().splitlines()
    (path / "adviezen.csv").write_text("\n".join([text[0] + ";BSN", *(t + ";" for t in text[1:])]) + "\n")
    findings = validate(read_delivery(path, VT.layout()), PERIOD, domain=VT)
    k33 = [f for f in findings if f.regel == "VT-K33"]
    assert [(f.gegevensset, f.kolommen, f.aantal) for f in k33] == [("adviezen", ("bsn",), 0)]
    assert not [f for f in findings if f.regel == "VT-F03"]


def _melding_before_its_onderzoek():
    """(2024H2, 2025H1): the melding of onderzoek O7 triaged on 3 December 2024, the onderzoek closed in 2025H1."""
    earlier = base()
    earlier["meldingen"][1].update(datum_melding="20241202", datum_triagebesluit="20241203", onderzoeksnummer="O7")
    earlier["onderzoeken"], earlier["personen"] = [], earlier["personen"][:5]
    now = base()
    now["onderzoeken"][0].update(onderzoeksnummer="O7")
    for i in (5, 6):
        now["personen"][i].update(ref_id="O7")
    return earlier, now


def test_links_cross_into_earlier_deliveries(tmp_path):
    """The onderzoek of 2025H1 whose melding was delivered in 2024H2: no VT-K10, and K16/K17 use that triage."""
    earlier, now = _melding_before_its_onderzoek()
    before = delivery(tmp_path, earlier, "vorig.zip")
    alone = run(tmp_path, copy.deepcopy(now))
    assert found(alone, "VT-K10") == {"onderzoeken": [2]}
    assert found(alone, "VT-K17") == {}
    linked = run(tmp_path, copy.deepcopy(now), previous=before, history=[(PREVIOUS, before)])
    assert found(linked, "VT-K10") == {}
    assert found(linked, "VT-K17") == {"onderzoeken": [2]}  # 3 December 2024 → 1 May 2025: 149 days
    assert found(linked, "VT-K42") == {}  # the persons of the earlier melding are those of the onderzoek


def test_an_onderzoek_delivered_earlier_is_no_k09(tmp_path):
    earlier = base()
    earlier["onderzoeken"][0].update(datum_start_onderzoek="20241201", datum_afronding_onderzoek="20241220")
    now = base()
    now["onderzoeken"], now["personen"] = [], now["personen"][:5]
    before = delivery(tmp_path, earlier, "vorig.zip")
    assert found(run(tmp_path, copy.deepcopy(now)), "VT-K09") == {"meldingen": [3]}
    assert found(run(tmp_path, now, history=[(PREVIOUS, before)]), "VT-K09") == {}


def test_completeness_against_the_previous_period(tmp_path):
    before = delivery(tmp_path, base(), "vorig.zip")
    now = base()
    now["adviezen"][1]["advies_id"] = "A9"
    findings = run(tmp_path, now, previous=before, history=[(PREVIOUS, before)])
    assert found(findings, "VT-C02") == {"adviezen": [2], "meldingen": [2, 3, 4], "onderzoeken": [2]}
    assert "VT-C01" not in findings.codes()  # a handful of records: below jump_min_records


def test_record_counts_that_jump_are_c01(tmp_path):
    from vt_helpers import record

    big = base()
    big["adviezen"] += [record("adviezen", advies_id=f"X{i}", hoedanigheid="13", aanleiding_01="1", aard_01="1")
                        for i in range(40)]
    before = delivery(tmp_path, big, "vorig.zip")
    findings = run(tmp_path, base(), previous=before)
    assert [(f.gegevensset, f.toelichting) for f in findings if f.regel == "VT-C01"] == [
        ("adviezen", "2 records, vorige periode 42")]


def test_many_unknown_values_are_c03(tmp_path):
    from vt_helpers import bsns, record

    rows = base()
    rows["personen"] += [record("personen", set="M", ref_id="M1", bsn=b, geboortedatum="19900101", geslacht="O")
                         for b in bsns(25, 33_344_455)]
    findings = run(tmp_path, rows)
    assert [(f.gegevensset, f.kolommen, f.aantal) for f in findings if f.regel == "VT-C03"] == [
        ("personen", ("geslacht",), 25)]


def test_validate_file_finds_the_history_in_a_store(tmp_path):
    from datetime import datetime

    from spiegel.deliveries import DeliveryMeta, write_meta

    earlier, now = _melding_before_its_onderzoek()
    for period, rows in ((PREVIOUS, earlier), (PERIOD, now)):
        folder = tmp_path / str(period) / "92000099"
        folder.mkdir(parents=True)
        d = delivery(folder, rows, f"vt_{period}.zip")
        write_meta(folder / f"vt_{period}.zip", DeliveryMeta("92000099", "Test", "vt", str(period), False,
                                                              datetime(2025, 7, 2), "vt-1"))
        assert len(d)
    findings = validate_file(tmp_path / "2025H1" / "92000099" / "vt_2025H1.zip", domain=VT)
    assert findings.vorige is not None
    assert "VT-K10" not in findings.codes() and found(findings, "VT-K17") == {"onderzoeken": [2]}


def test_reversed_bsn_convention_of_veilig_thuis(tmp_path):
    rows = changed(personen=[(0, {"bsn": "000000000"}), (4, {"bsn": "999999999", "geboortedatum": "99999999"})])
    d = delivery(tmp_path, rows)
    status = d.sets["personen"].frame["bsn_status"].tolist()
    assert status[0] == "onbekend" and status[4] == "ongeboren" and status[1] == "bekend"
    assert B[0] not in d.sets["personen"].frame["bsn_status"].tolist()
