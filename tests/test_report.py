"""The report object the notebook calls: sections and the decisions it takes."""

from __future__ import annotations

import pytest

from spiegel import report
from spiegel.domains.jeugdhulp import report as jeugdhulp_report
from spiegel.present import report as present_report
from spiegel.present.display import Callout, Heading, Stack, Table
from spiegel.sample import DELIVERIES, REFERENCE_PROVIDER


@pytest.fixture
def shown(monkeypatch):
    """What the report's sections show (the generic sections and the jeugdhulp ones)."""
    items: list = []
    monkeypatch.setattr(present_report, "show", lambda *objs: items.extend(objs))
    monkeypatch.setattr(jeugdhulp_report, "_show", lambda *objs: items.extend(objs))
    return items


def _headings(items) -> list[str]:
    flat = [i for obj in items for i in (obj.items if isinstance(obj, Stack) else [obj])]
    return [h.text for h in flat if isinstance(h, Heading)]


def test_detail_per_gemeente_is_shown_for_a_provider_with_few_gemeenten(shown):
    r = report.build(REFERENCE_PROVIDER, "2025H1", DELIVERIES)
    r.gemeenten()
    assert "Amsterdam (0363)" in _headings(shown)
    assert not any(isinstance(i, Callout) for i in shown)


def test_detail_per_gemeente_goes_to_the_tables_above_the_limit(shown, monkeypatch):
    monkeypatch.setattr(jeugdhulp_report, "DETAIL_MAX_GEMEENTEN", 3)
    r = report.build(REFERENCE_PROVIDER, "2025H1", DELIVERIES)
    r.gemeenten()
    r.uitsplitsingen()
    assert _headings(shown) == []
    notes = [i for i in shown if isinstance(i, Callout)]
    assert len(notes) == 2 and "tabellen.xlsx" in notes[0].plain()
    titles = [t.title for t in shown if isinstance(t, Table)]
    assert "Trajecten en jongeren per gemeente" in titles  # the compact table stays
    assert not any(t and t.endswith("per gemeente (trajecten)") for t in titles)


def test_unknown_gemeente_for_an_extract_is_a_parameter_error():
    from spiegel.errors import ParameterError

    with pytest.raises(ParameterError, match="9999"):
        report.build(REFERENCE_PROVIDER, "2025H1", DELIVERIES, gemeente="9999")


def test_a_provider_without_delivery_is_an_input_error_naming_the_folder():
    from spiegel.errors import InputError
    from spiegel.sample import MISSING_PROVIDER

    with pytest.raises(InputError, match=MISSING_PROVIDER):
        report.build(MISSING_PROVIDER, "2025H1", DELIVERIES)


def test_show_publishes_exactly_what_ipython_display_of_each_item_publishes():
    """``show`` hands each item's MIME bundle to IPython as it is (``raw=True``) instead of letting the display
    formatter ask every formatter about it; the outputs in the notebook must be the same."""
    import pandas as pd
    from IPython.display import display

    from spiegel.batch.engine import WarmShell
    from spiegel.present.charts import top_chart
    from spiegel.present.display import Title

    frame = pd.DataFrame({"gemeente": ["Aa en Hunze", "Zwolle"], "n": [3, 1234]})
    items = [Title("Spiegelrapport", "2025H1"), Heading("Per gemeente", 3), Table(frame),
             top_chart(frame, category="gemeente", value="n"), Callout("Controleer de aanlevering.", kind="warning")]
    shell = WarmShell.fresh()
    try:
        present_report.show(*items)
        shown = list(shell.capture.outputs)
        shell.capture.outputs.clear()
        for item in items:
            display(item)
        assert shown == shell.capture.outputs
        assert len(shown) == len(items) and shown[0].metadata  # the title's metadata travels along
    finally:
        shell.close()
