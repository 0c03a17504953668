"""What the jeugdhulp logic checks share: the thresholds of the completeness rules and the derived columns of a
delivery (dates as days, the person and record key), computed once per delivery."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from spiegel import arrowtext, dates, youth
from spiegel.validate.context import Facts as BaseFacts
from spiegel.validate.context import Settings as BaseSettings
from spiegel.validate.context import days, endswith, equals, fullmatch


@dataclass(frozen=True)
class Settings(BaseSettings):
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


class Facts(BaseFacts):
    """A jeugdhulp delivery with the derived columns its rules share (positions 0..n-1)."""

    @cached_property
    def aanvang(self) -> np.ndarray:
        return days(self.frame["datum_aanvang"])

    @cached_property
    def einde(self) -> np.ndarray:
        return days(self.frame["datum_einde"])

    @cached_property
    def einde_leeg(self) -> np.ndarray:
        return equals(self.text("datum_einde"), "")

    @cached_property
    def geboorte(self) -> np.ndarray:
        """Birth date with an unknown day read as the 15th and unknown day and month as 1 July (the reader's
        imputation, SPEC §6 age)."""
        return days(self.frame["geboortedatum"])

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
        return dates.birth_bound(self.geboorte, year_only, month_only, day_unknown)

    @cached_property
    def bsn_status(self) -> np.ndarray:
        """The reader's BSN status per row (bekend, ongeldig, onbekend, ongeboren, leeg)."""
        return arrowtext.objects(self.frame["bsn_status"])

    @cached_property
    def bsn_onbekend(self) -> np.ndarray:
        return self.bsn_status == "onbekend"

    @cached_property
    def bsn_ongeboren(self) -> np.ndarray:
        return self.bsn_status == "ongeboren"

    @cached_property
    def bsn_nine_digits(self) -> np.ndarray:
        return fullmatch(self.text("bsn"), r"\d{9}")

    @cached_property
    def person_id(self) -> np.ndarray:
        """Who the youth is (:mod:`spiegel.youth`), as an int64 comparable across deliveries."""
        return youth.person_ids(self.frame, self.text("bsn"))

    @property
    def aanvang_part(self) -> np.ndarray:
        """datum_aanvang for the record key: days since 1800 for a real date, else a hash of the text (not cached:
        only the keys are kept, and the comparison with the previous delivery takes a few rows of it)."""
        start = self.aanvang
        out = np.zeros(self.n, dtype=np.int64)
        valid = ~np.isnat(start)
        out[valid] = (start[valid] - np.datetime64("1800-01-01", "D")).astype(np.int64)
        if (~valid).any():
            out[~valid] = youth.hashes(np.asarray(self.text("datum_aanvang"), dtype=object)[~valid])
        return out

    @property
    def hulpvorm_part(self) -> np.ndarray:
        """hulpvorm for the record key: the code as a number when it is 1–3 digits, else a hash of the text (not
        cached, as :attr:`aanvang_part`)."""
        from spiegel.validate.context import digits_to_int

        text = self.text("hulpvorm")
        digits = fullmatch(text, r"\d{1,3}")
        out = digits_to_int(text, digits)
        if (~digits).any():
            out[~digits] = youth.hashes(np.asarray(text, dtype=object)[~digits])
        return out

    @cached_property
    def record_key(self) -> np.ndarray:
        """The record key person + datum_aanvang + hulpvorm (SPEC §3.4) as int64, comparable across deliveries.
        Exact (bit fields) for ordinary rows; a hash of the three parts otherwise."""
        return combine(self.person_id, self.aanvang_part, self.hulpvorm_part)

    @property
    def youth_hulpvorm(self) -> np.ndarray:
        """Person + hulpvorm as int64 (the group in which records may not overlap; JH-R02 only, not cached)."""
        return combine(self.person_id, np.zeros(self.n, dtype=np.int64), self.hulpvorm_part)

    @cached_property
    def running_at_end(self) -> np.ndarray:
        """Running on the period's last day (SPEC §6 eindstand): started by then, not ended by then."""
        started = self.aanvang <= self.last_day
        not_ended = self.einde_leeg | (self.einde > self.last_day)
        return started & not_ended


_HASHED = np.int64(1) << np.int64(62)


def combine(person: np.ndarray, aanvang: np.ndarray, hulpvorm: np.ndarray) -> np.ndarray:
    """Bit fields person (30 bits) | aanvang (17) | hulpvorm (10) when all fit, else a hash of the three."""
    exact = person < (1 << 30)
    exact &= aanvang < (1 << 17)
    exact &= hulpvorm < (1 << 10)
    out = person << 27  # (in place from here: one array of 8 bytes a row, not three)
    out |= aanvang << 10
    out |= hulpvorm
    if not exact.all():
        parts = pd.DataFrame({"p": person[~exact], "a": aanvang[~exact], "h": hulpvorm[~exact]})
        h = pd.util.hash_pandas_object(parts, index=False).to_numpy()
        out[~exact] = (h >> np.uint64(2)).astype(np.int64) | _HASHED
    return out
