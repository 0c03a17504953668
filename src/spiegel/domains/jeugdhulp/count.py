"""Count one provider's jeugdhulp delivery for one period the way the spiegelrapport does (SPEC §6).

Two steps:

1. :func:`prepare` adds the derived columns the counts need (gemeente, hulpvormgroep, distinct-youth id,
   age class, the stand/flow flags, duration, herhaald beroep …) to the typed delivery frame
   (``spiegel.read.Delivery.frame``). It drops the direct identifiers (BSN, birth date, postcode).
2. :func:`count` turns a prepared frame into :class:`Counts`: tidy frames with exact integer counts.

Protection of small numbers (SPEC §8) is *not* applied here; it is the last step before display or export
(``spiegel.protect``). Everything is vectorised with the primitives of :mod:`spiegel.count` (numpy
``bincount``/``unique`` over integer cell codes), so a batch of 5,000 providers spends its time rendering, not
counting. :func:`count_report` is the domain's count function (``Domain.count``).

Conventions of every table in :class:`Counts`:

- ``gemeente`` is the CBS code (``0363``), ``"totaal"`` for the total over all gemeenten (always the first row
  block) or ``"onbekend"`` (last); ``gemeentenaam`` holds the Dutch name (``Totaal``, ``Onbekend``).
  Only gemeenten with at least one trajectory active in the period appear.
- Count columns are ``int64``; a youth (``jongeren``) counts once in every cell it falls in, so the rows of a
  table can add up to more than its total.
- A value outside its code list is counted under the extra category ``onbekend`` ("Niet of ongeldig
  ingevuld"); the validation report says which rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import Any

import numpy as np
import pandas as pd

from spiegel import codes, dates, flows, gemeenten, youth
from spiegel.count import INVALID_LABEL, ONBEKEND, TOTAAL, TOTAAL_LABEL, CountTable, cell_statistics
from spiegel.count import Counts as BaseCounts
from spiegel.count import expand as _expand
from spiegel.count import frame as _frame
from spiegel.count import gemeente_index as _gemeente_index
from spiegel.count import labelled as _labelled
from spiegel.count import lookup as _lookup
from spiegel.count import positions as _positions
from spiegel.count import tally as _tally
from spiegel.periods import Period

ONBEKEND_GEMEENTE_LABEL = codes.ONBEKEND  # "Onbekend"

MEASURES: tuple[str, ...] = flows.MEASURES
UNITS: tuple[str, ...] = ("trajecten", "jongeren")
FLOW_COLUMNS: tuple[str, ...] = tuple(f"{unit}_{measure}" for unit in UNITS for measure in MEASURES)
MEASURE_LABELS: dict[str, str] = flows.MEASURE_LABELS
MEASURE_DESCRIPTIONS: dict[str, str] = {
    "beginstand": "lopend bij het begin van de periode",
    "instroom": "gestart in de periode",
    "uitstroom": "beëindigd in de periode",
    "eindstand": "lopend bij het einde van de periode",
    "totaal": "beginstand plus instroom: alle trajecten in de periode",
}
UNIT_LABELS: dict[str, str] = {"trajecten": "Trajecten", "jongeren": "Jongeren"}
BASIS_LABELS: dict[str, str] = {
    "totaal": "alle trajecten in de periode",
    "instroom": "gestarte trajecten",
    "uitstroom": "beëindigde trajecten",
}

# Columns of the typed delivery frame that prepare() needs.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "bsn", "geboortedatum", "geslacht", "postcode", "gemeentecode", "verwijzer", "hulpvorm",
    "gestart_met_crisis", "datum_aanvang", "datum_einde", "reden_beeindiging",
)
# Direct identifiers: prepare() uses them and then drops them, so no prepared frame can leak them.
IDENTIFYING_COLUMNS: tuple[str, ...] = ("bsn", "geboortedatum", "postcode")
# Code columns normalised by prepare(): a value outside the list becomes "onbekend".
_NORMALISED = {
    "geslacht": "geslacht",
    "verwijzer": "verwijzer",
    "hulpvorm": "hulpvorm",
    "gestart_met_crisis": "gestart_met_crisis",
    "reden_beeindiging": "reden_beeindiging",
}
HERHAALD_JAREN = 5  # SPEC §6: an earlier trajectory counts when it ended within the previous five years

# Breakdowns (SPEC §6): name → (source column in the prepared frame, code list, basis). The basis says which
# trajectories are counted: "totaal" (all active in the period), "instroom" (started), "uitstroom" (ended).
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "verwijzer": ("verwijzer", "verwijzer", "totaal"),
    "geslacht": ("geslacht", "geslacht", "totaal"),
    "leeftijdsklasse": ("leeftijdsklasse", "leeftijdsklasse", "totaal"),
    "reden_beeindiging": ("reden_beeindiging", "reden_beeindiging", "uitstroom"),
    "reden_groep": ("reden_groep", "reden_beeindiging_groep", "uitstroom"),
    "crisis": ("gestart_met_crisis", "gestart_met_crisis", "instroom"),
    "nieuw_herhaald": ("nieuw_herhaald", "nieuw_herhaald", "instroom"),  # bij deze aanbieder
    "nieuw_herhaald_enige": ("nieuw_herhaald_enige", "nieuw_herhaald_enige", "instroom"),  # bij enige aanbieder
}

SUMMARY_FIGURES: dict[str, str] = {
    **{f"trajecten_{m}": f"Trajecten: {MEASURE_LABELS[m].lower()}" for m in MEASURES},
    **{f"jongeren_{m}": f"Jongeren: {MEASURE_LABELS[m].lower()}" for m in MEASURES},
    "gemeenten": "Aantal gemeenten",
    "trajecten_gemeente_onbekend": "Trajecten met onbekende gemeente",
    "records": "Records in de levering",
    "records_niet_in_periode": "Records niet actief in de periode (niet geteld)",
}


# --- reference tables (depend on code lists only; cached) -------------------------------------------------


def _codes() -> Any:
    """The domain's code lists (spiegel.codes.CodeLists)."""
    from spiegel.domains.jeugdhulp import DOMAIN

    return DOMAIN.codes


