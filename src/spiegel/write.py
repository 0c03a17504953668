"""Write a delivery file from a raw (string) frame, in any of the formats the reader accepts.

The inverse of :func:`spiegel.read.read_delivery` for the *raw* frame: writing a frame and reading it back
gives the same strings in every format. Used by the synthetic generator and by tests. Every write is atomic
and byte-deterministic (the XLSX carries a fixed creation date and fixed document properties), so the same
frame always gives the same file and the same SHA-256.

Formats:

``csv``         header row, ``;`` separated (or ``delimiter=","``), UTF-8 without BOM, ``\\n`` line ends
``csv-cp1252``  header row, ``,`` separated (or ``delimiter=";"``), Windows-1252, ``\\r\\n`` line ends — what
                Excel on Windows writes with "CSV (gescheiden door lijstscheidingsteken)" in a comma locale
``xlsx``        one sheet, header row, every cell a text cell (leading zeros survive)
``fixed``       no header, every column left-aligned and padded with spaces to its ``breedte``, ``\\n`` ends
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pandas as pd

from spiegel import layouts
from spiegel.io import atomic_path, write_bytes_atomic
from spiegel.layouts import Layout

FORMATS = ("csv", "csv-cp1252", "xlsx", "fixed")
EXTENSIONS = {"csv": ".csv", "csv-cp1252": ".csv", "xlsx": ".xlsx", "fixed": ".txt"}
# Fixed document properties: an XLSX otherwise records the time it was written and differs on every run.
_XLSX_CREATED = datetime(2000, 1, 1)
_XLSX_PROPERTIES = {"title": "Aanlevering Beleidsinformatie Jeugd", "author": "spiegel", "created": _XLSX_CREATED}


def write_delivery(
    raw: pd.DataFrame,
    path: str | Path,
    fmt: str = "csv",
    layout: str | Layout = "jeugdhulp",
    *,
    delimiter: str | None = None,
) -> Path:
    """Write ``raw`` (one string column per layout column; a ``rij`` column is ignored) to ``path``.

    Missing values are written as empty fields. Returns the path written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    lay = layouts.load(layout) if isinstance(layout, str) else layout
    frame = _strings(raw, lay)
    path = Path(path)
    if fmt == "csv":
        write_bytes_atomic(path, _csv_text(frame, delimiter or ";", "\n").encode("utf-8"))
    elif fmt == "csv-cp1252":
        write_bytes_atomic(path, _csv_text(frame, delimiter or ",", "\r\n").encode("cp1252"))
    elif fmt == "fixed":
        write_bytes_atomic(path, _fixed_text(frame, lay).encode("ascii"))
    else:
        _write_xlsx(frame, path)
    return path


def _strings(raw: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    missing = [c for c in layout.names if c not in raw.columns]
    if missing:
        raise ValueError(f"columns missing from the frame: {', '.join(missing)}")
    out = pd.DataFrame(index=range(len(raw)))
    for name in layout.names:
        out[name] = raw[name].fillna("").astype(str).to_numpy()
    return out


def _csv_text(frame: pd.DataFrame, delimiter: str, newline: str) -> str:
    if delimiter not in {";", ","}:
        raise ValueError("delimiter must be ';' or ','")
    buffer = io.StringIO()
    frame.to_csv(buffer, sep=delimiter, index=False, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def _fixed_text(frame: pd.DataFrame, layout: Layout) -> str:
    if frame.empty:
        return ""
    line = pd.Series("", index=frame.index, dtype=object)
    for col in layout.kolommen:
        values = frame[col.naam]
        too_long = values.str.len() > col.breedte
        if too_long.any():
            raise ValueError(
                f"column {col.naam} holds values longer than its width {col.breedte} "
                f"(first at record {int(too_long.to_numpy().argmax()) + 1})"
            )
        line = line + values.str.ljust(col.breedte)
    return "\n".join(line.tolist()) + "\n"


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    import xlsxwriter

    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False})
        book.set_properties(_XLSX_PROPERTIES)
        sheet = book.add_worksheet("jeugdhulp")
        text = book.add_format({"num_format": "@"})
        for col, name in enumerate(frame.columns):
            sheet.write_string(0, col, name)
            sheet.set_column(col, col, max(len(name), 10), text)
        values = frame.to_numpy()
        for row_number, row in enumerate(values, start=1):
            for col, value in enumerate(row):
                if value:
                    sheet.write_string(row_number, col, value)
        book.close()
