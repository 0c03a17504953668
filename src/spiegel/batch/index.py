"""``outputs/<period>/index.html``: one self-contained page for reviewers.

Every provider of the batch with its status, validation counts and links to its HTML, PDF and XLSX (relative links,
so the folder can be copied or zipped); the domain's national overview (jeugdhulp: totals over all providers per
hulpvorm group and per gemeente, compared with the previous period when its reports are in the same output folder;
``Domain.overview``); and the registered providers without a delivery. Inline CSS and a few lines of inline
JavaScript for sorting and searching: no external request, works from a USB stick. Rows are plain table rows so
5,000 providers stay a page of about a megabyte.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from spiegel.formats import fmt_int, fmt_local_datetime
from spiegel.periods import Period
from spiegel.present.report import SUMMARY_FILE
from spiegel.safetext import printable

INDEX_FILE = "index.html"
#: What the page says about a batch that has not finished (its manifest's status); nothing once it is ``klaar``.
_STATE = {"bezig": "Tussenstand: de batch liep nog toen deze pagina werd geschreven. Is hij gestopt, hervat dan "
                   "met spiegel batch --resume.",
          "onderbroken": "De batch is onderbroken; hervat met spiegel batch --resume."}
STATUS_CLASS = {"gemaakt": "ok", "ongewijzigd": "ok", "mislukt": "fout", "wachtend": "wacht"}


def read_summaries(
    period_dir: Path, kvks: list[str] | None = None, notebook: str | None = None
) -> list[dict[str, Any]]:
    """The ``samenvatting.json`` of every finished report in ``period_dir`` (of ``kvks``, or of every folder; with
    ``notebook``, only the reports of the domain whose executed notebook has that name)."""
    if not period_dir.exists():
        return []
    folders = [period_dir / k for k in kvks] if kvks is not None else sorted(p for p in period_dir.iterdir()
                                                                              if p.is_dir())
    out = []
    for folder in folders:
        if not (folder / ".done.json").exists():
            continue  # unfinished or failed: not counted
        if notebook is not None and not (folder / notebook).exists():
            continue  # another domain's report
        try:
            out.append(json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError):
            continue
    return out


def _text(value: str) -> str:
    """Text for the page: HTML-escaped, with any control or bidi character shown as U+FFFD (names are checked when
    read; this also covers a manifest written by an older version and messages naming a file)."""
    return escape(printable(str(value)))


def _num(value: int | None) -> str:
    return "" if value is None else fmt_int(value)


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
        if outputs.get("vervangen"):  # the report of the delivery a herlevering replaced (SPEC §11)
            links.append(f"<a href='{kvk}/{escape(outputs['vervangen'])}'>vervangen rapport</a>")
        summary = r.get("summary") or {}
        status_text = status
        if (summary.get("levering") or {}).get("correctie"):
            status_text = f"{status} · herlevering"
        val = summary.get("validatie") or {}
        message = ""
        if status == "mislukt":
            message = f"{r.get('stage') or ''}: {r.get('error_type') or ''} — {r.get('message') or ''}"
        css = STATUS_CLASS.get(status, "")
        if val.get("fouten"):  # a report whose delivery has errors stands out (issue 26)
            css = f"{css} metfouten".strip()
        rows.append(
            f"<tr class='{css}'><td>{kvk}</td><td class='t'>{_text(r.get('naam', ''))}</td>"
            f"<td class='t'>{escape(status_text)}</td><td>{_num(val.get('fouten'))}</td>"
            f"<td>{_num(val.get('waarschuwingen'))}</td><td class='t'>{' '.join(links)}</td>"
            f"<td class='t'>{_text(message)}</td></tr>"
        )
    return "".join(rows)


def _with_errors(records: list[dict[str, Any]]) -> int:
    return sum(1 for r in records if ((r.get("summary") or {}).get("validatie") or {}).get("fouten"))


def manifest_file(domain: str, suffix: str = ".json") -> str:
    """The name of a domain's latest manifest beside the period's index: ``manifest.json`` for jeugdhulp (the name it
    always had), ``manifest-<domain>.json`` for the others (their batches share the period's folder)."""
    return f"manifest{suffix}" if domain == "jeugdhulp" else f"manifest-{domain}{suffix}"


def _section(manifest: dict[str, Any], overview: str, titel: str, suffix: str, level: int) -> str:
    """One domain's part of the page: its providers, national overview and registered providers without a delivery;
    ``suffix`` keeps element ids apart when the page holds several domains, ``level`` is its headings' level."""
    records = manifest.get("providers", [])
    counts = manifest.get("counts", {})
    missing = manifest.get("missing", [])
    miss_rows = "".join(f"<tr><td>{escape(m['kvk'])}</td><td class='t'>{_text(m['naam'])}</td>"
                        f"<td class='t'>{escape(m.get('grootteklasse', ''))}</td></tr>" for m in missing)
    key_figures = " · ".join(
        f"{escape(label)}: <b>{fmt_int(counts.get(key, 0))}</b>"
        for key, label in (("gemaakt", "gemaakt"), ("ongewijzigd", "ongewijzigd"), ("mislukt", "mislukt"),
                           ("geen levering", "geen levering"))
    )
    h = f"h{level}"
    state = _STATE.get(manifest.get("status", ""), "")
    updated = fmt_local_datetime(manifest.get("updated"))  # Dutch local time, not ISO UTC
    return f"""<p class="klein">batch {escape(manifest.get('batch_id', ''))} ·
code {escape(str(manifest.get('code_version', '')))} · bijgewerkt {escape(updated)}</p>
{f'<p class="staat"><b>{state}</b></p>' if state else ''}
<p>{key_figures}</p>
<p class="klein">Aanbieders met fouten in de aanlevering: <b>{fmt_int(_with_errors(records))}</b> (kolom Fouten
gemarkeerd; het aantal is het aantal controles met een fout).</p>
<nav><a href="#aanbieders{suffix}">Aanbieders</a> · <a href="#landelijk{suffix}">Landelijk overzicht</a> ·
<a href="#zonder{suffix}">Zonder levering</a></nav>
<{h} id="aanbieders{suffix}">Aanbieders</{h}>
<input type="search" class="zoek" data-table="aanb{suffix}" placeholder="Zoek op KvK, naam of status…"
 aria-label="Zoek aanbieder">
<table id="aanb{suffix}" class="sort"><thead><tr><th>KvK</th><th>Naam</th><th>Status</th><th>Fouten</th>
<th>Waarschuwingen</th><th>Rapport</th><th>Melding</th></tr></thead>
<tbody>{_provider_rows(records)}</tbody></table>
<{h} id="landelijk{suffix}">Landelijk overzicht</{h}>
<p class="klein">Som over alle gemaakte rapporten van deze periode; exacte aantallen, zonder afscherming.</p>
{overview}
<{h} id="zonder{suffix}">Geregistreerd zonder levering ({fmt_int(len(missing))})</{h}>
<table id="zonder-tabel{suffix}" class="sort"><thead><tr><th>KvK</th><th>Naam</th><th>Grootteklasse</th></tr></thead>
<tbody>{miss_rows}</tbody></table>
"""


def render_index(manifest: dict[str, Any], overview: str, titel: str = "jeugdhulp") -> str:
    """The page of one domain's batch: ``overview`` is the domain's national overview (HTML), ``titel`` its Dutch
    name."""
    return render_period_index(Period.parse(manifest["period"]), [(manifest, overview, titel, "")])


def render_period_index(period: Period, parts: list[tuple[dict[str, Any], str, str, str]],
                        others: list[Period] | None = None) -> str:
    """The page of a period: per domain (manifest, overview HTML, Dutch title, id suffix) a section; with one
    domain the page is that domain's. ``others``: periods beside it in the output folder with an index of their own
    (jeugdreclassering's quarters beside the half-years), linked at the top."""
    if len(parts) == 1:
        manifest, overview, titel, suffix = parts[0]
        heading = f"Spiegelrapporten {escape(titel)} — {escape(period.label)}"
        body = _section(manifest, overview, titel, suffix, 2)
    else:
        heading = f"Spiegelrapporten — {escape(period.label)}"
        links = " · ".join(f'<a href="#domein{suffix}">{escape(titel)}</a>' for _, _, titel, suffix in parts)
        body = f"<nav>Domeinen: {links}</nav>\n" + "".join(
            f'<h2 id="domein{suffix}">{escape(titel[:1].upper() + titel[1:])}</h2>\n'
            + _section(manifest, overview, titel, suffix, 3)
            for manifest, overview, titel, suffix in parts
        )
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spiegelrapporten {escape(period.label)} — overzicht</title>
<style>{_CSS}</style></head><body>
<h1>{heading}</h1>
<p class="klein">Periode {escape(period.span_label)}</p>
{_other_periods(others or [])}{body}<script>{_JS}</script>
</body></html>
"""


def _other_periods(others: list[Period]) -> str:
    if not others:
        return ""
    links = " · ".join(f'<a href="../{p}/{INDEX_FILE}">{escape(p.label)}</a>' for p in sorted(others))
    return f"<nav>Andere perioden: {links}</nav>\n"


def other_periods(period_dir: Path) -> list[Period]:
    """The periods beside ``period_dir`` in its output folder that have an index."""
    out = []
    for folder in sorted(period_dir.parent.iterdir()) if period_dir.parent.exists() else []:
        if folder == period_dir or not (folder / INDEX_FILE).exists():
            continue
        try:
            out.append(Period.parse(folder.name))
        except Exception:
            continue
    return out


def _overview(domain: Any, period_dir: Path, manifest: dict[str, Any]) -> str:
    period = Period.parse(manifest["period"])
    made = [r["kvk"] for r in manifest.get("providers", []) if r.get("status") in ("gemaakt", "ongewijzigd")]
    if not domain.overview:
        return "<p>Geen landelijk overzicht voor dit domein.</p>"
    previous = _previous_summaries(domain, period_dir.parent / str(period.previous()))
    return domain.part(domain.overview)(period, read_summaries(period_dir, made), previous)


def _previous_summaries(domain: Any, folder: Path) -> list[dict[str, Any]]:
    """Every finished report of the domain in the previous period's folder."""
    return read_summaries(folder, notebook=Path(domain.notebook).name)


def write_index(period_dir: Path, manifest: dict[str, Any] | None = None) -> Path:
    """Write ``index.html`` of the period into ``period_dir``; return its path. It shows every domain whose latest
    manifest lies in the folder (``manifest`` is the batch just finished, in place of its domain's file), each with
    its national overview (``Domain.overview``) from the summaries of its finished reports."""
    from spiegel import domains
    from spiegel.io import write_text_atomic

    manifests: dict[str, dict[str, Any]] = {}
    for name in domains.names():
        try:
            manifests[name] = json.loads((period_dir / manifest_file(name)).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            continue
    if manifest is not None:
        manifests[manifest.get("domain") or "jeugdhulp"] = manifest
    if not manifests:
        raise ValueError(f"no manifest in {period_dir}")
    period = Period.parse(next(iter(manifests.values()))["period"])
    parts = []
    for name, found in manifests.items():
        domain = domains.get(name)
        suffix = "" if len(manifests) == 1 else f"-{name}"
        parts.append((found, _overview(domain, period_dir, found), domain.titel, suffix))
    path = period_dir / INDEX_FILE
    page = render_period_index(period, parts, other_periods(period_dir))
    from spiegel.batch.gemeenteoverzicht import index_section  # the "Gemeenten" section (SPEC §10)

    gemeenten = index_section(period_dir)
    if gemeenten:
        page = page.replace("<script>", gemeenten + "<script>", 1).replace(
            "</h1>", '</h1>\n<nav><a href="#gemeenten">Gemeenten</a></nav>', 1)
    write_text_atomic(path, page)
    return path


_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#1a1a1a}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{margin-top:2rem;border-bottom:2px solid #154273}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:right;vertical-align:top}
td.t,th{text-align:left}th{background:#eef2f7;position:sticky;top:0}
table.sort th{cursor:pointer}table.sort th:hover{background:#dde6f0}
tr.fout td{background:#fdecea}tr.wacht td{color:#888}
tr.metfouten td:nth-child(4){background:#fdecea;color:#8a1c1c;font-weight:bold}
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
