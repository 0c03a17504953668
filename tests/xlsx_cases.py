"""A corpus of XLSX workbooks for the streaming reader (``spiegel.xlsxstream``) and its oracle, calamine.

Each :class:`Case` is a workbook's bytes, the sheet to read (``None``: the first) and whether it is *common*
(made the way real deliveries are made: xlsxwriter's two modes, dates, formulas with cached results, sparse data,
several sheets, a large sheet), in which case the stream reader must read it itself (no ``Unsupported``). The
others (hand-written parts that xlsxwriter never writes, odd number formats, odd serial dates, ...) must give
calamine's result or ``Unsupported``.

:func:`calamine_rows` is the oracle: calamine's rows through the project's own conversion
(``spiegel.read._cell_text``), the way ``spiegel.read._read_excel`` takes them: ``iter_rows()`` gives every row
from row 1 on (also the empty ones above the sheet's first used row), and the cells from the sheet's first used
column on (``start[1]``), so a row is padded with that many empty texts in front. (Checked on a sheet whose data
starts at C5: ``start == (4, 2)``, ``iter_rows()`` gives 8 rows for rows 1-8, each from column C on.)
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

import xlsxwriter

from spiegel.xlsx import column_letter

Rows = list[tuple[int, list[str]]]


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes = field(repr=False)
    sheet: str | None = None
    common: bool = False  # the stream reader must read it itself (no Unsupported)


# --- the oracle and the comparison ----------------------------------------------------------------------------


def trimmed(row: Iterable[str]) -> list[str]:
    out = list(row)
    while out and out[-1] == "":
        out.pop()
    return out


def calamine_rows(data: bytes, sheet: str | None) -> Rows:
    """calamine's rows (row number, texts from column A, trailing empty texts left out), rows with a text only."""
    from python_calamine import CalamineWorkbook

    from spiegel.read import _cell_text

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    chosen = book.get_sheet_by_name(sheet) if sheet is not None else book.get_sheet_by_index(0)
    pad = [""] * (chosen.start[1] if chosen.start else 0)
    out: Rows = []
    for index, values in enumerate(chosen.iter_rows()):
        row = trimmed(pad + [_cell_text(v) for v in values])
        if any(row):
            out.append((index + 1, row))
    return out


def stream_rows(data: bytes, sheet: str | None) -> Rows:
    """The stream reader's rows, normalised the same way (rows without a text left out)."""
    from spiegel import xlsxstream

    out: Rows = []
    for number, texts in xlsxstream.rows(data, sheet):
        assert isinstance(number, int) and all(isinstance(t, str) for t in texts), (number, texts)
        row = trimmed(texts)
        if any(row):
            out.append((number, row))
    return out


def diff(expected: Rows, got: Rows, limit: int = 12) -> list[str]:
    """The first ``limit`` differences: ``row N col X: calamine 'a' != stream 'b'`` (also rows missing on a side,
    and rows in another order)."""
    lines: list[str] = []
    want, have = dict(expected), dict(got)
    if len(want) != len(expected):
        lines.append("calamine gives a row number twice")
    if len(have) != len(got):
        lines.append("stream gives a row number twice: " + str(sorted(n for n, _ in got if
                                                                        [m for m, _ in got].count(n) > 1)[:5]))
    for number in sorted(set(want) | set(have)):
        if number not in have:
            lines.append(f"row {number}: only calamine: {want[number][:8]!r}")
        elif number not in want:
            lines.append(f"row {number}: only stream: {have[number][:8]!r}")
        else:
            a, b = want[number], have[number]
            for col in range(max(len(a), len(b))):
                x = a[col] if col < len(a) else ""
                y = b[col] if col < len(b) else ""
                if x != y:
                    lines.append(f"row {number} col {column_letter(col)}: calamine {x!r} != stream {y!r}")
        if len(lines) >= limit:
            break
    if not lines and [n for n, _ in expected] != [n for n, _ in got]:
        lines.append("same rows, other order: stream " + str([n for n, _ in got][:10]))
    return lines[:limit]


# --- xlsxwriter workbooks ---------------------------------------------------------------------------------------


def _book(write: Callable[[xlsxwriter.Workbook], None], **options: object) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **options})
    write(book)
    book.close()
    return buffer.getvalue()


#: Values of every kind a delivery has: (kind, value), written with the matching write_* method.
MIXED: list[list[tuple[str, object]]] = [
    [("s", "tekst"), ("s", "Zorgaanbieder B.V."), ("s", "a b  c")],
    [("n", 0), ("n", 1), ("n", 363), ("n", -5), ("n", -2147483648), ("n", 123456789012)],
    [("n", 1.5), ("n", -2.25), ("n", 1e-7), ("n", 123456789.0), ("n", 0.1 + 0.2), ("n", -0.0),
     ("n", 1 / 3), ("n", 12345.678)],
    [("b", True), ("b", False), ("s", "TRUE"), ("s", "0")],
    [("s", ""), ("s", "  spaties  "), ("s", " voor"), ("s", "achter "), ("s", "   "), ("s", "x")],
    [("s", "café"), ("s", "Müller"), ("s", "中文"), ("s", "😀 emoji"), ("s", "Ωmega ñ ß")],
    [("s", "a & b"), ("s", "<tag>"), ("s", '"quoted"'), ("s", "it's"), ("s", "&amp; letterlijk"), ("s", "]]>")],
    [("s", "0363"), ("s", "00123"), ("s", "1e5"), ("s", "1.50"), ("s", "-0"), ("s", "20250115"), ("s", "123456782")],
    [("s", "naam"), ("n", 42), ("s", "0363"), ("n", 2.5), ("b", True), ("s", " x ")],
]