def hulpvorm_groups() -> tuple[tuple[str, str], ...]:
    """The groups of the flow table in display order with their short labels (code list ``hulpvormgroep``):
    totaal, zonder_verblijf, wijkteam, niet_wijkteam, met_verblijf."""
    return tuple((g.code, g.kort) for g in _codes().code_list("hulpvormgroep").codes)


def hulpvorm_levels() -> pd.DataFrame:
    """The rows of the flow table in display order.

    Columns: ``hulpvorm`` (key: ``totaal``, a group such as ``zonder_verblijf``, a hulpvorm code such as
    ``02``, or ``onbekend``), ``label`` (short Dutch label for tables), ``omschrijving`` (full label),
    ``soort`` (``totaal`` | ``groep`` | ``hulpvorm``), ``niveau`` (depth for indentation, 0 = totaal) and
    ``ouder`` (the parent key). Hierarchy from SPEC §3.2: Totaal → Zonder verblijf (Wijkteam; Niet door
    wijkteam: Ambulant, Daghulp, Netwerk) and Met verblijf (Pleegzorg … Overig verblijf); a hulpvorm outside
    the code list is counted under ``onbekend`` directly below the total.
    """
    return _hulpvorm_levels().copy()


@cache
def _hulpvorm_levels() -> pd.DataFrame:
    groups = _codes().code_list("hulpvormgroep")
    forms = _codes().code_list("hulpvorm")
    children: dict[str | None, list[tuple[str, str, str, str]]] = {}
    for g in groups.codes:
        parent = g.get("ouder")
        children.setdefault(parent, []).append((g.code, g.kort, g.label, "groep"))
    for f in forms.codes:
        children.setdefault(f.groep, []).append((f.code, f.kort, f.label, "hulpvorm"))
    rows: list[dict[str, object]] = []

    def walk(key: str, kort: str, label: str, soort: str, depth: int, parent: str | None) -> None:
        rows.append(
            {"hulpvorm": key, "label": kort, "omschrijving": label, "soort": soort, "niveau": depth, "ouder": parent}
        )
        for child in children.get(key, []):
            walk(*child, depth + 1, key)

    (root,) = children[None]
    walk(root[0], root[1], root[2], TOTAAL, 0, None)
    rows.append(
        {"hulpvorm": ONBEKEND, "label": INVALID_LABEL, "omschrijving": "Hulpvorm niet of ongeldig ingevuld",
         "soort": "hulpvorm", "niveau": 1, "ouder": root[0]}
    )
    return pd.DataFrame(rows)


@cache
def _hulpvorm_membership() -> tuple[tuple[str, ...], np.ndarray]:
    """Hulpvorm values (codes + onbekend) and, per value, the flow-table rows it counts in (-1 padded)."""
    levels = _hulpvorm_levels()
    position = {key: i for i, key in enumerate(levels["hulpvorm"])}
    parent = dict(zip(levels["hulpvorm"], levels["ouder"], strict=True))
    values = (*_codes().code_list("hulpvorm").values, ONBEKEND)
    chains = []
    for value in values:
        chain, key = [], value
        while isinstance(key, str):
            chain.append(position[key])
            key = parent[key]
        chains.append(chain)
    depth = max(len(c) for c in chains)
    matrix = np.full((len(values), depth), -1, dtype=np.int64)
    for i, chain in enumerate(chains):
        matrix[i, : len(chain)] = chain
    return values, matrix


