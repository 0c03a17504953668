"""The rule engine: rule declarations, the registry of logic checks, the kinds of data rules, and running a rule
set over a delivery.

A rule is one small declaration (:class:`Rule`) read from a domain's rule file (``rules.yaml`` in its folder):
a stable code, a severity (``fout`` / ``waarschuwing``), a group, a Dutch message and advice, the columns
involved, the protocol versions it applies to and, for a layout of several record sets, the set it checks. How it
is checked depends on ``soort``:

* simple checks (format, code list, required, required-if, ...) are *data*. Each kind is one entry of
  :data:`KINDS`, which declares its per-row predicate and its vectorised check side by side: the engine runs the
  predicates for small deliveries (:mod:`spiegel.fastpath`) and the vectorised checks for the others, and builds one
  pandera ``DataFrameSchema`` per rule set from the same checks (with ``validate(lazy=True)`` its failure table maps
  to findings, the ``failure_case`` column with the offending value dropped at once); a test holds the ways to the
  same result. Findings carry row numbers,
  never values.
* checks that need logic are small functions registered with :func:`logic` under the rule's code, in the domain's
  logic module; they get a :class:`~spiegel.validate.context.Context` and return a boolean mask over the rows (or
  :class:`Hit`\\ s when one rule yields several findings or refers to another file).

The engine receives the domain (``spiegel.domains.Domain``) and imports none.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spiegel import arrowtext, dates, fastpath
from spiegel.layouts import Layout, RecordLayout

if TYPE_CHECKING:
    from spiegel.codes import CodeLists

ERNST = ("fout", "waarschuwing")
_CODE = re.compile(r"^[A-Z]{2}-[A-Z]\d{2}$")


@dataclass(frozen=True)
class Hit:
    """One finding produced by a logic check: row numbers (``rij``) of the file named by ``bestand``."""

    rows: np.ndarray
    kolommen: tuple[str, ...] | None = None  # None: the rule's columns
    toelichting: str | None = None  # Dutch detail; counts and codes only, never a value from a row
    bestand: str = "huidig"  # huidig | vorig (row numbers in the previous period's file)
    gegevensset: str | None = None  # the record set the rows are in (None: the rule's set)


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
    set: str | None = None  # the record set it checks (None: the layout's only set)

    @property
    def is_data(self) -> bool:
        return self.soort in KINDS


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


# --- loading rule sets -----------------------------------------------------------------------------------


@cache
def rule_file(domain: Any) -> dict[str, Any]:
    """The domain's rule declarations, its family's templates expanded (:func:`spiegel.layouts.rule_declarations`)."""
    from spiegel.layouts import rule_declarations

    return rule_declarations(domain)


def groups(domain: Any) -> dict[str, tuple[str, str]]:
    """The domain's rule groups in catalogue order: name → (Dutch title, code letter)."""
    return {name: (str(spec["titel"]), str(spec["letter"])) for name, spec in rule_file(domain)["groepen"].items()}


_BASE_KEYS = {"code", "ernst", "groep", "melding", "advies", "kolommen", "protocolversies", "soort", "toelichting",
              "set"}


@cache
def all_rules(domain: Any) -> tuple[Rule, ...]:
    """Every rule of a domain, in catalogue order, whatever its protocol versions."""
    if domain.logic:
        importlib.import_module(f"{domain.package}.{domain.logic}")
    raw = rule_file(domain)
    default_versions = tuple(str(v) for v in raw.get("protocolversies", ()))
    known_groups = groups(domain)
    layout = domain.layout()
    rules = []
    for entry in raw["regels"]:
        code = entry["code"]
        soort = entry["soort"]
        melding = entry.get("melding")
        if melding is None:
            raise ValueError(f"rule {code} has no melding")
        check, needs_previous = (None, False)
        if soort == "logica":
            if code not in _LOGIC:
                raise ValueError(f"rule {code} is declared as logica but no check is registered")
            check, needs_previous = _LOGIC[code]
        record_set = entry.get("set")
        kolommen = tuple(entry.get("kolommen") or ())
        if soort == "verplicht" and not kolommen:
            columns = layout.record_set(record_set).kolommen if record_set else layout.kolommen
            kolommen = tuple(c.naam for c in columns if c.verplicht)
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
            params={k: v for k, v in entry.items() if k not in _BASE_KEYS},
            toelichting=entry.get("toelichting"),
            check=check,
            needs_previous=needs_previous,
            set=record_set,
        )
        _check_declaration(rule, known_groups)
        rules.append(rule)
    codes_seen = [r.code for r in rules]
    if len(set(codes_seen)) != len(codes_seen):
        raise ValueError("duplicate rule code in the rule file")
    module = f"{domain.package}.{domain.logic}" if domain.logic else None
    unused = {code for code, (fn, _) in _LOGIC.items() if fn.__module__ == module} - set(codes_seen)
    if unused:
        raise ValueError(f"logic checks registered for undeclared rules: {sorted(unused)}")
    return tuple(rules)


