"""The youth history of every provider (spiegel.history) and herhaald beroep bij enige aanbieder (SPEC §6).

A hand-made store of five providers over several periods; the expected herhaald beroep comes from an independent
count over the delivery files (the csv module and datetime, nothing of spiegel), with the boundaries of SPEC §6:
an earlier trajectory that ended at least one day before the start (a gap of 0 days: it ended the day before),
and at most five years before it (5 years + 1 day is too long ago).
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spiegel import domains, history, report
from spiegel.deliveries import DeliveryMeta, write_meta
from spiegel.errors import ParameterError
from spiegel.periods import Period
from spiegel.write import write_delivery

JH = domains.get("jeugdhulp")
LAYOUT = JH.layout()
P = Period.parse("2025H1")
A, B, C, D, E = "10000001", "10000002", "10000003", "10000004", "10000005"
START = "20250301"  # every start of provider A in 2025H1


def bsn(n: int) -> str:
    """A nine-digit number that passes the elfproef."""
    for candidate in range(100_000_000 + n * 1000, 100_000_000 + n * 1000 + 1000):
        digits = [int(c) for c in f"{candidate:09d}"]
        if (sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]) % 11 == 0:
            return f"{candidate:09d}"
    raise AssertionError


def row(youth: str, start: str, end: str = "", **values: str) -> dict[str, str]:
    base = {
        "bsn": youth, "geboortedatum": "20120515", "geslacht": "M", "postcode": "1012AB", "gemeentecode": "0363",
        "verwijzer": "01", "hulpvorm": "02", "gestart_met_crisis": "02", "datum_aanvang": start,
        "datum_einde": end, "reden_beeindiging": "01" if end else "", "tevredenheid": "",
        "zonder_hulp_verder": "", "type_informant": "",
    }
    base.update(values)
    return base


def deliver(root: Path, kvk: str, period: str, rows: list[dict[str, str]], *, received: datetime | None = None,
            correction: bool = False) -> Path:
    per = Period.parse(period)
    received = received or datetime.combine(per.last_day + timedelta(days=5), datetime.min.time())
    suffix = "_correctie" if correction else ""
    path = root / period / kvk / f"jeugdhulp_{kvk}_{period}{suffix}.csv"
    write_delivery(pd.DataFrame(rows, columns=list(row("x", "x"))), path, "csv", LAYOUT)
    write_meta(path, DeliveryMeta(kvk=kvk, naam=f"Aanbieder {kvk}", domein="jeugdhulp", periode=period,
                                  correctie=correction, ontvangen=received))
    return path


Y = {name: bsn(i) for i, name in enumerate(
    ("gap0", "gap1", "sameday", "five", "fiveplus1", "own", "fallback", "invalid", "later", "replaced", "new",
     "running", "twice"), start=1)}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    unknown = {"bsn": "999999999", "geslacht": "V", "geboortedatum": "20100101", "postcode": "1098XG"}
    deliver(root, A, "2025H1", [
        *(row(Y[n], START) for n in Y if n not in ("fallback", "twice")),
        row("999999999", START, geslacht="V", geboortedatum="20100101", postcode="1098 xg"),
        row(Y["own"], "20241001", "20250115"),  # own earlier trajectory, in the same delivery
        row(Y["twice"], "20250102", "20250110"), row(Y["twice"], START),  # herhaald at its own provider
        row(Y["running"], "20240101"),  # running: neither nieuw nor herhaald
    ])
    deliver(root, A, "2024H2", [row(Y["new"], "20240701")])  # running, never ended: no herhaald
    deliver(root, B, "2025H1", [
        row(Y["gap0"], "20250101", "20250228"),  # gap of 0 days: ended the day before the start → herhaald
        row(Y["gap1"], "20250101", "20250227"),  # gap of 1 day → herhaald
        row(Y["sameday"], "20250101", "20250301"),  # ended on the start day → not herhaald
        row(Y["invalid"], "20250201", "20250115"),  # ends before it starts: never makes anyone herhaald
    ])
    deliver(root, B, "2024H2", [row("999999999", "20240801", "20241001", **unknown)])  # fallback key
    deliver(root, C, "2020H1", [
        row(Y["five"], "20190101", "20200301"),  # exactly five years before 01-03-2025 → herhaald
        row(Y["fiveplus1"], "20190101", "20200229"),  # five years and one day → not herhaald
    ])
    deliver(root, C, "2019H2", [row(Y["five"], "20150101", "20191201")])  # before the window: not read
    deliver(root, D, "2025H2", [row(Y["later"], "20250101", "20250201")])  # a later period: not in the history
    first = datetime(2025, 1, 5)
    deliver(root, E, "2024H2", [row(Y["replaced"], "20240701", "20241201")], received=first)
    deliver(root, E, "2024H2", [row(Y["new"], "20240701", "20241201", bsn=bsn(99))],
            received=first + timedelta(days=30), correction=True)  # the correction drops "replaced"
    return root


# --- the independent count ----------------------------------------------------------------------------------


def _day(text: str) -> date | None:
    return datetime.strptime(text, "%Y%m%d").date() if text else None


def _who(r: dict[str, str]) -> tuple[str, ...]:
    if r["bsn"] in ("999999999", "000000000", ""):
        return ("p", r["geslacht"], r["geboortedatum"], r["postcode"].replace(" ", "").upper())
    return ("b", r["bsn"])


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _newest(root: Path) -> dict[tuple[str, str], Path]:
    """(period, kvk) → the file received last, from the sidecars' receipt times (read as text)."""
    newest: dict[tuple[str, str], tuple[str, Path]] = {}
    for side in root.glob("*/*/*.meta.yml"):
        received = next(line for line in side.read_text().splitlines() if line.startswith("ontvangen"))
        key = (side.parent.parent.name, side.parent.name)
        if key not in newest or received > newest[key][0]:
            newest[key] = (received, side.with_name(side.name.removesuffix(".meta.yml")))
    return {k: v[1] for k, v in newest.items()}


