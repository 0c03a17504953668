"""Working days for the triage norm (SPEC §5.6, §5.7a): Monday to Friday, not a Dutch public holiday.

The holidays are those of the maintained ``holidays`` library (its Dutch calendar: Nieuwjaarsdag, Goede Vrijdag,
Pasen, Koningsdag — on 26 April when 27 April is a Sunday —, Hemelvaartsdag, Pinksteren, Kerstmis) plus the days of
the domain's code list ``feestdagen_extra`` every year (Decision: 5 May, Algemene termijnenwet art. 3, where the
library lists Bevrijdingsdag only in lustrum years).
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np

#: Years outside this range get no holidays (a date there is an input error the rules report anyway).
FIRST_YEAR, LAST_YEAR = 1990, 2100


@cache
def holidays_of(year: int) -> tuple[date, ...]:
    """The non-working days of one year other than weekends, sorted."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return ()
    import holidays

    from spiegel.domains.vt import DOMAIN

    days = set(holidays.country_holidays("NL", years=year, language="nl"))
    for code in DOMAIN.codes.code_list("feestdagen_extra").values:
        month, day = (int(part) for part in code.split("-"))
        days.add(date(year, month, day))
    return tuple(sorted(days))


def _holiday_array(first: np.datetime64, last: np.datetime64) -> np.ndarray:
    low = first.astype("datetime64[Y]").astype(int) + 1970
    high = last.astype("datetime64[Y]").astype(int) + 1970
    years = range(max(FIRST_YEAR, int(low)), min(LAST_YEAR, int(high)) + 1)
    return np.array([d for y in years for d in holidays_of(y)], dtype="datetime64[D]")


def between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Working days d with ``start`` < d ≤ ``end`` per pair (a triage on the day of the melding is 0); float with NaN
    where a date is missing or ``end`` is before ``start``."""
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    out = np.full(len(start), np.nan)
    valid = ~np.isnat(start) & ~np.isnat(end)
    valid[valid] &= end[valid] >= start[valid]
    if not valid.any():
        return out
    begin, stop = start[valid] + 1, end[valid] + 1
    holidays = _holiday_array(begin.min(), stop.max())
    out[valid] = np.busday_count(begin, stop, holidays=holidays)
    return out


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays_of(day.year)
