"""Reading GI deliveries (SPEC §4.1, §4.2): a JB delivery as a workbook with two sheets, a folder or ZIP of two CSV
files or one fixed-width file with record types; a JR delivery as CSV, Excel or fixed width; the special values of
the birth date; optional columns; file rules with their codes."""

from __future__ import annotations

import pandas as pd
import pytest

from gi_helpers import JB, JR, B, jb, jb_delivery, jr, jr_delivery, mu
from spiegel import fastpath
from spiegel.errors import InputError
from spiegel.periods import Period
from spiegel.read import read_delivery
from spiegel.validate import validate, validate_file
from spiegel.write import write_delivery

H1 = Period.parse("2025H1")


@pytest.fixture(autouse=True, params=["lijsten", "pandas"])
def both_paths(request):
    with fastpath.threshold(10**9 if request.param == "lijsten" else 0):
        yield


def rows():
    return ([jb(bsn=B[0], type_maatregel="11", datum_aanvang="20240301"),
             jb(bsn="000000000", geboortedatum="000000000", type_maatregel="11", datum_aanvang="20250301")],
            [mu(bsn=B[0], type_machtiging="72", datum_aanvang_machtiging="20240401")])


def typed(d):
    return {name: s.frame.drop(columns=["rij"]).astype(str).to_dict("list") for name, s in d.sets.items()}


@pytest.mark.parametrize("fmt, name", [("xlsx", "jb.xlsx"), ("map", "jb"), ("fixed", "jb.txt")])
def test_every_jb_format_gives_the_same_sets(tmp_path, fmt, name):
    jb_rows, mu_rows = rows()
    if fmt == "fixed":  # eight positions: the nine-zero form of an unborn birth date does not fit
        jb_rows[1]["geboortedatum"] = "00000000"
    zipped = jb_delivery(tmp_path, jb_rows, mu_rows)
    other = jb_delivery(tmp_path, jb_rows, mu_rows, name=name, fmt=fmt)
    assert typed(other) == typed(zipped)
    assert {n: len(s) for n, s in other.sets.items()} == {"jb": 2, "muhp": 1}


def test_unborn_birth_date_in_both_forms_is_a_status_not_a_date(tmp_path):
    jb_rows, mu_rows = rows()
    jb_rows[0]["geboortedatum"] = "00000000"
    d = jb_delivery(tmp_path, jb_rows, mu_rows)
    frame = d.sets["jb"].frame
    assert frame["geboortedatum_status"].tolist() == ["ongeboren", "ongeboren"]
    assert frame["geboortedatum"].isna().all()
    assert frame["bsn_status"].tolist() == ["bekend", "ongeboren"]


def test_an_empty_muhp_set_is_allowed_and_a_missing_one_is_jb_f01(tmp_path):
    jb_rows, _ = rows()
    for name, fmt in (("leeg.zip", "zip"), ("leeg.xlsx", "xlsx"), ("leeg", "map")):
        d = jb_delivery(tmp_path, jb_rows, [], name=name, fmt=fmt)
        assert len(d.sets["muhp"]) == 0
        assert [f.regel for f in validate(d, H1)] == ["JB-F20"]
    folder = tmp_path / "zonder"
    jb_delivery(tmp_path, jb_rows, [], name="zonder", fmt="map")
    (folder / "muhp.csv").unlink()
    with pytest.raises(InputError) as exc:
        read_delivery(folder, JB.layout())
    assert exc.value.rule == "JB-F01"


def _csv(path, columns, records):
    path.write_text("\n".join([";".join(columns), *(";".join(r[c] for c in columns) for r in records)]) + "\n",
                    encoding="utf-8")


def test_the_transfer_dates_of_muhp_may_be_left_out_but_other_columns_not(tmp_path):
    jb_rows, mu_rows = rows()
    folder = tmp_path / "levering"
    jb_delivery(tmp_path, jb_rows, mu_rows, name="levering", fmt="map")
    names = [c for c in JB.layout().record_set("muhp").names if not c.startswith("datum_overgedragen")]
    _csv(folder / "muhp.csv", names, mu_rows)
    d = read_delivery(folder, JB.layout())
    assert d.sets["muhp"].raw["datum_overgedragen"].tolist() == [""]
    assert d.sets["muhp"].frame["datum_overgedragen_gekregen"].isna().all()
    jb_names = [c for c in JB.layout().record_set("jb").names if c != "datum_overgedragen"]
    _csv(folder / "jb.csv", jb_names, jb_rows)
    with pytest.raises(InputError) as exc:
        read_delivery(folder, JB.layout())
    assert exc.value.rule == "JB-F02"
    assert "datum_overgedragen" in str(exc.value)


def test_an_unknown_column_is_ignored_with_a_warning_naming_its_position(tmp_path):
    jb_rows, mu_rows = rows()
    folder = tmp_path / "extra"
    jb_delivery(tmp_path, jb_rows, mu_rows, name="extra", fmt="map")
    names = JB.layout().record_set("muhp").names
    _csv(folder / "muhp.csv", [*names, "opmerking"], [{**r, "opmerking": "geheim"} for r in mu_rows])
    findings = validate(read_delivery(folder, JB.layout()), H1)
    hits = [f for f in findings if f.regel == "MU-F03"]
    assert len(hits) == 1 and hits[0].gegevensset == "muhp"
    assert hits[0].toelichting == f"kolom op positie {len(names) + 1}"
    assert all("geheim" not in (f.toelichting or "") + f.melding for f in findings)


@pytest.mark.parametrize("fmt, name", [("xlsx", "jr.xlsx"), ("fixed", "jr.txt"), ("csv-cp1252", "jr-w.csv")])
def test_jr_formats(tmp_path, fmt, name):
    records = [jr(bsn=B[2], type_maatregel="41", datum_aanvang="20250101"),
               jr(bsn=B[3], type_maatregel="31", datum_aanvang="20250201", reden_beeindiging="31",
                  datum_einde="20250301")]
    plain = jr_delivery(tmp_path, records)
    raw = pd.DataFrame(records, columns=JR.layout().names, dtype=object)
    other = read_delivery(write_delivery(raw, tmp_path / name, fmt, JR.layout()), JR.layout())
    assert typed(other) == typed(plain)


def test_an_unreadable_jr_file_is_one_jr_f01_finding(tmp_path):
    path = tmp_path / "kapot.xlsx"
    path.write_bytes(b"PK\x03\x04 niet echt")
    findings = validate_file(path, "2025Q1", domain=JR)
    assert [f.regel for f in findings] == ["JR-F01"]
