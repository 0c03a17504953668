"""Synthetic GI deliveries (SPEC §4.7) and the GI part of the bundled sample: national scale, continuing periods,
transfers that match on both sides, corrections, and the deliberate faults of the sample."""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import pytest
import yaml

from spiegel import deliveries as store
from spiegel import domains
from spiegel.domains.gi import sample as gi_sample
from spiegel.domains.gi import synth
from spiegel.periods import Period
from spiegel.read import read_delivery
from spiegel.register import load_register
from spiegel.sample import DELIVERIES
from spiegel.validate import validate

YEAR_2022 = {"jb": ["2022H1", "2022H2"], "jr": ["2022Q1", "2022Q2", "2022Q3", "2022Q4"]}


@cache
def country(domain: str) -> synth.Country:
    gis = synth.national_gis(date(2022, 12, 31))
    return synth.simulate(domain, gis, [Period.parse(p) for p in YEAR_2022[domain]], scale=1.0, seed=2025)


@pytest.mark.parametrize("domain", ["jb", "jr"])
def test_national_measure_flows_of_2022_within_five_percent(domain):
    types = None if domain == "jb" else set(synth.JR_TYPES)
    got = synth.chain_flows(country(domain).chains, date(2022, 1, 1), date(2022, 12, 31), types)
    for key, published in synth.PUBLISHED[domain].items():
        assert abs(got[key] - published) <= 0.05 * published, (key, got[key], published)


def test_fifteen_gis_thirteen_regional_two_national_with_their_shares():
    gis = synth.national_gis(date(2025, 6, 30))
    assert len(gis) == 15 and sum(1 for g in gis if g.gemeenten) == 13
    jb = sorted(g.weight["jb"] for g in gis)
    assert jb[-1] == pytest.approx(0.16) and all(0.03 <= w <= 0.10 for g in gis if g.gemeenten
                                                 for w in [g.weight["jb"]])
    assert max(g.weight["jr"] for g in gis) == pytest.approx(0.20)
    assert sum(g.weight["jb"] for g in gis) == pytest.approx(1.0)
    regional = [set(g.gemeenten) for g in gis if g.gemeenten]
    assert sum(len(r) for r in regional) == len(set().union(*regional))  # each gemeente in one region


def _segments_in(c: synth.Country, period: Period) -> dict[int, pd.DataFrame]:
    return {i: c.raws(i, period)[c.domain] for i in range(len(c.gis))}


@pytest.mark.parametrize("domain", ["jb", "jr"])
def test_every_transfer_in_a_period_is_found_at_the_other_gi(domain):
    c = country(domain)
    period = Period.parse(YEAR_2022[domain][-1])
    raws = pd.concat(_segments_in(c, period).values(), ignore_index=True)
    out = raws[raws["datum_overgedragen"] != ""]
    # a take-over on the first day answers a hand-over on the previous period's last day (delivered then)
    got = raws[raws["datum_overgedragen_gekregen"] > f"{period.first_day:%Y%m%d}"]
    assert len(out) > 10
    next_day = (pd.to_datetime(out["datum_overgedragen"]) + pd.Timedelta(days=1)).dt.strftime("%Y%m%d")
    sent = set(zip(out["bsn"], out["type_maatregel"], next_day, strict=True))
    received = set(zip(got["bsn"], got["type_maatregel"], got["datum_overgedragen_gekregen"], strict=True))
    sent_in_period = {k for k in sent if k[2] <= f"{period.last_day:%Y%m%d}"}
    assert received - sent == set() and sent_in_period - received == set()
    taken_over = raws["datum_overgedragen_gekregen"] != ""
    assert (raws.loc[taken_over, "datum_aanvang"] == "").all()  # the receiving GI does not repeat the start date
    assert not ((raws["datum_einde"] != "") & (raws["datum_overgedragen"] != "")).any()


@pytest.mark.parametrize("domain", ["jb", "jr"])
def test_running_measures_are_delivered_again_with_the_same_start(domain):
    c = country(domain)
    first, second = (Period.parse(p) for p in YEAR_2022[domain][-2:])
    for i in (0, 13):
        a, b = c.raws(i, first)[domain], c.raws(i, second)[domain]
        running = a[(a["datum_einde"] == "") & (a["datum_overgedragen"] == "")]
        keys_b = set(zip(b["bsn"], b["type_maatregel"], b["datum_aanvang"], b["datum_overgedragen_gekregen"],
                         strict=True))
        keys_a = set(zip(running["bsn"], running["type_maatregel"], running["datum_aanvang"],
                         running["datum_overgedragen_gekregen"], strict=True))
        assert keys_a <= keys_b


