"""Display objects for report notebooks: one object, three renderings.

Every object implements IPython's ``_repr_mimebundle_`` and returns

- ``text/html``: a fragment for JupyterLab and the HTML report (classes ``sp-*``, styled by the render template),
- ``text/x-typst`` (:data:`TYPST_MIME`): a typst fragment for the PDF (real ``#table(...)``, no HTML conversion),
- ``text/plain``: a short readable text (what nbval compares and what a terminal shows).

:class:`Chart` is the exception: it returns ``image/svg+xml`` (computed once with vl-convert, used by both the HTML
and the PDF, so the two look the same) and ``text/plain``.

Numbers are formatted the Dutch way with :mod:`spiegel.formats` (``1.234``, ``12,5%``); a cell that holds
a string (the protected ``.``) is shown as it is. Text may use ``**vet**`` and ``*cursief*``; nothing else is
interpreted, so labels and messages cannot break the HTML or typst output.
"""

from __future__ import annotations

import numbers as _numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spiegel.formats import MISSING, fmt_decimal, fmt_int, fmt_pct, fmt_signed, is_missing
from spiegel.present.markup import esc_html, inline_html, inline_plain, inline_typst, inline_typst_code, typst_str
from spiegel.present.metrics import longest_word_width, text_width

TYPST_MIME = "text/x-typst"
SVG_MIME = "image/svg+xml"
HTML_MIME = "text/html"
PLAIN_MIME = "text/plain"
#: Usable width of the PDF page (A4, 2 cm margins) in pt.
TYPST_TEXT_WIDTH_PT = 481.0
#: Key in an output's metadata under which :class:`Title` passes document settings to the renderers.
DOCUMENT_METADATA_KEY = "spiegel"

Formatter = Callable[[object], str]
_NUM = ' class="num"'
_INSET_X_PT = 4
_INSET_Y_PT = 3

#: Named cell formats for :class:`Table` (``formats={"aandeel": "pct"}``).
FORMATS: dict[str, Formatter] = {
    "int": fmt_int,
    "decimal": fmt_decimal,
    "decimal2": lambda value: fmt_decimal(value, 2),
    "pct": fmt_pct,
    "pct0": lambda value: fmt_pct(value, 0),
    "signed": fmt_signed,
    "text": lambda value: "" if _is_missing(value) else str(value),
}


_is_missing = is_missing


def _is_number(value: object) -> bool:
    return isinstance(value, _numbers.Number) and not isinstance(value, bool)


class Display:
    """Base class: subclasses implement :meth:`html`, :meth:`typst` and :meth:`plain`."""

    def html(self) -> str:
        raise NotImplementedError

    def typst(self) -> str:
        raise NotImplementedError

    def plain(self) -> str:
        raise NotImplementedError

    def metadata(self) -> dict[str, Any]:
        return {}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, str], dict[str, Any]]:
        data = {PLAIN_MIME: self.plain(), HTML_MIME: self.html(), TYPST_MIME: self.typst()}
        return data, self.metadata()

    def __repr__(self) -> str:
        return self.plain()


# --------------------------------------------------------------------------------------------------- text blocks


