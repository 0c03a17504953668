"""``outputs/<period>/index.html``: one self-contained page for reviewers.

Every provider of the batch with its status, validation counts and links to its HTML, PDF and XLSX (relative
links, so the folder can be copied or zipped); a national overview (totals over all providers per hulpvorm
group and per gemeente, compared with the previous period when its reports are in the same output folder);
and the registered providers without a delivery. Inline CSS and a few lines of inline JavaScript for sorting
and searching: no external request, works from a USB stick. Rows are plain table rows so 5,000 providers stay
a page of about a megabyte.
"""

from __future__ import annotations

import json
from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any

from spiegel.periods import Period
from spiegel.present.numbers import fmt_int

INDEX_FILE = "index.html"
SUMMARY_FILE = "samenvatting.json"
GROUPS = (
    ("totaal", "Totaal jeugdhulp"),
    ("zonder_verblijf", "Zonder verblijf"),
    ("wijkteam", "Wijkteam"),
    ("niet_wijkteam", "Niet door wijkteam"),
    ("met_verblijf", "Met verblijf"),
)
FLOWS = (
    ("trajecten_beginstand", "Beginstand"),
    ("trajecten_instroom", "Instroom"),
    ("trajecten_uitstroom", "Uitstroom"),
    ("trajecten_eindstand", "Eindstand"),
    ("trajecten_totaal", "Totaal"),
)
TOTAL_KEY = "totaal"  # spiegel.count.TOTAAL: the row over all gemeenten
STATUS_CLASS = {"gemaakt": "ok", "ongewijzigd": "ok", "mislukt": "fout", "wachtend": "wacht"}


def collect_flows(period_dir: Path, kvks: list[str] | None = None) -> dict[tuple[str, str], dict[str, int]]:
    """Sum of every finished report's ``stromen`` (from its samenvatting.json) per (gemeente, hulpvorm group)."""
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if not period_dir.exists():
        return {}
    folders = [period_dir / k for k in kvks] if kvks is not None else sorted(p for p in period_dir.iterdir()
                                                                              if p.is_dir())
    for folder in folders:
        if not (folder / ".done.json").exists():
            continue  # unfinished or failed: not counted
        try:
            summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            continue
        for row in summary.get("stromen", []):
            cell = totals[(str(row.get("gemeente")), str(row.get("hulpvorm")))]
            for key, _ in FLOWS:
                cell[key] += int(row.get(key) or 0)
    return {k: dict(v) for k, v in totals.items()}


def _change(now: int, before: int | None) -> str:
    if before is None:
        return ""
    if before == 0:
        return "" if now == 0 else "nieuw"
    pct = (now - before) / before * 100
    return f"{pct:+.1f}%".replace(".", ",")


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
        rows.append(f"<tr><td>{escape(label)}</td>{cells}<td>{_num(prev)}</td>"
                    f"<td>{_change(now.get('trajecten_totaal', 0), prev)}</td></tr>")
    head = "".join(f"<th>{escape(lab)}</th>" for _, lab in FLOWS)
    part1 = (f"<h3>Trajecten per hulpvormgroep</h3><table class='num'><thead><tr><th>Hulpvorm</th>{head}"
             f"<th>Totaal {prev_label}</th><th>Verschil</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")

    from spiegel import codes

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


def _provider_rows(records: list[dict[str, Any]]) -> str:
    rows = []
    for r in records:
        status = r.get("status", "")
        if status == "geen levering":
            continue
        kvk = escape(r["kvk"])
        outputs = r.get("outputs") or {}
        links = []
        for fmt, label in (("html", "HTML"), ("pdf", "PDF"), ("xlsx", "XLSX")):
            if outputs.get(fmt):
                links.append(f"<a href='{kvk}/{escape(outputs[fmt])}'>{label}</a>")
        if outputs.get("notebook_fout"):
            links.append(f"<a href='{kvk}/{escape(outputs['notebook_fout'])}'>notebook</a>")
        summary = r.get("summary") or {}
        val = summary.get("validatie") or {}
        message = ""
        if status == "mislukt":
            message = f"{r.get('stage') or ''}: {r.get('error_type') or ''} — {r.get('message') or ''}"
        rows.append(
            f"<tr class='{STATUS_CLASS.get(status, '')}'><td>{kvk}</td><td class='t'>{escape(r.get('naam', ''))}</td>"
            f"<td class='t'>{escape(status)}</td><td>{_num(val.get('fouten'))}</td>"
            f"<td>{_num(val.get('waarschuwingen'))}</td><td class='t'>{' '.join(links)}</td>"
            f"<td class='t'>{escape(message)}</td></tr>"
        )
    return "".join(rows)


