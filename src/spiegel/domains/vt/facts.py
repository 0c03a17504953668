"""What the Veilig Thuis rules and counts share (SPEC §5.4–§5.7): the thresholds of the rules, the derived columns
of one record set (:class:`Facts`: flags as matrices, dates as days) and the links between the sets and into the
organisation's earlier deliveries (:class:`Links`: persons to their melding or onderzoek, ages, minors, the earliest
triage of an onderzoek), computed once per delivery.

Everything is keyed by position (0..n-1 per set); identifiers are compared as delivered text and never leave here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from spiegel import arrowtext, dates
from spiegel.validate.context import Facts as BaseFacts
from spiegel.validate.context import Settings as BaseSettings
from spiegel.validate.context import days

SETS = ("adviezen", "meldingen", "onderzoeken", "personen")
#: The identifier of each set of items (personen have none of their own).
IDENTIFIERS = {"adviezen": "advies_id", "meldingen": "melding_id", "onderzoeken": "onderzoeksnummer"}
#: Person set codes → the set they point into.
PERSON_SETS = {"M": "meldingen", "O": "onderzoeken"}
#: The day a person's age is taken on, per set pointed into (SPEC §5.7).
AGE_DAY = {"meldingen": "datum_melding", "onderzoeken": "datum_start_onderzoek"}
ADULT_AGE = 18
OLD_AGE = 65
NORM_WORKING_DAYS = 5  # SPEC §5.6: triage within five working days
NORM_DAYS = 70  # SPEC §5.6: onderzoek within ten weeks of the earliest linked triage


@dataclass(frozen=True)
class Settings(BaseSettings):
    """Thresholds of the rules; the catalogue lists the defaults with their documentation."""

    unborn_share_threshold: float = field(
        default=0.02, metadata={"doc": "VT-K36: aandeel personen met BSN 999999999 (ongeboren) boven deze fractie"}
    )
    unborn_min_persons: int = field(
        default=50, metadata={"doc": "VT-K36: alleen leveringen met minstens zoveel personen"}
    )
    jump_threshold: float = field(
        default=0.5, metadata={"doc": "VT-C01: het aantal records van een gegevensset veranderde meer dan deze fractie"}
    )
    jump_min_records: int = field(
        default=20, metadata={"doc": "VT-C01: alleen gegevenssets met minstens zoveel records in een van de perioden"}
    )
    unknown_share_threshold: float = field(
        default=0.10, metadata={"doc": "VT-C03: een veld met een groter aandeel lege of onbekende waarden"}
    )
    unknown_min_records: int = field(
        default=20, metadata={"doc": "VT-C03: alleen gegevenssets met minstens zoveel records"}
    )


def flag_items(record_layout: Any) -> dict[str, list[str]]:
    """The multi-valued items of a record set with their option codes, from its ``vlag`` columns
    (``aanleiding_06`` → item ``aanleiding``, code ``06``), in layout order."""
    out: dict[str, list[str]] = {}
    for column in record_layout.kolommen:
        if column.type == "vlag":
            item, _, code = column.naam.rpartition("_")
            out.setdefault(item, []).append(code)
    return out


class Facts(BaseFacts):
    """One Veilig Thuis record set with the derived columns its rules share (positions 0..n-1)."""

    @cached_property
    def set_name(self) -> str:
        return self.delivery.naam

    @cached_property
    def record_layout(self) -> Any:
        return self.delivery.layout

    @cached_property
    def items(self) -> dict[str, list[str]]:
        return flag_items(self.record_layout)

    def flags(self, item: str) -> np.ndarray:
        """The item's options as a bool matrix (rows × options, in code order)."""
        cache = self.__dict__.setdefault("_flags", {})
        if item not in cache:
            columns = [f"{item}_{code}" for code in self.items[item]]
            cache[item] = (self.frame[columns].to_numpy(dtype=np.int8) == 1) if self.n else np.zeros(
                (0, len(columns)), dtype=bool)
        return cache[item]

    def ticked(self, item: str, codes: Sequence[str]) -> np.ndarray:
        """Bool per row: at least one of ``codes`` ticked."""
        position = [self.items[item].index(c) for c in codes]
        return self.flags(item)[:, position].any(axis=1)

    def n_ticked(self, item: str, codes: Sequence[str] | None = None) -> np.ndarray:
        matrix = self.flags(item)
        if codes is not None:
            matrix = matrix[:, [self.items[item].index(c) for c in codes]]
        return matrix.sum(axis=1)

    def day(self, column: str) -> np.ndarray:
        """A date column as datetime64[D] (NaT: empty or invalid)."""
        cache = self.__dict__.setdefault("_days", {})
        if column not in cache:
            cache[column] = days(self.frame[column]) if self.n else np.array([], dtype="datetime64[D]")
        return cache[column]

    def empty(self, column: str) -> np.ndarray:
        return np.asarray([v == "" for v in _list(self.text(column))], dtype=bool)

    def values(self, column: str) -> np.ndarray:
        """A raw text column as an object array."""
        return np.asarray(_list(self.text(column)), dtype=object)

    @cached_property
    def bsn_status(self) -> np.ndarray:
        return arrowtext.objects(self.frame["bsn_status"])

    @cached_property
    def geboorte_status(self) -> np.ndarray:
        return arrowtext.objects(self.frame["geboortedatum_status"])

    @cached_property
    def geboorte(self) -> np.ndarray:
        """Birth date with an unknown day as the 15th and unknown day and month as 1 July (the reader's imputation);
        NaT for the special values and invalid dates."""
        return self.day("geboortedatum")

    @cached_property
    def geboorte_vroegst(self) -> np.ndarray:
        """The earliest possible birth date (unknown day: the 1st; unknown day and month: 1 January)."""
        raw = self.values("geboortedatum")
        year_only = np.asarray([v.endswith("0000") for v in raw], dtype=bool)
        month_only = np.asarray([v.endswith("00") for v in raw], dtype=bool) & ~year_only
        birth = self.geboorte
        by_month = birth.astype("datetime64[M]").astype("datetime64[D]")
        by_year = birth.astype("datetime64[Y]").astype("datetime64[D]")
        return np.where(year_only, by_year, np.where(month_only, by_month, birth))

    @cached_property
    def unborn(self) -> np.ndarray:
        """Unborn by the BSN or by the birth date (the VT special values)."""
        return (self.bsn_status == "ongeboren") | (self.geboorte_status == "ongeboren")


