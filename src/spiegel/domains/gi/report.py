"""The spiegelrapport of a gecertificeerde instelling (SPEC §4.5), shared by jeugdbescherming and jeugdreclassering:
stands and flows at this GI per type, the comparison with the GI's previous period, the breakdowns, per gemeente,
the validation outcome and the definitions. Each domain's ``report.py`` names its tables and texts
(:class:`Report` subclasses); the notebooks ``notebooks/jb.ipynb`` and ``notebooks/jr.ipynb`` are thin scripts::

    r = report.build(provider, period, deliveries, protection=protection, gemeente=gemeente, domain="jb")
    r.voorblad(); r.samenvatting(); r.stromen(); r.uitsplitsingen(); r.gemeenten(); r.validatie(); r.definities()
    r.exporteer(output_dir, table_formats)

Small numbers are exact for the GI itself (its own data, SPEC §8) and protected by policy ``cbs`` in an extract for
one gemeente; everything shown comes from the protected tables (``shown``). Nothing here shows a value from a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from spiegel import protect
from spiegel.count import TOTAAL
from spiegel.formats import fmt_int
from spiegel.present import charts
from spiegel.present.display import Callout, Display, KeyFigure, KeyFigures, Paragraph, Table
from spiegel.present.report import Report as BaseReport
from spiegel.present.report import show as _show

FLOW_COLUMNS = ("beginstand", "gestart", "overgedragen_gekregen", "beeindigd", "overgedragen", "eindstand",
                "lopend_laatste_dag")
FLOW_LABELS = {
    "label": "Type", "beginstand": "Beginstand", "instroom": "Instroom", "gestart": "Gestart",
    "overgedragen_gekregen": "Overgedragen gekregen", "uitstroom": "Uitstroom", "beeindigd": "Beëindigd",
    "overgedragen": "Overgedragen", "eindstand": "Eindstand", "lopend_laatste_dag": "Lopend op de laatste dag",
    "vorige": "Eindstand vorige periode", "verschil": "Verschil",
}
MAX_GEMEENTEN_SHOWN = 60
DEFINITIONS = (
    "**Start bij de GI** (s): de datum overgedragen gekregen als die gevuld is (overname), anders de datum aanvang. "
    "**Einde bij de GI** (t): de datum einde, anders de datum overgedragen, anders loopt de maatregel nog.",
    "**Beginstand**: s vóór de eerste dag en t leeg of op/na de eerste dag. **Instroom**: s in de periode "
    "(gestart of overgedragen gekregen). **Uitstroom**: t in de periode (beëindigd of overgedragen). "
    "**Eindstand**: s uiterlijk de laatste dag en t leeg of na de laatste dag.",
    "**Lopend op de laatste dag**: de eindstand plus de maatregelen die op de laatste dag eindigden; los van de "
    "rekensom beginstand + instroom − uitstroom = eindstand.",
    "**Trajecten** zijn records (één per jeugdige, type en start); **jongeren** zijn verschillende jeugdigen (BSN; "
    "anders geslacht, geboortedatum en postcode; elk ongeboren kind apart).",
    "**Gemeente**: uit de gemeentecode, anders de postcode van deze aanlevering; Onbekend als beide ontbreken.",
    "Een overdracht aan een andere GI telt hier als uitstroom en bij die GI als instroom: opgeteld over GI's zijn "
    "dit geen landelijke aantallen maatregelen.",
)


def _total(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the GI as a whole (in an extract for one gemeente: that gemeente's rows)."""
    codes = frame["gemeente"]
    whole = TOTAAL if (codes == TOTAAL).any() or codes.empty else codes.iloc[0]
    return frame[codes == whole].reset_index(drop=True)


