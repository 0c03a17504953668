"""Jeugdhulp's part of the bundled sample (``spiegel synth --sample``): ten invented providers in one jeugdregio,
two periods.

The sample is the domain's synthetic country generator run on a small hand-made set of providers, plus:

- mixed formats: most providers ``;`` CSV in UTF-8, one comma CSV in Windows-1252, one XLSX, one fixed width;
- :data:`~spiegel.sample.FAULTY_PROVIDER` delivers 2025H1 with deliberate errors of every validation group
  (SPEC §7), each on a few rows, listed with their rule codes and row numbers in ``verwachte_fouten.yml``;
- :data:`~spiegel.sample.CORRECTED_PROVIDER` delivers 2025H1 twice (the second delivery is a correction);
- :data:`~spiegel.sample.MISSING_PROVIDER` is registered but never delivers;
- :data:`~spiegel.sample.HIDDEN_PROVIDERS` say ``gemeenten_mogen_inzien = nee`` in the register (SPEC §10).

Everything is deterministic: regenerating gives byte-identical files (a test checks the committed sample).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from spiegel import sample
from spiegel.domains.jeugdhulp import synth
from spiegel.domains.jeugdhulp.synth import HULPVORMEN, ProviderSpec, SynthResult
from spiegel.io import write_bytes_atomic, write_text_atomic
from spiegel.periods import Period
from spiegel.read import sha256_bytes
from spiegel.write import format_lines

FAULTS_FILE = "verwachte_fouten.yml"
SEED = 2025
SCALE = 0.0055  # about 2,600 records per half-year in the region
REGION = ("0358", "0362", "0363", "0384", "0437", "0451")  # jeugdregio Amsterdam-Amstelland
ALL = REGION


@dataclass(frozen=True)
class _Provider:
    kvk: str
    naam: str
    kind: str
    weight: float
    offers: tuple[str, ...]
    gemeenten: tuple[str, ...]
    fmt: str  # csv | csv-cp1252 | xlsx | fixed | none


PROVIDERS = (
    _Provider(sample.REFERENCE_PROVIDER, "Praktijk De Linde (synthetisch)", "praktijk", 3.0, ("02", "04"), ALL, "csv"),
    _Provider(sample.FAULTY_PROVIDER, "Jeugdhulp Het Kompas (synthetisch)", "praktijk", 2.5, ("02", "03", "04"), ALL,
              "csv"),
    _Provider(sample.CORRECTED_PROVIDER, "Jeugdhuis De Haven (synthetisch)", "verblijf", 2.0,
              ("02", "12", "13", "14"), ALL, "csv"),
    _Provider(sample.MISSING_PROVIDER, "Praktijk Het Anker (synthetisch)", "praktijk", 0.5, ("02",), ALL, "none"),
    _Provider("91000055", "Jeugdzorggroep Amstelland (synthetisch)", "landelijk", 6.0, HULPVORMEN, ALL,
              "csv-cp1252"),
    _Provider("91000066", "Wijkteam Amsterdam (synthetisch)", "wijkteam", 1000.0, ("01",), ("0363",), "csv"),
    _Provider("91000077", "Pleegzorg De Wilg (synthetisch)", "verblijf", 3.0, ("11",), ALL, "xlsx"),
    _Provider("91000088", "Praktijk De Brug (synthetisch)", "praktijk", 1.5, ("02",), ("0384", "0437"), "fixed"),
    _Provider("91000099", "Dagbehandeling De Boomgaard (synthetisch)", "praktijk", 4.0, ("03",), ALL, "csv"),
    _Provider("91000100", "Netwerkhulp De Bron (synthetisch)", "praktijk", 3.0, ("04",), ALL, "csv"),
)


def provider_spec() -> ProviderSpec:
    offers = np.array([[h in p.offers for h in HULPVORMEN] for p in PROVIDERS])
    return ProviderSpec(
        kind=tuple(p.kind for p in PROVIDERS),
        weight=np.array([p.weight for p in PROVIDERS]),
        gemeenten=tuple(p.gemeenten for p in PROVIDERS),
        offers=offers,
        names=tuple(p.naam for p in PROVIDERS),
    )


def write_sample(out: str | Path) -> SynthResult:
    out = Path(out)
    periods = [Period.parse(p) for p in sample.PERIODS]
    geo = synth.geography(periods[-1].last_day, only=REGION)
    spec = provider_spec()
    frame = synth.simulate(spec, geo, periods[-1], scale=SCALE, seed=SEED)
    receipts = np.random.default_rng([SEED, 5]).uniform(0.5, synth.RECEIPT_WINDOW_DAYS - 0.5, (len(PROVIDERS), 2))
    files: list[Path] = []
    rows: dict[str, int] = {}
    sizes = np.zeros(len(PROVIDERS))
    faults: dict = {}
    for k, period in enumerate(periods):
        act = frame[synth.active_in(frame, period)]
        act = act.iloc[np.lexsort((act.index.to_numpy(), act["start"].to_numpy(), act["provider"].to_numpy()))]
        raw = synth.delivery_rows(act, period, geo)
        delivered = 0
        for p, prov in enumerate(PROVIDERS):
            mine = (act["provider"] == p).to_numpy()
            part, aux = raw[mine], act[mine]
            sizes[p] += len(part) / len(periods)
            if prov.fmt == "none" or part.empty:
                continue
            base = datetime.combine(period.last_day + timedelta(days=1), datetime.min.time())
            received = base + timedelta(seconds=int(receipts[p, k] * 86400))
            if prov.kvk == sample.CORRECTED_PROVIDER and k == len(periods) - 1:
                first = synth._degrade(part, np.random.default_rng([SEED, 6]))
                files.append(synth.write_one(out, prov.kvk, prov.naam, period, prov.fmt, received, raw=first))
                later = base + timedelta(days=38, hours=10, minutes=12)
                files.append(
                    synth.write_one(out, prov.kvk, prov.naam, period, prov.fmt, later, raw=part, correction=True)
                )
                delivered += len(part)
            elif prov.kvk == sample.FAULTY_PROVIDER and k == len(periods) - 1:
                previous = frame[synth.active_in(frame, periods[k - 1])]
                previous = previous[(previous["provider"] == p).to_numpy()]
                previous = previous.iloc[np.lexsort((previous.index.to_numpy(), previous["start"].to_numpy()))]
                path, faults = _write_faulty(out, prov, period, received, part, aux, previous, geo)
                files.append(path)
                delivered += len(part)
            else:
                files.append(synth.write_one(out, prov.kvk, prov.naam, period, prov.fmt, received, raw=part))
                delivered += len(part)
        rows[str(period)] = delivered
    hidden = np.array([p.kvk in sample.HIDDEN_PROVIDERS for p in PROVIDERS])
    register = synth.register_frame(spec, [p.kvk for p in PROVIDERS], sizes, hidden)
    write_text_atomic(out / FAULTS_FILE, _faults_yaml(faults))
    return SynthResult(
        out=out,
        register=register,
        files=files,
        rows=rows,
        never=[sample.MISSING_PROVIDER],
        skipped=[],
        corrected=[(sample.CORRECTED_PROVIDER, sample.PERIODS[-1])],
    )


# --- the faulty delivery ---------------------------------------------------------------------------------


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def _write_faulty(
    out: Path,
    prov: _Provider,
    period: Period,
    received: datetime,
    part: pd.DataFrame,
    aux: pd.DataFrame,
    previous: pd.DataFrame,
    geo: synth.Geography,
) -> tuple[Path, dict]:
    """Write 2025H1 of the faulty provider: its true records with deliberate errors (SPEC §7, every group)."""
    rng = np.random.default_rng([SEED, 7])
    raw = part.copy()
    raw["_fout"] = ""
    first_day, last_day = period.first_day, period.last_day
    start = pd.to_datetime(raw["datum_aanvang"], format="%Y%m%d")
    running_before = (aux["start"].to_numpy() < synth._days(first_day)) & (
        aux["end"].to_numpy() >= synth._days(first_day)
    )
    plain = (
        (aux["bsn_unknown"] == False)  # noqa: E712
        & (aux["sex_unknown"] == False)  # noqa: E712
        & (aux["birth_mode"] == 0)
        & (aux["address"] == 0)
    ).to_numpy()
    used = np.zeros(len(raw), dtype=bool)

    def pick(mask: np.ndarray, n: int = 2) -> np.ndarray:
        pool = np.flatnonzero(mask & plain & ~used)
        chosen = np.sort(rng.choice(pool, size=n, replace=False))
        used[chosen] = True
        return chosen

    def set_(rows: np.ndarray, column: str, values: object, fault: str) -> None:
        raw.iloc[rows, raw.columns.get_loc(column)] = values
        raw.iloc[rows, raw.columns.get_loc("_fout")] = fault

    ended = (raw["datum_einde"] != "").to_numpy()
    running = ~ended
    in_period = (start.dt.date >= first_day).to_numpy()
    # Completeness against 2024H2: running trajectories left out, start date or hulpvorm changed.
    prev_rows = {idx: 2 + i for i, idx in enumerate(previous.index)}
    missing_idx = pick(running_before, 3)
    missing_prev_rows = sorted(prev_rows[raw.index[i]] for i in missing_idx)
    changed_start = pick(running_before & running, 2)
    new_start = start.iloc[changed_start] - pd.Timedelta(days=31)
    set_(changed_start, "datum_aanvang", new_start.dt.strftime("%Y%m%d").to_numpy(), "C02")
    changed_hv = pick(running_before & running & raw["hulpvorm"].isin(["02", "04"]).to_numpy(), 2)
    set_(changed_hv, "hulpvorm", np.where(raw["hulpvorm"].iloc[changed_hv] == "02", "04", "02"), "C02")
    # Fields.
    set_(pick(running & in_period), "bsn", ["12345678", "1234567890"], "V02")
    bad = pick(running & in_period)
    last_digit = raw["bsn"].iloc[bad].str[-1].astype(int)
    set_(bad, "bsn", (raw["bsn"].iloc[bad].str[:-1] + ((last_digit + 1) % 10).astype(str)).to_numpy(), "V03")
    set_(pick(running), "geboortedatum", ["20121340", "2011-05-0"], "V04")
    set_(pick(running & in_period), "datum_aanvang", ["20250231", "20251301"], "V05")
    set_(pick(ended), "datum_einde", ["20250631", "2025043"], "V06")
    set_(pick(running), "geslacht", ["X", "m1"], "V07")
    set_(pick(running), "postcode", ["12AB34", "1234A"], "V08")
    rows = pick(running)
    set_(rows, "postcode", "", "V11")
    set_(rows, "gemeentecode", "9999", "V11")
    rows = pick(running)
    set_(rows, "postcode", "", "V12")
    set_(rows, "gemeentecode", "0457", "V12")
    set_(pick(running), "postcode", "", "V13")
    set_(pick(running), "verwijzer", "09", "V14")
    set_(pick(running & in_period), "hulpvorm", "05", "V15")
    set_(pick(running), "gestart_met_crisis", "03", "V16")
    set_(pick(ended), "reden_beeindiging", "06", "V17")
    set_(pick(ended), "tevredenheid", "11", "V18")
    set_(pick(ended), "zonder_hulp_verder", "05", "V19")
    set_(pick(ended), "type_informant", "03", "V20")
    not_06 = (raw["verwijzer"] != "06").to_numpy()
    rows = pick(running & in_period & raw["hulpvorm"].isin(["02", "04"]).to_numpy() & not_06)
    set_(rows, "hulpvorm", "01", "V21")
    set_(pick(ended), "reden_beeindiging", "", "V22")
    set_(pick(running), "reden_beeindiging", "01", "V23")
    # Dates.
    rows = pick(running & in_period)
    set_(rows, "datum_einde", (start.iloc[rows] - pd.Timedelta(days=5)).dt.strftime("%Y%m%d").to_numpy(), "D01")
    set_(rows, "reden_beeindiging", "01", "D01")
    set_(pick(running & in_period), "datum_aanvang", ["20250801", "20250915"], "D02")
    rows = pick(running)
    set_(rows, "datum_einde", ["20250930", "20251231"], "D03")
    set_(rows, "reden_beeindiging", "01", "D03")
    rows = pick(running & running_before & (start.dt.date < date(2024, 11, 1)).to_numpy())
    set_(rows, "datum_einde", ["20241130", "20241215"], "D04")
    set_(rows, "reden_beeindiging", "01", "D04")
    rows = pick(running)
    set_(rows, "geboortedatum", (start.iloc[rows] + pd.Timedelta(days=40)).dt.strftime("%Y%m%d").to_numpy(), "D05")
    set_(pick(running), "geboortedatum", ["19950312", "19970101"], "D06")
    rows = pick(running)
    set_(rows, "geboortedatum", (start.iloc[rows] - pd.Timedelta(days=int(19.5 * 365.25))).dt.strftime(
        "%Y%m%d").to_numpy(), "D07")
    # Records.
    set_(pick(running & in_period), "bsn", "000000000", "R03")
    source = pick(running, 1)
    raw.iloc[source, raw.columns.get_loc("_fout")] = "R01"
    duplicate = raw.iloc[source].copy()
    source = pick(running & in_period, 1)
    raw.iloc[source, raw.columns.get_loc("_fout")] = "R02"
    overlap = raw.iloc[source].copy()
    overlap_start = min(pd.Timestamp(overlap["datum_aanvang"].iloc[0]) + pd.Timedelta(days=20), pd.Timestamp(last_day))
    overlap["datum_aanvang"] = overlap_start.strftime("%Y%m%d")
    overlap["_fout"] = "R02"
    # A high share of unknown values (geslacht O) in rows not used otherwise.
    unknown = np.flatnonzero(~used & plain)
    unknown = np.sort(rng.choice(unknown, size=int(0.15 * len(raw)) + 1, replace=False))
    used[unknown] = True
    set_(unknown, "geslacht", "O", "C04")
    # A gemeente whose number of records jumps: new youths in the second-largest gemeente.
    jump_code = _second_gemeente(previous, geo)
    n_prev = int((geo.codes[previous["gemeente"].to_numpy()] == jump_code).sum())
    extra = _new_youths(rng, max(25, n_prev + 5), jump_code, period, geo)
    keep = np.ones(len(raw), dtype=bool)
    keep[missing_idx] = False
    final = pd.concat([raw[keep], duplicate, overlap, extra], ignore_index=True)
    # Interior blank lines (file group), after records 30 and 31 and 120.
    blanks_after = (30, 31, 120)
    lines = list(format_lines(final.drop(columns="_fout"), prov.fmt, synth._layout()))
    header_rows = 1
    file_row = np.zeros(len(final), dtype=np.int64)
    text_lines, blank_rows, row = [], [], header_rows
    for i, line in enumerate(lines):
        row += 1
        file_row[i] = row
        text_lines.append(line)
        for _ in range(blanks_after.count(i)):
            row += 1
            blank_rows.append(row)
            text_lines.append("")
    header = ";".join(final.columns.drop("_fout"))
    path = out / str(period) / prov.kvk / synth._file_name(prov.kvk, period, prov.fmt, False)
    write_bytes_atomic(path, ("\n".join([header, *text_lines]) + "\n").encode("utf-8"))
    from spiegel.deliveries import DeliveryMeta, write_meta

    write_meta(
        path,
        DeliveryMeta(
            kvk=prov.kvk, naam=prov.naam, domein="jeugdhulp", periode=str(period), correctie=False,
            ontvangen=received, indeling="jeugdhulp-7", sha256=sha256_bytes(path.read_bytes()),
        ),
    )
    found = {}
    for code in sorted(set(final["_fout"]) - {""}):
        found[code] = [int(r) for r in file_row[(final["_fout"] == code).to_numpy()]]
    added = found.pop("C03", [])
    faults = {
        "bestand": str(path.relative_to(out)),
        "vorige_levering": f"{period.previous()}/{prov.kvk}/"
        + synth._file_name(prov.kvk, period.previous(), prov.fmt, False),
        "fouten": {
            "JH-B09": {"omschrijving": "lege regels tussen de records", "rijen": blank_rows},
            **{f"JH-{code}": {"omschrijving": _DESCRIPTIONS[code], "rijen": rows} for code, rows in found.items()},
            "JH-C01": {"omschrijving": _DESCRIPTIONS["C01"], "rijen_vorige_levering": missing_prev_rows},
            "JH-C03": {"omschrijving": _DESCRIPTIONS["C03"], "gemeentecode": jump_code,
                       "rijen_toegevoegd": added},
        },
    }
    return path, faults


_DESCRIPTIONS = {
    "V02": "BSN niet 9 cijfers", "V03": "BSN faalt de elfproef", "V04": "ongeldige geboortedatum",
    "V05": "ongeldige datum aanvang", "V06": "ongeldige datum einde", "V07": "ongeldige geslachtscode",
    "V08": "postcode niet in de vorm 1234AB", "V11": "onbekende gemeentecode, geen postcode",
    "V12": "gemeentecode van een opgeheven gemeente (0457 Weesp), geen postcode",
    "V13": "postcode en gemeentecode allebei leeg", "V14": "onbekende verwijzer", "V15": "onbekende hulpvorm",
    "V16": "onbekende code gestart met crisis", "V17": "onbekende reden beëindiging",
    "V18": "tevredenheid buiten 1–10", "V19": "onbekende code zonder hulp verder", "V20": "onbekend type informant",
    "V21": "wijkteam (01) met verwijzer anders dan 06", "V22": "datum einde zonder reden beëindiging",
    "V23": "reden beëindiging zonder datum einde", "D01": "datum einde vóór datum aanvang",
    "D02": "datum aanvang na de periode", "D03": "datum einde na de laatste dag van de periode",
    "D04": "datum einde vóór de eerste dag van de periode", "D05": "geboortedatum na datum aanvang",
    "D06": "ouder dan 22 jaar bij aanvang", "D07": "18 tot en met 22 jaar bij aanvang (waarschuwing)",
    "R01": "dubbele sleutel (kopie van een record)", "R02": "overlappend record, zelfde jeugdige en hulpvorm",
    "R03": "BSN 000000000 (ongeboren) met een geboortedatum vóór aanvang",
    "C01": "trajecten die eind 2024H2 liepen, ontbreken (rijen in de vorige levering)",
    "C02": "zelfde jeugdige, andere datum aanvang of hulpvorm dan in 2024H2",
    "C03": "sterke stijging van het aantal trajecten in één gemeente",
    "C04": "groot aandeel onbekend geslacht (O)",
}


def _second_gemeente(previous: pd.DataFrame, geo: synth.Geography) -> str:
    counts = pd.Series(geo.codes[previous["gemeente"].to_numpy()]).value_counts()
    return str(counts.index[1]) if len(counts) > 1 else str(counts.index[0])


def _new_youths(rng: np.random.Generator, n: int, gemeente: str, period: Period, geo: synth.Geography) -> pd.DataFrame:
    g = int(np.flatnonzero(geo.codes == gemeente)[0])
    pc4 = geo.pc4[geo.pc4_start[g] + rng.integers(0, geo.pc4_count[g], n)]
    letters = synth.LETTER_PAIRS[rng.integers(0, len(synth.LETTER_PAIRS), n)]
    first = synth._days(period.first_day)
    start = first + rng.integers(0, (period.last_day - period.first_day).days + 1, n)
    birth = start - (rng.uniform(4, 16, n) * 365.25).astype(np.int64)
    frame = pd.DataFrame(
        {
            "bsn": synth.bsn_for_youth(30_000_000 + np.arange(n)),
            "geboortedatum": synth.yyyymmdd(birth),
            "geslacht": np.where(rng.random(n) < 0.55, "M", "V"),
            "postcode": np.char.add(pc4, letters),
            "gemeentecode": "",
            "verwijzer": "02",
            "hulpvorm": "02",
            "gestart_met_crisis": "02",
            "datum_aanvang": synth.yyyymmdd(np.sort(start)),
            "datum_einde": "",
            "reden_beeindiging": "",
            "tevredenheid": "",
            "zonder_hulp_verder": "",
            "type_informant": "",
            "_fout": "C03",
        }
    )
    return frame.astype(object)


def _faults_yaml(faults: dict) -> str:
    head = (
        "# Deliberate errors in the bundled sample (made by `spiegel synth --sample`; do not edit by hand).\n"
        "# Row numbers are those of the delivered file (header = row 1). JH-C01 rows are in the previous\n"
        "# delivery; JH-C03 lists the rows added in the gemeente whose number of trajectories jumps.\n"
        "# Only the deliberate rows are listed: the synthetic records themselves also hold a few youths of\n"
        "# 18-22 at the start (JH-D07, a warning) and a few unknown values, as real deliveries do.\n"
    )
    return head + yaml.safe_dump(faults, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
