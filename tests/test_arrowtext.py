"""The memory tricks of reading (spiegel.arrowtext and the block-wise CSV reader of spiegel.read) give exactly what the
plain pandas calls give: the same frames, row numbers, blank rows, statuses and dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spiegel import arrowtext, categories, dates, domains, elfproef, fastpath, read
from spiegel.read import read_delivery

JH = domains.get("jeugdhulp")
LAYOUT = JH.layout()
NAMES = LAYOUT.names
SPECIAL = JH.codes.status_of("bsn_bijzonder")


def _text(n: int, *, blank_every: int = 0, spaced: bool = False, quote: bool = False, crlf: bool = False) -> str:
    rng = np.random.default_rng(7)
    lines = [";".join(NAMES)]
    codes = ["01", "02", " 03", "04 ", "", "\u00a005", "1\u3000"]
    for i in range(n):
        bsn = f"{rng.integers(10**8, 10**9)}" if i % 5 else ["", "999999999", "12345", "00000000x"][i % 4]
        birth = ["20100517", "20120500", "20080000", "", "2011013", "20111231"][i % 6]
        row = [bsn, birth, "MVO"[i % 3], f"{1000 + i % 50} AB", f"{i % 400:04d}", codes[i % 7], codes[(i + 3) % 7],
               "02", "20240115", "" if i % 3 else "20240620", "", str(i % 11), "", "01"]
        if quote and i == n // 2:
            row[3] = '"12;34"'
        lines.append(";".join(row))
        if blank_every and i % blank_every == 0:
            lines.append("  " if spaced else "")
    return ("\r\n" if crlf else "\n").join(lines) + "\n"


def _read(path, *, block: int | None = None, small: bool = False, monkeypatch=None):
    if block is not None:
        monkeypatch.setattr(read, "BLOCK_BYTES", block)
    with fastpath.threshold(10**9 if small else 0):
        return read_delivery(path, LAYOUT)


CASES = {
    "plain": {},
    "blank lines": {"blank_every": 7},
    "blank lines with spaces": {"blank_every": 7, "spaced": True},
    "a quote": {"quote": True},
    "crlf": {"crlf": True, "blank_every": 11},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_block_wise_and_arrow_reading_equal_the_python_path(tmp_path, monkeypatch, case):
    """Arrow's parser (no quotes), pandas' parser per block (quotes), blocks of a few hundred bytes and one block: the
    raw and typed frames, row numbers and blank rows equal those of the Python-list path."""
    path = tmp_path / "a.csv"
    path.write_text(_text(3000, **CASES[case]), encoding="utf-8", newline="")
    expected = _read(path, small=True)
    for block in (None, 700, 64 * 1024):
        got = _read(path, block=block, monkeypatch=monkeypatch)
        assert categories.is_category(got.raw["geboortedatum"])  # (the large path keeps code columns as categories)
        pd.testing.assert_frame_equal(categories.plain(got.raw), expected.raw, check_exact=True)
        pd.testing.assert_frame_equal(categories.plain(got.frame), expected.frame, check_exact=True)
        assert got.blank_rows == expected.blank_rows
        assert got.source == expected.source
    assert len(expected.raw) == 3000
    if CASES[case].get("blank_every"):
        assert expected.blank_rows


def test_a_quote_open_at_a_block_end_is_found_as_in_the_whole_file(tmp_path, monkeypatch):
    text = _text(400).splitlines()
    text[200] = text[200].replace(";", ';"', 1)  # a quote that is never closed: it runs over the line end
    path = tmp_path / "a.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    for block in (None, 500):
        if block:
            monkeypatch.setattr(read, "BLOCK_BYTES", block)
        with pytest.raises(read.InputError) as caught:
            read_delivery(path, LAYOUT)
        assert caught.value.row == 201


def test_a_wrong_field_count_in_a_later_block_names_its_row(tmp_path, monkeypatch):
    text = _text(2500).splitlines()
    text[2400] += ";extra"
    path = tmp_path / "a.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    monkeypatch.setattr(read, "BLOCK_BYTES", 1000)
    with pytest.raises(read.InputError) as caught:
        read_delivery(path, LAYOUT)
    assert caught.value.row == 2401


def test_windows_1252_through_arrow_equals_the_python_path(tmp_path, monkeypatch):
    text = _text(2500).replace("1000 AB", "1000 \u00e9B").replace("\u3000", " ")
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("cp1252"))
    expected = _read(path, small=True)
    got = _read(path, block=900, monkeypatch=monkeypatch)
    assert got.source.encoding == "Windows-1252"
    pd.testing.assert_frame_equal(categories.plain(got.raw), expected.raw, check_exact=True)
    assert "1000 \u00e9B" in set(got.raw["postcode"])


def test_arrow_trim_strips_what_str_strip_strips():
    import pyarrow as pa
    import pyarrow.compute as pc

    chars = [chr(c) for c in range(0x3100) if not 0xD800 <= c <= 0xDFFF]
    values = [c + "x" + c for c in chars]
    assert pc.utf8_trim_whitespace(pa.array(values)).to_pylist() == [v.strip() for v in values]


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_empty_as_missing_equals_replace(storage):
    with pd.option_context("mode.string_storage", storage):
        values = pd.Series(["a", "", "bc", "", "d"] * 50, dtype="str", index=range(10, 260))
        parts = pd.concat([values.iloc[:100], values.iloc[100:]])  # two chunks
        for series in (values, parts, values.iloc[3:40]):
            got = arrowtext.empty_as_missing(series)
            pd.testing.assert_series_equal(got, series.replace("", pd.NA), check_exact=True)
    shared = pd.Series(["x", ""] * 10, dtype="str")
    if arrowtext.is_arrow(shared):  # the trick applies: no new character buffer
        got = arrowtext.empty_as_missing(shared)
        assert got.array._pa_array.chunk(0).buffers()[2].address == shared.array._pa_array.chunk(0).buffers()[2].address


def test_vectorised_bsn_status_equals_the_list_path():
    values = pd.Series(["123456782", "111222333", "999999999", "000000000", "12345678", "", "12345678\uff12",
                        "1234567890", " 23456782", *SPECIAL], dtype="str")
    assert read._statuses_vectorised(values, SPECIAL).tolist() == read._statuses(values.tolist(), SPECIAL).tolist()


def test_nine_digit_array_equals_the_text_path():
    rng = np.random.default_rng(3)
    texts = [f"{v:09d}" for v in rng.integers(0, 10**9, size=5000)]
    series = pd.Series(texts, dtype="str")
    expected = elfproef.passes_nine_digit_texts(texts)
    assert elfproef.passes_nine_digit_array(series.iloc[::-1], chunk=333).tolist() == expected[::-1].tolist()
    assert expected.any() and not expected.all()
    with pytest.raises(ValueError):
        elfproef.passes_nine_digit_array(pd.Series(["12345678"], dtype="str"))


def test_dates_parsed_once_per_distinct_text_equal_the_small_path():
    values = pd.Series(["20240115", "", "20230230", "2024011", "20240229", "00000101", "x", "20240115"] * 300,
                       dtype="str", index=range(5, 2405))
    large = dates.parse_large(values)
    assert large.index.equals(values.index)
    assert large.to_numpy().tolist() == dates._parse_small(values.tolist()).tolist()
    assert str(large.dtype) == "datetime64[us]"


def test_objects_and_per_distinct_equal_the_plain_calls():
    from spiegel import gemeenten
    from spiegel.validate.context import per_distinct

    values = pd.Series(["bekend", "leeg", "ongeldig", "bekend", ""] * 600, dtype="str")
    got = arrowtext.objects(values)
    assert got.dtype == object and got.tolist() == values.to_numpy(dtype=object).tolist()
    postcodes = pd.Series(["1234AB", "1234 AB", "", "0999ZZ", "9999zz"] * 600, dtype="str")
    expected = [gemeenten.pc4_of(p) for p in postcodes.tolist()]
    assert per_distinct(postcodes, gemeenten.pc4_of).tolist() == expected
    assert per_distinct(postcodes.tolist()[:5], gemeenten.pc4_of).tolist() == expected[:5]


def test_a_parsed_csv_lets_go_of_the_file_bytes(tmp_path):
    """read_delivery holds a CSV's bytes in one place and lets go of them once its records are parsed."""
    path = tmp_path / "a.csv"
    path.write_text(_text(3000), encoding="utf-8")
    held = read._Held(path.read_bytes())
    where = read._Where(str(path), LAYOUT)
    with fastpath.threshold(0):
        raw, fmt, _ = read._read_text(held, read._Encoding("utf-8", "UTF-8"), LAYOUT.single.delivered, where)
    assert fmt == "csv" and len(raw) == 3000
    assert held.data == b""


