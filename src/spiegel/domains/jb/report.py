"""The jeugdbescherming spiegelrapport (SPEC §4.5): the shared GI report (:mod:`spiegel.domains.gi.report`) with
the maatregelen and the machtigingen uithuisplaatsing. Notebook: ``notebooks/jb.ipynb``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from spiegel.domains.gi import report as gi
from spiegel.formats import fmt_int, fmt_pct
from spiegel.present.display import Display, Heading, Paragraph
from spiegel.present.report import show as _show


@dataclass
class Report(gi.Report):
    FLOW_TABLES: ClassVar[dict[str, str]] = {"stromen": "Kinderbeschermingsmaatregelen",
                                             "machtigingen": "Machtigingen uithuisplaatsing"}
    DEFINITIONS: ClassVar[tuple[str, ...]] = (
        *gi.DEFINITIONS,
        "**Machtigingen**: 71 gesloten plaatsing (art. 6.1.2 Jeugdwet), 72 uithuisplaatsing (art. 1:265b BW), met "
        "dezelfde stromen als de maatregelen.",
        "**Duur**: datum einde − datum aanvang in dagen, alleen voor maatregelen die bij de eerste GI eindigden; na "
        "een overname staat apart de duur bij deze GI (vanaf datum overgedragen gekregen).",
        "**Leeftijd** op het einde bij de GI, uiterlijk de laatste dag van de periode.",
    )

    @property
    def title(self) -> str:
        return "Spiegelrapport jeugdbescherming"

    def intro(self) -> Paragraph:
        return Paragraph(
            "Dit rapport geeft de gecertificeerde instelling haar eigen aanlevering jeugdbescherming terug: de "
            "kinderbeschermingsmaatregelen (ondertoezichtstelling en voogdij) en de machtigingen uithuisplaatsing van "
            "het halfjaar, geteld zoals CBS ze telt — beginstand, instroom, uitstroom en eindstand per type en "
            "gemeente, met overdrachten tussen GI's, redenen van beëindiging, duur en leeftijd.",
            "Het rapport bevat alleen aantallen, codes en rijnummers; geen gegevens van jeugdigen.",
        )

    def uitsplitsingen(self) -> None:
        ots = gi._total(self.shown.table("ots_met_machtiging"))
        with_72, all_ots = ots["jongeren_eindstand"].tolist()
        share = fmt_pct(with_72 / all_ots) if isinstance(with_72, int) and isinstance(all_ots, int) and all_ots \
            else "."
        parts: list[Display] = [
            Heading("Reden beëindiging", level=3),
            self._breakdown("reden_beeindiging", "Beëindigde maatregelen per reden",
                            {"trajecten_beeindigd": "Trajecten", "jongeren_beeindigd": "Jongeren"},
                            note="(V)OTS met de codes 01–07, voogdij met 11–15."),
            self._breakdown("voorlopige_voogdij_gevolgd", "Voorlopige voogdij gevolgd door voogdij",
                            {"trajecten_beeindigd": "Trajecten", "jongeren_beeindigd": "Jongeren"}),
            *self._transfers_duration_age({"langer_dan_3_maanden": "VOTS langer dan 3 maanden"}),
            Heading("Machtiging uithuisplaatsing bij een (V)OTS", level=3),
            Paragraph(f"Van de {fmt_int(all_ots)} jongeren in de eindstand (V)OTS hebben er {fmt_int(with_72)} "
                      f"({share}) ook een machtiging uithuisplaatsing (72) in de eindstand."),
        ]
        _show(*parts)
