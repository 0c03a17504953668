"""Every validation rule: a tiny hand-made delivery that fails it (with the exact row numbers) and one that passes.

Deliveries are built as CSV text and read by the real reader, so row numbers are those a person sees in the
file: the header is row 1, the first record row 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from spiegel import domains, fastpath
from spiegel.dates import age_at
from spiegel.deliveries import DeliveryMeta
from spiegel.domains.jeugdhulp.facts import Settings
from spiegel.domains.jeugdhulp.logic import elfproef_ok
from spiegel.read import Delivery, read_bytes
from spiegel.validate import all_rules, validate

JH = domains.get("jeugdhulp")
LAYOUT = JH.layout()
PERIOD = "2025H1"
BASE = {
    "bsn": "123456782",
    "geboortedatum": "20100315",
    "geslacht": "M",
    "postcode": "1011AB",
    "gemeentecode": "",
    "verwijzer": "01",
    "hulpvorm": "02",
    "gestart_met_crisis": "02",
    "datum_aanvang": "20250110",
    "datum_einde": "",
    "reden_beeindiging": "",
    "tevredenheid": "",
    "zonder_hulp_verder": "",
    "type_informant": "",
}
ENDED = {"datum_einde": "20250301", "reden_beeindiging": "01"}


def bsn(number: int) -> str:
    """A 9-digit BSN passing the elfproef, different for each ``number``."""
    for last in range(10):
        candidate = f"{100000000 + number * 10 + last:09d}"[-9:]
        digits = [int(c) for c in candidate]
        if sum(d * w for d, w in zip(digits, [9, 8, 7, 6, 5, 4, 3, 2, -1], strict=True)) % 11 == 0:
            return candidate
    return bsn(number + 100_000)


def delivery(rows: list[dict | None], name: str = "levering.csv") -> Delivery:
    """A delivery from rows that override :data:`BASE`; ``None`` is a blank line."""
    lines = [";".join(LAYOUT.names)]
    for row in rows:
        lines.append("" if row is None else ";".join({**BASE, **row}[c] for c in LAYOUT.names))
    return read_bytes(("\n".join(lines) + "\n").encode("utf-8"), LAYOUT, name=name)


def meta(periode: str) -> DeliveryMeta:
    return DeliveryMeta(kvk="12345678", naam="Aanbieder", domein="jeugdhulp", periode=periode, correctie=False,
                        ontvangen=datetime(2025, 7, 10, 9, 0))


@dataclass
class Case:
    fail: list[dict | None]
    ok: list[dict | None]
    rows: list[int]  # row numbers of the failing delivery that the rule names
    previous: list[dict | None] | None = None
    meta: str | None = None  # period in the metadata of the failing delivery
    kwargs: dict = field(default_factory=dict)


# Shortcuts for the completeness rules: 20 youths in Amsterdam (postcode 1011AB) last period.
RUNNING_BEFORE = {"datum_aanvang": "20240901"}
AMSTERDAM_BEFORE = [{"bsn": bsn(i), "datum_aanvang": "20240801", "datum_einde": "20241201",
                     "reden_beeindiging": "01"} for i in range(20)]
AMSTERDAM_NOW = [{"bsn": bsn(100 + i)} for i in range(20)]

CASES: dict[str, Case] = {
    "JH-B07": Case(fail=[{}], ok=[{}], rows=[], meta="2024H2"),
    "JH-B09": Case(fail=[{}, None, {"hulpvorm": "03"}], ok=[{}, {"hulpvorm": "03"}, None], rows=[3]),
    "JH-V01": Case(fail=[{}, {"geslacht": ""}], ok=[{}, {"geslacht": "O"}], rows=[3]),
    "JH-V02": Case(fail=[{"bsn": "12345678"}, {"bsn": "12345678X"}], ok=[{"bsn": "023456785"}], rows=[2, 3]),
    "JH-V03": Case(fail=[{}, {"bsn": "123456789", "hulpvorm": "03"}], ok=[{"bsn": "999999999"}], rows=[3]),
    "JH-V04": Case(fail=[{"geboortedatum": "20101301"}, {"geboortedatum": "2010031"}],
                   ok=[{"geboortedatum": "20100300"}, {"geboortedatum": "20100000", "hulpvorm": "03"}], rows=[2, 3]),
    "JH-V05": Case(fail=[{"datum_aanvang": "20250230"}], ok=[{"datum_aanvang": "20250228"}], rows=[2]),
    "JH-V06": Case(fail=[{**ENDED, "datum_einde": "20250100"}], ok=[ENDED], rows=[2]),
    "JH-V07": Case(fail=[{"geslacht": "X"}], ok=[{"geslacht": "V"}], rows=[2]),
    "JH-V08": Case(fail=[{}, {"postcode": "1011A", "hulpvorm": "03"}], ok=[{"postcode": "1011 ab"}], rows=[3]),
    "JH-V09": Case(fail=[{"postcode": "1000AA"}], ok=[{"postcode": "1000AA", "gemeentecode": "0363"}], rows=[2]),
    "JH-V10": Case(fail=[{"gemeentecode": "363"}], ok=[{"gemeentecode": "0363"}], rows=[2]),
    "JH-V11": Case(fail=[{"gemeentecode": "9998"}], ok=[{"gemeentecode": "0363"}], rows=[2]),
    "JH-V12": Case(fail=[{"gemeentecode": "0457"}], ok=[{"gemeentecode": "0363"}], rows=[2]),
    "JH-V24": Case(fail=[{"postcode": "1431AB"}], ok=[{"postcode": "1431AB", "gemeentecode": "0362"}], rows=[2]),
    "JH-V13": Case(fail=[{"postcode": ""}], ok=[{"postcode": "", "gemeentecode": "0363"}], rows=[2]),
    "JH-V14": Case(fail=[{"verwijzer": "07"}], ok=[{"verwijzer": "07", "datum_aanvang": "20141201"}], rows=[2]),
    "JH-V15": Case(fail=[{"hulpvorm": "05"}], ok=[{"hulpvorm": "14"}], rows=[2]),
    "JH-V16": Case(fail=[{"gestart_met_crisis": "1"}], ok=[{"gestart_met_crisis": "01"}], rows=[2]),
    "JH-V17": Case(fail=[{**ENDED, "reden_beeindiging": "06"}], ok=[{**ENDED, "reden_beeindiging": "05"}], rows=[2]),
    "JH-V18": Case(fail=[{**ENDED, "tevredenheid": "0"}, {**ENDED, "tevredenheid": "11", "hulpvorm": "03"}],
                   ok=[{**ENDED, "tevredenheid": "10"}], rows=[2, 3]),
    "JH-V19": Case(fail=[{**ENDED, "zonder_hulp_verder": "05"}], ok=[{**ENDED, "zonder_hulp_verder": "04"}],
                   rows=[2]),
    "JH-V20": Case(fail=[{**ENDED, "type_informant": "03"}], ok=[{**ENDED, "type_informant": "02"}], rows=[2]),
    "JH-V21": Case(fail=[{"hulpvorm": "01", "verwijzer": "01"}], ok=[{"hulpvorm": "01", "verwijzer": "06"}],
                   rows=[2]),
    "JH-V22": Case(fail=[{"datum_einde": "20250301"}], ok=[ENDED], rows=[2]),
    "JH-V23": Case(fail=[{"reden_beeindiging": "01"}], ok=[ENDED], rows=[2]),
    "JH-D01": Case(fail=[{**ENDED, "datum_aanvang": "20250302"}], ok=[{**ENDED, "datum_aanvang": "20250301"}],
                   rows=[2]),
    "JH-D02": Case(fail=[{"datum_aanvang": "20250701"}], ok=[{"datum_aanvang": "20250630"}], rows=[2]),
    "JH-D03": Case(fail=[{**ENDED, "datum_einde": "20250701"}], ok=[{**ENDED, "datum_einde": "20250630"}],
                   rows=[2]),
    "JH-D04": Case(fail=[{**ENDED, "datum_aanvang": "20240601", "datum_einde": "20241231"}],
                   ok=[{**ENDED, "datum_aanvang": "20240601", "datum_einde": "20250101"}], rows=[2]),
    "JH-D05": Case(fail=[{"geboortedatum": "20250111"}, {"geboortedatum": "20250200", "hulpvorm": "03"}],
                   ok=[{"geboortedatum": "20250100"}, {"bsn": "000000000", "geboortedatum": "20250301",
                                                       "hulpvorm": "03"}],
                   rows=[2, 3]),
    "JH-D06": Case(fail=[{"geboortedatum": "20020110"}], ok=[{"geboortedatum": "20020111"}], rows=[2]),
    "JH-D07": Case(fail=[{"geboortedatum": "20070110"}, {"geboortedatum": "20020111", "hulpvorm": "03"}],
                   ok=[{"geboortedatum": "20070111"}], rows=[2, 3]),
    "JH-R01": Case(fail=[{}, {"hulpvorm": "03"}, {}], ok=[{}, {"hulpvorm": "03"}], rows=[2, 4]),
    "JH-R02": Case(fail=[{}, {"datum_aanvang": "20250301"}, {"hulpvorm": "03", "datum_aanvang": "20250301"}],
                   ok=[{**ENDED, "datum_einde": "20250228"}, {"datum_aanvang": "20250301"}], rows=[2, 3]),
    "JH-R03": Case(fail=[{"bsn": "000000000", "geboortedatum": "20250110"}],
                   ok=[{"bsn": "000000000", "geboortedatum": "20250111"}], rows=[2]),
    "JH-C01": Case(previous=[RUNNING_BEFORE, {**RUNNING_BEFORE, "hulpvorm": "03"}, {"bsn": bsn(7)}],
                   fail=[{**RUNNING_BEFORE, "hulpvorm": "03"}, {"bsn": bsn(7)}],
                   ok=[{**RUNNING_BEFORE, **ENDED}, {**RUNNING_BEFORE, "hulpvorm": "03"}, {"bsn": bsn(7)}],
                   rows=[2]),  # row 2 of the previous file
    "JH-C02": Case(previous=[RUNNING_BEFORE, {"bsn": bsn(7)}],
                   fail=[{"bsn": bsn(7)}, {"datum_aanvang": "20240915"}],
                   ok=[{"bsn": bsn(7)}, RUNNING_BEFORE], rows=[3]),
    "JH-C03": Case(previous=AMSTERDAM_BEFORE, fail=AMSTERDAM_NOW[:9], ok=AMSTERDAM_NOW[:11],
                   rows=list(range(2, 11))),
    "JH-C04": Case(fail=[*AMSTERDAM_NOW[:17], *[{"bsn": "999999999", "hulpvorm": h} for h in ("02", "03", "04")]],
                   ok=[*AMSTERDAM_NOW[:18], *[{"bsn": "999999999", "hulpvorm": h} for h in ("02", "03")]],
                   rows=[19, 20, 21]),
}
READER_RULES = {"JH-B01", "JH-B02", "JH-B03", "JH-B04", "JH-B05", "JH-B06", "JH-B08"}  # test_validate_cli.py


def run_case(case: Case, rows: list[dict | None]):
    previous = delivery(case.previous, name="vorige.csv") if case.previous is not None else None
    period_in_meta = case.meta if rows is case.fail and case.meta else PERIOD
    return validate(delivery(rows), PERIOD, previous=previous, meta=meta(period_in_meta), **case.kwargs)


def test_every_rule_has_a_failing_and_a_passing_case():
    assert set(CASES) | READER_RULES == {r.code for r in all_rules(JH)}


def test_the_base_row_passes_every_rule():
    assert list(validate(delivery([{}]), PERIOD, previous=delivery([{}]), meta=meta(PERIOD))) == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_names_exactly_the_failing_rows(code):
    findings = run_case(CASES[code], CASES[code].fail)
    assert code in findings.codes()
    assert findings.rows(code).tolist() == CASES[code].rows


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_passes_the_corrected_delivery(code):
    assert code not in run_case(CASES[code], CASES[code].ok).codes()


def test_missing_running_trajectory_is_reported_with_previous_file_rows():
    finding = next(f for f in run_case(CASES["JH-C01"], CASES["JH-C01"].fail) if f.regel == "JH-C01")
    assert (finding.bestand, finding.aantal, finding.rijen) == ("vorig", 1, (2,))


def test_changed_start_date_is_not_also_reported_as_missing():
    assert "JH-C01" not in run_case(CASES["JH-C02"], CASES["JH-C02"].fail).codes()


def test_changed_hulpvorm_with_the_same_start_is_a_changed_trajectory():
    case = Case(previous=[RUNNING_BEFORE], fail=[{**RUNNING_BEFORE, "hulpvorm": "04"}], ok=[], rows=[])
    assert {"JH-C02"} == {c for c in run_case(case, case.fail).codes() if c.startswith("JH-C")}


def test_new_trajectory_of_other_start_and_hulpvorm_does_not_hide_the_missing_one():
    case = Case(previous=[RUNNING_BEFORE], fail=[{"hulpvorm": "04"}], ok=[], rows=[])
    assert {"JH-C01"} == {c for c in run_case(case, case.fail).codes() if c.startswith("JH-C")}


def test_trajectory_ended_in_the_previous_period_may_be_absent():
    case = Case(previous=[{"datum_aanvang": "20240901", "datum_einde": "20241231", "reden_beeindiging": "01"}],
                fail=[{"bsn": bsn(3)}], ok=[], rows=[])
    assert not {c for c in run_case(case, case.fail).codes() if c.startswith("JH-C")}


def test_unknown_bsn_trajectories_are_matched_on_sex_birth_date_and_postcode():
    unknown = {"bsn": "999999999", **RUNNING_BEFORE}
    case = Case(previous=[unknown], fail=[{**unknown, "postcode": "1012AB"}], ok=[], rows=[])
    assert "JH-C01" in run_case(case, case.fail).codes()
    assert "JH-C01" not in run_case(case, [unknown]).codes()


def test_gemeente_jump_says_which_gemeente_and_how_much():
    findings = run_case(CASES["JH-C03"], CASES["JH-C03"].fail)
    (finding,) = [f for f in findings if f.regel == "JH-C03"]
    assert finding.toelichting == "gemeente 0363 (Amsterdam): 20 records in de vorige periode, 9 nu (-55,0%)"


def test_gemeente_jump_counts_a_merged_code_at_its_successor():
    before = [{**r, "postcode": "", "gemeentecode": "0457"} for r in AMSTERDAM_BEFORE]
    case = Case(previous=before, fail=AMSTERDAM_NOW, ok=[], rows=[])
    assert "JH-C03" not in run_case(case, case.fail).codes()


def test_gemeente_jump_ignores_small_gemeenten():
    case = Case(previous=AMSTERDAM_BEFORE[:19], fail=AMSTERDAM_NOW[:2], ok=[], rows=[])
    assert "JH-C03" not in run_case(case, case.fail).codes()


def test_gemeente_jump_threshold_is_a_setting():
    case = CASES["JH-C03"]
    strict = Case(previous=case.previous, fail=AMSTERDAM_NOW[:15], ok=[], rows=[],
                  kwargs={"settings": Settings(jump_threshold=0.2)})
    assert "JH-C03" in run_case(strict, strict.fail).codes()
    assert "JH-C03" not in run_case(case, AMSTERDAM_NOW[:15]).codes()


def test_unknown_share_is_per_column_with_its_share():
    (finding,) = [f for f in run_case(CASES["JH-C04"], CASES["JH-C04"].fail) if f.regel == "JH-C04"]
    assert (finding.kolommen, finding.toelichting) == (("bsn",), "15,0% onbekend (drempel 10,0%)")


def test_completeness_rules_without_previous_delivery_are_listed_as_not_run():
    findings = validate(delivery([{}]), PERIOD)
    assert [code for code, _ in findings.niet_uitgevoerd] == ["JH-C01", "JH-C02", "JH-C03"]
    assert "JH-C04" in findings.regels


def test_merged_gemeentecode_names_its_successor():
    (finding,) = [f for f in run_case(CASES["JH-V12"], CASES["JH-V12"].fail) if f.regel == "JH-V12"]
    assert (finding.ernst, finding.toelichting) == ("waarschuwing", "code 0457 → 0363 (Amsterdam)")


def test_required_field_findings_are_per_column():
    findings = validate(delivery([{"geslacht": ""}, {"verwijzer": "", "hulpvorm": "03"}]), PERIOD)
    per_column = {f.kolommen: f.rijen for f in findings if f.regel == "JH-V01"}
    assert per_column == {("geslacht",): (2,), ("verwijzer",): (3,)}


def test_empty_optional_fields_are_not_format_errors():
    assert list(validate(delivery([{"postcode": "", "gemeentecode": "0363"}]), PERIOD)) == []


def test_overlap_is_found_when_the_overlapping_records_are_not_adjacent():
    rows = [
        {"datum_aanvang": "20250101", "datum_einde": "20250601", "reden_beeindiging": "01"},
        {"datum_aanvang": "20250201", "datum_einde": "20250210", "reden_beeindiging": "01"},
        {"datum_aanvang": "20250301", "datum_einde": "20250310", "reden_beeindiging": "01"},
        {"datum_aanvang": "20250602", "datum_einde": "20250610", "reden_beeindiging": "01"},
    ]
    assert validate(delivery(rows), PERIOD).rows("JH-R02").tolist() == [2, 3, 4]


def test_elfproef_accepts_valid_and_rejects_changed_digits():
    import pandas as pd

    assert elfproef_ok(pd.Series(["123456782", "123456783", "12345678", "000000000"])).tolist() == [
        True, False, False, True,
    ]


def test_age_counts_whole_years_up_to_the_day_before_the_birthday():
    birth = np.array(["2004-02-29", "2010-06-15", "NaT"], dtype="datetime64[D]")
    day = np.array(["2022-02-28", "2025-06-15", "2025-01-01"], dtype="datetime64[D]")
    assert age_at(birth, day).tolist() == [17, 15, -1]


def test_a_row_index_that_is_not_positional_gives_the_same_findings():
    d = delivery([{"geslacht": "X"}, {}, {"hulpvorm": "05"}])
    shifted = Delivery.single(d.frame.set_axis(d.frame.index + 10), d.raw.set_axis(d.raw.index + 10), d.source,
                              d.layout)
    assert validate(shifted, PERIOD).table.equals(validate(d, PERIOD).table)


def test_the_three_ways_of_running_the_data_rules_agree():
    from spiegel.validate.engine import compiled_schema, run_data_rules

    rows = [row for case in CASES.values() for row in (*case.fail, *case.ok) if row is not None]
    raw = delivery(rows).raw
    results = {
        method: sorted((code, cols, tuple(pos)) for code, cols, pos in run_data_rules(
            raw, JH, "7", LAYOUT, "jeugdhulp", method=method))
        for method in ("rows", "checks", "pandera")
    }
    data_codes = {code for code in compiled_schema(JH, "7", LAYOUT, "jeugdhulp").check_columns}
    assert {code for code, _, _ in results["rows"]} == data_codes  # every data rule fails somewhere
    assert results["rows"] == results["checks"] == results["pandera"]


def test_large_delivery_code_paths_give_the_same_findings():
    """Below 2,000 rows text tests run as Python loops; force the pandas/pyarrow paths and compare."""

    def all_findings():
        return {code: [run_case(case, case.fail).table.to_dict("records"),
                       run_case(case, case.ok).table.to_dict("records")] for code, case in CASES.items()}

    small = all_findings()
    with fastpath.threshold(0):
        assert all_findings() == small


ODD_ROWS = [
    {},
    {"bsn": "999999999", "postcode": "1011 ab"},  # unknown BSN: the person is sex, birth date and postcode
    {"bsn": "999999999", "postcode": "1011ÄB", "hulpvorm": "03"},  # non-ASCII: pandas' upper() decides
    {"bsn": "", "geboortedatum": "20100300", "postcode": "9999ZZ"},
    {"bsn": "12345", "hulpvorm": "x1"},  # malformed: hashed as text
    {"bsn": "000000000", "geboortedatum": "20250110"},
    {"bsn": bsn(1), "gemeentecode": "0363", "postcode": ""},
    {"bsn": bsn(2), "gemeentecode": "1234", "postcode": "1011"},
    {"bsn": bsn(3), "gemeentecode": "0457"},  # Weesp, merged into Amsterdam
    {"datum_aanvang": "00010101", "geboortedatum": "00010101"},  # before 1677: no nanosecond overflow
    {"datum_aanvang": "2025011", "datum_einde": "20259999"},
    {}, {"hulpvorm": "03"}, {},  # the base row again (row 0), twice
]


def test_the_derived_columns_are_the_same_on_the_python_and_the_pandas_paths():
    """Facts of a small delivery work on Python lists; every derived column must equal the pandas path's."""
    from spiegel.domains.jeugdhulp.facts import Facts
    from spiegel.domains.jeugdhulp.logic import duplicated, running_max
    from spiegel.periods import Period
    from spiegel.validate import context

    names = ["aanvang", "einde", "einde_leeg", "geboorte_vroegst", "geboorte_laatst", "bsn_status", "bsn_onbekend",
             "bsn_ongeboren", "bsn_nine_digits", "person_id", "aanvang_part", "hulpvorm_part", "record_key",
             "youth_hulpvorm", "running_at_end"]
    day = Period.parse(PERIOD).last_day
    ascii_only = [row for row in ODD_ROWS if all(v.isascii() for v in row.values())]

    def derived(rows):
        facts = Facts(delivery(rows), Period.parse(PERIOD))
        keys = facts.record_key
        return {
            **{name: getattr(facts, name).tolist() for name in names},
            "gemeente": facts.gemeente(day).tolist(),
            "pc4": list(context.prefix(facts.text("postcode"), 4)),
            "pc4_known": context.isin(context.prefix(facts.text("postcode"), 4), context.known_pc4(day)).tolist(),
            "duplicated": duplicated(keys, keep=False).tolist(),
            "later": duplicated(keys, keep="first").tolist(),
            "running_max": running_max(np.arange(len(keys))[::-1].copy(), np.sort(facts.youth_hulpvorm)).tolist(),
        }

    python = [derived(ascii_only), derived(ODD_ROWS)]
    odd = python[1]
    assert str(odd["aanvang"][9]) == "0001-01-01"
    assert odd["gemeente"][8] == odd["gemeente"][6] >= 0  # 0457 counts at its successor 0363
    assert [i for i, d in enumerate(odd["duplicated"]) if d] == [0, 11, 13]  # three times the base row
    assert [i for i, d in enumerate(odd["later"]) if d] == [11, 13]
    assert any(odd["pc4_known"]) and not all(odd["pc4_known"])
    with fastpath.threshold(0):
        assert [derived(ascii_only), derived(ODD_ROWS)] == python


