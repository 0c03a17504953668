"""Charts: one altair theme, a few chart builders, and the :class:`Chart` display object.

A chart is rendered once, in the kernel, to SVG with vl-convert (Vega runs in vl-convert's embedded runtime; no
JavaScript reaches the report). The same SVG is shown by JupyterLab, embedded in the HTML report and placed in
the PDF by typst, so the three look the same. Numbers use the ``nl-NL`` d3 locale (``1.234``, ``12,5``).

Determinism: the SVG depends only on the spec (vl-convert's output has no random ids; ids that do appear are
renamed to a prefix derived from the SVG itself, so two charts in one HTML page never share an id).
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from spiegel import flows
from spiegel.formats import SECRET, fmt_int
from spiegel.present.display import PLAIN_MIME, SVG_MIME, TYPST_TEXT_WIDTH_PT, Display
from spiegel.present.markup import esc_html, typst_str

LOCALE = "nl-NL"
#: Liberation Sans (metric-compatible with Arial), vendored in ``spiegel/present/fonts`` under the SIL OFL: the
#: same font file measures the chart text (vl-convert) and draws it in the PDF (typst); browsers without it use
#: Arial or Helvetica, which have the same metrics. (DejaVu Sans made each chart ~2x slower to convert.)
FONT_FAMILY = "Liberation Sans"
FONT_STACK = "Liberation Sans, Arial, Helvetica, sans-serif"
FONT_DIR = Path(__file__).parent / "fonts"

#: Okabe–Ito based, distinguishable with the common colour-vision deficiencies and in greyscale order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#999999"]
#: Fixed colours of the four flow measures (stocks blue, flows green/orange), same in every report.
FLOW_MEASURES = flows.FLOWS
FLOW_LABELS = {m: flows.MEASURE_LABELS[m] for m in FLOW_MEASURES}
FLOW_COLORS = {"beginstand": "#0B4F8A", "instroom": "#009E73", "uitstroom": "#D55E00", "eindstand": "#56B4E9"}
PRIMARY = "#0072B2"
SECONDARY = "#9BB7D4"
REST = "#A0A0A0"

AXIS_LABEL_LIMIT = 180  # px: longer axis labels are cut off with "…"
LEGEND_LABEL_LIMIT = 160  # px: the same for legend labels (Vega's default)
LABEL_FONT_PX = 11

#: Vega-Lite config applied to every chart at conversion time (the "theme"): fonts, sizes, colours.
THEME: dict[str, Any] = {
    "font": FONT_STACK,
    "background": "white",
    "padding": 8,
    "view": {"stroke": None, "continuousWidth": 420, "continuousHeight": 240},
    "title": {"fontSize": 13, "fontWeight": "bold", "anchor": "start", "color": "#222222", "offset": 10},
    "axis": {
        "labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal", "labelColor": "#333333",
        "titleColor": "#333333", "gridColor": "#E6E6E6", "domainColor": "#888888", "tickColor": "#888888",
        "labelLimit": AXIS_LABEL_LIMIT,
    },
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal", "orient": "bottom",
               "symbolType": "square", "labelColor": "#333333", "labelLimit": LEGEND_LABEL_LIMIT},
    "range": {"category": PALETTE},
    "bar": {"color": PRIMARY},
    "text": {"fontSize": 10, "color": "#333333"},
    "numberFormat": ",~f",
}

_lock = threading.Lock()
_fonts_registered = False


def font_dir() -> Path:
    """The directory with the report font (Liberation Sans), handed to vl-convert and to typst."""
    return FONT_DIR


def _ensure_fonts() -> None:
    global _fonts_registered
    with _lock:
        if not _fonts_registered:
            import vl_convert as vlc

            vlc.register_font_directory(str(FONT_DIR))
            _fonts_registered = True


_ID = re.compile(r'\bid="([^"]+)"')


def _unique_ids(svg: str) -> str:
    """Renames every ``id`` (and its ``url(#..)``/``href="#.."`` references) to ``s<hash>-<n>``."""
    ids = list(dict.fromkeys(_ID.findall(svg)))
    if not ids:
        return svg
    prefix = "s" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8]
    for n, old in enumerate(ids):
        new = f"{prefix}-{n}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    return svg


#: Vega writes English ARIA texts into its SVG; the report is Dutch (issue 26, item 8). Role descriptions by name,
#: labels by pattern; anything else Vega may write in English is reduced to its Dutch role.
_ROLES_NL = {
    "bar": "staaf", "rect": "rechthoek", "text mark": "tekst", "axis": "as", "legend": "legenda", "title": "titel",
    "group mark container": "groep", "rect mark container": "staven", "text mark container": "teksten",
    "rule mark container": "lijnen", "line mark container": "lijnen", "area mark container": "vlakken",
    "symbol mark container": "symbolen", "arc mark container": "sectoren", "point": "punt", "line": "lijn",
    "area": "vlak", "rule": "lijn", "arc": "sector", "symbol": "symbool", "mark container": "groep",
}
_ROLE_ATTR = re.compile(r'aria-roledescription="([^"]*)"')
_LABEL_ATTR = re.compile(r'aria-label="([^"]*)"')
_CONTINUOUS = r"(?:linear|log|pow|sqrt|symlog)"
_ENGLISH_LABELS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^([XY])-axis titled '(.*)' for a {_CONTINUOUS} scale with values from (.+) to (.+)$"),
     r"\1-as '\2', van \3 tot \4"),
    (re.compile(rf"^([XY])-axis for a {_CONTINUOUS} scale with values from (.+) to (.+)$"),
     r"\1-as, van \2 tot \3"),
    (re.compile(r"^([XY])-axis titled '(.*)' for a (?:discrete|band|point|ordinal) scale with (\d+) values?: (.*)$"),
     r"\1-as '\2' met \3 waarden: \4"),
    (re.compile(r"^([XY])-axis for a (?:discrete|band|point|ordinal) scale with (\d+) values?: (.*)$"),
     r"\1-as met \2 waarden: \3"),
    (re.compile(r"^Title text '(.*)'$"), r"Titel: \1"),
    (re.compile(r"^(?:Symbol|Gradient|Discrete) legend titled '(.*)' for [\w ]+ with (\d+) values?: (.*)$"),
     r"Legenda '\1' met \2 waarden: \3"),
    (re.compile(r"^(?:Symbol|Gradient|Discrete) legend for [\w ]+ with (\d+) values?: (.*)$"),
     r"Legenda met \1 waarden: \2"),
]
_ENGLISH_FALLBACK = [(re.compile(r"^([XY])-axis\b"), r"\1-as"), (re.compile(r"^Title text\b"), "Titel"),
                     (re.compile(r"^\w+ legend\b"), "Legenda")]
