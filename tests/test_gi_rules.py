"""GI rules (SPEC §4.6, §4.6a) on small hand-made deliveries: a clean base gives no finding; each case changes a
few fields and names the rule, record set and rows (header = row 1) it must report."""

from __future__ import annotations

import pytest

from gi_helpers import JB, JR, B, jb, jb_delivery, jr, jr_delivery, mu
from spiegel import fastpath
from spiegel.periods import Period
from spiegel.validate import validate


@pytest.fixture(autouse=True, params=["lijsten", "pandas"])
def both_paths(request):
    """Every test on both paths of spiegel.fastpath (small deliveries as lists, large ones with pandas)."""
    with fastpath.threshold(10**9 if request.param == "lijsten" else 0):
        yield

H1, Q1 = Period.parse("2025H1"), Period.parse("2025Q1")


def jb_base():
    return ([jb(bsn=B[0], type_maatregel="11", datum_aanvang="20240301"),
             jb(bsn=B[1], type_maatregel="21", datum_aanvang="20240301", datum_einde="20250301",
                reden_beeindiging="14")],
            [mu(bsn=B[0], type_machtiging="72", datum_aanvang_machtiging="20240401")])


def jr_base():
    return [jr(bsn=B[2], type_maatregel="41", datum_aanvang="20250101", datum_einde="20250310", drp_einde="41",
               zorg_einde="51", erkende_interventie="01"),
            jr(bsn=B[3], type_maatregel="31", datum_aanvang="20250201")]


def found(findings):
    return {(f.regel, f.gegevensset): sorted(int(r) for r in f.alle_rijen) for f in findings}


def test_clean_bases_give_no_finding(tmp_path):
    rows, machtigingen = jb_base()
    assert found(validate(jb_delivery(tmp_path, rows, machtigingen), H1)) == {}
    assert found(validate(jr_delivery(tmp_path, jr_base()), Q1)) == {}


JB_CASES = [
    ("JB-V01", "jb", 0, {"bsn": "123456789"}, [2]),
    ("JB-V02", "jb", 0, {"geboortedatum": "20151301"}, [2]),
    ("JB-V03", "jb", 0, {"geslacht": "X"}, [2]),
    ("JB-V09", "jb", 0, {"type_maatregel": "41"}, [2]),
    ("JB-V10", "jb", 1, {"reden_beeindiging": "99"}, [3]),
    ("JB-V11", "jb", 1, {"reden_beeindiging": ""}, [3]),
    ("JB-V12", "jb", 0, {"datum_aanvang": ""}, [2]),
    ("JB-V13", "jb", 0, {"datum_overgedragen_gekregen": "20250101"}, [2]),
    ("JB-V14", "jb", 1, {"datum_overgedragen": "20250301"}, [3]),
    ("JB-V20", "jb", 1, {"reden_beeindiging": "04"}, [3]),
    ("JB-V21", "jb", 1, {"reden_beeindiging": "07"}, [3]),
    ("JB-D01", "jb", 1, {"datum_einde": "20240201"}, [3]),
    ("JB-D02", "jb", 0, {"datum_aanvang": "20250701"}, [2]),
    ("JB-D03", "jb", 1, {"datum_einde": "20250701"}, [3]),
    ("JB-D04", "jb", 1, {"datum_einde": "20241231"}, [3]),
    ("JB-D05", "jb", 1, {"geboortedatum": "20240601"}, [3]),
    ("JB-D24", "jb", 0, {"geboortedatum": "20240601"}, [2]),
    ("JB-D20", "jb", 0, {"geboortedatum": "20000101"}, [2]),
    ("JB-D21", "jb", 0, {"geboortedatum": "20070301"}, [2]),
    ("JB-D22", "jb", 1, {"reden_beeindiging": "11"}, [3]),
    ("MU-M01", "muhp", 0, {"bsn": B[1]}, [2]),
    ("MU-V09", "muhp", 0, {"type_machtiging": "73"}, [2]),
]


