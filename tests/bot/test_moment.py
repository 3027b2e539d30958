"""Issue "moment", through the conversation service: no empty cases, no navigation stored as an answer, and the
next actions as buttons once the AF is asked."""

from __future__ import annotations

from tests.bot.dialog import stored_answers
from tests.bot.scripts import OPEN_TO_STEP2


def test_no_empty_case_a_form_closed_or_answered_wrongly_leaves_nothing(service):
    opened = service.open_case("sanne")
    assert opened.question.case_code == "" and opened.question.draft
    assert "Je hebt nog geen zaken" in service.my_cases("sanne").text()  # closed unanswered: nothing stored
    bad = service.answer("sanne", "", "triage.scope", {"scope": "professional"}, opened.question.draft)
    assert not bad.ok and "Je hebt nog geen zaken" in service.my_cases("sanne").text()  # rejected: still nothing
    good = service.answer("sanne", "", "triage.scope", {"scope": "domestic"}, opened.question.draft)
    assert good.ok and "is geopend" in good.text()
    assert good.question.node_id == "triage.forms" and good.question.case_code.startswith("MC-")


def test_a_first_answer_sent_twice_from_the_same_form_makes_one_case(service):
    draft = service.open_case("sanne").question.draft
    first = service.answer("sanne", "", "triage.scope", {"scope": "domestic"}, draft)
    again = service.answer("sanne", "", "triage.scope", {"scope": "domestic"}, draft)  # its ack was lost
    code = first.question.case_code
    assert not again.ok and "al beantwoord" in again.text() and again.question.case_code == code
    assert service.my_cases("sanne").text().count("MC-2026-") == 1
    other = service.open_case("sanne").question.draft
    assert other != draft and service.answer("sanne", "", "triage.scope", {"scope": "domestic"}, other).ok


def test_navigation_is_never_an_answer_and_the_next_actions_are_buttons(d, service):
    d.play(OPEN_TO_STEP2)
    assert [a.node_id for a in stored_answers(service, d.code)] == [
        "triage.scope",
        "triage.forms",
        "triage.kindcheck",
        "step1.signal",
        "step1.signal",  # the second signal, recorded as an action
        "step2.request",
    ]
    waiting = d.transcript[-1][2]
    assert "Mila Jansen gevraagd" in waiting
    reply = service.answer("sanne", d.code, "step2.request", {"urgency": "week"})  # stale: shows where it stands
    assert not reply.ok
    request = d.service.question("sanne", d.code)
    assert request.question is None  # the staff member waits for the AF; what she can do is on the buttons
    dossier = service.export("sanne", d.code).text()
    assert "Wat wil je nu doen?" not in dossier and "Volgende" not in dossier


def test_the_reply_to_the_request_offers_another_signal_sisa_a_contact_and_the_overview(d):
    d.play(OPEN_TO_STEP2[:-1])
    reply = d.do("sanne", "step2.request", {"urgency": "week"})
    buttons = [b.action.value for m in reply.messages for b in m.buttons]
    assert buttons == ["add_signal", "add_sisa", "add_contact", "open_case"]
    d.play([("sanne", "sisa", {"given": "nee"}, "Vastgelegd: SISA")])


def _buttons(reply) -> list[str]:
    return [b.action.value for m in reply.messages for b in m.buttons]


def test_app_home_one_new_case_for_staff_and_none_for_who_cannot_open_one(service):
    assert _buttons(service.home("tom")).count("new_case") == 1  # no cases yet: once, not twice
    assert "new_case" not in _buttons(service.home("els"))  # the board opens no cases
    assert "new_case" not in _buttons(service.home("noor"))  # nor does an admin without a staff role
    assert "acute" in _buttons(service.home("els"))  # acute danger is for everyone


def test_app_home_of_the_af_shows_step_5_and_the_consultations_she_took_up(d, service):
    from tests.bot.scripts import CONSULT_TO_Q1

    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1[:3])  # taken up and recorded: the case is at step 3 with Sanne
    home = service.home("mila").text()
    assert d.code in home and "consultaties die je oppakte" in home


# ---- three screens to the AF: questions that share a form (bot.service.screens) ----------------------------

TRIAGE = {
    "scope": "domestic",
    "triage.forms/forms": ["lichamelijk"],
    "triage.forms/age": "14",
    "triage.kindcheck/siblings": "nee",
}
SIGNAL_AND_REQUEST = {
    "kind": "fact",
    "text": "blauwe plek",
    "observed_on": "2-3-2026",
    "step2.request/urgency": "today",
}


def _fields(view) -> list[str]:
    return [f.id for f in view.fields] + [f.id for part in view.then for f in part.fields]


