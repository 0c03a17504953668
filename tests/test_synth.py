"""The synthetic country (spiegel.synth) and the bundled sample (spiegel.sample): calibration to SPEC §9,
determinism, continuity, corrections, non-delivering providers, valid BSNs and round trips through the reader."""

from __future__ import annotations

import filecmp
import itertools
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from spiegel import codes, domains, sample
from spiegel.deliveries import current_deliveries, find_deliveries
from spiegel.domains.jeugdhulp import synth
from spiegel.domains.jeugdhulp.synth import HULPVORM_SHARES, PUBLISHED_H1_FLOWS, flow_totals
from spiegel.errors import ParameterError
from spiegel.periods import Period
from spiegel.read import read_delivery
from spiegel.register import load_register, write_register
from spiegel.sample.make import write_sample
from spiegel.write import FORMATS, write_delivery

JH = domains.get("jeugdhulp")
LAYOUT = JH.layout()
SCALE = 0.05
PERIODS = [Period.parse(p) for p in ("2024H1", "2024H2", "2025H1")]
# SPEC §9: half-year flows H1 2021 and shares of started trajectories by hulpvorm (2021).


def synth_country(out: Path, **options: object) -> synth.SynthResult:
    """A synthetic country with its ``register.csv``, as ``spiegel synth`` writes it (the domain's synth returns
    the register rows; the caller writes them)."""
    result = synth.synth_country(out, **options)
    write_register(result.out / "register.csv", result.register)
    return result


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> synth.SynthResult:
    return synth_country(tmp_path_factory.mktemp("land"), scale=SCALE, periods=PERIODS, seed=2025)


@pytest.fixture(scope="module")
def refs(country: synth.SynthResult) -> list:
    return find_deliveries(country.out)


@pytest.fixture(scope="module")
def records(country: synth.SynthResult) -> dict[str, pd.DataFrame]:
    """Per period: all records of the current deliveries, with the provider's kvk (read as plain text)."""
    out = {}
    for period in PERIODS:
        frames = []
        for (_, kvk), ref in sorted(current_deliveries(country.out, period).items()):
            frame = pd.read_csv(ref.path, sep=";", dtype=str, keep_default_na=False)
            frames.append(frame.assign(kvk=kvk))
        out[str(period)] = pd.concat(frames, ignore_index=True)
    return out




# --- calibration -----------------------------------------------------------------------------------------


def test_first_half_year_flows_are_within_15_percent_of_the_published_h1flow_totals(records):
    flows = flow_totals(records["2024H1"], PERIODS[0])
    for name, published in PUBLISHED_H1_FLOWS.items():
        assert flows[name] == pytest.approx(published * SCALE, rel=0.15), name


def test_flows_satisfy_begin_plus_in_minus_out_is_end(records):
    for period in PERIODS:
        f = flow_totals(records[str(period)], period)
        assert f["beginstand"] + f["instroom"] - f["uitstroom"] == f["eindstand"]


def test_stands_rise_in_first_half_years_and_fall_in_second_ones(records):
    h1, h2 = flow_totals(records["2024H1"], PERIODS[0]), flow_totals(records["2024H2"], PERIODS[1])
    assert h1["eindstand"] > h1["beginstand"]
    assert h2["eindstand"] < h2["beginstand"]


def test_started_trajectories_by_hulpvorm_follow_the_published_shares(records):
    frame = records["2025H1"]
    started = frame[frame["datum_aanvang"] >= "20250101"]
    shares = started["hulpvorm"].value_counts(normalize=True)
    for code, share in HULPVORM_SHARES.items():
        assert shares.get(code, 0.0) == pytest.approx(share, abs=max(0.01, 0.15 * share)), code


def test_wijkteam_trajectories_always_have_verwijzer_06(records):
    frame = pd.concat(records.values())
    assert set(frame.loc[frame["hulpvorm"] == "01", "verwijzer"]) == {"06"}


def test_gemeentelijke_toegang_is_the_largest_verwijzer_and_all_verwijzers_are_valid(records):
    counts = records["2025H1"]["verwijzer"].value_counts()
    assert counts.index[0] == "01"
    assert set(counts.index) <= set(JH.codes.code_list("verwijzer").values)