_EN_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+)(?![\d,])")


def _dutch_label(text: str) -> str:
    for pattern, replacement in _ENGLISH_LABELS:
        if pattern.match(text):
            # Vega formats the range with English separators ("1,400"): Dutch ones
            return _EN_NUMBER.sub(lambda m: m.group(1).replace(",", "."), pattern.sub(replacement, text))
    for pattern, replacement in _ENGLISH_FALLBACK:
        if pattern.match(text):
            return pattern.match(text).expand(replacement)  # type: ignore[union-attr]
    return text


def dutch_aria(svg: str) -> str:
    """Vega's English accessibility texts in an SVG (``aria-roledescription="bar"``, ``aria-label="X-axis titled
    …"``) in Dutch; the chart's own Dutch description and the marks' labels (field titles) stay as they are."""
    svg = _ROLE_ATTR.sub(lambda m: f'aria-roledescription="{_ROLES_NL.get(m.group(1), m.group(1))}"', svg)
    return _LABEL_ATTR.sub(lambda m: f'aria-label="{_dutch_label(m.group(1))}"', svg)


def vegalite_to_svg(spec: Mapping[str, Any]) -> str:
    """vl-convert's SVG of a Vega-Lite spec with our theme, the nl-NL locale and no external requests allowed
    (remembered and compiled once per layout by :mod:`spiegel.present.chart_cache`)."""
    from spiegel.present import chart_cache

    return chart_cache.svg(spec, _convert)


