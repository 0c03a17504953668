"""The reader (spiegel.read) on every format and encoding, and every bad input it must refuse with an
InputError that names the file, row, column and rule but never a value from the file; and ``spiegel inspect``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
import xlwt

from spiegel import categories, domains, fastpath
from spiegel.cli import main
from spiegel.errors import InputError
from spiegel.read import read_delivery
from spiegel.write import write_delivery

JH = domains.get("jeugdhulp")
LAYOUT = JH.layout()
NAMES = LAYOUT.names
# The message of each file rule, by its code (the domain maps reader problems to its rules).
FILE_RULES = {rule.code: rule.melding for rule in JH.file_rules.values()}
# Values that must never show up in an error message or in inspect's output.
BSN, BIRTH, POSTCODE = "123456782", "20100517", "1234AB"
SECRETS = (BSN, BIRTH, POSTCODE, "1234 AB")
ROWS = [
    [BSN, BIRTH, "M", POSTCODE, "", "02", "02", "02", "20240115", "", "", "", "", ""],
    ["999999999", "20120500", "V", "", "0363", "06", "01", "02", "20240301", "20240620", "01", "7", "04", "02"],
    ["111222333", "20080000", "O", "9999ZZ", "0014", "01", "11", "01", "20231201", "", "", "", "", ""],
]


def raw_frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=NAMES)


def csv_text(delim: str = ";", rows: list[list[str]] | None = None, header: list[str] | None = None) -> str:
    lines = [delim.join(header or NAMES)] + [delim.join(r) for r in (rows or ROWS)]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def records(path: Path) -> list[list[str]]:
    return read_delivery(path, LAYOUT).raw.drop(columns="rij").to_numpy().tolist()


# --- good files ------------------------------------------------------------------------------------------


def test_semicolon_csv_in_utf8_is_read_with_row_numbers_from_2(tmp_path):
    delivery = read_delivery(write(tmp_path, "a.csv", csv_text(";")), LAYOUT)
    assert delivery.raw.drop(columns="rij").to_numpy().tolist() == ROWS
    assert delivery.raw["rij"].tolist() == [2, 3, 4]
    assert (delivery.source.format, delivery.source.encoding, delivery.source.delimiter) == ("csv", "UTF-8", ";")


def test_comma_csv_with_utf8_bom_is_read(tmp_path):
    delivery = read_delivery(write(tmp_path, "a.csv", b"\xef\xbb\xbf" + csv_text(",").encode()), LAYOUT)
    assert delivery.raw.drop(columns="rij").to_numpy().tolist() == ROWS
    assert (delivery.source.encoding, delivery.source.delimiter) == ("UTF-8 met BOM", ",")


def test_windows_1252_csv_is_decoded_as_windows_1252(tmp_path):
    rows = [r.copy() for r in ROWS]
    rows[0][3] = "1234ÉA"  # an accented letter only Windows-1252 can hold in one byte
    data = csv_text(",", rows).replace("\n", "\r\n").encode("cp1252")
    delivery = read_delivery(write(tmp_path, "a.csv", data), LAYOUT)
    assert delivery.source.encoding == "Windows-1252"
    assert delivery.raw["postcode"].iloc[0] == "1234ÉA"
    assert delivery.raw["rij"].tolist() == [2, 3, 4]


def test_header_names_are_matched_in_any_order_and_case(tmp_path):
    order = list(reversed(NAMES))
    rows = [list(reversed(r)) for r in ROWS]
    text = csv_text(";", rows, header=[n.upper() for n in order])
    assert records(write(tmp_path, "a.csv", text)) == ROWS


def test_quoted_fields_may_hold_the_delimiter(tmp_path):
    rows = [r.copy() for r in ROWS]
    rows[0][3] = '"1234;AB"'
    delivery = read_delivery(write(tmp_path, "a.csv", csv_text(";", rows)), LAYOUT)
    assert delivery.raw["postcode"].iloc[0] == "1234;AB"


def test_interior_blank_lines_are_skipped_but_keep_their_row_numbers(tmp_path):
    lines = csv_text(";").splitlines()
    text = "\n".join([lines[0], lines[1], "", lines[2], "   ", lines[3], "", ""]) + "\n"
    delivery = read_delivery(write(tmp_path, "a.csv", text), LAYOUT)
    assert delivery.raw["rij"].tolist() == [2, 4, 6]
    assert delivery.blank_rows == [3, 5]


def test_a_form_feed_inside_a_line_does_not_shift_row_numbers(tmp_path):
    lines = csv_text(";").splitlines()
    text = "\n".join([lines[0], lines[1] + "\x0c", lines[2], lines[3]]) + "\n"
    assert read_delivery(write(tmp_path, "a.csv", text), LAYOUT).raw["rij"].tolist() == [2, 3, 4]


def test_old_mac_line_ends_are_read(tmp_path):
    assert records(write(tmp_path, "a.csv", csv_text(";").replace("\n", "\r"))) == ROWS


@pytest.mark.parametrize("fmt", ["csv", "csv-cp1252", "xlsx", "fixed"])
def test_writing_and_reading_back_gives_the_same_raw_frame(tmp_path, fmt):
    path = write_delivery(raw_frame(), tmp_path / f"a.{fmt}", fmt, LAYOUT)
    assert records(path) == ROWS


def test_fixed_width_file_has_no_header_and_numbers_records_from_1(tmp_path):
    delivery = read_delivery(write_delivery(raw_frame(), tmp_path / "a.txt", "fixed", LAYOUT), LAYOUT)
    assert delivery.source.format == "vast"
    assert delivery.raw["rij"].tolist() == [1, 2, 3]


def test_typed_frame_parses_dates_and_imputes_unknown_birth_days(tmp_path):
    frame = read_delivery(write(tmp_path, "a.csv", csv_text(";")), LAYOUT).frame
    assert frame["datum_aanvang"].tolist() == [pd.Timestamp(2024, 1, 15), pd.Timestamp(2024, 3, 1),
                                               pd.Timestamp(2023, 12, 1)]
    assert frame["geboortedatum"].tolist() == [pd.Timestamp(2010, 5, 17), pd.Timestamp(2012, 5, 15),
                                               pd.Timestamp(2008, 7, 1)]
    assert frame["datum_einde"].isna().tolist() == [True, False, True]
    assert frame["postcode"].isna().tolist() == [False, True, False]


ODD_ROWS = [
    # invalid and edge dates, unknown day/month, spaces, Unicode digits and spaces, empty cells
    ["1", "20230230", "M", " 1234 ab ", " 0363 ", "02", "02", "02", "00000101", "99991231", "", "", "", ""],
    ["2", "2023010", "V", "", "", "", "", "", "2024-01-01", "2024011５", "01", "", "", ""],
    ["3", "20231300", "X", "\u00a01234AB\u00a0", "0014", "01", "11", "01", "20240229", "20230229", "", "", "", ""],
    ["4", "00000000", "", "", "", "", "", "", "", "", "", "", "", ""],
]


def _quoted_text() -> str:
    """Quoting as spreadsheets write it, with blank and whitespace-only lines in between and at the end."""
    rows = [r.copy() for r in ROWS + ODD_ROWS]
    rows[0][3] = '"1234;AB"'  # the delimiter inside quotes
    rows[1][2] = '"M"'  # a quoted plain value
    rows[2][3] = '"12""34"'  # a doubled quote inside quotes
    rows[3][3] = 'ab"cd'  # a quote inside an unquoted value
    rows[4][3] = '"ab"cd'  # text after the closing quote
    rows[5][3] = '" 1234 AB "'  # spaces inside quotes
    lines = csv_text(";", rows).splitlines()
    return "\n".join([lines[0], lines[1], "", lines[2], "  ", *lines[3:], "", "\t", ""]) + "\n"


@pytest.mark.parametrize("source", ["sample", "odd", "quoted"])
def test_small_and_large_reading_paths_give_identical_frames(tmp_path, source):
    """Below fastpath.small rows reading works on Python lists; it must give exactly what the pandas path gives."""
    from spiegel import deliveries as store
    from spiegel import domains
    from spiegel.sample import DELIVERIES

    if source == "sample":  # every domain's sample, with its own layout
        paths = [(ref.path, domains.get(ref.meta.domein).layout(ref.meta.indeling)) for period in ("2024H2", "2025H1")
                 for ref in store.current_deliveries(DELIVERIES, period).values()]
    elif source == "odd":
        paths = [(write(tmp_path, "odd.csv", csv_text(";", ROWS + ODD_ROWS)), LAYOUT)]
    else:
        paths = [(write(tmp_path, "quoted.csv", _quoted_text()), LAYOUT)]
    for path, layout in paths:
        with fastpath.threshold(10**9):
            small = read_delivery(path, layout)
        with fastpath.threshold(0):
            large = read_delivery(path, layout)
        for name, part in small.sets.items():  # (the large path holds code columns as categories: same values)
            pd.testing.assert_frame_equal(part.raw, categories.plain(large.sets[name].raw), check_exact=True)
            pd.testing.assert_frame_equal(part.frame, categories.plain(large.sets[name].frame), check_exact=True)
            assert part.blank_rows == large.sets[name].blank_rows
        assert small.source == large.source
    assert len(paths) >= (10 if source == "sample" else 1)


def _xlsx_with_numbers(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, NAMES)
    date_format = book.add_format({"num_format": "dd-mm-yyyy"})
    # Row 2: codes typed as numbers (Excel drops their leading zeros), dates as numbers and as a date cell.
    values = {"bsn": 12345674, "geslacht": "M", "postcode": "1234AB", "gemeentecode": 363, "verwijzer": 1,
              "hulpvorm": 2, "gestart_met_crisis": 2, "datum_aanvang": 20240115, "datum_einde": 20240601,
              "reden_beeindiging": 1, "tevredenheid": 7, "zonder_hulp_verder": 4, "type_informant": 2}
    for col, name in enumerate(NAMES):
        if name == "geboortedatum":
            sheet.write_datetime(1, col, pd.Timestamp(2010, 5, 17).to_pydatetime(), date_format)
        else:
            sheet.write(1, col, values[name])
    book.close()
    return path


def test_excel_numbers_get_their_leading_zeros_back(tmp_path):
    delivery = read_delivery(_xlsx_with_numbers(tmp_path / "a.xlsx"), LAYOUT)
    row = delivery.raw.iloc[0]
    assert delivery.source.format == "xlsx"
    assert row["bsn"] == "012345674"
    assert row["gemeentecode"] == "0363"
    assert (row["verwijzer"], row["hulpvorm"], row["gestart_met_crisis"]) == ("01", "02", "02")
    assert (row["reden_beeindiging"], row["zonder_hulp_verder"], row["type_informant"]) == ("01", "04", "02")
    assert row["tevredenheid"] == "7"  # a valid code as it is: not padded
    assert (row["geboortedatum"], row["datum_aanvang"]) == ("20100517", "20240115")
    assert int(delivery.raw["rij"].iloc[0]) == 2


def test_xls_written_by_xlwt_is_read_and_padded(tmp_path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("jeugdhulp")
    for col, name in enumerate(NAMES):
        sheet.write(0, col, name)
    for r, row in enumerate(ROWS, start=1):
        for col, value in enumerate(row):
            if value:
                sheet.write(r, col, value)
    sheet.write(1, NAMES.index("gemeentecode"), 14)  # a number: 0014 loses its zeros
    path = tmp_path / "a.xls"
    book.save(str(path))
    delivery = read_delivery(path, LAYOUT)
    assert delivery.source.format == "xls"
    assert delivery.raw["gemeentecode"].iloc[0] == "0014"
    assert delivery.raw.drop(columns=["rij", "gemeentecode"]).to_numpy().tolist() == [
        [v for i, v in enumerate(r) if NAMES[i] != "gemeentecode"] for r in ROWS
    ]


# --- bad files -------------------------------------------------------------------------------------------

_GOOD = csv_text(";")
_HEADER, _FIRST = _GOOD.splitlines()[0], _GOOD.splitlines()[1]


def _truncated_xlsx(tmp_path: Path) -> bytes:
    full = write_delivery(raw_frame(), tmp_path / "full.xlsx", "xlsx", LAYOUT).read_bytes()
    return full[: len(full) // 2]


BAD = {
    # name: (file content, rule, row or None, column or None)
    "empty": (b"", "JH-B02", None, None),
    "only_blank_lines": (b"\n \n\r\n", "JH-B02", None, None),
    "header_only": ((_HEADER + "\n").encode(), "JH-B02", None, None),
    "missing_column": (csv_text(";", [r[:-1] for r in ROWS], NAMES[:-1]).encode(), "JH-B03", 1, None),
    "unknown_column": (csv_text(";", [[*r, "x"] for r in ROWS], [*NAMES, "opmerking"]).encode(), "JH-B03", 1,
                       None),
    "no_header_at_all": ("\n".join(";".join(r) for r in ROWS).encode(), "JH-B03", 1, None),
    "duplicate_header": (csv_text(";", [[*r, "x"] for r in ROWS], [*NAMES, "bsn"]).encode(), "JH-B04", 1,
                         "bsn (posities 1 en 15)"),
    "binary_junk": (bytes(range(256)) * 4, "JH-B01", None, None),
    "utf16_with_bom": (_GOOD.encode("utf-16"), "JH-B05", None, None),
    "utf16_without_bom": (_GOOD.encode("utf-16-le"), "JH-B05", None, None),
    "undecodable": ((_HEADER + "\n" + _FIRST.replace(POSTCODE, "1234A") + "\x81\n").encode("latin-1"), "JH-B05",
                    2, None),
    "tab_separated": (_GOOD.replace(";", "\t").encode(), "JH-B06", 1, None),
    "too_many_fields": ((_GOOD + _FIRST + ";extra\n").encode(), "JH-B08", 5, None),
    "too_few_fields": ((_GOOD + _FIRST.rsplit(";", 2)[0] + "\n").encode(), "JH-B08", 5, None),
    "quoted_field_over_line_end": ((_HEADER + "\n" + _FIRST.replace(POSTCODE, '"1234\nAB"') + "\n").encode(),
                                   "JH-B08", 2, None),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_gives_an_input_error_with_file_row_column_and_rule_but_no_value(tmp_path, name):
    content, rule, row, column = BAD[name]
    path = write(tmp_path, f"{name}.csv", content)
    with pytest.raises(InputError) as caught:
        read_delivery(path, LAYOUT)
    error = caught.value
    assert error.rule == rule
    assert error.file == str(path)
    assert error.row == row
    assert error.column == column
    assert str(path) in str(error) and f"[{rule}]" in str(error)
    assert error.problem.startswith(FILE_RULES[rule])
    assert not any(secret in str(error) for secret in SECRETS)


def test_truncated_xlsx_is_unreadable(tmp_path):
    path = write(tmp_path, "kapot.xlsx", _truncated_xlsx(tmp_path))
    with pytest.raises(InputError) as caught:
        read_delivery(path, LAYOUT)
    assert caught.value.rule == "JH-B01"
    assert "xlsx" in caught.value.problem


def test_excel_row_with_cells_beyond_the_header_is_refused_with_its_row(tmp_path):
    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, NAMES)
    sheet.write_row(1, 0, ROWS[0])
    sheet.write_row(2, 0, [*ROWS[1], "over"])
    book.close()
    with pytest.raises(InputError) as caught:
        read_delivery(path, LAYOUT)
    assert (caught.value.rule, caught.value.row) == ("JH-B08", 3)


def test_a_data_row_in_place_of_a_header_is_never_quoted_in_the_message(tmp_path):
    row = ROWS[0].copy()
    row[NAMES.index("datum_einde")] = row[NAMES.index("datum_aanvang")]  # two equal values in one row
    path = write(tmp_path, "a.csv", ";".join(row) + "\n" + ";".join(ROWS[1]) + "\n")
    with pytest.raises(InputError) as caught:
        read_delivery(path, LAYOUT)
    assert caught.value.rule == "JH-B03"
    assert "20240115" not in str(caught.value)
    assert not any(secret in str(caught.value) for secret in SECRETS)


def test_missing_file_and_directory_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="niet gevonden"):
        read_delivery(tmp_path / "bestaat-niet.csv", LAYOUT)
    with pytest.raises(InputError, match="map"):
        read_delivery(tmp_path, LAYOUT)


# --- spiegel inspect -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "csv-cp1252", "xlsx", "fixed"])
def test_inspect_describes_a_good_file_without_any_value_from_it(tmp_path, capsys, fmt):
    path = write_delivery(raw_frame(), tmp_path / f"a.{fmt}", fmt, LAYOUT)
    assert main(["inspect", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "Records:         3" in out
    assert err == ""
    assert not any(secret in out for secret in SECRETS)
    assert "20120500" not in out and "111222333" not in out


@pytest.mark.parametrize("name", sorted(BAD))
def test_inspect_on_a_bad_file_exits_2_with_one_line_and_no_value(tmp_path, capsys, name):
    content, rule, _, _ = BAD[name]
    path = write(tmp_path, f"{name}.csv", content)
    assert main(["inspect", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("spiegel inspect: ")
    assert f"[{rule}]" in err
    assert "Traceback" not in err
    assert not any(secret in err for secret in SECRETS)


def test_inspect_on_a_truncated_xlsx_exits_2(tmp_path, capsys):
    path = write(tmp_path, "kapot.xlsx", _truncated_xlsx(tmp_path))
    assert main(["inspect", str(path)]) == 2
    assert "[JH-B01]" in capsys.readouterr().err


def test_inspect_counts_dates_per_half_year(tmp_path, capsys):
    path = write(tmp_path, "a.csv", csv_text(";"))
    main(["inspect", str(path)])
    out = capsys.readouterr().out
    assert "Datum aanvang per halfjaar: 2e halfjaar 2023: 1, 1e halfjaar 2024: 2" in out
    assert "Datum einde per halfjaar:   1e halfjaar 2024: 1" in out
