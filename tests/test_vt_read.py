"""The reader's generic features that Veilig Thuis needs (spiegel.read, spiegel.layouts): list columns expanded into
flags, a fixed-width file with a record-type field, special birth dates as a status, folders of record sets."""

from __future__ import annotations

import pandas as pd
import pytest

from spiegel import domains
from spiegel.errors import InputError
from spiegel.read import read_delivery
from spiegel.write import write_sets
from vt_helpers import VT, base, changed, delivery, frames


def _same_sets(a, b) -> None:
    for name in a.sets:
        columns = [c for c in a.sets[name].layout.names]
        pd.testing.assert_frame_equal(a.sets[name].frame[columns].reset_index(drop=True),
                                      b.sets[name].frame[columns].reset_index(drop=True))


def test_a_list_column_is_read_as_its_flags(tmp_path):
    flags = delivery(tmp_path, base(), "vlaggen.zip")
    lists = delivery(tmp_path, base(), "lijsten.zip", layout="vt-1-lijst")
    _same_sets(flags, lists)
    text = (lists.sets["meldingen"].raw["aanleiding"]).tolist()
    assert text == ["01", "06", "03"]  # the list as delivered stays in the raw frame for the rules
    assert VT.layout("vt-1-lijst").record_set("meldingen").names == VT.layout().record_set("meldingen").names


def test_a_list_with_several_codes_ticks_each_and_an_empty_list_ticks_none(tmp_path):
    rows = changed(meldingen=[(0, {"aanleiding_06": "1"}), (2, {"aanleiding_03": "0"})])
    d = delivery(tmp_path, rows, layout="vt-1-lijst")
    assert d.sets["meldingen"].raw["aanleiding"].tolist() == ["01|06", "06", ""]
    frame = d.sets["meldingen"].frame
    assert frame.loc[0, ["aanleiding_01", "aanleiding_06", "aanleiding_02"]].tolist() == [1, 1, 0]
    assert frame.loc[2, [f"aanleiding_{c:02d}" for c in range(1, 11)]].sum() == 0


def test_fixed_width_with_record_types_gives_the_same_sets_with_line_numbers(tmp_path):
    workbook = delivery(tmp_path, base(), "levering.xlsx", fmt="xlsx")
    fixed = delivery(tmp_path, base(), "levering.txt", fmt="fixed")
    _same_sets(workbook, fixed)
    assert fixed.source.format == "vast"
    # lines: 2 adviezen, 3 meldingen, 1 onderzoek, 7 personen, in that order
    assert fixed.sets["adviezen"].raw["rij"].tolist() == [1, 2]
    assert fixed.sets["meldingen"].raw["rij"].tolist() == [3, 4, 5]
    assert fixed.sets["personen"].raw["rij"].tolist() == list(range(7, 14))
    assert workbook.sets["personen"].raw["rij"].tolist() == list(range(2, 9))


def test_fixed_width_with_an_unknown_record_type_is_a_file_rule_with_its_line(tmp_path):
    path = write_sets(frames(base()), tmp_path / "levering.txt", "fixed", VT.layout())
    lines = path.read_text().splitlines()
    lines[4] = "X" + lines[4][1:]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        read_delivery(path, VT.layout())
    assert caught.value.rule == "VT-F01" and caught.value.row == 5


def test_special_birth_dates_become_a_status_and_no_date(tmp_path):
    rows = changed(personen=[(0, {"geboortedatum": "99999999", "bsn": "999999999"}),
                             (1, {"geboortedatum": "00000000"}), (2, {"geboortedatum": "20150600"}),
                             (3, {"geboortedatum": "20151332"})])
    persons = delivery(tmp_path, rows).sets["personen"].frame
    assert persons["geboortedatum_status"].tolist()[:5] == ["ongeboren", "onbekend", "bekend", "ongeldig", "bekend"]
    assert persons["geboortedatum"].isna().tolist()[:5] == [True, True, False, True, False]


def test_jeugdhulp_keeps_its_birth_dates_without_a_status_column():
    from spiegel.deliveries import current_delivery
    from spiegel.sample import DELIVERIES, REFERENCE_PROVIDER

    ref = current_delivery(DELIVERIES, "2025H1", REFERENCE_PROVIDER)
    frame = read_delivery(ref.path, domains.get("jeugdhulp").layout()).frame
    assert "geboortedatum_status" not in frame.columns


def test_a_folder_of_record_sets_is_a_delivery_with_a_content_hash(tmp_path):
    from datetime import datetime

    from spiegel.deliveries import DeliveryMeta, DeliveryRef

    path = write_sets(frames(base()), tmp_path / "levering", "map", VT.layout())
    _same_sets(read_delivery(path, VT.layout()), delivery(tmp_path, base()))
    ref = DeliveryRef(path, DeliveryMeta("92000099", "Test", "vt", "2025H1", False, datetime(2025, 7, 1)))
    first = ref.sha256()
    (path / "adviezen.csv").write_text((path / "adviezen.csv").read_text() + "A9;13;" + ";".join(["0"] * 22) + "\n")
    assert ref.sha256() != first


def test_a_missing_record_set_names_the_sheet(tmp_path):
    path = write_sets(frames(base()), tmp_path / "levering", "map", VT.layout())
    (path / "onderzoeken.csv").unlink()
    with pytest.raises(InputError) as caught:
        read_delivery(path, VT.layout())
    assert caught.value.rule == "VT-F01" and "onderzoeken" in str(caught.value)


def test_inspect_describes_every_record_set_without_values(tmp_path, capsys):
    from spiegel.cli import main
    from vt_helpers import B

    path = write_sets(frames(base()), tmp_path / "levering.txt", "fixed", VT.layout())
    assert main(["inspect", str(path), "--domain", "vt"]) == 0
    out = capsys.readouterr().out
    assert "Formaat:         vaste breedte" in out
    assert "Records per gegevensset: adviezen: 2, meldingen: 3, onderzoeken: 1, personen: 7" in out
    assert "meldingen: datum_triagebesluit per halfjaar: 1e halfjaar 2025: 3" in out
    assert not any(b in out for b in B)