def test_a_sheet_read_a_block_of_rows_at_a_time_keeps_row_numbers_and_values(tmp_path, monkeypatch):
    """The workbook reader takes a sheet's rows one at a time (calamine's iter_rows gives rows from the first and
    columns from the first used one): a header at A3, a blank row, values typed as numbers, blocks of two rows; a
    header at C3 is refused naming positions 1 and 2, as when the sheet was read from A1."""
    import xlsxwriter

    rows = [["123456782", "20100517", "M", "1234AB", "", "02", "02", "02", "20240115", "", "", "", "", ""],
            ["999999999", "20120500", "V", "", "363", "6", "1", "2", "20240301", "20240620", "1", "7", "4", "2"],
            ["111222333", "20080000", "O", "9999ZZ", "0014", "01", "11", "01", "20231201", "", "", "", "", ""]]
    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(2, 0, NAMES)
    for offset, (r, row) in enumerate(zip((3, 5, 6), rows, strict=True)):
        values = [int(v) if offset == 1 and v.isdigit() and name != "bsn" else v for v, name in zip(row, NAMES,
                                                                                                     strict=True)]
        sheet.write_row(r, 0, values)
    book.close()
    expected = read_delivery(path, LAYOUT)
    monkeypatch.setattr(read, "EXCEL_BLOCK_ROWS", 2)
    got = read_delivery(path, LAYOUT)
    assert got.raw["rij"].tolist() == [4, 6, 7]
    assert got.raw.drop(columns="rij").iloc[1].tolist()[4:8] == ["0363", "06", "01", "02"]  # zeros given back
    pd.testing.assert_frame_equal(got.raw, expected.raw, check_exact=True)
    pd.testing.assert_frame_equal(got.frame, expected.frame, check_exact=True)
    assert got.raw.drop(columns="rij").iloc[[0, 2]].to_numpy().tolist() == [rows[0], rows[2]]

    shifted = tmp_path / "b.xlsx"
    book = xlsxwriter.Workbook(str(shifted))
    book.add_worksheet().write_row(2, 2, NAMES)
    book.worksheets()[0].write_row(3, 2, rows[0])
    book.close()
    with pytest.raises(read.InputError) as caught:
        read_delivery(shifted, LAYOUT)
    assert caught.value.row == 3 and "positie 1, 2)" in str(caught.value)