def _convert(spec: Mapping[str, Any]) -> str:
    import vl_convert as vlc

    from spiegel.present import chart_cache

    _ensure_fonts()
    vega = chart_cache.compiled_vega(spec, THEME)
    if vega is not None:
        return vlc.vega_to_svg(vega, format_locale=LOCALE, time_format_locale=LOCALE, allowed_base_urls=[])
    return vlc.vegalite_to_svg(
        dict(spec), config=THEME, format_locale=LOCALE, time_format_locale=LOCALE, allowed_base_urls=[],
    )


def spec_to_svg(spec: Mapping[str, Any]) -> str:
    """A Vega-Lite spec → SVG text with our theme and the nl-NL locale; no external requests allowed. While
    ``spiegel report`` runs, its sidecar process (warm vl-convert, same fonts) converts it
    (:func:`spiegel.offload.charts_via`): the same SVG, without the 0.8 s first call in this process."""
    from spiegel import offload

    return dutch_aria(_unique_ids((offload.chart_converter() or vegalite_to_svg)(spec)))


_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"')


def svg_size(svg: str) -> tuple[float, float]:
    """(width, height) in CSS px of an SVG made by vl-convert."""
    match = _SIZE.search(svg)
    if not match:
        return (480.0, 300.0)
    return float(match.group(1)), float(match.group(2))


class Chart(Display):
    """An altair chart (or a Vega-Lite dict) as a static SVG.

    ``alt_text`` becomes the SVG's accessible label (Vega-Lite ``description``); ``title`` is drawn in the chart;
    ``summary`` (a few lines with the numbers) is the ``text/plain`` rendering, which nbval compares.
    """

    def __init__(
        self, chart: Any, *, alt_text: str, title: str | None = None, summary: str | None = None,
        validate: bool = True, values: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        spec = chart if isinstance(chart, Mapping) else chart.to_dict(validate=validate)
        spec = dict(spec)
        if values is not None:
            # the records go into the finished spec in place of the chart's empty ``alt.Data(values=[])``, where
            # ``alt.Data(values=records)`` would put them: altair's to_dict deep-copies and walks every record
            if spec.get("data") != {"values": []}:
                raise ValueError("a chart given values must have alt.Data(values=[]) as its data")
            spec["data"] = {"values": [dict(record) for record in values]}
        spec["description"] = alt_text
        if title is not None:
            spec["title"] = title
        self.spec = spec
        self.alt_text = alt_text
        raw_title = spec.get("title")
        self.title = raw_title.get("text") if isinstance(raw_title, Mapping) else raw_title
        self.summary = summary
        self._svg: str | None = None

    @property
    def svg(self) -> str:
        if self._svg is None:
            svg = spec_to_svg(self.spec)
            # the SVG root is the image for assistive technology: role img + the alt text
            self._svg = svg.replace("<svg ", f'<svg role="img" aria-label="{esc_html(self.alt_text)}" ', 1)
        return self._svg

    def plain(self) -> str:
        lines = [f"Grafiek: {self.title}" if self.title else "Grafiek", self.alt_text]
        if self.summary:
            lines.append(self.summary)
        return "\n".join(lines)

    def html(self) -> str:
        return f'<figure class="sp-chart">{self.svg}</figure>'

    def typst(self) -> str:
        return typst_svg_image(self.svg, self.alt_text)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, str], dict[str, Any]]:
        return {SVG_MIME: self.svg, PLAIN_MIME: self.plain()}, {}


class SecretChart(Display):
    """What a chart builder returns when every value it would draw is secret (``.``): one sentence in place of an
    empty chart."""

    def __init__(self, title: str | None, hidden: int) -> None:
        self.title = title
        self.hidden = hidden
        self.text = (f"Grafiek{f' “{title}”' if title else ''} niet getoond: alle {fmt_int(hidden)} waarden zijn "
                     f"geheim ({SECRET}) onder de beveiliging van kleine aantallen.")

    def html(self) -> str:
        return f'<p class="sp-note sp-chart-secret">{esc_html(self.text)}</p>'

    def typst(self) -> str:
        return f"#block(below: 1.2em, text(size: 9pt, fill: luma(30%), {typst_str(self.text)}))\n"

    def plain(self) -> str:
        return self.text


