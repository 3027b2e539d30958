"""Working days per the Algemene termijnenwet, and reminder moments across daylight saving."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.answers import FieldError, parse_date
from flows.deadlines import due_times
from flows.model import Policy
from flows.workdays import add_working_days, is_working_day


def test_weekends_and_dutch_holidays_are_no_working_days():
    assert not is_working_day(dt.date(2026, 4, 3))  # Good Friday
    assert not is_working_day(dt.date(2026, 4, 27))  # King's Day
    assert not is_working_day(dt.date(2026, 12, 26))  # Second Christmas Day (a Saturday anyway)
    assert not is_working_day(dt.date(2026, 3, 7))  # Saturday
    assert is_working_day(dt.date(2026, 3, 9))


def test_5_may_counts_every_year_not_only_every_fifth():
    assert not is_working_day(dt.date(2026, 5, 5))
    assert not is_working_day(dt.date(2027, 5, 5))


def test_decreed_bridge_days_are_closed():
    assert not is_working_day(dt.date(2026, 5, 15))  # Friday after Ascension Day 2026


def test_d1_five_working_days_around_ascension_2026():
    # Monday 11 May: 12, 13, (14 Ascension, 15 bridge day), 18, 19, 20 May.
    assert add_working_days(dt.date(2026, 5, 11), 5) == dt.date(2026, 5, 20)


def test_an_organisation_can_close_extra_days():
    assert add_working_days(dt.date(2026, 3, 2), 1, extra=[dt.date(2026, 3, 3)]) == dt.date(2026, 3, 4)


def test_reminders_keep_local_time_across_the_dst_change():
    policy = Policy()
    winter = due_times("D4", now=dt.datetime(2026, 3, 13, 10, tzinfo=dt.UTC), policy=policy)
    # 13 March + 14 days = 27 March (CET) → 08:00 UTC; D1b from 1 March lands in May (CEST) → 07:00 UTC.
    assert winter[0] == dt.datetime(2026, 3, 27, 8, 0, tzinfo=dt.UTC)
    summer = due_times("D1b", now=dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC), policy=policy, anchor=dt.date(2026, 3, 1))
    assert summer[0].astimezone(dt.UTC).hour == 7


@pytest.mark.parametrize(
    "text,expected",
    [
        ("5-5-2026", dt.date(2026, 5, 5)),
        ("5/5/26", dt.date(2026, 5, 5)),
        ("5 mei 2026", dt.date(2026, 5, 5)),
        ("2026-05-05", dt.date(2026, 5, 5)),
    ],
)
def test_dates_as_people_write_them(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("31-2-2026", "no_such_day"),  # a month that exists, a day of it that does not: said so
        ("morgen", "invalid_date"),
        ("5 mai 2026", "invalid_date"),
        ("", "invalid_date"),
        ("2026-13-01", "invalid_date"),
    ],
)
def test_invalid_dates_are_refused(text, code):
    with pytest.raises(FieldError) as info:
        parse_date(text)
    assert info.value.code == code
