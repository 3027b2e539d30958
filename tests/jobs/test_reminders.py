"""Deadlines D1-D8 delivered once, on working days in office hours, through restarts and failures."""

from __future__ import annotations

import datetime as dt
import logging

from bot.chat import DeliveryError, RecordingChat
from bot.jobs.reminders import ReminderSender
from storage import cases as case_repo
from storage import reminders as reminder_repo
from tests.bot.dialog import Dialog
from tests.bot.scripts import AFTER_ACUTE_MELDING, CONSULT_TO_Q1, HELP_TO_PLAN, OPEN_TO_STEP2

UTC = dt.UTC


def local(y, m, d, h=9, mi=0) -> dt.datetime:
    """A moment in Amsterdam, as UTC."""
    from zoneinfo import ZoneInfo

    return dt.datetime(y, m, d, h, mi, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)


def rows(service, code, statuses=("pending", "sending", "sent", "failed", "done", "cancelled")):
    with service.store.transaction() as s:
        case = case_repo.get_case(s, org_id=1, code=code)
        return [r for r in reminder_repo.listing(s, case_id=case.id, statuses=statuses)]


def to_melding(d, clock):
    d.play(
        OPEN_TO_STEP2
        + CONSULT_TO_Q1
        + [
            ("mila", "step4.q1", {"answer": "b"}, None),
            ("mila", "step4.q2", {"answer": "b"}, None),  # Q2b: the melding at once
            ("sanne", "step5.prepare", {"involved": "x"}, None),
        ]
    )


def test_d1_a_melding_on_the_thursday_before_easter_is_chased_on_tuesday_14_april(service, chat, clock):
    clock.now = local(2026, 4, 2, 10)
    d = Dialog(service, chat)
    to_melding(d, clock)
    d.play([("sanne", "step5.melding", {"date": "2-4-2026", "identity": "open", "agreements": "x"}, None)])
    sender = ReminderSender(service)
    chat.sent.clear()

    def d1_sent():
        return [(p, m) for p, m in chat.sent if "5 werkdagen" in m.text]

    sender.run_once(local(2026, 4, 13, 16))  # day 5 (Good Friday and Easter Monday do not count)
    assert d1_sent() == []
    sender.run_once(local(2026, 4, 14, 9, 1))
    assert sorted(p for p, m in d1_sent()) == ["mila", "sanne"]
    message = d1_sent()[0][1]
    assert d.code in message.text and [b.action.value for b in message.buttons] == [
        "continue",
        "snooze_day",
        "snooze_week",
        "reminder_done",
    ]
    sender.run_once(local(2026, 4, 14, 15))
    assert len(d1_sent()) == 2  # delivered once


def test_reminders_wait_for_office_hours_on_working_days(service, chat, clock):
    clock.now = local(2026, 3, 6, 12)  # Friday
    d = Dialog(service, chat)
    d.play([*OPEN_TO_STEP2[:4], ("sanne", "step1.signal", {"kind": "hypothesis", "text": "x"}, None)])
    d4 = next(r for r in rows(service, d.code) if r.kind == "D4")
    assert d4.due_at == local(2026, 3, 20, 9)  # 14 days later, at the reminder hour
    sender = ReminderSender(service)
    chat.sent.clear()
    # Due Friday 20 March 09:00, but no pass ran during office hours that day: it waits for Monday.
    assert sender.run_once(local(2026, 3, 20, 17, 0)).closed_hours  # closing time
    assert sender.run_once(local(2026, 3, 21, 10)).closed_hours  # Saturday
    assert sender.run_once(local(2026, 3, 23, 8, 29)).closed_hours  # Monday, before opening
    sender.run_once(local(2026, 3, 23, 8, 30))
    assert [p for p, m in chat.sent if "hypothese" in m.text] == ["sanne"]


def test_a_reminder_due_in_the_weekend_goes_out_on_monday_morning(service, chat, clock):
    clock.now = local(2026, 3, 2, 10)
    _one_due(service, clock, due=local(2026, 3, 7, 10))  # a Saturday
    sender = ReminderSender(service)
    assert sender.run_once(local(2026, 3, 7, 10, 5)).closed_hours  # Saturday
    assert sender.run_once(local(2026, 3, 9, 8, 30)).sent == 1  # Monday opening


