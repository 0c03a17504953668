"""Built-in HTML back-end: nbconvert's HTMLExporter with our template (``templates/spiegel``).

The exporter, its Jinja environment and the style sheet are created once per process and reused (the first
export costs ~0.1–0.3 s, later ones ~10–30 ms). The output is one file with the CSS inlined, charts as inline SVG,
no ``<script>`` at all, and nothing that loads from another host or from a file beside it (checked after every
export).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from nbformat import NotebookNode

from spiegel.present.display import HTML_MIME, PLAIN_MIME, SVG_MIME
from spiegel.present.markup import esc_html
from spiegel.render.notebook import (
    TOC_TITLE,
    RenderError,
    document_info,
    external_references,
    output_text,
    relative_references,
    wants_toc,
)
from spiegel.render.settings import CSS_FILE, TEMPLATES, Settings

_lock = threading.Lock()
_exporter: Any = None
_css: str | None = None


def _get_exporter() -> Any:
    global _exporter, _css
    if _exporter is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        config = Config()
        config.TemplateExporter.extra_template_basedirs = [str(TEMPLATES)]
        config.TemplateExporter.exclude_input = True
        config.TemplateExporter.exclude_input_prompt = True
        config.TemplateExporter.exclude_output_prompt = True
        # our template and prepare() do all filtering; no nbconvert preprocessors needed
        config.HTMLExporter.preprocessors = []
        config.HTMLExporter.default_preprocessors = []
        _exporter = _make_exporter_class(HTMLExporter)(config=config, template_name="spiegel")
        _css = CSS_FILE.read_text(encoding="utf-8")
    return _exporter


class _Private(NotebookNode):
    """The prepared notebook is already a private copy: nbconvert's defensive deep copy (a third of the export
    time) is skipped by making the copy the object itself."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Private:
        return self


_MARKDOWN_CACHE_MAX = 256


def _make_exporter_class(base: type) -> type:
    from jinja2 import pass_context
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class SpiegelHTMLExporter(base):  # type: ignore[misc, valid-type]
        """HTMLExporter without its BeautifulSoup pass (alt texts and tabindex for JupyterLab cells, which our
        template does not produce): that pass re-parses the whole page and costs ~80 ms per report."""

        def from_notebook_node(self, nb: NotebookNode, resources: Any = None, **kw: Any) -> tuple[str, Any]:
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)  # type: ignore[no-any-return]

        @pass_context
        def markdown2html(self, context: Any, source: str) -> str:
            """nbconvert's markdown filter, remembered per text: the notebook's markdown cells are the same in
            every report, and mistune parsed each of them again (~1 % of a report in a batch). A cell with
            attachments, or embedded images (read from disk), is converted every time."""
            if context.get("cell", {}).get("attachments") or self.embed_images:
                return base.markdown2html(self, context, source)  # type: ignore[no-any-return]
            key = (source, context.get("resources", {}).get("metadata", {}).get("path", ""))
            cache = self.__dict__.setdefault("_spiegel_markdown", {})
            html = cache.get(key)
            if html is None:
                if len(cache) >= _MARKDOWN_CACHE_MAX:
                    cache.clear()
                html = cache[key] = base.markdown2html(self, context, source)
            return html  # type: ignore[no-any-return]

    return SpiegelHTMLExporter


def notebook_to_html(nb: NotebookNode, settings: Settings) -> str:
    """A prepared notebook (see :func:`spiegel.render.notebook.prepare`) as a self-contained HTML page."""
    info = document_info(nb)
    title = " · ".join(x for x in (info.get("title"), info.get("subtitle")) if x) or settings.title
    with _lock:
        exporter = _get_exporter()
        resources = {"spiegel": {"lang": settings.lang, "title": title, "css": _css, "footer": info.get("footer")}}
        html, _ = exporter.from_notebook_node(_Private(nb), resources=resources)
    if wants_toc(nb):
        html = with_toc(html)
    external = external_references(html)
    if external:
        raise RenderError(
            f"the HTML report would load {len(external)} resource(s) from another host "
            f"(first: {external[0]!r}); render charts with spiegel.present.Chart, not altair's HTML renderer"
        )
    relative = relative_references(html)
    if relative:
        raise RenderError(
            f"the HTML report would load {len(relative)} resource(s) by a relative link (first: {relative[0]!r}), "
            "which is not sent with the report; embed it (a data: URI) or leave it out"
        )
    return html


_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)(?:<a class="anchor-link"[^>]*>.*?</a>)?</h2>', re.DOTALL)


def toc_html(entries: list[tuple[str, str]]) -> str:
    """``<nav>`` with a link per section; ``entries`` are (id, HTML text of the heading)."""
    items = "".join(f'<li><a href="#{ident}">{text}</a></li>' for ident, text in entries)
    return (f'<nav class="sp-toc" aria-label="{esc_html(TOC_TITLE)}"><p class="sp-toc-title">{esc_html(TOC_TITLE)}'
            f"</p><ol>{items}</ol></nav>")


def with_toc(html: str) -> str:
    """The page with a table of contents of its ``<h2>`` sections after the title block (or at the top)."""
    entries = [(m.group(1), m.group(2).strip()) for m in _H2.finditer(html)]
    if not entries:
        return html
    nav = toc_html(entries)
    at = html.find("</header>")
    at = at + len("</header>") if at >= 0 else html.find(">", html.find('<main class="sp-report"')) + 1
    return html[:at] + nav + html[at:]


def output_to_html(output: NotebookNode) -> str:
    """One output as an HTML fragment, the same markup the template produces (used by the Quarto back-end)."""
    kind = output.get("output_type")
    if kind == "stream":
        return f'<pre class="sp-pre">{esc_html(output.get("text", ""))}</pre>'
    if kind == "error":
        return (
            '<div class="sp-callout sp-error" role="note"><p class="sp-callout-title">Fout</p><p>Dit onderdeel van '
            f"het rapport kon niet worden gemaakt ({esc_html(output.get('ename', ''))}).</p></div>"
        )
    html = output_text(output, HTML_MIME)
    if html is not None:
        return html
    svg = output_text(output, SVG_MIME)
    if svg is not None:
        return f'<figure class="sp-chart">{svg}</figure>'
    alt = esc_html(output_text(output, PLAIN_MIME) or "")
    for mime in ("image/png", "image/jpeg"):
        data = output_text(output, mime)
        if data is not None:
            return f'<figure class="sp-chart"><img src="data:{mime};base64,{data.strip()}" alt="{alt}"></figure>'
    plain = output_text(output, PLAIN_MIME)
    return f'<pre class="sp-pre">{esc_html(plain)}</pre>' if plain is not None else ""
