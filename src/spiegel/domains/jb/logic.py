"""Logic checks of the jeugdbescherming rule set: the shared GI checks for the prefixes JB (set ``jb``) and MU (set
``muhp``), and the rules of this domain (20 and up, the machtigingen). See spiegel.domains.gi.logic."""

from __future__ import annotations

import numpy as np

from spiegel.domains.gi.logic import OTS_TYPES, born_after_start, end_or_far, register, valid, youth_known
from spiegel.validate.context import Context
from spiegel.validate.engine import Hit, logic

register({"JB": "jb", "MU": "muhp"})

VOOGDIJ_TYPES = frozenset({"21", "22", "23"})
_NO_ROWS = np.zeros(0, dtype=np.int64)


def _reason_types(ctx: Context) -> dict[str, frozenset[str]]:
    """Reason → the types it is allowed with (code list reden_beeindiging, attribute ``typen``)."""
    reasons = ctx.sets["jb"].layout.codes.code_list("reden_beeindiging")
    return {c.code: frozenset(str(c.get("typen")).split()) for c in reasons.codes}


@logic("JB-F20")
def no_machtigingen(ctx: Context) -> list[Hit]:
    jb, muhp = ctx.sets["jb"], ctx.sets["muhp"]
    return [Hit(_NO_ROWS, ())] if muhp.n == 0 and jb.type_in(OTS_TYPES).any() else []


@logic("JB-V20")
def reason_not_for_type(ctx: Context) -> np.ndarray:
    f = ctx.sets["jb"]
    allowed = _reason_types(ctx)
    types = set().union(*allowed.values())
    return np.fromiter(
        (r in allowed and r != "07" and t in types and t not in allowed[r]
         for r, t in zip(f.item("reden_beeindiging"), f.type_code, strict=True)),
        dtype=bool, count=f.n)


@logic("JB-V21")
def reason_07_not_vots(ctx: Context) -> np.ndarray:
    f = ctx.sets["jb"]
    types = set().union(*_reason_types(ctx).values())
    reason = np.asarray(f.item("reden_beeindiging"), dtype=object)
    return (reason == "07") & f.type_in(types - {"12"})


def _birthday_18(f, bound: str) -> np.ndarray:
    return f.birthday(18, bound)


@logic("JB-D20")
def adult_at_start(ctx: Context) -> np.ndarray:
    f = ctx.sets["jb"]
    day = _birthday_18(f, "last")
    return youth_known(f) & valid(day) & valid(f.s) & (day <= f.s)


@logic("JB-D21")
def running_after_18(ctx: Context) -> np.ndarray:
    f = ctx.sets["jb"]
    day = _birthday_18(f, "last")
    ok = youth_known(f) & valid(day)
    running = np.isnat(f.t) & f.running
    return ok & ((running & (day <= f.last_day)) | (valid(f.t) & (f.t > day)))


@logic("JB-D22")
def adult_reason_mismatch(ctx: Context) -> np.ndarray:
    f = ctx.sets["jb"]
    reason = np.asarray(f.item("reden_beeindiging"), dtype=object)
    adult = np.isin(reason, ["01", "11"])
    day, end = _birthday_18(f, "exact"), f.day("datum_einde")
    ok = adult & youth_known(f) & ~f.birth_unknown_part & valid(day) & valid(end)
    distance = np.abs((end - day).astype(np.int64), where=ok, out=np.zeros(f.n, dtype=np.int64))
    return ok & (distance > 1)


@logic("JB-D23")
def vots_too_long(ctx: Context) -> np.ndarray:
    from spiegel import dates

    f = ctx.sets["jb"]
    start = f.day("datum_aanvang")
    vots = f.type_in({"12"}) & valid(start)
    limit = dates.add_months(start, 3)
    end = f.day("datum_einde")
    return vots & ((valid(end) & (end >= limit)) | (f.running & (limit <= f.last_day)))


@logic("JB-D24")
def ots_birth_after_start(ctx: Context) -> np.ndarray:
    f = ctx.sets["jb"]
    return born_after_start(f) & f.type_in(OTS_TYPES)


def _by_person(f, mask: np.ndarray) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i in np.flatnonzero(mask):
        out.setdefault(int(f.person_id[i]), []).append(int(i))
    return out


def _shared_days(s1, t1, s2, t2) -> int:
    """Days two periods share (``t`` NaT: running)."""
    lo, hi = max(s1, s2), min(end_or_far(np.array([t1]))[0], end_or_far(np.array([t2]))[0])
    return max(0, int((hi - lo).astype(np.int64)) + 1)


