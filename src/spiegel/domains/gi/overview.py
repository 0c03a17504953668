"""A GI domain's part of a batch's ``index.html`` (SPEC §4.5): the national stands per type, summed over the
summaries of the period's finished reports (GI level: a transfer is an uitstroom at one GI and an instroom at the
other), and — when the transfers close, that is when the batch holds the deliveries of all GIs involved — the
measure-level national figures: one chain per measure from ``datum_aanvang`` at the first GI to ``datum_einde`` at
the last. Exact numbers: the index is for the statisticians.

Measure level from the GI sums: beginstand = Σ beginstand + Σ taken over on the first day (handed over on the day
before, so at no GI in a stand); instroom = Σ gestart; uitstroom = Σ beëindigd; eindstand = Σ eindstand + Σ handed
over on the last day. The transfers close when Σ overgedragen − those on the last day equals Σ overgedragen gekregen
− those on the first day, per type.
"""

from __future__ import annotations

from html import escape
from typing import Any

from spiegel.formats import fmt_int
from spiegel.periods import Period

GI_COLUMNS = (("beginstand", "Beginstand"), ("gestart", "Gestart"), ("overgedragen_gekregen", "Overgedragen gekregen"),
              ("beeindigd", "Beëindigd"), ("overgedragen", "Overgedragen"), ("eindstand", "Eindstand"))
CHAIN_COLUMNS = (("beginstand", "Beginstand"), ("instroom", "Instroom"), ("uitstroom", "Uitstroom"),
                 ("eindstand", "Eindstand"))


def sums(summaries: list[dict[str, Any]]) -> tuple[dict[str, dict[str, int]], dict[str, str], dict[str, dict]]:
    """Per type category the GI-level sums, the labels (in report order) and the boundary transfers."""
    totals: dict[str, dict[str, int]] = {}
    labels: dict[str, str] = {}
    boundary: dict[str, dict[str, int]] = {}
    for s in summaries:
        gi = s.get("gi") or {}
        for cat, row in (gi.get("per_type") or {}).items():
            labels.setdefault(cat, row.get("label", cat))
            into = totals.setdefault(cat, {})
            for key, _ in GI_COLUMNS:
                into[key] = into.get(key, 0) + int(row.get(key) or 0)
        for code, row in (gi.get("grens") or {}).items():
            into = boundary.setdefault(code, {})
            for key, value in row.items():
                into[key] = into.get(key, 0) + int(value)
    return totals, labels, boundary


def chains(totals: dict[str, dict[str, int]], boundary: dict[str, dict[str, int]]) -> dict[str, dict[str, int]] | None:
    """The measure-level national figures per single type (not the groups), or None when the transfers do not close."""
    out = {}
    for code, row in totals.items():
        if not code.isdigit():
            continue
        b = boundary.get(code, {})
        on_first, on_last = b.get("gekregen_eerste_dag", 0), b.get("overgedragen_laatste_dag", 0)
        if row["overgedragen"] - on_last != row["overgedragen_gekregen"] - on_first:
            return None
        out[code] = {"beginstand": row["beginstand"] + on_first, "instroom": row["gestart"],
                     "uitstroom": row["beeindigd"], "eindstand": row["eindstand"] + on_last}
    return out


def national_overview(period: Period, summaries: list[dict[str, Any]], previous: list[dict[str, Any]]) -> str:
    """The HTML of the overview (``Domain.overview``)."""
    if not summaries:
        return "<p>Geen gemaakte rapporten om op te tellen.</p>"
    totals, labels, boundary = sums(summaries)
    before = sums(previous)[0] if previous else {}
    head = "".join(f"<th>{escape(lab)}</th>" for _, lab in GI_COLUMNS)
    rows = []
    for cat, label in labels.items():
        row = totals[cat]
        prev = before.get(cat, {}).get("eindstand")
        name = escape(label) if cat.isdigit() else f"<b>{escape(label)}</b>"
        rows.append(f"<tr><td class='t'>{name}</td>"
                    + "".join(f"<td>{fmt_int(row[k])}</td>" for k, _ in GI_COLUMNS)
                    + f"<td>{'' if prev is None else fmt_int(prev)}</td></tr>")
    prev_label = escape(period.previous().label)
    html = (f"<h3>Stand per type, opgeteld over de GI's ({fmt_int(len(summaries))})</h3>"
            f"<table class='num'><thead><tr><th>Type</th>{head}<th>Eindstand {prev_label}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            "<p class='klein'>Op GI-niveau telt een overdracht als uitstroom bij de ene en instroom bij de andere "
            "GI.</p>")
    measure = chains(totals, boundary)
    if measure is None:
        return html + ("<p class='klein'>Landelijke aantallen maatregelen (ketens over GI's) zijn niet getoond: de "
                       "overdrachten sluiten niet, dus niet alle betrokken GI's zitten in deze batch.</p>")
    mhead = "".join(f"<th>{escape(lab)}</th>" for _, lab in CHAIN_COLUMNS)
    mrows = "".join(f"<tr><td class='t'>{escape(labels[c])}</td>"
                    + "".join(f"<td>{fmt_int(measure[c][k])}</td>" for k, _ in CHAIN_COLUMNS) + "</tr>"
                    for c in labels if c in measure)
    total = {k: sum(m[k] for m in measure.values()) for k, _ in CHAIN_COLUMNS}
    mrows += ("<tr><td class='t'><b>Totaal</b></td>"
              + "".join(f"<td><b>{fmt_int(total[k])}</b></td>" for k, _ in CHAIN_COLUMNS) + "</tr>")
    return html + ("<h3>Landelijk per maatregel (ketens over GI's)</h3>"
                   "<p class='klein'>Eén keten per maatregel, van de datum aanvang bij de eerste GI tot de datum "
                   "einde bij de laatste; overdrachten tellen niet als in- of uitstroom. Alleen getoond omdat de "
                   "overdrachten in deze batch aan beide kanten sluiten.</p>"
                   f"<table class='num'><thead><tr><th>Type</th>{mhead}</tr></thead><tbody>{mrows}</tbody></table>")