@dataclass
class Report(BaseReport):
    """A GI report; subclasses set :attr:`FLOW_TABLES` (table → heading) and the texts."""

    SECTIONS: ClassVar[tuple[str, ...]] = ("voorblad", "samenvatting", "stromen", "uitsplitsingen", "gemeenten",
                                           "validatie", "definities")
    FLOW_TABLES: ClassVar[dict[str, str]] = {}
    UNIT: ClassVar[str] = "maatregelen"
    DEFINITIONS: ClassVar[tuple[str, ...]] = ()

    @property
    def has_previous(self) -> bool:
        return self.previous is not None

    # --- sections ------------------------------------------------------------------------------------------

    def samenvatting(self) -> None:
        stromen = _total(self.shown.table("stromen"))
        row = stromen.iloc[0]
        items = [KeyFigure("Beginstand", row["trajecten_beginstand"]),
                 KeyFigure("Instroom", row["trajecten_instroom"],
                           f"waarvan {fmt_int(row['trajecten_overgedragen_gekregen'])} overgedragen gekregen"),
                 KeyFigure("Uitstroom", row["trajecten_uitstroom"],
                           f"waarvan {fmt_int(row['trajecten_overgedragen'])} overgedragen"),
                 KeyFigure("Eindstand", row["trajecten_eindstand"],
                           f"vorige periode: {fmt_int(row['vorige_trajecten_eindstand'])}"
                           if "vorige_trajecten_eindstand" in stromen.columns else None),
                 KeyFigure("Jongeren in de eindstand", row["jongeren_eindstand"])]
        parts: list[Display] = [KeyFigures(items), Paragraph(
            f"Telling van de {self.UNIT} zoals deze GI ze uitvoerde: begin bij de GI is de datum aanvang of, na een "
            "overname, de datum overgedragen gekregen; einde bij de GI is de datum einde of de datum overgedragen. "
            "Voor de trajecten geldt: beginstand + instroom − uitstroom = eindstand. Een maatregel die op de "
            "laatste dag eindigt, telt in de uitstroom en niet in de eindstand; de regel *lopend op de laatste dag* "
            "telt hem wel mee en staat los van die rekensom."
        )]
        if self.has_previous:
            table = self.shown.table("stromen")
            totals = _total(table)
            data = pd.DataFrame({"label": totals["label"], "aantal": totals["trajecten_eindstand"],
                                 "vorige": totals["vorige_trajecten_eindstand"]})
            parts.append(Table(
                {"label": list(data["label"]), "aantal": list(data["aantal"]), "vorige": list(data["vorige"]),
                 "verschil": [protect.difference(a, b) for a, b in zip(data["aantal"], data["vorige"],
                                                                      strict=True)]},
                "Eindstand vergeleken met de vorige periode", columns=["label", "aantal", "vorige", "verschil"],
                column_labels={"label": "Type", "aantal": self.period.label,
                               "vorige": self.period.previous().label, "verschil": "Verschil"},
                total_label=None, note=self.previous_note()))
            parts.append(charts.comparison_chart(
                data, category="label", current="aantal", previous="vorige", current_label=self.period.label,
                previous_label=self.period.previous().label, title="Eindstand per type: deze en vorige periode",
                value_title=f"Aantal {self.UNIT}"))
        else:
            parts.append(Callout(self.previous_note(), kind="info"))
        _show(*parts)

    def stromen(self) -> None:
        parts: list[Display] = []
        for name, heading in self.FLOW_TABLES.items():
            totals = _total(self.shown.table(name))
            for unit, unit_label in (("trajecten", "trajecten"), ("jongeren", "jongeren")):
                data = {"label": list(totals["label"])}
                for column in FLOW_COLUMNS:
                    data[column] = list(totals[f"{unit}_{column}"])
                parts.append(Table(data, f"{heading}: {unit_label}", columns=["label", *FLOW_COLUMNS],
                                   column_labels=FLOW_LABELS, total_label=None,
                                   note=None if unit == "trajecten" else
                                   "Een jongere met meer records kan in meer kolommen tellen; de rekensom geldt "
                                   "alleen voor trajecten."))
            chart_data = {"label": list(totals["label"]),
                          **{c: list(totals[f"trajecten_{c}"]) for c in ("beginstand", "instroom", "uitstroom",
                                                                          "eindstand")}}
            parts.append(charts.flow_chart(chart_data, category="label",
                                           measures=["beginstand", "instroom", "uitstroom", "eindstand"],
                                           labels={k: FLOW_LABELS[k] for k in ("beginstand", "instroom",
                                                                                "uitstroom", "eindstand")},
                                           title=f"{heading}: begin, in, uit en eind",
                                           value_title=f"Aantal {self.UNIT}"))
        _show(*parts)

    def uitsplitsingen(self) -> None:
        raise NotImplementedError

    def gemeenten(self) -> None:
        table = self.shown.table("stromen")
        rows = table[(table["gemeente"] != TOTAAL) & (table["categorie"] == table["categorie"].iloc[0])]
        rows = rows.sort_values("gemeente", key=lambda s: s.eq("onbekend"), kind="stable")
        parts: list[Display] = []
        if len(rows) > MAX_GEMEENTEN_SHOWN:
            parts.append(Callout(f"{fmt_int(len(rows))} gemeenten: de tabel per gemeente staat in de XLSX en CSV.",
                                 kind="info"))
            rows = rows.head(0)
        data = {"label": list(rows["gemeentenaam"]),
                **{c: list(rows[f"trajecten_{c}"]) for c in ("beginstand", "instroom", "uitstroom", "eindstand")},
                "jongeren": list(rows["jongeren_eindstand"])}
        parts.append(Table(data, f"Totaal {self.UNIT} per gemeente (trajecten)",
                           columns=["label", "beginstand", "instroom", "uitstroom", "eindstand", "jongeren"],
                           column_labels={**FLOW_LABELS, "label": "Gemeente", "jongeren": "Jongeren eindstand"},
                           total_label=None,
                           note="De gemeente volgt uit de gemeentecode of de postcode in deze aanlevering "
                                "(woonplaatsbeginsel); een jongere die verhuisde telt de hele periode bij de "
                                "nieuwe gemeente."))
        _show(*parts)

    def definities(self) -> None:
        from spiegel.present.display import BulletList

        _show(BulletList(list(self.DEFINITIONS)))

    # --- helpers -------------------------------------------------------------------------------------------

    def _breakdown(self, name: str, title: str, columns: dict[str, str], note: str | None = None) -> Display:
        if name not in self.shown.tables:
            return Paragraph(f"{title}: alleen in het rapport van de GI als geheel, niet in een uittreksel per "
                             "gemeente.")
        totals = _total(self.shown.table(name))
        data: dict[str, Any] = {"label": list(totals["label"])}
        for column in columns:
            data[column] = list(totals[column])
        return Table(data, title, columns=["label", *columns], column_labels={"label": "", **columns},
                     total_label=None, note=note)

    def _transfers_duration_age(self, duration_extra: dict[str, str] | None = None) -> list[Display]:
        """The breakdowns both GI domains show: transfers between GIs, the duration of ended measures (with the
        domain's ``duration_extra`` columns) and age classes."""
        from spiegel.present.display import Heading

        return [
            Heading("Overdrachten tussen GI's", level=3),
            self._breakdown("overdrachten", "Overdrachten in de periode per type",
                            {"trajecten_overgedragen_gekregen": "Overgedragen gekregen",
                             "trajecten_overgedragen": "Overgedragen"}),
            Heading("Duur", level=3),
            self._breakdown("duur", "Duur van beëindigde maatregelen (dagen)",
                            {"duur_aantal": "Aantal", "duur_gemiddelde": "Gemiddeld", "duur_mediaan": "Mediaan",
                             "duur_bij_gi_aantal": "Na overname: aantal",
                             "duur_bij_gi_gemiddelde": "Na overname: gemiddeld bij deze GI",
                             **(duration_extra or {})}),
            Heading("Leeftijd", level=3),
            self._breakdown("leeftijd", "Instroom en eindstand per leeftijdsklasse",
                            {"trajecten_instroom": "Instroom", "trajecten_eindstand": "Eindstand",
                             "jongeren_eindstand": "Jongeren eindstand"}),
        ]

    def summary_extra(self) -> dict[str, Any]:
        """National totals for the batch index: exact counts per type (``stromen``) and transfers."""
        totals = _total(self.counts.table("stromen"))
        per_type = {str(r["categorie"]): {k: int(r[f"trajecten_{k}"]) for k in
                                          ("beginstand", "instroom", "gestart", "overgedragen_gekregen", "uitstroom",
                                           "beeindigd", "overgedragen", "eindstand")}
                    | {"label": str(r["label"])} for _, r in totals.iterrows()}
        return {"gi": {"domein": self.domain.name, "per_type": per_type, "grens": self._boundary_transfers()}}

    def _boundary_transfers(self) -> dict[str, dict[str, int]]:
        """Per type the records taken over on the period's first day and handed over on its last day: at GI level
        they are in neither stand (SPEC §4.5), at measure level they are in the beginstand resp. eindstand. Counted
        from the delivery file (the main record set; dates only, no identifiers)."""
        from spiegel.read import read_delivery

        if self.gemeente:
            return {}
        delivery = read_delivery(self.source.path, self.domain.layout(self.source.layout))
        records = delivery.sets.get(self.domain.name) or delivery.only
        frame = records.raw
        first, last = f"{self.period.first_day:%Y%m%d}", f"{self.period.last_day:%Y%m%d}"
        out: dict[str, dict[str, int]] = {}
        for code, part in frame.groupby("type_maatregel", sort=True):
            out[str(code)] = {"gekregen_eerste_dag": int((part["datum_overgedragen_gekregen"] == first).sum()),
                              "overgedragen_laatste_dag": int((part["datum_overgedragen"] == last).sum())}
        return out
