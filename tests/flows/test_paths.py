"""Every path through the meldcode definition, driven through the engine, ends in the right outcome."""

from __future__ import annotations

import pytest

from flows.loader import load_all
from tests.flows.paths import Path, enumerate_paths

FLOW = load_all()[1]
PATHS = enumerate_paths(FLOW)


def _where(pred) -> list[Path]:
    found = [p for p in PATHS if pred(p)]
    assert found, "the enumeration should contain such paths"
    return found


def test_every_outcome_is_reached_and_every_node_is_visited():
    assert {p.outcome for p in PATHS} == set(FLOW.outcomes)
    assert {n for p in PATHS for n in p.nodes} == set(FLOW.nodes)


def test_t1_violence_by_a_professional_leaves_the_steps_and_notifies_the_af():
    for p in _where(lambda p: p.answered("triage.scope", "scope", "professional")):
        assert p.outcome == "out_of_scope.professional"
        assert p.nodes == ["triage.scope"]
        assert "notify_af" in p.effects


def test_t2_violence_between_pupils_leaves_the_steps_and_notifies_the_af():
    for p in _where(lambda p: p.answered("triage.scope", "scope", "pupils")):
        assert p.outcome == "out_of_scope.pupils"
        assert "notify_af" in p.effects


def test_t3_domestic_violence_follows_all_steps_in_order():
    order = [
        "triage.forms",
        "triage.kindcheck",
        "step1.signal",
        "step2.request",
        "step2.consultation",
        "step3.conversation",
        "step3.verwijsindex",
        "step4.q1",
    ]
    for p in _where(lambda p: p.answered("triage.scope", "scope", "domestic")):
        positions = [p.nodes.index(n) for n in order]
        assert positions == sorted(positions), p.nodes


def test_q1a_no_action_closes_the_case():
    for p in _where(lambda p: p.answered("step4.q1", "answer", "a")):
        assert p.outcome == "closed_no_action"


def test_q1b_strong_suspicion_informs_the_board():
    for p in _where(lambda p: p.answered("step4.q1", "answer", "b")):
        assert "inform_board" in p.effects
        assert "step4.q2" in p.nodes


@pytest.mark.parametrize("node,value", [("step4.q2", "b"), ("step4.q3", "a"), ("step4.q4", "a"), ("step4.q5", "a")])
def test_q2b_q3a_q4a_q5a_lead_to_a_melding_at_veilig_thuis(node, value):
    for p in _where(lambda p: p.answered(node, "answer", value)):
        assert p.outcome == "reported"
        assert "step5.discuss" in p.nodes and "step5.melding" in p.nodes
        assert p.nodes.index(node) < p.nodes.index("step5.melding")


def test_q2b_acute_goes_to_the_melding_without_q3_q4():
    for p in _where(lambda p: p.answered("step4.q2", "answer", "b")):
        assert "step4.q3" not in p.nodes and "step4.q4" not in p.nodes


def test_q4b_help_records_a_plan_with_term_and_casemanager_before_q5():
    for p in _where(lambda p: p.answered("step4.q4", "answer", "b")):
        assert p.nodes.index("step4.q4_plan") < p.nodes.index("step4.q5")
        plan = dict(next(items for nid, items in p.steps if nid == "step4.q4_plan"))
        assert {"help", "term", "casemanager", "roles"} <= set(plan)


def test_q5b_closes_help_with_monitoring_dates():
    for p in _where(lambda p: p.answered("step4.q5", "answer", "b")):
        assert p.outcome == "help_closed"
        monitoring = dict(next(items for nid, items in p.steps if nid == "step4.q5_monitoring"))
        assert monitoring["checkins"] and monitoring["agreements"]


def test_s2_3_specific_forms_always_get_vt_advice_before_step3():
    specific = FLOW.specific_forms
    for p in _where(
        lambda p: any(set(dict(items).get("forms", [])) & specific for nid, items in p.steps if nid == "triage.forms")
    ):
        if "step3.conversation" in p.nodes:
            assert "step2.vt_advice" in p.nodes
            assert p.nodes.index("step2.vt_advice") < p.nodes.index("step3.conversation")


def test_s3_3_skipping_the_conversation_always_records_a_reason():
    for p in _where(
        lambda p: (
            p.answered("step3.conversation", "held", "skip_safety")
            or p.answered("step3.conversation", "held", "skip_contact")
        )
    ):
        assert "step3.skip" in p.nodes and "step3.report" not in p.nodes


def test_s5_4_skipping_the_discussion_of_a_melding_always_records_a_reason():
    for p in _where(
        lambda p: (
            p.answered("step5.discuss", "discussed", "skip_safety")
            or p.answered("step5.discuss", "discussed", "skip_contact")
        )
    ):
        assert "step5.skip" in p.nodes and "step5.discussion" not in p.nodes


def test_x2_vt_investigation_waits_for_the_second_feedback():
    for p in _where(lambda p: p.answered("step5.vt_feedback", "decision", "investigate")):
        assert p.nodes[-1] == "step5.vt_investigation"


def test_x4_a_melding_summary_is_prepared_before_the_melding():
    for p in _where(lambda p: p.outcome == "reported"):
        assert "melding_summary" in p.effects
        assert p.nodes.index("step5.prepare") < p.nodes.index("step5.melding")


def test_b3_step4_questions_and_the_step5_decision_belong_to_the_af():
    for nid in ("step4.q1", "step4.q2", "step4.q3", "step4.q4", "step4.q4_plan", "step4.q5", "step4.q5_monitoring"):
        assert FLOW.nodes[nid].actor == "af"


def test_b1_step1_belongs_to_staff_and_b2_steps_2_3_are_together():
    for node in FLOW.nodes.values():
        # The contact log is the exception: the AF may record a consultation or VT advice (S4.0, X7).
        if node.step in ("triage", "1") and node.anytime != "contact":
            assert node.actor == "staff", node.id
        if node.step in ("2", "3") and node.id != "step2.request":
            assert node.actor == "together", node.id