@pytest.mark.parametrize("code, set_name, index, edit, rows", JB_CASES, ids=[c[0] for c in JB_CASES])
def test_jb_rule_reports_exactly_its_rows(tmp_path, code, set_name, index, edit, rows):
    jb_rows, mu_rows = jb_base()
    (jb_rows if set_name == "jb" else mu_rows)[index].update(edit)
    got = found(validate(jb_delivery(tmp_path, jb_rows, mu_rows), H1))
    assert got.get((code, set_name)) == rows, got


def test_jb_record_rules(tmp_path):
    jb_rows, mu_rows = jb_base()
    jb_rows += [jb(bsn=B[0], type_maatregel="11", datum_aanvang="20240301"),  # R01 with row 2
                jb(bsn=B[4], type_maatregel="12", datum_aanvang="20250101", datum_einde="20250301",
                   reden_beeindiging="07"),  # R21: no OTS follows
                jb(bsn=B[1], type_maatregel="11", datum_aanvang="20240601", datum_einde="20240901",
                   reden_beeindiging="04")]  # ended before the period (D04) and overlaps voogdij (R20)
    got = found(validate(jb_delivery(tmp_path, jb_rows, mu_rows), H1))
    assert got[("JB-R01", "jb")] == [2, 4]
    assert got[("JB-R21", "jb")] == [5]
    assert got[("JB-R20", "jb")] == [3, 6]


def test_jb_quarter_is_refused_and_empty_muhp_warns(tmp_path):
    jb_rows, _ = jb_base()
    got = found(validate(jb_delivery(tmp_path, jb_rows, []), Period.parse("2025Q2")))
    assert ("JB-F04", "jb") in got
    got = found(validate(jb_delivery(tmp_path, jb_rows, []), H1))
    assert ("JB-F20", "jb") in got


JR_CASES = [
    ("JR-V11", 0, {"drp_einde": ""}),
    ("JR-V20", 0, {"reden_beeindiging": "31"}),
    ("JR-V21", 1, {"type_maatregel": "42", "drp_einde": "41"}),
    ("JR-V22", 0, {"erkende_interventie": ""}),
    ("JR-V23", 1, {"zorg_einde": "51"}),
    ("JR-D20", 0, {"geboortedatum": "20150101"}),
    ("JR-D21", 0, {"geboortedatum": "20000101"}),
    ("JR-R03", 0, {"bsn": "000000000"}),
]


@pytest.mark.parametrize("code, index, edit", JR_CASES, ids=[c[0] for c in JR_CASES])
def test_jr_rule_reports_exactly_its_row(tmp_path, code, index, edit):
    rows = jr_base()
    rows[index].update(edit)
    got = found(validate(jr_delivery(tmp_path, rows), Q1))
    assert got.get((code, None)) == [index + 2], got


def test_jr_half_year_is_refused(tmp_path):
    assert ("JR-F04", None) in found(validate(jr_delivery(tmp_path, jr_base()), H1))


def test_completeness_against_the_previous_quarter(tmp_path):
    previous = jr_delivery(tmp_path, [*jr_base(), jr(bsn=B[5], type_maatregel="41", datum_aanvang="20241001")],
                           name="vorig.csv")
    now = [jr(bsn=B[3], type_maatregel="31", datum_aanvang="20250201")]
    got = found(validate(jr_delivery(tmp_path, now), Period.parse("2025Q2"), previous=previous))
    assert got[("JR-C01", None)] == [4]  # row of the previous file


def test_transfers_across_gis(tmp_path):
    sender = jr_delivery(tmp_path, [jr(bsn=B[6], type_maatregel="41", datum_aanvang="20241001",
                                       datum_overgedragen="20250215")], name="a.csv")
    receiver = jr_delivery(tmp_path, [jr(bsn=B[6], type_maatregel="41", datum_overgedragen_gekregen="20250216")],
                           name="b.csv")
    other = jr_delivery(tmp_path, [jr(bsn=B[7], type_maatregel="41", datum_aanvang="20250101")], name="c.csv")
    assert ("JR-X01", None) not in found(validate(sender, Q1, peers=[(Q1, receiver)]))
    assert found(validate(sender, Q1, peers=[(Q1, other)]))[("JR-X01", None)] == [2]
    assert found(validate(receiver, Q1, peers=[(Q1, other)]))[("JR-X02", None)] == [2]
    assert "JR-X01" not in validate(sender, Q1).regels