#: Numbers at the edges of what a double holds or prints (not common in deliveries).
EXTREME: list[list[tuple[str, object]]] = [
    [("n", 10**15), ("n", 2**53), ("n", 2**53 + 1), ("n", 10**17 + 3), ("n", -(10**16))],
    [("n", 1e20), ("n", 1.5e300), ("n", 2.5e-300), ("n", 5e-324), ("n", 1.7976931348623157e308)],
    [("n", 123456789012345.6), ("n", 0.1), ("n", 1e-5), ("n", 1e16 + 0.5), ("n", 9999999999999998.0)],
]


def _write_value(ws, row: int, col: int, kind: str, value: object, fmt=None) -> None:
    if kind == "s":
        ws.write_string(row, col, value, fmt)
    elif kind == "n":
        ws.write_number(row, col, value, fmt)
    elif kind == "b":
        ws.write_boolean(row, col, value, fmt)
    else:
        raise ValueError(kind)


def _mixed(rows=MIXED, **options: object) -> bytes:
    def write(book):
        ws = book.add_worksheet("Gegevens")
        for r, row in enumerate(rows):
            for c, (kind, value) in enumerate(row):
                _write_value(ws, r, c, kind, value)

    return _book(write, **options)


DATES = [datetime(2025, 1, 15), datetime(2010, 5, 17), datetime(1999, 12, 31), datetime(2000, 2, 29),
         datetime(1904, 1, 2), datetime(2099, 12, 31)]
DATE_FORMATS: list[object] = ["dd-mm-yyyy", "d-m-yy", "yyyy-mm-dd", 14]


def _dates(**options: object) -> bytes:
    return _dates_of(DATES, **options)


def _dates_of(dates: list[datetime], **options: object) -> bytes:
    def write(book):
        ws = book.add_worksheet()
        formats = [book.add_format({"num_format": f}) for f in DATE_FORMATS]
        ws.write_row(0, 0, ["datum", *[str(f) for f in DATE_FORMATS], "met tijd", "date-object", "getal"])
        for r, when in enumerate(dates, start=1):
            ws.write_string(r, 0, f"r{r}")
            for c, fmt in enumerate(formats, start=1):
                ws.write_datetime(r, c, when, fmt)
            ws.write_datetime(r, len(formats) + 1, when.replace(hour=14, minute=30, second=15), formats[0])
            ws.write_datetime(r, len(formats) + 2, when.date(), formats[2])
            ws.write_number(r, len(formats) + 3, 45672 + r)  # a serial number without a date format: a number
        plain = book.add_format({"num_format": "0.00"})
        ws.write_number(len(dates) + 1, 0, 45672, plain)
        ws.write_number(len(dates) + 1, 1, 45672.5, plain)

    return _book(write, **options)


def _formulas(**options: object) -> bytes:
    def write(book):
        ws = book.add_worksheet()
        ws.write_number(0, 0, 2)
        ws.write_number(0, 1, 3)
        ws.write_formula(0, 2, "=A1+B1", None, 5)
        ws.write_formula(0, 3, "=A1*1.25", None, 2.5)
        ws.write_formula(0, 4, '="0"&"363"', None, "0363")
        ws.write_formula(0, 5, '=" x "', None, " x ")
        ws.write_formula(0, 6, "=A1/B1", None, 2 / 3)
        ws.write_formula(1, 0, "=A1+1")  # no cached value: xlsxwriter writes 0
        ws.write_formula(1, 1, "=SUM(A1:B1)", None, 5)
        ws.write_formula(1, 2, '=UPPER("é")', None, "É")
        ws.write_formula(2, 0, "=TODAY()", book.add_format({"num_format": "dd-mm-yyyy"}), 45672)
        ws.write_formula(2, 1, '="a&b<c"', None, "a&b<c")

    return _book(write, **options)


def _sparse(**options: object) -> bytes:
    def write(book):
        ws = book.add_worksheet()
        styled = book.add_format({"bold": True, "bg_color": "#FFFF00"})
        ws.write_row(4, 2, ["kop1", "kop2", "kop3", "kop4"])  # C5
        ws.write_string(5, 2, "a")
        ws.write_string(5, 5, "d")  # a gap within the row
        ws.write_number(5, 7, 7)  # beyond the header
        # row 7 empty: between records
        ws.write_string(7, 3, "b")
        ws.write_blank(8, 4, None, styled)  # row 9: only a styled empty cell
        ws.write_string(9, 2, "c")
        ws.write_string(9, 4, "")  # an empty string: no cell
        ws.write_blank(9, 5, None, styled)
        ws.write_string(9, 6, "e")
        ws.write_string(12, 30, "far")  # AE13

    return _book(write, **options)


def _sheets() -> bytes:
    def write(book):
        for n, name in enumerate(["Eerste", "Tweede", "Derde"]):
            ws = book.add_worksheet(name)
            ws.write_row(n, n, [f"{name}-kop", "x"])
            ws.write_row(n + 1, n, [f"{name}-1", n + 1])
            ws.write_number(n + 3, 0, 10 + n)

    return _book(write)


