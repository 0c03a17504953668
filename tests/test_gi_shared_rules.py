"""Every shared GI rule (the templates ``*-V01`` … ``*-X02`` of spiegel/domains/gi/regels.yaml) for each record set
it applies to (JB: jb, MU: muhp, JR: jr): a clean one-record base per set, one edit in generic item names (mapped to
the set's columns, e.g. ``datum_aanvang`` → ``datum_aanvang_machtiging``), and the rows the rule must report."""

from __future__ import annotations

from datetime import datetime

import pytest

from gi_helpers import JB, JR, B, jb, jb_delivery, jr, jr_delivery, mu
from spiegel import fastpath
from spiegel.deliveries import DeliveryMeta
from spiegel.domains.gi.facts import Settings, column
from spiegel.periods import Period
from spiegel.validate import all_rules, validate

PERIOD = {"jb": Period.parse("2025H1"), "muhp": Period.parse("2025H1"), "jr": Period.parse("2025Q1")}
PREFIX = {"jb": "JB", "muhp": "MU", "jr": "JR"}


@pytest.fixture(autouse=True, params=["lijsten", "pandas"])
def both_paths(request):
    with fastpath.threshold(10**9 if request.param == "lijsten" else 0):
        yield


def base(set_name: str) -> dict[str, list[dict[str, str]]]:
    """Clean: an OTS of B[0] from 1 October 2024 with a 72 inside it; a running T&B of B[2]."""
    if set_name == "jr":
        return {"jr": [jr(bsn=B[2], type_maatregel="41", datum_aanvang="20241001")]}
    return {"jb": [jb(bsn=B[0], type_maatregel="11", datum_aanvang="20241001")],
            "muhp": [mu(bsn=B[0], type_machtiging="72", datum_aanvang_machtiging="20241101")]}


def generic(set_name: str, values: dict[str, str]) -> dict[str, str]:
    return {column(set_name, k): v for k, v in values.items()}


def run(tmp_path, set_name, sets, name="levering", **kwargs):
    if set_name == "jr":
        d = jr_delivery(tmp_path, sets["jr"], name=f"{name}.csv")
    else:
        d = jb_delivery(tmp_path, sets["jb"], sets["muhp"], name=f"{name}.zip")
    return d, validate(d, PERIOD[set_name], **kwargs)


def found(findings, code):
    return sorted(int(r) for f in findings if f.regel == code for r in f.alle_rijen)


#: number → (edit of the base record, per-set overrides, appended record or None, rows)
CASES = {
    "V01": ({"bsn": "123456789"}, {}, None, [2]),
    "V02": ({"geboortedatum": "20151301"}, {}, None, [2]),
    "V03": ({"geslacht": "X"}, {}, None, [2]),
    "V04": ({"postcode": "12AB"}, {}, None, [2]),
    "V05": ({"gemeentecode": "9876"}, {}, None, [2]),
    "V06": ({"gemeentecode": "0501"}, {}, None, [2]),
    "V07": ({"gemeentecode": ""}, {}, None, [2]),
    "V08": ({"datum_overgedragen": "20250230"}, {}, None, [2]),
    "V09": ({"type_maatregel": "99"}, {}, None, [2]),
    "V12": ({"datum_aanvang": ""}, {}, None, [2]),
    "V13": ({"datum_overgedragen_gekregen": "20250101"}, {}, None, [2]),
    "V14": ({"datum_einde": "20250201", "datum_overgedragen": "20250201"}, {}, None, [2]),
    "D01": ({"datum_einde": "20240901"}, {}, None, [2]),
    "D02": ({"datum_aanvang": "20250801"}, {}, None, [2]),
    "D03": ({"datum_overgedragen": "20250801"}, {}, None, [2]),
    "D04": ({"datum_overgedragen": "20241231"}, {}, None, [2]),
    "D05": ({"geboortedatum": "20241201"}, {"jb": {"type_maatregel": "21"}}, None, [2]),
    "R01": ({}, {}, "copy", [2, 3]),
    "R02": ({}, {}, {"datum_aanvang": "20241201"}, [2, 3]),
    "R03": ({"bsn": "000000000", "geboortedatum": "20150601"}, {}, None, [2]),
}
APPLIES = [(s, n) for s in ("jb", "muhp", "jr") for n in CASES
           if f"{PREFIX[s]}-{n}" in {r.code for r in all_rules(JR if s == "jr" else JB)}]


