"""Synthetic Veilig Thuis deliveries (SPEC §5.8): 26 organisations sized by region, a half-year's national volume of
about 71,500 adviezen, 63,500 meldingen and 3,675 afgeronde onderzoeken (±5 %), from a seed.

The generator simulates every organisation's meldingen over time — melding, triage within five working days for
90 %, vervolg (onderzoek 6 %, overdracht 70 %, advies 4 %, geen vervolg 20 %), the casus (28 % of meldingen join an
earlier casus) with its household of persons (2.6 on average, 45 % minors) — and the onderzoeken that follow,
closed in a later period than their melding when the triage fell late in a period. A melding is delivered in the
period of its triage, an onderzoek in that of its afronding (SPEC §5.4). ``fault_share`` adds consistency faults of
the kwaliteitsrapport's kinds to that share of records.

The data are invented (names say "synthetisch"); BSNs pass the elfproef and are drawn at random.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from spiegel import elfproef
from spiegel.deliveries import DeliveryMeta, write_meta
from spiegel.domains.vt import werkdagen
from spiegel.errors import ParameterError
from spiegel.periods import Period
from spiegel.read import sha256_bytes
from spiegel.write import write_sets

#: SPEC §5.8: the national volume of one half-year (half of the 2023 year).
NATIONAL_HALF_YEAR = {"adviezen": 71_500, "meldingen": 63_500, "onderzoeken": 3_675}
VERVOLG_SHARES = {"01": 0.058, "02": 0.70, "03": 0.04, "04": 0.202}
REPEAT_SHARE = 0.28  # meldingen that join the casus of an earlier melding
PERSONS = np.array([0.22, 0.32, 0.24, 0.12, 0.06, 0.025, 0.01, 0.005])  # 1..8 persons, mean 2.6
MINOR_SHARE = 0.45
OLD_SHARE_OF_ADULTS = 0.10
BSN_UNKNOWN, BSN_UNBORN = 0.04, 0.005
TRIAGE_WITHIN_NORM = 0.90
ONDERZOEK_WITHIN_NORM = 0.75
MAX_SCALE = 5.0
FORMATS = {"csv": "zip", "xlsx": "xlsx", "fixed": "fixed", "zip": "zip"}
EXTENSIONS = {"zip": ".zip", "xlsx": ".xlsx", "fixed": ".txt"}
RECEIPT_WINDOW_DAYS = 21  # SPEC §2: three weeks after the period

#: The 26 organisations (invented names after the regions; weights ≈ regional population in 100,000s, the largest
#: raised to about 2.5 times the mean as SPEC §5.8 decides).
ORGANISATIONS: tuple[tuple[str, float], ...] = (
    ("Amsterdam-Amstelland", 10.5), ("Rotterdam-Rijnmond", 13.2), ("Haaglanden", 11.3), ("Utrecht", 17.5),
    ("Kennemerland", 5.5), ("Zaanstreek-Waterland", 3.4), ("Noord-Holland Noord", 6.7), ("Gooi en Vechtstreek", 2.6),
    ("Flevoland", 4.4), ("Hollands Midden", 8.2), ("Zuid-Holland Zuid", 4.6), ("Zeeland", 3.9),
    ("Midden- en West-Brabant", 11.3), ("Brabant-Noord", 6.6), ("Brabant-Zuidoost", 7.8), ("Limburg-Noord", 5.2),
    ("Zuid-Limburg", 5.9), ("Gelderland-Midden", 7.1), ("Gelderland-Zuid", 5.6), ("Noord- en Oost-Gelderland", 8.4),
    ("IJsselland", 5.4), ("Twente", 6.3), ("Drenthe", 5.0), ("Groningen", 5.9), ("Friesland", 6.5),
    ("Gelderland-Noord", 3.1),
)
KVK_BASE = 95_000_000  # synthetic VT organisations: 95000001 …; the jeugdhulp sample uses 910000xx


@dataclass(frozen=True)
class Organisation:
    kvk: str
    naam: str
    weight: float  # share of the national volume
    fmt: str = "zip"  # zip | xlsx | fixed | map


@dataclass
class SynthResult:
    out: Path
    register: pd.DataFrame
    files: list[Path]
    rows: dict[str, int]  # period → records (adviezen, meldingen, onderzoeken) in the deliveries
    never: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    corrected: list[tuple[str, str]] = field(default_factory=list)


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, 5150, *keys])


def national_organisations(fmt: str = "zip") -> list[Organisation]:
    total = sum(w for _, w in ORGANISATIONS)
    return [Organisation(str(KVK_BASE + i + 1), f"Veilig Thuis {name} (synthetisch)", w / total, fmt)
            for i, (name, w) in enumerate(ORGANISATIONS)]


# --- people ----------------------------------------------------------------------------------------------


def random_bsns(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid BSNs (elfproef) as text."""
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        prefix = rng.integers(10_000_000, 99_999_999, 2 * (n - have) + 16)
        digit = elfproef.check_digit(prefix)
        ok = digit < 10
        numbers = np.unique(prefix[ok] * 10 + digit[ok])
        out.append(numbers)
        have = len(np.unique(np.concatenate(out)))
    numbers = rng.permutation(np.unique(np.concatenate(out)))[:n]
    return np.char.zfill(numbers.astype(str), 9).astype(object)


