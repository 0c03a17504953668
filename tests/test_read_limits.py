"""Hostile and huge inputs in the reader (issue 25): each refused with a file rule before it can cost the memory
or crash the process; every file is small and generated here (a workbook of a few KB that declares 17 billion
cells, a zip bomb, a 1 MB field …). The limits themselves are in spiegel.limits."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from spiegel import domains, guard, limits
from spiegel.cli import main
from spiegel.errors import InputError
from spiegel.read import read_delivery
from spiegel.write import write_delivery

JH = domains.get("jeugdhulp")
LAYOUT = JH.layout()
NAMES = LAYOUT.names
BSN, BIRTH, POSTCODE = "123456782", "20100517", "1234AB"
SECRETS = (BSN, BIRTH, POSTCODE)
ROWS = [
    [BSN, BIRTH, "M", POSTCODE, "", "02", "02", "02", "20240115", "", "", "", "", ""],
    ["999999999", "20120500", "V", "", "0363", "06", "01", "02", "20240301", "20240620", "01", "7", "04", "02"],
]


def _refused(path: Path, rule: str = "JH-B01") -> InputError:
    with pytest.raises(InputError) as caught:
        read_delivery(path, LAYOUT)
    error = caught.value
    assert error.rule == rule
    assert str(path) in str(error)
    assert not any(secret in str(error) for secret in SECRETS)
    return error


def _xlsx_far_cell(path: Path, row: int, col: int) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, NAMES)
    sheet.write_row(1, 0, ROWS[0])
    sheet.write_string(row, col, "x")
    book.close()
    return path


def _sheet_xml(body: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{dim}<sheetData>{body}</sheetData></worksheet>")


def _replace_sheet(source: Path, target: Path, sheet_xml: str | bytes, *, level: int = 6) -> Path:
    """A copy of the workbook ``source`` with its first sheet's XML replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode() if isinstance(sheet_xml, str) else sheet_xml
            new.writestr(info.filename, data)
    target.write_bytes(out.getvalue())
    return target


def _good_xlsx(tmp_path: Path) -> Path:
    import pandas as pd

    return write_delivery(pd.DataFrame(ROWS, columns=NAMES), tmp_path / "goed.xlsx", "xlsx", LAYOUT)


# --- workbooks ------------------------------------------------------------------------------------------


def test_a_tiny_workbook_with_one_cell_at_xfd1048576_is_refused_before_its_cells_are_loaded(tmp_path):
    path = _xlsx_far_cell(tmp_path / "ver.xlsx", 1_048_575, 16_383)
    assert path.stat().st_size < 10_000
    error = _refused(path)
    assert "werkblad" in error.problem and "kolommen" in error.problem


@pytest.mark.parametrize(("row", "col", "word"), [(2_000, 300, "kolommen"), (1_048_575, 30, "cellen")])
def test_far_rows_or_columns_are_refused_with_the_limit_they_pass(tmp_path, row, col, word):
    error = _refused(_xlsx_far_cell(tmp_path / "ver.xlsx", row, col))
    assert word in error.problem


def test_a_declared_dimension_beyond_the_limits_is_refused_even_when_the_cells_are_near(tmp_path):
    good = _good_xlsx(tmp_path)
    sheet = _sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>bsn</t></is></c></row>', "A1:XFD1048576")
    error = _refused(_replace_sheet(good, tmp_path / "dim.xlsx", sheet))
    assert "gedeclareerde omvang" in error.problem


