"""The stages of the package, read from its imports: the one-way arrows and the domain seam, checked and drawn.

    python -m spiegel.architecture            # the picture (Mermaid) of the stages and their imports
    python -m spiegel.architecture --check    # the rules below; exit status 1 with the imports that break them
    python -m spiegel.architecture --write docs/architecture.md   # the picture into the page, between its markers

Every module belongs to one stage (:data:`STAGES`, lowest first). The rules:

1. an import points down or sideways: a module imports only modules of its own stage or of lower stages;
2. only a domain imports itself: no module outside ``spiegel.domains.<name>`` imports that domain (the generic
   stages receive a ``Domain``; the pipeline, the batch and the commands look one up by name in the registry);
3. a domain imports no other domain: what two domains share belongs to a generic stage, or, when only a family of
   domains shares it (jeugdbescherming and jeugdreclassering, both done by a GI), to a package under
   ``spiegel.domains`` that is not itself a registered domain.

Imports inside ``if TYPE_CHECKING:`` count for nothing; imports inside functions count like any other.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

#: (stage, module prefixes), lowest first. A module belongs to the stage of its longest matching prefix.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("spiegel", "spiegel.errors", "spiegel.io", "spiegel.formats", "spiegel.periods", "spiegel.dates",
              "spiegel.elfproef", "spiegel.fastpath", "spiegel.codes", "spiegel.gemeenten", "spiegel.youth",
              "spiegel.offload", "spiegel.flows")),
    ("read", ("spiegel.layouts", "spiegel.read", "spiegel.deliveries", "spiegel.register", "spiegel.write",
              "spiegel.inspection", "spiegel.domains", "spiegel.sample", "spiegel.history")),
    ("validate", ("spiegel.validate",)),
    ("count", ("spiegel.count",)),
    ("protect", ("spiegel.protect",)),
    ("present", ("spiegel.present", "spiegel.export", "spiegel.xlsx")),
    ("render", ("spiegel.render",)),
    ("domain", ()),  # spiegel.domains.<name>.*
    ("pipeline", ("spiegel.report", "spiegel.pipeline", "spiegel.sidecar", "spiegel.notebook_io",
                  "spiegel.sample.make")),
    ("batch", ("spiegel.batch",)),
    ("cli", ("spiegel.cli", "spiegel.commands", "spiegel.architecture")),
)
LEVEL = {stage: i for i, (stage, _) in enumerate(STAGES)}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module
    line: int


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def domain_of(module: str) -> str | None:
    """``spiegel.domains.jeugdhulp.count`` → ``jeugdhulp``; None outside a domain's package."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["spiegel", "domains"] else None


def stage_of(module: str) -> str:
    if domain_of(module) is not None:
        return "domain"
    best, length = "base", -1
    for stage, prefixes in STAGES:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = stage, len(prefix)
    return best


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def imports(package: Path = PACKAGE) -> list[Import]:
    """Every import of a ``spiegel`` module by a ``spiegel`` module (``from spiegel import x`` names ``spiegel.x``
    when ``x`` is a module)."""
    modules = {module_name(p) for p in package.rglob("*.py")}
    out: list[Import] = []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _type_checking(node):
                for inner in node.body:
                    skip.update(id(n) for n in ast.walk(inner))
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, node, path.name == "__init__.py")
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for target in targets:
                if target == "spiegel" or target.startswith("spiegel."):
                    out.append(Import(module, target, node.lineno))
    return out


def problems(found: list[Import] | None = None) -> list[str]:
    """The imports that break the rules of the module docstring."""
    out = []
    for imp in found if found is not None else imports():
        source, target = stage_of(imp.module), stage_of(imp.target)
        where = f"{imp.module}:{imp.line} imports {imp.target}"
        own, other = domain_of(imp.module), domain_of(imp.target)
        if other is not None and own is None:
            out.append(f"{where}: only the domain itself imports a domain module")
        elif other is not None and own is not None and other != own and _is_domain(other):
            out.append(f"{where}: a domain imports no other domain")
        elif LEVEL[target] > LEVEL[source]:
            out.append(f"{where}: an import points up ({source} → {target})")
    return out


def _is_domain(name: str) -> bool:
    from spiegel import domains

    return name in domains.names()


def mermaid(found: list[Import] | None = None) -> str:
    """The stages as a Mermaid flowchart: an arrow per pair of stages one imports from, with the number of
    imports; the domains as one box each."""
    found = found if found is not None else imports()
    edges: Counter[tuple[str, str]] = Counter()
    domains_seen: set[str] = set()
    for imp in found:
        a = domain_of(imp.module) or stage_of(imp.module)
        b = domain_of(imp.target) or stage_of(imp.target)
        for name in (domain_of(imp.module), domain_of(imp.target)):
            if name:
                domains_seen.add(name)
        if a != b and b != "base":
            edges[(a, b)] += 1
    lines = ["flowchart LR"]
    for stage, _ in STAGES:
        if stage not in ("base", "domain"):
            lines.append(f"  {stage}[{stage}]")
    if domains_seen:
        lines.append("  subgraph domains")
        lines += [f"    {name}([{name}])" for name in sorted(domains_seen)]
        lines.append("  end")
    for (a, b), n in sorted(edges.items(), key=lambda item: (LEVEL.get(item[0][0], LEVEL["domain"]), item[0])):
        lines.append(f"  {a} -->|{n}| {b}")
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- architecture:begin -->", "<!-- architecture:end -->"


def page_with_picture(page: str, picture: str) -> str:
    """``page`` with the text between :data:`BEGIN` and :data:`END` replaced by the picture."""
    head, rest = page.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n```mermaid\n{picture}```\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiegel.architecture", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check the rules; exit status 1 when one is broken")
    parser.add_argument("--write", metavar="PAGE", help="write the picture into PAGE between its markers")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        print("\n".join(found) if found else "the stages' imports keep the rules")
        return 1 if found else 0
    picture = mermaid()
    if args.write:
        page = Path(args.write)
        page.write_text(page_with_picture(page.read_text(encoding="utf-8"), picture), encoding="utf-8")
        return 0
    print(picture, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
