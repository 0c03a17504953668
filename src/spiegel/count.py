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
from functools import cache, cached_property

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
    levels = _hulpvorm_levels()
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
        code_list = codes.code_list(list_name)
        rows.append((name, code_list.titel, basis, TOTAAL, TOTAAL_LABEL, None))
        for c in code_list.codes:
            rows.append((name, code_list.titel, basis, c.code, c.label, c.groep))
        if ONBEKEND not in code_list.values:
            rows.append((name, code_list.titel, basis, ONBEKEND, INVALID_LABEL, None))
    return pd.DataFrame(rows, columns=["dimensie", "titel", "basis", "categorie", "label", "groep"])


@cache
def _code_lookup(day: date) -> tuple[dict[str, str], dict[str, str]]:
    """(gemeentecode → gemeente valid on ``day``, incl. merged codes → successor; PC4 → gemeente)."""
    return codes.code_to_gemeente(day), codes.pc4_map(day)


@cache
def _age_classes() -> tuple[tuple[str, int, int], ...]:
    out = []
    for c in codes.code_list("leeftijdsklasse").codes:
        if c.get("van") is not None:
            out.append((c.code, int(c.get("van")), int(c.get("tot"))))
    return tuple(out)


@cache
def _valid_map(list_name: str) -> dict[str, str]:
    return {code: code for code in codes.code_list(list_name).values}


@cache
def _unknown_bsn() -> frozenset[str]:
    return frozenset(codes.code_list("bsn_bijzonder").values)


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
      ``leeftijdsklasse``; no birth date, or an age outside 0–22 → ``onbekend``).
    - flags ``actief``, ``beginstand``, ``instroom``, ``uitstroom``, ``eindstand`` (bool). Every flag implies
      ``actief``; ``uitstroom`` and ``eindstand`` split the active rows, so beginstand + instroom − uitstroom
      = eindstand holds row by row. A row without a valid datum_aanvang is not active.
    - ``duur_dagen`` (float): einde − aanvang in days for ended (uitstroom) rows; NaN otherwise and when
      einde lies before aanvang.
    - ``herhaald`` (bool, true only for instroom rows) and ``nieuw_herhaald`` (``nieuw`` | ``herhaald``,
      empty when not started): the same youth had a trajectory that ended at least one day before this
      start and at most five years before it, in ``history`` or in this delivery.
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
    start, end = _days(frame["datum_aanvang"]), _days(frame["datum_einde"])
    text = {c: frame[c] for c in ("gemeentecode", "postcode", *_NORMALISED)}

    out: dict[str, object] = {}
    for column in frame.columns:
        if column in IDENTIFYING_COLUMNS:
            continue
        if column in _NORMALISED:
            out[column] = _lookup(text[column], _valid_map(_NORMALISED[column]), ONBEKEND)
        elif column in ("datum_aanvang", "datum_einde"):
            out[column] = start if column == "datum_aanvang" else end
        else:
            out[column] = frame[column].to_numpy()

    out["gemeente"], out["gemeente_bron"] = _gemeente(text["gemeentecode"], text["postcode"], period.last_day)
    out["hulpvormgroep"] = _lookup(out["hulpvorm"], codes.code_list("hulpvorm").groups(), ONBEKEND)

    # Flags (SPEC §6 table), all conditional on being active so that the stand/flow identity holds.
    running = np.isnat(end)
    actief = (start <= last) & (running | (end >= first))
    uitstroom = actief & (end <= last)
    before = start < first
    out["actief"] = actief
    out["beginstand"] = actief & before
    out["instroom"] = actief & ~before
    out["uitstroom"] = uitstroom
    out["eindstand"] = actief & ~uitstroom

    days = (end - start).astype("timedelta64[D]").astype(np.int64).astype(float)
    out["duur_dagen"] = np.where(uitstroom & (days >= 0) & ~np.isnat(end) & ~np.isnat(start), days, np.nan)

    reference = np.where(running | (end > last), last, end)
    age = _full_years(_days(frame["geboortedatum"]), reference)
    out["leeftijd"] = age
    out["leeftijdsklasse"] = _age_class(age)

    out["crisis"] = out["gestart_met_crisis"] == "01"
    reden_groep = _lookup(out["reden_beeindiging"], codes.code_list("reden_beeindiging").groups(), ONBEKEND)
    reden_groep[running] = None
    out["reden_groep"] = reden_groep

    ids = _youth_ids([frame, *history])
    out["jongere"] = ids[: len(frame)]
    history_ends = (_valid_end(_days(h["datum_einde"]), _days(h["datum_aanvang"])) for h in history)
    all_ends = np.concatenate([_valid_end(end, start), *history_ends])
    herhaald = _herhaald(ids, all_ends, start, out["instroom"])  # type: ignore[arg-type]
    out["herhaald"] = herhaald
    nieuw_herhaald = np.where(herhaald, "herhaald", "nieuw").astype(object)
    nieuw_herhaald[~out["instroom"]] = None  # type: ignore[index]
    out["nieuw_herhaald"] = nieuw_herhaald

    result = _frame(out)
    result.attrs["history_periods"] = len(history) if history_periods is None else int(history_periods)
    result.attrs["period"] = str(period)
    return result