def test_three_screens_triage_then_signal_and_request_the_af_is_asked_after_the_second(service, chat):
    first = service.open_case("sanne").question
    assert [p.node_id for p in first.then] == ["triage.forms", "triage.kindcheck"]
    assert _fields(first) == [
        "scope",
        "description",
        "directie_informed",
        "triage.forms/forms",
        "triage.forms/age",
        "triage.kindcheck/siblings",
        "triage.kindcheck/siblings_note",
    ]
    forms = first.then[0].fields[0]
    assert forms.also == ("scope", ("domestic",))  # shown once the scope leads there (T3), not for T1/T2
    assert not forms.applies({"scope": "professional"}) and forms.applies({"scope": "domestic"})
    second = service.answer("sanne", "", "triage.scope", TRIAGE, first.draft)
    assert second.ok and "is geopend" in second.text(), second.text()
    code = second.question.case_code
    assert second.question.node_id == "step1.signal" and [p.node_id for p in second.question.then] == ["step2.request"]
    now = second.question.then[0].fields[0]
    assert (now.id, now.initial) == ("step2.request/now", "ja")  # "ask the AF now": on by default
    assert chat.to("mila") == []
    third = service.answer("sanne", code, "step1.signal", SIGNAL_AND_REQUEST)
    assert third.ok and "Mila Jansen gevraagd" in third.text()
    assert [b.action.value for b in third.messages[-1].buttons] == [
        "add_signal",
        "add_sisa",
        "add_contact",
        "open_case",
    ]
    assert [m.text.split(":")[0] for m in chat.to("mila")] == ["Consultatieverzoek van Sanne de Vries"]
    assert [a.node_id for a in stored_answers(service, code)] == [
        "triage.scope",
        "triage.forms",
        "triage.kindcheck",
        "step1.signal",
        "step2.request",
    ]  # each question stored as its own answer, checked by the engine as when asked apart


def test_three_screens_a_wrong_answer_in_a_later_question_stores_nothing_and_is_shown_on_its_field(service):
    first = service.open_case("sanne").question
    bad = service.answer("sanne", "", "triage.scope", {**TRIAGE, "triage.forms/age": "veertien"}, first.draft)
    assert not bad.ok and list(bad.errors) == ["triage.forms/age"] and "heel getal" in bad.errors["triage.forms/age"]
    assert "Je hebt nog geen zaken" in service.my_cases("sanne").text()  # the scope was not kept either


def test_three_screens_out_of_scope_ignores_the_rest_of_the_form(service):
    first = service.open_case("sanne").question
    reply = service.answer(
        "sanne",
        "",
        "triage.scope",
        {**TRIAGE, "scope": "pupils", "description": "ruzie", "directie_informed": "ja"},
        first.draft,
    )
    assert reply.ok and reply.question is None
    assert [a.node_id for a in stored_answers(service, reply.messages[0].case_code)] == ["triage.scope"]


def test_three_screens_the_request_can_wait_while_step_1_goes_on(service, chat):
    first = service.open_case("sanne").question
    code = service.answer("sanne", "", "triage.scope", TRIAGE, first.draft).question.case_code
    later = service.answer("sanne", code, "step1.signal", {**SIGNAL_AND_REQUEST, "step2.request/now": "nee"})
    assert later.ok and later.question.node_id == "step2.request" and chat.to("mila") == []
    assert [a.node_id for a in stored_answers(service, code)][-1] == "step1.signal"


def test_app_home_of_the_af_shows_the_terms_of_this_week(d, service):
    d.play(OPEN_TO_STEP2)
    home = service.home("mila").text()
    assert "Termijnen deze week:" in home
    week = home.split("Termijnen deze week:")[1]
    assert f"{d.code} · consultatie nog niet opgepakt ·" in week  # D5, due within hours for "vandaag nog"
    assert "zaak staat stil" not in week  # the bot's own watch on a standing case is no term of hers
    assert "Termijnen deze week" not in service.home("sanne").text()


def test_app_home_of_staff_lists_each_case_with_its_next_action_and_term(d, service):
    d.play(OPEN_TO_STEP2)
    line = next(m for m in service.home("sanne").messages if m.case_code == d.code)
    assert line.text.startswith(f"Zaak {d.code} · Stap 2: collegiale consultatie")
    assert "wacht tot Mila Jansen het consultatieverzoek oppakt" in line.text and "volgende termijn:" in line.text
    mila = next(m for m in service.home("mila").messages if m.case_code == d.code and m.buttons)
    assert [b.action.value for b in mila.buttons][:1] == ["take_up"]


def test_three_screens_forged_or_wrong_parts_change_nothing_and_are_named_on_their_field(service, chat):
    first = service.open_case("sanne").question
    forged = {**TRIAGE, "step5.melding/date": "1-1-2026", "step4.q1/answer": "b", 7: "x"}
    reply = service.answer("sanne", "", "triage.scope", forged, first.draft)
    code = reply.question.case_code
    assert reply.ok and [a.node_id for a in stored_answers(service, code)] == [
        "triage.scope",
        "triage.forms",
        "triage.kindcheck",
    ]  # only the questions of this screen, in the flow's order
    wrong = service.answer("sanne", code, "step1.signal", {**SIGNAL_AND_REQUEST, "step2.request/now": "misschien"})
    assert not wrong.ok and wrong.errors == {"step2.request/now": "Antwoord met ja of nee."}
    assert [a.node_id for a in stored_answers(service, code)][-1] == "triage.kindcheck" and chat.to("mila") == []
    empty = service.answer("sanne", code, "step1.signal", {**SIGNAL_AND_REQUEST, "step2.request/urgency": ""})
    assert not empty.ok and list(empty.errors) == ["step2.request/urgency"]
