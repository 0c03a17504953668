"""Layout of the reports and the index (issue 26, item 8): wide tables, alignment of protected columns, headings
that never stand alone at a page's foot, no repeated headings, a table of contents for long reports, Dutch local
times in the index, one form of "Verschil", Dutch chart accessibility texts, and user docs without references to
documents users do not have."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import pdfpages
from browser import open_in_chromium
from spiegel.formats import fmt_local_datetime, fmt_signed
from spiegel.present import Heading, KeyFigures, Paragraph, Stack, Table, Title
from spiegel.render import render
from spiegel.render.pdf import compile_typst, preamble
from spiegel.render.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
QUARTO_YML = REPO / "quarto.yml"


def _notebook(*cells: tuple[str, object]) -> nbformat.NotebookNode:
    """A notebook of markdown sources and display objects (their mime bundles as outputs)."""
    out = []
    for kind, item in cells:
        if kind == "markdown":
            out.append(new_markdown_cell(str(item)))
        else:
            data, meta = item._repr_mimebundle_()  # type: ignore[attr-defined]
            out.append(new_code_cell("", outputs=[new_output("display_data", data=data, metadata=meta)]))
    return new_notebook(cells=out)


def _render(nb: nbformat.NotebookNode, folder: Path, formats=("html", "pdf")) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rapport.ipynb"
    nbformat.write(nb, path)
    return render(path, folder, renderer="builtin", formats=formats, settings=QUARTO_YML)


# ------------------------------------------------------------------------------------------------------- tables


def test_a_column_of_only_protected_values_is_right_aligned_like_numbers():
    table = Table({"gemeente": ["Aalsmeer", "Diemen"], "aantal": [".", "."], "n": [3, 4], "naam": ["a", "b"]})
    assert table.numeric == [False, True, True, False]
    assert '<td class="num">.</td>' in table.html()
    assert "align: (left, right, right, left,)" in table.typst()


def test_a_wide_table_is_not_cut_off_at_the_text_column(tmp_path: Path):
    columns = {f"kolom_{i}": [1234 * i, 5678 * i] for i in range(16)}
    nb = _notebook(("output", Title("Breed")), ("output", Table({"gemeente": ["Aalsmeer", "Diemen"], **columns},
                                                                "Een brede tabel")))
    html = _render(nb, tmp_path, formats=("html",))["html"]
    wide = open_in_chromium(html, tmp_path / "breed.png", width=1800)["page"]
    assert wide["page_width"] == 1800  # the page itself does not scroll sideways
    (wrap,) = wide["wraps"]
    assert wrap["client"] > 52 * 15 + 100  # wider than the 52rem text column
    assert wrap["scroll"] <= wrap["client"]  # and the whole table is visible
    narrow = open_in_chromium(html, tmp_path / "smal.png", width=900)["page"]
    (wrap,) = narrow["wraps"]
    assert narrow["page_width"] == 900 and wrap["right"] <= 900  # a window too narrow: the table box scrolls


# ------------------------------------------------------------------------------------------------------ the PDF


@pytest.mark.parametrize("follows", [
    Paragraph("Eerste zin onder de kop."),
    Stack(Paragraph("Eerste zin onder de kop."), Table({"a": ["Eerste rij", "b"], "n": [1, 2]}, "Bijschrift")),
    KeyFigures([("Eerste rij", 12), ("Tweede", 3)]),
], ids=["paragraph", "paragraph-and-table", "key-figures"])
def test_a_section_heading_never_stands_alone_at_the_foot_of_a_page(follows):
    """For every amount of text before it, the heading's page also holds the first line of what follows it (the
    intro paragraph and the first row of the table after it, a whole key figure)."""
    settings = load_settings(QUARTO_YML)
    first = "Eerste rij" if not isinstance(follows, Paragraph) else "Eerste zin onder de kop."
    split = []
    for filler in range(30, 62):
        body = "".join(f"#\"Regel {i} van de vulling.\"\n\n" for i in range(filler))
        source = preamble(settings) + body + "== Kop van de sectie\n\n" + follows.typst()
        pages = pdfpages.page_texts_of_bytes(compile_typst(source))
        heading_page = next(i for i, p in enumerate(pages) if "Kop van de sectie" in p)
        if first not in pages[heading_page]:
            split.append(filler)
    assert split == []


def test_a_long_report_has_a_table_of_contents_in_html_and_pdf(tmp_path: Path):
    sections = ["Samenvatting", "Per gemeente", "Uitsplitsingen", "Duur van trajecten", "Definities"]
    cells: list[tuple[str, object]] = [("output", Title("Lang rapport", "1e halfjaar 2025"))]
    for name in sections:
        cells += [("markdown", f"## {name}"), ("output", Paragraph(f"Tekst over {name.lower()}."))]
    out = _render(_notebook(*cells), tmp_path)
    html = out["html"].read_text(encoding="utf-8")
    nav = re.search(r'<nav class="sp-toc".*?</nav>', html, re.DOTALL)
    assert nav and html.index("</header>") < nav.start() < html.index("<h2")
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav.group(0))
    assert [text for _, text in links] == sections
    for ident, _ in links:
        assert f'<h2 id="{ident}">' in html
    first_page = pdfpages.page_texts(out["pdf"])[0]
    assert "Inhoud" in first_page
    assert all(first_page.count(name) >= 2 for name in sections)  # listed and, on this short page, as heading


def test_a_short_report_has_no_table_of_contents(tmp_path: Path):
    out = _render(_notebook(("output", Title("Kort")), ("markdown", "## Enige sectie"),
                            ("output", Heading("Kop", 3))), tmp_path)
    assert "<nav class=\"sp-toc\"" not in out["html"].read_text(encoding="utf-8")
    assert "Inhoud" not in pdfpages.pdf_text(out["pdf"])


# --------------------------------------------------------------------------------------------- the real report


@pytest.fixture(scope="module")
def jeugdhulp_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    from spiegel.pipeline import ReportJob, make_report
    from spiegel.sample import DELIVERIES, REFERENCE_PROVIDER

    job = ReportJob(kvk=REFERENCE_PROVIDER, period="2025H1", deliveries=DELIVERIES,
                    out_root=tmp_path_factory.mktemp("uit"), renderer="builtin", engine="spiegel_warm")
    result = make_report(job)
    assert result.status == "gemaakt", result.message
    return Path(result.outputs["html"]).read_text(encoding="utf-8")


def _texts(html: str, pattern: str) -> list[str]:
    from html import unescape

    return [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(pattern, html, re.DOTALL)]


def test_no_heading_is_repeated_by_a_caption_title_or_first_sentence(jeugdhulp_html: str):
    html = jeugdhulp_html
    headings = [t.removesuffix("¶").strip() for t in _texts(html, r"<h2[^>]*>(.*?)</h2>")]
    assert "Definities" in headings and "Duur van beëindigde trajecten" in headings
    captions = _texts(html, r'class="sp-(?:caption|list-title)">(.*?)</(?:figcaption|p)>')
    for heading in headings:
        assert not [c for c in captions if c.startswith(heading)], heading
    paragraphs = _texts(html, r'<p class="sp-text">(.*?)</p>')
    assert not [p for p in paragraphs if any(p.startswith(h) for h in headings)]


def test_the_report_shows_verschil_with_its_sign(jeugdhulp_html: str):
    kern = jeugdhulp_html[jeugdhulp_html.index("Kerncijfers</figcaption>"):]
    kern = kern[: kern.index("</table>")]
    differences = re.findall(r'<td class="num">([^<]*)</td></tr>', kern)  # the last column: Verschil
    assert differences and all(re.fullmatch(r"[+-]\d[\d.]*|0|\.", d) for d in differences), differences
    assert any(d.startswith("+") for d in differences) or any(d.startswith("-") for d in differences)


def test_chart_accessibility_texts_are_dutch(jeugdhulp_html: str):
    texts = re.findall(r'aria-(?:label|roledescription)="([^"]*)"', jeugdhulp_html)
    assert texts
    english = re.compile(r"\b(axis|titled|scale|values|legend|Title text|mark|container|bar|for a)\b")
    assert [t for t in texts if english.search(t)] == []
    assert any(t.startswith("X-as") for t in texts) and any(t.startswith("Titel: ") for t in texts)


# ------------------------------------------------------------------------------------------------- the index


def test_verschil_in_the_index_is_the_signed_difference_and_a_separate_share():
    from spiegel.domains.jeugdhulp.overview import _change, _signed_pct

    assert (_change(108, 100), _signed_pct(108, 100)) == ("+8", "+8,0%")
    assert (_change(90, 100), _signed_pct(90, 100)) == ("-10", "-10,0%")
    assert (_change(1300, 100), fmt_signed(-1234), fmt_signed(0), fmt_signed(".")) == ("+1.200", "-1.234", "0", ".")


def test_the_index_shows_dutch_local_times():
    from spiegel.batch.index import render_index

    assert fmt_local_datetime("2025-12-31T13:05:00Z") == "31-12-2025 14:05"  # winter: UTC+1
    assert fmt_local_datetime("2025-07-01T12:00:00Z") == "01-07-2025 14:00"  # summer: UTC+2
    page = render_index({"period": "2025H2", "batch_id": "b", "updated": "2025-12-31T13:05:00Z", "providers": [],
                         "counts": {}, "missing": []}, "")
    assert "bijgewerkt 31-12-2025 14:05" in page and "T13:05" not in page


# ---------------------------------------------------------------------------------- what users read and run


def test_docs_and_help_do_not_refer_to_documents_users_do_not_have():
    pattern = re.compile(r"SPEC §|\bSPEC\b|\bthe brief\b")
    files = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), *sorted((REPO / "parameters").iterdir())]
    texts = {str(p.relative_to(REPO)): p.read_text(encoding="utf-8") for p in files}
    helps = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom spiegel.cli import main\n"
         "for c in ([], ['synth'], ['inspect'], ['validate'], ['report'], ['batch'], ['demo']):\n"
         "    try: main([*c, '--help'])\n"
         "    except SystemExit: pass\n"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout
    assert "usage: spiegel report" in helps
    texts["--help"] = helps
    found = {name: pattern.findall(text) for name, text in texts.items() if pattern.search(text)}
    assert found == {}