def _all_secret(records: Sequence[object], hidden: int) -> bool:
    return hidden > 0 and not records


PDF_TEXT_WIDTH_PT = TYPST_TEXT_WIDTH_PT  # wider charts are scaled down to the text width


def typst_svg_image(svg: str, alt: str | None = None) -> str:
    """A typst block that draws ``svg`` at the size the browser shows it (1 CSS px = 0.75 pt)."""
    width_px, _ = svg_size(svg)
    width = min(width_px * 0.75, PDF_TEXT_WIDTH_PT)
    alt_arg = f", alt: {typst_str(alt)}" if alt else ""
    return (
        f"#block(breakable: false, below: 1.2em, image(bytes({typst_str(svg)}), format: \"svg\", "
        f"width: {width:.1f}pt{alt_arg}))\n"
    )


# ---------------------------------------------------------------------------------------------------- builders


def _numeric(value: object) -> float | None:
    if isinstance(value, str) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _unvalidated(build: Callable[..., Chart]) -> Callable[..., Chart]:
    """Build a chart without altair's schema validation of every object it creates (altair's debug mode, on
    by default, costs about 10 ms per chart in a batch of thousands). The specs these functions make are
    validated against the Vega-Lite schema in the tests (tests/test_present.py)."""

    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> Chart:
        from altair.utils.schemapi import debug_mode

        with debug_mode(False):
            return build(*args, **kwargs)

    return wrapper


def _sized(chart: Any, width: int, height: Any) -> Any:
    """``chart.properties(width=, height=)`` without its per-property schema validation."""
    chart = chart.copy(deep=False)
    chart.width, chart.height = width, height
    return chart


def _label_limit(labels: Sequence[object], limit: int) -> int:
    """``limit`` for an axis or legend with a label that may be longer than that, else 0 (no limit).

    With a limit, Vega measures every label to see whether it must be cut off, and vl-convert measures text by
    laying it out as SVG (~0.5 ms a label, a third of a chart's conversion). A label that fits is drawn the same
    either way, so when every label fits — measured here in the same font without kerning, which errs long —
    the chart is the same without the limit (tests/test_present.py compares the SVGs)."""
    from spiegel.present.metrics import text_width

    return 0 if all(text_width(str(label), LABEL_FONT_PX) <= limit - 4 for label in labels) else limit


def _count_axis() -> Any:
    """The axis of counts: whole numbers in Dutch notation. Its labels (at most ``999.999.999``, ~60 px) never
    reach the label limit, so it has none (see :func:`_label_limit`)."""
    import altair as alt

    return alt.Axis(format=",d", tickMinStep=1, tickCount=6, labelLimit=0)


def _secret_note(hidden: int) -> str:
    return f"{fmt_int(hidden)} geheime waarde(n) ({SECRET}) niet getoond." if hidden else ""


def _spec(key: tuple[Any, ...], build: Callable[..., Any], **orders: Sequence[str]) -> dict[str, Any]:
    """``build(**orders).to_dict()`` (made once per layout ``key`` by :func:`spiegel.present.chart_cache.spec`)."""
    from spiegel.present import chart_cache

    return chart_cache.spec(key, build, **orders)