class Title(Display):
    """The report's title block. Its output metadata carries ``title``/``subtitle``/``header`` for the page
    template (running header of the PDF, ``<title>`` of the HTML)."""

    def __init__(
        self, title: str, subtitle: str | None = None, *, facts: Mapping[str, str] | None = None,
        header: str | None = None,
    ) -> None:
        self.title = title
        self.subtitle = subtitle
        self.facts = dict(facts or {})
        self.header = header if header is not None else " · ".join(x for x in (title, subtitle) if x)

    def metadata(self) -> dict[str, Any]:
        meta = {"title": self.title, "header": self.header}
        if self.subtitle:
            meta["subtitle"] = self.subtitle
        return {DOCUMENT_METADATA_KEY: meta}

    def html(self) -> str:
        parts = [f'<header class="sp-title"><h1>{esc_html(self.title)}</h1>']
        if self.subtitle:
            parts.append(f'<p class="sp-subtitle">{esc_html(self.subtitle)}</p>')
        if self.facts:
            parts.append('<dl class="sp-facts">')
            for label, value in self.facts.items():
                parts.append(f"<dt>{esc_html(label)}</dt><dd>{inline_html(str(value))}</dd>")
            parts.append("</dl>")
        parts.append("</header>")
        return "".join(parts)

    def typst(self) -> str:
        # the running header of later pages (read by render/templates/spiegel-page.typ)
        lines = [f'#state("spiegel-header", none).update({typst_str(self.header)})']
        lines.append(f"#block(below: 1.2em)[#text(size: 20pt, weight: \"bold\", {typst_str(self.title)})")
        if self.subtitle:
            lines.append(f"#v(0.3em)#text(size: 13pt, fill: luma(35%), {typst_str(self.subtitle)})")
        lines.append("]")
        if self.facts:
            cells = ", ".join(
                f"text(fill: luma(35%), {typst_str(label)}), {inline_typst_code(str(value))}"
                for label, value in self.facts.items()
            )
            lines.append(
                f"#block(below: 1.2em, grid(columns: (auto, 1fr), column-gutter: 1em, row-gutter: 0.5em, {cells}))"
            )
        return "\n".join(lines) + "\n"

    def plain(self) -> str:
        lines = [self.title]
        if self.subtitle:
            lines.append(self.subtitle)
        lines.extend(f"{label}: {inline_plain(str(value))}" for label, value in self.facts.items())
        return "\n".join(lines)


class Heading(Display):
    """A section heading; ``level`` 1–4 maps to ``<h1>``–``<h4>`` and typst ``=``–``====``."""

    def __init__(self, text: str, level: int = 2) -> None:
        if not 1 <= level <= 4:
            raise ValueError("level must be 1..4")
        self.text = text
        self.level = level

    def html(self) -> str:
        return f"<h{self.level}>{esc_html(self.text)}</h{self.level}>"

    def typst(self) -> str:
        return f"{'=' * self.level} {inline_typst(self.text)}\n"

    def plain(self) -> str:
        return self.text


class Paragraph(Display):
    """Dutch prose from code: one or more paragraphs (``**vet**``, ``*cursief*`` allowed)."""

    def __init__(self, *paragraphs: str) -> None:
        self.paragraphs = [p for p in paragraphs if p]

    def html(self) -> str:
        return "".join(f'<p class="sp-text">{inline_html(p)}</p>' for p in self.paragraphs)

    def typst(self) -> str:
        # sticky: the text introduces what follows (mostly a table), so it moves to the next page with it, and a
        # heading above it (typst headings are sticky) never stays alone at the foot of a page
        body = "\n\n".join(inline_typst(p) for p in self.paragraphs)
        return f"#block(sticky: true)[{body}]\n"

    def plain(self) -> str:
        return "\n\n".join(inline_plain(p) for p in self.paragraphs)


class BulletList(Display):
    """A bullet list of short texts."""

    def __init__(self, items: Iterable[str], title: str | None = None) -> None:
        self.items = list(items)
        self.title = title

    def html(self) -> str:
        head = f'<p class="sp-list-title">{esc_html(self.title)}</p>' if self.title else ""
        return head + '<ul class="sp-list">' + "".join(f"<li>{inline_html(i)}</li>" for i in self.items) + "</ul>"

    def typst(self) -> str:
        head = f"#block(sticky: true, strong({typst_str(self.title)}))\n" if self.title else ""
        return head + "\n".join(f"- {inline_typst(i)}" for i in self.items) + "\n"

    def plain(self) -> str:
        head = [self.title] if self.title else []
        return "\n".join(head + [f"- {inline_plain(i)}" for i in self.items])


