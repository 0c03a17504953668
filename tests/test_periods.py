from datetime import date

import pytest

from spiegel.errors import ParameterError
from spiegel.periods import Period, format_date, parse_periods


def test_half_year_has_first_and_last_day():
    p = Period.parse("2025H1")
    assert (p.first_day, p.last_day) == (date(2025, 1, 1), date(2025, 6, 30))
    assert Period.parse("2025h2").last_day == date(2025, 12, 31)


def test_quarter_has_first_and_last_day():
    p = Period.parse("2024Q1")
    assert (p.first_day, p.last_day) == (date(2024, 1, 1), date(2024, 3, 31))
    assert Period.parse("2024Q4").first_day == date(2024, 10, 1)


def test_previous_and_next_cross_the_year():
    assert str(Period.parse("2025H1").previous()) == "2024H2"
    assert str(Period.parse("2024Q4").next()) == "2025Q1"


def test_dutch_labels():
    assert Period.parse("2025H1").label == "1e halfjaar 2025"
    assert Period.parse("2025H2").span_label == "01-07-2025 t/m 31-12-2025"
    assert format_date(date(2025, 12, 31)) == "31-12-2025"


def test_period_list_and_range_are_sorted_and_expanded():
    assert [str(p) for p in parse_periods("2025H1,2024H2")] == ["2024H2", "2025H1"]
    assert [str(p) for p in parse_periods("2024H1..2025H1")] == ["2024H1", "2024H2", "2025H1"]


@pytest.mark.parametrize("text", ["2025", "2025H3", "2025Q5", "H1", ""])
def test_invalid_period_is_a_parameter_error(text):
    with pytest.raises(ParameterError):
        Period.parse(text)
