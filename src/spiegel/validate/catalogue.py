"""The rule catalogue of a domain (``docs/validatieregels.md`` for jeugdhulp, ``docs/validatieregels-<domain>.md``
for the others), generated from the rule declarations.

Regenerate with ``spiegel validate --catalogue [--domain D] > docs/...``; a test fails when a file differs from
:func:`render_catalogue`.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from spiegel.validate.engine import Rule, all_rules, groups


def schema() -> dict:
    """The JSON Schema of ``spiegel validate --format json`` (``findings.schema.json`` in this package)."""
    with (resources.files("spiegel.validate") / "findings.schema.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _check_text(r: Rule, domain: Any) -> str:
    p = r.params
    layout = domain.layout()
    if r.soort == "bestand":
        return "metadata vs. requested period" if p.get("lezer") == "periode" else "file reader"
    if r.soort == "verplicht":
        return "required"
    if r.soort == "formaat":
        return f"format `{p['patroon']}`"
    if r.soort == "codelijst":
        columns = layout.record_set(r.set).kolommen if r.set else layout.kolommen
        name = p.get("codelijst") or {c.naam: c for c in columns}[r.kolommen[0]].codelijst
        text = f"code list `{name}`: {', '.join(domain.codes.code_list(name).values)}"
        if p.get("vervallen_toegestaan"):
            text += "; expired codes for trajectories that started before their end date"
        return text
    if r.soort == "datum":
        return "date `JJJJMMDD`" + (", `JJJJMM00` and `JJJJ0000` allowed" if p.get("onbekend_toegestaan") else "")
    if r.soort == "minstens_een":
        return "at least one filled"
    if r.soort == "verplicht_als":
        return f"required when `{p['als_gevuld']}` is filled"
    if r.soort == "leeg_als":
        return f"empty when `{p['als_leeg']}` is empty"
    if r.soort == "als_dan":
        return (
            f"`{p['als']}` in {', '.join(p['waarden'])} → `{p['dan']}` in {', '.join(p['toegestaan'])}"
        )
    assert r.check is not None
    text = f"logic: `{r.check.__name__}`"
    if r.needs_previous:
        text += " (needs the previous period's delivery)"
    return text


def catalogue_file(domain: Any) -> str:
    """Where a domain's catalogue lives in ``docs/``: the domains of a family share one file
    (``validatieregels-gi.md`` for jeugdbescherming and jeugdreclassering)."""
    if domain.name == "jeugdhulp":
        return "validatieregels.md"
    if getattr(domain, "family", None):
        return f"validatieregels-{domain.family.rsplit('.', 1)[-1]}.md"
    return f"validatieregels-{domain.name}.md"


def render_catalogue_file(domain: Any) -> str:
    """The text of :func:`catalogue_file`: the domain's catalogue, or those of every registered domain of its
    family, one after the other (what ``spiegel validate --catalogue --domain D`` prints)."""
    if not getattr(domain, "family", None):
        return render_catalogue(domain)
    from spiegel import domains

    members = [d for d in (domains.get(n) for n in domains.names()) if d.family == domain.family]
    return "\n".join(render_catalogue(d) for d in members)


def render_catalogue(domain: Any) -> str:
    rules = all_rules(domain)
    settings_class = domain.settings_class
    settings = settings_class()
    docs = settings_class.descriptions()
    folder = domain.package.replace(".", "/")
    option = "" if domain.name == "jeugdhulp" else f" --domain {domain.name}"
    family = getattr(domain, "family", None)
    templates = f" and the templates of src/{family.replace('.', '/')}/regels.yaml" if family else ""
    lines = [
        f"# Validatieregels {domain.titel}",
        "",
        f"<!-- Generated from src/{folder}/{domain.rules}{templates} by "
        f"`spiegel validate --catalogue{option} > docs/{catalogue_file(domain)}`. Do not edit by hand: "
        "tests/test_validate_cli.py fails when this file is stale. -->",
        "",
        "Every rule has a stable code, a severity, a group, a Dutch message (`melding`) and a Dutch advice "
        "(`advies`: what to correct before delivering again). Findings name the rule, the columns and the row "
        "numbers in the delivered file (CSV and Excel: the header is row 1, the first record row 2; fixed "
        "width: the first record is row 1) — never a value from a row.",
        "",
        "- **fout**: blocks a correct count; `spiegel validate` exits with status 2.",
        "- **waarschuwing**: asks the provider to check; exit status 1 when there is no fout.",
        "- Exit status 0: no findings. An unreadable file is a single finding of the file group (status 2).",
        "",
        "Simple checks (required, format, code list, date, required-if) are declared as data and run as one "
        "pandera schema over the delivered text; rules of kind *logic* are small functions in "
        f"`src/{folder}/{domain.logic}.py`"
        + (f" and `src/{family.replace('.', '/')}/logic.py`" if family else "")
        + ". Code lists come from the domain's `codelijsten.yaml` (see "
        "docs/codelijsten.md).",
        "",
        "## Settings",
        "",
        f"Thresholds of the rules (`{domain.package}.{domain.settings.replace(':', '.')}`):",
        "",
        "| Setting | Default | Meaning |",
        "|---|---|---|",
    ]
    for name, value in settings.to_dict().items():
        lines.append(f"| `{name}` | {value} | {_cell(docs[name])} |")
    prefixes = list(dict.fromkeys(r.code[:2] for r in rules))
    for groep, (title, letter) in groups(domain).items():
        members = [r for r in rules if r.groep == groep]
        if not members:
            continue
        codes_text = ", ".join(f"{p}-{letter}.." for p in prefixes if any(r.code[:2] == p for r in members))
        lines += [
            "",
            f"## {title} ({codes_text})",
            "",
            "| Code | Ernst | Kolommen | Check | Melding | Advies | Protocol |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in members:
            columns = ", ".join(f"`{c}`" for c in r.kolommen) or "–"
            if r.set:
                columns = f"{r.set}: {columns}"
            lines.append(
                f"| {r.code} | {r.ernst} | {columns} | {_cell(_check_text(r, domain))} | {_cell(r.melding)} | "
                f"{_cell(r.advies)} | {', '.join(r.protocolversies)} |"
            )
        notes = [r for r in members if r.toelichting]
        if notes:
            lines.append("")
            for r in notes:
                lines.append(f"- **{r.code}**: {r.toelichting}")
    lines += ["", *_json_section()]
    return "\n".join(lines) + "\n"


def _json_section() -> list[str]:
    s = schema()
    lines = [
        "## JSON output",
        "",
        "`spiegel validate FILE --format json` writes one object; its JSON Schema is "
        "`src/spiegel/validate/findings.schema.json` (`$id` "
        f"`{s['$id']}`). Fields:",
        "",
        "| Field | Type | Meaning |",
        "|---|---|---|",
    ]
    for name, spec in s["properties"].items():
        lines.append(f"| `{name}` | {_type(spec)} | {_cell(spec.get('description', ''))} |")
    finding = s["$defs"]["bevinding"]
    lines += ["", "A finding (`bevindingen[]`, and per rule in `samenvatting[]`):", "",
              "| Field | Type | Meaning |", "|---|---|---|"]
    for name, spec in finding["properties"].items():
        lines.append(f"| `{name}` | {_type(spec)} | {_cell(spec.get('description', ''))} |")
    return lines


def _type(spec: dict) -> str:
    if "const" in spec:
        return f"`{spec['const']}`"
    if "anyOf" in spec:
        return " or ".join(_type(part) for part in spec["anyOf"])
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[-1]
    kind = spec.get("type", "")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array" and "items" in spec:
        return f"array of {_type(spec['items'])}"
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"])
    return str(kind)
