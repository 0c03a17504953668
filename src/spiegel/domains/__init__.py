"""Domains: what differs between jeugdhulp, jeugdbescherming, jeugdreclassering and Veilig Thuis, one folder each.

A domain is a folder ``spiegel/domains/<name>/`` with its layouts (``*.yaml`` with ``kolommen``), its code lists
(``codelijsten.yaml``), its rules (``rules.yaml`` and the logic checks in ``logic.py``), its facts and thresholds,
its counts, its report sections and notebook; its ``__init__.py`` describes it in one :class:`Domain` named
``DOMAIN``. The generic stages (read, validate, protect, present, render, batch) receive a :class:`Domain` and
never import a domain module; :func:`get` finds one by name for the pipeline, the batch and the commands.

Adding a domain is adding a folder and its name to :data:`BUILTIN` (or calling :func:`register` with the module
that holds its ``DOMAIN``, as the tests do with a tiny domain). See docs/architecture.md.

Everything heavy is named as ``"module:attribute"`` relative to the domain's package and imported on first use, so
that looking a domain up (``spiegel --help``, the batch planner) stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

from spiegel.errors import ParameterError

if TYPE_CHECKING:
    from spiegel.codes import CodeLists
    from spiegel.layouts import FileRule, Layout
    from spiegel.periods import Period

#: The domains that ship with the package: name → module holding ``DOMAIN``.
BUILTIN: dict[str, str] = {
    "jeugdhulp": "spiegel.domains.jeugdhulp",
    "vt": "spiegel.domains.vt",
    "jb": "spiegel.domains.jb",
    "jr": "spiegel.domains.jr",
}
_EXTRA: dict[str, str] = {}
_LOADED: dict[str, Domain] = {}


@dataclass(frozen=True)
class Domain:
    """The description of one domain: names of its parts, resolved lazily (see the module docstring).

    The ``"module:attribute"`` fields are relative to ``package`` (``"count:count_report"`` is
    ``<package>.count.count_report``)."""

    name: str  # "jeugdhulp": the register's ``domein``, ``--domain``, the manifest
    titel: str  # Dutch, for titles: "Spiegelrapport jeugdhulp"
    package: str  # "spiegel.domains.jeugdhulp"
    period_kinds: tuple[str, ...]  # "H" half-years, "Q" quarters
    layouts: Mapping[str, str]  # protocol version → layout name (a ``<name>.yaml`` in the package)
    default_layout: str
    notebook: str  # file name in notebooks/ (the report notebook)
    rules: str = "rules.yaml"  # the rule declarations, in the package
    logic: str | None = "logic"  # module that registers the logic checks (``spiegel.validate.logic``)
    settings: str = "facts:Settings"  # thresholds of the rules (a dataclass, see spiegel.validate.Settings)
    facts: str = "facts:Facts"  # what the logic checks look at (a spiegel.validate.Facts subclass)
    count: str = "count:count_report"  # (delivery, period, *, history, previous, gemeente) -> spiegel.count.Counts
    report: str = "report:Report"  # the report class (spiegel.present.report.Report subclass)
    overview: str | None = None  # (period, summaries, previous summaries) -> HTML of the index's national overview
    synth: str | None = None  # (out, **options) -> a result like the jeugdhulp one; ``spiegel synth --domain``
    sample: str | None = None  # (out) -> its part of the bundled sample (register rows, files); ``--sample``
    sample_periods: tuple[str, ...] = ()  # the periods of its bundled sample, oldest first (``spiegel demo``)
    aliases: tuple[str, ...] = ()  # other spellings of ``name`` in a sidecar's ``domein``
    family: str | None = None  # package of the domain's family (not a domain: ``spiegel.domains.gi``), whose
    # ``codelijsten.yaml`` is searched after the domain's own and whose ``regels.yaml`` holds shared rule templates
    extra: Mapping[str, Any] = field(default_factory=dict)

    # --- parts -------------------------------------------------------------------------------------------------

    def part(self, spec: str) -> Any:
        """``"module:attribute"`` of this domain's package, imported."""
        module, _, attribute = spec.partition(":")
        loaded = importlib.import_module(f"{self.package}.{module}")
        return getattr(loaded, attribute) if attribute else loaded

    def resource(self, name: str) -> Any:
        """A file of the domain's folder (a layout, the rules, the code lists) as an importlib Traversable."""
        return resources.files(self.package) / name

    @cached_property
    def codes(self) -> CodeLists:
        """The domain's code lists: its own ``codelijsten.yaml`` first, then the shared lists."""
        from spiegel import codes

        own = self.resource("codelijsten.yaml")
        family = resources.files(self.family) / "codelijsten.yaml" if self.family else None
        files = [f for f in (own, family) if f is not None and f.is_file()]
        return codes.CodeLists(*files, codes.SHARED_FILE) if files else codes.SHARED

    @cached_property
    def file_rules(self) -> Mapping[str, FileRule]:
        """Reader problem (``onleesbaar``, ``leeg``, ``kolommen`` …) → the rule code and message it carries (the
        rules of kind ``bestand`` with ``lezer:`` in the domain's rule file)."""
        from spiegel.layouts import file_rules

        return file_rules(self)

    def layout(self, name: str | None = None) -> Layout:
        """A layout of this domain by name (default: the current one), or by protocol version."""
        name = self.layouts.get(name, name) if name else self.default_layout
        cache = self.__dict__.setdefault("_layouts", {})
        if name not in cache:
            from spiegel import layouts

            path = self.resource(f"{name}.yaml")
            if name not in self.layouts.values() or not path.is_file():
                known = ", ".join(sorted(set(self.layouts.values())))
                raise ParameterError(f"onbekende indeling {name!r} voor {self.name}; beschikbaar: {known}")
            cache[name] = layouts.load_file(path, domain=self)
        return cache[name]

    def check_period(self, period: Period) -> None:
        """A report or batch for a period this domain does not deliver (a quarter for a half-year domain)."""
        if period.kind not in self.period_kinds:
            unit = {"H": "halfjaar", "Q": "kwartaal"}
            kinds = " of ".join(unit[k] for k in self.period_kinds)
            raise ParameterError(f"{self.titel} wordt per {kinds} aangeleverd; periode {period} past daar niet bij")

    @property
    def settings_class(self) -> type:
        return self.part(self.settings)

    @property
    def facts_class(self) -> type:
        return self.part(self.facts)

    @property
    def count_function(self) -> Callable[..., Any]:
        return self.part(self.count)

    @property
    def report_class(self) -> type:
        return self.part(self.report)

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Domain) and other.name == self.name and other.package == self.package