def _frame(columns: dict[str, object]) -> pd.DataFrame:
    """A frame with the text columns first (dtype ``object``, not pandas' ``str``), then the others, each
    group in the given order. One 2-d object block instead of one conversion per column: several times
    cheaper for small providers, both here and when :func:`count` reads the columns back."""
    text = [k for k, v in columns.items() if isinstance(v, np.ndarray) and v.dtype == object]
    other = pd.DataFrame({k: v for k, v in columns.items() if k not in set(text)})
    if not text:
        return other
    n = len(columns[text[0]])  # type: ignore[arg-type]
    block = pd.DataFrame(
        np.column_stack([columns[k] for k in text]) if n else np.empty((0, len(text)), dtype=object),
        columns=text,
        dtype=object,
    )
    return pd.concat([block, other], axis=1) if len(other.columns) else block


def _objects(values: pd.Series) -> np.ndarray:
    """Text column as an object array with ``None`` for missing."""
    return values.to_numpy(dtype=object, na_value=None)


def _days(values: pd.Series) -> np.ndarray:
    """Date column as ``datetime64[D]`` (NaT for missing or invalid)."""
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.to_datetime(values, errors="coerce")
    return values.to_numpy(dtype="datetime64[D]")


_SMALL = 2_000  # below this many rows a Python dict lookup per value beats a pandas call


def _lookup(values: pd.Series | np.ndarray, mapping: dict[str, str | None], default: str) -> np.ndarray:
    """Map every value through ``mapping`` (``default`` when absent, missing or mapped to None), as an object
    array. Small inputs: a dict lookup per value; large ones: factorize, then look up each distinct value."""
    get = mapping.get
    if len(values) < _SMALL:
        array = _objects(values) if isinstance(values, pd.Series) else values
        return np.array([get(v) or default for v in array] or [], dtype=object)
    index, uniques = _factorize(values)
    return np.array([*(get(u) or default for u in uniques), default], dtype=object)[index]


