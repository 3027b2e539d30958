"""The rules of the meldcode kept to the letter (issue "correctness"): each test names its rule and is played
through the conversation service as staff, AF, deputy and admin would."""

from __future__ import annotations

import datetime as dt

from tests.bot.dialog import stored_answers
from tests.bot.scripts import CONSULT_TO_Q1, HELP_TO_PLAN, OPEN_TO_STEP2


def _to_step4(d) -> None:
    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1)


def test_b3_a_staff_member_cannot_correct_the_afs_weighing(d, service):
    _to_step4(d)
    d.play([("mila", "step4.q1", {"answer": "b", "note": "sterk vermoeden"}, "Vastgelegd")])
    q1 = next(a for a in stored_answers(service, d.code) if a.node_id == "step4.q1")
    form = service.correction_form("sanne", d.code).question
    listed = dict(next(f for f in form.fields if f.id == "answer").choices)
    assert str(q1.id) not in listed  # the AF's weighing is not offered to the staff member
    assert any("Eerst even bepalen" in label or "Valt dit onder" in label for label in listed.values())
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
    assert told == [  # in her living message of the case: what happened, then where the case stands
        f"Mila Jansen heeft in gesloten zaak {d.code} een correctie vastgelegd, met de reden. "
        f"Het oorspronkelijke antwoord blijft zichtbaar.\nZaak {d.code} · gesloten: Gesloten zonder actie"
    ]
    assert "3 maart" not in told[0]  # the code only, never the text
    assert chat.to("mila") == []  # not told of her own correction


HELP = [
    *HELP_TO_PLAN,
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
    assert q5.values == {"answer": "a", "note": "Nieuwe blauwe plekken: het geweld gaat door.", "together": True}
    assert d.node() == "step5.discuss_client"  # on to the melding


def _to_monitoring(d, clock) -> None:
    _to_step4(d)
    d.play(HELP)
    clock.now = dt.datetime(2026, 4, 13, 8, 0, tzinfo=dt.UTC)
    d.play(
        [
            ("mila", "step4.q5", {"answer": "b"}, None),
            (
                "mila",
                "step4.q5_monitoring",
                {"agreements": "maandelijks bellen", "checkins": "1-5-2026, 1-6-2026"},
                None,
            ),
        ]
    )


def _d3(service, code):
    from tests.jobs.test_reminders import rows

    return [r for r in rows(service, code) if r.kind == "D3"]


def test_q5b_monitoring_ends_after_its_last_check_in_and_then_the_case_closes(d, service, chat, clock):
    _to_monitoring(d, clock)
    assert not any("hielp de bot" in m.text for _, m in chat.sent)  # not asked when monitoring only begins
    d3 = _d3(service, d.code)
    assert sorted((r.due_at.date().isoformat(), r.recipient_role) for r in d3) == sorted(
        [(day, role) for day in ("2026-05-01", "2026-06-01") for role in ("staff", "af", "staff")]
    )  # to the staff member, the AF and the casemanager (Tom, a person the bot knows)
    last = max(d3, key=lambda r: r.due_at)
    refused = service.reminder_done("sanne", last.id, "Gebeld met moeder, het gaat goed.")
    assert not refused.ok and "zijn er nieuwe signalen?" in refused.errors["new_signals"]  # says what is missing
    form = service.reminder_done_form("sanne", d.code, last.id).question
    assert [f.id for f in form.fields] == ["note", "new_signals"]
    first = min(d3, key=lambda r: r.due_at)
    assert service.reminder_done("sanne", first.id, "Eerste contact gehad.").ok  # not the last: no question
    chat.sent.clear()
    closed = service.reminder_done("sanne", last.id, "Gebeld met moeder, het gaat goed.", "nee")
    assert closed.ok and "de zaak is gesloten" in closed.text()
    assert "hielp de bot je de meldcode te volgen?" in closed.text()  # the close-of-case question, now
    from tests.bot.dialog import stored_case

    assert stored_case(service, d.code).status == "closed"
    clock.now = dt.datetime(2026, 6, 2, 8, 0, tzinfo=dt.UTC)  # the check-ins others did not mark done are past
    assert d.code not in service.my_cases("mila").text()  # a closed case has nothing overdue


def test_s5_1_new_signals_at_the_last_check_in_take_the_case_up_again(d, service, clock):
    _to_monitoring(d, clock)
    last = max(_d3(service, d.code), key=lambda r: r.due_at)
    reopened = service.reminder_done("mila", last.id, "School meldt nieuwe blauwe plekken.", "ja")
    assert reopened.ok and "weer geopend vanaf stap 1" in reopened.text()
    assert d.node() == "step1.signal"


def test_texts_a_title_that_asks_gets_no_extra_full_stop_and_a_named_af_is_named():
    from bot.texts import Texts

    texts = Texts()
    said = texts("dms.staff_recorded", staff="Sanne", code="MC-2026-0001", title="Waarom is de melding niet besproken?")
    assert said.endswith("niet besproken?") and "?." not in said
    assert texts("dms.staff_recorded", staff="S", code="C", title="Melding bij Veilig Thuis").endswith("Thuis.")
    welcome = texts("dms.welcome", af="Mila Jansen")
    assert "haar of hem" not in welcome and "bij de aandachtsfunctionaris, Mila Jansen." in welcome


def test_texts_a_date_that_does_not_exist_is_named_as_such(d):
    from flows.answers import FieldError, parse_date

    for written in ("31-2-2026", "31 februari 2026", "2026-02-31"):
        try:
            parse_date(written)
        except FieldError as exc:
            assert exc.code == "no_such_day" and exc.params == {"day": 31, "month": 2}
        else:
            raise AssertionError(written)
    d.play(OPEN_TO_STEP2[:4])
    reply = d.do("sanne", "step1.signal", {"kind": "fact", "text": "x", "observed_on": "31-02-2026"})
    assert reply.errors["observed_on"].startswith("Februari heeft geen 31e dag.")


def test_texts_an_invalid_date_in_the_config_is_one_line_not_a_traceback(tmp_path):
    import pytest

    from bot.config import ConfigError, load_config

    bad = tmp_path / "org.yaml"
    bad.write_text("organisation: {key: x, name: y}\nabsences: [{person: a, from: 2026-13-01, to: x}]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert "date that does not exist" in str(caught.value)


def test_q1b_who_informed_the_board_is_recorded_and_a_member_acknowledges_without_holding_up_q2(d, service, chat):
    _to_step4(d)
    chat.sent.clear()
    d.play([("mila", "step4.q1", {"answer": "b", "note": "sterk vermoeden"}, "Vastgelegd")])
    notice = chat.to("els")
    assert len(notice) == 1 and d.code in notice[0].text and "blauwe plek" not in notice[0].text
    assert [b.action.value for b in notice[0].buttons] == ["board_ack"]  # no button that opens the case
    d.play([("mila", "step4.q2", {"answer": "a"}, "Vastgelegd")])  # Q2 does not wait for the board
    assert "Geen toegang" in service.acknowledge_board("tom", d.code).text()  # not a board member
    assert "hebt gelezen" in service.acknowledge_board("els", d.code).text()
    assert "al als gelezen" in service.acknowledge_board("els", d.code).text()  # recorded once
    timeline = service.show_case("mila", d.code).text()
    assert "Mila Jansen · Bestuur geïnformeerd" in timeline
    assert "Els Visser · Bestuur: bericht over het sterke vermoeden gelezen" in timeline
    assert "Geen toegang" in service.show_case("els", d.code).text()  # the board still has no access
