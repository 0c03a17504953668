"""Read a delivery in any supported format into one typed frame.

One reader takes a layout (``spiegel.layouts``) and reads CSV (comma or semicolon; UTF-8 with or without BOM,
or Windows-1252), XLSX, XLS and fixed-width text. What it detected (format, encoding, delimiter) is kept in
:class:`SourceInfo` so that ``spiegel inspect`` and the report can say it.

Row numbers (column ``rij``) are the numbers a person sees when opening the file: in CSV and Excel the header
is row 1 and the first record row 2; in a fixed-width file (no header) the first record is row 1. Blank lines
are skipped but keep their number, so later rows keep theirs.

Problems that make a file unusable raise :class:`~spiegel.errors.InputError` with the code and message of the
domain's file rule for that problem (:data:`PROBLEMS`; the validation catalogue lists the same codes). Messages
never contain a value from the file: a header that is not ours may be a data row holding a BSN.

A layout of several record sets (``spiegel.layouts``) is read from a workbook with a sheet per set, or from a
folder or a ZIP with a file ``<set>.csv`` (or ``.txt``, ``.xlsx``) per set; row numbers are those of the sheet or
file (:attr:`RecordSet.bron`). A text file of such a layout is read as fixed width with a record-type field at the
start of every line when the layout declares ``recordtype`` (:func:`_read_typed_fixed`).

A ``lijst`` column of the layout (codes separated by ``|``) is expanded into its ``vlag`` columns
(:func:`expand_lists`); a ``datum_00`` column gets ``<naam>_status`` when the domain has special date values
(:func:`date_status`). See ``spiegel.layouts``.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from spiegel import arrowtext, categories, dates, elfproef, fastpath, guard, limits, memory, xlsxstream
from spiegel.errors import InputError
from spiegel.layouts import LIST_SEPARATOR, Layout, RecordLayout

#: What can make a file unusable: the reader's problem kinds. A domain's rule file gives each the code and message
#: of one of its file rules (``lezer:`` in ``rules.yaml``; jeugdhulp: ``JH-B01`` …), which the error carries.
PROBLEMS = (
    "onleesbaar",  # not CSV, Excel or fixed width; binary; damaged
    "leeg",  # no records
    "kolommen",  # columns missing or unknown
    "dubbele_kolom",  # a column name twice
    "codering",  # not UTF-8 or Windows-1252
    "scheidingsteken",  # no comma or semicolon
    "rijlengte",  # a row with the wrong number of fields or the wrong length
    "gegevensset",  # a record set (sheet, file) of the layout missing
)

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
class RecordSet:
    """One record set as read: ``frame`` is typed, ``raw`` holds the trimmed text as delivered (same index).

    Both carry the column ``rij`` with the row number in the file (or sheet) ``bron``."""

    naam: str
    frame: pd.DataFrame
    raw: pd.DataFrame
    layout: RecordLayout
    bron: str  # the file, or "file, blad <sheet>", the row numbers refer to
    blank_rows: list[int] = field(default_factory=list)  # row numbers of blank lines that were skipped
    ignored_columns: list[int] = field(default_factory=list)  # header positions of columns not in the layout
    ignored_names: list[str] = field(default_factory=list)  # their names, normalised (compared, never shown)

    def __len__(self) -> int:
        return len(self.frame)


@dataclass
class Delivery:
    """A delivery as read: one :class:`RecordSet` per record set of its layout (jeugdhulp has one).

    ``frame``, ``raw`` and ``blank_rows`` are those of the only record set of a one-set layout."""

    sets: dict[str, RecordSet]
    source: SourceInfo
    layout: Layout

    @classmethod
    def single(
        cls, frame: pd.DataFrame, raw: pd.DataFrame, source: SourceInfo, layout: Layout,
        blank_rows: list[int] | None = None,
    ) -> Delivery:
        """A delivery of a one-set layout from its frames."""
        one = layout.single
        record_set = RecordSet(one.naam, frame, raw, one, source.path, list(blank_rows or []))
        return cls({one.naam: record_set}, source, layout)

    @property
    def domain(self) -> Any:
        """The spiegel.domains.Domain whose layout the delivery was read with."""
        return self.layout.domain

    @property
    def only(self) -> RecordSet:
        if len(self.sets) != 1:
            raise ValueError("this delivery has several record sets; name the one you mean")
        return next(iter(self.sets.values()))

    @property
    def frame(self) -> pd.DataFrame:
        return self.only.frame

    @property
    def raw(self) -> pd.DataFrame:
        return self.only.raw

    @property
    def blank_rows(self) -> list[int]:
        return self.only.blank_rows

    def with_frames(self, frames: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> Delivery:
        """The same delivery with other (frame, raw) per record set (e.g. re-indexed)."""
        from dataclasses import replace

        sets = {name: replace(s, frame=frames[name][0], raw=frames[name][1]) if name in frames else s
                for name, s in self.sets.items()}
        return replace(self, sets=sets)

    def __len__(self) -> int:
        return sum(len(s) for s in self.sets.values())


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class _Where:
    """What a reader function needs besides the data: the name errors carry and the layout's rules."""

    name: str  # the file (or "file, blad sheet") for messages
    layout: Layout

    def error(self, problem: str, detail: str | None = None, **where: Any) -> InputError:
        """The InputError of a reader problem (:data:`PROBLEMS`), with the domain's rule code and message."""
        rule = self.layout.file_rules.get(problem)
        if rule is None:
            raise KeyError(f"layout {self.layout.naam}: its domain gives no file rule for the problem {problem!r}")
        return InputError(self.name, rule.melding + (detail or ""), rule=rule.code, **where)

    def melding(self, problem: str) -> str:
        return self.layout.file_rules[problem].melding


def read_delivery(path: str | Path, layout: Layout) -> Delivery:
    """Read one delivery (a file; for a layout of several record sets also a folder or a ZIP of one file per set).
    Raises :class:`InputError` when it cannot be used."""
    path = Path(path)
    if path.is_dir() and len(layout.sets) > 1:
        return _read_folder(path, layout)
    try:
        _check_size(path.stat().st_size, _Where(str(path), layout))
        held = _Held(path.read_bytes())
    except FileNotFoundError:
        raise InputError(path, "bestand niet gevonden") from None
    except IsADirectoryError:
        raise InputError(path, "dit is een map, geen bestand") from None
    except OSError as exc:
        raise _Where(str(path), layout).error("onleesbaar", f" (bestand niet te openen: {exc.strerror})") from None
    return _read_held(held, layout, name=str(path))


class _Held:
    """A delivery file's bytes, held in one place only, so that the CSV reader can let go of them as soon as it has
    parsed them: the typed frame and the validation then run without the file's copy in memory (issue 25)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data: bytes = data

    def release(self) -> None:
        self.data = b""


def read_bytes(data: bytes, layout: Layout, *, name: str) -> Delivery:
    """:func:`read_delivery` of a file's bytes (``name``: the file, for messages)."""
    return _read_held(_Held(data), layout, name=name)


