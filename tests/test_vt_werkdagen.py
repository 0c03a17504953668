"""Working days for the triage norm (SPEC §5.6, §5.7a): the holidays library's Dutch calendar plus 5 May every year,
pinned for 2024–2026."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from spiegel.domains.vt import werkdagen

# The non-weekend days off, by hand from the calendar of each year (Algemene termijnenwet art. 3 as SPEC §5.6
# decides: Nieuwjaarsdag, Goede Vrijdag, Pasen, Koningsdag, 5 mei, Hemelvaart, Pinksteren, Kerstmis).
HOLIDAYS_ON_WEEKDAYS = {
    2024: ["2024-01-01", "2024-03-29", "2024-04-01", "2024-05-09", "2024-05-20", "2024-12-25", "2024-12-26"],
    # 2024: Koningsdag 27 April and 5 May fall on a Saturday and a Sunday.
    2025: ["2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-29", "2025-06-09", "2025-12-25",
           "2025-12-26"],
    # 2025: 27 April is a Sunday, so Koningsdag is Saturday 26 April (no working day lost); 2026: 26 December is a
    # Saturday.
    2026: ["2026-01-01", "2026-04-03", "2026-04-06", "2026-04-27", "2026-05-05", "2026-05-14", "2026-05-25",
           "2026-12-25"],
}


@pytest.mark.parametrize("year", sorted(HOLIDAYS_ON_WEEKDAYS))
def test_days_off_on_weekdays_are_pinned(year):
    days = [d for d in werkdagen.holidays_of(year) if d.weekday() < 5]
    assert [d.isoformat() for d in days] == HOLIDAYS_ON_WEEKDAYS[year]


def test_koningsdag_moves_to_saturday_when_27_april_is_a_sunday():
    assert date(2025, 4, 27).weekday() == 6
    assert date(2025, 4, 26) in werkdagen.holidays_of(2025)
    assert date(2025, 4, 27) not in werkdagen.holidays_of(2025)


def test_fifth_of_may_every_year_not_only_in_lustrum_years():
    for year in (2024, 2025, 2026, 2027):
        assert date(year, 5, 5) in werkdagen.holidays_of(year)
    assert werkdagen.is_working_day(date(2026, 5, 4)) and not werkdagen.is_working_day(date(2026, 5, 5))


def plain_working_days(start: date, end: date) -> int:
    """Working days d with start < d ≤ end, day by day."""
    days, d = 0, start
    while d < end:
        d += timedelta(days=1)
        days += werkdagen.is_working_day(d)
    return days


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2025-03-03", "2025-03-03", 0),  # the same day
    ("2025-03-03", "2025-03-04", 1),
    ("2025-03-07", "2025-03-10", 1),  # Friday → Monday
    ("2025-04-17", "2025-04-22", 1),  # Goede Vrijdag and tweede Paasdag: only Tuesday counts
    ("2025-04-30", "2025-05-06", 3),  # 5 May 2025 (Monday) is not a working day
    ("2024-12-24", "2025-01-02", 4),  # Kerstmis and Nieuwjaarsdag: 27, 30, 31 December and 2 January
])
def test_working_days_between_melding_and_triage(start, end, expected):
    got = werkdagen.between(np.array([start], dtype="datetime64[D]"), np.array([end], dtype="datetime64[D]"))
    assert got.tolist() == [expected] == [plain_working_days(date.fromisoformat(start), date.fromisoformat(end))]


def test_working_days_equal_a_plain_day_by_day_count_over_three_years():
    rng = np.random.default_rng(3)
    start = np.datetime64("2024-01-01") + rng.integers(0, 1000, 300).astype("timedelta64[D]")
    end = start + rng.integers(0, 40, 300).astype("timedelta64[D]")
    got = werkdagen.between(start, end)
    plain = [plain_working_days(s.astype(date), e.astype(date)) for s, e in zip(start, end, strict=True)]
    assert got.tolist() == plain


def test_missing_or_reversed_dates_have_no_working_days():
    start = np.array(["2025-03-05", "NaT", "2025-03-05"], dtype="datetime64[D]")
    end = np.array(["2025-03-04", "2025-03-05", "NaT"], dtype="datetime64[D]")
    assert np.isnan(werkdagen.between(start, end)).all()
