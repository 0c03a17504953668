"""What the rules and counts of a GI delivery share (SPEC §4.4–§4.6): the thresholds of the rules and, per record
set, the derived columns computed once — start ``s`` and end ``t`` at this GI, the person and record keys, the
birth date bounds, the gemeente.

The three record sets name a few items differently (``type_machtiging`` in ``muhp`` for ``type_maatregel``, the
machtiging dates); :data:`COLUMNS` maps the generic names, so every rule and count is written once. Everything is
keyed by position (0..n-1 per set); identifiers never leave here (keys are int64 hashes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from spiegel import arrowtext, dates, youth
from spiegel.validate.context import Facts as BaseFacts
from spiegel.validate.context import Settings as BaseSettings
from spiegel.validate.context import days, equals

#: Generic item → column per record set (the other sets use the generic name).
COLUMNS: dict[str, dict[str, str]] = {
    "muhp": {"type_maatregel": "type_machtiging", "datum_aanvang": "datum_aanvang_machtiging",
             "datum_einde": "datum_einde_machtiging"},
}
#: The record-set prefix of rule codes (SPEC §4.6).
PREFIX = {"jb": "JB", "muhp": "MU", "jr": "JR"}
ADULT_AGE = 18


def column(set_name: str, generic: str) -> str:
    """The column of ``set_name`` that holds the generic item ``generic``."""
    return COLUMNS.get(set_name, {}).get(generic, generic)


@dataclass(frozen=True)
class Settings(BaseSettings):
    """Thresholds of the completeness rules; the catalogue lists the defaults with their documentation."""

    jump_threshold: float = field(
        default=0.5, metadata={"doc": "*-C04: de eindstand van een type of gemeente veranderde meer dan deze fractie"}
    )
    jump_min_records: int = field(
        default=20, metadata={"doc": "*-C04: alleen typen en gemeenten met minstens zoveel lopende maatregelen in "
                                     "een van beide perioden"}
    )
    unknown_share_threshold: float = field(
        default=0.10, metadata={"doc": "*-C05: een kolom met een groter aandeel onbekende waarden dan deze fractie"}
    )
    unknown_min_records: int = field(
        default=20, metadata={"doc": "*-C05: alleen gegevenssets met minstens zoveel records"}
    )


_HASHED = np.int64(1) << np.int64(62)


def hash_columns(*parts: np.ndarray) -> np.ndarray:
    """One int64 per row from int64 parts (deterministic across processes: pandas' hash of the values)."""
    n = len(parts[0]) if parts else 0
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame({str(i): np.asarray(p, dtype=np.int64) for i, p in enumerate(parts)})
    h = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return (h >> np.uint64(2)).astype(np.int64) | _HASHED


def day_number(values: np.ndarray) -> np.ndarray:
    """datetime64[D] → int64 days since 1970 (NaT → a fixed sentinel that matches no real day)."""
    out = values.astype("datetime64[D]").astype(np.int64)
    out[np.isnat(values)] = np.iinfo(np.int64).min + 1
    return out


class Facts(BaseFacts):
    """One record set of a GI delivery (``jb``, ``muhp`` or ``jr``) with the derived columns its rules share."""

    @cached_property
    def set_name(self) -> str:
        return getattr(self.delivery, "naam", None) or self.layout.sets[0].naam

    @cached_property
    def prefix(self) -> str:
        return PREFIX[self.set_name]

    def col(self, generic: str) -> str:
        return column(self.set_name, generic)

    def has(self, generic: str) -> bool:
        return self.col(generic) in self.raw.columns

    def item(self, generic: str) -> Any:
        """The delivered text of a generic item (see :meth:`text`)."""
        return self.text(self.col(generic))

    def empty(self, generic: str) -> np.ndarray:
        if not self.has(generic):
            return np.ones(self.n, dtype=bool)
        return equals(self.item(generic), "")

    def filled(self, generic: str) -> np.ndarray:
        return ~self.empty(generic)

    def day(self, generic: str) -> np.ndarray:
        """A date item as datetime64[D] (NaT when empty or not a real date)."""
        cache = self.__dict__.setdefault("_days", {})
        if generic not in cache:
            cache[generic] = (days(self.frame[self.col(generic)]) if self.has(generic)
                              else np.full(self.n, np.datetime64("NaT"), dtype="datetime64[D]"))
        return cache[generic]

    # --- start and end at this GI (SPEC §4.4) ---------------------------------------------------------------

    @cached_property
    def taken_over(self) -> np.ndarray:
        """``datum_overgedragen_gekregen`` filled: a record this GI took over from another."""
        return self.filled("datum_overgedragen_gekregen")

    @cached_property
    def s(self) -> np.ndarray:
        """Start at this GI: ``datum_overgedragen_gekregen`` when filled, else ``datum_aanvang`` (NaT: none)."""
        return np.where(self.taken_over, self.day("datum_overgedragen_gekregen"), self.day("datum_aanvang"))

    @cached_property
    def s_filled(self) -> np.ndarray:
        return self.taken_over | self.filled("datum_aanvang")

    @cached_property
    def ended(self) -> np.ndarray:
        """``datum_einde`` filled."""
        return self.filled("datum_einde")

    @cached_property
    def handed_over(self) -> np.ndarray:
        """``datum_overgedragen`` filled and ``datum_einde`` empty (t is the transfer)."""
        return self.filled("datum_overgedragen") & ~self.ended

    @cached_property
    def t(self) -> np.ndarray:
        """End at this GI: ``datum_einde`` when filled, else ``datum_overgedragen`` when filled, else NaT (running)."""
        return np.where(self.ended, self.day("datum_einde"),
                        np.where(self.handed_over, self.day("datum_overgedragen"), np.datetime64("NaT")))

    @cached_property
    def running(self) -> np.ndarray:
        """Neither ``datum_einde`` nor ``datum_overgedragen`` filled."""
        return ~self.ended & ~self.filled("datum_overgedragen")

    # --- type ---------------------------------------------------------------------------------------------------

    @cached_property
    def type_code(self) -> np.ndarray:
        return np.asarray(self.item("type_maatregel"), dtype=object)

    def type_in(self, codes: set[str] | frozenset[str] | tuple[str, ...]) -> np.ndarray:
        allowed = frozenset(codes)
        return np.fromiter((v in allowed for v in self.type_code), dtype=bool, count=self.n)

    @cached_property
    def type_part(self) -> np.ndarray:
        return youth.hashes(np.array(["t" + v for v in self.type_code] or [], dtype=object)) if self.n else \
            np.zeros(0, dtype=np.int64)

    # --- the youth ----------------------------------------------------------------------------------------------

    @cached_property
    def bsn_status(self) -> np.ndarray:
        return arrowtext.objects(self.frame["bsn_status"])

    @cached_property
    def birth_status(self) -> np.ndarray:
        return arrowtext.objects(self.frame["geboortedatum_status"])

    @cached_property
    def bsn_ongeboren(self) -> np.ndarray:
        return self.bsn_status == "ongeboren"

    @cached_property
    def ongeboren(self) -> np.ndarray:
        """The unborn code in the BSN (000000000) or in the birth date (00000000)."""
        return self.bsn_ongeboren | (self.birth_status == "ongeboren")

    @cached_property
    def person_id(self) -> np.ndarray:
        """Who the youth is (:mod:`spiegel.youth`), comparable across deliveries; every unborn-child record is a
        youth of its own (SPEC §4.5, Decision)."""
        out = youth.person_ids(self.frame, self.text("bsn"))
        unborn = np.flatnonzero(self.ongeboren)
        if len(unborn):
            out[unborn] = youth.hashes(np.array([f"u{self.set_name}{i}" for i in unborn], dtype=object))
        return out

    @cached_property
    def s_part(self) -> np.ndarray:
        return day_number(self.s)

    @cached_property
    def record_key(self) -> np.ndarray:
        """Person + type + ``s`` (SPEC §4.4) as int64, comparable across deliveries."""
        return hash_columns(self.person_id, self.type_part, self.s_part)

    @cached_property
    def youth_type(self) -> np.ndarray:
        """Person + type (the group within which records may not overlap)."""
        return hash_columns(self.person_id, self.type_part)

    @cached_property
    def geboorte(self) -> np.ndarray:
        """Birth date as the reader imputes an unknown day (15th) or day and month (1 July); NaT if unborn."""
        return days(self.frame["geboortedatum"])

    @cached_property
    def birth_unknown_part(self) -> np.ndarray:
        """Day or month of birth unknown (``JJJJMM00``, ``JJJJ0000``)."""
        raw = self.text("geboortedatum")
        return np.fromiter((len(v) == 8 and v.endswith("00") and v != "00000000" for v in raw), dtype=bool,
                           count=self.n) if not isinstance(raw, pd.Series) else \
            (raw.str.len().eq(8) & raw.str.endswith("00") & raw.ne("00000000")).to_numpy(dtype=bool)

    def _birth_bound(self, which: str) -> np.ndarray:
        raw = self.text("geboortedatum")
        values = raw if isinstance(raw, list) else raw.tolist()
        year_only = np.fromiter((len(v) == 8 and v.endswith("0000") and v != "00000000" for v in values),
                                dtype=bool, count=self.n)
        month_only = np.fromiter((len(v) == 8 and v.endswith("00") for v in values), dtype=bool,
                                 count=self.n) & ~year_only
        return dates.birth_bound(self.geboorte, year_only, month_only, which)

    @cached_property
    def geboorte_vroegst(self) -> np.ndarray:
        """Earliest possible birth date (unknown day: the 1st; unknown day and month: 1 January)."""
        return self._birth_bound("first")

    @cached_property
    def geboorte_laatst(self) -> np.ndarray:
        """Latest possible birth date (unknown day: the month's last day; unknown day and month: 31 December)."""
        return self._birth_bound("last")

    def birthday(self, years: int, bound: str = "exact") -> np.ndarray:
        """The day of the ``years``-th birthday (from the imputed, earliest or latest birth date)."""
        birth = {"exact": self.geboorte, "first": self.geboorte_vroegst, "last": self.geboorte_laatst}[bound]
        out = np.full(self.n, np.datetime64("NaT"), dtype="datetime64[D]")
        valid = ~np.isnat(birth)
        if valid.any():
            out[valid] = dates.add_months(birth[valid], 12 * years)
        return out

    # --- gemeente -------------------------------------------------------------------------------------------------

    @cached_property
    def gemeente_code(self) -> np.ndarray:
        """The responsible gemeente on the period's last day as its code (``onbekend`` when not known)."""
        from spiegel import gemeenten
        from spiegel.count import ONBEKEND

        return gemeenten.codes_of(self.gemeente(self.period.last_day), self.period.last_day, ONBEKEND)