def _ymd(day: np.ndarray) -> np.ndarray:
    return np.char.replace(np.datetime_as_string(day.astype("datetime64[D]")), "-", "").astype(object)


# --- simulation ------------------------------------------------------------------------------------------


@dataclass
class Simulation:
    """Every simulated item of one organisation (all periods); the delivery of a period selects from it."""

    meldingen: pd.DataFrame
    onderzoeken: pd.DataFrame
    adviezen: pd.DataFrame
    persons: pd.DataFrame  # casus → its household


def _flags(rng: np.random.Generator, n: int, n_codes: int, choices: np.ndarray, extra: float) -> np.ndarray:
    """An n × n_codes 0/1 matrix: option ``choices[i]`` ticked, plus a second random option with chance ``extra``."""
    out = np.zeros((n, n_codes), dtype=np.int8)
    out[np.arange(n), choices] = 1
    second = rng.random(n) < extra
    out[np.flatnonzero(second), rng.integers(0, n_codes, second.sum())] = 1
    return out


AANLEIDING_HG = np.array([0, 1, 2, 3, 4, 8])  # 01–05, 09
AANLEIDING_KM = np.array([5, 6, 7])  # 06–08
AARD_GENERAL = np.array([0, 1, 2, 3, 5, 6, 10])  # no kindermishandeling-only aard, not 12
AARD_KM = np.array([4, 7])  # 05, 08 (of the km-only ones, the common two)


def _aanleiding(rng: np.random.Generator, minor: np.ndarray, old: np.ndarray) -> np.ndarray:
    n = len(minor)
    choice = np.where(minor & (rng.random(n) < 0.7), rng.choice(AANLEIDING_KM, n),
                      rng.choice(np.array([0, 0, 0, 1, 3, 4, 8, 8]), n))
    choice = np.where(old & (rng.random(n) < 0.6), 2, choice)
    choice = np.where(rng.random(n) < 0.02, 9, choice)  # andere problematiek
    out = np.zeros((n, 10), dtype=np.int8)
    out[np.arange(n), choice] = 1
    return out


def _aard(rng: np.random.Generator, km: np.ndarray) -> np.ndarray:
    n = len(km)
    out = np.zeros((n, 12), dtype=np.int8)
    out[np.arange(n), rng.choice(AARD_GENERAL, n)] = 1
    second = rng.random(n) < 0.25
    out[np.flatnonzero(second), rng.choice(AARD_GENERAL, second.sum())] = 1
    second_km = km & (rng.random(n) < 0.5)
    out[np.flatnonzero(second_km), rng.choice(AARD_KM, second_km.sum())] = 1
    return out