def category_order(dimensie: str) -> list[str]:
    """The categories of one breakdown in display order (see :func:`categories`)."""
    return list(_category_orders()[dimensie])


@cache
def _category_orders() -> dict[str, tuple[str, ...]]:
    table = _categories()
    return {name: tuple(table.loc[table["dimensie"] == name, "categorie"]) for name in DIMENSIONS}


def categories() -> pd.DataFrame:
    """Every category of every breakdown, in display order: the row ``totaal`` first, then the code list's
    codes, then ``onbekend`` (values outside the list) where the list has no such code itself.

    Columns: ``dimensie``, ``titel`` (Dutch title of the breakdown), ``basis`` (``totaal`` | ``instroom`` |
    ``uitstroom``), ``categorie`` (code), ``label`` (Dutch), ``groep`` (for reden beëindiging: its group).
    """
    return _categories().copy()


@cache
def _categories() -> pd.DataFrame:
    rows = []
    for name, (_column, list_name, basis) in DIMENSIONS.items():
        code_list = _codes().code_list(list_name)
        rows.append((name, code_list.titel, basis, TOTAAL, TOTAAL_LABEL, None))
        for c in code_list.codes:
            rows.append((name, code_list.titel, basis, c.code, c.label, c.groep))
        if ONBEKEND not in code_list.values:
            rows.append((name, code_list.titel, basis, ONBEKEND, INVALID_LABEL, None))
    return pd.DataFrame(rows, columns=["dimensie", "titel", "basis", "categorie", "label", "groep"])


@cache
def _age_classes() -> tuple[tuple[str, int, int], ...]:
    out = []
    for c in _codes().code_list("leeftijdsklasse").codes:
        if c.get("van") is not None:
            out.append((c.code, int(c.get("van")), int(c.get("tot"))))
    return tuple(out)


@cache
def _valid_map(list_name: str) -> dict[str, str]:
    return {code: code for code in _codes().code_list(list_name).values}


# --- prepare ----------------------------------------------------------------------------------------------