@logic("JB-R20")
def exclusive_overlap(ctx: Context) -> np.ndarray:
    f = ctx.sets["jb"]
    usable = youth_known(f) & valid(f.s)
    out = np.zeros(f.n, dtype=bool)
    ots, vots, voogdij = f.type_in({"11"}), f.type_in({"12"}), f.type_in(VOOGDIJ_TYPES)
    groups = _by_person(f, usable & (ots | vots | voogdij))
    for rows in groups.values():
        for a in range(len(rows)):
            for b in range(a + 1, len(rows)):
                i, j = rows[a], rows[b]
                days = _shared_days(f.s[i], f.t[i], f.s[j], f.t[j])
                ots_voogdij = ((ots[i] or vots[i]) and voogdij[j]) or ((ots[j] or vots[j]) and voogdij[i])
                vots_ots = (vots[i] and ots[j]) or (vots[j] and ots[i])
                if (ots_voogdij and days >= 1) or (vots_ots and days > 1):
                    out[[i, j]] = True
    return out


def _followed(ctx: Context, reason: str, from_types: frozenset[str], to_types: frozenset[str], lo: int, hi: int):
    """Records of ``from_types`` ended with ``reason`` without a record of ``to_types`` of the same youth whose
    ``s`` lies in [datum_einde + lo, datum_einde + hi]."""
    f = ctx.sets["jb"]
    end = f.day("datum_einde")
    reasons = np.asarray(f.item("reden_beeindiging"), dtype=object)
    candidates = youth_known(f) & f.type_in(from_types) & (reasons == reason) & valid(end)
    targets = _by_person(f, youth_known(f) & f.type_in(to_types) & valid(f.s))
    out = np.zeros(f.n, dtype=bool)
    for i in np.flatnonzero(candidates):
        starts = [f.s[j] for j in targets.get(int(f.person_id[i]), [])]
        out[i] = not any(lo <= int((s - end[i]).astype(np.int64)) <= hi for s in starts)
    return out


@logic("JB-R21")
def vots_converted_without_ots(ctx: Context) -> np.ndarray:
    return _followed(ctx, "07", frozenset({"12"}), frozenset({"11"}), 0, 1)


@logic("JB-R22")
def ots_ended_without_voogdij(ctx: Context) -> np.ndarray:
    return _followed(ctx, "05", OTS_TYPES, frozenset({"21", "22"}), -1, 1)


@logic("MU-R20")
def unborn_machtiging(ctx: Context) -> np.ndarray:
    return ctx.sets["muhp"].ongeboren


def _machtiging_against_ots(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(72 without a shared day with any (V)OTS of the youth, 72 overlapping but not within any of them)."""
    memo = ctx.memo.get("jb-m72")
    if memo is not None:
        return memo
    mu, jb = ctx.sets["muhp"], ctx.sets["jb"]
    candidates = youth_known(mu) & mu.type_in({"72"}) & valid(mu.s)
    ots = _by_person(jb, youth_known(jb) & jb.type_in(OTS_TYPES) & valid(jb.s))
    outside = np.zeros(mu.n, dtype=bool)
    not_within = np.zeros(mu.n, dtype=bool)
    for i in np.flatnonzero(candidates):
        overlapping = [j for j in ots.get(int(mu.person_id[i]), [])
                       if _shared_days(mu.s[i], mu.t[i], jb.s[j], jb.t[j]) > 0]
        if not overlapping:
            outside[i] = True
            continue
        end_i = end_or_far(np.array([mu.t[i]]))[0]
        within = any(jb.s[j] <= mu.s[i] and end_i <= end_or_far(np.array([jb.t[j]]))[0] for j in overlapping)
        not_within[i] = not within
    ctx.memo["jb-m72"] = (outside, not_within)
    return outside, not_within


@logic("MU-M01")
def machtiging_without_ots(ctx: Context) -> np.ndarray:
    return _machtiging_against_ots(ctx)[0]


@logic("MU-M02")
def gesloten_without_measure(ctx: Context) -> np.ndarray:
    mu, jb = ctx.sets["muhp"], ctx.sets["jb"]
    people = set(jb.person_id[youth_known(jb)].tolist())
    return youth_known(mu) & mu.type_in({"71"}) & ~np.isin(mu.person_id, list(people))


@logic("MU-M03")
def machtiging_outside_ots(ctx: Context) -> np.ndarray:
    return _machtiging_against_ots(ctx)[1]