def _grouped_bars(
    order: list[str], *, field: str, groups: Sequence[str], colors: Sequence[str], padding: float, step: int,
    value_title: str,
) -> dict[str, Any]:
    """The spec of grouped horizontal bars: per category (in ``order``) one bar per group of ``field`` (``groups``,
    drawn in ``colors``, with a legend), over records ``{"categorie", field, "aantal"}`` given to :class:`Chart`."""
    import altair as alt

    axis_limit = _label_limit(order, AXIS_LABEL_LIMIT)
    legend_limit = _label_limit(groups, LEGEND_LABEL_LIMIT)

    def layout(order: list[str]) -> Any:
        chart = (
            alt.Chart(alt.Data(values=[]))
            .mark_bar(height={"band": 0.9})
            .encode(
                y=alt.Y("categorie:N", title=None, sort=order, scale=alt.Scale(paddingInner=padding),
                        axis=alt.Axis(labelLimit=axis_limit)),
                yOffset=alt.YOffset(f"{field}:N", sort=list(groups)),
                x=alt.X("aantal:Q", title=value_title, axis=_count_axis()),
                color=alt.Color(f"{field}:N", title=None, sort=list(groups),
                                scale=alt.Scale(domain=list(groups), range=list(colors)),
                                legend=alt.Legend(labelLimit=legend_limit)),
                tooltip=[alt.Tooltip("categorie:N"), alt.Tooltip(f"{field}:N"),
                         alt.Tooltip("aantal:Q", format=",d")],
            )
        )
        return _sized(chart, 400, alt.Step(step))

    key = ("grouped", field, tuple(groups), tuple(colors), padding, step, axis_limit, legend_limit, value_title)
    return _spec(key, layout, order=order)


def _column_lists(frame: Any, columns: Sequence[str]) -> list[list[Any]]:
    """The values of ``columns`` of a DataFrame, or of a mapping of column name → list, as Python lists."""
    if isinstance(frame, Mapping):
        return [list(frame[c]) for c in columns]
    return [frame[c].tolist() for c in columns]


@_unvalidated
def flow_chart(
    frame: Any,
    *,
    category: str,
    measures: Sequence[str] = FLOW_MEASURES,
    labels: Mapping[str, str] | None = None,
    title: str = "Trajecten naar hulpvorm: begin, in, uit en eind",
    value_title: str = "Aantal trajecten",
) -> Chart:
    """Grouped horizontal bars: per ``category`` (e.g. hulpvorm group) one bar per flow measure.

    ``frame`` (a DataFrame, or a mapping of column name → list) is wide: a ``category`` column and one column per
    measure (ints, or ``"."`` for protected cells, which are left out and counted in the summary)."""
    labels = {**FLOW_LABELS, **(labels or {})}
    records, hidden, lines = [], 0, []
    columns = _column_lists(frame, [category, *measures])
    order = [str(v) for v in columns[0]]
    for row in zip(*columns, strict=True):
        parts = []
        for measure, value in zip(measures, row[1:], strict=True):
            number = _numeric(value)
            parts.append(f"{labels.get(measure, measure).lower()} {fmt_int(value)}")
            if number is None:
                hidden += isinstance(value, str)
                continue
            records.append({"categorie": str(row[0]), "maat": labels.get(measure, measure), "aantal": number})
        lines.append(f"{row[0]}: " + ", ".join(parts))
    if _all_secret(records, hidden):
        return SecretChart(title, hidden)  # type: ignore[return-value]
    measure_labels = [labels.get(m, m) for m in measures]
    colors = [FLOW_COLORS.get(m, PALETTE[i % len(PALETTE)]) for i, m in enumerate(measures)]
    spec = _grouped_bars(order, field="maat", groups=measure_labels, colors=colors, padding=0.25, step=9,
                         value_title=value_title)
    note = _secret_note(hidden)
    alt_text = (f"Staafdiagram met per {category} de beginstand, instroom, uitstroom en eindstand van het aantal "
                f"trajecten ({len(order)} {'categorie' if len(order) == 1 else 'categorieën'}).")
    return Chart(spec, alt_text=alt_text, title=title, summary="\n".join([*lines, note] if note else lines),
                 validate=False, values=records)


