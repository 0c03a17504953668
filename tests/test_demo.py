"""`make demo` runs `spiegel demo`: the batch over the bundled sample, ending with the path of index.html."""

from __future__ import annotations

from pathlib import Path

from spiegel import domains
from spiegel.cli import main
from spiegel.sample import MISSING_PROVIDER, REFERENCE_PROVIDER


def test_demo_reports_every_sample_period_and_prints_the_index_of_the_latest(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == f"index: {(tmp_path / '2025H1' / 'index.html').resolve()}"
    periods = sum(len(domains.get(name).sample_periods) for name in domains.names())
    assert len([line for line in out if line.startswith("batch ")]) == periods  # per domain 2024H2, then 2025H1
    index = (tmp_path / "2025H1" / "index.html").read_text(encoding="utf-8")
    assert REFERENCE_PROVIDER in index and MISSING_PROVIDER in index
    assert "Geen rapporten van 2e halfjaar 2024" not in index  # the national overview compares with 2024H2
    for name in ("spiegelrapport.html", "spiegelrapport.pdf", "tabellen.xlsx", "jeugdhulp.ipynb"):
        assert (Path(tmp_path) / "2025H1" / REFERENCE_PROVIDER / name).is_file()
    # the GI domains: jeugdbescherming for 2025H1 beside jeugdhulp, jeugdreclassering for 2025Q2, indexes linked
    from spiegel.domains.gi.sample import REFERENCE as GI

    assert (Path(tmp_path) / "2025H1" / GI / "jb.ipynb").is_file()
    assert (Path(tmp_path) / "2025Q2" / GI / "jr.ipynb").is_file()
    assert "Jeugdbescherming" in index and f"{GI}/spiegelrapport.html" in index
    assert 'href="../2025Q2/index.html"' in index
    quarter = (tmp_path / "2025Q2" / "index.html").read_text(encoding="utf-8")
    assert "Landelijk per maatregel" in quarter and 'href="../2025H1/index.html"' in quarter
    # the gemeenteoverzichten of the sample, linked from the index's Gemeenten section (SPEC §10)
    assert 'id="gemeenten"' in index and "href='gemeenten/0363/gemeenteoverzicht.html'" in index
    for period in ("2024H2", "2025H1"):
        folder = Path(tmp_path) / period / "gemeenten" / "0363"
        for name in ("gemeenteoverzicht.html", "gemeenteoverzicht.pdf", "gemeenteoverzicht.xlsx"):
            assert (folder / name).is_file(), (period, name)
    # the corrected provider is marked
    assert "gemaakt · herlevering" in index
