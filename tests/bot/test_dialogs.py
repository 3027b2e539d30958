"""Whole cases played through the conversation service, as staff, AF, deputy and board would."""

from __future__ import annotations

import datetime as dt

import yaml

from bot.config import demo_config_path, parse_config
from bot.service import ConversationService
from flows.loader import load_all
from tests.bot.dialog import Dialog, pending_reminders, stored_answers, stored_case
from tests.bot.scripts import CANARY, CONSULT_TO_Q1, HELP_TO_PLAN, MELDING_AFTER_DECISION, OPEN_TO_STEP2


def test_a_whole_case_from_signals_to_a_melding_at_veilig_thuis(d, service):
    d.play(OPEN_TO_STEP2)
    # S2.1: the AF is asked privately, with the code, step, forms and urgency: no typed text.
    request = d.dms("mila")[-1]
    assert d.code in request and "stap 2" in request and "Lichamelijk geweld" in request
    assert "vandaag nog" in request and CANARY not in request
    d.play(CONSULT_TO_Q1)
    assert any("opgepakt" in m for m in d.dms("sanne"))
    assert any("klaar voor jou" in m for m in d.dms("mila"))
    d.play(
        [
            ("mila", "step4.q1", {"answer": "b"}, "Vastgelegd"),
            ("mila", "step4.q2", {"answer": "a"}, None),
            ("mila", "step4.q3", {"answer": "a"}, None),
        ]
    )
    assert any("Sterk vermoeden" in m and d.code in m for m in d.dms("els"))  # Q1b: the board knows
    assert any("Mila Jansen heeft in zaak" in m for m in d.dms("sanne"))  # B3: staff sees the AF's answers
    d.play(MELDING_AFTER_DECISION)
    assert {r.kind for r in pending_reminders(service, d.code)} >= {"D1", "D1b"}
    d.play([("sanne", "step5.vt_feedback", {"date": "2-3-2026", "decision": "help"}, "Gemeld bij Veilig Thuis")])
    case = stored_case(service, d.code)
    assert case.status == "reported" and case.current_node is None and case.outcome == "reported"
    assert pending_reminders(service, d.code) == []  # closing cancels what was pending
    stored = stored_answers(service, d.code)
    assert [a.node_id for a in stored][:3] == ["triage.scope", "triage.forms", "triage.kindcheck"]
    q1 = next(a for a in stored if a.node_id == "step4.q1")
    assert q1.values == {"answer": "b", "together": True} and q1.actor_role == "af"  # B3: weighed together
    assert next(a for a in stored if a.node_id == "step5.melding").values["date"] == "2026-03-02"


def test_x4_the_melding_summary_marks_third_party_sources_and_is_shown_only_to_the_asker(d, chat):
    d.play(
        OPEN_TO_STEP2
        + CONSULT_TO_Q1
        + [
            ("mila", "step4.q1", {"answer": "b"}, None),
            ("mila", "step4.q2", {"answer": "a"}, None),
            ("mila", "step4.q3", {"answer": "a"}, None),
            ("sanne", "step5.discuss_client", {"discussed": "skip_safety", "reason": "vader dreigde"}, None),
            ("sanne", "step5.discuss_parent", {"discussed": "skip_safety", "reason": "vader dreigde"}, None),
        ]
    )
    reply = d.do("sanne", "step5.prepare", {"involved": "moeder, vader"})
    summary = next(m for m in reply.messages if "telefoongesprek" in m.text)
    assert summary.tone == "private"
    assert "[van derden] geschreeuw gehoord (bron: buurvrouw" in summary.text
    assert "[feit/waarneming] blauwe plek" in summary.text
    assert "Besproken met de jeugdige: nee; reden: vader dreigde" in summary.text
    assert "Besproken met de ouder(s) of verzorger(s): nee; reden: vader dreigde" in summary.text
    assert all("telefoongesprek" not in m.text for _, m in chat.sent)


