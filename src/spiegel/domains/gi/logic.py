"""The checks of the shared GI rules (the templates ``*-F03`` … ``*-X02`` of ``regels.yaml``), written once for the
three record sets and registered per prefix by each domain's logic module (:func:`register`).

A check gets the :class:`~spiegel.validate.context.Context` and the facts of its record set
(:class:`~spiegel.domains.gi.facts.Facts`) and returns a boolean mask over the set's rows (True = the row fails) or
a list of :class:`~spiegel.validate.engine.Hit`. Code, severity and message live in the YAML declaration; only the
decision is here. Messages carry counts, codes and positions only, never a value from a row.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from spiegel import codes
from spiegel.domains.gi.facts import Facts
from spiegel.io import parse_yaml
from spiegel.validate.context import Context, fullmatch, isin, merged_gemeenten, valid_gemeenten
from spiegel.validate.engine import Hit, logic

Check = Callable[[Context, Facts], Any]
_SHARED: dict[str, tuple[Check, bool]] = {}
_NO_ROWS = np.zeros(0, dtype=np.int64)


def shared(number: str, *, needs_previous: bool = False) -> Callable[[Check], Check]:
    """Declare the check of template rule ``*-<number>`` (``"V01"``)."""

    def add(fn: Check) -> Check:
        _SHARED[number] = (fn, needs_previous)
        return fn

    return add


def _templates() -> list[dict[str, Any]]:
    with (resources.files(__package__) / "regels.yaml").open(encoding="utf-8") as fh:
        return parse_yaml(fh)["regels"]


def register(prefixes: Mapping[str, str]) -> None:
    """Register the shared checks for a domain's prefixes (``{"JB": "jb", "MU": "muhp"}``), for the template rules
    of kind ``logica`` that apply to each prefix."""
    for entry in _templates():
        if entry["soort"] != "logica":
            continue
        number = str(entry["code"]).split("-", 1)[1]
        fn, needs_previous = _SHARED[number]
        for prefix, set_name in prefixes.items():
            if entry.get("voorvoegsels") and prefix not in entry["voorvoegsels"]:
                continue
            logic(f"{prefix}-{number}", needs_previous=needs_previous)(_bound(fn, set_name))


def _bound(fn: Check, set_name: str) -> Callable[[Context], Any]:
    def check(ctx: Context) -> Any:
        return fn(ctx, ctx.sets[set_name])

    check.__name__ = fn.__name__
    check.__doc__ = fn.__doc__
    return check


def previous_facts(ctx: Context, f: Facts) -> Facts | None:
    return ctx.prev_sets.get(f.set_name) if ctx.prev_sets else None


def code_values(f: Facts, list_name: str) -> frozenset[str]:
    return frozenset(f.layout.codes.code_list(list_name).values)


def not_in(f: Facts, generic: str, list_name: str) -> np.ndarray:
    """The item's text is not a code of the list (empty included)."""
    allowed = code_values(f, list_name)
    return np.fromiter((v not in allowed for v in f.item(generic)), dtype=bool, count=f.n)


def valid(day: np.ndarray) -> np.ndarray:
    return ~np.isnat(day)


def youth_known(f: Facts) -> np.ndarray:
    """Records with a usable person key: the record rules skip unborn children (SPEC §4.6a)."""
    return ~f.ongeboren