def _factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the distinct values (an object array); missing values get code -1, which indexes the slot
    after the last distinct value."""
    index, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(index, dtype=np.int64), np.asarray(uniques, dtype=object)


def _gemeente(code: pd.Series, postcode: pd.Series, day: date) -> tuple[np.ndarray, np.ndarray]:
    by_code, by_pc4 = _code_lookup(day)
    from_code = _lookup(code, by_code, ONBEKEND)
    still_valid = _lookup(code, _valid_codes_map(day), ONBEKEND)
    if len(postcode) < _SMALL:
        pc4: pd.Series | np.ndarray = np.array(
            [p[:4] if isinstance(p, str) else None for p in _objects(postcode)] or [], dtype=object
        )
    else:
        pc4 = postcode.str.slice(0, 4)
    from_pc4 = _lookup(pc4, by_pc4, ONBEKEND)
    has_code = from_code != ONBEKEND
    has_pc4 = from_pc4 != ONBEKEND
    merged = has_code & (still_valid == ONBEKEND)
    gemeente = np.where(has_code, from_code, np.where(has_pc4, from_pc4, ONBEKEND)).astype(object)
    bron = np.select(
        [merged, has_code, has_pc4], ["opvolger", "gemeentecode", "postcode"], default=ONBEKEND
    ).astype(object)
    return gemeente, bron


@cache
def _valid_codes_map(day: date) -> dict[str, str]:
    return {code: code for code in codes.valid_codes(day)}


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    months = days.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def _full_years(birth: np.ndarray, reference: np.ndarray) -> pd.arrays.IntegerArray:
    b_year, b_month, b_day = _ymd(birth)
    r_year, r_month, r_day = _ymd(reference)
    years = r_year - b_year - ((r_month * 100 + r_day) < (b_month * 100 + b_day))
    unknown = np.isnat(birth) | np.isnat(reference)
    return pd.arrays.IntegerArray(np.where(unknown, 0, years).astype(np.int64), unknown)


def _age_class(age: pd.arrays.IntegerArray) -> np.ndarray:
    values = age.to_numpy(dtype=float, na_value=np.nan)
    result = np.full(len(values), ONBEKEND, dtype=object)
    for code, low, high in _age_classes():
        result[(values >= low) & (values <= high)] = code
    return result


def _youth_ids(frames: Sequence[pd.DataFrame]) -> np.ndarray:
    """One integer id per row of all ``frames`` together: by BSN; for an unknown BSN (999999999,
    000000000, empty) by geslacht + geboortedatum + postcode, numbered after all BSNs."""
    special = _unknown_bsn()
    if sum(len(f) for f in frames) < _SMALL:
        values = np.concatenate([_objects(f["bsn"]) for f in frames])
        unknown = np.array([not isinstance(b, str) or b in special for b in values], dtype=bool)
        numbering: dict[object, int] = {}
        ids = np.array([numbering.setdefault(b, len(numbering)) for b in values] or [], dtype=np.int64)
        uniques: object = numbering
    else:
        bsn = pd.concat([f["bsn"].reset_index(drop=True) for f in frames], ignore_index=True)
        unknown = (bsn.isna() | bsn.isin(list(special))).to_numpy()
        codes_, uniques = pd.factorize(bsn, use_na_sentinel=True)
        ids = np.asarray(codes_, dtype=np.int64)
    if unknown.any():
        bounds = np.cumsum([0, *(len(f) for f in frames)])
        fallback = np.concatenate(
            [_fallback_keys(f, unknown[lo:hi]) for f, lo, hi in zip(frames, bounds[:-1], bounds[1:], strict=True)]
        )
        ids[unknown] = len(uniques) + pd.factorize(fallback)[0]  # type: ignore[arg-type]
    return ids


def _fallback_keys(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """``<geslacht>|<geboortedatum>|<postcode>`` of the selected rows (the person part of the fallback key)."""
    birth = np.datetime_as_string(_days(frame["geboortedatum"])[rows])
    sex, postcode = _objects(frame["geslacht"])[rows], _objects(frame["postcode"])[rows]
    return np.array(
        [f"{s or ''}|{'' if b == 'NaT' else b}|{p or ''}" for s, b, p in zip(sex, birth, postcode, strict=True)]
        or [],
        dtype=object,
    )


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
    limit = _years_before(a, HERHAALD_JAREN).astype(np.int64) + _DAY_OFFSET
    result[rows] = found & same_person & (candidate % _DAY_SPAN >= limit)
    return result


def _years_before(days: np.ndarray, years: int) -> np.ndarray:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    year, month, day = _ymd(days)
    month_start = ((year - years - 1970) * 12 + month - 1).astype("datetime64[M]")
    month_length = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(np.int64)
    return month_start.astype("datetime64[D]") + (np.minimum(day, month_length) - 1)


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
        flows=flows,
        breakdowns=breakdowns,
        duur=duur,
        summary=summary,
        history_periods_available=int(history_periods_available),
        has_previous=previous is not None,
    )


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


def _gemeente_index(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    present = set(values.tolist())
    ordered = sorted(present - {ONBEKEND}) + ([ONBEKEND] if ONBEKEND in present else [])
    position = {code: i + 1 for i, code in enumerate(ordered)}
    return [TOTAAL, *ordered], _positions(values, position)


def _positions(values: np.ndarray, position: dict[str, int], default: int = -1) -> np.ndarray:
    """``position[value]`` per value (``default`` when absent), as int64."""
    get = position.get
    if len(values) < _SMALL:
        return np.fromiter((get(v, default) for v in values), dtype=np.int64, count=len(values))
    index, uniques = _factorize(values)
    return np.array([*(get(u, default) for u in uniques), default], dtype=np.int64)[index]


def _expand(gem_index: np.ndarray, members: np.ndarray, n_cat: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, cell) pairs: every row counts in its own gemeente and in the total (gemeente 0), in each of its
    member categories (``members``: rows × slots, -1 = none). Cell = gemeente * n_cat + category."""
    n, slots = members.shape
    flat = members.ravel()
    keep = flat >= 0
    rows = np.repeat(np.arange(n), slots)[keep]
    category = flat[keep]
    own = gem_index[rows] * n_cat + category
    return np.concatenate([rows, rows]), np.concatenate([own, category])  # total: gemeente 0 → cell = category


