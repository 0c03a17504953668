"""The Veilig Thuis counts (SPEC §5.5, §5.6) against plain counts of the delivered text: the bundled sample's ZIP
delivery read with zipfile and pandas, counted with Python loops and dates, nothing of spiegel's reader or facts."""

from __future__ import annotations

import io
import statistics
import zipfile
from datetime import date
from functools import cache

import pandas as pd
import pytest

from spiegel import deliveries as store
from spiegel import domains
from spiegel.domains.vt.sample import FAULTY
from spiegel.periods import Period
from spiegel.read import read_delivery
from spiegel.sample import DELIVERIES
from test_vt_werkdagen import plain_working_days

VT = domains.get("vt")
PERIOD = Period.parse("2025H1")


def plain_sets(path) -> dict[str, pd.DataFrame]:
    with zipfile.ZipFile(path) as archive:
        return {name.removesuffix(".csv"): pd.read_csv(io.BytesIO(archive.read(name)), sep=";", dtype=str,
                                                        keep_default_na=False)
                for name in archive.namelist()}


@cache
def counted():
    refs = store.history(DELIVERIES, FAULTY, Period.parse("2026H1"))
    dels = [(r.meta.period, read_delivery(r.path, VT.layout(r.meta.indeling))) for r in refs]
    counts = VT.count_function(dels[-1][1], PERIOD, history=dels[:-1], previous=dels[-2][1])
    return counts, plain_sets(refs[-1].path), plain_sets(refs[-2].path)


def table(name: str) -> pd.DataFrame:
    return counted()[0].table(name)


def value(name: str, **where) -> int:
    t = table(name)
    for k, v in where.items():
        t = t[t[k] == v]
    assert len(t) == 1, where
    return int(t["aantal"].iloc[0])


