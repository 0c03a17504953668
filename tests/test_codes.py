from datetime import date

import pytest

from spiegel import codes, domains
from spiegel.errors import ParameterError

JH = domains.get("jeugdhulp")


def test_code_lists_hold_the_protocol_codes():
    assert JH.codes.code_list("verwijzer").values == ("01", "02", "03", "04", "05", "06", "08")
    assert JH.codes.code_list("hulpvorm").kort("14") == "Overig verblijf"
    assert JH.codes.code_list("hulpvorm").groups()["01"] == "wijkteam"
    assert JH.codes.code_list("reden_beeindiging").by_code()["01"].groep == "volgens_plan"


def test_gemeente_counts_per_year_match_cbs():
    assert [len(codes.gemeenten(y)) for y in range(2021, 2027)] == [352, 345, 342, 342, 342, 342]


def test_weesp_is_valid_until_its_merger_on_24_march_2022():
    assert codes.is_valid_gemeente("0457", date(2022, 3, 23))
    assert not codes.is_valid_gemeente("0457", date(2022, 3, 24))
    assert len(codes.valid_codes(date(2022, 6, 30))) == 344


def test_merged_code_maps_to_its_successor_on_the_date():
    assert codes.successor("0457", date(2025, 6, 30)) == "0363"  # Weesp -> Amsterdam
    assert codes.successor("0501", date(2023, 6, 30)) == "1992"  # Brielle -> Voorne aan Zee
    assert codes.successor("0363", date(2025, 6, 30)) == "0363"
    assert codes.successor("9999", date(2025, 6, 30)) is None
    assert codes.merged_code_map(date(2025, 6, 30))["0457"] == "0363"


def test_postcode_lookup_uses_pc4_and_maps_to_codes_valid_on_the_date():
    assert codes.gemeente_of_postcode("1011AB", date(2025, 6, 30)) == "0363"
    assert codes.gemeente_of_postcode("3221", date(2025, 6, 30)) == "1992"
    assert codes.gemeente_of_postcode("0000", date(2025, 6, 30)) is None


def test_every_pc4_in_two_gemeenten_gets_exactly_one_of_them():
    mapping = codes.pc4_map(date(2025, 6, 30))
    assert len(mapping) == 4086
    assert set(mapping.values()) <= codes.valid_codes(date(2025, 6, 30))


def test_population_proxy_covers_all_342_gemeenten():
    proxy = codes.population_proxy(2025)
    assert len(proxy) == 342 and (proxy > 0).all()


def test_year_outside_the_code_lists_is_a_clear_error():
    with pytest.raises(ParameterError, match="2019"):
        codes.valid_codes(date(2019, 6, 30))


def test_pc4_in_two_gemeenten_on_a_tie_goes_to_the_nearest_single_pc4_on_either_side():
    from datetime import date

    from spiegel import codes

    day = date(2025, 6, 30)
    assert codes.pc4_map(day)["1431"] == "0358"  # Aalsmeer (1432 is Aalsmeer), not Amstelveen
    choice, reason, every = codes.pc4_ambiguous(day)["1431"]
    assert (choice, every) == ("0358", ("0358", "0362")) and "dichtstbijzijnde" in reason
    assert len(codes.pc4_ambiguous(day)) == 55


def test_a_postcode_failing_the_format_check_is_not_used_to_find_a_gemeente():
    from datetime import date

    import pandas as pd
    import yaml

    from spiegel import domains, fastpath, gemeenten

    day = date(2025, 6, 30)
    values = ["6291AB", "6291A", "6291", "62911AB"]
    for below in (10**9, 0):  # the small-input path and the arrow path
        with fastpath.threshold(below):
            found = gemeenten.resolve(pd.Series([""] * 4, dtype=object), pd.Series(values, dtype=object), day)
        assert (found >= 0).tolist() == [True, False, True, False]
    rules = yaml.safe_load(domains.get("jeugdhulp").resource("rules.yaml").read_text(encoding="utf-8"))
    v08 = next(r for group in rules.values() if isinstance(group, list) for r in group
               if isinstance(r, dict) and r.get("code") == "JH-V08")
    assert v08["patroon"] == gemeenten.POSTCODE_PATTERN
