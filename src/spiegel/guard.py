"""Checks on a delivery's bytes before a parser sees them: what would make a reader run out of memory.

The workbook reader (python-calamine) makes a cell for every position of a sheet's extent, also the empty ones,
from A1 on. For XLSX it also unpacks the zip without asking how large its parts are. So before it is called,
:func:`check_workbook` looks at the zip's table of contents (the unpacked size of every part, and how far it
packs) and then reads every XML part as a stream, in chunks of 1 MB through :mod:`zipfile` (which never unpacks
more than a part's declared size), finding the sheet's declared extent (``<dimension ref="A1:XFD1048576"/>``) and
its real extent (the references of its rows and cells, ``<row r="…">`` and ``<c r="…">``, counted the way the
reader counts a row or cell without a reference: one after the previous). Nothing is kept but the largest row and
column, so the check needs a few MB whatever the file holds.

An XLS (BIFF8 or BIFF5 records in an OLE2 compound file) gets the same check from :func:`check_xls`: the
compound file is opened with :mod:`olefile`, the size of its ``Workbook`` stream is checked before it is read,
and its records are walked as the reader walks them (the sheets where the workbook globals say they start): the
declared extent is a sheet's DIMENSIONS record (the reader reserves room for it), the real extent the largest row
and column of its cell and ROW records. The limits are those of :mod:`spiegel.limits`, applied to both formats
by one function.

A problem is returned as a short Dutch text (the detail of the domain's file rule ``onleesbaar``); the caller
raises the error. Nothing from the file is ever part of the text.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from typing import TYPE_CHECKING

from spiegel import limits

if TYPE_CHECKING:
    import olefile

_CHUNK = 2**20
#: A start tag longer than this (all its attributes) is refused: no reader writes one, and the scan stays bounded.
_MAX_TAG = 2**16
_NAME = r"[A-Za-z_][\w.\-]*"
_ATTRS = r"(?:\s+" + _NAME + r"(?::" + _NAME + r")?\s*=\s*(?:\"[^\"]*\"|'[^']*'))*"
#: A start tag of a row, a cell or the dimension, with or without a namespace prefix (``<x:c …>``).
_TAG = re.compile(
    (r"<(?:" + _NAME + r":)?(row|c|dimension)(" + _ATTRS + r")\s*/?>").encode()
)
_ATTR_R = re.compile(rb"""(?:^|\s)(r|ref)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(r"^\$?([A-Za-z]{1,7})\$?(\d{1,12})$")
_NUMBER = re.compile(r"^\d{1,12}$")
_CHAR_REF = re.compile(r"&#(x[0-9A-Fa-f]{1,6}|\d{1,7});")


