"""The GI part of the bundled sample (``spiegel synth --sample``): three invented gecertificeerde instellingen that
deliver jeugdbescherming (``jb`` + ``muhp``) for 2024H2 and 2025H1 and jeugdreclassering for 2025Q1 and 2025Q2,
made by the family generator (:mod:`spiegel.domains.gi.synth`) at a small size. Transfers between the three match
on both sides (the sample store holds all of them, so the rules across GIs apply).

- :data:`REFERENCE` (a regional GI): clean; the notebooks' default; JB as one workbook, JR as a CSV;
- :data:`FAULTY` (a regional GI): its latest delivery of each domain holds deliberate faults, listed with their
  record set and rows in ``verwachte_fouten_jb.yml`` / ``verwachte_fouten_jr.yml``; JB as a ZIP, JR as a workbook;
- :data:`NATIONAL` (a landelijk werkende GI): fixed width (JB with record types).

The KvK numbers (930000xx) do not clash with the jeugdhulp (910000xx) or Veilig Thuis (920000xx) samples; the same
KvK delivers both domains (one register row per domain).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from spiegel.domains.gi import synth
from spiegel.domains.gi.synth import GI, SynthResult
from spiegel.io import write_text_atomic
from spiegel.periods import Period

SEED = 2027
PERIODS = {"jb": ("2024H2", "2025H1"), "jr": ("2025Q1", "2025Q2")}
SCALE = {"jb": 0.012, "jr": 0.04}
FAULTS_FILE = {"jb": "verwachte_fouten_jb.yml", "jr": "verwachte_fouten_jr.yml"}
REFERENCE, FAULTY, NATIONAL = "93000011", "93000022", "93000033"
GIS = (
    GI(REFERENCE, "GI Amstel en Zaan (synthetisch)", {"jb": 0.45, "jr": 0.45},
       ("0363", "0479", "0437", "0384", "0362")),
    GI(FAULTY, "GI Kennemerland (synthetisch)", {"jb": 0.35, "jr": 0.35}, ("0392", "0375", "0396", "0377")),
    GI(NATIONAL, "Landelijke GI De Brug (synthetisch)", {"jb": 0.20, "jr": 0.20}),
)
FORMATS = {"jb": ("xlsx", "zip", "fixed"), "jr": ("csv", "xlsx", "fixed")}


def write_sample(domain: str, out: str | Path) -> SynthResult:
    out = Path(out)
    periods = [Period.parse(p) for p in PERIODS[domain]]
    country = synth.simulate(domain, list(GIS), periods, scale=SCALE[domain], seed=SEED)
    files: list[Path] = []
    rows: dict[str, int] = {p: 0 for p in PERIODS[domain]}
    sizes: dict[str, float] = {}
    faults: dict = {}
    for index, gi in enumerate(GIS):
        for k, period in enumerate(periods):
            raws = country.raws(index, period)
            base = datetime.combine(period.last_day + timedelta(days=1), datetime.min.time())
            received = base + timedelta(days=2 + 3 * index + k, hours=10, minutes=13 * index)
            last = k == len(periods) - 1
            if gi.kvk == FAULTY and last:
                faults = add_deliberate_faults(domain, raws, period)
            path = synth.write_one(out, domain, gi, period, raws, FORMATS[domain][index], received)
            files.append(path)
            if gi.kvk == FAULTY and last:
                faults = {"bestand": str(path.relative_to(out)), **faults}
            rows[str(period)] += len(raws[domain])
            sizes[gi.kvk] = sizes.get(gi.kvk, 0.0) + len(raws[domain]) / len(periods)
    write_text_atomic(out / FAULTS_FILE[domain], _faults_yaml(domain, faults))
    return SynthResult(out=out, register=synth.register_frame(list(GIS), domain, sizes), files=files, rows=rows)


# --- the faulty delivery -----------------------------------------------------------------------------------


def add_deliberate_faults(domain: str, raws: dict[str, pd.DataFrame], period: Period) -> dict:
    """Deliberate faults in the raw frames of one delivery (in place), each on a record chosen by rule (so the same
    frames give the same faults). Returns ``{"fouten": {code: {gegevensset, omschrijving, rijen}}}`` with the row
    numbers in the set's file or sheet (header = row 1; a fixed-width file has no header, but the FAULTY GI's
    deliveries are a ZIP and a workbook)."""
    used: dict[str, set[int]] = {name: set() for name in raws}
    out: dict[str, dict] = {}

    def take(name: str, mask, n: int = 1) -> list[int]:
        pool = [int(i) for i in np.flatnonzero(np.asarray(mask, dtype=bool)) if i not in used[name]][:n]
        assert len(pool) == n, (name, n)
        used[name] |= set(pool)
        return pool

    def record(code: str, name: str, what: str, positions: list[int]) -> None:
        out[code] = {"gegevensset": name, "omschrijving": what, "rijen": sorted(i + 2 for i in positions)}

    main = raws[domain]
    # no record of a youth who has other records (the record rules look at pairs), with a known BSN
    counts = main["bsn"].map(main["bsn"].value_counts())
    if domain == "jb":
        counts = counts + main["bsn"].map(raws["muhp"]["bsn"].value_counts()).fillna(0)
    alone = ((counts == 1) & (main["bsn"] != "999999999") & (main["datum_overgedragen"] == "")
             & (main["datum_overgedragen_gekregen"] == "")).to_numpy()
    started = (main["datum_aanvang"] != "").to_numpy()
    ended = (main["datum_einde"] != "").to_numpy()
    rows = take(domain, alone)
    main.loc[rows, "bsn"] = "123456789"
    record(f"{domain.upper()}-V01", domain, "BSN voldoet niet aan de elfproef", rows)
    rows = take(domain, alone & started & ~ended)
    main.loc[rows, "datum_aanvang"] = ""
    record(f"{domain.upper()}-V12", domain, "geen datum aanvang en geen datum overgedragen gekregen", rows)
    first = f"{period.first_day:%Y%m%d}"
    inside = (main["datum_aanvang"] >= first).to_numpy() & (main["datum_einde"] > main["datum_aanvang"]).to_numpy()
    rows = take(domain, alone & started & ended & inside)
    for i in rows:
        main.at[i, "datum_aanvang"], main.at[i, "datum_einde"] = main.at[i, "datum_einde"], main.at[i, "datum_aanvang"]
    record(f"{domain.upper()}-D01", domain, "datum einde vóór datum aanvang (datums verwisseld)", rows)
    if domain == "jb":
        ots = main["type_maatregel"].isin(["11"]).to_numpy()
        rows = take("jb", alone & ended & ots)
        main.loc[rows, "reden_beeindiging"] = "12"
        record("JB-V20", "jb", "reden 12 (voogdij naar pleegouder) bij een OTS", rows)
        rows = take("jb", alone & ended & ots)
        main.loc[rows, "reden_beeindiging"] = "07"
        record("JB-V21", "jb", "reden 07 (VOTS omgezet in OTS) bij een OTS", rows)
        mu = raws["muhp"]
        mu_alone = (mu["bsn"].map(mu["bsn"].value_counts()) == 1).to_numpy() & (mu["type_machtiging"] == "72") \
            .to_numpy() & (mu["datum_overgedragen"] == "").to_numpy() & (mu["datum_overgedragen_gekregen"] == "") \
            .to_numpy()
        rows = take("muhp", mu_alone)
        mu.loc[rows, "bsn"] = "111222333"  # passes the elfproef; no maatregel of this youth in the delivery
        record("MU-M01", "muhp", "machtiging uithuisplaatsing zonder (V)OTS van de jeugdige", rows)
    else:
        jr_ended = ended & (main["type_maatregel"] != "31").to_numpy()
        rows = take("jr", alone & jr_ended)
        main.loc[rows, "erkende_interventie"] = ""
        record("JR-V22", "jr", "beëindigde jeugdreclassering zonder erkende interventie", rows)
        rows = take("jr", alone & jr_ended)
        main.loc[rows, "reden_beeindiging"] = "31"
        record("JR-V20", "jr", "reden 31 bij jeugdreclassering (type 41–63)", rows)
        rows = take("jr", alone & ~ended & (main["type_maatregel"] == "41").to_numpy())
        main.loc[rows, "type_maatregel"] = "44"
        record("JR-V09", "jr", "type maatregel 44 bestaat niet", rows)
    # a duplicated record (the same youth, type and start twice): the copy is appended at the end
    source = take(domain, alone & started)
    copy = main.loc[source].copy()
    raws[domain] = main = pd.concat([main, copy], ignore_index=True)
    used[domain].add(len(main) - 1)
    record(f"{domain.upper()}-R01", domain, "hetzelfde record twee keer", [*source, len(main) - 1])
    return {"fouten": dict(sorted(out.items()))}


def _faults_yaml(domain: str, faults: dict) -> str:
    title = "jeugdbescherming" if domain == "jb" else "jeugdreclassering"
    head = (
        f"# Deliberate faults in the {title} part of the bundled sample (made by `spiegel synth --sample`; do not\n"
        "# edit by hand). Row numbers are those of the record set's file or sheet (header = row 1). Only the\n"
        "# deliberate rows are listed; the synthetic records also hold a few warnings (JB-V07, JB-D21 …), as real\n"
        "# deliveries do.\n"
    )
    return head + yaml.safe_dump(faults, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
