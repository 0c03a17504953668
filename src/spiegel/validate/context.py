"""What the logic checks look at: a delivery with its derived columns computed once, and the settings.

Derived columns (dates as days, the person key, the gemeente) are computed lazily and cached, so that a rule
set of thirty rules over 400,000 rows sorts and parses each column once.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from functools import cache, cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spiegel import codes
from spiegel.periods import Period
from spiegel.read import ROW, Delivery


@dataclass(frozen=True)
class Settings:
    """Thresholds of the completeness rules; the catalogue lists the defaults with their documentation."""

    jump_threshold: float = field(
        default=0.5, metadata={"doc": "JH-C03: het aantal records van een gemeente veranderde meer dan deze fractie"}
    )
    jump_min_trajectories: int = field(
        default=20, metadata={"doc": "JH-C03: alleen gemeenten met minstens zoveel records in een van beide perioden"}
    )
    unknown_share_threshold: float = field(
        default=0.10, metadata={"doc": "JH-C04: een kolom met een groter aandeel onbekende waarden dan deze fractie"}
    )
    unknown_min_rows: int = field(
        default=20, metadata={"doc": "JH-C04: alleen leveringen met minstens zoveel records"}
    )
    max_rows_shown: int = field(default=10, metadata={"doc": "Hoeveel rijnummers een bevinding toont"})

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @classmethod
    def descriptions(cls) -> dict[str, str]:
        return {f.name: f.metadata["doc"] for f in fields(cls)}


@cache
def special_bsn() -> tuple[str, str]:
    """(unknown, unborn) BSN values from the code list ``bsn_bijzonder`` (SPEC §3)."""
    by_label = {c.label: c.code for c in codes.code_list("bsn_bijzonder").codes}
    return by_label["Onbekend"], by_label["Ongeboren kind"]


@cache
def unknown_sex() -> str:
    return next(c.code for c in codes.code_list("geslacht").codes if c.label == "Onbekend")


SMALL = 2_000  # rows; below this, text tests run as Python loops (a pandas string call costs ~1 ms)


def small(n: int) -> bool:
    """Whether ``n`` values take the Python paths (read at call time, so tests can move the threshold)."""
    return n < SMALL


@cache
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.ASCII)


Text = pd.Series | list  # a raw text column: a Series, or for a small delivery its values as a list


def _values(values: Text) -> list:
    return values if isinstance(values, list) else values.tolist()


def fullmatch(values: Text, pattern: str) -> np.ndarray:
    """Bool array: the whole value matches ``pattern`` (ASCII classes, as pyarrow's RE2)."""
    if len(values) < SMALL:
        rx = _regex(pattern)
        return np.fromiter((rx.fullmatch(v) is not None for v in _values(values)), dtype=bool, count=len(values))
    return _series(values).str.fullmatch(pattern).to_numpy(dtype=bool)


def endswith(values: Text, suffix: str) -> np.ndarray:
    if len(values) < SMALL:
        return np.fromiter((v.endswith(suffix) for v in _values(values)), dtype=bool, count=len(values))
    return _series(values).str.endswith(suffix).to_numpy(dtype=bool)


def equals(values: Text, text: str) -> np.ndarray:
    """Bool array: the value is ``text``."""
    if len(values) < SMALL:
        return np.fromiter((v == text for v in _values(values)), dtype=bool, count=len(values))
    return (_series(values) == text).to_numpy(dtype=bool)


def prefix(values: Text, length: int) -> Text:
    """The first ``length`` characters of every value."""
    if len(values) < SMALL:
        return [v[:length] for v in _values(values)]
    return _series(values).str.slice(0, length)


def digits_to_int(values: Text, mask: np.ndarray) -> np.ndarray:
    """int64 of the values where ``mask`` (all digits there), 0 elsewhere."""
    out = np.zeros(len(values), dtype=np.int64)
    if not mask.any():
        return out
    if len(values) < SMALL:
        out[mask] = [int(v) for v, m in zip(_values(values), mask, strict=True) if m]
    else:
        out[mask] = pc.cast(pc.filter(_as_arrow(values), pa.array(mask)), pa.int64()).to_numpy(zero_copy_only=False)
    return out


def _series(values: Text) -> pd.Series:
    return pd.Series(values, dtype="str") if isinstance(values, list) else values


def _as_arrow(values) -> pa.Array:
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def isin(values: Text, allowed: pa.Array) -> np.ndarray:
    """``values.isin(allowed)`` as a bool array, fast for large ``allowed``: pandas' ``isin`` on Arrow strings
    turns every allowed value into a scalar one by one (10 ms per call for the 4,000 PC4s). A few values are
    looked up in a set of ``allowed`` (made once per array; the arrays here are cached per day)."""
    if len(values) < SMALL:
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


def _days(values: pd.Series) -> np.ndarray:
    # Straight to days: through nanoseconds, a date before 1677 (the reader keeps them) would wrap around
    return values.to_numpy().astype("datetime64[D]")


class Facts:
    """One delivery with the derived columns the logic checks share (positions 0..n-1)."""

    def __init__(self, delivery: Delivery, period: Period) -> None:
        self.delivery = delivery
        self.period = period
        self.raw = delivery.raw
        self.frame = delivery.frame

    @cached_property
    def n(self) -> int:
        return len(self.frame)

    def text(self, column: str) -> Text:
        """A raw (delivered) text column: for a small delivery its values as a list, read from the frame once
        (a pandas comparison or string call on a few rows costs ~0.3 ms, a loop over the list a tenth)."""
        if self.n >= SMALL:
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

    @cached_property
    def aanvang(self) -> np.ndarray:
        return _days(self.frame["datum_aanvang"])

    @cached_property
    def einde(self) -> np.ndarray:
        return _days(self.frame["datum_einde"])

    @cached_property
    def einde_leeg(self) -> np.ndarray:
        return equals(self.text("datum_einde"), "")

    @cached_property
    def geboorte(self) -> np.ndarray:
        """Birth date with an unknown day read as the 15th and unknown day and month as 1 July (the reader's
        imputation, SPEC §6 age)."""
        return _days(self.frame["geboortedatum"])

    @cached_property
    def geboorte_vroegst(self) -> np.ndarray:
        """Earliest possible birth date: an unknown day is the 1st, unknown day and month 1 January."""
        return self._birth(day_unknown="first")

    @cached_property
    def geboorte_laatst(self) -> np.ndarray:
        """Latest possible birth date: an unknown day is the month's last day, unknown day and month 31 December."""
        return self._birth(day_unknown="last")

    def _birth(self, *, day_unknown: str) -> np.ndarray:
        """From the reader's imputed birth date (15th; 1 July) back to the first or last possible day."""
        raw = self.text("geboortedatum")
        year_only = endswith(raw, "0000")
        month_only = endswith(raw, "00") & ~year_only
        days = self.geboorte
        if day_unknown == "first":
            by_month = days.astype("datetime64[M]").astype("datetime64[D]")
            by_year = days.astype("datetime64[Y]").astype("datetime64[D]")
        else:
            by_month = (days.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
            by_year = (days.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
        return np.where(year_only, by_year, np.where(month_only, by_month, days))

    @cached_property
    def bsn(self) -> Text:
        return self.text("bsn")

    @cached_property
    def bsn_onbekend(self) -> np.ndarray:
        return equals(self.bsn, special_bsn()[0])

    @cached_property
    def bsn_ongeboren(self) -> np.ndarray:
        return equals(self.bsn, special_bsn()[1])

    @cached_property
    def bsn_number(self) -> np.ndarray:
        """The BSN as a number where it is 9 digits, else −1."""
        nine = fullmatch(self.bsn, r"\d{9}")
        return np.where(nine, digits_to_int(self.bsn, nine), -1)

    @cached_property
    def person_id(self) -> np.ndarray:
        """Who the youth is (SPEC §3.4), as an int64 comparable across deliveries: the BSN, or when it is
        unknown (a special value, empty or malformed) a hash of sex, birth date and postcode (or of the
        malformed BSN itself). Hashes lie above 2**62, BSNs below 2**30, so the two never meet."""
        real = (self.bsn_number >= 0) & ~self.bsn_onbekend & ~self.bsn_ongeboren
        out = self.bsn_number.copy()
        fallback = ~real
        if not fallback.any():
            return out
        positions = np.flatnonzero(fallback).tolist()
        if self.n < SMALL and all(self.text("postcode")[i].isascii() for i in positions):
            # In Python; a non-ASCII postcode takes the pandas path, whose upper() may follow Arrow's rules
            bsn, sex, birth, postcode = (self.text(c) for c in ("bsn", "geslacht", "geboortedatum", "postcode"))
            special = self.bsn_onbekend | self.bsn_ongeboren | equals(bsn, "")
            texts = [
                f"p{sex[i]}|{birth[i]}|{postcode[i].upper()}" if special[i] else "x" + bsn[i] for i in positions
            ]
            out[fallback] = _hash(np.array(texts, dtype=object))
        else:
            raw = self.raw.loc[fallback]
            special = self.bsn_onbekend[fallback] | self.bsn_ongeboren[fallback] | (raw["bsn"] == "").to_numpy()
            person = "p" + raw["geslacht"] + "|" + raw["geboortedatum"] + "|" + raw["postcode"].str.upper()
            text = person.where(special, "x" + raw["bsn"])
            out[fallback] = _hash(text.to_numpy(dtype=object))
        return out

    @cached_property
    def aanvang_part(self) -> np.ndarray:
        """datum_aanvang for the record key: days since 1800 for a real date, else a hash of the text."""
        days = self.aanvang
        out = np.zeros(self.n, dtype=np.int64)
        valid = ~np.isnat(days)
        out[valid] = (days[valid] - np.datetime64("1800-01-01", "D")).astype(np.int64)
        if (~valid).any():
            out[~valid] = _hash(np.asarray(self.text("datum_aanvang"), dtype=object)[~valid])
        return out

    @cached_property
    def hulpvorm_part(self) -> np.ndarray:
        """hulpvorm for the record key: the code as a number when it is 1–3 digits, else a hash of the text."""
        text = self.text("hulpvorm")
        digits = fullmatch(text, r"\d{1,3}")
        out = digits_to_int(text, digits)
        if (~digits).any():
            out[~digits] = _hash(np.asarray(text, dtype=object)[~digits])
        return out

    @cached_property
    def record_key(self) -> np.ndarray:
        """The record key person + datum_aanvang + hulpvorm (SPEC §3.4) as int64, comparable across deliveries.
        Exact (bit fields) for ordinary rows; a hash of the three parts otherwise."""
        return _combine(self.person_id, self.aanvang_part, self.hulpvorm_part)

    @cached_property
    def youth_hulpvorm(self) -> np.ndarray:
        """Person + hulpvorm as int64 (the group in which records may not overlap)."""
        return _combine(self.person_id, np.zeros(self.n, dtype=np.int64), self.hulpvorm_part)

    @cached_property
    def running_at_end(self) -> np.ndarray:
        """Running on the period's last day (SPEC §6 eindstand): started by then, not ended by then."""
        started = self.aanvang <= self.last_day
        not_ended = self.einde_leeg | (self.einde > self.last_day)
        return started & not_ended

    def gemeente(self, day: date) -> np.ndarray:
        """The responsible gemeente on ``day`` as an index into :func:`gemeente_table` (−1: unknown): the
        gemeentecode (a merged code mapped to its successor), else the gemeente of the postcode."""
        cache = self.__dict__.setdefault("_gemeente", {})
        if day not in cache:
            cache[day] = resolve_gemeente(self.text("gemeentecode"), self.text("postcode"), day)
        return cache[day]


@cache
def gemeente_table(day: date) -> tuple[str, ...]:
    """The gemeente codes valid on ``day``, sorted: :meth:`Facts.gemeente` gives positions in this tuple."""
    return tuple(sorted(codes.valid_codes(day)))


@cache
def _lookup(day: date) -> tuple[pa.Array, np.ndarray, pa.Array, np.ndarray]:
    """(gemeente codes known on ``day`` incl. merged ones, their position in gemeente_table; PC4s, same)."""
    table = {code: i for i, code in enumerate(gemeente_table(day))}
    known = {code: table[g] for code, g in codes.code_to_gemeente(day).items() if g in table}
    pc4 = {p: table[g] for p, g in codes.pc4_map(day).items() if g in table}
    return (
        pa.array(list(known)), np.array(list(known.values()), dtype=np.int64),
        pa.array(list(pc4)), np.array(list(pc4.values()), dtype=np.int64),
    )


def resolve_gemeente(gemeentecode: Text, postcode: Text, day: date) -> np.ndarray:
    """Gemeente positions (see :func:`gemeente_table`) from the code, else from the postcode's PC4; −1 unknown."""
    if len(gemeentecode) < SMALL:
        by_code, by_pc4 = _lookup_dicts(day)
        return np.fromiter(
            (by_code.get(c, by_pc4.get(p[:4], -1)) for c, p in zip(_values(gemeentecode), _values(postcode),
                                                                  strict=True)),
            dtype=np.int64,
            count=len(gemeentecode),
        )
    code_set, code_pos, pc4_set, pc4_pos = _lookup(day)
    by_code = _index_in(gemeentecode, code_set, code_pos)
    by_pc4 = _index_in(postcode.str.slice(0, 4), pc4_set, pc4_pos)
    return np.where(by_code >= 0, by_code, by_pc4)


@cache
def _lookup_dicts(day: date) -> tuple[dict[str, int], dict[str, int]]:
    """:func:`_lookup` as dicts, for a few values."""
    code_set, code_pos, pc4_set, pc4_pos = _lookup(day)
    return (
        dict(zip(code_set.to_pylist(), code_pos.tolist(), strict=True)),
        dict(zip(pc4_set.to_pylist(), pc4_pos.tolist(), strict=True)),
    )


def _index_in(values: pd.Series, value_set: pa.Array, positions: np.ndarray) -> np.ndarray:
    found = pc.index_in(_as_arrow(values).cast(value_set.type), value_set=value_set)
    index = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(index >= 0, positions[np.maximum(index, 0)], -1)


_HASHED = np.int64(1) << np.int64(62)


def _hash(values: np.ndarray) -> np.ndarray:
    """int64 hashes in [2**62, 2**63) of text values (object array)."""
    h = pd.util.hash_array(np.asarray(values, dtype=object))
    return (h >> np.uint64(2)).astype(np.int64) | _HASHED


def _combine(person: np.ndarray, aanvang: np.ndarray, hulpvorm: np.ndarray) -> np.ndarray:
    """Bit fields person (30 bits) | aanvang (17) | hulpvorm (10) when all fit, else a hash of the three."""
    exact = (person < (1 << 30)) & (aanvang < (1 << 17)) & (hulpvorm < (1 << 10))
    out = (person << 27) | (aanvang << 10) | hulpvorm
    if not exact.all():
        parts = pd.DataFrame({"p": person[~exact], "a": aanvang[~exact], "h": hulpvorm[~exact]})
        h = pd.util.hash_pandas_object(parts, index=False).to_numpy()
        out[~exact] = (h >> np.uint64(2)).astype(np.int64) | _HASHED
    return out


@dataclass
class Context:
    """Everything a logic check may use: the delivery, the previous period's delivery (or None), settings."""

    cur: Facts
    prev: Facts | None
    settings: Settings
    memo: dict = field(default_factory=dict)  # results shared by several checks (e.g. JH-C01 and JH-C02)
