"""Shared fixtures: the bundled sample's reports, made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def history_key(tmp_path_factory):
    """The secret of the youth history's keyed hash (spiegel.history) in a test folder, not the user's config
    folder; set for the whole session, so worker processes started by tests see it too."""
    import os

    from spiegel.history import KEY_ENV

    path = tmp_path_factory.mktemp("sleutel") / "geschiedenis.key"
    path.write_text("0123456789abcdef0123456789abcdef\n", encoding="ascii")
    old = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = str(path)
    yield path
    if old is None:
        os.environ.pop(KEY_ENV, None)
    else:
        os.environ[KEY_ENV] = old


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory):
    """Every sample provider's 2025H1 report (notebook, HTML, PDF, XLSX, CSV), made the way `spiegel report`
    makes it by default (the warm engine, in this process), each with its domain's notebook. Returns
    {kvk: ReportResult}."""
    from spiegel import deliveries as store
    from spiegel.pipeline import ReportJob, make_report
    from spiegel.sample import DELIVERIES

    out = tmp_path_factory.mktemp("outputs")
    results = {}
    for (period, kvk), _ref in sorted(store.current_deliveries(DELIVERIES, "2025H1").items()):
        job = ReportJob(kvk=kvk, period=period, deliveries=DELIVERIES, out_root=out, renderer="builtin",
                        engine="spiegel_warm", domain=_ref.meta.domein)
        results[kvk] = make_report(job)
    # jeugdreclassering is delivered per quarter: its sample GIs' 2025Q2 reports, keyed "<kvk>@2025Q2" (the same
    # KvK-nummers deliver jeugdbescherming for 2025H1)
    for (period, kvk), _ref in sorted(store.current_deliveries(DELIVERIES, "2025Q2").items()):
        job = ReportJob(kvk=kvk, period=period, deliveries=DELIVERIES, out_root=out, renderer="builtin",
                        engine="spiegel_warm", domain=_ref.meta.domein)
        results[f"{kvk}@{period}"] = make_report(job)
    return results
