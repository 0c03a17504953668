"""The gemeenteoverzicht (SPEC §10): per gemeente and period, every provider that delivered trajectories for it.

Made from the exact per-gemeente tables the period's reports left in the period's work folder
(``spiegel.present.gemeentetabellen``), never by reading a delivery again. Per gemeente:

- one row per provider (named, unless the register says ``gemeenten_mogen_inzien = nee``: those are summed into
  one row "Overige aanbieders"), then the total over all providers, each with the previous period's trajecten;
- a table of the gemeente's total this period and the previous period, with the difference.

Protection is always ``cbs``: every cell, the total row included, is protected from the exact sum; a provider whose
counts are all secret is still shown, with ``.``. Nothing of a provider's validation (findings, row numbers) is
read or shown. Outputs per gemeente in ``<out>/<period>/gemeenten/<code>/``: ``gemeenteoverzicht.html``
(self-contained), ``gemeenteoverzicht.pdf``, ``gemeenteoverzicht.xlsx`` and ``tabellen/*.csv``; and
``<out>/<period>/gemeenten/overzicht.json``, which the period's index reads for its "Gemeenten" section.

Decisions (docs/gemeenteoverzicht.md): a report counts when its ``samenvatting.json`` names the same delivery
(SHA-256) as its tables; jongeren of the total are the sum over providers (a youth helped by two providers counts
twice: the per-provider tables cannot tell); a provider that delivered only in the previous period counts in the
previous period's total but gets no row.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from spiegel import __version__, codes, protect
from spiegel.formats import fmt_int
from spiegel.periods import Period
from spiegel.present import gemeentetabellen
from spiegel.present.report import SUMMARY_FILE

POLICY = "cbs"  # always: the overzicht leaves the providers (SPEC §10)
FOLDER = "gemeenten"
STEM = "gemeenteoverzicht"
LIST_FILE = "overzicht.json"
OVERIGE = "Overige aanbieders"
TOTAAL = "Totaal"
PREVIOUS = "vorige_trajecten_totaal"
FORMATS = ("html", "pdf", "xlsx", "csv")
PARALLEL_FROM = 40  # gemeenten from which make_overzichten writes in two processes (a national batch: 342)


@dataclass
class Provider:
    kvk: str
    naam: str
    inzien: bool
    rows: dict[str, list[int]]  # gemeente code → exact counts in the order of the columns


@dataclass
class PeriodTables:
    """The exact tables of one period's finished reports."""

    period: Period
    columns: dict[str, str] = field(default_factory=dict)  # key → Dutch label
    providers: list[Provider] = field(default_factory=list)

    def gemeenten(self) -> list[str]:
        return sorted({code for p in self.providers for code in p.rows})


def inzien_map(register: pd.DataFrame | None) -> dict[str, bool]:
    """KvK → may gemeenten see the provider by name (register column ``gemeenten_mogen_inzien``; missing or empty
    is ``ja``, as CBS lets a gemeente see the spiegelrapport of each provider that works for it)."""
    if register is None or "gemeenten_mogen_inzien" not in register.columns:
        return {}
    values = register["gemeenten_mogen_inzien"].astype(str).str.strip().str.lower()
    return {kvk: value != "nee" for kvk, value in zip(register["kvk"], values, strict=True)}


def collect(out_root: str | Path, period: Period | str, domain: str = "jeugdhulp",
            register: pd.DataFrame | None = None) -> PeriodTables:
    """The tables of every finished report of ``period`` in ``out_root``: a tables file counts when the report's
    ``samenvatting.json`` names the same delivery."""
    period = Period.parse(str(period))
    found = PeriodTables(period)
    folder = gemeentetabellen.tables_folder(out_root, str(period), domain)
    if not folder.is_dir():
        return found
    inzien = inzien_map(register)
    names = dict(zip(register["kvk"], register["naam"], strict=True)) if register is not None else {}
    for path in sorted(folder.glob("*.json")):
        content = gemeentetabellen.read_tables(path)
        if content is None or content.get("periode") != str(period):
            continue
        kvk = str(content["kvk"])
        if _report_sha(Path(out_root) / str(period) / kvk) != content.get("sha256"):
            continue  # not the finished report's delivery (a report being made again, or removed)
        columns = dict(content["kolommen"])
        if found.columns and columns != found.columns:
            continue  # another version's columns; the report is made again by the next batch
        found.columns = columns
        rows = {str(k): [int(v) for v in values] for k, values in content["gemeenten"].items()}
        found.providers.append(Provider(kvk, str(names.get(kvk, content.get("naam", kvk))), inzien.get(kvk, True),
                                        rows))
    return found


