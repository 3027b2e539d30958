"""What is written into a case and who may see it, played through the conversation service: bad input refused
on its field, signals, contacts, corrections and follow-ups as new entries, access for the people on the case."""

from __future__ import annotations

import datetime as dt

from tests.bot.dialog import new_case, pending_reminders, stored_answers, stored_case
from tests.bot.scripts import CONSULT_TO_Q1, OPEN_TO_STEP2


def test_bad_input_gets_a_dutch_message_and_changes_nothing(d, service):
    d.play(OPEN_TO_STEP2[:4])
    before = len(stored_answers(service, d.code))
    reply = d.do("sanne", "step1.signal", {"kind": "third_party", "text": "", "observed_on": "31-2-2026"})
    assert not reply.ok and reply.errors == {
        "text": "Vul dit in.",
        "source": "Vul dit in.",
        "observed_on": "Februari heeft geen 31e dag. Kies een datum die bestaat, bijvoorbeeld 28-2.",
    }
    reply = d.do("sanne", "step1.signal", {"kind": "gerucht", "text": "x"})
    assert reply.errors["kind"] == "Kies een van de mogelijkheden."
    reply = d.do("sanne", "step1.signal", {"kind": "fact", "text": "x", "observed_on": "1-1-2030"})
    assert "toekomst" in reply.errors["observed_on"]
    assert len(stored_answers(service, d.code)) == before
    assert d.node() == "step1.signal"


def test_typed_text_with_control_characters_or_not_text_is_refused_on_its_field_everywhere(d, service):
    """Hardening finding 3: ANSI sequences, BEL and NUL were stored raw, an object as its Python repr."""
    d.play(OPEN_TO_STEP2[:4])
    before = len(stored_answers(service, d.code))
    reply = d.do("sanne", "step1.signal", {"kind": "fact", "text": "rood \x1b[31mGEVAAR\x1b[0m\x07"})
    assert "onzichtbare stuurtekens" in reply.errors["text"]
    reply = d.do("sanne", "step1.signal", {"kind": "third_party", "text": "x", "source": {"naam": "buurvrouw"}})
    assert reply.errors == {"source": "Vul hier tekst in."}
    assert len(stored_answers(service, d.code)) == before
    d.do("sanne", "step1.signal", {"kind": "hypothesis", "text": "misschien"})
    corrected = service.correct("sanne", d.code, 1, "nul\x00teken")
    assert "stuurtekens" in corrected.errors["note"]
    form = service.follow_up_form("sanne", d.code).question
    followed = service.follow_up(
        "sanne", d.code, {"signal": form.fields[0].choices[0][0], "verdict": "refuted", "note": ["geen", "tekst"]}
    )
    assert followed.errors == {"note": "Vul hier tekst in."}


def test_answers_to_an_old_question_or_a_closed_case_are_refused(d):
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "pupils", "description": "ruzie", "directie_informed": "ja"}, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, "is gesloten"),
        ]
    )
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, "al beantwoord"),
        ]
    )


def test_access_is_only_for_the_people_on_the_case(d):
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, None),
            ("tom", "show", None, "Geen toegang"),
            ("els", "show", None, "Geen toegang"),
            ("daan", "show", None, "Geen toegang"),
            ("niemand", "show", None, "Ik ken je nog niet"),
            ("els", "open", None, "Alleen beroepskrachten"),
        ]
    )
    assert "toegevoegd" in d.service.add_colleague("sanne", d.code, "tom").text()
    d.play([("tom", "show", None, d.code)])


def test_s1_3_a_hypothesis_is_followed_up_without_overwriting_it(d, service):
    d.play(
        [
            *OPEN_TO_STEP2[:4],
            ("sanne", "step1.signal", {"kind": "hypothesis", "text": "mogelijk verwaarlozing"}, "waarvan 1 hypothese"),
        ]
    )
    assert [r.kind for r in pending_reminders(service, d.code)].count("D4") == 1
    form = service.follow_up_form("sanne", d.code).question
    signal_id = form.fields[0].choices[0][0]
    bad = service.follow_up("sanne", d.code, {"signal": signal_id, "verdict": "misschien", "note": ""})
    assert set(bad.errors) == {"verdict", "note"}
    ok = service.follow_up(
        "sanne", d.code, {"signal": signal_id, "verdict": "confirmed", "note": "lunch ontbreekt elke dag"}
    )
    assert "bevestigd" in ok.text()
    view = d.do("sanne", "show").text()
    assert "[hypothese] mogelijk verwaarlozing" in view and "-> bevestigd" in view
    assert "D4" not in [r.kind for r in pending_reminders(service, d.code)]
    assert "geen open hypothese" in service.follow_up_form("sanne", d.code).text()


def test_case_codes_count_per_year(d, clock):
    d.do("sanne", "open")  # only the first question: no code is used up by a form closed unanswered
    first, second = new_case(d.service, "sanne"), new_case(d.service, "tom")
    assert (first, second) == ("MC-2026-0001", "MC-2026-0002")
    clock.now = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
    assert new_case(d.service, "sanne") == "MC-2027-0001"