def test_transfers_outside_the_peer_periods_are_not_judged(tmp_path):
    """*-X02 looks only at take-overs whose hand-over day (gekregen − 1) lies in a period of the peers, *-X01 only at
    hand-overs whose take-over day (overgedragen + 1) does: the counterpart is delivered in that period only."""
    Q4, Q2 = Period.parse("2024Q4"), Period.parse("2025Q2")
    other = jr_delivery(tmp_path, [jr(bsn=B[7], type_maatregel="41", datum_aanvang="20250101")], name="c.csv")
    takeovers = jr_delivery(tmp_path, [
        jr(bsn=B[6], type_maatregel="41", datum_overgedragen_gekregen="20210315"),  # years ago: not judged
        jr(bsn=B[8], type_maatregel="41", datum_overgedragen_gekregen="20250210"),  # in the period: flagged
        jr(bsn=B[9], type_maatregel="41", datum_overgedragen_gekregen="20250101"),  # handed over on 31 Dec 2024
        jr(bsn=B[5], type_maatregel="41", datum_overgedragen_gekregen="20250102"),  # handed over on 1 Jan 2025
    ], name="b.csv")
    x02 = found(validate(takeovers, Q1, peers=[(Q1, other)])).get(("JR-X02", None))
    assert x02 == [3, 5]
    assert found(validate(takeovers, Q1, peers=[(Q4, other), (Q1, other)]))[("JR-X02", None)] == [3, 4, 5]
    handovers = jr_delivery(tmp_path, [
        jr(bsn=B[6], type_maatregel="41", datum_aanvang="20241001", datum_overgedragen="20250331"),  # last day
        jr(bsn=B[8], type_maatregel="41", datum_aanvang="20241001", datum_overgedragen="20250330"),
    ], name="a.csv")
    assert found(validate(handovers, Q1, peers=[(Q1, other)]))[("JR-X01", None)] == [3]
    assert found(validate(handovers, Q1, peers=[(Q1, other), (Q2, other)]))[("JR-X01", None)] == [2, 3]



def test_docs_catalogue_of_the_gi_domains_is_up_to_date(capsys):
    """Regenerate with: spiegel validate --catalogue --domain jb > docs/validatieregels-gi.md (jb and jr together)"""
    from pathlib import Path

    from spiegel.cli import main
    from spiegel.validate.catalogue import catalogue_file, render_catalogue, render_catalogue_file

    doc = Path(__file__).resolve().parents[1] / "docs" / "validatieregels-gi.md"
    assert catalogue_file(JB) == catalogue_file(JR) == "validatieregels-gi.md"
    assert doc.read_text(encoding="utf-8") == render_catalogue_file(JB) == render_catalogue_file(JR), (
        "docs/validatieregels-gi.md is stale: run `spiegel validate --catalogue --domain jb > "
        "docs/validatieregels-gi.md`"
    )
    text = doc.read_text(encoding="utf-8")
    from spiegel.validate import all_rules

    for domain in (JB, JR):
        assert render_catalogue(domain) in text
        for rule in all_rules(domain):
            assert text.count(f"| {rule.code} |") == 1
    assert main(["validate", "--catalogue", "--domain", "JR"]) == 0
    assert capsys.readouterr().out == text