def _report_sha(report_dir: Path) -> str | None:
    try:
        summary = json.loads((report_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if summary.get("gemeente"):
        return None
    return (summary.get("levering") or {}).get("sha256")


# ------------------------------------------------------------------------------------------------ the tables


def _sum(rows: Iterable[list[int]], width: int) -> list[int]:
    total = [0] * width
    for values in rows:
        for i, v in enumerate(values):
            total[i] += v
    return total


def _protect(values: list[int]) -> list[object]:
    return protect.protect_values(values, POLICY)


@dataclass
class Overzicht:
    """One gemeente's overzicht: exact and protected rows (the protected ones are all that is shown)."""

    code: str
    naam: str
    period: Period
    columns: dict[str, str]
    exact: list[dict[str, Any]]  # per row: aanbieder, kvk, the columns and PREVIOUS (exact; never written)
    previous_total: list[int] | None  # the gemeente's total in the previous period over all providers

    def aanbieders(self) -> pd.DataFrame:
        """The provider rows, "Overige aanbieders" and the total, protected (``cbs``)."""
        keys = [*self.columns, PREVIOUS]
        out = []
        for row in self.exact:
            shown = dict(zip(keys, _protect([row[k] if row[k] is not None else 0 for k in keys]), strict=True))
            if row[PREVIOUS] is None:
                shown[PREVIOUS] = None
            out.append({"aanbieder": row["aanbieder"], "kvk": row["kvk"], **shown})
        return pd.DataFrame(out, columns=["aanbieder", "kvk", *keys])

    def totaal(self) -> pd.DataFrame:
        """The gemeente's total per measure, this period and the previous one, protected, with the difference."""
        now = _protect([self.exact[-1][k] for k in self.columns])
        before = _protect(self.previous_total) if self.previous_total is not None else [None] * len(now)
        return pd.DataFrame({
            "kengetal": list(self.columns),
            "label": list(self.columns.values()),
            "waarde": now,
            "vorige": before,
            "verschil": [protect.difference(n, b) for n, b in zip(now, before, strict=True)],
        })


def build(current: PeriodTables, previous: PeriodTables | None, code: str,
          names: dict[str, str] | None = None) -> Overzicht:
    """The overzicht of one gemeente from the exact tables of the period (and of the previous period)."""
    columns = current.columns
    width = len(columns)
    prev_col = _previous_column(previous)
    prev_rows = {p.kvk: p.rows.get(code) for p in previous.providers} if previous is not None else {}

    def prev_of(kvks: list[str]) -> int | None:
        if previous is None:
            return None
        return sum(prev_rows[k][prev_col] for k in kvks if prev_rows.get(k) is not None)

    named = sorted((p for p in current.providers if code in p.rows and p.inzien), key=lambda p: (p.naam, p.kvk))
    others = [p for p in current.providers if code in p.rows and not p.inzien]
    rows: list[dict[str, Any]] = []
    for p in named:
        rows.append({"aanbieder": p.naam, "kvk": p.kvk, **dict(zip(columns, p.rows[code], strict=True)),
                     PREVIOUS: prev_of([p.kvk])})
    if others:
        total = _sum((p.rows[code] for p in others), width)
        rows.append({"aanbieder": OVERIGE, "kvk": "", **dict(zip(columns, total, strict=True)),
                     PREVIOUS: prev_of([p.kvk for p in others])})
    everyone = [p for p in current.providers if code in p.rows]
    total = _sum((p.rows[code] for p in everyone), width)
    prev_total = None
    if previous is not None:
        prev_total = _sum((p.rows[code] for p in previous.providers if code in p.rows), width) \
            if previous.columns == columns else None
    prev_all = sum(p.rows[code][prev_col] for p in previous.providers if code in p.rows) \
        if previous is not None else None
    rows.append({"aanbieder": TOTAAL, "kvk": "", **dict(zip(columns, total, strict=True)), PREVIOUS: prev_all})
    naam = (names if names is not None else codes.gemeente_names(current.period.last_day)).get(code, code)
    return Overzicht(code, naam, current.period, dict(columns), rows, prev_total)


def _previous_column(previous: PeriodTables | None) -> int:
    if previous is None or not previous.columns:
        return 0
    return list(previous.columns).index("trajecten_totaal") if "trajecten_totaal" in previous.columns else 0


# ------------------------------------------------------------------------------------------------ the outputs


def _displays(o: Overzicht, titel: str) -> list[Any]:
    from spiegel.present.display import Paragraph, Table, Title

    label = o.period.label
    prev_label = o.period.previous().label
    aanbieders = o.aanbieders()
    n_named = sum(1 for r in o.exact if r["kvk"])
    has_others = any(r["aanbieder"] == OVERIGE for r in o.exact)
    facts = {
        "Gemeente": f"{o.naam} ({o.code})",
        "Periode": f"{label} ({o.period.span_label})",
        "Aanbieders": f"{fmt_int(n_named)} met naam" + (f", en {OVERIGE.lower()}" if has_others else ""),
        "Bescherming": protect.describe_policy(POLICY),
        "Gemaakt met": f"spiegel {__version__}",
    }
    labels = {"aanbieder": "Aanbieder", "kvk": "KvK", **o.columns, PREVIOUS: f"Trajecten {prev_label}"}
    totaal = o.totaal()
    return [
        Title(f"Gemeenteoverzicht {titel} — {o.naam}", f"{o.naam} ({o.code}) · {label}", facts=facts,
              header=f"Gemeenteoverzicht {titel} · {o.naam} · {label}"),
        Paragraph(
            f"Dit overzicht verdeelt de {titel} van de gemeente over de aanbieders die voor haar trajecten "
            "aanleverden: per aanbieder trajecten (beginstand, instroom, uitstroom, eindstand en totaal in de "
            "periode), jongeren, en trajecten zonder en met verblijf, met het totaal over alle aanbieders en de "
            "vorige periode. Het is gemaakt uit de tellingen van de spiegelrapporten van deze periode.",
            "Alle aantallen zijn afgeschermd (zie Bescherming). Ook het totaal is berekend uit de exacte aantallen "
            "en daarna afgeschermd, dus de rijen tellen niet precies op tot het totaal. "
            "Een aanbieder waarvan alle aantallen geheim zijn, staat er toch in, met een punt.",
            f"Aanbieders die in het register niet door gemeenten ingezien mogen worden, staan samen in de rij "
            f"\u201c{OVERIGE}\u201d. Jongeren in de totaalrij zijn opgeteld over de aanbieders: een jongere die bij "
            "twee aanbieders hulp kreeg, telt twee keer.",
        ),
        Table(aanbieders, f"Trajecten en jongeren per aanbieder, {label}", columns=list(aanbieders.columns),
              column_labels=labels, formats={"kvk": "text"}, number_columns=[*o.columns, PREVIOUS],
              total_label=TOTAAL),
        Table(totaal, f"Totaal over alle aanbieders: {label} en {prev_label}",
              columns=["label", "waarde", "vorige", "verschil"],
              column_labels={"label": "Kengetal", "waarde": label, "vorige": prev_label, "verschil": "Verschil"},
              number_columns=["waarde", "vorige", "verschil"], total_label=None,
              note=None if o.previous_total is not None else
              f"Geen spiegelrapporten van {prev_label} in deze uitvoermap: vergelijking niet beschikbaar."),
    ]


def _notebook(displays: list[Any]) -> Any:
    import nbformat

    outputs = []
    for item in displays:
        data, metadata = item._repr_mimebundle_()
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata))
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=outputs)])


