"""The rule engine: rule declarations, the registry of logic checks, and running a rule set over a delivery.

A rule is one small declaration (:class:`Rule`) read from the domain's rule file (``jeugdhulp.yaml``):
a stable code, a severity (``fout`` / ``waarschuwing``), a group, a Dutch message and advice, the columns
involved and the protocol versions it applies to. How it is checked depends on ``soort``:

* simple checks (format, code list, required, required-if, ...) are *data*: the engine translates them into
  one pandera ``DataFrameSchema`` per rule set (:func:`pandera_schema`; with ``validate(lazy=True)`` its
  failure table (column, check, index) maps to findings, the ``failure_case`` column with the offending value
  dropped at once) and into per-row predicates for small deliveries; :func:`run_data_rules` says which runs
  when, and a test holds the ways to the same result. Findings carry row numbers, never values.
* checks that need logic are small functions registered with :func:`logic` under the rule's code; they get
  a :class:`~spiegel.validate.context.Context` and return a boolean mask over the rows (or :class:`Hit`\\ s
  when one rule yields several findings or refers to another file).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from spiegel import codes, layouts
from spiegel.io import parse_yaml
from spiegel.read import FILE_RULES

ERNST = ("fout", "waarschuwing")
GROEPEN = {
    "bestand": "Bestand",
    "velden": "Velden",
    "datums": "Datums",
    "records": "Records",
    "volledigheid": "Volledigheid",
}
DATA_SOORTEN = ("verplicht", "formaat", "codelijst", "datum", "minstens_een", "verplicht_als", "leeg_als", "als_dan")
SOORTEN = ("bestand", "logica", *DATA_SOORTEN)
_CODE = re.compile(r"^[A-Z]{2}-[A-Z]\d{2}$")


@dataclass(frozen=True)
class Hit:
    """One finding produced by a logic check: row numbers (``rij``) of the file named by ``bestand``."""

    rows: np.ndarray
    kolommen: tuple[str, ...] | None = None  # None: the rule's columns
    toelichting: str | None = None  # Dutch detail; counts and codes only, never a value from a row
    bestand: str = "huidig"  # huidig | vorig (row numbers in the previous period's file)


CheckResult = np.ndarray | Iterable[Hit]
CheckFunction = Callable[[Any], CheckResult]


@dataclass(frozen=True)
class Rule:
    code: str
    ernst: str
    groep: str
    melding: str
    advies: str
    kolommen: tuple[str, ...]
    protocolversies: tuple[str, ...]
    soort: str
    domein: str = "jeugdhulp"
    params: Mapping[str, Any] = field(default_factory=dict)
    toelichting: str | None = None
    check: CheckFunction | None = None  # logic rules only
    needs_previous: bool = False  # logic rules that compare with the previous period's delivery

    @property
    def is_data(self) -> bool:
        return self.soort in DATA_SOORTEN


# --- registry of logic checks ----------------------------------------------------------------------------

_LOGIC: dict[str, tuple[CheckFunction, bool]] = {}


def logic(code: str, *, needs_previous: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register the check function of the logic rule ``code`` (declared with ``soort: logica``)."""

    def register(fn: CheckFunction) -> CheckFunction:
        if code in _LOGIC:
            raise ValueError(f"logic check {code} registered twice")
        _LOGIC[code] = (fn, needs_previous)
        return fn

    return register


def _load_logic(domein: str) -> None:
    import importlib

    importlib.import_module(f"spiegel.validate.{domein}")


# --- loading rule sets -----------------------------------------------------------------------------------


@cache
def _rule_file(domein: str) -> dict[str, Any]:
    with (resources.files("spiegel.validate") / f"{domein}.yaml").open(encoding="utf-8") as fh:
        return parse_yaml(fh)


