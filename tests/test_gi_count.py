"""GI counts (SPEC §4.5) on small hand-made deliveries, checked against plain counts written independently from the
raw rows (dates compared as JJJJMMDD text), and the identity begin + in − uit = eind for trajecten."""

from __future__ import annotations

import pytest

from gi_helpers import JB, JR, B, jb, jb_delivery, jr, jr_delivery, mu
from spiegel import fastpath
from spiegel.domains.gi.count import identity_holds
from spiegel.periods import Period


@pytest.fixture(autouse=True, params=["lijsten", "pandas"])
def both_paths(request):
    """Every test on both paths of spiegel.fastpath (small deliveries as lists, large ones with pandas)."""
    with fastpath.threshold(10**9 if request.param == "lijsten" else 0):
        yield

H1 = Period.parse("2025H1")
Q1 = Period.parse("2025Q1")
F, L = "20250101", "20250630"


def jb_rows():
    return [
        jb(bsn=B[0], type_maatregel="11", datum_aanvang="20240301"),  # beginstand, eindstand
        jb(bsn=B[1], type_maatregel="12", datum_aanvang="20250101", datum_einde="20250301",
           reden_beeindiging="07"),  # gestart, beeindigd
        jb(bsn=B[1], type_maatregel="11", datum_aanvang="20250302"),  # gestart, eindstand
        jb(bsn=B[2], type_maatregel="11", datum_overgedragen_gekregen="20250401", gemeentecode="0518"),  # gekregen
        jb(bsn=B[3], type_maatregel="21", datum_aanvang="20200101", datum_overgedragen="20250630"),  # overgedragen on L
        jb(bsn=B[4], type_maatregel="11", datum_aanvang="20250630", datum_einde="20250630",
           reden_beeindiging="04"),  # in and out on L
        jb(bsn=B[5], type_maatregel="22", datum_aanvang="20241201", datum_einde="20250110", reden_beeindiging="12"),
        jb(bsn=B[5], type_maatregel="21", datum_aanvang="20250111"),
        jb(bsn=B[6], type_maatregel="11", datum_aanvang="20250701"),  # after the period: not active
    ]


def plain_flows(rows, first, last, types):
    """Independent: per the SPEC table, on the raw text."""
    out = dict.fromkeys(("beginstand", "gestart", "gekregen", "beeindigd", "overgedragen", "eindstand", "lopend"), 0)
    for r in rows:
        if r["type_maatregel"] not in types:
            continue
        s = r["datum_overgedragen_gekregen"] or r["datum_aanvang"]
        t = r["datum_einde"] or r["datum_overgedragen"]
        if not (s <= last and (not t or t >= first)):
            continue
        out["beginstand"] += s < first
        out["gestart"] += s >= first and not r["datum_overgedragen_gekregen"]
        out["gekregen"] += s >= first and bool(r["datum_overgedragen_gekregen"])
        out["beeindigd"] += bool(t) and t <= last and bool(r["datum_einde"])
        out["overgedragen"] += bool(t) and t <= last and not r["datum_einde"]
        out["eindstand"] += not t or t > last
        out["lopend"] += not t or t >= last
    return out


