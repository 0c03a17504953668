"""Quarto back-end: used when a ``quarto`` executable is on PATH (it is never a dependency).

How it works (docs/rendering.md):

1. The prepared notebook becomes ``<stem>.qmd`` in a fresh temporary directory: markdown cells as they are; every
   output as a pair of raw blocks, ```` ```{=html} ```` (the same HTML the built-in back-end embeds) and
   ```` ```{=typst} ```` (the same typst the built-in PDF uses). The ``.qmd`` has no code cells, so Quarto runs no
   kernel and needs no Jupyter, and no output triggers Quarto's CDN scripts for Jupyter widgets.
   The content sits in one ``::: {.sp-report}`` div, so the style sheet centres it at the built-in back-end's
   width inside Quarto's own ``<main>``.
2. The project's ``quarto.yml`` (found near the notebook, else in the working directory, else the project's own:
   never Quarto's defaults) is copied to ``_quarto.yml`` in that directory: Quarto reads only ``_quarto.yml`` as a
   project file. ``spiegel-report.css``, ``spiegel-page.typ`` and ``fonts/`` (Liberation Sans), which quarto.yml
   names, are copied beside it.
3. ``quarto render <dir>/<stem>.qmd --to html`` and ``... --to typst`` run with the input given by its absolute
   path (Quarto finds the project from the input's folder) and that directory as working directory (one
   temporary directory per report, so parallel renders never share intermediates).
4. The HTML must be self-contained (nothing from another host, no relative resource link such as
   ``<stem>_files/libs/...``, which would vanish with the temporary directory); the results are moved to
   ``out_dir`` atomically.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml
from nbformat import NotebookNode

from spiegel.io import write_bytes_atomic
from spiegel.present.charts import font_dir
from spiegel.present.display import HTML_MIME, SVG_MIME
from spiegel.present.markup import esc_html
from spiegel.render.html import output_to_html, toc_html
from spiegel.render.notebook import (
    RenderError,
    document_info,
    external_references,
    is_title_output,
    output_text,
    relative_references,
    report_blocks,
    sections,
    wants_toc,
)
from spiegel.render.pdf import TYPST_TOC, output_to_typst
from spiegel.render.settings import CSS_FILE, PAGE_TYP_FILE, Settings

#: ``--to`` value and output suffix per report format.
QUARTO_FORMATS = {"html": ("html", ".html"), "pdf": ("typst", ".pdf")}
TIMEOUT_SECONDS = 600


def quarto_executable() -> str | None:
    return shutil.which("quarto")


def _fence(content: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    return "`" * max(3, longest + 1)


def _raw(fmt: str, content: str) -> str:
    fence = _fence(content)
    return f"{fence}{{={fmt}}}\n{content.rstrip()}\n{fence}\n"


_SECTION_LINE = re.compile(r"^##[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def _slug(text: str) -> str:
    """An explicit id for a section heading (links of the table of contents)."""
    return "h-" + (re.sub(r"[^\w]+", "-", text.lower()).strip("-") or "sectie")


def notebook_to_qmd(nb: NotebookNode, settings: Settings) -> str:
    """A prepared notebook as a Quarto markdown document without code cells."""
    info = document_info(nb)
    title = " · ".join(x for x in (info.get("title"), info.get("subtitle")) if x) or settings.title
    # pagetitle: the HTML <title> without Quarto's own title block (the report's Title output is the title block)
    front = yaml.safe_dump({"pagetitle": title, "lang": settings.lang}, allow_unicode=True, sort_keys=True)
    parts = [f"---\n{front}---\n", "::: {.sp-report}\n"]
    toc = wants_toc(nb)
    for kind, content in report_blocks(nb):
        if kind == "markdown":
            parts.append(_SECTION_LINE.sub(lambda m: f"## {m.group(1)} {{#{_slug(m.group(1))}}}", content.rstrip())
                         + "\n")
            continue
        if output_text(content, "text/markdown") is not None and not any(
            output_text(content, m) is not None for m in (HTML_MIME, SVG_MIME)
        ):
            parts.append(output_text(content, "text/markdown").rstrip() + "\n")  # type: ignore[union-attr]
            continue
        html = output_to_html(content)
        typst = output_to_typst(content)
        if html:
            parts.append(_raw("html", html))
        if typst:
            parts.append(_raw("typst", typst))
        if toc and is_title_output(content):  # the same table of contents as the built-in back-end's
            parts.append(_raw("html", toc_html([(_slug(t), esc_html(t)) for t in sections(nb)])))
            parts.append(_raw("typst", TYPST_TOC))
            toc = False
    parts.append(":::\n")
    return "\n".join(parts)


def render_quarto(
    nb: NotebookNode, out_dir: Path, formats: tuple[str, ...], stem: str, settings: Settings,
) -> dict[str, Path]:
    """Renders with the Quarto CLI; returns ``{format: path}``."""
    exe = quarto_executable()
    if exe is None:
        raise RenderError("the Quarto back-end needs a `quarto` executable on PATH; use --renderer builtin")
    if settings.path is None:
        raise RenderError(
            "the Quarto back-end needs the project's quarto.yml (none found near the notebook, in the working "
            "directory or in the project); pass it with --settings, or use --renderer builtin"
        )
    qmd = notebook_to_qmd(nb, settings)
    results: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="spiegel-quarto-") as tmp_name:
        project = Path(tmp_name).resolve()
        shutil.copyfile(settings.path, project / "_quarto.yml")
        shutil.copyfile(CSS_FILE, project / CSS_FILE.name)
        shutil.copyfile(PAGE_TYP_FILE, project / PAGE_TYP_FILE.name)
        shutil.copytree(font_dir(), project / "fonts")
        (project / f"{stem}.qmd").write_text(qmd, encoding="utf-8")
        for fmt in formats:
            to, suffix = QUARTO_FORMATS[fmt]
            # the input by absolute path: Quarto takes the project (_quarto.yml) from the input's folder
            command = [exe, "render", str(project / f"{stem}.qmd"), "--to", to]  # output captured for errors
            try:
                done = subprocess.run(
                    command, cwd=project, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise RenderError(f"quarto render --to {to} did not finish in {TIMEOUT_SECONDS} s") from exc
            produced = project / f"{stem}{suffix}"
            if done.returncode != 0 or not produced.is_file():
                tail = (done.stderr or done.stdout or "").strip().splitlines()[-5:]
                raise RenderError(
                    f"quarto render --to {to} failed (exit {done.returncode}): " + " | ".join(tail)
                )
            data = produced.read_bytes()
            if fmt == "html":
                text = data.decode("utf-8", errors="replace")
                external, relative = external_references(text), relative_references(text)
                if external or relative:
                    where = "from another host" if external else "by a relative link"
                    raise RenderError(
                        f"Quarto's HTML would load {len(external) + len(relative)} resource(s) {where} "
                        f"(first: {(external or relative)[0]!r}); it is not self-contained: check quarto.yml "
                        "(embed-resources, minimal)"
                    )
            target = out_dir / f"{stem}{suffix}"
            write_bytes_atomic(target, data)
            results[fmt] = target
    return results
