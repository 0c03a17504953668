"""The far-away-cell check for the old binary Excel format (.xls: BIFF8 records in an OLE2 compound file),
``spiegel.guard.check_xls``: the reader (calamine) makes a cell for every position from A1 to a sheet's last cell
and reserves room for its DIMENSIONS, so both are checked against the limits before it is called.

The workbooks are written with xlwt; a lying one is made by rewriting records of xlwt's Workbook stream
(``Workbook.get_biff_data``) and wrapping it in a compound file again with xlwt's own writer."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import olefile
import pytest
import xlwt
from xlwt import CompoundDoc

from spiegel import domains, guard
from spiegel.cli import main
from spiegel.errors import InputError
from spiegel.read import read_delivery

LAYOUT = domains.get("jeugdhulp").layout()
NAMES = list(LAYOUT.names)
BSN, BIRTH, POSTCODE = "123456782", "20100517", "1234AB"
SECRETS = (BSN, BIRTH, POSTCODE)
ROW = [BSN, BIRTH, "M", POSTCODE, "", "02", "02", "02", "20240115", "", "", "", "", ""]
DAMAGED = "Excel-bestand (xls) is beschadigd of afgebroken"

BOF, EOF, BOUNDSHEET, DIMENSIONS, ROW_RECORD = 0x0809, 0x000A, 0x0085, 0x0200, 0x0208
LABELSST, MULRK, FILEPASS = 0x00FD, 0x00BD, 0x002F


def _book(*far: tuple[int, int], rows: int = 1) -> xlwt.Workbook:
    """A jeugdhulp delivery (header and ``rows`` rows of text) with a text cell at every (row, column) of ``far``."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("jeugdhulp")
    for j, name in enumerate(NAMES):
        sheet.write(0, j, name)
    for i in range(1, rows + 1):
        for j, value in enumerate(ROW):
            sheet.write(i, j, value)
    for row, column in far:
        sheet.write(row, column, "x")
    return book


