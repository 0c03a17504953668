"""Veilig Thuis's part of a batch's ``index.html``: per organisation the state of its spiegelrapport and
kwaliteitsrapport, and the national totals, summed over the summaries (``samenvatting.json``) of the period's
finished reports and compared with the previous period's. Exact numbers: the index is for the statisticians."""

from __future__ import annotations

from html import escape
from typing import Any

from spiegel.formats import fmt_int, fmt_pct
from spiegel.periods import Period

TOTALS = (
    ("adviezen", "Adviezen"), ("meldingen", "Meldingen"), ("onderzoeken", "Afgeronde onderzoeken"),
    ("personen_meldingen", "Personen bij meldingen"), ("personen_onderzoeken", "Personen bij onderzoeken"),
    ("casussen", "Casussen"), ("meldingen_minderjarige", "Meldingen met een minderjarige"),
)


def _sum(summaries: list[dict[str, Any]], key: str) -> int:
    return sum(int((s.get("vt") or {}).get(key) or 0) for s in summaries)


def _share(part: int, whole: int) -> str:
    return fmt_pct(part / whole) if whole else ""


def national_overview(period: Period, summaries: list[dict[str, Any]], previous: list[dict[str, Any]]) -> str:
    """The HTML of the overview (``Domain.overview``)."""
    if not summaries:
        return "<p>Geen gemaakte rapporten om op te tellen.</p>"
    prev_label = escape(period.previous().label)
    rows = []
    for key, label in TOTALS:
        now, before = _sum(summaries, key), _sum(previous, key) if previous else None
        rows.append(f"<tr><td class='t'>{escape(label)}</td><td>{fmt_int(now)}</td>"
                    f"<td>{'' if before is None else fmt_int(before)}</td></tr>")
    for key, measured, label in (("triage_binnen_norm", "triage_gemeten", "Triage binnen vijf werkdagen"),
                                 ("onderzoek_binnen_norm", "onderzoek_gemeten", "Onderzoek binnen tien weken")):
        now = _share(_sum(summaries, key), _sum(summaries, measured))
        before = _share(_sum(previous, key), _sum(previous, measured)) if previous else ""
        rows.append(f"<tr><td class='t'>{escape(label)}</td><td>{now}</td><td>{before}</td></tr>")
    totals = (f"<h3>Landelijke totalen</h3><table class='num'><thead><tr><th>Kengetal</th>"
              f"<th>{escape(period.label)}</th><th>{prev_label}</th></tr></thead><tbody>{''.join(rows)}</tbody>"
              "</table>")
    orgs = []
    for s in sorted(summaries, key=lambda s: s.get("kvk", "")):
        vt = s.get("vt") or {}
        val = s.get("validatie") or {}
        quality = ("in orde" if not vt.get("kwaliteit_fouten") and not vt.get("kwaliteit_waarschuwingen") else
                   f"{fmt_int(vt.get('kwaliteit_fouten', 0))} met fout, "
                   f"{fmt_int(vt.get('kwaliteit_waarschuwingen', 0))} met waarschuwing")
        spiegel = "fouten" if val.get("fouten") else "gemaakt"
        orgs.append(f"<tr><td>{escape(str(s.get('kvk', '')))}</td><td class='t'>{escape(str(s.get('naam', '')))}</td>"
                    f"<td class='t'>{spiegel}</td><td>{fmt_int(vt.get('meldingen', 0))}</td>"
                    f"<td>{fmt_int(vt.get('onderzoeken', 0))}</td><td class='t'>{escape(quality)}</td>"
                    f"<td>{fmt_int(vt.get('kwaliteit_records', 0))}</td></tr>")
    per_org = ("<h3>Per organisatie</h3><table id='vt-org' class='num sort'><thead><tr><th>KvK</th><th>Naam</th>"
               "<th>Spiegelrapport</th><th>Meldingen</th><th>Onderzoeken</th><th>Kwaliteitsrapport (controles)</th>"
               f"<th>Geraakte records</th></tr></thead><tbody>{''.join(orgs)}</tbody></table>")
    note = "" if previous else (f"<p class='klein'>Geen rapporten van {prev_label} in deze uitvoermap: vergelijking "
                                "niet beschikbaar.</p>")
    return totals + note + per_org
