"""What every domain's report shares: the object a report notebook shows section by section.

A domain's report class (``spiegel.domains.<name>.report.Report``) subclasses :class:`Report` with its own
sections; the parts here are the same in every domain: the front page's facts about the delivery, the validation
outcome, the tables for export, the summary record the batch manifest and index read, and the state of the
validation as a callout. ``spiegel.report.build`` makes a report for any domain.

Protection of small numbers (SPEC §8) is applied once, when the report is built, to the exact counts; everything
shown or exported comes from the protected tables (``shown``). Nothing here ever shows a value from a delivery row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from spiegel import __version__, codes, protect
from spiegel.count import Counts
from spiegel.deliveries import DeliveryMeta, DeliveryRef
from spiegel.formats import fmt_datetime, fmt_int
from spiegel.periods import Period
from spiegel.present.display import BulletList, Callout, Display, Paragraph, Table, Title
from spiegel.read import SourceInfo
from spiegel.validate.findings import outcome_text, warning_text

#: The aggregates of a report for the batch manifest and index (no row values), written beside its tables.
SUMMARY_FILE = "samenvatting.json"


def summary_path(out_dir: str | Path, gemeente: str | None = None) -> Path:
    """Where a report's exact summary (what the batch manifest reads) lives: ``samenvatting.json`` in the report's
    folder; for an extract for one gemeente ``samenvatting-gemeente-<code>.json`` in the provider's folder, beside
    the extract's folder, so that the extract's folder (what is sent to the gemeente) holds protected figures only.
    The extract's own ``samenvatting.json`` is protected (docs/uitvoer.md)."""
    out = Path(out_dir)
    return out / SUMMARY_FILE if not gemeente else out.parent / f"samenvatting-gemeente-{gemeente}.json"


@dataclass
class Replaced:
    """The delivery a correction replaces (SPEC §11), read, validated and counted like the current one."""

    ref: DeliveryRef
    source: SourceInfo
    before: Any  # spiegel.read.Delivery: the replaced delivery
    now: Any  # spiegel.read.Delivery: the correction
    findings: Any  # spiegel.validate.Findings of the replaced delivery
    counts: Counts  # exact
    shown: Counts  # protected like the report


