"""The memory trick for the code columns of a large delivery: each held as a pandas ``Categorical``.

pandas keeps text (dtype ``str``) as Arrow *large* strings: 8 bytes of offset for every cell, next to its
characters. A delivery's cells are short codes (``01``, ``M``, a date), so the offsets alone take about twice the
file's size (issue 25, docs/benchmarks.md "Memory of reading a delivery"). A code column has few distinct values; as
a ``Categorical`` it is one small integer a cell (1 byte for fewer than 128 distinct values, 2 for fewer than 32,768)
and its distinct texts once. The raw frame (text as delivered, ``""`` where empty) and the typed frame (the same
text with a missing value where empty) then share the categories and differ in their codes only.

:func:`encode` makes a column of a large record set (not :func:`spiegel.fastpath.small`) a ``Categorical`` when it
has at most half as many distinct values as rows (so a column of BSNs stays text); its categories are sorted, so
that sorting, comparing and grouping give what they give on the text. A category column holds the same values as
the text column; code that needs the text per row takes it with :func:`text`, and derived columns are computed once
per distinct value with :func:`per_value` (a date is parsed once, not once a row). tests/test_categories.py holds
every function equal to its plain counterpart, and tests/test_report_outputs.py the whole report equal for both
storages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from spiegel import fastpath

#: A column is held as categories when it has at most this share of distinct values (of its rows).
MAX_DISTINCT_SHARE = 0.5
#: The share is first judged on this many rows at the start of the column.
SAMPLE_ROWS = 10_000


_TEXT = pd.StringDtype(na_value=float("nan"))  # (pandas' text dtype: Arrow storage where pyarrow is installed)


def is_category(values: Any) -> bool:
    """Whether ``values`` (a Series or an array) is a pandas ``Categorical``."""
    return isinstance(getattr(values, "dtype", None), pd.CategoricalDtype)


def encode(values: pd.Series) -> pd.Series:
    """``values`` (text, no missing values) as a ``Categorical`` with sorted categories of the same dtype, if the
    column is large and has few distinct values; otherwise ``values`` itself."""
    if fastpath.small(len(values)) or is_category(values) or not isinstance(values.dtype, pd.StringDtype):
        return values
    head = values.iloc[:SAMPLE_ROWS]
    if not worth(head.nunique(), len(head)):  # (a column of BSNs is not factorized, only its head)
        return values
    codes, uniques = pd.factorize(values, sort=True)
    if not worth(len(uniques), len(values)) or (codes < 0).any():
        return values
    array = from_codes(codes.astype(code_dtype(len(uniques))), pd.Index(uniques, dtype=values.dtype))
    return pd.Series(array, index=values.index, name=values.name, copy=False)


def worth(distinct: int, rows: int) -> bool:
    """Whether a column of ``rows`` values of which ``distinct`` differ is held as categories."""
    return distinct <= MAX_DISTINCT_SHARE * rows


def code_dtype(distinct: int) -> np.dtype:
    """The narrowest integer type pandas keeps the codes of ``distinct`` categories in."""
    for kind in (np.int8, np.int16, np.int32):
        if distinct < np.iinfo(kind).max:
            return np.dtype(kind)
    return np.dtype(np.int64)


def of_labels(labels: np.ndarray) -> pd.Categorical:
    """An object array of a few labels (a status per row, none missing) as a ``Categorical`` of sorted text
    categories (the dtype pandas gives text)."""
    codes, uniques = pd.factorize(labels, sort=True)
    return from_codes(codes.astype(code_dtype(len(uniques))), pd.Index(list(uniques), dtype=_TEXT))


def from_codes(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    """The ``Categorical`` of ``codes`` (``-1``: missing) into sorted, distinct ``categories``."""
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def text(values: pd.Series) -> pd.Series:
    """``values`` as a text column (dtype of the categories) where it is a ``Categorical``; otherwise itself."""
    if not is_category(values):
        return values
    return values.astype(values.cat.categories.dtype)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column held as categories given as text (:func:`text`); the others as they are."""
    if not any(is_category(frame[c]) for c in frame.columns):
        return frame
    return pd.DataFrame({c: text(frame[c]) for c in frame.columns}, index=frame.index)


def per_value(values: pd.Series, derive: Callable[[pd.Series], Any]) -> pd.Series:
    """``derive(values)`` (a Series or array of the same length, same index) computed on the distinct values of a
    ``Categorical`` only, and spread over its rows (a missing value gives ``derive``'s value of a missing value);
    for any other column ``derive(values)`` itself, as a Series."""
    if not is_category(values):
        out = derive(values)
        return out if isinstance(out, pd.Series) else pd.Series(out, index=values.index)
    categories = values.cat.categories
    codes = values.cat.codes.to_numpy()
    distinct = pd.Series(categories, dtype=categories.dtype)
    if (codes < 0).any():  # the missing value as one more distinct value, last
        distinct = pd.concat([distinct, pd.Series([pd.NA], dtype=categories.dtype)], ignore_index=True)
        codes = np.where(codes < 0, len(categories), codes)
    derived = derive(distinct)
    derived = derived.array if isinstance(derived, pd.Series) else derived
    return pd.Series(derived.take(codes) if hasattr(derived, "take") else np.asarray(derived)[codes],
                     index=values.index, name=values.name)


def recode(values: pd.Series, change: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``change(values)`` (text → text, same length) of a ``Categorical``, computed on its categories and returned
    as a ``Categorical`` again (categories that become equal are merged); for any other column ``change(values)``."""
    if not is_category(values):
        return change(values)
    categories = values.cat.categories
    changed = change(pd.Series(categories, dtype=categories.dtype))
    mapping, uniques = pd.factorize(changed, sort=True)
    codes = values.cat.codes.to_numpy()
    new_codes = np.where(codes < 0, -1, mapping[codes])
    array = from_codes(new_codes.astype(code_dtype(len(uniques))), pd.Index(uniques, dtype=categories.dtype))
    return pd.Series(array, index=values.index, name=values.name, copy=False)


def empty_as_missing(values: pd.Series) -> pd.Series:
    """``values.replace("", pd.NA)`` of a ``Categorical``: the category ``""`` dropped, its rows missing (no text is
    copied; only the codes are new)."""
    categories = values.cat.categories
    where = categories.get_indexer([""])[0]
    if where < 0:
        return values
    codes = values.cat.codes.to_numpy()
    new_codes = np.where(codes == where, -1, codes - (codes > where)).astype(codes.dtype)
    return pd.Series(from_codes(new_codes, categories.delete(where)), index=values.index, name=values.name, copy=False)
