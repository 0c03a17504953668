"""The XLSX writer of the report tables (spiegel.xlsx): values, types, formats and determinism, read back with
python-calamine (the reader the project uses) and checked in the package's XML."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from spiegel.export import write_xlsx
from spiegel.xlsx import Sheet, column_letter, workbook_bytes, write_workbook


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gemeente": ["0363", "0518", None, "totaal"],
            "naam": ["A & B <c>", "'s-Gravenhage", "x\x01y", "Ærø ëü"],
            "aantal": np.array([1, 0, 12345, -3], dtype="int64"),
            "beschermd": [8, ".", 1234, None],  # protected counts: numbers and the CBS sign mixed
            "gemiddelde": [1.5, np.nan, 2.25, 1e6],
            "nullable": pd.array([1, None, 3, 4], dtype="Int64"),
            "vlag": [True, False, True, False],
        }
    )


def test_round_trip_values_and_types(tmp_path):
    path = write_workbook([Sheet("t", _frame())], tmp_path / "t.xlsx")
    back = pd.read_excel(path, sheet_name="t", engine="calamine", dtype=object)
    assert list(back.columns) == list(_frame().columns)
    assert back["gemeente"].tolist()[:2] == ["0363", "0518"]  # codes stay text with their leading zero
    assert pd.isna(back["gemeente"][2])
    assert back["naam"].tolist() == ["A & B <c>", "'s-Gravenhage", "xy", "Ærø ëü"]  # control character dropped
    assert back["aantal"].tolist() == [1, 0, 12345, -3]
    assert back["beschermd"].tolist()[:3] == [8, ".", 1234] and pd.isna(back["beschermd"][3])
    assert back["gemiddelde"][0] == 1.5 and pd.isna(back["gemiddelde"][1]) and back["gemiddelde"][3] == 1e6
    assert back["nullable"][0] == 1 and pd.isna(back["nullable"][1])
    assert back["vlag"].tolist() == ["ja", "nee", "ja", "nee"]


def test_number_formats_header_and_frozen_row(tmp_path):
    data = workbook_bytes([Sheet("t", _frame())])
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in sheet
    assert re.search(r'<c r="A1" s="1" t="s">', sheet)  # bold header
    assert '<c r="C2" s="2"><v>1</v></c>' in sheet  # integer format #,##0 (numFmtId 3)
    assert '<c r="E2" s="3"><v>1.5</v></c>' in sheet  # decimal format #,##0.0
    assert '<c r="D3" t="s">' in sheet  # "." is text, not a number
    assert 'r="E3"' not in sheet and 'r="C4"' in sheet and 'r="A4"' not in sheet  # blanks are left out
    assert 'formatCode="#,##0.0"' in styles and '<xf numFmtId="3"' in styles


def test_deterministic_and_atomic(tmp_path):
    a = workbook_bytes([Sheet("t", _frame())], title="x")
    b = workbook_bytes([Sheet("t", _frame())], title="x")
    assert a == b
    write_workbook([Sheet("t", _frame())], tmp_path / "t.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_export_sheets_and_contents(tmp_path):
    tables = {"kerncijfers": _frame(), "a/b": _frame().head(1), "empty": _frame().head(0)}
    path = write_xlsx(tables, tmp_path / "tabellen.xlsx", descriptions={"kerncijfers": "Kerncijfers"})
    sheets = pd.read_excel(path, sheet_name=None, engine="calamine")
    assert list(sheets) == ["inhoud", "kerncijfers", "a_b", "empty"]
    assert sheets["inhoud"]["tabblad"].tolist() == ["kerncijfers", "a_b", "empty"]
    assert sheets["inhoud"]["inhoud"][0] == "Kerncijfers"
    assert len(sheets["a_b"]) == 1 and len(sheets["empty"]) == 0


def test_duplicate_sheet_names_refused():
    with pytest.raises(ValueError):
        workbook_bytes([Sheet("a", _frame()), Sheet("A", _frame())])


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters(index, letters):
    assert column_letter(index) == letters
