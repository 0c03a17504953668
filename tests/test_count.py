"""Counts of the jeugdhulp spiegelrapport (SPEC §6), on tiny hand-made deliveries with exact expected values.

Period in every test: 2025H1 = 01-01-2025 t/m 30-06-2025.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spiegel import domains, fastpath
from spiegel.domains.jeugdhulp.count import (
    DIMENSIONS,
    FLOW_COLUMNS,
    IDENTIFYING_COLUMNS,
    MEASURES,
    Counts,
    categories,
    count,
    flow_identity_holds,
    hulpvorm_levels,
    prepare,
)
from spiegel.periods import Period
from spiegel.read import bsn_status

JH = domains.get("jeugdhulp")
P = Period.parse("2025H1")
TEXT = (
    "bsn", "geslacht", "postcode", "gemeentecode", "verwijzer", "hulpvorm", "gestart_met_crisis",
    "reden_beeindiging", "tevredenheid", "zonder_hulp_verder", "type_informant",
)
DATES = ("geboortedatum", "datum_aanvang", "datum_einde")
BSN = ("111222333", "123456782", "100000009", "100000010", "100000022", "100000034")


def record(**values: object) -> dict[str, object]:
    """One trajectory: ambulant (02), Amsterdam, running since 01-02-2025, youth born 01-03-2015."""
    base: dict[str, object] = {
        "bsn": BSN[0], "geboortedatum": "20150301", "geslacht": "M", "postcode": None, "gemeentecode": "0363",
        "verwijzer": "01", "hulpvorm": "02", "gestart_met_crisis": "02", "datum_aanvang": "20250201",
        "datum_einde": None, "reden_beeindiging": None, "tevredenheid": None, "zonder_hulp_verder": None,
        "type_informant": None,
    }
    base.update(values)
    if base["datum_einde"] is not None and "reden_beeindiging" not in values:
        base["reden_beeindiging"] = "01"
    return base


def delivery(*records: dict[str, object]) -> pd.DataFrame:
    """A typed frame shaped like ``spiegel.read.Delivery.frame``."""
    frame = pd.DataFrame(list(records), columns=list(record()))
    out = pd.DataFrame({"rij": np.arange(2, len(frame) + 2, dtype=np.int64)})
    for column in frame.columns:
        if column in DATES:
            out[column] = pd.to_datetime(frame[column], format="%Y%m%d", errors="coerce")
        else:
            out[column] = frame[column].astype("str")
            out.loc[frame[column].isna(), column] = np.nan
        if column == "bsn":  # the reader's status column, right after bsn
            raw_bsn = frame["bsn"].fillna("").astype(str)
            out["bsn_status"] = bsn_status(raw_bsn, JH.codes.status_of("bsn_bijzonder"))
    return out


def prepared(*records: dict[str, object], **kwargs: object) -> pd.DataFrame:
    return prepare(delivery(*records), P, **kwargs)


def counted(*records: dict[str, object], **kwargs: object) -> Counts:
    frame = prepared(*records, **kwargs)
    return count(frame, P)


def flow(counts: Counts, gemeente: str = "totaal", hulpvorm: str = "totaal") -> dict[str, int]:
    flows = counts.flows
    row = flows[(flows["gemeente"] == gemeente) & (flows["hulpvorm"] == hulpvorm)]
    assert len(row) == 1
    return {column: int(row.iloc[0][column]) for column in FLOW_COLUMNS}


def traj(counts: Counts, gemeente: str = "totaal", hulpvorm: str = "totaal") -> tuple[int, ...]:
    """(beginstand, instroom, uitstroom, eindstand, totaal) of trajecten."""
    values = flow(counts, gemeente, hulpvorm)
    return tuple(values[f"trajecten_{m}"] for m in MEASURES)


def jong(counts: Counts, gemeente: str = "totaal", hulpvorm: str = "totaal") -> tuple[int, ...]:
    values = flow(counts, gemeente, hulpvorm)
    return tuple(values[f"jongeren_{m}"] for m in MEASURES)


def breakdown(counts: Counts, dimensie: str, gemeente: str = "totaal") -> dict[str, tuple[int, int]]:
    rows = counts.breakdown(dimensie, gemeente)
    return {c: (int(t), int(j)) for c, t, j in zip(rows["categorie"], rows["trajecten"], rows["jongeren"], strict=True)}


def flags(frame: pd.DataFrame, row: int = 0) -> tuple[bool, ...]:
    """(actief, beginstand, instroom, uitstroom, eindstand) of one prepared row."""
    names = ("actief", "beginstand", "instroom", "uitstroom", "eindstand")
    return tuple(bool(frame.iloc[row][n]) for n in names)


# --- stands and flows at the period's boundaries -----------------------------------------------------------


def test_trajectory_starting_on_first_day_is_instroom_not_beginstand() -> None:
    assert flags(prepared(record(datum_aanvang="20250101"))) == (True, False, True, False, True)


def test_trajectory_starting_the_day_before_the_period_is_beginstand() -> None:
    assert flags(prepared(record(datum_aanvang="20241231"))) == (True, True, False, False, True)


def test_trajectory_ending_on_last_day_is_uitstroom_and_not_in_eindstand() -> None:
    frame = prepared(record(datum_aanvang="20250301", datum_einde="20250630"))
    assert flags(frame) == (True, False, True, True, False)


def test_trajectory_ending_the_day_after_the_period_is_in_eindstand() -> None:
    frame = prepared(record(datum_aanvang="20250301", datum_einde="20250701"))
    assert flags(frame) == (True, False, True, False, True)


def test_trajectory_ending_on_first_day_is_beginstand_and_uitstroom() -> None:
    frame = prepared(record(datum_aanvang="20240601", datum_einde="20250101"))
    assert flags(frame) == (True, True, False, True, False)


def test_trajectory_started_before_and_still_running_is_beginstand_and_eindstand() -> None:
    assert flags(prepared(record(datum_aanvang="20230115"))) == (True, True, False, False, True)


def test_trajectory_starting_on_last_day_is_instroom_and_eindstand() -> None:
    assert flags(prepared(record(datum_aanvang="20250630"))) == (True, False, True, False, True)


def test_trajectory_ended_before_the_period_is_kept_but_not_counted() -> None:
    frame = prepared(record(datum_aanvang="20240101", datum_einde="20241231"), record(bsn=BSN[1]))
    assert flags(frame, 0) == (False, False, False, False, False)
    result = count(frame, P)
    assert traj(result) == (0, 1, 0, 1, 1)
    summary = dict(zip(result.summary["kengetal"], result.summary["waarde"], strict=True))
    assert summary["records"] == 2
    assert summary["records_niet_in_periode"] == 1


def test_trajectory_starting_after_the_period_is_not_counted() -> None:
    assert flags(prepared(record(datum_aanvang="20250701"))) == (False, False, False, False, False)


def test_trajectory_without_valid_start_date_is_not_counted() -> None:
    assert flags(prepared(record(datum_aanvang=None))) == (False, False, False, False, False)


def test_flow_table_counts_each_boundary_case_exactly() -> None:
    result = counted(
        record(bsn=BSN[0], datum_aanvang="20250101"),  # instroom, eindstand
        record(bsn=BSN[1], datum_aanvang="20240601", datum_einde="20250101"),  # beginstand, uitstroom
        record(bsn=BSN[2], datum_aanvang="20250301", datum_einde="20250630"),  # instroom, uitstroom
        record(bsn=BSN[3], datum_aanvang="20230115"),  # beginstand, eindstand
        record(bsn=BSN[4], datum_aanvang="20240101", datum_einde="20241231"),  # not active
    )
    assert traj(result) == (2, 2, 2, 2, 4)
    assert jong(result) == (2, 2, 2, 2, 4)
    assert flow_identity_holds(result.flows)


# --- jongeren ----------------------------------------------------------------------------------------------


def test_youth_with_two_trajectories_counts_once_per_cell_and_once_in_the_total() -> None:
    result = counted(
        record(hulpvorm="02", datum_aanvang="20240301"),
        record(hulpvorm="11", datum_aanvang="20250301"),
    )
    assert traj(result) == (1, 1, 0, 2, 2)
    assert jong(result) == (1, 1, 0, 1, 1)
    assert jong(result, hulpvorm="02") == (1, 0, 0, 1, 1)
    assert jong(result, hulpvorm="11") == (0, 1, 0, 1, 1)
    assert jong(result, hulpvorm="zonder_verblijf")[4] + jong(result, hulpvorm="met_verblijf")[4] == 2


def test_unknown_bsn_youths_are_told_apart_by_sex_birth_date_and_postcode() -> None:
    frame = prepared(
        record(bsn="999999999", geslacht="V", geboortedatum="20100505", postcode="1012AB"),
        record(bsn="999999999", geslacht="V", geboortedatum="20100505", postcode="1012AB", hulpvorm="03"),
        record(bsn="999999999", geslacht="V", geboortedatum="20100506", postcode="1012AB"),
        record(bsn=None, geslacht="V", geboortedatum="20100505", postcode="1012AB", hulpvorm="04"),
        record(bsn="000000000", geslacht="M", geboortedatum="20250401", postcode="1012AB"),
        record(bsn=BSN[1], geslacht="V", geboortedatum="20100505", postcode="1012AB"),
    )
    ids = frame["jongere"].tolist()
    assert ids[0] == ids[1] == ids[3]
    assert len({ids[0], ids[2], ids[4], ids[5]}) == 4
    assert jong(count(frame, P))[4] == 4


def test_prepared_frame_holds_no_bsn_birth_date_or_postcode() -> None:
    frame = prepared(record(postcode="1012AB"))
    assert not set(IDENTIFYING_COLUMNS) & set(frame.columns)
    assert frame["jongere"].dtype == np.int64


# --- gemeente ----------------------------------------------------------------------------------------------


def test_gemeente_comes_from_gemeentecode_when_valid() -> None:
    frame = prepared(record(gemeentecode="0344", postcode="1012AB"))
    assert (frame.at[0, "gemeente"], frame.at[0, "gemeente_bron"]) == ("0344", "gemeentecode")


def test_merged_gemeente_code_is_counted_under_its_successor() -> None:
    frame = prepared(record(gemeentecode="0457"), record(gemeentecode="0501", bsn=BSN[1]))  # Weesp, Brielle
    assert frame["gemeente"].tolist() == ["0363", "1992"]
    assert frame["gemeente_bron"].tolist() == ["opvolger", "opvolger"]
    result = count(frame, P)
    assert result.gemeenten["gemeente"].tolist() == ["totaal", "0363", "1992"]
    assert result.gemeenten["gemeentenaam"].tolist() == ["Totaal", "Amsterdam", "Voorne aan Zee"]


def test_gemeente_comes_from_postcode_when_no_gemeentecode() -> None:
    frame = prepared(record(gemeentecode=None, postcode="1012AB"))
    assert (frame.at[0, "gemeente"], frame.at[0, "gemeente_bron"]) == ("0363", "postcode")


def test_invalid_gemeentecode_falls_back_to_postcode() -> None:
    frame = prepared(record(gemeentecode="9999", postcode="1012AB"))
    assert (frame.at[0, "gemeente"], frame.at[0, "gemeente_bron"]) == ("0363", "postcode")


def test_unknown_gemeente_is_counted_under_onbekend_last() -> None:
    result = counted(
        record(gemeentecode="9999", postcode=None),
        record(gemeentecode=None, postcode="0000ZZ", bsn=BSN[1]),
        record(gemeentecode="0014", bsn=BSN[2]),
    )
    assert result.gemeenten["gemeente"].tolist() == ["totaal", "0014", "onbekend"]
    assert result.gemeenten["gemeentenaam"].tolist() == ["Totaal", "Groningen", "Onbekend"]
    expected = result.flows[["gemeente", "gemeentenaam"]].drop_duplicates().reset_index(drop=True)
    pd.testing.assert_frame_equal(result.gemeenten, expected)  # built from lists: the same frame, dtypes included
    assert traj(result, "onbekend")[4] == 2
    summary = dict(zip(result.summary["kengetal"], result.summary["waarde"], strict=True))
    assert (summary["gemeenten"], summary["trajecten_gemeente_onbekend"]) == (1, 2)


def test_trajecten_of_the_gemeenten_add_up_to_the_total() -> None:
    result = counted(
        record(gemeentecode="0363"), record(gemeentecode="0344", bsn=BSN[1]), record(gemeentecode="0344", bsn=BSN[2])
    )
    assert traj(result, "0363")[4] + traj(result, "0344")[4] == traj(result)[4] == 3


# --- leeftijd ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "end", "expected_age", "expected_class"),
    [
        ("20210630", None, 4, "4-11"),  # 4th birthday on the last day counts
        ("20210701", None, 3, "0-3"),  # 4th birthday the day after
        ("20250301", None, 0, "0-3"),
        ("20130630", None, 12, "12-17"),
        ("20130701", None, 11, "4-11"),
        ("20070630", None, 18, "18-22"),
        ("20070701", None, 17, "12-17"),
        ("20020701", None, 22, "18-22"),
        ("20020630", None, 23, "onbekend"),  # older than 22: no class
        ("20130401", "20250331", 11, "4-11"),  # age on the end date, before the 12th birthday
        ("20130401", "20250401", 12, "12-17"),
        ("20130401", "20250801", 12, "12-17"),  # end after the period: age on the last day
    ],
)
def test_age_is_taken_on_the_earlier_of_end_date_and_last_day(
    birth: str, end: str | None, expected_age: int, expected_class: str
) -> None:
    frame = prepared(record(geboortedatum=birth, datum_aanvang="20250201", datum_einde=end))
    assert int(frame.at[0, "leeftijd"]) == expected_age
    assert frame.at[0, "leeftijdsklasse"] == expected_class


def test_missing_birth_date_gives_age_class_onbekend() -> None:
    frame = prepared(record(geboortedatum=None))
    assert pd.isna(frame.at[0, "leeftijd"])
    assert frame.at[0, "leeftijdsklasse"] == "onbekend"


# --- herhaald beroep ---------------------------------------------------------------------------------------


def test_earlier_trajectory_ended_one_day_before_start_makes_herhaald() -> None:
    frame = prepared(
        record(datum_aanvang="20240101", datum_einde="20250131", hulpvorm="03"),
        record(datum_aanvang="20250201"),
    )
    assert frame["herhaald"].tolist() == [False, True]
    assert frame["nieuw_herhaald"].tolist() == [None, "herhaald"]


def test_earlier_trajectory_ending_on_the_start_day_is_not_herhaald() -> None:
    frame = prepared(
        record(datum_aanvang="20240101", datum_einde="20250201", hulpvorm="03"),
        record(datum_aanvang="20250201"),
    )
    assert frame.at[1, "nieuw_herhaald"] == "nieuw"


def test_overlapping_earlier_trajectory_is_not_herhaald() -> None:
    frame = prepared(record(datum_aanvang="20240101", hulpvorm="03"), record(datum_aanvang="20250201"))
    assert frame.at[1, "nieuw_herhaald"] == "nieuw"


def test_earlier_trajectory_from_history_counts_for_herhaald() -> None:
    old = delivery(record(datum_aanvang="20220101", datum_einde="20220601"))
    frame = prepared(record(datum_aanvang="20250201"), history=[old])
    assert frame.at[0, "nieuw_herhaald"] == "herhaald"
    assert frame.attrs["history_periods"] == 1


def test_end_exactly_five_years_before_start_is_herhaald_but_one_day_more_is_not() -> None:
    five = delivery(record(datum_aanvang="20190101", datum_einde="20200201"))
    six = delivery(record(datum_aanvang="20190101", datum_einde="20200131"))
    assert prepared(record(datum_aanvang="20250201"), history=[five]).at[0, "herhaald"]
    assert not prepared(record(datum_aanvang="20250201"), history=[six]).at[0, "herhaald"]


def test_earlier_trajectory_of_another_youth_does_not_make_herhaald() -> None:
    old = delivery(record(bsn=BSN[1], datum_aanvang="20220101", datum_einde="20220601"))
    assert prepared(record(datum_aanvang="20250201"), history=[old]).at[0, "nieuw_herhaald"] == "nieuw"


def test_herhaald_finds_unknown_bsn_youth_in_history_by_fallback_key() -> None:
    person = {"bsn": "999999999", "geslacht": "V", "geboortedatum": "20120202", "postcode": "1012AB"}
    old = delivery(record(**person, datum_aanvang="20220101", datum_einde="20220601"))
    frame = prepared(record(**person, datum_aanvang="20250201"), history=[old])
    assert frame.at[0, "nieuw_herhaald"] == "herhaald"


def test_running_trajectory_is_neither_nieuw_nor_herhaald() -> None:
    frame = prepared(record(datum_aanvang="20240101"))
    assert frame.at[0, "nieuw_herhaald"] is None


def test_history_periods_given_explicitly_reach_the_counts() -> None:
    frame = prepared(record(), history=[], history_periods=3)
    assert count(frame, P).history_periods_available == 3
    assert count(frame, P, history_periods_available=5).history_periods_available == 5


# --- breakdowns --------------------------------------------------------------------------------------------


def test_every_breakdown_lists_every_code_of_its_list_with_zeros() -> None:
    result = counted(record())
    for name, (_column, list_name, _basis) in DIMENSIONS.items():
        rows = result.breakdown(name, "totaal")
        listed = rows["categorie"].tolist()
        assert listed[0] == "totaal"
        assert set(JH.codes.code_list(list_name).values) <= set(listed)
        assert (rows["trajecten"] >= 0).all()
    verwijzer = breakdown(result, "verwijzer")
    assert verwijzer == {
        "totaal": (1, 1), "01": (1, 1), "02": (0, 0), "03": (0, 0), "04": (0, 0), "05": (0, 0), "06": (0, 0),
        "08": (0, 0), "onbekend": (0, 0),
    }


def test_breakdown_labels_are_dutch_from_the_code_lists() -> None:
    rows = counted(record()).breakdown("reden_beeindiging", "totaal")
    labels = dict(zip(rows["categorie"], rows["label"], strict=True))
    assert labels["01"] == "Beëindigd volgens plan"
    assert labels["totaal"] == "Totaal"
    assert labels["onbekend"] == "Niet of ongeldig ingevuld"


def test_reden_beeindiging_is_counted_among_ended_trajectories_only() -> None:
    result = counted(
        record(bsn=BSN[0], datum_aanvang="20240101", datum_einde="20250301", reden_beeindiging="01"),
        record(bsn=BSN[1], datum_aanvang="20240101", datum_einde="20250302", reden_beeindiging="03"),
        record(bsn=BSN[2], datum_aanvang="20240101", datum_einde="20250303", reden_beeindiging="04"),
        record(bsn=BSN[3], datum_aanvang="20240101", datum_einde="20250304", reden_beeindiging=None),
        record(bsn=BSN[4], datum_aanvang="20240101", reden_beeindiging="02"),  # running: not counted
    )
    reden = breakdown(result, "reden_beeindiging")
    assert reden["totaal"] == (4, 4)
    assert reden == {
        "totaal": (4, 4), "01": (1, 1), "02": (0, 0), "03": (1, 1), "04": (1, 1), "05": (0, 0), "onbekend": (1, 1)
    }
    groep = breakdown(result, "reden_groep")
    assert groep == {"totaal": (4, 4), "volgens_plan": (1, 1), "voortijdig": (2, 2), "onbekend": (1, 1)}


def test_crisis_and_nieuw_herhaald_are_counted_among_started_trajectories_only() -> None:
    result = counted(
        record(bsn=BSN[0], datum_aanvang="20250102", gestart_met_crisis="01"),
        record(bsn=BSN[1], datum_aanvang="20250103", gestart_met_crisis="02"),
        record(bsn=BSN[1], datum_aanvang="20240101", datum_einde="20250101", hulpvorm="03"),  # ended, not started
        record(bsn=BSN[2], datum_aanvang="20240103", gestart_met_crisis="01"),  # beginstand
    )
    assert breakdown(result, "crisis") == {"totaal": (2, 2), "01": (1, 1), "02": (1, 1), "onbekend": (0, 0)}
    assert breakdown(result, "nieuw_herhaald") == {
        "totaal": (2, 2), "nieuw": (1, 1), "herhaald": (1, 1), "onbekend": (0, 0)
    }


def test_geslacht_and_leeftijd_are_counted_among_all_trajectories_in_the_period() -> None:
    result = counted(
        record(bsn=BSN[0], geslacht="V", datum_aanvang="20230101"),
        record(bsn=BSN[0], geslacht="V", datum_aanvang="20250301", hulpvorm="04"),
        record(bsn=BSN[1], geslacht="X"),
        record(bsn=BSN[2], geslacht="M", datum_aanvang="20200101", datum_einde="20201231"),  # not active
    )
    geslacht = breakdown(result, "geslacht")
    assert geslacht == {"totaal": (3, 2), "M": (0, 0), "V": (2, 1), "O": (0, 0), "onbekend": (1, 1)}
    assert breakdown(result, "leeftijdsklasse")["4-11"] == (3, 2)


def test_breakdowns_are_given_per_gemeente_too() -> None:
    result = counted(record(gemeentecode="0363", verwijzer="02"), record(gemeentecode="0344", bsn=BSN[1]))
    assert breakdown(result, "verwijzer", "0363")["02"] == (1, 1)
    assert breakdown(result, "verwijzer", "0344")["02"] == (0, 0)
    assert breakdown(result, "verwijzer", "0344")["01"] == (1, 1)
    rows = result.breakdowns
    for name in DIMENSIONS:  # split once per report; each part as a filter of all rows gives it
        for gemeente in (None, "totaal", "0363", "0344", "9999"):
            mask = (rows["dimensie"] == name) & (rows["gemeente"] == gemeente if gemeente else True)
            pd.testing.assert_frame_equal(result.breakdown(name, gemeente), rows[mask].reset_index(drop=True))


def test_invalid_hulpvorm_is_counted_under_onbekend_and_in_the_total() -> None:
    result = counted(record(hulpvorm="99"), record(bsn=BSN[1]))
    assert traj(result, hulpvorm="onbekend")[4] == 1
    assert traj(result, hulpvorm="zonder_verblijf")[4] == 1
    assert traj(result)[4] == 2


# --- duur --------------------------------------------------------------------------------------------------


def test_duration_mean_and_median_of_ended_trajectories_per_group() -> None:
    result = counted(
        record(bsn=BSN[0], datum_aanvang="20250101", datum_einde="20250111"),  # 10 days
        record(bsn=BSN[1], datum_aanvang="20250101", datum_einde="20250121"),  # 20
        record(bsn=BSN[2], datum_aanvang="20241201", datum_einde="20250130"),  # 60
        record(bsn=BSN[3], datum_aanvang="20250101", datum_einde="20250105", hulpvorm="11"),  # 4, met verblijf
        record(bsn=BSN[4], datum_aanvang="20250101"),  # running: no duration
        record(bsn=BSN[5], datum_aanvang="20250201", datum_einde="20250110"),  # end before start: left out
    )
    duur = result.duur[result.duur["gemeente"] == "totaal"].set_index("hulpvorm")
    assert int(duur.at["niet_wijkteam", "trajecten"]) == 3
    assert duur.at["niet_wijkteam", "gemiddelde"] == pytest.approx(30.0)
    assert duur.at["niet_wijkteam", "mediaan"] == 20.0
    assert int(duur.at["met_verblijf", "trajecten"]) == 1
    assert duur.at["met_verblijf", "mediaan"] == 4.0
    assert int(duur.at["totaal", "trajecten"]) == 4
    assert duur.at["totaal", "mediaan"] == 15.0
    assert duur.at["totaal", "gemiddelde"] == pytest.approx(23.5)
    assert int(duur.at["wijkteam", "trajecten"]) == 0
    assert np.isnan(duur.at["wijkteam", "gemiddelde"])


# --- summary and previous period ---------------------------------------------------------------------------


def test_summary_compares_with_the_previous_period() -> None:
    current = prepared(record(bsn=BSN[0], datum_aanvang="20240101"), record(bsn=BSN[1], datum_aanvang="20250301"))
    previous = prepare(delivery(record(bsn=BSN[0], datum_aanvang="20240101")), P.previous())
    summary = count(current, P, previous=previous).summary.set_index("kengetal")
    assert (summary.at["trajecten_totaal", "waarde"], summary.at["trajecten_totaal", "vorige"]) == (2, 1)
    assert summary.at["trajecten_totaal", "verschil"] == 1
    assert (summary.at["trajecten_beginstand", "vorige"], summary.at["trajecten_instroom", "vorige"]) == (1, 0)
    assert summary.at["jongeren_totaal", "verschil"] == 1


def test_summary_without_previous_period_has_missing_comparison() -> None:
    result = counted(record())
    assert not result.has_previous
    assert result.summary["vorige"].isna().all()
    assert result.summary["verschil"].isna().all()
    assert result.summary.set_index("kengetal").at["trajecten_eindstand", "waarde"] == 1


# --- table shapes ------------------------------------------------------------------------------------------


def test_flow_table_has_every_level_for_every_gemeente_in_display_order() -> None:
    result = counted(record(gemeentecode="0363"), record(gemeentecode="0344", bsn=BSN[1]))
    levels = hulpvorm_levels()["hulpvorm"].tolist()
    assert levels[:5] == ["totaal", "zonder_verblijf", "wijkteam", "01", "niet_wijkteam"]
    assert result.flows["hulpvorm"].tolist() == levels * 3
    assert result.flows["gemeente"].unique().tolist() == ["totaal", "0344", "0363"]
    for column in FLOW_COLUMNS:
        assert result.flows[column].dtype == np.int64


def test_delivery_with_nothing_active_gives_a_total_block_of_zeros() -> None:
    result = counted(record(datum_aanvang="20200101", datum_einde="20201231"))
    assert result.flows["gemeente"].unique().tolist() == ["totaal"]
    assert int(result.flows[list(FLOW_COLUMNS)].to_numpy().sum()) == 0
    assert len(result.breakdowns) == len(categories())


def test_empty_delivery_can_be_counted() -> None:
    frame = delivery(record()).iloc[0:0]
    result = count(prepare(frame, P), P)
    assert traj(result) == (0, 0, 0, 0, 0)
    assert result.duur["trajecten"].sum() == 0


# --- the identity, on random deliveries --------------------------------------------------------------------


def random_delivery(rng: np.random.Generator, n: int) -> pd.DataFrame:
    def pick(options: list[object]) -> list[object]:
        return [options[i] for i in rng.integers(0, len(options), n)]

    days = pd.date_range("2023-06-01", "2025-12-31").strftime("%Y%m%d").tolist()
    starts = pick(days)
    ends = [e if rng.random() < 0.6 else None for e in pick(days)]
    records = [
        record(
            bsn=bsn, gemeentecode=gem, postcode=pc, hulpvorm=hv, verwijzer=vw, geslacht=sex,
            datum_aanvang=a, datum_einde=e, reden_beeindiging=r, gestart_met_crisis=cr, geboortedatum=b,
        )
        for bsn, gem, pc, hv, vw, sex, a, e, r, cr, b in zip(
            pick([*BSN, "999999999", None]), pick(["0363", "0344", "0457", "9999", None]),
            pick(["1012AB", "3511AA", None]), pick(["01", "02", "03", "04", "11", "12", "13", "14", "77"]),
            pick(["01", "02", "06", None]), pick(["M", "V", "O"]), starts, ends,
            pick(["01", "02", "05", None]), pick(["01", "02"]), pick(["20100101", "20200615", None]),
            strict=True,
        )
    ]
    return delivery(*records)


@pytest.mark.parametrize("seed", range(25))
def test_stand_and_flow_identity_holds_in_every_cell_of_random_deliveries(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = prepare(random_delivery(rng, int(rng.integers(0, 60))), P)
    result = count(frame, P)
    assert flow_identity_holds(result.flows)
    flows = result.flows
    # trajecten of child levels add up to their parent, and gemeenten to the total
    for parent in ("totaal", "zonder_verblijf", "niet_wijkteam", "met_verblijf"):
        for gemeente in flows["gemeente"].unique():
            block = flows[flows["gemeente"] == gemeente]
            children = block[block["ouder"] == parent]
            own = block[block["hulpvorm"] == parent]
            for measure in MEASURES:
                column = f"trajecten_{measure}"
                assert children[column].sum() == own[column].iloc[0]
    per_gemeente = flows[(flows["gemeente"] != "totaal") & (flows["hulpvorm"] == "totaal")]
    total = flows[(flows["gemeente"] == "totaal") & (flows["hulpvorm"] == "totaal")]
    for column in FLOW_COLUMNS:
        if column.startswith("trajecten"):
            assert per_gemeente[column].sum() == total[column].iloc[0]
        else:  # a youth counts once per cell: the parts can only add up to more
            assert per_gemeente[column].sum() >= total[column].iloc[0]
    # the counts agree with a direct (slow) count on the prepared frame
    active = frame[frame["actief"]]
    for measure in MEASURES[:-1]:
        assert total[f"trajecten_{measure}"].iloc[0] == int(active[measure].sum())
        assert total[f"jongeren_{measure}"].iloc[0] == active.loc[active[measure], "jongere"].nunique()
    assert total["jongeren_totaal"].iloc[0] == active["jongere"].nunique()
    # breakdown totals equal their basis
    breakdowns = result.breakdowns[result.breakdowns["gemeente"] == "totaal"]
    for name, (_column, _list, basis) in DIMENSIONS.items():
        rows = breakdowns[breakdowns["dimensie"] == name]
        expected = total[f"trajecten_{basis}"].iloc[0]
        assert rows.loc[rows["categorie"] == "totaal", "trajecten"].iloc[0] == expected
        assert rows.loc[rows["categorie"] != "totaal", "trajecten"].sum() == expected


def test_five_years_before_29_february_is_28_february() -> None:
    period = Period.parse("2024H1")
    old = delivery(record(datum_aanvang="20180101", datum_einde="20190228"))
    older = delivery(record(datum_aanvang="20180101", datum_einde="20190227"))
    now = delivery(record(datum_aanvang="20240229"))
    assert prepare(now, period, history=[old]).at[0, "herhaald"]
    assert not prepare(now, period, history=[older]).at[0, "herhaald"]


def test_flow_identity_check_detects_a_broken_row() -> None:
    flows = counted(record()).flows.copy()
    assert flow_identity_holds(flows)
    flows.loc[0, "trajecten_eindstand"] += 1
    assert not flow_identity_holds(flows)


def test_small_and_large_delivery_code_paths_give_the_same_result() -> None:
    """Below ``fastpath.small`` rows lookups are per value in Python, above it they factorize first; both must
    agree."""
    rng = np.random.default_rng(99)
    frame = random_delivery(rng, 300)
    history = [random_delivery(rng, 200)]
    with fastpath.threshold(10**9):
        small = prepare(frame, P, history=history)
        small_counts = count(small, P)
    with fastpath.threshold(0):
        large = prepare(frame, P, history=history)
        large_counts = count(large, P)
    same_youth = pd.crosstab(small["jongere"], large["jongere"]).gt(0)
    assert (same_youth.sum(axis=0) == 1).all() and (same_youth.sum(axis=1) == 1).all()
    columns = [c for c in small.columns if c != "jongere"]
    pd.testing.assert_frame_equal(small[columns], large[columns])
    pd.testing.assert_frame_equal(small_counts.flows, large_counts.flows)
    pd.testing.assert_frame_equal(small_counts.breakdowns, large_counts.breakdowns)
    pd.testing.assert_frame_equal(small_counts.duur, large_counts.duur)


def test_record_ending_before_its_own_start_does_not_make_itself_herhaald() -> None:
    frame = prepared(record(datum_aanvang="20250310", datum_einde="20250305"))
    assert frame.at[0, "nieuw_herhaald"] == "nieuw"