def _five_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 5)
    except ValueError:
        return day.replace(year=day.year - 5, day=28)


def expected_herhaald(root: Path, kvk: str, own_only: bool) -> int:
    """Started trajectories of ``kvk`` in 2025H1 whose youth had a trajectory that ended between five years and
    one day before the start, in a delivery (the newest of its provider and period) of 2020H1 … 2025H1."""
    files = _newest(root)
    held = [(k, p) for k, p in files.items() if k[0] in
            {"2020H1", "2020H2", "2021H1", "2021H2", "2022H1", "2022H2", "2023H1", "2023H2", "2024H1", "2024H2",
             "2025H1"} and (not own_only or k[1] == kvk)]
    ends: dict[tuple[str, ...], list[date]] = {}
    for _, path in held:
        for r in _rows(path):
            start, end = _day(r["datum_aanvang"]), _day(r["datum_einde"])
            if end is not None and start is not None and end >= start:
                ends.setdefault(_who(r), []).append(end)
    count = 0
    for r in _rows(files[("2025H1", kvk)]):
        a = _day(r["datum_aanvang"])
        if not (date(2025, 1, 1) <= a <= date(2025, 6, 30)):
            continue
        if any(_five_years_before(a) <= e <= a - timedelta(days=1) for e in ends.get(_who(r), [])):
            count += 1
    return count


def herhaald_of(built: report.Report, dimensie: str) -> dict[str, int]:
    b = built.counts.breakdowns
    b = b[(b["gemeente"] == "totaal") & (b["dimensie"] == dimensie)]
    return dict(zip(b["categorie"], b["trajecten"].astype(int), strict=True))


# --- tests ----------------------------------------------------------------------------------------------------


def test_herhaald_beroep_over_all_providers_matches_an_independent_count(store, tmp_path):
    folder, built = history.ensure(store, JH, P, tmp_path / "werk")
    assert built
    r = report.build(A, P, store, youth_history=folder)
    enige, deze = herhaald_of(r, "nieuw_herhaald_enige"), herhaald_of(r, "nieuw_herhaald")
    assert enige["herhaald"] == expected_herhaald(store, A, own_only=False) == 6  # gap0 gap1 five own fallback twice
    assert deze["herhaald"] == expected_herhaald(store, A, own_only=True) == 2  # own, twice
    assert enige["totaal"] == deze["totaal"] == enige["nieuw"] + enige["herhaald"]


def test_the_boundaries_per_youth(store):
    hist = history.build(store, JH, P)
    from spiegel.read import read_delivery

    delivery = read_delivery(store / "2025H1" / A / f"jeugdhulp_{A}_2025H1.csv", LAYOUT)
    frame = delivery.frame
    start = frame["datum_aanvang"].to_numpy().astype("datetime64[D]")
    started = start == np.datetime64("2025-03-01")
    flags = hist.herhaald(frame, start, started)
    by_bsn = dict(zip(frame["bsn"][started], flags[started], strict=True))
    assert by_bsn[Y["gap0"]] and by_bsn[Y["gap1"]] and by_bsn[Y["five"]] and by_bsn[Y["own"]]
    assert by_bsn["999999999"]  # found by the fallback key, postcode written differently
    for name in ("sameday", "fiveplus1", "invalid", "later", "replaced", "new"):
        assert not by_bsn[Y[name]], name


