"""The jeugdhulp spiegelrapport as the notebook shows it, section by section (SPEC §6).

The notebook (``notebooks/jeugdhulp.ipynb``) stays a thin script::

    r = report.build(provider, period, deliveries, protection=protection, gemeente=gemeente)
    r.voorblad(); r.samenvatting(); r.gemeenten(); r.uitsplitsingen(); r.duur(); r.validatie(); r.definities()
    r.exporteer(output_dir, table_formats)

``spiegel.report.build`` reads, validates, counts and protects; this class adds the jeugdhulp sections to what
every domain's report has (:class:`spiegel.present.report.Report`). Nothing here ever shows a value from a
delivery row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from spiegel import codes, protect
from spiegel.count import column_lists as _lists
from spiegel.domains.jeugdhulp import count
from spiegel.domains.jeugdhulp.count import MEASURE_LABELS
from spiegel.formats import fmt_date, fmt_int
from spiegel.history import describe as describe_history
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
)
from spiegel.present.report import Report as BaseReport
from spiegel.present.report import show as _show

LEVEL_GROUPS = tuple(code for code, _ in count.hulpvorm_groups())
FLOW_MEASURES = count.MEASURES
# Decision: above this many gemeenten the per-gemeente detail (flows by hulpvorm, breakdowns) goes to the tables
# and the per-gemeente extracts instead of the report, which would run to a hundred pages and more.
DETAIL_MAX_GEMEENTEN = 25


@dataclass
class Report(BaseReport):
    """The jeugdhulp report: ``counts`` and ``shown`` are :class:`spiegel.domains.jeugdhulp.count.Counts`."""

    SECTIONS: ClassVar[tuple[str, ...]] = (
        "voorblad", "samenvatting", "gemeenten", "uitsplitsingen", "duur", "validatie", "definities",
    )

    @classmethod
    def holds_nothing(cls, counts: Any) -> bool:
        return count.is_empty(counts)

    def intro(self) -> Paragraph:
        if self.is_extract:
            name = codes.gemeente_name(self.gemeente, self.period.last_day)
            return Paragraph(
                f"Dit is het uittreksel voor de gemeente {name} uit het spiegelrapport van {self.naam}. Het toont "
                f"de trajecten jeugdhulp en de jongeren die deze aanbieder voor {self.period.label} aanleverde voor "
                "de Beleidsinformatie Jeugd, met deze gemeente als verantwoordelijke gemeente: in- en uitstroom "
                "en uitsplitsingen.",
                "Kleine aantallen zijn beveiligd (zie Bescherming hierboven). Het uittreksel bevat alleen "
                "afgeronde aantallen en codes; geen gegevens van personen.",
            )
        return Paragraph(
            "Dit spiegelrapport telt de eigen aanlevering van de aanbieder voor de Beleidsinformatie Jeugd: "
            "trajecten en jongeren per gemeente, met in- en uitstroom en uitsplitsingen. Het controleert "
            "ook of de aanlevering juist en volledig is, zodat de aanbieder kan herleveren waar nodig.",
            "Het rapport bevat alleen aantallen, codes en rijnummers; geen gegevens van personen.",
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
            if key not in row:  # an extract has no "Aantal gemeenten"
                continue
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
            Table(self.shown.summary, "Kerncijfers", columns=columns, column_labels=labels, note=self.previous_note(),
                  formats={"verschil": "signed"})
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
                "Trajecten per gemeente die verantwoordelijk is (woonplaatsbeginsel). Jongeren tellen één keer per "
                "gemeente. " + (
                    "Beginstand + instroom − uitstroom = eindstand." if self.protection == "exact" else
                    "De aantallen zijn afgerond (zie Bescherming), daardoor is beginstand + instroom − uitstroom "
                    "niet altijd precies de eindstand."
                ),
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
            if name == "nieuw_herhaald_enige":
                parts.append(Paragraph(self._herhaald_text()))
            if per_gemeente:
                parts.append(self._breakdown_by_gemeente(name, rows))
        if self._too_many_gemeenten():
            parts.append(self._detail_elsewhere_note())
        _show(*parts)

    def duur(self) -> None:
        duur = self.shown.duur
        table = duur[(duur["gemeente"] == "totaal") & duur["hulpvorm"].isin(LEVEL_GROUPS)]
        _show(
            Paragraph("Datum einde min datum aanvang, in dagen, van de trajecten die in de periode eindigden."),
            Table(
                table,
                "Duur in dagen per hulpvorm",
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
            "vóór de start eindigde, binnen vijf jaar. *Bij deze aanbieder*: eerdere jeugdhulp in de eigen "
            f"aanleveringen ({self._history_text()}). *Bij enige aanbieder*: eerdere jeugdhulp bij welke aanbieder "
            f"dan ook, zoals CBS herhaald beroep telt ({self._any_history_text()}).",
            f"**Bescherming**: {protect.describe_policy(self.protection)}",
        ]
        _show(BulletList(items))  # under the notebook's heading "Definities"

    # --- exports -------------------------------------------------------------------------------------------

    def export_tables(self) -> dict[str, pd.DataFrame]:
        s = self.shown
        return {
            "kerncijfers": s.summary,
            "stromen": s.flows.drop(columns=["omschrijving"]),
            "uitsplitsingen": s.breakdowns,
            "duur": s.duur.assign(**{c: s.duur[c].map(_one_decimal) for c in ("gemiddelde", "mediaan")}),
        }

    def summary_extra(self) -> dict[str, Any]:
        """The flows of the hulpvorm groups per gemeente (exact), for the index's national overview."""
        return {"stromen": _group_flows(self.counts.flows, int)}

    def summary_extra_protected(self) -> dict[str, Any]:
        """The same flows, protected (an extract's own summary): ints or ``"."``."""
        return {"stromen": _group_flows(self.shown.flows, lambda v: v if isinstance(v, str) else int(v))}

    def record_changes(self) -> pd.DataFrame | None:
        """Records added, removed and changed by the correction per gemeente, matched on the record key (SPEC
        §3.4); exact counts (the section protects them)."""
        if self.replaced is None:
            return None
        from spiegel.domains.jeugdhulp.facts import Facts
        from spiegel.domains.jeugdhulp.herlevering import record_changes

        table = record_changes(Facts(self.replaced.before, self.period), Facts(self.replaced.now, self.period))
        if self.gemeente:
            table = table[table["gemeente"].isin([self.gemeente, count.TOTAAL])].reset_index(drop=True)
        return table

    def flow_changes(self) -> list[Display]:
        """Trajecten and jongeren of all gemeenten, and trajecten per gemeente, before and after the correction."""
        if self.replaced is None:
            return []
        before, now = self.replaced.shown.flows, self.shown.flows
        key = ["gemeente", "hulpvorm"]
        measures = [*[f"trajecten_{m}" for m in FLOW_MEASURES], "jongeren_totaal"]
        total_before = before[(before["gemeente"] == "totaal") & (before["hulpvorm"] == "totaal")]
        total_now = now[(now["gemeente"] == "totaal") & (now["hulpvorm"] == "totaal")]
        labels = {**{f"trajecten_{m}": MEASURE_LABELS[m] for m in FLOW_MEASURES}, "jongeren_totaal": "Jongeren"}
        rows = []
        for m in measures:
            b = total_before[m].iloc[0] if len(total_before) else None
            n = total_now[m].iloc[0] if len(total_now) else None
            rows.append({"label": labels[m], "voor": b, "na": n, "verschil": protect.difference(n, b)})
        merged = now[now["hulpvorm"] == "totaal"][[*key, "gemeentenaam", "trajecten_totaal"]].merge(
            before[before["hulpvorm"] == "totaal"][[*key, "gemeentenaam", "trajecten_totaal"]],
            on=key, how="outer", suffixes=("_na", "_voor"))
        merged["gemeentenaam"] = merged["gemeentenaam_na"].fillna(merged["gemeentenaam_voor"])
        per_gemeente = pd.DataFrame({
            "gemeentenaam": merged["gemeentenaam"],
            "voor": [None if pd.isna(v) else v for v in merged["trajecten_totaal_voor"]],
            "na": [None if pd.isna(v) else v for v in merged["trajecten_totaal_na"]],
        })
        per_gemeente["verschil"] = [protect.difference(n, b) for n, b in zip(per_gemeente["na"], per_gemeente["voor"],
                                                                            strict=True)]
        cols = {"voor": "Vervangen aanlevering", "na": "Deze aanlevering", "verschil": "Verschil"}
        return [
            Table(pd.DataFrame(rows), "Trajecten en jongeren (alle gemeenten) voor en na de herlevering",
                  column_labels={"label": "Kengetal", **cols}, total_label=None),
            Table(per_gemeente, "Trajecten (totaal in de periode) per gemeente voor en na de herlevering",
                  column_labels={"gemeentenaam": "Gemeente", **cols}),
        ]

    def gemeente_tables(self) -> tuple[dict[str, str], dict[str, list[int]]]:
        """Exact trajecten (the four flows and the total), jongeren, and trajecten zonder and met verblijf per
        gemeente, for the gemeenteoverzicht; the row of all gemeenten and "onbekend" are left out."""
        columns = {f"trajecten_{m}": MEASURE_LABELS[m] for m in FLOW_MEASURES}
        columns["trajecten_totaal"] = "Trajecten totaal"
        columns.update({"jongeren_totaal": "Jongeren", "zonder_verblijf": "Zonder verblijf",
                        "met_verblijf": "Met verblijf"})
        rows = _lists(self.counts.flows, "gemeente", "hulpvorm", *[f"trajecten_{m}" for m in FLOW_MEASURES],
                      "jongeren_totaal")
        out: dict[str, list[int]] = {}
        verblijf: dict[tuple[str, str], int] = {}
        for i, (code, hulpvorm) in enumerate(zip(rows["gemeente"], rows["hulpvorm"], strict=True)):
            if code in (count.TOTAAL, count.ONBEKEND):
                continue
            if hulpvorm == "totaal":
                out[code] = [int(rows[f"trajecten_{m}"][i]) for m in FLOW_MEASURES] + [int(rows["jongeren_totaal"][i])]
            elif hulpvorm in ("zonder_verblijf", "met_verblijf"):
                verblijf[(code, hulpvorm)] = int(rows["trajecten_totaal"][i])
        for code, values in out.items():
            values += [verblijf.get((code, "zonder_verblijf"), 0), verblijf.get((code, "met_verblijf"), 0)]
        return columns, out

    # --- helpers -------------------------------------------------------------------------------------------

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

    def _any_history_text(self) -> str:
        meta = self.counts.youth_history
        if meta is None:
            return "de aanleveringen van andere aanbieders waren niet beschikbaar: alleen de eigen aanleveringen"
        return f"op basis van de aanleveringen die beschikbaar waren: {describe_history(meta)}"

    def _herhaald_text(self) -> str:
        return (
            "Herhaald beroep bij enige aanbieder telt ook eerdere jeugdhulp bij andere aanbieders mee en is "
            f"daarom minstens zo hoog als herhaald beroep bij deze aanbieder ({self._any_history_text()})."
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


def _one_decimal(value: Any) -> Any:
    """A mean or median as the report shows it (one decimal); ``.`` and missing values as they are."""
    return round(value, 1) if isinstance(value, float) and value == value else value


def _group_flows(flows: pd.DataFrame, cell: Any) -> list[dict[str, Any]]:
    """The trajectory flows of the hulpvorm groups per gemeente as records, each cell through ``cell``."""
    groups = flows[flows["hulpvorm"].isin(LEVEL_GROUPS)]
    counted = [c for c in count.FLOW_COLUMNS if c.startswith("trajecten")]
    columns = {c: groups[c].tolist() for c in ("gemeente", "hulpvorm", *counted)}  # itertuples: ~1 ms more
    return [
        {"gemeente": gemeente, "hulpvorm": hulpvorm, **{c: cell(columns[c][i]) for c in counted}}
        for i, (gemeente, hulpvorm) in enumerate(zip(columns["gemeente"], columns["hulpvorm"], strict=True))
    ]


@dataclass(frozen=True)
class _FlowLists:
    flows: pd.DataFrame  # the table the lists were read from
    rows: dict[str, list]  # column → values, in the order of the flows table
    per_gemeente: dict[str, list[int]]  # gemeente code → its rows' positions


