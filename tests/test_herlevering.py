"""What a herlevering changed (SPEC §11): the section's counts against an independent diff of the two files, the
replaced report kept under vervangen/<receipt time>/, and the index marking the correction.

The independent diff reads both sample files of the corrected provider with plain pandas (tests/test_report_counts)
and matches records on the record key of SPEC §3.4 written out here: BSN + datum aanvang + hulpvorm, or, without a
usable BSN (empty or a special value), geslacht + geboortedatum + postcode + datum aanvang + hulpvorm."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from spiegel import deliveries as store
from spiegel.batch.index import _provider_rows
from spiegel.periods import Period
from spiegel.pipeline import REPLACED_FOLDER, ReportJob, keep_replaced_report
from spiegel.report import build
from spiegel.sample import DELIVERIES
from test_report_counts import gemeente_of, read_plain

PERIOD = Period.parse("2025H1")
KVK = "91000033"  # the sample's provider with a herlevering in 2025H1
SPECIAL_BSN = {"999999999", "000000000", ""}


def _key(row) -> tuple:
    bsn = row["bsn"].strip()
    tail = (row["datum_aanvang"].strip(), row["hulpvorm"].strip())
    if bsn not in SPECIAL_BSN:
        return ("bsn", bsn, *tail)
    return ("persoon", row["geslacht"].strip(), row["geboortedatum"].strip(),
            row["postcode"].replace(" ", "").upper(), *tail)


def _records(path: Path) -> dict[tuple, tuple[str, tuple]]:
    """key → (gemeente, every value) of the first record with that key."""
    frame = read_plain(path)
    out: dict[tuple, tuple[str, tuple]] = {}
    for _, row in frame.iterrows():
        out.setdefault(_key(row), (gemeente_of(row, PERIOD.last_day), tuple(v.strip() for v in row.tolist())))
    return out


def test_record_changes_equal_an_independent_diff_of_the_two_files():
    refs = store.find_deliveries(DELIVERIES, PERIOD, KVK)
    assert len(refs) == 2 and refs[-1].meta.correctie
    before, now = _records(refs[0].path), _records(refs[1].path)
    expected = {"toegevoegd": Counter(), "verwijderd": Counter(), "gewijzigd": Counter()}
    for key, (gemeente, values) in now.items():
        if key not in before:
            expected["toegevoegd"][gemeente] += 1
        elif before[key][1] != values:
            expected["gewijzigd"][gemeente] += 1
    for key, (gemeente, _) in before.items():
        if key not in now:
            expected["verwijderd"][gemeente] += 1
    assert sum(expected["toegevoegd"].values()) + sum(expected["gewijzigd"].values()) > 0

    report = build(KVK, PERIOD, DELIVERIES)
    assert report.replaced is not None and report.replaced.ref.path == refs[0].path
    table = report.record_changes().set_index("gemeente")
    for column, counts in expected.items():
        assert table.loc["totaal", column] == sum(counts.values()), column
        for gemeente in set(table.index) - {"totaal"}:
            assert table.loc[gemeente, column] == counts.get(gemeente, 0), (column, gemeente)
        assert set(counts) <= set(table.index)
    # the flows before and after are the two deliveries' own counts
    flows = report.flow_changes()[0].rows
    assert [row[0] for row in flows][:4] == ["Beginstand", "Instroom", "Uitstroom", "Eindstand"]
    old = report.replaced.counts.flows
    total = old[(old["gemeente"] == "totaal") & (old["hulpvorm"] == "totaal")]
    assert flows[0][1] == f"{int(total['trajecten_beginstand'].iloc[0]):,}".replace(",", ".")
    assert report.front_facts()["Vervangt"].startswith(refs[0].path.name)


def test_a_first_delivery_has_no_herlevering_section():
    assert build("91000011", PERIOD, DELIVERIES).replaced is None


class _Ref:
    def __init__(self, sha: str) -> None:
        self._sha = sha

    def sha256(self) -> str:
        return self._sha


def test_the_replaced_report_is_kept_under_its_receipt_time_and_never_overwritten(tmp_path):
    job = ReportJob(kvk=KVK, period=PERIOD, deliveries=DELIVERIES, out_root=tmp_path)
    out = job.out_dir
    out.mkdir(parents=True)
    (out / "samenvatting.json").write_text(json.dumps({"levering": {"sha256": "oud", "ontvangen":
                                                                    "2025-07-06T08:09:00"}}))
    (out / "spiegelrapport.html").write_text("oud rapport")
    (out / ".done.json").write_text("{}")
    assert keep_replaced_report(job, [_Ref("oud")]) is None  # same delivery: nothing moves
    kept = keep_replaced_report(job, [_Ref("nieuw")])
    assert kept == out / REPLACED_FOLDER / "20250706T080900" / "spiegelrapport.html"
    assert kept.read_text() == "oud rapport" and not (out / "spiegelrapport.html").exists()
    (out / "samenvatting.json").write_text(json.dumps({"levering": {"sha256": "ander", "ontvangen":
                                                                    "2025-07-06T08:09:00"}}))
    (out / "spiegelrapport.html").write_text("ander rapport")
    keep_replaced_report(job, [_Ref("nieuw")])
    assert kept.read_text() == "oud rapport"  # an existing kept report is never overwritten


@pytest.mark.parametrize("correctie", [True, False])
def test_the_index_marks_a_corrected_provider_and_links_the_replaced_report(correctie):
    record = {"kvk": KVK, "naam": "X", "status": "gemaakt",
              "outputs": {"html": "spiegelrapport.html", "vervangen": "vervangen/20250706T080900/spiegelrapport.html"}
              if correctie else {"html": "spiegelrapport.html"},
              "summary": {"levering": {"correctie": correctie}}}
    row = _provider_rows([record])
    assert ("gemaakt · herlevering" in row) is correctie
    assert (f"href='{KVK}/vervangen/20250706T080900/spiegelrapport.html'" in row) is correctie