def test_jh_v24_says_which_gemeente_counts_an_ambiguous_pc4_and_why_without_the_postcode():
    (finding,) = [f for f in run_case(CASES["JH-V24"], CASES["JH-V24"].fail) if f.regel == "JH-V24"]
    assert finding.ernst == "waarschuwing"
    assert finding.toelichting.startswith("geteld bij 0358 (Aalsmeer): ")
    assert "0362 (Amstelveen)" in finding.toelichting and "1431" not in finding.toelichting


def test_the_running_maximum_in_runs_equals_pandas_cummax_per_group():
    """JH-R02's running maximum of a large delivery (numpy, runs lifted above each other) equals pandas' groupby."""
    from spiegel.domains.jeugdhulp.logic import running_max

    rng = np.random.default_rng(11)
    for n in (1, 2, 7, 5_000):
        groups = np.sort(rng.integers(0, max(1, n // 3), n)).astype(np.int64)
        values = rng.integers(-5, 10**6, n).astype(np.int64)
        values[rng.random(n) < 0.1] = np.iinfo(np.int64).max  # an open end
        values[rng.random(n) < 0.05] = np.iinfo(np.int64).min
        expected = pd.Series(values).groupby(groups, sort=False).cummax().to_numpy()
        for small in (True, False):
            with fastpath.threshold(10**9 if small else 0):
                assert running_max(values, groups).tolist() == expected.tolist()
