"""When each reminder kind (spec D1-D9) falls due, computed in the organisation's timezone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flows.model import Policy
from flows.workdays import add_working_days, is_working_day, next_working_day


def at_hour(day: dt.date, policy: Policy) -> dt.datetime:
    """A wall-clock moment in the organisation's timezone (zoneinfo handles daylight saving)."""
    return dt.datetime.combine(day, dt.time(policy.reminder_hour), tzinfo=ZoneInfo(policy.timezone))


def days_later(now: dt.datetime, days: int, policy: Policy) -> dt.datetime:
    """`days` calendar days on, moved to a working day, at the organisation's reminder hour."""
    today = now.astimezone(ZoneInfo(policy.timezone)).date()
    return at_hour(next_working_day(today + dt.timedelta(days=days), policy.extra_closed_days), policy)


def office_hours_later(now: dt.datetime, hours: int, policy: Policy) -> dt.datetime:
    """`hours` of office time on from `now` (evenings, weekends and holidays do not count)."""
    tz = ZoneInfo(policy.timezone)
    opens, closes = policy.office_hours
    at = now.astimezone(tz)
    left = dt.timedelta(hours=hours)
    while True:
        day = at.date()
        start = dt.datetime.combine(day, opens, tzinfo=tz)
        end = dt.datetime.combine(day, closes, tzinfo=tz)
        if not is_working_day(day, policy.extra_closed_days) or at >= end:
            at = dt.datetime.combine(
                next_working_day(day + dt.timedelta(days=1), policy.extra_closed_days), opens, tzinfo=tz
            )
            continue
        at = max(at, start)
        if at + left <= end:
            return at + left
        left -= end - at
        at = end


def due_times(
    kind: str,
    *,
    now: dt.datetime,
    policy: Policy,
    anchor: dt.date | list[dt.date] | None = None,
    until: dt.date | None = None,
    urgent: bool = False,
) -> list[dt.datetime]:
    """Due moments for one reminder kind. `anchor` is the date the rule counts from (an answer's date)."""
    tz = ZoneInfo(policy.timezone)
    local_now = now.astimezone(tz)
    today = local_now.date()
    extra = policy.extra_closed_days
    if kind == "D3":
        dates = anchor if isinstance(anchor, list) else [anchor or today]
        return [at_hour(d, policy) for d in dates]
    if isinstance(anchor, list):
        raise ValueError(f"{kind} counts from one date, not from a list of dates")
    start = anchor or today
    if kind == "D1":
        # VT decides within 5 working days of the melding (X2); remind on the next working day.
        deadline = add_working_days(start, policy.d1_working_days, extra)
        return [at_hour(add_working_days(deadline, 1, extra), policy)]
    if kind == "D1b":
        return [at_hour(next_working_day(start + dt.timedelta(weeks=policy.d1b_weeks), extra), policy)]
    if kind == "D2":
        term = start
        before = term - dt.timedelta(days=policy.d2_lead_days)
        moments = [at_hour(next_working_day(before, extra), policy)] if before > today else []
        return [*moments, at_hour(term, policy)]
    if kind == "D4":
        return [days_later(now, policy.d4_days, policy)]
    if kind == "D5" and urgent:
        # "Vandaag nog" (and an imminent VGV threat, X6): escalate after a few office hours, not a day.
        return [office_hours_later(now, policy.d5_urgent_hours, policy)]
    if kind == "D5":
        # Escalate when the AF has not taken the request up within a working day, same time of day.
        day = add_working_days(today, policy.d5_working_days, extra)
        return [dt.datetime.combine(day, local_now.timetz().replace(tzinfo=None), tzinfo=tz)]
    if kind == "D6":
        return [days_later(now, policy.d6_days, policy)]
    if kind == "D9":
        return [days_later(now, policy.d9_days, policy)]
    if kind == "D7":
        end = until or (today + dt.timedelta(weeks=policy.d7_weeks * 6))
        moments, day = [], today + dt.timedelta(weeks=policy.d7_weeks)
        while day < end:
            moments.append(at_hour(next_working_day(day, extra), policy))
            day += dt.timedelta(weeks=policy.d7_weeks)
        return moments
    if kind == "D8":
        given = start
        try:
            expiry = given.replace(year=given.year + 2)
        except ValueError:  # 29 February
            expiry = given.replace(year=given.year + 2, day=28)
        return [at_hour(next_working_day(expiry - dt.timedelta(days=policy.d8_lead_days), extra), policy)]
    raise ValueError(f"unknown reminder kind {kind}")