@pytest.mark.parametrize("set_name, number", APPLIES, ids=[f"{PREFIX[s]}-{n}" for s, n in APPLIES])
def test_shared_rule_reports_exactly_its_rows(tmp_path, set_name, number):
    edit, overrides, extra, rows = CASES[number]
    sets = base(set_name)
    record = sets[set_name][0]
    record.update(generic(set_name, {**edit, **overrides.get(set_name, {})}))
    if extra == "copy":
        sets[set_name].append(dict(record))
    elif extra is not None:
        sets[set_name].append({**record, **generic(set_name, extra)})
    _, findings = run(tmp_path, set_name, sets)
    code = f"{PREFIX[set_name]}-{number}"
    assert found(findings, code) == rows, [(f.regel, f.gegevensset, list(f.alle_rijen)) for f in findings]
    assert all(f.gegevensset in (None, set_name) for f in findings if f.regel == code)


@pytest.mark.parametrize("set_name", ["jb", "muhp", "jr"])
def test_the_bases_are_clean(tmp_path, set_name):
    _, findings = run(tmp_path, set_name, base(set_name))
    assert [f.regel for f in findings] == []


@pytest.mark.parametrize("set_name", ["jb", "muhp", "jr"])
def test_completeness_rules_per_set(tmp_path, set_name):
    prefix = PREFIX[set_name]
    previous_sets = base(set_name)
    handed = {**previous_sets[set_name][0], **generic(set_name, {"bsn": B[5]})}
    handed.update(generic(set_name, {"datum_overgedragen": "20241215"}))
    previous_sets[set_name].append(handed)
    previous, _ = run(tmp_path, set_name, previous_sets, name="vorig")
    prev_period = PERIOD[set_name].previous()
    assert [f.regel for f in validate(previous, prev_period) if f.ernst == "fout"] == []
    now = base(set_name)
    now[set_name][0].update(generic(set_name, {"datum_aanvang": "20241002"}))  # start changed: C02, not C01
    again = {**handed}
    again.update(generic(set_name, {"datum_overgedragen": ""}))
    now[set_name].append(again)  # handed over last period, delivered again: C03
    _, findings = run(tmp_path, set_name, now, previous=previous)
    assert found(findings, f"{prefix}-C02") == [2]
    assert found(findings, f"{prefix}-C03") == [3]
    assert found(findings, f"{prefix}-C01") == []


@pytest.mark.parametrize("set_name", ["jb", "muhp", "jr"])
def test_stand_jump_and_unknown_share_per_set(tmp_path, set_name):
    prefix = PREFIX[set_name]
    settings = Settings(jump_min_records=2, unknown_min_records=1)
    previous_sets = base(set_name)
    first = previous_sets[set_name][0]
    previous_sets[set_name] = [{**first, **generic(set_name, {"bsn": b})} for b in B[10:14]]
    previous, _ = run(tmp_path, set_name, previous_sets, name="vorig")
    now = base(set_name)
    now[set_name][0].update(generic(set_name, {"bsn": "999999999"}))
    _, findings = run(tmp_path, set_name, now, previous=previous, settings=settings)
    assert {f.toelichting for f in findings if f.regel == f"{prefix}-C04"} >= {
        "gemeente 0363: eindstand 4 → 1"}
    assert [(f.kolommen, list(f.alle_rijen)) for f in findings if f.regel == f"{prefix}-C05"] == [(("bsn",), [2])]


@pytest.mark.parametrize("set_name", ["jb", "muhp", "jr"])
def test_transfers_across_gis_per_set(tmp_path, set_name):
    prefix = PREFIX[set_name]
    sender = base(set_name)
    sender[set_name][0].update(generic(set_name, {"datum_overgedragen": "20250115"}))
    receiver = base(set_name)
    receiver[set_name][0].update(generic(set_name, {"datum_aanvang": "", "datum_overgedragen_gekregen": "20250116"}))
    if set_name == "muhp":  # the receiving GI carries the OTS too
        receiver["jb"][0].update({"datum_aanvang": "", "datum_overgedragen_gekregen": "20250116"})
    period = PERIOD[set_name]
    sent, _ = run(tmp_path, set_name, sender, name="a")
    got, _ = run(tmp_path, set_name, receiver, name="b")
    elsewhere = base(set_name)
    elsewhere[set_name][0].update(generic(set_name, {"bsn": B[20]}))
    other, _ = run(tmp_path, set_name, elsewhere, name="c")
    assert found(validate(sent, period, peers=[(period, got)]), f"{prefix}-X01") == []
    assert found(validate(got, period, peers=[(period, sent)]), f"{prefix}-X02") == []
    assert found(validate(sent, period, peers=[(period, other)]), f"{prefix}-X01") == [2]
    assert found(validate(got, period, peers=[(period, other)]), f"{prefix}-X02") == [2]
    assert f"{prefix}-X01" not in validate(sent, period).regels
    long_ago = base(set_name)  # taken over years before the peers' period: the hand-over cannot be looked up
    long_ago[set_name][0].update(generic(set_name, {"datum_aanvang": "", "datum_overgedragen_gekregen": "20200116"}))
    if set_name == "muhp":
        long_ago["jb"][0].update({"datum_aanvang": "", "datum_overgedragen_gekregen": "20200116"})
    old, _ = run(tmp_path, set_name, long_ago, name="d")
    assert found(validate(old, period, peers=[(period, other)]), f"{prefix}-X02") == []
    assert f"{prefix}-X02" in validate(old, period, peers=[(period, other)]).regels