_CALLOUT_KINDS = {
    # kind: (Dutch default title, typst fill, typst stroke)
    "info": ("Toelichting", "rgb(\"#eef4fb\")", "rgb(\"#2b6cb0\")"),
    "ok": ("In orde", "rgb(\"#edf7ef\")", "rgb(\"#2f7d3b\")"),
    "warning": ("Let op", "rgb(\"#fdf6e3\")", "rgb(\"#b7791f\")"),
    "error": ("Fout", "rgb(\"#fbeeee\")", "rgb(\"#b83232\")"),
}


class Callout(Display):
    """A coloured box for a status or remark: ``kind`` is ``info``, ``ok``, ``warning`` or ``error``."""

    def __init__(self, text: str | Sequence[str], kind: str = "info", title: str | None = None) -> None:
        if kind not in _CALLOUT_KINDS:
            raise ValueError(f"kind must be one of {sorted(_CALLOUT_KINDS)}")
        self.lines = [text] if isinstance(text, str) else list(text)
        self.kind = kind
        self.title = title if title is not None else _CALLOUT_KINDS[kind][0]

    def html(self) -> str:
        body = "".join(f"<p>{inline_html(line)}</p>" for line in self.lines)
        return (
            f'<div class="sp-callout sp-{self.kind}" role="note"><p class="sp-callout-title">'
            f"{esc_html(self.title)}</p>{body}</div>"
        )

    def typst(self) -> str:
        _, fill, stroke = _CALLOUT_KINDS[self.kind]
        body = "\n\n".join(inline_typst(line) for line in self.lines)
        return (
            f"#block(width: 100%, fill: {fill}, stroke: (left: 3pt + {stroke}), inset: 8pt, radius: 2pt, "
            f"breakable: false)[#strong({typst_str(self.title)})\n\n{body}]\n"
        )

    def plain(self) -> str:
        return "\n".join([f"[{self.title}]"] + [inline_plain(line) for line in self.lines])


class PageBreak(Display):
    """A page break in the PDF; a thin rule in HTML."""

    def html(self) -> str:
        return '<hr class="sp-pagebreak">'

    def typst(self) -> str:
        return "#pagebreak(weak: true)\n"

    def plain(self) -> str:
        return ""


# ------------------------------------------------------------------------------------------------- key figures


@dataclass(frozen=True)
class KeyFigure:
    """One big number with a label; ``detail`` is a small line below (e.g. the previous period)."""

    label: str
    value: object
    detail: str | None = None


class KeyFigures(Display):
    """A grid of key figures. ``items`` are :class:`KeyFigure` or tuples ``(label, value[, detail])``;
    numbers are formatted as integers (``1.234``), strings are shown as they are."""

    def __init__(self, items: Iterable[KeyFigure | Sequence[object]], title: str | None = None,
                 columns: int | None = None) -> None:
        self.items = [item if isinstance(item, KeyFigure) else KeyFigure(*item) for item in items]  # type: ignore[arg-type]
        self.title = title
        self.columns = columns or min(max(len(self.items), 1), 4)

    @staticmethod
    def _value(value: object) -> str:
        return fmt_int(value) if _is_number(value) or _is_missing(value) else str(value)

    def html(self) -> str:
        parts = []
        if self.title:
            parts.append(f'<p class="sp-caption">{esc_html(self.title)}</p>')
        parts.append(f'<div class="sp-keyfigures" style="--sp-columns: {self.columns}">')
        for item in self.items:
            parts.append(
                f'<div class="sp-keyfigure"><div class="sp-kf-value">{esc_html(self._value(item.value))}</div>'
                f'<div class="sp-kf-label">{esc_html(item.label)}</div>'
            )
            if item.detail:
                parts.append(f'<div class="sp-kf-detail">{inline_html(item.detail)}</div>')
            parts.append("</div>")
        parts.append("</div>")
        return "".join(parts)

    def typst(self) -> str:
        cells = []
        for item in self.items:
            detail = f", text(size: 8pt, fill: luma(35%), {inline_typst_code(item.detail)})" if item.detail else ""
            cells.append(
                "block(width: 100%, inset: 8pt, fill: luma(96%), radius: 3pt, breakable: false, stack(spacing: 4pt, "
                f"text(size: 18pt, weight: \"bold\", {typst_str(self._value(item.value))}), "
                f"text(size: 9pt, {typst_str(item.label)}){detail}))"
            )
        title = f"#block(sticky: true, strong({typst_str(self.title)}))\n" if self.title else ""
        return (
            f"{title}#block(below: 1em, grid(columns: ({', '.join(['1fr'] * self.columns)}), gutter: 6pt, "
            + ", ".join(cells)
            + "))\n"
        )

    def plain(self) -> str:
        lines = [self.title] if self.title else []
        for item in self.items:
            line = f"{item.label}: {self._value(item.value)}"
            if item.detail:
                line += f" ({inline_plain(item.detail)})"
            lines.append(line)
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------------- table


