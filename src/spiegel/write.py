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

A delivery of several record sets (:func:`write_sets`): ``xlsx`` one workbook with a sheet per set, ``zip`` a ZIP
with ``<set>.csv`` per set, ``map`` a folder of them, ``fixed`` one fixed-width file whose lines start with the
layout's record type. A ``lijst`` column of the layout is written as the list of the ticked codes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from spiegel.io import atomic_path, write_bytes_atomic
from spiegel.layouts import Layout, RecordLayout

FORMATS = ("csv", "csv-cp1252", "xlsx", "fixed")
EXTENSIONS = {"csv": ".csv", "csv-cp1252": ".csv", "xlsx": ".xlsx", "fixed": ".txt"}
# Fixed document properties: an XLSX otherwise records the time it was written and differs on every run.
_XLSX_CREATED = datetime(2000, 1, 1)
_XLSX_PROPERTIES = {"title": "Aanlevering Beleidsinformatie Jeugd", "author": "spiegel", "created": _XLSX_CREATED}


def write_delivery(
    raw: pd.DataFrame,
    path: str | Path,
    fmt: str,
    layout: Layout | RecordLayout,
    *,
    delimiter: str | None = None,
) -> Path:
    """Write ``raw`` (one string column per layout column; a ``rij`` column is ignored) to ``path``.

    Missing values are written as empty fields. Returns the path written.
    """
    lay = _record(layout)
    if fmt == "xlsx":
        _write_xlsx(_strings(raw, lay), Path(path))
        return Path(path)
    return write_lines(format_lines(raw, fmt, lay, delimiter=delimiter), path, fmt, lay, delimiter=delimiter)


def format_lines(
    raw: pd.DataFrame, fmt: str, layout: Layout | RecordLayout, *, delimiter: str | None = None
) -> np.ndarray:
    """The record lines of a text format (``csv``, ``csv-cp1252``, ``fixed``), without header or line ends.

    Vectorised over rows: format a whole period once, then write slices of it per provider with
    :func:`write_lines`.
    """
    lay = _record(layout)
    frame = _strings(raw, lay)
    if fmt == "fixed":
        return _fixed_lines(frame, lay)
    if fmt not in {"csv", "csv-cp1252"}:
        raise ValueError(f"unknown text format {fmt!r}; choose from csv, csv-cp1252, fixed")
    delim = _delimiter(fmt, delimiter)
    line = None
    for name in lay.names:
        values = _quoted(frame[name], delim)
        line = values if line is None else line + delim + values
    return np.asarray(line.to_numpy(dtype=object) if line is not None else [], dtype=object)


def write_lines(
    lines: np.ndarray | list[str],
    path: str | Path,
    fmt: str,
    layout: Layout | RecordLayout,
    *,
    delimiter: str | None = None,
) -> Path:
    """Write record lines made by :func:`format_lines` as a complete file (header, encoding, line ends)."""
    lay = _record(layout)
    path = Path(path)
    if fmt == "fixed":
        body = [*lines]
        encoding, newline = "ascii", "\n"
    elif fmt in {"csv", "csv-cp1252"}:
        body = [_delimiter(fmt, delimiter).join(lay.names), *lines]
        encoding, newline = ("utf-8", "\n") if fmt == "csv" else ("cp1252", "\r\n")
    else:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    text = newline.join(body) + newline if body else ""
    write_bytes_atomic(path, text.encode(encoding))
    return path


def _delimiter(fmt: str, delimiter: str | None) -> str:
    delim = delimiter or (";" if fmt == "csv" else ",")
    if delim not in {";", ","}:
        raise ValueError("delimiter must be ';' or ','")
    return delim


def _quoted(values: pd.Series, delim: str) -> pd.Series:
    """CSV quoting as the csv module does it (QUOTE_MINIMAL), vectorised."""
    special = values.str.contains(f'[{delim}"\r\n]', regex=True)
    if not special.any():
        return values
    quoted = '"' + values.str.replace('"', '""', regex=False) + '"'
    return values.where(~special, quoted)


def _record(layout: Layout | RecordLayout) -> RecordLayout:
    """The record set written: a one-set layout's only set (a file holds one record set)."""
    return layout.single if isinstance(layout, Layout) else layout


