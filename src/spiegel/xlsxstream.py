"""A workbook's sheet read as a stream: the memory trick for XLSX deliveries (issue 25).

python-calamine holds every cell of a sheet before the first row reaches Python: about 23 times the workbook's
size (docs/benchmarks.md, "Memory of reading a delivery"). :func:`rows` reads the sheet's XML from the zip a few
MB at a time instead and gives its rows one by one, as the texts :func:`spiegel.read._cell_text` makes of
calamine's values, so that the reader holds one block of records at a time.

It reads what workbooks hold in practice: shared and inline strings, numbers, booleans, formula results, and
dates (numbers in a date format, in the 1900 or 1904 date system). What it does not read itself it does not
guess: it raises :class:`Unsupported` (a time of day, an error value, a namespace prefix on the sheet's elements,
a shared string with ``_x000D_`` escapes, a number of more than 15 digits …) and the reader reads that sheet with
calamine. tests/test_xlsxstream.py holds its rows equal to calamine's on a corpus of workbooks of every writer.

A cell in the usual form (``<c r="B7" s="1" t="s"><v>3</v></c>``, attributes in that order, which every writer
uses) is found by one regular expression for a whole block; a block with any other form is read cell by cell.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from xml.etree import ElementTree

#: The sheet's XML is read this many bytes at a time.
CHUNK_BYTES = 2**20
#: A row's XML longer than this is not read as a stream (256 columns of 10,000 characters, the limits of
#: spiegel.limits, take under 3 MB even with every character escaped as ``&#…;``, about 26 MB).
MAX_ROW_BYTES = 64 * 2**20


class Unsupported(Exception):
    """Something this reader does not read itself: the caller reads the sheet with calamine."""


def rows(data: bytes, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    """(1-based row number, the row's cell texts from column A on) of every row of the sheet ``sheet`` (its exact
    name; None: the first) that holds a cell; trailing empty cells may be left out. Raises :class:`Unsupported`
    for what it does not read, also for a workbook that is damaged (calamine then says what is wrong)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        book = _Book(archive)
        part = book.sheet_part(sheet)
        cells = _Cells(book.shared_strings(), book.style_kinds(), book.date1904)
        with archive.open(part) as stream:
            yield from _sheet_rows(stream, cells)
    except Unsupported:
        raise
    except Exception as exc:  # (a damaged part, an index out of range …: whatever it is, calamine reads the sheet)
        raise Unsupported(type(exc).__name__) from None


