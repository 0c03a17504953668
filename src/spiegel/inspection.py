"""What a delivery looks like, in aggregates only (for ``spiegel inspect`` and the report's front page)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from spiegel.periods import Period
from spiegel.read import ROW, Delivery

_DELIMITER_NAMES = {";": "puntkomma", ",": "komma"}


@dataclass(frozen=True)
class Description:
    path: str
    format: str
    encoding: str | None
    delimiter: str | None
    layout: str
    protocolversie: str
    rows: int
    sha256: str
    empty_per_column: dict[str, int]
    periods_aanvang: dict[str, int]
    periods_einde: dict[str, int]
    rows_per_set: dict[str, int] = field(default_factory=dict)  # layouts of several record sets
    periods_per_date: dict[str, dict[str, int]] = field(default_factory=dict)  # "set: column" → period → rows


def _period_counts(dates: pd.Series) -> dict[str, int]:
    dates = dates.dropna()
    if dates.empty:
        return {}
    half = (dates.dt.month > 6).map({False: "H1", True: "H2"})
    labels = dates.dt.year.astype(str) + half
    counts = labels.value_counts().sort_index()
    return {str(k): int(v) for k, v in counts.items()}


def describe(delivery: Delivery) -> Description:
    if len(delivery.sets) > 1:
        return _describe_sets(delivery)
    raw = delivery.raw.drop(columns=[ROW])
    src = delivery.source
    return Description(
        path=src.path,
        format=src.format,
        encoding=src.encoding,
        delimiter=src.delimiter,
        layout=src.layout,
        protocolversie=src.protocolversie,
        rows=src.rows,
        sha256=src.sha256,
        empty_per_column={c: int((raw[c] == "").sum()) for c in raw.columns},
        periods_aanvang=_period_counts(delivery.frame["datum_aanvang"]),
        periods_einde=_period_counts(delivery.frame["datum_einde"]),
    )


def _describe_sets(delivery: Delivery) -> Description:
    """A delivery of several record sets: rows per set, empty values per ``set: column`` and the periods of every
    date column (type ``datum``) of each set."""
    src = delivery.source
    empty: dict[str, int] = {}
    periods: dict[str, dict[str, int]] = {}
    for name, part in delivery.sets.items():
        for column in part.layout.kolommen:
            empty[f"{name}: {column.naam}"] = int((part.raw[column.naam] == "").sum())
            if column.type == "datum":
                periods[f"{name}: {column.naam}"] = _period_counts(part.frame[column.naam])
    return Description(
        path=src.path, format=src.format, encoding=src.encoding, delimiter=src.delimiter, layout=src.layout,
        protocolversie=src.protocolversie, rows=src.rows, sha256=src.sha256, empty_per_column=empty,
        periods_aanvang={}, periods_einde={}, rows_per_set={n: len(s) for n, s in delivery.sets.items()},
        periods_per_date=periods,
    )


def format_description(d: Description) -> str:
    from spiegel.formats import fmt_int

    fmt_names = {"csv": "CSV", "xlsx": "Excel (XLSX)", "xls": "Excel (XLS)", "vast": "vaste breedte"}
    lines = [
        f"Bestand:         {d.path}",
        f"Formaat:         {fmt_names.get(d.format, d.format)}",
        f"Codering:        {d.encoding or 'n.v.t. (Excel)'}",
        f"Scheidingsteken: {_DELIMITER_NAMES.get(d.delimiter or '', 'n.v.t.')}",
        f"Indeling:        {d.layout} (protocolversie {d.protocolversie})",
        f"Records:         {fmt_int(d.rows)}",
        f"SHA-256:         {d.sha256}",
    ]
    if d.rows_per_set:
        lines.append("Records per gegevensset: " + ", ".join(f"{n}: {fmt_int(r)}" for n, r in d.rows_per_set.items()))
        lines += [f"{name} per halfjaar: {_periods_text(p)}" for name, p in d.periods_per_date.items()]
    else:
        lines += ["Datum aanvang per halfjaar: " + _periods_text(d.periods_aanvang),
                  "Datum einde per halfjaar:   " + _periods_text(d.periods_einde)]
    lines.append("Lege waarden per kolom:")
    width = max(len(c) for c in d.empty_per_column)
    for col, n in d.empty_per_column.items():
        lines.append(f"  {col:<{width}}  {fmt_int(n):>9}")
    return "\n".join(lines)


def _periods_text(counts: dict[str, int]) -> str:
    from spiegel.formats import fmt_int

    if not counts:
        return "geen"
    return ", ".join(f"{Period.parse(k).label}: {fmt_int(v)}" for k, v in counts.items())
