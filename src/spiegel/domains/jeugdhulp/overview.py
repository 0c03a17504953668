"""Jeugdhulp's part of a batch's ``index.html``: the national overview, summed over the summaries
(``samenvatting.json``) of the finished reports of the period, compared with the previous period's.

Exact numbers of trajectories: the index is for the statisticians who run the batch, not for gemeenten."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

from spiegel import codes
from spiegel.count import TOTAAL
from spiegel.domains.jeugdhulp.count import hulpvorm_groups
from spiegel.flows import MEASURE_LABELS, MEASURES
from spiegel.formats import fmt_int, fmt_pct, fmt_signed
from spiegel.periods import Period

GROUPS = hulpvorm_groups()
FLOWS = tuple((f"trajecten_{m}", MEASURE_LABELS[m]) for m in MEASURES)
TOTAL_KEY = TOTAAL  # the row over all gemeenten


def collect_flows(summaries: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, int]]:
    """Sum of the reports' ``stromen`` per (gemeente, hulpvorm group)."""
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for summary in summaries:
        for row in summary.get("stromen", []):
            cell = totals[(str(row.get("gemeente")), str(row.get("hulpvorm")))]
            for key, _ in FLOWS:
                cell[key] += int(row.get(key) or 0)
    return {k: dict(v) for k, v in totals.items()}


def national_overview(period: Period, summaries: list[dict[str, Any]], previous: list[dict[str, Any]]) -> str:
    """The HTML of the overview (``Domain.overview``)."""
    return _overview(period, collect_flows(summaries), collect_flows(previous))


def _change(now: int, before: int | None) -> str:
    """"Verschil" in the one form the reports use too: the signed difference of counts (``+12``, ``-4``)."""
    return "" if before is None else fmt_signed(now - before)


def _change_pct(now: int, before: int | None) -> str:
    if before is None:
        return ""
    if before == 0:
        return "" if now == 0 else "nieuw"
    return fmt_pct((now - before) / before, 1) if now != before else "0,0%"


def _signed_pct(now: int, before: int | None) -> str:
    text = _change_pct(now, before)
    return "+" + text if text and text[0].isdigit() and now > (before or 0) else text


def _num(value: int | None) -> str:
    return "" if value is None else fmt_int(value)


def _overview(period: Period, flows: dict, previous: dict) -> str:
    if not flows:
        return "<p>Geen gemaakte rapporten om op te tellen.</p>"
    has_prev = bool(previous)
    prev_label = escape(period.previous().label)
    rows = []
    for key, label in GROUPS:
        now = flows.get((TOTAL_KEY, key), {})
        before = previous.get((TOTAL_KEY, key)) if has_prev else None
        cells = "".join(f"<td>{_num(now.get(f, 0))}</td>" for f, _ in FLOWS)
        prev = before.get("trajecten_totaal", 0) if before is not None else None
        total = now.get("trajecten_totaal", 0)
        rows.append(f"<tr><td>{escape(label)}</td>{cells}<td>{_num(prev)}</td>"
                    f"<td>{_change(total, prev)}</td><td>{_signed_pct(total, prev)}</td></tr>")
    head = "".join(f"<th>{escape(lab)}</th>" for _, lab in FLOWS)
    part1 = (f"<h3>Trajecten per hulpvormgroep</h3><table class='num'><thead><tr><th>Hulpvorm</th>{head}"
             f"<th>Totaal {prev_label}</th><th>Verschil</th><th>Verschil %</th></tr></thead>"
             f"<tbody>{''.join(rows)}</tbody></table>")

    names = codes.gemeente_names(period.last_day)
    gemeenten = sorted({g for g, _ in flows if g != TOTAL_KEY} | ({g for g, _ in previous if g != TOTAL_KEY}))
    shown = ("totaal", "zonder_verblijf", "met_verblijf")
    grows = []
    for g in gemeenten:
        cells = []
        for key in shown:
            now = flows.get((g, key), {}).get("trajecten_totaal", 0)
            before = previous.get((g, key), {}).get("trajecten_totaal", 0) if has_prev else None
            cells.append(f"<td>{_num(now)}</td><td>{_num(before)}</td><td>{_change(now, before)}</td>")
        name = names.get(g, g.capitalize())
        grows.append(f"<tr><td>{escape(g)}</td><td class='t'>{escape(name)}</td>{''.join(cells)}</tr>")
    sub = "".join(f"<th>{escape(period.label)}</th><th>{prev_label}</th><th>Verschil</th>" for _ in shown)
    top = "".join(f"<th colspan='3'>{escape(dict(GROUPS)[k])}</th>" for k in shown)
    part2 = (f"<h3>Trajecten (totaal in de periode) per gemeente</h3>"
             f"<input type='search' class='zoek' data-table='gem' placeholder='Zoek gemeente…' "
             f"aria-label='Zoek gemeente'>"
             f"<table id='gem' class='num sort'><thead><tr><th rowspan='2'>Code</th><th rowspan='2'>Gemeente</th>{top}"
             f"</tr><tr>{sub}</tr></thead><tbody>{''.join(grows)}</tbody></table>")
    note = "" if has_prev else (f"<p class='klein'>Geen rapporten van {prev_label} in deze uitvoermap: "
                                "vergelijking niet beschikbaar.</p>")
    return part1 + note + part2