@cache
def all_rules(domein: str = "jeugdhulp") -> tuple[Rule, ...]:
    """Every rule of a domain, in catalogue order, whatever its protocol versions."""
    _load_logic(domein)
    raw = _rule_file(domein)
    default_versions = tuple(str(v) for v in raw.get("protocolversies", ()))
    base_keys = {"code", "ernst", "groep", "melding", "advies", "kolommen", "protocolversies", "soort", "toelichting"}
    rules = []
    for entry in raw["regels"]:
        code = entry["code"]
        soort = entry["soort"]
        melding = entry.get("melding") or FILE_RULES.get(code)
        if melding is None:
            raise ValueError(f"rule {code} has no melding")
        check, needs_previous = (None, False)
        if soort == "logica":
            if code not in _LOGIC:
                raise ValueError(f"rule {code} is declared as logica but no check is registered")
            check, needs_previous = _LOGIC[code]
        kolommen = tuple(entry.get("kolommen") or ())
        if soort == "verplicht" and not kolommen:
            kolommen = tuple(c.naam for c in layouts.load(raw["domein"]).kolommen if c.verplicht)
        rule = Rule(
            code=code,
            ernst=entry["ernst"],
            groep=entry["groep"],
            melding=melding,
            advies=entry["advies"],
            kolommen=kolommen,
            protocolversies=tuple(str(v) for v in entry.get("protocolversies", default_versions)),
            soort=soort,
            domein=raw["domein"],
            params={k: v for k, v in entry.items() if k not in base_keys},
            toelichting=entry.get("toelichting"),
            check=check,
            needs_previous=needs_previous,
        )
        _check_declaration(rule)
        rules.append(rule)
    codes_seen = [r.code for r in rules]
    if len(set(codes_seen)) != len(codes_seen):
        raise ValueError("duplicate rule code in the rule file")
    unused = set(k for k in _LOGIC if k.startswith(codes_seen[0][:3])) - set(codes_seen)
    if unused:
        raise ValueError(f"logic checks registered for undeclared rules: {sorted(unused)}")
    return tuple(rules)


def _check_declaration(rule: Rule) -> None:
    problems = []
    if not _CODE.match(rule.code):
        problems.append("code")
    if rule.ernst not in ERNST:
        problems.append("ernst")
    if rule.groep not in GROEPEN:
        problems.append("groep")
    if rule.soort not in SOORTEN:
        problems.append("soort")
    if not rule.protocolversies:
        problems.append("protocolversies")
    if problems:
        raise ValueError(f"rule {rule.code}: invalid {', '.join(problems)}")


def rules_for(domein: str = "jeugdhulp", protocolversie: str = "7") -> tuple[Rule, ...]:
    """The rule set that applies to deliveries of one protocol version."""
    rules = tuple(r for r in all_rules(domein) if protocolversie in r.protocolversies)
    if not rules:
        raise ValueError(f"no rules for {domein} protocol version {protocolversie}")
    return rules


def rule(code: str, domein: str = "jeugdhulp") -> Rule:
    for r in all_rules(domein):
        if r.code == code:
            return r
    raise KeyError(code)


# --- data rules → pandera --------------------------------------------------------------------------------


def _allowed_codes(r: Rule, layout: layouts.Layout, column: str) -> tuple[str, ...]:
    name = r.params.get("codelijst") or layout.column(column).codelijst
    if not name:
        raise ValueError(f"rule {r.code}: no code list for column {column}")
    return codes.code_list(name).values


def _expired_codes(r: Rule, layout: layouts.Layout, column: str) -> dict[str, pd.Timestamp]:
    """Codes that left the list, with the date before which a trajectory may still carry them."""
    name = r.params.get("codelijst") or layout.column(column).codelijst
    return {code: pd.Timestamp(until) for code, until in codes.expired_codes(name).items()} if name else {}


def valid_date_mask(values: pd.Series, *, unknown_allowed: bool = False) -> np.ndarray:
    """True where a filled value is a real date ``JJJJMMDD`` (or, when allowed, ``JJJJMM00`` / ``JJJJ0000``).

    Dates have few distinct values, so the work is done once per distinct value.
    """
    codes_, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.ones(len(values), dtype=bool)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    text = u
    if unknown_allowed:
        text = text.where(~text.str.fullmatch(r"\d{4}0000"), text.str.slice(0, 4) + "0101")
        text = text.where(~text.str.fullmatch(r"\d{6}00"), text.str.slice(0, 6) + "01")
    digits = text.str.fullmatch(r"\d{8}")
    parsed = pd.to_datetime(text.where(digits), format="%Y%m%d", errors="coerce")
    ok = parsed.notna().to_numpy()
    out = np.ones(len(values), dtype=bool)
    filled = codes_ >= 0
    out[filled] = ok[codes_[filled]]
    return out


