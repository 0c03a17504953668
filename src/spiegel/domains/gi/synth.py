"""Synthetic deliveries of the gecertificeerde instellingen (SPEC §4.7): 15 GIs (13 regional, 2 national) with
jeugdbescherming + machtigingen per half-year and jeugdreclassering (with PJK) per quarter, from a seed.

The generator simulates **measures as chains** over the whole span of the requested periods: a measure starts at
one GI (``datum_aanvang``), may be handed over once to another GI (``datum_overgedragen`` at the first,
``datum_overgedragen_gekregen`` one day later at the second, without ``datum_aanvang``) and ends at the last GI
(``datum_einde`` with its reason, and for JR the end items). A delivery of a GI for a period holds every segment of
a chain that was active at that GI in the period (SPEC §4.1), so running measures continue from period to period
with unchanged start data, and a transfer matches on both sides.

Calibration (SPEC §4.7; the figures are of the year 2022): at the start of the first requested year (the *anchor*)
the national stock is the published beginstand per type, new measures start at the published yearly instroom
spread evenly over time, and each type's ending hazard is solved so that the stock one year later is the published
eindstand. So the first simulated year has the national flows of 2022 (within a few per cent: ages cap a few
measures at the 18th birthday), whatever the year; later years continue with the same rates (Decision, documented
in docs/gecertificeerde-instellingen.md). National measure-level flows: :func:`chain_flows`.

The data are invented (names say "synthetisch"); BSNs pass the elfproef and are drawn at random.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from spiegel import codes
from spiegel.deliveries import DeliveryMeta, write_meta
from spiegel.errors import ParameterError
from spiegel.periods import Period
from spiegel.read import sha256_bytes
from spiegel.write import write_delivery, write_sets

DAY = np.timedelta64(1, "D")
YEAR_DAYS = 365.25
MAX_SCALE = 5.0
RECEIPT_WINDOW_DAYS = 21  # SPEC §2: three weeks after the period
KVK_BASE = 96_000_000  # synthetic GIs: 96000001 …; jeugdhulp uses random numbers, VT 950000xx

#: SPEC §4.7, JB 2022 per type: beginstand, eindstand and uitstroom (so instroom = eind − begin + uit). The split
#: of the flows over the types is ours (Decision): a VOTS lasts one to three months, a voorlopige/tijdelijke voogdij
#: one to ten months, a voogdij runs long (mostly until the 18th birthday), the OTS takes the rest.
JB_2022 = {  # type: (begin, eind, uit)
    "11": (22_280, 19_390, 7_817),
    "12": (355, 355, 2_234),
    "21": (9_080, 9_080, 1_362),
    "22": (196, 196, 434),
    "23": (49, 49, 108),
}
#: SPEC §4.7, JR 2022 (types 41–63): beginstand 4,985, instroom 5,380, uitstroom 5,405, eindstand 4,960; the types
#: in the shares of the eindstand SPEC decides. PJK (31): 1,000 running, lasting half a year on average (Decision).
JR_2022 = (4_985, 4_960, 5_405)
JR_TYPES = {"41": 0.87, "42": 0.04, "50": 0.015, "51": 0.015, "61": 0.02, "62": 0.02, "63": 0.02}
PJK_2022 = (1_000, 1_000, 2_000)
PUBLISHED = {
    "jb": {"beginstand": 31_960, "instroom": 9_065, "uitstroom": 11_955, "eindstand": 29_070},
    "jr": {"beginstand": 4_985, "instroom": 5_380, "uitstroom": 5_405, "eindstand": 4_960},
}
SHORT_DAYS = {"12": (28, 88), "22": (30, 300), "23": (30, 300)}  # uniform total duration in days
VOTS_TO_OTS = 0.60  # a VOTS ends with 07 and an OTS of the youth starts the next day
VV_TO_VOOGDIJ = 0.40  # a voorlopige voogdij is followed by a voogdij the next day
TRANSFER_RATE = {"jb": 0.03, "jr": 0.02}  # SPEC §4.7: share of running measures that change GI per year
MACHTIGING_72, MACHTIGING_71 = 0.45, 0.08  # chance per (V)OTS; gives ≈ 40 % and ≈ 2 % of the (V)OTS eindstand
CORRECTS_PERIOD = 0.08  # chance that a GI re-delivers a period (a first, incomplete delivery and a correction)
BSN_UNKNOWN = 0.004
JB_REASONS_OTS = {"02": 0.22, "03": 0.36, "04": 0.40, "06": 0.02}  # besides 01 (by age) and 07 (VOTS)
JB_REASONS_VOOGDIJ = {"12": 0.45, "13": 0.15, "14": 0.38, "15": 0.02}  # besides 11 (by age)
JR_END = {"erkende_interventie": {"01": 0.45, "02": 0.55}, "drp_einde": {"41": 0.5, "42": 0.35, "43": 0.15},
          "zorg_einde": {"51": 0.6, "52": 0.4}}
#: Regional GIs (invented names after landsdelen) in the order of the jeugdregio codes they serve.
REGIONAL = ("Noord", "Friesland", "Drenthe", "Overijssel", "Gelderland", "Utrecht", "Noord-Holland",
            "Amsterdam", "Zuid-Holland Noord", "Haaglanden", "Rijnmond", "Brabant", "Limburg")
REGIONAL_SHARE = (0.045, 0.12)  # bounds of a regional GI's share of the regional measures (× 0.78 or 0.74)
NATIONAL = (("Landelijke GI De Kompas", 0.16, 0.20), ("Landelijke GI Het Anker", 0.06, 0.06))
FORMATS = {"jb": {"csv": "zip", "xlsx": "xlsx", "fixed": "fixed", "zip": "zip", "map": "map"},
           "jr": {"csv": "csv", "xlsx": "xlsx", "fixed": "fixed"}}
EXTENSIONS = {"zip": ".zip", "xlsx": ".xlsx", "fixed": ".txt", "csv": ".csv", "map": ""}


@dataclass(frozen=True)
class GI:
    kvk: str
    naam: str
    weight: dict[str, float]  # domain → share of the national measures
    gemeenten: tuple[str, ...] = ()  # the gemeenten of a regional GI (empty: national)


@dataclass
class SynthResult:
    out: Path
    register: pd.DataFrame
    files: list[Path]
    rows: dict[str, int]  # period → records in the current deliveries
    never: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    corrected: list[tuple[str, str]] = field(default_factory=list)
    chains: pd.DataFrame | None = None  # the simulated measures (for the national chain counts and the tests)


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, 4720, *keys])


# --- GIs ---------------------------------------------------------------------------------------------------


def _regions(day: date) -> list[tuple[str, ...]]:
    """The gemeenten of ``day`` in 13 groups of contiguous jeugdregio codes with about equal population."""
    pop = codes.population_proxy(day.year)
    regio = pd.Series(dtype=str)
    for year in range(codes.LAST_YEAR, codes.FIRST_YEAR - 1, -1):
        gem = codes.gemeenten(year)
        if (gem["jeugdregiocode"] != "").any():
            regio = gem["jeugdregiocode"]
            break
    frame = pd.DataFrame({"code": pop.index.astype(str), "pop": pop.to_numpy(dtype=float)})
    frame["regio"] = regio.reindex(frame["code"]).fillna("").to_numpy(dtype=str)
    frame = frame.sort_values(["regio", "code"], kind="stable")
    per_regio = frame.groupby("regio", sort=True)["pop"].sum()
    bounds = np.cumsum(per_regio.to_numpy()) / per_regio.sum()
    group = np.minimum((bounds * len(REGIONAL) - 1e-9).astype(int), len(REGIONAL) - 1)
    # every group gets at least one jeugdregio
    for g in range(len(REGIONAL)):
        if not (group == g).any():
            group[np.searchsorted(group, g)] = g
    of_regio = dict(zip(per_regio.index, group, strict=True))
    frame["group"] = frame["regio"].map(of_regio)
    return [tuple(frame.loc[frame["group"] == g, "code"]) for g in range(len(REGIONAL))]


def national_gis(day: date) -> list[GI]:
    """The 15 GIs of SPEC §4.7: 13 regional ones sharing the rest of the measures by population, 2 national."""
    pop = codes.population_proxy(day.year)
    regions = _regions(day)
    shares = np.array([float(pop.reindex(list(r)).sum()) for r in regions])
    shares = shares / shares.sum()
    # SPEC §4.7: every regional GI holds 3–10 % of the national measures
    for _ in range(10):
        shares = np.clip(shares, REGIONAL_SHARE[0], REGIONAL_SHARE[1])
        shares = shares / shares.sum()
    out = []
    for i, (name, region) in enumerate(zip(REGIONAL, regions, strict=True)):
        weight = {dom: float(shares[i]) * (1 - sum(n[k] for n in NATIONAL)) for dom, k in (("jb", 1), ("jr", 2))}
        out.append(GI(str(KVK_BASE + i + 1), f"GI {name} (synthetisch)", weight, region))
    for j, (name, jb, jr) in enumerate(NATIONAL):
        out.append(GI(str(KVK_BASE + len(REGIONAL) + j + 1), f"{name} (synthetisch)", {"jb": jb, "jr": jr}))
    return out


# --- calibration -------------------------------------------------------------------------------------------


def solve_hazard(begin: float, end: float, out: float) -> float:
    """The yearly ending hazard ``h`` with which a stock ``begin`` plus an even inflow ``end − begin + out`` per
    year, every measure ending at rate ``h`` (exponential durations), is ``end`` after one year."""
    inflow = end - begin + out

    def stock(h: float) -> float:
        return inflow / h + (begin - inflow / h) * math.exp(-h)

    lo, hi = 1e-4, 20.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if stock(mid) > end:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# --- people ------------------------------------------------------------------------------------------------


def random_bsns(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid BSNs (elfproef) as text."""
    from spiegel import elfproef

    got = np.zeros(0, dtype=np.int64)
    while len(got) < n:
        prefix = rng.integers(10_000_000, 99_999_999, 2 * (n - len(got)) + 16)
        digit = elfproef.check_digit(prefix)
        ok = digit < 10
        got = np.unique(np.concatenate([got, prefix[ok] * 10 + digit[ok]]))
    numbers = rng.permutation(got)[:n]
    return np.char.zfill(numbers.astype(str), 9).astype(object)