@dataclass
class Report:
    """Everything one report shows. ``counts`` are exact; ``shown`` are protected under ``protection``."""

    kvk: str
    naam: str
    period: Period
    meta: DeliveryMeta
    source: SourceInfo
    protection: str
    gemeente: str | None
    findings: Any  # spiegel.validate.Findings
    counts: Counts
    shown: Counts
    previous: DeliveryRef | None
    timings: dict[str, float] = field(default_factory=dict)
    domain: Any = None  # spiegel.domains.Domain
    replaced: Replaced | None = None  # what this correction replaces (SPEC §11)

    #: The report's sections in notebook order (the batch's warm-up builds them the same way).
    SECTIONS: ClassVar[tuple[str, ...]] = ("voorblad", "validatie")

    # --- domain hooks --------------------------------------------------------------------------------------

    def intro(self) -> Paragraph:
        """The front page's paragraph: what this report counts."""
        raise NotImplementedError

    def summary_extra(self) -> dict[str, Any]:
        """What the domain adds to :meth:`summary_record` (for its part of the batch index)."""
        return {}

    def summary_extra_protected(self) -> dict[str, Any]:
        """What the domain adds to the protected summary of an extract (from ``shown`` only)."""
        return {}

    @classmethod
    def holds_nothing(cls, counts: Counts) -> bool:
        """True when exact ``counts`` hold nothing to report (an extract for a gemeente the provider did not work
        for, which ``spiegel.report.build`` refuses)."""
        return False

    @property
    def is_extract(self) -> bool:
        """An extract for one gemeente: it leaves the provider, so it shows protected figures only and no
        validation detail (docs/uitvoer.md)."""
        return self.gemeente is not None

    def gemeente_tables(self) -> tuple[dict[str, str], dict[str, list[int]]] | None:
        """The exact counts per gemeente for the gemeenteoverzicht (SPEC §10): (column → Dutch label, gemeente code
        → counts in column order), or None when the domain has no gemeenteoverzicht."""
        return None

    def record_changes(self) -> pd.DataFrame | None:
        """Records added, removed and changed by the correction, per gemeente (columns ``gemeente``,
        ``gemeentenaam``, ``toegevoegd``, ``verwijderd``, ``gewijzigd``; exact), or None."""
        return None

    def flow_changes(self) -> list[Display]:
        """The domain's tables of the counts before and after the correction."""
        return []

    def table_descriptions(self) -> dict[str, str]:
        descriptions = {name: table.description for name, table in self.shown.tables.items()}
        descriptions["validatie"] = VALIDATION_TABLE_DESCRIPTION
        return descriptions

    # --- sections ------------------------------------------------------------------------------------------

    @property
    def title(self) -> str:
        return f"Spiegelrapport {self.domain.titel}"

    def front_facts(self) -> dict[str, str]:
        facts = {
            "Aanbieder": f"{self.naam} (KvK {self.kvk})",
            "Periode": f"{self.period.label} ({self.period.span_label})",
            "Aanlevering": Path(self.source.path).name,
            "Ontvangen": fmt_datetime(self.meta.ontvangen),
            "Soort aanlevering": "herlevering (correctie)" if self.meta.correctie else "eerste aanlevering",
            "Inhoud (SHA-256)": self.source.sha256,
            "Indeling": f"{self.source.layout}, protocolversie {self.source.protocolversie}",
            "Bescherming": protect.describe_policy(self.protection),
            "Gemaakt met": f"spiegel {__version__}",
        }
        if self.replaced is not None:
            r = self.replaced.ref
            facts["Vervangt"] = f"{Path(r.path).name}, ontvangen {fmt_datetime(r.meta.ontvangen)}"
        if self.gemeente:
            facts["Uittreksel"] = (
                f"alleen gemeente {self.gemeente} ({codes.gemeente_name(self.gemeente, self.period.last_day)})"
            )
        return facts

    def voorblad(self) -> None:
        title = self.title
        if self.gemeente:
            title += f" — gemeente {codes.gemeente_name(self.gemeente, self.period.last_day)}"
        show(
            Title(
                title,
                f"{self.naam} · {self.period.label}",
                facts=self.front_facts(),
                header=f"{self.title} · {self.naam} · {self.period.label}",
            ),
            self.intro(),
            self.status_callout(),
        )
        if self.replaced is not None:
            self.herlevering()

    def herlevering(self) -> None:
        """Wat is er veranderd door de herlevering (SPEC §11): the replaced delivery, records added / removed /
        changed per gemeente (counts only), the counts before and after, and findings gone and new."""
        from spiegel.present.display import Heading

        r = self.replaced
        assert r is not None
        parts: list[Display] = [
            Heading("Wat is er veranderd door de herlevering", level=2),
            Paragraph(
                f"Deze aanlevering is een herlevering. Zij vervangt de aanlevering {Path(r.ref.path).name}, ontvangen "
                f"{fmt_datetime(r.ref.meta.ontvangen)} (SHA-256 {r.source.sha256}). Records zijn vergeleken op de "
                "recordsleutel (jeugdige, datum aanvang, hulpvorm); hieronder staan alleen aantallen."
            ),
        ]
        changes = self.record_changes()
        if changes is not None:
            shown = changes.copy()
            for column in ("toegevoegd", "verwijderd", "gewijzigd"):
                shown[column] = protect.protect_values(shown[column].tolist(), self.protection)
            parts.append(Table(shown, "Records toegevoegd, verwijderd en gewijzigd per gemeente",
                               columns=["gemeentenaam", "toegevoegd", "verwijderd", "gewijzigd"],
                               column_labels={"gemeentenaam": "Gemeente", "toegevoegd": "Toegevoegd",
                                              "verwijderd": "Verwijderd", "gewijzigd": "Gewijzigd"}))
        parts.extend(self.flow_changes())
        parts.append(self._findings_changes())
        show(*parts)

    def _findings_changes(self) -> Display:
        before = self.replaced.findings.summary() if self.replaced is not None else pd.DataFrame()
        now = self.findings.summary()

        def by_rule(table: pd.DataFrame) -> dict[str, tuple[str, str, int]]:
            if not len(table):
                return {}
            return {row.regel: (row.ernst, row.melding, int(row.aantal)) for row in table.itertuples()}

        old, new = by_rule(before), by_rule(now)
        rows = [{"regel": code, "ernst": old[code][0], "melding": old[code][1], "status": "verdwenen",
                 "voor": old[code][2], "na": 0} for code in sorted(set(old) - set(new))]
        rows += [{"regel": code, "ernst": new[code][0], "melding": new[code][1], "status": "nieuw",
                  "voor": 0, "na": new[code][2]} for code in sorted(set(new) - set(old))]
        rows += [{"regel": code, "ernst": new[code][0], "melding": new[code][1], "status": "gebleven",
                  "voor": old[code][2], "na": new[code][2]} for code in sorted(set(new) & set(old))]
        if not rows:
            return Paragraph("Geen bevindingen in de vervangen aanlevering en geen in deze.")
        return Table(pd.DataFrame(rows), "Bevindingen: verdwenen, nieuw en gebleven",
                     column_labels={"regel": "Regel", "ernst": "Ernst", "melding": "Melding", "status": "Status",
                                    "voor": "Rijen voor", "na": "Rijen na"}, total_label=None)

    def validatie(self) -> None:
        f = self.findings
        parts: list[Display] = [self.status_callout()]
        if self.is_extract:
            table = self.extract_validation_table()
            if len(table):
                parts.append(Table(
                    table, "Controles met een bevinding", columns=["regel", "ernst", "melding"],
                    column_labels={"regel": "Regel", "ernst": "Ernst", "melding": "Melding"}, total_label=None,
                    note="Zonder aantallen en rijnummers: die staan in het volledige rapport van de aanbieder.",
                ))
            show(*parts)
            return
        table = f.summary()
        if len(table):
            marked = [rows_text(r) + (PREVIOUS_FILE_MARK if b == "vorig" else "")
                      for r, b in zip(table["rijen"], table["bestand"], strict=True)]
            table = table.assign(rijen=marked, kolommen=table["kolommen"].map(cols_text))
            parts.append(
                Table(
                    table,
                    "Bevindingen per regel",
                    columns=["regel", "ernst", "melding", "kolommen", "aantal", "rijen"],
                    column_labels={
                        "regel": "Regel",
                        "ernst": "Ernst",
                        "melding": "Melding",
                        "kolommen": "Kolommen",
                        "aantal": "Rijen",
                        "rijen": "Eerste rijnummers",
                    },
                    formats={"rijen": "text"},
                    total_label=None,
                    note="Rijnummers zijn die in het aangeleverde bestand (kopregel = rij 1); rijnummers in het "
                    f"bestand van de vorige periode zijn gemarkeerd met “{PREVIOUS_FILE_MARK.strip()}”.",
                )
            )
            details = detail_lines(f)
            if details:
                parts.append(BulletList(details, title="Toelichting bij de bevindingen"))
            advice = [f"**{r.regel}** {r.advies}" for r in table.drop_duplicates("regel").itertuples() if r.advies]
            if advice:
                parts.append(BulletList(advice, title="Wat te corrigeren vóór herlevering"))
        skipped = getattr(f, "niet_uitgevoerd", [])
        if skipped:
            parts.append(BulletList([f"{code}: {why}" for code, why in skipped], title="Niet uitgevoerde controles"))
        show(*parts)

    # --- exports -------------------------------------------------------------------------------------------

    def export_tables(self) -> dict[str, pd.DataFrame]:
        """The protected count tables as they are exported (a domain may leave out a column)."""
        return {name: table.frame for name, table in self.shown.tables.items()}

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report, protected, in the layout of ``docs/uitvoer.md``."""
        if self.is_extract:
            return {**self.export_tables(), "validatie": self.extract_validation_table()}
        return {
            **self.export_tables(),
            "validatie": self.findings.summary().assign(
                rijen=lambda t: t["rijen"].map(rows_text), kolommen=lambda t: t["kolommen"].map(cols_text)
            ),
        }

    def extract_validation_table(self) -> pd.DataFrame:
        """An extract's validation table: which controls found something in the whole delivery (rule, severity,
        group, message), without numbers of rows or row numbers, which belong to the provider's report."""
        return self.findings.summary()[["regel", "ernst", "groep", "melding"]].reset_index(drop=True)

    def exporteer(self, output_dir: str | Path | None, table_formats: Sequence[str] = ("xlsx", "csv")) -> None:
        """Write the tables (XLSX and/or CSV) and ``samenvatting.json`` to ``output_dir``; nothing when None."""
        if not output_dir:
            return
        from spiegel.export import write_csvs, write_xlsx
        from spiegel.io import write_text_atomic

        out = Path(output_dir)
        tables = self.tables() if {"xlsx", "csv"} & set(table_formats) else {}
        files: dict[str, str] = {}
        context = self.table_context() if tables else []
        if "xlsx" in table_formats:
            write_xlsx(tables, out / "tabellen.xlsx", descriptions=self.table_descriptions(), context=context)
            files["xlsx"] = "tabellen.xlsx"
        if "csv" in table_formats:
            write_csvs(tables, out / "tabellen", readme=readme_text(self.title, context))
            files["csv"] = "tabellen"
        exact = json.dumps(self.summary_record(files), indent=1, ensure_ascii=False)
        if self.is_extract:  # the extract's folder gets the protected summary, the exact one stays outside it
            protected = json.dumps(self.summary_record(files, protected=True), indent=1, ensure_ascii=False)
            write_text_atomic(out / SUMMARY_FILE, protected)
        write_text_atomic(summary_path(out, self.gemeente), exact)
        self.leave_gemeente_tables()

    def leave_gemeente_tables(self) -> None:
        """Write the exact per-gemeente tables where the pipeline asked (``spiegel.present.gemeentetabellen.ENV``),
        outside the report's folder; nothing for an extract of one gemeente or without the variable."""
        import os

        from spiegel.present import gemeentetabellen

        target = os.environ.get(gemeentetabellen.ENV)
        if not target or self.gemeente:
            return
        tables = self.gemeente_tables()
        if tables is None:
            return
        columns, rows = tables
        gemeentetabellen.write_tables(target, gemeentetabellen.record(
            kvk=self.kvk, naam=self.naam, period=str(self.period), domain=self.domain.name,
            sha256=self.source.sha256, columns=columns, rows=rows))

    def table_context(self) -> list[tuple[str, str]]:
        """What a reader of the tables needs beside them (first sheet of tabellen.xlsx, README.txt beside the
        CSV files): whose tables, which period, the previous period of the column ``vorige``, the protection and
        the legend of ``.`` and empty cells."""
        previous = self.period.previous()
        facts = self.front_facts()
        context = [
            ("Rapport", self.title + (f" — {facts['Uittreksel']}" if self.is_extract else "")),
            ("Aanbieder", facts["Aanbieder"]),
            ("Periode", facts["Periode"]),
            ("Kolom vorige", f"{previous.label} ({previous.span_label})"
             + ("" if self.previous is not None else ": geen aanlevering beschikbaar, de kolom is leeg")),
            ("Aanlevering", f"{facts['Aanlevering']}, ontvangen {facts['Ontvangen']}"),
            ("Bescherming", facts["Bescherming"]),
            (".", "geheim: een klein aantal dat de bescherming verbergt (onder de CBS-regel 0 tot en met 7), of een "
                  "waarde die uit zo'n aantal is berekend"),
            ("- of leeg", "geen waarde: bijvoorbeeld geen vorige periode, of een gemiddelde zonder trajecten"),
            ("Getallen", "aantallen zijn gehele getallen; gemiddelden en medianen zijn afgerond op één decimaal, "
                         "zoals in het rapport; de CSV-bestanden gebruiken ; als scheidingsteken en de komma als "
                         "decimaalteken (UTF-8)"),
            ("Gemaakt met", facts["Gemaakt met"]),
        ]
        return context

    def summary_record(self, files: dict[str, str] | None = None, *, protected: bool = False) -> dict[str, Any]:
        """Aggregates for the batch manifest and index (exact counts of groups; no row values). ``protected``: the
        summary an extract's folder holds, with the protected counts and without the delivery's number of
        records."""
        f = self.findings
        record = {
            "kvk": self.kvk,
            "naam": self.naam,
            "periode": str(self.period),
            "gemeente": self.gemeente,
            "bescherming": self.protection,
            "levering": {
                "bestand": Path(self.source.path).name,
                "sha256": self.source.sha256,
                "ontvangen": self.meta.ontvangen.isoformat(),
                "correctie": self.meta.correctie,
                "records": self.source.rows,
            },
            "validatie": {
                "fouten": rules_with(f, "fout"),
                "waarschuwingen": rules_with(f, "waarschuwing"),
                "regels": sorted(f.codes()),
            },
            **(self.summary_extra_protected() if protected else self.summary_extra()),
            "tijden": self.timings,
            "bestanden": files or {},
        }
        if protected:
            del record["levering"]["records"]
        return record

    # --- helpers -------------------------------------------------------------------------------------------

    def status_callout(self) -> Callout:
        f = self.findings
        errors, warnings = rules_with(f, "fout"), rules_with(f, "waarschuwing")
        if self.is_extract:
            return self._extract_status_callout(errors, warnings)
        if errors:
            return Callout(
                f"Uitkomst van de validatie: {outcome_text(f, errors, warnings)}. Fouten maken de telling "
                "onjuist: corrigeer ze en herlever de hele periode.",
                kind="error",
                title="Validatie: fouten gevonden",
            )
        if warnings:
            return Callout(
                f"Geen fouten, wel {warning_text(f, warnings)}: controleer de genoemde rijen.",
                kind="warning",
                title="Validatie: waarschuwingen",
            )
        return Callout("De aanlevering voldoet aan alle controles.", kind="ok", title="Validatie: in orde")

    def _extract_status_callout(self, errors: int, warnings: int) -> Callout:
        """The validation outcome for a gemeente reader: how many controls found something in the provider's whole
        delivery, no counts of rows (the provider has the full report)."""
        if errors:
            return Callout(
                f"Bij de controle van de hele aanlevering van de aanbieder gaven {controles(errors)} een fout en "
                f"{controles(warnings)} een waarschuwing. Fouten kunnen de cijfers in dit uittreksel beïnvloeden. "
                "De aanbieder heeft het volledige rapport met de bevindingen en kan de aanlevering corrigeren.",
                kind="warning",
                title="Kwaliteit van de aanlevering",
            )
        if warnings:
            return Callout(
                f"Bij de controle van de hele aanlevering van de aanbieder gaven geen controles een fout en "
                f"{controles(warnings)} een waarschuwing. De aanbieder heeft het volledige rapport met de bevindingen.",
                kind="info",
                title="Kwaliteit van de aanlevering",
            )
        return Callout("De aanlevering van de aanbieder voldoet aan alle controles.", kind="ok",
                       title="Kwaliteit van de aanlevering")

    def previous_note(self) -> str:
        if self.previous is None:
            return f"Geen aanlevering van {self.period.previous().label} beschikbaar om mee te vergelijken."
        return (
            f"Vorige periode: aanlevering {Path(self.previous.path).name}, ontvangen "
            f"{fmt_datetime(self.previous.meta.ontvangen)}."
        )


