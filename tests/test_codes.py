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
