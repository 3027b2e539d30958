"""The engine: who may answer (B1-B3), preconditions (S2.3), bad input, and effects with their deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.answers import AnswerRejected
from flows.engine import NotAllowed, advance, reopen, take_up_consultation
from flows.loader import load_all
from flows.model import CaseState

FLOW = load_all()[1]
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
STAFF, AF = {"staff"}, {"af"}


def at(node: str, **answers) -> CaseState:
    return CaseState(node=node, answers=answers)


def test_b1_the_af_cannot_take_over_step1():
    with pytest.raises(NotAllowed) as info:
        advance(FLOW, at("step1.signal"), {"kind": "fact", "text": "blauwe plek"}, NOW, roles=AF)
    assert info.value.code == "actor_staff"


@pytest.mark.parametrize("node", ["step4.q1", "step4.q2", "step4.q3", "step4.q4", "step4.q5"])
def test_b3_a_staff_member_cannot_answer_step4_alone(node):
    with pytest.raises(NotAllowed) as info:
        advance(FLOW, at(node), {"answer": "a"}, NOW, roles=STAFF)
    assert info.value.code == "actor_af"


def test_b2_the_consultation_outcome_needs_the_af_to_have_taken_it_up():
    answer = {"date": "1-3-2026", "outcome": "besproken", "advice": "none"}
    with pytest.raises(NotAllowed) as info:
        advance(FLOW, at("step2.consultation"), answer, NOW, roles=STAFF)
    assert info.value.code == "requires_consultation_taken_up"
    t = advance(FLOW, take_up_consultation(at("step2.consultation")), answer, NOW, roles=STAFF)
    assert t.to == "step3.conversation"


def test_s2_3_step3_cannot_start_without_vt_advice_for_a_specific_form():
    state = CaseState(node="step3.conversation", answers={"triage.forms": {"forms": ["huwelijksdwang"], "age": 15}})
    with pytest.raises(NotAllowed) as info:
        advance(FLOW, state, {"held": "held"}, NOW, roles=STAFF)
    assert info.value.code == "requires_vt_advice_recorded"
    advised = CaseState(
        node="step3.conversation", answers={**state.answers, "step2.vt_advice": {"advice": "eerst veiligheid"}}
    )
    assert advance(FLOW, advised, {"held": "held"}, NOW, roles=STAFF).to == "step3.report"


def test_s2_3_other_forms_do_not_need_vt_advice():
    state = CaseState(node="step3.conversation", answers={"triage.forms": {"forms": ["lichamelijk"]}})
    assert advance(FLOW, state, {"held": "held"}, NOW, roles=STAFF).to == "step3.report"


def test_s2_3_consultation_routes_specific_forms_to_vt_advice_even_when_no_advice_was_chosen():
    state = take_up_consultation(CaseState(node="step2.consultation", answers={"triage.forms": {"forms": ["vgv"]}}))
    t = advance(FLOW, state, {"date": "1-3-2026", "outcome": "x", "advice": "none"}, NOW, roles=AF)
    assert t.to == "step2.vt_advice"


def test_s1_2_third_party_information_needs_its_source():
    with pytest.raises(AnswerRejected) as info:
        advance(
            FLOW, at("step1.signal"), {"kind": "third_party", "text": "buurvrouw hoorde geschreeuw"}, NOW, roles=STAFF
        )
    assert info.value.errors["source"].code == "required"
    t = advance(
        FLOW, at("step1.signal"), {"kind": "third_party", "text": "geschreeuw", "source": "buurvrouw"}, NOW, roles=STAFF
    )
    assert t.values["source"] == "buurvrouw"
    assert next(e.name for e in t.effects) == "record_signal"


def test_s1_2_a_diagnosis_records_who_made_it():
    with pytest.raises(AnswerRejected) as info:
        advance(FLOW, at("step1.signal"), {"kind": "diagnosis", "text": "PTSS"}, NOW, roles=STAFF)
    assert set(info.value.errors) == {"diagnosed_by"}


def test_a_fact_does_not_ask_for_source_and_ignores_one_sent_anyway():
    t = advance(FLOW, at("step1.signal"), {"kind": "fact", "text": "blauwe plek", "source": "x"}, NOW, roles=STAFF)
    assert "source" not in t.values


def test_bad_input_lists_every_invalid_field_at_once():
    with pytest.raises(AnswerRejected) as info:
        advance(
            FLOW, at("step4.q4_plan"), {"help": "", "term": "31-2-2026", "casemanager": "", "roles": "x"}, NOW, roles=AF
        )
    assert {k: e.code for k, e in info.value.errors.items()} == {
        "help": "required",
        "term": "no_such_day",  # February has no 31st
        "casemanager": "required",
    }


def test_q4b_the_term_lies_in_the_future():
    with pytest.raises(AnswerRejected) as info:
        advance(
            FLOW,
            at("step4.q4_plan"),
            {"help": "gezinscoach", "term": "1-1-2026", "casemanager": {"name": "wijkteam"}, "roles": "x"},
            NOW,
            roles=AF,
        )
    assert info.value.errors["term"].code == "date_in_past"


def test_unknown_choice_is_rejected():
    with pytest.raises(AnswerRejected) as info:
        advance(FLOW, at("step4.q1"), {"answer": "c"}, NOW, roles=AF)
    assert info.value.errors["answer"].code == "invalid_choice"


def test_a_closed_case_takes_no_answers():
    with pytest.raises(NotAllowed) as info:
        advance(FLOW, CaseState(node=None, outcome="closed_no_action"), {"answer": "a"}, NOW, roles=AF)
    assert info.value.code == "case_closed"


def test_q1a_reaching_an_outcome_cancels_every_pending_reminder():
    t = advance(FLOW, at("step4.q1"), {"answer": "a"}, NOW, roles=AF)
    assert t.outcome.id == "closed_no_action" and t.state.closed
    assert t.effects[0].name == "cancel_reminders" and "D4" in t.effects[0].params["kinds"]


def test_q4b_schedules_d2_before_and_on_the_term_and_d7_until_it():
    t = advance(
        FLOW,
        at("step4.q4_plan"),
        {"help": "gezinscoach", "term": "1-6-2026", "casemanager": {"name": "wijkteam"}, "roles": "x"},
        NOW,
        roles=AF,
    )
    reminders = {e.params["kind"]: e.params for e in t.effects if e.name == "schedule_reminder"}
    d2 = [d.date() for d in reminders["D2"]["due"]]
    assert d2 == [dt.date(2026, 5, 27), dt.date(2026, 6, 1)]
    assert reminders["D2"]["to"] == ["staff", "af"]
    assert all(d.date() < dt.date(2026, 6, 1) for d in reminders["D7"]["due"])
    assert len(reminders["D7"]["due"]) == 3  # every 4 weeks from 2 March until 1 June


def test_q5_answer_cancels_the_term_reminders():
    t = advance(FLOW, at("step4.q5"), {"answer": "b"}, NOW, roles=AF)
    cancelled = [k for e in t.effects if e.name == "cancel_reminders" for k in e.params["kinds"]]
    assert {"D2", "D7"} <= set(cancelled)


def test_q5b_schedules_a_d3_reminder_per_monitoring_date_and_keeps_them_after_closing():
    t = advance(
        FLOW,
        at("step4.q5_monitoring"),
        {"agreements": "maandelijks contact", "checkins": "1-6-2026; 1-9-2026"},
        NOW,
        roles=AF,
    )
    names = [e.name for e in t.effects]
    assert names.index("cancel_reminders") < names.index("schedule_reminder")
    d3 = next(e for e in t.effects if e.name == "schedule_reminder")
    assert [d.date() for d in d3.params["due"]] == [dt.date(2026, 6, 1), dt.date(2026, 9, 1)]
    assert t.outcome.status == "monitoring"


def test_d1_melding_before_easter_counts_working_days_without_good_friday_and_easter_monday():
    # Melding on Thursday 2 April 2026; Good Friday 3 April and Easter Monday 6 April do not count:
    # the 5th working day is Monday 13 April, so the reminder comes on Tuesday 14 April at 09:00.
    t = advance(
        FLOW,
        at("step5.melding"),
        {"date": "2-4-2026", "identity": "open", "agreements": "x"},
        dt.datetime(2026, 4, 2, 14, 0, tzinfo=dt.UTC),
        roles=STAFF,
    )
    d1 = next(e for e in t.effects if e.name == "schedule_reminder" and e.params["kind"] == "D1")
    assert d1.params["due"] == [dt.datetime(2026, 4, 14, 7, 0, tzinfo=dt.UTC)]  # 09:00 CEST


def test_x3_an_anonymous_melding_needs_its_reason():
    with pytest.raises(AnswerRejected) as info:
        advance(
            FLOW,
            at("step5.melding"),
            {"date": "1-3-2026", "identity": "anonymous", "agreements": "x"},
            NOW,
            roles=STAFF,
        )
    assert set(info.value.errors) == {"anonymous_reason"}


def test_d6_every_move_reschedules_the_stalled_case_nudge():
    t = advance(FLOW, at("triage.kindcheck"), {"siblings": "nee"}, NOW, roles=STAFF)
    tail = [(e.name, e.params.get("kind") or tuple(e.params.get("kinds", ()))) for e in t.effects[-2:]]
    assert tail == [("cancel_reminders", ("D6",)), ("schedule_reminder", "D6")]


def test_s2_1_requesting_consultation_notifies_the_af_and_schedules_d5_escalation():
    t = advance(FLOW, at("step2.request"), {"urgency": "week"}, NOW, roles=STAFF)
    assert t.effects[0].name == "request_consultation"
    d5 = next(e for e in t.effects if e.name == "schedule_reminder" and e.params["kind"] == "D5")
    assert d5.params["to"] == ["deputy"] and d5.params["due"][0].date() == dt.date(2026, 3, 3)


def test_d5_a_request_for_today_escalates_after_two_office_hours():
    """B4/D5, X6: "vandaag nog" cannot wait a working day; evenings and weekends do not count."""
    t = advance(FLOW, at("step2.request"), {"urgency": "today"}, NOW, roles=STAFF)
    d5 = next(e for e in t.effects if e.name == "schedule_reminder" and e.params["kind"] == "D5")
    assert d5.params["due"] == [NOW + dt.timedelta(hours=2)]
    friday_late = dt.datetime(2026, 3, 6, 15, 30, tzinfo=dt.UTC)  # 16:30 in Amsterdam, half an hour left
    t = advance(FLOW, at("step2.request"), {"urgency": "today"}, friday_late, roles=STAFF)
    due = next(e for e in t.effects if e.params.get("kind") == "D5").params["due"][0]
    assert due == dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)  # Monday 10:00 local: 30 min on Friday + 90


def test_s1_5_a_sisa_signal_schedules_d8_before_its_two_year_expiry():
    t = advance(FLOW, at("step1.sisa"), {"given": "ja", "date": "2-3-2026"}, NOW, roles=STAFF)
    d8 = next(e for e in t.effects if e.name == "schedule_reminder" and e.params["kind"] == "D8")
    assert dt.date(2027, 12, 1) < d8.params["due"][0].date() < dt.date(2028, 3, 2)


def test_s5_1_a_case_can_be_reopened_with_new_signals_and_needs_a_new_consultation():
    closed = CaseState(
        node=None,
        outcome="help_closed",
        answers={"step4.q1": {"answer": "b"}},
        flags=frozenset({"consultation_taken_up"}),
    )
    opened = reopen(FLOW, closed)
    assert opened.node == "step1.signal" and not opened.closed
    assert opened.answers == closed.answers and "consultation_taken_up" not in opened.flags


def test_now_must_carry_a_timezone():
    with pytest.raises(ValueError):
        advance(FLOW, at("step4.q1"), {"answer": "a"}, dt.datetime(2026, 3, 2), roles=AF)