def test_dst_a_hypothesis_reminder_across_the_spring_change_keeps_9_local(service, chat, clock):
    clock.now = local(2026, 3, 20, 11)  # CET; 14 days later is Good Friday 3 April, then Easter Monday
    d = Dialog(service, chat)
    d.play([*OPEN_TO_STEP2[:4], ("sanne", "step1.signal", {"kind": "hypothesis", "text": "x"}, None)])
    d4 = next(r for r in rows(service, d.code) if r.kind == "D4")
    assert d4.due_at == dt.datetime(2026, 4, 7, 7, 0, tzinfo=UTC)  # Tuesday 7 April 09:00 CEST


def test_moving_the_case_cancels_what_no_longer_applies(service, chat, clock):
    d = Dialog(service, chat)
    d.play(
        OPEN_TO_STEP2
        + CONSULT_TO_Q1
        + [
            ("mila", "step4.q1", {"answer": "b"}, None),
            ("mila", "step4.q2", {"answer": "a"}, None),
            ("mila", "step4.q3", {"answer": "b"}, None),
            ("mila", "step4.q4", {"answer": "b"}, None),
            (
                "mila",
                "step4.q4_plan",
                {"help": "x", "term": "1-6-2026", "casemanager": {"name": "w"}, "roles": "x"},
                None,
            ),
        ]
    )
    assert {r.kind for r in rows(service, d.code, ("pending",))} >= {"D2", "D7"}
    # Before the term Q5 is a melding on new signals (S5.1), with them recorded: the term reminders go.
    d.play([("mila", "step4.q5", {"answer": "a", "note": "nieuwe signalen: het geweld gaat door"}, None)])
    pending = {r.kind for r in rows(service, d.code, ("pending",))}
    assert not pending & {"D2", "D7"}
    ReminderSender(service).run_once(local(2026, 6, 1, 10))
    assert not any("termijn van de hulp" in m.text for p, m in chat.sent)


def test_recording_vt_feedback_cancels_d1_but_keeps_d1b(service, chat, clock):
    d = Dialog(service, chat)
    to_melding(d, clock)
    d.play(
        [
            ("sanne", "step5.melding", {"date": "2-3-2026", "identity": "open", "agreements": "x"}, None),
            *AFTER_ACUTE_MELDING,
            ("sanne", "step5.vt_feedback", {"date": "2-3-2026", "decision": "investigate"}, None),
        ]
    )
    kinds = {r.kind: r.status for r in rows(service, d.code) if r.kind in ("D1", "D1b")}
    assert kinds == {"D1": "cancelled", "D1b": "pending"}


def test_a_restart_catches_up_on_what_fell_due_while_down_once(service, chat, clock):
    d = Dialog(service, chat)
    d.play([*OPEN_TO_STEP2[:4], ("sanne", "step1.signal", {"kind": "hypothesis", "text": "x"}, None)])
    chat.sent.clear()
    # Nothing ran for three weeks; the first pass after the restart delivers what is due, once.
    later = local(2026, 3, 23, 10)
    first = ReminderSender(service).run_once(later)
    second = ReminderSender(service).run_once(later + dt.timedelta(minutes=1))
    assert first.sent >= 2 and second.sent == 0  # D4 and the D6 nudge
    assert len(chat.sent) == first.sent


class FlakyChat(RecordingChat):
    def __init__(self, failures: int):
        super().__init__()
        self.failures = failures

    def deliver(self, *, org_key, person_id, message):
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryError("ratelimited")
        super().deliver(org_key=org_key, person_id=person_id, message=message)


def _one_due(service, clock, due: dt.datetime | None = None):
    """A new case with one check-in reminder (D3) for its staff member, due Monday 2 March 9:00 unless said."""
    d = Dialog(service, service.chat)
    d.play([("sanne", "open", None, None), ("sanne", "triage.scope", {"scope": "domestic"}, None)])
    with service.store.transaction() as s:
        case = case_repo.get_case(s, org_id=1, code=d.code)
        reminder_repo.schedule(
            s,
            case=case,
            kind="D3",
            recipient_role="staff",
            recipient_id=case.owner_id,
            due=[due or local(2026, 3, 2, 9)],
            node_id=None,
            now=clock.now,
        )
    return d.code


def test_a_slack_failure_is_retried_later_without_a_duplicate(service, clock):
    service.chat = FlakyChat(failures=2)
    code = _one_due(service, clock)
    sender = ReminderSender(service)
    t = local(2026, 3, 2, 10)
    assert sender.run_once(t).retried == 1
    assert sender.run_once(t + dt.timedelta(minutes=1)).sent == 0  # waits for its back-off
    assert sender.run_once(t + dt.timedelta(minutes=6)).retried == 1
    assert sender.run_once(t + dt.timedelta(minutes=20)).sent == 1
    assert len([m for p, m in service.chat.sent if "monitoring" in m.text]) == 1
    assert [r.status for r in rows(service, code) if r.kind == "D3"] == ["sent"]


