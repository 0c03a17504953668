"""Dutch number and date formats used in every table, chart and message (``1.234``, ``12,5%``, ``31-12-2025``), and
the CBS signs for a secret (``.``) and a missing (``-``) cell. Below every stage: validation messages, protection and
display all format numbers the same way."""

from __future__ import annotations

import math
from datetime import date, datetime

SECRET = "."  # CBS notation for a suppressed (geheim) cell
MISSING = "-"


def is_missing(value: object) -> bool:
    """None, NaN and pandas' NA/NaT: shown as ``-``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def fmt_int(value: object) -> str:
    """``1234`` → ``1.234``; a string (such as the protected ``.``) is returned as it is."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return MISSING
    return f"{round(float(value)):,}".replace(",", ".")


def fmt_decimal(value: object, digits: int = 1) -> str:
    """``1234.5`` → ``1.234,5``."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_signed(value: object) -> str:
    """A difference of counts with its sign: ``12`` → ``+12``, ``-1234`` → ``-1.234``, ``0`` → ``0``: the one
    form of "Verschil" in reports and the batch index. A string (the protected ``.``) is returned as it is."""
    if isinstance(value, str) or is_missing(value):
        return fmt_int(value)
    text = fmt_int(value)
    return "+" + text if round(float(value)) > 0 else text  # type: ignore[arg-type]


def fmt_pct(value: object, digits: int = 1) -> str:
    """A fraction ``0.125`` → ``12,5%``."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return MISSING
    return fmt_decimal(float(value) * 100, digits) + "%"


def fmt_date(value: date | datetime | None) -> str:
    if is_missing(value):
        return MISSING
    return value.strftime("%d-%m-%Y")


def fmt_datetime(value: datetime | None) -> str:
    if is_missing(value):
        return MISSING
    return value.strftime("%d-%m-%Y %H:%M")


#: The time zone of the reports' readers: times stored in UTC are shown in it.
LOCAL_TIME_ZONE = "Europe/Amsterdam"


def fmt_local_datetime(value: str | datetime | None) -> str:
    """A UTC time (ISO text such as ``2025-12-31T13:05:00Z``, or an aware datetime) as Dutch local time,
    ``31-12-2025 14:05``; a naive datetime counts as UTC. Text that is not an ISO time is returned as it is."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return fmt_datetime(value.astimezone(ZoneInfo(LOCAL_TIME_ZONE)))