def prepare(
    frame: pd.DataFrame,
    period: Period,
    *,
    history: Sequence[pd.DataFrame] = (),
    history_periods: int | None = None,
    youth_history: Any | None = None,
) -> pd.DataFrame:
    """The delivery frame with the derived columns every count uses; identifiers removed.

    ``frame`` is a typed delivery frame (``spiegel.read.Delivery.frame``); ``history`` are typed frames of
    the provider's earlier deliveries (any periods, any order), used only for herhaald beroep.
    ``history_periods`` is how many past periods those frames cover (default ``len(history)``); it is kept
    in ``attrs["history_periods"]`` for :func:`count` and the report text. ``youth_history`` is the history of
    every provider (:class:`spiegel.history.YouthHistory`) for herhaald beroep *bij enige aanbieder*; its
    ``meta`` (without its per-provider digests) is kept in ``attrs["youth_history"]`` (None without one).

    Added columns (SPEC §6):

    - ``gemeente``: code valid on the period's last day, from ``gemeentecode`` (a merged code → its
      successor), else from the postcode's PC4, else ``"onbekend"``; ``gemeente_bron`` says which:
      ``gemeentecode`` | ``opvolger`` | ``postcode`` | ``onbekend``.
    - ``hulpvormgroep``: ``wijkteam`` | ``niet_wijkteam`` | ``met_verblijf`` | ``onbekend``.
    - ``jongere``: an integer id of the youth, by BSN; for BSN 999999999, 000000000 or empty by
      geslacht + geboortedatum + postcode. Valid only within this frame; never show it.
    - ``leeftijd`` (nullable int, full years on min(einde, last day)) and ``leeftijdsklasse`` (code of list
      ``leeftijdsklasse``; no birth date, or an age outside 0–22 → ``onbekend``).
    - flags ``actief``, ``beginstand``, ``instroom``, ``uitstroom``, ``eindstand`` (bool). Every flag implies
      ``actief``; ``uitstroom`` and ``eindstand`` split the active rows, so beginstand + instroom − uitstroom
      = eindstand holds row by row. A row without a valid datum_aanvang is not active.
    - ``duur_dagen`` (float): einde − aanvang in days for ended (uitstroom) rows; NaN otherwise and when
      einde lies before aanvang.
    - ``herhaald`` (bool, true only for instroom rows) and ``nieuw_herhaald`` (``nieuw`` | ``herhaald``,
      empty when not started): the same youth had a trajectory that ended at least one day before this
      start and at most five years before it, in ``history`` or in this delivery (*bij deze aanbieder*).
    - ``herhaald_enige`` and ``nieuw_herhaald_enige``: the same, with the trajectories of every provider in
      ``youth_history`` as well (*bij enige aanbieder*); without ``youth_history`` equal to the above.
    - ``crisis`` (bool: gestart_met_crisis is 01) and ``reden_groep`` (``volgens_plan`` | ``voortijdig`` |
      ``onbekend``; empty when there is no datum_einde).

    The code columns ``geslacht``, ``verwijzer``, ``hulpvorm``, ``gestart_met_crisis`` and
    ``reden_beeindiging`` are normalised: a value outside the code list (or empty) becomes ``onbekend``.
    Text columns of the result have dtype ``object``. Rows not active in the period are kept (``actief``
    false) and not counted.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"delivery frame lacks columns: {', '.join(missing)}")
    first, last = np.datetime64(period.first_day, "D"), np.datetime64(period.last_day, "D")
    start, end = dates.days(frame["datum_aanvang"]), dates.days(frame["datum_einde"])
    text = {c: frame[c] for c in ("gemeentecode", "postcode", *_NORMALISED)}

    out: dict[str, object] = {}
    for column in frame.columns:
        if column in IDENTIFYING_COLUMNS or column == "bsn_status":
            continue
        if column in _NORMALISED:
            out[column] = _lookup(text[column], _valid_map(_NORMALISED[column]), ONBEKEND)
        elif column in ("datum_aanvang", "datum_einde"):
            out[column] = start if column == "datum_aanvang" else end
        else:
            out[column] = frame[column].to_numpy()

    where, out["gemeente_bron"] = gemeenten.resolve_with_source(text["gemeentecode"], text["postcode"], period.last_day)
    out["gemeente"] = gemeenten.codes_of(where, period.last_day, ONBEKEND)
    out["hulpvormgroep"] = _lookup(out["hulpvorm"], _codes().code_list("hulpvorm").groups(), ONBEKEND)

    # Flags (SPEC §6 table), all conditional on being active so that the stand/flow identity holds.
    running = np.isnat(end)
    flags = flows.flags(start, end, first, last)
    out.update(flags)
    uitstroom = flags["uitstroom"]

    days = (end - start).astype("timedelta64[D]").astype(np.int64).astype(float)
    out["duur_dagen"] = np.where(uitstroom & (days >= 0) & ~np.isnat(end) & ~np.isnat(start), days, np.nan)

    reference = np.where(running | (end > last), last, end)
    years, known = dates.full_years(dates.days(frame["geboortedatum"]), reference)
    age = pd.arrays.IntegerArray(years, ~known)
    out["leeftijd"] = age
    out["leeftijdsklasse"] = _age_class(age)

    out["crisis"] = out["gestart_met_crisis"] == "01"
    reden_groep = _lookup(out["reden_beeindiging"], _codes().code_list("reden_beeindiging").groups(), ONBEKEND)
    reden_groep[running] = None
    out["reden_groep"] = reden_groep

    ids = youth.ids([frame, *history])
    out["jongere"] = ids[: len(frame)]
    history_ends = (_valid_end(dates.days(h["datum_einde"]), dates.days(h["datum_aanvang"])) for h in history)
    all_ends = np.concatenate([_valid_end(end, start), *history_ends])
    herhaald = _herhaald(ids, all_ends, start, out["instroom"])  # type: ignore[arg-type]
    out["herhaald"] = herhaald
    nieuw_herhaald = np.where(herhaald, "herhaald", "nieuw").astype(object)
    nieuw_herhaald[~out["instroom"]] = None  # type: ignore[index]
    out["nieuw_herhaald"] = nieuw_herhaald
    herhaald_enige = herhaald
    if youth_history is not None:  # the own history too: an unreadable own delivery is still seen by the report
        herhaald_enige = herhaald | youth_history.herhaald(frame, start, out["instroom"])  # type: ignore[arg-type]
    out["herhaald_enige"] = herhaald_enige
    nieuw_herhaald_enige = np.where(herhaald_enige, "herhaald", "nieuw").astype(object)
    nieuw_herhaald_enige[~out["instroom"]] = None  # type: ignore[index]
    out["nieuw_herhaald_enige"] = nieuw_herhaald_enige

    result = _frame(out)
    result.attrs["history_periods"] = len(history) if history_periods is None else int(history_periods)
    # what the history held, without its per-provider digests: attrs are deep-copied with every column taken from
    # the frame, and a national history's digests would make that the most expensive step of a report
    result.attrs["youth_history"] = (
        {k: v for k, v in youth_history.meta.items() if k != "per_aanbieder"} if youth_history is not None else None
    )
    result.attrs["period"] = str(period)
    return result




def _age_class(age: pd.arrays.IntegerArray) -> np.ndarray:
    values = age.to_numpy(dtype=float, na_value=np.nan)
    result = np.full(len(values), ONBEKEND, dtype=object)
    for code, low, high in _age_classes():
        result[(values >= low) & (values <= high)] = code
    return result


def _valid_end(end: np.ndarray, start: np.ndarray) -> np.ndarray:
    """End dates usable for herhaald beroep: NaT where the end lies before the start (an invalid record must
    not make itself herhaald)."""
    return np.where(end < start, np.datetime64("NaT", "D"), end)


_DAY_OFFSET = 200_000  # makes day numbers (days since 1970, from year 1422 on) positive
_DAY_SPAN = 1_000_000


def _herhaald(ids: np.ndarray, ends: np.ndarray, start: np.ndarray, instroom: np.ndarray) -> np.ndarray:
    """Herhaald beroep per row of the current delivery (False unless started).

    ``ids`` are the youth ids of the current rows followed by the history rows, ``ends`` their end dates. For
    each start ``a`` it finds, per youth, the latest end ``e ≤ a − 1 day`` by binary search on the combined
    key youth × day, and checks ``e ≥ a − 5 years``.
    """
    n = len(start)
    result = np.zeros(n, dtype=bool)
    known = ~np.isnat(ends)
    if not instroom.any() or not known.any():
        return result
    end_keys = np.sort(ids[known] * _DAY_SPAN + ends[known].astype(np.int64) + _DAY_OFFSET)
    rows = np.flatnonzero(instroom)
    person = ids[:n][rows]
    a = start[rows]
    query = person * _DAY_SPAN + (a.astype(np.int64) - 1 + _DAY_OFFSET)
    position = np.searchsorted(end_keys, query, side="right") - 1
    found = position >= 0
    candidate = end_keys[np.maximum(position, 0)]
    same_person = candidate // _DAY_SPAN == person
    limit = dates.years_before(a, HERHAALD_JAREN).astype(np.int64) + _DAY_OFFSET
    result[rows] = found & same_person & (candidate % _DAY_SPAN >= limit)
    return result


# --- count ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts(BaseCounts):
    """Exact counts of one provider and period (SPEC §6). All frames are tidy and ordered for display; each is
    a :class:`spiegel.count.CountTable` in ``tables`` (``stromen``, ``uitsplitsingen``, ``duur``,
    ``kerncijfers``) and a property here.

    ``flows``
        One row per (gemeente, hulpvorm level): ``gemeente``, ``gemeentenaam``, ``hulpvorm``, ``label``,
        ``omschrijving``, ``soort``, ``niveau``, ``ouder`` (see :func:`hulpvorm_levels`), then the int
        columns :data:`FLOW_COLUMNS` = ``{trajecten,jongeren}_{beginstand,instroom,uitstroom,eindstand,totaal}``.
        For trajecten, beginstand + instroom − uitstroom = eindstand and beginstand + instroom = totaal in
        every row. Every gemeente block has all levels, zeros included.
    ``breakdowns``
        One row per (gemeente, dimensie, categorie): ``gemeente``, ``gemeentenaam``, ``dimensie``, ``titel``,
        ``basis``, ``categorie``, ``label``, ``groep``, ``trajecten``, ``jongeren``. Dimensions: verwijzer,
        geslacht, leeftijdsklasse (basis: all trajectories in the period), reden_beeindiging and reden_groep
        (basis: ended), crisis and nieuw_herhaald (basis: started); see :data:`DIMENSIONS` and
        :func:`categories`. Every category appears, zeros included; the category ``totaal`` (first) is the
        basis itself (for jongeren: distinct youths in the basis), the denominator of percentages.
    ``duur``
        Ended trajectories with a valid duration per (gemeente, hulpvorm level): the level columns of
        ``flows``, ``trajecten`` (int), ``gemiddelde`` and ``mediaan`` (days, float; NaN when none).
    ``summary``
        One row per main figure (:data:`SUMMARY_FIGURES`): ``kengetal``, ``label``, ``waarde`` and — when the
        previous period was given — ``vorige`` and ``verschil`` (``Int64``, NA without a previous period).
    """

    history_periods_available: int = 0
    has_previous: bool = False
    youth_history: Mapping[str, Any] | None = None  # what the history of every provider held (spiegel.history)

    @property
    def flows(self) -> pd.DataFrame:
        return self.tables["stromen"].frame

    @property
    def breakdowns(self) -> pd.DataFrame:
        return self.tables["uitsplitsingen"].frame

    @property
    def duur(self) -> pd.DataFrame:
        return self.tables["duur"].frame

    @property
    def summary(self) -> pd.DataFrame:
        return self.tables["kerncijfers"].frame

    def breakdown(self, dimensie: str, gemeente: str | None = None) -> pd.DataFrame:
        """The rows of one breakdown (optionally of one gemeente, ``"totaal"`` for all)."""
        if dimensie not in DIMENSIONS:
            raise KeyError(f"unknown breakdown {dimensie!r}; known: {', '.join(DIMENSIONS)}")
        rows = self._by_dimension[dimensie]
        if gemeente is not None:
            rows = rows[rows["gemeente"].to_numpy() == gemeente]
        return rows.reset_index(drop=True)

    @cached_property
    def _by_dimension(self) -> dict[str, pd.DataFrame]:
        # One split instead of a scan of every breakdown row per call (a report asks for each breakdown twice);
        # positions from the column's list, not a groupby (~2.5 ms on a few hundred rows)
        positions: dict[str, list[int]] = {name: [] for name in DIMENSIONS}
        for i, name in enumerate(self.breakdowns["dimensie"].tolist()):
            positions.setdefault(name, []).append(i)
        return {name: self.breakdowns.iloc[rows] for name, rows in positions.items()}

    @cached_property
    def gemeenten(self) -> pd.DataFrame:
        """``gemeente`` and ``gemeentenaam`` in display order (``totaal`` first, ``onbekend`` last)."""
        # The distinct pairs in order of appearance, from lists (drop_duplicates costs ~2.5 ms on a few rows)
        columns = [self.flows[c] for c in ("gemeente", "gemeentenaam")]
        pairs = list(dict.fromkeys(zip(*(c.tolist() for c in columns), strict=True)))
        return pd.DataFrame(
            {c.name: pd.Series([pair[i] for pair in pairs], dtype=c.dtype) for i, c in enumerate(columns)}
        )


def count(
    prepared: pd.DataFrame,
    period: Period,
    *,
    previous: pd.DataFrame | None = None,
    history_periods_available: int | None = None,
) -> Counts:
    """All measures of SPEC §6 for one provider and period, exact (protect them with ``spiegel.protect``).

    ``prepared`` comes from :func:`prepare` for ``period``; ``previous`` is the previous period's delivery
    prepared for *its* period (for the comparison in the summary). ``history_periods_available`` defaults to
    what :func:`prepare` recorded (``prepared.attrs["history_periods"]``).
    """
    if history_periods_available is None:
        history_periods_available = int(prepared.attrs.get("history_periods", 0))
    data = _active_arrays(prepared)
    gem_codes, gem_index = _gemeente_index(data["gemeente"])
    names = codes.gemeente_names(period.last_day)
    gem_names = [
        TOTAAL_LABEL if c == TOTAAL else ONBEKEND_GEMEENTE_LABEL if c == ONBEKEND else names.get(c, c)
        for c in gem_codes
    ]
    gem = (np.array(gem_codes, dtype=object), np.array(gem_names, dtype=object), gem_index)
    flows, duur = _flows_and_duur(data, gem)
    breakdowns = _breakdowns(data, gem)
    summary = _summary(prepared, data, flows, previous)
    return Counts(
        period=period,
        tables={
            "kerncijfers": CountTable(summary, ("waarde", "vorige"), exempt=("kengetal", UNPROTECTED_FIGURES),
                                      differences={"verschil": ("waarde", "vorige")},
                                      description=TABLE_DESCRIPTIONS["kerncijfers"]),
            "stromen": CountTable(flows, FLOW_COLUMNS, description=TABLE_DESCRIPTIONS["stromen"]),
            "uitsplitsingen": CountTable(breakdowns, ("trajecten", "jongeren"),
                                         description=TABLE_DESCRIPTIONS["uitsplitsingen"]),
            "duur": CountTable(duur, ("trajecten",), dependent={"gemiddelde": "trajecten", "mediaan": "trajecten"},
                               description=TABLE_DESCRIPTIONS["duur"]),
        },
        history_periods_available=int(history_periods_available),
        has_previous=previous is not None,
        youth_history=prepared.attrs.get("youth_history"),
    )


# Summary figures that count no youths or trajectories and stay exact under every policy.
UNPROTECTED_FIGURES = frozenset({"gemeenten"})
TABLE_DESCRIPTIONS = {
    "kerncijfers": "Kerncijfers van de periode, met de vorige periode en het verschil",
    "stromen": "Per gemeente en hulpvorm: trajecten en jongeren, beginstand, instroom, uitstroom, eindstand, totaal",
    "uitsplitsingen": "Per gemeente en uitsplitsing (verwijzer, geslacht, leeftijd, reden beëindiging, crisis, "
    "nieuw/herhaald): trajecten en jongeren per categorie",
    "duur": "Per gemeente en hulpvorm: beëindigde trajecten, gemiddelde en mediane duur in dagen",
}


_ARRAY_COLUMNS = (
    "gemeente", "hulpvorm", "beginstand", "instroom", "uitstroom", "eindstand", "duur_dagen",
    *sorted({column for column, _list, _basis in DIMENSIONS.values()}),
)


def _active_arrays(prepared: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns :func:`count` needs, as numpy arrays of the active rows; ``jongere`` renumbered 0…J−1."""
    active = prepared["actief"].to_numpy(dtype=bool)
    data = {column: prepared[column].to_numpy()[active] for column in _ARRAY_COLUMNS}
    data["jongere"] = pd.factorize(prepared["jongere"].to_numpy()[active])[0].astype(np.int64)
    return data


