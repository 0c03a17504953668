"""Protection of small numbers (SPEC §8)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from spiegel import domains, protect
from spiegel.domains.jeugdhulp.count import FLOW_COLUMNS, Counts, count, prepare
from spiegel.errors import ParameterError
from spiegel.formats import SECRET
from spiegel.periods import Period
from spiegel.protect import (
    POLICIES,
    describe_policy,
    difference,
    is_secret,
    policy,
    protect_counts,
    protect_series,
    protect_table,
    protect_values,
    share,
)
from spiegel.read import bsn_status


@pytest.mark.parametrize(
    ("exact", "shown"),
    [(0, "."), (1, "."), (5, "."), (7, "."), (8, 10), (9, 10), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20),
     (100, 100), (1234, 1235), (1232, 1230)],
)
def test_cbs_rounds_to_a_multiple_of_five_and_hides_zero_to_seven(exact: int, shown: object) -> None:
    assert protect_values([exact], "cbs") == [shown]


def test_cbs_never_shows_five_because_eight_is_the_smallest_count_shown() -> None:
    shown = protect_values(range(0, 13), "cbs")
    assert 5 not in shown
    assert min(v for v in shown if v != SECRET) == 10


def test_exact_policy_returns_the_counts_unchanged() -> None:
    assert protect_values([0, 3, 8, 1234], "exact") == [0, 3, 8, 1234]


def test_cbs_protects_the_total_from_exact_data_so_rows_need_not_add_up() -> None:
    table = pd.DataFrame({"categorie": ["a", "b", "totaal"], "trajecten": [8, 8, 16]})
    protected = protect_table(table, "cbs", ["trajecten"])
    assert protected["trajecten"].tolist() == [10, 10, 15]
    assert protected["categorie"].tolist() == ["a", "b", "totaal"]


def test_protect_table_leaves_the_input_frame_untouched() -> None:
    table = pd.DataFrame({"trajecten": [3, 30]})
    protect_table(table, "cbs", ["trajecten"])
    assert table["trajecten"].tolist() == [3, 30]


def test_protected_cells_are_int_or_the_secret_dot() -> None:
    protected = protect_series(pd.Series([2, 22], dtype="int64"), "cbs").tolist()
    assert protected == [".", 20]
    assert type(protected[1]) is int


def test_missing_counts_stay_missing() -> None:
    assert protect_values([None, 9], "cbs") == [None, 10]
    series = protect_series(pd.Series([pd.NA, 9], dtype="Int64"), "cbs")
    assert series.iloc[0] is None and series.iloc[1] == 10


def test_dependent_value_is_hidden_when_its_count_is_secret() -> None:
    table = pd.DataFrame({"trajecten": [4, 40], "gemiddelde": [12.5, 30.25]})
    protected = protect_table(table, "cbs", ["trajecten"], dependent={"gemiddelde": "trajecten"})
    assert protected["gemiddelde"].tolist() == [".", 30.25]
    assert protected["trajecten"].tolist() == [".", 40]


def test_share_of_protected_counts_is_secret_when_part_or_whole_is_secret() -> None:
    assert share(SECRET, 100) == SECRET
    assert share(10, SECRET) == SECRET
    assert share(10, 40) == 0.25
    assert math.isnan(share(0, 0))  # type: ignore[arg-type]


def test_share_is_computed_from_protected_counts() -> None:
    parts = protect_series(pd.Series([12, 3, 13]), "cbs")  # 10, ., 15
    whole = protect_series(pd.Series([28]), "cbs").iloc[0]  # 30
    assert share(parts, whole).tolist() == [pytest.approx(10 / 30), SECRET, 0.5]


def test_difference_of_protected_counts() -> None:
    assert difference(20, 15) == 5
    assert difference(SECRET, 15) == SECRET
    assert difference(20, None) is None
    result = difference(pd.Series([20, SECRET]), pd.Series([10, 10]))
    assert result.tolist() == [10, SECRET]


def test_is_secret_marks_the_dots() -> None:
    assert is_secret(pd.Series([SECRET, 10, None], dtype=object)).tolist() == [True, False, False]


def test_protecting_protected_counts_is_refused() -> None:
    with pytest.raises(ValueError, match="already protected"):
        protect_values([SECRET, 10], "cbs")


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        protect_series(pd.Series([-1, 3]), "cbs")


def test_unknown_policy_is_a_parameter_error_naming_the_choices() -> None:
    with pytest.raises(ParameterError, match="cbs, exact"):
        protect_values([1], "geheim")


def test_describe_policy_gives_a_dutch_sentence_for_the_front_page() -> None:
    assert "veelvoud van 5" in describe_policy("cbs")
    assert "0 tot en met 7" in describe_policy("cbs")
    assert "exact" in describe_policy("exact")


def test_adding_a_policy_is_adding_one_decorated_function() -> None:
    @policy("test_alles_geheim", "Alles is geheim.")
    def _all_secret(values: np.ndarray) -> np.ndarray:
        return np.full(len(values), SECRET, dtype=object)

    try:
        assert protect_values([1, 100], "test_alles_geheim") == [SECRET, SECRET]
        assert describe_policy("test_alles_geheim") == "Alles is geheim."
        with pytest.raises(ValueError, match="already registered"):
            policy("test_alles_geheim", "dubbel")(_all_secret)
    finally:
        del POLICIES["test_alles_geheim"]


def test_registry_holds_exact_and_cbs() -> None:
    assert {"exact", "cbs"} <= set(protect.POLICIES)


def _counts() -> Counts:
    rows = []
    for i in range(9):
        rows.append(
            {"rij": i + 2, "bsn": f"10000{i:04d}", "geboortedatum": pd.Timestamp("2014-05-05"), "geslacht": "V",
             "postcode": None, "gemeentecode": "0363", "verwijzer": "01", "hulpvorm": "02",
             "gestart_met_crisis": "02", "datum_aanvang": pd.Timestamp("2025-02-01"),
             "datum_einde": pd.Timestamp("2025-03-01") if i < 2 else pd.NaT,
             "reden_beeindiging": "01" if i < 2 else None}
        )
    period = Period.parse("2025H1")
    typed = pd.DataFrame(rows)
    special = domains.get("jeugdhulp").codes.status_of("bsn_bijzonder")
    typed.insert(typed.columns.get_loc("bsn") + 1, "bsn_status", bsn_status(typed["bsn"], special))
    frame = prepare(typed, period)
    return count(frame, period, previous=frame)


def test_protect_counts_protects_every_table_and_keeps_shapes() -> None:
    exact = _counts()
    protected = protect_counts(exact, "cbs")
    assert protected.protection == "cbs"
    assert protected.flows.shape == exact.flows.shape
    total = protected.flows.iloc[0]
    assert total["trajecten_totaal"] == 10  # 9 exact
    assert total["trajecten_uitstroom"] == SECRET  # 2 exact
    assert set(protected.flows[list(FLOW_COLUMNS)].to_numpy().ravel().tolist()) <= {SECRET, 10}
    duur = protected.duur.iloc[0]
    assert (duur["trajecten"], duur["gemiddelde"], duur["mediaan"]) == (SECRET, SECRET, SECRET)
    summary = protected.summary.set_index("kengetal")
    assert summary.at["gemeenten", "waarde"] == 1  # not a count of youths: stays exact
    assert summary.at["trajecten_totaal", "waarde"] == 10
    assert summary.at["trajecten_totaal", "verschil"] == 0
    assert summary.at["trajecten_uitstroom", "verschil"] == SECRET


def test_protect_counts_with_exact_policy_keeps_values() -> None:
    exact = _counts()
    same = protect_counts(exact, "exact")
    assert same.flows["trajecten_totaal"].tolist() == exact.flows["trajecten_totaal"].tolist()
    assert same.protection == "exact"


def test_protect_table_keeps_column_order_when_counts_are_not_the_last_columns() -> None:
    table = pd.DataFrame({"trajecten": [3, 30], "label": ["a", "b"], "jongeren": [9, 2]})
    protected = protect_table(table, "cbs", ["jongeren", "trajecten"])
    assert list(protected.columns) == ["trajecten", "label", "jongeren"]
    assert protected["trajecten"].tolist() == [SECRET, 30]
    assert protected["jongeren"].tolist() == [10, SECRET]
    assert protected["label"].tolist() == ["a", "b"]