def _bytes(book: xlwt.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ole(stream: bytes) -> bytes:
    """``stream`` as the Workbook stream of a compound file (xlwt's writer)."""
    out = io.BytesIO()
    CompoundDoc.XlsDoc().save(out, stream)
    return out.getvalue()


def _records(stream: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        out.append((kind, stream[pos + 4: pos + 4 + length]))
        pos += 4 + length
    return out


def _rewritten(book: xlwt.Workbook, change: Callable[[int, bytes], bytes]) -> bytes:
    """The workbook with every record's data replaced by ``change(type, data)`` (of the same length, so that the
    sheets' offsets in BOUNDSHEET stay right)."""
    out = bytearray()
    for kind, data in _records(book.get_biff_data()):
        new = change(kind, data)
        assert len(new) == len(data)
        out += struct.pack("<HH", kind, len(new)) + new
    return _ole(bytes(out))


def _dimensions(rows: int, columns: int, *, near_rows: bool = False) -> Callable[[int, bytes], bytes]:
    """DIMENSIONS rewritten to ``rows`` × ``columns``; with ``near_rows`` every ROW record says row 2 (so that only
    the cells tell how far the sheet reaches)."""
    def change(kind: int, data: bytes) -> bytes:
        if kind == ROW_RECORD and near_rows:
            return struct.pack("<H", 1) + data[2:]
        return struct.pack("<IIHH", 0, rows, 0, columns) + data[12:] if kind == DIMENSIONS else data
    return change


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _stream(*sheets: bytes, globals_: bytes = b"", offsets: list[int] | None = None) -> bytes:
    """A Workbook stream written by hand: globals (BOF, ``globals_``, a BOUNDSHEET per sheet, EOF), then the
    sheets, each BOF + its records + EOF; ``offsets`` replaces where the BOUNDSHEETs say the sheets start."""
    bof = _record(BOF, struct.pack("<HH", 0x0600, 0x0005) + bytes(12))
    sheet_bof = _record(BOF, struct.pack("<HH", 0x0600, 0x0010) + bytes(12))
    head_size = len(bof) + len(globals_) + len(sheets) * len(_record(BOUNDSHEET, bytes(9))) + 4
    bodies = [sheet_bof + body + _record(EOF) for body in sheets]
    starts = [head_size + sum(len(b) for b in bodies[:i]) for i in range(len(bodies))]
    bound = b"".join(_record(BOUNDSHEET, struct.pack("<IBBBB", start, 0, 0, 1, 0) + b"s")
                     for start in (offsets if offsets is not None else starts))
    return bof + globals_ + bound + _record(EOF) + b"".join(bodies)


def _first_sheet() -> int:
    """Where the first sheet of a hand-written stream of two sheets starts."""
    kind, data = _records(_stream(b"", b""))[1]
    assert kind == BOUNDSHEET
    return struct.unpack_from("<I", data)[0]


def _cell(row: int, column: int) -> bytes:
    return _record(LABELSST, struct.pack("<HHHI", row, column, 0, 0))


def _refused(path: Path, wanted: str) -> InputError:
    assert guard.check_xls(path.read_bytes()) is not None  # (before the reader is asked for a billion cells)
    with pytest.raises(InputError) as caught:
        read_delivery(path, LAYOUT)
    error = caught.value
    assert error.rule == "JH-B01" and str(path) in str(error) and wanted in str(error)
    assert "\n" not in str(error) and not any(secret in str(error) for secret in SECRETS)
    return error


def _write(tmp_path: Path, data: bytes, name: str = "levering.xls") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- the real extent: the cells ------------------------------------------------------------------------------


def test_a_normal_xls_passes_the_guard_and_reads_as_before(tmp_path):
    data = _bytes(_book(rows=3))
    assert guard.check_xls(data) is None
    delivery = read_delivery(_write(tmp_path, data), LAYOUT)
    assert delivery.source.format == "xls" and len(delivery.frame) == 3
    assert list(delivery.raw["bsn"]) == [BSN] * 3


def test_a_far_cell_passes_within_the_default_limits_and_is_refused_when_a_limit_is_lowered(tmp_path, monkeypatch):
    data = _bytes(_book((60_000, 200)))  # 60.001 rows × 201 columns = 12.060.201 cells: within 20 million
    assert guard.check_xls(data) is None
    path = _write(tmp_path, data)
    monkeypatch.setenv("SPIEGEL_MAX_SHEET_CELLS", "10_000_000")
    _refused(path, "werkblad: meer dan 10.000.000 cellen")
    monkeypatch.delenv("SPIEGEL_MAX_SHEET_CELLS")
    monkeypatch.setenv("SPIEGEL_MAX_SHEET_ROWS", "50000")
    _refused(path, "werkblad: meer dan 50.000 rijen")
    monkeypatch.delenv("SPIEGEL_MAX_SHEET_ROWS")
    monkeypatch.setenv("SPIEGEL_MAX_SHEET_COLUMNS", "200")
    _refused(path, "werkblad: meer dan 200 kolommen")


def test_the_cells_are_counted_when_the_dimensions_record_lies_small(tmp_path, monkeypatch):
    """DIMENSIONS says 2 rows × 14 columns, the ROW records say row 2; the cell at row 60.001 is found all the same
    (the real extent)."""
    data = _rewritten(_book((60_000, 13)), _dimensions(2, 14, near_rows=True))
    monkeypatch.setenv("SPIEGEL_MAX_SHEET_ROWS", "60000")
    _refused(_write(tmp_path, data), "(omvang van een werkblad: meer dan 60.000 rijen)")
    monkeypatch.setenv("SPIEGEL_MAX_SHEET_ROWS", "60001")
    assert guard.check_xls(data) is None  # the sheet reaches row 60.001 exactly (counted from A1)


def test_a_cell_beyond_column_iv_is_refused_with_the_default_limits(tmp_path):
    """BIFF8 has 256 columns, but a cell's column is a u16 and the reader takes it as it is: a cell at column
    16.384 of row 65.536 would make a sheet of a billion cells."""
    def far(kind: int, data: bytes) -> bytes:
        row, column = struct.unpack_from("<HH", data) if kind == LABELSST else (0, 0)
        return struct.pack("<HH", 65_535, 16_383) + data[4:] if (row, column) == (1, 2) else data

    data = _rewritten(_book(), far)
    _refused(_write(tmp_path, data), "werkblad: meer dan 256 kolommen")


def test_a_run_of_cells_in_one_record_counts_to_its_last_column():
    """MULRK: row, first column, the values, last column (the record's last u16)."""
    rk = struct.pack("<HI", 0, 2)
    run = _record(MULRK, struct.pack("<HH", 4, 250) + rk * 51 + struct.pack("<H", 300))
    assert guard.check_xls(_ole(_stream(_cell(0, 0), run))) == "omvang van een werkblad: meer dan 256 kolommen"
    near = _record(MULRK, struct.pack("<HH", 4, 250) + rk * 6 + struct.pack("<H", 255))
    assert guard.check_xls(_ole(_stream(_cell(0, 0), near))) is None


def test_every_sheet_is_checked_where_the_globals_say_it_starts():
    near, far = _cell(1, 1), _cell(3, 5000)
    assert guard.check_xls(_ole(_stream(near, near))) is None
    assert guard.check_xls(_ole(_stream(near, far))) == "omvang van een werkblad: meer dan 256 kolommen"


# --- the declared extent: DIMENSIONS ---------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "columns", "wanted"), [
    (2_000_000, 14, "meer dan 1.048.576 rijen"),
    (3, 1000, "meer dan 256 kolommen"),
    (100_000, 250, "meer dan 20.000.000 cellen"),
    (4_294_967_295, 65_535, "meer dan 1.048.576 rijen"),
])
def test_a_declared_dimension_beyond_the_limits_is_refused_with_near_cells(tmp_path, rows, columns, wanted):
    """calamine reserves room for the DIMENSIONS record's rows × columns before it reads a cell."""
    data = _rewritten(_book(), _dimensions(rows, columns))
    error = _refused(_write(tmp_path, data), wanted)
    assert "gedeclareerde omvang van een werkblad" in str(error)