def test_q4b_help_path_then_q5b_monitoring_closes_with_check_ins(d, service, clock):
    d.play(
        OPEN_TO_STEP2
        + CONSULT_TO_Q1
        + HELP_TO_PLAN
        + [
            (
                "mila",
                "step4.q4_plan",
                {"help": "gezinscoach", "term": "1-6-2026", "casemanager": {"id": "tom"}, "roles": "Tom coördineert"},
                None,
            ),
        ]
    )
    kinds = [r.kind for r in pending_reminders(service, d.code)]
    assert kinds.count("D2") == 4 and "D7" in kinds  # before and on the term, for staff and AF
    assert "Tom Peters" in d.do("mila", "show").text()  # the casemanager by name in the case view
    clock.now = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)  # Q5 at the term of the help (D2 asks then)
    d.play(
        [
            ("mila", "step4.q5", {"answer": "b"}, None),
            (
                "mila",
                "step4.q5_monitoring",
                {"agreements": "maandelijks bellen", "checkins": "1-7-2026, 1-9-2026"},
                "Hulp afgesloten, monitoring loopt",
            ),
        ]
    )
    pending = pending_reminders(service, d.code)
    assert [r.kind for r in pending] == ["D3"] * 6  # each check-in: the staff member, the AF and Tom (casemanager)
    assert sorted({r.due_at.date() for r in pending}) == [dt.date(2026, 7, 1), dt.date(2026, 9, 1)]
    assert stored_case(service, d.code).status == "monitoring"


def test_s5_1_a_closed_case_can_be_reopened_with_new_signals(d, service):
    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1 + [("mila", "step4.q1", {"answer": "a"}, "Gesloten zonder actie")])
    d.play(
        [
            ("sanne", "step1.signal", {"kind": "fact", "text": "x"}, "is gesloten"),
            ("sanne", "reopen", None, "is heropend (ronde 2)"),
            ("sanne", "step1.signal", {"kind": "fact", "text": "nieuwe blauwe plek"}, "Vastgelegd: 3 signalen."),
        ]
    )
    assert any("heropend" in m for m in d.dms("mila"))
    assert stored_case(service, d.code).round == 2
    # Answers from round 1 are kept; the new round adds rows.
    assert [a.round for a in stored_answers(service, d.code)][-1] == 2


def test_s2_3_a_specific_form_needs_vt_advice_before_the_conversation(d):
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, None),
            ("sanne", "triage.forms", {"forms": ["huwelijksdwang"], "age": "17"}, None),
            ("sanne", "triage.kindcheck", {"siblings": "nee"}, None),
            ("sanne", "step1.signal", {"kind": "fact", "text": "reis naar buitenland gepland"}, None),
            ("sanne", "step2.request", {"urgency": "week"}, None),
            ("mila", "take_up", None, None),
            ("mila", "step2.consultation", {"date": "2-3-2026", "outcome": "spoed", "advice": "none"}, None),
        ]
    )
    assert d.node() == "step2.vt_advice"
    d.play(
        [
            ("sanne", "step3.conversation", {"held": "held"}, "al beantwoord"),  # cannot skip ahead
            ("sanne", "step2.vt_advice", {"date": "2-3-2026", "advice": "geen gesprek met ouders"}, None),
            ("sanne", "step1.sisa", {"given": "nee"}, None),  # S1.5: asked before step 3 when not on record
        ]
    )
    assert d.node() == "step3.conversation"


def test_b2_the_consultation_waits_for_the_af_to_take_it_up(d):
    d.play(
        [
            *OPEN_TO_STEP2,
            (
                "sanne",
                "step2.consultation",
                {"date": "2-3-2026", "outcome": "x", "advice": "none"},
                "nog niet opgepakt",
            ),
            ("tom", "take_up", None, "Geen toegang"),
            ("sanne", "take_up", None, "Alleen de aandachtsfunctionaris"),
        ]
    )
    assert d.service.question("sanne", d.code).question is None


def test_b3_a_staff_member_cannot_decide_step4_alone(d, service):
    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1)
    before = len(stored_answers(service, d.code))
    d.play([("sanne", "step4.q1", {"answer": "a"}, "Deze afweging maakt de aandachtsfunctionaris (Mila Jansen)")])
    assert len(stored_answers(service, d.code)) == before
    assert stored_case(service, d.code).current_node == "step4.q1"


