"""The jeugdhulp spiegelrapport as the notebook shows it: one object that gathers the delivery, its validation
and its counts, and returns display objects section by section.

The notebook (``notebooks/jeugdhulp.ipynb``) stays a thin script::

    r = report.build(provider, period, deliveries, protection=protection, gemeente=gemeente)
    r.voorblad(); r.samenvatting(); r.gemeenten(); r.uitsplitsingen(); r.duur(); r.validatie(); r.definities()
    r.exporteer(output_dir, table_formats)

Protection of small numbers (SPEC §8) is applied once, in :func:`build`, to the exact counts; everything shown
or exported comes from the protected tables. Nothing here ever shows a value from a delivery row.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spiegel import __version__, codes, count, protect
from spiegel import deliveries as store
from spiegel.count import MEASURE_LABELS, Counts
from spiegel.deliveries import DeliveryMeta, DeliveryRef
from spiegel.errors import InputError, ParameterError
from spiegel.periods import Period
from spiegel.present import charts
from spiegel.present.display import (
    BulletList,
    Callout,
    Display,
    Heading,
    KeyFigure,
    KeyFigures,
    Paragraph,
    Stack,
    Table,
    Title,
)
from spiegel.present.numbers import fmt_date, fmt_datetime, fmt_int
from spiegel.read import Delivery, SourceInfo, read_delivery

LEVEL_GROUPS = ("totaal", "zonder_verblijf", "wijkteam", "niet_wijkteam", "met_verblijf")
FLOW_MEASURES = ("beginstand", "instroom", "uitstroom", "eindstand", "totaal")
SUMMARY_FILE = "samenvatting.json"
# Decision: above this many gemeenten the per-gemeente detail (flows by hulpvorm, breakdowns) goes to the tables
# and the per-gemeente extracts instead of the report, which would run to a hundred pages and more.
DETAIL_MAX_GEMEENTEN = 25


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

    # --- sections ------------------------------------------------------------------------------------------

    def voorblad(self) -> None:
        title = "Spiegelrapport jeugdhulp"
        if self.gemeente:
            title += f" — gemeente {codes.gemeente_name(self.gemeente, self.period.last_day)}"
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
        if self.gemeente:
            facts["Uittreksel"] = (
                f"alleen gemeente {self.gemeente} ({codes.gemeente_name(self.gemeente, self.period.last_day)})"
            )
        _show(
            Title(
                title,
                f"{self.naam} · {self.period.label}",
                facts=facts,
                header=f"Spiegelrapport jeugdhulp · {self.naam} · {self.period.label}",
            ),
            Paragraph(
                "Dit spiegelrapport telt de eigen aanlevering van de aanbieder voor de Beleidsinformatie Jeugd: "
                "trajecten en jongeren per gemeente, met in- en uitstroom en uitsplitsingen. Het controleert "
                "ook of de aanlevering juist en volledig is, zodat de aanbieder kan herleveren waar nodig.",
                "Het rapport bevat alleen aantallen, codes en rijnummers; geen gegevens van personen.",
            ),
            self._status_callout(),
        )

    def samenvatting(self) -> None:
        summary = _lists(self.shown.summary, "kengetal", "label", "waarde", "vorige")
        row = {kengetal: i for i, kengetal in enumerate(summary["kengetal"])}
        prev = self.counts.has_previous
        items = []
        for key in (
            "trajecten_totaal",
            "trajecten_instroom",
            "trajecten_uitstroom",
            "trajecten_eindstand",
            "jongeren_totaal",
            "gemeenten",
        ):
            i = row[key]
            detail = f"vorige periode: {fmt_int(summary['vorige'][i])}" if prev else None
            items.append(KeyFigure(summary["label"][i], summary["waarde"][i], detail))
        flows = self._flow_lists()
        totals = [i for i in flows.per_gemeente["totaal"] if flows.rows["hulpvorm"][i] in LEVEL_GROUPS]
        parts: list[Display] = [
            KeyFigures(items),
            charts.flow_chart(
                {"label": [flows.rows["label"][i] for i in totals],
                 **{m: [flows.rows[f"trajecten_{m}"][i] for i in totals] for m in FLOW_MEASURES}},
                category="label",
                title="Trajecten naar hulpvorm: begin, instroom, uitstroom en eind",
            ),
        ]
        columns = ["label", "waarde"] + (["vorige", "verschil"] if prev else [])
        labels = {
            "label": "Kengetal",
            "waarde": self.period.label,
            "vorige": self.period.previous().label,
            "verschil": "Verschil",
        }
        parts.append(
            Table(self.shown.summary, "Kerncijfers", columns=columns, column_labels=labels, note=self._previous_note())
        )
        _show(*parts)

    def gemeenten(self) -> None:
        """The compact table across gemeenten, then the detail per gemeente (flows by hulpvorm)."""
        flows = self._flow_lists()
        compact = [i for i, hulpvorm in enumerate(flows.rows["hulpvorm"]) if hulpvorm == "totaal"]
        columns = ["gemeentenaam", "gemeente", *[f"trajecten_{m}" for m in FLOW_MEASURES], "jongeren_totaal"]
        table = {c: [flows.rows[c][i] for i in compact] for c in columns}
        table["gemeente"] = [code if code != "totaal" else "" for code in table["gemeente"]]
        labels = {
            "gemeentenaam": "Gemeente",
            "gemeente": "Code",
            **{f"trajecten_{m}": MEASURE_LABELS[m] for m in FLOW_MEASURES},
            "jongeren_totaal": "Jongeren",
        }
        parts: list[Display] = [
            Paragraph(
                "Trajecten per gemeente die verantwoordelijk is (woonplaatsbeginsel). Beginstand + instroom − "
                "uitstroom = eindstand; jongeren tellen één keer per gemeente.",
            ),
            Table(table, "Trajecten en jongeren per gemeente", columns=columns, column_labels=labels),
        ]
        if len(compact) > 2:
            shown = [j for j, code in enumerate(table["gemeente"]) if code != ""]
            parts.append(
                charts.top_chart(
                    {c: [table[c][j] for j in shown] for c in ("gemeentenaam", "trajecten_totaal")},
                    category="gemeentenaam",
                    value="trajecten_totaal",
                    title="Trajecten per gemeente (grootste)",
                )
            )
        _show(*parts)
        if self._too_many_gemeenten():
            _show(self._detail_elsewhere_note())
            return
        blocks: list[Display] = []
        for code, name in self.shown.gemeenten.itertuples(index=False):
            if code == "totaal":
                continue
            blocks.append(Heading(f"{name} ({code})" if code != "onbekend" else name, level=3))
            blocks.append(self._flow_table(flows.rows, flows.per_gemeente[code]))
        if blocks:
            _show(Stack(*blocks))

    def uitsplitsingen(self) -> None:
        parts: list[Display] = []
        per_gemeente = len(self.shown.gemeenten) > 2 and not self._too_many_gemeenten()
        for name in count.DIMENSIONS:
            rows = _lists(self.shown.breakdown(name), "gemeente", "titel", "basis", "categorie", "label",
                          "trajecten", "jongeren")
            total = [i for i, gemeente in enumerate(rows["gemeente"]) if gemeente == "totaal"]
            titel, basis = rows["titel"][total[0]], count.BASIS_LABELS[rows["basis"][total[0]]]
            trajecten = [rows["trajecten"][i] for i in total]
            parts.append(
                Table(
                    {
                        "label": [rows["label"][i] for i in total],
                        "trajecten": trajecten,
                        "aandeel": [protect.share(t, trajecten[0]) for t in trajecten],
                        "jongeren": [rows["jongeren"][i] for i in total],
                    },
                    f"{titel} ({basis})",
                    column_labels={"label": titel, "trajecten": "Trajecten", "aandeel": "Aandeel",
                                   "jongeren": "Jongeren"},
                    formats={"aandeel": "pct"},
                )
            )
            if per_gemeente:
                parts.append(self._breakdown_by_gemeente(name, rows))
        if self._too_many_gemeenten():
            parts.append(self._detail_elsewhere_note())
        _show(*parts)

    def duur(self) -> None:
        duur = self.shown.duur
        table = duur[(duur["gemeente"] == "totaal") & duur["hulpvorm"].isin(LEVEL_GROUPS)]
        _show(
            Paragraph("Duur van beëindigde trajecten: datum einde min datum aanvang, in dagen."),
            Table(
                table,
                "Duur van beëindigde trajecten (dagen)",
                columns=["label", "trajecten", "gemiddelde", "mediaan"],
                column_labels={
                    "label": "Hulpvorm",
                    "trajecten": "Beëindigd",
                    "gemiddelde": "Gemiddeld",
                    "mediaan": "Mediaan",
                },
                formats={"gemiddelde": "decimal", "mediaan": "decimal"},
            ),
        )

    def validatie(self) -> None:
        f = self.findings
        parts: list[Display] = [self._status_callout()]
        table = f.summary()
        if len(table):
            table = table.assign(rijen=table["rijen"].map(_rows_text), kolommen=table["kolommen"].map(_cols_text))
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
                    note="Rijnummers zijn die in het aangeleverde bestand (kopregel = rij 1); bij regels die met de "
                    "vorige aanlevering vergelijken staat erbij als het om rijen in dat bestand gaat.",
                )
            )
            advice = [f"**{r.regel}** {r.advies}" for r in table.drop_duplicates("regel").itertuples() if r.advies]
            if advice:
                parts.append(BulletList(advice, title="Wat te corrigeren vóór herlevering"))
        skipped = getattr(f, "niet_uitgevoerd", [])
        if skipped:
            parts.append(BulletList([f"{code}: {why}" for code, why in skipped], title="Niet uitgevoerde controles"))
        _show(*parts)

    def definities(self) -> None:
        last = fmt_date(self.period.last_day)
        items = [f"**{MEASURE_LABELS[m]}**: {count.MEASURE_DESCRIPTIONS[m]}." for m in FLOW_MEASURES]
        items += [
            "**Jongeren**: verschillende jongeren, op BSN; zonder bekend BSN op geslacht, geboortedatum en postcode. "
            "Een jongere telt één keer in elke cel waar hij of zij in valt, dus rijen kunnen optellen tot meer dan "
            "het totaal.",
            f"**Gemeente**: de verantwoordelijke gemeente, uit de gemeentecode of anders uit de postcode, met de "
            f"codes die geldig zijn op {last}; een code van een inmiddels opgeheven gemeente telt bij de opvolger.",
            "**Leeftijd**: op de laatste dag dat het traject in de periode liep.",
            "**Duur**: datum einde min datum aanvang in dagen, voor beëindigde trajecten.",
            "**Herhaald beroep**: een gestart traject van een jongere die eerder jeugdhulp had die minstens één dag "
            f"vóór de start eindigde, binnen vijf jaar ({self._history_text()}).",
            f"**Bescherming**: {protect.describe_policy(self.protection)}",
        ]
        _show(BulletList(items, title="Definities"))

    # --- exports -------------------------------------------------------------------------------------------

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report, protected, in the layout of ``docs/uitvoer.md``."""
        s = self.shown
        return {
            "kerncijfers": s.summary,
            "stromen": s.flows.drop(columns=["omschrijving"]),
            "uitsplitsingen": s.breakdowns,
            "duur": s.duur,
            "validatie": self.findings.summary().assign(
                rijen=lambda t: t["rijen"].map(_rows_text), kolommen=lambda t: t["kolommen"].map(_cols_text)
            ),
        }

    def exporteer(self, output_dir: str | Path | None, table_formats: Sequence[str] = ("xlsx", "csv")) -> None:
        """Write the tables (XLSX and/or CSV) and ``samenvatting.json`` to ``output_dir``; nothing when None."""
        if not output_dir:
            return
        from spiegel.export import write_csvs, write_xlsx
        from spiegel.io import write_text_atomic

        out = Path(output_dir)
        tables = self.tables() if {"xlsx", "csv"} & set(table_formats) else {}
        files: dict[str, str] = {}
        if "xlsx" in table_formats:
            write_xlsx(tables, out / "tabellen.xlsx", descriptions=TABLE_DESCRIPTIONS)
            files["xlsx"] = "tabellen.xlsx"
        if "csv" in table_formats:
            write_csvs(tables, out / "tabellen")
            files["csv"] = "tabellen"
        write_text_atomic(out / SUMMARY_FILE, json.dumps(self.summary_record(files), indent=1, ensure_ascii=False))

    def summary_record(self, files: dict[str, str] | None = None) -> dict[str, Any]:
        """Aggregates for the batch manifest and index (exact counts of groups; no row values)."""
        f = self.findings
        flows = self.counts.flows
        groups = flows[flows["hulpvorm"].isin(LEVEL_GROUPS)]
        counted = [c for c in count.FLOW_COLUMNS if c.startswith("trajecten")]
        columns = {c: groups[c].tolist() for c in ("gemeente", "hulpvorm", *counted)}  # itertuples: ~1 ms more
        return {
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
                "fouten": _rules_with(f, "fout"),
                "waarschuwingen": _rules_with(f, "waarschuwing"),
                "regels": sorted(f.codes()),
            },
            "stromen": [
                {"gemeente": gemeente, "hulpvorm": hulpvorm, **{c: int(columns[c][i]) for c in counted}}
                for i, (gemeente, hulpvorm) in enumerate(zip(columns["gemeente"], columns["hulpvorm"], strict=True))
            ],
            "tijden": self.timings,
            "bestanden": files or {},
        }

    # --- helpers -------------------------------------------------------------------------------------------

    def _status_callout(self) -> Callout:
        f = self.findings
        errors, warnings = _rules_with(f, "fout"), _rules_with(f, "waarschuwing")
        if errors:
            return Callout(
                f"De aanlevering overtreedt {_regels(errors)} met een fout en {_regels(warnings)} met een "
                "waarschuwing. Fouten maken de telling onjuist: corrigeer ze en herlever de hele periode.",
                kind="error",
                title="Validatie: fouten gevonden",
            )
        if warnings:
            return Callout(
                f"Geen fouten, wel {_regels(warnings)} met een waarschuwing: controleer de genoemde rijen.",
                kind="warning",
                title="Validatie: waarschuwingen",
            )
        return Callout("De aanlevering voldoet aan alle controles.", kind="ok", title="Validatie: in orde")

    def _too_many_gemeenten(self) -> bool:
        return len(self.shown.gemeenten) - 1 > DETAIL_MAX_GEMEENTEN  # minus the total row

    def _detail_elsewhere_note(self) -> Callout:
        n = len(self.shown.gemeenten) - 1
        return Callout(
            f"Deze aanbieder werkt voor {fmt_int(n)} gemeenten. De uitsplitsing per gemeente (naar hulpvorm en per "
            "kenmerk) staat daarom niet in dit rapport maar in tabellen.xlsx (tabbladen stromen en uitsplitsingen) "
            "en in het uittreksel per gemeente (spiegel report --gemeente CODE).",
            kind="info",
            title="Detail per gemeente",
        )

    def _flow_lists(self) -> _FlowLists:
        """The protected flows as column lists, with the rows of each gemeente (made once per ``shown``)."""
        cached = self.__dict__.get("_flow_lists_cache")
        if cached is None or cached.flows is not self.shown.flows:
            columns = ("gemeente", "gemeentenaam", "hulpvorm", "label", "soort", "ouder", "niveau",
                       *[f"trajecten_{m}" for m in FLOW_MEASURES], "jongeren_totaal")
            rows = _lists(self.shown.flows, *columns)
            per_gemeente: dict[str, list[int]] = {}
            for i, code in enumerate(rows["gemeente"]):
                per_gemeente.setdefault(code, []).append(i)
            cached = self.__dict__["_flow_lists_cache"] = _FlowLists(self.shown.flows, rows, per_gemeente)
        return cached

    def _flow_table(self, rows: dict[str, list], positions: list[int]) -> Table:
        # A hulpvorm that is its group's only member under the same label (Wijkteam) is shown once; hulpvormen
        # with nothing in any flow are left out. From Python lists: a handful of pandas calls per gemeente cost
        # more than the rest of the table.
        hulpvorm, label, soort, ouder, niveau = (
            [rows[c][i] for i in positions] for c in ("hulpvorm", "label", "soort", "ouder", "niveau")
        )
        flows = [[rows[f"trajecten_{m}"][i] for i in positions] for m in FLOW_MEASURES]
        parent_label = dict(zip(hulpvorm, label, strict=True))
        keep = [
            i for i in range(len(hulpvorm))
            if soort[i] != "hulpvorm"
            or (parent_label.get(ouder[i]) != label[i] and any(column[i] != 0 for column in flows))
        ]
        table = {"label": ["\u2003" * int(niveau[i]) + str(label[i]) for i in keep]}
        for m, column in zip(FLOW_MEASURES, flows, strict=True):
            table[f"trajecten_{m}"] = [column[i] for i in keep]
        table["jongeren_totaal"] = [rows["jongeren_totaal"][positions[i]] for i in keep]
        labels = {
            "label": "Hulpvorm",
            **{f"trajecten_{m}": MEASURE_LABELS[m] for m in FLOW_MEASURES},
            "jongeren_totaal": "Jongeren",
        }
        return Table(table, None, column_labels=labels, total_label="Totaal jeugdhulp")

    def _breakdown_by_gemeente(self, name: str, rows: dict[str, list]) -> Table:
        """Trajecten of one breakdown per gemeente: a row per gemeente (report order), a column per category.
        Built from Python lists (``rows``: the breakdown's columns): a pivot and MultiIndex selections per
        breakdown cost ~8 ms a table."""
        gemeente, categorie, label, trajecten = (rows[c] for c in ("gemeente", "categorie", "label", "trajecten"))
        present = set(categorie)
        order = [c for c in count.category_order(name) if c in present]
        cells = dict(zip(zip(gemeente, categorie, strict=True), trajecten, strict=True))
        table = [[naam, *(cells.get((code, c)) for c in order)] for code, naam in self.shown.gemeenten.itertuples(
            index=False)]
        labels = dict(zip(categorie, label, strict=True))
        labels.update({"gemeentenaam": "Gemeente", "totaal": "Totaal"})
        return Table(
            pd.DataFrame(table, columns=["gemeentenaam", *order]),
            f"{rows['titel'][0]} per gemeente (trajecten)",
            columns=["gemeentenaam", *order],
            column_labels=labels,
        )

    def _previous_note(self) -> str:
        if self.previous is None:
            return f"Geen aanlevering van {self.period.previous().label} beschikbaar om mee te vergelijken."
        return (
            f"Vorige periode: aanlevering {Path(self.previous.path).name}, ontvangen "
            f"{fmt_datetime(self.previous.meta.ontvangen)}."
        )

    def _history_text(self) -> str:
        n = self.counts.history_periods_available
        if n == 0:
            return (
                "er waren geen eerdere aanleveringen beschikbaar, dus alle gestarte trajecten tellen als nieuw "
                "tenzij deze aanlevering zelf een eerder traject laat zien"
            )
        if n == 1:
            return "op basis van de ene eerdere periode die beschikbaar was"
        return f"op basis van {n} eerdere perioden die beschikbaar waren"


