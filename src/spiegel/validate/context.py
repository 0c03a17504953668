"""What the logic checks look at: a delivery with its derived columns computed once, and the settings.

Generic parts only: the domain's facts class (``spiegel.domains.<name>.facts.Facts``) adds what its rules share
(dates as days, the person key, the record key), computed lazily and cached, so that a rule set of thirty rules
over 400,000 rows sorts and parses each column once. The text helpers take a Series, or for a small delivery the
values as a list (:mod:`spiegel.fastpath`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from functools import cache, cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spiegel import categories, codes, fastpath, gemeenten
from spiegel.periods import Period
from spiegel.read import ROW, Delivery, RecordSet


@dataclass(frozen=True)
class Settings:
    """Settings every rule set has; a domain's ``Settings`` adds the thresholds of its rules (the catalogue lists
    the defaults with their documentation)."""

    max_rows_shown: int = field(default=10, metadata={"doc": "Hoeveel rijnummers een bevinding toont"})

    def to_dict(self) -> dict[str, float | int]:
        out = asdict(self)
        out["max_rows_shown"] = out.pop("max_rows_shown")  # the domain's thresholds first
        return out

    @classmethod
    def descriptions(cls) -> dict[str, str]:
        out = {f.name: f.metadata["doc"] for f in fields(cls)}
        out["max_rows_shown"] = out.pop("max_rows_shown")
        return out


@cache
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.ASCII)


Text = pd.Series | list  # a raw text column: a Series, or for a small delivery its values as a list


def _values(values: Text) -> list:
    return values if isinstance(values, list) else values.tolist()


def _per_category(function: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """``function`` (values → one result a value) of a column held as categories computed on its categories only
    (:func:`spiegel.categories.per_value`)."""

    @functools.wraps(function)
    def wrapper(values: Text, *args: Any) -> np.ndarray:
        if categories.is_category(values):
            return categories.per_value(values, lambda distinct: function(distinct, *args)).to_numpy()
        return function(values, *args)

    return wrapper


@_per_category
def fullmatch(values: Text, pattern: str) -> np.ndarray:
    """Bool array: the whole value matches ``pattern`` (ASCII classes, as pyarrow's RE2)."""
    if fastpath.small(len(values)):
        rx = _regex(pattern)
        return np.fromiter((rx.fullmatch(v) is not None for v in _values(values)), dtype=bool, count=len(values))
    return _series(values).str.fullmatch(pattern).to_numpy(dtype=bool)


@_per_category
def per_distinct(values: Text, function: Callable[[str], object]) -> np.ndarray:
    """``function`` of every value, as an object array, called once per distinct value (a column of a large
    delivery holds each postcode many times; a Python object per row costs several times the column)."""
    if fastpath.small(len(values)):
        return np.array([function(v) for v in _values(values)] or [], dtype=object)
    codes_, uniques = pd.factorize(_series(values), use_na_sentinel=False)
    results = np.empty(len(uniques), dtype=object)
    results[:] = [function(v) for v in uniques.tolist()]
    return results[codes_]


@_per_category
def endswith(values: Text, suffix: str) -> np.ndarray:
    if fastpath.small(len(values)):
        return np.fromiter((v.endswith(suffix) for v in _values(values)), dtype=bool, count=len(values))
    return _series(values).str.endswith(suffix).to_numpy(dtype=bool)


@_per_category
def equals(values: Text, text: str) -> np.ndarray:
    """Bool array: the value is ``text``."""
    if fastpath.small(len(values)):
        return np.fromiter((v == text for v in _values(values)), dtype=bool, count=len(values))
    return (_series(values) == text).to_numpy(dtype=bool)


def prefix(values: Text, length: int) -> Text:
    """The first ``length`` characters of every value."""
    if fastpath.small(len(values)):
        return [v[:length] for v in _values(values)]
    return categories.recode(_series(values), lambda v: v.str.slice(0, length))


def digits_to_int(values: Text, mask: np.ndarray) -> np.ndarray:
    """int64 of the values where ``mask`` (all digits there), 0 elsewhere."""
    out = np.zeros(len(values), dtype=np.int64)
    if not mask.any():
        return out
    if categories.is_category(values):  # each category once (those of nine digits: the BSNs of a few youths)
        cats = pd.Series(values.cat.categories)
        of_cats = digits_to_int(cats, fullmatch(cats, r"\d{1,18}"))
        out[mask] = of_cats[values.cat.codes.to_numpy()[mask]]
        return out
    if fastpath.small(len(values)):
        out[mask] = [int(v) for v, m in zip(_values(values), mask, strict=True) if m]
    else:
        out[mask] = pc.cast(pc.filter(_as_arrow(values), pa.array(mask)), pa.int64()).to_numpy(zero_copy_only=False)
    return out


def _series(values: Text) -> pd.Series:
    return pd.Series(values, dtype="str") if isinstance(values, list) else values


def _as_arrow(values) -> pa.Array:
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


@_per_category
def isin(values: Text, allowed: pa.Array) -> np.ndarray:
    """``values.isin(allowed)`` as a bool array, fast for large ``allowed``: pandas' ``isin`` on Arrow strings
    turns every allowed value into a scalar one by one (10 ms per call for the 4,000 PC4s). A few values are
    looked up in a set of ``allowed`` (made once per array; the arrays here are cached per day)."""
    if fastpath.small(len(values)):
        members = _members(allowed)
        return np.fromiter((v in members for v in _values(values)), dtype=bool, count=len(values))
    arr = _as_arrow(values)
    value_set = _as_arrow(allowed)
    if value_set.type != arr.type:
        value_set = value_set.cast(arr.type)
    return pc.is_in(arr, value_set=value_set).to_numpy(zero_copy_only=False).astype(bool)


_MEMBERS: dict[int, tuple[pa.Array, frozenset]] = {}


def _members(allowed: pa.Array) -> frozenset:
    entry = _MEMBERS.get(id(allowed))
    if entry is None or entry[0] is not allowed:
        if len(_MEMBERS) >= 64:
            _MEMBERS.clear()
        entry = _MEMBERS[id(allowed)] = (allowed, frozenset(allowed.to_pylist()))
    return entry[1]


@cache
def valid_gemeenten(day: date) -> pa.Array:
    return pa.array(sorted(codes.valid_codes(day)))


@cache
def merged_gemeenten(day: date) -> pa.Array:
    return pa.array(sorted(codes.merged_code_map(day)))


@cache
def known_pc4(day: date) -> pa.Array:
    return pa.array(sorted(codes.pc4_map(day)))


def days(values: pd.Series) -> np.ndarray:
    # Straight to days: through nanoseconds, a date before 1677 (the reader keeps them) would wrap around
    return values.to_numpy().astype("datetime64[D]")


class Facts:
    """One record set of a delivery with the derived columns the logic checks share (positions 0..n-1).

    A domain subclasses it with what its rules need; this base knows the text, the row numbers, the period and
    the responsible gemeente."""

    def __init__(self, records: Delivery | RecordSet, period: Period, layout: Any = None) -> None:
        self.delivery = records
        self.period = period
        self.layout = layout if layout is not None else getattr(records, "layout", None)  # the delivery's Layout
        self.raw = records.raw
        self.frame = records.frame

    @cached_property
    def n(self) -> int:
        return len(self.frame)

    def text(self, column: str) -> Text:
        """A raw (delivered) text column: for a small delivery its values as a list, read from the frame once
        (a pandas comparison or string call on a few rows costs ~0.3 ms, a loop over the list a tenth)."""
        if not fastpath.small(self.n):
            return self.raw[column]
        cache = self.__dict__.setdefault("_text", {})
        if column not in cache:
            cache[column] = self.raw[column].tolist()
        return cache[column]

    @cached_property
    def rij(self) -> np.ndarray:
        return self.raw[ROW].to_numpy(dtype="int64")

    @cached_property
    def first_day(self) -> np.datetime64:
        return np.datetime64(self.period.first_day, "D")

    @cached_property
    def last_day(self) -> np.datetime64:
        return np.datetime64(self.period.last_day, "D")

    def gemeente(self, day: date, *, gemeentecode: str = "gemeentecode", postcode: str = "postcode") -> np.ndarray:
        """The responsible gemeente on ``day`` as an index into :func:`spiegel.gemeenten.table` (−1: unknown)."""
        cache = self.__dict__.setdefault("_gemeente", {})
        if day not in cache:
            cache[day] = gemeenten.resolve(self.text(gemeentecode), self.text(postcode), day)
        return cache[day]


@dataclass
class Context:
    """Everything a logic check may use: the delivery, the previous period's delivery (or None), settings.

    ``cur`` and ``prev`` are the facts of the layout's only record set (or of its first one); ``sets`` and
    ``prev_sets`` hold the facts of every record set by name (layouts of several sets). ``history`` holds the facts
    by set of every earlier delivery of the provider that was given (oldest first, the previous period's included):
    checks whose links cross deliveries (a Veilig Thuis onderzoek closed after its melding's period) look there."""

    cur: Any
    prev: Any | None
    settings: Any
    memo: dict = field(default_factory=dict)  # results shared by several checks (e.g. JH-C01 and JH-C02)
    sets: dict[str, Any] = field(default_factory=dict)
    prev_sets: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    peers: list[dict[str, Any]] = field(default_factory=list)  # other providers' deliveries (facts by set)
