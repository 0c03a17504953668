"""The gemeenteoverzicht (SPEC §10): made from the reports' exact tables, protected under cbs, no provider's
validation in it, providers with ``gemeenten_mogen_inzien = nee`` summed into "Overige aanbieders".

The sample test checks against an independent count: each provider's flows per gemeente from its raw delivery file
with plain pandas (tests/test_report_counts.py), summed over providers and protected with the CBS rule written out
here again."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from spiegel import deliveries as store
from spiegel.batch import gemeenteoverzicht as go
from spiegel.periods import Period
from spiegel.register import load_register
from spiegel.sample import DELIVERIES
from test_report_counts import plain_flows, read_plain

PERIOD = Period.parse("2025H1")
FLOWS = ("beginstand", "instroom", "uitstroom", "eindstand")


def cbs(n: int) -> object:
    """The CBS rule, independently: 0..7 secret, otherwise the nearest multiple of 5."""
    return "." if n <= 7 else 5 * round(n / 5)


@pytest.fixture(scope="module")
def overzichten(sample_reports):
    out = Path(next(iter(sample_reports.values())).outputs["notebook"]).parents[2]
    register = load_register(DELIVERIES / "register.csv")
    register = register[register["domein"] == "jeugdhulp"]
    result = go.make_overzichten(out, PERIOD, register=register, workers=2)  # the national path: two processes
    return out, result, register


def _aanbieders(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "tabellen" / "aanbieders.csv", sep=";", dtype=str, encoding="utf-8-sig",
                       keep_default_na=False)


def test_every_number_is_secret_or_a_multiple_of_5(overzichten):
    _, result, _ = overzichten
    assert len(result.gemeenten) >= 6
    for row in result.gemeenten:
        folder = result.folder / row["gemeente"]
        for csv in (folder / "tabellen").glob("*.csv"):
            table = pd.read_csv(csv, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
            for column in table.columns:
                if column in ("aanbieder", "kvk", "kengetal", "label"):
                    continue
                for value in table[column]:
                    assert value == "." or value == "" or int(value) % 5 == 0, (csv, column, value)
        html = (folder / "gemeenteoverzicht.html").read_text(encoding="utf-8")
        cells = re.findall(r'<td class="num">([^<]*)</td>', html) or re.findall(r"<td[^>]*>([^<]*)</td>", html)
        numbers = [c for c in cells if c and not re.fullmatch(r"\d{8}", c)]
        assert numbers
        for cell in numbers:
            if cell in (".", "-"):  # secret; missing (no previous period)
                continue
            assert int(cell.replace(".", "").lstrip("-\u2212+")) % 5 == 0, (folder, cell)


def test_rows_and_total_are_protected_from_the_exact_data(overzichten):
    """Per gemeente, each provider row and the total equal the CBS rule applied to independent exact counts."""
    _, result, register = overzichten
    inzien = dict(zip(register["kvk"], register["gemeenten_mogen_inzien"], strict=True))
    exact: dict[str, dict[str, pd.Series]] = {}
    for (_, kvk), ref in sorted(store.current_deliveries(DELIVERIES, PERIOD).items()):
        if ref.meta.domein != "jeugdhulp":
            continue
        flows = plain_flows(read_plain(ref.path), PERIOD)
        for code, row in flows.iterrows():
            if code not in ("totaal", "onbekend"):
                exact.setdefault(str(code), {})[kvk] = row
    assert {r["gemeente"] for r in result.gemeenten} == set(exact)
    for code, providers in exact.items():
        table = _aanbieders(result.folder / code).set_index("aanbieder")
        total = sum(providers.values())
        for flow in FLOWS:
            assert table.loc["Totaal", f"trajecten_{flow}"] == str(cbs(int(total[flow]))), (code, flow)
        others = [k for k in providers if inzien.get(k) == "nee"]
        for kvk, row in providers.items():
            if kvk in others:
                assert kvk not in set(table["kvk"])
                continue
            shown = table[table["kvk"] == kvk].iloc[0]
            for flow in FLOWS:
                assert shown[f"trajecten_{flow}"] == str(cbs(int(row[flow]))), (code, kvk, flow)
        if others:
            summed = sum(providers[k] for k in others)
            for flow in FLOWS:
                assert table.loc[go.OVERIGE, f"trajecten_{flow}"] == str(cbs(int(summed[flow])))
        else:
            assert go.OVERIGE not in table.index


def test_no_finding_row_number_or_hidden_provider_name_in_any_output(overzichten, sample_reports):
    _, result, register = overzichten
    hidden = register.loc[register["gemeenten_mogen_inzien"] == "nee", "naam"].tolist()
    assert hidden, "the sample has providers with gemeenten_mogen_inzien = nee"
    rule = re.compile(r"\b[A-Z]{2}-[A-Z]\d{2}\b")
    messages = set()
    for r in sample_reports.values():
        if "csv" in r.outputs and (Path(r.outputs["csv"]) / "validatie.csv").exists():
            findings = pd.read_csv(Path(r.outputs["csv"]) / "validatie.csv", sep=";", dtype=str,
                                   encoding="utf-8-sig", keep_default_na=False)
            messages |= set(findings.get("melding", []))
    assert messages
    for path in result.folder.rglob("*"):
        if path.suffix not in (".html", ".csv", ".json"):
            continue
        text = path.read_text(encoding="utf-8-sig")
        assert not rule.search(text), path
        assert "rijnummer" not in text.lower() and "bevinding" not in text.lower(), path
        for message in messages:
            assert message not in text, (path, message)
        for name in hidden:
            assert name not in text, (path, name)


def _tables(columns: dict[str, str], providers: list[go.Provider], period: str = "2025H1") -> go.PeriodTables:
    return go.PeriodTables(Period.parse(period), columns, providers)


def test_a_provider_with_only_secret_counts_is_shown_and_the_total_comes_from_exact_counts():
    columns = {"trajecten_totaal": "Trajecten totaal", "jongeren_totaal": "Jongeren"}
    current = _tables(columns, [go.Provider(k, f"Aanbieder {k}", True, {"0363": [3, 2]}) for k in "abc"]
                      + [go.Provider("d", "Verborgen", False, {"0363": [4, 4]}),
                         go.Provider("e", "Verborgen 2", False, {"0363": [5, 5]})])
    previous = _tables(columns, [go.Provider("a", "Aanbieder a", True, {"0363": [20, 18]}),
                                 go.Provider("z", "Gestopt", True, {"0363": [30, 30]})], "2024H2")
    o = go.build(current, previous, "0363", {"0363": "Amsterdam"})
    table = o.aanbieders().set_index("aanbieder")
    assert list(table.index) == ["Aanbieder a", "Aanbieder b", "Aanbieder c", go.OVERIGE, go.TOTAAL]
    assert table.loc["Aanbieder b", "trajecten_totaal"] == "."  # secret, still a row
    assert table.loc[go.OVERIGE, "trajecten_totaal"] == 10  # 4 + 5 = 9, protected after summing
    assert table.loc[go.TOTAAL, "trajecten_totaal"] == 20  # 3 × 3 + 9 = 18, not a sum of shown cells
    assert table.loc[go.TOTAAL, "jongeren_totaal"] == 15  # 6 + 9 = 15
    assert table.loc["Aanbieder a", go.PREVIOUS] == 20
    assert table.loc["Aanbieder b", go.PREVIOUS] == "."  # no trajecten in the previous period: 0, secret
    assert table.loc[go.TOTAAL, go.PREVIOUS] == 50  # 20 + 30, the stopped provider included
    totaal = o.totaal().set_index("kengetal")
    assert (totaal.loc["trajecten_totaal", "waarde"], totaal.loc["trajecten_totaal", "vorige"]) == (20, 50)
    assert totaal.loc["trajecten_totaal", "verschil"] == -30


def test_a_tables_file_counts_only_with_its_finished_report(tmp_path):
    import json

    from spiegel.present import gemeentetabellen as gt

    for kvk, sha, report_sha in (("10000001", "aaa", "aaa"), ("10000002", "bbb", "old")):
        gt.write_tables(gt.tables_path(tmp_path, "2025H1", "jeugdhulp", kvk), gt.record(
            kvk=kvk, naam=kvk, period="2025H1", domain="jeugdhulp", sha256=sha, columns={"trajecten_totaal": "T"},
            rows={"0363": [12]}))
        (tmp_path / "2025H1" / kvk).mkdir(parents=True)
        (tmp_path / "2025H1" / kvk / "samenvatting.json").write_text(json.dumps({"levering": {"sha256": report_sha}}))
    found = go.collect(tmp_path, "2025H1")
    assert [p.kvk for p in found.providers] == ["10000001"]
    with pytest.raises(ValueError):
        gt.record(kvk="1", naam="", period="2025H1", domain="jeugdhulp", sha256="", columns={"a": "A"},
                  rows={"0363": [-1]})


def test_spiegel_gemeente_makes_one_and_the_index_section_links_it(overzichten, capsys):
    from spiegel.cli import main

    out, _, _ = overzichten
    target = out / str(PERIOD) / go.FOLDER / "0363"
    (target / "gemeenteoverzicht.pdf").unlink()
    assert main(["gemeente", "--period", "2025H1", "--gemeente", "0363", "--out", str(out),
                 "--deliveries", str(DELIVERIES)]) == 0
    assert (target / "gemeenteoverzicht.pdf").read_bytes().startswith(b"%PDF")
    html = (target / "gemeenteoverzicht.html").read_text(encoding="utf-8")
    assert "<script src=" not in html and "Gemeenteoverzicht jeugdhulp" in html
    section = go.index_section(out / str(PERIOD))
    assert "href='gemeenten/0363/gemeenteoverzicht.html'" in section and 'type="search"' in section
    assert section.count("<tr><td>") == len(go.collect(out, PERIOD).gemeenten())
    assert main(["gemeente", "--period", "2025H1", "--gemeente", "9999", "--out", str(out),
                 "--deliveries", str(DELIVERIES)]) == 2
    assert "9999" in capsys.readouterr().err
