"""Reading the PDF reports in tests with ``pypdfium2`` (PDFium as a PyPI wheel): page text, document metadata,
the fonts used and page images. It replaces poppler's ``pdftotext``/``pdfinfo``/``pdffonts``/``pdftoppm``, so the
test suite needs no system package for PDFs (issue 26, item 12)."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


def page_texts(path: str | Path) -> list[str]:
    """The text of every page, lines separated by ``\\n`` (PDFium's reading order)."""
    doc = pdfium.PdfDocument(str(path))
    try:
        texts = []
        for page in doc:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded().replace("\r\n", "\n").replace("\r", "\n"))
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()


def pdf_text(path: str | Path) -> str:
    """All text, pages separated by a form feed (as ``pdftotext`` separates them)."""
    return "\f".join(page_texts(path))


def page_count(path: str | Path) -> int:
    doc = pdfium.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


def metadata(path: str | Path) -> dict[str, str]:
    """The document information dictionary; fields that are absent are left out."""
    doc = pdfium.PdfDocument(str(path))
    try:
        return {key: value for key, value in doc.get_metadata_dict(skip_empty=True).items() if value}
    finally:
        doc.close()


def fonts(path: str | Path) -> dict[str, bool]:
    """Base font name (subset prefix ``ABCDEF+`` removed) → embedded, over the text of every page (including text
    inside form XObjects, such as the SVG charts)."""
    doc = pdfium.PdfDocument(str(path))
    found: dict[str, bool] = {}
    try:
        for page in doc:
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=8):
                font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
                size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
                buffer = ctypes.create_string_buffer(size)
                pdfium_c.FPDFFont_GetBaseFontName(font, buffer, size)
                name = buffer.value.decode("utf-8", "replace").split("+")[-1]
                found[name] = found.get(name, True) and bool(pdfium_c.FPDFFont_GetIsEmbedded(font))
            page.close()
        return found
    finally:
        doc.close()


def page_images(path: str | Path, dpi: float = 40) -> list[tuple[int, int, list[tuple[int, ...]]]]:
    """Every page rendered in grey at ``dpi``: ``(width, height, pixels)`` as :func:`browser.decode_png` gives."""
    doc = pdfium.PdfDocument(str(path))
    try:
        images = []
        for page in doc:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            width, height, stride = bitmap.width, bitmap.height, bitmap.stride
            data = bytes(bitmap.buffer)
            channels = stride // width if width else 1
            pixels = [tuple(data[y * stride + x * channels : y * stride + x * channels + min(channels, 3)])
                      for y in range(height) for x in range(width)]
            images.append((width, height, pixels))
            bitmap.close()
            page.close()
        return images
    finally:
        doc.close()


def page_texts_of_bytes(data: bytes) -> list[str]:
    """:func:`page_texts` of a PDF in memory."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return page_texts(handle.name)