SOORTEN_NIET_DATA = ("bestand", "logica")


def _check_declaration(rule: Rule, known_groups: Mapping[str, Any]) -> None:
    problems = []
    if not _CODE.match(rule.code):
        problems.append("code")
    if rule.ernst not in ERNST:
        problems.append("ernst")
    if rule.groep not in known_groups:
        problems.append("groep")
    if rule.soort not in KINDS and rule.soort not in SOORTEN_NIET_DATA:
        problems.append("soort")
    if not rule.protocolversies:
        problems.append("protocolversies")
    if problems:
        raise ValueError(f"rule {rule.code}: invalid {', '.join(problems)}")


def rules_for(domain: Any, protocolversie: str) -> tuple[Rule, ...]:
    """The rule set that applies to deliveries of one protocol version."""
    rules = tuple(r for r in all_rules(domain) if protocolversie in r.protocolversies)
    if not rules:
        raise ValueError(f"no rules for {domain.name} protocol version {protocolversie}")
    return rules


def rule(code: str, domain: Any) -> Rule:
    for r in all_rules(domain):
        if r.code == code:
            return r
    raise KeyError(code)


# --- kinds of data rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowCheck:
    """A data rule as a predicate over one row's text values (``""`` = empty): True when the row fails."""

    code: str
    kolommen: tuple[str, ...]  # the columns the finding names
    inputs: tuple[str, ...]  # the columns the predicate reads
    fails: Callable[..., bool]


@dataclass(frozen=True)
class Env:
    """What a kind needs to turn a rule into checks: the record set's columns and the domain's code lists."""

    layout: RecordLayout
    codes: CodeLists


ColumnMask = Callable[[pd.Series], pd.Series]
FrameMask = Callable[[pd.DataFrame], pd.Series]


class Kind:
    """One kind of data rule (``soort``): its per-row predicates and its vectorised checks, side by side.

    ``rows`` returns :class:`RowCheck`\\ s (True where a row fails). ``masks`` returns the same rule as pandas
    checks, pandera's way round (True where a row passes): (column, check of the column's non-missing values)
    pairs and checks of the whole text frame. The engine runs the masks itself for a delivery that is not small
    and builds the pandera schema from them (``run_data_rules(method="pandera")``); tests/test_validate_rules.py
    holds the three ways to the same findings."""

    per_column = False  # one finding per column of the rule (else one finding naming all its columns)

    def rows(self, r: Rule, env: Env) -> list[RowCheck]:
        raise NotImplementedError

    def masks(self, r: Rule, env: Env) -> tuple[list[tuple[str, ColumnMask]], list[FrameMask]]:
        raise NotImplementedError


KINDS: dict[str, Kind] = {}


def kind(name: str) -> Callable[[type[Kind]], type[Kind]]:
    def register(cls: type[Kind]) -> type[Kind]:
        KINDS[name] = cls()
        return cls

    return register


def _allowed_codes(r: Rule, env: Env, column: str) -> tuple[str, ...]:
    name = r.params.get("codelijst") or env.layout.column(column).codelijst
    if not name:
        raise ValueError(f"rule {r.code}: no code list for column {column}")
    return env.codes.code_list(name).values


