"""Rendering an executed notebook: built-in back-end (HTML + PDF), offline guarantees, the Quarto hand-off.

The fixture notebook is built here from display objects and executed with papermill on the ``spiegel`` kernel,
like a real report. The HTML is opened in headless Chromium with the network off (driven over the DevTools
protocol on a pipe, no extra packages); the PDF is read with ``pypdfium2`` (tests/pdf.py). ``make test`` installs
Chromium when it is missing (tests/ensure_system_packages.sh).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import pdfpages
from browser import ink_share, open_in_chromium
from spiegel.render import RenderError, available_renderers, render, select_renderer
from spiegel.render.markdown import markdown_to_typst
from spiegel.render.notebook import external_references, prepare, relative_references
from spiegel.render.pdf import compile_typst, preamble
from spiegel.render.quarto import notebook_to_qmd
from spiegel.render.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
QUARTO_YML = REPO / "quarto.yml"
SECRET_CODE = "ZICHTBARE_CODE_MARKER"
REMOVED_OUTPUT = "VERWIJDERDE_CEL_MARKER"
PARAMETER_VALUE = "PARAMETER_WAARDE_MARKER"

CELLS: list[tuple[str, str, list[str]]] = [
    ("code", f'aanbieder = "{PARAMETER_VALUE}"', ["parameters"]),
    ("code", f"import pandas as pd\nfrom spiegel.present import *\n# {SECRET_CODE}", []),
    ("code", "Title('Spiegelrapport jeugdhulp', 'Voorbeeld B.V. · 1e halfjaar 2025', "
             "facts={'Periode': '01-01-2025 t/m 30-06-2025'}, header='Spiegelrapport · Voorbeeld B.V.')", []),
    ("markdown", "## Over dit rapport\n\nDit rapport telt de **eigen aanlevering**.\n\n- trajecten\n- jongeren", []),
    ("code", "flows = pd.DataFrame({'hulpvorm': ['Zonder verblijf', 'Met verblijf', 'Totaal'], "
             "'beginstand': [1234, '.', 1290], 'instroom': [800, 20, 820], 'uitstroom': [700, 10, 710], "
             "'eindstand': [1334, 66, 1400]})\n"
             "Table(flows, 'Trajecten naar hulpvorm', note='Geheim (.): minder dan 8.')", []),
    ("code", "flow_chart(flows[flows.hulpvorm != 'Totaal'], category='hulpvorm')", []),
    ("code", f"print('{REMOVED_OUTPUT}')", ["remove-cell"]),
    ("code", "import warnings\nwarnings.warn('alleen voor het log')\n"
             "KeyFigures([('Trajecten', 2110, 'vorige periode 1.950'), ('Aandeel crisis', '12,5%')])", []),
    ("code", "Callout('De aanlevering voldoet aan alle controles.', kind='ok', title='Validatie: in orde')", []),
    ("code", "PageBreak()", []),
    ("code", "top_chart(pd.DataFrame({'gemeente': [f'Gemeente {i}' for i in range(14)], "
             "'n': [i * 37 for i in range(14)]}), category='gemeente', value='n', top=8)", []),
]


def _fixture_notebook() -> nbformat.NotebookNode:
    cells = []
    for kind, source, tags in CELLS:
        make = new_code_cell if kind == "code" else new_markdown_cell
        cells.append(make(source, metadata={"tags": tags} if tags else {}))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "spiegel", "display_name": "Python (spiegel)", "language": "python"}
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import papermill

    folder = tmp_path_factory.mktemp("nb")
    source = folder / "rapport.ipynb"
    nbformat.write(_fixture_notebook(), source)
    target = folder / "rapport.executed.ipynb"
    papermill.execute_notebook(
        source, target, parameters={"aanbieder": PARAMETER_VALUE}, kernel_name="spiegel", progress_bar=False,
    )
    return target


@pytest.fixture(scope="module")
def rendered(executed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return render(executed, tmp_path_factory.mktemp("out"), renderer="builtin", settings=QUARTO_YML)


def _pdftotext(path: Path) -> str:
    return pdfpages.pdf_text(path)


# ------------------------------------------------------------------------------------------------- built-in HTML


def test_builtin_html_is_one_small_self_contained_file(rendered: dict[str, Path]):
    html = rendered["html"].read_text(encoding="utf-8")
    assert rendered["html"].name == "spiegelrapport.html"
    assert rendered["html"].stat().st_size < 1_000_000
    assert "<script" not in html
    assert "<link" not in html
    assert external_references(html) == []
    assert relative_references(html) == []


def test_builtin_html_shows_outputs_with_dutch_numbers_but_no_code(rendered: dict[str, Path]):
    html = rendered["html"].read_text(encoding="utf-8")
    assert '<td class="num">1.234</td>' in html
    assert "Trajecten naar hulpvorm" in html
    assert '<div class="sp-kf-value">2.110</div>' in html
    assert "<h2" in html and "Over dit rapport" in html
    assert html.count("<svg ") == 2  # both charts, inline
    assert ">1.200<" in html  # chart axis in nl-NL
    for hidden in (SECRET_CODE, REMOVED_OUTPUT, PARAMETER_VALUE, "import pandas", "alleen voor het log"):
        assert hidden not in html


def test_builtin_html_title_and_language_come_from_the_report_and_quarto_yml(rendered: dict[str, Path]):
    html = rendered["html"].read_text(encoding="utf-8")
    assert '<html lang="nl">' in html
    assert "<title>Spiegelrapport jeugdhulp · Voorbeeld B.V. · 1e halfjaar 2025</title>" in html


# -------------------------------------------------------------------------------------------------- built-in PDF


def test_builtin_pdf_holds_the_dutch_text_tables_and_chart_labels(rendered: dict[str, Path]):
    text = _pdftotext(rendered["pdf"])
    assert "Spiegelrapport jeugdhulp" in text
    assert "Trajecten naar hulpvorm" in text
    assert "1.234" in text and "2.110" in text and "12,5%" in text
    assert "Aantal trajecten" in text  # chart axis title: the SVG was drawn, with its text
    assert "Overige gemeenten (6)" in text
    assert "Pagina 1 van 2" in text and "Pagina 2 van 2" in text
    assert "Spiegelrapport · Voorbeeld B.V." in text  # running header on page 2
    for hidden in (SECRET_CODE, REMOVED_OUTPUT, PARAMETER_VALUE, "import pandas"):
        assert hidden not in text


def test_builtin_pdf_title_metadata_is_the_reports_title(rendered: dict[str, Path]):
    fields = pdfpages.metadata(rendered["pdf"])
    assert fields["Title"].strip() == "Spiegelrapport jeugdhulp · Voorbeeld B.V. · 1e halfjaar 2025"
    assert "CreationDate" not in fields  # date: none, so the PDF is the same from run to run


def test_builtin_pdf_title_does_not_stop_typst_reusing_layouts(tmp_path: Path):
    """The title's set rule comes after all content, so the styles of the report's content do not depend on the
    title: two reports that differ only in their title have the same source up to that rule (typst can reuse
    its layouts) and the same pages."""
    from spiegel.render.pdf import notebook_to_typst

    def nb(title: str) -> nbformat.NotebookNode:
        cell = new_code_cell("")
        cell.outputs = [nbformat.v4.new_output(
            "display_data", data={"text/x-typst": "#table(columns: 2, [a], [1])\n", "text/plain": "t"},
            metadata={"spiegel": {"title": title}})]
        return new_notebook(cells=[cell])

    settings = load_settings(QUARTO_YML)
    one, two = notebook_to_typst(nb("Rapport Een"), settings), notebook_to_typst(nb("Rapport Twee"), settings)
    assert one.rstrip().endswith('#set document(title: "Rapport Een")')
    head_one, head_two = (src[: src.index("#set document(title:")] for src in (one, two))
    assert head_one == head_two
    pages = []
    for name, source in (("een", one), ("twee", two)):
        (tmp_path / f"{name}.pdf").write_bytes(compile_typst(source))
        pages.append(_pdftotext(tmp_path / f"{name}.pdf"))
    assert pages[0] == pages[1] and "a" in pages[0]


def test_builtin_pdf_uses_only_the_vendored_report_font(rendered: dict[str, Path]):
    fonts = pdfpages.fonts(rendered["pdf"])
    assert set(fonts) == {"LiberationSans", "LiberationSans-Bold"}
    assert all(fonts.values())  # embedded


def test_builtin_pdf_pages_render_to_images(rendered: dict[str, Path]):
    pages = pdfpages.page_images(rendered["pdf"], dpi=40)
    assert len(pages) == 2
    for number, (_, _, pixels) in enumerate(pages, 1):
        assert ink_share(pixels) > 0.02, number  # not a blank page


def test_rendering_twice_gives_identical_files(executed: Path, rendered: dict[str, Path], tmp_path: Path):
    again = render(executed, tmp_path, renderer="builtin", settings=QUARTO_YML)
    assert again["html"].read_bytes() == rendered["html"].read_bytes()
    assert again["pdf"].read_bytes() == rendered["pdf"].read_bytes()


def test_only_the_requested_formats_are_written(executed: Path, tmp_path: Path):
    result = render(executed, tmp_path, formats=["pdf"], renderer="builtin", stem="alleen-pdf")
    assert list(result) == ["pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alleen-pdf.pdf"]


# ------------------------------------------------------------------------------------------- headless Chromium


def test_html_opens_offline_in_chromium_without_requests_or_errors(rendered: dict[str, Path], tmp_path: Path):
    result = open_in_chromium(rendered["html"], tmp_path / "screenshot.png")
    assert result["requests"] == []
    assert result["errors"] == []
    assert result["page"]["svgs"] == 2 and result["page"]["tables"] == 1
    assert min(result["page"]["svg_widths"]) > 300
    assert "1.234" in result["page"]["text"]
    assert ink_share(result["thumbnail"]) > 0.03


# ------------------------------------------------------------------------------------------------- preparation


def _raw_notebook() -> nbformat.NotebookNode:
    cells = [
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]}),
        new_code_cell("geheim()", metadata={"tags": ["remove-cell"]}),
        new_code_cell("toon()", outputs=[
            new_output("stream", name="stderr", text="waarschuwing"),
            new_output("stream", name="stdout", text="gedrukt"),
            new_output("display_data", data={"application/javascript": "alert(1)", "text/plain": "tekst"}),
        ]),
        new_code_cell("verborgen()", metadata={"tags": ["remove-output"]},
                      outputs=[new_output("display_data", data={"text/plain": "weg"})]),
        new_code_cell("grafiek()", outputs=[new_output("display_data", data={
            "application/vnd.vegalite.v6+json": {
                "data": {"values": [{"a": "x", "b": 1500}]}, "mark": "bar",
                "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}},
            },
            "text/plain": "<VegaLite 6 object>",
        })]),
        new_markdown_cell("Tekst"),
    ]
    return new_notebook(cells=cells)


def test_prepare_drops_tagged_cells_code_stderr_and_scripts():
    nb = prepare(_raw_notebook())
    assert [c.source for c in nb.cells] == ["", "", "", "Tekst"]
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["stream", "display_data"]
    assert outputs[0].text == "gedrukt"
    assert set(outputs[1].data) == {"text/plain"}
    assert nb.cells[1].outputs == []


def test_prepare_turns_a_vega_lite_output_into_a_themed_svg():
    data = prepare(_raw_notebook()).cells[2].outputs[0].data
    assert "application/vnd.vegalite.v6+json" not in data
    assert ">1.000<" in data["image/svg+xml"]  # axis tick, nl-NL


def test_html_with_a_resource_from_another_host_is_refused(tmp_path: Path):
    nb = new_notebook(cells=[new_code_cell("altair_default()", outputs=[new_output("display_data", data={
        "text/html": '<div id="vis"></div><script src="https://cdn.jsdelivr.net/npm/vega@6"></script>',
        "text/plain": "chart",
    })])])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(RenderError, match="another host"):
        render(path, tmp_path, formats=["html"], renderer="builtin")
    assert not (tmp_path / "spiegelrapport.html").exists()


def test_external_references_ignore_namespaces_and_links_but_catch_loads():
    assert external_references('<svg xmlns="http://www.w3.org/2000/svg"><a href="https://www.cbs.nl">x</a></svg>') == []
    found = external_references(
        '<img src="https://x.org/a.png"><link rel="stylesheet" href="//x.org/a.css">'
        '<p style="background: url(http://x.org/b.png)"></p><style>@import "https://x.org/c.css";</style>'
    )
    assert len(found) == 4


def test_relative_resource_links_are_found_but_fragments_data_uris_and_plain_links_are_not():
    assert relative_references(
        '<svg><use href="#a"/><rect clip-path="url(#c)"/></svg><a href="andere.html">x</a>'
        '<img src="data:image/png;base64,AA"><img data-src="lui.png"><img src="https://x.org/a.png">'
    ) == []
    found = relative_references(
        '<script src="spiegelrapport_files/libs/quarto-html/quarto.js"></script>'
        '<link rel=stylesheet href=spiegelrapport_files/libs/bootstrap.css><IMG SRC="Logo.png">'
        '<p style="background: url(\'achtergrond.png\')"></p><style>@import "extra.css";</style>'
        '<svg><image xlink:href="kaart.png"/></svg><object data="file:///tmp/a.svg"></object>'
    )
    assert found == ["spiegelrapport_files/libs/quarto-html/quarto.js", "spiegelrapport_files/libs/bootstrap.css",
                     "Logo.png", "achtergrond.png", "extra.css", "kaart.png", "file:///tmp/a.svg"]


def test_html_with_a_relative_resource_link_is_refused(tmp_path: Path):
    nb = new_notebook(cells=[new_code_cell("plaatje()", outputs=[new_output("display_data", data={
        "text/html": '<img src="spiegelrapport_files/figure-html/grafiek.png">', "text/plain": "plaatje",
    })])])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(RenderError, match="relative link"):
        render(path, tmp_path, formats=["html"], renderer="builtin")
    assert not (tmp_path / "spiegelrapport.html").exists()


def test_markdown_cells_become_typst_headings_lists_and_tables():
    typst = markdown_to_typst(
        "## Kop\n\nEen **vette** zin met `code`.\n\n- een\n- twee\n\n| a | b |\n|---|--:|\n| x | 1 |\n"
    )
    assert typst.startswith('== #"Kop"\n')
    assert '#"Een "#strong[#"vette"]#" zin met "#raw("code")#"."' in typst
    assert '- #"een"\n- #"twee"' in typst
    assert "align: (left, right,)" in typst
    assert compile_typst(preamble(load_settings(QUARTO_YML)) + typst).startswith(b"%PDF")


# ------------------------------------------------------------------------------------------------------ renderers


def test_auto_renderer_is_builtin_without_quarto(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert select_renderer("auto") == "builtin"
    assert available_renderers() == ["builtin"]
    with pytest.raises(RenderError, match="quarto"):
        select_renderer("quarto")
    with pytest.raises(RenderError, match="unknown renderer"):
        select_renderer("latex")


FAKE_QUARTO = """\
#!/bin/sh
# Test double for the quarto CLI: records how it was called and writes the output file Quarto would write.
echo "$PWD|$*" >> "{log}"
cp "$(dirname "$2")/_quarto.yml" "{log}.project.yml"
cp "$2" "{log}.qmd"
ls "$(dirname "$2")" > "{log}.files"
case "$4" in
  html) printf '{html}' > "${{2%.qmd}}.html" ;;
  typst) printf '%%PDF-1.7 nep' > "${{2%.qmd}}.pdf" ;;