def test_synth_command_writes_both_domains_under_one_kvk_and_is_deterministic(tmp_path):
    from spiegel.cli import main

    for out in (tmp_path / "a", tmp_path / "b"):
        assert main(["synth", "--domain", "jr", "--out", str(out), "--providers", "2", "--scale", "0.05",
                     "--periods", "2025Q2"]) == 0
        assert main(["synth", "--domain", "jb", "--out", str(out), "--providers", "2", "--scale", "0.05",
                     "--periods", "2025H1"]) == 0
    register = load_register(tmp_path / "a" / "register.csv")
    assert sorted(register["domein"]) == ["jb", "jb", "jr", "jr"]
    assert register["kvk"].nunique() == 2
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    refs = store.find_deliveries(tmp_path / "a")
    assert {(r.meta.domein, r.meta.periode) for r in refs} == {("jb", "2025H1"), ("jr", "2025Q2")}


def test_synth_refuses_a_quarter_for_jb():
    from spiegel.errors import ParameterError

    with pytest.raises(ParameterError, match="halfjaar"):
        synth.synth_country("jb", "/nonexistent", periods=[Period.parse("2025Q1")])


# --- the bundled sample ------------------------------------------------------------------------------------


def _read(ref):
    return read_delivery(ref.path, domains.get(ref.meta.domein).layout(ref.meta.indeling))


@cache
def sample_findings() -> dict[tuple[str, str, str], object]:
    out = {}
    for name in ("jb", "jr"):
        dom = domains.get(name)
        for gi in gi_sample.GIS:
            refs = [r for r in store.history(DELIVERIES, gi.kvk, Period.parse("2026H2"))
                    if r.meta.domein == name]
            dels = [(r.meta.period, _read(r)) for r in refs]
            peers_of = {p: [] for p, _ in dels}
            for other in gi_sample.GIS:
                if other.kvk == gi.kvk:
                    continue
                for p in peers_of:
                    ref = store.current_delivery(DELIVERIES, p, other.kvk)
                    if ref is not None and ref.meta.domein == name:
                        peers_of[p].append((p, _read(ref)))
            for k, (period, d) in enumerate(dels):
                out[(name, str(period), gi.kvk)] = validate(
                    d, period, previous=dels[k - 1][1] if k else None, history=dels[:k], meta=refs[k].meta,
                    domain=dom, peers=peers_of[period])
    return out


def test_sample_has_three_gis_with_both_domains_in_their_periods():
    refs = [r for r in store.find_deliveries(DELIVERIES) if r.meta.domein in ("jb", "jr")]
    assert {(r.meta.domein, r.meta.periode) for r in refs} == {
        ("jb", "2024H2"), ("jb", "2025H1"), ("jr", "2025Q1"), ("jr", "2025Q2")}
    assert {r.meta.kvk for r in refs} == {g.kvk for g in gi_sample.GIS}
    assert {r.path.suffix for r in refs} == {".xlsx", ".zip", ".txt", ".csv"}
    register = load_register(DELIVERIES / "register.csv")
    assert not register.duplicated(["kvk", "domein"]).any()


def test_clean_sample_deliveries_have_no_fout():
    bad = {key: sorted({f.regel for f in fs if f.ernst == "fout"}) for key, fs in sample_findings().items()
           if not (key[2] == gi_sample.FAULTY and key[1] in ("2025H1", "2025Q2"))}
    assert {k: v for k, v in bad.items() if v} == {}


@pytest.mark.parametrize("domain, period", [("jb", "2025H1"), ("jr", "2025Q2")])
def test_the_faulty_delivery_has_its_deliberate_faults_on_their_rows(domain, period):
    expected = yaml.safe_load((DELIVERIES / gi_sample.FAULTS_FILE[domain]).read_text(encoding="utf-8"))
    assert expected["bestand"].startswith(f"{period}/{gi_sample.FAULTY}/")
    assert len(expected["fouten"]) >= 6
    got = sample_findings()[(domain, period, gi_sample.FAULTY)]
    missed = {}
    for code, fault in expected["fouten"].items():
        set_name = fault["gegevensset"] if domain == "jb" else None  # a layout of one set names none
        rows = set(np.asarray(got.rows(code, set_name)).tolist())
        if not set(fault["rijen"]) <= rows:
            missed[code] = sorted(set(fault["rijen"]) - rows)
    assert missed == {}
