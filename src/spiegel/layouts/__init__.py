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
A column with ``optioneel: true`` may be missing from the header of a CSV or Excel file (it is then read as empty);
every other column of the layout must be there (a fixed-width file always has every column).

Three more, for layouts such as Veilig Thuis's (SPEC §5.1, §5.2, §5.4):

* ``vlag``: a 0/1 column of a multi-valued item (``aanleiding_06``: ``1`` ticked, ``0`` or empty not ticked); the
  typed frame holds it as ``int8`` (1, else 0), the raw frame as delivered. ``vlaggen`` with a ``codelijst`` is
  shorthand for one ``vlag`` column ``<naam>_<code>`` per code of the list, in the file and in the record set.
* ``lijst``: a *delivered* column that holds the codes of a multi-valued item separated by ``|`` (``01|06``). The
  layout expands it into one ``vlag`` column ``<naam>_<code>`` per code of its ``codelijst``: the record set's
  columns (what the rules and counts see) are the flags, the file carries the list
  (:attr:`RecordLayout.delivered`). The reader fills the flags from the list and keeps the list text in the raw
  frame under its own name, so a rule can name a code that is not an option.
* the special values of a ``datum_00`` column: when the domain has a code list ``datum_bijzonder`` (Veilig Thuis:
  ``99999999`` ongeboren, ``00000000`` onbekend), the reader adds ``<naam>_status`` (``bekend``, ``ongeldig``,
  ``leeg`` or the special value's ``status``) and leaves the typed date empty for a special value, so no later code
  compares special numbers (like ``<naam>_status`` of a BSN).

A fixed-width file of a layout of several record sets starts every line with a record-type field::

    recordtype: {A: adviezen, M: meldingen, O: onderzoeken, P: personen}

(codes of one length); the rest of the line holds that set's columns in order with their widths. Row numbers are the
file's line numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spiegel.io import parse_yaml

COLUMN_TYPES = ("tekst", "code", "datum", "datum_00", "postcode", "bsn", "vlag", "vlaggen", "lijst")
LIST_SEPARATOR = "|"  # between the codes of a ``lijst`` column
EXTRA_COLUMNS = ("fout", "negeren")


@dataclass(frozen=True)
class Column:
    naam: str
    item: str
    type: str
    breedte: int
    verplicht: bool = False
    codelijst: str | None = None
    opties: tuple[str, ...] = ()  # a ``lijst`` column: the codes it expands into (``<naam>_<code>`` flags)
    optioneel: bool = False  # a file (CSV, Excel) may leave the column out; the reader then reads it as empty

    def flag_names(self) -> list[str]:
        """The ``vlag`` columns a ``lijst`` column expands into."""
        return [f"{self.naam}_{code}" for code in self.opties]


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
    aangeleverd: tuple[Column, ...] | None = None  # the columns of the file when it holds ``lijst`` columns

    @property
    def lijsten(self) -> tuple[Column, ...]:
        """The ``lijst`` columns of the file (expanded into flags by the reader)."""
        return tuple(c for c in self.aangeleverd or () if c.type == "lijst")

    @property
    def delivered(self) -> RecordLayout:
        """The columns as the file carries them: a ``lijst`` column in place of its flags (itself without lists)."""
        if not self.aangeleverd:
            return self
        return RecordLayout(self.naam, self.aangeleverd, self.leeg_toegestaan)

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
    recordtype: Mapping[str, str] | None = field(default=None, compare=False)  # fixed width of several sets: code → set

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


def _columns(raw: list[dict[str, Any]], where: str, domain: Any = None) -> tuple[Column, ...]:
    columns = []
    for c in raw:
        column = Column(
            naam=c["naam"],
            item=c["item"],
            type=c["type"],
            breedte=int(c["breedte"]),
            verplicht=bool(c.get("verplicht", False)),
            codelijst=c.get("codelijst"),
            optioneel=bool(c.get("optioneel", False)),
        )
        if column.type not in COLUMN_TYPES:
            raise ValueError(f"{where}: column {column.naam}: unknown type {column.type!r}")
        if column.type in ("lijst", "vlaggen"):
            column = _list_column(column, where, domain)
        if column.type == "vlaggen":
            columns.extend(_flags(column, domain))
            continue
        columns.append(column)
    return tuple(columns)


def _list_column(column: Column, where: str, domain: Any) -> Column:
    """A ``lijst`` column with the codes of its code list (the domain's namespace)."""
    from dataclasses import replace

    from spiegel import codes

    if not column.codelijst:
        raise ValueError(f"{where}: list column {column.naam} needs a codelijst")
    names = domain.codes if domain is not None else codes.SHARED
    return replace(column, opties=names.code_list(column.codelijst).values)


def _flags(column: Column, domain: Any) -> list[Column]:
    from spiegel import codes

    names = domain.codes if domain is not None else codes.SHARED
    labels = names.code_list(column.codelijst)
    return [Column(flag, f"{column.item}: {labels.label(code)}", "vlag", 1)
            for flag, code in zip(column.flag_names(), column.opties, strict=True)]


def _record_layout(set_name: str, columns: tuple[Column, ...], leeg: bool, domain: Any) -> RecordLayout:
    if not any(c.type == "lijst" for c in columns):
        return RecordLayout(set_name, columns, leeg)
    canonical = tuple(f for c in columns for f in (_flags(c, domain) if c.type == "lijst" else [c]))
    return RecordLayout(set_name, canonical, leeg, aangeleverd=columns)


def parse(raw: dict[str, Any], *, domain: Any = None) -> Layout:
    """A layout from its parsed YAML (see the module docstring)."""
    name = raw["naam"]
    if "sets" in raw:
        sets = tuple(
            _record_layout(set_name, _columns(spec["kolommen"], f"{name}/{set_name}", domain),
                           bool(spec.get("leeg_toegestaan", False)), domain)
            for set_name, spec in raw["sets"].items()
        )
    else:
        sets = (_record_layout(str(raw.get("set", raw["domein"])), _columns(raw["kolommen"], name, domain), False,
                               domain),)
    extra = str(raw.get("extra_kolommen", "fout"))
    if extra not in EXTRA_COLUMNS:
        raise ValueError(f"{name}: extra_kolommen must be one of {', '.join(EXTRA_COLUMNS)}")
    recordtype = raw.get("recordtype")
    if recordtype is not None:
        recordtype = {str(k): str(v) for k, v in recordtype.items()}
        if len({len(k) for k in recordtype}) != 1 or set(recordtype.values()) != {s.naam for s in sets}:
            raise ValueError(f"{name}: recordtype needs codes of one length, one for every record set")
    return Layout(name, raw["domein"], str(raw["protocolversie"]), raw["omschrijving"], sets, extra, domain,
                  recordtype)


def load_file(path: Any, *, domain: Any = None) -> Layout:
    """A layout from a YAML file (a path or an importlib Traversable)."""
    with path.open(encoding="utf-8") as fh:
        return parse(parse_yaml(fh), domain=domain)


def rule_declarations(domain: Any) -> dict[str, Any]:
    """A domain's rule file (``spiegel.validate``), parsed, with its family's rule templates expanded.

    A rule file may say ``sjablonen: {voorvoegsels: {JB: jb, MU: muhp}}``: the rules of ``regels.yaml`` in the
    domain's family package (``Domain.family``) are then added once per prefix, for its record set: the code
    ``*-V01`` becomes ``JB-V01`` and ``MU-V01``, ``kolommen`` are renamed per set by the template's
    ``kolomnamen`` (``{muhp: {datum_aanvang: datum_aanvang_machtiging}}``) and left out where the set lacks
    them, a template rule with ``voorvoegsels: [JB, JR]`` is added for those prefixes only, and a ``melding``,
    ``advies`` or ``toelichting`` given as ``{JB: ..., "*": ...}`` is taken per prefix. The rules are ordered by
    group, prefix and code (the catalogue's order)."""
    with domain.resource(domain.rules).open(encoding="utf-8") as fh:
        raw = parse_yaml(fh)
    spec = raw.get("sjablonen")
    if not spec:
        return raw
    from importlib import resources

    with (resources.files(domain.family) / str(spec.get("bestand", "regels.yaml"))).open(encoding="utf-8") as fh:
        template = parse_yaml(fh)
    prefixes: dict[str, str] = {str(k): str(v) for k, v in spec["voorvoegsels"].items()}
    renames = template.get("kolomnamen") or {}
    layout = domain.layout()
    set_columns = {s.naam: set(s.names) for s in layout.sets}
    expanded = []
    for entry in template["regels"]:
        only = entry.get("voorvoegsels")
        for prefix, set_name in prefixes.items():
            if only and prefix not in only:
                continue
            rule = {k: v for k, v in entry.items() if k != "voorvoegsels"}
            rule["code"] = str(entry["code"]).replace("*", prefix, 1)
            rename = renames.get(set_name) or {}
            columns = [rename.get(c, c) for c in entry.get("kolommen") or ()]
            rule["kolommen"] = [c for c in columns if c in set_columns[set_name]]
            rule["set"] = set_name
            for key in ("melding", "advies", "toelichting"):
                if isinstance(rule.get(key), dict):
                    rule[key] = rule[key].get(prefix, rule[key].get("*"))
            expanded.append(rule)
    group_order = {name: i for i, name in enumerate(raw["groepen"])}
    prefix_order = {p: i for i, p in enumerate(prefixes)}
    rules = [*expanded, *raw["regels"]]
    rules.sort(key=lambda r: (group_order.get(r["groep"], len(group_order)),
                              prefix_order.get(str(r["code"])[:2], len(prefix_order)), str(r["code"])))
    return {**raw, "regels": rules}


def file_rules(domain: Any) -> dict[str, FileRule]:
    """Reader problem → file rule, from a domain's rule file (``spiegel.validate``): its rules of kind ``bestand``
    with ``lezer:`` (one problem, or a list of them)."""
    raw = rule_declarations(domain)
    out: dict[str, FileRule] = {}
    for entry in raw["regels"]:
        if entry["soort"] != "bestand" or not entry.get("lezer"):
            continue
        problems = entry["lezer"] if isinstance(entry["lezer"], list) else [entry["lezer"]]
        for problem in problems:
            out[str(problem)] = FileRule(entry["code"], entry["melding"])
    return out
