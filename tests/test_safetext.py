"""Nothing we write can be used against its reader: formula prefixes neutralised in every CSV and XLSX we write,
control and bidi characters refused in register and sidecar metadata, hostile names through every output."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from sample_helpers import copy_sample_delivery
from spiegel.deliveries import DeliveryMeta, load_meta, write_meta
from spiegel.errors import InputError
from spiegel.register import load_register
from spiegel.safetext import neutralise_cell, neutralise_frame, printable, unsafe_position

#: Formula-looking names (OWASP): each must reach a CSV or XLSX only as text with a leading apostrophe.
FORMULAS = ["=HYPERLINK(\"http://x\",\"klik\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]
#: What may never reach any output live: control characters and bidi overrides/isolates.
UNSAFE = ["\x00", "\x1b", "\x1b[31m", "\r", "\t", "\n", "\x7f", "\x85", "\u202a", "\u202b", "\u202c", "\u202d",
          "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("text", [*FORMULAS, "\t=1", "\r=1", "=", "-", "+x", "@"])
def test_text_that_would_start_a_formula_gets_a_leading_apostrophe(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Praktijk De Linde", "", ".", "0363", "-3", "+1,5", "-1.234,5", 5, -5, 2.5,
                                   None, "a=b", "'=al veilig"])
def test_numbers_plain_text_and_blanks_stay_as_they_are(value):
    assert neutralise_cell(value) is value or neutralise_cell(value) == value


def test_a_frame_keeps_its_numbers_and_neutralises_its_text_and_column_names():
    frame = pd.DataFrame({"naam": ["=1+1", "De Linde", None], "aantal": [-5, 3, 4], "=kop": [".", -2, "@x"]})
    out = neutralise_frame(frame)
    assert list(out.columns) == ["naam", "aantal", "'=kop"]
    assert out["naam"].tolist()[:2] == ["'=1+1", "De Linde"] and pd.isna(out["naam"].iloc[2])
    assert out["aantal"].tolist() == [-5, 3, 4] and out["aantal"].dtype == frame["aantal"].dtype
    assert out["'=kop"].tolist() == [".", -2, "'@x"]
    assert frame["naam"].iloc[0] == "=1+1"  # the caller's frame is not changed
    plain = pd.DataFrame({"a": ["x"], "b": [1]})
    assert neutralise_frame(plain) is plain


@pytest.mark.parametrize("char", UNSAFE)
def test_every_control_and_bidi_character_is_found_and_made_visible(char):
    assert unsafe_position("ab" + char) == 3
    shown = printable("ab" + char + "c")
    assert shown.startswith("ab\ufffd") and shown.endswith("c") and unsafe_position(shown) is None


def test_tables_csv_and_xlsx_hold_no_live_formula(tmp_path):
    from python_calamine import CalamineWorkbook

    from spiegel.export import csv_bytes, write_xlsx

    frame = pd.DataFrame({"label": FORMULAS, "aantal": [1, -2, 3, 4], "teken": [".", -5, "=A1", 7]})
    text = csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["'" + f for f in FORMULAS]
    assert [r[1] for r in rows[1:]] == ["1", "-2", "3", "4"] and [r[2] for r in rows[1:]] == [".", "-5", "'=A1", "7"]

    path = write_xlsx({"tabel": frame}, tmp_path / "t.xlsx")
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("tabel").to_python()
    assert [r[0] for r in sheet[1:]] == ["'" + f for f in FORMULAS]
    assert [r[1] for r in sheet[1:]] == [1, -2, 3, 4]  # numbers stay numbers
    assert [r[2] for r in sheet[1:]] == [".", -5, "'=A1", 7]
    import zipfile

    with zipfile.ZipFile(path) as book:
        assert not any("<f>" in book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))


def _register(path: Path, naam: str) -> Path:
    path.write_text("kvk,naam,domein,grootteklasse,gemeenten\n10000001,Goed,jeugdhulp,klein,0363\n"
                    f"10000002,\"{naam}\",jeugdhulp,klein,0363\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("char", UNSAFE)
def test_a_register_name_with_a_control_or_bidi_character_is_refused_naming_file_row_and_column(tmp_path, char):
    path = _register(tmp_path / "register.csv", f"Zorg{char}Groep")
    with pytest.raises(InputError) as err:
        load_register(path)
    assert (err.value.row, err.value.column) == (3, "naam")
    assert "Zorg" not in str(err.value) and "stuurteken" in str(err.value)


def _meta(folder: Path, naam: str, name: str = "levering.csv") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x\n")
    write_meta(path, DeliveryMeta(kvk="10000001", naam=naam, domein="jeugdhulp", periode="2025H1", correctie=False,
                                  ontvangen=datetime(2025, 7, 10, 12, 0)))
    return path


@pytest.mark.parametrize("char", UNSAFE)
def test_a_sidecar_name_with_a_control_or_bidi_character_is_refused_naming_file_and_field(tmp_path, char):
    path = _meta(tmp_path / "d", f"Zorg{char}Groep")
    with pytest.raises(InputError) as err:
        load_meta(path)
    assert err.value.column == "naam" and err.value.file.endswith(".meta.yml") and "Zorg" not in str(err.value)


def test_a_delivery_file_name_with_a_bidi_override_is_refused(tmp_path):
    path = _meta(tmp_path / "d", "Goed", name="levering\u202ecsv.exe.csv")
    with pytest.raises(InputError) as err:
        load_meta(path)
    assert err.value.column == "bestandsnaam" and "\u202e" not in str(err.value)


def test_cli_error_line_shows_no_terminal_escape(tmp_path, capsys):
    from spiegel.cli import main

    bad = tmp_path / "bad\x1b[2Jname.csv"
    bad.write_bytes(b"\x00\x01binary")
    code = main(["inspect", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "\x1b" not in err and err.count("\n") == 1


# -------------------------------------------------------------------------------- hostile names, every output

HOSTILE_NAMES = [*FORMULAS, "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "Zorg & Co <b>"]


def test_hostile_names_through_the_batch_manifest_and_index_and_the_report_html(tmp_path):
    """Formula and HTML names are accepted (a provider may be called "+Plus Zorg") but reach no output live:
    manifest.csv holds them as text, index.html and the report HTML escaped; a control or bidi character in a
    name stops the batch with one clear error (the register is checked before anything runs)."""
    from spiegel.batch import BatchOptions, run_batch

    store = tmp_path / "d"
    kvks = ["91000066", "91000088"]  # two small sample providers, each under a hostile name
    names = {kvks[0]: HOSTILE_NAMES[0], kvks[1]: HOSTILE_NAMES[4]}
    rows = ["kvk,naam,domein,grootteklasse,gemeenten"]
    for kvk in kvks:
        copy_sample_delivery(store, "2025H1", kvk, naam=names[kvk])
        rows.append(f'{kvk},"{names[kvk].replace(chr(34), chr(34) * 2)}",jeugdhulp,klein,0363')
    for j, naam in enumerate(HOSTILE_NAMES):  # registered without a delivery: the index's second table
        rows.append(f'1999000{j},"{naam.replace(chr(34), chr(34) * 2)}",jeugdhulp,klein,0363')
    (store / "register.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    out = tmp_path / "o"
    result = run_batch(BatchOptions(period="2025H1", deliveries=store, out_root=out, formats=("html", "csv"),
                                    workers=1, progress=False))
    assert result.exit_code == 0, [r.get("message") for r in result.records]
    period_dir = out / "2025H1"
    for name in ("manifest.csv", f"batches/{result.batch_id}/manifest.csv"):
        table = list(csv.DictReader(io.StringIO((period_dir / name).read_text(encoding="utf-8"))))
        by_kvk = {r["kvk"]: r["naam"] for r in table}
        assert by_kvk[kvks[0]] == "'" + names[kvks[0]] and by_kvk[kvks[1]] == names[kvks[1]]
        for j, naam in enumerate(HOSTILE_NAMES):
            assert by_kvk[f"1999000{j}"] == neutralise_cell(naam)
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in table for v in r.values()
                       if v and not v.lstrip("+-").replace(",", "").replace(".", "").isdigit())
    manifest = json.loads((period_dir / "manifest.json").read_text(encoding="utf-8"))
    assert {p["kvk"]: p["naam"] for p in manifest["providers"]}[kvks[1]] == names[kvks[1]]  # data, not markup
    html_pages = [period_dir / "index.html", *(period_dir / k / "spiegelrapport.html" for k in kvks)]
    for page in html_pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>" not in text.split("<style>")[0]
    index = (period_dir / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    report = (period_dir / kvks[1] / "spiegelrapport.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report  # the name is shown, as text
    for kvk in kvks:
        for table in (period_dir / kvk / "tabellen").glob("*.csv"):
            for row in csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig")), delimiter=";"):
                assert not any(v.startswith(("=", "@", "\t", "\r")) for v in row)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\u202e", "\u2066"])
def test_a_batch_whose_register_holds_a_control_or_bidi_name_stops_with_one_clear_line(tmp_path, capsys, char):
    from spiegel.cli import main

    store = tmp_path / "d"
    store.mkdir()
    _register(store / "register.csv", f"Zorg{char}Groep")
    code = main(["batch", "--period", "2025H1", "--deliveries", str(store), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "rij 3, kolom naam" in err and "Zorg" not in err
    assert not (tmp_path / "o" / "2025H1" / "index.html").exists()
