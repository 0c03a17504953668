"""Code lists and reference data, with lookups.

The data live in ``codes/data/`` (see its README for sources and the rules we add on top). Everything is
loaded once per process and cached: a batch asks these questions millions of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import pandas as pd

from spiegel.errors import ParameterError
from spiegel.io import parse_yaml

_DATA = resources.files("spiegel.codes") / "data"
FIRST_YEAR, LAST_YEAR = 2021, 2026
ONBEKEND = "Onbekend"


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    kort: str
    groep: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)


@dataclass(frozen=True)
class CodeList:
    name: str
    titel: str
    codes: tuple[Code, ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes)

    def label(self, code: str) -> str:
        return self.by_code()[code].label

    def kort(self, code: str) -> str:
        return self.by_code()[code].kort

    def by_code(self) -> dict[str, Code]:
        return {c.code: c for c in self.codes}

    def groups(self) -> dict[str, str | None]:
        return {c.code: c.groep for c in self.codes}


class CodeLists:
    """A namespace of code lists: the YAML files of one domain, searched in order (a domain's own file first, then
    the lists shared by the jeugd domains). Code lists may differ per domain (Veilig Thuis reverses the special BSN
    values), so every stage asks the namespace it was given, never a global list."""

    def __init__(self, *files: Traversable) -> None:
        self.files = tuple(files)
        self._lists: dict[str, CodeList] = {}

    @cached_property
    def _raw(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for path in reversed(self.files):  # the first file wins
            with path.open(encoding="utf-8") as fh:
                merged.update(parse_yaml(fh) or {})
        return merged

    def code_list(self, name: str) -> CodeList:
        """One code list by name (``verwijzer``, ``hulpvorm``, ``reden_beeindiging`` …)."""
        cached = self._lists.get(name)
        if cached is None:
            raw = self._raw
            if name not in raw:
                raise KeyError(f"unknown code list {name!r}")
            cached = self._lists[name] = _code_list(name, raw[name])
        return cached

    def expired_codes(self, name: str) -> dict[str, date]:
        """Codes that left a list (its ``vervallen`` part), with the date before which a record may still carry
        them (verwijzer ``07`` for care that started before 1 January 2015)."""
        entry = self._raw[name]
        expired = entry.get("vervallen") or {}
        return {str(code): date.fromisoformat(str(spec["tot"])) for code, spec in expired.items()}

    def list_names(self) -> list[str]:
        return list(self._raw)

    def status_of(self, name: str) -> dict[str, str]:
        """Code → its ``status`` attribute (the special BSN values: ``onbekend``, ``ongeboren``)."""
        return {c.code: str(c.get("status")) for c in self.code_list(name).codes if c.get("status")}


def _code_list(name: str, entry: dict[str, Any]) -> CodeList:
    codes = []
    for code, spec in entry["codes"].items():
        if isinstance(spec, dict):
            label = str(spec.get("label", code))
            extra = tuple((k, v) for k, v in spec.items() if k not in {"label", "kort", "groep"})
            codes.append(Code(str(code), label, str(spec.get("kort", label)), spec.get("groep"), extra))
        else:
            codes.append(Code(str(code), str(spec), str(spec)))
    return CodeList(name, entry.get("titel", name), tuple(codes))


#: The lists shared by the jeugd domains (geslacht, the special BSN values of the jeugd convention). A domain's
#: namespace puts its own file in front of this one.
SHARED_FILE = _DATA / "codelijsten.yaml"
SHARED = CodeLists(SHARED_FILE)


def code_list(name: str) -> CodeList:
    """A shared code list (``geslacht``, ``bsn_bijzonder``); a domain's lists come from its own namespace."""
    return SHARED.code_list(name)


# --- gemeenten ---------------------------------------------------------------------------------------------