def _expired_codes(r: Rule, env: Env, column: str) -> dict[str, pd.Timestamp]:
    """Codes that left the list, with the date before which a trajectory may still carry them."""
    if not r.params.get("vervallen_toegestaan"):
        return {}
    name = r.params.get("codelijst") or env.layout.column(column).codelijst
    return {code: pd.Timestamp(until) for code, until in env.codes.expired_codes(name).items()} if name else {}


@kind("verplicht")
class _Required(Kind):
    """Each column filled. In pandera: the column is not nullable (the schema reads it from the rule)."""

    per_column = True

    def rows(self, r: Rule, env: Env) -> list[RowCheck]:
        return [RowCheck(r.code, (c,), (c,), lambda v: v == "") for c in r.kolommen]

    def masks(self, r: Rule, env: Env) -> tuple[list[tuple[str, ColumnMask]], list[FrameMask]]:
        return [], []


@kind("formaat")
class _Format(Kind):
    per_column = True

    def rows(self, r: Rule, env: Env) -> list[RowCheck]:
        rx = re.compile(f"(?:{r.params['patroon']})", re.ASCII)
        return [RowCheck(r.code, (c,), (c,), lambda v, rx=rx: v != "" and rx.fullmatch(v) is None) for c in r.kolommen]

    def masks(self, r: Rule, env: Env) -> tuple[list[tuple[str, ColumnMask]], list[FrameMask]]:
        pattern = f"^(?:{r.params['patroon']})$"  # as pandera's Check.str_matches
        return [(c, lambda s, p=pattern: s.str.match(p, na=False)) for c in r.kolommen], []


@kind("codelijst")
class _CodeList(Kind):
    """A filled value is a code of the list; an expired code (``vervallen_toegestaan``) only on a record that
    started before the code's end date."""

    per_column = True

    def rows(self, r: Rule, env: Env) -> list[RowCheck]:
        out = []
        for c in r.kolommen:
            allowed = frozenset(_allowed_codes(r, env, c))
            expired = _expired_codes(r, env, c)
            if expired:
                until = {code: day.strftime("%Y%m%d") for code, day in expired.items()}
                out.append(RowCheck(
                    r.code, (c,), (c, "datum_aanvang"),
                    lambda v, start, a=allowed, u=until: v != "" and v not in a and not (
                        v in u and dates.is_valid_text(start) and start < u[v]
                    ),
                ))
            else:
                out.append(RowCheck(r.code, (c,), (c,), lambda v, a=allowed: v != "" and v not in a))
        return out

    def masks(self, r: Rule, env: Env) -> tuple[list[tuple[str, ColumnMask]], list[FrameMask]]:
        columns: list[tuple[str, ColumnMask]] = []
        frame: list[FrameMask] = []
        for c in r.kolommen:
            allowed = _allowed_codes(r, env, c)
            expired = _expired_codes(r, env, c)
            if expired:
                frame.append(lambda df, c=c, a=allowed, e=expired: _isin_allowing_expired(df, c, a, e))
            else:
                columns.append((c, lambda s, a=allowed: s.isin(a)))
        return columns, frame


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


@kind("datum")
class _Date(Kind):
    """A filled value is a real date ``JJJJMMDD`` (``onbekend_toegestaan``: also ``JJJJMM00``, ``JJJJ0000``)."""

    per_column = True

    def rows(self, r: Rule, env: Env) -> list[RowCheck]:
        unknown = bool(r.params.get("onbekend_toegestaan", False))
        return [RowCheck(r.code, (c,), (c,), lambda v, u=unknown: v != "" and not dates.is_valid_text(v, u))
                for c in r.kolommen]

    def masks(self, r: Rule, env: Env) -> tuple[list[tuple[str, ColumnMask]], list[FrameMask]]:
        unknown = bool(r.params.get("onbekend_toegestaan", False))
        return [(c, lambda s, u=unknown: pd.Series(dates.valid_mask(s, unknown_allowed=u), index=s.index))
                for c in r.kolommen], []