esac
"""


def _install_fake_quarto(folder: Path, log: Path,
                         html: str = "<!DOCTYPE html><html><body>nep</body></html>") -> None:
    folder.mkdir()
    exe = folder / "quarto"
    exe.write_text(FAKE_QUARTO.format(log=log, html=html))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)


def test_quarto_backend_hands_quarto_yml_over_as_project_file(
    executed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    log = tmp_path / "calls.log"
    _install_fake_quarto(tmp_path / "bin", log)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    assert select_renderer("auto") == "quarto"
    result = render(executed, tmp_path / "out", renderer="auto", settings=QUARTO_YML, stem="rapport")
    calls = [line.split("|") for line in log.read_text().splitlines()]
    workdir = Path(calls[0][0])
    assert [args for _, args in calls] == [  # the input by absolute path: its folder is the project
        f"render {workdir / 'rapport.qmd'} --to html",
        f"render {workdir / 'rapport.qmd'} --to typst",
    ]
    assert workdir.name.startswith("spiegel-quarto-") and not workdir.exists()  # temporary, cleaned up
    assert Path(f"{log}.project.yml").read_text() == QUARTO_YML.read_text()
    assert Path(f"{log}.files").read_text().split() == [
        "_quarto.yml", "fonts", "rapport.html", "rapport.qmd", "spiegel-page.typ", "spiegel-report.css",
    ]
    assert result["html"].read_text() == "<!DOCTYPE html><html><body>nep</body></html>"
    assert result["pdf"].read_bytes().startswith(b"%PDF")


def test_a_failing_quarto_render_is_reported_with_its_last_lines(
    executed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "bin"
    folder.mkdir()
    exe = folder / "quarto"
    exe.write_text("#!/bin/sh\necho 'WARN: iets' >&2\necho 'ERROR: typst compile mislukt' >&2\nexit 1\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(RenderError, match=r"--to html failed \(exit 1\): WARN: iets \| ERROR: typst compile mislukt"):
        render(executed, tmp_path / "out", renderer="quarto", settings=QUARTO_YML)
    assert not (tmp_path / "out").exists()


def test_qmd_for_quarto_holds_raw_html_and_typst_blocks_and_no_code(executed: Path):
    nb = prepare(nbformat.read(executed, as_version=4))
    qmd = notebook_to_qmd(nb, load_settings(QUARTO_YML))
    assert qmd.startswith(
        "---\nlang: nl\npagetitle: Spiegelrapport jeugdhulp · Voorbeeld B.V. · 1e halfjaar 2025\n---\n"
    )
    assert "## Over dit rapport" in qmd
    assert qmd.count("```{=html}") == 7 and qmd.count("```{=typst}") == 7
    assert '<td class="num">1.234</td>' in qmd
    assert "```{python}" not in qmd and SECRET_CODE not in qmd and PARAMETER_VALUE not in qmd


def test_quarto_backend_uses_the_projects_quarto_yml_from_any_working_directory(
    executed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Issue 26 item 10: run from a folder without quarto.yml (and a notebook outside the repository), Quarto
    still gets the project's settings (embed-resources, minimal), never its own defaults."""
    log = tmp_path / "calls.log"
    _install_fake_quarto(tmp_path / "bin", log)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    elsewhere = tmp_path / "ergens"
    elsewhere.mkdir()
    shutil.copyfile(executed, elsewhere / "rapport.ipynb")
    monkeypatch.chdir(elsewhere)
    render(elsewhere / "rapport.ipynb", elsewhere / "uit", renderer="quarto", formats=["html"])
    assert Path(f"{log}.project.yml").read_text() == QUARTO_YML.read_text()