#: Appended to the row numbers of a rule that names rows of the previous period's file (JH-C01).
PREVIOUS_FILE_MARK = " (vorig bestand)"


def detail_lines(findings: Any) -> list[str]:
    """The details the validation prints per finding (``spiegel validate``), for the report: the change per
    gemeente behind JH-C03, the unknown share behind JH-C04, the merger behind JH-V12, … (counts and codes only)."""
    lines = []
    for item in findings:
        if item.toelichting and item.bestand == "huidig":
            columns = f" ({cols_text(item.kolommen)})" if item.kolommen else ""
            lines.append(f"**{item.regel}**{columns}: {item.toelichting}")
    return list(dict.fromkeys(lines))


def readme_text(title: str, context: Sequence[tuple[str, str]]) -> str:
    """README.txt beside a report's CSV files: the tables' context, one line per item."""
    lines = [f"{title}: tabellen", "", *(f"{label}: {text}" for label, text in context), "",
             "De tabellen zijn beschreven in tabellen.xlsx (tabblad inhoud) en in de documentatie (docs/uitvoer.md)."]
    return "\r\n".join(lines) + "\r\n"


VALIDATION_TABLE_DESCRIPTION = (
    "Bevindingen van de validatie per regel: ernst, kolommen, aantal rijen, eerste rijnummers"
)