def _read_held(held: _Held, layout: Layout, *, name: str) -> Delivery:
    where = _Where(name, layout)
    data = held.data
    _check_size(len(data), where)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise where.error("leeg")
    _check_workbook(data, where)
    if len(layout.sets) > 1:
        return _read_several(data, layout, where)
    record_layout = layout.single
    digest, size = sha256_bytes(data), len(data)
    del data  # (from here on only `held` has the bytes)
    found = _read_one(held, record_layout.delivered, where)
    record_set = _record_set(found, record_layout, name, where)
    source = _source(name, layout, digest, size, found, len(record_set))
    return Delivery({record_layout.naam: record_set}, source, layout)


def _check_workbook(data: bytes, where: _Where) -> None:
    """A workbook (XLSX or XLS) too large to read safely (:mod:`spiegel.guard`) is refused before it is read."""
    if data.startswith(_XLSX_MAGIC) or data.startswith(_XLS_MAGIC):
        problem = guard.check_workbook(data) if data.startswith(_XLSX_MAGIC) else guard.check_xls(data)
        if problem:
            raise where.error("onleesbaar", f" ({problem})")


def _check_size(size: int, where: _Where) -> None:
    """A delivery file above the size limit (:mod:`spiegel.limits`) is refused before it is read."""
    if size > limits.delivery_bytes():
        raise where.error("onleesbaar", f" (groter dan de grens van {limits.dutch(limits.DELIVERY_MB.value)} MB; "
                                        f"zie {limits.DELIVERY_MB.env})")


@dataclass
class _Found:
    raw: pd.DataFrame
    format: str
    encoding: str | None
    delimiter: str | None


def _read_one(file: bytes | _Held, layout: RecordLayout, where: _Where, *, sheet: str | None = None) -> _Found:
    """One record set's raw frame from the bytes of its file (or of the workbook, with the sheet's name). Given
    them :class:`_Held`, a CSV's bytes are let go of once parsed."""
    held = file if isinstance(file, _Held) else _Held(file)
    del file
    data = held.data
    if data.startswith(_XLSX_MAGIC):
        return _Found(_read_excel(data, layout, where, "xlsx", sheet), "xlsx", None, None)
    if data.startswith(_XLS_MAGIC):
        return _Found(_read_excel(data, layout, where, "xls", sheet), "xls", None, None)
    encoding = _encoding(data, where)
    del data
    raw, fmt, delimiter = _read_text(held, encoding, layout, where)
    return _Found(raw, fmt, encoding.label, delimiter)


def _record_set(found: _Found, layout: RecordLayout, bron: str, where: _Where) -> RecordSet:
    """The record set of a file's raw frame, which it takes from ``found`` (so that the frame as parsed is freed as
    soon as its columns are replaced)."""
    raw, found.raw = found.raw, pd.DataFrame()
    if raw.empty and not layout.leeg_toegestaan:
        raise where.error("leeg")
    raw = raw.reset_index(drop=True)
    blank_rows = sorted(set(raw.attrs.pop("blank_rows", [])))
    ignored = sorted(set(raw.attrs.pop("ignored_columns", [])))
    names = dict(raw.attrs.pop("ignored_names", []))
    if layout.lijsten:
        raw = expand_lists(raw, layout)
    if not fastpath.small(len(raw)):  # code columns as categories (spiegel.categories)
        raw = pd.DataFrame({c: raw[c] if c == ROW else categories.encode(raw[c]) for c in raw.columns},
                           index=raw.index)
    frame = _typed(raw, layout, where)
    if not fastpath.small(len(frame)):
        memory.release_arrow()  # (what typing the columns used and freed)
    return RecordSet(layout.naam, frame, raw, layout, bron, blank_rows, ignored, [names.get(p, "") for p in ignored])


def _source(name: str, layout: Layout, sha256: str, size: int, found: _Found, rows: int) -> SourceInfo:
    return SourceInfo(
        path=name,
        format=found.format,
        encoding=found.encoding,
        delimiter=found.delimiter,
        layout=layout.naam,
        protocolversie=layout.protocolversie,
        sha256=sha256,
        size=size,
        rows=rows,
    )


# --- several record sets: sheets of a workbook, files of a folder or a ZIP ---------------------------------


_SET_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")


def _read_several(data: bytes, layout: Layout, where: _Where) -> Delivery:
    if data.startswith(_XLSX_MAGIC) and not _is_xlsx(data):
        return _read_zip(data, layout, where)
    if layout.recordtype and not (data.startswith(_XLSX_MAGIC) or data.startswith(_XLS_MAGIC)):
        return _read_typed_fixed(data, layout, where)
    if not (data.startswith(_XLSX_MAGIC) or data.startswith(_XLS_MAGIC)):
        raise where.error(
            "gegevensset", " (lever een Excel-bestand met een tabblad per gegevensset, of een map of ZIP met een "
            f"bestand per gegevensset: {', '.join(s.naam for s in layout.sets)})"
        )
    sheets = _sheet_names(data, where)
    sets: dict[str, RecordSet] = {}
    first: _Found | None = None
    for record_layout in layout.sets:
        sheet = sheets.get(record_layout.naam.lower())
        if sheet is None:
            raise where.error("gegevensset", f" (tabblad {record_layout.naam} ontbreekt)")
        part = _Where(f"{where.name}, blad {sheet}", layout)
        found = _read_one(data, record_layout.delivered, part, sheet=sheet)
        first = first or found
        sets[record_layout.naam] = _record_set(found, record_layout, part.name, part)
    assert first is not None
    rows = sum(len(s) for s in sets.values())
    return Delivery(sets, _source(where.name, layout, sha256_bytes(data), len(data), first, rows), layout)


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except zipfile.BadZipFile:
        return True  # a damaged workbook: the Excel reader says so


def _sheet_names(data: bytes, where: _Where) -> dict[str, str]:
    from python_calamine import CalamineWorkbook

    try:
        names = CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names
    except Exception:
        raise where.error("onleesbaar", " (Excel-bestand is beschadigd of afgebroken)") from None
    return {str(n).strip().lower(): str(n) for n in names}