def _list(values: Any) -> list:
    return values if isinstance(values, list) else values.tolist()


def first_positions(ids: np.ndarray) -> dict[str, int]:
    """Identifier → its first position (empty identifiers left out)."""
    out: dict[str, int] = {}
    for i, value in enumerate(ids.tolist()):
        if value and value not in out:
            out[value] = i
    return out


@dataclass
class Links:
    """The links of one delivery between its sets and into the organisation's earlier deliveries.

    ``sets``: the facts of this delivery per set; ``history``: the facts of every earlier delivery (oldest first),
    each a mapping set name → facts."""

    sets: Mapping[str, Facts]
    history: Sequence[Mapping[str, Facts]] = ()

    # --- persons → melding / onderzoek of this delivery ------------------------------------------------------

    @cached_property
    def person_target(self) -> np.ndarray:
        """Per person: the set code (``M``, ``O``) as given, upper-cased and trimmed."""
        return np.asarray([v.strip().upper() for v in _list(self.sets["personen"].text("set"))], dtype=object)

    @cached_property
    def person_ref(self) -> dict[str, np.ndarray]:
        """Per pointed-into set: each person's position in it (-1: not a person of that set, or not found)."""
        persons = self.sets["personen"]
        refs = persons.values("ref_id")
        out = {}
        for code, name in PERSON_SETS.items():
            position = first_positions(self.sets[name].values(IDENTIFIERS[name]))
            mine = self.person_target == code
            out[name] = np.asarray([position.get(r, -1) if m else -1 for r, m in zip(refs, mine, strict=True)]
                                   or [], dtype=np.int64)
        return out

    @cached_property
    def person_found(self) -> np.ndarray:
        """Per person: points at a melding or onderzoek of this delivery."""
        return (self.person_ref["meldingen"] >= 0) | (self.person_ref["onderzoeken"] >= 0)

    @cached_property
    def person_day(self) -> np.ndarray:
        """Per person: the day its age is taken on (datum_melding / datum_start_onderzoek of its item)."""
        out = np.full(self.sets["personen"].n, np.datetime64("NaT"), dtype="datetime64[D]")
        for name, refs in self.person_ref.items():
            found = refs >= 0
            out[found] = self.sets[name].day(AGE_DAY[name])[refs[found]]
        return out

    @cached_property
    def person_age(self) -> np.ndarray:
        """Full years on :attr:`person_day` (float; NaN where a date is unknown)."""
        persons = self.sets["personen"]
        birth, day = persons.geboorte, self.person_day
        out = np.full(persons.n, np.nan)
        known = ~np.isnat(birth) & ~np.isnat(day)
        if known.any():
            out[known] = dates.age_at(birth[known], day[known])
        return out

    @cached_property
    def person_minor(self) -> np.ndarray:
        """Minor (SPEC §5.7): under 18 on the day, or unborn."""
        return (self.person_age < ADULT_AGE) | self.sets["personen"].unborn

    @cached_property
    def person_old(self) -> np.ndarray:
        return self.person_age >= OLD_AGE

    def per_item(self, name: str, person_mask: np.ndarray) -> np.ndarray:
        """Per item of set ``name``: the number of its persons with ``person_mask``."""
        refs = self.person_ref[name]
        found = refs >= 0
        return np.bincount(refs[found & person_mask], minlength=self.sets[name].n)

    def persons_of(self, name: str) -> np.ndarray:
        return self.per_item(name, np.ones(self.sets["personen"].n, dtype=bool))

    def any_minor(self, name: str) -> np.ndarray:
        return self.per_item(name, self.person_minor) > 0

    # --- meldingen ↔ onderzoeken, across deliveries ----------------------------------------------------------

    def _all(self, name: str) -> list[Facts]:
        """The facts of set ``name`` in this delivery and every earlier one."""
        return [self.sets[name], *(h[name] for h in self.history if name in h)]

    @cached_property
    def earliest_triage(self) -> dict[str, np.datetime64]:
        """Onderzoeksnummer → the earliest datum_triagebesluit of the meldingen carrying it (this and earlier
        deliveries)."""
        parts = []
        for facts in self._all("meldingen"):
            if facts.n:
                parts.append(pd.DataFrame({"o": facts.values("onderzoeksnummer"),
                                           "t": facts.day("datum_triagebesluit")}))
        if not parts:
            return {}
        frame = pd.concat(parts, ignore_index=True)
        frame = frame[(frame["o"] != "") & frame["t"].notna()]
        return frame.groupby("o")["t"].min().to_dict()

    def triage_of_onderzoeken(self) -> np.ndarray:
        """Per onderzoek of this delivery: its earliest linked triage (NaT: no linked melding with a triage)."""
        earliest = self.earliest_triage
        ids = self.sets["onderzoeken"].values("onderzoeksnummer")
        return np.asarray([earliest.get(i, np.datetime64("NaT")) for i in ids.tolist()] or [],
                          dtype="datetime64[D]")

    @cached_property
    def referenced_onderzoeken(self) -> set[str]:
        """Onderzoeksnummers carried by a melding of this or an earlier delivery."""
        out: set[str] = set()
        for facts in self._all("meldingen"):
            out |= set(facts.values("onderzoeksnummer").tolist())
        out.discard("")
        return out

    @cached_property
    def onderzoeken_here(self) -> set[str]:
        out = set(self.sets["onderzoeken"].values("onderzoeksnummer").tolist())
        out.discard("")
        return out

    @cached_property
    def onderzoeken_earlier(self) -> set[str]:
        out: set[str] = set()
        for h in self.history:
            if "onderzoeken" in h:
                out |= set(h["onderzoeken"].values("onderzoeksnummer").tolist())
        out.discard("")
        return out

    def melding_bsns(self) -> dict[str, set[str]]:
        """Onderzoeksnummer → the known BSNs of the persons of the meldingen carrying it (this and earlier
        deliveries)."""
        out: dict[str, set[str]] = {}
        for delivery in (self.sets, *self.history):
            if "meldingen" not in delivery or "personen" not in delivery:
                continue
            links = self if delivery is self.sets else Links(delivery)
            meldingen, persons = delivery["meldingen"], delivery["personen"]
            onderzoek = meldingen.values("onderzoeksnummer")
            refs = links.person_ref["meldingen"]
            known = (persons.bsn_status == "bekend") & (refs >= 0)
            bsn = persons.values("bsn")
            for p in np.flatnonzero(known):
                number = onderzoek[refs[p]]
                if number:
                    out.setdefault(number, set()).add(bsn[p])
        return out
