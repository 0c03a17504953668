"""The streaming XLSX reader (``spiegel.xlsxstream``) against its oracle, calamine, on a broad corpus
(``tests/xlsx_cases.py``): for the same bytes the stream gives calamine's rows (through ``spiegel.read._cell_text``)
or raises ``Unsupported`` (then the caller falls back to calamine); never a different result. The common cases
(xlsxwriter's two modes, dates, formulas with cached values, sparse data, several sheets, a large sheet) must be
read by the stream itself. The XLSX files of the hostile corpus (``tests/hostile_corpus.py``) are compared too; a
file calamine refuses must make the stream raise, and a file the guard refuses before calamine (far-away cells, a
zip bomb) is compared with the rows it is known to hold."""

from __future__ import annotations

import functools
import io

import pandas as pd
import pytest

import hostile_corpus
import xlsx_cases
from spiegel import fastpath, guard, xlsxstream
from xlsx_cases import Case, Rows, calamine_rows, diff, stream_rows

CASES = xlsx_cases.build()
BY_NAME = {c.name: c for c in CASES}

#: The non-common cases the stream reader may leave to calamine (raise Unsupported for). An Unsupported outside this
#: set (or on a common case) fails test_unsupported_cases_are_only_the_exotic_ones: the reader would then hand
#: simple files back to calamine. The families (format-*, builtin-format-*, serial-*) are allowed as a whole: times,
#: durations and serials outside 61..2958465 are what calamine turns into times or durations (unsure which of them a
#: reader of its own should read).
MAY_BE_UNSUPPORTED = {
    "numbers-extreme", "numbers-extreme-constant-memory", "hand-number-texts",  # more than 15 digits
    "number-formats", "odd-serial-dates", "time-values", "hand-builtin-time-formats",  # times, durations, serial < 61
    "dates-1904-before-1904", "hand-date1904",  # serials before 1904-01-01 in a 1904 workbook (calamine: times)
    "controls", "controls-constant-memory", "hand-x000D-escape",  # _xHHHH_ escapes
    "hand-crlf-literal",  # &#13; (a CR calamine keeps); unsure: a reader could keep it too
    "formula-bool-and-error-results", "hand-t-e",  # t="e" (calamine gives an empty text)
    "hand-t-d-iso-date",  # t="d"
    "hand-namespace-prefix",  # <x:c>
    "hand-rows-out-of-order", "hand-cells-out-of-order", "hand-duplicate-cell",
    "hand-style-index-out-of-range", "hand-whitespace-in-v",  # damaged parts
    "hand-shared-index-out-of-range", "hand-lowercase-and-dollar-refs",  # calamine refuses these (any error is right)
    "hand-xml-comment", "hand-cdata", "hand-processing-instruction", "hand-extlst-after-sheetdata",  # XML constructs
    "hand-char-ref-in-number", "hand-strict-namespace",  # (calamine gives no cell for &#49;2)
    "hand-shared-strings-other-path",  # calamine refuses it (it looks for xl/sharedStrings.xml only)
}
FAMILIES = ("format-", "builtin-format-", "serial-")


@functools.cache
def outcome(name: str) -> tuple[str, str]:
    """How the stream fares on a corpus case: ("equal" | "unsupported" | "differs" | "error" | "refused" |
    "reads-refused", detail)."""
    return _outcome(BY_NAME[name].data, BY_NAME[name].sheet, None)


def _outcome(data: bytes, sheet: str | None, known: Rows | None) -> tuple[str, str]:
    if known is not None:
        expected = known
    else:
        try:
            expected = calamine_rows(data, sheet)
        except Exception as exc:  # calamine refuses the file: the stream must raise too (any exception)
            try:
                got = stream_rows(data, sheet)
            except Exception as stream_exc:
                return "refused", f"calamine: {exc}; stream: {type(stream_exc).__name__}: {stream_exc}"
            return "reads-refused", f"calamine refuses ({exc}), the stream gives {len(got)} rows: {got[:3]!r}"
    try:
        got = stream_rows(data, sheet)
    except xlsxstream.Unsupported as exc:
        return "unsupported", str(exc)
    except Exception as exc:
        return "error", f"{type(exc).__name__}: {exc}"
    if got == expected:
        return "equal", f"{len(got)} rows"
    return "differs", "\n".join(diff(expected, got))


# --- the oracle itself ---------------------------------------------------------


def test_oracle_reads_iter_rows_from_row_1_and_pads_to_the_first_column():
    """iter_rows() starts at row 1 (not at the first used row), its cells at the first used column (start[1])."""
    from python_calamine import CalamineWorkbook

    data = BY_NAME["sparse-from-C5"].data
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    assert sheet.start == (4, 2)
    assert len(list(sheet.iter_rows())) == 13  # rows 1-13
    assert calamine_rows(data, None) == [
        (5, ["", "", "kop1", "kop2", "kop3", "kop4"]),
        (6, ["", "", "a", "", "", "d", "", "7"]),
        (8, ["", "", "", "b"]),
        (10, ["", "", "c", "", "", "", "e"]),
        (13, [""] * 30 + ["far"]),
    ]