MORE_JB_CASES = [
    # (code, set, row index in the base (or None: appended row), edit or new row, rows reported)
    ("JB-V04", "jb", 0, {"postcode": "12AB"}, [2]),
    ("JB-V05", "jb", 0, {"gemeentecode": "9999"}, [2]),
    ("JB-V06", "jb", 0, {"gemeentecode": "0501"}, [2]),
    ("JB-V07", "jb", 0, {"gemeentecode": ""}, [2]),
    ("JB-V08", "jb", 1, {"datum_einde": "20251301"}, [3]),
    ("JB-V11", "jb", 0, {"reden_beeindiging": "04"}, [2]),
    ("JB-D23", "jb", None, jb(bsn=B[8], type_maatregel="12", datum_aanvang="20250101"), [4]),
    ("JB-R02", "jb", None, jb(bsn=B[0], type_maatregel="11", datum_aanvang="20240601"), [2, 4]),
    ("JB-R03", "jb", None, jb(bsn="000000000", type_maatregel="11", datum_aanvang="20250101"), [4]),
    ("JB-R22", "jb", None, jb(bsn=B[8], type_maatregel="11", datum_aanvang="20240101", datum_einde="20250301",
                              reden_beeindiging="05"), [4]),
    ("MU-V01", "muhp", 0, {"bsn": "12345678"}, [2]),
    ("MU-V08", "muhp", 0, {"datum_einde_machtiging": "2025-03-01"}, [2]),
    ("MU-V12", "muhp", 0, {"datum_aanvang_machtiging": ""}, [2]),
    ("MU-V13", "muhp", 0, {"datum_overgedragen_gekregen": "20250101"}, [2]),
    ("MU-D01", "muhp", 0, {"datum_einde_machtiging": "20240301"}, [2]),
    ("MU-D02", "muhp", 0, {"datum_aanvang_machtiging": "20250801"}, [2]),
    ("MU-R01", "muhp", None, mu(bsn=B[0], type_machtiging="72", datum_aanvang_machtiging="20240401"), [2, 3]),
    ("MU-R20", "muhp", None, mu(bsn="000000000", type_machtiging="72", datum_aanvang_machtiging="20250101"), [3]),
    ("MU-M02", "muhp", None, mu(bsn=B[9], type_machtiging="71", datum_aanvang_machtiging="20250101"), [3]),
    ("MU-M03", "muhp", 0, {"datum_aanvang_machtiging": "20240201"}, [2]),
]


@pytest.mark.parametrize("code, set_name, index, edit, rows", MORE_JB_CASES, ids=[c[0] for c in MORE_JB_CASES])
def test_more_jb_and_muhp_rules(tmp_path, code, set_name, index, edit, rows):
    jb_rows, mu_rows = jb_base()
    target = jb_rows if set_name == "jb" else mu_rows
    if index is None:
        target.append(edit)
    else:
        target[index].update(edit)
    got = found(validate(jb_delivery(tmp_path, jb_rows, mu_rows), H1))
    assert got.get((code, set_name)) == rows, got


def test_a_rule_never_fires_twice_on_one_cell_of_a_code_column(tmp_path):
    """SPEC §4.6a: a code in no list is *-V10 only; a listed code wrong for the type is the specific rule only."""
    jb_rows, mu_rows = jb_base()
    jb_rows[1]["reden_beeindiging"] = "99"
    got = found(validate(jb_delivery(tmp_path, jb_rows, mu_rows), H1))
    assert ("JB-V10", "jb") in got and ("JB-V20", "jb") not in got
    jb_rows[1]["reden_beeindiging"] = "07"
    got = found(validate(jb_delivery(tmp_path, jb_rows, mu_rows), H1))
    assert ("JB-V21", "jb") in got and ("JB-V20", "jb") not in got and ("JB-V10", "jb") not in got


def test_the_metadata_period_must_be_the_requested_one(tmp_path):
    from datetime import datetime

    from spiegel.deliveries import DeliveryMeta

    jb_rows, mu_rows = jb_base()
    meta = DeliveryMeta(kvk="12345678", naam="GI", domein="jb", periode="2024H2", correctie=False,
                        ontvangen=datetime(2025, 7, 10))
    got = found(validate(jb_delivery(tmp_path, jb_rows, mu_rows), H1, meta=meta))
    assert ("JB-F05", None) in got