def test_a_few_percent_of_starts_are_crisis_and_most_endings_are_volgens_plan(records):
    frame = records["2025H1"]
    started = frame[frame["datum_aanvang"] >= "20250101"]
    assert 0.01 < (started["gestart_met_crisis"] == "01").mean() < 0.08
    ended = frame[frame["datum_einde"] != ""]
    assert (ended["reden_beeindiging"] == "01").mean() > 0.6
    assert (frame.loc[frame["datum_einde"] == "", "reden_beeindiging"] == "").all()


def test_ages_at_start_lie_between_0_and_22_with_few_adults(records):
    frame = records["2025H1"]
    birth = pd.to_datetime(frame["geboortedatum"].str.slice(0, 4), format="%Y")
    start = pd.to_datetime(frame["datum_aanvang"], format="%Y%m%d")
    exact = ~frame["geboortedatum"].str.endswith("00")
    born = pd.to_datetime(frame.loc[exact, "geboortedatum"], format="%Y%m%d")
    age = (start[exact] - born).dt.days / 365.25
    assert age.min() >= 0
    assert age.max() < 23
    assert 0.0 < (age >= 18).mean() < 0.06
    assert (start.dt.year - birth.dt.year).max() <= 23


def test_all_gemeenten_occur_weighted_by_the_population_proxy(records):
    frame = pd.concat(records.values())
    day = PERIODS[-1].last_day
    gemeente = frame["gemeentecode"].where(
        frame["gemeentecode"] != "", frame["postcode"].str.slice(0, 4).map(codes.pc4_map(day))
    )
    counts = gemeente.value_counts()
    proxy = codes.population_proxy(day.year)
    assert set(counts.index) <= set(proxy.index)
    assert len(counts) > 0.9 * len(proxy)
    assert np.corrcoef(proxy.reindex(counts.index), counts)[0, 1] > 0.8


def test_postcodes_lie_in_the_gemeente_given(records):
    frame = pd.concat(records.values())
    both = frame[(frame["postcode"] != "") & (frame["gemeentecode"] != "")]
    pc4 = codes.pc4_map(PERIODS[-1].last_day)
    assert len(both) > 0
    assert (both["postcode"].str.slice(0, 4).map(pc4) == both["gemeentecode"]).all()
    assert frame["postcode"].str.fullmatch(r"([1-9]\d{3}[A-Z]{2})?").all()
    only_gemeente = (frame["postcode"] == "") & (frame["gemeentecode"] != "")
    assert 0.02 < only_gemeente.mean() < 0.2
    assert not ((frame["postcode"] == "") & (frame["gemeentecode"] == "")).any()


def test_bsns_pass_the_elfproef_except_a_small_share_of_unknowns(records):
    frame = pd.concat(records.values())
    unknown = frame["bsn"] == "999999999"
    assert 0 < unknown.mean() < 0.01
    assert "000000000" not in set(frame["bsn"])
    assert synth.passes_elfproef(frame.loc[~unknown, "bsn"]).all()


def test_unknown_sex_and_unknown_birth_day_occur_rarely(records):
    frame = records["2025H1"]
    assert 0 < (frame["geslacht"] == "O").mean() < 0.02
    assert set(frame["geslacht"]) == {"M", "V", "O"}
    assert 0 < frame["geboortedatum"].str.endswith("00").mean() < 0.02


def test_provider_sizes_are_skewed_most_small_a_few_large(country, records):
    sizes = records["2025H1"]["kvk"].value_counts().reindex(country.register["kvk"], fill_value=0)
    assert (sizes < 20).mean() > 0.4
    assert sizes.max() > 50 * max(sizes.median(), 1)


def test_the_same_youth_returns_and_can_be_at_several_providers(records):
    frame = pd.concat(records.values()).drop_duplicates(["bsn", "datum_aanvang", "hulpvorm", "kvk"])
    known = frame[frame["bsn"] != "999999999"]
    per_youth = known.groupby("bsn").agg(trajecten=("datum_aanvang", "size"), aanbieders=("kvk", "nunique"))
    assert (per_youth["trajecten"] > 1).mean() > 0.05
    assert (per_youth["aanbieders"] > 1).any()


# --- the delivery store ----------------------------------------------------------------------------------