def _members(files: dict[str, tuple[str, bytes]], layout: Layout, where: _Where, container: str) -> Delivery:
    """``files``: lower-case set name → (its name in the container, its bytes)."""
    sets: dict[str, RecordSet] = {}
    first: _Found | None = None
    digest = hashlib.sha256()
    size = 0
    for record_layout in layout.sets:
        member = files.get(record_layout.naam.lower())
        if member is None:
            raise where.error("gegevensset", f" ({container} bevat geen bestand {record_layout.naam}.csv)")
        member_name, member_data = member
        part = _Where(f"{where.name}/{member_name}", layout)
        if not member_data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
            if not record_layout.leeg_toegestaan:
                raise part.error("leeg")
            found = _Found(pd.DataFrame(columns=["rij", *record_layout.delivered.names]), "csv", None, None)
        else:
            _check_workbook(member_data, part)  # a member workbook (of a ZIP or folder) as a delivery of its own
            found = _read_one(member_data, record_layout.delivered, part)
        first = first or found
        sets[record_layout.naam] = _record_set(found, record_layout, part.name, part)
        digest.update(member_name.encode() + b"\0" + member_data)
        size += len(member_data)
    assert first is not None
    source = SourceInfo(where.name, first.format, first.encoding, first.delimiter, layout.naam, layout.protocolversie,
                        digest.hexdigest(), size, sum(len(s) for s in sets.values()))
    return Delivery(sets, source, layout)


def _by_set_name(names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in sorted(names):
        stem, suffix = Path(name).stem.lower(), Path(name).suffix.lower()
        if suffix in _SET_SUFFIXES and not Path(name).name.startswith("."):
            out.setdefault(stem, name)
    return out


def _read_zip(data: bytes, layout: Layout, where: _Where) -> Delivery:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [i.filename for i in archive.infolist() if not i.is_dir() and "/" not in i.filename.strip("/")]
            chosen = _by_set_name(names)
            _check_size(sum(archive.getinfo(name).file_size for name in chosen.values()), where)
            files = {stem: (name, archive.read(name)) for stem, name in chosen.items()}
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError):
        raise where.error("onleesbaar", " (ZIP-bestand is beschadigd of versleuteld)") from None
    return _members(files, layout, where, "het ZIP-bestand")


def _read_folder(path: Path, layout: Layout) -> Delivery:
    where = _Where(str(path), layout)
    names = [p.name for p in path.iterdir() if p.is_file()]
    chosen = _by_set_name(names)
    _check_size(sum((path / name).stat().st_size for name in chosen.values()), where)
    files = {stem: (name, (path / name).read_bytes()) for stem, name in chosen.items()}
    return _members(files, layout, where, "de map")


# --- text ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Encoding:
    """How a text file is decoded: the codec, its label in :class:`SourceInfo`, and where the text starts (after a
    byte order mark)."""

    codec: str
    label: str
    start: int = 0

    def text(self, data: bytes) -> str:
        return data[self.start:].decode(self.codec)


#: A text file is decoded and read in blocks of about this many bytes (cut after a line end), so that neither its
#: whole text nor a list of all its lines is ever held: reading a large CSV then needs its bytes, the frame, and
#: one block's text, lines and parse at a time (docs/benchmarks.md, "Memory of reading a delivery").
BLOCK_BYTES = 1 * 2**20


def _blocks(data: bytes, start: int = 0, size: int | None = None) -> Iterator[tuple[int, int]]:
    """(begin, end) byte ranges of ``data[start:]`` of about ``size`` bytes, each ending just after a line feed (or
    at the end of the data), so a block never cuts a line, a CRLF or a multi-byte character."""
    size = size or BLOCK_BYTES
    begin, n = start, len(data)
    while begin < n:
        end = data.find(b"\n", min(begin + size, n) - 1)
        end = n if end < 0 else end + 1
        yield begin, end
        begin = end


def _encoding(data: bytes, where: _Where) -> _Encoding:
    """The encoding of a text file, checked block by block (:func:`_blocks`) without keeping its text: UTF-8 (with or
    without BOM), else Windows-1252 unless the file mixes the two. Binary content is a file rule."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise where.error("codering", " (UTF-16 gevonden)")
    nul = data.find(b"\x00")  # the whole file (memchr: a few ms for 100 MB)
    if nul >= 0:
        if _looks_utf16(data[:65536]):
            raise where.error("codering", " (UTF-16 gevonden)")
        raise where.error("onleesbaar", " (binaire inhoud: een NUL-teken)", row=_late_row(data, nul))
    bom = data.startswith(b"\xef\xbb\xbf")
    utf8 = _Encoding("utf-8", "UTF-8 met BOM", 3) if bom else _Encoding("utf-8", "UTF-8")
    first_bad = _first_undecodable(data, utf8)
    if first_bad is None:
        return utf8
    if bom:
        raise _encoding_error(data, first_bad, where)
    mixed = _UTF8_SEQUENCE.search(data)
    if mixed is not None:
        raise _encoding_error(data, first_bad, where, utf8_at=mixed.start())
    cp1252 = _Encoding("cp1252", "Windows-1252")
    bad = _first_undecodable(data, cp1252)
    if bad is not None:
        raise where.error("codering", row=_line_of(data, bad))
    for begin, end in _blocks(data):
        control = _CONTROL.search(data[begin:end].decode("cp1252"))
        if control is not None:  # (one byte a character)
            raise where.error("onleesbaar", " (binaire inhoud: een stuurteken)",
                              row=_late_row(data, begin + control.start()))
    return cp1252


def _first_undecodable(data: bytes, encoding: _Encoding) -> int | None:
    """The offset in ``data`` of the first byte ``encoding`` cannot decode, or None."""
    for begin, end in _blocks(data, encoding.start):
        try:
            data[begin:end].decode(encoding.codec)
        except UnicodeDecodeError as exc:
            return begin + exc.start
    return None


def _decode(data: bytes, where: _Where) -> tuple[str, str]:
    """The whole text of a file and its encoding's label (fixed-width files, which are read as a whole)."""
    encoding = _encoding(data, where)
    return encoding.text(data), encoding.label


def _late_row(data: str | bytes, offset: int) -> int | None:
    """The row of a binary character at ``offset`` in a text file (a late NUL); None when it comes before the end
    of the first line (a binary file has no rows)."""
    lines = data.count("\n", 0, offset) if isinstance(data, str) else data.count(b"\n", 0, offset)
    return lines + 1 if lines else None


#: A multi-byte UTF-8 sequence (a letter such as é written as UTF-8). In a file that is not UTF-8 as a whole it
#: means UTF-8 and Windows-1252 were mixed: Windows-1252 text practically never holds one (``Ã©``).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _encoding_error(data: bytes, bad: int, where: _Where, *, utf8_at: int | None = None) -> InputError:
    """The file rule ``codering`` for a file that is not UTF-8 at byte ``bad``; with ``utf8_at`` (a UTF-8 sequence
    elsewhere) it says the two encodings are mixed and names the first row of each."""
    row = _line_of(data, bad)
    if utf8_at is None:
        return where.error("codering", row=row)
    return where.error(
        "codering", f" (UTF-8 en Windows-1252 door elkaar: rij {_line_of(data, utf8_at)} is UTF-8, rij {row} niet; "
                    "sla het hele bestand op als UTF-8)", row=row)


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


