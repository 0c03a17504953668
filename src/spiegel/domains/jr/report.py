"""The jeugdreclassering spiegelrapport (SPEC §4.5): the shared GI report (:mod:`spiegel.domains.gi.report`) with
the jeugdreclassering (41–63) and, as a table of its own, the preventief justitieel kader (31). Notebook:
``notebooks/jr.ipynb``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from spiegel.domains.gi import report as gi
from spiegel.present.display import Display, Heading, Paragraph
from spiegel.present.report import show as _show


@dataclass
class Report(gi.Report):
    FLOW_TABLES: ClassVar[dict[str, str]] = {"stromen": "Jeugdreclassering",
                                             "stromen_pjk": "Preventief justitieel kader"}
    DEFINITIONS: ClassVar[tuple[str, ...]] = (
        *gi.DEFINITIONS,
        "**Preventief justitieel kader** (type 31) is geen jeugdreclassering en telt niet mee in het totaal "
        "jeugdreclassering; het staat in een eigen tabel.",
        "**Bij einde** (beëindigde jeugdreclassering 41–63): het dynamisch risicoprofiel vergeleken met de start, "
        "doorverwijzing naar zorg en of een erkende interventie is ingezet (aandeel ja van ja + nee).",
        "**Leeftijd** op het einde bij de GI, uiterlijk de laatste dag van het kwartaal.",
    )
    UNIT: ClassVar[str] = "maatregelen"

    @property
    def title(self) -> str:
        return "Spiegelrapport jeugdreclassering"

    def intro(self) -> Paragraph:
        return Paragraph(
            "Dit rapport geeft de gecertificeerde instelling haar eigen aanlevering jeugdreclassering van het "
            "kwartaal terug, geteld zoals CBS die telt: beginstand, instroom, uitstroom en eindstand per type en "
            "gemeente, met overdrachten tussen GI's, de uitkomsten bij einde, duur en leeftijd. Het preventief "
            "justitieel kader staat apart.",
            "Het rapport bevat alleen aantallen, codes en rijnummers; geen gegevens van jeugdigen.",
        )

    def uitsplitsingen(self) -> None:
        parts: list[Display] = [
            Heading("Bij einde van de jeugdreclassering", level=3),
            self._breakdown("einde", "Risicoprofiel, doorverwijzing en erkende interventie bij einde",
                            {"trajecten_beeindigd": "Trajecten", "jongeren_beeindigd": "Jongeren"}),
            self._breakdown("reden_beeindiging", "Beëindigd preventief justitieel kader per reden",
                            {"trajecten_beeindigd": "Trajecten", "jongeren_beeindigd": "Jongeren"}),
            *self._transfers_duration_age(),
        ]
        _show(*parts)
