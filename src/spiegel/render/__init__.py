"""Rendering an executed report notebook into one self-contained HTML file and a PDF.

Two back-ends read the same executed notebook (docs/rendering.md):

- ``builtin``: nbconvert's HTMLExporter with our template (HTML) and typst source generated from the outputs,
  compiled in-process with the ``typst`` package (PDF). Everything stays in the calling process; exporter,
  template, style sheet and typst compiler are created once per process.
- ``quarto``: the Quarto CLI (``quarto render``), when a ``quarto`` executable is on PATH, with ``quarto.yml``
  handed to it as the project file ``_quarto.yml`` of a temporary project directory.

``renderer="auto"`` picks ``quarto`` when it is installed and ``builtin`` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from nbformat import NotebookNode

from spiegel.io import write_bytes_atomic, write_text_atomic
from spiegel.render.notebook import RenderError, prepare, read_notebook
from spiegel.render.quarto import quarto_executable
from spiegel.render.settings import Settings, find_settings, load_settings

RENDERERS = ("builtin", "quarto")
FORMATS = ("html", "pdf")

__all__ = [
    "FORMATS",
    "RENDERERS",
    "RenderError",
    "Settings",
    "available_renderers",
    "find_settings",
    "load_settings",
    "render",
    "render_notebook",
    "select_renderer",
    "warm_up",
]


def available_renderers() -> list[str]:
    """The back-ends usable on this machine (``builtin`` always; ``quarto`` when ``quarto`` is on PATH)."""
    return ["builtin", "quarto"] if quarto_executable() else ["builtin"]


def select_renderer(name: str = "auto") -> str:
    """``auto`` → ``quarto`` if installed, else ``builtin``; an explicit name must be available."""
    if name == "auto":
        return "quarto" if quarto_executable() else "builtin"
    if name not in RENDERERS:
        raise RenderError(f"unknown renderer {name!r}; choose one of auto, {', '.join(RENDERERS)}")
    if name not in available_renderers():
        raise RenderError("renderer 'quarto' needs a `quarto` executable on PATH; use --renderer builtin or auto")
    return name


def _formats(formats: Iterable[str]) -> tuple[str, ...]:
    result = tuple(dict.fromkeys(formats))
    unknown = [f for f in result if f not in FORMATS]
    if unknown or not result:
        raise RenderError(f"unknown format(s) {unknown}; choose from {', '.join(FORMATS)}")
    return result


def render_notebook(
    nb: NotebookNode,
    out_dir: str | Path,
    *,
    formats: Iterable[str] = FORMATS,
    renderer: str = "auto",
    stem: str = "spiegelrapport",
    settings: str | Path | Settings | None = None,
    source_dir: Path | None = None,
) -> dict[str, Path]:
    """Renders an executed notebook object (e.g. straight from an in-process execution); see :func:`render`."""
    out_dir = Path(out_dir)
    wanted = _formats(formats)
    backend = select_renderer(renderer)
    if not isinstance(settings, Settings):
        settings = load_settings(Path(settings) if settings is not None else find_settings(source_dir))
    prepared = prepare(nb)
    if backend == "quarto":
        from spiegel.render.quarto import render_quarto

        return render_quarto(prepared, out_dir, wanted, stem, settings)
    results: dict[str, Path] = {}
    if "html" in wanted:
        from spiegel.render.html import notebook_to_html

        target = out_dir / f"{stem}.html"
        write_text_atomic(target, notebook_to_html(prepared, settings))
        results["html"] = target
    if "pdf" in wanted:
        from spiegel.render.pdf import notebook_to_pdf

        target = out_dir / f"{stem}.pdf"
        write_bytes_atomic(target, notebook_to_pdf(prepared, settings))
        results["pdf"] = target
    return results


def render(
    executed_notebook: str | Path,
    out_dir: str | Path,
    *,
    formats: Iterable[str] = FORMATS,
    renderer: str = "auto",
    stem: str = "spiegelrapport",
    settings: str | Path | Settings | None = None,
) -> dict[str, Path]:
    """Renders ``executed_notebook`` to ``out_dir/<stem>.html`` and/or ``.pdf``; returns ``{format: path}``.

    ``settings``: a quarto.yml path or loaded :class:`Settings`; default: the first ``quarto.yml`` found in the
    notebook's directory or its parents, then the working directory or its parents. Files are written atomically.
    """
    path = Path(executed_notebook)
    return render_notebook(
        read_notebook(path), out_dir, formats=formats, renderer=renderer, stem=stem, settings=settings,
        source_dir=path.parent,
    )


def warm_up() -> None:
    """Pays the first-call costs of the built-in back-end once per process (nbconvert exporter and template,
    typst compiler and fonts, vl-convert's runtime: together ~1 s), e.g. in a batch worker's initialiser."""
    from spiegel.present.charts import spec_to_svg
    from spiegel.render.html import _get_exporter
    from spiegel.render.pdf import compile_typst, preamble

    _get_exporter()
    compile_typst(preamble(load_settings(None)) + "#table(columns: 2, [a], [1])\n")
    spec_to_svg({"data": {"values": [{"a": "x", "b": 1}]}, "mark": "bar",
                 "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}}})
