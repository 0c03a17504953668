"""Count one provider's jeugdhulp delivery for one period the way the spiegelrapport does (SPEC §6).

Two steps:

1. :func:`prepare` adds the derived columns the counts need (gemeente, hulpvormgroep, distinct-youth id,
   age class, the stand/flow flags, duration, herhaald beroep …) to the typed delivery frame
   (``spiegel.read.Delivery.frame``). It drops the direct identifiers (BSN, birth date, postcode).
2. :func:`count` turns a prepared frame into :class:`Counts`: tidy frames with exact integer counts.

Protection of small numbers (SPEC §8) is *not* applied here; it is the last step before display or export
(``spiegel.protect``). Everything is vectorised (numpy ``bincount``/``unique`` over integer cell codes), so a
batch of 5,000 providers spends its time rendering, not counting.

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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from spiegel import codes
from spiegel.periods import Period

TOTAAL = "totaal"
ONBEKEND = "onbekend"
TOTAAL_LABEL = "Totaal"
ONBEKEND_GEMEENTE_LABEL = codes.ONBEKEND  # "Onbekend"
INVALID_LABEL = "Niet of ongeldig ingevuld"

MEASURES: tuple[str, ...] = ("beginstand", "instroom", "uitstroom", "eindstand", "totaal")
UNITS: tuple[str, ...] = ("trajecten", "jongeren")
FLOW_COLUMNS: tuple[str, ...] = tuple(f"{unit}_{measure}" for unit in UNITS for measure in MEASURES)
MEASURE_LABELS: dict[str, str] = {
    "beginstand": "Beginstand",
    "instroom": "Instroom",
    "uitstroom": "Uitstroom",
    "eindstand": "Eindstand",
    "totaal": "Totaal",
}
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
    "nieuw_herhaald": ("nieuw_herhaald", "nieuw_herhaald", "instroom"),
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


@cache
def hulpvorm_levels() -> pd.DataFrame:
    """The rows of the flow table in display order.

    Columns: ``hulpvorm`` (key: ``totaal``, a group such as ``zonder_verblijf``, a hulpvorm code such as
    ``02``, or ``onbekend``), ``label`` (short Dutch label for tables), ``omschrijving`` (full label),
    ``soort`` (``totaal`` | ``groep`` | ``hulpvorm``), ``niveau`` (depth for indentation, 0 = totaal) and
    ``ouder`` (the parent key). Hierarchy from SPEC §3.2: Totaal → Zonder verblijf (Wijkteam; Niet door
    wijkteam: Ambulant, Daghulp, Netwerk) and Met verblijf (Pleegzorg … Overig verblijf); a hulpvorm outside
    the code list is counted under ``onbekend`` directly below the total.
    """
    groups = codes.code_list("hulpvormgroep")
    forms = codes.code_list("hulpvorm")
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
    levels = hulpvorm_levels()
    position = {key: i for i, key in enumerate(levels["hulpvorm"])}
    parent = dict(zip(levels["hulpvorm"], levels["ouder"], strict=True))
    values = (*codes.code_list("hulpvorm").values, ONBEKEND)
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


@cache
def categories() -> pd.DataFrame:
    """Every category of every breakdown, in display order: the row ``totaal`` first, then the code list's
    codes, then ``onbekend`` (values outside the list) where the list has no such code itself.

    Columns: ``dimensie``, ``titel`` (Dutch title of the breakdown), ``basis`` (``totaal`` | ``instroom`` |
    ``uitstroom``), ``categorie`` (code), ``label`` (Dutch), ``groep`` (for reden beëindiging: its group).
    """
    rows = []
    for name, (_column, list_name, basis) in DIMENSIONS.items():
        code_list = codes.code_list(list_name)
        rows.append((name, code_list.titel, basis, TOTAAL, TOTAAL_LABEL, None))
        for c in code_list.codes:
            rows.append((name, code_list.titel, basis, c.code, c.label, c.groep))
        if ONBEKEND not in code_list.values:
            rows.append((name, code_list.titel, basis, ONBEKEND, INVALID_LABEL, None))
    return pd.DataFrame(rows, columns=["dimensie", "titel", "basis", "categorie", "label", "groep"])


@cache
def _code_lookup(day: date) -> tuple[pd.Series, pd.Series]:
    """(gemeentecode → gemeente valid on ``day``, incl. merged codes → successor; PC4 → gemeente)."""
    valid = codes.valid_codes(day)
    mapping = {code: code for code in sorted(valid)}
    mapping.update(codes.merged_code_map(day))
    return pd.Series(mapping, dtype=object), pd.Series(codes.pc4_map(day), dtype=object)


@cache
def _age_classes() -> tuple[tuple[str, int, int], ...]:
    out = []
    for c in codes.code_list("leeftijdsklasse").codes:
        if c.get("van") is not None:
            out.append((c.code, int(c.get("van")), int(c.get("tot"))))
    return tuple(out)


# --- prepare ----------------------------------------------------------------------------------------------


def prepare(
    frame: pd.DataFrame,
    period: Period,
    *,
    history: Sequence[pd.DataFrame] = (),
    history_periods: int | None = None,
) -> pd.DataFrame:
    """The delivery frame with the derived columns every count uses; identifiers removed.

    ``frame`` is a typed delivery frame (``spiegel.read.Delivery.frame``); ``history`` are typed frames of
    the provider's earlier deliveries (any periods, any order), used only for herhaald beroep.
    ``history_periods`` is how many past periods those frames cover (default ``len(history)``); it is kept
    in ``attrs["history_periods"]`` for :func:`count` and the report text.

    Added columns (SPEC §6):

    - ``gemeente``: code valid on the period's last day, from ``gemeentecode`` (a merged code → its
      successor), else from the postcode's PC4, else ``"onbekend"``; ``gemeente_bron`` says which:
      ``gemeentecode`` | ``opvolger`` | ``postcode`` | ``onbekend``.
    - ``hulpvormgroep``: ``wijkteam`` | ``niet_wijkteam`` | ``met_verblijf`` | ``onbekend``.
    - ``jongere``: an integer id of the youth, by BSN; for BSN 999999999, 000000000 or empty by
      geslacht + geboortedatum + postcode. Valid only within this frame; never show it.
    - ``leeftijd`` (nullable int, full years on min(einde, last day)) and ``leeftijdsklasse`` (code of list
      ``leeftijdsklasse``; no or impossible birth date, or an age outside 0–22 → ``onbekend``).
    - flags ``actief``, ``beginstand``, ``instroom``, ``uitstroom``, ``eindstand`` (bool). Every flag implies
      ``actief``; ``uitstroom`` and ``eindstand`` split the active rows, so beginstand + instroom − uitstroom
      = eindstand holds row by row. A row without a valid datum_aanvang is not active.
    - ``duur_dagen`` (float): einde − aanvang in days for ended (uitstroom) rows; NaN otherwise and when
      einde lies before aanvang.
    - ``herhaald`` (bool, only for instroom rows) and ``nieuw_herhaald`` (``nieuw`` | ``herhaald``, empty
      when not started): the same youth had a trajectory that ended at least one day before this start and
      at most five years before it, in ``history`` or in this delivery.
    - ``crisis`` (bool: gestart_met_crisis is 01) and ``reden_groep`` (``volgens_plan`` | ``voortijdig`` |
      ``onbekend``; empty when there is no datum_einde).

    The code columns ``geslacht``, ``verwijzer``, ``hulpvorm``, ``gestart_met_crisis`` and
    ``reden_beeindiging`` are normalised: a value outside the code list (or empty) becomes ``onbekend``.
    Rows not active in the period are kept (flag ``actief`` false) and not counted.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"delivery frame lacks columns: {', '.join(missing)}")
    first, last = pd.Timestamp(period.first_day), pd.Timestamp(period.last_day)
    out = frame.drop(columns=list(IDENTIFYING_COLUMNS)).reset_index(drop=True)
    start = _as_datetime(frame["datum_aanvang"])
    end = _as_datetime(frame["datum_einde"])
    out["datum_aanvang"], out["datum_einde"] = start, end

    gemeente, bron = _gemeente(frame, period.last_day)
    out["gemeente"], out["gemeente_bron"] = gemeente, bron

    for column, list_name in _NORMALISED.items():
        out[column] = _normalise(frame[column], codes.code_list(list_name).values)
    groups = codes.code_list("hulpvorm").groups()
    out["hulpvormgroep"] = out["hulpvorm"].map(groups).fillna(ONBEKEND).astype(object)

    # Flags (SPEC §6 table), all conditional on being active so that the stand/flow identity holds.
    actief = (start <= last) & (end.isna() | (end >= first))
    actief = actief.to_numpy(dtype=bool)
    uitstroom = actief & (end <= last).to_numpy(dtype=bool)
    before = (start < first).to_numpy(dtype=bool)
    out["actief"] = actief
    out["beginstand"] = actief & before
    out["instroom"] = actief & ~before
    out["uitstroom"] = uitstroom
    out["eindstand"] = actief & ~uitstroom

    days = (end - start).dt.days.to_numpy(dtype=float, na_value=np.nan)
    out["duur_dagen"] = np.where(uitstroom & (days >= 0), days, np.nan)

    birth = _as_datetime(frame["geboortedatum"])
    reference = end.where(end.notna() & (end < last), last)
    age = _full_years(birth, reference)
    out["leeftijd"] = age
    out["leeftijdsklasse"] = _age_class(age)

    out["crisis"] = (out["gestart_met_crisis"] == "01").to_numpy(dtype=bool)
    reden_groups = codes.code_list("reden_beeindiging").groups()
    reden_groep = out["reden_beeindiging"].map(reden_groups).fillna(ONBEKEND).astype(object)
    out["reden_groep"] = reden_groep.where(end.notna().to_numpy(), None)

    keys = [_person_keys(frame)] + [_person_keys(h) for h in history]
    ids = pd.factorize(pd.concat(keys, ignore_index=True), use_na_sentinel=False)[0].astype(np.int64)
    out["jongere"] = ids[: len(frame)]
    herhaald = _herhaald(ids, end, [_as_datetime(h["datum_einde"]) for h in history], start, out["instroom"])
    out["herhaald"] = herhaald
    out["nieuw_herhaald"] = np.where(out["instroom"], np.where(herhaald, "herhaald", "nieuw"), None)

    out.attrs["history_periods"] = len(history) if history_periods is None else int(history_periods)
    out.attrs["period"] = str(period)
    return out