def test_a_reminder_that_keeps_failing_is_reported_to_the_af_and_logged(service, clock, caplog):
    service.chat = FlakyChat(failures=99)
    code = _one_due(service, clock)
    sender = ReminderSender(service, max_attempts=3)
    t = local(2026, 3, 2, 10)
    with caplog.at_level(logging.ERROR):
        for minutes in (0, 10, 30):
            sender.run_once(t + dt.timedelta(minutes=minutes))
    assert [r.status for r in rows(service, code) if r.kind == "D3"] == ["failed"]
    assert any("not delivered after 3 attempts" in r.getMessage() for r in caplog.records)
    assert any(p == "mila" and code in m.text and "niet worden bezorgd" in m.text for p, m in service.chat.sent)


def test_snooze_and_done_are_recorded_and_done_is_not_sent_again(service, chat, clock):
    code = _one_due(service, clock)
    sender = ReminderSender(service)
    sender.run_once(local(2026, 3, 2, 10))
    rid = next(r.id for r in rows(service, code) if r.kind == "D3")
    assert "opnieuw op di 3 mrt 2026 09:00" in service.snooze("sanne", rid, 1).text()
    assert "Geen toegang" in service.snooze("tom", rid, 1).text()
    assert sender.run_once(local(2026, 3, 3, 9, 5)).sent == 1
    assert service.reminder_done("sanne", rid, "").errors == {"note": "Vul dit in."}
    assert "afgehandeld" in service.reminder_done("sanne", rid, "Gebeld met moeder, gaat goed").text()
    assert "bestaat niet" in service.snooze("sanne", rid, 7).text()
    assert sender.run_once(local(2026, 3, 10, 10)).sent == 0
    assert "Herinnering afgehandeld" in service.show_case("sanne", code).text()


def test_d5_an_untaken_consultation_escalates_to_the_deputy_who_can_then_act(service, chat, clock):
    d = Dialog(service, chat)
    d.play(OPEN_TO_STEP2)
    assert "Geen toegang" in service.take_up("daan", d.code).text()
    ReminderSender(service).run_once(local(2026, 3, 3, 11))  # one working day later
    assert any("niet opgepakt" in m.text for p, m in chat.sent if p == "daan")
    assert "opgepakt" in service.take_up("daan", d.code).text()


def test_d6_a_stalled_case_nudges_the_staff_member_then_tells_the_af(service, chat, clock):
    d = Dialog(service, chat)
    d.play([("sanne", "open", None, None), ("sanne", "triage.scope", {"scope": "domestic"}, None)])
    sender = ReminderSender(service)
    chat.sent.clear()
    sender.run_once(local(2026, 3, 12, 10))
    assert [p for p, m in chat.sent if "staat al een tijd stil" in m.text] == ["sanne"]
    sender.run_once(local(2026, 3, 26, 10))
    assert [p for p, m in chat.sent if "staat al een tijd stil" in m.text] == ["sanne", "mila"]


def test_a_new_help_term_after_reopening_reschedules_d2(service, chat, clock):
    d = Dialog(service, chat)
    d.play(
        OPEN_TO_STEP2
        + CONSULT_TO_Q1
        + HELP_TO_PLAN
        + [
            (
                "mila",
                "step4.q4_plan",
                {"help": "x", "term": "1-6-2026", "casemanager": {"name": "w"}, "roles": "x"},
                None,
            ),
        ]
    )
    clock.now = local(2026, 6, 1, 10)  # Q5 at the term
    d.play(
        [
            ("mila", "step4.q5", {"answer": "b"}, None),
            ("mila", "step4.q5_monitoring", {"agreements": "x", "checkins": "1-7-2026"}, "monitoring loopt"),
            ("sanne", "reopen", None, "heropend"),
            ("sanne", "step1.signal", {"kind": "fact", "text": "nieuw"}, None),
            ("sanne", "step2.request", {"urgency": "week"}, None),
            *CONSULT_TO_Q1,
            *HELP_TO_PLAN,
            (
                "mila",
                "step4.q4_plan",
                {"help": "y", "term": "1-9-2026", "casemanager": {"name": "w"}, "roles": "y"},
                None,
            ),
        ]
    )
    d2 = [r for r in rows(service, d.code) if r.kind == "D2"]
    assert {r.due_at.date() for r in d2 if r.status == "pending"} == {dt.date(2026, 8, 27), dt.date(2026, 9, 1)}
    assert all(r.status == "cancelled" for r in d2 if r.due_at.date() <= dt.date(2026, 6, 1))
