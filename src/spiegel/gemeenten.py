"""The responsible gemeente of a record (SPEC §6, woonplaatsbeginsel): from its gemeentecode (a merged gemeente's
code → its successor), else from the four digits of its postcode, else unknown. One rule for the counts and the
validation, on the gemeenten valid on a given day (the period's last day).

A gemeente is returned as a position in :func:`table` (−1: unknown), so that callers can count with ``bincount``;
:func:`resolve_with_source` also says where each came from.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spiegel import categories, codes, fastpath

#: Where a record's gemeente came from (:func:`resolve_with_source`).
SOURCES = ("gemeentecode", "opvolger", "postcode", "onbekend")
#: A postcode that may be used to find a gemeente (the format check JH-V08 of ``rules.yaml`` uses the same
#: pattern; a test holds them equal): one that fails it (``1234A``) is never cut to its four digits (SPEC §7).
POSTCODE_PATTERN = r"[1-9]\d{3} ?[A-Za-z]{2}|[1-9]\d{3}"
_POSTCODE = re.compile(POSTCODE_PATTERN)


def pc4_of(postcode: object) -> str | None:
    """The four digits of a well-formed postcode, else None."""
    return postcode[:4] if isinstance(postcode, str) and _POSTCODE.fullmatch(postcode) else None


@cache
def table(day: date) -> tuple[str, ...]:
    """The gemeente codes valid on ``day``, sorted: :func:`resolve` gives positions in this tuple."""
    return tuple(sorted(codes.valid_codes(day)))


@cache
def _lookup(day: date) -> tuple[pa.Array, np.ndarray, pa.Array, np.ndarray]:
    """(gemeente codes known on ``day`` incl. merged ones, their position in table; PC4s, same)."""
    position = {code: i for i, code in enumerate(table(day))}
    known = {code: position[g] for code, g in codes.code_to_gemeente(day).items() if g in position}
    pc4 = {p: position[g] for p, g in codes.pc4_map(day).items() if g in position}
    return (
        pa.array(list(known)), np.array(list(known.values()), dtype=np.int64),
        pa.array(list(pc4)), np.array(list(pc4.values()), dtype=np.int64),
    )


@cache
def _lookup_dicts(day: date) -> tuple[dict[str, int], dict[str, int]]:
    """:func:`_lookup` as dicts, for a few values."""
    code_set, code_pos, pc4_set, pc4_pos = _lookup(day)
    return (
        dict(zip(code_set.to_pylist(), code_pos.tolist(), strict=True)),
        dict(zip(pc4_set.to_pylist(), pc4_pos.tolist(), strict=True)),
    )


def _as_arrow(values: pd.Series | list) -> pa.Array:
    arr = pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == pa.string() else arr.cast(pa.string())


def _index_in(values: pd.Series | list | pa.Array, value_set: pa.Array, positions: np.ndarray) -> np.ndarray:
    found = pc.index_in(values if isinstance(values, pa.Array) else _as_arrow(values), value_set=value_set)
    index = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(index >= 0, positions[np.maximum(index, 0)], -1)


def _values(values: pd.Series | list) -> list:
    if isinstance(values, list):
        return values
    return values.to_numpy(dtype=object, na_value=None).tolist()


def _parts(
    gemeentecode: pd.Series | list, postcode: pd.Series | list, day: date, *, valid: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(position from the gemeentecode, position from the postcode, −1 where not found; with ``valid``, also whether
    the gemeentecode itself is valid on ``day``)."""
    n = len(gemeentecode)
    if fastpath.small(n):
        by_code, by_pc4 = _lookup_dicts(day)
        code_values = _values(gemeentecode)
        pc4_values = [pc4_of(p) for p in _values(postcode)]
        from_code = np.fromiter((by_code.get(c, -1) for c in code_values), dtype=np.int64, count=n)
        from_pc4 = np.fromiter((by_pc4.get(p, -1) for p in pc4_values), dtype=np.int64, count=n)
        still_valid = None
        if valid:
            members = _valid_set(day)
            still_valid = np.fromiter((c in members for c in code_values), dtype=bool, count=n)
        return from_code, from_pc4, still_valid
    if categories.is_category(gemeentecode) or categories.is_category(postcode):  # each distinct value once
        return _parts_per_category(gemeentecode, postcode, day, valid=valid)
    code_set, code_pos, pc4_set, pc4_pos = _lookup(day)
    codes_arrow = _as_arrow(gemeentecode)
    if isinstance(postcode, pd.Series):
        text = _as_arrow(postcode)
        well_formed = pc.fill_null(pc.match_substring_regex(text, f"^(?:{POSTCODE_PATTERN})$"), False)
        pc4 = pc.if_else(well_formed, pc.utf8_slice_codeunits(text, 0, 4), pa.scalar(None, pa.string()))
    else:
        pc4 = [pc4_of(p) for p in postcode]
    from_code = _index_in(codes_arrow, code_set, code_pos)
    from_pc4 = _index_in(pc4, pc4_set, pc4_pos)
    still_valid = None
    if valid:
        still_valid = pc.is_in(codes_arrow, value_set=_valid_array(day)).to_numpy(zero_copy_only=False).astype(bool)
    return from_code, from_pc4, still_valid


