"""A synthetic country of jeugdhulp deliveries, made from a seed (SPEC §9; decisions in docs/aanlevering.md).

The generator simulates one timeline of trajectories for the whole country, from 1 January 2015 to the last
requested period, in half-year chunks. Everything is numpy-vectorised over trajectories; the only Python
loops run over half-years, hulpvormen and (when writing files) providers.

1. Starts: per half-year a Poisson number of new trajectories (149,835 in a first half-year, 140,165 in a
   second one, times ``scale``), with hulpvorm, verwijzer, crisis and a duration. Durations are exponential
   in a *warped* time in which the second half of a year runs 1.52 times faster than the first, so that
   more trajectories end in July–December than in January–June (the published H1 2021 flows show a stand
   that rises in the first half-year: 326,570 → 362,320).
2. Youths: a start is a new youth, a *herhaald beroep* of a youth whose earlier trajectory ended before it
   (the same youth, birth date, sex and address), or a second trajectory of a youth in care elsewhere
   (another hulpvorm, often another provider). A youth is never over 22 at a start.
3. Providers: each start goes to a provider that serves the youth's gemeente and offers the hulpvorm, with
   probability proportional to the provider's weight; a herhaald beroep goes back to the same provider
   half of the time. Provider weights are skewed: most providers get under 20 trajectories a half-year,
   the national ones over 10,000.
4. Deliveries: per period every trajectory active in it, as the protocol describes (end date only when it
   ended within the period). A few providers never deliver or skip a period, a few deliver a period twice
   (a first delivery with omissions, then a correction).

The random streams are keyed by (seed, half-year), so asking for fewer or more periods does not change the
trajectories of the periods both runs share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from spiegel import codes, elfproef
from spiegel.deliveries import DeliveryMeta, write_meta
from spiegel.errors import ParameterError
from spiegel.periods import Period
from spiegel.read import sha256_bytes
from spiegel.write import EXTENSIONS, format_lines, write_delivery, write_lines

# --- calibration (SPEC §9; see docs/aanlevering.md "Synthetic data") ---------------------------------------

SIM_START = date(2015, 1, 1)  # verwijzer 07 existed only before 2015; nothing here starts earlier
FIRST_YEAR = 2023  # the 342 gemeente codes of 2023–2026 are the same; earlier periods would need other codes
# Published half-year flows (H1 2021) the default scale aims at; tests and the benchmark compare with them.
PUBLISHED_H1_FLOWS = {"beginstand": 326_570, "instroom": 149_835, "uitstroom": 114_085, "eindstand": 362_320}
STARTS_PER_HALF_YEAR = {1: PUBLISHED_H1_FLOWS["instroom"], 2: 140_165}  # about 290,000 starts a year
HULPVORM_SHARES = {  # started trajectories by hulpvorm, 2021
    "01": 0.107, "02": 0.608, "03": 0.051, "04": 0.173, "11": 0.014, "12": 0.008, "13": 0.005, "14": 0.035,
}
# Mean duration relative to the average (verblijf in a foster family lasts longest, crisis places shortest).
DURATION_FACTOR = {"01": 1.0, "02": 1.0, "03": 1.2, "04": 0.9, "11": 3.0, "12": 1.5, "13": 0.4, "14": 1.4}
MEAN_DURATION_DAYS = 420.0  # in warped time; gives stands of about 326,000–362,000
H2_SPEED = 1.52  # second half-years end trajectories this much faster (more endings in H2)
MIN_DURATION_DAYS = 1
# Verwijzer by hulpvorm (wijkteam is always 06, SPEC §3.4).
VERWIJZER_SHARES = {
    "zonder": {"01": 0.50, "02": 0.30, "03": 0.02, "04": 0.05, "05": 0.07, "06": 0.05, "08": 0.01},
    "verblijf": {"01": 0.55, "02": 0.02, "03": 0.01, "04": 0.33, "05": 0.02, "06": 0.02, "08": 0.05},
}
CRISIS_SHARE = {"01": 0.005, "02": 0.02, "03": 0.03, "04": 0.03, "11": 0.12, "12": 0.10, "13": 0.60, "14": 0.15}
REDEN_SHARES = {"01": 0.70, "02": 0.13, "03": 0.08, "04": 0.03, "05": 0.06}
OUTCOME_SHARE = 0.35  # ended trajectories with the outcome items filled
# Age at the start of a youth's first trajectory (0 … 22; few over 18).
AGE_WEIGHTS = np.array(
    [3.0, 3.0, 3.2, 3.5, 4.5, 5.5, 6.0, 6.2, 6.2, 6.2, 6.3, 6.4, 6.6, 6.8, 7.0, 7.0, 6.6, 5.6,
     0.8, 0.45, 0.25, 0.15, 0.1]
)
LINK_SHARES = {"herhaald": 0.22, "gelijktijdig": 0.08}  # the rest are new youths
REPEAT_GAP_DAYS = 200.0  # mean gap between the end of a trajectory and a herhaald beroep
SAME_PROVIDER_SHARE = 0.5
ADULT_LINK_SHARE = 0.15  # a youth of 18 or over comes back for more care less often (continuation rules)
UNKNOWN_SHARES = {"bsn": 0.003, "geslacht": 0.004, "dag00": 0.005, "maand00": 0.001}
ADDRESS_SHARES = {"postcode": 0.80, "beide": 0.12, "gemeente": 0.08}
LETTER_PAIRS = np.array(
    [a + b for a in "ABCDEFGHJKLMNPRSTVWXZ" for b in "ABCDEFGHJKLMNPRSTVWXZ" if a + b not in {"SA", "SD", "SS"}]
)
# Providers: share of never delivering, of skipping one period, of delivering a correction for a period.
NEVER_DELIVERS, SKIPS_PERIOD, CORRECTS_PERIOD = 0.006, 0.006, 0.01
RECEIPT_WINDOW_DAYS = 21  # SPEC §2: deadline 3 weeks after the period's end
SIZE_CLASS_LIMITS = ((20, "klein"), (1_000, "middel"), (10_000, "groot"))  # else zeer_groot
MAX_SCALE = 5.0
NOT_VISIBLE_SHARE = 0.03  # providers whose register row says gemeenten_mogen_inzien = nee

DAY0 = np.datetime64("1970-01-01", "D")
HULPVORMEN = tuple(HULPVORM_SHARES)
def _lists() -> codes.CodeLists:
    from spiegel.domains.jeugdhulp import DOMAIN

    return DOMAIN.codes


VERWIJZERS = _lists().code_list("verwijzer").values
REDENEN = _lists().code_list("reden_beeindiging").values
ZHV = _lists().code_list("zonder_hulp_verder").values
INFORMANTS = _lists().code_list("type_informant").values


@dataclass(frozen=True)
class ProviderSpec:
    """How providers are made; the national defaults and the bundled sample differ only here."""

    kind: tuple[str, ...]  # wijkteam | praktijk | verblijf | landelijk
    weight: np.ndarray  # relative size
    gemeenten: tuple[tuple[str, ...], ...]  # codes served
    offers: np.ndarray  # bool [provider, hulpvorm]
    names: tuple[str, ...]


@dataclass
class Country:
    """The simulated timeline: one row per trajectory (arrays), plus the providers."""

    providers: pd.DataFrame  # kvk, naam, domein, grootteklasse, gemeenten, kind
    traject: pd.DataFrame  # see _simulate
    gemeente_codes: np.ndarray
    pc4_codes: np.ndarray
    periods: list[Period]
    seed: int
    extra: dict = field(default_factory=dict)


# --- small helpers ------------------------------------------------------------------------------------------


def _days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


def _choice(rng: np.random.Generator, shares: dict[str, float] | np.ndarray, size: int) -> np.ndarray:
    p = np.asarray(list(shares.values()) if isinstance(shares, dict) else shares, dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(size), side="right").clip(0, len(p) - 1)


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Days since 1970 → ``JJJJMMDD`` strings (vectorised)."""
    d = DAY0 + np.asarray(days, dtype="int64").astype("timedelta64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    y = years.astype(int) + 1970
    m = (months - years.astype("datetime64[M]")).astype(int) + 1
    dd = (d - months.astype("datetime64[D]")).astype(int) + 1
    return (y * 10000 + m * 100 + dd).astype(str)


def passes_elfproef(bsn: pd.Series) -> pd.Series:
    """The BSN elfproef (:mod:`spiegel.elfproef`) over a Series of strings."""
    ok = bsn.str.fullmatch(r"\d{9}").fillna(False)
    numbers = pd.to_numeric(bsn.where(ok, "0")).to_numpy(dtype=np.int64)
    return ok & pd.Series(elfproef.passes(numbers), index=bsn.index)


_BSN_MULT, _BSN_ADD, _BSN_SPACE, _BSN_TRY = 48_271_373, 19_283_746, 100_000_000, 33_000_000


def bsn_for_youth(youth: np.ndarray) -> np.ndarray:
    """A distinct BSN per youth number (an affine permutation of the 8-digit prefixes, three tries to find a
    prefix whose check digit exists). Youths for which all three fail get the unknown BSN ``999999999``."""
    youth = np.asarray(youth, dtype=np.int64)
    if youth.size and youth.max() >= _BSN_TRY:
        raise ValueError("too many youths for distinct BSNs; use a smaller scale")
    out = np.full(len(youth), -1, dtype=np.int64)
    for attempt in range(3):
        todo = out < 0
        prefix = (_BSN_MULT * (youth[todo] + attempt * _BSN_TRY) + _BSN_ADD) % _BSN_SPACE
        check = elfproef.check_digit(prefix)
        good = (check < 10) & (prefix != 0)
        idx = np.flatnonzero(todo)[good]
        out[idx] = prefix[good] * 10 + check[good]
    text = np.char.zfill(out.astype(str), 9)
    return np.where(out < 0, "999999999", text)


def size_class(trajectories_per_period: float) -> str:
    for limit, label in SIZE_CLASS_LIMITS:
        if trajectories_per_period < limit:
            return label
    return "zeer_groot"


# --- geography -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Geography:
    codes: np.ndarray  # gemeente codes (sorted)
    weight: np.ndarray  # population proxy
    region: np.ndarray  # jeugdregio code per gemeente
    names: dict[str, str]
    pc4: np.ndarray  # all PC4s, grouped by gemeente
    pc4_start: np.ndarray  # first index in pc4 per gemeente
    pc4_count: np.ndarray


def _jeugdregio() -> pd.Series:
    """Gemeente code → jeugdregio code, from the newest gemeente list that has them (only 2025 does)."""
    for year in range(codes.LAST_YEAR, codes.FIRST_YEAR - 1, -1):
        gem = codes.gemeenten(year)
        if (gem["jeugdregiocode"] != "").any():
            return gem["jeugdregiocode"]
    raise RuntimeError("no gemeente list with jeugdregio codes")


def geography(day: date, only: tuple[str, ...] | None = None) -> Geography:
    """The gemeenten of ``day`` with their population proxy, jeugdregio and PC4s (``only``: a subset)."""
    pop = codes.population_proxy(day.year)
    if only is not None:
        pop = pop[pop.index.isin(only)]
    code_arr = np.array(pop.index, dtype=str)
    region = _jeugdregio().reindex(code_arr).fillna("").to_numpy(dtype=str)
    pc4 = pd.Series(codes.pc4_map(day), dtype=str)
    pc4 = pc4[pc4.isin(code_arr)]
    frame = pd.DataFrame({"pc4": pc4.index.astype(str), "code": pc4.to_numpy()}).sort_values(["code", "pc4"])
    counts = frame.groupby("code").size().reindex(code_arr, fill_value=0).to_numpy()
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return Geography(
        codes=code_arr,
        weight=pop.to_numpy(dtype=float),
        region=region,
        names=codes.gemeente_names(day),
        pc4=frame["pc4"].to_numpy(dtype=str),
        pc4_start=starts,
        pc4_count=counts,
    )


# --- providers -------------------------------------------------------------------------------------------

_NAME_A = np.array(
    ["Blauwe", "Groene", "Stille", "Lichte", "Open", "Sterke", "Warme", "Heldere", "Zachte", "Brede", "Vrije",
     "Rode", "Gouden", "Zilveren", "Verre", "Jonge", "Hoge", "Kleine", "Rustige", "Vaste"]
)
_NAME_B = np.array(
    ["Anker", "Haven", "Brug", "Kompas", "Linde", "Wilg", "Horizon", "Vuurtoren", "Boomgaard", "Bron", "Duin",
     "Kade", "Molen", "Akker", "Beek", "Ster", "Kiem", "Steiger", "Tuin", "Ree"]
)
_KIND_LABEL = {"wijkteam": "Wijkteam", "praktijk": "Praktijk", "verblijf": "Jeugdhuis", "landelijk": "Jeugdzorggroep"}


def _provider_name(kind: str, number: int, a: str, b: str, place: str | None) -> str:
    if kind == "wijkteam" and place:
        return f"Wijkteam {place} (synthetisch {number:04d})"
    return f"{_KIND_LABEL[kind]} {a} {b} (synthetisch {number:04d})"


def national_providers(n: int, geo: Geography, seed: int) -> ProviderSpec:
    """``n`` providers of four kinds covering the whole country (every gemeente × hulpvorm has one)."""
    if n < 3:
        raise ParameterError("--providers moet minstens 3 zijn")
    rng = _rng(seed, 900_000, n)
    n_wijkteam = min(round(0.6 * len(geo.codes)), n // 10)
    n_landelijk = max(1, round(0.004 * n))
    n_verblijf = max(1, round(0.06 * n))
    n_praktijk = n - n_wijkteam - n_landelijk - n_verblijf
    kinds = ["landelijk"] * n_landelijk + ["verblijf"] * n_verblijf + ["wijkteam"] * n_wijkteam
    kinds += ["praktijk"] * n_praktijk
    order = rng.permutation(n)  # mix the kinds over the provider numbers
    kinds = [kinds[i] for i in order]
    weight = np.zeros(n)
    offers = np.zeros((n, len(HULPVORMEN)), dtype=bool)
    served: list[tuple[str, ...]] = []
    regions = np.unique(geo.region)
    region_members = {r: geo.codes[geo.region == r] for r in regions}
    region_weight = np.array([geo.weight[geo.region == r].sum() for r in regions])
    wijkteam_gemeenten = iter(
        rng.choice(len(geo.codes), size=n_wijkteam, replace=False, p=geo.weight / geo.weight.sum())
    )
    places: list[str | None] = []
    hv = {h: i for i, h in enumerate(HULPVORMEN)}
    for p, kind in enumerate(kinds):
        place = None
        if kind == "landelijk":
            weight[p] = rng.lognormal(np.log(2.5), 0.6)
            offers[p, :] = True
            served.append(tuple(geo.codes))
        elif kind == "wijkteam":
            g = int(next(wijkteam_gemeenten))
            weight[p] = 1000.0  # the gemeente's own wijkteam does nearly all its wijkteam care
            offers[p, hv["01"]] = True
            served.append((str(geo.codes[g]),))
            place = geo.names.get(str(geo.codes[g]))
        elif kind == "verblijf":
            weight[p] = rng.lognormal(np.log(2.0), 1.0)
            home = regions[_choice(rng, region_weight, 1)[0]]
            members = list(region_members[home])
            if rng.random() < 0.3:
                other = regions[_choice(rng, region_weight, 1)[0]]
                members += [c for c in region_members[other] if c not in members]
            served.append(tuple(sorted(members)))
            for h, share in (("11", 0.5), ("12", 0.4), ("13", 0.05), ("14", 0.8), ("02", 0.6), ("03", 0.5),
                             ("04", 0.3)):
                offers[p, hv[h]] = rng.random() < share
            if not offers[p, 4:].any():
                offers[p, hv["14"]] = True
        else:
            weight[p] = max(rng.lognormal(0.0, 1.6), 0.5)  # a registered practice has at least a few clients
            g = _choice(rng, geo.weight, 1)[0]
            members = region_members[geo.region[g]]
            k = min(len(members), 1 + rng.geometric(0.45) - 1)
            others = [c for c in rng.permutation(members) if c != geo.codes[g]][: k - 1]
            served.append(tuple(sorted([str(geo.codes[g]), *map(str, others)])))
            offers[p, hv["02"]] = True
            offers[p, hv["04"]] = rng.random() < 0.4
            offers[p, hv["03"]] = rng.random() < 0.15
        places.append(place)
    a = _NAME_A[rng.integers(0, len(_NAME_A), n)]
    b = _NAME_B[rng.integers(0, len(_NAME_B), n)]
    names = tuple(_provider_name(k, i + 1, a[i], b[i], places[i]) for i, k in enumerate(kinds))
    return ProviderSpec(tuple(kinds), weight, tuple(served), offers, names)


# Per hulpvorm, how strongly each kind competes for it (multiplies the provider's weight).
KIND_AFFINITY = {
    "landelijk": {"01": 0.001, "02": 1.0, "03": 1.0, "04": 1.0, "11": 1.0, "12": 1.0, "13": 1.0, "14": 1.0},
    "verblijf": {"01": 0.0, "02": 1.0, "03": 1.0, "04": 1.0, "11": 4.0, "12": 4.0, "13": 4.0, "14": 4.0},
    "wijkteam": {h: (1.0 if h == "01" else 0.0) for h in HULPVORMEN},
    "praktijk": {"01": 0.0, "02": 1.0, "03": 1.0, "04": 1.0, "11": 0.0, "12": 0.0, "13": 0.0, "14": 0.0},
}


class _Router:
    """Draws a provider for (gemeente, hulpvorm) pairs, proportional to weight × affinity (vectorised)."""

    def __init__(self, spec: ProviderSpec, geo: Geography) -> None:
        index = {c: i for i, c in enumerate(geo.codes)}
        rows, cols = [], []
        for p, served in enumerate(spec.gemeenten):
            for c in served:
                if c in index:
                    rows.append(index[c])
                    cols.append(p)
        g_of = np.array(rows, dtype=np.int64)
        p_of = np.array(cols, dtype=np.int64)
        order = np.lexsort((p_of, g_of))
        self.g_of, self.p_of = g_of[order], p_of[order]
        self.bounds = np.searchsorted(self.g_of, np.arange(len(geo.codes) + 1))
        self.serves = np.zeros((len(spec.kind), len(geo.codes)), dtype=bool)
        self.serves[self.p_of, self.g_of] = True
        self.cum = {}
        for h_i, h in enumerate(HULPVORMEN):
            w = np.array([KIND_AFFINITY[k][h] for k in spec.kind]) * spec.weight * spec.offers[:, h_i]
            self.cum[h_i] = np.cumsum(w[self.p_of])

    def draw(self, rng: np.random.Generator, gemeente: np.ndarray, hulpvorm: np.ndarray) -> np.ndarray:
        out = np.full(len(gemeente), -1, dtype=np.int64)
        u = rng.random(len(gemeente))
        for h_i in np.unique(hulpvorm):
            sel = np.flatnonzero(hulpvorm == h_i)
            cum = self.cum[int(h_i)]
            lo, hi = self.bounds[gemeente[sel]], self.bounds[gemeente[sel] + 1]
            base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
            total = cum[hi - 1] - base
            target = base + u[sel] * total
            pos = np.searchsorted(cum, target, side="right").clip(lo, hi - 1)
            out[sel] = np.where(total > 0, self.p_of[pos], -1)
        if (out < 0).any():
            raise RuntimeError("a gemeente has no provider for a hulpvorm")
        return out


# --- the timeline ----------------------------------------------------------------------------------------


def _half_years(last: Period) -> list[Period]:
    out, current = [], Period(SIM_START.year, "H", 1)
    while current <= last:
        out.append(current)
        current = current.next()
    return out


def _warp_tables(first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative warped time per day (index 0 = ``first``), so that end = Λ⁻¹(Λ(start) + duration)."""
    days = np.arange(first, last + 1)
    months = (DAY0 + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(int) % 12 + 1
    speed = np.where(months <= 6, 1.0, H2_SPEED)
    speed *= 365.25 / (181.0 + 184.0 * H2_SPEED)  # average speed 1 over a year
    return days, np.concatenate([[0.0], np.cumsum(speed)])


def simulate(
    spec: ProviderSpec, geo: Geography, last: Period, *, scale: float, seed: int, volume: float = 1.0
) -> pd.DataFrame:
    """All trajectories from 2015 to ``last`` (one row each); ``volume`` is the share of the country served."""
    router = _Router(spec, geo)
    halves = _half_years(last)
    mu = [STARTS_PER_HALF_YEAR[h.number] * scale * volume for h in halves]
    sizes = np.array([_rng(seed, 1, i).poisson(m) for i, m in enumerate(mu)], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n = int(offsets[-1])
    first_day, far = _days(SIM_START), _days(last.last_day) + 40 * 366
    _, cum_warp = _warp_tables(first_day, far)
    t = {
        "start": np.zeros(n, np.int64), "end": np.zeros(n, np.int64), "hulpvorm": np.zeros(n, np.int64),
        "verwijzer": np.zeros(n, np.int64), "crisis": np.zeros(n, bool), "reden": np.zeros(n, np.int64),
        "tevredenheid": np.zeros(n, np.int64), "zhv": np.full(n, -1, np.int64),
        "informant": np.full(n, -1, np.int64), "youth": np.zeros(n, np.int64), "birth": np.zeros(n, np.int64),
        "male": np.zeros(n, bool), "gemeente": np.zeros(n, np.int64), "pc4": np.zeros(n, np.int64),
        "letters": np.zeros(n, np.int64), "provider": np.zeros(n, np.int64), "bsn_unknown": np.zeros(n, bool),
        "sex_unknown": np.zeros(n, bool), "birth_mode": np.zeros(n, np.int64), "address": np.zeros(n, np.int64),
        "link": np.zeros(n, np.int64),
    }
    duration_factor = np.array([DURATION_FACTOR[h] for h in HULPVORMEN])
    crisis_p = np.array([CRISIS_SHARE[h] for h in HULPVORMEN])
    verblijf = np.array([h >= "11" for h in HULPVORMEN])
    g_weight = geo.weight / geo.weight.sum()
    hv01 = HULPVORMEN.index("01")
    for c, half in enumerate(halves):
        lo, hi = int(offsets[c]), int(offsets[c + 1])
        m = hi - lo
        if m == 0:
            continue
        rng = _rng(seed, 2, c)
        s = slice(lo, hi)
        a, b = _days(half.first_day), _days(half.last_day)
        start = rng.integers(a, b + 1, m)
        hv = _choice(rng, HULPVORM_SHARES, m)
        warped = rng.exponential(MEAN_DURATION_DAYS, m) * duration_factor[hv]
        target = cum_warp[start - first_day] + warped
        end = first_day + np.searchsorted(cum_warp, target, side="left") - 1
        end = np.maximum(end, start + MIN_DURATION_DAYS)
        ver = np.where(
            hv == hv01,
            VERWIJZERS.index("06"),
            np.where(
                verblijf[hv],
                _choice(rng, VERWIJZER_SHARES["verblijf"], m),
                _choice(rng, VERWIJZER_SHARES["zonder"], m),
            ),
        )
        t["start"][s], t["end"][s], t["hulpvorm"][s], t["verwijzer"][s] = start, end, hv, ver
        t["crisis"][s] = rng.random(m) < crisis_p[hv]
        t["reden"][s] = _choice(rng, REDEN_SHARES, m)
        outcome = rng.random(m) < OUTCOME_SHARE
        t["tevredenheid"][s] = np.where(outcome, np.clip(np.round(rng.normal(7.2, 1.4, m)), 1, 10), 0)
        t["zhv"][s] = np.where(outcome, _choice(rng, [0.25, 0.30, 0.10, 0.35], m), -1)
        t["informant"][s] = np.where(outcome, _choice(rng, [0.35, 0.65], m), -1)
        # A youth of its own (used when the start is not linked to an earlier youth).
        age_days = (_choice(rng, AGE_WEIGHTS, m) + rng.random(m)) * 365.25
        birth = start - np.maximum(age_days.astype(np.int64), 1)
        gemeente = _choice(rng, g_weight, m)
        pc4 = geo.pc4_start[gemeente] + (rng.random(m) * geo.pc4_count[gemeente]).astype(np.int64)
        letters = rng.integers(0, len(LETTER_PAIRS), m)
        youth = np.arange(lo, hi)
        male = rng.random(m) < 0.56
        provider_pref = np.full(m, -1, np.int64)
        # Links to earlier youths.
        kind = _choice(rng, [1 - sum(LINK_SHARES.values()), *LINK_SHARES.values()], m)
        parent = np.full(m, -1, np.int64)
        if lo > 0:
            ends = t["end"][:lo]
            order = np.argsort(ends, kind="stable")
            gap = 1 + rng.exponential(REPEAT_GAP_DAYS, m).astype(np.int64)
            pos = np.searchsorted(ends[order], start - gap, side="right") - 1 - rng.integers(0, 25, m)
            seq = (kind == 1) & (pos >= 0)
            parent[seq] = order[pos[seq]]
            prev_lo = int(offsets[c - 1])
            cand = rng.integers(prev_lo, lo, m) if lo > prev_lo else np.zeros(m, np.int64)
            conc = (kind == 2) & (lo > prev_lo)
            conc &= (t["start"][cand] < start) & (t["end"][cand] >= start) & (t["hulpvorm"][cand] != hv)
            parent[conc] = cand[conc]
            linked = parent >= 0
            age_then = (start - t["birth"][np.maximum(parent, 0)]) / 365.25
            linked &= (age_then < 18) | ((age_then < 22.5) & (rng.random(m) < ADULT_LINK_SHARE))
            par = parent[linked]
            youth[linked] = t["youth"][par]
            birth[linked] = t["birth"][par]
            gemeente[linked] = t["gemeente"][par]
            pc4[linked] = t["pc4"][par]
            letters[linked] = t["letters"][par]
            male[linked] = t["male"][par]
            same = linked & (kind == 1) & (rng.random(m) < SAME_PROVIDER_SHARE)
            pp = t["provider"][parent[same]]
            ok = spec.offers[pp, hv[same]] & router.serves[pp, gemeente[same]]
            provider_pref[np.flatnonzero(same)[ok]] = pp[ok]
            kind = np.where(linked, kind, 0)
        else:
            kind[:] = 0
        provider = router.draw(rng, gemeente, hv)
        provider = np.where(provider_pref >= 0, provider_pref, provider)
        t["youth"][s], t["birth"][s], t["gemeente"][s], t["pc4"][s] = youth, birth, gemeente, pc4
        t["letters"][s], t["male"][s], t["provider"][s], t["link"][s] = letters, male, provider, kind
        # How this provider records the youth (per trajectory, fixed across periods).
        age = start - birth
        t["bsn_unknown"][s] = rng.random(m) < UNKNOWN_SHARES["bsn"]
        t["sex_unknown"][s] = rng.random(m) < UNKNOWN_SHARES["geslacht"]
        u = rng.random(m)
        mode = np.where(u < UNKNOWN_SHARES["dag00"], 1, np.where(u < sum(list(UNKNOWN_SHARES.values())[2:]), 2, 0))
        t["birth_mode"][s] = np.where((age >= 2 * 365.25) & (age < 22 * 365.25), mode, 0)
        t["address"][s] = _choice(rng, ADDRESS_SHARES, m)
    frame = _separate_overlaps(pd.DataFrame(t))
    # Moving a start (above) can make a youth too old for it: such a trajectory is left out.
    too_old = (frame["start"] - frame["birth"]) > 22.9 * 365.25
    return frame[~too_old.to_numpy()]


def _separate_overlaps(frame: pd.DataFrame) -> pd.DataFrame:
    """Two trajectories of one youth with the same hulpvorm at one provider may not overlap (SPEC §3.4): a
    later one that would overlap starts two weeks after the earlier ones end (same duration)."""
    start, end = frame["start"].to_numpy().copy(), frame["end"].to_numpy().copy()
    order = np.lexsort((start, frame["hulpvorm"].to_numpy(), frame["provider"].to_numpy(), frame["youth"].to_numpy()))
    key = frame[["youth", "provider", "hulpvorm"]].to_numpy()[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = (key[1:] == key[:-1]).all(axis=1)
    multi = same | np.r_[same[1:], False]  # rows in a group of two or more
    rows = order[multi]
    first = ~same[multi]  # first row of each group
    group = np.cumsum(first)
    s, e = start[rows], end[rows]
    offset = group.astype(np.int64) * 10**7  # makes the running maximum restart in every group
    for _ in range(100):
        running = np.maximum.accumulate(e + offset) - offset
        prev = np.r_[np.int64(-(10**7)), running[:-1]]
        clash = ~first & (s <= prev)
        if not clash.any():
            break
        shift = np.where(clash, prev + 14 - s, 0)
        s, e = s + shift, e + shift
    start[rows], end[rows] = s, e
    frame["start"], frame["end"] = start, end
    return frame


# --- deliveries ------------------------------------------------------------------------------------------


def active_in(frame: pd.DataFrame, period: Period) -> np.ndarray:
    first, last = _days(period.first_day), _days(period.last_day)
    return ((frame["start"] <= last) & (frame["end"] >= first)).to_numpy()


def delivery_rows(frame: pd.DataFrame, period: Period, geo: Geography) -> pd.DataFrame:
    """The raw (string) records of ``period`` for the trajectories in ``frame`` (all assumed active)."""
    last = _days(period.last_day)
    ended = frame["end"].to_numpy() <= last
    gem_codes = geo.codes
    valid = codes.valid_codes(period.last_day)
    successor = np.array([c if c in valid else (codes.successor(c, period.last_day) or c) for c in gem_codes])
    bsn = bsn_for_youth(frame["youth"].to_numpy())
    bsn = np.where(frame["bsn_unknown"].to_numpy(), "999999999", bsn)
    birth = yyyymmdd(frame["birth"].to_numpy())
    mode = frame["birth_mode"].to_numpy()
    birth = np.where(mode == 1, np.char.add(birth.astype("U6"), "00"), birth)
    birth = np.where(mode == 2, np.char.add(birth.astype("U4"), "0000"), birth)
    sex = np.where(frame["sex_unknown"].to_numpy(), "O", np.where(frame["male"].to_numpy(), "M", "V"))
    address = frame["address"].to_numpy()
    postcode = np.char.add(geo.pc4[frame["pc4"].to_numpy()], LETTER_PAIRS[frame["letters"].to_numpy()])
    postcode = np.where(address == 2, "", postcode)
    gemeente = np.where(address >= 1, successor[frame["gemeente"].to_numpy()], "")
    zhv = frame["zhv"].to_numpy()
    inf = frame["informant"].to_numpy()
    tev = frame["tevredenheid"].to_numpy()
    raw = pd.DataFrame(
        {
            "bsn": bsn,
            "geboortedatum": birth,
            "geslacht": sex,
            "postcode": postcode,
            "gemeentecode": gemeente,
            "verwijzer": np.array(VERWIJZERS)[frame["verwijzer"].to_numpy()],
            "hulpvorm": np.array(HULPVORMEN)[frame["hulpvorm"].to_numpy()],
            "gestart_met_crisis": np.where(frame["crisis"].to_numpy(), "01", "02"),
            "datum_aanvang": yyyymmdd(frame["start"].to_numpy()),
            "datum_einde": np.where(ended, yyyymmdd(frame["end"].to_numpy()), ""),
            "reden_beeindiging": np.where(ended, np.array(REDENEN)[frame["reden"].to_numpy()], ""),
            "tevredenheid": np.where(ended & (tev > 0), tev.astype(str), ""),
            "zonder_hulp_verder": np.where(ended & (zhv >= 0), np.array(ZHV)[np.maximum(zhv, 0)], ""),
            "type_informant": np.where(ended & (inf >= 0), np.array(INFORMANTS)[np.maximum(inf, 0)], ""),
        },
        index=frame.index,
    )
    return raw.astype(object)


def _degrade(raw: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A first delivery that the correction later fixes: some records left out, some end dates missing."""
    keep = rng.random(len(raw)) >= 0.04
    if keep.all() and len(raw) > 1:
        keep[rng.integers(0, len(raw))] = False
    out = raw[keep].copy()
    ended = np.flatnonzero((out["datum_einde"] != "").to_numpy())
    if len(ended):
        drop = ended[rng.random(len(ended)) < 0.3]
        cols = ["datum_einde", "reden_beeindiging", "tevredenheid", "zonder_hulp_verder", "type_informant"]
        out.iloc[drop, [out.columns.get_loc(c) for c in cols]] = ""
    return out


def _layout():
    from spiegel.domains.jeugdhulp import DOMAIN

    return DOMAIN.layout()


def _file_name(kvk: str, period: Period, fmt: str, correction: bool) -> str:
    suffix = "_correctie" if correction else ""
    return f"jeugdhulp_{kvk}_{period}{suffix}{EXTENSIONS[fmt]}"


def write_one(
    root: Path, kvk: str, naam: str, period: Period, fmt: str, received: datetime, *,
    raw: pd.DataFrame | None = None, lines: np.ndarray | None = None, correction: bool = False,
) -> Path:
    """One delivery file (from a raw frame, or from record lines made by ``format_lines``) and its sidecar."""
    path = root / str(period) / kvk / _file_name(kvk, period, fmt, correction)
    if lines is not None:
        write_lines(lines, path, fmt, _layout())
    else:
        write_delivery(raw, path, fmt, _layout())
    meta = DeliveryMeta(
        kvk=kvk, naam=naam, domein="jeugdhulp", periode=str(period), correctie=correction, ontvangen=received,
        indeling=_layout().naam, sha256=sha256_bytes(path.read_bytes()),
    )
    write_meta(path, meta)
    return path


def _kvk_numbers(n: int, seed: int) -> list[str]:
    rng = _rng(seed, 800_000, n)
    numbers = np.unique(rng.integers(10_000_000, 100_000_000, n * 2))
    numbers = rng.permutation(numbers)[:n]
    while len(numbers) < n:  # practically never
        numbers = np.unique(np.concatenate([numbers, rng.integers(10_000_000, 100_000_000, n)]))[:n]
    return [str(x) for x in numbers]


def register_frame(
    spec: ProviderSpec, kvk: list[str], sizes: np.ndarray, hidden: np.ndarray | None = None
) -> pd.DataFrame:
    """The register rows; ``hidden`` marks the providers with ``gemeenten_mogen_inzien = nee`` (default: none)."""
    hidden = np.zeros(len(kvk), dtype=bool) if hidden is None else np.asarray(hidden, dtype=bool)
    return pd.DataFrame(
        {
            "kvk": kvk,
            "naam": spec.names,
            "domein": "jeugdhulp",
            "grootteklasse": [size_class(s) for s in sizes],
            "gemeenten": [" ".join(g) for g in spec.gemeenten],
            "gemeenten_mogen_inzien": np.where(hidden, "nee", "ja"),
        }
    )


def hidden_providers(n: int, seed: int) -> np.ndarray:
    """Which providers of a synthetic country say ``gemeenten_mogen_inzien = nee`` (a few: SPEC §10)."""
    hidden = _rng(seed, 900_000, n).random(n) < NOT_VISIBLE_SHARE
    if n >= 5 and not hidden.any():
        hidden[_rng(seed, 900_001).integers(0, n)] = True
    return hidden


@dataclass
class SynthResult:
    out: Path
    register: pd.DataFrame
    files: list[Path]
    rows: dict[str, int]  # period → rows in current deliveries
    never: list[str]
    skipped: list[tuple[str, str]]
    corrected: list[tuple[str, str]]


def synth_country(
    out: str | Path,
    *,
    providers: int | None = None,
    scale: float = 1.0,
    periods: list[Period] | None = None,
    seed: int = 2025,
    fmt: str = "csv",
) -> SynthResult:
    """Write a synthetic country under ``out``: ``<period>/<kvk>/<file>`` with sidecars; the result's register
    rows are written by the caller (``spiegel synth`` merges them into ``register.csv``)."""
    if not 0 < scale <= MAX_SCALE:
        raise ParameterError(f"--scale moet groter dan 0 en hoogstens {MAX_SCALE:g} zijn")
    if fmt not in EXTENSIONS:
        raise ParameterError(f"onbekend formaat {fmt!r}")
    periods = sorted(periods or [Period.parse(p) for p in ("2024H1", "2024H2", "2025H1")])
    if any(p.kind != "H" for p in periods):
        raise ParameterError("jeugdhulp wordt per halfjaar aangeleverd: gebruik perioden als 2025H1")
    if periods[0].year < FIRST_YEAR or periods[-1].year > codes.LAST_YEAR:
        raise ParameterError(f"synthetische perioden moeten in {FIRST_YEAR} t/m {codes.LAST_YEAR} liggen")
    n_providers = providers if providers is not None else max(10, round(5000 * scale))
    geo = geography(periods[-1].last_day)
    spec = national_providers(n_providers, geo, seed)
    frame = simulate(spec, geo, periods[-1], scale=scale, seed=seed)
    kvk = _kvk_numbers(n_providers, seed)
    return _write_country(Path(out), spec, geo, frame, kvk, periods, seed, fmt)


def _write_country(
    out: Path, spec: ProviderSpec, geo: Geography, frame: pd.DataFrame, kvk: list[str], periods: list[Period],
    seed: int, fmt: str,
) -> SynthResult:
    n = len(kvk)
    plan = _rng(seed, 700_000, n)
    never = plan.random(n) < NEVER_DELIVERS
    if n >= 5 and not never.any():
        never[plan.integers(0, n)] = True
    # Per period its own stream, so that a run with fewer periods makes the same choices for the shared ones.
    per_period = [_rng(seed, 6, p.year, p.number).random((2, n)) for p in periods]
    skip = np.stack([u[0] < SKIPS_PERIOD for u in per_period], axis=1)
    correct = np.stack([u[1] < CORRECTS_PERIOD for u in per_period], axis=1) & ~skip
    if n >= 5 and not correct.any():
        correct[plan.integers(0, n), len(periods) - 1] = True
    sizes = np.zeros(n)
    files: list[Path] = []
    rows: dict[str, int] = {}
    for k, period in enumerate(periods):
        act = frame[active_in(frame, period)]
        act = act.iloc[np.lexsort((act.index.to_numpy(), act["start"].to_numpy(), act["provider"].to_numpy()))]
        raw = delivery_rows(act, period, geo)
        lines = format_lines(raw, fmt, _layout()) if fmt != "xlsx" else None
        prov = act["provider"].to_numpy()
        bounds = np.searchsorted(prov, np.arange(n + 1))
        counts = np.diff(bounds)
        sizes += counts / len(periods)
        rng = _rng(seed, 3, period.year, period.number)
        received_offsets = rng.uniform(0.0, RECEIPT_WINDOW_DAYS, n)
        correction_offsets = rng.uniform(28.0, 90.0, n)
        degrade_seeds = rng.integers(0, 2**31, n)
        delivered = 0
        for p in range(n):
            if never[p] or skip[p, k] or counts[p] == 0:
                continue
            part = raw.iloc[bounds[p] : bounds[p + 1]]
            base = datetime.combine(period.last_day + timedelta(days=1), datetime.min.time())
            received = base + timedelta(seconds=int(received_offsets[p] * 86400))
            own = {"raw": part} if lines is None else {"lines": lines[bounds[p] : bounds[p + 1]]}
            if correct[p, k]:
                first = _degrade(part, _rng(seed, 4, int(degrade_seeds[p])))
                files.append(write_one(out, kvk[p], spec.names[p], period, fmt, received, raw=first))
                later = base + timedelta(seconds=int(correction_offsets[p] * 86400))
                files.append(write_one(out, kvk[p], spec.names[p], period, fmt, later, correction=True, **own))
            else:
                files.append(write_one(out, kvk[p], spec.names[p], period, fmt, received, **own))
            delivered += len(part)
        rows[str(period)] = delivered
    register = register_frame(spec, kvk, sizes, hidden_providers(n, seed))
    return SynthResult(
        out=out,
        register=register,
        files=files,
        rows=rows,
        never=[kvk[p] for p in np.flatnonzero(never)],
        skipped=[(kvk[p], str(periods[k])) for p, k in zip(*np.nonzero(skip & ~never[:, None]), strict=True)],
        corrected=[(kvk[p], str(periods[k])) for p, k in zip(*np.nonzero(correct & ~never[:, None]), strict=True)],
    )


def flow_totals(raw: pd.DataFrame, period: Period) -> dict[str, int]:
    """Beginstand, instroom, uitstroom and eindstand of raw (text) delivery records, SPEC §6 literally; for checking
    the calibration of generated data against :data:`PUBLISHED_H1_FLOWS`."""
    start = pd.to_datetime(raw["datum_aanvang"], format="%Y%m%d")
    end = pd.to_datetime(raw["datum_einde"].replace("", None), format="%Y%m%d")
    first, last = pd.Timestamp(period.first_day), pd.Timestamp(period.last_day)
    running = end.isna()
    return {
        "beginstand": int(((start < first) & (running | (end >= first))).sum()),
        "instroom": int(((start >= first) & (start <= last)).sum()),
        "uitstroom": int(((end >= first) & (end <= last)).sum()),
        "eindstand": int(((start <= last) & (running | (end > last))).sum()),
    }