def render_index(manifest: dict[str, Any], flows: dict, previous: dict) -> str:
    period = Period.parse(manifest["period"])
    records = manifest.get("providers", [])
    counts = manifest.get("counts", {})
    missing = manifest.get("missing", [])
    miss_rows = "".join(f"<tr><td>{escape(m['kvk'])}</td><td class='t'>{escape(m['naam'])}</td>"
                        f"<td class='t'>{escape(m.get('grootteklasse', ''))}</td></tr>" for m in missing)
    key_figures = " · ".join(
        f"{escape(label)}: <b>{fmt_int(counts.get(key, 0))}</b>"
        for key, label in (("gemaakt", "gemaakt"), ("ongewijzigd", "ongewijzigd"), ("mislukt", "mislukt"),
                           ("geen levering", "geen levering"))
    )
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spiegelrapporten {escape(period.label)} — overzicht</title>
<style>{_CSS}</style></head><body>
<h1>Spiegelrapporten jeugdhulp — {escape(period.label)}</h1>
<p class="klein">Periode {escape(period.span_label)} · batch {escape(manifest.get('batch_id', ''))} ·
code {escape(str(manifest.get('code_version', '')))} · bijgewerkt {escape(manifest.get('updated', ''))}</p>
<p>{key_figures}</p>
<nav><a href="#aanbieders">Aanbieders</a> · <a href="#landelijk">Landelijk overzicht</a> ·
<a href="#zonder">Zonder levering</a></nav>
<h2 id="aanbieders">Aanbieders</h2>
<input type="search" class="zoek" data-table="aanb" placeholder="Zoek op KvK, naam of status…"
 aria-label="Zoek aanbieder">
<table id="aanb" class="sort"><thead><tr><th>KvK</th><th>Naam</th><th>Status</th><th>Fouten</th>
<th>Waarschuwingen</th><th>Rapport</th><th>Melding</th></tr></thead>
<tbody>{_provider_rows(records)}</tbody></table>
<h2 id="landelijk">Landelijk overzicht</h2>
<p class="klein">Som over alle gemaakte rapporten van deze periode; exacte aantallen trajecten, zonder afscherming.</p>
{_overview(period, flows, previous)}
<h2 id="zonder">Geregistreerd zonder levering ({fmt_int(len(missing))})</h2>
<table id="zonder-tabel" class="sort"><thead><tr><th>KvK</th><th>Naam</th><th>Grootteklasse</th></tr></thead>
<tbody>{miss_rows}</tbody></table>
<script>{_JS}</script>
</body></html>
"""


def write_index(period_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write ``index.html`` for the batch in ``manifest`` into ``period_dir``; return its path."""
    from spiegel.io import write_text_atomic

    period = Period.parse(manifest["period"])
    made = [r["kvk"] for r in manifest.get("providers", []) if r.get("status") in ("gemaakt", "ongewijzigd")]
    flows = collect_flows(period_dir, made)
    previous = collect_flows(period_dir.parent / str(period.previous()))
    path = period_dir / INDEX_FILE
    write_text_atomic(path, render_index(manifest, flows, previous))
    return path


_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#1a1a1a}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{margin-top:2rem;border-bottom:2px solid #154273}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:right;vertical-align:top}
td.t,th{text-align:left}th{background:#eef2f7;position:sticky;top:0}
table.sort th{cursor:pointer}table.sort th:hover{background:#dde6f0}
tr.fout td{background:#fdecea}tr.wacht td{color:#888}
.klein{color:#555;font-size:.9em}input.zoek{padding:.3rem;width:22rem;max-width:100%}
a{color:#154273}nav{margin:.5rem 0}
"""

_JS = """
document.querySelectorAll('input.zoek').forEach(function(box){box.addEventListener('input',function(){
 var q=box.value.toLowerCase(),rows=document.getElementById(box.dataset.table).tBodies[0].rows;
 for(var i=0;i<rows.length;i++){rows[i].style.display=rows[i].textContent.toLowerCase().indexOf(q)<0?'none':'';}
});});
function key(t){var s=t.trim(),n=s.replace(/\\./g,'').replace(',','.').replace('%','');
 return s!==''&&!isNaN(n)?parseFloat(n):s.toLowerCase();}
document.querySelectorAll('table.sort').forEach(function(tb){var heads=tb.tHead.rows[tb.tHead.rows.length-1].cells;
 var offset=tb.tHead.rows.length>1?2:0;
 Array.prototype.forEach.call(tb.tHead.querySelectorAll('th'),function(th){th.addEventListener('click',function(){
  var col=th.parentNode===tb.tHead.rows[0]&&th.rowSpan>1?th.cellIndex:Array.prototype.indexOf.call(heads,th)+offset;
  if(th.colSpan>1)return;var body=tb.tBodies[0],rows=Array.prototype.slice.call(body.rows);
  var dir=th.dataset.dir==='a'?-1:1;th.dataset.dir=dir===1?'a':'d';
  rows.sort(function(a,b){var x=key(a.cells[col].textContent),y=key(b.cells[col].textContent);
   if(typeof x!==typeof y){x=String(x);y=String(y);}return x<y?-dir:x>y?dir:0;});
  rows.forEach(function(r){body.appendChild(r);});});});});
"""