def test_trajectories_running_at_the_end_of_a_period_return_in_the_next_with_the_same_start(country, records):
    skipped = set(country.skipped)
    for before, after in itertools.pairwise(PERIODS):
        old, new = records[str(before)], records[str(after)]
        old = old[(old["datum_einde"] == "") & (old["bsn"] != "999999999")]
        old = old[[(k, str(after)) not in skipped for k in old["kvk"]]]
        key = ["kvk", "bsn", "datum_aanvang", "hulpvorm"]
        merged = old[key].merge(new[key], how="left", indicator=True)
        assert (merged["_merge"] == "both").all()


def test_register_lists_every_provider_with_valid_fields(country):
    register = load_register(country.out / "register.csv")
    assert len(register) == 250
    assert register["kvk"].str.fullmatch(r"\d{8}").all()
    assert register["naam"].str.contains("synthetisch").all()
    assert set(register["grootteklasse"]) <= {"klein", "middel", "groot", "zeer_groot"}
    assert set(register["domein"]) == {"jeugdhulp"}
    valid = codes.valid_codes(PERIODS[-1].last_day)
    assert all(set(g.split()) <= valid for g in register["gemeenten"])
    hidden = register["gemeenten_mogen_inzien"] == "nee"
    assert set(register["gemeenten_mogen_inzien"]) == {"ja", "nee"}
    assert 0 < hidden.sum() <= 0.1 * len(register)  # a few providers keep their name from the gemeenten


def test_register_without_the_inzien_column_means_ja_and_a_bad_value_is_a_dutch_error(tmp_path):
    from spiegel.errors import InputError

    path = tmp_path / "register.csv"
    path.write_text("kvk,naam,domein,grootteklasse,gemeenten\n12345678,Geheim BV,jeugdhulp,klein,0363\n")
    assert list(load_register(path)["gemeenten_mogen_inzien"]) == ["ja"]
    path.write_text("kvk,naam,domein,grootteklasse,gemeenten,gemeenten_mogen_inzien\n"
                    "12345678,A,jeugdhulp,klein,0363,Nee\n23456789,B,jeugdhulp,klein,0363,\n"
                    "34567890,C,jeugdhulp,klein,0363,misschien\n")
    with pytest.raises(InputError) as caught:
        load_register(path)
    message = str(caught.value)
    assert "ja of nee" in message and "4" in message and "misschien" not in message
    path.write_text("\n".join(path.read_text().splitlines()[:3]) + "\n")
    assert list(load_register(path)["gemeenten_mogen_inzien"]) == ["nee", "ja"]


def test_some_registered_providers_deliver_nothing(country, refs):
    delivered = {ref.meta.kvk for ref in refs}
    never = set(country.register["kvk"]) - delivered
    assert country.never
    assert set(country.never) <= never


def test_a_correction_is_a_later_delivery_of_the_same_period_that_changes_records(country):
    assert country.corrected
    kvk, period = country.corrected[0]
    refs = find_deliveries(country.out, period, kvk)
    assert [r.meta.correctie for r in refs] == [False, True]
    assert refs[1].meta.ontvangen > refs[0].meta.ontvangen
    first, corrected = (read_delivery(r.path, LAYOUT).raw.drop(columns="rij") for r in refs)
    assert len(corrected) > len(first)
    assert current_deliveries(country.out, period)[(period, kvk)].path == refs[1].path


def test_receipt_times_are_within_three_weeks_after_the_period(refs):
    for ref in refs:
        end = datetime.combine(ref.meta.period.last_day + timedelta(days=1), datetime.min.time())
        limit = timedelta(days=91) if ref.meta.correctie else timedelta(days=21)
        assert end <= ref.meta.ontvangen <= end + limit


def test_sidecars_record_the_sha256_of_their_file(refs):
    for ref in refs[:50]:
        assert ref.sha256() == ref.meta.sha256


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    periods = PERIODS[1:]
    a = synth_country(tmp_path / "a", providers=12, scale=0.004, periods=periods, seed=7)
    b = synth_country(tmp_path / "b", providers=12, scale=0.004, periods=periods, seed=7)
    c = synth_country(tmp_path / "c", providers=12, scale=0.004, periods=periods, seed=8)
    names = sorted(p.relative_to(a.out) for p in a.out.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b.out) for p in b.out.rglob("*") if p.is_file())
    assert all((a.out / n).read_bytes() == (b.out / n).read_bytes() for n in names)
    assert (a.out / "register.csv").read_bytes() != (c.out / "register.csv").read_bytes()