def _read_text(held: _Held, encoding: _Encoding, layout: RecordLayout, where: _Where
               ) -> tuple[pd.DataFrame, str, str | None]:
    """A text file: CSV (read block by block, :func:`_read_csv`) or fixed width (read as a whole). Which one, and the
    delimiter, follow from the first block's first non-blank line."""
    data = held.data
    begin, end = next(_blocks(data, encoding.start), (encoding.start, encoding.start))
    lines = _split_lines(data[begin:end].decode(encoding.codec))
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None and end < len(data):  # a first block of blank lines only: look at the whole file
        lines = _split_lines(encoding.text(data))
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise where.error("leeg")
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
        del lines, data
        return _read_csv(held, encoding, first, header, delimiter, layout, where), "csv", delimiter
    if _looks_fixed_width(lines, layout):
        return _read_fixed(_split_lines(encoding.text(data)), layout, where), "vast", None
    if best is None:
        # Neither comma nor semicolon in the first line, and not our fixed-width records either.
        raise where.error("scheidingsteken", row=first + 1)
    raise where.error(
        "kolommen",
        f": geen enkele verwachte kolomnaam in de kopregel (verwacht o.a. {', '.join(layout.names[:3])})",
        row=first + 1,
    )


def _check_header(names: list[str], layout: RecordLayout, where: _Where, row: int) -> tuple[list[str], list[int]]:
    """(the header's column names, normalised; positions of columns not in the layout, when the layout ignores
    them). Unknown columns are a file rule unless the layout says ``extra_kolommen: negeren``."""
    normal = [_normalise_name(n) for n in names]
    seen: dict[str, int] = {}
    for position, col in enumerate(normal, start=1):
        if col in seen and col in layout.names:  # an unknown name may be a value: a data row instead of a header
            raise where.error("dubbele_kolom", row=row, column=f"{col} (posities {seen[col]} en {position})")
        seen[col] = position
    missing = [c.naam for c in layout.kolommen if c.naam not in seen and not c.optioneel]
    unknown = [pos for col, pos in seen.items() if col not in layout.names]
    unknown += [pos for pos, col in enumerate(normal, start=1) if not col]
    ignore = where.layout.extra_kolommen == "negeren"
    if missing or (unknown and not ignore):
        parts = []
        if missing:
            parts.append("ontbrekend: " + ", ".join(missing))
        if unknown and not ignore:
            parts.append("onbekende kolom op positie " + ", ".join(str(p) for p in sorted(set(unknown))))
        raise where.error("kolommen", f" ({'; '.join(parts)})", row=row)
    return normal, (sorted(set(unknown)) if ignore else [])


def _line_blocks(data: bytes, encoding: _Encoding) -> Iterator[tuple[int, list[str]]]:
    """(the row number of its first line, its lines) for every block of the file (:func:`_blocks`), numbered as
    :func:`_split_lines` numbers the lines of the whole text."""
    number = 1
    for begin, end in _blocks(data, encoding.start):
        lines = _split_lines(data[begin:end].decode(encoding.codec))
        yield number, lines
        number += len(lines)


@dataclass
class _Scan:
    """What the checks of a CSV file's lines found (:func:`_scan_csv`)."""

    rows: np.ndarray  # the row numbers of the records (non-blank lines after the header)
    blank_rows: list[int]
    quoted: bool  # a record holds a double quote
    spaced_blank: bool  # a blank line holds spaces or tabs (the whole-file parse skips empty lines only)
    lines: list[str] | None  # the records' lines, when the file is one block of few records (the small path)


def _scan_csv(data: bytes, encoding: _Encoding, header: str, header_row: int, delim: str, width: int,
              layout: RecordLayout, where: _Where) -> _Scan:
    """Checks every line after the header, block by block (:func:`_line_blocks`; field lengths, field counts,
    quotes across line ends), keeping only the row numbers and what the parse must know."""
    rows: list[np.ndarray] = []
    blank_rows: list[int] = []
    quoted = spaced = False
    small_lines: list[str] | None = None
    whole = next(_blocks(data, encoding.start))[1] >= len(data)
    for number, lines in _line_blocks(data, encoding):
        if number <= header_row:  # the first block: its lines after the header
            lines = lines[header_row - number + 1 :]
            number = header_row + 1
        if not lines:
            continue
        _check_field_lengths(header, lines, number, delim, layout, where)
        _check_field_counts(lines, number, delim, width, where)
        keep = [i for i, line in enumerate(lines) if line.strip()]
        blank = [i for i, line in enumerate(lines) if not line.strip()]
        blank_rows += [number + i for i in blank]
        spaced = spaced or any(lines[i] for i in blank)
        quoted = quoted or any('"' in lines[i] for i in keep)
        rows.append(np.asarray(keep, dtype=np.int64) + number)
        if whole and fastpath.small(len(keep)):
            small_lines = [lines[i] for i in keep]
    numbers = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    return _Scan(numbers, blank_rows, quoted, spaced, small_lines)


def _read_csv(
    held: _Held, encoding: _Encoding, first: int, header: str, delim: str, layout: RecordLayout, where: _Where
) -> pd.DataFrame:
    """A CSV file's raw frame. Its lines are checked one block at a time (:func:`_scan_csv`), then the records are
    parsed: a small file on Python lists (:func:`_read_csv_small`); a file without quotes by Arrow's CSV reader
    straight from the bytes (:func:`spiegel.arrowtext.read_csv`); any other one block by block with pandas'
    parser. So the file's whole text or a list of all its lines is never held, and once the records are parsed the
    file's bytes are let go of (``held``)."""
    data = held.data
    header_row = first + 1
    _check_field_lengths(header, [header], header_row, delim, layout, where)
    try:
        names = _header_fields(header, delim)
    except csv.Error:
        raise where.error("kolommen", ": de kopregel is niet te lezen als CSV", row=header_row) from None
    columns, ignored = _check_header(names, layout, where, header_row)
    scan = _scan_csv(data, encoding, header, header_row, delim, len(columns), layout, where)
    if not len(scan.rows):
        if layout.leeg_toegestaan:
            return pd.DataFrame(columns=[ROW, *layout.names])
        raise where.error("leeg", " (alleen een kopregel)")
    positional = [f"{i}:{c}" for i, c in enumerate(columns)]
    if scan.lines is not None:
        try:
            out = _read_csv_small(scan.lines, scan.rows, delim, columns, layout)
        except csv.Error:
            raise where.error("rijlengte", ": een veld is niet te lezen als CSV") from None
    elif arrowtext.default_is_arrow() and not scan.quoted and not scan.spaced_blank:
        fields = arrowtext.read_csv(data, _body_start(data, encoding, header_row), encoding.codec, positional, delim,
                                    compact=True)
        if any(len(a) != len(scan.rows) for a in fields.values()):  # (the checks leave no such line)
            raise where.error("rijlengte", ": een veld is niet te lezen als CSV")
        out = _finish_raw(_chosen(fields, scan.rows), layout, stripped=True)
    else:
        out = _read_csv_blocks(data, encoding, header_row, delim, positional, scan.rows, layout, where)
    del data
    held.release()
    out.attrs["blank_rows"] = _interior(scan.blank_rows, out[ROW])
    out.attrs["ignored_columns"] = ignored
    out.attrs["ignored_names"] = [(p, columns[p - 1]) for p in ignored]
    return out