class Extent:
    """The largest row and column (1-based) a sheet's rows and cells reach, counted as the reader counts them."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 0
        self.declared_rows = 0
        self.declared_columns = 0
        self._row = 0
        self._column = 0

    def tag(self, name: bytes, attrs: bytes) -> None:
        value = _attribute(attrs, b"ref" if name == b"dimension" else b"r")
        if name == b"row":
            number = int(value) if value is not None and _NUMBER.match(value) else None
            self._row = number if number is not None else self._row + 1
            self._column = 0
            self.rows = max(self.rows, self._row)
        elif name == b"c":
            cell = _cell(value) if value is not None else None
            if cell is None:
                self._column += 1
                row = max(self._row, 1)
            else:
                row, self._column = cell
            self.rows = max(self.rows, row)
            self.columns = max(self.columns, self._column)
        else:  # dimension: "A1:XFD1048576" or one cell "A1"
            for ref in (value or "").split(":")[-1:]:
                cell = _cell(ref)
                if cell is not None:
                    self.declared_rows = max(self.declared_rows, cell[0])
                    self.declared_columns = max(self.declared_columns, cell[1])


def _attribute(attrs: bytes, wanted: bytes) -> str | None:
    for match in _ATTR_R.finditer(attrs):
        if match.group(1) == wanted:
            raw = (match.group(2) if match.group(2) is not None else match.group(3)).decode("utf-8", "replace")
            return _unescape(raw).strip()
    return None


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    text = _CHAR_REF.sub(lambda m: _char(m.group(1)), text)
    return text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&")


def _char(code: str) -> str:
    number = int(code[1:], 16) if code.startswith("x") else int(code)
    return chr(number) if number < 0x110000 else ""


def _cell(ref: str) -> tuple[int, int] | None:
    """``XFD1048576`` → (1048576, 16384); None for what is not a cell reference."""
    match = _REF.match(ref)
    if match is None:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def scan(stream: io.RawIOBase | io.BufferedIOBase | zipfile.ZipExtFile) -> Extent | str:
    """The extent of the rows and cells of one XML part read from ``stream`` in chunks, or a problem (text)."""
    extent = Extent()
    rows, columns, cells = limits.SHEET_ROWS.value, limits.SHEET_COLUMNS.value, limits.SHEET_CELLS.value
    carry = b""
    while True:
        chunk = stream.read(_CHUNK)
        data = carry + chunk
        # Every tag that starts before the last "<" ends before it (XML allows no "<" inside a tag): the region
        # up to it holds complete tags only; the rest is carried over to the next chunk.
        cut = len(data) if not chunk else data.rfind(b"<")
        if cut < 0:
            cut = len(data)
        _region(data[:cut], extent)
        carry = data[cut:]
        if len(carry) > _MAX_TAG:
            close = carry.find(b">")
            if close < 0:
                return "een XML-element met te veel kenmerken"
            _region(carry[: close + 1], extent)  # a complete tag, then text (a long value) up to the chunk's end
            carry = b""
        problem = _too_large(extent, rows, columns, cells)
        if problem or not chunk:
            return problem or extent


#: The usual forms, written by Excel and every library: ``<c r="B7"`` and ``<row r="7"``, the reference first, no
#: namespace prefix. (Patterns that start with a literal are searched for quickly.)
_FAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_FAST_ROW = re.compile(rb'<row r="([0-9]{1,7})"')
_PREFIXED = re.compile(rb":(?:c|row|dimension)[\s/>]")
_AFTER_NAME = (b" ", b">", b"/", b"\t", b"\n", b"\r")


def _count(data: bytes, name: bytes) -> int:
    return sum(data.count(b"<" + name + after) for after in _AFTER_NAME)


def _region(data: bytes, extent: Extent) -> None:
    """Add a region of complete tags to ``extent``: in bulk when every row and cell tag has the usual form (the
    counts of all row and cell tags equal those of the usual ones), else tag by tag (:meth:`Extent.tag`)."""
    cells = _FAST_CELL.findall(data)
    rows = _FAST_ROW.findall(data)
    if (len(cells) == _count(data, b"c") and len(rows) == _count(data, b"row")
            and not _count(data, b"dimension") and not _PREFIXED.search(data)):
        if rows:
            numbers = list(map(int, rows))
            extent.rows = max(extent.rows, max(numbers))
            extent._row, extent._column = numbers[-1], 0
        if cells:
            extent.rows = max(extent.rows, max(map(int, (row for _, row in cells))))
            letters = {letters for letters, _ in cells}
            extent.columns = max(extent.columns, max(_cell(f"{x.decode()}1")[1] for x in letters))
            last = _cell((cells[-1][0] + cells[-1][1]).decode())
            if last is not None and (not rows or data.rfind(b"<c") > data.rfind(b"<row")):
                extent._column = last[1]
        return
    for match in _TAG.finditer(data):
        extent.tag(match.group(1), match.group(2))




def _too_large(extent: Extent, rows: int, columns: int, cells: int) -> str | None:
    """The limit a sheet's declared or real extent passes (XLSX and XLS alike), as a problem text; else None."""
    for what, n_rows, n_columns in (("gedeclareerde omvang", extent.declared_rows, extent.declared_columns),
                                    ("omvang", extent.rows, extent.columns)):
        if n_rows > rows:
            return f"{what} van een werkblad: meer dan {limits.dutch(rows)} rijen"
        if n_columns > columns:
            return f"{what} van een werkblad: meer dan {limits.dutch(columns)} kolommen"
        if n_rows * n_columns > cells:
            return f"{what} van een werkblad: meer dan {limits.dutch(cells)} cellen"
    return None