@_unvalidated
def top_chart(
    frame: Any,
    *,
    category: str,
    value: str,
    top: int = 10,
    rest_label: str = "Overige gemeenten",
    title: str = "Trajecten per gemeente",
    value_title: str = "Aantal trajecten",
) -> Chart:
    """Horizontal bars of the ``top`` largest categories by ``value``, plus one grey bar with the sum of the rest.

    Protected cells (``"."``) are not drawn and do not count towards the rest."""
    import altair as alt

    rows = [(str(c), v) for c, v in zip(*_column_lists(frame, [category, value]), strict=True)]
    known = [(c, _numeric(v)) for c, v in rows if _numeric(v) is not None]
    hidden = sum(1 for _, v in rows if isinstance(v, str))
    if _all_secret(known, hidden):
        return SecretChart(title, hidden)  # type: ignore[return-value]
    known.sort(key=lambda item: (-item[1], item[0]))  # type: ignore[operator]
    shown, rest = known[:top], known[top:]
    records = [{"categorie": c, "aantal": v, "groep": "top"} for c, v in shown]
    if rest:
        records.append({"categorie": f"{rest_label} ({len(rest)})", "aantal": sum(v for _, v in rest), "groep": "rest"})
    for rank, record in enumerate(records):
        record["volgorde"] = rank
    axis_limit = _label_limit([r["categorie"] for r in records], AXIS_LABEL_LIMIT)

    def layout() -> Any:
        # the bars' order is a field of the data (``volgorde``), so the spec has the same shape for every
        # provider (Vega-Lite would compile a list of names into the spec); tests/test_present.py holds the
        # drawing equal to a sort by name list.
        y = alt.Y("categorie:N", title=None, sort=alt.EncodingSortField(field="volgorde", op="min"),
                  axis=alt.Axis(labelLimit=axis_limit))
        x = alt.X("aantal:Q", title=value_title, axis=_count_axis())
        bars = alt.Chart().mark_bar().encode(
            y=y, x=x,
            color=alt.Color("groep:N", legend=None, scale=alt.Scale(domain=["top", "rest"], range=[PRIMARY, REST])),
            tooltip=[alt.Tooltip("categorie:N"), alt.Tooltip("aantal:Q", format=",d")],
        )
        text = alt.Chart().mark_text(align="left", dx=3).encode(y=y, x=x, text=alt.Text("aantal:Q", format=",d"))
        # the layers share the data and size given once to the layer chart (``bars + text`` on a shared base
        # chart, then resized, makes the same spec but copies the layers three times over)
        return alt.LayerChart(data=alt.Data(values=[]), layer=[bars, text], width=400, height=alt.Step(18))

    spec = _spec(("top", axis_limit, value_title), layout)
    lines = [f"{r['categorie']}: {fmt_int(r['aantal'])}" for r in records]
    note = _secret_note(hidden)
    alt_text = (f"Staafdiagram van het aantal per {category}: de {len(shown)} grootste"
                + (f" en de overige {len(rest)} samen." if rest else "."))
    return Chart(spec, alt_text=alt_text, title=title, summary="\n".join([*lines, note] if note else lines),
                 validate=False, values=records)


@_unvalidated
def comparison_chart(
    frame: Any,
    *,
    category: str,
    current: str,
    previous: str,
    current_label: str,
    previous_label: str,
    title: str = "Vergelijking met de vorige periode",
    value_title: str = "Aantal trajecten",
) -> Chart:
    """Per category two horizontal bars: this period (blue) and the previous one (light blue)."""
    order = [str(v) for v in frame[category].tolist()]
    records, lines, hidden = [], [], 0
    for cat, cur, prev in frame[[category, current, previous]].itertuples(index=False, name=None):
        for label, val in ((current_label, cur), (previous_label, prev)):
            number = _numeric(val)
            if number is None:
                hidden += isinstance(val, str)
                continue
            records.append({"categorie": str(cat), "periode": label, "aantal": number})
        lines.append(f"{cat}: {current_label} {fmt_int(cur)}, {previous_label} {fmt_int(prev)}")
    if _all_secret(records, hidden):
        return SecretChart(title, hidden)  # type: ignore[return-value]
    periods = [current_label, previous_label]
    spec = _grouped_bars(order, field="periode", groups=periods, colors=[PRIMARY, SECONDARY], padding=0.3, step=10,
                         value_title=value_title)
    note = _secret_note(hidden)
    alt_text = f"Staafdiagram dat per {category} {current_label} vergelijkt met {previous_label}."
    return Chart(spec, alt_text=alt_text, title=title, summary="\n".join([*lines, note] if note else lines),
                 validate=False, values=records)