TABLE_DESCRIPTIONS = {
    "kerncijfers": "Kerncijfers van de periode, met de vorige periode en het verschil",
    "stromen": "Per gemeente en hulpvorm: trajecten en jongeren, beginstand, instroom, uitstroom, eindstand, totaal",
    "uitsplitsingen": "Per gemeente en uitsplitsing (verwijzer, geslacht, leeftijd, reden beëindiging, crisis, "
    "nieuw/herhaald): trajecten en jongeren per categorie",
    "duur": "Per gemeente en hulpvorm: beëindigde trajecten, gemiddelde en mediane duur in dagen",
    "validatie": "Bevindingen van de validatie per regel: ernst, kolommen, aantal rijen, eerste rijnummers",
}


def _rules_with(findings: Any, ernst: str) -> int:
    """Number of rules (not findings: one rule can give a finding per column or gemeente) of a severity."""
    return len({i.regel for i in findings if i.ernst == ernst})


def _regels(n: int) -> str:
    return f"{fmt_int(n)} {'regel' if n == 1 else 'regels'}"


def _show(*items: Display) -> None:
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


@dataclass(frozen=True)
class _FlowLists:
    flows: pd.DataFrame  # the table the lists were read from
    rows: dict[str, list]  # column → values, in the order of the flows table
    per_gemeente: dict[str, list[int]]  # gemeente code → its rows' positions


