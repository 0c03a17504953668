"""Reporting periods: ``2025H1`` (half-year) and ``2025Q3`` (quarter), SPEC §2."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from spiegel.errors import ParameterError

_PATTERN = re.compile(r"^(\d{4})(H[12]|Q[1-4])$")


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period. Ordering follows time; ``str()`` gives the notation used everywhere."""

    year: int
    kind: str  # "H" or "Q"
    number: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PATTERN.match(str(text).strip().upper())
        if not match:
            raise ParameterError(
                f"periode {text!r} is niet geldig: gebruik JJJJH1, JJJJH2 of JJJJQ1 … JJJJQ4 (bijv. 2025H1)"
            )
        year, part = match.groups()
        return cls(int(year), part[0], int(part[1]))

    def __str__(self) -> str:
        return f"{self.year}{self.kind}{self.number}"

    @property
    def months(self) -> int:
        return 6 if self.kind == "H" else 3

    @property
    def first_day(self) -> date:
        return date(self.year, (self.number - 1) * self.months + 1, 1)

    @property
    def last_day(self) -> date:
        end_month = self.number * self.months
        if end_month == 12:
            return date(self.year, 12, 31)
        return date(self.year, end_month + 1, 1) - timedelta(days=1)

    def previous(self) -> Period:
        if self.number > 1:
            return Period(self.year, self.kind, self.number - 1)
        return Period(self.year - 1, self.kind, 12 // self.months)

    def next(self) -> Period:
        if self.number < 12 // self.months:
            return Period(self.year, self.kind, self.number + 1)
        return Period(self.year + 1, self.kind, 1)

    @property
    def label(self) -> str:
        """Dutch label for report text: ``1e halfjaar 2025``, ``3e kwartaal 2025``."""
        unit = "halfjaar" if self.kind == "H" else "kwartaal"
        return f"{self.number}e {unit} {self.year}"

    @property
    def span_label(self) -> str:
        """``01-01-2025 t/m 30-06-2025``."""
        return f"{format_date(self.first_day)} t/m {format_date(self.last_day)}"


def format_date(day: date) -> str:
    """Dutch date notation used in all report text: ``31-12-2025``."""
    return day.strftime("%d-%m-%Y")


def parse_periods(text: str) -> list[Period]:
    """``"2024H2,2025H1"`` → sorted periods; a range ``2024H1..2025H1`` is expanded."""
    periods: set[Period] = set()
    for part in (p.strip() for p in text.split(",") if p.strip()):
        if ".." in part:
            first, last = (Period.parse(x) for x in part.split("..", 1))
            if first.kind != last.kind or last < first:
                raise ParameterError(f"periodebereik {part!r} is niet geldig")
            current = first
            while current <= last:
                periods.add(current)
                current = current.next()
        else:
            periods.add(Period.parse(part))
    if not periods:
        raise ParameterError("geen periode opgegeven")
    return sorted(periods)