def _large(count: int = 40_000, **options: object) -> bytes:
    codes = ["0363", "0518", "0599", "1680", "0014"]
    start, span = datetime(2010, 1, 1), datetime(2025, 1, 1) - datetime(2010, 1, 1)

    def write(book):
        ws = book.add_worksheet("jeugdhulp")
        fmt = book.add_format({"num_format": "dd-mm-yyyy"})
        ws.write_row(0, 0, [f"kolom{i}" for i in range(14)])
        for r in range(1, count):
            ws.write_row(r, 0, [f"{100000000 + r * 7:09d}", codes[r % 5], "M" if r % 2 else "V",
                                f"{1000 + r % 9000}AB", r % 37, r * 0.25, str(r % 100).zfill(2)])
            ws.write_datetime(r, 7, start + span * (r / count), fmt)
            if r % 3:
                ws.write_string(r, 8, f"tekst {r % 1000} é")
            ws.write_number(r, 9, -r)
            if r % 11 == 0:
                ws.write_boolean(r, 10, r % 2 == 0)
            ws.write_number(r, 11, r / 7)
            ws.write_string(r, 12, " " * (r % 3) + "x" + " " * (r % 2))
            if r % 5 != 4:
                ws.write_datetime(r, 13, date(2025, 1 + r % 12, 1 + r % 28), fmt)

    return _book(write, **options)


def _hidden_first() -> bytes:
    def write(book):
        first = book.add_worksheet("Verborgen")
        first.write_string(0, 0, "verborgen")
        second = book.add_worksheet("Zichtbaar")
        second.write_string(0, 0, "zichtbaar")
        second.activate()
        first.hide()

    return _book(write)


def _special_name() -> bytes:
    def write(book):
        book.add_worksheet("Blad1").write_string(0, 0, "eerste")
        book.add_worksheet("Zorg & co 'ü' <x>").write_row(0, 0, ["tweede", 2])

    return _book(write)


#: Format codes near calamine's date rule, one workbook each (so that one Unsupported cell hides no other).
FORMAT_CODES = ["hh:mm", "h:mm:ss", "[h]:mm:ss", "[h]:mm", "[mm]:ss", "[ss]", "[hh]", "mm:ss", "h", "AM/PM",
                "A/P 0", "am0", "[$-413]d mmmm yyyy", "[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy", "yyyy-mm-dd;@",
                '"Week "0', '"Datum: "0', "0 \\d", "0.0\\m", "0.00E+00", "[Red]0.00", "[Green]d", "[Blue][<100]0;d",
                "@", "General", "General;General;General", ";;;", "0;-0;;@", "0000", '#,##0.00 "d"',
                "dd/mm/yyyy hh:mm", "mmm-yy", "yyyy", "e", "ggg", "b0", "[DBNum1]0", "#,##0_);(#,##0)",
                "#,##0.00 [$€-413]", '[=1]"ja";[=0]"nee"', "#,##0;[Red]-#,##0", "_(* #,##0_)", "*d0", "* 0",
                '_-* #,##0.00_-;-* #,##0.00_-;_-* "-"??_-;_-@_-', '_-€ * #,##0.00_-', "[<=9999999]###-####",
                "# ?/?", "0%", "s", "dd", "mm", "MM", "D", "Y", "0.0 \"u\"", "0_d", "0*d", "yy\\-mm\\-dd"]
#: Built-in format ids (no numFmt element), in a hand-written styles part.
BUILTIN_IDS = [*range(0, 14), *range(14, 23), *range(27, 37), *range(37, 50), *range(50, 59), 59, 81, 163]


def _one_format(spec: str) -> bytes:
    def write(book):
        ws = book.add_worksheet()
        fmt = book.add_format({"num_format": spec})
        for c, value in enumerate([45672.75, 363, 45672, 100.5, 2958465]):
            ws.write_number(0, c, value, fmt)
        ws.write_string(0, 6, "x")

    return _book(write)


def _builtin(number_format: int) -> bytes:
    styles = STYLES.replace('<xf numFmtId="20" xfId="0"', f'<xf numFmtId="{number_format}" xfId="0"')
    return handmade([("Blad1", sheet_xml(f'<row r="1"><c r="A1" s="{TIME20}"><v>45672.75</v></c>'
                                         f'<c r="B1" s="{TIME20}"><v>363</v></c>'
                                         f'<c r="C1" s="{TIME20}"><v>45672</v></c></row>'))], styles_xml=styles)


def _serial(value: float, date1904: bool) -> bytes:
    def write(book):
        ws = book.add_worksheet()
        ws.write_number(0, 0, value, book.add_format({"num_format": "yyyy-mm-dd"}))
        ws.write_number(0, 1, value, book.add_format({"num_format": 22}))
        ws.write_number(0, 2, value)

    return _book(write, date_1904=date1904)


SERIALS = [0, 0.5, 1, 59, 60, 60.5, 61, -1, -0.5, 45672.999999, 45672.99999999, 45672.9999999999, 45672.49999999,
           45672.9999999, 2958465, 2958465.9999999, 2958466, 1e10]
