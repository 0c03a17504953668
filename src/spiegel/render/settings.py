"""Rendering settings from ``quarto.yml`` (the one place for them; see docs/rendering.md)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spiegel.io import parse_yaml

SETTINGS_FILE = "quarto.yml"
TEMPLATES = Path(__file__).parent / "templates"
CSS_FILE = TEMPLATES / "spiegel-report.css"
PAGE_TYP_FILE = TEMPLATES / "spiegel-page.typ"

# Used only when no quarto.yml is found (e.g. an installed package run outside the repository).
_DEFAULT_TYPST = {"papersize": "a4", "margin": {"x": "2cm", "top": "2.5cm", "bottom": "2cm"}, "fontsize": "10pt",
                  "mainfont": "Liberation Sans"}


@dataclass(frozen=True)
class Settings:
    """What the built-in back-end takes from quarto.yml; ``path`` is handed to Quarto as its project file."""

    path: Path | None
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def lang(self) -> str:
        return str(self.data.get("lang", "nl"))

    @property
    def title(self) -> str:
        return str(self.data.get("title", "Spiegelrapport"))

    @property
    def typst(self) -> dict[str, Any]:
        fmt = self.data.get("format") or {}
        typst = fmt.get("typst") if isinstance(fmt, dict) else None
        return typst if isinstance(typst, dict) else dict(_DEFAULT_TYPST)


#: The project's own ``quarto.yml`` (the repository root; the project is installed from its source tree).
PROJECT_SETTINGS = Path(__file__).resolve().parents[3] / SETTINGS_FILE


def find_settings(*starts: Path | None) -> Path | None:
    """The first ``quarto.yml`` in one of ``starts`` or its parents, then in the working directory's parents, and
    otherwise the project's own (:data:`PROJECT_SETTINGS`): the same settings whatever the working directory."""
    candidates = [Path(s).resolve() for s in starts if s is not None] + [Path.cwd().resolve()]
    for start in candidates:
        for directory in (start, *start.parents):
            path = directory / SETTINGS_FILE
            if path.is_file():
                return path
    return PROJECT_SETTINGS if PROJECT_SETTINGS.is_file() else None


@functools.lru_cache(maxsize=8)
def _load(path: Path | None, mtime: float) -> Settings:
    if path is None:
        return Settings(None, {"lang": "nl", "format": {"typst": dict(_DEFAULT_TYPST)}})
    with open(path, encoding="utf-8") as fh:
        data = parse_yaml(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a YAML mapping")
    return Settings(path, data)


def load_settings(path: Path | None) -> Settings:
    """Settings from ``path`` (cached per process while the file is unchanged)."""
    if path is None:
        return _load(None, 0.0)
    path = Path(path).resolve()
    return _load(path, path.stat().st_mtime)
