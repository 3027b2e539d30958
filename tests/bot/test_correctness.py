"""The rules of the meldcode kept to the letter (issue "correctness"): each test names its rule and is played
through the conversation service as staff, AF, deputy and admin would."""

from __future__ import annotations

import datetime as dt

from tests.bot.dialog import stored_answers
from tests.bot.scripts import CONSULT_TO_Q1, OPEN_TO_STEP2


def _to_step4(d) -> None:
    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1)


def test_b3_a_staff_member_cannot_correct_the_afs_weighing(d, service):
    _to_step4(d)
    d.play([("mila", "step4.q1", {"answer": "b", "note": "sterk vermoeden"}, "Vastgelegd")])
    q1 = next(a for a in stored_answers(service, d.code) if a.node_id == "step4.q1")
    form = service.correction_form("sanne", d.code).question
    listed = dict(next(f for f in form.fields if f.id == "answer").choices)
    assert str(q1.id) not in listed  # the AF's weighing is not offered to the staff member
    assert any("Eerst even bepalen" in label or "Over wie" in label for label in listed.values())
    refused = service.correct("sanne", d.code, q1.id, "Het was geen sterk vermoeden.")
    assert not refused.ok and "alleen door de aandachtsfunctionaris gecorrigeerd" in refused.text()
    assert "correctie" in service.correct("mila", d.code, q1.id, "Toelichting aangevuld na overleg.").text()
    own = next(a for a in stored_answers(service, d.code) if a.node_id == "triage.forms")
    assert service.correct("sanne", d.code, own.id, "De jeugdige is 15.").ok  # her own answers stay hers
    assert service.correct("mila", d.code, own.id, "Leeftijd nagevraagd.").ok  # the AF may correct any answer
    timeline = service.show_case("mila", d.code).text()
    assert "Correctie door Mila Jansen" in timeline


def test_b3_on_a_closed_case_only_the_af_corrects_and_everyone_on_it_is_told(d, service, chat):
    _to_step4(d)
    d.play([("mila", "step4.q1", {"answer": "a", "note": "geen zorgen meer"}, "gesloten")])
    signal = next(a for a in stored_answers(service, d.code) if a.node_id == "step1.signal")
    refused = service.correct("sanne", d.code, signal.id, "Datum was 3 maart.")
    assert not refused.ok and "Alleen de aandachtsfunctionaris corrigeert dan nog" in refused.text()
    assert not service.correction_form("sanne", d.code).ok
    chat.sent.clear()
    assert service.correct("mila", d.code, signal.id, "Datum van de waarneming was 3 maart.").ok
    told = [m.text for m in chat.to("sanne")]
    assert told == [
        f"Mila Jansen heeft in gesloten zaak {d.code} een correctie vastgelegd, met de reden. "
        "Het oorspronkelijke antwoord blijft zichtbaar."
    ]
    assert "3 maart" not in told[0]  # the code only, never the text
    assert chat.to("mila") == []  # not told of her own correction


HELP = [
    ("mila", "step4.q1", {"answer": "b"}, None),
    ("mila", "step4.q2", {"answer": "a"}, None),
    ("mila", "step4.q3", {"answer": "b"}, None),
    ("mila", "step4.q4", {"answer": "b"}, None),
    (
        "mila",
        "step4.q4_plan",
        {"help": "gezinscoach", "term": "13-4-2026", "casemanager": {"id": "tom"}, "roles": "Tom coördineert"},
        None,
    ),
]


def test_q5_is_answered_at_the_term_and_before_it_only_s5_1_new_signals_lead_to_a_melding(d, service, clock):
    _to_step4(d)
    d.play(HELP)
    early = d.do("mila", "step4.q5", {"answer": "b"})  # the day the help started, six weeks before its term
    assert not early.ok and "loopt tot 13-4-2026" in early.errors["answer"]
    no_reason = d.do("mila", "step4.q5", {"answer": "a"})
    assert "welke nieuwe signalen" in no_reason.errors["note"]
    assert [a.node_id for a in stored_answers(service, d.code)].count("step4.q5") == 0  # nothing stored
    clock.now = dt.datetime(2026, 4, 13, 8, 0, tzinfo=dt.UTC)  # the term: D2 asks now
    d.play([("mila", "step4.q5", {"answer": "b"}, "Vastgelegd")])


def test_s5_1_before_the_term_new_signals_lead_to_a_melding_with_the_reason_recorded(d, service):
    _to_step4(d)
    d.play(HELP)
    d.play([("mila", "step4.q5", {"answer": "a", "note": "Nieuwe blauwe plekken: het geweld gaat door."}, None)])
    q5 = next(a for a in stored_answers(service, d.code) if a.node_id == "step4.q5")
    assert q5.values == {"answer": "a", "note": "Nieuwe blauwe plekken: het geweld gaat door."}
    assert d.node() == "step5.discuss"  # on to the melding