def _as_datetime(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").reset_index(drop=True)


def _normalise(values: pd.Series, valid: Sequence[str]) -> np.ndarray:
    array = values.to_numpy(dtype=object, na_value=None)
    return np.where(pd.Series(array).isin(valid).to_numpy(), array, ONBEKEND).astype(object)


def _gemeente(frame: pd.DataFrame, day: date) -> tuple[np.ndarray, np.ndarray]:
    by_code, by_pc4 = _code_lookup(day)
    code = frame["gemeentecode"].reset_index(drop=True)
    from_code = code.map(by_code)
    pc4 = frame["postcode"].reset_index(drop=True).str.slice(0, 4)
    from_pc4 = pc4.map(by_pc4)
    has_code = from_code.notna().to_numpy()
    has_pc4 = from_pc4.notna().to_numpy()
    merged = has_code & (code != from_code).to_numpy()
    gemeente = np.where(has_code, from_code.to_numpy(dtype=object), np.where(has_pc4, from_pc4, ONBEKEND))
    bron = np.select(
        [merged, has_code, has_pc4], ["opvolger", "gemeentecode", "postcode"], default=ONBEKEND
    ).astype(object)
    return gemeente.astype(object), bron


def _full_years(birth: pd.Series, reference: pd.Series) -> pd.Series:
    b_year, r_year = birth.dt.year.to_numpy(dtype=float), reference.dt.year.to_numpy(dtype=float)
    b_md = birth.dt.month.to_numpy(dtype=float) * 100 + birth.dt.day.to_numpy(dtype=float)
    r_md = reference.dt.month.to_numpy(dtype=float) * 100 + reference.dt.day.to_numpy(dtype=float)
    years = r_year - b_year - (r_md < b_md)
    years[np.isnan(b_year) | np.isnan(r_year)] = np.nan
    return pd.Series(years).astype("Int64")


def _age_class(age: pd.Series) -> np.ndarray:
    values = age.to_numpy(dtype=float, na_value=np.nan)
    result = np.full(len(values), ONBEKEND, dtype=object)
    for code, low, high in _age_classes():
        result[(values >= low) & (values <= high)] = code
    return result


def _person_keys(frame: pd.DataFrame) -> pd.Series:
    """Text key per row: ``b<bsn>`` or, for an unknown BSN, ``p<geslacht>|<geboortedatum>|<postcode>``."""
    bsn = frame["bsn"].reset_index(drop=True)
    unknown = bsn.isna() | bsn.isin(codes.code_list("bsn_bijzonder").values)
    keys = ("b" + bsn.astype(object)).astype(object)
    if unknown.any():
        sub = frame.reset_index(drop=True).loc[unknown.to_numpy()]
        birth = _as_datetime(sub["geboortedatum"]).dt.strftime("%Y%m%d").fillna("")
        fallback = (
            "p" + sub["geslacht"].fillna("").astype(str).to_numpy(dtype=object)
            + "|" + birth.to_numpy(dtype=object)
            + "|" + sub["postcode"].fillna("").astype(str).to_numpy(dtype=object)
        )
        keys[unknown.to_numpy()] = fallback
    return keys


def _herhaald(
    ids: np.ndarray, end: pd.Series, history_ends: list[pd.Series], start: pd.Series, instroom: pd.Series
) -> np.ndarray:
    """Herhaald beroep per row (False unless started), via one as-of join on integer day numbers."""
    n = len(start)
    started = instroom.to_numpy(dtype=bool)
    result = np.zeros(n, dtype=bool)
    if not started.any():
        return result
    all_ends = pd.concat([end, *history_ends], ignore_index=True)
    end_days = _day_numbers(all_ends)
    known = ~np.isnan(end_days)
    if not known.any():
        return result
    ends = pd.DataFrame({"jongere": ids[known], "einde": end_days[known].astype(np.int64)}).sort_values(
        "einde", kind="stable"
    )
    start_started = start[started]
    limit = _day_numbers(start_started - pd.DateOffset(years=HERHAALD_JAREN))
    starts = pd.DataFrame(
        {
            "rij": np.flatnonzero(started),
            "jongere": ids[:n][started],
            "grens": _day_numbers(start_started).astype(np.int64) - 1,  # ended at least one day before
            "ondergrens": limit,
        }
    ).sort_values("grens", kind="stable")
    joined = pd.merge_asof(starts, ends, left_on="grens", right_on="einde", by="jongere", direction="backward")
    hit = joined["einde"].notna().to_numpy() & (joined["einde"].to_numpy(dtype=float) >= joined["ondergrens"])
    result[joined["rij"].to_numpy()[hit]] = True
    return result


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as float (NaN for NaT), independent of the datetime unit."""
    array = values.to_numpy(dtype="datetime64[D]")
    out = array.astype(np.int64).astype(float)
    out[np.isnat(array)] = np.nan
    return out


# --- count ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Exact counts of one provider and period (SPEC §6). All frames are tidy and ordered for display.

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

    period: Period
    flows: pd.DataFrame
    breakdowns: pd.DataFrame
    duur: pd.DataFrame
    summary: pd.DataFrame
    history_periods_available: int
    has_previous: bool
    protection: str = "exact"  # set by spiegel.protect.protect_counts; "exact" = counts as delivered

    def breakdown(self, dimensie: str, gemeente: str | None = None) -> pd.DataFrame:
        """The rows of one breakdown (optionally of one gemeente, ``"totaal"`` for all)."""
        if dimensie not in DIMENSIONS:
            raise KeyError(f"unknown breakdown {dimensie!r}; known: {', '.join(DIMENSIONS)}")
        mask = self.breakdowns["dimensie"] == dimensie
        if gemeente is not None:
            mask &= self.breakdowns["gemeente"] == gemeente
        return self.breakdowns[mask].reset_index(drop=True)

    @property
    def gemeenten(self) -> pd.DataFrame:
        """``gemeente`` and ``gemeentenaam`` in display order (``totaal`` first, ``onbekend`` last)."""
        return self.flows[["gemeente", "gemeentenaam"]].drop_duplicates().reset_index(drop=True)


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
    active = prepared[prepared["actief"].to_numpy(dtype=bool)]
    gem_codes, gem_index = _gemeente_index(active["gemeente"].to_numpy(dtype=object))
    names = codes.gemeente_names(period.last_day)
    gem_names = [
        TOTAAL_LABEL if c == TOTAAL else ONBEKEND_GEMEENTE_LABEL if c == ONBEKEND else names.get(c, c)
        for c in gem_codes
    ]
    person = pd.factorize(active["jongere"].to_numpy())[0].astype(np.int64)

    flows, duur = _flows_and_duur(active, gem_codes, gem_names, gem_index, person)
    breakdowns = _breakdowns(active, gem_codes, gem_names, gem_index, person)
    summary = _summary(prepared, flows, previous)
    return Counts(
        period=period,
        flows=flows,
        breakdowns=breakdowns,
        duur=duur,
        summary=summary,
        history_periods_available=int(history_periods_available),
        has_previous=previous is not None,
    )


def _gemeente_index(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    present = set(values.tolist())
    ordered = sorted(present - {ONBEKEND}) + ([ONBEKEND] if ONBEKEND in present else [])
    index = pd.Categorical(values, categories=ordered).codes.astype(np.int64) + 1
    return [TOTAAL, *ordered], index


def _expand(gem_index: np.ndarray, members: np.ndarray, n_cat: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, cell) pairs: every row counts in its own gemeente and in the total (gemeente 0), in each of its
    member categories (``members``: rows × slots, -1 = none). Cell = gemeente * n_cat + category."""
    n, slots = members.shape
    rows = np.tile(np.repeat(np.arange(n), slots), 2)
    gem = np.concatenate([np.repeat(gem_index, slots), np.zeros(n * slots, dtype=np.int64)])
    cat = np.tile(members.ravel(), 2)
    keep = cat >= 0
    return rows[keep], gem[keep] * n_cat + cat[keep]


def _tally(
    rows: np.ndarray, cells: np.ndarray, flags: np.ndarray, person: np.ndarray, n_cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """Trajecten and distinct jongeren per cell and flag: two int64 arrays of shape (n_cells, n_flags)."""
    n_flags = flags.shape[1]
    trajecten = np.zeros((n_cells, n_flags), dtype=np.int64)
    jongeren = np.zeros((n_cells, n_flags), dtype=np.int64)
    n_persons = int(person.max()) + 1 if len(person) else 1
    for f in range(n_flags):
        selected = flags[rows, f]
        cell = cells[selected]
        trajecten[:, f] = np.bincount(cell, minlength=n_cells)
        unique = np.unique(cell * n_persons + person[rows[selected]])
        jongeren[:, f] = np.bincount(unique // n_persons, minlength=n_cells)
    return trajecten, jongeren


def _flows_and_duur(
    active: pd.DataFrame, gem_codes: list[str], gem_names: list[str], gem_index: np.ndarray, person: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    levels = hulpvorm_levels()
    n_levels, n_gem = len(levels), len(gem_codes)
    values, membership = _hulpvorm_membership()
    hv = pd.Categorical(active["hulpvorm"].to_numpy(dtype=object), categories=list(values)).codes
    members = membership[hv]
    rows, cells = _expand(gem_index, members, n_levels)
    flags = np.column_stack(
        [active[m].to_numpy(dtype=bool) for m in MEASURES[:-1]] + [np.ones(len(active), dtype=bool)]
    )
    trajecten, jongeren = _tally(rows, cells, flags, person, n_gem * n_levels)

    frame = {
        "gemeente": np.repeat(gem_codes, n_levels).astype(object),
        "gemeentenaam": np.repeat(gem_names, n_levels).astype(object),
    }
    for column in levels.columns:
        frame[column] = np.tile(levels[column].to_numpy(dtype=object), n_gem)
    base = pd.DataFrame(frame)
    base["niveau"] = base["niveau"].astype(np.int64)
    flows = base.copy()
    for i, measure in enumerate(MEASURES):
        flows[f"trajecten_{measure}"] = trajecten[:, i]
    for i, measure in enumerate(MEASURES):
        flows[f"jongeren_{measure}"] = jongeren[:, i]

    duration = active["duur_dagen"].to_numpy(dtype=float)
    valid = ~np.isnan(duration[rows])
    d_cells, d_values = cells[valid], duration[rows][valid]
    n_cells = n_gem * n_levels
    number = np.bincount(d_cells, minlength=n_cells)
    total = np.bincount(d_cells, weights=d_values, minlength=n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(number > 0, total / np.maximum(number, 1), np.nan)
    median = np.full(n_cells, np.nan)
    if len(d_cells):
        med = pd.Series(d_values).groupby(d_cells).median()
        median[med.index.to_numpy()] = med.to_numpy()
    duur = base.copy()
    duur["trajecten"] = number.astype(np.int64)
    duur["gemiddelde"] = mean
    duur["mediaan"] = median
    return flows, duur


def _breakdowns(
    active: pd.DataFrame, gem_codes: list[str], gem_names: list[str], gem_index: np.ndarray, person: np.ndarray
) -> pd.DataFrame:
    cats = categories()
    n_cat, n_gem, n = len(cats), len(gem_codes), len(active)
    position = {(d, c): i for i, (d, c) in enumerate(zip(cats["dimensie"], cats["categorie"], strict=True))}
    members = np.full((n, 2 * len(DIMENSIONS)), -1, dtype=np.int64)
    for k, (name, (column, _list_name, basis)) in enumerate(DIMENSIONS.items()):
        in_basis = np.ones(n, dtype=bool) if basis == TOTAAL else active[basis].to_numpy(dtype=bool)
        dimension_codes = cats.loc[cats["dimensie"] == name, "categorie"].tolist()
        codes_here = [c for c in dimension_codes if c != TOTAAL]
        index = pd.Categorical(active[column].to_numpy(dtype=object), categories=codes_here).codes
        # A value outside the categories cannot occur after prepare(); count it as onbekend if it does.
        fallback = codes_here.index(ONBEKEND)
        index = np.where(index < 0, fallback, index)
        offset = position[(name, codes_here[0])]
        members[:, 2 * k] = np.where(in_basis, offset + index, -1)
        members[:, 2 * k + 1] = np.where(in_basis, position[(name, TOTAAL)], -1)
    rows, cells = _expand(gem_index, members, n_cat)
    flags = np.ones((n, 1), dtype=bool)
    trajecten, jongeren = _tally(rows, cells, flags, person, n_gem * n_cat)
    frame = {
        "gemeente": np.repeat(gem_codes, n_cat).astype(object),
        "gemeentenaam": np.repeat(gem_names, n_cat).astype(object),
    }
    for column in cats.columns:
        frame[column] = np.tile(cats[column].to_numpy(dtype=object), n_gem)
    out = pd.DataFrame(frame)
    out["trajecten"] = trajecten[:, 0]
    out["jongeren"] = jongeren[:, 0]
    return out


def _summary_values(prepared: pd.DataFrame, flows: pd.DataFrame | None = None) -> dict[str, int]:
    if flows is None:
        active = prepared[prepared["actief"].to_numpy(dtype=bool)]
        person = pd.factorize(active["jongere"].to_numpy())[0]
        values: dict[str, int] = {}
        for measure in MEASURES:
            mask = np.ones(len(active), dtype=bool) if measure == TOTAAL else active[measure].to_numpy(dtype=bool)
            values[f"trajecten_{measure}"] = int(mask.sum())
            values[f"jongeren_{measure}"] = len(np.unique(person[mask]))
        gemeente = active["gemeente"].to_numpy(dtype=object)
    else:
        total = flows[(flows["gemeente"] == TOTAAL) & (flows["hulpvorm"] == TOTAAL)].iloc[0]
        values = {column: int(total[column]) for column in FLOW_COLUMNS}
        gemeente = prepared.loc[prepared["actief"].to_numpy(dtype=bool), "gemeente"].to_numpy(dtype=object)
    values["gemeenten"] = len(set(gemeente.tolist()) - {ONBEKEND})
    values["trajecten_gemeente_onbekend"] = int((gemeente == ONBEKEND).sum())
    values["records"] = len(prepared)
    values["records_niet_in_periode"] = int((~prepared["actief"].to_numpy(dtype=bool)).sum())
    return values


def _summary(prepared: pd.DataFrame, flows: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    current = _summary_values(prepared, flows)
    keys = list(SUMMARY_FIGURES)
    out = pd.DataFrame(
        {
            "kengetal": keys,
            "label": [SUMMARY_FIGURES[k] for k in keys],
            "waarde": pd.array([current[k] for k in keys], dtype="Int64"),
        }
    )
    if previous is not None:
        before = _summary_values(previous)
        out["vorige"] = pd.array([before[k] for k in keys], dtype="Int64")
    else:
        out["vorige"] = pd.array([pd.NA] * len(keys), dtype="Int64")
    out["verschil"] = out["waarde"] - out["vorige"]
    return out


def flow_identity_holds(flows: pd.DataFrame) -> bool:
    """True when beginstand + instroom − uitstroom = eindstand and beginstand + instroom = totaal for trajecten
    in every row (the report prints this check)."""
    t = {m: flows[f"trajecten_{m}"].to_numpy() for m in MEASURES}
    return bool(
        np.all(t["beginstand"] + t["instroom"] - t["uitstroom"] == t["eindstand"])
        and np.all(t["beginstand"] + t["instroom"] == t["totaal"])
    )
