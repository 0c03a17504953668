"""Logic checks of the jeugdhulp rule set (rules with ``soort: logica`` in ``rules.yaml``).

Each function gets a :class:`~spiegel.validate.context.Context` (``ctx.cur``: the delivery's
:class:`~spiegel.domains.jeugdhulp.facts.Facts`) and returns a boolean mask over the current delivery's rows
(True = the row fails) or a list of :class:`~spiegel.validate.engine.Hit`. Code, severity and message live in the
YAML declaration; only the decision is here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiegel import codes, dates, elfproef, fastpath, gemeenten
from spiegel.formats import fmt_int, fmt_pct
from spiegel.validate.context import (
    Context,
    Text,
    digits_to_int,
    equals,
    fullmatch,
    isin,
    known_pc4,
    merged_gemeenten,
    per_distinct,
    prefix,
    valid_gemeenten,
)
from spiegel.validate.engine import Hit, logic

_NOT_A_DAY = np.iinfo(np.int64).max


# --- bestand ---------------------------------------------------------------------------------------------


@logic("JH-B09")
def blank_lines(ctx: Context) -> list[Hit]:
    rows = np.asarray(ctx.cur.delivery.blank_rows, dtype=np.int64)
    return [Hit(rows)] if len(rows) else []


# --- velden ----------------------------------------------------------------------------------------------


def elfproef_ok(values: Text) -> np.ndarray:
    """True where a 9-digit value passes the BSN elfproef (weights 9..2 and −1; sum divisible by 11)."""
    nine = fullmatch(values, r"\d{9}")
    return nine & elfproef.passes(digits_to_int(values, nine))


@logic("JH-V03")
def bsn_elfproef(ctx: Context) -> np.ndarray:
    """Nine digits, not a special value, failing the elfproef: the reader's status ``ongeldig`` with nine digits
    (an ill-formed BSN is JH-V02)."""
    f = ctx.cur
    return f.bsn_nine_digits & (f.bsn_status == "ongeldig")


@logic("JH-V09")
def postcode_unknown(ctx: Context) -> np.ndarray:
    f = ctx.cur
    postcode = f.text("postcode")
    well_formed = fullmatch(postcode, gemeenten.POSTCODE_PATTERN)
    known = isin(prefix(postcode, 4), known_pc4(f.period.last_day))
    return well_formed & ~known & equals(f.text("gemeentecode"), "")


@logic("JH-V24")
def postcode_in_several_gemeenten(ctx: Context) -> list[Hit]:
    """A well-formed postcode whose four digits lie in more than one gemeente, without a gemeentecode: one finding
    per chosen gemeente, saying which gemeente counts the rows and why (codes only, never the postcode)."""
    f = ctx.cur
    day = f.period.last_day
    ambiguous = codes.pc4_ambiguous(day)
    postcode = f.text("postcode")
    hit = per_distinct(postcode, lambda p: gemeenten.pc4_of(p) in ambiguous).astype(bool)  # (no PC4 a row)
    hit &= equals(f.text("gemeentecode"), "")
    if not hit.any():
        return []
    names = codes.gemeente_names(day)
    positions_hit = np.flatnonzero(hit)
    if isinstance(postcode, list):
        pc4 = [gemeenten.pc4_of(postcode[i]) for i in positions_hit]
    else:
        pc4 = per_distinct(postcode.iloc[positions_hit], gemeenten.pc4_of)
    by_choice: dict[tuple[str, str, tuple[str, ...]], list[int]] = {}
    for i, value in zip(positions_hit, pc4, strict=True):
        by_choice.setdefault(ambiguous[value], []).append(int(i))
    hits = []
    for (choice, reason, all_codes), positions in sorted(by_choice.items()):
        others = ", ".join(f"{c} ({names.get(c, c)})" for c in all_codes if c != choice)
        hits.append(Hit(f.rij[np.array(positions)],
                        toelichting=f"geteld bij {choice} ({names.get(choice, choice)}): {reason}; ook mogelijk: "
                        f"{others}"))
    return hits


def _gemeentecode_status(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(unknown, merged) masks of well-formed gemeente codes on the period's last day."""
    day = ctx.cur.period.last_day
    gc = ctx.cur.text("gemeentecode")
    four = fullmatch(gc, r"\d{4}")
    valid = isin(gc, valid_gemeenten(day))
    merged = isin(gc, merged_gemeenten(day))
    return four & ~valid & ~merged, four & merged