# --- the workbook's parts ------------------------------------------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class _Book:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = {n.lower(): n for n in archive.namelist()}
        self.workbook = self._workbook_path()
        root = self._xml(self.workbook)
        if root.tag != f"{_MAIN}workbook":
            raise Unsupported("workbook")
        pr = root.find(f"{_MAIN}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
        rels = self._rels(self.workbook)
        self.sheets: list[tuple[str, str]] = []
        for element in root.iter(f"{_MAIN}sheet"):
            target, kind = rels.get(element.get(f"{_REL}id", ""), ("", ""))
            if not kind.endswith("/worksheet"):
                raise Unsupported("sheet kind")
            self.sheets.append((element.get("name", ""), target))
        self.parts = {kind.rsplit("/", 1)[-1]: target for target, kind in rels.values()}

    def _workbook_path(self) -> str:
        for target, kind in self._rels("").values():
            if kind.endswith("/officeDocument"):
                return target
        raise Unsupported("no workbook")

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (target part, type) of ``part`` ("" for the package)."""
        folder, _, name = part.rpartition("/")
        path = f"{folder}/_rels/{name}.rels" if folder else (f"_rels/{name}.rels" if name else "_rels/.rels")
        root = self._xml(path)
        out = {}
        for element in root.iter(f"{_PACKAGE_REL}Relationship"):
            if element.get("TargetMode", "").lower() == "external":
                continue
            target = element.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else _join(folder, target)
            out[element.get("Id", "")] = (target, element.get("Type", ""))
        return out

    def _xml(self, path: str) -> ElementTree.Element:
        with self.archive.open(self._name(path)) as stream:
            return ElementTree.parse(stream).getroot()

    def _name(self, path: str) -> str:
        name = self.names.get(path.lower())
        if name is None:
            raise KeyError(path)
        return name

    def sheet_part(self, sheet: str | None) -> str:
        if not self.sheets:
            raise Unsupported("no sheets")
        for name, target in self.sheets:
            if sheet is None or name == sheet:
                return self._name(target)
        raise Unsupported("sheet not found")

    def _part(self, kind: str, usual: str) -> str | None:
        """The part of ``kind`` (a relationship type's last word) when it is at ``usual``, where calamine reads it
        from; None when the workbook has none."""
        target = self.parts.get(kind)
        if target is None and usual.lower() not in self.names:
            return None
        if target is None or target.lower() != usual.lower():
            raise Unsupported(f"{kind} elsewhere")
        return target

    def shared_strings(self) -> list[str]:
        target = self._part("sharedStrings", "xl/sharedStrings.xml")
        if target is None:
            return []
        out: list[str] = []
        root = None
        with self.archive.open(self._name(target)) as stream:
            for event, element in ElementTree.iterparse(stream, events=("start", "end")):
                if root is None:
                    root = element
                elif event == "end" and element.tag == f"{_MAIN}si":
                    out.append(_string_item(element))
                    root.clear()  # (the items read so far: only their texts are kept)
        return out

    def style_kinds(self) -> list[str]:
        """Per cell style (``s``): what a number in it is, ``number``, ``date`` or ``other`` (a time or duration)."""
        target = self._part("styles", "xl/styles.xml")
        if target is None:
            return []
        root = self._xml(target)
        custom = {}
        for element in root.iter(f"{_MAIN}numFmt"):
            custom[_int(element.get("numFmtId"))] = element.get("formatCode", "")
        kinds = []
        xfs = root.find(f"{_MAIN}cellXfs")
        for element in xfs.iter(f"{_MAIN}xf") if xfs is not None else ():
            kinds.append(_format_kind(_int(element.get("numFmtId")), custom))
        return kinds


def _join(folder: str, target: str) -> str:
    parts = [p for p in folder.split("/") if p]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _string_item(element: ElementTree.Element) -> str:
    """The text of a shared string (``<si>``): its ``<t>``, or those of its rich-text runs; phonetic runs left out."""
    parts = []
    for child in element:
        if child.tag == f"{_MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{_MAIN}r":
            parts.extend(t.text or "" for t in child.iter(f"{_MAIN}t"))
    text = "".join(parts)
    if _ESCAPED.search(text) or "\r" in text:
        raise Unsupported("escaped text")
    return text.strip()


_ESCAPED = re.compile(r"_x[0-9A-Fa-f]{4}_")

#: Built-in number formats that calamine reads as dates (ECMA-376 §18.8.30: dates and times, and the East Asian
#: date formats 27-36 and 50-58); 46 is a duration.
_DATE_FORMATS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 47, *range(27, 37), *range(50, 59)})
_DURATION_FORMATS = frozenset({46})


def _format_kind(number_format: int, custom: dict[int, str]) -> str:
    """What a number in the format is: ``date``, ``other`` (a duration) or ``number``, as calamine decides it."""
    if number_format in custom:
        return _custom_kind(custom[number_format])
    if number_format in _DATE_FORMATS:
        return "date"
    if number_format in _DURATION_FORMATS:
        return "other"
    return "number"


def _custom_kind(code: str) -> str:
    """:func:`_format_kind` of a format code: a date when its first section holds d, m, y, h or s outside quotes,
    escapes and brackets (or AM/PM); a duration when it has ``[h]``, ``[mm]`` or ``[s]`` (calamine's rule)."""
    escaped = quoted = am_pm = hms = False
    brackets = 0
    previous = " "
    for char in code:
        if escaped:
            escaped = False
        elif char in "_\\*":  # (the character after these is shown or repeated, not a format)
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == ";":
            return "number"
        elif char == "[":
            brackets += 1
        elif char == "]" and brackets == 1 and hms:
            return "other"
        elif char == "]":
            brackets = max(brackets - 1, 0)
        elif char in "aA" and not am_pm and brackets == 0:
            am_pm = True
        elif brackets == 0 and (char in "pmPM/" if am_pm else char in "dmhysDMHYS"):
            return "date"
        elif not (hms and char.lower() == previous.lower()):
            hms = previous == "[" and char in "mhsMHS"
        previous = char
    return "number"


# --- the cells ---------------------------------------------------------------------------------------------

_EPOCH_1900 = date(1899, 12, 30)
_MS_A_DAY = 86_400_000
_LAST_SERIAL = 2_958_465  # 31-12-9999


class _Cells:
    """The text of one cell (as :func:`spiegel.read._cell_text` gives calamine's value)."""

    def __init__(self, strings: list[str], kinds: list[str], date1904: bool) -> None:
        self.strings = strings
        self.kinds = kinds
        self.date1904 = date1904
        self._numbers: dict[tuple[bytes | None, bytes], str] = {}

    def text(self, style: bytes | None, kind: bytes | None, value: bytes | None, inline: bytes | None) -> str:
        if kind == b"s":
            if value and not value.isdigit():
                raise Unsupported("shared string index")
            return self.strings[int(value)] if value else ""
        if kind == b"inlineStr":
            text = _unescape(inline.decode("utf-8")) if inline else ""
            if _ESCAPED.search(text):
                raise Unsupported("escaped text")
            return text.strip()
        if value is None:
            return ""
        if kind == b"str":
            text = _unescape(value.decode("utf-8"))
            if _ESCAPED.search(text):
                raise Unsupported("escaped text")
            return text.strip()
        if kind == b"b":
            if value in (b"0", b"1"):
                return value.decode()
            raise Unsupported("boolean")
        if kind not in (None, b"n"):
            raise Unsupported("cell type")
        key = (style, value)
        found = self._numbers.get(key)
        if found is None:
            found = self._number(style, value)
            if len(self._numbers) > 50_000:  # (a column of distinct numbers, such as BSNs, is not kept)
                self._numbers.clear()
            self._numbers[key] = found
        return found

    def _number(self, style: bytes | None, value: bytes) -> str:
        index = int(style) if style else 0
        kind = self.kinds[index] if index < len(self.kinds) else ("number" if index == 0 or not self.kinds else "")
        if not kind:
            raise IndexError("style")
        if value.isdigit() and len(value) <= 15 and kind == "number":
            return str(int(value))
        if len(value.lstrip(b"-").split(b".")[0].split(b"E")[0].split(b"e")[0]) > 15:
            raise Unsupported("long number")
        number = float(value)
        if not math.isfinite(number):
            raise Unsupported("number")
        if kind == "number":
            return str(int(number)) if number.is_integer() else repr(number)
        if kind != "date":
            raise Unsupported("time")
        serial = number + (1462 if self.date1904 else 0)
        if number < (1 if self.date1904 else 61) or serial > _LAST_SERIAL:  # (calamine: a time, or its leap day)
            raise Unsupported("early date")
        days = math.floor(serial * _MS_A_DAY + 0.5) // _MS_A_DAY
        return (_EPOCH_1900 + timedelta(days=days)).strftime("%Y%m%d")


_ENTITIES = {"quot": '"', "apos": "'", "lt": "<", "gt": ">", "amp": "&"}
_REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|quot|apos|lt|gt|amp);")


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    return _REFERENCE.sub(_entity, text)


def _entity(match: re.Match) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _ENTITIES[name]
    number = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    if number >= 0x110000 or number == 0xD:
        raise Unsupported("character")
    return chr(number)


# --- the sheet ----------------------------------------------------------------------------------------------

#: A cell in the usual form. Groups: column letters, row (no leading zero: the rows are told apart by their text),
#: style, type, value, inline text (plain or preserved).
_FAST = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
    rb'(?:/>|></c>|><v>([^<]*)</v></c>|><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>)'
)
#: Any row or cell tag (a cell with its content).
#: (A cell's content is never looked for past the next cell's start: an unclosed ``<c>`` costs its own length, not
#: the rest of the block, so a hostile sheet of unclosed cells is read in linear time.)
_ANY = re.compile(rb"<row\b([^>]*?)/?>|<c\b([^>]*?)(?:/>|>((?:(?!<c[\s>/]).)*?)</c>)", re.S)
_CELL_TAG = re.compile(rb"<c[\s>/]")
_CELL = re.compile(rb"<c\b[^>]*?(?:/>|>(?:(?!<c[\s>/]).)*?</c>)", re.S)
_ATTRIBUTE = re.compile(rb"""\s([A-Za-z_:][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_VALUE = re.compile(rb"<v(?:\s[^>]*)?>(.*?)</v>|<v\s*/>", re.S)
_INLINE = re.compile(rb"<is(?:\s[^>]*)?>(.*?)</is>", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_TEXT = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>|<t\s*/>", re.S)
_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})$")
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row|v|is|t|sheetData)[\s/>]")


#: A cell tag not followed by a space (``<c>``, ``<c/>``, ``<c\tr=…``): never in the usual form.
_OTHER_CELL = re.compile(rb"<c[>/\t\n\r]")


_COLUMNS: dict[bytes, int] = {}


def _column(letters: bytes) -> int:
    """``A`` → 0, ``AB`` → 27."""
    found = _COLUMNS.get(letters)
    if found is None:
        found = 0
        for letter in letters:
            found = found * 26 + letter - 64
        found -= 1
        _COLUMNS[letters] = found
    return found


def _sheet_rows(stream, cells: _Cells) -> Iterator[tuple[int, list[str]]]:
    state = _Rows(cells)
    carry = b""
    while True:
        chunk = stream.read(CHUNK_BYTES)
        data = carry + chunk
        cut = len(data) if not chunk else data.rfind(b"</row>")
        if cut < 0:  # (no row ends in the block: read on, up to the longest row a sheet within the limits has)
            if len(data) > MAX_ROW_BYTES:
                raise Unsupported("a row without end")
            carry = data
            continue
        if chunk:
            cut += len(b"</row>")
        region, carry = data[:cut], data[cut:]
        del data
        end = region.find(b"</sheetData>")
        if end >= 0:  # (what follows the cells, such as an extension list, holds no cells of the sheet)
            yield from state.region(region[:end])
            break
        yield from state.region(region)
        if not chunk:
            break
    yield from state.finish()


class _Rows:
    def __init__(self, cells: _Cells) -> None:
        self.cells = cells
        self.number = 0  # the current row (1-based; 0 before the first)
        self.row: list[str] = []

    def region(self, data: bytes) -> Iterator[tuple[int, list[str]]]:
        if _PREFIXED.search(data) or b"<!--" in data or b"<![CDATA[" in data:
            raise Unsupported("namespace prefix, comment or CDATA")
        found = _FAST.findall(data)
        # (every cell in the usual form: as many as there are cell tags, none written otherwise, every row numbered)
        if (len(found) == data.count(b"<c ") and not _OTHER_CELL.search(data)
                and data.count(b"<row") == data.count(b'<row r="')):
            yield from self._fast(found)
        else:
            yield from self._general(data)

    def _fast(self, found: list[tuple[bytes, ...]]) -> Iterator[tuple[int, list[str]]]:
        # (the loop of :meth:`_general` and :meth:`_Cells.text` written out for the usual cells: a few hundred
        # nanoseconds a cell, as many cells as the sheet has)
        cells, strings, columns = self.cells, self.cells.strings, _COLUMNS
        row, current = self.row, str(self.number).encode()
        for letters, number, style, kind, value, inline in found:
            if number != current:
                yield from self._next_row(int(number))
                row, current = self.row, number
            column = columns.get(letters)
            if column is None:
                column = _column(letters)
            if kind == b"s" and value:
                if not value.isdigit():
                    raise Unsupported("shared string index")
                text = strings[int(value)]
            elif inline:
                text = inline.decode("utf-8")
                text = (_unescape(text) if "&" in text else text).strip()
                if "_x" in text and _ESCAPED.search(text):
                    raise Unsupported("escaped text")
            elif value:
                text = cells.text(style or None, kind or None, value, None)
            else:  # (no value, or an empty one: an empty cell)
                text = ""
            filled = len(row)
            if column != filled:
                if column < filled:
                    raise Unsupported("cells out of order")
                row.extend([""] * (column - filled))
            row.append(text)
        self.row = row

    def _general(self, data: bytes) -> Iterator[tuple[int, list[str]]]:
        if len(_CELL_TAG.findall(data)) != len(_CELL.findall(data)):  # (a cell not closed: calamine says what)
            raise Unsupported("a cell without end")
        for match in _ANY.finditer(data):
            row_attrs, cell_attrs, inner = match.groups()
            if row_attrs is not None or match.group(0).startswith(b"<row"):
                attrs = _attributes(row_attrs or b"")
                number = int(attrs[b"r"]) if b"r" in attrs else self.number + 1
                if number != self.number:
                    yield from self._next_row(number)
                continue
            attrs = _attributes(cell_attrs or b"")
            ref = attrs.get(b"r")
            if ref is not None:
                where = _REF.match(ref)
                if where is None:
                    raise Unsupported("cell reference")
                row, column = int(where.group(2)), _column(where.group(1))
            else:
                row, column = max(self.number, 1), len(self.row)
            if row != self.number:
                yield from self._next_row(row)
            value = inline = None
            if inner:
                found = _VALUE.search(inner)
                value = found.group(1) or b"" if found else None
                found_inline = _INLINE.search(inner)
                if found_inline is not None:
                    body = _PHONETIC.sub(b"", found_inline.group(1))
                    inline = b"".join(t.group(1) or b"" for t in _TEXT.finditer(body))  # (rich-text runs joined)
            empty = not value and not inline
            self._put(column, "" if empty else self.cells.text(attrs.get(b"s"), attrs.get(b"t"), value, inline))

    def _put(self, column: int, text: str) -> None:
        row = self.row
        if column < len(row):
            raise Unsupported("cells out of order")
        if column > len(row):
            row.extend([""] * (column - len(row)))
        row.append(text)

    def _next_row(self, number: int) -> Iterator[tuple[int, list[str]]]:
        if number < self.number:
            raise Unsupported("rows out of order")
        if self.row:
            yield self.number, self.row
        self.number, self.row = number, []

    def finish(self) -> Iterator[tuple[int, list[str]]]:
        if self.row:
            yield self.number, self.row
        self.row = []


def _attributes(data: bytes) -> dict[bytes, bytes]:
    """A tag's attributes by their names (a namespace prefix left off, except ``xml:``)."""
    out = {}
    for match in _ATTRIBUTE.finditer(data):
        name = match.group(1)
        if b":" in name and not name.startswith(b"xml:"):
            name = name.split(b":")[-1]
        out[name] = match.group(2) if match.group(2) is not None else match.group(3)
    return out