def test_b1_the_af_cannot_take_over_step1(d):
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, None),
            ("sanne", "triage.forms", {"forms": ["psychisch"], "age": "9"}, None),
            ("sanne", "triage.kindcheck", {"siblings": "nee"}, None),
            ("mila", "step1.signal", {"kind": "fact", "text": "x"}, "neemt deze stap niet over"),
        ]
    )


def test_b4_the_deputy_acts_while_the_af_is_absent(store, chat, clock):
    raw = yaml.safe_load(demo_config_path().read_text())
    raw["absences"] = [{"person": "mila", "from": dt.date(2026, 3, 1), "to": dt.date(2026, 3, 13)}]
    svc = ConversationService(store=store, flows=load_all(), org=parse_config(raw), chat=chat, clock=clock)
    svc.bootstrap()
    d = Dialog(svc, chat)
    d.play([*OPEN_TO_STEP2[:-1], ("sanne", "step2.request", {"urgency": "week"}, "Daan Bakker gevraagd")])
    assert d.dms("mila") == [] and any("Consultatieverzoek" in m for m in d.dms("daan"))
    d.play([("mila", "take_up", None, "Geen toegang"), ("daan", "take_up", None, "opgepakt")])
    clock.advance(days=14)  # the AF is back: the deputy no longer acts for her
    d.play([("daan", "show", None, "Geen toegang"), ("mila", "show", None, d.code)])


def test_t1_violence_by_a_professional_closes_outside_the_steps_and_tells_the_af(d, service):
    d.play(
        [
            ("sanne", "open", None, None),
            (
                "sanne",
                "triage.scope",
                {"scope": "professional"},
                {"description": "Vul dit in.", "directie_informed": "Vul dit in."},
            ),
            (
                "sanne",
                "triage.scope",
                {"scope": "professional", "description": "leerkracht duwde leerling", "directie_informed": "ja"},
                "Buiten het stappenplan",
            ),
        ]
    )
    assert any("beroepskracht richting een leerling" in m for m in d.dms("mila"))
    assert stored_case(service, d.code).status == "closed"


def test_t5_acute_danger_can_be_raised_at_any_moment(d):
    reply = d.do("sanne", "acute")
    assert "112" in reply.text() and "0800-2000" in reply.text() and "Mila Jansen" in reply.text()
    assert reply.messages[0].tone == "urgent"
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, None),
            ("sanne", "acute", None, "112"),
        ]
    )
    assert any(d.code in m for m in d.dms("mila") if "Acuut" in m)


def test_s5_3_the_discussion_prompt_follows_the_clients_age(d):
    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1 + [("mila", "step4.q1", {"answer": "b"}, None)])
    d.play([("mila", "step4.q2", {"answer": "a"}, None)])
    reply = d.do("mila", "step4.q3", {"answer": "a"})
    sanne_view = d.service.question("sanne", d.code).question
    assert sanne_view.node_id == "step5.discuss_client"  # 14 years old: the young person first, then the parents
    assert sanne_view.title == "De melding bespreken met de jeugdige"
    assert reply.question is not None  # the AF may take part in step 5 too


def test_a_case_keeps_the_flow_version_it_started_with(store, chat, clock, tmp_path):
    import copy

    from flows.loader import definitions_dir, parse_flow

    v1 = load_all()[1]
    raw = yaml.safe_load((definitions_dir() / "meldcode" / "1.yaml").read_text())
    v2raw = copy.deepcopy(raw)
    v2raw["version"] = 3  # a version of its own (2 is the real next one), without English texts
    v2raw["nodes"]["triage.kindcheck"]["title"] = "Kindcheck (versie 2)"
    flows = {1: v1, 3: parse_flow(v2raw)}
    org = parse_config(yaml.safe_load(demo_config_path().read_text()))
    old = ConversationService(store=store, flows={1: v1}, org=org, chat=chat, clock=clock)
    old.bootstrap()
    d1 = Dialog(old, chat)
    d1.play([("sanne", "open", None, None), ("sanne", "triage.scope", {"scope": "domestic"}, None)])
    new = ConversationService(store=store, flows=flows, org=org, chat=chat, clock=clock)
    d1.service = new
    reply = d1.do("sanne", "triage.forms", {"forms": ["psychisch"], "age": "10"})
    assert reply.question.title == "Kindcheck"
    d2 = Dialog(new, chat)
    d2.play([("sanne", "open", None, None), ("sanne", "triage.scope", {"scope": "domestic"}, None)])
    assert (
        d2.do("sanne", "triage.forms", {"forms": ["psychisch"], "age": "10"}).question.title == "Kindcheck (versie 2)"
    )
    assert stored_case(new, d1.code).flow_version == 1 and stored_case(new, d2.code).flow_version == 3


