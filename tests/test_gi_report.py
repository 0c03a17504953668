"""The GI reports (jeugdbescherming, jeugdreclassering) on the bundled sample, the extract for a gemeente, and the
GI part of the batch index with its measure-level chains across GIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spiegel import report
from spiegel.domains.gi import overview
from spiegel.domains.gi.sample import FAULTY, NATIONAL, REFERENCE
from spiegel.periods import Period


def _summary(result) -> dict:
    return json.loads((Path(result.outputs["notebook"]).parent / "samenvatting.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("key, notebook", [(REFERENCE, "jb.ipynb"), (f"{REFERENCE}@2025Q2", "jr.ipynb"),
                                           (NATIONAL, "jb.ipynb")])
def test_clean_gi_reports_are_made_in_every_format_without_fout(sample_reports, key, notebook):
    result = sample_reports[key]
    assert Path(result.outputs["notebook"]).name == notebook
    for fmt in ("html", "pdf", "xlsx"):
        assert Path(result.outputs[fmt]).stat().st_size > 1000
    summary = _summary(result)
    assert summary["validatie"]["fouten"] == 0
    totals = summary["gi"]["per_type"]["totaal"]
    assert totals["beginstand"] + totals["instroom"] - totals["uitstroom"] == totals["eindstand"]
    html = Path(result.outputs["html"]).read_text(encoding="utf-8")
    assert "Eindstand vergeleken met de vorige periode" in html  # the sample holds the previous period
    assert "Bescherming" in html and "Lopend op de laatste dag" in html


@pytest.mark.parametrize("key, code", [(FAULTY, "JB-R01"), (f"{FAULTY}@2025Q2", "JR-V22")])
def test_the_faulty_gi_report_names_its_faults(sample_reports, key, code):
    summary = _summary(sample_reports[key])
    assert summary["validatie"]["fouten"] >= 6 and code in summary["validatie"]["regels"]
    assert code in Path(sample_reports[key].outputs["html"]).read_text(encoding="utf-8")


def test_an_extract_for_one_gemeente_is_protected_by_policy_cbs():
    r = report.build(REFERENCE, "2025H1", None, protection="cbs", gemeente="0363", domain="jb")
    assert "Uittreksel" in r.front_facts() and "cbs" in r.protection
    assert set(r.shown.table("stromen")["gemeente"]) == {"0363"}
    for section in r.SECTIONS:
        getattr(r, section)()
    assert r.summary_extra()["gi"]["grens"] == {}


def _gi(per_type: dict, grens: dict) -> dict:
    return {"gi": {"per_type": per_type, "grens": grens}}


def _row(**values: int) -> dict:
    keys = ("beginstand", "instroom", "gestart", "overgedragen_gekregen", "uitstroom", "beeindigd", "overgedragen",
            "eindstand")
    return {"label": "OTS", **{k: values.get(k, 0) for k in keys}}


def test_chains_across_gis_count_a_transfer_once_and_a_last_day_transfer_in_the_eindstand():
    # GI A: 10 running at the start, 1 handed over mid-period, 1 handed over on the last day, 2 ended;
    # GI B: takes the mid-period one over (on the first day one more, handed over by C on the day before)
    a = _gi({"11": _row(beginstand=10, uitstroom=4, beeindigd=2, overgedragen=2, eindstand=6)},
            {"11": {"gekregen_eerste_dag": 0, "overgedragen_laatste_dag": 1}})
    b = _gi({"11": _row(beginstand=5, instroom=3, gestart=1, overgedragen_gekregen=2, eindstand=8)},
            {"11": {"gekregen_eerste_dag": 1, "overgedragen_laatste_dag": 0}})
    totals, _, boundary = overview.sums([a, b])
    assert overview.chains(totals, boundary) == {"11": {"beginstand": 16, "instroom": 1, "uitstroom": 2,
                                                        "eindstand": 15}}
    # without B the transfers do not close: no measure-level figures
    totals, _, boundary = overview.sums([a])
    assert overview.chains(totals, boundary) is None
    html = overview.national_overview(Period.parse("2025H1"), [a], [])
    assert "sluiten niet" in html


def test_the_sample_gis_transfers_close_so_the_index_shows_chains(sample_reports):
    summaries = [_summary(sample_reports[k]) for k in (REFERENCE, FAULTY, NATIONAL)]
    html = overview.national_overview(Period.parse("2025H1"), summaries, [])
    assert "Landelijk per maatregel" in html