def test_quarto_html_with_relative_resource_links_is_refused(
    executed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """What Quarto writes with its default settings: libraries beside the page, deleted with the temporary
    folder. The check refuses it instead of writing a broken page."""
    page = ('<!DOCTYPE html><html><head><script src="rapport_files/libs/clipboard/clipboard.min.js"></script>'
            '</head><body>nep</body></html>')
    _install_fake_quarto(tmp_path / "bin", tmp_path / "calls.log", html=page)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(RenderError, match=r"relative link .*rapport_files/libs/clipboard"):
        render(executed, tmp_path / "out", renderer="quarto", settings=QUARTO_YML, stem="rapport", formats=["html"])
    assert not (tmp_path / "out" / "rapport.html").exists()


def test_quarto_settings_keep_tables_single_in_the_pdf_and_the_page_centred(executed: Path):
    """Issue 26 item 11: Quarto must not turn the HTML tables into pandoc tables (the typst block is the PDF's
    table), and the report sits in one .sp-report div, which the style sheet centres at 52rem like the
    built-in page."""
    settings = load_settings(QUARTO_YML)
    assert settings.data["html-table-processing"] == "none"
    qmd = notebook_to_qmd(prepare(nbformat.read(executed, as_version=4)), settings)
    body = qmd.split("---\n", 2)[2].lstrip()
    assert body.startswith("::: {.sp-report}\n") and body.rstrip().endswith(":::")
    css = (REPO / "src/spiegel/render/templates/spiegel-report.css").read_text(encoding="utf-8")
    assert ".sp-report { max-width: 52rem; margin: 0 auto;" in css and "main.sp-report" not in css


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None,
                    reason="Quarto is not installed: the Quarto back-end is tested where `quarto` is on PATH")
