"""Markdown cells → typst, for the built-in PDF back-end.

Parsed with mistune (already a dependency of nbconvert) into its AST; supported: headings, paragraphs, bold,
italic, strikethrough, inline code, links (shown as their text), bullet and numbered lists (nested), block
quotes, code blocks, horizontal rules and pipe tables. Raw HTML and images are left out (a report's markdown is
prose; figures come from display objects). All text is emitted as typst string literals, so no character in the
markdown can break the typst document.
"""

from __future__ import annotations

from typing import Any

from spiegel.present.markup import typst_str

_parser: Any = None


def _parse(text: str) -> list[dict[str, Any]]:
    global _parser
    if _parser is None:
        import mistune

        _parser = mistune.create_markdown(renderer="ast", plugins=["table", "strikethrough"])
    return _parser(text)  # type: ignore[no-any-return]


def markdown_to_typst(text: str) -> str:
    """A markdown cell's source as typst markup."""
    return _blocks(_parse(text)).strip() + "\n"


def _inline(nodes: list[dict[str, Any]]) -> str:
    out = []
    for node in nodes:
        kind = node["type"]
        if kind == "text":
            out.append(f"#{typst_str(node['raw'])}")
        elif kind == "strong":
            out.append(f"#strong[{_inline(node['children'])}]")
        elif kind == "emphasis":
            out.append(f"#emph[{_inline(node['children'])}]")
        elif kind == "strikethrough":
            out.append(f"#strike[{_inline(node['children'])}]")
        elif kind == "codespan":
            out.append(f"#raw({typst_str(node['raw'])})")
        elif kind == "link":
            out.append(_inline(node.get("children", [])))
        elif kind in ("softbreak",):
            out.append(" ")
        elif kind == "linebreak":
            out.append(" \\\n")
        elif "children" in node:
            out.append(_inline(node["children"]))
        # inline_html, image: left out on purpose
    return "".join(out)


def _list(node: dict[str, Any], depth: int) -> str:
    marker = "+" if node.get("attrs", {}).get("ordered") else "-"
    lines = []
    for item in node["children"]:
        parts = []
        nested = []
        for child in item.get("children", []):
            if child["type"] == "list":
                nested.append(_list(child, depth + 1))
            elif child["type"] in ("block_text", "paragraph"):
                parts.append(_inline(child.get("children", [])))
            else:
                parts.append(_blocks([child]).strip())
        lines.append("  " * depth + f"{marker} " + " ".join(p for p in parts if p))
        lines.extend(nested)
    return "\n".join(lines)


def _table(node: dict[str, Any]) -> str:
    head = next((c for c in node["children"] if c["type"] == "table_head"), None)
    body = next((c for c in node["children"] if c["type"] == "table_body"), None)
    head_cells = head["children"] if head else []
    ncols = len(head_cells) or 1
    aligns = [(c.get("attrs", {}).get("align") or "left") for c in head_cells] or ["left"]
    cells = [f"strong[{_inline(c['children'])}]" for c in head_cells]
    rows = []
    for row in body["children"] if body else []:
        rows.append(", ".join(f"[{_inline(c['children'])}]" for c in row["children"]))
    header = f"  table.header({', '.join(cells)},),\n" if cells else ""
    return (
        f"#block(width: 100%, below: 1.2em)[#text(size: 9pt)[#table(\n  columns: {ncols},\n"
        f"  align: ({', '.join(aligns)},),\n"
        "  stroke: (x, y) => if y == 0 { (bottom: 0.7pt) } else { (bottom: 0.3pt + luma(80%)) },\n"
        f"  inset: (x: 4pt, y: 3pt),\n{header}"
        + "".join(f"  {r},\n" for r in rows)
        + ")]]\n"
    )


def _blocks(nodes: list[dict[str, Any]]) -> str:
    out = []
    for node in nodes:
        kind = node["type"]
        if kind == "heading":
            level = min(int(node["attrs"]["level"]), 6)
            out.append(f"{'=' * level} {_inline(node['children'])}\n")
        elif kind == "paragraph":
            out.append(_inline(node["children"]) + "\n")
        elif kind == "list":
            out.append(_list(node, 0) + "\n")
        elif kind == "block_quote":
            inner = _blocks(node.get("children", [])).strip()
            out.append(
                f"#block(width: 100%, inset: (left: 8pt, y: 4pt), stroke: (left: 2pt + luma(70%)))[{inner}]\n"
            )
        elif kind == "block_code":
            out.append(f"#raw(block: true, {typst_str(node.get('raw', '').rstrip())})\n")
        elif kind == "thematic_break":
            out.append("#line(length: 100%, stroke: 0.5pt + luma(70%))\n")
        elif kind == "table":
            out.append(_table(node))
        elif kind == "block_text":
            out.append(_inline(node["children"]) + "\n")
        # blank_line, block_html: nothing
    return "\n".join(out)