@logic("JH-V11")
def gemeentecode_unknown(ctx: Context) -> np.ndarray:
    return _gemeentecode_status(ctx)[0]


@logic("JH-V12")
def gemeentecode_merged(ctx: Context) -> list[Hit]:
    """One finding per merged code, naming its successor (codes are not personal data)."""
    day = ctx.cur.period.last_day
    merged = _gemeentecode_status(ctx)[1]
    if not merged.any():
        return []
    mapping = codes.merged_code_map(day)
    names = codes.gemeente_names(day)
    gc = np.asarray(ctx.cur.text("gemeentecode"), dtype=object)[merged]
    rows = ctx.cur.rij[merged]
    hits = []
    for code in sorted(set(gc)):
        new = mapping[code]
        hits.append(Hit(rows[gc == code], toelichting=f"code {code} → {new} ({names.get(new, new)})"))
    return hits


# --- datums ----------------------------------------------------------------------------------------------


@logic("JH-D01")
def einde_before_aanvang(ctx: Context) -> np.ndarray:
    return ctx.cur.einde < ctx.cur.aanvang


@logic("JH-D02")
def aanvang_after_period(ctx: Context) -> np.ndarray:
    return ctx.cur.aanvang > ctx.cur.last_day


@logic("JH-D03")
def einde_after_period(ctx: Context) -> np.ndarray:
    return ctx.cur.einde > ctx.cur.last_day


@logic("JH-D04")
def einde_before_period(ctx: Context) -> np.ndarray:
    return ctx.cur.einde < ctx.cur.first_day


@logic("JH-D05")
def birth_after_aanvang(ctx: Context) -> np.ndarray:
    return (ctx.cur.geboorte_vroegst > ctx.cur.aanvang) & ~ctx.cur.bsn_ongeboren