def test_fewer_periods_give_the_same_files_for_the_periods_both_runs_share(tmp_path):
    long = synth.synth_country(tmp_path / "lang", providers=15, scale=0.005, periods=PERIODS, seed=3)
    short = synth.synth_country(tmp_path / "kort", providers=15, scale=0.005, periods=PERIODS[:2], seed=3)
    names = sorted(p.relative_to(short.out) for p in (short.out / "2024H1").rglob("*") if p.is_file())
    assert names
    assert all((long.out / n).read_bytes() == (short.out / n).read_bytes() for n in names)


def test_scale_shrinks_the_volume_proportionally():
    geo = synth.geography(PERIODS[-1].last_day)
    spec = synth.national_providers(50, geo, 2025)
    small = synth.simulate(spec, geo, PERIODS[-1], scale=0.01, seed=2025)
    large = synth.simulate(spec, geo, PERIODS[-1], scale=0.03, seed=2025)
    active = [int(synth.active_in(f, PERIODS[-1]).sum()) for f in (small, large)]
    assert active[1] / active[0] == pytest.approx(3.0, rel=0.1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_writing_a_synthetic_delivery_and_reading_it_back_gives_the_same_frame(country, tmp_path, fmt):
    ref = sorted(current_deliveries(country.out, PERIODS[-1]).values(), key=lambda r: r.path)[0]
    raw = read_delivery(ref.path, LAYOUT).raw.drop(columns="rij")
    path = write_delivery(raw, tmp_path / f"levering.{fmt}", fmt, LAYOUT)
    back = read_delivery(path, LAYOUT)
    pd.testing.assert_frame_equal(back.raw.drop(columns="rij"), raw)
    first_row = 1 if fmt == "fixed" else 2
    assert back.raw["rij"].tolist() == list(range(first_row, first_row + len(raw)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_writing_the_same_frame_twice_gives_the_same_bytes(tmp_path, fmt):
    raw = pd.DataFrame([["123456782", "20100500", "M", "1234AB", "", "02", "02", "02", "20240101", "", "", "", "",
                         ""]], columns=LAYOUT.names)
    one = write_delivery(raw, tmp_path / f"a.{fmt}", fmt, LAYOUT).read_bytes()
    two = write_delivery(raw, tmp_path / f"b.{fmt}", fmt, LAYOUT).read_bytes()
    assert one == two


def test_periods_before_2023_are_refused(tmp_path):
    with pytest.raises(ParameterError):
        synth.synth_country(tmp_path, scale=0.001, periods=[Period.parse("2022H1")])


# --- helpers ---------------------------------------------------------------------------------------------


def test_bsn_for_youth_gives_distinct_bsns_that_pass_the_elfproef():
    bsn = synth.bsn_for_youth(np.arange(0, 30_000_000, 997))
    known = bsn[bsn != "999999999"]
    assert len(set(known)) == len(known)
    assert len(known) > 0.99 * len(bsn)
    assert synth.passes_elfproef(pd.Series(known)).all()


def test_passes_elfproef_on_known_values():
    values = pd.Series(["123456782", "123456781", "999999999", "12345678", "abcdefghi"])
    assert synth.passes_elfproef(values).tolist() == [True, False, False, False, False]


def test_yyyymmdd_formats_days_since_1970():
    days = np.array([(date(2024, 2, 29) - date(1970, 1, 1)).days, 0])
    assert synth.yyyymmdd(days).tolist() == ["20240229", "19700101"]


# --- the bundled sample ----------------------------------------------------------------------------------


def test_committed_sample_is_what_synth_sample_regenerates(tmp_path):
    write_sample(tmp_path)
    committed = sorted(p.relative_to(sample.DELIVERIES) for p in sample.DELIVERIES.rglob("*") if p.is_file())
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == made
    _, mismatch, errors = filecmp.cmpfiles(sample.DELIVERIES, tmp_path, [str(p) for p in made], shallow=False)
    assert mismatch == [] and errors == []


def test_sample_is_small_and_covers_two_periods_and_four_formats():
    size = sum(p.stat().st_size for p in sample.DELIVERIES.rglob("*") if p.is_file())
    assert size < 2_000_000
    refs = [r for r in find_deliveries(sample.DELIVERIES) if r.meta.domein == JH.name]
    assert {r.meta.periode for r in refs} == set(sample.PERIODS)
    sources = {(d.source.format, d.source.delimiter) for d in (read_delivery(r.path, LAYOUT) for r in refs)}
    assert sources == {("csv", ";"), ("csv", ","), ("xlsx", None), ("vast", None)}


def test_sample_providers_play_their_roles():
    register = load_register(sample.DELIVERIES / "register.csv")
    register = register[register["domein"] == JH.name]
    assert len(register) == 10
    assert {sample.REFERENCE_PROVIDER, sample.FAULTY_PROVIDER, sample.CORRECTED_PROVIDER,
            sample.MISSING_PROVIDER} <= set(register["kvk"])
    assert find_deliveries(sample.DELIVERIES, kvk=sample.MISSING_PROVIDER) == []
    hidden = register.loc[register["gemeenten_mogen_inzien"] == "nee", "kvk"]
    assert set(hidden) == set(sample.HIDDEN_PROVIDERS)
    reference_ref = current_deliveries(sample.DELIVERIES, "2025H1")[("2025H1", sample.REFERENCE_PROVIDER)]
    reference = read_delivery(reference_ref.path, LAYOUT)
    assert 200 <= len(reference) <= 800
    corrected = find_deliveries(sample.DELIVERIES, "2025H1", sample.CORRECTED_PROVIDER)
    assert [r.meta.correctie for r in corrected] == [False, True]
    for kvk in register["kvk"]:
        if kvk != sample.MISSING_PROVIDER:
            assert {r.meta.periode for r in find_deliveries(sample.DELIVERIES, kvk=kvk)} == set(sample.PERIODS)


def test_faulty_sample_delivery_has_deliberate_errors_of_every_rule_group_on_listed_rows():
    faults = yaml.safe_load(sample.FAULTS.read_text(encoding="utf-8"))
    groups = {code[3] for code in faults["fouten"]}
    assert groups == {"B", "V", "D", "R", "C"}
    delivery = read_delivery(sample.DELIVERIES / faults["bestand"], LAYOUT)
    assert delivery.blank_rows == faults["fouten"]["JH-B09"]["rijen"]
    rows = set(delivery.raw["rij"])
    for code, fault in faults["fouten"].items():
        listed = fault.get("rijen") or fault.get("rijen_toegevoegd") or fault.get("rijen_vorige_levering")
        assert listed, code
        if "rijen" in fault and code != "JH-B09":
            assert set(listed) <= rows, code
    raw = delivery.raw.set_index("rij")
    assert set(raw.loc[faults["fouten"]["JH-V12"]["rijen"], "gemeentecode"]) == {"0457"}
    assert (raw.loc[faults["fouten"]["JH-V13"]["rijen"], ["postcode", "gemeentecode"]] == "").all().all()
    assert set(raw.loc[faults["fouten"]["JH-R03"]["rijen"], "bsn"]) == {"000000000"}


def test_sample_path_constant_points_into_the_package():
    assert Path(sample.__file__).resolve().parent / "deliveries" == sample.DELIVERIES
    assert (sample.DELIVERIES / "register.csv").exists()


# --- the command -----------------------------------------------------------------------------------------


def test_synth_command_writes_a_country_and_says_what_it_wrote(tmp_path, capsys):
    from spiegel.cli import main

    assert main(["synth", "--scale", "0.002", "--periods", "2024H2,2025H1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "10 registered providers" in out and "2025H1:" in out
    assert len(load_register(tmp_path / "register.csv")) == 10
    assert {r.meta.periode for r in find_deliveries(tmp_path)} == {"2024H2", "2025H1"}


def test_synth_command_refuses_a_folder_with_other_data(tmp_path, capsys):
    from spiegel.cli import main

    (tmp_path / "echte_levering.csv").write_text("bsn\n")
    assert main(["synth", "--scale", "0.002", "--out", str(tmp_path)]) == 2
    assert "niet leeg" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["echte_levering.csv"]


def test_synth_command_replaces_an_earlier_synthetic_run_without_leaving_its_files(tmp_path):
    from spiegel.cli import main

    assert main(["synth", "--scale", "0.002", "--seed", "1", "--out", str(tmp_path)]) == 0
    assert main(["synth", "--scale", "0.002", "--seed", "2", "--out", str(tmp_path)]) == 0
    kvks = set(load_register(tmp_path / "register.csv")["kvk"])
    assert {r.meta.kvk for r in find_deliveries(tmp_path)} <= kvks
    assert all(p.parent.name in kvks for p in tmp_path.glob("*/*/*"))