def _tally(
    rows: np.ndarray, cells: np.ndarray, flags: np.ndarray, person: np.ndarray, n_cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """Trajecten and distinct jongeren per cell and flag: two int64 arrays of shape (n_cells, n_flags)."""
    n_flags = flags.shape[1]
    trajecten = np.zeros((n_cells, n_flags), dtype=np.int64)
    jongeren = np.zeros((n_cells, n_flags), dtype=np.int64)
    n_persons = int(person.max()) + 1 if len(person) else 1
    # Hash the (cell, youth) pairs once; per flag a pair counts when at least one of its rows has the flag.
    pair, pairs = pd.factorize(cells * n_persons + person[rows])
    pair_cell = np.asarray(pairs, dtype=np.int64) // n_persons
    n_pairs = len(pairs)
    for f in range(n_flags):
        selected = flags[rows, f]
        trajecten[:, f] = np.bincount(cells[selected], minlength=n_cells)
        present = np.bincount(pair[selected], minlength=n_pairs) > 0
        jongeren[:, f] = np.bincount(pair_cell[present], minlength=n_cells)
    return trajecten, jongeren


@cache
def _level_columns() -> dict[str, np.ndarray]:
    levels = _hulpvorm_levels()
    return {column: levels[column].to_numpy(dtype=object) for column in levels.columns}


@cache
def _category_columns() -> dict[str, np.ndarray]:
    cats = _categories()
    return {column: cats[column].to_numpy(dtype=object) for column in cats.columns}


def _labelled(gem: tuple[np.ndarray, np.ndarray, np.ndarray], labels: dict[str, np.ndarray]) -> dict[str, object]:
    """Columns gemeente, gemeentenaam and the label columns, one block of label rows per gemeente."""
    n_labels = len(next(iter(labels.values())))
    out: dict[str, object] = {"gemeente": np.repeat(gem[0], n_labels), "gemeentenaam": np.repeat(gem[1], n_labels)}
    for column, values in labels.items():
        out[column] = np.tile(values, len(gem[0]))
    return out


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

    duration = data["duur_dagen"].astype(float)[rows]
    valid = ~np.isnan(duration)
    d_cells, d_values = cells[valid], duration[valid]
    number = np.bincount(d_cells, minlength=n_cells)
    total = np.bincount(d_cells, weights=d_values, minlength=n_cells)
    mean = np.full(n_cells, np.nan)
    np.divide(total, number, out=mean, where=number > 0)
    median = np.full(n_cells, np.nan)
    if len(d_cells):
        order = np.lexsort((d_values, d_cells))
        sorted_cells, sorted_values = d_cells[order], d_values[order]
        starts = np.flatnonzero(np.r_[True, sorted_cells[1:] != sorted_cells[:-1]])
        counts = np.diff(np.r_[starts, len(sorted_cells)])
        low = sorted_values[starts + (counts - 1) // 2]
        high = sorted_values[starts + counts // 2]
        median[sorted_cells[starts]] = (low + high) / 2
    duur_columns["trajecten"] = number.astype(np.int64)
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


def flow_identity_holds(flows: pd.DataFrame) -> bool:
    """True when beginstand + instroom − uitstroom = eindstand and beginstand + instroom = totaal for trajecten
    in every row (the report prints this check)."""
    t = {m: flows[f"trajecten_{m}"].to_numpy() for m in MEASURES}
    return bool(
        np.all(t["beginstand"] + t["instroom"] - t["uitstroom"] == t["eindstand"])
        and np.all(t["beginstand"] + t["instroom"] == t["totaal"])
    )
