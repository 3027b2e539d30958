"""Dutch working days as the Algemene termijnenwet counts them: holidays.NL plus 5 May and decreed bridge days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays

# Days equated with public holidays by decree under the Algemene termijnenwet (art. 3(3)).
TERMIJNENWET_BRIDGE_DAYS = (
    dt.date(2026, 1, 2),
    dt.date(2026, 5, 15),
    dt.date(2027, 5, 7),
    dt.date(2028, 4, 28),
    dt.date(2028, 5, 26),
)


@lru_cache(maxsize=64)
def _closed_days(year: int, extra: tuple[dt.date, ...]) -> frozenset[dt.date]:
    days = set(holidays.country_holidays("NL", years=year))  # includes Good Friday; 5 May only every fifth year
    days.add(dt.date(year, 5, 5))  # the termijnenwet counts Bevrijdingsdag every year
    days.update(d for d in TERMIJNENWET_BRIDGE_DAYS if d.year == year)
    days.update(d for d in extra if d.year == year)
    return frozenset(days)


def is_working_day(day: dt.date, extra: Iterable[dt.date] = ()) -> bool:
    return day.weekday() < 5 and day not in _closed_days(day.year, tuple(sorted(extra)))


def add_working_days(day: dt.date, n: int, extra: Iterable[dt.date] = ()) -> dt.date:
    """The n-th working day after `day` (n >= 1); `day` itself does not count."""
    extra = tuple(sorted(extra))
    current, left = day, n
    while left > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current, extra):
            left -= 1
    return current


def next_working_day(day: dt.date, extra: Iterable[dt.date] = ()) -> dt.date:
    """`day` itself when it is a working day, else the first one after it."""
    extra = tuple(sorted(extra))
    while not is_working_day(day, extra):
        day += dt.timedelta(days=1)
    return day


def warm_up(today: dt.date) -> None:
    """Work out this year's and next year's closed days ahead of the first deadline a user's answer sets: the
    holidays package imports every country's module on first use (measured: 75 ms on a server's first step)."""
    for year in (today.year, today.year + 1):
        _closed_days(year, ())