def test_quarto_renders_self_contained_html_and_a_typst_pdf(executed: Path, tmp_path: Path):
    result = render(executed, tmp_path, renderer="quarto", settings=QUARTO_YML)
    html = result["html"].read_text(encoding="utf-8")
    assert result["html"].stat().st_size < 1_000_000
    assert external_references(html) == []
    assert "1.234" in html and "Trajecten naar hulpvorm" in html
    text = _pdftotext(result["pdf"])
    assert "Trajecten naar hulpvorm" in text and "1.234" in text and "Pagina 1 van" in text
    assert relative_references(html) == []
    assert text.count("Trajecten naar hulpvorm") == 1  # each table once (html-table-processing: none)
    check = open_in_chromium(result["html"], tmp_path / "quarto.png")
    assert check["requests"] == [] and check["errors"] == []
    assert '<div class="sp-report">' in html  # centred at the built-in page's width


# ------------------------------------------------------------------------- helpers: PNG decoding, Chromium CDP


def test_markdown_is_converted_as_nbconvert_converts_it_and_once_per_text():
    from nbconvert import HTMLExporter

    from spiegel.render.html import _get_exporter

    exporter = _get_exporter()
    context = {"cell": {}, "resources": {"metadata": {"path": "notebooks"}}}
    source = "## Per gemeente\n\nTrajecten *per gemeente*, zie [de definities](#definities)."
    expected = HTMLExporter.markdown2html(exporter, context, source)
    assert exporter.markdown2html(context, source) == expected
    assert exporter.markdown2html(context, source) is exporter.markdown2html(context, source)
    with_attachment = {"cell": {"attachments": {"a.png": {"image/png": "iVBORw0KGgo="}}}, "resources": {}}
    assert exporter.markdown2html(with_attachment, source) is not exporter.markdown2html(with_attachment, source)
