"""Delivery layouts as data: one YAML file per domain and protocol version (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from spiegel.errors import ParameterError
from spiegel.io import parse_yaml

DEFAULT = {"jeugdhulp": "jeugdhulp-7"}


@dataclass(frozen=True)
class Column:
    naam: str
    item: str
    type: str
    breedte: int
    verplicht: bool = False
    codelijst: str | None = None


@dataclass(frozen=True)
class Layout:
    naam: str
    domein: str
    protocolversie: str
    omschrijving: str
    kolommen: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.naam for c in self.kolommen]

    @property
    def record_width(self) -> int:
        return sum(c.breedte for c in self.kolommen)

    def column(self, name: str) -> Column:
        return {c.naam: c for c in self.kolommen}[name]


def available() -> list[str]:
    root = resources.files("spiegel.layouts")
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


@cache
def load(name: str) -> Layout:
    """A layout by name (``jeugdhulp-7``) or by domain (``jeugdhulp`` → its current layout)."""
    name = DEFAULT.get(name, name)
    if name not in available():
        raise ParameterError(f"onbekende indeling {name!r}; beschikbaar: {', '.join(available())}")
    with (resources.files("spiegel.layouts") / f"{name}.yaml").open(encoding="utf-8") as fh:
        raw = parse_yaml(fh)
    columns = tuple(
        Column(
            naam=c["naam"],
            item=c["item"],
            type=c["type"],
            breedte=int(c["breedte"]),
            verplicht=bool(c.get("verplicht", False)),
            codelijst=c.get("codelijst"),
        )
        for c in raw["kolommen"]
    )
    return Layout(raw["naam"], raw["domein"], str(raw["protocolversie"]), raw["omschrijving"], columns)