def _ymd(days: np.ndarray) -> np.ndarray:
    return np.char.replace(np.datetime_as_string(days.astype("datetime64[D]")), "-", "").astype(object)


def _birthday(birth: np.ndarray, years: int) -> np.ndarray:
    """The day of the ``years``-th birthday (29 February → 1 March)."""
    b = pd.DatetimeIndex(birth.astype("datetime64[D]"))
    moved = pd.to_datetime({"year": b.year + years, "month": b.month, "day": 1}) + pd.to_timedelta(b.day - 1, "D")
    return moved.to_numpy().astype("datetime64[D]")


def _pick(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()), dtype=float)
    return rng.choice(keys, n, p=p / p.sum())


# --- simulation --------------------------------------------------------------------------------------------


def _starts(rng: np.random.Generator, n_stock: int, n_new: int, anchor: np.datetime64, span: int,
            total: np.ndarray | None, hazard: float | None, cap_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and (possibly future) end days of a type's stock at ``anchor`` and its new measures in ``span`` days.
    ``total``: uniform total duration bounds (short types); else exponential with yearly ``hazard``."""
    new_start = anchor + np.sort(rng.integers(0, span, n_new)).astype("timedelta64[D]")
    if total is not None:
        lo, hi = int(total[0]), int(total[1])
        d_stock = rng.integers(lo, hi + 1, n_stock)
        elapsed = (rng.random(n_stock) * d_stock).astype(int) + 1
        stock_start = anchor - elapsed.astype("timedelta64[D]")
        stock_end = stock_start + d_stock.astype("timedelta64[D]")
        new_end = new_start + rng.integers(lo, hi + 1, n_new).astype("timedelta64[D]")
    else:
        assert hazard is not None
        elapsed = np.minimum(rng.exponential(YEAR_DAYS / hazard, n_stock), cap_days).astype(int) + 1
        stock_start = anchor - elapsed.astype("timedelta64[D]")
        stock_end = anchor + rng.exponential(YEAR_DAYS / hazard, n_stock).astype(int).astype("timedelta64[D]")
        new_end = new_start + rng.exponential(YEAR_DAYS / hazard, n_new).astype(int).astype("timedelta64[D]")
    return np.concatenate([stock_start, new_start]), np.concatenate([stock_end, new_end])


def _type_rows(rng: np.random.Generator, type_code: str, begin: float, end: float, out: float, scale: float,
               anchor: np.datetime64, span: int, less_new: int = 0) -> pd.DataFrame:
    inflow = (end - begin + out) * span / YEAR_DAYS
    n_stock = round(begin * scale)
    n_new = max(0, round(inflow * scale) - less_new)
    short = SHORT_DAYS.get(type_code)
    hazard = None if short else solve_hazard(begin, end, out)
    s, e = _starts(rng, n_stock, n_new, anchor, span, np.array(short) if short else None, hazard, 17 * 365)
    return pd.DataFrame({"type": type_code, "s": s, "e": e, "stock": np.arange(len(s)) < n_stock})


def _after_birth(rng: np.random.Generator, frame: pd.DataFrame, birth: np.ndarray, anchor: np.datetime64,
                 min_age: int) -> np.ndarray:
    """Starts of the stock that would lie before the youth was ``min_age`` moved to a random day between that age
    and the anchor (the exponential elapsed time knows no ages); returns (and sets) the starts."""
    start = frame["s"].to_numpy().astype("datetime64[D]")
    earliest = birth + np.timedelta64(int(min_age * YEAR_DAYS), "D")
    early = start < earliest
    room = np.maximum(((anchor - earliest[early]) / DAY).astype(int), 1)
    start[early] = np.minimum(earliest[early] + (rng.random(int(early.sum())) * room).astype(int)
                              .astype("timedelta64[D]"), anchor - DAY)
    frame["s"] = start
    return start


def simulate_jb(gis: list[GI], first: Period, last: Period, *, scale: float, seed: int) -> pd.DataFrame:
    """Every JB measure from the anchor (1 January of ``first``'s year) to ``last``'s last day, one row per
    chain: type, start ``s``, end ``e`` (may lie after the horizon: running), reason, youth, GIs and transfer."""
    rng = _rng(seed, 1)
    anchor = np.datetime64(date(first.year, 1, 1), "D")
    horizon = np.datetime64(last.last_day, "D")
    span = int((horizon - anchor) / DAY) + 1
    parts = [_type_rows(rng, t, *JB_2022[t], scale, anchor, span) for t in ("12", "22", "23")]
    vots = parts[0]
    # VOTS ending within the span and converted into an OTS; vv ending in it and followed by a voogdij
    converts = (rng.random(len(vots)) < VOTS_TO_OTS) & (vots["e"] >= anchor) & (vots["e"] <= horizon)
    vv = parts[1]
    follows = (rng.random(len(vv)) < VV_TO_VOOGDIJ) & (vv["e"] >= anchor) & (vv["e"] <= horizon)
    ots = _type_rows(rng, "11", *JB_2022["11"], scale, anchor, span, less_new=int(converts.sum()))
    voogdij = _type_rows(rng, "21", *JB_2022["21"], scale, anchor, span, less_new=int(follows.sum()))
    h11, h21 = solve_hazard(*JB_2022["11"]), solve_hazard(*JB_2022["21"])
    conv = pd.DataFrame({"type": "11", "s": vots.loc[converts, "e"].to_numpy() + DAY, "stock": False})
    conv["e"] = conv["s"] + rng.exponential(YEAR_DAYS / h11, len(conv)).astype(int).astype("timedelta64[D]")
    conv["after"] = np.flatnonzero(converts)  # position in the VOTS frame
    foll = pd.DataFrame({"type": "21", "s": vv.loc[follows, "e"].to_numpy() + DAY, "stock": False})
    foll["e"] = foll["s"] + rng.exponential(YEAR_DAYS / h21, len(foll)).astype(int).astype("timedelta64[D]")
    foll["after"] = np.flatnonzero(follows)
    vots["reason"] = np.where(converts, "07", "")
    vv["reason"] = ""
    frame = pd.concat([vots, vv, parts[2], ots, voogdij], ignore_index=True)
    offset = {"12": 0, "22": len(vots)}
    n_base = len(frame)
    frame = pd.concat([frame, conv.drop(columns="after"), foll.drop(columns="after")], ignore_index=True)
    frame["reason"] = frame["reason"].fillna("")
    # the youth: a chain that follows another belongs to the same youth
    youth = np.arange(len(frame))
    youth[n_base:n_base + len(conv)] = conv["after"].to_numpy() + offset["12"]
    youth[n_base + len(conv):] = foll["after"].to_numpy() + offset["22"]
    frame["youth"] = youth
    # ages: at the start for new measures, at the anchor for the stock (so the stock is under 18 at the anchor)
    t = frame["type"].to_numpy()
    n = len(frame)
    age = np.where(np.isin(t, ["21", "22", "23"]), rng.uniform(0.2, 16.5, n), rng.uniform(0.0, 17.3, n))
    age_at = np.where(frame["stock"].to_numpy(), anchor, frame["s"].to_numpy().astype("datetime64[D]"))
    birth = age_at - (age * YEAR_DAYS).astype(int).astype("timedelta64[D]")
    start = _after_birth(rng, frame, birth, anchor, 0)
    birth[youth != np.arange(n)] = birth[youth[youth != np.arange(n)]]
    frame["birth"] = birth
    eighteen = _birthday(birth, 18)
    e = frame["e"].to_numpy().astype("datetime64[D]")
    adult = e >= eighteen - DAY
    e = np.where(adult, eighteen - DAY, e)
    e = np.maximum(e, start)
    frame["e"] = e
    ots_group = np.isin(t, ["11", "12"])
    reason = frame["reason"].to_numpy().astype(object)
    normal = (reason == "") & ~adult
    reason[adult & ots_group] = "01"
    reason[adult & ~ots_group] = "11"
    other_ots = normal & ots_group
    reason[other_ots] = _pick(rng, JB_REASONS_OTS, int(other_ots.sum()))
    other_v = normal & ~ots_group
    reason[other_v] = _pick(rng, JB_REASONS_VOOGDIJ, int(other_v.sum()))
    reason[(t == "12") & np.isin(reason, ["04", "06"])] = "02"
    # a converted VOTS keeps 07 even when the youth turns 18 (never: a VOTS lasts three months); ensure consistency
    reason[(t == "12") & (frame["reason"].to_numpy() == "07")] = "07"
    frame["reason"] = reason
    return _place(frame, gis, "jb", rng, anchor, horizon)


def simulate_jr(gis: list[GI], first: Period, last: Period, *, scale: float, seed: int) -> pd.DataFrame:
    """Every JR and PJK measure from the anchor to ``last``'s last day (as :func:`simulate_jb`)."""
    rng = _rng(seed, 2)
    anchor = np.datetime64(date(first.year, 1, 1), "D")
    horizon = np.datetime64(last.last_day, "D")
    span = int((horizon - anchor) / DAY) + 1
    jr = _type_rows(rng, "jr", *JR_2022, scale, anchor, span)
    jr["type"] = _pick(rng, JR_TYPES, len(jr))
    pjk = _type_rows(rng, "31", *PJK_2022, scale, anchor, span)
    frame = pd.concat([jr, pjk], ignore_index=True)
    n = len(frame)
    frame["youth"] = np.arange(n)
    t = frame["type"].to_numpy()
    age = np.where(t == "31", rng.uniform(10.0, 17.5, n), np.clip(rng.normal(16.2, 1.6, n), 12.1, 22.5))
    age_at = np.where(frame["stock"].to_numpy(), anchor, frame["s"].to_numpy().astype("datetime64[D]"))
    birth = age_at - (age * YEAR_DAYS).astype(int).astype("timedelta64[D]")
    start = _after_birth(rng, frame, birth, anchor, 12)
    frame["birth"] = birth
    frame["e"] = np.maximum(frame["e"].to_numpy().astype("datetime64[D]"), start)
    frame["reason"] = np.where(t == "31", "31", "")
    jr_type = t != "31"
    for column, shares in JR_END.items():
        frame[column] = np.where(jr_type, _pick(rng, shares, n), "")
    return _place(frame, gis, "jr", rng, anchor, horizon)


def _place(frame: pd.DataFrame, gis: list[GI], domain: str, rng: np.random.Generator, anchor: np.datetime64,
           horizon: np.datetime64) -> pd.DataFrame:
    """Youth details, the GI of each chain, its gemeente, and at most one transfer to another GI."""
    n = len(frame)
    youth = frame["youth"].to_numpy()
    own = youth == np.arange(n)
    # GI: national with its share, else the regional GI of the youth's gemeente
    weights = np.array([g.weight[domain] for g in gis])
    regional = [i for i, g in enumerate(gis) if g.gemeenten]
    gi = rng.choice(len(gis), n, p=weights / weights.sum())
    gi[~own] = gi[youth[~own]]
    all_gemeenten = np.array(sorted({c for i in regional for c in gis[i].gemeenten}), dtype=object)
    gem = np.empty(n, dtype=object)
    for i, g in enumerate(gis):
        mine = gi == i
        pool = np.array(g.gemeenten, dtype=object) if g.gemeenten else all_gemeenten
        gem[mine] = rng.choice(pool, int(mine.sum()))
    gem[~own] = gem[youth[~own]]
    frame["gi0"] = gi
    frame["gem0"] = gem
    # transfer: at rate TRANSFER_RATE per running year; only chains of their own youth (followers stay put)
    s = frame["s"].to_numpy().astype("datetime64[D]")
    e = frame["e"].to_numpy().astype("datetime64[D]")
    wait = rng.exponential(YEAR_DAYS / TRANSFER_RATE[domain], n).astype(int) + 1
    tau = s + wait.astype("timedelta64[D]")
    moves = own & (tau < e) & (tau <= horizon)
    to = rng.choice(len(gis), n, p=weights / weights.sum())
    same = to == gi
    to[same] = (to[same] + 1 + rng.integers(0, len(gis) - 1, int(same.sum()))) % len(gis)
    frame["transfer"] = np.where(moves, tau, np.datetime64("NaT"))
    frame["gi1"] = np.where(moves, to, -1)
    gem1 = gem.copy()
    for i, g in enumerate(gis):
        mine = moves & (to == i)
        if g.gemeenten:
            gem1[mine] = rng.choice(np.array(g.gemeenten, dtype=object), int(mine.sum()))
    frame["gem1"] = gem1
    # person columns
    n_youth = int(own.sum())
    bsn = np.empty(n, dtype=object)
    bsn[own] = random_bsns(rng, n_youth)
    unknown = own & (rng.random(n) < BSN_UNKNOWN)
    bsn[unknown] = "999999999"
    bsn[~own] = bsn[youth[~own]]
    frame["bsn"] = bsn
    sex = rng.choice(np.array(["M", "V", "O"], dtype=object), n, p=[0.52, 0.475, 0.005])
    sex[~own] = sex[youth[~own]]
    frame["geslacht"] = sex
    # postcode (80 %), gemeentecode (17 %), both (2 %), neither (1 %)
    how = rng.choice(4, n, p=[0.80, 0.17, 0.02, 0.01])
    how[~own] = how[youth[~own]]
    frame["how"] = how
    letters = np.array(list("ABCDEGHJKLMNPRSTVWXZ"), dtype=object)
    frame["suffix"] = rng.choice(letters, n) + rng.choice(letters, n)
    frame["pc_pick"] = rng.random(n)
    return frame


def _postcodes(gem: np.ndarray, pick: np.ndarray, suffix: np.ndarray, day: date) -> np.ndarray:
    pc4 = pd.Series(codes.pc4_map(day), dtype=str)
    by_gem = pc4.groupby(pc4.to_numpy()).apply(lambda s: sorted(s.index))
    out = np.empty(len(gem), dtype=object)
    for k, (g, p) in enumerate(zip(gem, pick, strict=True)):
        options = by_gem.get(g)
        out[k] = options[int(p * len(options))] + suffix[k] if options else ""
    return out


# --- deliveries --------------------------------------------------------------------------------------------


def segments(chains: pd.DataFrame) -> pd.DataFrame:
    """One row per chain per GI: its start ``s`` and end ``t`` at that GI (``t`` may lie after the horizon), and
    which of ``datum_aanvang``, ``datum_einde``, ``datum_overgedragen``, ``datum_overgedragen_gekregen`` it carries."""
    moved = chains["gi1"].to_numpy() >= 0
    tau = chains["transfer"].to_numpy().astype("datetime64[D]")
    first = pd.DataFrame({
        "chain": np.arange(len(chains)), "gi": chains["gi0"].to_numpy(), "gem": chains["gem0"].to_numpy(),
        "seg_s": chains["s"].to_numpy().astype("datetime64[D]"),
        "seg_t": np.where(moved, tau, chains["e"].to_numpy().astype("datetime64[D]")),
        "aanvang": True, "einde": ~moved, "overgedragen": moved, "gekregen": False,
    })
    idx = np.flatnonzero(moved)
    second = pd.DataFrame({
        "chain": idx, "gi": chains["gi1"].to_numpy()[idx], "gem": chains["gem1"].to_numpy()[idx],
        "seg_s": tau[idx] + DAY, "seg_t": chains["e"].to_numpy().astype("datetime64[D]")[idx],
        "aanvang": False, "einde": True, "overgedragen": False, "gekregen": True,
    })
    return pd.concat([first, second], ignore_index=True)


def machtigingen(chains: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Machtigingen (``72`` for :data:`MACHTIGING_72` of the (V)OTS chains, ``71`` for :data:`MACHTIGING_71`) as
    chains of their own lying within their measure; they follow its transfer when they run at the transfer date."""
    rng = _rng(seed, 3)
    ots = np.flatnonzero(chains["type"].isin(["11", "12"]).to_numpy())
    s = chains["s"].to_numpy().astype("datetime64[D]")
    e = chains["e"].to_numpy().astype("datetime64[D]")
    rows = []
    for code, share, length in (("72", MACHTIGING_72, None), ("71", MACHTIGING_71, (60, 365))):
        pick = ots[rng.random(len(ots)) < share]
        dur = ((e[pick] - s[pick]) / DAY).astype(int)
        ms = s[pick] + (rng.random(len(pick)) * np.minimum(60, dur // 3)).astype(int).astype("timedelta64[D]")
        if length is None:
            early = rng.random(len(pick)) < 0.25
            me = np.where(early, ms + (rng.uniform(0.3, 1.0, len(pick)) * (e[pick] - ms) / DAY).astype(int)
                          .astype("timedelta64[D]"), e[pick])
        else:
            me = np.minimum(ms + rng.integers(*length, len(pick)).astype("timedelta64[D]"), e[pick])
        rows.append(pd.DataFrame({"type": code, "measure": pick, "s": ms, "e": me}))
    out = pd.concat(rows, ignore_index=True)
    m = out["measure"].to_numpy()
    tau = chains["transfer"].to_numpy().astype("datetime64[D]")[m]
    moved = chains["gi1"].to_numpy()[m] >= 0
    ms, me = out["s"].to_numpy(), out["e"].to_numpy()
    # a machtiging running at the transfer date is handed over with the measure; one starting after it lies wholly
    # at the second GI; one ending before it wholly at the first
    out["gi0"] = np.where(moved & (ms > tau), chains["gi1"].to_numpy()[m], chains["gi0"].to_numpy()[m])
    out["gem0"] = np.where(moved & (ms > tau), chains["gem1"].to_numpy()[m], chains["gem0"].to_numpy()[m])
    split = moved & (ms <= tau) & (me > tau)
    out["transfer"] = np.where(split, tau, np.datetime64("NaT"))
    out["gi1"] = np.where(split, chains["gi1"].to_numpy()[m], -1)
    out["gem1"] = chains["gem1"].to_numpy()[m]
    for column in ("bsn", "birth", "geslacht", "how", "suffix", "pc_pick"):
        out[column] = chains[column].to_numpy()[m]
    return out


def delivery_rows(chains: pd.DataFrame, segs: pd.DataFrame, gi: int, period: Period, set_name: str,
                  postcodes: np.ndarray) -> pd.DataFrame:
    """The raw (text) records of one GI's delivery of ``set_name`` for ``period``."""
    first, last = np.datetime64(period.first_day, "D"), np.datetime64(period.last_day, "D")
    mine = segs[(segs["gi"] == gi) & (segs["seg_s"] <= last) & (segs["seg_t"] >= first)]
    mine = mine.sort_values(["seg_s", "chain"], kind="stable")
    c = mine["chain"].to_numpy()
    ch = chains.iloc[c]
    ended = mine["einde"].to_numpy() & (mine["seg_t"].to_numpy() <= last)
    handed = mine["overgedragen"].to_numpy() & (mine["seg_t"].to_numpy() <= last)
    how = ch["how"].to_numpy()
    # the gemeente of the segment: a youth who moved counts under the new gemeente
    gem = mine["gem"].to_numpy()
    pc = postcodes[mine.index.to_numpy()]

    def date_or_empty(mask: np.ndarray, days: np.ndarray) -> np.ndarray:
        return np.where(mask, _ymd(np.where(mask, days, np.datetime64("2000-01-01"))), "")

    seg_s, seg_t = mine["seg_s"].to_numpy(), mine["seg_t"].to_numpy()
    starts_at = ch["s"].to_numpy().astype("datetime64[D]")
    raw = {
        "bsn": ch["bsn"].to_numpy(),
        "geboortedatum": _ymd(ch["birth"].to_numpy()),
        "geslacht": ch["geslacht"].to_numpy(),
        "postcode": np.where(np.isin(how, [0, 2]), pc, ""),
        "gemeentecode": np.where(np.isin(how, [1, 2]), gem, ""),
    }
    aanvang = date_or_empty(mine["aanvang"].to_numpy(), starts_at)
    einde = date_or_empty(ended, seg_t)
    if set_name == "muhp":
        raw.update({"type_machtiging": ch["type"].to_numpy(), "datum_aanvang_machtiging": aanvang,
                    "datum_einde_machtiging": einde})
    else:
        raw.update({"type_maatregel": ch["type"].to_numpy(), "datum_aanvang": aanvang, "datum_einde": einde})
        if set_name == "jr":
            for column in JR_END:
                raw[column] = np.where(ended, ch[column].to_numpy(), "")
        raw["reden_beeindiging"] = np.where(ended, ch["reason"].to_numpy(), "")
    raw["datum_overgedragen"] = date_or_empty(handed, seg_t)
    raw["datum_overgedragen_gekregen"] = date_or_empty(mine["gekregen"].to_numpy(), seg_s)
    return pd.DataFrame(raw).astype(object).reset_index(drop=True)


def _degrade(raws: dict[str, pd.DataFrame], rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """A first delivery that the correction later fixes: a few records left out, some end dates not yet filled."""
    out = {}
    for name, raw in raws.items():
        keep = rng.random(len(raw)) >= 0.04
        part = raw[keep].copy()
        end = "datum_einde_machtiging" if name == "muhp" else "datum_einde"
        ended = np.flatnonzero((part[end] != "").to_numpy())
        drop = ended[rng.random(len(ended)) < 0.3]
        cols = [c for c in (end, "reden_beeindiging", *JR_END) if c in part.columns]
        part.iloc[drop, [part.columns.get_loc(c) for c in cols]] = ""
        out[name] = part.reset_index(drop=True)
    return out


def file_name(domain: str, kvk: str, period: Period, fmt: str, correction: bool = False) -> str:
    suffix = "_correctie" if correction else ""
    return f"{domain}_{kvk}_{period}{suffix}{EXTENSIONS[fmt]}"


def write_one(root: Path, domain: str, gi: GI, period: Period, raws: dict[str, pd.DataFrame], fmt: str,
              received: datetime, *, correction: bool = False) -> Path:
    """One delivery (a file, or a folder for ``map``) and its sidecar."""
    from spiegel import domains

    layout = domains.get(domain).layout()
    path = root / str(period) / gi.kvk / file_name(domain, gi.kvk, period, fmt, correction)
    if layout.sets and len(layout.sets) > 1:
        write_sets(raws, path, fmt, layout)
    else:
        write_delivery(raws[domain], path, fmt, layout)
    digest = sha256_bytes(path.read_bytes()) if path.is_file() else None
    meta = DeliveryMeta(kvk=gi.kvk, naam=gi.naam, domein=domain, periode=str(period), correctie=correction,
                        ontvangen=received, indeling=layout.naam, sha256=digest)
    write_meta(path, meta)
    return path


def register_frame(gis: list[GI], domain: str, sizes: dict[str, float]) -> pd.DataFrame:
    classes = np.array(["klein", "middel", "groot", "zeer_groot"], dtype=object)
    values = np.array([sizes.get(g.kvk, 0.0) for g in gis])
    cls = classes[np.digitize(values, [250, 1_000, 3_000])] if len(values) else np.array([], dtype=object)
    return pd.DataFrame({"kvk": [g.kvk for g in gis], "naam": [g.naam for g in gis], "domein": domain,
                         "grootteklasse": cls, "gemeenten": [" ".join(g.gemeenten) for g in gis]})


@dataclass
class Country:
    """A simulated country of one domain: chains, their segments, and (JB) the machtigingen."""

    domain: str
    gis: list[GI]
    chains: pd.DataFrame
    segs: pd.DataFrame
    postcodes: np.ndarray
    muhp: pd.DataFrame | None = None
    muhp_segs: pd.DataFrame | None = None
    muhp_postcodes: np.ndarray | None = None

    def raws(self, gi: int, period: Period) -> dict[str, pd.DataFrame]:
        """The raw frames of GI ``gi``'s delivery for ``period``."""
        out = {self.domain: delivery_rows(self.chains, self.segs, gi, period, self.domain, self.postcodes)}
        if self.domain == "jb":
            out["muhp"] = delivery_rows(self.muhp, self.muhp_segs, gi, period, "muhp", self.muhp_postcodes)
        return out


def simulate(domain: str, gis: list[GI], periods: list[Period], *, scale: float, seed: int) -> Country:
    first, last = periods[0], periods[-1]
    make = simulate_jb if domain == "jb" else simulate_jr
    chains = make(gis, first, last, scale=scale, seed=seed)
    segs = segments(chains)
    day = last.last_day
    pcs = _postcodes(segs["gem"].to_numpy(), chains["pc_pick"].to_numpy()[segs["chain"]],
                     chains["suffix"].to_numpy()[segs["chain"]], day)
    country = Country(domain, gis, chains, segs, pcs)
    if domain == "jb":
        mu = machtigingen(chains, seed)
        mu_segs = segments(mu)
        country.muhp, country.muhp_segs = mu, mu_segs
        country.muhp_postcodes = _postcodes(mu_segs["gem"].to_numpy(), mu["pc_pick"].to_numpy()[mu_segs["chain"]],
                                            mu["suffix"].to_numpy()[mu_segs["chain"]], day)
    return country


def write_country(out: Path, country: Country, periods: list[Period], fmt: str, seed: int) -> SynthResult:
    domain, gis = country.domain, country.gis
    files: list[Path] = []
    rows: dict[str, int] = {}
    sizes: dict[str, float] = {}
    corrected: list[tuple[str, str]] = []
    for k, period in enumerate(periods):
        rng = _rng(seed, 9, period.year, period.number, 1 if domain == "jb" else 2)
        receipts = rng.uniform(0.5, RECEIPT_WINDOW_DAYS - 0.5, len(gis))
        later = rng.uniform(28.0, 80.0, len(gis))
        correct = rng.random(len(gis)) < CORRECTS_PERIOD
        if k == len(periods) - 1 and not correct.any():
            correct[int(rng.integers(0, len(gis)))] = True
        rows[str(period)] = 0
        base = datetime.combine(period.last_day + timedelta(days=1), datetime.min.time())
        for i, gi in enumerate(gis):
            raws = country.raws(i, period)
            received = base + timedelta(seconds=int(receipts[i] * 86400))
            if correct[i]:
                first = _degrade(raws, _rng(seed, 10, period.year, period.number, i))
                files.append(write_one(out, domain, gi, period, first, fmt, received))
                received = base + timedelta(seconds=int(later[i] * 86400))
                corrected.append((gi.kvk, str(period)))
            files.append(write_one(out, domain, gi, period, raws, fmt, received, correction=bool(correct[i])))
            n = len(raws[domain])
            rows[str(period)] += n
            sizes[gi.kvk] = sizes.get(gi.kvk, 0.0) + n / len(periods)
    return SynthResult(out=out, register=register_frame(gis, domain, sizes), files=files, rows=rows,
                       corrected=corrected, chains=country.chains)


DEFAULT_PERIODS = {"jb": ("2024H2", "2025H1"), "jr": ("2025Q1", "2025Q2")}


def synth_country(domain: str, out: str | Path, *, providers: int | None = None, scale: float = 1.0,
                  periods: list[Period] | None = None, seed: int = 2025, fmt: str = "csv") -> SynthResult:
    """Write the 15 synthetic GIs' deliveries of ``domain`` (``jb`` or ``jr``) under ``out``:
    ``<period>/<kvk>/<file>`` with a sidecar each. ``providers`` takes the first so many GIs (the chains of the
    others are still simulated, so the kept GIs' deliveries do not change)."""
    if not 0 < scale <= MAX_SCALE:
        raise ParameterError(f"--scale moet groter dan 0 en hoogstens {MAX_SCALE:g} zijn")
    if fmt not in FORMATS[domain]:
        raise ParameterError(f"onbekend formaat {fmt!r} voor {domain}; kies uit {', '.join(FORMATS[domain])}")
    kind = "H" if domain == "jb" else "Q"
    periods = sorted(periods or [Period.parse(p) for p in DEFAULT_PERIODS[domain]])
    if any(p.kind != kind for p in periods):
        example = "2025H1" if kind == "H" else "2025Q2"
        unit = "halfjaar" if kind == "H" else "kwartaal"
        raise ParameterError(f"{domain} wordt per {unit} aangeleverd: gebruik perioden als {example}")
    if periods[0].year < codes.FIRST_YEAR or periods[-1].year > codes.LAST_YEAR:
        raise ParameterError(f"synthetische perioden moeten in {codes.FIRST_YEAR} t/m {codes.LAST_YEAR} liggen")
    gis = national_gis(periods[-1].last_day)
    country = simulate(domain, gis, periods, scale=scale, seed=seed)
    if providers is not None:
        country.gis = gis[: max(1, min(providers, len(gis)))]
    return write_country(Path(out), country, periods, FORMATS[domain][fmt], seed)


# --- national measure-level flows --------------------------------------------------------------------------


def chain_flows(chains: pd.DataFrame, first: date, last: date, types: set[str] | None = None) -> dict[str, int]:
    """Beginstand, instroom, uitstroom and eindstand of whole measures (one chain from ``datum_aanvang`` at the first
    GI to ``datum_einde`` at the last, SPEC §4.5) over [first, last]: what the published national figures count."""
    frame = chains if types is None else chains[chains["type"].isin(types)]
    s = frame["s"].to_numpy().astype("datetime64[D]")
    e = frame["e"].to_numpy().astype("datetime64[D]")
    f, lday = np.datetime64(first, "D"), np.datetime64(last, "D")
    return {
        "beginstand": int(((s < f) & (e >= f)).sum()),
        "instroom": int(((s >= f) & (s <= lday)).sum()),
        "uitstroom": int(((e >= f) & (e <= lday)).sum()),
        "eindstand": int(((s <= lday) & (e > lday)).sum()),
    }