@cache
def _level_columns() -> dict[str, np.ndarray]:
    levels = _hulpvorm_levels()
    return {column: levels[column].to_numpy(dtype=object) for column in levels.columns}


@cache
def _category_columns() -> dict[str, np.ndarray]:
    cats = _categories()
    return {column: cats[column].to_numpy(dtype=object) for column in cats.columns}


def _flows_and_duur(
    data: dict[str, np.ndarray], gem: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    labels = _level_columns()
    n_levels, n_gem, n = len(labels["hulpvorm"]), len(gem[0]), len(data["hulpvorm"])
    values, membership = _hulpvorm_membership()
    hv = _positions(data["hulpvorm"], {v: i for i, v in enumerate(values)}, default=len(values) - 1)
    rows, cells = _expand(gem[2], membership[hv], n_levels)
    flags = np.column_stack([data[m] for m in MEASURES[:-1]] + [np.ones(n, dtype=bool)]).astype(bool)
    n_cells = n_gem * n_levels
    trajecten, jongeren = _tally(rows, cells, flags, data["jongere"], n_cells)

    flow_columns = _labelled(gem, labels)
    flow_columns["niveau"] = flow_columns["niveau"].astype(np.int64)  # type: ignore[union-attr]
    duur_columns = dict(flow_columns)
    for i, measure in enumerate(MEASURES):
        flow_columns[f"trajecten_{measure}"] = trajecten[:, i]
    for i, measure in enumerate(MEASURES):
        flow_columns[f"jongeren_{measure}"] = jongeren[:, i]

    number, mean, median = cell_statistics(cells, data["duur_dagen"].astype(float)[rows], n_cells)
    duur_columns["trajecten"] = number
    duur_columns["gemiddelde"] = mean
    duur_columns["mediaan"] = median
    return _frame(flow_columns), _frame(duur_columns)


@cache
def _dimension_positions() -> tuple[tuple[str, str, dict[str, int], int, int], ...]:
    """Per dimension: (source column, basis, code → row in categories(), row of onbekend, row of totaal)."""
    cats = _categories()
    out = []
    for name, (column, _list_name, basis) in DIMENSIONS.items():
        rows = cats.index[cats["dimensie"] == name]
        position = {str(cats.at[i, "categorie"]): int(i) for i in rows}
        out.append((column, basis, position, position[ONBEKEND], position[TOTAAL]))
    return tuple(out)


def _breakdowns(data: dict[str, np.ndarray], gem: tuple[np.ndarray, np.ndarray, np.ndarray]) -> pd.DataFrame:
    labels = _category_columns()
    n_cat, n_gem, n = len(labels["categorie"]), len(gem[0]), len(data["hulpvorm"])
    dimensions = _dimension_positions()
    members = np.full((n, 2 * len(dimensions)), -1, dtype=np.int64)
    for k, (column, basis, position, onbekend, totaal) in enumerate(dimensions):
        in_basis = np.ones(n, dtype=bool) if basis == TOTAAL else data[basis].astype(bool)
        # A value outside the categories cannot occur after prepare(); it would count as onbekend.
        index = _positions(data[column], position, default=onbekend)
        members[:, 2 * k] = np.where(in_basis, index, -1)
        members[:, 2 * k + 1] = np.where(in_basis, totaal, -1)
    rows, cells = _expand(gem[2], members, n_cat)
    trajecten, jongeren = _tally(rows, cells, np.ones((n, 1), dtype=bool), data["jongere"], n_gem * n_cat)
    columns = _labelled(gem, labels)
    columns["trajecten"] = trajecten[:, 0]
    columns["jongeren"] = jongeren[:, 0]
    return _frame(columns)


def _summary_values(prepared: pd.DataFrame, data: dict[str, np.ndarray], flows: pd.DataFrame | None) -> dict[str, int]:
    values: dict[str, int] = {}
    if flows is not None:
        total = flows.iloc[0]  # gemeente totaal, hulpvorm totaal
        values = {column: int(total[column]) for column in FLOW_COLUMNS}
    else:
        person = data["jongere"]
        for measure in MEASURES:
            mask = np.ones(len(person), dtype=bool) if measure == TOTAAL else data[measure].astype(bool)
            values[f"trajecten_{measure}"] = int(mask.sum())
            values[f"jongeren_{measure}"] = len(np.unique(person[mask]))
    values["gemeenten"] = len(set(data["gemeente"].tolist()) - {ONBEKEND})
    values["trajecten_gemeente_onbekend"] = int((data["gemeente"] == ONBEKEND).sum())
    values["records"] = len(prepared)
    values["records_niet_in_periode"] = len(prepared) - len(data["gemeente"])
    return {key: values[key] for key in SUMMARY_FIGURES}


def _summary(
    prepared: pd.DataFrame, data: dict[str, np.ndarray], flows: pd.DataFrame, previous: pd.DataFrame | None
) -> pd.DataFrame:
    current = _summary_values(prepared, data, flows)
    n = len(current)
    now = np.fromiter(current.values(), dtype=np.int64, count=n)
    if previous is not None:
        before = np.fromiter(_summary_values(previous, _active_arrays(previous), None).values(), np.int64, n)
        vorige = pd.arrays.IntegerArray(before, np.zeros(n, dtype=bool))
        verschil = pd.arrays.IntegerArray(now - before, np.zeros(n, dtype=bool))
    else:
        vorige = verschil = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    return _frame(
        {
            "kengetal": np.array(list(current), dtype=object),
            "label": np.array([SUMMARY_FIGURES[k] for k in current], dtype=object),
            "waarde": pd.arrays.IntegerArray(now, np.zeros(n, dtype=bool)),
            "vorige": vorige,
            "verschil": verschil,
        }
    )


def flow_identity_holds(table: pd.DataFrame) -> bool:
    """True when beginstand + instroom − uitstroom = eindstand and beginstand + instroom = totaal for trajecten
    in every row (the report prints this check)."""
    return flows.identity_holds(table, "trajecten")


def count_report(
    delivery: Any,
    period: Period,
    *,
    history: Sequence[tuple[Period, Any]] = (),
    previous: Any | None = None,
    gemeente: str | None = None,
    youth_history: Any | None = None,
) -> Counts:
    """The domain's count function: the exact counts of one report.

    ``delivery`` is the provider's delivery for ``period`` (``spiegel.read.Delivery``); ``history`` its
    earlier deliveries with their periods (herhaald beroep); ``previous`` the delivery of the previous period (the
    comparison in the summary), prepared with the history before it. ``gemeente``: only that gemeente's records
    (an extract). ``youth_history``: the history of every provider (:class:`spiegel.history.YouthHistory`)
    for herhaald beroep bij enige aanbieder; the previous period's comparison uses the provider's own history
    only (the summary holds no herhaald figure)."""
    prepared = prepare(delivery.frame, period, history=[d.frame for _, d in history], youth_history=youth_history)
    prev_prepared = None
    if previous is not None:
        older = [d.frame for p, d in history if p < period.previous()]
        prev_prepared = prepare(previous.frame, period.previous(), history=older)
    if gemeente is not None:
        prepared = _only_gemeente(prepared, gemeente)
        prev_prepared = _only_gemeente(prev_prepared, gemeente) if prev_prepared is not None else None
        return _extract_counts(count(prepared, period, previous=prev_prepared))
    return count(prepared, period, previous=prev_prepared)


#: Summary figures an extract for one gemeente leaves out: they describe the provider's whole delivery (and
#: stay exact under every policy), which is not what an extract shows (docs/uitvoer.md).
EXTRACT_LEAVES_OUT = frozenset({"gemeenten"})


def _extract_counts(counts: Counts) -> Counts:
    """An extract's counts: the summary without the figures of :data:`EXTRACT_LEAVES_OUT`, so that every figure
    of an extract is protected."""
    table = counts.tables["kerncijfers"]
    frame = table.frame[~table.frame["kengetal"].isin(EXTRACT_LEAVES_OUT)].reset_index(drop=True)
    return replace(counts, tables={**counts.tables, "kerncijfers": table.with_frame(frame)})


def is_empty(counts: Counts) -> bool:
    """True when the counts hold no trajectory active in the period (exact counts)."""
    summary = counts.summary
    total = summary.loc[summary["kengetal"] == "trajecten_totaal", "waarde"]
    return bool(len(total)) and int(total.iloc[0]) == 0


def _only_gemeente(prepared: pd.DataFrame, gemeente: str) -> pd.DataFrame:
    out = prepared[prepared["gemeente"].to_numpy() == gemeente]
    out.attrs.update(prepared.attrs)
    return out