def test_k1_the_kindcheck_is_asked_before_step1_and_reaches_the_melding_summary(d):
    rows = list(OPEN_TO_STEP2)
    rows[3] = ("sanne", "triage.kindcheck", {"siblings": "ja", "siblings_note": "zusje van 4"}, None)
    d.play(rows[:4])
    assert d.node() == "step1.signal"
    d.play(
        rows[4:]
        + CONSULT_TO_Q1
        + [
            ("mila", "step4.q1", {"answer": "b"}, None),
            ("mila", "step4.q2", {"answer": "b"}, None),  # Q2b: the melding at once
            ("sanne", "step5.prepare", {"involved": "moeder"}, "Andere kinderen in het gezin: ja (zusje van 4)"),
        ]
    )


def test_b4_the_af_can_hand_a_case_to_the_deputy_who_then_decides(d):
    d.play(OPEN_TO_STEP2)
    request = d.chat.to("mila")[-1]
    assert [b.action.value for b in request.buttons] == ["take_up", "propose_moment", "hand_to_deputy", "open_case"]
    d.play(
        [
            ("daan", "show", None, "Geen toegang"),
            ("sanne", "take_up", None, "Alleen de aandachtsfunctionaris"),
            ("mila", "take_up", None, "opgepakt"),
        ]
    )
    reply = d.service.hand_to_deputy("mila", d.code)
    assert "doorgegeven aan Daan Bakker" in reply.text()
    assert any("Jij bent voor deze zaak nu de aandachtsfunctionaris" in m for m in d.dms("daan"))
    assert any("doorgegeven aan Daan Bakker" in m for m in d.dms("sanne"))
    d.play([CONSULT_TO_Q1[0], *CONSULT_TO_Q1[2:], ("daan", "step4.q1", {"answer": "a"}, "Gesloten zonder actie")])
    assert "Geen toegang" in d.service.hand_to_deputy("tom", d.code).text()


def test_the_af_proposes_a_moment_for_the_consultation(d, clock):
    d.play(OPEN_TO_STEP2)
    past = d.service.propose_moment("mila", d.code, clock.now - dt.timedelta(hours=1))
    assert not past.ok and "toekomst" in past.errors["moment"]
    ok = d.service.propose_moment("mila", d.code, dt.datetime(2026, 3, 3, 13, tzinfo=dt.UTC))
    assert "di 3 mrt 2026 14:00" in ok.text()  # 13:00 UTC is 14:00 in Amsterdam
    assert any("stelt voor" in m and "di 3 mrt 2026 14:00" in m for m in d.dms("sanne"))
    assert "Alleen de aandachtsfunctionaris" in d.service.propose_moment("sanne", d.code, clock.now).text()


def test_t5_the_afs_acute_dm_names_who_raised_it_and_offers_to_open_and_take_up_the_case(d, chat):
    d.play(OPEN_TO_STEP2)
    d.play([("sanne", "acute", None, "112")])
    alert = next(m for m in chat.to("mila") if "Acuut gevaar" in m.text)
    assert alert.mention == ("sanne", "Sanne de Vries") and "Sanne de Vries" in alert.text
    assert "112" in alert.text and "0800-2000" in alert.text
    assert [(b.action.value, b.case_code) for b in alert.buttons] == [("take_up", d.code), ("open_case", d.code)]