def rules_with(findings: Any, ernst: str) -> int:
    """Number of rules (not findings: one rule can give a finding per column or gemeente) of a severity."""
    return len({i.regel for i in findings if i.ernst == ernst})


def regels(n: int) -> str:
    return f"{fmt_int(n)} {'regel' if n == 1 else 'regels'}"


def controles(n: int) -> str:
    return f"{fmt_int(n)} {'controle' if n == 1 else 'controles'}"


def show(*items: Display) -> None:
    """Publish each item's MIME bundle as it is (``display(raw=True)``): the same output as ``display(item)``,
    without IPython asking each of its ten formatters about every object (about 3 % of a report in a batch).

    Outside IPython, ``display`` prints each item's plain text and makes no bundle, so no chart is drawn: the
    batch's forkserver builds a report's sections that way (spiegel.batch.warmup), and vl-convert's threads
    must not exist before a fork."""
    from IPython import get_ipython
    from IPython.display import display

    if get_ipython() is None:
        display(*items)
        return
    for item in items:
        data, metadata = item._repr_mimebundle_()
        display(data, raw=True, metadata=metadata)


def rows_text(rows: Sequence[int]) -> str:
    return ", ".join(str(int(r)) for r in rows)


def cols_text(cols: Sequence[str] | str) -> str:
    return cols if isinstance(cols, str) else ", ".join(cols)
