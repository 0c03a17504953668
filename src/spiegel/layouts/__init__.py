"""Delivery layouts as data: one YAML file per domain and protocol version, in the domain's folder (SPEC §3, §4.2,
§5.4). A layout holds one or more record sets (jeugdhulp: one; jeugdbescherming: ``jb`` and ``muhp``; Veilig Thuis:
four), each with its columns; the reader (``spiegel.read``) takes a layout and nothing else.

A layout file::

    naam: jeugdhulp-7
    domein: jeugdhulp
    protocolversie: "7"
    omschrijving: ...
    kolommen: [...]                 # one record set, named after the domain
    # or, for several record sets (sheets of one workbook, files of a folder or a ZIP):
    sets:
      jb: {kolommen: [...]}
      muhp: {kolommen: [...], leeg_toegestaan: true}
    extra_kolommen: fout            # a column not in the layout: fout (file rule) or negeren (a finding)

Column ``type`` tells the reader how to type a column (see ``docs/aanlevering.md``): ``tekst``, ``code``,
``datum``, ``datum_00`` (a birth date that may end in ``00``/``0000``), ``postcode`` (spaces removed, upper case)
and ``bsn`` (kept as text; the reader adds ``<naam>_status`` from the domain's code list ``bsn_bijzonder``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spiegel.io import parse_yaml

COLUMN_TYPES = ("tekst", "code", "datum", "datum_00", "postcode", "bsn")
EXTRA_COLUMNS = ("fout", "negeren")


@dataclass(frozen=True)
class Column:
    naam: str
    item: str
    type: str
    breedte: int
    verplicht: bool = False
    codelijst: str | None = None


@dataclass(frozen=True)
class FileRule:
    """The rule a reader problem carries in a domain (``JH-B01`` and its message)."""

    code: str
    melding: str


@dataclass(frozen=True)
class RecordLayout:
    """The columns of one record set."""

    naam: str
    kolommen: tuple[Column, ...]
    leeg_toegestaan: bool = False  # a record set without records is not a file rule (the domain may warn)

    @property
    def names(self) -> list[str]:
        return [c.naam for c in self.kolommen]

    @property
    def record_width(self) -> int:
        return sum(c.breedte for c in self.kolommen)

    def column(self, name: str) -> Column:
        return {c.naam: c for c in self.kolommen}[name]


@dataclass(frozen=True)
class Layout:
    """A delivery layout: its record sets, the domain's code lists and the rules its reader problems carry."""

    naam: str
    domein: str
    protocolversie: str
    omschrijving: str
    sets: tuple[RecordLayout, ...]
    extra_kolommen: str = "fout"
    domain: Any = field(default=None, compare=False, repr=False)  # the spiegel.domains.Domain it belongs to

    @property
    def codes(self) -> Any:
        """The domain's code lists (spiegel.codes.CodeLists)."""
        from spiegel import codes

        return self.domain.codes if self.domain is not None else codes.SHARED

    @property
    def file_rules(self) -> Mapping[str, FileRule]:
        return self.domain.file_rules if self.domain is not None else {}

    def record_set(self, name: str) -> RecordLayout:
        for s in self.sets:
            if s.naam == name:
                return s
        raise KeyError(name)

    @property
    def single(self) -> RecordLayout:
        """The only record set (a layout of one set, as jeugdhulp has)."""
        if len(self.sets) != 1:
            raise ValueError(f"layout {self.naam} has {len(self.sets)} record sets; name the one you mean")
        return self.sets[0]

    # one-set shorthands (jeugdhulp code and its tests read the layout as its record set)
    @property
    def kolommen(self) -> tuple[Column, ...]:
        return self.single.kolommen

    @property
    def names(self) -> list[str]:
        return self.single.names

    @property
    def record_width(self) -> int:
        return self.single.record_width

    def column(self, name: str) -> Column:
        return self.single.column(name)


def _columns(raw: list[dict[str, Any]], where: str) -> tuple[Column, ...]:
    columns = []
    for c in raw:
        column = Column(
            naam=c["naam"],
            item=c["item"],
            type=c["type"],
            breedte=int(c["breedte"]),
            verplicht=bool(c.get("verplicht", False)),
            codelijst=c.get("codelijst"),
        )
        if column.type not in COLUMN_TYPES:
            raise ValueError(f"{where}: column {column.naam}: unknown type {column.type!r}")
        columns.append(column)
    return tuple(columns)


def parse(raw: dict[str, Any], *, domain: Any = None) -> Layout:
    """A layout from its parsed YAML (see the module docstring)."""
    name = raw["naam"]
    if "sets" in raw:
        sets = tuple(
            RecordLayout(set_name, _columns(spec["kolommen"], f"{name}/{set_name}"),
                         bool(spec.get("leeg_toegestaan", False)))
            for set_name, spec in raw["sets"].items()
        )
    else:
        sets = (RecordLayout(str(raw.get("set", raw["domein"])), _columns(raw["kolommen"], name)),)
    extra = str(raw.get("extra_kolommen", "fout"))
    if extra not in EXTRA_COLUMNS:
        raise ValueError(f"{name}: extra_kolommen must be one of {', '.join(EXTRA_COLUMNS)}")
    return Layout(name, raw["domein"], str(raw["protocolversie"]), raw["omschrijving"], sets, extra, domain)


def load_file(path: Any, *, domain: Any = None) -> Layout:
    """A layout from a YAML file (a path or an importlib Traversable)."""
    with path.open(encoding="utf-8") as fh:
        return parse(parse_yaml(fh), domain=domain)


def file_rules(rules_path: Any) -> dict[str, FileRule]:
    """Reader problem → file rule, from a domain's rule file (``spiegel.validate``): its rules of kind ``bestand``
    with ``lezer:`` (one problem, or a list of them)."""
    with rules_path.open(encoding="utf-8") as fh:
        raw = parse_yaml(fh)
    out: dict[str, FileRule] = {}
    for entry in raw["regels"]:
        if entry["soort"] != "bestand" or not entry.get("lezer"):
            continue
        problems = entry["lezer"] if isinstance(entry["lezer"], list) else [entry["lezer"]]
        for problem in problems:
            out[str(problem)] = FileRule(entry["code"], entry["melding"])
    return out
