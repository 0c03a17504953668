"""Findings of a validation: a tidy table, a summary per rule, JSON (schema in ``findings.schema.json``) and
a readable Dutch text.

A finding holds a rule code, severity, group, the columns involved, the number of rows and the first row
numbers, the Dutch message and advice, and optionally a Dutch detail made of counts and codes. Never a value
from a row: the findings are built from row positions only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spiegel.formats import fmt_int
from spiegel.validate.context import Settings

SCHEMA_ID = "spiegel-validatie/1"
TABLE_COLUMNS = [
    "regel", "ernst", "groep", "kolommen", "aantal", "rijen", "bestand", "melding", "advies", "toelichting",
]
SUMMARY_COLUMNS = ["regel", "ernst", "groep", "kolommen", "aantal", "rijen", "bestand", "melding", "advies"]
_ERNST_ORDER = {"fout": 0, "waarschuwing": 1}


@dataclass(frozen=True)
class Finding:
    regel: str
    ernst: str
    groep: str
    kolommen: tuple[str, ...]
    aantal: int
    rijen: tuple[int, ...]  # the first row numbers (at most Settings.max_rows_shown)
    melding: str
    advies: str
    bestand: str = "huidig"  # huidig: row numbers in the validated file; vorig: in the previous period's file
    toelichting: str | None = None
    alle_rijen: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False, compare=False)
    gegevensset: str | None = None  # the record set (sheet) the rows are in, for layouts of several sets

    def to_dict(self) -> dict[str, Any]:
        out = {
            "regel": self.regel,
            "ernst": self.ernst,
            "groep": self.groep,
            "kolommen": list(self.kolommen),
            "aantal": int(self.aantal),
            "rijen": [int(r) for r in self.rijen],
            "bestand": self.bestand,
            "melding": self.melding,
            "advies": self.advies,
            "toelichting": self.toelichting,
        }
        if self.gegevensset is not None:
            out["gegevensset"] = self.gegevensset
        return out


@dataclass(frozen=True)
class DeliveryInfo:
    """Which file was validated (path, hash, number of records); never its contents."""

    bestand: str
    sha256: str | None = None
    records: int | None = None
    periode: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"bestand": self.bestand, "sha256": self.sha256, "records": self.records, "periode": self.periode}


@dataclass
class Findings:
    items: list[Finding]
    levering: DeliveryInfo
    periode: str
    protocolversie: str | None
    vorige: DeliveryInfo | None = None
    niet_uitgevoerd: list[tuple[str, str]] = field(default_factory=list)  # (rule code, Dutch reason)
    settings: Settings = field(default_factory=Settings)
    regels: tuple[str, ...] = ()  # codes of the rules that ran, in catalogue order

    # --- status ---------------------------------------------------------------------------------------------

    @property
    def has_errors(self) -> bool:
        return any(f.ernst == "fout" for f in self.items)

    @property
    def has_warnings(self) -> bool:
        return any(f.ernst == "waarschuwing" for f in self.items)

    @property
    def exit_status(self) -> int:
        """0 clean, 1 warnings only, 2 errors (an unreadable file is an error of the file group)."""
        return 2 if self.has_errors else 1 if self.has_warnings else 0

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def codes(self) -> set[str]:
        return {f.regel for f in self.items}

    def groups(self) -> set[str]:
        return {f.groep for f in self.items}

    def rows(self, code: str, gegevensset: str | None = None) -> np.ndarray:
        """All row numbers of one rule (validated file, or the previous file for JH-C01), sorted; in a layout of
        several record sets, of the rule's findings in one set."""
        parts = [f.alle_rijen for f in self.items if f.regel == code and f.gegevensset == gegevensset]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def rows_affected(self, ernst: str) -> int:
        """How many distinct rows of the validated file have a finding of this severity (rows of the previous
        period's file, as JH-C01 names them, are not counted; in a layout of several record sets, rows per set)."""
        seen: dict[str | None, list[np.ndarray]] = {}
        for f in self.items:
            if f.ernst == ernst and f.bestand == "huidig" and len(f.alle_rijen):
                seen.setdefault(f.gegevensset, []).append(f.alle_rijen)
        return sum(len(np.unique(np.concatenate(parts))) for parts in seen.values())

    # --- tables ---------------------------------------------------------------------------------------------

    @property
    def table(self) -> pd.DataFrame:
        """One row per finding: a rule over a column (or a gemeente, or a merged code)."""
        records = []
        for f in self.items:
            d = f.to_dict()
            d["kolommen"] = ", ".join(f.kolommen)
            d["rijen"] = list(d["rijen"])
            records.append(d)
        frame = pd.DataFrame.from_records(records, columns=TABLE_COLUMNS)
        return frame.astype({"aantal": "int64"})

    def summary(self) -> pd.DataFrame:
        """One row per rule with findings: distinct rows over its findings, the first row numbers, fouten first.
        (In a layout of several record sets, one row per rule and set, with the column ``gegevensset``.)"""
        by_rule: dict[tuple[str, str | None], list[Finding]] = {}
        for f in self.items:
            by_rule.setdefault((f.regel, f.gegevensset), []).append(f)
        records = []
        for (code, gegevensset), group in by_rule.items():
            first = group[0]
            columns = list(dict.fromkeys(c for f in group for c in f.kolommen))
            rows = self.rows(code, gegevensset)
            shown = [int(r) for r in rows[: self.settings.max_rows_shown]]
            aantal = len(rows) if len(rows) else sum(f.aantal for f in group)
            records.append(
                {
                    "regel": code,
                    "ernst": first.ernst,
                    "groep": first.groep,
                    "kolommen": ", ".join(columns),
                    "aantal": int(aantal),
                    "rijen": shown,
                    "bestand": first.bestand,
                    "melding": first.melding,
                    "advies": first.advies,
                    "gegevensset": gegevensset,
                }
            )
        several = any(key[1] is not None for key in by_rule)
        columns = [*SUMMARY_COLUMNS, "gegevensset"] if several else SUMMARY_COLUMNS
        frame = pd.DataFrame.from_records(records, columns=columns)
        return frame.astype({"aantal": "int64"})

    # --- JSON -----------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        errors = {f.regel for f in self.items if f.ernst == "fout"}
        warnings = {f.regel for f in self.items if f.ernst == "waarschuwing"}
        return {
            "schema": SCHEMA_ID,
            "levering": self.levering.to_dict(),
            "periode": self.periode,
            "protocolversie": self.protocolversie,
            "vorige_levering": self.vorige.to_dict() if self.vorige else None,
            "instellingen": self.settings.to_dict(),
            "uitkomst": {
                "exitstatus": self.exit_status,
                "regels_met_fout": len(errors),
                "regels_met_waarschuwing": len(warnings),
            },
            "regels_uitgevoerd": list(self.regels),
            "niet_uitgevoerd": [{"regel": code, "reden": reason} for code, reason in self.niet_uitgevoerd],
            "bevindingen": [f.to_dict() for f in self.items],
            "samenvatting": [
                {**row, "rijen": [int(r) for r in row["rijen"]], "aantal": int(row["aantal"])}
                for row in self.summary().to_dict(orient="records")
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    # --- text -----------------------------------------------------------------------------------------------

    def to_text(self) -> str:
        """The readable Dutch report of ``spiegel validate``."""
        from spiegel.periods import Period

        lines = [f"Validatie van {self.levering.bestand}"]
        try:
            period_text = f"{Period.parse(self.periode).label} ({self.periode})"
        except Exception:
            period_text = self.periode
        head = f"Periode: {period_text}"
        if self.protocolversie:
            head += f"; protocolversie {self.protocolversie}"
        if self.levering.records is not None:
            head += f"; {fmt_int(self.levering.records)} records"
        lines.append(head)
        if self.vorige is not None:
            extra = f", {fmt_int(self.vorige.records)} records" if self.vorige.records is not None else ""
            lines.append(f"Vergeleken met: {self.vorige.bestand} ({self.vorige.periode}{extra})")
        by_reason: dict[str, list[str]] = {}
        for code, reason in self.niet_uitgevoerd:
            by_reason.setdefault(reason, []).append(code)
        for reason, rule_codes in by_reason.items():
            lines.append(f"Niet uitgevoerd: {', '.join(rule_codes)} ({reason})")
        lines.append("")
        summary = self.summary()
        if summary.empty:
            lines.append("Uitkomst: geen fouten en geen waarschuwingen.")
            return "\n".join(lines) + "\n"
        n_err = int((summary["ernst"] == "fout").sum())
        n_warn = int((summary["ernst"] == "waarschuwing").sum())
        lines.append(f"Uitkomst: {outcome_text(self, n_err, n_warn)}.")
        for ernst, title in (("fout", "Fouten"), ("waarschuwing", "Waarschuwingen")):
            part = [f for f in self.items if f.ernst == ernst]
            if not part:
                continue
            lines += ["", title]
            for f in part:
                lines.extend(self._finding_lines(f))
        return "\n".join(lines) + "\n"

    def _finding_lines(self, f: Finding) -> list[str]:
        parts = [f"gegevensset {f.gegevensset}"] if f.gegevensset else []
        if f.kolommen:
            parts.append(("kolom " if len(f.kolommen) == 1 else "kolommen ") + ", ".join(f.kolommen))
        if f.aantal:
            where = "rij" if f.aantal == 1 else "rijen"
            if f.bestand == "vorig":
                where += " in het bestand van de vorige periode"
            shown = ", ".join(fmt_int(r) for r in f.rijen)
            more = ", …" if f.aantal > len(f.rijen) else ""
            parts.append(f"{fmt_int(f.aantal)} {where}" + (f": {shown}{more}" if f.rijen else ""))
        out = [f"  {f.regel}  {f.melding}"]
        if parts:
            out.append("           " + "; ".join(parts))
        if f.toelichting:
            out.append(f"           {f.toelichting}")
        out.append(f"           Advies: {f.advies}")
        return out


def controles(n: int) -> str:
    """``1 controle``, ``29 controles``: a number of validation rules (not of lines of the file)."""
    return f"{fmt_int(n)} controle" if n == 1 else f"{fmt_int(n)} controles"


def rijen(n: int) -> str:
    return f"{fmt_int(n)} rij" if n == 1 else f"{fmt_int(n)} rijen"


def _severity_text(findings: Findings, n: int, ernst: str) -> str:
    text = f"{controles(n)} met een {ernst}"
    rows = findings.rows_affected(ernst) if n else 0
    return text + (f" (in {rijen(rows)})" if rows else "")


def outcome_text(findings: Findings, errors: int, warnings: int) -> str:
    """``29 controles met een fout (in 58 rijen), 6 controles met een waarschuwing (in 70 rijen)``."""
    return f"{_severity_text(findings, errors, 'fout')}, {_severity_text(findings, warnings, 'waarschuwing')}"


def warning_text(findings: Findings, warnings: int) -> str:
    """``6 controles met een waarschuwing (in 70 rijen)``."""
    return _severity_text(findings, warnings, "waarschuwing")


def sort_key(order: dict[str, int]):
    def key(f: Finding) -> tuple:
        return (_ERNST_ORDER[f.ernst], order.get(f.regel, 10_000), f.kolommen, f.toelichting or "")

    return key