def _day(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def test_records_per_set_and_their_previous_period():
    _, now, before = counted()
    for name in ("adviezen", "meldingen", "onderzoeken"):
        assert value("kerncijfers", kengetal=name) == len(now[name])
        row = table("kerncijfers")[table("kerncijfers")["kengetal"] == name]
        assert int(row["vorige"].iloc[0]) == len(before[name])


def test_codes_per_field_empty_and_invalid():
    _, now, _ = counted()
    for set_name, column in (("adviezen", "hoedanigheid"), ("meldingen", "hoedanigheid"), ("meldingen", "vervolg")):
        values = now[set_name][column]
        allowed = VT.codes.code_list(column).values
        for code in allowed:
            got = value("codevelden", gegevensset=set_name, veld=column, soort="code", categorie=code)
            assert got == int((values == code).sum())
        assert value("codevelden", gegevensset=set_name, veld=column, categorie="leeg") == int((values == "").sum())
        invalid = int((~values.isin([*allowed, ""])).sum())
        assert value("codevelden", gegevensset=set_name, veld=column, categorie="ongeldig") == invalid
        professional = int(values.isin([f"{c:02d}" for c in range(1, 16)]).sum())
        if column == "hoedanigheid":
            assert value("codevelden", gegevensset=set_name, veld=column, categorie="beroepsmatig") == professional


def test_flags_per_option_none_and_groups():
    _, now, _ = counted()
    m = now["meldingen"]
    for code in range(1, 11):
        column = f"aanleiding_{code:02d}"
        assert value("keuzevelden", gegevensset="meldingen", veld="aanleiding", soort="optie",
                     categorie=f"{code:02d}") == int((m[column] == "1").sum())
    ticked = m[[f"aanleiding_{c:02d}" for c in range(1, 11)]].eq("1")
    assert value("keuzevelden", gegevensset="meldingen", veld="aanleiding", categorie="geen") == int(
        (~ticked.any(axis=1)).sum())
    km = ticked[["aanleiding_06", "aanleiding_07", "aanleiding_08"]].any(axis=1)
    assert value("keuzevelden", gegevensset="meldingen", veld="aanleiding", soort="groep", categorie="KM") == int(
        km.sum())
    o = now["onderzoeken"]
    voortijdig = o[["uitkomst_07", "uitkomst_08", "uitkomst_09"]].eq("1").any(axis=1)
    assert value("keuzevelden", gegevensset="onderzoeken", veld="uitkomst", soort="groep",
                 categorie="voortijdig") == int(voortijdig.sum())


def test_meldingen_per_hoofdnummer():
    _, now, _ = counted()
    per_case = now["meldingen"].loc[now["meldingen"]["hoofdnummer"] != "", "hoofdnummer"].value_counts()
    assert value("koppelingen", onderdeel="casussen", categorie="1") == int((per_case == 1).sum())
    assert value("koppelingen", onderdeel="casussen", categorie="2") == int((per_case == 2).sum())
    assert value("koppelingen", onderdeel="casussen", categorie="3+") == int((per_case >= 3).sum())
    assert value("koppelingen", onderdeel="casussen", categorie="1") < len(per_case)  # repeated meldingen exist


def test_onderzoeken_of_meldingen_here_earlier_or_open():
    _, now, before = counted()
    m = now["meldingen"]
    wanted = m[(m["vervolg"] == "01") & (m["onderzoeksnummer"] != "")]["onderzoeksnummer"]
    here, earlier = set(now["onderzoeken"]["onderzoeksnummer"]), set(before["onderzoeken"]["onderzoeksnummer"])
    assert value("koppelingen", onderdeel="meldingen_onderzoek", categorie="deze_levering") == sum(
        n in here for n in wanted)
    assert value("koppelingen", onderdeel="meldingen_onderzoek", categorie="open") == sum(
        n not in here and n not in earlier for n in wanted)
    referenced = set(m["onderzoeksnummer"]) | set(before["meldingen"]["onderzoeksnummer"])
    assert value("koppelingen", onderdeel="onderzoeken_melding", categorie="niet_gevonden") == sum(
        n not in referenced for n in now["onderzoeken"]["onderzoeksnummer"])


def test_persons_per_melding_sex_bsn_and_minors():
    _, now, _ = counted()
    p, m = now["personen"], now["meldingen"]
    mine = p[(p["set"] == "M") & p["ref_id"].isin(m["melding_id"])]
    per = m["melding_id"].map(mine["ref_id"].value_counts()).fillna(0).astype(int)
    for label, low, high in (("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("5+", 5, 10**6)):
        assert value("personen", gegevensset="meldingen", kenmerk="per_item", categorie=label) == int(
            ((per >= low) & (per <= high)).sum())
    for sex in ("V", "M", "O"):
        assert value("personen", gegevensset="meldingen", kenmerk="geslacht", categorie=sex) == int(
            (mine["geslacht"] == sex).sum())
    assert value("personen", gegevensset="meldingen", kenmerk="bsn", categorie="onbekend") == int(
        (mine["bsn"] == "000000000").sum())
    assert value("personen", gegevensset="meldingen", kenmerk="bsn", categorie="ongeboren") == int(
        (mine["bsn"] == "999999999").sum())
    day = dict(zip(m["melding_id"], m["datum_melding"], strict=True))
    minors = set()
    for row in mine.itertuples():
        birth, on = _day(row.geboortedatum.replace("0000", "0701") if row.geboortedatum.endswith("0000") else (
            row.geboortedatum[:6] + "15" if row.geboortedatum.endswith("00") else row.geboortedatum)), _day(
            day[row.ref_id])
        unborn = row.bsn == "999999999" or row.geboortedatum == "99999999"
        if unborn or (birth and on and (on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))) < 18):
            minors.add(row.ref_id)
    assert value("personen", gegevensset="meldingen", kenmerk="minderjarige") == len(minors)


def test_triage_in_working_days_and_the_five_day_norm():
    _, now, _ = counted()
    days = []
    for row in now["meldingen"].itertuples():
        start, end = _day(row.datum_melding), _day(row.datum_triagebesluit)
        if start and end and end >= start:
            days.append(plain_working_days(start, end))
    figures = table("kengetallen_doorlooptijd").set_index("maat")
    assert int(figures.at["triage_werkdagen", "aantal"]) == len(days)
    assert int(figures.at["triage_werkdagen", "binnen_norm"]) == sum(d <= 5 for d in days)
    assert float(figures.at["triage_werkdagen", "mediaan"]) == pytest.approx(statistics.median(days))
    assert value("doorlooptijden", maat="triage_werkdagen", categorie="6-10") == sum(6 <= d <= 10 for d in days)


def test_onderzoek_duration_in_weeks_and_the_ten_week_norm():
    _, now, before = counted()
    weeks, within = [], 0
    triage: dict[str, date] = {}
    for frame in (now["meldingen"], before["meldingen"]):
        for row in frame.itertuples():
            t = _day(row.datum_triagebesluit)
            if row.onderzoeksnummer and t:
                triage[row.onderzoeksnummer] = min(t, triage.get(row.onderzoeksnummer, t))
    for row in now["onderzoeken"].itertuples():
        start, end = _day(row.datum_start_onderzoek), _day(row.datum_afronding_onderzoek)
        if start and end and end >= start:
            weeks.append((end - start).days // 7)
        if end and row.onderzoeksnummer in triage:
            within += (end - triage[row.onderzoeksnummer]).days <= 70
    assert sum(value("doorlooptijden", maat="onderzoek_weken", categorie=c) for c in
               ("0-2", "3-4", "5-6", "7-8", "9-10", "11-12", "13-20", ">20")) == len(weeks)
    assert value("doorlooptijden", maat="onderzoek_weken", categorie="5-6") == sum(5 <= w <= 6 for w in weeks)
    assert value("doorlooptijden", maat="tien_weken_norm", categorie="binnen") == within


def test_no_gemeente_extract_for_veilig_thuis():
    from spiegel.errors import ParameterError

    refs = store.history(DELIVERIES, FAULTY, Period.parse("2026H1"))
    d = read_delivery(refs[-1].path, VT.layout(refs[-1].meta.indeling))
    with pytest.raises(ParameterError, match="geen gemeente"):
        VT.count_function(d, PERIOD, gemeente="0363")