def _chosen(fields: dict[str, Any], rows: np.ndarray) -> pd.DataFrame:
    """A frame of ``rij`` and the parsed columns (named ``<position>:<name>``) under their names; of a column that is
    there twice (possible only for an ignored one), its first."""
    chosen: dict[str, Any] = {ROW: rows}
    for name, array in fields.items():
        chosen.setdefault(name.split(":", 1)[1], array)
    return pd.DataFrame(chosen, copy=False)


_LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")


def _body_start(data: bytes, encoding: _Encoding, header_row: int) -> int:
    """The offset in ``data`` just after the header (row ``header_row``), counting line ends as
    :func:`_split_lines` does."""
    offset = encoding.start
    for _, found in zip(range(header_row), _LINE_END_BYTES.finditer(data, encoding.start), strict=False):
        offset = found.end()
    return offset if header_row else encoding.start


def _read_csv_blocks(data: bytes, encoding: _Encoding, header_row: int, delim: str, positional: list[str],
                     rows: np.ndarray, layout: RecordLayout, where: _Where) -> pd.DataFrame:
    """The records parsed one block at a time (pandas' parser for a block with quotes), the blocks' frames put
    together (Arrow columns: as chunks, without a copy)."""
    parts: list[pd.DataFrame] = []
    done = 0
    for number, lines in _line_blocks(data, encoding):
        if number <= header_row:
            lines = lines[header_row - number + 1 :]
        keep = [line for line in lines if line.strip()]
        if not keep:
            continue
        block_rows = rows[done : done + len(keep)]
        done += len(keep)
        body = "\n".join(keep).encode("utf-8")
        del keep
        if arrowtext.default_is_arrow() and b'"' not in body:
            parts.append(_finish_raw(_chosen(arrowtext.read_csv(body, 0, "utf-8", positional, delim), block_rows),
                                     layout, stripped=True))
            continue
        frame = pd.read_csv(
            io.BytesIO(body),  # bytes: a StringIO of the text costs 4 bytes a character
            sep=delim, header=None, names=positional, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, engine="c",
        )
        del body
        if len(frame) != len(block_rows):  # (the checks leave no line pandas could read otherwise)
            raise where.error("rijlengte", ": een veld is niet te lezen als CSV", row=int(block_rows[0]))
        parts.append(_finish_raw(_chosen({c: frame[c].array for c in frame.columns}, block_rows), layout))
        del frame
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def _check_field_counts(lines: list[str], number: int, delim: str, width: int, where: _Where) -> None:
    """Every non-blank line of a block (its first line being row ``number``) has ``width`` fields."""
    try:
        counts = _field_counts(lines, delim, quoted=any('"' in line for line in lines), where=where, first_row=number)
    except csv.Error:
        raise where.error("rijlengte", ": een veld is niet te lezen als CSV") from None
    for offset, (line, count) in enumerate(zip(lines, counts, strict=True)):
        if line.strip() and count != width:
            raise where.error("rijlengte", f": {count} velden, verwacht {width}", row=number + offset)


def _read_csv_small(
    body: list[str], rows: np.ndarray, delim: str, columns: list[str], layout: RecordLayout
) -> pd.DataFrame:
    """:func:`_read_csv` for a few rows (``body``: the non-blank lines, ``rows``: their numbers), on Python lists: the
    csv module splits the fields (the same quoting rules as pandas' parser: ``"`` quotes, ``""`` inside quotes) and
    the raw frame is built once from the column lists, without pandas' parser and the per-column string calls of
    :func:`_finish_raw`."""
    records = list(csv.reader(body, delimiter=delim))
    data: dict[str, Any] = {ROW: rows}
    for col in layout.names:
        if col not in columns:  # an optional column left out of the file
            data[col] = [""] * len(records)
            continue
        i = columns.index(col)
        data[col] = [fields[i].strip() for fields in records]
    return pd.DataFrame(data)


def _interior(blank_rows: list[int], record_rows: pd.Series) -> list[int]:
    """Blank lines between records (trailing blank lines at the end of a file are harmless)."""
    if record_rows.empty:
        return []
    last = int(record_rows.max())
    return [int(n) for n in blank_rows if n < last]


def _check_field_lengths(header: str, lines: list[str], number: int, delim: str, layout: RecordLayout,
                         where: _Where) -> None:
    """A field longer than :data:`spiegel.limits.FIELD_CHARS` is a file rule naming its row and column (the csv
    module would stop at its own limit with an error of its own; a field that long is never a value of ours).
    ``lines`` start at row ``number``; ``header`` names the columns."""
    limit = limits.FIELD_CHARS.value
    if max(map(len, lines), default=0) <= limit:
        return
    names = _split_long(header, delim)
    for row, line in enumerate(lines, start=number):
        if len(line) <= limit:
            continue
        for position, value in enumerate(_split_long(line, delim), start=1):
            if len(value) > limit:
                name = _normalise_name(names[position - 1]) if position <= len(names) else ""
                column = name if name in layout.names else f"op positie {position}"
                raise where.error("rijlengte", f": een veld is langer dan {limits.dutch(limit)} tekens",
                                  row=row, column=column)


def _split_long(line: str, delim: str) -> list[str]:
    """The fields of one (long) line, quotes as the csv module reads them, whatever their length."""
    if '"' not in line:
        return line.split(delim)
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, len(line) + 1))
    try:
        return next(csv.reader([line], delimiter=delim), [])
    except csv.Error:
        return line.split(delim)
    finally:
        csv.field_size_limit(old)


def _header_fields(line: str, delim: str) -> list[str]:
    return next(csv.reader([line], delimiter=delim))


def _field_counts(body: list[str], delim: str, *, quoted: bool, where: _Where, first_row: int) -> list[int]:
    if not quoted:
        return [line.count(delim) + 1 for line in body]
    counts: list[int] = []
    # An empty line after the body: a quote still open at its end runs into it, as into the next block's first line.
    reader = csv.reader(itertools.chain(body, [""]), delimiter=delim)
    for fields in reader:
        if len(counts) == len(body):  # the empty line's own row
            break
        if reader.line_num != len(counts) + 1:
            # A quoted field ran over a line end (or a quote was never closed): rows no longer match lines.
            raise where.error(
                "rijlengte", ": een veld tussen aanhalingstekens loopt door over het regeleinde",
                row=first_row + len(counts),
            )
        counts.append(len(fields) if fields else 0)
    return counts