def test_the_history_holds_the_window_of_current_deliveries_and_says_so(store):
    hist = history.build(store, JH, P)
    assert hist.periods == ["2020H1", "2024H2", "2025H1"]  # 2019H2 lies before the window, 2025H2 after P
    assert hist.meta["aanbieders"] == 4 and hist.meta["leveringen"] == 6  # E: only its correction
    assert history.describe(hist.meta) == "3 perioden (2020H1 t/m 2025H1) van 4 aanbieders"
    r = report.build(A, P, store)  # no folder given: built in memory
    assert r.counts.youth_history["perioden"] == hist.periods


def test_the_index_holds_no_bsn_and_only_keyed_hashes(store, tmp_path):
    folder = history.write(history.build(store, JH, P), tmp_path / "index")
    blob = b"".join(p.read_bytes() for p in sorted(folder.iterdir()))
    for value in [*Y.values(), "1098XG", "20120515"]:
        assert value.encode() not in blob
        assert np.int64(int(value)).tobytes() not in blob if value.isdigit() else True
    meta = json.loads((folder / history.META_FILE).read_text())
    assert set(meta["per_aanbieder"]) == {A, B}  # the providers that delivered for the period
    other_key = b"a-completely-different-secret-key"
    assert not (history.keyed_hashes(np.array(["b" + Y["gap0"]], dtype=object), other_key)
                == history.keyed_hashes(np.array(["b" + Y["gap0"]], dtype=object), history.secret())).any()


def test_an_index_made_with_another_key_is_refused(store, tmp_path):
    folder = history.write(history.build(store, JH, P, key=b"another-secret-of-enough-length"), tmp_path / "i")
    with pytest.raises(ParameterError, match="andere sleutel"):
        report.build(A, P, store, youth_history=folder)


def test_ensure_reuses_an_index_of_the_same_deliveries_and_rebuilds_after_a_new_one(store, tmp_path):
    work = tmp_path / "werk"
    folder, built = history.ensure(store, JH, P, work)
    assert built
    assert history.ensure(store, JH, P, work) == (folder, False)
    before = history.read_meta(folder)["per_aanbieder"]
    deliver(store, C, "2025H1", [row(bsn(77), "20250101")])  # C delivers for the period too
    try:
        again, built = history.ensure(store, JH, P, work)
        assert built and again == folder
        meta = history.read_meta(folder)
        assert meta["aanbieders"] == 4 and set(meta["per_aanbieder"]) == {A, B, C}
        assert meta["per_aanbieder"][A] == before[A]  # nothing A's report shows changed: its input key stays
        deliver(store, "10000006", "2025H1", [row(Y["gap0"], "20240101", "20240105")])  # a new provider
        meta = history.read_meta(history.ensure(store, JH, P, work)[0])
        assert meta["aanbieders"] == 5
        assert meta["per_aanbieder"][A] != before[A]  # A's report names the number of providers: made again
    finally:
        for kvk in (C, "10000006"):
            for path in (store / "2025H1" / kvk).iterdir():
                path.unlink()
            (store / "2025H1" / kvk).rmdir()


