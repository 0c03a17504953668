from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from spiegel.present.display import Paragraph, Table
from spiegel.present.report import Report as BaseReport
from spiegel.present.report import show


@dataclass
class Report(BaseReport):
    SECTIONS: ClassVar[tuple[str, ...]] = ("voorblad", "telling", "validatie")

    def intro(self) -> Paragraph:
        return Paragraph("Een testrapport: het telt de records van de levering.")

    def telling(self) -> None:
        show(Table(self.shown.table("telling"), "Telling", column_labels={"maat": "Maat", "aantal": "Aantal"},
                   total_label=None))
