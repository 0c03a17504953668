"""The stages' imports keep the rules of docs/architecture.md, and its picture is the one the code makes."""

from __future__ import annotations

from pathlib import Path

from spiegel import architecture

ROOT = Path(__file__).resolve().parents[1]


def test_imports_point_one_way_and_only_a_domain_imports_itself() -> None:
    assert architecture.problems() == []


def test_an_upward_import_and_a_generic_import_of_a_domain_are_found() -> None:
    found = [
        architecture.Import("spiegel.read", "spiegel.validate.engine", 1),
        architecture.Import("spiegel.protect", "spiegel.domains.jeugdhulp.count", 2),
        architecture.Import("spiegel.domains.jeugdhulp.report", "spiegel.present.display", 3),
    ]
    problems = architecture.problems(found)
    assert len(problems) == 2
    assert "points up (read → validate)" in problems[0]
    assert "only the domain itself imports a domain module" in problems[1]


def test_generic_stages_import_no_domain_module() -> None:
    generic = ("read", "validate", "count", "protect", "present", "render", "batch")
    offenders = [
        imp for imp in architecture.imports()
        if architecture.stage_of(imp.module) in generic and architecture.domain_of(imp.target) is not None
    ]
    assert offenders == []


def test_architecture_page_holds_the_current_picture() -> None:
    """Regenerate with: python -m spiegel.architecture --write docs/architecture.md"""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert architecture.page_with_picture(page, architecture.mermaid()) == page
