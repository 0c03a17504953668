"""Built-in PDF back-end: typst source generated from the notebook's outputs, compiled in-process.

Per output, in order of preference: ``text/x-typst`` (from :mod:`spiegel.present`, used as it is),
``image/svg+xml`` (the same SVG as the HTML, drawn by typst), PNG/JPEG, ``text/markdown``, ``text/plain``
(monospace). Markdown cells go through :func:`spiegel.render.markdown.markdown_to_typst`.

One :class:`typst.Compiler` per process (fonts loaded once, incremental compilation: ~10–40 ms per report);
it is replaced every :data:`RECYCLE_EVERY` documents so typst's caches cannot grow without bound in a batch.
``ignore_system_fonts=True`` plus the vendored Liberation Sans (spiegel/present/fonts) as the only font path
makes the PDF independent of whatever else is installed (typst's own embedded fonts remain as glyph
fallback); ``#set document(date: none)`` keeps it byte-identical from run to run.
"""

from __future__ import annotations

import base64
import re
import threading
from typing import Any

from nbformat import NotebookNode

from spiegel.present.charts import FONT_FAMILY, font_dir, typst_svg_image
from spiegel.present.display import PLAIN_MIME, SVG_MIME, TYPST_MIME
from spiegel.present.markup import typst_str
from spiegel.render.markdown import markdown_to_typst
from spiegel.render.notebook import (
    TOC_TITLE,
    RenderError,
    document_info,
    is_title_output,
    output_text,
    report_blocks,
    wants_toc,
)
from spiegel.render.settings import PAGE_TYP_FILE, Settings

RECYCLE_EVERY = 500

_lock = threading.Lock()
_compiler: Any = None
_compiled = 0
_page_typ: str | None = None


def _typst_value(value: Any) -> str:
    """A YAML value from quarto.yml as a typst value (lengths stay bare, text becomes a string)."""
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}: {_typst_value(v)}" for k, v in value.items()) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if re.fullmatch(r"-?\d+(\.\d+)?(pt|mm|cm|in|em|%)", text):
        return text
    return typst_str(text)


def preamble(settings: Settings) -> str:
    """Page set-up from quarto.yml's ``format.typst`` plus the shared page furniture (spiegel-page.typ)."""
    global _page_typ
    if _page_typ is None:
        _page_typ = PAGE_TYP_FILE.read_text(encoding="utf-8")
    t = settings.typst
    paper = t.get("papersize", "a4")
    margin = t.get("margin", {"x": "2cm", "y": "2cm"})
    font = t.get("mainfont", FONT_FAMILY)
    size = t.get("fontsize", "10pt")
    lang = settings.lang.split("-")[0]
    return (
        f"#set page(paper: {typst_str(paper)}, margin: {_typst_value(margin)})\n"
        f"#set text(font: {typst_str(font)}, size: {_typst_value(size)}, "
        f"lang: {typst_str(lang)})\n"
        + _page_typ
        + "\n"
    )


def output_to_typst(output: NotebookNode) -> str:
    """One notebook output as typst (empty when it has nothing to show)."""
    kind = output.get("output_type")
    if kind == "stream":
        return f"#raw(block: true, {typst_str(str(output.get('text', '')).rstrip())})\n"
    if kind == "error":
        message = f"Dit onderdeel van het rapport kon niet worden gemaakt ({output.get('ename', '')})."
        return (
            "#block(width: 100%, fill: rgb(\"#fbeeee\"), stroke: (left: 3pt + rgb(\"#b83232\")), inset: 8pt)["
            f"#strong(\"Fout\")\n\n#{typst_str(message)}]\n"
        )
    typst = output_text(output, TYPST_MIME)
    if typst is not None:
        return typst if typst.endswith("\n") else typst + "\n"
    svg = output_text(output, SVG_MIME)
    if svg is not None:
        return typst_svg_image(svg, output_text(output, PLAIN_MIME))
    for mime, fmt in (("image/png", "png"), ("image/jpeg", "jpg")):
        data = output_text(output, mime)
        if data is not None:
            return _png_block(base64.b64decode(data), fmt)
    markdown = output_text(output, "text/markdown")
    if markdown is not None:
        return markdown_to_typst(markdown)
    plain = output_text(output, PLAIN_MIME)
    if plain is not None:
        return f"#raw(block: true, {typst_str(plain.rstrip())})\n"
    return ""


def _png_block(raw: bytes, fmt: str) -> str:
    # typst has no base64 decoder; an array of byte values is a valid bytes() argument
    values = ",".join(str(b) for b in raw)
    return f"#block(breakable: false, image(bytes(({values},)), format: \"{fmt}\", width: 100%))\n"


#: The table of contents of a long report (sections only: level-2 headings; there are no level-1 headings).
TYPST_TOC = f"#block(below: 1.5em, outline(title: {typst_str(TOC_TITLE)}, depth: 2, indent: auto))\n"


def notebook_to_typst(nb: NotebookNode, settings: Settings) -> str:
    """A prepared notebook as one typst document."""
    info = document_info(nb)
    parts = [preamble(settings)]
    title = " · ".join(x for x in (info.get("title"), info.get("subtitle")) if x) or settings.title
    toc = wants_toc(nb)
    for kind, content in report_blocks(nb):
        parts.append(markdown_to_typst(content) if kind == "markdown" else output_to_typst(content))
        if toc and kind == "output" and is_title_output(content):
            parts.append(TYPST_TOC)
            toc = False
    # Last, after all content: a set rule is part of the styles of everything after it, and typst remembers
    # layouts by content and styles. With the report's own title in those styles no table cell or paragraph of
    # an earlier report could be reused (a report took ~95 ms to compile instead of ~30 ms when only its title
    # was new); typst reads the document's metadata from a top-level set rule wherever it stands.
    parts.append(f"#set document(title: {typst_str(title)})\n")
    return "\n".join(parts)


def _get_compiler() -> Any:
    global _compiler, _compiled
    if _compiler is None or _compiled >= RECYCLE_EVERY:
        import typst

        _compiler = typst.Compiler(font_paths=[str(font_dir())], ignore_system_fonts=True)
        _compiled = 0
    return _compiler


def compile_typst(source: str) -> bytes:
    """typst source → PDF bytes (in-process)."""
    global _compiled
    with _lock:
        compiler = _get_compiler()
        try:
            pdf = compiler.compile(input=source.encode("utf-8"), format="pdf")
        except Exception as exc:  # typst.TypstError carries the message and hints
            message = getattr(exc, "message", None) or str(exc)
            raise RenderError(f"typst could not compile the report: {message}") from exc
        _compiled += 1
    return bytes(pdf)


def notebook_to_pdf(nb: NotebookNode, settings: Settings) -> bytes:
    return compile_typst(notebook_to_typst(nb, settings))