def _lists(frame: pd.DataFrame, *columns: str) -> dict[str, list]:
    """Columns of a frame as Python lists (a section builds its tables from these: a pandas selection, filter
    or assign costs ~0.1–0.5 ms each on a few rows)."""
    return {c: frame[c].tolist() for c in columns}


def _rows_text(rows: Sequence[int]) -> str:
    return ", ".join(str(int(r)) for r in rows)


def _cols_text(cols: Sequence[str] | str) -> str:
    return cols if isinstance(cols, str) else ", ".join(cols)


def _read_optional(ref: DeliveryRef | None) -> Delivery | None:
    """An earlier delivery for comparison; an unreadable one is left out (its own report says why)."""
    if ref is None:
        return None
    try:
        return read_delivery(ref.path, ref.meta.indeling)
    except InputError:
        return None


def resolve_deliveries(deliveries: str | Path | None) -> Path:
    if deliveries in (None, ""):
        from spiegel.sample import DELIVERIES

        return DELIVERIES
    return Path(deliveries)


def build(
    provider: str,
    period: str,
    deliveries: str | Path | None = None,
    *,
    protection: str = "exact",
    gemeente: str | None = None,
) -> Report:
    """Read, validate, count and protect one provider's delivery for one period."""
    from spiegel.validate import validate

    clock = time.perf_counter()
    timings: dict[str, float] = {}
    per = Period.parse(period)
    root = resolve_deliveries(deliveries)
    protect.get_policy(protection)
    if gemeente is not None and gemeente not in codes.valid_codes(per.last_day):
        raise ParameterError(f"gemeente {gemeente} bestaat niet op {fmt_date(per.last_day)}")
    ref = store.current_delivery(root, per, provider)
    if ref is None:
        raise InputError(root / str(per) / provider, f"geen aanlevering gevonden voor {per} van KvK {provider}")
    delivery = read_delivery(ref.path, ref.meta.indeling)
    history_refs = store.history(root, provider, per)
    history = [(r, d) for r, d in ((r, _read_optional(r)) for r in history_refs) if d is not None]
    previous_ref, previous = next(((r, d) for r, d in history if r.meta.periode == str(per.previous())), (None, None))
    timings["lezen"] = _lap(clock)

    clock = time.perf_counter()
    findings = validate(delivery, per, previous=previous, meta=ref.meta)
    timings["valideren"] = _lap(clock)

    clock = time.perf_counter()
    prepared = count.prepare(delivery.frame, per, history=[d.frame for _, d in history])
    prev_prepared = None
    if previous is not None:
        older = [d.frame for r, d in history if Period.parse(r.meta.periode) < per.previous()]
        prev_prepared = count.prepare(previous.frame, per.previous(), history=older)
    if gemeente is not None:
        prepared = _only_gemeente(prepared, gemeente)
        prev_prepared = _only_gemeente(prev_prepared, gemeente) if prev_prepared is not None else None
    exact = count.count(prepared, per, previous=prev_prepared)
    shown = protect.protect_counts(exact, protection)
    timings["tellen"] = _lap(clock)
    return Report(
        kvk=provider,
        naam=ref.meta.naam,
        period=per,
        meta=ref.meta,
        source=delivery.source,
        protection=protection,
        gemeente=gemeente,
        findings=findings,
        counts=exact,
        shown=shown,
        previous=previous_ref,
        timings=timings,
    )


def _only_gemeente(prepared: pd.DataFrame, gemeente: str) -> pd.DataFrame:
    out = prepared[prepared["gemeente"].to_numpy() == gemeente]
    out.attrs.update(prepared.attrs)
    return out


def _lap(start: float) -> float:
    return round(time.perf_counter() - start, 4)