def _parts_per_category(
    gemeentecode: pd.Series, postcode: pd.Series, day: date, *, valid: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`_parts` of a large delivery whose columns are held as categories (:mod:`spiegel.categories`): each
    lookup is made on the distinct values only (:func:`spiegel.categories.per_value`; a missing value: not found)."""
    def by_code(distinct: pd.Series) -> np.ndarray:
        return _parts(distinct, _blank(len(distinct)), day)[0]

    def by_pc4(distinct: pd.Series) -> np.ndarray:
        return _parts(_blank(len(distinct)), distinct, day)[1]

    def still_valid(distinct: pd.Series) -> np.ndarray:
        return _parts(distinct, _blank(len(distinct)), day, valid=True)[2]

    spread = categories.per_value
    return (spread(gemeentecode, by_code).to_numpy(), spread(postcode, by_pc4).to_numpy(),
            spread(gemeentecode, still_valid).to_numpy() if valid else None)


def _blank(n: int) -> pd.Series:
    return pd.Series([""] * n, dtype=object)


def resolve(gemeentecode: pd.Series | list, postcode: pd.Series | list, day: date) -> np.ndarray:
    """Gemeente positions (see :func:`table`) from the code, else from the postcode's PC4; −1 unknown.

    ``gemeentecode`` and ``postcode`` are text (a Series, or the values as a list; missing values are empty or
    None)."""
    from_code, from_pc4, _ = _parts(gemeentecode, postcode, day)
    return np.where(from_code >= 0, from_code, from_pc4)


def resolve_with_source(
    gemeentecode: pd.Series | list, postcode: pd.Series | list, day: date
) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`resolve`, and per record where its gemeente came from: one of :data:`SOURCES`)."""
    from_code, from_pc4, still_valid = _parts(gemeentecode, postcode, day, valid=True)
    has_code, has_pc4 = from_code >= 0, from_pc4 >= 0
    merged = has_code & ~still_valid  # type: ignore[operator]
    bron = np.select([merged, has_code, has_pc4], ["opvolger", "gemeentecode", "postcode"], default="onbekend")
    return np.where(has_code, from_code, from_pc4), bron.astype(object)


@cache
def _valid_set(day: date) -> frozenset[str]:
    return frozenset(table(day))


@cache
def _valid_array(day: date) -> pa.Array:
    return pa.array(table(day))


def codes_of(positions: np.ndarray, day: date, unknown: str) -> np.ndarray:
    """Positions → gemeente codes (an object array), ``unknown`` for −1."""
    names = np.array([*table(day), unknown], dtype=object)
    return names[np.where(positions >= 0, positions, len(names) - 1)]
