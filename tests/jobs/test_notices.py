"""Training reminders (C3) at the organisation's cadence and the yearly evaluation (C7), each once per period."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.jobs.notices import send_due_notices


def at(y, m, d, h=10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=ZoneInfo("Europe/Amsterdam"))


def test_training_reminders_go_to_staff_once_per_period_starting_a_period_after_the_start(service, chat):
    assert send_due_notices(service, at(2026, 3, 2)) == 0  # the organisation started this period
    assert send_due_notices(service, at(2027, 1, 4)) == 4  # staff: sanne, tom, mila, daan
    assert {p for p, m in chat.sent if "op te frissen" in m.text} == {"sanne", "tom", "mila", "daan"}
    assert send_due_notices(service, at(2027, 9, 1)) == 0  # the same 12-month period
    assert send_due_notices(service, at(2028, 1, 3)) == 4  # the next one


def test_the_yearly_evaluation_goes_to_the_af_and_the_board_in_its_month(service, chat):
    assert send_due_notices(service, at(2026, 5, 4)) == 0
    assert send_due_notices(service, at(2026, 6, 1)) == 2
    assert {p for p, m in chat.sent if "jaarlijkse evaluatie" in m.text} == {"mila", "els"}
    assert "over 2025" in chat.sent[0][1].text
    assert send_due_notices(service, at(2026, 6, 2)) == 0


def test_notices_wait_for_office_hours(service, chat):
    assert send_due_notices(service, at(2027, 1, 2)) == 0  # Saturday
    assert send_due_notices(service, at(2027, 1, 4, 7)) == 0  # before opening
    assert send_due_notices(service, at(2027, 1, 4, 9)) == 4
