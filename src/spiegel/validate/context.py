"""What the logic checks look at: a delivery with its derived columns computed once, and the settings.

Derived columns (dates as days, the person key, the gemeente) are computed lazily and cached, so that a rule
set of thirty rules over 400,000 rows sorts and parses each column once.
"""

from __future__ import annotations

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


def _as_arrow(values) -> pa.Array:
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def isin(values: pd.Series, allowed) -> np.ndarray:
    """``values.isin(allowed)`` as a bool array, fast for large ``allowed``: pandas' ``isin`` on Arrow strings
    turns every allowed value into a scalar one by one (10 ms per call for the 4,000 PC4s)."""
    arr = _as_arrow(values)
    value_set = _as_arrow(allowed)
    if value_set.type != arr.type:
        value_set = value_set.cast(arr.type)
    return pc.is_in(arr, value_set=value_set).to_numpy(zero_copy_only=False).astype(bool)


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
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


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
        return (self.raw["datum_einde"] == "").to_numpy()

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
        raw = self.raw["geboortedatum"]
        codes_, uniques = pd.factorize(raw)
        u = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
        year_only = u.str.fullmatch(r"\d{4}0000").to_numpy()
        month_only = u.str.fullmatch(r"\d{6}00").to_numpy() & ~year_only
        first = u.where(~year_only, u.str.slice(0, 4) + "0101")
        first = first.where(~month_only, u.str.slice(0, 6) + "01")
        parsed = pd.to_datetime(first.where(first.str.fullmatch(r"\d{8}")), format="%Y%m%d", errors="coerce")
        days = parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        if day_unknown == "last":
            months = days.astype("datetime64[M]")
            days = np.where(month_only, (months + 1).astype("datetime64[D]") - 1, days)
            days = np.where(year_only, (days.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1, days)
        out = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[D]")
        filled = codes_ >= 0
        out[filled] = days[codes_[filled]]
        return out

    @cached_property
    def bsn(self) -> pd.Series:
        return self.raw["bsn"]

    @cached_property
    def bsn_onbekend(self) -> np.ndarray:
        return (self.bsn == special_bsn()[0]).to_numpy()

    @cached_property
    def bsn_ongeboren(self) -> np.ndarray:
        return (self.bsn == special_bsn()[1]).to_numpy()

    @cached_property
    def person_key(self) -> pd.Series:
        """Who the youth is (SPEC §3.4): the BSN, or when it is unknown (special value or empty) sex, birth
        date and postcode. The two kinds of key cannot collide (prefixes)."""
        raw = self.raw
        fallback = self.bsn_onbekend | self.bsn_ongeboren | (self.bsn == "").to_numpy()
        key = "b" + self.bsn
        if fallback.any():
            sub = raw.loc[fallback]
            key = key.copy()
            key[fallback] = "p" + sub["geslacht"] + "|" + sub["geboortedatum"] + "|" + sub["postcode"].str.upper()
        return key

    @cached_property
    def person_codes(self) -> np.ndarray:
        return pd.factorize(self.person_key)[0].astype("int64")

    @cached_property
    def hulpvorm_codes(self) -> np.ndarray:
        return pd.factorize(self.raw["hulpvorm"])[0].astype("int64")

    @cached_property
    def aanvang_codes(self) -> np.ndarray:
        return pd.factorize(self.raw["datum_aanvang"])[0].astype("int64")

    @cached_property
    def record_key(self) -> np.ndarray:
        """Integer form of the record key person + datum_aanvang (as delivered) + hulpvorm."""
        n_h = int(self.hulpvorm_codes.max(initial=0)) + 1
        n_a = int(self.aanvang_codes.max(initial=0)) + 1
        return (self.person_codes * n_h + self.hulpvorm_codes) * n_a + self.aanvang_codes

    @cached_property
    def key_text(self) -> pd.Series:
        """The record key as text (person | datum_aanvang | hulpvorm), comparable across deliveries."""
        return self.person_key + "|" + self.raw["datum_aanvang"] + "|" + self.raw["hulpvorm"]

    @cached_property
    def running_at_end(self) -> np.ndarray:
        """Running on the period's last day (SPEC §6 eindstand): started by then, not ended by then."""
        started = self.aanvang <= self.last_day
        not_ended = self.einde_leeg | (self.einde > self.last_day)
        return started & not_ended

    def gemeente(self, day: date) -> pd.Series:
        """The responsible gemeente on ``day``: the gemeentecode (a merged code mapped to its successor), else
        the gemeente of the postcode; NA when neither tells."""
        return resolve_gemeente(self.raw["gemeentecode"], self.raw["postcode"], day)


def resolve_gemeente(gemeentecode: pd.Series, postcode: pd.Series, day: date) -> pd.Series:
    merged = codes.merged_code_map(day)
    gc = gemeentecode.replace("", None)
    direct = gc.where(isin(gemeentecode, valid_gemeenten(day)))
    via_merge = gc.map(merged)
    pc4 = postcode.str.slice(0, 4).map(codes.pc4_map(day))
    return direct.fillna(via_merge).fillna(pc4).astype("str")


@dataclass
class Context:
    """Everything a logic check may use: the delivery, the previous period's delivery (or None), settings."""

    cur: Facts
    prev: Facts | None
    settings: Settings
    memo: dict = field(default_factory=dict)  # results shared by several checks (e.g. JH-C01 and JH-C02)
