"""Count one Veilig Thuis organisation's delivery for one half-year the way its spiegelrapport does (SPEC §5.5,
§5.6): how each field of each record set is filled, the links, the persons and the doorlooptijden.

:func:`count_report` is the domain's count function (``Domain.count``): a :class:`spiegel.count.Counts` of long
tables with exact counts (``aantal``) and, when the previous period's delivery is held, its count (``vorige``).
There is no per-gemeente part: the protocol has no gemeente item (SPEC §5.5). Small numbers are shown exactly (the
organisation's own data, SPEC §8); the tables still declare their count columns, so any policy can be applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from spiegel.count import Counts, CountTable
from spiegel.domains.vt import werkdagen
from spiegel.domains.vt.facts import IDENTIFIERS, NORM_DAYS, NORM_WORKING_DAYS, Facts, Links
from spiegel.periods import Period

SET_LABELS = {"adviezen": "Adviezen", "meldingen": "Meldingen", "onderzoeken": "Onderzoeken", "personen": "Personen"}
CODE_FIELDS = (("adviezen", "hoedanigheid"), ("meldingen", "hoedanigheid"), ("meldingen", "vervolg"))
#: Multi-valued items with groups of their options (SPEC §5.5): item → code list of the groups.
FLAG_GROUPS = {"aanleiding": "aanleiding_groep", "uitkomst": "uitkomst_groep"}
DATE_FIELDS = (("meldingen", "datum_melding"), ("meldingen", "datum_triagebesluit"),
               ("onderzoeken", "datum_start_onderzoek"), ("onderzoeken", "datum_afronding_onderzoek"))
#: Dates that decide period membership (SPEC §5.4): outside the period is a finding of the kwaliteitsrapport.
PERIOD_DATES = ("datum_triagebesluit", "datum_afronding_onderzoek")
LEEG, ONGELDIG = "leeg", "ongeldig"
LEEG_LABEL, ONGELDIG_LABEL = "Leeg", "Ongeldig"
KEYS = {
    "codevelden": ("gegevensset", "veld", "soort", "categorie"),
    "keuzevelden": ("gegevensset", "veld", "soort", "categorie"),
    "datums": ("gegevensset", "veld", "categorie"),
    "koppelingen": ("onderdeel", "categorie"),
    "personen": ("gegevensset", "kenmerk", "categorie"),
    "doorlooptijden": ("maat", "categorie"),
    "kengetallen_doorlooptijd": ("maat",),
    "kerncijfers": ("kengetal",),
}
DESCRIPTIONS = {
    "kerncijfers": "Kerncijfers: records per gegevensset, casussen, personen, normen; met de vorige periode",
    "codevelden": "Codevelden (hoedanigheid, vervolg): aantal per code, leeg, ongeldig",
    "keuzevelden": "Keuzevelden (aanleiding, aard, overdracht, uitkomst, vervolg): aantal records per aangevinkte "
                   "optie en groep, zonder optie, aantal opties",
    "datums": "Datums per maand, leeg, ongeldig, buiten de periode",
    "koppelingen": "Identificatienummers en koppelingen: dubbele nummers, meldingen per casus, onderzoeken bij "
                   "meldingen",
    "personen": "Personen per melding en onderzoek: aantal, geslacht, BSN, leeftijd, minderjarigen",
    "doorlooptijden": "Doorlooptijden: triage in werkdagen, onderzoek in weken, tiennorm",
    "kengetallen_doorlooptijd": "Doorlooptijden: aantal, gemiddelde en mediaan (dagen of werkdagen), binnen de norm",
}


def _codes() -> Any:
    from spiegel.domains.vt import DOMAIN

    return DOMAIN.codes


# --- per table -------------------------------------------------------------------------------------------


def _rows_code_fields(sets: dict[str, Facts]) -> list[dict]:
    rows = []
    for set_name, column in CODE_FIELDS:
        facts = sets[set_name]
        code_list = _codes().code_list(facts.record_layout.column(column).codelijst)
        values = pd.Series(facts.values(column), dtype=object)
        counts = values.value_counts()
        for code in code_list.codes:
            rows.append(_row(set_name, column, "code", code.code, code.label, int(counts.get(code.code, 0)), facts.n))
        if column == "hoedanigheid":
            groups = _codes().code_list("hoedanigheid_groep")
            member = code_list.groups()
            for group in groups.codes:
                n = int(sum(int(counts.get(c, 0)) for c, g in member.items() if g == group.code))
                rows.append(_row(set_name, column, "groep", group.code, group.label, n, facts.n))
        empty = int(counts.get("", 0))
        invalid = facts.n - empty - int(sum(int(counts.get(c, 0)) for c in code_list.values))
        rows.append(_row(set_name, column, "overig", LEEG, LEEG_LABEL, empty, facts.n))
        rows.append(_row(set_name, column, "overig", ONGELDIG, ONGELDIG_LABEL, invalid, facts.n))
    return rows


def _row(set_name: str, veld: str, soort: str, categorie: str, label: str, aantal: int, records: int) -> dict:
    return {"gegevensset": set_name, "veld": veld, "soort": soort, "categorie": categorie, "label": label,
            "aantal": int(aantal), "records": int(records)}


def _rows_flag_fields(sets: dict[str, Facts]) -> list[dict]:
    rows = []
    for set_name in ("adviezen", "meldingen", "onderzoeken"):
        facts = sets[set_name]
        for item, options in facts.items.items():
            code_list = _code_list_of(item)
            matrix = facts.flags(item)
            ticked = matrix.sum(axis=0)
            for j, code in enumerate(options):
                rows.append(_row(set_name, item, "optie", code, code_list.label(code), int(ticked[j]), facts.n))
            group_list = FLAG_GROUPS.get(item)
            if group_list:
                member = code_list.groups()
                for group in _codes().code_list(group_list).codes:
                    codes = [c for c in options if member.get(c) == group.code]
                    n = int(facts.ticked(item, codes).sum()) if codes and facts.n else 0
                    rows.append(_row(set_name, item, "groep", group.code, group.label, n, facts.n))
            per_record = matrix.sum(axis=1)
            rows.append(_row(set_name, item, "overig", "geen", "Geen optie aangevinkt", int((per_record == 0).sum()),
                             facts.n))
            rows.append(_row(set_name, item, "overig", "opties", "Aangevinkte opties (totaal)", int(per_record.sum()),
                             facts.n))
    return rows


def _code_list_of(item: str) -> Any:
    return _codes().code_list({"overdracht": "overdracht", "vervolg": "overdracht"}.get(item, item))


def _rows_dates(sets: dict[str, Facts], period: Period) -> list[dict]:
    rows = []
    first, last = np.datetime64(period.first_day, "D"), np.datetime64(period.last_day, "D")
    for set_name, column in DATE_FIELDS:
        facts = sets[set_name]
        day = facts.day(column)
        empty = facts.empty(column)
        valid = ~np.isnat(day)
        months = pd.Series(day[valid].astype("datetime64[M]").astype(str)).value_counts().sort_index()
        for month, n in months.items():
            rows.append({"gegevensset": set_name, "veld": column, "categorie": str(month),
                         "label": _month_label(str(month)), "aantal": int(n)})
        for categorie, label, n in (
            (LEEG, LEEG_LABEL, empty.sum()),
            (ONGELDIG, ONGELDIG_LABEL, (~empty & ~valid).sum()),
            ("voor_periode", "Vóór de periode", (day < first).sum()),
            ("na_periode", "Na de periode", (day > last).sum()),
        ):
            rows.append({"gegevensset": set_name, "veld": column, "categorie": categorie, "label": label,
                         "aantal": int(n)})
    return rows


MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def _rows_links(sets: dict[str, Facts], links: Links) -> list[dict]:
    rows = []

    def add(onderdeel: str, categorie: str, label: str, n: int) -> None:
        rows.append({"onderdeel": onderdeel, "categorie": categorie, "label": label, "aantal": int(n)})

    for set_name, column in IDENTIFIERS.items():
        values = pd.Series(sets[set_name].values(column), dtype=object)
        filled = values[values != ""]
        add("records", set_name, SET_LABELS[set_name], sets[set_name].n)
        add("dubbel", set_name, f"{SET_LABELS[set_name]} met een dubbel identificatienummer",
            int(filled.duplicated(keep=False).sum()))
    add("records", "personen", "Personen", sets["personen"].n)
    meldingen = sets["meldingen"]
    case = pd.Series(meldingen.values("hoofdnummer"), dtype=object)
    per_case = case[case != ""].value_counts()
    for code in _codes().code_list("meldingen_per_casus").codes:
        low, high = int(code.get("van")), int(code.get("tot"))
        add("casussen", code.code, code.label, int(((per_case >= low) & (per_case <= high)).sum()))
    add("casussen", "totaal", "Casussen (verschillende hoofdnummers)", len(per_case))
    number = meldingen.values("onderzoeksnummer")
    onderzoek = (meldingen.values("vervolg") == "01") & (number != "")
    here = np.asarray([n in links.onderzoeken_here for n in number.tolist()] or [], dtype=bool)
    earlier = np.asarray([n in links.onderzoeken_earlier for n in number.tolist()] or [], dtype=bool)
    add("meldingen_onderzoek", "deze_levering", "Onderzoek in deze levering", (onderzoek & here).sum())
    add("meldingen_onderzoek", "eerdere_levering", "Onderzoek in een eerdere levering",
        (onderzoek & ~here & earlier).sum())
    add("meldingen_onderzoek", "open", "Onderzoek nog niet aangeleverd (loopt nog)",
        (onderzoek & ~here & ~earlier).sum())
    ids = sets["onderzoeken"].values("onderzoeksnummer")
    found = np.asarray([i in links.referenced_onderzoeken for i in ids.tolist()] or [], dtype=bool)
    add("onderzoeken_melding", "gevonden", "Melding gevonden (deze of eerdere levering)", found.sum())
    add("onderzoeken_melding", "niet_gevonden", "Geen melding gevonden", (~found).sum())
    add("personen_koppeling", "gevonden", "Bij een melding of onderzoek van deze levering", links.person_found.sum())
    add("personen_koppeling", "niet_gevonden", "Zonder melding of onderzoek in deze levering",
        (~links.person_found).sum())
    return rows


def age_classes(links: Links) -> np.ndarray:
    """Per person: the code of its age class (code list ``leeftijdsklasse``)."""
    persons = links.sets["personen"]
    age = links.person_age
    out = np.full(persons.n, "onbekend", dtype=object)
    for code in _codes().code_list("leeftijdsklasse").codes:
        if code.get("van") is not None:
            out[(age >= int(code.get("van"))) & (age <= int(code.get("tot")))] = code.code
    out[persons.unborn] = "ongeboren"
    return out


def _rows_persons(sets: dict[str, Facts], links: Links) -> list[dict]:
    rows = []
    persons = sets["personen"]
    classes = age_classes(links)
    geslacht = persons.values("geslacht")

    def add(set_name: str, kenmerk: str, categorie: str, label: str, n: int) -> None:
        rows.append({"gegevensset": set_name, "kenmerk": kenmerk, "categorie": categorie, "label": label,
                     "aantal": int(n)})

    for set_name in ("meldingen", "onderzoeken"):
        mine = links.person_ref[set_name] >= 0
        per_item = links.persons_of(set_name)
        add(set_name, "personen", "totaal", "Personen", mine.sum())
        known = mine & (persons.bsn_status == "bekend")
        add(set_name, "personen", "uniek", "Verschillende personen (op BSN)", len(set(persons.values("bsn")[known])))
        for code in _codes().code_list("personen_aantal").codes:
            low, high = int(code.get("van")), int(code.get("tot"))
            add(set_name, "per_item", code.code, code.label, ((per_item >= low) & (per_item <= high)).sum())
        add(set_name, "minderjarige", "met", f"{SET_LABELS[set_name]} met minstens één minderjarige",
            links.any_minor(set_name).sum())
        for list_name, values, kenmerk in (("geslacht", geslacht, "geslacht"),
                                           ("bsn_status", persons.bsn_status, "bsn"),
                                           ("leeftijdsklasse", classes, "leeftijd")):
            code_list = _codes().code_list(list_name)
            own = pd.Series(values[mine], dtype=object).value_counts()
            for code in code_list.codes:
                add(set_name, kenmerk, code.code, code.label, int(own.get(code.code, 0)))
            if list_name == "geslacht":
                other = int(own.sum()) - int(sum(int(own.get(c, 0)) for c in code_list.values))
                add(set_name, kenmerk, ONGELDIG, "Leeg of ongeldig", other)
    return rows


def lead_times(sets: dict[str, Facts], links: Links) -> dict[str, np.ndarray]:
    """The lead times of SPEC §5.6 per melding and onderzoek (float, NaN where not determined): ``werkdagen``
    (melding → triage), ``duur`` (onderzoek in days), ``norm`` (days from the earliest linked triage to the
    afronding), ``wachttijd`` (days from that triage to the actual start)."""
    m, o = sets["meldingen"], sets["onderzoeken"]
    start, end = o.day("datum_start_onderzoek"), o.day("datum_afronding_onderzoek")
    triage = links.triage_of_onderzoeken()

    def days_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = (b - a).astype("timedelta64[D]").astype(float)
        out[np.isnat(a) | np.isnat(b)] = np.nan
        return out

    duur = days_between(start, end)
    duur[duur < 0] = np.nan
    return {
        "werkdagen": werkdagen.between(m.day("datum_melding"), m.day("datum_triagebesluit")),
        "duur": duur,
        "norm": days_between(triage, end),
        "wachttijd": days_between(triage, start),
    }


def _classes(values: np.ndarray, list_name: str) -> list[tuple[str, str, int]]:
    out = []
    for code in _codes().code_list(list_name).codes:
        low, high = int(code.get("van")), int(code.get("tot"))
        out.append((code.code, code.label, int(((values >= low) & (values <= high)).sum())))
    return out


def _rows_lead_times(times: dict[str, np.ndarray]) -> tuple[list[dict], list[dict]]:
    rows, figures = [], []
    werk = times["werkdagen"]
    for code, label, n in _classes(werk[~np.isnan(werk)], "triage_werkdagen"):
        rows.append({"maat": "triage_werkdagen", "categorie": code, "label": label, "aantal": n})
    weeks = np.floor(times["duur"][~np.isnan(times["duur"])] / 7)
    for code, label, n in _classes(weeks, "onderzoek_weken"):
        rows.append({"maat": "onderzoek_weken", "categorie": code, "label": label, "aantal": n})
    norm = times["norm"]
    for code, label, n in (("binnen", "Binnen tien weken", (norm <= NORM_DAYS).sum()),
                           ("buiten", "Later dan tien weken", (norm > NORM_DAYS).sum()),
                           ("onbepaald", "Norm niet te bepalen (geen melding gevonden)", np.isnan(norm).sum())):
        rows.append({"maat": "tien_weken_norm", "categorie": code, "label": label, "aantal": int(n)})
    for maat, label, values, within in (
        ("triage_werkdagen", "Melding tot triagebesluit (werkdagen)", werk, NORM_WORKING_DAYS),
        ("onderzoek_dagen", "Duur van het onderzoek (dagen)", times["duur"], None),
        ("tien_weken_norm", "Triagebesluit tot afronding onderzoek (dagen)", norm, NORM_DAYS),
        ("wachttijd", "Wachttijd: triagebesluit tot start onderzoek (dagen)", times["wachttijd"], None),
    ):
        known = values[~np.isnan(values)]
        figures.append({
            "maat": maat, "label": label, "aantal": len(known),
            "gemiddelde": float(known.mean()) if len(known) else np.nan,
            "mediaan": float(np.median(known)) if len(known) else np.nan,
            "binnen_norm": int((known <= within).sum()) if within is not None else pd.NA,
        })
    return rows, figures


SUMMARY = {
    "adviezen": "Adviezen",
    "meldingen": "Meldingen",
    "onderzoeken": "Afgeronde onderzoeken",
    "personen_meldingen": "Personen bij meldingen",
    "personen_onderzoeken": "Personen bij onderzoeken",
    "casussen": "Casussen (hoofdnummers)",
    "meldingen_minderjarige": "Meldingen met een minderjarige",
    "triage_binnen_norm": "Triagebesluit binnen vijf werkdagen",
    "onderzoek_binnen_norm": "Onderzoek binnen tien weken",
}


def _summary(tables: dict[str, pd.DataFrame]) -> list[dict]:
    links, persons, figures = tables["koppelingen"], tables["personen"], tables["kengetallen_doorlooptijd"]

    def one(frame: pd.DataFrame, **where: str) -> int:
        mask = np.ones(len(frame), dtype=bool)
        for k, v in where.items():
            mask &= (frame[k] == v).to_numpy()
        return int(frame.loc[mask, frame.columns[-1] if "aantal" not in frame else "aantal"].sum())

    values = {
        "adviezen": one(links, onderdeel="records", categorie="adviezen"),
        "meldingen": one(links, onderdeel="records", categorie="meldingen"),
        "onderzoeken": one(links, onderdeel="records", categorie="onderzoeken"),
        "personen_meldingen": one(persons, gegevensset="meldingen", kenmerk="personen", categorie="totaal"),
        "personen_onderzoeken": one(persons, gegevensset="onderzoeken", kenmerk="personen", categorie="totaal"),
        "casussen": one(links, onderdeel="casussen", categorie="totaal"),
        "meldingen_minderjarige": one(persons, gegevensset="meldingen", kenmerk="minderjarige"),
        "triage_binnen_norm": int(figures.loc[figures["maat"] == "triage_werkdagen", "binnen_norm"].iloc[0]),
        "onderzoek_binnen_norm": int(figures.loc[figures["maat"] == "tien_weken_norm", "binnen_norm"].iloc[0]),
    }
    return [{"kengetal": k, "label": SUMMARY[k], "aantal": v} for k, v in values.items()]


# --- the count function ------------------------------------------------------------------------------------


def facts_of(delivery: Any, period: Period) -> dict[str, Facts]:
    return {name: Facts(records, period, delivery.layout) for name, records in delivery.sets.items()}


def tables_of(delivery: Any, period: Period, history: Sequence[tuple[Period, Any]] = ()) -> dict[str, pd.DataFrame]:
    """The tables of one delivery (exact counts, without the previous period)."""
    sets = facts_of(delivery, period)
    links = Links(sets, [facts_of(d, p) for p, d in history])
    lead_rows, figures = _rows_lead_times(lead_times(sets, links))
    tables = {
        "codevelden": pd.DataFrame(_rows_code_fields(sets)),
        "keuzevelden": pd.DataFrame(_rows_flag_fields(sets)),
        "datums": pd.DataFrame(_rows_dates(sets, period), columns=["gegevensset", "veld", "categorie", "label",
                                                                    "aantal"]),
        "koppelingen": pd.DataFrame(_rows_links(sets, links)),
        "personen": pd.DataFrame(_rows_persons(sets, links)),
        "doorlooptijden": pd.DataFrame(lead_rows),
        "kengetallen_doorlooptijd": pd.DataFrame(figures),
    }
    tables["kerncijfers"] = pd.DataFrame(_summary(tables))
    return {name: tables[name] for name in ORDER}


ORDER = ("kerncijfers", "codevelden", "keuzevelden", "datums", "koppelingen", "personen", "doorlooptijden",
         "kengetallen_doorlooptijd")


def _with_previous(now: pd.DataFrame, before: pd.DataFrame | None, keys: tuple[str, ...]) -> pd.DataFrame:
    out = now.copy()
    if before is None:
        out["vorige"] = pd.array([pd.NA] * len(out), dtype="Int64")
    else:
        lookup = before.set_index(list(keys))["aantal"]
        index = pd.MultiIndex.from_frame(out[list(keys)]) if len(keys) > 1 else pd.Index(out[keys[0]])
        out["vorige"] = pd.array(lookup.reindex(index).to_numpy(dtype=object, na_value=pd.NA), dtype="Int64")
        if keys == ("gegevensset", "veld", "categorie"):  # months are not comparable across periods
            out.loc[out["categorie"].str.match(r"^\d{4}-\d{2}$"), "vorige"] = pd.NA
    out["aantal"] = out["aantal"].astype("int64")
    return out


def count_report(
    delivery: Any,
    period: Period,
    *,
    history: Sequence[tuple[Period, Any]] = (),
    previous: Any | None = None,
    gemeente: str | None = None,
) -> Counts:
    """The domain's count function. ``history``: the organisation's earlier deliveries (links into them);
    ``previous``: the previous period's delivery (the comparison). ``gemeente`` is refused: Veilig Thuis has no
    gemeente item."""
    if gemeente is not None:
        from spiegel.errors import ParameterError

        raise ParameterError("Veilig Thuis levert geen gemeente per record: er is geen uittreksel per gemeente")
    now = tables_of(delivery, period, history)
    before = None
    if previous is not None:
        older = [(p, d) for p, d in history if p < period.previous()]
        before = tables_of(previous, period.previous(), older)
    tables = {}
    for name, frame in now.items():
        if name == "kengetallen_doorlooptijd":
            table = CountTable(frame, ("aantal",), dependent={"gemiddelde": "aantal", "mediaan": "aantal"},
                               description=DESCRIPTIONS[name])
        else:
            frame = _with_previous(frame, before[name] if before is not None else None, KEYS[name])
            table = CountTable(frame, ("aantal", "vorige"), description=DESCRIPTIONS[name])
        tables[name] = table
    return Counts(period, tables)
