"""The Veilig Thuis report as the notebook shows it: the spiegelrapport (SPEC §5.5, §5.6) and, as a clearly separate
part of the same document, the kwaliteitsrapport (SPEC §5.7: the logical consistency checks ``VT-K``).

The notebook (``notebooks/vt.ipynb``) stays a thin script::

    r = report.build(provider, period, deliveries, domain="vt")
    r.voorblad(); r.samenvatting(); r.velden(); r.datums(); r.koppelingen(); r.personen(); r.doorlooptijden()
    r.gemeenten(); r.validatie(); r.kwaliteitsrapport(); r.definities()
    r.exporteer(output_dir, table_formats)

Small numbers are exact (the organisation's own data, SPEC §8). Nothing here shows a value from a delivery row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from spiegel import protect
from spiegel.count import column_lists as _lists
from spiegel.domains.vt.count import SET_LABELS
from spiegel.domains.vt.facts import NORM_DAYS, NORM_WORKING_DAYS
from spiegel.formats import fmt_int, fmt_pct
from spiegel.present import charts
from spiegel.present.display import (
    BulletList,
    Callout,
    Display,
    Heading,
    KeyFigure,
    KeyFigures,
    PageBreak,
    Paragraph,
    Table,
)
from spiegel.present.report import Report as BaseReport
from spiegel.present.report import cols_text, rows_text
from spiegel.present.report import show as _show

QUALITY_GROUP = "consistentie"
FIELD_LABELS = {
    "hoedanigheid": "Hoedanigheid", "vervolg": "Vervolg", "aanleiding": "Aanleiding", "aard": "Aard van het geweld",
    "overdracht": "Directe overdracht", "uitkomst": "Uitkomst", "datum_melding": "Datum melding",
    "datum_triagebesluit": "Datum triagebesluit", "datum_start_onderzoek": "Datum start onderzoek",
    "datum_afronding_onderzoek": "Datum afronding onderzoek",
}
ONDERZOEK_VERVOLG = "Vervolg na het onderzoek"
KENMERK_LABELS = {"per_item": "Personen per {item}", "geslacht": "Geslacht", "bsn": "BSN",
                  "leeftijd": "Leeftijd (op {dag})"}
AGE_DAY_LABELS = {"meldingen": "de datum melding", "onderzoeken": "de datum start onderzoek"}
QUALITY_DESCRIPTION = ("Kwaliteitsrapport: per consistentiecontrole (VT-K) en gegevensset het aantal en aandeel "
                       "geraakte records en de eerste rijnummers")


@dataclass
class Report(BaseReport):
    """The Veilig Thuis report: spiegelrapport and kwaliteitsrapport."""

    SECTIONS: ClassVar[tuple[str, ...]] = (
        "voorblad", "samenvatting", "velden", "datums", "koppelingen", "personen", "doorlooptijden", "gemeenten",
        "validatie", "kwaliteitsrapport", "definities",
    )

    @property
    def title(self) -> str:
        return "Spiegelrapport en kwaliteitsrapport Veilig Thuis"

    def intro(self) -> Paragraph:
        return Paragraph(
            "Dit rapport geeft de Veilig Thuis-organisatie haar eigen aanlevering terug. Het **spiegelrapport** laat "
            "per gegevensset (adviezen, meldingen, onderzoeken, personen) zien hoe elk veld is gevuld, hoe de "
            "gegevenssets aan elkaar gekoppeld zijn en hoe lang triage en onderzoek duurden. Het "
            "**kwaliteitsrapport** (tweede deel) noemt per controle de records waarvan velden logisch niet bij "
            "elkaar passen, met wat te corrigeren vóór een herlevering.",
            "Het rapport bevat alleen aantallen, codes en rijnummers; geen gegevens van personen. Kleine aantallen "
            "staan er exact in: het zijn de eigen gegevens van de organisatie.",
        )

    @property
    def has_previous(self) -> bool:
        return self.previous is not None

    # --- spiegelrapport ------------------------------------------------------------------------------------

    def samenvatting(self) -> None:
        rows = _lists(self.shown.table("kerncijfers"), "kengetal", "label", "aantal", "vorige")
        at = {k: i for i, k in enumerate(rows["kengetal"])}
        items = []
        for key in ("adviezen", "meldingen", "onderzoeken", "personen_meldingen", "casussen"):
            i = at[key]
            detail = f"vorige periode: {fmt_int(rows['vorige'][i])}" if self.has_previous else None
            items.append(KeyFigure(rows["label"][i], rows["aantal"][i], detail))
        figures = self._figures()
        triage, norm = figures["triage_werkdagen"], figures["tien_weken_norm"]
        items.append(KeyFigure("Triage binnen vijf werkdagen", fmt_pct(protect.share(triage["binnen_norm"],
                                                                                       triage["aantal"])),
                               f"van {fmt_int(triage['aantal'])} meldingen"))
        items.append(KeyFigure("Onderzoek binnen tien weken", fmt_pct(protect.share(norm["binnen_norm"],
                                                                                      norm["aantal"])),
                               f"van {fmt_int(norm['aantal'])} onderzoeken met een melding"))
        columns = ["label", "aantal"] + (["vorige", "verschil"] if self.has_previous else [])
        table = dict(rows)
        table["verschil"] = [protect.difference(a, b) for a, b in zip(rows["aantal"], rows["vorige"], strict=True)]
        _show(
            KeyFigures(items),
            Table(table, "Kerncijfers", columns=columns,
                  column_labels={"label": "Kengetal", "aantal": self.period.label,
                                 "vorige": self.period.previous().label, "verschil": "Verschil"},
                  total_label=None, note=self.previous_note(), formats={"verschil": "signed"}),
        )

    def velden(self) -> None:
        """Per record set and field: counts and shares per code and per option."""
        parts: list[Display] = [Paragraph(
            "Per veld het aantal records per code of aangevinkte optie. Bij keuzevelden kan een record meer dan één "
            "optie hebben: de aandelen tellen dan op tot meer dan 100%."
        )]
        codes = self.shown.table("codevelden")
        flags = self.shown.table("keuzevelden")
        for set_name in ("adviezen", "meldingen", "onderzoeken"):
            parts.append(Heading(SET_LABELS[set_name], level=3))
            part = codes[codes["gegevensset"] == set_name]
            for veld in dict.fromkeys(part["veld"]):
                parts.append(self._field_table(part[part["veld"] == veld], set_name, veld))
            part = flags[flags["gegevensset"] == set_name]
            for veld in dict.fromkeys(part["veld"]):
                parts += self._flag_parts(part[part["veld"] == veld], set_name, veld)
        _show(*parts)

    def _field_label(self, set_name: str, veld: str) -> str:
        if set_name == "onderzoeken" and veld == "vervolg":
            return ONDERZOEK_VERVOLG
        return FIELD_LABELS.get(veld, veld)

    def _comparison(self) -> dict[str, str]:
        return {"aantal": self.period.label, "aandeel": "Aandeel", "vorige": self.period.previous().label}

    def _field_table(self, rows: pd.DataFrame, set_name: str, veld: str) -> Table:
        data = _lists(rows, "soort", "label", "aantal", "records", "vorige")
        total = data["records"][0] if data["records"] else 0
        table = {
            "label": [("\u2003" if s == "groep" else "") + str(lab) for s, lab in zip(data["soort"], data["label"],
                                                                                        strict=True)],
            "aantal": data["aantal"],
            "aandeel": [protect.share(n, total) for n in data["aantal"]],
            "vorige": data["vorige"],
        }
        columns = ["label", "aantal", "aandeel"] + (["vorige"] if self.has_previous else [])
        label = self._field_label(set_name, veld)
        return Table(table, f"{label} ({SET_LABELS[set_name].lower()}, {fmt_int(total)} records)", columns=columns,
                     column_labels={"label": label, **self._comparison()}, formats={"aandeel": "pct"},
                     total_label=None)

    def _flag_parts(self, rows: pd.DataFrame, set_name: str, veld: str) -> list[Display]:
        data = _lists(rows, "soort", "categorie", "label", "aantal", "records", "vorige")
        total = data["records"][0] if data["records"] else 0
        keep = [i for i, s in enumerate(data["soort"]) if not (s == "overig" and data["categorie"][i] == "opties")]
        options = [i for i in range(len(data["soort"])) if data["categorie"][i] == "opties"]
        mean = protect.share(data["aantal"][options[0]], total) if options else None
        table = {
            "label": [("Groep: " if data["soort"][i] == "groep" else "") + str(data["label"][i]) for i in keep],
            "aantal": [data["aantal"][i] for i in keep],
            "aandeel": [protect.share(data["aantal"][i], total) for i in keep],
            "vorige": [data["vorige"][i] for i in keep],
        }
        label = self._field_label(set_name, veld)
        columns = ["label", "aantal", "aandeel"] + (["vorige"] if self.has_previous else [])
        note = (f"Gemiddeld {str(round(float(mean), 2)).replace('.', ',')} aangevinkte opties per record."
                if isinstance(mean, float) else None)
        out: list[Display] = [Table(table, f"{label} ({SET_LABELS[set_name].lower()}, {fmt_int(total)} records)",
                                    columns=columns, column_labels={"label": label, **self._comparison()},
                                    formats={"aandeel": "pct"}, total_label=None, note=note)]
        return out

    def datums(self) -> None:
        dates = self.shown.table("datums")
        parts: list[Display] = [Paragraph(
            "Datums per maand, en hoe vaak ze leeg, ongeldig of buiten de periode zijn. Een melding hoort bij de "
            "periode van haar triagebesluit, een onderzoek bij die van zijn afronding; adviezen hebben geen datum."
        )]
        for set_name, veld in dict.fromkeys(zip(dates["gegevensset"], dates["veld"], strict=True)):
            part = dates[(dates["gegevensset"] == set_name) & (dates["veld"] == veld)]
            data = _lists(part, "label", "aantal", "vorige")
            columns = ["label", "aantal"] + (["vorige"] if self.has_previous else [])
            parts.append(Table(data, f"{FIELD_LABELS[veld]} ({SET_LABELS[set_name].lower()})", columns=columns,
                               column_labels={"label": "Maand", **self._comparison()}, total_label=None))
        _show(*parts)

    def koppelingen(self) -> None:
        links = self.shown.table("koppelingen")
        titles = {
            "records": "Records per gegevensset",
            "dubbel": "Dubbele identificatienummers",
            "casussen": "Meldingen per hoofdnummer (casus)",
            "meldingen_onderzoek": "Meldingen met vervolg onderzoek (01): waar is het onderzoek?",
            "onderzoeken_melding": "Onderzoeken: is de melding gevonden?",
            "personen_koppeling": "Personen: bij welke melding of welk onderzoek?",
        }
        parts: list[Display] = [Paragraph(
            "Adviezen, meldingen en onderzoeken hebben elk een eigen identificatienummer. Meldingen over dezelfde "
            "casus delen het hoofdnummer; een melding met vervolg onderzoek draagt het onderzoeksnummer. Een "
            "onderzoek kan in een latere periode worden afgerond dan zijn melding: de koppeling zoekt daarom ook in "
            "de eerdere aanleveringen van de organisatie."
        )]
        for onderdeel, title in titles.items():
            part = links[links["onderdeel"] == onderdeel]
            columns = ["label", "aantal"] + (["vorige"] if self.has_previous else [])
            parts.append(Table(_lists(part, "label", "aantal", "vorige"), title, columns=columns,
                               column_labels={"label": "", **self._comparison()}, total_label=None))
        _show(*parts)

    def personen(self) -> None:
        persons = self.shown.table("personen")
        parts: list[Display] = [Paragraph(
            "De direct betrokkenen van meldingen en onderzoeken (geen rol van pleger of slachtoffer: die levert "
            "Veilig Thuis niet). Bij Veilig Thuis betekent BSN 000000000 onbekend en 999999999 ongeboren — andersom "
            "dan bij jeugd. Minderjarig: jonger dan 18 of ongeboren."
        )]
        for set_name in ("meldingen", "onderzoeken"):
            part = persons[persons["gegevensset"] == set_name]
            parts.append(Heading(f"Personen bij {SET_LABELS[set_name].lower()}", level=3))
            head = part[part["kenmerk"].isin(["personen", "minderjarige"])]
            columns = ["label", "aantal"] + (["vorige"] if self.has_previous else [])
            parts.append(Table(_lists(head, "label", "aantal", "vorige"), None, columns=columns,
                               column_labels={"label": "", **self._comparison()}, total_label=None))
            item = "melding" if set_name == "meldingen" else "onderzoek"
            for kenmerk, title in KENMERK_LABELS.items():
                rows = part[part["kenmerk"] == kenmerk]
                data = _lists(rows, "label", "aantal", "vorige")
                total = sum(int(n) for n in data["aantal"])
                data["aandeel"] = [protect.share(n, total) for n in data["aantal"]]
                parts.append(Table(data, title.format(item=item, dag=AGE_DAY_LABELS[set_name]),
                                   columns=["label", "aantal", "aandeel"] + (["vorige"] if self.has_previous else []),
                                   column_labels={"label": "", **self._comparison()}, formats={"aandeel": "pct"},
                                   total_label=None))
        _show(*parts)

    def _figures(self) -> dict[str, dict[str, Any]]:
        table = self.shown.table("kengetallen_doorlooptijd")
        rows = _lists(table, "maat", "label", "aantal", "gemiddelde", "mediaan", "binnen_norm")
        return {m: {k: rows[k][i] for k in rows} for i, m in enumerate(rows["maat"])}

    def _distribution(self, maat: str, title: str, value_title: str) -> Display:
        table = self.shown.table("doorlooptijden")
        part = table[table["maat"] == maat]
        data = {"label": part["label"].tolist(), "aantal": part["aantal"].tolist()}
        if self.has_previous:
            data["vorige"] = part["vorige"].tolist()
            return charts.comparison_chart(pd.DataFrame(data), category="label", current="aantal", previous="vorige",
                                           current_label=self.period.label,
                                           previous_label=self.period.previous().label, title=title,
                                           value_title=value_title)
        return charts.flow_chart(data, category="label", measures=["aantal"], labels={"aantal": self.period.label},
                                 title=title, value_title=value_title)

    def doorlooptijden(self) -> None:
        figures = self._figures()
        table = self.shown.table("doorlooptijden")
        rows = []
        for maat in ("triage_werkdagen", "onderzoek_dagen", "tien_weken_norm", "wachttijd"):
            f = figures[maat]
            rows.append({"label": f["label"], "aantal": f["aantal"], "gemiddelde": f["gemiddelde"],
                         "mediaan": f["mediaan"],
                         "binnen": protect.share(f["binnen_norm"], f["aantal"]) if maat in (
                             "triage_werkdagen", "tien_weken_norm") else None})
        norm = table[table["maat"] == "tien_weken_norm"]
        _show(
            Paragraph(
                f"**Triage**: werkdagen van de melding tot het triagebesluit (maandag tot en met vrijdag, zonder "
                f"feestdagen); de norm is hoogstens {NORM_WORKING_DAYS} werkdagen. **Onderzoek**: van de start tot de "
                f"afronding, in hele weken; de norm is een afronding binnen tien weken ({NORM_DAYS} dagen) na het "
                "vroegste triagebesluit van de meldingen met dit onderzoeksnummer, ook uit eerdere aanleveringen."
            ),
            Table(pd.DataFrame(rows), "Doorlooptijden", column_labels={
                "label": "Doorlooptijd", "aantal": "Aantal", "gemiddelde": "Gemiddeld", "mediaan": "Mediaan",
                "binnen": "Binnen de norm"}, formats={"gemiddelde": "decimal", "mediaan": "decimal", "binnen": "pct"},
                total_label=None),
            self._distribution("triage_werkdagen", "Melding tot triagebesluit (werkdagen)", "Aantal meldingen"),
            self._distribution("onderzoek_weken", "Duur van het onderzoek (weken)", "Aantal onderzoeken"),
            Table(_lists(norm, "label", "aantal", "vorige"), "Tienwekennorm", columns=["label", "aantal"] + (
                ["vorige"] if self.has_previous else []), column_labels={"label": "", **self._comparison()},
                total_label=None),
        )

    def gemeenten(self) -> None:
        _show(Callout(
            "Veilig Thuis levert geen gemeente, woonplaats of postcode bij adviezen, meldingen, onderzoeken of "
            "personen (het informatieprotocol kent dat gegeven niet). Dit rapport heeft daarom geen uitsplitsing per "
            "gemeente en er is geen uittreksel per gemeente: het gaat over de hele regio van de organisatie.",
            kind="info", title="Geen uitsplitsing per gemeente",
        ))

    # --- validation and the kwaliteitsrapport --------------------------------------------------------------

    def _summary(self) -> pd.DataFrame:
        table = self.findings.summary()
        if "gegevensset" not in table.columns:
            table = table.assign(gegevensset=None)
        return table

    def validatie(self) -> None:
        """The findings of the file, field and completeness rules (the consistency checks are the
        kwaliteitsrapport)."""
        table = self._summary()
        table = table[table["groep"] != QUALITY_GROUP]
        parts: list[Display] = [self.status_callout()]
        if len(table):
            parts.append(Table(
                table.assign(rijen=table["rijen"].map(rows_text), kolommen=table["kolommen"].map(cols_text),
                             gegevensset=table["gegevensset"].fillna("")),
                "Bevindingen: bestand, velden en compleetheid",
                columns=["regel", "ernst", "gegevensset", "melding", "kolommen", "aantal", "rijen"],
                column_labels={"regel": "Regel", "ernst": "Ernst", "gegevensset": "Gegevensset", "melding": "Melding",
                               "kolommen": "Kolommen", "aantal": "Rijen", "rijen": "Eerste rijnummers"},
                formats={"rijen": "text"}, total_label=None,
                note="Rijnummers zijn die in het tabblad of bestand van de gegevensset (kopregel = rij 1)."))
            advice = [f"**{r.regel}** {r.advies}" for r in table.drop_duplicates("regel").itertuples() if r.advies]
            parts.append(BulletList(advice, title="Wat te corrigeren vóór herlevering"))
        else:
            parts.append(Paragraph("Geen bevindingen over het bestand, de velden of de compleetheid."))
        skipped = getattr(self.findings, "niet_uitgevoerd", [])
        if skipped:
            parts.append(BulletList([f"{code}: {why}" for code, why in skipped], title="Niet uitgevoerde controles"))
        _show(*parts)

    def quality_table(self) -> pd.DataFrame:
        """The kwaliteitsrapport: per consistency check and record set the records hit, their share of the set, the
        first row numbers and the advice (exact; no values)."""
        table = self._summary()
        table = table[table["groep"] == QUALITY_GROUP]
        records = self._set_sizes()
        out = pd.DataFrame({
            "gegevensset": table["gegevensset"].fillna("").to_numpy(dtype=object),
            "regel": table["regel"].to_numpy(dtype=object),
            "ernst": table["ernst"].to_numpy(dtype=object),
            "melding": table["melding"].to_numpy(dtype=object),
            "kolommen": table["kolommen"].map(cols_text).to_numpy(dtype=object),
            "aantal": table["aantal"].to_numpy(dtype="int64"),
            "records": [records.get(s, 0) for s in table["gegevensset"].fillna("")],
            "rijen": table["rijen"].map(rows_text).to_numpy(dtype=object),
            "advies": table["advies"].to_numpy(dtype=object),
        })
        out["aandeel"] = [protect.share(a, r) if r else None for a, r in zip(out["aantal"], out["records"],
                                                                             strict=True)]
        order = {name: i for i, name in enumerate(SET_LABELS)}
        out = out.iloc[sorted(range(len(out)), key=lambda i: (order.get(out["gegevensset"].iat[i], 9),
                                                              out["regel"].iat[i]))]
        return out.reset_index(drop=True)

    def _set_sizes(self) -> dict[str, int]:
        rows = _lists(self.counts.table("koppelingen"), "onderdeel", "categorie", "aantal")
        return {c: int(n) for o, c, n in zip(rows["onderdeel"], rows["categorie"], rows["aantal"], strict=True)
                if o == "records"}

    def kwaliteitsrapport(self) -> None:
        table = self.quality_table()
        parts: list[Display] = [
            PageBreak(),
            Heading("Kwaliteitsrapport", level=2),
            Paragraph(
                "Het kwaliteitsrapport toetst of velden logisch bij elkaar passen: binnen een record (datums, "
                "uitkomsten, aanleiding en aard), tussen gegevenssets (personen bij meldingen en onderzoeken, "
                "onderzoeken bij meldingen) en met eerdere aanleveringen. Per controle staan het aantal en het "
                "aandeel geraakte records van de gegevensset en de eerste rijnummers in het tabblad of bestand.",
            ),
        ]
        errors = int((table["ernst"] == "fout").sum())
        if table.empty:
            parts.append(Callout("Geen enkele consistentiecontrole geeft een bevinding.", kind="ok",
                                 title="Kwaliteit: in orde"))
        else:
            kind = "error" if errors else "warning"
            parts.append(Callout(
                f"{fmt_int(table['regel'].nunique())} controles geven een bevinding, waarvan "
                f"{fmt_int(table.loc[table['ernst'] == 'fout', 'regel'].nunique())} met een fout.",
                kind=kind, title="Kwaliteit: bevindingen"))
        for set_name, label in SET_LABELS.items():
            part = table[table["gegevensset"] == set_name]
            if part.empty:
                continue
            parts.append(Heading(f"{label} ({fmt_int(int(part['records'].iloc[0]))} records)", level=3))
            parts.append(Table(
                part, None, columns=["regel", "ernst", "melding", "kolommen", "aantal", "aandeel", "rijen"],
                column_labels={"regel": "Controle", "ernst": "Ernst", "melding": "Bevinding", "kolommen": "Velden",
                               "aantal": "Records", "aandeel": "Aandeel", "rijen": "Eerste rijnummers"},
                formats={"aandeel": "pct", "rijen": "text"}, total_label=None))
            advice = [f"**{r.regel}** {r.advies}" for r in part.drop_duplicates("regel").itertuples()]
            parts.append(BulletList(advice, title="Wat te corrigeren vóór herlevering"))
        _show(*parts)

    def definities(self) -> None:
        items = [
            "**Periode**: een melding hoort bij de periode van haar triagebesluit, een onderzoek bij die van zijn "
            "afronding; alle aangeleverde adviezen tellen voor de periode van de aanlevering (ze hebben geen datum).",
            "**Werkdag**: maandag tot en met vrijdag, geen feestdag volgens de Algemene termijnenwet (Nieuwjaarsdag, "
            "Goede Vrijdag, tweede Paasdag, Koningsdag, 5 mei, Hemelvaartsdag, tweede Pinksterdag, Kerstmis).",
            "**Leeftijd**: in hele jaren op de datum melding (personen bij een melding) of de datum start onderzoek "
            "(personen bij een onderzoek); een onbekende dag telt als de 15e, een onbekende maand als 1 juli.",
            "**Minderjarig**: jonger dan 18 jaar, of ongeboren (BSN 999999999 of geboortedatum 99999999).",
            "**Casus**: meldingen met hetzelfde hoofdnummer.",
            f"**Bescherming**: {protect.describe_policy(self.protection)}",
        ]
        _show(BulletList(items))  # under the notebook's heading "Definities"

    # --- exports and the index -----------------------------------------------------------------------------

    def tables(self) -> dict[str, pd.DataFrame]:
        out = super().tables()
        out["kwaliteitsrapport"] = self.quality_table()
        return out

    def table_descriptions(self) -> dict[str, str]:
        out = super().table_descriptions()
        out["kwaliteitsrapport"] = QUALITY_DESCRIPTION
        return out

    def summary_extra(self) -> dict[str, Any]:
        """Per set the records, the norms and the kwaliteitsrapport's checks (exact), for the national overview."""
        rows = _lists(self.counts.table("kerncijfers"), "kengetal", "aantal")
        figures = self._figures()
        quality = self.quality_table()
        return {
            "vt": {
                **{k: int(v) for k, v in zip(rows["kengetal"], rows["aantal"], strict=True)},
                "triage_gemeten": int(figures["triage_werkdagen"]["aantal"]),
                "onderzoek_gemeten": int(figures["tien_weken_norm"]["aantal"]),
                "kwaliteit_fouten": int(quality.loc[quality["ernst"] == "fout", "regel"].nunique()),
                "kwaliteit_waarschuwingen": int(quality.loc[quality["ernst"] == "waarschuwing", "regel"].nunique()),
                "kwaliteit_records": int(quality["aantal"].sum()),
            },
        }
