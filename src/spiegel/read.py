"""Read a delivery in any supported format into one typed frame.

One reader takes a layout (``spiegel.layouts``) and reads CSV (comma or semicolon; UTF-8 with or without BOM,
or Windows-1252), XLSX, XLS and fixed-width text. What it detected (format, encoding, delimiter) is kept in
:class:`SourceInfo` so that ``spiegel inspect`` and the report can say it.

Row numbers (column ``rij``) are the numbers a person sees when opening the file: in CSV and Excel the header
is row 1 and the first record row 2; in a fixed-width file (no header) the first record is row 1. Blank lines
are skipped but keep their number, so later rows keep theirs.

Problems that make a file unusable raise :class:`~spiegel.errors.InputError` with a file rule code from
:data:`FILE_RULES` (the validation catalogue lists the same codes). Messages never contain a value from the
file: a header that is not ours may be a data row holding a BSN.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spiegel import codes, layouts
from spiegel.errors import InputError
from spiegel.layouts import Layout

# The file group of the rule catalogue (SPEC §7 "File"). Reader errors carry these codes.
FILE_RULES: dict[str, str] = {
    "JH-B01": "Het bestand is niet leesbaar als CSV-, Excel- of vastebreedtebestand",
    "JH-B02": "Het bestand is leeg: het bevat geen records",
    "JH-B03": "Kolommen ontbreken of zijn onbekend",
    "JH-B04": "Een kolomnaam komt meer dan eens voor",
    "JH-B05": "De tekencodering is niet UTF-8 of Windows-1252",
    "JH-B06": "Het scheidingsteken is niet te herkennen (verwacht: komma of puntkomma)",
    "JH-B07": "De periode in de metadata wijkt af van de gevraagde periode",
    "JH-B08": "Een rij heeft een verkeerd aantal velden of een verkeerde lengte",
}

ROW = "rij"
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (";", ",")
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SourceInfo:
    """What the reader found out about a file (never its contents)."""

    path: str
    format: str  # csv | xlsx | xls | vast
    encoding: str | None  # "UTF-8", "UTF-8 met BOM", "Windows-1252"; None for Excel
    delimiter: str | None
    layout: str
    protocolversie: str
    sha256: str
    size: int
    rows: int

    @property
    def delimiter_label(self) -> str:
        return {";": "puntkomma", ",": "komma", None: "n.v.t."}[self.delimiter]


@dataclass
class Delivery:
    """A delivery as read: ``frame`` is typed, ``raw`` holds the trimmed text as delivered (same index).

    Both carry the column ``rij`` with the row number in the file.
    """

    frame: pd.DataFrame
    raw: pd.DataFrame
    source: SourceInfo
    layout: Layout
    blank_rows: list[int] = field(default_factory=list)  # row numbers of blank lines that were skipped

    def __len__(self) -> int:
        return len(self.frame)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_delivery(path: str | Path, layout: str | Layout = "jeugdhulp") -> Delivery:
    """Read one delivery file. Raises :class:`InputError` when the file cannot be used."""
    path = Path(path)
    lay = layouts.load(layout) if isinstance(layout, str) else layout
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "bestand niet gevonden") from None
    except IsADirectoryError:
        raise InputError(path, "dit is een map, geen bestand") from None
    except OSError as exc:
        raise InputError(path, f"bestand niet te openen ({exc.strerror})", rule="JH-B01") from None
    return read_bytes(data, lay, name=str(path))


def read_bytes(data: bytes, layout: Layout, *, name: str) -> Delivery:
    digest = sha256_bytes(data)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise InputError(name, FILE_RULES["JH-B02"], rule="JH-B02")
    if data.startswith(_XLSX_MAGIC):
        raw, fmt, encoding, delimiter = _read_excel(data, layout, name, "xlsx"), "xlsx", None, None
    elif data.startswith(_XLS_MAGIC):
        raw, fmt, encoding, delimiter = _read_excel(data, layout, name, "xls"), "xls", None, None
    else:
        text, encoding = _decode(data, name)
        raw, fmt, delimiter = _read_text(text, layout, name)
    if raw.empty:
        raise InputError(name, FILE_RULES["JH-B02"], rule="JH-B02")
    raw = raw.reset_index(drop=True)
    blank_rows = sorted(set(raw.attrs.pop("blank_rows", [])))
    frame = _typed(raw, layout)
    source = SourceInfo(
        path=name,
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        layout=layout.naam,
        protocolversie=layout.protocolversie,
        sha256=digest,
        size=len(data),
        rows=len(raw),
    )
    return Delivery(frame=frame, raw=raw, source=source, layout=layout, blank_rows=blank_rows)


# --- text ------------------------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(name, FILE_RULES["JH-B05"] + " (UTF-16 gevonden)", rule="JH-B05")
    if b"\x00" in data[:65536]:
        if _looks_utf16(data[:65536]):
            raise InputError(name, FILE_RULES["JH-B05"] + " (UTF-16 gevonden)", rule="JH-B05")
        raise InputError(name, FILE_RULES["JH-B01"] + " (binaire inhoud)", rule="JH-B01")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 met BOM"
        except UnicodeDecodeError as exc:
            raise InputError(
                name, FILE_RULES["JH-B05"], row=_line_of(data, exc.start), rule="JH-B05"
            ) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(name, FILE_RULES["JH-B05"], row=_line_of(data, exc.start), rule="JH-B05") from None
    control = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t")
    if control > 0:
        raise InputError(name, FILE_RULES["JH-B01"] + " (binaire inhoud)", rule="JH-B01")
    return text, "Windows-1252"


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte order mark: text with a NUL byte in every other position."""
    even, odd = head[0::2], head[1::2]
    for zeros, text in ((even, odd), (odd, even)):
        if len(zeros) >= 8 and zeros.count(0) > 0.9 * len(zeros) and text.count(0) < 0.1 * len(text):
            return True
    return False


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _normalise_name(name: str) -> str:
    return name.strip().strip('"').strip().lower()