def names() -> tuple[str, ...]:
    """The names of every known domain (no domain module is imported)."""
    return (*BUILTIN, *(n for n in _EXTRA if n not in BUILTIN))


def canonical(name: str) -> str:
    """A domain name as written in a sidecar or on the command line → its registered name (``JB`` → ``jb``)."""
    text = str(name).strip()
    if text in BUILTIN or text in _EXTRA:
        return text
    lower = text.lower()
    for known in names():
        if lower == known or lower in get(known).aliases:
            return known
    raise ParameterError(f"onbekend domein {name!r}; kies uit {', '.join(names())}")


def get(name: str) -> Domain:
    """The domain called ``name`` (its module is imported on first use)."""
    domain = _LOADED.get(name)
    if domain is not None:
        return domain
    module = BUILTIN.get(name) or _EXTRA.get(name)
    if module is None:
        return get(canonical(name))
    return _load(module)


def register(module: str) -> Domain:
    """Add the domain described by ``module`` (which holds ``DOMAIN``); returns it."""
    domain = _load(module)
    _EXTRA[domain.name] = module
    return domain


def module_of(name: str) -> str:
    """The module that describes a domain (what a worker process imports to know it)."""
    return BUILTIN.get(name) or _EXTRA[name]


def _load(module: str) -> Domain:
    domain = importlib.import_module(module).DOMAIN
    if not isinstance(domain, Domain):
        raise TypeError(f"{module}.DOMAIN is not a spiegel.domains.Domain")
    _LOADED[domain.name] = domain
    return domain