def cell(table, categorie, gemeente="totaal"):
    frame = table.frame
    row = frame[(frame["categorie"] == categorie) & (frame["gemeente"] == gemeente)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.mark.parametrize("categorie, types", [("totaal", {"11", "12", "21", "22", "23"}), ("groep_ots", {"11", "12"}),
                                              ("11", {"11"}), ("groep_voogdij", {"21", "22", "23"})])
def test_jb_flows_equal_plain_counts_from_the_raw_rows(tmp_path, categorie, types):
    rows = jb_rows()
    counts = JB.count_function(jb_delivery(tmp_path, rows), H1)
    got = cell(counts.tables["stromen"], categorie)
    want = plain_flows(rows, F, L, types)
    assert got["trajecten_beginstand"] == want["beginstand"]
    assert got["trajecten_gestart"] == want["gestart"]
    assert got["trajecten_overgedragen_gekregen"] == want["gekregen"]
    assert got["trajecten_beeindigd"] == want["beeindigd"]
    assert got["trajecten_overgedragen"] == want["overgedragen"]
    assert got["trajecten_eindstand"] == want["eindstand"]
    assert got["trajecten_lopend_laatste_dag"] == want["lopend"]


def test_jb_identity_holds_in_every_cell_and_the_last_day_cases(tmp_path):
    counts = JB.count_function(jb_delivery(tmp_path, jb_rows()), H1)
    table = counts.tables["stromen"]
    assert identity_holds(table.frame)
    total = cell(table, "totaal")
    # by hand: begin 3 (B0, B3, B5-22), in 4 (B1×2, B2, B4, B5-21 → 5), out 3 + 1 on L
    assert (total["trajecten_beginstand"], total["trajecten_instroom"], total["trajecten_uitstroom"],
            total["trajecten_eindstand"]) == (3, 5, 4, 4)
    assert total["trajecten_lopend_laatste_dag"] == 6  # the eindstand and the two records with t = L
    assert total["jongeren_instroom"] == 4  # B1 twice is one youth
    assert identity_holds(counts.tables["machtigingen"].frame)


def test_a_broken_identity_is_detected():
    import pandas as pd

    from spiegel.domains.gi.count import FLOW_FLAGS

    frame = pd.DataFrame({f"trajecten_{k}": [1] for k in FLOW_FLAGS})
    assert not identity_holds(frame)


def test_jb_per_gemeente_reasons_and_vv_followed(tmp_path):
    counts = JB.count_function(jb_delivery(tmp_path, jb_rows()), H1)
    assert cell(counts.tables["stromen"], "11", "0518")["trajecten_overgedragen_gekregen"] == 1
    reasons = counts.tables["reden_beeindiging"]
    assert cell(reasons, "ots:07")["trajecten_beeindigd"] == 1
    assert cell(reasons, "ots:04")["trajecten_beeindigd"] == 1
    assert cell(reasons, "voogdij:12")["trajecten_beeindigd"] == 1
    vv = counts.tables["voorlopige_voogdij_gevolgd"]
    assert cell(vv, "22_gevolgd_door_21")["trajecten_beeindigd"] == 1
    transfers = counts.tables["overdrachten"]
    assert cell(transfers, "totaal")["trajecten_overgedragen"] == 1
    assert cell(transfers, "totaal")["trajecten_overgedragen_gekregen"] == 1


def test_jb_duration_uses_aanvang_only_for_records_ended_at_the_first_gi(tmp_path):
    rows = [jb(bsn=B[0], type_maatregel="12", datum_aanvang="20250101", datum_einde="20250501", reden_beeindiging="02"),
            jb(bsn=B[1], type_maatregel="12", datum_overgedragen_gekregen="20250201", datum_einde="20250211",
               reden_beeindiging="02")]
    duur = JB.count_function(jb_delivery(tmp_path, rows), H1).tables["duur"]
    row = cell(duur, "12")
    assert (row["duur_aantal"], row["duur_gemiddelde"]) == (1, 120.0)
    assert (row["duur_bij_gi_aantal"], row["duur_bij_gi_mediaan"]) == (1, 10.0)
    assert row["langer_dan_3_maanden"] == 1
    here = cell(duur, "12", "0363")  # every record lives in 0363: the gemeente row equals the total
    assert (here["duur_aantal"], here["duur_bij_gi_aantal"], here["langer_dan_3_maanden"]) == (1, 1, 1)
    assert duur.dependent["duur_gemiddelde"] == "duur_aantal"


def test_share_of_ots_youths_with_a_72_machtiging(tmp_path):
    rows = [jb(bsn=B[0], type_maatregel="11", datum_aanvang="20240301"),
            jb(bsn=B[1], type_maatregel="11", datum_aanvang="20240301"),
            jb(bsn=B[2], type_maatregel="21", datum_aanvang="20240301")]
    machtigingen = [mu(bsn=B[0], type_machtiging="72", datum_aanvang_machtiging="20240401"),
                    mu(bsn=B[2], type_machtiging="72", datum_aanvang_machtiging="20240401"),
                    mu(bsn=B[1], type_machtiging="72", datum_aanvang_machtiging="20240401",
                       datum_einde_machtiging="20250101")]
    table = JB.count_function(jb_delivery(tmp_path, rows, machtigingen), H1).tables["ots_met_machtiging"]
    assert cell(table, "ots_eindstand")["jongeren_eindstand"] == 2
    assert cell(table, "ots_met_72")["jongeren_eindstand"] == 1


def jr_rows():
    return [
        jr(bsn=B[0], type_maatregel="41", datum_aanvang="20241001"),
        jr(bsn=B[1], type_maatregel="41", datum_aanvang="20250105", datum_einde="20250310", drp_einde="41",
           zorg_einde="52", erkende_interventie="01"),
        jr(bsn=B[1], type_maatregel="61", datum_aanvang="20250105", datum_einde="20250331", drp_einde="42",
           zorg_einde="51", erkende_interventie="02"),
        jr(bsn=B[2], type_maatregel="31", datum_aanvang="20250201", datum_einde="20250301", reden_beeindiging="31"),
        jr(bsn=B[3], type_maatregel="42", datum_overgedragen_gekregen="20250201", datum_overgedragen="20250315"),
    ]


def test_jr_flows_equal_plain_counts_and_pjk_is_not_in_the_total(tmp_path):
    rows = jr_rows()
    counts = JR.count_function(jr_delivery(tmp_path, rows), Q1)
    for categorie, types in (("totaal", {"41", "42", "50", "51", "61", "62", "63"}), ("41", {"41"})):
        got, want = cell(counts.tables["stromen"], categorie), plain_flows(rows, "20250101", "20250331", types)
        assert (got["trajecten_beginstand"], got["trajecten_gestart"], got["trajecten_overgedragen_gekregen"],
                got["trajecten_beeindigd"], got["trajecten_overgedragen"], got["trajecten_eindstand"]) == (
            want["beginstand"], want["gestart"], want["gekregen"], want["beeindigd"], want["overgedragen"],
            want["eindstand"])
    assert identity_holds(counts.tables["stromen"].frame)
    assert identity_holds(counts.tables["stromen_pjk"].frame)
    assert cell(counts.tables["stromen_pjk"], "31")["trajecten_beeindigd"] == 1
    assert cell(counts.tables["stromen"], "totaal")["jongeren_instroom"] == 2


def test_jr_end_items_among_ended_jeugdreclassering(tmp_path):
    einde = JR.count_function(jr_delivery(tmp_path, jr_rows()), Q1).tables["einde"]
    assert cell(einde, "drp_einde:41")["trajecten_beeindigd"] == 1
    assert cell(einde, "drp_einde:42")["trajecten_beeindigd"] == 1
    assert cell(einde, "erkende_interventie:01")["trajecten_beeindigd"] == 1
    assert cell(einde, "erkende_interventie:leeg")["trajecten_beeindigd"] == 0
    assert cell(einde, "zorg_einde:52")["jongeren_beeindigd"] == 1


def test_counts_declare_their_count_columns_and_an_extract_holds_one_gemeente(tmp_path):
    counts = JB.count_function(jb_delivery(tmp_path, jb_rows()), H1, gemeente="0518")
    stromen = counts.tables["stromen"]
    assert set(stromen.frame["gemeente"]) == {"0518"}
    assert "trajecten_eindstand" in stromen.counts and "jongeren_eindstand" in stromen.counts


def test_protection_works_on_the_declared_columns(tmp_path):
    """Policy cbs (a gemeente extract) hides every small count and the durations computed from them; exact keeps
    the counts as delivered. Labels and codes are not counts and stay."""
    from spiegel.protect import protect_counts

    counts = JB.count_function(jb_delivery(tmp_path, jb_rows()), H1)
    cbs = protect_counts(counts, "cbs")
    row = cell(cbs.tables["stromen"], "totaal")
    assert str(row["trajecten_eindstand"]) != str(cell(counts.tables["stromen"], "totaal")["trajecten_eindstand"])
    assert row["label"] == "Totaal jeugdbescherming"
    duur = cell(cbs.tables["duur"], "totaal")
    assert str(duur["duur_gemiddelde"]) == str(duur["duur_aantal"])  # hidden with its count
    exact = protect_counts(counts, "exact")
    assert cell(exact.tables["stromen"], "totaal")["trajecten_eindstand"] == 4