def _isin_allowing_expired(frame: pd.DataFrame, column: str, allowed, expired) -> pd.Series:
    values = frame[column]
    ok = values.isin(allowed) | values.isna()
    candidates = ~ok & values.isin(tuple(expired)).fillna(False)
    if candidates.any():
        sub = frame.loc[candidates, [column, "datum_aanvang"]]
        start = pd.to_datetime(sub["datum_aanvang"].where(sub["datum_aanvang"].str.fullmatch(r"\d{8}")),
                               format="%Y%m%d", errors="coerce")
        until = sub[column].map(expired)
        ok.loc[candidates] = (start < until).fillna(False).to_numpy()
    return ok


@dataclass(frozen=True)
class RowCheck:
    """A data rule as a predicate over one row's text values (``""`` = empty): True when the row fails."""

    code: str
    kolommen: tuple[str, ...]  # the columns the finding names
    inputs: tuple[str, ...]  # the columns the predicate reads
    fails: Callable[..., bool]


@dataclass(frozen=True)
class CompiledSchema:
    domein: str
    protocolversie: str
    layout_name: str
    columns: tuple[str, ...]
    required: dict[str, str]  # column → code of the rule that makes it required (pandera's not_nullable)
    check_columns: dict[str, tuple[str, ...]]  # rule code → columns its findings name
    per_column: frozenset[str]  # rule codes with one finding per column (others name all their columns)
    row_checks: tuple[RowCheck, ...] = ()  # the same rules for small deliveries (see run_data_rules)

    @property
    def schema(self) -> Any:
        return pandera_schema(self.domein, self.protocolversie, self.layout_name)


@lru_cache(maxsize=65536)
def valid_date_text(value: str, unknown_allowed: bool = False) -> bool:
    """One value of :func:`valid_date_mask` (same decision, for the small-delivery path)."""
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        return False
    if unknown_allowed:
        if value.endswith("0000"):
            value = value[:4] + "0101"
        elif value.endswith("00"):
            value = value[:6] + "01"
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


def _row_checks(rules: list[Rule], layout: layouts.Layout) -> tuple[RowCheck, ...]:
    out: list[RowCheck] = []
    for r in rules:
        cols = r.kolommen
        if r.soort == "verplicht":
            out += [RowCheck(r.code, (c,), (c,), lambda v: v == "") for c in cols]
        elif r.soort == "formaat":
            rx = re.compile(f"(?:{r.params['patroon']})", re.ASCII)
            out += [RowCheck(r.code, (c,), (c,), lambda v, rx=rx: v != "" and rx.fullmatch(v) is None) for c in cols]
        elif r.soort == "codelijst":
            for c in cols:
                allowed = frozenset(_allowed_codes(r, layout, c))
                expired = _expired_codes(r, layout, c) if r.params.get("vervallen_toegestaan") else {}
                if expired:
                    until = {code: day.strftime("%Y%m%d") for code, day in expired.items()}
                    out.append(RowCheck(
                        r.code, (c,), (c, "datum_aanvang"),
                        lambda v, start, a=allowed, u=until: v != "" and v not in a and not (
                            v in u and valid_date_text(start) and start < u[v]
                        ),
                    ))
                else:
                    out.append(RowCheck(r.code, (c,), (c,), lambda v, a=allowed: v != "" and v not in a))
        elif r.soort == "datum":
            unknown = bool(r.params.get("onbekend_toegestaan", False))
            out += [
                RowCheck(r.code, (c,), (c,), lambda v, u=unknown: v != "" and not valid_date_text(v, u)) for c in cols
            ]
        elif r.soort == "minstens_een":
            out.append(RowCheck(r.code, cols, cols, lambda *vs: all(v == "" for v in vs)))
        elif r.soort == "verplicht_als":
            out.append(RowCheck(r.code, cols, (r.params["als_gevuld"], *cols),
                                lambda cond, *vs: cond != "" and any(v == "" for v in vs)))
        elif r.soort == "leeg_als":
            out.append(RowCheck(r.code, cols, (r.params["als_leeg"], *cols),
                                lambda cond, *vs: cond == "" and any(v != "" for v in vs)))
        elif r.soort == "als_dan":
            when, then = r.params["als"], r.params["dan"]
            values, allowed = frozenset(r.params["waarden"]), frozenset(r.params["toegestaan"])
            out.append(RowCheck(r.code, cols, (when, then),
                                lambda w, t, v=values, a=allowed: w in v and t != "" and t not in a))
    return tuple(out)