def _rows_of(frame: Any, columns: list[str]) -> list[list[Any]]:
    """The values of ``columns`` row by row, as Python objects (what ``Series.tolist()`` gives).

    One ``to_numpy(dtype=object)`` of the whole frame: a column selection per column cost ~25 µs each (a table
    ~0.25 ms, ~16 tables a report); iterating rows through pandas ~2 ms a table."""
    if isinstance(frame, Mapping):
        return [list(row) for row in zip(*(frame[c] for c in columns), strict=True)]
    if not columns:
        return [[] for _ in range(len(frame))]
    if not frame.columns.is_unique:
        return [list(row) for row in zip(*(frame[c].tolist() for c in columns), strict=True)]
    positions = [frame.columns.get_loc(c) for c in columns]
    return [[row[i] for i in positions] for row in frame.to_numpy(dtype=object).tolist()]


class Table(Display):
    """A table from a DataFrame (or a mapping of column name → list of values) with Dutch number formatting.

    - ``columns``: the columns to show, in order (default: all).
    - ``column_labels``: header text per column (default: the column name).
    - ``formats``: per column a name from :data:`FORMATS` (``int``, ``decimal``, ``decimal2``, ``pct``, ``pct0``,
      ``signed``, ``text``) or a callable returning the cell text. Number columns default to ``int``.
    - ``number_columns``: columns to right-align; default: every column whose values are all numbers, missing or
      strings of the protected ``.``/``-`` kind.
    - ``total_label``: rows whose first cell equals it are printed bold (default ``"Totaal"``).
    - ``index``: include the frame's index as first column(s).
    """

    def __init__(
        self,
        frame: Any,
        title: str | None = None,
        *,
        note: str | None = None,
        columns: Sequence[str] | None = None,
        column_labels: Mapping[str, str] | None = None,
        formats: Mapping[str, str | Formatter] | None = None,
        number_columns: Sequence[str] | None = None,
        total_label: str | None = "Totaal",
        index: bool = False,
        source: str | None = None,
    ) -> None:
        if index:
            frame = frame.reset_index()
        names = list(frame) if isinstance(frame, Mapping) else frame.columns
        self.columns = [str(c) for c in (columns if columns is not None else names)]
        missing = [c for c in self.columns if c not in names]
        if missing:
            raise KeyError(f"columns not in frame: {missing}")
        self.title = title
        self.note = note
        self.source = source
        labels = dict(column_labels or {})
        self.labels = [str(labels.get(c, c)) for c in self.columns]
        raw_rows = _rows_of(frame, self.columns)
        if number_columns is None:
            self.numeric = [
                all(_looks_numeric(row[i]) for row in raw_rows)
                and any(_is_number(row[i]) or row[i] in _PROTECTED for row in raw_rows)
                for i in range(len(self.columns))
            ]
        else:
            self.numeric = [c in set(number_columns) for c in self.columns]
        fmts = dict(formats or {})
        self.formatters: list[Formatter] = []
        for i, column in enumerate(self.columns):
            spec = fmts.get(column, "int" if self.numeric[i] else "text")
            self.formatters.append(FORMATS[spec] if isinstance(spec, str) else spec)
        self.rows = [[self._cell(f, value) for f, value in zip(self.formatters, row, strict=True)] for row in raw_rows]
        self.bold = [total_label is not None and bool(row) and str(row[0]) == total_label for row in raw_rows]

    @staticmethod
    def _cell(formatter: Formatter, value: object) -> str:
        if isinstance(value, str):
            return value
        if _is_missing(value):
            return "" if formatter is FORMATS["text"] else MISSING
        return formatter(value)

    def html(self) -> str:
        parts = ['<figure class="sp-table-figure">']
        if self.title:
            parts.append(f'<figcaption class="sp-caption">{esc_html(self.title)}</figcaption>')
        parts.append('<div class="sp-table-wrap"><table class="sp-table"><thead><tr>')
        for label, num in zip(self.labels, self.numeric, strict=True):
            parts.append(f'<th scope="col"{_NUM if num else ""}>{esc_html(label)}</th>')
        parts.append("</tr></thead><tbody>")
        for row, bold in zip(self.rows, self.bold, strict=True):
            parts.append('<tr class="sp-total">' if bold else "<tr>")
            for j, (cell, num) in enumerate(zip(row, self.numeric, strict=True)):
                tag = "th" if j == 0 and not num else "td"
                scope = ' scope="row"' if tag == "th" else ""
                parts.append(f'<{tag}{scope}{_NUM if num else ""}>{esc_html(cell)}</{tag}>')
            parts.append("</tr>")
        parts.append("</tbody></table></div>")
        if self.note or self.source:
            parts.append('<p class="sp-note">')
            parts.append(inline_html(self.note) if self.note else "")
            if self.source:
                parts.append(f'{" " if self.note else ""}Bron: {esc_html(self.source)}')
            parts.append("</p>")
        parts.append("</figure>")
        return "".join(parts)

    def typst(self) -> str:
        n = len(self.columns)
        size_pt = 9 if n <= 7 else 8 if n <= 10 else 7
        size = f"{size_pt}pt"
        widths, rows = self._typst_tracks(size_pt)
        aligns = ", ".join("right" if num else "left" for num in self.numeric)
        # Bold as text weight, the rule under the header as one hline in it: the same drawing as strong() and a
        # stroke per header cell (typst's SVG of 62 national reports byte-identical) with fewer styles for typst
        # to resolve. As in the HTML (th, tr.sp-total), header and total rows are bold by style, not tagged Strong.
        header = ", ".join(f"text(weight: \"bold\", {typst_str(label)})" for label in self.labels)
        body_rows = []
        for row, bold in zip(self.rows, self.bold, strict=True):
            cells = [f"text(weight: \"bold\", {typst_str(c)})" if bold else typst_str(c) for c in row]
            body_rows.append(", ".join(cells))
        body = ",\n    ".join(body_rows)
        lines = []
        # hyphenate: long single-word headers ("Gecertificeerde instelling") may break, Dutch patterns (lang nl).
        # The size applies as text(..)[body], not as a `#set text` rule at the start of the body: same layout.
        # Both changes together: 4-15 % less typst time per report (whole passes over 22 national reports).
        lines.append(f"#block(width: 100%, below: 1.2em)[#text(size: {size}, hyphenate: true)[")
        if self.title:
            lines.append(
                f"#block(below: 0.5em, sticky: true, text(size: 10pt, weight: \"bold\", {typst_str(self.title)}))"
            )
        lines.append(
            f"#table(\n  columns: ({widths},),\n{rows}  align: ({aligns},),\n"
            # static strokes: a stroke function is called per cell and cost a third of a table's layout time
            "  stroke: (bottom: 0.3pt + luma(80%)),\n"
            f"  inset: (x: {_INSET_X_PT}pt, y: {_INSET_Y_PT}pt),\n"
            f"  table.header({header}, table.hline(stroke: 0.7pt)),\n"
            + (f"    {body},\n" if body else "")
            + ")"
        )
        if self.note or self.source:
            note = inline_typst(self.note) if self.note else ""
            src = f"{' ' if self.note else ''}#{typst_str('Bron: ' + self.source)}" if self.source else ""
            lines.append(f"#block(above: 0.4em, text(size: 8pt, fill: luma(30%))[{note}{src}])")
        lines.append("]]")
        return "\n".join(lines) + "\n"

    def _typst_tracks(self, size_pt: float) -> tuple[str, str]:
        """Column widths and the ``rows:`` line of the typst table.

        When every body cell fits on one line (widths measured in the report font), the columns get fixed widths
        (the first text column takes the spare width) and body rows a fixed one-line height: typst lays such a
        table out about twice as fast. Otherwise all columns are ``auto`` and typst wraps the widest cells (a
        ``1fr`` column would get no width at all in an over-full table).
        """
        n = len(self.columns)
        if not n:
            return "auto", ""
        body = [
            max(
                (text_width(row[i], size_pt, bold=bold) for row, bold in zip(self.rows, self.bold, strict=True)),
                default=0.0,
            )
            for i in range(n)
        ]
        # headers on one line if that fits, else wrapped between words, else typst decides (auto)
        for header_width in (text_width, longest_word_width):
            need = [
                max(b, header_width(label, size_pt, bold=True)) * 1.04 + 2 * _INSET_X_PT + 1
                for b, label in zip(body, self.labels, strict=True)
            ]
            if sum(need) <= TYPST_TEXT_WIDTH_PT:
                break
        else:
            return ", ".join(["auto"] * n), ""
        first_fr = not self.numeric[0]
        widths = ", ".join("1fr" if (i == 0 and first_fr) else f"{w:.1f}pt" for i, w in enumerate(need))
        # one line: cap height of Liberation Sans (0.688 em; typst's default text box is cap height to baseline)
        rows = f"  rows: (auto, 0.688em + {2 * _INSET_Y_PT}pt),\n" if self.rows else ""
        return widths, rows

    def plain(self) -> str:
        grid = [self.labels, *self.rows]
        widths = [max(len(r[i]) for r in grid) for i in range(len(self.columns))]
        lines = [self.title] if self.title else []
        for row in grid:
            cells = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, self.numeric, strict=True)]
            lines.append("  ".join(cells).rstrip())
        if self.note:
            lines.append(inline_plain(self.note))
        if self.source:
            lines.append(f"Bron: {self.source}")
        return "\n".join(lines)


#: Cell texts that stand for a number: secret (``.``) and missing (``-``). A column of only these is a number
#: column too (right-aligned like the numbers it hides).
_PROTECTED = frozenset({".", MISSING})


def _looks_numeric(value: object) -> bool:
    if isinstance(value, str):
        return value in {".", MISSING, ""}
    return _is_number(value) or _is_missing(value)


# ------------------------------------------------------------------------------------------------------ stack


class Stack(Display):
    """Several display objects shown as one output (one cell, one bundle). Charts inside a stack are embedded in
    the HTML and the typst, so both still show the same SVG."""

    def __init__(self, *items: Display) -> None:
        self.items = list(items)

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        for item in self.items:
            meta.update(item.metadata())
        return meta

    def html(self) -> str:
        return '<div class="sp-stack">' + "".join(item.html() for item in self.items) + "</div>"

    def typst(self) -> str:
        return "\n".join(item.typst() for item in self.items)

    def plain(self) -> str:
        return "\n\n".join(p for p in (item.plain() for item in self.items) if p)


# The chart display lives in spiegel.present.charts (it imports vl-convert); re-exported from spiegel.present.