def test_file_rules_of_jr(tmp_path):
    from spiegel.validate import validate_file

    path = tmp_path / "jr.csv"
    names = [c for c in JR.layout().names if c != "zorg_einde"]
    record = base("jr")["jr"][0]
    path.write_text(";".join([*names, "extra"]) + "\n" + ";".join([*(record[c] for c in names), "x"]) + "\n",
                    encoding="utf-8")
    assert [f.regel for f in validate_file(path, "2025Q1", domain=JR)] == ["JR-F02"]
    names = JR.layout().names
    path.write_text(";".join([*names, "extra"]) + "\n" + ";".join([*(record[c] for c in names), "x"]) + "\n",
                    encoding="utf-8")
    assert [(f.regel, f.toelichting) for f in validate_file(path, "2025Q1", domain=JR)] == [
        ("JR-F03", f"kolom op positie {len(names) + 1}")]
    d = jr_delivery(tmp_path, base("jr")["jr"])
    meta = DeliveryMeta(kvk="12345678", naam="GI", domein="jr", periode="2024Q4", correctie=False,
                        ontvangen=datetime(2025, 4, 10))
    assert "JR-F05" in [f.regel for f in validate(d, "2025Q1", meta=meta)]


def test_unknown_column_in_the_jb_set(tmp_path):
    folder = tmp_path / "extra"
    sets = base("jb")
    jb_delivery(tmp_path, sets["jb"], sets["muhp"], name="extra", fmt="map")
    names = JB.layout().record_set("jb").names
    lines = [";".join(["vrij", *names]), ";".join(["x", *(sets["jb"][0][c] for c in names)])]
    (folder / "jb.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from spiegel.read import read_delivery

    findings = validate(read_delivery(folder, JB.layout()), "2025H1")
    assert [(f.regel, f.gegevensset, f.toelichting) for f in findings] == [("JB-F03", "jb", "kolom op positie 1")]


def test_validate_file_finds_the_other_gis_in_the_store(tmp_path):
    """A store <root>/<period>/<kvk>/ with two GIs: the transfer of one is found at the other (JR-X01 not raised);
    a third GI without the counterpart gets JR-X02 for its take-over."""
    from spiegel.deliveries import write_meta
    from spiegel.validate import validate_file

    def put(kvk, records, period="2025Q1"):
        folder = tmp_path / "store" / period / kvk
        folder.mkdir(parents=True)
        jr_delivery(folder, records, name="jr.csv")
        write_meta(folder / "jr.csv", DeliveryMeta(kvk=kvk, naam="GI", domein="jr", periode=period, correctie=False,
                                                   ontvangen=datetime(2025, 4, 10)))
        return folder / "jr.csv"

    sender = put("11111111", [jr(bsn=B[2], type_maatregel="41", datum_aanvang="20241001",
                                 datum_overgedragen="20250331")])
    receiver = put("22222222", [jr(bsn=B[2], type_maatregel="41", datum_overgedragen_gekregen="20250401")],
                   period="2025Q2")  # a transfer on the last day: the receiving GI delivers it next quarter
    stray = put("33333333", [jr(bsn=B[4], type_maatregel="42", datum_overgedragen_gekregen="20250201")])
    assert "JR-X01" not in [f.regel for f in validate_file(sender, domain=JR)]
    assert "JR-X01" in validate_file(sender, domain=JR).regels
    assert "JR-X02" not in [f.regel for f in validate_file(receiver, domain=JR)]
    assert "JR-X02" in validate_file(receiver, domain=JR).regels  # run, with the sender of the previous quarter
    assert [f.regel for f in validate_file(stray, domain=JR) if f.regel.startswith("JR-X")] == ["JR-X02"]
