"""``spiegel validate``: files the reader refuses become file-group findings; exit status; output formats;
the previous period's delivery found in the delivery store; the generated catalogue."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from spiegel.cli import main
from spiegel.deliveries import DeliveryMeta, write_meta
from spiegel.validate import render_catalogue
from test_validate_rules import BASE, JH, LAYOUT, bsn

ROOT = Path(__file__).resolve().parents[1]
HEADER = ";".join(LAYOUT.names)


def record(**changes: str) -> str:
    return ";".join({**BASE, **changes}[c] for c in LAYOUT.names)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


BAD_FILES = {
    "JH-B01": b"\x00\x01\x02binary\x00",
    "JH-B02": b"\n\n",
    "JH-B03": ";".join(LAYOUT.names[:-1]) + "\n" + record() + "\n",
    "JH-B04": HEADER + ";bsn\n" + record() + ";1\n",
    "JH-B05": "\ufeff".encode("utf-16-le") + (HEADER + "\n").encode("utf-16-le"),
    "JH-B06": "bsn\n123456782\n",
    "JH-B08": HEADER + "\n" + record() + ";extra\n",
}


@pytest.mark.parametrize("code", sorted(BAD_FILES))
def test_unreadable_file_is_one_file_finding_with_exit_2(tmp_path, capsys, code):
    path = write(tmp_path / "levering.csv", BAD_FILES[code])
    status = main(["validate", str(path), "--period", "2025H1", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert status == 2
    assert [(f["regel"], f["groep"], f["ernst"]) for f in document["bevindingen"]] == [(code, "bestand", "fout")]


def test_row_of_a_reader_error_is_reported(tmp_path, capsys):
    path = write(tmp_path / "levering.csv", BAD_FILES["JH-B08"])
    main(["validate", str(path), "--period", "2025H1", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["bevindingen"][0]["rijen"] == [2]


def test_clean_file_exits_0_with_dutch_text(tmp_path, capsys):
    path = write(tmp_path / "levering.csv", HEADER + "\n" + record() + "\n")
    assert main(["validate", str(path), "--period", "2025H1"]) == 0
    out = capsys.readouterr().out
    assert "Uitkomst: geen fouten en geen waarschuwingen." in out


def test_warnings_only_exit_1(tmp_path):
    path = write(tmp_path / "levering.csv", HEADER + "\n" + record() + "\n\n" + record(hulpvorm="03") + "\n")
    assert main(["validate", str(path), "--period", "2025H1"]) == 1


def test_missing_file_is_an_input_error_in_one_line(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "weg.csv"), "--period", "2025H1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bestand niet gevonden" in err


def test_period_is_required_without_metadata(tmp_path, capsys):
    path = write(tmp_path / "levering.csv", HEADER + "\n" + record() + "\n")
    assert main(["validate", str(path)]) == 2
    assert "--period" in capsys.readouterr().err


def _store_delivery(root: Path, period: str, text: str) -> Path:
    path = write(root / period / "12345678" / f"levering_{period}.csv", text)
    write_meta(path, DeliveryMeta(kvk="12345678", naam="Aanbieder", domein="jeugdhulp", periode=period,
                                  correctie=False, ontvangen=datetime(2025, 7, 10, 9, 0)))
    return path


def test_previous_delivery_is_found_in_the_store_and_period_taken_from_metadata(tmp_path, capsys):
    _store_delivery(tmp_path, "2024H2", HEADER + "\n" + record(datum_aanvang="20240901") + "\n")
    current = _store_delivery(tmp_path, "2025H1", HEADER + "\n" + record(bsn=bsn(5)) + "\n")
    assert main(["validate", str(current), "--format", "json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["periode"] == "2025H1"
    assert document["vorige_levering"]["periode"] == "2024H2"
    assert [f["regel"] for f in document["bevindingen"]] == ["JH-C01"]


def test_no_previous_skips_the_comparison(tmp_path, capsys):
    _store_delivery(tmp_path, "2024H2", HEADER + "\n" + record(datum_aanvang="20240901") + "\n")
    current = _store_delivery(tmp_path, "2025H1", HEADER + "\n" + record(bsn=bsn(5)) + "\n")
    assert main(["validate", str(current), "--no-previous"]) == 0


def test_metadata_period_differing_from_the_requested_one_is_jh_b07(tmp_path, capsys):
    current = _store_delivery(tmp_path, "2025H1", HEADER + "\n" + record() + "\n")
    assert main(["validate", str(current), "--period", "2025H2", "--format", "json"]) == 2
    codes = [f["regel"] for f in json.loads(capsys.readouterr().out)["bevindingen"]]
    assert "JH-B07" in codes


def test_explicit_previous_file(tmp_path, capsys):
    previous = write(tmp_path / "vorige.csv", HEADER + "\n" + record(datum_aanvang="20240901") + "\n")
    current = write(tmp_path / "levering.csv", HEADER + "\n" + record(datum_aanvang="20240901") + "\n")
    assert main(["validate", str(current), "--period", "2025H1", "--previous", str(previous)]) == 0


def test_catalogue_option_prints_the_generated_catalogue(capsys):
    assert main(["validate", "--catalogue"]) == 0
    assert capsys.readouterr().out == render_catalogue(JH)


def test_docs_catalogue_is_up_to_date():
    """Regenerate with: spiegel validate --catalogue > docs/validatieregels.md"""
    doc = ROOT / "docs" / "validatieregels.md"
    assert doc.read_text(encoding="utf-8") == render_catalogue(JH), (
        "docs/validatieregels.md is stale: run `spiegel validate --catalogue > docs/validatieregels.md`"
    )


def test_catalogue_lists_every_rule_once():
    text = render_catalogue(JH)
    from spiegel.validate import all_rules

    for rule in all_rules(JH):
        assert text.count(f"| {rule.code} |") == 1


def test_docs_catalogue_of_veilig_thuis_is_up_to_date():
    """Regenerate with: spiegel validate --catalogue --domain vt > docs/validatieregels-vt.md"""
    from spiegel import domains

    doc = ROOT / "docs" / "validatieregels-vt.md"
    assert doc.read_text(encoding="utf-8") == render_catalogue(domains.get("vt")), (
        "docs/validatieregels-vt.md is stale: run `spiegel validate --catalogue --domain vt > "
        "docs/validatieregels-vt.md`"
    )
    assert main(["validate", "--catalogue", "--domain", "VT"]) == 0
