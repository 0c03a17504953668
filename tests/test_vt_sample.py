"""Veilig Thuis's part of the bundled sample and the synthetic organisations (SPEC §5.8)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import yaml

from spiegel import deliveries as store
from spiegel import domains
from spiegel.domains.vt import sample as vt_sample
from spiegel.domains.vt import synth
from spiegel.periods import Period
from spiegel.read import read_delivery
from spiegel.register import load_register
from spiegel.sample import DELIVERIES
from spiegel.validate import validate

VT = domains.get("vt")
FAULTS = DELIVERIES / vt_sample.FAULTS_FILE


def _read(ref):
    return read_delivery(ref.path, VT.layout(ref.meta.indeling))


@cache
def findings() -> dict[tuple[str, str], object]:
    out = {}
    for kvk in (vt_sample.REFERENCE, vt_sample.FAULTY, vt_sample.FIXED):
        refs = store.history(DELIVERIES, kvk, Period.parse("2026H1"))
        dels = [(r.meta.period, _read(r)) for r in refs]
        for k, (period, d) in enumerate(dels):
            out[(str(period), kvk)] = validate(d, period, previous=dels[k - 1][1] if k else None,
                                               history=dels[:k], meta=refs[k].meta, domain=VT)
    return out


def test_three_organisations_two_periods_three_formats_and_both_layouts():
    refs = [r for r in store.find_deliveries(DELIVERIES) if r.meta.domein == "vt"]
    assert {r.meta.kvk for r in refs} == {vt_sample.REFERENCE, vt_sample.FAULTY, vt_sample.FIXED}
    assert {r.meta.periode for r in refs} == set(vt_sample.PERIODS)
    assert {r.path.suffix for r in refs} == {".xlsx", ".zip", ".txt"}
    assert {r.meta.indeling for r in refs} == {"vt-1", "vt-1-lijst"}
    register = load_register(DELIVERIES / "register.csv")
    assert set(register.loc[register["domein"] == "vt", "kvk"]) == {r.meta.kvk for r in refs}
    assert not register.duplicated(["kvk", "domein"]).any()  # no clash with the jeugdhulp sample's 910000xx


def test_clean_organisations_have_no_fout():
    bad = {key: sorted({f.regel for f in fs if f.ernst == "fout"}) for key, fs in findings().items()
           if key[1] != vt_sample.FAULTY or key[0] != "2025H1"}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_faulty_delivery_has_deliberate_faults_of_more_than_ten_kinds_on_their_rows():
    expected = yaml.safe_load(FAULTS.read_text(encoding="utf-8"))
    assert expected["bestand"] == "2025H1/92000022/vt_92000022_2025H1.zip"
    kinds = [code for code in expected["fouten"] if code.startswith("VT-K")]
    assert len(kinds) >= 10
    got = findings()[("2025H1", vt_sample.FAULTY)]
    missed = {}
    for code, fault in expected["fouten"].items():
        rows = set(got.rows(code, fault["gegevensset"]).tolist())
        if not set(fault["rijen"]) <= rows:
            missed[code] = sorted(set(fault["rijen"]) - rows)
    assert missed == {}


def test_onderzoeken_close_in_a_later_period_than_their_melding():
    """Some 2025H1 onderzoeken have their melding in the 2024H2 delivery; the link is found there."""
    refs = store.history(DELIVERIES, vt_sample.REFERENCE, Period.parse("2026H1"))
    earlier, now = (_read(r) for r in refs)
    carried = set(earlier.sets["meldingen"].raw["onderzoeksnummer"]) - {""}
    closed_now = set(now.sets["onderzoeken"].raw["onderzoeksnummer"])
    assert carried & closed_now
    assert "VT-K10" not in findings()[("2025H1", vt_sample.REFERENCE)].codes()


@pytest.fixture(scope="module")
def country(tmp_path_factory):
    out = tmp_path_factory.mktemp("vt-land")
    return synth.synth_country(out, scale=0.2, periods=[Period.parse("2024H2"), Period.parse("2025H1")], seed=7,
                               fault_share=0.0)


def _items(country, period: str) -> dict[str, int]:
    totals = {"adviezen": 0, "meldingen": 0, "onderzoeken": 0, "personen": 0}
    for ref in store.find_deliveries(country.out, period):
        d = _read(ref)
        for name in totals:
            totals[name] += len(d.sets[name])
    return totals


def test_national_volumes_within_five_percent(country):
    assert len(country.register) == 26 and country.register["domein"].eq("vt").all()
    for period in ("2024H2", "2025H1"):
        totals = _items(country, period)
        for name, national in synth.NATIONAL_HALF_YEAR.items():
            assert totals[name] == pytest.approx(national * 0.2, rel=0.05), (period, name)
        persons_per_item = totals["personen"] / (totals["meldingen"] + totals["onderzoeken"])
        assert persons_per_item == pytest.approx(2.6, abs=0.2)


def test_organisations_are_sized_by_region_the_largest_about_two_and_a_half_times_the_mean(country):
    sizes = np.array([w for _, w in synth.ORGANISATIONS])
    assert sizes.max() / sizes.mean() == pytest.approx(2.5, abs=0.3)


def test_synthetic_organisations_without_faults_have_no_fout(country):
    for ref in store.find_deliveries(country.out, "2025H1")[:5]:
        history = [(r.meta.period, _read(r)) for r in store.history(country.out, ref.meta.kvk, ref.meta.period)]
        fs = validate(_read(ref), ref.meta.period, previous=history[-1][1], history=history, domain=VT)
        assert not fs.has_errors, sorted({f.regel for f in fs if f.ernst == "fout"})


def test_the_share_of_consistency_faults_is_controllable(tmp_path):
    orgs = synth.national_organisations()[:2]
    periods = [Period.parse("2025H1")]
    none = synth.write_country(tmp_path / "a", orgs, periods, scale=0.5, seed=1, fault_share=0.0)
    some = synth.write_country(tmp_path / "b", orgs, periods, scale=0.5, seed=1, fault_share=0.05)
    counts = []
    for result in (none, some):
        n = 0
        for ref in store.find_deliveries(result.out):
            n += sum(f.aantal for f in validate(_read(ref), ref.meta.period, domain=VT)
                     if f.regel in ("VT-K01", "VT-K12", "VT-K18", "VT-K27", "VT-K28"))
        counts.append(n)
    assert counts[0] == 0 and counts[1] > 20


def test_synth_is_deterministic(tmp_path):
    orgs = synth.national_organisations()[:1]
    periods = [Period.parse("2025H1")]
    a = synth.write_country(tmp_path / "a", orgs, periods, scale=0.3, seed=4, fault_share=0.01)
    b = synth.write_country(tmp_path / "b", orgs, periods, scale=0.3, seed=4, fault_share=0.01)
    assert [p.read_bytes() for p in a.files] == [p.read_bytes() for p in b.files]


def test_synth_command_writes_vt_beside_jeugdhulp(tmp_path, capsys):
    from spiegel.cli import main

    assert main(["synth", "--domain", "vt", "--scale", "0.02", "--periods", "2025H1", "--out", str(tmp_path)]) == 0
    assert "26 registered providers" in capsys.readouterr().out
    refs = store.find_deliveries(tmp_path)
    assert len(refs) == 26 and {r.meta.domein for r in refs} == {"vt"} and refs[0].path.suffix == ".zip"


def test_small_and_large_paths_give_the_same_findings():
    """The speed door (spiegel.fastpath): below SMALL_ROWS validation works on Python lists."""
    from spiegel import fastpath

    refs = store.history(DELIVERIES, vt_sample.FAULTY, Period.parse("2026H1"))
    dels = [(r.meta.period, _read(r)) for r in refs]
    out = []
    for threshold in (0, 10**9):
        with fastpath.threshold(threshold):
            fs = validate(dels[-1][1], PERIOD_2025H1, previous=dels[0][1], history=dels[:1], domain=VT)
        out.append(sorted((f.regel, f.gegevensset, f.kolommen, tuple(int(r) for r in f.alle_rijen)) for f in fs))
    assert out[0] == out[1] and out[0]


PERIOD_2025H1 = Period.parse("2025H1")
