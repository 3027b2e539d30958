"""Flow version 2 played through the conversation service: the rules of issue "correctness" that needed the
definition to change (S5.3/S5.4 per person, Q2b with Veilig Thuis, X1, T1/T2 until the directie knows, S1.2,
B3/S4.0/S3.1) and the new help plan (Q4b) that every version has. Each test names its rule."""

from __future__ import annotations

import datetime as dt

from storage import organisations as org_repo
from tests.bot.dialog import Dialog, stored_answers, stored_case
from tests.bot.scripts import CONSULT_TO_Q1, DISCUSSED, HELP_TO_PLAN, MELDING_AFTER_DECISION, OPEN_TO_STEP2, Q3A

TO_Q1 = OPEN_TO_STEP2 + CONSULT_TO_Q1


def test_new_cases_follow_version_2(d, service):
    d.play(OPEN_TO_STEP2[:2])
    assert stored_case(service, d.code).flow_version == 2


def test_s5_3_a_14_year_old_both_are_discussed_the_parent_objects_and_the_weighing_is_recorded(d, service):
    """S5.3/S5.4 end to end: from 12 to 15 the young person *and* the parents, each on their own; the parents'
    objections are weighed (nature and severity, the need to protect, whether protection prevails)."""
    d.play(TO_Q1 + Q3A)
    assert d.node() == "step5.discuss_client"
    d.play(MELDING_AFTER_DECISION[:1])
    assert d.node() == "step5.discuss_parent"  # the young person alone is not enough at 14 (was: on to the melding)
    d.play(MELDING_AFTER_DECISION[1:2])
    assert d.node() == "step5.weighing"
    summary = d.do("sanne", "step5.weighing", MELDING_AFTER_DECISION[2][2])
    assert d.node() == "step5.prepare"
    text = d.do("sanne", "step5.prepare", MELDING_AFTER_DECISION[3][2]).text()
    assert "Besproken met de jeugdige: ja, ma 2 mrt 2026; uitleg: waarom we melden, en met welk doel" in text
    assert "reactie: stil, wel opgelucht; bezwaren: geen" in text
    assert "Besproken met de ouder(s) of verzorger(s): ja" in text
    assert "bezwaren: wil geen bemoeienis; tegemoetkomen: kan niet: de veiligheid gaat voor" in text
    assert "Afweging: aard en ernst: herhaald slaan; noodzaak van bescherming: de jeugdige is thuis niet veilig" in text
    assert "de bescherming weegt zwaarder: ja" in text
    assert summary.ok
    d.play(MELDING_AFTER_DECISION[4:])
    dossier = service.export("mila", d.code).text()
    for expected in (
        "### De melding bespreken met de jeugdige",
        "### De melding bespreken met de ouder(s) of verzorger(s)",
        "- Welke bezwaren?: wil geen bemoeienis",
        "### De bezwaren afwegen tegen de bescherming",
        "- Weegt de bescherming zwaarder dan de bezwaren?: Ja: de bescherming weegt zwaarder, we melden",
    ):
        assert expected in dossier, expected


def test_s5_4_a_person_not_discussed_needs_their_own_reason(d):
    d.play(TO_Q1 + Q3A)
    d.play(
        [
            ("sanne", "step5.discuss_client", {"discussed": "skip_contact"}, {"reason": "Vul dit in"}),
            ("sanne", "step5.discuss_client", {"discussed": "skip_contact", "reason": "dreigt weg te lopen"}, None),
        ]
    )
    assert d.node() == "step5.discuss_parent"


def test_s5_3_when_protection_does_not_prevail_help_is_weighed_again(d, service):
    d.play(TO_Q1 + Q3A + MELDING_AFTER_DECISION[:2])
    d.play([("sanne", "step5.weighing", {"severity": "eenmalig", "protection": "beperkt", "prevails": "no"}, None)])
    assert stored_case(service, d.code).current_node == "step4.q3"


