"""Tables as data: one XLSX with a sheet per table, and one CSV per table (layout in ``docs/uitvoer.md``).

CSV files use a semicolon and UTF-8 with BOM, so that Excel with Dutch settings opens them as they are.
Protected cells hold the CBS notation ``.``. Both writers are deterministic (same tables → same bytes) and
atomic (a crash never leaves a half-written file under the final name).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd

from spiegel.io import atomic_path, write_bytes_atomic

_FIXED_TIME = datetime(2000, 1, 1)
_MAX_SHEET = 31


def sheet_name(name: str) -> str:
    bad = '[]:*?/\\'
    clean = "".join("_" if ch in bad else ch for ch in name)
    return clean[:_MAX_SHEET]


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: str | Path, *, descriptions: Mapping[str, str] = ()) -> Path:
    """One sheet per table, with a first sheet 'inhoud' listing the tables and what they hold."""
    import xlsxwriter

    path = Path(path)
    descriptions = dict(descriptions)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False})
        book.set_properties({"created": _FIXED_TIME, "title": path.stem})
        bold = book.add_format({"bold": True})
        number = book.add_format({"num_format": "#,##0"})
        decimal = book.add_format({"num_format": "#,##0.0"})
        index = book.add_worksheet("inhoud")
        index.write_row(0, 0, ["tabblad", "inhoud"], bold)
        used: set[str] = {"inhoud"}
        for row, (name, frame) in enumerate(tables.items(), start=1):
            title = _unique(sheet_name(name), used)
            index.write_row(row, 0, [title, descriptions.get(name, "")])
            sheet = book.add_worksheet(title)
            sheet.write_row(0, 0, [str(c) for c in frame.columns], bold)
            # Number formats per column, values per row: a per-cell write cost seconds for a provider with
            # hundreds of gemeenten (hundreds of thousands of cells).
            for c, column in enumerate(frame.columns):
                kind = frame[column].dtype.kind
                fmt = number if kind in "iu" else decimal if kind == "f" else None
                sheet.set_column(c, c, 14, fmt)
            for r, values in enumerate(frame.itertuples(index=False), start=1):
                sheet.write_row(r, 0, [_cell(v) for v in values])
            sheet.freeze_panes(1, 0)
        index.set_column(0, 0, 32)
        index.set_column(1, 1, 80)
        book.close()
    return path


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate.lower() in {u.lower() for u in used}:
        suffix = f"_{n}"
        candidate, n = name[: _MAX_SHEET - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def _cell(value: object) -> object:
    """A value xlsxwriter writes as it should: numbers as numbers, missing as blank, the rest as text."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int | float):
        return value
    if hasattr(value, "dtype") and pd.api.types.is_number(value):
        return value.item()
    return str(value)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, sep=";", index=False, lineterminator="\n", decimal=",")
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def write_csvs(tables: Mapping[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    folder = Path(folder)
    paths = []
    for name, frame in tables.items():
        path = folder / f"{sheet_name(name)}.csv"
        write_bytes_atomic(path, csv_bytes(frame))
        paths.append(path)
    return paths