@cache
def compiled_schema(domein: str, protocolversie: str, layout_name: str) -> CompiledSchema:
    """A rule set's data rules, compiled once per process: per-row predicates now, the pandera schema on first
    use (importing pandera and building the schema take about a second, which a small delivery never needs)."""
    layout = layouts.load(layout_name)
    rules = [r for r in rules_for(domein, protocolversie) if r.is_data]
    required = {c: r.code for r in rules if r.soort == "verplicht" for c in r.kolommen}
    check_columns = {r.code: r.kolommen for r in rules}
    per_column = frozenset(r.code for r in rules if r.soort in {"verplicht", "formaat", "codelijst", "datum"})
    return CompiledSchema(
        domein, protocolversie, layout_name, tuple(layout.names), required, check_columns, per_column,
        _row_checks(rules, layout),
    )


@cache
def pandera_schema(domein: str, protocolversie: str, layout_name: str) -> Any:
    """The data rules as one pandera ``DataFrameSchema`` (check names and errors are the rule codes)."""
    import pandera.pandas as pa

    layout = layouts.load(layout_name)
    rules = [r for r in rules_for(domein, protocolversie) if r.is_data]
    column_checks: dict[str, list] = {c: [] for c in layout.names}
    frame_checks = []
    required = {c for r in rules if r.soort == "verplicht" for c in r.kolommen}
    for r in rules:
        cols = r.kolommen
        if r.soort == "formaat":
            pattern = f"^(?:{r.params['patroon']})$"
            for c in cols:
                column_checks[c].append(pa.Check.str_matches(pattern, name=r.code, error=r.code))
        elif r.soort == "codelijst":
            for c in cols:
                allowed = _allowed_codes(r, layout, c)
                expired = _expired_codes(r, layout, c) if r.params.get("vervallen_toegestaan") else {}
                if expired:
                    frame_checks.append(
                        pa.Check(lambda df, c=c, a=allowed, e=expired: _isin_allowing_expired(df, c, a, e),
                                 name=r.code, error=r.code)
                    )
                else:
                    column_checks[c].append(pa.Check.isin(allowed, name=r.code, error=r.code))
        elif r.soort == "datum":
            unknown = bool(r.params.get("onbekend_toegestaan", False))
            for c in cols:
                column_checks[c].append(
                    pa.Check(lambda s, u=unknown: pd.Series(valid_date_mask(s, unknown_allowed=u), index=s.index),
                             name=r.code, error=r.code)
                )
        elif r.soort == "minstens_een":
            frame_checks.append(
                pa.Check(lambda df, cols=cols: df[list(cols)].notna().any(axis=1), name=r.code, error=r.code)
            )
        elif r.soort == "verplicht_als":
            cond = r.params["als_gevuld"]
            frame_checks.append(
                pa.Check(lambda df, cols=cols, cond=cond: ~(df[cond].notna() & df[list(cols)].isna().any(axis=1)),
                         name=r.code, error=r.code)
            )
        elif r.soort == "leeg_als":
            cond = r.params["als_leeg"]
            frame_checks.append(
                pa.Check(lambda df, cols=cols, cond=cond: ~(df[cond].isna() & df[list(cols)].notna().any(axis=1)),
                         name=r.code, error=r.code)
            )
        elif r.soort == "als_dan":
            when, values, then, allowed = r.params["als"], r.params["waarden"], r.params["dan"], r.params["toegestaan"]
            frame_checks.append(
                pa.Check(
                    lambda df, w=when, v=tuple(values), t=then, a=tuple(allowed): ~(
                        df[w].isin(v) & df[t].notna() & ~df[t].isin(a)
                    ),
                    name=r.code,
                    error=r.code,
                )
            )
    return pa.DataFrameSchema(
        {c: pa.Column(checks=column_checks[c], nullable=c not in required, required=True) for c in layout.names},
        checks=frame_checks,
        strict=False,
        coerce=False,
    )