def _ages(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(age at aanvang from the latest possible birth date, age from the imputed birth date)."""
    if "ages" not in ctx.memo:
        f = ctx.cur
        # (int16: whole years fit, and the pair is kept for two rules: a quarter of int64's memory)
        ctx.memo["ages"] = (dates.age_at(f.geboorte_laatst, f.aanvang).astype(np.int16),
                            dates.age_at(f.geboorte, f.aanvang).astype(np.int16))
    return ctx.memo["ages"]


@logic("JH-D06")
def over_22(ctx: Context) -> np.ndarray:
    return _ages(ctx)[0] > 22


@logic("JH-D07")
def age_18_to_22(ctx: Context) -> np.ndarray:
    youngest, imputed = _ages(ctx)
    return (imputed >= 18) & (youngest <= 22) & (youngest >= 0)


# --- records ---------------------------------------------------------------------------------------------


def duplicated(keys: np.ndarray, *, keep: str | bool) -> np.ndarray:
    """``pd.Series(keys).duplicated(keep=keep)`` for int64 keys (``keep`` "first" or False); for a few keys
    with numpy's sort, which costs a tenth of pandas' fixed cost there."""
    if keep not in (False, "first"):
        raise ValueError(f"keep must be 'first' or False, not {keep!r}")
    if not fastpath.small(len(keys)):
        # a stable sort instead of pandas' hash table: the same answer in about a quarter of the memory (16 bytes a
        # row for the order and the sorted keys)
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        same = ordered[1:] == ordered[:-1]
        del ordered
        flags = np.zeros(len(keys), dtype=bool)
        flags[1:] = same
        if keep is False:
            flags[:-1] |= same
        out = np.empty(len(keys), dtype=bool)
        out[order] = flags
        return out
    if keep is False:
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        return counts[inverse.reshape(-1)] > 1
    _, first = np.unique(keys, return_index=True)  # the first position of each key
    out = np.ones(len(keys), dtype=bool)
    out[first] = False
    return out


def running_max(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The running maximum of ``values`` within each run of equal ``groups`` (sorted by group), as
    ``pd.Series(values).groupby(groups).cummax()`` gives it for contiguous groups."""
    if not fastpath.small(len(values)):
        return _running_max_in_runs(values, groups)
    out, group = values.tolist(), groups.tolist()
    for i in range(1, len(out)):
        if group[i] == group[i - 1] and out[i - 1] > out[i]:
            out[i] = out[i - 1]
    return np.array(out, dtype=values.dtype)


def _running_max_in_runs(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """:func:`running_max` of int64 ``values`` in numpy, without pandas' hash table of the groups (a fifth of its
    memory): each run is lifted above all earlier runs, so that one running maximum over the whole array never
    carries a value from one run into the next. Values are ranked first (the lifts then stay within int64)."""
    if not len(values):
        return values.copy()
    distinct, rank = np.unique(values, return_inverse=True)
    rank = rank.reshape(-1).astype(np.int64)
    run = np.empty(len(values), dtype=np.int64)
    run[0] = 0
    np.cumsum(groups[1:] != groups[:-1], out=run[1:])
    lift = run * len(distinct)
    del run
    rank += lift
    np.maximum.accumulate(rank, out=rank)
    rank -= lift
    return distinct[rank]


@logic("JH-R01")
def duplicate_key(ctx: Context) -> np.ndarray:
    return duplicated(ctx.cur.record_key, keep=False)


@logic("JH-R02")
def overlapping_records(ctx: Context) -> np.ndarray:
    """Records of one youth and hulpvorm overlap when one starts on or before the (open) end of another.

    Sorted by youth, hulpvorm and start, a record overlaps an earlier one when it starts on or before the
    latest end so far in its group, and a record overlaps a later one when the next start in its group lies
    on or before its own end; together these find every record that overlaps any other.
    """
    f = ctx.cur
    out = np.zeros(f.n, dtype=bool)
    later_duplicate = duplicated(f.record_key, keep="first")
    usable = ~np.isnat(f.aanvang) & ~later_duplicate
    idx = np.flatnonzero(usable)
    if len(idx) < 2:
        return out
    # (each array is let go of once used: on a large delivery they are 8 bytes a row each)
    group = f.youth_hulpvorm[idx]
    start = f.aanvang[idx].astype(np.int64)
    order = np.lexsort((start, group))
    g, s = group[order], start[order]
    del group, start
    end_days = f.einde[idx][order]
    e = np.where(np.isnat(end_days), _NOT_A_DAY, end_days.astype(np.int64))
    del end_days
    same_group = g[1:] == g[:-1]
    latest_end = running_max(e, g)
    del g
    previous_max = np.r_[np.iinfo(np.int64).min, latest_end[:-1]]
    del latest_end
    flag = np.r_[False, same_group] & (s <= previous_max)
    del previous_max
    next_start = np.r_[s[1:], _NOT_A_DAY]
    del s
    flag |= np.r_[same_group, False] & (e >= next_start)
    out[idx[order[flag]]] = True
    return out


@logic("JH-R03")
def unborn_already_born(ctx: Context) -> np.ndarray:
    return ctx.cur.bsn_ongeboren & (ctx.cur.geboorte_laatst <= ctx.cur.aanvang)


# --- volledigheid ----------------------------------------------------------------------------------------


def _isin(values: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """``np.isin`` for int64 keys; through pandas' hash table for many (ten times faster on 500,000 keys)."""
    if fastpath.small(len(values) + len(allowed)):
        return np.isin(values, allowed)
    return pd.Series(values).isin(allowed).to_numpy()


def _compare_previous(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(rows of the previous file that are missing now, positions in the current file with a changed key).

    A trajectory running at the end of the previous period must come back, running or ended. When its key
    is gone but the same youth has a record whose key is new and differs only in start date or only in
    hulpvorm, that record is the changed one (JH-C02); otherwise the trajectory is missing (JH-C01).
    """
    if "previous" in ctx.memo:
        return ctx.memo["previous"]
    cur, prev = ctx.cur, ctx.prev
    assert prev is not None
    running = np.flatnonzero(prev.running_at_end)
    missing = running[~_isin(prev.record_key[running], cur.record_key)]
    changed_positions = np.zeros(0, dtype=np.int64)
    explained = np.zeros(0, dtype=np.int64)
    if len(missing):
        gone = pd.DataFrame(
            {
                "person": prev.person_id[missing],
                "aanvang": prev.aanvang_part[missing],
                "hulpvorm": prev.hulpvorm_part[missing],
                "prev_pos": missing,
            }
        )
        candidate = ~_isin(cur.record_key, prev.record_key) & _isin(cur.person_id, gone["person"].to_numpy())
        pos = np.flatnonzero(candidate)
        now = pd.DataFrame(
            {
                "person": cur.person_id[pos],
                "aanvang": cur.aanvang_part[pos],
                "hulpvorm": cur.hulpvorm_part[pos],
                "cur_pos": pos,
            }
        )
        pairs = gone.merge(now, on="person", suffixes=("_p", "_c"))
        one_differs = (pairs["aanvang_p"] == pairs["aanvang_c"]) ^ (pairs["hulpvorm_p"] == pairs["hulpvorm_c"])
        pairs = pairs[one_differs]
        changed_positions = np.unique(pairs["cur_pos"].to_numpy(dtype=np.int64))
        explained = np.unique(pairs["prev_pos"].to_numpy(dtype=np.int64))
    missing_rows = prev.rij[np.setdiff1d(missing, explained)]
    ctx.memo["previous"] = (missing_rows, changed_positions)
    return ctx.memo["previous"]


@logic("JH-C01", needs_previous=True)
def running_trajectories_missing(ctx: Context) -> list[Hit]:
    missing_rows, _ = _compare_previous(ctx)
    if not len(missing_rows):
        return []
    return [Hit(missing_rows, bestand="vorig", toelichting="rijnummers in het bestand van de vorige periode")]


@logic("JH-C02", needs_previous=True)
def changed_start_or_hulpvorm(ctx: Context) -> np.ndarray:
    _, positions = _compare_previous(ctx)
    out = np.zeros(ctx.cur.n, dtype=bool)
    out[positions] = True
    return out


@logic("JH-C03", needs_previous=True)
def gemeente_jumps(ctx: Context) -> list[Hit]:
    assert ctx.prev is not None
    s = ctx.settings
    day = ctx.cur.period.last_day
    table = gemeenten.table(day)
    now_gem = ctx.cur.gemeente(day)
    now = np.bincount(now_gem[now_gem >= 0], minlength=len(table))
    before_gem = ctx.prev.gemeente(day)
    before = np.bincount(before_gem[before_gem >= 0], minlength=len(table))
    names = codes.gemeente_names(day)
    hits = []
    for g in np.flatnonzero(np.maximum(now, before) >= s.jump_min_trajectories):
        previous, current = int(before[g]), int(now[g])
        if previous == 0:
            change_text, jump = "nieuw", True
        else:
            change = (current - previous) / previous
            change_text, jump = ("+" if change > 0 else "") + fmt_pct(change), abs(change) > s.jump_threshold
        if jump:
            code = table[g]
            hits.append(
                Hit(
                    ctx.cur.rij[now_gem == g],
                    toelichting=f"gemeente {code} ({names.get(code, code)}): {fmt_int(previous)} records in de "
                    f"vorige periode, {fmt_int(current)} nu ({change_text})",
                )
            )
    return hits


def _unknown_sex(layout) -> str:
    return next(c.code for c in layout.codes.code_list("geslacht").codes if c.label == "Onbekend")


@logic("JH-C04")
def unknown_share(ctx: Context) -> list[Hit]:
    f, s = ctx.cur, ctx.settings
    if f.n < s.unknown_min_rows or f.n == 0:
        return []
    unknown = {
        ("bsn",): f.bsn_onbekend,
        ("geslacht",): equals(f.text("geslacht"), _unknown_sex(f.layout)),
        ("geboortedatum",): fullmatch(f.text("geboortedatum"), r"\d{4}0000"),
        ("postcode", "gemeentecode"): f.gemeente(f.period.last_day) < 0,
    }
    hits = []
    for columns, mask in unknown.items():
        share = mask.sum() / f.n
        if share > s.unknown_share_threshold:
            hits.append(
                Hit(
                    f.rij[mask],
                    kolommen=columns,
                    toelichting=f"{fmt_pct(share)} onbekend (drempel {fmt_pct(s.unknown_share_threshold)})",
                )
            )
    return hits