def _split_lines(text: str) -> list[str]:
    """Lines as a text editor numbers them: split on CRLF, LF or CR only (``str.splitlines`` also splits on
    form feeds and other separators, which would shift every later row number)."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _read_text(text: str, layout: Layout, name: str) -> tuple[pd.DataFrame, str, str | None]:
    lines = _split_lines(text)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError(name, FILE_RULES["JH-B02"], rule="JH-B02")
    header = lines[first]
    expected = set(layout.names)
    best: tuple[int, str] | None = None
    for delim in _DELIMITERS:
        found = {_normalise_name(h) for h in header.split(delim)}
        score = len(found & expected)
        if header.count(delim) and (best is None or score > best[0]):
            best = (score, delim)
    if best is not None and best[0] > 0:
        delimiter = best[1]
        return _read_csv(text, lines, first, delimiter, layout, name), "csv", delimiter
    if _looks_fixed_width(lines, layout):
        return _read_fixed(lines, layout, name), "vast", None
    if best is None:
        # Neither comma nor semicolon in the first line, and not our fixed-width records either.
        raise InputError(name, FILE_RULES["JH-B06"], row=first + 1, rule="JH-B06")
    raise InputError(
        name,
        f"{FILE_RULES['JH-B03']}: geen enkele verwachte kolomnaam in de kopregel "
        f"(verwacht o.a. {', '.join(layout.names[:3])})",
        row=first + 1,
        rule="JH-B03",
    )


def _check_header(names: list[str], layout: Layout, name: str, row: int) -> list[str]:
    normal = [_normalise_name(n) for n in names]
    seen: dict[str, int] = {}
    for position, col in enumerate(normal, start=1):
        if col in seen and col in layout.names:  # an unknown name may be a value: a data row instead of a header
            raise InputError(
                name, FILE_RULES["JH-B04"], row=row, column=f"{col} (posities {seen[col]} en {position})",
                rule="JH-B04",
            )
        seen[col] = position
    missing = [c for c in layout.names if c not in seen]
    unknown = [pos for col, pos in seen.items() if col not in layout.names]
    unknown += [pos for pos, col in enumerate(normal, start=1) if not col]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("ontbrekend: " + ", ".join(missing))
        if unknown:
            parts.append("onbekende kolom op positie " + ", ".join(str(p) for p in sorted(set(unknown))))
        raise InputError(name, f"{FILE_RULES['JH-B03']} ({'; '.join(parts)})", row=row, rule="JH-B03")
    return normal


def _read_csv(text: str, lines: list[str], first: int, delim: str, layout: Layout, name: str) -> pd.DataFrame:
    header_row = first + 1
    names = _header_fields(lines[first], delim)
    columns = _check_header(names, layout, name, header_row)
    width = len(columns)
    body = lines[first + 1 :]
    if not any(line.strip() for line in body):
        raise InputError(name, FILE_RULES["JH-B02"] + " (alleen een kopregel)", rule="JH-B02")
    counts = _field_counts(body, delim, quoted='"' in text, name=name, first_row=header_row + 1)
    for offset, (line, count) in enumerate(zip(body, counts, strict=True)):
        if line.strip() and count != width:
            raise InputError(
                name,
                f"{FILE_RULES['JH-B08']}: {count} velden, verwacht {width}",
                row=header_row + 1 + offset,
                rule="JH-B08",
            )
    if len(body) < SMALL_READ:
        return _read_csv_small(body, delim, columns, header_row, layout)
    frame = pd.read_csv(
        io.StringIO("\n".join(body)),
        sep=delim,
        header=None,
        names=columns,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
    )
    frame[ROW] = range(header_row + 1, header_row + 1 + len(frame))
    blank = pd.Series([not line.strip() for line in body[: len(frame)]], index=frame.index)
    out = _finish_raw(frame[~blank.to_numpy()], layout)
    out.attrs["blank_rows"] = _interior(frame.loc[blank.to_numpy(), ROW].tolist(), out[ROW])
    return out


def _read_csv_small(body: list[str], delim: str, columns: list[str], header_row: int, layout: Layout) -> pd.DataFrame:
    """:func:`_read_csv` for a few rows, on Python lists: the csv module splits the fields (the same quoting
    rules as pandas' parser: ``"`` quotes, ``""`` inside quotes) and the raw frame is built once from the
    column lists, without pandas' parser and the per-column string calls of :func:`_finish_raw`."""
    records: list[list[str]] = []
    rows: list[int] = []
    blank: list[int] = []
    for offset, fields in enumerate(csv.reader(body, delimiter=delim)):
        number = header_row + 1 + offset
        if not body[offset].strip():
            blank.append(number)
            continue
        records.append(fields)
        rows.append(number)
    data: dict[str, Any] = {ROW: np.array(rows, dtype="int64")}
    for col in layout.names:
        i = columns.index(col)
        data[col] = [fields[i].strip() for fields in records]
    out = pd.DataFrame(data)
    out.attrs["blank_rows"] = _interior(blank, out[ROW])
    return out


def _interior(blank_rows: list[int], record_rows: pd.Series) -> list[int]:
    """Blank lines between records (trailing blank lines at the end of a file are harmless)."""
    if record_rows.empty:
        return []
    last = int(record_rows.max())
    return [int(n) for n in blank_rows if n < last]


def _header_fields(line: str, delim: str) -> list[str]:
    return next(csv.reader([line], delimiter=delim))


def _field_counts(body: list[str], delim: str, *, quoted: bool, name: str, first_row: int) -> list[int]:
    if not quoted:
        return [line.count(delim) + 1 for line in body]
    counts: list[int] = []
    reader = csv.reader(body, delimiter=delim)
    for fields in reader:
        if reader.line_num != len(counts) + 1:
            # A quoted field ran over a line end (or a quote was never closed): rows no longer match lines.
            raise InputError(
                name,
                f"{FILE_RULES['JH-B08']}: een veld tussen aanhalingstekens loopt door over het regeleinde",
                row=first_row + len(counts),
                rule="JH-B08",
            )
        counts.append(len(fields) if fields else 0)
    return counts


def _looks_fixed_width(lines: list[str], layout: Layout) -> bool:
    records = [line.rstrip("\r") for line in lines if line.strip()]
    width = layout.record_width
    sample = records[:200]
    return bool(sample) and all(width - 20 <= len(r) <= width for r in sample) and not any(
        d in sample[0] for d in _DELIMITERS
    )


def _read_fixed(lines: list[str], layout: Layout, name: str) -> pd.DataFrame:
    width = layout.record_width
    for number, line in enumerate(lines, start=1):
        if line.strip() and len(line) > width:
            raise InputError(
                name, f"{FILE_RULES['JH-B08']}: {len(line)} tekens, verwacht {width}", row=number, rule="JH-B08"
            )
    series = pd.Series(lines, dtype=str).str.ljust(width)
    frame = pd.DataFrame({ROW: range(1, len(lines) + 1)})
    start = 0
    for col in layout.kolommen:
        frame[col.naam] = series.str.slice(start, start + col.breedte).to_numpy()
        start += col.breedte
    blank = series.str.strip().eq("").to_numpy()
    out = _finish_raw(frame[~blank], layout)
    out.attrs["blank_rows"] = _interior(frame.loc[blank, ROW].tolist(), out[ROW])
    return out


# --- Excel -----------------------------------------------------------------------------------------------


def _read_excel(data: bytes, layout: Layout, name: str, kind: str) -> pd.DataFrame:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not book.sheet_names:
            raise InputError(name, FILE_RULES["JH-B02"], rule="JH-B02")
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except InputError:
        raise
    except Exception:  # calamine raises several error types for damaged or truncated files
        raise InputError(
            name, f"{FILE_RULES['JH-B01']} (Excel-bestand ({kind}) is beschadigd of afgebroken)", rule="JH-B01"
        ) from None
    cells = [[_cell_text(v) for v in row] for row in rows]
    first = next((i for i, row in enumerate(cells) if any(row)), None)
    if first is None:
        raise InputError(name, FILE_RULES["JH-B02"], rule="JH-B02")
    header = cells[first]
    while header and not header[-1]:
        header = header[:-1]
    columns = _check_header(header, layout, name, first + 1)
    width = len(columns)
    records, numbers = [], []
    for index in range(first + 1, len(cells)):
        row = cells[index]
        if not any(row):
            continue
        if any(row[width:]):
            raise InputError(
                name, f"{FILE_RULES['JH-B08']}: meer velden dan kolommen", row=index + 1, rule="JH-B08"
            )
        records.append((row + [""] * width)[:width])
        numbers.append(index + 1)
    frame = pd.DataFrame(records, columns=columns, dtype=str)
    frame[ROW] = numbers
    frame = _pad_excel_codes(frame, layout)
    return _finish_raw(frame, layout)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.strftime("%Y%m%d")
    return str(value).strip()


def _pad_excel_codes(frame: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    """Excel drops leading zeros of numbers: ``0363`` typed as a number arrives as ``363``.

    Digits-only values shorter than the item's width get their zeros back, except where the short value is
    itself a valid code (``tevredenheid`` ``1``–``10``).
    """
    for col in layout.kolommen:
        if col.type not in {"code", "datum", "datum_00"}:
            continue
        values = frame[col.naam]
        short = values.str.fullmatch(r"\d+") & (values.str.len() < col.breedte)
        if col.codelijst:
            short &= ~values.isin(codes.code_list(col.codelijst).values)
        if short.any():
            frame.loc[short, col.naam] = values[short].str.zfill(col.breedte)
    return frame


# --- typed frame -----------------------------------------------------------------------------------------


# Below this many rows reading works on Python lists: every pandas string call costs about a millisecond whatever
# the size, and the median delivery has some 20 records (27 ms → 12 ms per file, measured over national
# providers). tests/test_read.py holds both paths to identical frames.
SMALL_READ = 2_000


def _finish_raw(frame: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    # Columns are collected first and the frame is built once: inserting them one by one costs more than the
    # rest of reading a small file.
    data: dict[str, Any] = {ROW: frame[ROW].astype("int64").to_numpy()}
    small = len(frame) < SMALL_READ
    for col in layout.names:
        if small:
            data[col] = [str(v).strip() for v in frame[col].tolist()]
        else:
            data[col] = frame[col].astype(str).str.strip().to_numpy()
    return pd.DataFrame(data)


def _typed(raw: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    small = len(raw) < SMALL_READ
    data: dict[str, object] = {ROW: raw[ROW].to_numpy()}
    for col in layout.kolommen:
        values = raw[col.naam]
        if col.type == "datum":
            data[col.naam] = _dates_small(values.tolist()) if small else parse_dates(values)
        elif col.type == "datum_00":
            if small:
                data[col.naam] = _dates_small([_impute_small(v) for v in values.tolist()])
            else:
                data[col.naam] = parse_dates(impute_unknown_day(values))
        elif col.naam == "postcode":
            data[col.naam] = values.str.replace(" ", "", regex=False).str.upper().replace("", pd.NA)
        elif small:
            data[col.naam] = pd.array([v if v else None for v in values.tolist()], dtype=values.dtype)
        else:
            data[col.naam] = values.replace("", pd.NA)
    return pd.DataFrame(data, index=raw.index)


def _eight_digits(value: object) -> bool:
    """Eight decimal digits, as the regex ``\\d{8}`` of the pandas path matches them (any script's digits)."""
    return isinstance(value, str) and len(value) == 8 and value.isdecimal()


def _dates_small(values: list[object]) -> np.ndarray:
    """:func:`parse_dates` for a few values, in Python: the same datetime64[us] values and NaT."""
    nat = np.datetime64("NaT", "us")
    out = []
    for value in values:
        day = nat
        if _eight_digits(value):
            try:  # numpy, like pandas, knows the year 0 (Python's datetime does not)
                y, m, d = int(value[:4]), int(value[4:6]), int(value[6:])  # type: ignore[index]
                day = np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "us")
            except ValueError:
                day = nat
        out.append(day)
    return np.array(out, dtype="datetime64[us]")


def _impute_small(value: object) -> object:
    """:func:`impute_unknown_day` for one value."""
    if _eight_digits(value):
        if value[4:] == "0000":  # type: ignore[index]
            return value[:4] + "0701"  # type: ignore[index,operator]
        if value[6:] == "00":  # type: ignore[index]
            return value[:6] + "15"  # type: ignore[index,operator]
    return value


def parse_dates(values: pd.Series) -> pd.Series:
    """``JJJJMMDD`` → datetime64; empty or invalid → NaT (validation reports which)."""
    return pd.to_datetime(values.where(values.str.fullmatch(r"\d{8}")), format="%Y%m%d", errors="coerce")


def impute_unknown_day(values: pd.Series) -> pd.Series:
    """Decision: an unknown day (``JJJJMM00``) is read as the 15th, an unknown day and month (``JJJJ0000``)
    as 1 July, so that ages computed from it are off by at most half a month or half a year."""
    values = values.where(~values.str.fullmatch(r"\d{4}0000"), values.str.slice(0, 4) + "0701")
    return values.where(~values.str.fullmatch(r"\d{6}00"), values.str.slice(0, 6) + "15")