def write_overzicht(o: Overzicht, folder: Path, formats: tuple[str, ...] = FORMATS, titel: str = "jeugdhulp",
                    settings: Any = None) -> dict[str, str]:
    """Write one gemeente's outputs into ``folder``; return ``{format: file name relative to folder}``."""
    from spiegel.export import write_csvs, write_xlsx

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    tables = {"aanbieders": o.aanbieders(), "totaal": o.totaal()}
    if "xlsx" in formats:
        write_xlsx(tables, folder / f"{STEM}.xlsx", descriptions={
            "aanbieders": "Per aanbieder: trajecten (vier stromen en totaal), jongeren, zonder en met verblijf, "
                          "trajecten vorige periode; afgeschermd (cbs)",
            "totaal": "Totaal over alle aanbieders, deze en vorige periode; afgeschermd (cbs)"})
        files["xlsx"] = f"{STEM}.xlsx"
    if "csv" in formats:
        write_csvs(tables, folder / "tabellen")
        files["csv"] = "tabellen"
    documents = tuple(f for f in formats if f in ("html", "pdf"))
    if documents:
        from spiegel.render import render_notebook

        rendered = render_notebook(_notebook(_displays(o, titel)), folder, formats=documents,
                                   renderer="builtin", stem=STEM, settings=settings)
        files.update({k: Path(v).name for k, v in rendered.items()})
    return files


@dataclass
class Result:
    period: str
    folder: Path
    gemeenten: list[dict[str, Any]]
    elapsed: float

    def summary_line(self) -> str:
        return (f"gemeenteoverzichten {self.period}: {fmt_int(len(self.gemeenten))} gemeenten in "
                f"{self.elapsed:.1f} s; {self.folder}")