def test_q2b_the_melding_is_made_at_once_and_q3_to_q5_are_recorded_with_veilig_thuis(d, service):
    """Q2b: "direct (telefonisch) melding … de afwegingen hierna worden met Veilig Thuis doorlopen"; the
    discussion with the family may follow the call."""
    d.play([*TO_Q1, ("mila", "step4.q1", {"answer": "b"}, None), ("mila", "step4.q2", {"answer": "b"}, None)])
    assert d.node() == "step5.prepare"  # at once: no discussion first
    d.play(
        [
            ("sanne", "step5.prepare", {"involved": "moeder, jeugdige"}, "Besproken met de jeugdige: nog niet"),
            ("sanne", "step5.melding", {"date": "2-3-2026", "identity": "open", "agreements": "wij volgen"}, None),
        ]
    )
    assert d.node() == "step4.with_vt"
    with_vt = {
        "date": "2-3-2026",
        "with_whom": "mw. De Boer, Veilig Thuis",
        "help": "VT zet een onderzoek in; geen hulp van school nu",
        "acceptance": "VT bespreekt de hulp met de ouders",
        "result": "VT koppelt na het onderzoek terug",
    }
    d.play([("sanne", "step4.with_vt", with_vt, "Vastgelegd")])
    d.play([("sanne", "step5.discuss_client", {**DISCUSSED, "reaction": "opgelucht", "objections": "nee"}, None)])
    d.play([("sanne", "step5.discuss_parent", {"discussed": "skip_safety", "reason": "vader dreigt"}, None)])
    assert d.node() == "step5.vt_feedback"  # no weighing: the melding is made
    dossier = service.export("mila", d.code).text()
    assert "### De afwegingen met Veilig Thuis" in dossier
    assert "- Hulp (vraag 3): wat besloot of adviseerde Veilig Thuis?: VT zet een onderzoek in" in dossier
    assert "Met Veilig Thuis afgewogen (ma 2 mrt 2026, mw. De Boer, Veilig Thuis)" in dossier


def test_x1_the_childs_own_disclosure_starts_q2_at_yes_and_no_needs_a_reason(d, service):
    d.play(TO_Q1[:4])
    d.play(
        [
            (
                "sanne",
                "step1.signal",
                {"kind": "disclosure", "text": "vertelt: papa slaat me"},  # a fact the child told
                "Vastgelegd",
            ),
        ]
    )
    assert "het kind vertelt het zelf" in service.show_case("sanne", d.code).text()
    from storage import signals as signal_repo

    case_id = stored_case(service, d.code).id
    with service.store.transaction() as s:
        (signal,) = signal_repo.signals(s, case_id=case_id)
        assert (signal.kind, signal.disclosure) == ("fact", True)  # S1.2 keeps its four kinds; X1 is a flag
    d.play([*TO_Q1[5:], ("mila", "step4.q1", {"answer": "b"}, None)])
    q2 = service.question("mila", d.code).question
    assert q2.node_id == "step4.q2"
    assert next(f for f in q2.fields if f.id == "answer").initial == "b"
    refused = d.do("mila", "step4.q2", {"answer": "a"})
    assert "Het kind vertelde het zelf" in refused.errors["note"]
    assert "step4.q2" not in [a.node_id for a in stored_answers(service, d.code)]
    d.play([("mila", "step4.q2", {"answer": "a", "note": "later ingetrokken, niet acuut"}, "Vastgelegd")])


def test_t1_an_out_of_scope_case_stays_open_until_the_directie_is_informed(d, service, chat):
    d.play(
        [
            ("sanne", "open", None, None),
            (
                "sanne",
                "triage.scope",
                {"scope": "professional", "description": "gym-docent", "directie_informed": "nee"},
                "blijft open. Ik vraag het je later opnieuw",
            ),
        ]
    )
    case = stored_case(service, d.code)
    assert case.status == "open" and case.current_node == "triage.directie"  # was: closed
    assert service.question("sanne", d.code).question.node_id == "triage.directie"
    assert any("beroepskracht" in text for text in d.dms("mila"))  # the AF heard of it at once
    later = d.do("sanne", "triage.directie", {"informed": "nee"})
    assert "Ik vraag het je later opnieuw" in later.text() and later.question is None  # not asked again at once
    assert stored_case(service, d.code).current_node == "triage.directie"
    d.play([("sanne", "triage.directie", {"informed": "ja", "date": "2-3-2026", "who": "de directeur"}, "Buiten")])
    assert stored_case(service, d.code).status == "closed"


def test_s1_2_a_diagnosis_records_name_and_profession_apart(d, service):
    d.play(TO_Q1[:4])
    d.play(
        [
            ("sanne", "step1.signal", {"kind": "diagnosis", "text": "ADHD", "diagnosed_by": "de juf"}, None),
        ]
    )
    form = service.question("sanne", d.code).question
    assert "informatie van derden" in next(f for f in form.fields if f.id == "diagnosed_by").hint
    refused = d.do("sanne", "step1.signal", {"kind": "diagnosis", "text": "ADHD", "diagnosed_by": "de juf"})
    assert "diagnosed_profession" in refused.errors
    d.play(
        [
            (
                "sanne",
                "step1.signal",
                {"kind": "diagnosis", "text": "ADHD", "diagnosed_by": "dr. Smit", "diagnosed_profession": "kinderarts"},
                "Vastgelegd",
            )
        ]
    )
    assert "diagnose door: dr. Smit (kinderarts)" in service.export("sanne", d.code).text()


