"""Veilig Thuis's part of the bundled sample (``spiegel synth --sample``): three invented organisations, 2024H2 and
2025H1, made by the domain's generator (:mod:`spiegel.domains.vt.synth`) at a small size.

- :data:`REFERENCE` delivers one workbook with four sheets (clean; the notebook's default);
- :data:`FAULTY` delivers a ZIP of four CSV files; its 2024H2 uses the layout with list columns (``vt-1-lijst``),
  its 2025H1 holds deliberate faults of more than ten kinds of the kwaliteitsrapport (and one field rule), listed
  with their record set and rows in ``verwachte_fouten_vt.yml``;
- :data:`FIXED` delivers one fixed-width file with record types.

The KvK numbers (920000xx) do not clash with the jeugdhulp sample's (910000xx); the register is shared.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from spiegel.domains.vt import synth
from spiegel.domains.vt.synth import Organisation, SynthResult
from spiegel.io import write_text_atomic
from spiegel.periods import Period

FAULTS_FILE = "verwachte_fouten_vt.yml"
SEED = 2026
PERIODS = ("2024H2", "2025H1")
SCALE = 1.0
REFERENCE, FAULTY, FIXED = "92000011", "92000022", "92000033"
ORGANISATIONS = (
    Organisation(REFERENCE, "Veilig Thuis Amstelland (synthetisch)", 0.0026, "xlsx"),
    Organisation(FAULTY, "Veilig Thuis Waterland (synthetisch)", 0.0020, "zip"),
    Organisation(FIXED, "Veilig Thuis Vechtstreek (synthetisch)", 0.0012, "fixed"),
)


def write_sample(out: str | Path) -> SynthResult:
    out = Path(out)
    periods = [Period.parse(p) for p in PERIODS]
    files: list[Path] = []
    rows: dict[str, int] = {p: 0 for p in PERIODS}
    sizes: dict[str, float] = {}
    faults: dict = {}
    for index, org in enumerate(ORGANISATIONS):
        sim = synth.simulate(org, periods, scale=SCALE, seed=SEED, index=index)
        for k, period in enumerate(periods):
            sets = synth.delivery_sets(sim, period, periods)
            base = datetime.combine(period.last_day + timedelta(days=1), datetime.min.time())
            received = base + timedelta(days=3 + 4 * index + k, hours=9, minutes=17 * index)
            layout_name = None
            if org.kvk == FAULTY and k == len(periods) - 1:
                faults = add_deliberate_faults(sets)
            elif org.kvk == FAULTY:
                layout_name = "vt-1-lijst"
            path = synth.write_one(out, org, period, sets, received, layout_name=layout_name)
            files.append(path)
            if faults and org.kvk == FAULTY and k == len(periods) - 1:
                faults = {"bestand": str(path.relative_to(out)), **faults}
            items = sum(len(sets[s]) for s in ("adviezen", "meldingen", "onderzoeken"))
            rows[str(period)] += items
            sizes[org.kvk] = sizes.get(org.kvk, 0.0) + items / len(periods)
    write_text_atomic(out / FAULTS_FILE, _faults_yaml(faults))
    return SynthResult(out=out, register=synth.register_frame(list(ORGANISATIONS), sizes), files=files, rows=rows)


# --- the faulty delivery ---------------------------------------------------------------------------------


def add_deliberate_faults(sets: dict[str, pd.DataFrame]) -> dict:
    """Deliberate faults in the raw frames of one delivery (in place): each kind on a few records chosen by rule,
    so the same frames give the same faults. Returns ``{"fouten": {code: {gegevensset, omschrijving, rijen}}}`` with
    the row numbers in the set's file (header = row 1)."""
    a, m, o, p = sets["adviezen"], sets["meldingen"], sets["onderzoeken"], sets["personen"]
    used: dict[str, set[int]] = {name: set() for name in sets}
    out: dict[str, dict] = {}

    def take(name: str, mask: np.ndarray | pd.Series, n: int = 2) -> list[int]:
        pool = [i for i in np.flatnonzero(np.asarray(mask, dtype=bool)) if i not in used[name]][:n]
        used[name] |= set(pool)
        return pool

    def record(code: str, name: str, what: str, positions: list[int]) -> None:
        assert positions, code
        out[code] = {"gegevensset": name, "omschrijving": what, "rijen": sorted(int(i) + 2 for i in positions)}

    persons_of = p.groupby(["set", "ref_id"]).size()
    melding_with_persons = m["melding_id"].map(lambda i: persons_of.get(("M", i), 0) >= 2).to_numpy()
    plain = (m["vervolg"] == "02").to_numpy() & melding_with_persons
    rows = take("meldingen", plain)
    for i in rows:
        before, after = m.at[i, "datum_melding"], m.at[i, "datum_triagebesluit"]
        m.at[i, "datum_melding"], m.at[i, "datum_triagebesluit"] = after, before
    record("VT-K01", "meldingen", "datum triagebesluit vóór datum melding (datums verwisseld)",
           [i for i in rows if m.at[i, "datum_melding"] != m.at[i, "datum_triagebesluit"]])
    rows = take("meldingen", plain, 1)
    m.loc[rows, "datum_triagebesluit"] = ""
    record("VT-K04", "meldingen", "datum triagebesluit leeg", rows)
    rows = take("meldingen", (m["vervolg"] == "04").to_numpy() & melding_with_persons)
    m.loc[rows, "onderzoeksnummer"] = [f"OX{i:05d}" for i in rows]
    record("VT-K08", "meldingen", "onderzoeksnummer bij vervolg 04", rows)
    rows = take("meldingen", plain)
    m.loc[rows, [c for c in m.columns if c.startswith("overdracht_")]] = "0"
    record("VT-K31", "meldingen", "vervolg 02 zonder directe overdracht", rows)
    rows = take("meldingen", plain)
    m.loc[rows, [c for c in m.columns if c.startswith("aanleiding_")]] = "0"
    record("VT-K27", "meldingen", "geen aanleiding aangevinkt", rows)
    rows = take("adviezen", np.ones(len(a), dtype=bool))
    a.loc[rows, "aard_12"] = "1"
    a.loc[rows, "aard_01"] = "1"
    record("VT-K30", "adviezen", "aard 12 (niet onveilig) samen met 01", rows)
    rows = take("adviezen", np.ones(len(a), dtype=bool), 1)
    twin = take("adviezen", np.ones(len(a), dtype=bool), 1)
    a.loc[twin, "advies_id"] = a.loc[rows, "advies_id"].to_numpy()
    record("VT-K37", "adviezen", "twee adviezen met hetzelfde identificatienummer", rows + twin)
    rows = take("onderzoeken", np.ones(len(o), dtype=bool), 1)
    o.loc[rows, [c for c in o.columns if c.startswith("uitkomst_")]] = "0"
    record("VT-K18", "onderzoeken", "geen uitkomst aangevinkt", rows)
    rows = take("onderzoeken", np.ones(len(o), dtype=bool), 1)
    o.loc[rows, [c for c in o.columns if c.startswith("uitkomst_")]] = "0"
    o.loc[rows, ["uitkomst_01", "uitkomst_03"]] = "1"
    record("VT-K19", "onderzoeken", "uitkomst 01 en 03 samen", rows)
    rows = take("onderzoeken", np.ones(len(o), dtype=bool), 1)
    for i in rows:
        o.at[i, "datum_start_onderzoek"], o.at[i, "datum_afronding_onderzoek"] = (
            o.at[i, "datum_afronding_onderzoek"], o.at[i, "datum_start_onderzoek"])
    record("VT-K12", "onderzoeken", "datum afronding vóór datum start (datums verwisseld)", rows)
    # Persons: of meldingen that have at least two persons, so no melding is left without persons.
    of_plain = p["set"].eq("M").to_numpy() & p["ref_id"].isin(m.loc[plain, "melding_id"]).to_numpy()
    known = p["bsn"].str.fullmatch(r"\d{9}").to_numpy() & ~p["bsn"].isin(["000000000", "999999999"]).to_numpy()
    real_birth = p["geboortedatum"].str.fullmatch(r"(19|20)\d{6}").to_numpy()
    rows = take("personen", of_plain & known & real_birth)
    p.loc[rows, "bsn"] = "999999999"
    record("VT-K34", "personen", "BSN 999999999 (ongeboren) met een geboortedatum: jeugdcodering voor onbekend", rows)
    rows = take("personen", of_plain & known, 1)
    p.loc[rows, "set"] = "A"
    record("VT-K33", "personen", "persoon bij een advies (set A)", rows)
    rows = take("personen", of_plain & known, 1)
    p.loc[rows, "ref_id"] = "M9999999"
    record("VT-K38", "personen", "persoon verwijst naar een melding die niet bestaat", rows)
    rows = take("personen", of_plain & known & real_birth, 1)
    p.loc[rows, "geboortedatum"] = "20991231"
    record("VT-K41", "personen", "geboortedatum na de datum melding", rows)
    rows = take("personen", of_plain & known, 1)
    p.loc[rows, "bsn"] = "123456789"
    record("VT-V01", "personen", "BSN voldoet niet aan de elfproef", rows)
    free = of_plain & known & ~np.isin(np.arange(len(p)), list(used["personen"]))
    pairs = p[free].groupby("ref_id").size()
    ref = pairs[pairs >= 2].index[0]
    rows = take("personen", free & (p["ref_id"] == ref).to_numpy())
    p.loc[rows[1], "bsn"] = p.at[rows[0], "bsn"]
    record("VT-K40", "personen", "dezelfde persoon twee keer bij één melding", rows)
    return {"fouten": dict(sorted(out.items()))}


def _faults_yaml(faults: dict) -> str:
    head = (
        "# Deliberate faults in the Veilig Thuis part of the bundled sample (made by `spiegel synth --sample`; do\n"
        "# not edit by hand). Row numbers are those of the record set's file in the ZIP (header = row 1). Only the\n"
        "# deliberate rows are listed: the synthetic records also hold a few late triages and onderzoeken (VT-K02,\n"
        "# VT-K09, VT-K17: warnings), as real deliveries do.\n"
    )
    return head + yaml.safe_dump(faults, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