def test_a_declared_dimension_within_the_limits_passes():
    assert guard.check_xls(_rewritten(_book(), _dimensions(65_536, 256))) is None


# --- the container and the record stream ------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["half", "magic-and-zeros", "magic-and-noise", "sector-chain-cut"])
def test_a_damaged_or_truncated_xls_is_one_clear_line(tmp_path, damage, capsys):
    data = _bytes(_book(rows=40))
    broken = {
        "half": data[: len(data) // 2],
        "magic-and-zeros": data[:8] + bytes(4088),
        "magic-and-noise": data[:8] + bytes((i * 37 + 11) % 256 for i in range(8000)),
        "sector-chain-cut": data[:512] + data[1024:],
    }[damage]
    assert guard.check_xls(broken) == DAMAGED
    path = _write(tmp_path, broken)
    _refused(path, DAMAGED)
    assert main(["inspect", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out and DAMAGED in captured.err


@pytest.mark.parametrize("case", ["record-past-the-end", "sheet-past-the-end", "sheets-overlap", "short-cell"])
def test_a_record_stream_the_reader_would_refuse_is_refused(case):
    stream = {
        "record-past-the-end": _stream(_cell(0, 0) + struct.pack("<HH", LABELSST, 100) + bytes(10)),
        "sheet-past-the-end": _stream(_cell(0, 0), offsets=[10**6]),
        "sheets-overlap": _stream(_cell(0, 0) * 3, _cell(0, 1), offsets=[_first_sheet(), _first_sheet() + 20]),
        "short-cell": _stream(_record(LABELSST, b"\x01\x00")),
    }[case]
    assert guard.check_xls(_ole(stream)) == DAMAGED


def test_a_stream_ending_without_eof_is_walked_to_its_end():
    stream = _stream(_cell(0, 0))[:-4] + _cell(2, 400)  # the sheet's EOF replaced by a far cell
    stream += _record(0, bytes(-len(stream) % 4))  # (xlwt pads the stream with zeros: 4-byte empty records)
    assert guard.check_xls(_ole(stream)) == "omvang van een werkblad: meer dan 256 kolommen"


def test_a_password_protected_xls_says_so():
    stream = _stream(_cell(0, 0), globals_=_record(FILEPASS, struct.pack("<HHH", 1, 1, 1) + bytes(48)))
    assert guard.check_xls(_ole(stream)) == "Excel-bestand (xls) is met een wachtwoord beveiligd"


def test_a_workbook_stream_named_twice_in_the_directory_is_a_damaged_file():
    """The reader takes the first directory entry of the name; olefile the one in its tree. A second entry, also
    one outside the tree, makes it uncertain which stream is read."""
    data = bytearray(_bytes(_book()))
    name = "Workbook".encode("utf-16-le")
    entry = data.find(name)
    data[entry + 128: entry + 256] = data[entry: entry + 128]  # the next (empty) entry: a copy, outside the tree
    assert guard.check_xls(bytes(data)) == DAMAGED
    data[entry + 128: entry + 128 + 16] = "workbook".encode("utf-16-le")  # in another case
    assert guard.check_xls(bytes(data)) == DAMAGED
    data[entry + 128 + 66] = 0  # not a stream: an empty entry again
    assert guard.check_xls(bytes(data)) is None


def test_a_stream_shorter_than_its_declared_size_is_a_damaged_file():
    data = bytearray(_bytes(_book()))
    entry = data.find("Workbook".encode("utf-16-le"))
    size = int.from_bytes(data[entry + 120: entry + 124], "little")
    data[entry + 120: entry + 124] = (size + 4096).to_bytes(4, "little")
    assert guard.check_xls(bytes(data)) == DAMAGED


def test_no_workbook_stream_is_a_damaged_file():
    assert guard.check_xls(_ole(b"")) is None  # an empty Workbook stream: no sheets, nothing to load
    book = _bytes(_book())
    renamed = book.replace("Workbook".encode("utf-16-le"), "Workbooq".encode("utf-16-le"))
    assert renamed != book and guard.check_xls(renamed) == DAMAGED


def test_a_workbook_stream_above_the_unpacked_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    data = _bytes(_book(rows=7000))
    assert olefile.OleFileIO(io.BytesIO(data)).get_size("Workbook") > 2**20
    monkeypatch.setenv("SPIEGEL_MAX_UNPACKED_MB", "1")

    def never(*args, **kwargs):
        raise AssertionError("the stream was read")

    monkeypatch.setattr(olefile.OleFileIO, "openstream", never)
    _refused(_write(tmp_path, data), "(werkmap groter dan 1 MB)")


# --- where the check is called --------------------------------------------------------------------------


def test_an_xls_named_xlsx_is_checked_by_its_content(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIEGEL_MAX_SHEET_ROWS", "1000")
    _refused(_write(tmp_path, _bytes(_book((5000, 1))), "levering.xlsx"), "werkblad: meer dan 1.000 rijen")


def test_a_workbook_member_of_a_zip_delivery_is_checked(tmp_path, monkeypatch):
    """A delivery of several sets as a ZIP with a workbook per set: each member is checked as a delivery."""
    layout = domains.get("jb").layout()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for record_set in layout.sets:
            book = xlwt.Workbook()
            sheet = book.add_sheet(record_set.naam)
            for j, name in enumerate(record_set.delivered.names):
                sheet.write(0, j, name)
            sheet.write(5000, 100, "x")
            archive.writestr(f"{record_set.naam}.xls", _bytes(book))
    path = _write(tmp_path, out.getvalue(), "levering.zip")
    monkeypatch.setenv("SPIEGEL_MAX_SHEET_CELLS", "100000")
    with pytest.raises(InputError) as caught:
        read_delivery(path, layout)
    assert caught.value.rule.endswith("01") and "werkblad: meer dan 100.000 cellen" in str(caught.value)
    assert f"{path}/" in str(caught.value)  # the member is named
