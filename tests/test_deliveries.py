from datetime import datetime

import pytest

from spiegel import deliveries
from spiegel.deliveries import DeliveryMeta
from spiegel.errors import InputError
from spiegel.periods import Period


def _deliver(root, period, kvk, name, received, correctie=False):
    folder = root / period / kvk
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("x\n", encoding="utf-8")
    deliveries.write_meta(
        path, DeliveryMeta(kvk, "Aanbieder", "jeugdhulp", period, correctie, datetime.fromisoformat(received))
    )
    return path


def test_newest_delivery_of_a_period_is_the_current_one(tmp_path):
    _deliver(tmp_path, "2025H1", "12345678", "a.csv", "2025-07-10T09:00:00")
    newest = _deliver(tmp_path, "2025H1", "12345678", "b.csv", "2025-08-01T09:00:00", correctie=True)
    _deliver(tmp_path, "2025H1", "87654321", "c.csv", "2025-07-11T09:00:00")
    assert deliveries.current_delivery(tmp_path, "2025H1", "12345678").path == newest
    current = deliveries.current_deliveries(tmp_path, "2025H1")
    assert sorted(current) == [("2025H1", "12345678"), ("2025H1", "87654321")]


def test_history_lists_earlier_periods_only(tmp_path):
    _deliver(tmp_path, "2024H1", "12345678", "a.csv", "2024-07-10T09:00:00")
    _deliver(tmp_path, "2024H2", "12345678", "a.csv", "2025-01-10T09:00:00")
    _deliver(tmp_path, "2025H1", "12345678", "a.csv", "2025-07-10T09:00:00")
    got = deliveries.history(tmp_path, "12345678", Period.parse("2025H1"))
    assert [r.meta.periode for r in got] == ["2024H1", "2024H2"]


def test_metadata_round_trips(tmp_path):
    path = _deliver(tmp_path, "2025H1", "12345678", "a.csv", "2025-07-10T09:00:00+02:00", correctie=True)
    meta = deliveries.load_meta(path)
    assert meta.kvk == "12345678" and meta.correctie and meta.period == Period.parse("2025H1")


def test_metadata_is_remembered_until_the_sidecar_changes(tmp_path):
    """load_meta remembers sidecars it has read (a report looks its deliveries up several times) and reads one
    again when its time, size or inode changed; a sidecar changed just before it was read is not remembered,
    since a rewrite of the same length within the file system's clock tick would keep the same time."""
    import os

    path = _deliver(tmp_path, "2025H1", "12345678", "a.csv", "2025-07-10T09:00:00")
    side = deliveries.meta_path_for(path)
    long_ago = side.stat().st_mtime_ns - 3_600 * 10**9
    os.utime(side, ns=(long_ago, long_ago))
    first = deliveries.load_meta(path)
    assert first.naam == "Aanbieder" and deliveries.load_meta(path) is first  # remembered

    deliveries.write_meta(path, DeliveryMeta("12345678", "Andere naam", "jeugdhulp", "2025H1", False,
                                             datetime.fromisoformat("2025-07-10T09:00:00")))
    fresh = deliveries.load_meta(path)
    assert fresh.naam == "Andere naam"
    # changed in place, same length, and its time put back: only not remembering a fresh sidecar sees this
    stamp = side.stat().st_mtime_ns
    side.write_text(side.read_text(encoding="utf-8").replace("Andere naam", "Nieuwe naam"), encoding="utf-8")
    os.utime(side, ns=(stamp, stamp))
    assert deliveries.load_meta(path).naam == "Nieuwe naam"


def test_missing_or_bad_metadata_names_the_sidecar_and_field(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"meta\.yml"):
        deliveries.load_meta(path)
    (tmp_path / "a.csv.meta.yml").write_text("kvk: '123'\nnaam: x\ndomein: jeugdhulp\nperiode: 2025H1\n"
                                             "ontvangen: 2025-07-01T00:00:00\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        deliveries.load_meta(path)
    assert err.value.column == "kvk"


def test_changed_file_is_detected_by_its_recorded_hash(tmp_path):
    path = _deliver(tmp_path, "2025H1", "12345678", "a.csv", "2025-07-10T09:00:00")
    ref = deliveries.find_deliveries(tmp_path)[0]
    digest = ref.sha256()
    meta = deliveries.load_meta(path)
    deliveries.write_meta(path, DeliveryMeta(**{**meta.__dict__, "sha256": digest}))
    path.write_text("changed\n", encoding="utf-8")
    with pytest.raises(InputError, match="SHA-256"):
        deliveries.find_deliveries(tmp_path)[0].sha256()
