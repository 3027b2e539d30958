"""Every path through version 2 of the meldcode, driven through the engine: the rules version 2 added
(T1/T2 with D9, X1, S5.3/S5.4 per person, the weighing, Q2b with Veilig Thuis, B3 per question)."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.answers import AnswerRejected, parse_answer
from flows.engine import advance
from flows.loader import load_all
from flows.model import CaseState
from flows.rules import discuss_melding_with
from tests.flows.paths import NOW, ROLES, Path, enumerate_paths

FLOW = load_all()[2]
PATHS = enumerate_paths(FLOW, max_visits=1)  # each node once; a loop back (weighing -> Q3) is tested apart
STEP4 = ("step4.q1", "step4.q2", "step4.q3", "step4.q4", "step4.q5")


def _where(pred) -> list[Path]:
    found = [p for p in PATHS if pred(p)]
    assert found, "the enumeration should contain such paths"
    return found


def _age(p: Path) -> int:
    return int(dict(next(items for nid, items in p.steps if nid == "triage.forms"))["age"])


def test_every_outcome_is_reached_and_every_node_is_visited():
    assert {p.outcome for p in PATHS} == set(FLOW.outcomes)
    # The contact log is recorded outside the flow's order (anytime), never on a path.
    assert {n for p in PATHS for n in p.nodes} == set(FLOW.nodes) - {"step1.contact"}


@pytest.mark.parametrize(
    "scope,outcome", [("professional", "out_of_scope.professional"), ("pupils", "out_of_scope.pupils")]
)
def test_t1_t2_stay_open_until_the_directie_is_informed(scope, outcome):
    """T1/T2, D9: "directie informed: no" does not close the case; it waits, with D9, until it is recorded."""
    for p in _where(lambda p: p.answered("triage.scope", "scope", scope)):
        assert p.outcome == outcome
        assert "notify_af" in p.effects
        if p.answered("triage.scope", "directie_informed", False):
            assert p.nodes[-1] == "triage.directie"
            assert dict(p.steps[-1][1])["informed"] is True  # it closes only once "informed: yes" is recorded
            assert "schedule_reminder" in p.effects
        else:
            assert p.nodes == ["triage.scope"]


def test_s5_3_the_melding_is_discussed_with_whom_the_age_says_each_on_their_own():
    """S5.3: under 12 the parent(s), from 16 the young person, from 12 to 15 both, each recorded apart."""
    for p in _where(lambda p: p.outcome == "reported"):
        asked = {who for who in ("client", "parent") if f"step5.discuss_{who}" in p.nodes}
        assert asked == set(discuss_melding_with(_age(p))), (_age(p), p.nodes)
    assert _where(lambda p: p.outcome == "reported" and _age(p) == 13 and "step5.discuss_parent" in p.nodes)


@pytest.mark.parametrize("who", ["client", "parent"])
def test_s5_4_each_person_skipped_has_their_own_reason(who):
    node = FLOW.nodes[f"step5.discuss_{who}"]
    today = dt.date(2026, 3, 2)
    with pytest.raises(AnswerRejected) as refused:
        parse_answer(node, {"discussed": "skip_safety"}, today=today)
    assert set(refused.value.errors) == {"reason"}
    values = parse_answer(node, {"discussed": "skip_contact", "reason": "vader dreigde"}, today=today)
    assert values == {"discussed": "skip_contact", "reason": "vader dreigde"}
    with pytest.raises(AnswerRejected) as incomplete:
        parse_answer(node, {"discussed": "discussed", "objections": "ja"}, today=today)
    assert {"date", "explanation", "reaction", "objections_text", "meet"} <= set(incomplete.value.errors)


def test_s5_3_objections_lead_to_the_weighing_before_the_melding():
    """S5.3: objections that cannot be met are weighed (nature and severity, the need to protect); a melding
    follows only when protection prevails, otherwise help is weighed again (Q3)."""
    with_objections = _where(
        lambda p: (
            p.outcome == "reported"
            and not p.answered("step4.q2", "answer", "b")
            and any(p.answered(f"step5.discuss_{w}", "objections", True) for w in ("client", "parent"))
        )
    )
    for p in with_objections:
        weighing = p.nodes.index("step5.weighing")
        assert weighing < p.nodes.index("step5.melding")
        assert {"severity", "protection", "prevails"} <= set(dict(p.steps[weighing][1]))
    state = CaseState(node="step5.weighing", answers={"triage.forms": {"age": 13}})
    answer = {"severity": "ernstig", "protection": "gevaar thuis", "prevails": "no"}
    t = advance(FLOW, state, answer, NOW, roles=ROLES)
    assert t.to == "step4.q3" and t.outcome is None


def test_q2b_the_melding_is_made_at_once_and_q3_to_q5_are_recorded_with_veilig_thuis():
    """Q2b: a melding at once; the later questions are answered with Veilig Thuis; the discussion follows."""
    for p in _where(lambda p: p.answered("step4.q2", "answer", "b")):
        assert p.outcome == "reported"
        assert "step4.q3" not in p.nodes and "step4.q4" not in p.nodes
        after_q2 = p.nodes[p.nodes.index("step4.q2") + 1 :]
        assert after_q2[:3] == ["step5.prepare", "step5.melding", "step4.with_vt"]
        with_vt = dict(next(items for nid, items in p.steps if nid == "step4.with_vt"))
        assert {"date", "with_whom", "help", "acceptance", "result"} <= set(with_vt)
        assert "step5.weighing" not in p.nodes


@pytest.mark.parametrize("node", STEP4)
def test_b3_each_weighing_question_records_whether_it_was_weighed_with_the_staff_member(node):
    for p in _where(lambda p, node=node: node in p.nodes):
        values = dict(next(items for nid, items in p.steps if nid == node))
        assert values["together"] is True  # the default, shown preselected


def test_s2_3_specific_forms_always_get_vt_advice_before_step3():
    specific = FLOW.specific_forms
    for p in _where(
        lambda p: any(set(dict(items).get("forms", [])) & specific for nid, items in p.steps if nid == "triage.forms")
    ):
        if "step3.conversation" in p.nodes:
            assert p.nodes.index("step2.vt_advice") < p.nodes.index("step3.conversation")


def test_x4_a_melding_summary_is_prepared_before_every_melding():
    for p in _where(lambda p: p.outcome == "reported"):
        assert "melding_summary" in p.effects
        assert p.nodes.index("step5.prepare") < p.nodes.index("step5.melding")


def test_b3_step4_questions_belong_to_the_af_and_with_vt_to_both():
    for nid in (*STEP4, "step4.q4_plan", "step4.q5_monitoring"):
        assert FLOW.nodes[nid].actor == "af"
    assert FLOW.nodes["step4.with_vt"].actor == "together"


def test_s1_1_navigation_is_never_an_answer_a_signal_leads_straight_to_asking_the_af():
    """moment: "what now?" was a router stored as an answer; another signal, a contact and SISA are actions."""
    for p in _where(lambda p: "step1.signal" in p.nodes):
        at = p.nodes.index("step1.signal")
        assert p.nodes[at + 1] == "step2.request"
    assert all(len(n.fields) > 1 or n.fields[0].id != "next" for n in FLOW.nodes.values())


def test_s1_5_every_path_into_step_3_records_sisa_after_the_af_is_asked():
    for p in _where(lambda p: "step3.conversation" in p.nodes):
        assert p.nodes.index("step2.request") < p.nodes.index("step1.sisa") < p.nodes.index("step3.conversation")
