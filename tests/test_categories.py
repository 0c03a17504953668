"""spiegel.categories: a large delivery's code columns held as categories give the values the text gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spiegel import arrowtext, categories, dates, fastpath
from spiegel.validate import context

STR = pd.StringDtype(storage="pyarrow", na_value=float("nan"))


def text(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype=STR)


def codes(n: int = 3_000) -> pd.Series:
    rng = np.random.default_rng(5)
    return text(rng.choice(["", "01", "02", "10", "1011 ab", "1011AB", "20250101", "x"], size=n).tolist())


def test_a_large_column_of_few_values_becomes_sorted_categories_with_the_same_values():
    values = codes()
    coded = categories.encode(values)
    assert categories.is_category(coded) and coded.cat.codes.dtype == np.int8
    assert list(coded.cat.categories) == sorted(set(values))
    assert coded.cat.categories.dtype == STR
    pd.testing.assert_series_equal(categories.text(coded), values)
    assert (coded == "01").to_numpy(bool).tolist() == (values == "01").to_numpy(bool).tolist()
    assert coded.sort_values(kind="stable").index.tolist() == values.sort_values(kind="stable").index.tolist()


def test_small_columns_and_columns_of_many_values_stay_text():
    assert not categories.is_category(categories.encode(codes(100)))
    many = text([f"{i:09d}" for i in range(5_000)])
    assert categories.encode(many) is many
    head_repeats = text(["1"] * 10_000 + [f"{i:09d}" for i in range(30_000)])  # the head says few, the whole not
    assert not categories.is_category(categories.encode(head_repeats))


def test_worth_and_code_dtype():
    assert categories.worth(50, 100) and not categories.worth(51, 100)
    assert categories.code_dtype(126) == np.int8
    assert categories.code_dtype(127) == np.int16
    assert categories.code_dtype(40_000) == np.int32


def test_empty_as_missing_of_categories_equals_the_text_replace():
    values = codes()
    got = categories.empty_as_missing(categories.encode(values))
    assert "" not in list(got.cat.categories)
    want = values.replace("", pd.NA)
    assert got.isna().tolist() == want.isna().tolist()
    def listed(values):
        return values.astype(object).where(values.notna(), None).tolist()

    assert listed(got) == listed(want)
    no_empty = categories.encode(text(["a", "b"] * 2_000))
    assert categories.empty_as_missing(no_empty) is no_empty


def test_recode_merges_categories_that_become_equal():
    values = codes()
    change = lambda v: v.str.replace(" ", "", regex=False).str.upper()  # noqa: E731
    got = categories.recode(categories.encode(values), change)
    assert categories.is_category(got)
    assert list(got.cat.categories) == sorted(set(change(values)))
    assert categories.text(got).tolist() == change(values).tolist()


def test_per_value_equals_the_derivation_on_every_row_missing_values_included():
    values = categories.empty_as_missing(categories.encode(codes()))
    plain = categories.text(values)
    with fastpath.threshold(0):
        got = categories.per_value(values, dates.parse).to_numpy()
        want = np.asarray(dates.parse(plain))
    np.testing.assert_array_equal(got, want)
    assert categories.per_value(plain, lambda v: v.isna()).tolist() == plain.isna().tolist()


@pytest.mark.parametrize("helper", [
    lambda v: context.fullmatch(v, r"\d{2}"),
    lambda v: context.equals(v, "01"),
    lambda v: context.endswith(v, "1"),
    lambda v: context.isin(v, context.pa.array(["01", "x"])),
    lambda v: context.per_distinct(v, len),
    lambda v: context.digits_to_int(v, context.fullmatch(v, r"\d{2}")),
    lambda v: np.asarray(categories.text(context.prefix(v, 2)).tolist(), dtype=object),
])
def test_the_text_helpers_of_the_rules_give_the_same_on_categories(helper):
    values = codes()
    with fastpath.threshold(0):
        np.testing.assert_array_equal(helper(categories.encode(values)), helper(values))


def test_arrow_reading_compact_gives_the_values_of_the_text_reading():
    rows = []
    for i in range(4_000):
        rows.append(f"{i:09d}; {'01' if i % 3 else ' 01'} ;{'' if i % 5 else 'M'};{i % 7}\n")
    data = "".join(rows).encode("utf-8")
    names = ["bsn", "verwijzer", "geslacht", "n"]
    plain = arrowtext.read_csv(data, 0, "utf-8", names, ";")
    compact = arrowtext.read_csv(data, 0, "utf-8", names, ";", compact=True)
    assert not categories.is_category(pd.Series(compact["bsn"]))
    for name in ("verwijzer", "geslacht", "n"):
        assert categories.is_category(pd.Series(compact[name])), name
    for name in names:
        got = categories.text(pd.Series(compact[name]))
        pd.testing.assert_series_equal(got, pd.Series(plain[name]), check_names=False)
    assert list(pd.Series(compact["verwijzer"]).cat.categories) == ["01"]  # " 01" and "01 " trimmed: one value


def test_gemeenten_are_resolved_per_category_as_per_row():
    from datetime import date

    from spiegel import gemeenten

    rng = np.random.default_rng(8)
    n = 3_000
    code = text(rng.choice(["0363", "0518", "9999", "", "0344", "0003"], n).tolist())
    raw_postcode = text(rng.choice(["1011AB", "3511AA", "", "9999ZZ", "xx", "2500AA"], n).tolist())
    postcode = arrowtext.empty_as_missing(raw_postcode)
    coded_postcode = categories.empty_as_missing(categories.encode(raw_postcode))
    day = date(2025, 6, 30)
    with fastpath.threshold(0):
        expected = gemeenten.resolve_with_source(code, postcode, day)
        for got in (gemeenten.resolve_with_source(categories.encode(code), postcode, day),
                    gemeenten.resolve_with_source(categories.encode(code), coded_postcode, day)):
            assert got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()
    assert len(set(expected[1])) == 4  # (all four sources occur)