def test_oracle_texts_of_the_common_kinds():
    rows = dict(calamine_rows(BY_NAME["xlsxwriter-shared-strings"].data, None))
    assert rows[2] == ["0", "1", "363", "-5", "-2147483648", "123456789012"]
    assert rows[3][:5] == ["1.5", "-2.25", "1e-07", "123456789", "0.3"]
    assert rows[4] == ["1", "0", "TRUE", "0"]
    assert rows[5] == ["", "spaties", "voor", "achter", "", "x"]
    assert rows[8][:2] == ["0363", "00123"]
    dates = dict(calamine_rows(BY_NAME["dates"].data, None))
    assert dates[2] == ["r1", *["20250115"] * 6, "45673"]
    assert dict(calamine_rows(BY_NAME["dates-1904"].data, None))[2] == dates[2]
    assert dict(calamine_rows(BY_NAME["sheets-second-by-name"].data, "Tweede"))[3] == ["", "Tweede-1", "2"]


def test_the_corpus_covers_the_brief():
    assert len(CASES) >= 60
    assert sum(c.common for c in CASES) >= 15
    assert all(not c.name.startswith("hand-") or not c.common for c in CASES)


# --- the stream against the oracle ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_stream_gives_calamines_rows(case: Case):
    kind, detail = outcome(case.name)
    if case.common:
        assert kind == "equal", f"{case.name}: {kind}\n{detail}"
    else:
        assert kind in ("equal", "unsupported", "refused"), f"{case.name}: {kind}\n{detail}"


def test_unsupported_cases_are_only_the_exotic_ones():
    unsupported = {c.name: outcome(c.name)[1] for c in CASES if outcome(c.name)[0] == "unsupported"}
    assert not {c.name for c in CASES if c.common} & set(unsupported)
    assert {n for n in unsupported if not n.startswith(FAMILIES)} <= MAY_BE_UNSUPPORTED


def test_the_stream_takes_no_sheet_calamine_lacks():
    data = BY_NAME["sheets-first"].data
    with pytest.raises(xlsxstream.Unsupported):  # (calamine then says the sheet is missing: never another's rows)
        list(xlsxstream.rows(data, "Bestaat niet"))
    with pytest.raises(xlsxstream.Unsupported):
        list(xlsxstream.rows(data, "tweede"))  # names are exact


# --- the hostile corpus's workbooks -----------------------------------------------------------------------------

HOSTILE = [c for c in hostile_corpus.build() if c.filename.endswith(".xlsx")]
_NAMES, _ROW = hostile_corpus.NAMES, hostile_corpus.ROW
#: What the files the guard refuses before calamine is called hold (calamine would reserve room for every cell).
KNOWN = {
    "xlsx-far-away-cell": [(1, _NAMES), (2, xlsx_cases.trimmed(_ROW)), (1_048_576, [""] * 16_383 + ["x"])],
    "xlsx-lying-dimension": [(1, ["bsn"])],
    "xlsx-zip-bomb": [],
}


@pytest.mark.parametrize("case", HOSTILE, ids=[c.name for c in HOSTILE])
def test_hostile_workbooks(case):
    refused = guard.check_workbook(case.data) if case.data.startswith(b"PK") else None
    known = KNOWN.get(case.name)
    assert (refused is not None) == (known is not None), (case.name, refused)
    kind, detail = _outcome(case.data, None, known)
    assert kind in ("equal", "unsupported", "refused"), f"{case.name}: {kind}\n{detail}"


# --- through the reader ---------------------------------------------------------------------------------------


def _workbook(path, rows: int, *, time_cell_at: int | None = None):
    """A jeugdhulp workbook of ``rows`` records (codes typed as numbers, dates as date cells, text as shared strings);
    with ``time_cell_at``, that record's datum_einde is a time of day (the stream leaves the sheet to calamine)."""
    from datetime import datetime

    import xlsxwriter

    from spiegel import domains

    names = domains.get("jeugdhulp").layout().sets[0].delivered.names
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("jeugdhulp")
    day, clock = book.add_format({"num_format": "dd-mm-yyyy"}), book.add_format({"num_format": "hh:mm"})
    sheet.write_row(0, 0, names)
    for i in range(rows):
        values = {"bsn": f"{100_000_000 + i * 7:09d}", "geboortedatum": datetime(2010, 1 + i % 12, 1 + i % 28),
                  "geslacht": "MV"[i % 2], "postcode": f"{1000 + i % 50}AB", "gemeentecode": 363 if i % 3 else 518,
                  "verwijzer": 1 + i % 5, "hulpvorm": 2, "gestart_met_crisis": 2,
                  "datum_aanvang": datetime(2025, 1 + i % 6, 1 + i % 27), "datum_einde": "",
                  "reden_beeindiging": "", "tevredenheid": "", "zonder_hulp_verder": "", "type_informant": ""}
        for col, name in enumerate(names):
            value = values.get(name, "")
            if isinstance(value, datetime):
                sheet.write_datetime(i + 1, col, value, day)
            elif value != "":
                sheet.write(i + 1, col, value)
        if i == time_cell_at:
            sheet.write_number(i + 1, names.index("datum_einde"), 0.5, clock)
    book.close()
    return path


