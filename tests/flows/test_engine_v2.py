"""The engine's guards for the rules flow version 2 records: X1, a new help plan (Q4b), defaults, D9."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.answers import AnswerRejected
from flows.deadlines import due_times
from flows.engine import NotAllowed, advance, anytime_node, help_term, initial_values, record_anytime
from flows.loader import load_all
from flows.model import CaseState, Policy
from flows.vocabulary import DISCLOSURE, HELP_PLAN

FLOWS = load_all()
FLOW = FLOWS[2]
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # Monday
AF = {"af"}
BOTH = {"staff", "af"}
Q2 = {"answer": "a", "together": "ja"}


def at(node: str, **answers) -> CaseState:
    return CaseState(node=node, answers={"triage.forms": {"forms": ["lichamelijk"], "age": 14}, **answers})


def test_x1_a_signal_the_child_told_marks_the_case_and_q2_starts_at_yes():
    state = at("step2.request")
    t = record_anytime(FLOW, state, "signal", {"kind": "disclosure", "text": "zegt: papa slaat"}, NOW, roles={"staff"})
    assert DISCLOSURE in t.state.flags
    q2 = FLOW.nodes["step4.q2"]
    assert initial_values(FLOW, CaseState(node="step4.q2", flags=t.state.flags), q2)["answer"] == "b"
    assert "answer" not in initial_values(FLOW, CaseState(node="step4.q2"), q2)  # no disclosure: no preselection


def test_x1_a_fact_without_disclosure_leaves_the_case_unmarked():
    t = record_anytime(
        FLOW, at("step2.request"), "signal", {"kind": "fact", "text": "blauwe plek"}, NOW, roles={"staff"}
    )
    assert t.values["kind"] == "fact" and DISCLOSURE not in t.state.flags


def test_x1_no_at_q2_needs_a_reason_when_the_child_told_it():
    state = CaseState(node="step4.q2", answers=at("x").answers, flags=frozenset({DISCLOSURE}))
    with pytest.raises(AnswerRejected) as refused:
        advance(FLOW, state, Q2, NOW, roles=AF)
    assert refused.value.errors["note"].code == "x1_reason_required"
    t = advance(FLOW, state, {**Q2, "note": "het kind trok het de volgende dag in; geen acuut gevaar"}, NOW, roles=AF)
    assert t.to == "step4.q3"
    assert advance(FLOW, at("step4.q2"), Q2, NOW, roles=AF).to == "step4.q3"  # no disclosure: no reason needed


def test_b3_who_weighed_defaults_to_together_and_not_together_needs_why():
    t = advance(FLOW, at("step4.q2"), {"answer": "a"}, NOW, roles=AF)
    assert t.values["together"] is True
    with pytest.raises(AnswerRejected) as refused:
        advance(FLOW, at("step4.q2"), {"answer": "a", "together": "nee"}, NOW, roles=AF)
    assert set(refused.value.errors) == {"together_why"}


PLAN = {"help": "gezinscoach", "term": "1-6-2026", "casemanager": {"name": "wijkteam"}, "roles": "coach wekelijks"}


def _helping() -> CaseState:
    t = advance(FLOW, at("step4.q4_plan"), PLAN, NOW, roles=AF)
    assert t.to == "step4.q5"
    return t.state


def test_q4b_a_new_help_plan_extends_the_term_and_reschedules_d2():
    """Q4b/D2: a term is extended by a new help-plan entry (never by editing the old one); its D2 and D7
    replace the old ones."""
    state = _helping()
    assert help_term(FLOW, state) == dt.date(2026, 6, 1)
    assert initial_values(FLOW, state, FLOW.nodes["step4.q4_plan"])["help"] == "gezinscoach"
    renewed = record_anytime(FLOW, state, HELP_PLAN, {**PLAN, "change": "eerste wijziging"}, NOW, roles=AF).state
    assert "change" not in initial_values(FLOW, renewed, FLOW.nodes["step4.q4_plan"])  # why it changed: asked anew
    t = record_anytime(FLOW, state, HELP_PLAN, {**PLAN, "term": "1-9-2026", "change": "meer tijd nodig"}, NOW, roles=AF)
    assert t.to == "step4.q5" and help_term(FLOW, t.state) == dt.date(2026, 9, 1)
    names = [(e.name, e.params.get("kind") or tuple(e.params.get("kinds", ()))) for e in t.effects]
    assert names[0] == ("cancel_reminders", ("D2", "D7"))
    d2 = next(e for e in t.effects if e.name == "schedule_reminder" and e.params["kind"] == "D2")
    assert d2.params["due"][-1].date() == dt.date(2026, 9, 1)
    # Q5 now waits for the new term: on the old one it is refused as before its term.
    old_term = dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC)
    with pytest.raises(AnswerRejected):
        advance(FLOW, t.state, {"answer": "b"}, old_term, roles=AF)


def test_q4b_a_new_help_plan_only_while_the_help_runs():
    with pytest.raises(NotAllowed) as refused:
        record_anytime(FLOW, at("step3.conversation"), HELP_PLAN, PLAN, NOW, roles=AF)
    assert refused.value.code == "help_not_running"
    with pytest.raises(NotAllowed) as staff:
        record_anytime(FLOW, _helping(), HELP_PLAN, PLAN, NOW, roles={"staff"})
    assert staff.value.code == "actor_af"


def test_version_1_cases_extend_their_term_the_same_way():
    v1 = FLOWS[1]
    state = advance(v1, CaseState(node="step4.q4_plan", answers={}), PLAN, NOW, roles=AF).state
    t = record_anytime(v1, state, HELP_PLAN, {**PLAN, "term": "1-9-2026"}, NOW, roles=AF)
    assert help_term(v1, t.state) == dt.date(2026, 9, 1)


def test_s3_1_s4_0_advice_at_steps_3_and_4_starts_as_advice_from_veilig_thuis():
    contact = anytime_node(FLOW, "contact")
    assert initial_values(FLOW, at("step4.q1"), contact)["with_whom"] == "Veilig Thuis"
    assert initial_values(FLOW, at("step3.conversation"), contact)["with_whom"] == "Veilig Thuis"
    assert "with_whom" not in initial_values(FLOW, at("step2.request"), contact)


def test_d9_reminds_after_the_organisations_interval():
    due = due_times("D9", now=NOW, policy=Policy(d9_days=3))
    assert [d.date() for d in due] == [dt.date(2026, 3, 5)]


def test_s5_3_the_age_routes_the_discussion():
    q3a = {"answer": "a"}
    for age, first in ((8, "step5.discuss_parent"), (14, "step5.discuss_client"), (17, "step5.discuss_client")):
        state = CaseState(node="step4.q3", answers={"triage.forms": {"forms": ["lichamelijk"], "age": age}})
        assert advance(FLOW, state, q3a, NOW, roles=AF).to == first, age
    talked = {"discussed": "discussed", "date": "1-3-2026", "explanation": "x", "reaction": "x", "objections": "nee"}
    for age, then in ((14, "step5.discuss_parent"), (17, "step5.prepare")):
        state = CaseState(node="step5.discuss_client", answers={"triage.forms": {"age": age}})
        assert advance(FLOW, state, talked, NOW, roles=BOTH).to == then, age


def test_s1_5_sisa_recorded_early_is_not_asked_again_and_d8_counts_from_its_date():
    state = CaseState(node="step2.consultation", answers=at("x").answers, flags=frozenset({"consultation_taken_up"}))
    early = record_anytime(FLOW, state, "sisa", {"given": "ja", "date": "1-3-2026"}, NOW, roles={"staff"})
    d8 = [e for e in early.effects if e.name == "schedule_reminder"]
    assert [e.params["kind"] for e in d8] == ["D8"] and d8[0].params["due"][0].year == 2028
    consult = {"date": "2-3-2026", "outcome": "zorgen gedeeld", "advice": "none"}
    t = advance(FLOW, early.state, consult, NOW, roles=BOTH)
    assert t.to == "step3.conversation"  # past SISA: it is on record
    assert advance(FLOW, state, consult, NOW, roles=BOTH).to == "step1.sisa"  # not on record: asked now
    none = record_anytime(FLOW, state, "sisa", {"given": "nee"}, NOW, roles={"staff"})
    assert [e for e in none.effects if e.name == "schedule_reminder"] == []  # no signal given: no D8