def _looks_fixed_width(lines: list[str], layout: RecordLayout) -> bool:
    records = [line.rstrip("\r") for line in lines if line.strip()]
    width = layout.record_width
    sample = records[:200]
    return bool(sample) and all(width - 20 <= len(r) <= width for r in sample) and not any(
        d in sample[0] for d in _DELIMITERS
    )


def _read_fixed(lines: list[str], layout: RecordLayout, where: _Where) -> pd.DataFrame:
    width = layout.record_width
    for number, line in enumerate(lines, start=1):
        if line.strip() and len(line) != width:
            raise where.error("rijlengte", f": {len(line)} tekens, verwacht {width}", row=number)
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


#: A sheet's records are turned into frames this many rows at a time (:func:`_read_excel`; fewer than 2**15, so
#: that a block's dictionary codes fit two bytes).
EXCEL_BLOCK_ROWS = 2**14


def _read_excel(data: bytes, layout: RecordLayout, where: _Where, kind: str, sheet: str | None) -> pd.DataFrame:
    """A sheet's raw frame, its rows turned into frames a block of :data:`EXCEL_BLOCK_ROWS` at a time. A workbook
    (XLSX) is read as a stream (:mod:`spiegel.xlsxstream`: one block of the sheet at a time); what that reader does
    not read itself, and an XLS, calamine reads (it holds the whole sheet)."""
    if kind == "xlsx":
        try:
            return _excel_frame(xlsxstream.rows(data, sheet), layout, where)
        except xlsxstream.Unsupported:
            pass  # (the rows given so far were calamine's too: it starts again from the first)
    return _excel_frame(_calamine_rows(data, where, kind, sheet), layout, where)