def group_members(keys: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rows (within ``mask``) whose key occurs more than once among the masked rows."""
    out = np.zeros(len(keys), dtype=bool)
    if mask.sum() < 2:
        return out
    sub = pd.Series(keys[mask])
    out[np.flatnonzero(mask)] = sub.duplicated(keep=False).to_numpy()
    return out


_FAR = np.datetime64("9999-12-31", "D")


def end_or_far(t: np.ndarray) -> np.ndarray:
    """``t`` with running (NaT) as a day after every real day."""
    return np.where(np.isnat(t), _FAR, t)


def overlapping_pairs(group: np.ndarray, s: np.ndarray, t: np.ndarray, rows: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of positions (from ``rows``) in the same ``group`` that share at least one day (``s′ ≤ t`` and
    ``s ≤ t′``; running = open end)."""
    if len(rows) < 2:
        return []
    g, start, end = group[rows], s[rows], end_or_far(t[rows])
    order = np.lexsort((start, g))
    pairs = []
    positions = rows[order]
    g, start, end = g[order], start[order], end[order]
    boundaries = np.flatnonzero(np.r_[True, g[1:] != g[:-1], True])
    for lo, hi in itertools.pairwise(boundaries):
        if hi - lo < 2:
            continue
        for i in range(lo, hi):
            for j in range(i + 1, hi):
                if start[j] > end[i]:
                    break
                pairs.append((int(positions[i]), int(positions[j])))
    return pairs


# --- bestand ---------------------------------------------------------------------------------------------


@shared("F03")
def unknown_columns(ctx: Context, f: Facts) -> list[Hit]:
    """Columns of the header that the layout does not know (named by position, never by name)."""
    records = f.delivery if hasattr(f.delivery, "ignored_columns") else f.delivery.only
    positions = records.ignored_columns
    if not positions:
        return []
    return [Hit(_NO_ROWS, (), "kolom op positie " + ", ".join(map(str, positions)))]


@shared("F04")
def period_kind(ctx: Context, f: Facts) -> list[Hit]:
    """The requested period is a quarter for a half-year domain, or the other way round."""
    domain = f.layout.domain
    if domain is None or f.period.kind in domain.period_kinds:
        return []
    return [Hit(_NO_ROWS, (), f"periode {f.period}")]


# --- velden ----------------------------------------------------------------------------------------------


@shared("V01")
def bsn_invalid(ctx: Context, f: Facts) -> np.ndarray:
    """The reader's status ``ongeldig`` (not nine digits, or failing the elfproef) or ``leeg``."""
    return np.isin(f.bsn_status, ["ongeldig", "leeg"])


@shared("V02")
def birth_date_invalid(ctx: Context, f: Facts) -> np.ndarray:
    """Not a date with the 00 conventions, not the unborn code, or empty."""
    return np.isin(f.birth_status, ["ongeldig", "leeg"])


@shared("V03")
def sex_invalid(ctx: Context, f: Facts) -> np.ndarray:
    return not_in(f, "geslacht", "geslacht")


def _gemeente_status(f: Facts) -> tuple[np.ndarray, np.ndarray]:
    """(unknown, merged) masks of filled gemeente codes on the period's last day."""
    if f.n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    day = f.period.last_day
    gc = f.item("gemeentecode")
    filled = f.filled("gemeentecode")
    four = fullmatch(gc, r"\d{4}")
    known = four & isin(gc, valid_gemeenten(day))
    merged = four & ~known & isin(gc, merged_gemeenten(day))
    return filled & ~known & ~merged, merged


@shared("V05")
def gemeentecode_unknown(ctx: Context, f: Facts) -> np.ndarray:
    return _gemeente_status(f)[0]


@shared("V06")
def gemeentecode_merged(ctx: Context, f: Facts) -> list[Hit]:
    """One finding per merged code, naming its successor (gemeente codes are not personal data)."""
    merged = _gemeente_status(f)[1]
    if not merged.any():
        return []
    day = f.period.last_day
    mapping, names = codes.merged_code_map(day), codes.gemeente_names(day)
    gc = np.asarray(f.item("gemeentecode"), dtype=object)[merged]
    rows = f.rij[merged]
    return [Hit(rows[gc == code], toelichting=f"code {code} → {mapping[code]} ({names.get(mapping[code], '')})")
            for code in sorted(set(gc))]


@shared("V07")
def no_gemeente(ctx: Context, f: Facts) -> np.ndarray:
    return f.empty("postcode") & f.empty("gemeentecode")


@shared("V09")
def type_invalid(ctx: Context, f: Facts) -> np.ndarray:
    column = f.layout.record_set(f.set_name).column(f.col("type_maatregel"))
    return not_in(f, "type_maatregel", column.codelijst)


@shared("V11")
def end_without_reason(ctx: Context, f: Facts) -> np.ndarray:
    """JB: end date xor reason. JR 41–63: ended without drp_einde or zorg_einde (the other way round is JR-V21);
    type 31: end date xor reason."""
    reason = f.filled("reden_beeindiging")
    if f.set_name == "jb":
        return f.ended != reason
    pjk = f.type_in({"31"})
    jr = f.type_in(JR_TYPES)
    jr_fails = jr & f.ended & (f.empty("drp_einde") | f.empty("zorg_einde"))
    return jr_fails | (pjk & (f.ended != reason))


JR_TYPES = frozenset({"41", "42", "50", "51", "61", "62", "63"})


@shared("V12")
def no_start(ctx: Context, f: Facts) -> np.ndarray:
    return ~f.s_filled


@shared("V13")
def start_beside_takeover(ctx: Context, f: Facts) -> np.ndarray:
    return f.filled("datum_aanvang") & f.taken_over


@shared("V14")
def ended_and_handed_over(ctx: Context, f: Facts) -> np.ndarray:
    return f.ended & f.filled("datum_overgedragen")


# --- datums ----------------------------------------------------------------------------------------------


@shared("D01")
def end_before_start(ctx: Context, f: Facts) -> np.ndarray:
    return valid(f.s) & valid(f.t) & (f.t < f.s)


@shared("D02")
def start_after_period(ctx: Context, f: Facts) -> np.ndarray:
    return valid(f.s) & (f.s > f.last_day)


@shared("D03")
def end_after_period(ctx: Context, f: Facts) -> np.ndarray:
    einde, over = f.day("datum_einde"), f.day("datum_overgedragen")
    return (valid(einde) & (einde > f.last_day)) | (valid(over) & (over > f.last_day))


@shared("D04")
def ended_before_period(ctx: Context, f: Facts) -> np.ndarray:
    return valid(f.t) & (f.t < f.first_day)


def born_after_start(f: Facts) -> np.ndarray:
    """Certainly born after ``s`` (the earliest possible birth date after it); unborn children skipped."""
    birth = f.geboorte_vroegst
    return youth_known(f) & valid(birth) & valid(f.s) & (birth > f.s)


OTS_TYPES = frozenset({"11", "12"})


@shared("D05")
def birth_after_start(ctx: Context, f: Facts) -> np.ndarray:
    """Fout; for jeugdbescherming not for a (V)OTS, which may start before the birth (JB-D24 warns)."""
    mask = born_after_start(f)
    return mask & ~f.type_in(OTS_TYPES) if f.set_name == "jb" else mask


# --- records ---------------------------------------------------------------------------------------------


@shared("R01")
def duplicate_key(ctx: Context, f: Facts) -> np.ndarray:
    return group_members(f.record_key, youth_known(f) & valid(f.s))


@shared("R02")
def overlap_same_type(ctx: Context, f: Facts) -> np.ndarray:
    """Two records of the same youth and type share a day; records with the same key are *-R01."""
    usable = youth_known(f) & valid(f.s) & ~group_members(f.record_key, youth_known(f) & valid(f.s))
    rows = np.flatnonzero(usable & pd.Series(f.youth_type).duplicated(keep=False).to_numpy())
    out = np.zeros(f.n, dtype=bool)
    for i, j in overlapping_pairs(f.youth_type, f.s, f.t, rows):
        out[[i, j]] = True
    return out


@shared("R03")
def unborn_code(ctx: Context, f: Facts) -> np.ndarray:
    """BSN 000000000 with a birth date on or before ``s``; on a JR/PJK record any unborn code."""
    born = f.bsn_ongeboren & valid(f.geboorte) & valid(f.s) & (f.geboorte <= f.s)
    return born | f.ongeboren if f.set_name == "jr" else born


# --- compleetheid ----------------------------------------------------------------------------------------


def eindstand(f: Facts) -> np.ndarray:
    """In the eindstand of the facts' period (SPEC §4.5): ``s`` ≤ L and (``t`` empty or ``t`` > L)."""
    return valid(f.s) & (f.s <= f.last_day) & (np.isnat(f.t) | (f.t > f.last_day))


def _missing_and_changed(ctx: Context, f: Facts) -> tuple[np.ndarray, np.ndarray]:
    """(previous rows of the eindstand missing now and not explained by a change, current rows that changed)."""
    memo_key = ("gi-missing", f.set_name)
    if memo_key in ctx.memo:
        return ctx.memo[memo_key]
    prev = previous_facts(ctx, f)
    assert prev is not None
    current_keys = set(f.record_key[youth_known(f)].tolist())
    missing = eindstand(prev) & youth_known(prev) & ~np.isin(prev.record_key, list(current_keys))
    prev_rows = np.flatnonzero(missing)
    # Changed: same youth and type with another start, or same youth and start with another type.
    new = youth_known(f) & ~np.isin(f.record_key, prev.record_key[youth_known(prev)])
    person_type = set(zip(prev.person_id[prev_rows].tolist(), prev.type_part[prev_rows].tolist(), strict=True))
    person_start = set(zip(prev.person_id[prev_rows].tolist(), prev.s_part[prev_rows].tolist(), strict=True))
    cur_pt = list(zip(f.person_id.tolist(), f.type_part.tolist(), strict=True))
    cur_ps = list(zip(f.person_id.tolist(), f.s_part.tolist(), strict=True))
    changed = new & np.fromiter((pt in person_type or ps in person_start for pt, ps in zip(cur_pt, cur_ps,
                                                                                            strict=True)),
                                dtype=bool, count=f.n)
    explained_pt = set(p for p, m in zip(cur_pt, changed, strict=True) if m)
    explained_ps = set(p for p, m in zip(cur_ps, changed, strict=True) if m)
    still_missing = missing.copy()
    for i in prev_rows:
        pt = (int(prev.person_id[i]), int(prev.type_part[i]))
        ps = (int(prev.person_id[i]), int(prev.s_part[i]))
        if pt in explained_pt or ps in explained_ps:
            still_missing[i] = False
    ctx.memo[memo_key] = (still_missing, changed)
    return still_missing, changed


@shared("C01", needs_previous=True)
def missing_from_previous(ctx: Context, f: Facts) -> list[Hit]:
    prev = previous_facts(ctx, f)
    missing, _ = _missing_and_changed(ctx, f)
    return [Hit(prev.rij[missing], bestand="vorig")] if missing.any() else []


@shared("C02", needs_previous=True)
def start_or_type_changed(ctx: Context, f: Facts) -> np.ndarray:
    return _missing_and_changed(ctx, f)[1]


@shared("C03", needs_previous=True)
def handed_over_again(ctx: Context, f: Facts) -> np.ndarray:
    prev = previous_facts(ctx, f)
    over = prev.day("datum_overgedragen")
    gone = prev.handed_over & valid(over) & (over >= prev.first_day) & (over <= prev.last_day) & youth_known(prev)
    return youth_known(f) & np.isin(f.record_key, prev.record_key[gone])


@shared("C04", needs_previous=True)
def stand_jump(ctx: Context, f: Facts) -> list[Hit]:
    """Per type and per gemeente: the eindstand in both deliveries (SPEC §4.6 *-C04)."""
    prev = previous_facts(ctx, f)
    s = ctx.settings
    now_end, prev_end = eindstand(f), eindstand(prev)
    hits = []
    for label, now_values, prev_values in (
        ("type", f.type_code, prev.type_code),
        ("gemeente", f.gemeente_code, prev.gemeente_code),
    ):
        now_counts = pd.Series(now_values[now_end]).value_counts()
        prev_counts = pd.Series(prev_values[prev_end]).value_counts()
        for key in sorted(set(now_counts.index) | set(prev_counts.index), key=str):
            a, b = int(now_counts.get(key, 0)), int(prev_counts.get(key, 0))
            largest = max(a, b)
            if largest < s.jump_min_records or abs(a - b) / largest <= s.jump_threshold:
                continue
            rows = f.rij[now_end & (now_values == key)]
            kolom = "type_maatregel" if label == "type" else "gemeentecode"
            hits.append(Hit(rows, (f.col(kolom),), f"{label} {key}: eindstand {b} → {a}"))
    return hits


@shared("C05")
def unknown_share(ctx: Context, f: Facts) -> list[Hit]:
    s = ctx.settings
    if f.n < s.unknown_min_records or f.n == 0:
        return []
    raw_birth = np.asarray(f.text("geboortedatum"), dtype=object)
    unknown = {
        ("bsn",): np.isin(f.bsn_status, ["onbekend", "leeg"]),
        ("postcode", "gemeentecode"): f.gemeente(f.period.last_day) < 0,
        ("geboortedatum",): (f.birth_status == "leeg") | np.fromiter(
            (len(v) == 8 and v.endswith("0000") and v != "00000000" for v in raw_birth), dtype=bool, count=f.n),
    }
    hits = []
    for columns, mask in unknown.items():
        share = mask.sum() / f.n
        if share > s.unknown_share_threshold:
            hits.append(Hit(f.rij[mask], columns, f"{mask.sum()} van {f.n} records ({share:.0%}) onbekend"))
    return hits


# --- tussen GI's -----------------------------------------------------------------------------------------


def _peer_keys(ctx: Context, f: Facts, generic: str, shift: int) -> set[tuple[int, int, int]]:
    """(person, type, day + shift) of the other GIs' records with the transfer date ``generic`` filled."""
    out: set[tuple[int, int, int]] = set()
    for sets in getattr(ctx, "peers", ()):
        other = sets.get(f.set_name)
        if other is None or other.n == 0:
            continue
        day = other.day(generic)
        ok = valid(day) & youth_known(other)
        numbers = day[ok].astype(np.int64) + shift
        out.update(zip(other.person_id[ok].tolist(), other.type_part[ok].tolist(), numbers.tolist(), strict=True))
    return out


def in_peer_periods(ctx: Context, f: Facts, day: np.ndarray) -> np.ndarray:
    """``day`` falls within a period of which the other GIs' deliveries are at hand (``ctx.peers``; in a store the
    period, the one before and the one after it, as far as delivered).

    The window of the cross-GI rules: the counterpart of a transfer lies only in the other GI's delivery of the period
    in which its own transfer date falls (the handing-over GI delivers ``datum_overgedragen`` in that period only; the
    receiving GI delivers from the period of ``datum_overgedragen_gekregen``, SPEC §4.4). A counterpart day outside
    every peer period cannot be looked up, so the rule does not judge it (a measure taken over years ago; a hand-over
    on the last day when the next period has not been delivered yet). The periods are the peers' own, not a constant.
    """
    out = np.zeros(len(day), dtype=bool)
    spans = sorted({(other.first_day, other.last_day) for sets in getattr(ctx, "peers", ())
                    if (other := sets.get(f.set_name)) is not None})
    for first, last in spans:
        out |= valid(day) & (day >= first) & (day <= last)
    return out


def _unmatched(ctx: Context, f: Facts, own: str, other: str, shift: int) -> np.ndarray:
    """Rows whose transfer date ``own`` has no record of the same youth and type at another GI with ``other`` =
    ``own`` − ``shift``, among the rows whose counterpart day (``own`` − ``shift``) lies in the peers' periods."""
    day = f.day(own)
    candidates = valid(day) & youth_known(f)
    if own == "datum_overgedragen":
        candidates &= f.handed_over
    candidates &= in_peer_periods(ctx, f, day - np.timedelta64(shift, "D"))
    if not candidates.any():
        return candidates
    keys = _peer_keys(ctx, f, other, shift)
    numbers = day.astype(np.int64)
    return candidates & np.fromiter(
        ((int(p), int(t), int(d)) not in keys for p, t, d in zip(f.person_id, f.type_part, numbers, strict=True)),
        dtype=bool, count=f.n)


@shared("X01")
def transfer_not_received(ctx: Context, f: Facts) -> np.ndarray:
    """Another GI took it over one day after ``datum_overgedragen``: its gekregen date − 1 = our date. Judged only
    when the take-over day (``datum_overgedragen`` + 1) lies in a peer period (:func:`in_peer_periods`)."""
    return _unmatched(ctx, f, "datum_overgedragen", "datum_overgedragen_gekregen", -1)


@shared("X02")
def takeover_not_sent(ctx: Context, f: Facts) -> np.ndarray:
    """Another GI handed it over one day before ``datum_overgedragen_gekregen``. Judged only when the hand-over day
    (``datum_overgedragen_gekregen`` − 1) lies in a peer period (:func:`in_peer_periods`)."""
    return _unmatched(ctx, f, "datum_overgedragen_gekregen", "datum_overgedragen", 1)