def test_the_key_file_is_made_once_outside_the_outputs(tmp_path, monkeypatch):
    monkeypatch.delenv(history.KEY_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    key = history.secret()
    path = tmp_path / "config" / "spiegel" / history.KEY_FILE_NAME
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert history.secret() == key and len(key) == 64
    monkeypatch.setenv(history.KEY_ENV, str(tmp_path / "ontbreekt.key"))
    with pytest.raises(ParameterError, match="niet bestaat"):
        history.secret()


def test_window_is_five_years_of_periods_up_to_the_period():
    assert history.first_day_of_window(P) == date(2020, 1, 1)
    assert history.first_day_of_window(Period.parse("2024H1")) == date(2019, 1, 1)


# --- the speed door: many plain CSV files at once ----------------------------------------------------------


def test_bulk_reading_gives_the_readers_frames_for_plain_and_other_files(tmp_path):
    """spiegel.bulkread against read_delivery: the sample (semicolon and comma CSV, Windows-1252, XLSX, fixed
    width, the faulty delivery) and plain files with a BOM, CRLF line ends, blank lines and padded values."""
    from spiegel import bulkread
    from spiegel import deliveries as store
    from spiegel.read import read_delivery
    from spiegel.sample import DELIVERIES

    refs = [r for r in store.find_deliveries(DELIVERIES) if r.meta.domein == JH.name]
    extra = deliver(tmp_path, B, "2025H1", [row(Y["gap0"], "20250101", "20250228"), row(" " + Y["gap1"], "20250101")])
    text = extra.read_bytes().replace(b"\n", b"\r\n\r\n")
    extra.write_bytes(b"\xef\xbb\xbf" + text)
    comma = deliver(tmp_path, C, "2025H1", [row("999999999", "20250101", postcode="1012 ab")])
    comma.write_text(comma.read_text().replace(";", ","))
    refs += [store.current_delivery(tmp_path, "2025H1", B), store.current_delivery(tmp_path, "2025H1", C)]
    columns = {"bsn", "geslacht", "geboortedatum", "postcode", "datum_aanvang", "datum_einde"}
    frame, owner, unreadable = bulkread.read_frames(refs, JH, columns=columns)
    assert unreadable == 0
    shown = ["bsn", "bsn_status", "geslacht", "geboortedatum", "postcode", "datum_aanvang", "datum_einde"]
    for i, ref in enumerate(refs):
        expected = read_delivery(ref.path, JH.layout(ref.meta.indeling)).frame[shown].reset_index(drop=True)
        got = frame[owner == i][shown].reset_index(drop=True)
        pd.testing.assert_frame_equal(got.astype(object), expected.astype(object), check_dtype=False)


def test_the_batch_builds_the_history_once_passes_it_to_every_report_and_removes_it_unless_kept(store, tmp_path):
    import shutil

    from spiegel.batch import BatchOptions, run_batch

    root = tmp_path / "d"
    shutil.copytree(store, root)
    (root / "register.csv").write_text(
        "kvk,naam,domein,grootteklasse,gemeenten\n"
        f"{A},Aanbieder A,jeugdhulp,klein,0363\n{B},Aanbieder B,jeugdhulp,klein,0363\n"
    )
    notebook = Path(__file__).parent / "data" / "batch_report.ipynb"

    def run(out: Path, keep: bool):
        options = BatchOptions(period="2025H1", deliveries=root, out_root=out, formats=("csv",), notebook=notebook,
                               progress=False, workers=1, keep_youth_history=keep)
        result = run_batch(options)
        return result, json.loads(result.manifest.read_text())["youth_history"]

    result, info = run(tmp_path / "o", keep=False)
    assert result.exit_code == 0
    assert info["gebouwd"] and info["aanbieders"] == 4 and info["perioden"] == ["2020H1", "2024H2", "2025H1"]
    assert not list((tmp_path / "o" / "2025H1" / history.WORK_FOLDER).glob("jeugdgeschiedenis-*"))
    _, info = run(tmp_path / "k", keep=True)
    folder = history.folder_for(tmp_path / "k" / "2025H1" / history.WORK_FOLDER, JH, P)
    assert info["gebouwd"] and (folder / history.META_FILE).exists()
    again, info = run(tmp_path / "k", keep=True)
    assert not info["gebouwd"]  # the same deliveries: reused
    assert {r["status"] for r in again.records} == {"ongewijzigd"}


def test_spiegel_report_builds_the_history_and_keeps_it_only_when_asked(tmp_path, capsys):
    from spiegel.cli import main
    from spiegel.sample import REFERENCE_PROVIDER

    work = tmp_path / "o" / "2025H1" / history.WORK_FOLDER
    args = ["report", "--provider", REFERENCE_PROVIDER, "--period", "2025H1", "--out", str(tmp_path / "o"),
            "--formats", "csv"]
    assert main(args) == 0
    assert not list(work.glob("jeugdgeschiedenis-*"))
    assert main([*args, "--keep-youth-history"]) == 0
    meta = history.read_meta(history.folder_for(work, JH, P))
    assert meta["aanbieders"] == 9 and meta["perioden"] == ["2024H2", "2025H1"]
    csv_text = (tmp_path / "o" / "2025H1" / REFERENCE_PROVIDER / "tabellen" / "uitsplitsingen.csv").read_text()
    assert "nieuw_herhaald_enige" in csv_text


def test_a_report_run_again_in_the_same_process_reuses_its_history_until_the_store_changes(store):
    """A notebook run by hand builds the history in memory (no folder): run again in the same kernel it is not read
    again, unless the store holds other deliveries for it or the key is another."""
    history._LAST.clear()
    first = history.build_once(store, JH, P)
    assert history.build_once(store, JH, P) is first
    assert first.meta == history.build(store, JH, P).meta
    deliver(store, C, "2025H1", [row(bsn(78), "20250101")])
    try:
        again = history.build_once(store, JH, P)
        assert again is not first and C in again.meta["per_aanbieder"] and C not in first.meta["per_aanbieder"]
        assert history.build_once(store, JH, P) is again
    finally:
        for path in (store / "2025H1" / C).iterdir():
            path.unlink()
        (store / "2025H1" / C).rmdir()
    assert history.build_once(store, JH, P).meta == first.meta