SERIALS_1904 = [0, 0.5, 1, 60, 100, -1, -1401, -1462, -1463, 44210.9999999999, 2956999, 2957003]


def _decorated() -> bytes:
    """A workbook as a delivery is made: column widths, frozen panes, an autofilter, data validation, merged cells,
    a comment, a hyperlink, a table, defined names, header and footer, conditional formats."""

    def write(book):
        ws = book.add_worksheet("Levering")
        head = book.add_format({"bold": True})
        ws.set_column(0, 3, 18)
        ws.freeze_panes(1, 0)
        ws.write_row(0, 0, ["bsn", "datum", "code", "opmerking"], head)
        ws.write_row(1, 0, ["123456782", "20250115", "0363", "a<b & c"])
        ws.write_row(2, 0, ["111222333", "20250301", "0518", ""])
        ws.autofilter(0, 0, 2, 3)
        ws.data_validation(1, 2, 100, 2, {"validate": "list", "source": ["0363", "0518", "<c r=\"Z9\">"]})
        ws.conditional_format(1, 0, 100, 0, {"type": "formula", "criteria": '=LEN(A2)<>9'})
        ws.merge_range(4, 0, 4, 2, "samengevoegd", head)
        ws.write_comment(1, 0, "opmerking <c r=\"A9\"><v>9</v></c>")
        ws.write_url(5, 0, "https://example.org/?a=1&b=2", string="link & tekst")
        ws.set_header("&CSpiegel")
        ws.add_table(7, 0, 9, 2, {"data": [["t1", 1, 2.5], ["t2", 3, 4.5]], "columns": [{"header": "naam"},
                                   {"header": "a"}, {"header": "b"}]})
        book.define_name("Codes", "=Levering!$C$2:$C$3")
        book.set_properties({"title": "levering <c>"})
        other = book.add_worksheet("Toelichting")
        other.write_string(0, 0, "niet deze")

    return _book(write)


def _number_formats() -> bytes:
    """Number formats near the date heuristics: time only, durations, locale prefixes, quoted text, colours."""
    formats: list[object] = ["hh:mm", "h:mm:ss", "[h]:mm:ss", "mm:ss", "[$-413]d mmmm yyyy", '"Week "0', "0.00E+00",
                             "[Red]0.00", "@", "General", "0000", "#,##0.00 \"d\"", "dd/mm/yyyy hh:mm", "mmm-yy",
                             "yyyy", 18, 20, 21, 22, 45, 46, 47, 49, "[<=9999999]###-####;(###) ###-####"]

    def write(book):
        ws = book.add_worksheet()
        for r, spec in enumerate(formats):
            fmt = book.add_format({"num_format": spec})
            ws.write_string(r, 0, str(spec))
            for c, value in enumerate([0.5, 45672.75, 1.25, 363, 45672], start=1):
                ws.write_number(r, c, value, fmt)

    return _book(write)


def _odd_serials() -> bytes:
    """Serial dates near the edges: day 0, 1, the 1900 leap-year bug (59, 60, 61), negative, near midnight, very
    large."""
    values = [0, 1, 59, 60, 61, -1, 45672.999999, 45672.9999999999, 45672.49999999, 2958465, 2958466, 1e10, 0.0000001]

    def write(book):
        ws = book.add_worksheet()
        fmt = book.add_format({"num_format": "yyyy-mm-dd"})
        fmt2 = book.add_format({"num_format": 22})
        for r, value in enumerate(values):
            ws.write_number(r, 0, value)
            ws.write_number(r, 1, value, fmt)
            ws.write_number(r, 2, value, fmt2)

    return _book(write)


def _controls(**options: object) -> bytes:
    """Line breaks and control characters in strings (xlsxwriter writes ``_xHHHH_`` escapes for these)."""
    values = ["a\r\nb", "a\nb", "a\rb", "tab\there", "bel\x07", "nul?\x1f", "_x000D_ letterlijk", "\r\nvoor", "x\n"]

    def write(book):
        ws = book.add_worksheet()
        for c, value in enumerate(values):
            ws.write_string(0, c, value)

    return _book(write, **options)


def _rich(**options: object) -> bytes:
    def write(book):
        ws = book.add_worksheet()
        bold = book.add_format({"bold": True})
        ws.write_rich_string(0, 0, "ab", bold, " cd", " ef ")
        ws.write_rich_string(0, 1, bold, "0", "363")
        ws.write_string(1, 0, "plain")

    return _book(write, **options)


def _time_values() -> bytes:
    def write(book):
        ws = book.add_worksheet()
        ws.write_datetime(0, 0, time(14, 30), book.add_format({"num_format": "hh:mm"}))
        ws.write_datetime(0, 1, datetime(2025, 1, 15, 23, 59, 59, 999000), book.add_format({"num_format": 14}))
        ws.write_datetime(0, 2, datetime(2025, 1, 15, 0, 0, 0, 1000), book.add_format({"num_format": 14}))

    return _book(write)


def _formula_bool_error() -> bytes:
    def write(book):
        ws = book.add_worksheet()
        ws.write_formula(0, 0, "=1=1", None, True)
        ws.write_formula(0, 1, "=1=2", None, False)
        ws.write_formula(0, 2, "=1/0", None, "#DIV/0!")
        ws.write_formula(0, 3, "=NA()", None, "#N/A")
        ws.write_formula(0, 4, '=""', None, "")
        ws.write_array_formula(1, 0, 1, 0, "{=SUM(1,2)}", None, 3)

    return _book(write)