def test_my_cases_for_staff_and_for_the_af(d):
    d.play(OPEN_TO_STEP2)
    mine = d.service.my_cases("sanne").text()
    assert d.code in mine and "Stap 2" in mine
    af = d.service.my_cases("mila").text()
    assert "Consultatieverzoeken die wachten" in af and "vandaag nog" in af
    assert "Je hebt nog geen zaken" in d.service.my_cases("tom").text()


def test_s1_1_signals_can_be_added_at_any_moment_while_a_case_is_open(d, service):
    d.play(
        [
            *OPEN_TO_STEP2,
            ("sanne", "signal", {"kind": "diagnosis", "text": "angststoornis"}, {"diagnosed_by": "Vul dit in."}),
            (
                "sanne",
                "signal",
                {
                    "kind": "diagnosis",
                    "text": "angststoornis",
                    "diagnosed_by": "A. de Wit",
                    "diagnosed_profession": "GZ-psycholoog",
                },
                "Vastgelegd: 3 signalen.",
            ),
            ("mila", "signal", {"kind": "fact", "text": "x"}, "neemt deze stap niet over"),  # B1
        ]
    )
    assert stored_case(service, d.code).current_node == "step2.consultation"  # the case did not move


def test_s1_4_contacts_and_x7_vt_advice_are_logged_at_any_step_by_staff_or_af(d, service):
    d.play(
        OPEN_TO_STEP2
        + CONSULT_TO_Q1
        + [
            (
                "mila",
                "contact",
                {"date": "2-3-2026", "with_whom": "Veilig Thuis", "summary": "advies: melden"},
                "Vastgelegd: Leg een contact, overleg of advies vast.",
            ),
            ("tom", "contact", {"date": "2-3-2026", "with_whom": "x", "summary": "y"}, "Geen toegang"),
            (
                "sanne",
                "contact",
                {"date": "morgen", "with_whom": "x", "summary": "y"},
                {"date": "Dat is geen datum die ik ken. Schrijf bijvoorbeeld 5-3-2026 of 5 maart 2026."},
            ),
        ]
    )
    view = d.do("sanne", "show").text()
    assert "Veilig Thuis" in view and "Contact vastgelegd" in view
    assert stored_case(service, d.code).current_node == "step4.q1"


def test_corrections_are_new_entries_beside_the_original_answer(d, service):
    d.play(OPEN_TO_STEP2[:4])
    first = stored_answers(service, d.code)[1]  # triage.forms: age 14
    assert "al beantwoord" in d.do("sanne", "triage.forms", {"forms": ["psychisch"], "age": "15"}).text()
    bad = service.correct("sanne", d.code, first.id, " ")
    assert bad.errors == {"note": "Vul dit in."}
    assert "correctie" in service.correct("sanne", d.code, first.id, "De jeugdige is 15, niet 14.").text()
    assert service.correct("tom", d.code, first.id, "x").text().startswith("Geen toegang")
    assert stored_answers(service, d.code)[1].values == {"forms": ["lichamelijk"], "age": 14}  # unchanged
    view = d.do("sanne", "show").text()
    assert "Hoe oud is de jeugdige (in jaren)?: 14" in view
    assert "Correctie door Sanne de Vries" in view and "De jeugdige is 15, niet 14." in view


def test_retried_events_are_handled_once(service):
    assert service.claim_event("Ev123") is True
    assert service.claim_event("Ev123") is False
    assert service.claim_event("Ev124") is True


def test_the_af_sees_overdue_deadlines(d, clock):
    d.play(OPEN_TO_STEP2)
    clock.advance(days=3)  # the D5 escalation (1 working day) has passed
    text = d.service.my_cases("mila").text()
    assert "Verlopen termijnen:" in text and "consultatie nog niet opgepakt" in text


def test_removing_a_colleague_ends_their_access_at_once(d):
    d.play([("sanne", "open", None, None), ("sanne", "triage.scope", {"scope": "domestic"}, None)])
    d.service.add_colleague("sanne", d.code, "tom")
    d.play([("tom", "show", None, d.code)])
    assert "direct beëindigd" in d.service.remove_colleague("sanne", d.code, "tom").text()
    d.play([("tom", "show", None, "Geen toegang"), ("tom", "triage.scope", {"scope": "domestic"}, "Geen toegang")])
    assert "Ik ken geen collega" in d.service.remove_colleague("sanne", d.code, "sanne").text()  # not the owner
    assert "Geen toegang" in d.service.remove_colleague("tom", d.code, "sanne").text()


def test_changing_the_af_takes_effect_at_once(d, service):
    from bot.config import load_config
    from storage import organisations as org_repo

    d.play(OPEN_TO_STEP2)
    d.play([("mila", "show", None, d.code), ("daan", "show", None, "Geen toegang")])
    people = [p.as_row() for p in load_config(None).people]
    for row in people:  # an admin makes Daan the AF and Mila a deputy
        row["is_af"], row["is_deputy"] = row["external_id"] == "daan", row["external_id"] == "mila"
    with service.store.transaction() as s:
        org_repo.sync_people(s, org_id=1, people=people, absences=[])
    d.play(
        [("mila", "show", None, "Geen toegang"), ("daan", "show", None, d.code), ("daan", "take_up", None, "opgepakt")]
    )