def _read_csv(name: str) -> pd.DataFrame:
    with (_DATA / name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ParameterError(
            f"geen gemeentelijst voor {year}: de codelijsten dekken {FIRST_YEAR} t/m {LAST_YEAR}"
        )


@cache
def gemeenten(year: int) -> pd.DataFrame:
    """Gemeenten on 1 January of ``year``: code, naam, provincie (and jeugdregio where known)."""
    _check_year(year)
    frame = _read_csv(f"gemeenten_{year}.csv")
    return frame.set_index("gemeentecode", drop=False)


@cache
def mergers() -> pd.DataFrame:
    """Mergers 2018–2026: datum_ingang (date), oude_gemeentecode, nieuwe_gemeentecode."""
    frame = _read_csv("gemeentelijke_herindelingen_2018_2026.csv")
    frame["datum_ingang"] = pd.to_datetime(frame["datum_ingang"]).dt.date
    return frame


@cache
def _older_successors() -> dict[str, tuple[str, date | None]]:
    frame = _read_csv("rvig_tabel33_gemeenten.csv")
    frame = frame[frame["nieuwe_gemeentecode"] != ""]
    out: dict[str, tuple[str, date | None]] = {}
    for row in frame.itertuples(index=False):
        end = date.fromisoformat(row.datum_einde) if row.datum_einde else None
        out[row.gemeentecode] = (row.nieuwe_gemeentecode, end)
    return out


@cache
def valid_codes(day: date) -> frozenset[str]:
    """Gemeente codes valid on ``day`` (SPEC §6: codes valid on the period's last day)."""
    _check_year(day.year)
    codes = set(gemeenten(day.year)["gemeentecode"])
    jan1 = date(day.year, 1, 1)
    for row in mergers().itertuples(index=False):
        if jan1 < row.datum_ingang <= day:
            codes.discard(row.oude_gemeentecode)
            codes.add(row.nieuwe_gemeentecode)
    return frozenset(codes)


def is_valid_gemeente(code: str, day: date) -> bool:
    return code in valid_codes(day)


@cache
def _merger_table() -> dict[str, tuple[str, date]]:
    return {r.oude_gemeentecode: (r.nieuwe_gemeentecode, r.datum_ingang) for r in mergers().itertuples()}


@cache
def successor(code: str, day: date) -> str | None:
    """The code that a merged gemeente's code became by ``day``; ``None`` when the code never existed.

    A code still valid on ``day`` is its own successor. Chains are followed (A → B → C).
    """
    valid = valid_codes(day)
    current, seen = code, set()
    table = _merger_table()
    older = _older_successors()
    while current not in valid:
        if current in seen:
            return None
        seen.add(current)
        if current in table and table[current][1] <= day:
            current = table[current][0]
        elif current in older:
            current = older[current][0]
        else:
            return None
    return current


@cache
def gemeente_names(day: date) -> dict[str, str]:
    """Code → name for the codes valid on ``day`` (names as CBS writes them that year)."""
    names = dict(zip(gemeenten(day.year)["gemeentecode"], gemeenten(day.year)["gemeentenaam"], strict=True))
    for row in mergers().itertuples(index=False):
        names.setdefault(row.nieuwe_gemeentecode, row.nieuwe_gemeentenaam)
    return {code: names[code] for code in valid_codes(day)}


def gemeente_name(code: str, day: date) -> str:
    return gemeente_names(day).get(code, ONBEKEND)


@cache
def merged_code_map(day: date) -> dict[str, str]:
    """Every known code that is not valid on ``day`` but has a successor → that successor."""
    known = set(mergers()["oude_gemeentecode"]) | set(_older_successors())
    out = {}
    for code in known:
        if code in valid_codes(day):
            continue
        succ = successor(code, day)
        if succ is not None:
            out[code] = succ
    return out


@cache
def code_to_gemeente(day: date) -> dict[str, str]:
    """Every gemeente code known on ``day`` → the gemeente responsible on ``day``: a valid code to itself, a merged
    code to its successor (SPEC §6). With :func:`pc4_map` this is the whole rule "gemeentecode, else postcode",
    which counting and validation both apply."""
    out = {code: code for code in sorted(valid_codes(day))}
    out.update(merged_code_map(day))
    return out


# --- postcodes --------------------------------------------------------------------------------------------


@cache
def _pc4_base() -> dict[str, str]:
    """PC4 → gemeente code (2024 codes), applying the documented rule for PC4s in two gemeenten."""
    result, _ = _pc4_resolution()
    return result


@cache
def _pc4_resolution() -> tuple[dict[str, str], dict[str, tuple[str, str, tuple[str, ...]]]]:
    """(PC4 → gemeente code, and for each PC4 in several gemeenten: (chosen code, Dutch reason, every code)).

    Rule (docs/codelijsten.md): the gemeente with the most place names in that PC4; on a tie, the gemeente of the
    nearest PC4 (lower or higher) that lies in one of the tied gemeenten only; equally near: the lower one."""
    frame = _read_csv("pc4_gemeente_2024.csv")
    frame["aantal"] = frame["aantal_plaatsnamen"].astype(int)
    single = frame[frame["pc4_in_meerdere_gemeenten"] == "nee"]
    result = dict(zip(single["pc4"], single["gemeentecode"], strict=True))
    singles = sorted(result)
    multi = frame[frame["pc4_in_meerdere_gemeenten"] != "nee"]
    ambiguous: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for pc4, group in multi.groupby("pc4", sort=True):
        best = group["aantal"].max()
        candidates = sorted(group.loc[group["aantal"] == best, "gemeentecode"])
        choice, reason = candidates[0], "de gemeente met de meeste plaatsen in dat postcodegebied"
        if len(candidates) > 1:
            near = [p for p in singles if result[p] in candidates]
            if near:
                nearest = min(near, key=lambda p: (abs(int(p) - int(pc4)), int(p)))
                choice = result[nearest]
                reason = "de gemeente van het dichtstbijzijnde postcodegebied dat in één gemeente ligt"
        result[str(pc4)] = choice
        ambiguous[str(pc4)] = (choice, reason, tuple(sorted(group["gemeentecode"])))
    return result, ambiguous


@cache
def pc4_ambiguous(day: date) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """PC4s that lie in more than one gemeente → (the gemeente chosen, why, every gemeente), codes valid on ``day``."""
    def valid(code: str) -> str | None:
        return code if code in valid_codes(day) else successor(code, day)

    out = {}
    for pc4, (choice, reason, all_codes) in _pc4_resolution()[1].items():
        mapped = [c for c in dict.fromkeys(valid(c) for c in all_codes) if c is not None]
        if valid(choice) is not None and len(mapped) > 1:
            out[pc4] = (valid(choice), reason, tuple(mapped))
    return out


@cache
def pc4_map(day: date) -> dict[str, str]:
    """PC4 → gemeente code valid on ``day`` (codes merged after 2024 mapped to their successor)."""
    out = {}
    for pc4, code in _pc4_base().items():
        mapped = code if code in valid_codes(day) else successor(code, day)
        if mapped is not None:
            out[pc4] = mapped
    return out


def gemeente_of_postcode(postcode: str, day: date) -> str | None:
    """Gemeente of a postcode (``1234AB`` or ``1234``) on ``day``; ``None`` when the PC4 is unknown."""
    return pc4_map(day).get(str(postcode)[:4])


@cache
def population_proxy(year: int) -> pd.Series:
    """Number of PC4 areas per gemeente (codes valid on 1 January of ``year``): a stand-in for population,
    used only to spread synthetic youths over the country."""
    day = date(year, 1, 1)
    counts: dict[str, int] = dict.fromkeys(valid_codes(day), 0)
    for code in pc4_map(day).values():
        if code in counts:
            counts[code] += 1
    return pd.Series(counts, dtype="int64").sort_index()
