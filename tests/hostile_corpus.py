"""The hostile corpus (issue 25): malformed jeugdhulp deliveries, generated here (nothing big is committed).

Each case is a file name and its bytes. Every file carries the canary values of :data:`SECRETS` in its rows,
so a test can check that no message repeats a value from a row. The classes follow the issue's list: encodings,
delimiters, BOMs, ragged rows, duplicate and missing columns, header only, binary, truncated / corrupt /
encrypted-looking XLSX, an .xls that is HTML, zip bombs, far-away cells (also in an .xls, and an .xls whose DIMENSIONS
record lies), a truncated .xls, huge fields, NUL anywhere, formula and
HTML strings in every column, path traversal in names.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import xlsxwriter
import xlwt
from xlwt import CompoundDoc

from spiegel import domains

NAMES = list(domains.get("jeugdhulp").layout().names)
BSN, BIRTH, POSTCODE = "123456782", "20100517", "9876ZX"
SECRETS = (BSN, BIRTH, POSTCODE, "GEHEIMWAARDE")
ROW = [BSN, BIRTH, "M", POSTCODE, "", "02", "02", "02", "20250115", "", "", "", "", ""]
ROW2 = ["111222333", "20120503", "V", "1011AB", "0363", "06", "01", "02", "20250301", "20250520", "01", "7", "04",
        "02"]


@dataclass(frozen=True)
class Case:
    name: str  # what it is (the test's id)
    filename: str
    data: bytes


def _with(row: list[str], index: int, value: str) -> list[str]:
    """``row`` with its ``index``-th value replaced."""
    return [*row[:index], value, *row[index + 1:]]


def _csv(rows: list[list[str]], delim: str = ";", header: list[str] | None = None, end: str = "\n") -> str:
    return end.join(delim.join(r) for r in [header if header is not None else NAMES, *rows]) + end


def _xlsx(rows: list[list[str]], header: list[str] | None = None, sheet: str | None = None,
          extra: Callable[[object], None] | None = None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    ws.write_row(0, 0, header if header is not None else NAMES)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            ws.write_string(i, j, value)
    if extra is not None:
        extra(ws)
    book.close()
    return buffer.getvalue()


def _xls(rows: list[list[str]], change: Callable[[int, bytes], bytes] | None = None) -> bytes:
    """An .xls (xlwt) of the header and ``rows``; ``change(type, data)`` rewrites the data of its BIFF records
    (keeping their length, so the sheets' offsets stay right) before it is wrapped in the compound file."""
    book = xlwt.Workbook()
    ws = book.add_sheet("jeugdhulp")
    for i, row in enumerate([NAMES, *rows]):
        for j, value in enumerate(row):
            ws.write(i, j, value)
    stream, pos, out = book.get_biff_data(), 0, bytearray()
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        data = stream[pos + 4: pos + 4 + length]
        out += stream[pos: pos + 4] + (change(kind, data) if change is not None else data)
        pos += 4 + length
    buffer = io.BytesIO()
    CompoundDoc.XlsDoc().save(buffer, bytes(out))
    return buffer.getvalue()


def _far_xls_cell(kind: int, data: bytes) -> bytes:
    """The cell at B2 (a LABELSST) moved to row 65.536, column 16.384 (a column past IV: the reader takes it)."""
    if kind == 0x00FD and struct.unpack_from("<HH", data) == (1, 1):
        return struct.pack("<HH", 65_535, 16_383) + data[4:]
    return data


def _lying_xls_dimension(kind: int, data: bytes) -> bytes:
    """DIMENSIONS claiming 4.294.967.295 rows × 65.535 columns (the reader reserves room for them)."""
    return struct.pack("<IIHH", 0, 2**32 - 1, 0, 65_535) + data[12:] if kind == 0x0200 else data


def _replace_sheet(book: bytes, xml: bytes, level: int = 6, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                                   compresslevel=level) as new:
        for info in old.infolist():
            new.writestr(info.filename, xml if info.filename == part else old.read(info))
    return out.getvalue()


def _renamed_sheet(book: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(book)) as old:
        xml = old.read("xl/workbook.xml").replace(b'name="Sheet1"', f'name="{name}"'.encode())
    return _replace_sheet(book, xml, part="xl/workbook.xml")


def _sheet(body: str, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{dim}<sheetData>{body}</sheetData></worksheet>").encode()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def build() -> list[Case]:
    good = _csv([ROW, ROW2])
    cases: list[Case] = []

    def add(name: str, data: bytes | str, ext: str = "csv") -> None:
        cases.append(Case(name, f"jeugdhulp_{len(cases):02d}.{ext}", data.encode() if isinstance(data, str) else data))

    # --- encodings and byte order marks
    add("utf16-le-bom", good.encode("utf-16"))
    add("utf16-be-no-bom", good.encode("utf-16-be"))
    add("utf32", good.encode("utf-32"))
    add("double-utf8-bom", b"\xef\xbb\xbf\xef\xbb\xbf" + good.encode())
    add("mixed-utf8-and-cp1252", _csv([ROW]).encode() + ";".join(_with(ROW2, 3, "Caf\xe9GEHEIMWAARDE"))
        .encode("cp1252") + b"\n" + ";".join(_with(ROW2, 3, "\u00e9\u00e9")).encode("utf-8") + b"\n")
    add("invalid-utf8-everywhere", bytes(range(0x80, 0x100)) * 40 + b"\n" + good.encode())
    add("ebcdic", good.encode("cp500"))
    # --- delimiters
    add("tab-delimited", _csv([ROW, ROW2], delim="\t"))
    add("pipe-delimited", _csv([ROW, ROW2], delim="|"))
    add("mixed-delimiters", _csv([ROW], delim=";") + ",".join(ROW2) + "\n")
    add("no-delimiter-at-all", "\n".join(["".join(NAMES), "".join(ROW), "".join(ROW2)]) + "\n")
    add("unclosed-quote", _csv([ROW]) + '"' + ";".join(ROW2) + "\n" + ";".join(ROW) + "\n")
    # --- rows and columns
    add("ragged-long-row", _csv([ROW, [*ROW2, "extra", "GEHEIMWAARDE"]]))
    add("ragged-short-row", _csv([ROW, ROW2[:5]]))
    add("duplicate-column", _csv([[*ROW, ROW[0]]], header=[*NAMES, NAMES[0]]))
    add("missing-columns", _csv([ROW[:-3]], header=NAMES[:-3]))
    add("unknown-header", _csv([ROW], header=[f"kolom{i}" for i in range(len(NAMES))]))
    add("header-only", _csv([]))
    add("empty-file", b"")
    add("only-newlines", "\n\n\n\n")
    add("only-a-bom", b"\xef\xbb\xbf")
    # --- binary and NUL
    add("binary-noise", bytes((i * 37 + 11) % 256 for i in range(4096)))
    add("nul-in-header", good.replace("bsn", "b\x00sn", 1))
    add("nul-early", _csv([_with(ROW, 1, "2010\x000517"), ROW2]))
    add("nul-late", _csv([ROW] * 3000 + [_with(ROW2, 2, "\x00")]))
    add("esc-and-controls", _csv([_with(ROW, 2, "\x1b[31mM")]))
    add("gzip-as-csv", b"\x1f\x8b\x08\x00" + bytes(200))
    add("pdf-as-csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n" + good.encode())
    # --- huge fields
    add("huge-field-1mb", _csv([_with(ROW, 3, "A" * 1_000_000)]))
    add("huge-quoted-field-multiline", _csv([_with(ROW, 3, '"' + ("GEHEIMWAARDE\n" * 80_000) + '"')]))
    add("huge-header", _csv([ROW], header=[*NAMES[:-1], "x" * 500_000]))
    # --- formula and HTML strings in every column
    add("formula-in-every-column", _csv([[f"=HYPERLINK(\"http://x\",\"{v}\")" for v in ROW],
                                         ["+cmd|' /C calc'!A0"] * len(NAMES), ["@SUM(1+1)"] * len(NAMES),
                                         ["-2+3"] * len(NAMES)]))
    add("html-in-every-column", _csv([[f"<script>alert('{v}')</script>" for v in ROW],
                                      ["<img src=x onerror=alert(1)>"] * len(NAMES)]))
    add("bidi-override-in-values", _csv([[f"\u202e{v}" for v in ROW]]))
    # --- fixed width
    add("fixed-width-short-line", "".join(v.ljust(10) for v in ROW)[:60] + "\n", ext="txt")
    add("fixed-width-binary", bytes(range(256)) * 8, ext="txt")
    # --- workbooks
    book = _xlsx([ROW, ROW2])
    add("xlsx-truncated", book[: len(book) // 2], ext="xlsx")
    add("xlsx-corrupt-central-directory", book[:-30] + b"\x00" * 30, ext="xlsx")
    add("xlsx-encrypted-looking-ole", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088), ext="xlsx")
    add("xlsx-not-a-zip", good, ext="xlsx")
    add("xlsx-zip-without-workbook", _zip({"hello.txt": b"GEHEIMWAARDE"}), ext="xlsx")
    add("xlsx-far-away-cell", _xlsx([ROW], extra=lambda ws: ws.write_string(1_048_575, 16_383, "x")), ext="xlsx")
    add("xlsx-lying-dimension", _replace_sheet(book, _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>bsn</t>'
                                                            "</is></c></row>", "A1:XFD1048576")), ext="xlsx")
    add("xlsx-zip-bomb", _replace_sheet(book, _sheet(" " * (16 * 2**20)), level=9), ext="xlsx")
    add("xlsx-huge-cell", _xlsx([_with(ROW, 3, "B" * 30_000)]), ext="xlsx")
    add("xlsx-header-only", _xlsx([]), ext="xlsx")
    add("xlsx-formulas-and-html", _xlsx([["=1+1"] * len(NAMES), ["<script>x</script>"] * len(NAMES), ROW]),
        ext="xlsx")
    add("xlsx-sheet-name-traversal", _renamed_sheet(_xlsx([ROW]), "../../../etc/passwd"), ext="xlsx")
    add("xls-that-is-html", "<html><body><table><tr>" + "".join(f"<td>{n}</td>" for n in NAMES) + "</tr><tr>"
        + "".join(f"<td>{v}</td>" for v in ROW) + "</tr></table></body></html>", ext="xls")
    add("xls-that-is-csv", good, ext="xls")
    add("xls-far-away-cell", _xls([ROW, ROW2], _far_xls_cell), ext="xls")
    add("xls-lying-dimension", _xls([ROW, ROW2], _lying_xls_dimension), ext="xls")
    xls = _xls([ROW, ROW2] * 20)
    add("xls-truncated", xls[: len(xls) // 2], ext="xls")
    # --- names
    cases.append(Case("name-path-traversal", "..\\..\\..\\etc\\passwd.csv", _csv([ROW]).encode()))
    cases.append(Case("name-formula", "=cmd|'calc'!A0.csv", _csv([_with(ROW, 5, "99")]).encode()))
    cases.append(Case("name-bidi-override", "levering\u202evsc.exe.csv", good.encode()))
    cases.append(Case("name-unknown-extension", "levering.csv.exe", good.encode()))
    return cases