@kind("minstens_een")
class _AtLeastOne(Kind):
    def rows(self, r: Rule, env: Env) -> list[RowCheck]:
        return [RowCheck(r.code, r.kolommen, r.kolommen, lambda *vs: all(v == "" for v in vs))]

    def masks(self, r: Rule, env: Env) -> tuple[list[tuple[str, ColumnMask]], list[FrameMask]]:
        cols = list(r.kolommen)
        return [], [lambda df, cols=cols: df[cols].notna().any(axis=1)]


@kind("verplicht_als")
class _RequiredIf(Kind):
    """``kolommen`` filled whenever column ``als_gevuld`` is filled."""

    def rows(self, r: Rule, env: Env) -> list[RowCheck]:
        return [RowCheck(r.code, r.kolommen, (r.params["als_gevuld"], *r.kolommen),
                         lambda cond, *vs: cond != "" and any(v == "" for v in vs))]

    def masks(self, r: Rule, env: Env) -> tuple[list[tuple[str, ColumnMask]], list[FrameMask]]:
        cols, cond = list(r.kolommen), r.params["als_gevuld"]
        return [], [lambda df, cols=cols, cond=cond: ~(df[cond].notna() & df[cols].isna().any(axis=1))]


@kind("leeg_als")
class _EmptyIf(Kind):
    """``kolommen`` empty whenever column ``als_leeg`` is empty."""

    def rows(self, r: Rule, env: Env) -> list[RowCheck]:
        return [RowCheck(r.code, r.kolommen, (r.params["als_leeg"], *r.kolommen),
                         lambda cond, *vs: cond == "" and any(v != "" for v in vs))]

    def masks(self, r: Rule, env: Env) -> tuple[list[tuple[str, ColumnMask]], list[FrameMask]]:
        cols, cond = list(r.kolommen), r.params["als_leeg"]
        return [], [lambda df, cols=cols, cond=cond: ~(df[cond].isna() & df[cols].notna().any(axis=1))]


@kind("als_dan")
class _IfThen(Kind):
    """When column ``als`` holds one of ``waarden``, a filled column ``dan`` holds one of ``toegestaan``."""

    def rows(self, r: Rule, env: Env) -> list[RowCheck]:
        when, then = r.params["als"], r.params["dan"]
        values, allowed = frozenset(r.params["waarden"]), frozenset(r.params["toegestaan"])
        return [RowCheck(r.code, r.kolommen, (when, then),
                         lambda w, t, v=values, a=allowed: w in v and t != "" and t not in a)]

    def masks(self, r: Rule, env: Env) -> tuple[list[tuple[str, ColumnMask]], list[FrameMask]]:
        when, then = r.params["als"], r.params["dan"]
        values, allowed = tuple(r.params["waarden"]), tuple(r.params["toegestaan"])
        return [], [lambda df, w=when, v=values, t=then, a=allowed: ~(df[w].isin(v) & df[t].notna() & ~df[t].isin(a))]


# --- compiled rule sets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledSchema:
    """The data rules of one record set of a rule set, compiled once per process."""

    rules: tuple[Rule, ...]
    env: Env
    columns: tuple[str, ...]
    required: dict[str, str]  # column → code of the rule that makes it required (pandera's not_nullable)
    check_columns: dict[str, tuple[str, ...]]  # rule code → columns its findings name
    per_column: frozenset[str]  # rule codes with one finding per column (others name all their columns)
    row_checks: tuple[RowCheck, ...]
    column_masks: tuple[tuple[str, str, ColumnMask], ...]  # (rule code, column, check)
    frame_masks: tuple[tuple[str, FrameMask], ...]  # (rule code, check)

    @property
    def schema(self) -> Any:
        return _pandera_schema(self)


def _set_name(r: Rule, layout: Layout) -> str:
    return r.set or layout.single.naam