def _strings(raw: pd.DataFrame, layout: RecordLayout) -> pd.DataFrame:
    missing = [c for c in layout.names if c not in raw.columns]
    if missing:
        raise ValueError(f"columns missing from the frame: {', '.join(missing)}")
    return pd.DataFrame(
        {name: raw[name].fillna("").astype(str).to_numpy() for name in layout.names}, index=range(len(raw))
    )


def _fixed_lines(frame: pd.DataFrame, layout: RecordLayout) -> np.ndarray:
    if frame.empty:
        return np.array([], dtype=object)
    line = None
    for col in layout.kolommen:
        values = frame[col.naam]
        too_long = values.str.len() > col.breedte
        if too_long.any():
            raise ValueError(
                f"column {col.naam} holds values longer than its width {col.breedte} "
                f"(first at record {int(too_long.to_numpy().argmax()) + 1})"
            )
        padded = values.str.ljust(col.breedte)
        line = padded if line is None else line + padded
    return np.asarray(line.to_numpy(dtype=object), dtype=object)


def _write_xlsx(frame: pd.DataFrame, path: Path, sheets: dict[str, pd.DataFrame] | None = None) -> None:
    import xlsxwriter

    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False})
        book.set_properties(_XLSX_PROPERTIES)
        text = book.add_format({"num_format": "@"})
        for sheet_name, sheet_frame in (sheets or {"jeugdhulp": frame}).items():
            sheet = book.add_worksheet(sheet_name)
            for col, name in enumerate(sheet_frame.columns):
                sheet.write_string(0, col, name)
                sheet.set_column(col, col, max(len(name), 10), text)
            values = sheet_frame.to_numpy()
            for row_number, row in enumerate(values, start=1):
                for col, value in enumerate(row):
                    if value:
                        sheet.write_string(row_number, col, value)
        book.close()


SET_FORMATS = ("xlsx", "zip", "map", "fixed")


def write_sets(raws: dict[str, pd.DataFrame], path: str | Path, fmt: str, layout: Layout) -> Path:
    """Write a delivery of several record sets (``raws``: set name → raw frame with the layout's columns; a
    ``lijst`` column is made from its flags). Returns the path written (a file, or the folder for ``map``)."""
    import io
    import zipfile

    path = Path(path)
    frames = {s.naam: _delivered(raws[s.naam], s) for s in layout.sets}
    if fmt == "xlsx":
        _write_xlsx(pd.DataFrame(), path, sheets=frames)
    elif fmt in ("zip", "map"):
        members = {f"{name}.csv": _csv_bytes(frame) for name, frame in frames.items()}
        if fmt == "map":
            path.mkdir(parents=True, exist_ok=True)
            for name, data in members.items():
                write_bytes_atomic(path / name, data)
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in members.items():
                    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # fixed: the same bytes each time
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, data)
            write_bytes_atomic(path, buffer.getvalue())
    elif fmt == "fixed":
        if not layout.recordtype:
            raise ValueError(f"layout {layout.naam} declares no recordtype for a fixed-width file of several sets")
        code = {name: kind for kind, name in layout.recordtype.items()}
        lines = [code[s.naam] + line for s in layout.sets for line in _fixed_lines(frames[s.naam], s.delivered)]
        write_bytes_atomic(path, ("\n".join(lines) + "\n" if lines else "").encode("ascii"))
    else:
        raise ValueError(f"unknown format {fmt!r} for several record sets; choose from {', '.join(SET_FORMATS)}")
    return path


def _delivered(raw: pd.DataFrame, layout: RecordLayout) -> pd.DataFrame:
    """The set's columns as the file carries them: each ``lijst`` column the ``|``-list of its ticked flags."""
    from spiegel.layouts import LIST_SEPARATOR

    frame = raw.copy()
    for column in layout.lijsten:
        flags = [raw[f].fillna("").astype(str).to_numpy() for f in column.flag_names()]
        frame[column.naam] = [LIST_SEPARATOR.join(c for c, v in zip(column.opties, row, strict=True) if v == "1")
                              for row in zip(*flags, strict=True)] if flags and len(raw) else ""
    return _strings(frame, layout.delivered)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    lines = [";".join(frame.columns), *format_lines(frame, "csv", _plain(frame))]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _plain(frame: pd.DataFrame) -> RecordLayout:
    """A record layout of text columns named as the frame's (for the CSV of one set)."""
    from spiegel.layouts import Column

    return RecordLayout("set", tuple(Column(c, c, "tekst", 1) for c in frame.columns))