def check_workbook(data: bytes) -> str | None:
    """A problem (text) when the XLSX workbook ``data`` is too large to read safely; None when it may be read
    (also when it is no zip at all: the reader then says it is damaged)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive:
        infos = archive.infolist()
        unpacked = sum(max(i.file_size, 0) for i in infos)
        if unpacked > limits.UNPACKED_MB.value * limits.MB:
            return f"uitgepakt groter dan {limits.dutch(limits.UNPACKED_MB.value)} MB (zip-bom?)"
        ratio = limits.PACK_RATIO.value
        for info in infos:
            if info.file_size > limits.PACK_RATIO_MIN_BYTES and info.file_size > ratio * max(info.compress_size, 1):
                return f"een onderdeel is meer dan {ratio} keer samengeperst (zip-bom?)"
        for info in infos:
            if info.is_dir() or not info.filename.lower().endswith(".xml"):
                continue
            try:
                with archive.open(info) as stream:
                    found = scan(stream)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, ValueError, NotImplementedError):
                return None  # damaged or encrypted: the reader says so
            if isinstance(found, str):
                return found
    return None


# --- XLS: the old binary format (BIFF8, also BIFF5) in an OLE2 compound file --------------------------------

_XLS_STREAMS = ("Workbook", "Book")  # BIFF8, BIFF5: the reader takes the first that exists
_XLS_DAMAGED = "Excel-bestand (xls) is beschadigd of afgebroken"
_EOF, _BOUNDSHEET, _FILEPASS, _DIMENSIONS, _ROW, _FORMULA = 0x000A, 0x0085, 0x002F, 0x0200, 0x0208, 0x0006
#: Records of one cell, their data starting with its row and column (u16 each): LABELSST, LABEL, NUMBER, RK,
#: BLANK, FORMULA, BOOLERR, RSTRING. (calamine keeps no BLANK or RSTRING; they are counted all the same, as
#: a reader may keep them: it only matters for a sheet of more than 305 columns.)
_XLS_CELLS = frozenset({0x00FD, 0x0204, 0x0203, 0x027E, 0x0201, _FORMULA, 0x0205, 0x00D6})
#: Records of several cells of one row: MULRK, MULBLANK (row, first column, …, last column as the last u16).
_XLS_CELL_RUNS = frozenset({0x00BD, 0x00BE})


def check_xls(data: bytes) -> str | None:
    """A problem (text) when the XLS workbook ``data`` is too large to read safely or cannot be checked; None
    when it may be read.

    The OLE2 container is opened with :mod:`olefile`. The stream is the one the reader will take (``Workbook``,
    else the BIFF5 ``Book``; a name found twice in the directory is a damaged file); its size is checked against
    the unpacked limit before it is read. Then its records are walked as the reader (calamine) walks them: the
    workbook globals up to their EOF, which name the sheets and where each starts (BOUNDSHEET), then every sheet
    from that offset up to its EOF. A sheet's declared extent is its DIMENSIONS record (calamine reserves room for
    it), its real extent the largest row and column of its cell and ROW records, counted from A1 (the reader pads
    the sheet from A1). The check stays bounded: the sheets may not overlap, so no byte is walked more than
    twice. A truncated record, a sheet outside the stream or a damaged container is a damaged file (the same
    text as the reader's)."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            name = _workbook_stream(ole)
            if name is None or ole.get_type(name) != olefile.STGTY_STREAM:
                return _XLS_DAMAGED
            size = ole.get_size(name)
            if size > limits.UNPACKED_MB.value * limits.MB:
                return f"werkmap groter dan {limits.dutch(limits.UNPACKED_MB.value)} MB"
            stream = ole.openstream(name).read()
    except Exception:  # olefile raises OSError, ValueError, struct.error, IndexError, … for a damaged container
        return _XLS_DAMAGED
    if len(stream) != size:  # a sector chain shorter than the stream (olefile reads what there is)
        return _XLS_DAMAGED
    return _check_biff(stream)


def _workbook_stream(ole: olefile.OleFileIO) -> str | None:
    """The name of the stream the reader will take (``Workbook``, else ``Book``), or None when there is none or
    it is not certain which: a name that occurs twice in the directory (in any case). The directory is read
    entry by entry, as the reader finds a stream (by the first entry of its name), not through the tree olefile
    walks: an entry outside the tree is not in olefile's list, and would be what the reader reads."""
    ole.directory_fp.seek(0)
    raw = ole.directory_fp.read()
    names = []
    for at in range(0, len(raw) - 127, 128):
        if raw[at + 66] == 2:  # a stream
            length = min(int.from_bytes(raw[at + 64: at + 66], "little"), 64)
            names.append(raw[at: at + length].decode("utf-16-le", "replace").rstrip("\x00").lower())
    for name in _XLS_STREAMS:
        count = names.count(name.lower())
        if count:
            return name if count == 1 else None
    return None


def _check_biff(stream: bytes) -> str | None:
    sheets: list[int] = []
    stream = stream + bytes(8)  # so that the first four u16 of the last record can be read in one go
    size = len(stream) - 8
    walked = _walk_biff(stream, size, 0, sheets)
    if isinstance(walked, str):
        return walked
    if walked[1]:
        return "Excel-bestand (xls) is met een wachtwoord beveiligd"
    rows, columns, cells = limits.SHEET_ROWS.value, limits.SHEET_COLUMNS.value, limits.SHEET_CELLS.value
    end = 0
    for start in sorted(set(sheets)):
        if start > size or start < end:  # outside the stream, or inside the sheet before it
            return _XLS_DAMAGED
        walked = _walk_biff(stream, size, start, None)
        if isinstance(walked, str):
            return walked
        extent, end = walked
        problem = _too_large(extent, rows, columns, cells)
        if problem:
            return problem
    return None


_RECORD = struct.Struct("<HHHH")  # a record's type and length, and the first two u16 of its data


def _walk_biff(stream: bytes, size: int, pos: int, sheets: list[int] | None) -> tuple[Extent, int] | str:
    """Walk the records of ``stream`` (``size`` bytes and 8 of padding) from ``pos`` up to an EOF record (or the
    end), as the reader walks them. For the globals (``sheets`` a list) the sheets' offsets are added to ``sheets``
    and the result is (extent, encrypted); for a sheet it is (its extent, the offset after its EOF). A record that
    runs past the stream's end is a damaged file (the reader refuses it too)."""
    extent = Extent()
    record, cell_kinds = _RECORD.unpack_from, _XLS_CELLS
    encrypted = False
    rows = columns = -1  # the largest row and column seen, 0-based
    while pos < size:
        kind, length, row, column = record(stream, pos)
        body = pos
        pos += 4 + length
        if kind in cell_kinds:  # the common case first: most records of a sheet are cells
            if row > rows:
                rows = row
            if column > columns:
                columns = column
            if length < 4:
                return _XLS_DAMAGED
            continue
        body += 4
        if pos > size:
            return _XLS_DAMAGED
        if kind in _XLS_CELL_RUNS:
            if length < 6:
                return _XLS_DAMAGED
            last, = struct.unpack_from("<H", stream, pos - 2)
            rows, columns = max(rows, row), max(columns, column, last)
        elif kind == _ROW:
            if length < 2:
                return _XLS_DAMAGED
            rows = max(rows, row)
        elif kind == _DIMENSIONS:
            if length == 14:  # BIFF8: rwMic, rwMac (u32), colMic, colMac (u16); rwMac and colMac one past the last
                declared_rows, declared_columns = struct.unpack_from("<4xIxxH", stream, body)
            elif length == 10:  # BIFF5: the same, rows as u16
                declared_rows, declared_columns = struct.unpack_from("<2xHxxH", stream, body)
            else:
                return _XLS_DAMAGED
            extent.declared_rows = max(extent.declared_rows, declared_rows)
            extent.declared_columns = max(extent.declared_columns, declared_columns)
        elif kind == _EOF:
            break
        elif sheets is not None and kind == _BOUNDSHEET:
            if length < 4:
                return _XLS_DAMAGED
            sheets.append(struct.unpack_from("<I", stream, body)[0])
        elif sheets is not None and kind == _FILEPASS:
            encrypted = length < 2 or row != 0
    if pos > size:  # the last record was a cell that runs past the end
        return _XLS_DAMAGED
    extent.rows, extent.columns = rows + 1, columns + 1
    return extent, (encrypted if sheets is not None else pos)