def make_overzichten(
    out_root: str | Path, period: Period | str, *, register: pd.DataFrame | None = None,
    gemeenten: Iterable[str] | None = None, formats: tuple[str, ...] = FORMATS, domain: str = "jeugdhulp",
    workers: int | None = None,
) -> Result:
    """Make the gemeenteoverzichten of a period (of every gemeente with a provider, or of ``gemeenten``) into
    ``<out>/<period>/gemeenten/`` and update its list (``overzicht.json``) for the index. ``workers``: processes
    that write the outputs (default: two from :data:`PARALLEL_FROM` gemeenten on, else this process)."""
    from spiegel import domains
    from spiegel.io import write_text_atomic
    from spiegel.render import find_settings, load_settings

    clock = time.perf_counter()
    period = Period.parse(str(period))
    titel = domains.get(domain).titel
    current = collect(out_root, period, domain, register)
    previous_tables = collect(out_root, period.previous(), domain, register)
    previous = previous_tables if previous_tables.providers else None
    folder = Path(out_root) / str(period) / FOLDER
    wanted = current.gemeenten() if gemeenten is None else list(gemeenten)
    settings = load_settings(find_settings(None))
    listing = _read_listing(folder) if gemeenten is not None else {}
    names = codes.gemeente_names(period.last_day)
    built = [build(current, previous, code, names) for code in wanted]
    tasks = [(o, folder / o.code, formats, titel, settings) for o in built]
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(tasks) >= PARALLEL_FROM else 1
    if workers > 1 and len(tasks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # forkserver, as the batch's pool: no thread of this process (vl-convert's) is copied into a worker
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
            written = list(pool.map(_write_task, tasks, chunksize=max(1, len(tasks) // (8 * workers))))
    else:
        written = [_write_task(task) for task in tasks]
    for o, files in zip(built, written, strict=True):
        code = o.code
        total = o.aanbieders().iloc[-1]
        listing[code] = {"gemeente": code, "naam": o.naam, "aanbieders": sum(1 for r in o.exact if r["kvk"]),
                         "overige": any(r["aanbieder"] == OVERIGE for r in o.exact),
                         "trajecten_totaal": total.get("trajecten_totaal"),
                         "bestanden": {k: f"{code}/{v}" for k, v in files.items()}}
    folder.mkdir(parents=True, exist_ok=True)
    rows = [listing[c] for c in sorted(listing)]
    write_text_atomic(folder / LIST_FILE, json.dumps(
        {"periode": str(period), "domein": domain, "bescherming": POLICY, "gemeenten": rows},
        ensure_ascii=False, indent=1, default=_jsonable))
    return Result(str(period), folder, rows, time.perf_counter() - clock)


def _write_task(task: tuple) -> dict[str, str]:
    return write_overzicht(*task)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(type(value).__name__)


def _read_listing(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        content = json.loads((folder / LIST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {row["gemeente"]: row for row in content.get("gemeenten", [])}


# ------------------------------------------------------------------------------------------------ the index


def index_section(period_dir: Path, suffix: str = "") -> str:
    """The "Gemeenten" section of the period's index: every gemeenteoverzicht with links and a search box; empty
    when the period has none."""
    listing = _read_listing(period_dir / FOLDER)
    if not listing:
        return ""
    rows = []
    for row in (listing[c] for c in sorted(listing)):
        files = row.get("bestanden") or {}
        links = " ".join(f"<a href='{FOLDER}/{escape(files[k])}'>{label}</a>"
                         for k, label in (("html", "HTML"), ("pdf", "PDF"), ("xlsx", "XLSX")) if files.get(k))
        total = row.get("trajecten_totaal")
        rows.append(f"<tr><td>{escape(row['gemeente'])}</td><td class='t'>{escape(row['naam'])}</td>"
                    f"<td>{fmt_int(row.get('aanbieders', 0))}{' + overige' if row.get('overige') else ''}</td>"
                    f"<td>{escape(total if isinstance(total, str) else fmt_int(total))}</td>"
                    f"<td class='t'>{links}</td></tr>")
    return f"""<h2 id="gemeenten{suffix}">Gemeenten</h2>
<p class="klein">Het gemeenteoverzicht per gemeente: alle aanbieders die voor de gemeente aanleverden, met het
totaal en de vorige periode. Afgeschermd volgens de CBS-regel (veelvouden van 5, 0 t/m 7 als punt):
bestemd voor de gemeente.</p>
<input type="search" class="zoek" data-table="gemeenten-tabel{suffix}" placeholder="Zoek op code of naam…"
 aria-label="Zoek gemeente">
<table id="gemeenten-tabel{suffix}" class="sort"><thead><tr><th>Code</th><th>Gemeente</th><th>Aanbieders</th>
<th>Trajecten (afgeschermd)</th><th>Overzicht</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
"""