# --- hand-written workbooks ---------------------------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
STYLES = (HEAD + f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
          '</numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
          '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
          '<cellXfs count="5"><xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="164" xfId="0" applyNumberFormat="1"/><xf numFmtId="20" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="46" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>')
#: style indexes of STYLES
GENERAL, DATE14, DATE164, TIME20, DURATION46 = range(5)


def sheet_xml(body: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    return HEAD + f"<{p}worksheet {ns}><{p}sheetData>{body}</{p}sheetData></{p}worksheet>"


def handmade(sheets: list[tuple[str, str]], shared: list[str] | None = None, styles: bool = True,
             date1904: bool = False, absolute: bool = False, prefix: str = "",
             order: list[int] | None = None, styles_xml: str | None = None) -> bytes:
    """A workbook of hand-written parts. ``sheets``: (name, the worksheet part's XML), stored as sheetN.xml;
    ``shared``: the inner XML of each ``<si>``; ``order``: the order of the sheets in workbook.xml (indexes)."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    ct = [f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(len(sheets))]
    rels = [f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" '
            f'Target="{"/xl/" if absolute else ""}worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets))]
    if shared is not None:
        ct.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                  'officedocument.spreadsheetml.sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rId90" Type="{REL}/sharedStrings" '
                    f'Target="{"/xl/" if absolute else ""}sharedStrings.xml"/>')
    if styles:
        ct.append('<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                  'officedocument.spreadsheetml.styles+xml"/>')
        rels.append(f'<Relationship Id="rId91" Type="{REL}/styles" Target="{"/xl/" if absolute else ""}styles.xml"/>')
    listed = "".join(f'<{p}sheet name="{sheets[i][0]}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                     for i in (order if order is not None else range(len(sheets))))
    members = {
        "[Content_Types].xml": HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(ct) + "</Types>",
        "_rels/.rels": HEAD + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": HEAD + f'<{p}workbook {ns} xmlns:r="{REL}">'
        + (f'<{p}workbookPr date1904="1"/>' if date1904 else "")
        + f"<{p}sheets>{listed}</{p}sheets></{p}workbook>",
        "xl/_rels/workbook.xml.rels": HEAD + f'<Relationships xmlns="{PKG}">' + "".join(rels) + "</Relationships>",
    }
    for i, (_, xml) in enumerate(sheets):
        members[f"xl/worksheets/sheet{i + 1}.xml"] = xml
    if shared is not None:
        members["xl/sharedStrings.xml"] = (HEAD + f'<{p}sst {ns} count="{len(shared)}" uniqueCount="{len(shared)}">'
                                           + "".join(f"<{p}si>{si}</{p}si>" for si in shared) + f"</{p}sst>")
    if styles:
        members["xl/styles.xml"] = styles_xml or STYLES
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def _one(body: str, shared: list[str] | None = None, **options) -> bytes:
    return handmade([("Blad1", sheet_xml(body, options.pop("prefix", "")))], shared, **options)


def _moved(data: bytes, moves: dict[str, str], edits: dict[str, tuple[str, str]], stored: bool = False,
           bom: str = "") -> bytes:
    """``data`` with parts renamed (``moves``: old -> new name), texts replaced in parts (``edits``: part -> (old,
    new)), stored without compression, a BOM before the worksheet part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(
            out, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            text = old.read(info)
            if info.filename in edits:
                text = text.replace(edits[info.filename][0].encode(), edits[info.filename][1].encode())
            if bom and info.filename == bom:
                text = b"\xef\xbb\xbf" + text
            new.writestr(moves.get(info.filename, info.filename), text)
    return out.getvalue()


def _other_paths(strings: bool) -> bytes:
    """The worksheet (or the shared strings) at another path than xlsxwriter's (the rels say where)."""
    base = _one('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>42</v></c></row>', ["<t>elders</t>"])
    rels = "xl/_rels/workbook.xml.rels"
    if strings:  # calamine looks for xl/sharedStrings.xml only, and refuses the file
        return _moved(base, {"xl/sharedStrings.xml": "xl/tekst/sst.xml"},
                      {rels: ('Target="sharedStrings.xml"', 'Target="tekst/sst.xml"'),
                       "[Content_Types].xml": ("/xl/sharedStrings.xml", "/xl/tekst/sst.xml")})
    return _moved(base, {"xl/worksheets/sheet1.xml": "xl/data/blad.xml"},
                  {rels: ('Target="worksheets/sheet1.xml"', 'Target="data/blad.xml"'),
                   "[Content_Types].xml": ("/xl/worksheets/sheet1.xml", "/xl/data/blad.xml")})


#: A worksheet part as Excel itself writes it (markup compatibility, x14ac attributes, views, cols, margins).
EXCEL_SHEET = (HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" '
               'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr" '
               'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
               'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
               'xr:uid="{00000000-0001-0000-0000-000000000000}"><sheetPr codeName="Blad1"/><dimension ref="A1:C3"/>'
               '<sheetViews><sheetView tabSelected="1" workbookViewId="0"><selection activeCell="C3" sqref="C3"/>'
               '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
               '<cols><col min="1" max="1" width="12.7109375" customWidth="1"/></cols><sheetData>'
               '<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v>'
               f'</c></row><row r="2" spans="1:3" x14ac:dyDescent="0.25"><c r="A2" s="{DATE14}"><v>45672</v></c>'
               '<c r="B2"><v>363</v></c><c r="C2" t="s"><v>2</v></c></row>'
               '<row r="3" spans="1:3" ht="30" customHeight="1" x14ac:dyDescent="0.25"><c r="C3" s="0"><f>B2*2</f>'
               '<v>726</v></c></row></sheetData><phoneticPr fontId="1" type="noConversion"/>'
               '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
               "</worksheet>")
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"


def _hand_cases() -> list[Case]:
    sst = ["<t>tekst</t>", '<t xml:space="preserve">  rand  </t>', "<t>0363</t>"]
    cases = [
        Case("hand-no-s-attribute", _one('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>42</v></c>'
                                         '<c r="C1" t="s"><v>2</v></c><c r="D1"><v>2.5</v></c></row>', sst,
                                         styles=False)),
        Case("hand-t-before-s", _one(f'<row r="1"><c r="A1" t="s" s="{GENERAL}"><v>0</v></c>'
                                     f'<c r="B1" t="n" s="{DATE14}"><v>45672</v></c>'
                                     f'<c r="C1" t="s" s="{DATE164}"><v>1</v></c>'
                                     f'<c t="n" r="D1" s="{DATE164}"><v>45673.5</v></c></row>', sst)),
        Case("hand-cell-without-r", _one('<row r="1"><c t="s"><v>0</v></c><c><v>2</v></c><c r="E1"><v>5</v></c>'
                                         '<c><v>6</v></c></row><row r="3"><c><v>7</v></c><c r="C3"><v>8</v></c>'
                                         "<c><v>9</v></c></row>", sst)),
        Case("hand-row-without-r", _one('<row r="2"><c r="A2"><v>1</v></c></row><row><c r="A3"><v>2</v></c></row>'
                                        '<row><c><v>3</v></c><c><v>4</v></c></row>')),
        Case("hand-rich-shared-string", _one('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
                                             "</row>", ['<r><t>ab</t></r><r><t xml:space="preserve"> cd</t></r>',
                                                        '<r><rPr><b/></rPr><t>0</t></r><r><t>363</t></r>'])),
        Case("hand-phonetic-run", _one('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
                                       ['<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="0"/>',
                                        '<r><t>大</t></r><r><t>阪</t></r><rPh sb="0" eb="2"><t>オオサカ</t></rPh>'])),
        Case("hand-t-str-formula", _one('<row r="1"><c r="A1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
                                        '<c r="B1" t="str"><f>"0"&amp;"363"</f><v>0363</v></c>'
                                        '<c r="C1" t="str"><v> x </v></c></row>')),
        Case("hand-t-b", _one('<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c>'
                              '<c r="C1" t="b"><f>1=1</f><v>1</v></c></row>')),
        Case("hand-t-e", _one('<row r="1"><c r="A1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="B1" t="e"><v>#N/A</v>'
                              '</c><c r="C1"><v>1</v></c></row>')),
        Case("hand-exponent", _one('<row r="1"><c r="A1"><v>1.5E+3</v></c><c r="B1"><v>-2.5e-3</v></c>'
                                   '<c r="C1"><v>1E2</v></c><c r="D1"><v>4.5E-1</v></c><c r="E1"><v>1e21</v></c>'
                                   "</row>")),
        Case("hand-number-texts", _one('<row r="1"><c r="A1"><v>-0</v></c><c r="B1"><v>00042</v></c>'
                                       '<c r="C1"><v>+5</v></c><c r="D1"><v>.5</v></c><c r="E1"><v>5.</v></c>'
                                       '<c r="F1"><v>12345678901234567890</v></c><c r="G1"><v>1.0000000000000002</v>'
                                       '</c><c r="H1"><v>0.1</v></c></row>')),
        Case("hand-namespace-prefix", _one('<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1"><x:v>42</x:v>'
                                           f'</x:c><x:c r="C1" s="{DATE14}"><x:v>45672</x:v></x:c>'
                                           '<x:c r="D1" t="inlineStr"><x:is><x:t>inline</x:t></x:is></x:c></x:row>',
                                           sst, prefix="x")),
        Case("hand-absolute-target", _one('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>42</v></c></row>', sst,
                                          absolute=True)),
        Case("hand-char-references", _one('<row r="1"><c r="A1" t="inlineStr"><is><t>caf&#233; &#x4E2D;</t></is></c>'
                                          '<c r="B1" t="inlineStr"><is><t>&#128512;&amp;&lt;&gt;&quot;&apos;</t></is>'
                                          '</c><c r="C1" t="s"><v>0</v></c></row>', ["<t>&#x00E9;t&#xe9;</t>"])),
        Case("hand-x000D-escape", _one('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
                                       '<c r="C1" t="s"><v>2</v></c><c r="D1" t="inlineStr"><is><t>c_x000A_d</t></is>'
                                       "</c></row>", ["<t>a_x000D_b</t>", "<t>_x005F_x000D_ lit</t>",
                                                      "<t>_x0041__x00e9_</t>"])),
        Case("hand-inline-rich", _one('<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r><r><rPr><b/></rPr>'
                                      '<t xml:space="preserve"> b</t></r></is></c></row>')),
        Case("hand-t-d-iso-date", _one('<row r="1"><c r="A1" t="d"><v>2025-01-15T00:00:00</v></c>'
                                       f'<c r="B1" t="d" s="{DATE14}"><v>2025-01-15</v></c></row>')),
        Case("hand-rows-out-of-order", _one('<row r="3"><c r="A3"><v>3</v></c></row><row r="1"><c r="A1"><v>1</v></c>'
                                            "</row>")),
        Case("hand-cells-out-of-order", _one('<row r="1"><c r="C1"><v>3</v></c><c r="A1"><v>1</v></c></row>')),
        Case("hand-duplicate-cell", _one('<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>')),
        Case("hand-empty-cells", _one('<row r="1"><c r="A1"/><c r="B1" s="0"></c><c r="C1"><v></v></c>'
                                      '<c r="D1" t="s"/><c r="E1" t="inlineStr"><is><t/></is></c>'
                                      '<c r="F1"><v>1</v></c></row><row r="2"/><row r="3"><c r="B3"/></row>'
                                      '<row r="4"><c r="B4"><v>4</v></c></row>')),
        Case("hand-empty-sheet", _one("")),
        Case("hand-first-listed-is-sheet2", handmade([("Achter", sheet_xml('<row r="1"><c r="A1"><v>2</v></c></row>')),
                                                      ("Voor", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'))],
                                                     order=[1, 0])),
        Case("hand-first-listed-is-sheet2-by-name", handmade([("Achter", sheet_xml('<row r="1"><c r="A1"><v>2</v></c>'
                                                                                   "</row>")),
                                                              ("Voor", sheet_xml('<row r="1"><c r="A1"><v>1</v></c>'
                                                                                 "</row>"))], order=[1, 0]),
             sheet="Achter"),
        Case("hand-builtin-time-formats", _one(f'<row r="1"><c r="A1" s="{TIME20}"><v>0.5</v></c>'
                                               f'<c r="B1" s="{DURATION46}"><v>1.25</v></c>'
                                               f'<c r="C1" s="{TIME20}"><v>45672.75</v></c>'
                                               f'<c r="D1" s="{DATE14}"><v>45672.75</v></c></row>')),
        Case("hand-date1904", _one(f'<row r="1"><c r="A1" s="{DATE14}"><v>44210</v></c><c r="B1"><v>44210</v></c>'
                                   f'<c r="C1" s="{DATE164}"><v>0</v></c></row>', date1904=True)),
        Case("hand-pretty-printed", _one('\n  <row r="1">\n    <c r="A1" t="s">\n      <v>0</v>\n    </c>\n'
                                         '    <c r="B1">\n      <v>42</v>\n    </c>\n  </row>\n', sst)),
        Case("hand-whitespace-in-v", _one('<row r="1"><c r="A1"><v> 5</v></c><c r="B1" t="s"><v> 1 </v></c></row>',
                                          sst)),
        Case("hand-crlf-literal", _one('<row r="1"><c r="A1" t="inlineStr"><is><t>a\r\nb</t></is></c>'
                                       '<c r="B1" t="inlineStr"><is><t>c&#13;&#10;d</t></is></c>'
                                       '<c r="C1" t="s"><v>0</v></c></row>', ["<t>e\r\nf\rg</t>"])),
        Case("hand-wide-columns", _one('<row r="1"><c r="Z1"><v>26</v></c><c r="AA1"><v>27</v></c>'
                                       '<c r="AZ1"><v>52</v></c><c r="BA1"><v>53</v></c></row>'
                                       '<row r="2"><c r="B2"><v>2</v></c></row>')),
        Case("hand-no-styles-date-s", _one('<row r="1"><c r="A1" s="1"><v>45672</v></c></row>', styles=False)),
        Case("hand-style-index-out-of-range", _one('<row r="1"><c r="A1" s="99"><v>45672</v></c></row>')),
        Case("hand-shared-index-out-of-range", _one('<row r="1"><c r="A1" t="s"><v>7</v></c><c r="B1"><v>1</v></c>'
                                                    "</row>", sst)),
        Case("hand-sheet-name-escaped", handmade([("Eerste", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')),
                                                  ("Zorg &amp; co", sheet_xml('<row r="1"><c r="A1"><v>2</v></c>'
                                                                              "</row>"))]), sheet="Zorg & co"),
        Case("hand-lowercase-and-dollar-refs", _one('<row r="1"><c r="b1"><v>1</v></c><c r="$C$1"><v>2</v></c></row>')),
        Case("hand-shared-formula", _one('<row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">1+1</f><v>2</v></c>'
                                         '</row><row r="2"><c r="A2"><f t="shared" si="0"/><v>2</v></c></row>')),
        Case("hand-sheet-other-path", _other_paths(False)),
        Case("hand-shared-strings-other-path", _other_paths(True)),
        Case("hand-stored-and-bom", _moved(_one('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1</v></c></row>',
                                                sst), {}, {}, stored=True, bom="xl/worksheets/sheet1.xml")),
        Case("hand-xml-comment", _one('<row r="1"><c r="A1"><v>1</v></c><!-- <c r="B1"><v>9</v></c> --></row>'
                                      '<!-- <row r="2"><c r="A2"><v>9</v></c></row> -->'
                                      '<row r="3"><c r="A3" t="inlineStr"><is><t>a<!-- x -->b</t></is></c></row>')),
        Case("hand-cdata", _one('<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a<b&c]]></t></is></c>'
                                '<c r="B1" t="s"><v>0</v></c></row>', ["<t><![CDATA[<c r='Z1'>]]></t>"])),
        Case("hand-processing-instruction", _one('<row r="1"><?pi x?><c r="A1"><v>1</v></c></row>')),
        Case("hand-extlst-after-sheetdata", handmade([("Blad1", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')
                                                       .replace("</sheetData>", '</sheetData><extLst><ext uri="x">'
                                                                '<row r="5"><c r="A5"><v>5</v></c></row></ext>'
                                                                "</extLst>"))])),
        Case("hand-excel-style-sheet", handmade([("Blad1", EXCEL_SHEET)], sst)),
        Case("hand-spaces-around-equals", _one('<row r = "1"><c r = "A1" t = "s" ><v>0</v></c><c\n r="B1"\n><v>3</v>'
                                               "</c></row>", sst)),
        Case("hand-inline-phonetic", _one('<row r="1"><c r="A1" t="inlineStr"><is><t>東京</t><rPh sb="0" eb="2">'
                                          "<t>トウキョウ</t></rPh></is></c></row>")),
        Case("hand-char-ref-in-number", _one('<row r="1"><c r="A1"><v>&#49;2</v></c><c r="B1" t="s"><v>&#50;</v>'
                                             "</c></row>", sst)),
        Case("hand-self-closing-sheetdata", handmade([("Blad1", HEAD + f'<worksheet xmlns="{MAIN}"><sheetData/>'
                                                                        "</worksheet>")])),
        Case("hand-strict-namespace", handmade([("Blad1", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')
                                                 .replace(MAIN, STRICT))])),
        Case("hand-single-quoted-attributes", _one("<row r='1'><c r='A1' t='s'><v>0</v></c><c r='B1'><v>3</v></c>"
                                                   "</row>", sst)),
    ]
    return cases


def build() -> list[Case]:
    cases = [
        Case("xlsxwriter-shared-strings", _mixed(), common=True),
        Case("xlsxwriter-shared-strings-by-name", _mixed(), sheet="Gegevens", common=True),
        Case("xlsxwriter-constant-memory", _mixed(constant_memory=True), common=True),
        Case("dates", _dates(), common=True),
        Case("dates-constant-memory", _dates(constant_memory=True), common=True),
        Case("dates-1904", _dates(date_1904=True), common=True),
        Case("formulas-cached", _formulas(), common=True),
        Case("formulas-cached-constant-memory", _formulas(constant_memory=True), common=True),
        Case("sparse-from-C5", _sparse(), common=True),
        Case("sparse-from-C5-constant-memory", _sparse(constant_memory=True), common=True),
        Case("sheets-first", _sheets(), common=True),
        Case("sheets-second-by-name", _sheets(), sheet="Tweede", common=True),
        Case("sheets-third-by-name", _sheets(), sheet="Derde", common=True),
        Case("sheets-first-by-name", _sheets(), sheet="Eerste", common=True),
        Case("large-40000x14", _large(), common=True),
        Case("large-15000x14-constant-memory", _large(15_000, constant_memory=True), common=True),
        Case("xlsxwriter-decorated", _decorated(), common=True),
        Case("xlsxwriter-decorated-by-name", _decorated(), sheet="Levering", common=True),
        Case("newlines-and-tabs", _book(lambda b: b.add_worksheet().write_row(0, 0, ["a\nb", "tab\there", "x\n"]))),
        Case("dates-1904-before-1904", _dates_of([datetime(1900, 3, 1), datetime(1903, 12, 31), datetime(1904, 1, 1),
                                                  datetime(1904, 1, 2)], date_1904=True)),
        *[Case(f"format-{i:02d}-{spec}", _one_format(spec)) for i, spec in enumerate(FORMAT_CODES)],
        *[Case(f"builtin-format-{n}", _builtin(n)) for n in BUILTIN_IDS],
        *[Case(f"serial-1900-{v!r}", _serial(v, False)) for v in SERIALS],
        *[Case(f"serial-1904-{v!r}", _serial(v, True)) for v in SERIALS_1904],
        # not common: equal to calamine or Unsupported
        Case("numbers-extreme", _mixed(EXTREME)),
        Case("numbers-extreme-constant-memory", _mixed(EXTREME, constant_memory=True)),
        Case("hidden-first-sheet", _hidden_first()),
        Case("sheet-name-special", _special_name(), sheet="Zorg & co 'ü' <x>"),
        Case("number-formats", _number_formats()),
        Case("odd-serial-dates", _odd_serials()),
        Case("time-values", _time_values()),
        Case("controls", _controls()),
        Case("controls-constant-memory", _controls(constant_memory=True)),
        Case("rich-strings", _rich()),
        Case("rich-strings-constant-memory", _rich(constant_memory=True)),
        Case("formula-bool-and-error-results", _formula_bool_error()),
        *_hand_cases(),
    ]
    assert len({c.name for c in cases}) == len(cases)
    return cases