def test_a_far_cell_is_found_with_a_namespace_prefix_and_a_lying_dimension(tmp_path):
    good = _good_xlsx(tmp_path)
    sheet = ('<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<x:dimension ref="A1"/><x:sheetData><x:row r="1" spans="1:1">'
             '<x:c t="n" s=\'0\' r="&#88;FD1048576"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    error = _refused(_replace_sheet(good, tmp_path / "ns.xlsx", sheet))
    assert "werkblad" in error.problem


def test_cells_without_references_are_counted_one_after_the_other(tmp_path):
    cells = "<c><v>1</v></c>" * 300  # 300 columns in one row, none with a reference
    extent = guard.scan(io.BytesIO(_sheet_xml(f"<row>{cells}</row><row/><row/>").encode()))
    assert isinstance(extent, str) and "kolommen" in extent
    extent = guard.scan(io.BytesIO(_sheet_xml(f"<row>{'<c><v>1</v></c>' * 20}</row><row/><row/>").encode()))
    assert not isinstance(extent, str)
    assert (extent.rows, extent.columns) == (3, 20)


def test_a_tag_cut_by_the_end_of_a_chunk_is_still_seen(monkeypatch):
    monkeypatch.setattr(guard, "_CHUNK", 7)
    xml = _sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="IW5"><v>2</v></c></row>', "A1:B2").encode()
    extent = guard.scan(io.BytesIO(xml))
    assert isinstance(extent, str) and "kolommen" in extent  # IW = column 257


def test_a_zip_bomb_is_refused_by_its_packing_ratio(tmp_path):
    good = _good_xlsx(tmp_path)
    filler = _sheet_xml("").replace("<sheetData>", "<sheetData>" + " " * (8 * limits.MB))
    error = _refused(_replace_sheet(good, tmp_path / "bom.xlsx", filler, level=9))
    assert "zip-bom" in error.problem


def test_the_unpacked_size_limit_is_configurable(tmp_path, monkeypatch):
    good = _good_xlsx(tmp_path)
    monkeypatch.setenv(limits.UNPACKED_MB.env, "1")
    padded = _sheet_xml("").replace("<sheetData>", "<sheetData>" + "<!-- -->" * (limits.MB // 4))
    error = _refused(_replace_sheet(good, tmp_path / "groot.xlsx", padded))
    assert "uitgepakt" in error.problem


def test_a_normal_workbook_passes_the_guard(tmp_path):
    delivery = read_delivery(_good_xlsx(tmp_path), LAYOUT)
    assert len(delivery) == 2


def test_a_zip_of_csv_files_with_a_bomb_is_refused(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("adviezen.csv", "a" * (4 * limits.MB))
    path = tmp_path / "vt.zip"
    path.write_bytes(out.getvalue())
    vt = domains.get("vt").layout()
    with pytest.raises(InputError) as caught:
        read_delivery(path, vt)
    assert "zip-bom" in caught.value.problem


def test_inspect_on_a_far_cell_workbook_exits_2_with_one_line(tmp_path, capsys):
    path = _xlsx_far_cell(tmp_path / "ver.xlsx", 1_048_575, 16_383)
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "[JH-B01]" in err


# --- size -----------------------------------------------------------------------------------------------


def test_a_delivery_above_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "groot.csv"
    path.write_text(";".join(NAMES) + "\n" + (";".join(ROWS[0]) + "\n") * 25_000)
    monkeypatch.setenv(limits.DELIVERY_MB.env, "1")
    assert path.stat().st_size > limits.MB
    error = _refused(path)
    assert "1 MB" in error.problem and limits.DELIVERY_MB.env in error.problem
    monkeypatch.setenv(limits.DELIVERY_MB.env, "2")
    assert len(read_delivery(path, LAYOUT)) == 25_000


def test_a_limit_that_is_not_a_positive_whole_number_falls_back_to_its_default(monkeypatch):
    for text in ("", "0", "-3", "veel", "1.5"):
        monkeypatch.setenv(limits.FIELD_CHARS.env, text)
        assert limits.FIELD_CHARS.value == limits.FIELD_CHARS.default
    monkeypatch.setenv(limits.FIELD_CHARS.env, "20_000")
    assert limits.FIELD_CHARS.value == 20_000


# --- fields ---------------------------------------------------------------------------------------------


def _csv(rows: list[list[str]], delim: str = ";") -> str:
    return "\n".join([delim.join(NAMES), *(delim.join(r) for r in rows)]) + "\n"


@pytest.mark.parametrize("quoted", [False, True])
@pytest.mark.parametrize("records", [2, 3000])  # the small path (csv module) and the large one (pandas)
def test_a_1_mb_field_is_a_file_rule_with_row_and_column(tmp_path, quoted, records):
    huge = "A" * limits.MB
    bad = list(ROWS[1])
    bad[NAMES.index("postcode")] = f'"{huge}"' if quoted else huge
    path = tmp_path / "veld.csv"
    path.write_text(_csv([ROWS[0]] * (records - 1) + [bad]))
    error = _refused(path, "JH-B08")
    assert (error.row, error.column) == (records + 1, "postcode")
    assert "10.000 tekens" in error.problem and "AAAA" not in str(error)


def test_a_huge_field_in_the_header_names_its_position(tmp_path):
    path = tmp_path / "kop.csv"
    path.write_text(";".join([*NAMES[:3], '"' + "B" * 200_000 + '"', *NAMES[4:]]) + "\n" + ";".join(ROWS[0]) + "\n")
    error = _refused(path, "JH-B08")
    assert (error.row, error.column) == (1, "op positie 4")


def test_a_huge_cell_in_a_workbook_is_the_same_file_rule(tmp_path):
    path = tmp_path / "cel.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, NAMES)
    sheet.write_row(1, 0, ROWS[0])
    sheet.write_row(2, 0, ROWS[1])
    sheet.write_string(2, NAMES.index("postcode"), "C" * 20_000)
    book.close()
    error = _refused(path, "JH-B08")
    assert (error.row, error.column) == (3, "postcode")


def test_inspect_on_a_huge_field_exits_2_with_one_line(tmp_path, capsys):
    bad = list(ROWS[1])
    bad[3] = '"' + "A" * limits.MB + '"'
    path = tmp_path / "veld.csv"
    path.write_text(_csv([ROWS[0], bad]))
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "[JH-B08]" in err and "rij 3" in err


# --- NUL, encodings, fixed width ------------------------------------------------------------------------


@pytest.mark.parametrize("records", [2, 3000])
def test_a_nul_byte_late_in_the_file_is_binary_content_with_its_row(tmp_path, records):
    text = _csv([ROWS[0]] * (records - 1) + [ROWS[1]])
    assert len(text) > 65536 or records == 2
    at = text.rindex("V;")  # in the last record
    path = tmp_path / "nul.csv"
    path.write_bytes(text[:at].encode() + b"\x00" + text[at + 1:].encode())
    error = _refused(path, "JH-B01")
    assert error.row == records + 1 and "NUL" in error.problem


def test_a_late_control_character_in_a_windows_1252_file_is_binary_content(tmp_path):
    text = _csv([ROWS[0]] * 3000 + [ROWS[1]]).replace("V;", "V\x1b;") + "\n"
    path = tmp_path / "esc.csv"
    path.write_bytes(text.replace("0363", "036é").encode("cp1252"))
    error = _refused(path, "JH-B01")
    assert error.row == 3002


def test_a_file_mixing_utf8_and_windows_1252_names_the_first_row_of_each(tmp_path):
    rows = [list(r) for r in (ROWS[0], ROWS[1], ROWS[1])]
    path = tmp_path / "gemengd.csv"
    body = _csv(rows).splitlines(keepends=True)
    data = body[0].encode() + body[1].encode() + body[2].replace("V;", "é;").encode("utf-8") + \
        body[3].replace("V;", "é;").encode("cp1252")
    path.write_bytes(data)
    error = _refused(path, "JH-B05")
    assert error.row == 4
    assert "rij 3 is UTF-8, rij 4 niet" in error.problem


def test_a_file_wholly_in_windows_1252_is_still_read(tmp_path):
    path = tmp_path / "ansi.csv"
    path.write_bytes(_csv([ROWS[0], ROWS[1]]).replace("V;", "é;").encode("cp1252"))
    delivery = read_delivery(path, LAYOUT)
    assert delivery.source.encoding == "Windows-1252"
    assert delivery.raw["geslacht"].tolist() == ["M", "é"]


def test_a_short_line_in_a_fixed_width_file_is_a_row_length_rule(tmp_path):
    import pandas as pd

    path = write_delivery(pd.DataFrame(ROWS, columns=NAMES), tmp_path / "vast.txt", "fixed", LAYOUT)
    lines = path.read_text().splitlines()
    width = LAYOUT.single.record_width
    assert all(len(line) == width for line in lines)
    path.write_text(lines[0] + "\n" + lines[1][: width - 12] + "\n")
    error = _refused(path, "JH-B08")
    assert error.row == 2 and f"verwacht {width}" in error.problem