# Rows; below this the data rules run row by row in Python (see run_data_rules). Per row the Python path costs
# about 12 µs and the pandera checks about 9 µs, but pandera's import and first schema cost 0.4 s per process:
# with the threshold here only the few providers with more than 20,000 records (and the national frame) load it.
SMALL_DELIVERY = 20_000
METHODS = ("auto", "pandera", "checks", "rows")


def run_data_rules(
    raw: pd.DataFrame, domein: str, protocolversie: str, layout_name: str, *, method: str = "auto"
) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
    """Run the data rules over the delivered text; returns (rule code, columns, positions) per failure group.

    Three ways that give the same result (tests hold them to it):

    * ``"pandera"``: ``schema.validate(lazy=True)``, then pandera's failure table;
    * ``"checks"``: the schema's pandera checks called column by column, reading their boolean output; it
      skips the container validation around the checks (dtype handling, collecting and formatting failure
      cases), which doubles the cost and grows with the number of failures;
    * ``"rows"``: the same declarations as Python predicates per row. Every pandas or pandera call has a
      fixed cost of about a millisecond, so for the small deliveries that make up most of a batch (median
      under 100 records) a loop over the rows is ten times faster.

    ``"auto"`` takes ``"rows"`` below :data:`SMALL_DELIVERY` rows and ``"checks"`` above.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    compiled = compiled_schema(domein, protocolversie, layout_name)
    if method == "auto":
        method = "rows" if len(raw) < SMALL_DELIVERY else "checks"
    if method == "rows":
        found = _via_rows(compiled, raw)
    else:
        text = raw[list(compiled.columns)].replace("", None)
        text.index = pd.RangeIndex(len(text))
        found = _via_schema(compiled, text) if method == "pandera" else _via_checks(compiled, text)
    merged: dict[tuple[str, tuple[str, ...]], list[np.ndarray]] = {}
    for code, cols, positions in found:
        if len(positions):
            merged.setdefault((code, cols), []).append(np.asarray(positions, dtype=np.int64))
    return [(code, cols, np.unique(np.concatenate(parts))) for (code, cols), parts in merged.items()]


def _columns_of(compiled: CompiledSchema, code: str, column: str | None) -> tuple[str, ...]:
    declared = compiled.check_columns.get(code)
    if declared is None:
        raise RuntimeError(f"a pandera check that is not a rule: {code}")
    return (column,) if code in compiled.per_column and column else declared


def _via_rows(compiled: CompiledSchema, raw: pd.DataFrame) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
    values = {c: raw[c].tolist() for c in compiled.columns}
    out = []
    for check in compiled.row_checks:
        fails = check.fails
        columns = [values[c] for c in check.inputs]
        if len(columns) == 1:
            failed = [i for i, v in enumerate(columns[0]) if fails(v)]
        else:
            failed = [i for i, vs in enumerate(zip(*columns, strict=True)) if fails(*vs)]
        out.append((check.code, check.kolommen, np.asarray(failed, dtype=np.int64)))
    return out


def _via_checks(compiled: CompiledSchema, text: pd.DataFrame) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
    out = []
    for name, column in compiled.schema.columns.items():
        values = text[name]
        if not column.nullable:
            out.append((compiled.required[name], (name,), np.flatnonzero(values.isna().to_numpy())))
        for check in column.checks:
            result = check(values).check_output  # without the nulls when the check ignores them
            failed = result.index[~result.to_numpy(dtype=bool)]
            out.append((check.error, _columns_of(compiled, check.error, name), failed.to_numpy()))
    for check in compiled.schema.checks:
        result = check(text).check_output
        failed = result.index[~result.to_numpy(dtype=bool)]
        out.append((check.error, _columns_of(compiled, check.error, None), failed.to_numpy()))
    return out


def _via_schema(compiled: CompiledSchema, text: pd.DataFrame) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
    import pandera.pandas as pa

    try:
        compiled.schema.validate(text, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.drop(columns=["failure_case"])  # the values themselves never leave here
    else:
        return []
    cases = cases[cases["index"].notna()]
    out = []
    for (check, column), group in cases.groupby(["check", "column"], sort=False, dropna=False):
        if check == "not_nullable":
            code, cols = compiled.required[column], (column,)
        else:
            frame_level = group["schema_context"].iloc[0] == "DataFrameSchema"
            code, cols = check, _columns_of(compiled, check, None if frame_level else column)
        out.append((code, cols, group["index"].astype("int64").to_numpy()))
    return out
