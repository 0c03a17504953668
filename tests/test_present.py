"""Display objects: Dutch formatting, the three renderings (HTML, typst, plain text) and the charts."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter

from spiegel.present import (
    TYPST_MIME,
    BulletList,
    Callout,
    Chart,
    Heading,
    KeyFigures,
    PageBreak,
    Paragraph,
    Stack,
    Table,
    Title,
    comparison_chart,
    flow_chart,
    top_chart,
)
from spiegel.present.markup import inline_typst, typst_str
from spiegel.render.pdf import compile_typst, preamble
from spiegel.render.settings import load_settings


def _flows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hulpvorm": ["Zonder verblijf", "Met verblijf", "Totaal"],
            "beginstand": [1234, ".", 1290],
            "instroom": [800, 20, 820],
            "aandeel": [0.125, 0.5, 0.2],
        }
    )


def _compiles(typst_fragment: str) -> bytes:
    return compile_typst(preamble(load_settings(None)) + typst_fragment)


# ------------------------------------------------------------------------------------------------------- table


def test_table_formats_numbers_the_dutch_way_and_keeps_the_protected_dot():
    table = Table(_flows(), "Tabel 1", formats={"aandeel": "pct"})
    assert table.rows[0] == ["Zonder verblijf", "1.234", "800", "12,5%"]
    assert table.rows[1] == ["Met verblijf", ".", "20", "50,0%"]


def test_table_right_aligns_number_columns_only():
    table = Table(_flows(), "Tabel 1")
    assert table.numeric == [False, True, True, True]
    html = table.html()
    assert '<td class="num">1.234</td>' in html
    assert '<th scope="row">Zonder verblijf</th>' in html
    assert "align: (left, right, right, right,)" in table.typst()


def test_table_total_row_is_bold_in_html_and_typst():
    table = Table(_flows(), "Tabel 1")
    assert '<tr class="sp-total"><th scope="row">Totaal</th><td class="num">1.290</td>' in table.html()
    # bold by weight, as in the HTML (a class, no <strong>): the tagged PDF gets no Strong elements for totals
    assert 'text(weight: "bold", "Totaal"), text(weight: "bold", "1.290")' in table.typst()
    assert "strong(" not in table.typst().split("table.header(", 1)[1]


def test_table_uses_column_labels_and_column_selection():
    table = Table(_flows(), columns=["hulpvorm", "instroom"], column_labels={"hulpvorm": "Hulpvorm"})
    assert table.plain().splitlines()[0].split() == ["Hulpvorm", "instroom"]
    assert "beginstand" not in table.html()


def test_table_plain_text_aligns_numbers_right():
    plain = Table(_flows(), "Tabel 1", note="Geheim: .", columns=["hulpvorm", "beginstand"]).plain()
    assert plain == (
        "Tabel 1\n"
        "hulpvorm         beginstand\n"
        "Zonder verblijf       1.234\n"
        "Met verblijf              .\n"
        "Totaal                1.290\n"
        "Geheim: ."
    )


def test_table_escapes_markup_in_labels_and_cells():
    frame = pd.DataFrame({'naam <b>"x"</b> #[y]': ['a "b" \\ <i>', "c"], "n": [1, 2]})
    table = Table(frame, 'Titel "met" <tags>')
    html = table.html()
    assert "<b>" not in html and "<i>" not in html and "&lt;b&gt;" in html
    assert _compiles(table.typst()).startswith(b"%PDF")


def test_table_with_unknown_column_is_refused():
    with pytest.raises(KeyError):
        Table(_flows(), columns=["bestaat_niet"])


def test_table_of_an_empty_frame_still_renders():
    table = Table(_flows().iloc[0:0], "Leeg")
    assert "<tbody></tbody>" in table.html()
    assert _compiles(table.typst()).startswith(b"%PDF")


# ------------------------------------------------------------------------------------------------- text blocks


def test_key_figures_format_integers_and_pass_strings_through():
    figures = KeyFigures([("Trajecten", 2090, "vorige periode 1.950"), ("Aandeel crisis", "12,5%")])
    assert figures.plain() == "Trajecten: 2.090 (vorige periode 1.950)\nAandeel crisis: 12,5%"
    assert '<div class="sp-kf-value">2.090</div>' in figures.html()
    assert 'text(size: 18pt, weight: "bold", "2.090")' in figures.typst()


def test_paragraph_supports_bold_and_italic_only():
    paragraph = Paragraph("Er zijn **12** trajecten *beëindigd* <script>.")
    assert paragraph.html() == (
        '<p class="sp-text">Er zijn <strong>12</strong> trajecten <em>beëindigd</em> &lt;script&gt;.</p>'
    )
    assert paragraph.typst() == (
        '#block(sticky: true)[#"Er zijn "#strong("12")#" trajecten "#emph("beëindigd")#" <script>."]\n'
    )
    assert paragraph.plain() == "Er zijn 12 trajecten beëindigd <script>."


def test_typst_strings_escape_quotes_backslashes_and_newlines():
    assert typst_str('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'
    assert inline_typst("// geen commentaar = geen kop") == '#"// geen commentaar = geen kop"'


def test_title_passes_the_running_header_to_the_renderers():
    title = Title("Spiegelrapport", "Aanbieder · 1e halfjaar 2025", facts={"KvK": "12345678"})
    data, metadata = title._repr_mimebundle_()
    assert metadata == {"spiegel": {"title": "Spiegelrapport", "subtitle": "Aanbieder · 1e halfjaar 2025",
                                    "header": "Spiegelrapport · Aanbieder · 1e halfjaar 2025"}}
    assert '#state("spiegel-header", none).update("Spiegelrapport · Aanbieder · 1e halfjaar 2025")' in data[TYPST_MIME]
    assert "<dt>KvK</dt><dd>12345678</dd>" in data["text/html"]


def test_callout_kind_sets_class_and_dutch_default_title():
    callout = Callout("Twee fouten gevonden.", kind="error")
    assert callout.html().startswith(
        '<div class="sp-callout sp-error" role="note"><p class="sp-callout-title">Fout</p>'
    )
    assert callout.plain() == "[Fout]\nTwee fouten gevonden."
    with pytest.raises(ValueError):
        Callout("x", kind="rood")


def test_every_display_object_gives_html_typst_and_plain_through_ipython():
    objects = [
        Title("T"), Heading("Kop", 3), Paragraph("Tekst"), BulletList(["a", "b"], title="Lijst"),
        Callout("c"), PageBreak(), KeyFigures([("a", 1)]), Table(_flows()), Stack(Heading("K"), Paragraph("p")),
    ]
    formatter = DisplayFormatter()
    for obj in objects:
        data, _ = formatter.format(obj)
        assert {"text/plain", "text/html", TYPST_MIME} <= set(data), type(obj).__name__
    source = "\n".join(obj.typst() for obj in objects)
    assert _compiles(source).startswith(b"%PDF")


def test_heading_level_maps_to_html_and_typst():
    assert Heading("Per gemeente", 3).html() == "<h3>Per gemeente</h3>"
    assert Heading("Per gemeente", 3).typst() == '=== #"Per gemeente"\n'
    with pytest.raises(ValueError):
        Heading("x", 5)


# ------------------------------------------------------------------------------------------------------ charts


def _flow_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hulpvorm": ["Zonder verblijf", "Met verblijf"],
            "beginstand": [1234, "."],
            "instroom": [800, 20],
            "uitstroom": [700, 10],
            "eindstand": [1334, 66],
        }
    )


def test_flow_chart_is_an_svg_with_dutch_numbers_and_a_summary():
    chart = flow_chart(_flow_frame(), category="hulpvorm")
    data, _ = DisplayFormatter().format(chart)
    assert set(data) == {"image/svg+xml", "text/plain"}
    svg = data["image/svg+xml"]
    assert svg.startswith('<svg role="img" aria-label="Staafdiagram')
    assert ">1.200<" in svg  # axis tick in nl-NL
    assert 'font-family="Liberation Sans, Arial, Helvetica, sans-serif"' in svg
    assert "<script" not in svg
    assert data["text/plain"].splitlines()[2:] == [
        "Zonder verblijf: beginstand 1.234, instroom 800, uitstroom 700, eindstand 1.334",
        "Met verblijf: beginstand ., instroom 20, uitstroom 10, eindstand 66",
        "1 geheime waarde(n) (.) niet getoond.",
    ]


def test_chart_svg_is_the_same_for_the_same_input():
    first = flow_chart(_flow_frame(), category="hulpvorm").svg
    between = comparison_chart(_flow_frame(), category="hulpvorm", current="eindstand", previous="instroom",
                               current_label="nu", previous_label="toen")
    assert between.svg != first  # another chart rendered in between
    assert flow_chart(_flow_frame(), category="hulpvorm").svg == first


def test_top_chart_shows_the_largest_and_sums_the_rest():
    frame = pd.DataFrame({"gemeente": [f"G{i:02d}" for i in range(12)], "n": [*range(10, 130, 10)]})
    chart = top_chart(frame, category="gemeente", value="n", top=3)
    lines = chart.plain().splitlines()[2:]
    assert lines == ["G11: 120", "G10: 110", "G09: 100", "Overige gemeenten (9): 450"]


def test_chart_from_a_plain_altair_chart_gets_the_theme_and_alt_text():
    import altair as alt

    frame = pd.DataFrame({"x": ["a", "b"], "y": [1500, 2500]})
    chart = Chart(alt.Chart(frame).mark_bar().encode(x="x:N", y="y:Q"), alt_text="Twee staven", title="Test")
    assert 'aria-label="Twee staven"' in chart.svg
    assert ">2.500<" in chart.svg
    assert chart.plain() == "Grafiek: Test\nTwee staven"
    assert _compiles(chart.typst()).startswith(b"%PDF")


def test_chart_values_given_apart_make_the_spec_altair_makes_with_the_data_inline():
    """The builders give their records to Chart as ``values`` (altair's to_dict would deep-copy and walk them);
    the spec must be exactly, key order included, the one of ``alt.Data(values=records)``."""
    import altair as alt

    records = [{"categorie": "a", "aantal": 3.0}, {"categorie": "b", "aantal": 1234.0}]

    def bars(data: object) -> object:
        return alt.Chart(data).mark_bar().encode(y="categorie:N", x="aantal:Q")

    inline = Chart(bars(alt.Data(values=records)), alt_text="t", validate=False).spec
    apart = Chart(bars(alt.Data(values=[])), alt_text="t", validate=False, values=records)
    assert list(apart.spec) == list(inline) and apart.spec == inline
    assert apart.svg == Chart(bars(alt.Data(values=records)), alt_text="t").svg
    with pytest.raises(ValueError, match=r"alt\.Data\(values=\[\]\)"):
        Chart(bars(alt.Data(values=records)), alt_text="t", values=records)


def test_chart_ids_are_unique_per_chart():
    from spiegel.present.charts import _unique_ids

    svg = '<svg><clipPath id="clip1"/><g clip-path="url(#clip1)"/></svg>'
    renamed = _unique_ids(svg)
    new_id = re.search(r'id="([^"]+)"', renamed).group(1)
    assert new_id != "clip1" and f"url(#{new_id})" in renamed


def test_table_that_fits_gets_fixed_tracks_for_fast_pdf_layout():
    typst = Table(_flows(), "Tabel 1").typst()
    assert "rows: (auto, 0.688em + 6pt)," in typst
    widths = re.search(r"columns: \((.*),\),", typst).group(1).split(", ")
    assert widths[0] == "1fr" and all(w.endswith("pt") for w in widths[1:])
    assert _compiles(typst).startswith(b"%PDF")


def test_table_too_wide_for_the_page_lets_typst_size_and_wrap_columns():
    frame = pd.DataFrame({f"Kolom met een lange naam {i}": ["een tamelijk lange tekst in een cel"] for i in range(6)})
    typst = Table(frame).typst()
    assert "columns: (auto, auto, auto, auto, auto, auto,)," in typst
    assert "rows:" not in typst
    assert _compiles(typst).startswith(b"%PDF")


def test_missing_values_show_as_dash_in_number_columns_and_empty_in_text_columns():
    frame = pd.DataFrame({"naam": ["a", None], "n": pd.array([pd.NA, 1234], dtype="Int64"), "x": [float("nan"), 2.0]})
    assert Table(frame).rows == [["a", "-", "-"], ["", "1.234", "2"]]


def test_dates_and_missing_dates_are_formatted_the_dutch_way():
    from datetime import date

    from spiegel.formats import fmt_date

    assert fmt_date(date(2025, 12, 31)) == "31-12-2025"
    assert fmt_date(pd.NaT) == "-"


def test_chart_specs_are_valid_vega_lite():
    """The chart builders skip altair's validation for speed; their specs must still satisfy the schema."""
    import jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    frame = _flow_frame()
    specs = [
        flow_chart(frame, category="hulpvorm").spec,
        top_chart(pd.DataFrame({"gemeente": list("abcdef"), "n": [5, 4, 3, 2, 1, "."]}), category="gemeente",
                  value="n", top=3).spec,
        comparison_chart(frame, category="hulpvorm", current="eindstand", previous="instroom", current_label="nu",
                         previous_label="toen").spec,
    ]
    validator = jsonschema.Draft7Validator(load_schema())
    for spec in specs:
        errors = sorted(validator.iter_errors(spec), key=str)
        assert not errors, errors[:1]
        assert spec["width"] == 400 and "step" in spec["height"]


def test_charts_compiled_once_per_layout_give_the_same_svg_as_a_direct_conversion(monkeypatch):
    """vegalite_to_svg reuses the compiled Vega of a chart layout with other numbers; the SVG must be exactly
    what vl-convert makes of the Vega-Lite spec itself."""
    import vl_convert as vlc

    from spiegel.present import chart_cache, charts

    frames = [_flow_frame(), _flow_frame().assign(instroom=[3, 1_000_000], eindstand=[0, "."]),
              _flow_frame().iloc[:1], _flow_frame().assign(beginstand=[".", "."])]
    specs = []
    for frame in frames:
        specs += [flow_chart(frame, category="hulpvorm").spec,
                  comparison_chart(frame, category="hulpvorm", current="eindstand", previous="instroom",
                                   current_label="nu", previous_label="toen").spec]
    for n in (6, 7):
        top = pd.DataFrame({"gemeente": list("abcdefg")[:n], "n": [50, 4, 3, 2, 1, ".", 9][:n]})
        specs.append(top_chart(top, category="gemeente", value="n", top=3).spec)
    directs = [vlc.vegalite_to_svg(spec, config=charts.THEME, format_locale=charts.LOCALE,
                                   time_format_locale=charts.LOCALE, allowed_base_urls=[]) for spec in specs]
    compiled = []
    real = vlc.vegalite_to_vega
    monkeypatch.setattr(vlc, "vegalite_to_vega", lambda *a, **kw: compiled.append(1) or real(*a, **kw))
    chart_cache.clear()
    for spec, direct in zip(specs, directs, strict=True):
        assert charts.vegalite_to_svg(spec) == direct
    assert 0 < len(compiled) < len(specs)  # layouts were compiled once and reused
    with chart_cache.bypassed():
        assert [charts.vegalite_to_svg(spec) for spec in specs] == directs


def test_top_chart_order_travels_with_the_data_so_one_compiled_vega_serves_every_provider(monkeypatch):
    """The top chart sorts its bars by a ``volgorde`` field in the records instead of a list of names in the spec:
    charts of other gemeenten share one compiled Vega, and each draws exactly what the list of names draws."""
    import copy

    import vl_convert as vlc

    from spiegel.present import chart_cache, charts

    compiled = []
    real = vlc.vegalite_to_vega
    monkeypatch.setattr(vlc, "vegalite_to_vega", lambda *a, **kw: compiled.append(1) or real(*a, **kw))
    chart_cache.clear()
    frames = [
        pd.DataFrame({"gemeente": ["Zwolle", "Ede"], "n": [3, 9]}),
        pd.DataFrame({"gemeente": ["Utrecht", "'s-Hertogenbosch"], "n": [5, 5]}),  # a tie: by name
        pd.DataFrame({"gemeente": ["Súdwest-Fryslân", "Aa en Hunze"], "n": [1, 2]}),
    ]
    for frame in frames:
        spec = top_chart(frame, category="gemeente", value="n").spec
        records = spec["data"]["values"]
        names = [r["categorie"] for r in sorted(records, key=lambda r: r["volgorde"])]
        expected = sorted(zip(frame["gemeente"], frame["n"], strict=True), key=lambda item: (-item[1], item[0]))
        assert names == [name for name, _ in expected]
        with_list = copy.deepcopy(spec)
        for layer in with_list["layer"]:
            assert layer["encoding"]["y"]["sort"] == {"field": "volgorde", "op": "min"}
            layer["encoding"]["y"]["sort"] = names
        with_list["data"]["values"] = [{k: v for k, v in r.items() if k != "volgorde"} for r in records]
        drawn_by_list = vlc.vegalite_to_svg(with_list, config=charts.THEME, format_locale=charts.LOCALE,
                                            time_format_locale=charts.LOCALE, allowed_base_urls=[])
        assert charts.vegalite_to_svg(spec) == drawn_by_list
    assert len(compiled) == 1  # one layout, compiled once


def test_chart_svg_remembered_by_the_whole_spec(monkeypatch):
    """A spec converted before gives its remembered SVG without a conversion; a spec that differs anywhere (a
    number, a label, a title; key order aside) is converted itself; the memory is bounded, oldest out."""
    from spiegel.present import chart_cache, charts

    chart_cache.clear()
    frame = pd.DataFrame({"gemeente": ["Zwolle", "Utrecht"], "n": [3, 2]})
    base = top_chart(frame, category="gemeente", value="n").spec
    variants = [
        top_chart(frame.assign(n=[4, 2]), category="gemeente", value="n").spec,
        top_chart(frame.assign(gemeente=["Zwolle", "Ede"]), category="gemeente", value="n").spec,
        top_chart(frame, category="gemeente", value="n", title="Anders").spec,
        top_chart(frame, category="gemeente", value="n", value_title="Aantal jeugdigen").spec,
    ]
    direct = {json.dumps(s, sort_keys=True): charts._convert(s) for s in [base, *variants]}
    assert len(set(direct.values())) == len(direct)  # every variant draws something else

    calls = []
    real = charts._convert
    monkeypatch.setattr(charts, "_convert", lambda spec: calls.append(1) or real(spec))
    assert charts.vegalite_to_svg(base) == direct[json.dumps(base, sort_keys=True)]
    assert len(calls) == 1
    reordered = dict(reversed(list(base.items())))
    assert charts.vegalite_to_svg(reordered) == direct[json.dumps(base, sort_keys=True)]
    assert len(calls) == 1  # remembered
    for spec in variants:
        assert charts.vegalite_to_svg(spec) == direct[json.dumps(spec, sort_keys=True)]
    assert len(calls) == 1 + len(variants)
    for spec in [base, *variants]:
        assert charts.vegalite_to_svg(spec) == direct[json.dumps(spec, sort_keys=True)]
    assert len(calls) == 1 + len(variants)

    chart_cache.clear()
    monkeypatch.setattr(chart_cache, "_SVGS_MAX", 2)
    calls.clear()
    for spec in (base, variants[0], base, variants[1]):  # base used again: variants[0] is now the oldest
        charts.vegalite_to_svg(spec)
    assert len(calls) == 3 and len(chart_cache._SVGS) == 2
    charts.vegalite_to_svg(base)
    assert len(calls) == 3  # kept
    assert charts.vegalite_to_svg(variants[0]) == direct[json.dumps(variants[0], sort_keys=True)]
    assert len(calls) == 4  # evicted, converted again


def _without_label_limits(spec: dict) -> dict:
    """The spec with the per-chart label limits removed, so the theme's limits apply again."""
    import copy

    spec = copy.deepcopy(spec)
    layers = spec.get("layer", [spec])
    for layer in layers:
        for channel in layer.get("encoding", {}).values():
            for part in ("axis", "legend"):
                if isinstance(channel, dict) and isinstance(channel.get(part), dict):
                    channel[part].pop("labelLimit", None)
    return spec


def test_charts_without_label_limits_are_drawn_the_same_when_every_label_fits():
    """Charts leave out the label limit when all labels fit (saves vl-convert's text measurements): the SVG must
    be what the theme's limits give; a label too long for the limit is still cut off."""
    import vl_convert as vlc

    from spiegel.present import charts

    def svg(spec):
        return vlc.vegalite_to_svg(spec, config=charts.THEME, format_locale=charts.LOCALE,
                                   time_format_locale=charts.LOCALE, allowed_base_urls=[])

    names = ["Súdwest-Fryslân", "'s-Hertogenbosch", "Hardinxveld-Giessendam", "Alphen-Chaam", "Zwolle",
             "Midden-Groningen", "Noardeast-Fryslân", "Westerwolde", "Onbekend", "Totaal"]
    top = pd.DataFrame({"gemeente": names, "n": [50, 40, 30, 20, 10, 9, 8, 7, 6, 5]})
    short = [flow_chart(_flow_frame(), category="hulpvorm"),
             comparison_chart(_flow_frame(), category="hulpvorm", current="eindstand", previous="instroom",
                              current_label="1e halfjaar 2025", previous_label="2e halfjaar 2024"),
             top_chart(top, category="gemeente", value="n", top=6)]
    for chart in short:
        assert '"labelLimit": 0' in json.dumps(chart.spec)
        assert svg(chart.spec) == svg(_without_label_limits(chart.spec))
    long_label = "Jeugdhulp met verblijf bij een gezinsgericht tehuis of een andere voorziening"
    cut = top_chart(pd.DataFrame({"gemeente": [long_label, "Zwolle"], "n": [3, 2]}), category="gemeente", value="n")
    assert cut.spec["layer"][0]["encoding"]["y"]["axis"]["labelLimit"] == charts.AXIS_LABEL_LIMIT
    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", svg(cut.spec))
    assert long_label not in drawn and any(t.endswith("…") and long_label.startswith(t[:-1]) for t in drawn)


def test_chart_specs_made_once_per_layout_equal_the_specs_altair_makes_for_each_chart():
    """The builders reuse the spec of a chart layout with other category orders (``chart_cache.spec``); every
    spec must be exactly, key order included, the one altair makes with the orders themselves."""
    from spiegel.present import chart_cache, charts

    long_name = "Jeugdhulp met verblijf bij een gezinsgericht tehuis of een andere voorziening"
    names = ["Súdwest-Fryslân", "'s-Hertogenbosch", "Zwolle", long_name, 'a "quoted" <name> & more', "Onbekend"]
    frames = [
        _flow_frame(),
        _flow_frame().iloc[::-1],
        _flow_frame().iloc[:1],
        _flow_frame().assign(hulpvorm=[long_name, "Zwolle"]),
        pd.DataFrame({"hulpvorm": names, **{m: range(len(names)) for m in charts.FLOW_MEASURES}}),
    ]

    def make() -> list[str]:
        specs = []
        for frame in frames:
            specs.append(flow_chart(frame, category="hulpvorm").spec)
            specs.append(flow_chart(frame, category="hulpvorm", measures=("instroom", "uitstroom"),
                                    labels={"instroom": "In"}, value_title="Aantal jongeren").spec)
            for current, previous in (("nu", "toen"), ("1e halfjaar 2025", "2e halfjaar 2024")):
                specs.append(comparison_chart(frame, category="hulpvorm", current="eindstand", previous="instroom",
                                              current_label=current, previous_label=previous).spec)
        for n in (1, 2, 3, 6):
            top = pd.DataFrame({"gemeente": names[:n], "n": [50, 4, 3, 2, 1, "."][:n]})
            for k in (3, 10):
                specs.append(top_chart(top, category="gemeente", value="n", top=k).spec)
                specs.append(top_chart(top.iloc[::-1], category="gemeente", value="n", top=k,
                                       value_title="Aantal jongeren").spec)
        return [json.dumps(spec, ensure_ascii=False) for spec in specs]

    chart_cache.clear()
    reused = make()
    assert 0 < len(chart_cache._SPECS) < len(reused) / 2  # layouts were made once and reused
    assert all(chart_cache._HOLE not in spec for spec in reused)
    with chart_cache.bypassed():  # altair builds every spec with the orders themselves
        assert make() == reused


def test_tables_and_charts_from_column_lists_equal_those_from_a_frame():
    """Report sections pass their columns as lists; the displays must be what the same frame gives."""
    columns = {
        "label": ["Totaal", "A & B", "C"],
        "n": [1234, ".", 5],
        "aandeel": [1.0, ".", float("nan")],
        "leeg": [None, "x", ""],
    }
    frame = pd.DataFrame(columns, dtype=object)
    for kwargs in ({}, {"columns": ["label", "aandeel", "n"], "formats": {"aandeel": "pct"}}):
        from_lists, from_frame = Table(columns, "T", **kwargs), Table(frame, "T", **kwargs)
        assert (from_lists.html(), from_lists.typst(), from_lists.plain()) == (
            from_frame.html(), from_frame.typst(), from_frame.plain()
        )
    with pytest.raises(KeyError):
        Table(columns, columns=["label", "ontbreekt"])
    flows = _flow_frame()
    as_lists = {c: flows[c].tolist() for c in flows.columns}
    for make in (lambda f: flow_chart(f, category="hulpvorm"), lambda f: top_chart(f, category="hulpvorm",
                                                                                      value="eindstand", top=1)):
        a, b = make(as_lists), make(flows)
        assert (a.spec, a.plain()) == (b.spec, b.plain())