def _exact_shares(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    """``n`` codes in the given shares (rounded; the last code takes the rest), in random order."""
    counts = [round(share * n) for share in list(shares.values())[:-1]]
    counts.append(n - sum(counts))
    return rng.permutation(np.repeat(np.array(list(shares), dtype=object), counts))


def _working_day_gaps(rng: np.random.Generator, n: int) -> np.ndarray:
    within = rng.random(n) < TRIAGE_WITHIN_NORM
    return np.where(within, rng.integers(0, 6, n), rng.integers(6, 25, n))


def simulate(org: Organisation, periods: list[Period], *, scale: float, seed: int, index: int) -> Simulation:
    """One organisation's items from one period before the first (so that onderzoeken closing in the first period
    have their melding) to the last."""
    rng = _rng(seed, index)
    first = periods[0].previous()
    start = np.datetime64(first.first_day, "D")
    end = np.datetime64(periods[-1].last_day, "D")
    halves = len(periods) + 1
    n_m = int(rng.poisson(NATIONAL_HALF_YEAR["meldingen"] * org.weight * scale * halves))
    n_a = int(rng.poisson(NATIONAL_HALF_YEAR["adviezen"] * org.weight * scale * halves))
    span = int((end - start).astype(int)) + 1
    triage = np.sort(start + rng.integers(0, span, n_m).astype("timedelta64[D]"))
    holidays = werkdagen._holiday_array(start - 60, end)
    gap = _working_day_gaps(rng, n_m)
    melding = np.busday_offset(triage, -gap, roll="backward", holidays=holidays)
    melding = np.minimum(melding, triage)
    vervolg = _exact_shares(rng, VERVOLG_SHARES, n_m)
    order = np.argsort(melding, kind="stable")
    melding, triage, vervolg = melding[order], triage[order], vervolg[order]
    # Casus: a repeated melding joins the casus of an earlier one (within about a year).
    casus = np.arange(n_m)
    repeat = rng.random(n_m) < REPEAT_SHARE
    repeat[0] = False
    back = rng.integers(1, 400, n_m)
    for i in np.flatnonzero(repeat):
        casus[i] = casus[max(0, i - back[i])]
    # Households: one per casus.
    n_persons = rng.choice(np.arange(1, 9), n_m, p=PERSONS)
    total = int(n_persons.sum())
    minor = rng.random(total) < MINOR_SHARE
    old = ~minor & (rng.random(total) < OLD_SHARE_OF_ADULTS)
    age_days = np.where(minor, rng.integers(0, 18 * 365, total),
                        np.where(old, rng.integers(65 * 365, 92 * 365, total), rng.integers(18 * 365, 65 * 365, total)))
    owner = np.repeat(np.arange(n_m), n_persons)
    birth = melding[owner] - age_days.astype("timedelta64[D]")
    status = rng.random(total)
    unborn = minor & (status < BSN_UNBORN / MINOR_SHARE)
    unknown = ~unborn & (rng.random(total) < BSN_UNKNOWN)
    bsn = random_bsns(rng, total)
    bsn[unknown] = "000000000"
    bsn[unborn] = "999999999"
    geboorte = _ymd(birth)
    geboorte[unborn] = "99999999"
    partial = rng.random(total) < 0.01
    geboorte[partial & ~unborn] = np.asarray([g[:6] + "00" for g in geboorte[partial & ~unborn]], dtype=object)
    geslacht = rng.choice(np.array(["V", "M", "O"], dtype=object), total, p=[0.52, 0.47, 0.01])
    persons = pd.DataFrame({"owner": owner, "bsn": bsn, "geboortedatum": geboorte, "geslacht": geslacht,
                            "minor": minor | unborn, "old": old})
    # A repeated melding reports the household of its casus' first melding.
    household = casus
    has_minor = np.bincount(owner[persons["minor"].to_numpy()], minlength=n_m)[household] > 0
    has_old = np.bincount(owner[old], minlength=n_m)[household] > 0
    aanleiding = _aanleiding(rng, has_minor, has_old)
    km = aanleiding[:, 5:8].any(axis=1)
    hoedanigheid = rng.choice(_HOEDANIGHEID, n_m, p=_HOEDANIGHEID_P)
    overdracht = _flags(rng, n_m, 17, rng.integers(0, 17, n_m), 0.3) * (vervolg == "02")[:, None].astype(np.int8)
    meldingen = pd.DataFrame({
        "melding_id": [f"M{i + 1:07d}" for i in range(n_m)],
        "hoofdnummer": [f"C{c + 1:07d}" for c in casus],
        "datum_melding": _ymd(melding),
        "datum_triagebesluit": _ymd(triage),
        "hoedanigheid": hoedanigheid,
        "vervolg": vervolg,
        "household": household,
        "triage_day": triage,
    })
    meldingen["onderzoeksnummer"] = ""
    _set_flags(meldingen, "aanleiding", aanleiding)
    _set_flags(meldingen, "aard", _aard(rng, km))
    _set_flags(meldingen, "overdracht", overdracht)
    # Onderzoeken: one per melding with vervolg 01.
    o_index = np.flatnonzero(vervolg == "01")
    n_o = len(o_index)
    numbers = np.asarray([f"O{i + 1:07d}" for i in range(n_o)], dtype=object)
    meldingen.loc[o_index, "onderzoeksnummer"] = numbers
    t = triage[o_index]
    wait = rng.integers(0, 15, n_o).astype("timedelta64[D]")
    within = rng.random(n_o) < ONDERZOEK_WITHIN_NORM
    length = np.where(within, rng.integers(25, 71, n_o), rng.integers(71, 160, n_o)).astype("timedelta64[D]")
    o_start = t + wait
    o_end = np.maximum(t + length, o_start + 7)
    o_km = has_minor[o_index] & (rng.random(n_o) < 0.8)
    uitkomst = np.zeros((n_o, 9), dtype=np.int8)
    km_outcome = rng.choice(np.array([3, 4, 5]), n_o, p=[0.3, 0.19, 0.51])
    hg_outcome = rng.choice(np.array([0, 1, 2]), n_o, p=[0.25, 0.35, 0.40])
    uitkomst[np.flatnonzero(o_km), km_outcome[o_km]] = 1
    hg = ~o_km | (rng.random(n_o) < 0.3)
    uitkomst[np.flatnonzero(hg), hg_outcome[hg]] = 1
    early = rng.random(n_o) < 0.05
    uitkomst[early] = 0
    uitkomst[np.flatnonzero(early), rng.integers(6, 9, early.sum())] = 1
    confirmed = (uitkomst[:, 2] == 1) | (uitkomst[:, 5] == 1)
    o_aard = _aard(rng, uitkomst[:, 5] == 1) * confirmed[:, None].astype(np.int8)
    o_vervolg = _flags(rng, n_o, 17, rng.integers(0, 17, n_o), 0.4) * (~early)[:, None].astype(np.int8)
    onderzoeken = pd.DataFrame({
        "onderzoeksnummer": numbers,
        "datum_start_onderzoek": _ymd(o_start),
        "datum_afronding_onderzoek": _ymd(o_end),
        "household": household[o_index],
        "end_day": o_end,
    })
    _set_flags(onderzoeken, "uitkomst", uitkomst)
    _set_flags(onderzoeken, "aard", o_aard)
    _set_flags(onderzoeken, "vervolg", o_vervolg)
    # Adviezen: no date; spread evenly over the simulated half-years.
    a_minor = rng.random(n_a) < 0.5
    a_aanleiding = _aanleiding(rng, a_minor, rng.random(n_a) < 0.05)
    adviezen = pd.DataFrame({
        "advies_id": [f"A{i + 1:07d}" for i in range(n_a)],
        "hoedanigheid": rng.choice(_HOEDANIGHEID, n_a, p=_HOEDANIGHEID_P),
        "half": rng.integers(0, halves, n_a),
    })
    _set_flags(adviezen, "aanleiding", a_aanleiding)
    _set_flags(adviezen, "aard", _aard(rng, a_aanleiding[:, 5:8].any(axis=1)))
    return Simulation(meldingen, onderzoeken, adviezen, persons)


# SPEC §5.8: politie 60 %, justitie 7 %; the rest spread over the other options.
_HOEDANIGHEID = np.array([f"{c:02d}" for c in (*range(1, 16), *range(21, 28))], dtype=object)
_HOEDANIGHEID_P = np.array([0.04, 0.01, 0.005, 0.02, 0.02, 0.02, 0.01, 0.01, 0.03, 0.02, 0.02, 0.005, 0.60, 0.07,
                            0.02, 0.01, 0.03, 0.02, 0.01, 0.01, 0.005, 0.01])
_HOEDANIGHEID_P = _HOEDANIGHEID_P / _HOEDANIGHEID_P.sum()


def _set_flags(frame: pd.DataFrame, item: str, matrix: np.ndarray) -> None:
    text = np.where(matrix == 1, "1", "0").astype(object)
    for j in range(matrix.shape[1]):
        frame[f"{item}_{j + 1:02d}"] = text[:, j]


def _flag_columns(frame: pd.DataFrame, item: str) -> list[str]:
    return [c for c in frame.columns if c.startswith(f"{item}_") and c[len(item) + 1:].isdigit()]


def delivery_sets(sim: Simulation, period: Period, periods: list[Period]) -> dict[str, pd.DataFrame]:
    """The raw frames of one period's delivery: meldingen triaged and onderzoeken closed in it, the adviezen of
    its half, and the persons of each."""
    first, last = np.datetime64(period.first_day, "D"), np.datetime64(period.last_day, "D")
    m = sim.meldingen[(sim.meldingen["triage_day"] >= first) & (sim.meldingen["triage_day"] <= last)]
    o = sim.onderzoeken[(sim.onderzoeken["end_day"] >= first) & (sim.onderzoeken["end_day"] <= last)]
    half = [p for p in [periods[0].previous(), *periods]].index(period)
    a = sim.adviezen[sim.adviezen["half"] == half]
    persons = sim.persons
    parts = []
    for code, items, key in (("M", m, "melding_id"), ("O", o, "onderzoeksnummer")):
        own = persons[persons["owner"].isin(items["household"])]
        # Every item of a household gets its persons; a casus of several meldingen repeats them per melding.
        joined = items[["household", key]].merge(own, left_on="household", right_on="owner", how="inner")
        parts.append(pd.DataFrame({"set": code, "ref_id": joined[key].to_numpy(), "bsn": joined["bsn"].to_numpy(),
                                   "geboortedatum": joined["geboortedatum"].to_numpy(),
                                   "geslacht": joined["geslacht"].to_numpy()}))
    personen = pd.concat(parts, ignore_index=True)
    drop = ["household", "triage_day", "end_day", "half"]
    return {
        "adviezen": a.drop(columns=[c for c in drop if c in a.columns]).reset_index(drop=True),
        "meldingen": m.drop(columns=[c for c in drop if c in m.columns]).reset_index(drop=True),
        "onderzoeken": o.drop(columns=[c for c in drop if c in o.columns]).reset_index(drop=True),
        "personen": personen,
    }


# --- consistency faults ----------------------------------------------------------------------------------


def add_faults(sets: dict[str, pd.DataFrame], share: float, rng: np.random.Generator) -> dict[str, int]:
    """Turn about ``share`` of the records of each set into consistency faults of the kwaliteitsrapport (each record
    one kind, chosen at random); returns the number per kind. Deterministic for a generator state."""
    made: dict[str, int] = {}
    if share <= 0:
        return made

    def pick(frame: pd.DataFrame) -> np.ndarray:
        return np.flatnonzero(rng.random(len(frame)) < share)

    m, o, a, p = sets["meldingen"], sets["onderzoeken"], sets["adviezen"], sets["personen"]
    for i in pick(m):
        kind = int(rng.integers(0, 5))
        if kind == 0:  # VT-K01
            before, after = m.at[i, "datum_melding"], m.at[i, "datum_triagebesluit"]
            m.at[i, "datum_melding"], m.at[i, "datum_triagebesluit"] = after, before
            made["VT-K01"] = made.get("VT-K01", 0) + int(before != after)
        elif kind == 1:  # VT-K27
            m.loc[i, _flag_columns(m, "aanleiding")] = "0"
            made["VT-K27"] = made.get("VT-K27", 0) + 1
        elif kind == 2:  # VT-K31
            if m.at[i, "vervolg"] == "02":
                m.loc[i, _flag_columns(m, "overdracht")] = "0"
                made["VT-K31"] = made.get("VT-K31", 0) + 1
        elif kind == 3:  # VT-K30
            m.at[i, "aard_12"] = "1"
            m.at[i, "aard_01"] = "1"
            made["VT-K30"] = made.get("VT-K30", 0) + 1
        else:  # VT-K08
            if m.at[i, "vervolg"] != "01":
                m.at[i, "onderzoeksnummer"] = f"X{i:07d}"
                made["VT-K08"] = made.get("VT-K08", 0) + 1
    for i in pick(o):
        if rng.random() < 0.5:  # VT-K18
            o.loc[i, _flag_columns(o, "uitkomst")] = "0"
            made["VT-K18"] = made.get("VT-K18", 0) + 1
        else:  # VT-K12
            o.at[i, "datum_start_onderzoek"], o.at[i, "datum_afronding_onderzoek"] = (
                o.at[i, "datum_afronding_onderzoek"], o.at[i, "datum_start_onderzoek"])
            made["VT-K12"] = made.get("VT-K12", 0) + 1
    for i in pick(a):  # VT-K28
        a.loc[i, _flag_columns(a, "aard")] = "0"
        made["VT-K28"] = made.get("VT-K28", 0) + 1
    for i in pick(p):  # VT-K34: the jeugd convention for an unknown BSN
        if p.at[i, "bsn"] == "000000000":
            p.at[i, "bsn"] = "999999999"
            made["VT-K34"] = made.get("VT-K34", 0) + 1
    return made


# --- writing ---------------------------------------------------------------------------------------------


def file_name(kvk: str, period: Period, fmt: str, correction: bool = False) -> str:
    suffix = "_correctie" if correction else ""
    return f"vt_{kvk}_{period}{suffix}{EXTENSIONS.get(fmt, '')}"


def write_one(root: Path, org: Organisation, period: Period, sets: dict[str, pd.DataFrame], received: datetime,
              *, correction: bool = False, layout_name: str | None = None) -> Path:
    """One delivery (a file, or a folder for ``map``) and its sidecar."""
    from spiegel.domains.vt import DOMAIN

    layout = DOMAIN.layout(layout_name)
    path = root / str(period) / org.kvk / file_name(org.kvk, period, org.fmt, correction)
    write_sets(sets, path, org.fmt, layout)
    digest = sha256_bytes(path.read_bytes()) if path.is_file() else None
    meta = DeliveryMeta(kvk=org.kvk, naam=org.naam, domein="vt", periode=str(period), correctie=correction,
                        ontvangen=received, indeling=layout.naam, sha256=digest)
    write_meta(path, meta)
    return path


def register_frame(orgs: list[Organisation], sizes: dict[str, float]) -> pd.DataFrame:
    classes = np.array(["klein", "middel", "groot", "zeer_groot"], dtype=object)
    values = np.array([sizes.get(o.kvk, 0.0) for o in orgs])
    cls = classes[np.digitize(values, [1_000, 5_000, 10_000])] if len(values) else np.array([], dtype=object)
    return pd.DataFrame({"kvk": [o.kvk for o in orgs], "naam": [o.naam for o in orgs], "domein": "vt",
                         "grootteklasse": cls, "gemeenten": ""})


def write_country(out: Path, orgs: list[Organisation], periods: list[Period], *, scale: float, seed: int,
                  fault_share: float) -> SynthResult:
    files: list[Path] = []
    rows: dict[str, int] = {str(p): 0 for p in periods}
    sizes: dict[str, float] = {}
    for index, org in enumerate(orgs):
        sim = simulate(org, periods, scale=scale, seed=seed, index=index)
        receipts = _rng(seed, index, 77).uniform(0.5, RECEIPT_WINDOW_DAYS - 0.5, len(periods))
        for k, period in enumerate(periods):
            sets = delivery_sets(sim, period, periods)
            add_faults(sets, fault_share, _rng(seed, index, 99, k))
            base = datetime.combine(period.last_day + timedelta(days=1), datetime.min.time())
            received = base + timedelta(seconds=int(receipts[k] * 86400))
            files.append(write_one(out, org, period, sets, received))
            items = sum(len(sets[s]) for s in ("adviezen", "meldingen", "onderzoeken"))
            rows[str(period)] += items
            sizes[org.kvk] = sizes.get(org.kvk, 0.0) + items / len(periods)
    return SynthResult(out=out, register=register_frame(orgs, sizes), files=files, rows=rows)


def synth_country(
    out: str | Path,
    *,
    providers: int | None = None,
    scale: float = 1.0,
    periods: list[Period] | None = None,
    seed: int = 2025,
    fmt: str = "csv",
    fault_share: float = 0.005,
) -> SynthResult:
    """Write the 26 synthetic VT organisations under ``out`` (``spiegel synth --domain vt``): ``<period>/<kvk>/``
    with one delivery each (``csv``: a ZIP of four CSV files; ``xlsx``: a workbook of four sheets; ``fixed``: fixed
    width with record types) and its sidecar. ``providers`` takes the first so many organisations; ``fault_share``
    the share of records with a consistency fault."""
    if not 0 < scale <= MAX_SCALE:
        raise ParameterError(f"--scale moet groter dan 0 en hoogstens {MAX_SCALE:g} zijn")
    if fmt not in FORMATS:
        raise ParameterError(f"onbekend formaat {fmt!r} voor Veilig Thuis; kies uit csv (ZIP), xlsx of fixed")
    periods = sorted(periods or [Period.parse(p) for p in ("2024H2", "2025H1")])
    if any(p.kind != "H" for p in periods):
        raise ParameterError("Veilig Thuis levert per halfjaar: gebruik perioden als 2025H1")
    if periods[0].year < 2015 or periods[-1].year > 2099:
        raise ParameterError("synthetische perioden moeten tussen 2015 en 2099 liggen")
    orgs = national_organisations(FORMATS[fmt])
    if providers is not None:
        orgs = orgs[: max(1, min(providers, len(orgs)))]
    return write_country(Path(out), orgs, periods, scale=scale, seed=seed, fault_share=fault_share)