def _read(path, *, stream: bool, monkeypatch):
    from spiegel import domains, read

    calls = []
    real = xlsxstream.rows

    def spy(data, sheet):
        calls.append(sheet)
        if not stream:
            raise xlsxstream.Unsupported("off")
        yield from real(data, sheet)

    with monkeypatch.context() as patch, fastpath.threshold(0):  # (blocks and chunks small: several of each)
        patch.setattr(xlsxstream, "rows", spy)
        patch.setattr(xlsxstream, "CHUNK_BYTES", 64 * 1024)
        patch.setattr(read, "EXCEL_BLOCK_ROWS", 1_000)
        delivery = read.read_delivery(path, domains.get("jeugdhulp").layout())
    assert calls  # (the reader tried the stream first)
    return delivery


def test_a_large_workbook_read_as_a_stream_equals_calamines_reading(tmp_path, monkeypatch):
    """Reading a workbook of several blocks (spiegel.read.EXCEL_BLOCK_ROWS) and chunks as a stream gives the raw
    and typed frames calamine's rows give, code columns as categories as for a large CSV."""
    from spiegel import categories

    path = _workbook(tmp_path / "groot.xlsx", 4_000)
    streamed = _read(path, stream=True, monkeypatch=monkeypatch)
    loaded = _read(path, stream=False, monkeypatch=monkeypatch)
    assert categories.is_category(streamed.raw["gemeentecode"]) and streamed.raw["gemeentecode"].iloc[0] == "0518"
    pd.testing.assert_frame_equal(categories.plain(streamed.raw), categories.plain(loaded.raw), check_exact=True)
    pd.testing.assert_frame_equal(categories.plain(streamed.frame), categories.plain(loaded.frame), check_exact=True)
    assert len(streamed.raw) == 4_000 and streamed.raw["rij"].iloc[-1] == 4_001


def test_a_sheet_the_stream_does_not_read_is_read_by_calamine_from_its_first_row(tmp_path, monkeypatch):
    """A time of day in a late row: the stream stops there (after giving blocks of rows) and calamine reads the
    whole sheet again; the delivery is what calamine gives, with the row the time is in."""
    from spiegel import categories

    path = _workbook(tmp_path / "tijd.xlsx", 3_000, time_cell_at=2_500)
    with pytest.raises(xlsxstream.Unsupported):
        list(xlsxstream.rows(path.read_bytes(), "jeugdhulp"))
    got = _read(path, stream=True, monkeypatch=monkeypatch)
    expected = _read(path, stream=False, monkeypatch=monkeypatch)
    pd.testing.assert_frame_equal(categories.plain(got.raw), categories.plain(expected.raw), check_exact=True)
    assert len(got.raw) == 3_000 and got.raw["datum_einde"].iloc[2_500] == "12:00:00"


def test_a_row_number_with_a_leading_zero_is_the_same_row():
    """``<c r="B01">`` is row 1 (calamine reads it so): the cells of one row are not split over two."""
    data = xlsx_cases.handmade([("Blad1", xlsx_cases.sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B01" t="inlineStr"><is><t>b</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>c</t></is></c></row>'))])
    assert stream_rows(data, None) == calamine_rows(data, None) == [(1, ["a", "b"]), (2, ["c"])]


def test_a_sheet_of_unclosed_cells_is_read_in_linear_time():
    """A hostile sheet: 20,000 cells opened and never closed. Each cell's content is looked for up to the next
    cell only (were it looked for up to the block's end, this would scan some 20 GB); calamine gets the sheet."""
    body = '<row r="1">' + "".join(f'<c r="A{i}"><v>1</v>' for i in range(1, 20_001)) + "</row>"
    data = xlsx_cases.handmade([("Blad1", xlsx_cases.sheet_xml(body))])
    with pytest.raises(xlsxstream.Unsupported):  # (never "no cells": calamine refuses the file, and says so)
        stream_rows(data, None)
    with pytest.raises(Exception):  # noqa: B017 (calamine's own error type)
        calamine_rows(data, None)


def test_a_row_without_an_end_is_not_held_as_a_stream(monkeypatch):
    monkeypatch.setattr(xlsxstream, "MAX_ROW_BYTES", 10_000)
    monkeypatch.setattr(xlsxstream, "CHUNK_BYTES", 4_096)
    body = '<row r="1">' + "".join(f'<c r="A{i}"><v>1</v></c>' for i in range(1, 2_000))
    data = xlsx_cases.handmade([("Blad1", xlsx_cases.sheet_xml(body))])
    with pytest.raises(xlsxstream.Unsupported):
        stream_rows(data, None)
