"""Checks on a delivery's bytes before a parser sees them: what would make a reader run out of memory.

The XLSX reader (python-calamine) makes a cell for every position of a sheet's extent, also the empty ones, and
unpacks the zip without asking how large its parts are. So before it is called, :func:`check_workbook` looks at
the zip's table of contents (the unpacked size of every part, and how far it packs) and then reads every XML part
as a stream, in chunks of 1 MB through :mod:`zipfile` (which never unpacks more than a part's declared size),
finding the sheet's declared extent (``<dimension ref="A1:XFD1048576"/>``) and its real extent (the references of
its rows and cells, ``<row r="…">`` and ``<c r="…">``, counted the way the reader counts a row or cell without a
reference: one after the previous). Nothing is kept but the largest row and column, so the check needs a few MB
whatever the file holds. The limits are those of :mod:`spiegel.limits`.

A problem is returned as a short Dutch text (the detail of the domain's file rule ``onleesbaar``); the caller
raises the error. Nothing from the file is ever part of the text.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from spiegel import limits

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