def _calamine_rows(data: bytes, where: _Where, kind: str, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    """:func:`spiegel.xlsxstream.rows` as calamine gives them: it loads the sheet, then its rows are taken one at a
    time (``iter_rows``, which gives every row from the first, and the columns from the sheet's first used column
    on), so that the sheet is never held as Python values as a whole."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not book.sheet_names:
            raise where.error("leeg")
        chosen = book.get_sheet_by_name(sheet) if sheet is not None else book.get_sheet_by_index(0)
        rows = chosen.iter_rows()
        pad = [""] * (chosen.start[1] if chosen.start else 0)
    except InputError:
        raise
    except Exception:  # calamine raises several error types for damaged or truncated files
        raise where.error("onleesbaar", f" (Excel-bestand ({kind}) is beschadigd of afgebroken)") from None
    del book
    for index, values in enumerate(rows):
        yield index + 1, pad + [_cell_text(v) for v in values]


def _excel_frame(rows: Iterator[tuple[int, list[str]]], layout: RecordLayout, where: _Where) -> pd.DataFrame:
    """The raw frame of a sheet's ``rows`` (row number, cell texts from column A)."""
    columns: list[str] | None = None
    ignored: list[int] = []
    keep: list[int] = []
    width = 0
    parts = _Blocks()
    records: list[list[str]] = []
    numbers: list[int] = []
    for number, row in rows:
        if not any(row):
            continue
        if columns is None:  # the first row with a value: the header
            header = row
            while header and not header[-1]:
                header = header[:-1]
            columns, ignored = _check_header(header, layout, where, number)
            width = len(columns)
            keep = [i for i in range(width) if i + 1 not in set(ignored)]
            continue
        if any(row[width:]):
            raise where.error("rijlengte", ": meer velden dan kolommen", row=number)
        if len(row) != width:
            row = (row + [""] * width)[:width]
        records.append([row[i] for i in keep] if ignored else row)
        numbers.append(number)
        if len(records) >= EXCEL_BLOCK_ROWS:
            parts.add(_excel_part(records, numbers, [columns[i] for i in keep], layout, where))
            records, numbers = [], []
    del rows  # (calamine's: the sheet's cells as it holds them)
    if columns is None:
        if layout.leeg_toegestaan:
            return pd.DataFrame(columns=[ROW, *layout.names])
        raise where.error("leeg")
    if records or not parts.count:
        parts.add(_excel_part(records, numbers, [columns[i] for i in keep], layout, where))
    out = parts.frame()
    out.attrs["ignored_columns"] = ignored
    out.attrs["ignored_names"] = [(p, columns[p - 1]) for p in ignored]
    return out


class _Blocks:
    """The raw frames of a sheet's blocks of rows, joined into one. A sheet of one block gives its frame as it is;
    of more, each block's columns are dictionary-encoded as it comes (a code a cell and its distinct texts) and
    the whole is given as :func:`spiegel.arrowtext.from_dictionary` makes it, categories for a column of few
    distinct values, as the CSV reader gives them: the text of all blocks is never held at once."""

    def __init__(self) -> None:
        self.count = 0
        self.first: pd.DataFrame | None = None
        self.rows: list[np.ndarray] = []
        self.columns: dict[str, list[pa.Array]] = {}

    def add(self, frame: pd.DataFrame) -> None:
        self.count += 1
        if self.count == 1:
            self.first = frame
            return
        if self.first is not None:
            first, self.first = self.first, None
            self._encode(first)
        self._encode(frame)

    def _encode(self, frame: pd.DataFrame) -> None:
        self.rows.append(frame[ROW].to_numpy())
        for name in frame.columns:
            if name != ROW:
                values = pa.array(frame[name].array if arrowtext.is_arrow(frame[name]) else frame[name].to_numpy(),
                                  type=pa.string()).dictionary_encode()
                # (a block has fewer than 32,768 rows: two bytes a code)
                narrow = pa.DictionaryArray.from_arrays(values.indices.cast(pa.int16()), values.dictionary)
                self.columns.setdefault(name, []).append(narrow)

    def frame(self) -> pd.DataFrame:
        if self.first is not None:
            return self.first
        memory.give_back()  # (what the blocks' text took: the joined columns can use it, or the system has it back)
        dtype = pd.StringDtype(storage="pyarrow", na_value=float("nan"))
        data: dict[str, Any] = {ROW: np.concatenate(self.rows)}
        for name in list(self.columns):
            data[name] = arrowtext.from_dictionary(pa.chunked_array(self.columns.pop(name)), dtype)
            memory.give_back()
        return pd.DataFrame(data)


def _excel_part(records: list[list[str]], numbers: list[int], columns: list[str], layout: RecordLayout,
                where: _Where) -> pd.DataFrame:
    """The raw frame of a block of a sheet's records (``numbers``: their rows)."""
    frame = pd.DataFrame(records, columns=columns, dtype=str)
    _check_cell_lengths(frame, numbers, layout, where)
    frame[ROW] = numbers
    frame = _pad_excel_codes(frame, layout, where.layout.codes)
    return _finish_raw(frame, layout)


def _check_cell_lengths(frame: pd.DataFrame, numbers: list[int], layout: RecordLayout, where: _Where) -> None:
    """A cell longer than :data:`spiegel.limits.FIELD_CHARS` is the same file rule as such a field in a CSV."""
    limit = limits.FIELD_CHARS.value
    for name in frame.columns:
        over = (frame[name].str.len() > limit).to_numpy()
        if over.any():
            column = name if name in layout.names else None
            raise where.error("rijlengte", f": een veld is langer dan {limits.dutch(limit)} tekens",
                              row=numbers[int(over.argmax())], column=column)


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


_PADDED_TYPES = frozenset({"code", "datum", "datum_00", "bsn"})


def _pad_excel_codes(frame: pd.DataFrame, layout: RecordLayout, code_lists: Any) -> pd.DataFrame:
    """Excel drops leading zeros of numbers: ``0363`` typed as a number arrives as ``363``.

    Digits-only values shorter than the item's width get their zeros back, except where the short value is
    itself a valid code (``tevredenheid`` ``1``–``10``).
    """
    for col in layout.kolommen:
        if col.type not in _PADDED_TYPES or col.naam not in frame.columns:
            continue
        values = frame[col.naam]
        short = values.str.fullmatch(r"\d+") & (values.str.len() < col.breedte)
        if col.codelijst:
            short &= ~values.isin(code_lists.code_list(col.codelijst).values)
        if short.any():
            frame.loc[short, col.naam] = values[short].str.zfill(col.breedte)
    return frame


# --- typed frame -----------------------------------------------------------------------------------------


def _finish_raw(frame: pd.DataFrame, layout: RecordLayout, *, stripped: bool = False) -> pd.DataFrame:
    """The raw frame of a record set: ``rij`` and the layout's columns in its order, values trimmed (``stripped``:
    they are already), an optional column left out of the file filled with ``""``."""
    # Columns are collected first and the frame is built once: inserting them one by one costs more than the
    # rest of reading a small file.
    if not len(frame):  # a sheet with a header only (a set that may be empty): as the CSV reader gives it
        return pd.DataFrame(columns=[ROW, *layout.names])
    data: dict[str, Any] = {ROW: frame[ROW].astype("int64").to_numpy()}
    small = fastpath.small(len(frame))
    for col in layout.names:
        if col not in frame.columns:  # an optional column left out of the file
            data[col] = np.full(len(frame), "", dtype=object)
        elif stripped and (arrowtext.is_arrow(frame[col]) or categories.is_category(frame[col])):
            data[col] = frame[col].array
        elif small:
            data[col] = [str(v).strip() for v in frame[col].tolist()]
        else:
            text = frame[col].astype(str).str.strip()
            # Arrow text is kept as it is (one buffer of characters; interning would only add a copy); Python
            # objects get one object per distinct value.
            data[col] = text.array if arrowtext.is_arrow(text) else _interned(text)
    return pd.DataFrame(data)


def _interned(values: pd.Series) -> np.ndarray:
    """The values as an object array in which equal texts are one string object (a code column of a million rows
    holds a handful of strings, not a million): the raw frame's memory is then 8 bytes a cell plus its distinct
    values, instead of some 55 bytes a cell (issue 25: reading took 23 times the file's size)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(uniques, dtype=object)[codes]


#: ``<bsn>_status`` values: a real number (nine digits that pass the elfproef), a filled value that is not one,
#: the special values of the domain's code list ``bsn_bijzonder`` (their ``status``), or empty.
BSN_STATUS = ("bekend", "ongeldig", "onbekend", "ongeboren", "leeg")


def _typed(raw: pd.DataFrame, layout: RecordLayout, where: _Where) -> pd.DataFrame:
    small = fastpath.small(len(raw))
    data: dict[str, object] = {ROW: raw[ROW].to_numpy()}
    for col in layout.kolommen:
        values = raw[col.naam]
        coded = categories.is_category(values)  # (the derived columns are computed per distinct value)
        if col.type == "datum":
            data[col.naam] = categories.per_value(values, dates.parse).to_numpy() if coded else dates.parse(values)
        elif col.type == "datum_00":
            parse = dates.parse_with_unknown_day
            data[col.naam] = categories.per_value(values, parse).to_numpy() if coded else parse(values)
            special = _special_dates(where.layout.codes)
            if special:
                status = date_status(values, special)
                data[col.naam] = _without_special(data[col.naam], status, special)
                data[f"{col.naam}_status"] = status
        elif col.type == "vlag":
            data[col.naam] = (categories.text(values).to_numpy(dtype=object) == "1").astype(np.int8)
        elif col.type == "postcode":
            data[col.naam] = _empty_as_missing(categories.recode(values, _postcode_text))
        elif small:
            data[col.naam] = pd.array([v if v else None for v in values.tolist()], dtype=values.dtype)
        else:
            data[col.naam] = _empty_as_missing(values)
        if col.type == "bsn":
            special = where.layout.codes.status_of("bsn_bijzonder")
            status = functools.partial(bsn_status, special=special)
            data[f"{col.naam}_status"] = categories.per_value(values, status).to_numpy() if coded else status(values)
    if not small:  # a status column (a few labels, one a row) held as categories, not as text
        for name in [name for name in data if name.endswith("_status") and name[:-7] in layout.names]:
            data[name] = categories.of_labels(data[name])
    return pd.DataFrame(data, index=raw.index)


def _postcode_text(values: pd.Series) -> pd.Series:
    return values.str.replace(" ", "", regex=False).str.upper()


def _empty_as_missing(values: pd.Series) -> pd.Series:
    if categories.is_category(values):
        return categories.empty_as_missing(values)
    return arrowtext.empty_as_missing(values)


def typed_frame(raw: pd.DataFrame, layout: Layout, *, name: str = "", columns: Any = None) -> pd.DataFrame:
    """The typed frame of a raw frame (a ``rij`` column and one text column per column of the one-set ``layout``,
    or of ``columns`` only; values stripped), exactly as :func:`read_delivery` types a file's records
    (``spiegel.bulkread`` uses it)."""
    from dataclasses import replace

    record = layout.single
    if columns is not None:
        record = replace(record, kolommen=tuple(c for c in record.kolommen if c.naam in columns))
    return _typed(raw, record, _Where(name, layout))


def bsn_status(values: pd.Series, special: dict[str, str]) -> np.ndarray:
    """The :data:`BSN_STATUS` of every value (an object array); ``special``: code → status."""
    if fastpath.small(len(values)):
        return _statuses(values.tolist(), special)
    if arrowtext.is_arrow(values):
        return _statuses_vectorised(values, special)
    codes_, uniques = pd.factorize(values)
    return _statuses(uniques.tolist(), special)[codes_]


def _statuses_vectorised(values: pd.Series, special: dict[str, str]) -> np.ndarray:
    """:func:`_statuses` of Arrow text without a Python object per value (a BSN column is mostly distinct values;
    the list of them cost several times the file's size): a small code per value, then its status."""
    labels = list(dict.fromkeys(["ongeldig", "leeg", "bekend", *special.values()]))
    code = np.zeros(len(values), dtype=np.int8)  # ongeldig
    code[values.eq("").to_numpy(dtype=bool, na_value=False)] = labels.index("leeg")
    is_special = values.isin(list(special)).to_numpy(dtype=bool, na_value=False)
    for value, status in special.items():
        code[values.eq(value).to_numpy(dtype=bool, na_value=False)] = labels.index(status)
    nine = values.str.fullmatch("[0-9]{9}").to_numpy(dtype=bool, na_value=False) & ~is_special
    where = np.flatnonzero(nine)
    valid = elfproef.passes_nine_digit_array(values.iloc[where]) if len(where) else np.zeros(0, dtype=bool)
    code[where[valid]] = labels.index("bekend")
    return np.array(labels, dtype=object)[code]


def _statuses(values: list[str], special: dict[str, str]) -> np.ndarray:
    out = np.array([special.get(v) or ("leeg" if not v else "ongeldig") for v in values] or [], dtype=object)
    candidates = [i for i, v in enumerate(values)
                  if v not in special and len(v) == 9 and v.isascii() and v.isdigit()]
    if candidates:
        valid = elfproef.passes_nine_digit_texts([values[i] for i in candidates])
        out[np.asarray(candidates, dtype=np.int64)[valid]] = "bekend"
    return out


# --- lists, special dates, fixed width with record types (layouts such as Veilig Thuis's, SPEC §5) -------------


def expand_lists(raw: pd.DataFrame, layout: RecordLayout) -> pd.DataFrame:
    """The raw frame with every ``lijst`` column's flags (``"1"`` where the code is listed, else ``"0"``; an empty
    list gives empty flags) after the list, which stays under its own name for the rules. Codes are trimmed;
    a code that is not an option sets no flag (a rule reports it)."""
    data: dict[str, Any] = {c: raw[c].to_numpy() for c in raw.columns}
    for column in layout.lijsten:
        values = raw[column.naam].tolist()
        listed = [{code.strip() for code in v.split(LIST_SEPARATOR)} if v else None for v in values]
        for flag, code in zip(column.flag_names(), column.opties, strict=True):
            data[flag] = np.array(["" if s is None else ("1" if code in s else "0") for s in listed] or [],
                                  dtype=object)
    return pd.DataFrame(data, index=raw.index)


def list_codes_not_in(values: pd.Series | list, options: tuple[str, ...]) -> np.ndarray:
    """Bool array: a delivered list (``01|06``) holds a code that is not one of ``options`` (empty parts count)."""
    allowed = set(options)
    return np.array([bool(v) and any(code.strip() not in allowed for code in v.split(LIST_SEPARATOR))
                     for v in (values if isinstance(values, list) else values.tolist())] or [], dtype=bool)


#: ``<datum>_status`` values of a ``datum_00`` column in a domain with special date values (``datum_bijzonder``).
DATE_STATUS = ("bekend", "ongeldig", "onbekend", "ongeboren", "leeg")


def _special_dates(code_lists: Any) -> dict[str, str]:
    if "datum_bijzonder" not in code_lists.list_names():
        return {}
    return code_lists.status_of("datum_bijzonder")


def date_status(values: pd.Series, special: dict[str, str]) -> np.ndarray:
    """The :data:`DATE_STATUS` of every value of a ``datum_00`` column (an object array); ``special``: code → status.
    A date with an unknown day or month (``JJJJMM00``, ``JJJJ0000``) is ``bekend``."""
    codes_, uniques = pd.factorize(values)
    out = [special.get(v) or ("leeg" if not v else "bekend" if dates.is_valid_text(v, True) else "ongeldig")
           for v in uniques.tolist()]
    return np.array(out or [], dtype=object)[codes_] if len(values) else np.array([], dtype=object)


def _without_special(parsed: Any, status: np.ndarray, special: dict[str, str]) -> Any:
    """The typed dates with the special values empty (``00000000`` would otherwise read as a day in the year 0)."""
    mask = np.isin(status, list(set(special.values())))
    if not mask.any():
        return parsed
    out = np.asarray(parsed, dtype="datetime64[us]").copy()
    out[mask] = dates.NAT
    return out


def _read_typed_fixed(data: bytes, layout: Layout, where: _Where) -> Delivery:
    """A fixed-width text file of several record sets: every line starts with the set's record-type code
    (``layout.recordtype``), then that set's columns (as delivered) in order with their widths. Row numbers are
    line numbers; a line with an unknown record type or a wrong length is a file rule."""
    text, encoding = _decode(data, where)
    lines = _split_lines(text)
    kinds = layout.recordtype or {}
    size = len(next(iter(kinds)))
    per_set: dict[str, list[int]] = {name: [] for name in kinds.values()}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines keep their number, so later rows keep theirs
        name = kinds.get(line[:size])
        if name is None:
            raise where.error("rijlengte", " (onbekend recordtype aan het begin van de regel)", row=number)
        per_set[name].append(number)
    sets: dict[str, RecordSet] = {}
    for record_layout in layout.sets:
        delivered = record_layout.delivered
        width = size + delivered.record_width
        numbers = per_set[record_layout.naam]
        for number in numbers:
            if len(lines[number - 1]) != width:
                raise where.error("rijlengte", f": {len(lines[number - 1])} tekens, verwacht {width}", row=number)
        body = pd.Series([lines[n - 1] for n in numbers], dtype=str).str.ljust(width)
        frame: dict[str, Any] = {ROW: np.asarray(numbers, dtype=np.int64)}
        start = size
        for col in delivered.kolommen:
            frame[col.naam] = body.str.slice(start, start + col.breedte).to_numpy(dtype=object)
            start += col.breedte
        raw = _finish_raw(pd.DataFrame(frame), delivered)
        if not numbers and not record_layout.leeg_toegestaan:
            raise where.error("gegevensset", f" (geen regels met recordtype van {record_layout.naam})")
        found = _Found(raw, "vast", encoding, None)
        sets[record_layout.naam] = _record_set(found, record_layout, where.name, where)
    found = _Found(next(iter(sets.values())).raw, "vast", encoding, None)
    rows = sum(len(s) for s in sets.values())
    return Delivery(sets, _source(where.name, layout, sha256_bytes(data), len(data), found, rows), layout)