@cache
def compiled_schema(domain: Any, protocolversie: str, layout: Layout, record_set: str) -> CompiledSchema:
    """One record set's data rules, compiled once per process: per-row predicates now, the pandera schema on first
    use (importing pandera and building the schema take about a second, which a small delivery never needs)."""
    set_layout = layout.record_set(record_set)
    env = Env(set_layout, layout.codes)
    rules = tuple(r for r in rules_for(domain, protocolversie) if r.is_data and _set_name(r, layout) == record_set)
    required = {c: r.code for r in rules if r.soort == "verplicht" for c in r.kolommen}
    check_columns = {r.code: r.kolommen for r in rules}
    per_column = frozenset(r.code for r in rules if KINDS[r.soort].per_column)
    row_checks = tuple(check for r in rules for check in KINDS[r.soort].rows(r, env))
    column_masks, frame_masks = [], []
    for r in rules:
        columns, frames = KINDS[r.soort].masks(r, env)
        column_masks += [(r.code, c, mask) for c, mask in columns]
        frame_masks += [(r.code, mask) for mask in frames]
    return CompiledSchema(rules, env, tuple(set_layout.names), required, check_columns, per_column, row_checks,
                          tuple(column_masks), tuple(frame_masks))


_SCHEMAS: dict[int, Any] = {}


def _pandera_schema(compiled: CompiledSchema) -> Any:
    """The data rules as one pandera ``DataFrameSchema`` (check names and errors are the rule codes)."""
    key = id(compiled)
    if key in _SCHEMAS:
        return _SCHEMAS[key][1]
    import pandera.pandas as pa

    column_checks: dict[str, list] = {c: [] for c in compiled.columns}
    for code, column, mask in compiled.column_masks:
        column_checks[column].append(pa.Check(mask, name=code, error=code))
    frame_checks = [pa.Check(mask, name=code, error=code) for code, mask in compiled.frame_masks]
    schema = pa.DataFrameSchema(
        {c: pa.Column(checks=column_checks[c], nullable=c not in compiled.required, required=True)
         for c in compiled.columns},
        checks=frame_checks,
        strict=False,
        coerce=False,
    )
    _SCHEMAS[key] = (compiled, schema)  # the compiled object is kept alive with it, so its id is not reused
    return schema


METHODS = ("auto", "pandera", "checks", "rows")


def run_data_rules(
    raw: pd.DataFrame, domain: Any, protocolversie: str, layout: Layout, record_set: str, *, method: str = "auto"
) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
    """Run one record set's data rules over its delivered text; returns (rule code, columns, positions) per failure
    group.

    Three ways that give the same result (tests hold them to it):

    * ``"pandera"``: ``schema.validate(lazy=True)``, then pandera's failure table;
    * ``"checks"``: the kinds' vectorised checks (the ones the schema is built from) called column by column, the
      way pandera calls them; it skips pandera's import (a second per process) and the container validation
      around the checks (dtype handling, collecting and formatting failure cases), which doubles the cost;
    * ``"rows"``: the same declarations as Python predicates per row (:mod:`spiegel.fastpath`).

    ``"auto"`` takes ``"rows"`` for a small delivery and ``"checks"`` otherwise.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    compiled = compiled_schema(domain, protocolversie, layout, record_set)
    if method == "auto":
        method = "rows" if fastpath.small(len(raw)) else "checks"
    if method == "rows":
        found = _via_rows(compiled, raw)
    else:
        # (the raw columns with "" missing; Arrow text shares the raw frame's buffers: spiegel.arrowtext)
        text = pd.DataFrame({c: arrowtext.empty_as_missing(raw[c]).array for c in compiled.columns},
                            index=pd.RangeIndex(len(raw)), copy=False)
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
    """The kinds' masks called column by column, as pandera calls them (a column check sees the non-missing values;
    a frame check passes a row whose values are all missing), without pandera and its container validation."""
    out = []
    for column, code in compiled.required.items():
        out.append((code, (column,), np.flatnonzero(text[column].isna().to_numpy())))
    present = {c: text[c].dropna() if text[c].hasnans else text[c] for c in {c for _, c, _ in compiled.column_masks}}
    for code, column, mask in compiled.column_masks:
        values = present[column]
        passed = mask(values).to_numpy(dtype=bool)
        out.append((code, _columns_of(compiled, code, column), values.index[~passed].to_numpy()))
    if compiled.frame_masks:
        empty_rows = text.isna().all(axis="columns").to_numpy()
        for code, mask in compiled.frame_masks:
            passed = mask(text).to_numpy(dtype=bool) | empty_rows
            out.append((code, _columns_of(compiled, code, None), np.flatnonzero(~passed)))
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