def test_completeness_rules_of_jb_against_the_previous_half_year(tmp_path):
    h2 = Period.parse("2024H2")
    previous_rows = [jb(bsn=B[0], type_maatregel="11", datum_aanvang="20240301"),
                     jb(bsn=B[1], type_maatregel="21", datum_aanvang="20240301"),
                     jb(bsn=B[2], type_maatregel="12", datum_aanvang="20241015"),
                     jb(bsn=B[3], type_maatregel="11", datum_aanvang="20240101", datum_overgedragen="20241115")]
    previous = jb_delivery(tmp_path, previous_rows, [mu(bsn=B[0], type_machtiging="72",
                                                        datum_aanvang_machtiging="20240401")], name="vorig.zip")
    now_rows = [jb(bsn=B[0], type_maatregel="11", datum_aanvang="20240301"),  # continues
                jb(bsn=B[2], type_maatregel="11", datum_aanvang="20241015"),  # type changed (C02)
                jb(bsn=B[3], type_maatregel="11", datum_aanvang="20240101")]  # handed over, delivered again (C03)
    # B[1] (voogdij) is missing (C01, row 3 of the previous file); the muhp record is missing too (MU-C01)
    got = found(validate(jb_delivery(tmp_path, now_rows, []), H1, previous=previous))
    assert got[("JB-C01", "jb")] == [3]
    assert got[("JB-C02", "jb")] == [3]
    assert got[("JB-C03", "jb")] == [4]
    assert got[("MU-C01", "muhp")] == [2]
    assert found(validate(previous, h2)) == {}  # the previous delivery itself is clean


def test_stand_jump_and_unknown_share(tmp_path):
    from spiegel.domains.gi.facts import Settings

    settings = Settings(jump_min_records=2, unknown_min_records=2)
    previous = jb_delivery(tmp_path, [jb(bsn=B[i], type_maatregel="11", datum_aanvang="20240301") for i in range(6)],
                           [], name="vorig.zip")
    now = [jb(bsn=B[0], type_maatregel="11", datum_aanvang="20240301"),
           jb(bsn="999999999", type_maatregel="21", datum_aanvang="20250301")]
    got = validate(jb_delivery(tmp_path, now, []), H1, previous=previous, settings=settings)
    jumps = [f for f in got if f.regel == "JB-C04"]
    assert {f.toelichting for f in jumps} == {"type 11: eindstand 6 → 1", "gemeente 0363: eindstand 6 → 2"}
    unknown = [f for f in got if f.regel == "JB-C05"]
    assert [(f.kolommen, list(f.alle_rijen)) for f in unknown] == [(("bsn",), [3])]


MORE_JR_CASES = [
    ("JR-V01", 0, {"bsn": ""}),
    ("JR-V09", 0, {"type_maatregel": "11"}),
    ("JR-V10", 0, {"drp_einde": "44"}),
    ("JR-V12", 1, {"datum_aanvang": ""}),
    ("JR-V14", 0, {"datum_overgedragen": "20250310"}),
    ("JR-D03", 0, {"datum_einde": "20250401"}),
    ("JR-D05", 0, {"geboortedatum": "20250201"}),
]


@pytest.mark.parametrize("code, index, edit", MORE_JR_CASES, ids=[c[0] for c in MORE_JR_CASES])
def test_more_jr_rules(tmp_path, code, index, edit):
    rows = jr_base()
    rows[index].update(edit)
    got = found(validate(jr_delivery(tmp_path, rows), Q1))
    assert got.get((code, None)) == [index + 2], got


def test_jr_overlap_only_within_one_type(tmp_path):
    rows = jr_base()
    rows.append(jr(bsn=B[2], type_maatregel="61", datum_aanvang="20250201"))  # another type at the same time: fine
    assert ("JR-R02", None) not in found(validate(jr_delivery(tmp_path, rows), Q1))
    rows.append(jr(bsn=B[2], type_maatregel="41", datum_aanvang="20250310"))  # touches row 2 on its end day
    assert found(validate(jr_delivery(tmp_path, rows, name="b.csv"), Q1))[("JR-R02", None)] == [2, 5]
    rows[-1]["datum_aanvang"] = "20250311"  # the day after: no overlap
    assert ("JR-R02", None) not in found(validate(jr_delivery(tmp_path, rows, name="c.csv"), Q1))


def test_no_finding_carries_a_value_from_a_row(tmp_path):
    jb_rows, mu_rows = jb_base()
    jb_rows[0].update(bsn="123456789", geboortedatum="20151301", postcode="12AB", gemeentecode="9876")
    mu_rows[0].update(bsn="999999999")
    text = " ".join(f"{f.melding} {f.advies} {f.toelichting or ''}"
                    for f in validate(jb_delivery(tmp_path, jb_rows, mu_rows), H1))
    for value in ("123456789", "20151301", "12AB", "9876", B[1], "20150601"):
        assert value not in text