def test_b3_s4_0_each_question_records_who_weighed_it_and_veilig_thuis_is_offered(d, service):
    d.play(TO_Q1)
    q1 = service.question("mila", d.code).question
    assert "Veilig Thuis (0800-2000)" in q1.prompt
    assert next(f for f in q1.fields if f.id == "together").initial == "ja"
    contact = service.entry_form("mila", d.code, "contact").question
    assert next(f for f in contact.fields if f.id == "with_whom").initial == "Veilig Thuis"
    d.play(
        [
            ("mila", "step4.q1", {"answer": "b", "together": "nee"}, {"together_why": "Vul dit in"}),
            ("mila", "step4.q1", {"answer": "b", "together": "nee", "together_why": "Sanne ziek"}, "Vastgelegd"),
        ]
    )
    q1_answer = next(a for a in stored_answers(service, d.code) if a.node_id == "step4.q1")
    assert q1_answer.values["together"] is False and q1_answer.values["together_why"] == "Sanne ziek"


PLAN = {"help": "gezinscoach", "term": "13-4-2026", "casemanager": {"name": "wijkteam"}, "roles": "coach"}


def test_q4b_a_term_is_extended_by_a_new_help_plan_that_reschedules_d2(d, service, clock):
    from tests.jobs.test_reminders import rows

    d.play(TO_Q1 + HELP_TO_PLAN + [("mila", "step4.q4_plan", PLAN, None)])
    assert not service.entry_form("sanne", d.code, "help_plan").ok  # the AF's decision (B3)
    form = service.entry_form("mila", d.code, "help_plan").question
    assert {f.id: f.initial for f in form.fields}["help"] == "gezinscoach"  # starts as the current plan
    d.play([("mila", "help_plan", {**PLAN, "term": "1-6-2026", "change": "de coach begint later"}, "Vastgelegd")])
    plans = [a for a in stored_answers(service, d.code) if a.node_id == "step4.q4_plan"]
    assert [p.values["term"] for p in plans] == ["2026-04-13", "2026-06-01"]  # the old one stays as it was
    d2 = [r for r in rows(service, d.code) if r.kind == "D2"]
    assert {r.status for r in d2 if r.due_at.date() <= dt.date(2026, 4, 13)} == {"cancelled"}
    assert max(r.due_at for r in d2 if r.status == "pending").date() == dt.date(2026, 6, 1)
    assert "Nieuw hulpplan vastgelegd (termijn tot ma 1 jun 2026)" in service.export("mila", d.code).text()
    clock.now = dt.datetime(2026, 4, 13, 8, 0, tzinfo=dt.UTC)  # the old term: Q5 waits for the new one
    assert "loopt tot 1-6-2026" in d.do("mila", "step4.q5", {"answer": "b"}).errors["answer"]


def test_q4b_a_new_help_plan_is_refused_when_no_help_runs(d, service):
    d.play(TO_Q1)
    refused = service.entry_form("mila", d.code, "help_plan")
    assert not refused.ok and "terwijl de hulp loopt" in refused.text()


def test_t1_a_case_opened_before_the_upgrade_with_nothing_answered_follows_version_2(store, chat, clock):
    """Items that apply to every case: an empty version-1 case answers under version 2 (T1 kept open), while
    a version-1 case with answers keeps version 1 (see test_a_case_keeps_the_flow_version_it_started_with)."""
    import yaml

    from bot.config import demo_config_path, parse_config
    from bot.service import ConversationService
    from flows.loader import load_all

    flows = load_all()
    org = parse_config(yaml.safe_load(demo_config_path().read_text()))
    before = ConversationService(store=store, flows={1: flows[1]}, org=org, chat=chat, clock=clock)
    before.bootstrap()
    # An empty case as older releases made them (at /nieuw, before any answer): made here by hand.
    from storage import cases as case_repo

    with store.transaction() as s:
        owner = next(p for p in org_repo.list_people(s, org_id=1) if p.external_id == "sanne")
        empty = case_repo.create_case(
            s,
            org_id=1,
            owner_id=owner.id,
            flow_id="meldcode",
            flow_version=1,
            start_node="triage.scope",
            now=clock.now,
            year=2026,
        )
        code = empty.code
    d = Dialog(before, chat, code=code)
    assert stored_case(before, d.code).flow_version == 1
    d.service = ConversationService(store=store, flows=flows, org=org, chat=chat, clock=clock)
    scope = {"scope": "professional", "description": "gym-docent", "directie_informed": "nee"}
    d.play([("sanne", "triage.scope", scope, "blijft open")])
    case = stored_case(d.service, d.code)
    assert (case.flow_version, case.status, case.current_node) == (2, "open", "triage.directie")
    assert "Volgt nu versie 2 van de meldcode" in d.service.export("sanne", d.code).text()
