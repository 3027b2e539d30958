"""English as a second language: each person is spoken to in their own language, in replies, questions, DMs and
reminders; the answers stored do not depend on it."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import i18n
from bot.jobs.reminders import ReminderSender
from storage import cases as case_repo
from storage import reminders as reminder_repo
from tests.bot.dialog import Dialog
from tests.bot.scripts import OPEN_TO_STEP2


@pytest.fixture(autouse=True)
def dutch_afterwards():
    yield
    i18n.set_for_event(None)  # the console sets the language for its thread; leave tests in Dutch


def test_a_staff_member_switches_to_english_and_the_flow_speaks_english(service, chat):
    assert service.set_language("sanne", "english").text() == "From now on I speak English with you."
    d = Dialog(service, chat)
    opened = d.do("sanne", "open")
    assert "It gets a code as soon as you save the first answer" in opened.text()
    assert opened.question.title == "Does this fall under the steps of the meldcode?"
    assert next(label for _, label in opened.question.fields[0].choices).startswith("Someone in the domestic circle")
    first = d.do("sanne", "triage.scope", {"scope": "domestic"})
    assert f"Case {d.code} is open" in first.text()
    d.play(
        [(who, node, payload, None) for who, node, payload, _ in OPEN_TO_STEP2[2:-1]]
        + [
            (
                "sanne",
                "step2.request",
                {"urgency": "today"},
                "I have asked Mila Jansen to take up the consultation",
            )
        ]
    )
    # The AF reads Dutch: her DM is in Dutch, forms named in Dutch.
    ping = [m.text for m in chat.to("mila") if "Consultatieverzoek" in m.text]
    assert ping and "Lichamelijk geweld" in ping[0] and "vandaag nog" in ping[0]
    # Mila switches too; Sanne's DM when Mila takes it up is English, Mila's own reply English.
    service.set_language("mila", "en")
    assert "You have taken up the consultation" in service.take_up("mila", d.code).text()
    assert any("has taken up your consultation request" in m.text for m in chat.to("sanne"))


def test_what_is_stored_does_not_depend_on_the_language(service, chat):
    service.set_language("tom", "en")
    dutch, english = Dialog(service, chat), Dialog(service, chat)
    for who, d in (("sanne", dutch), ("tom", english)):
        d.play(
            [
                (who, "open", None, None),
                (who, "triage.scope", {"scope": "domestic"}, None),
                (who, "triage.forms", {"forms": ["vgv"], "age": "9"}, None),
            ]
        )
    with service.store.transaction() as s:
        values = [
            [a.values for a in case_repo.answers(s, case_id=case_repo.get_case(s, org_id=1, code=d.code).id)]
            for d in (dutch, english)
        ]
    assert values[0] == values[1] == [{"scope": "domestic"}, {"forms": ["vgv"], "age": 9}]


def test_an_unknown_language_is_refused_and_nothing_changes(service, chat):
    reply = service.set_language("sanne", "klingon")
    assert not reply.ok and "Kies nl (Nederlands) of en (English)" in reply.text()
    assert "krijgt een code" in service.open_case("sanne").text()  # still Dutch


def test_reminders_go_out_in_the_recipients_language(service, chat, clock):
    service.set_language("tom", "en")
    for who in ("sanne", "tom"):
        d = Dialog(service, chat)
        d.play([(who, "open", None, None), (who, "triage.scope", {"scope": "domestic"}, None)])
        with service.store.transaction() as s:
            case = case_repo.get_case(s, org_id=1, code=d.code)
            reminder_repo.schedule(
                s,
                case=case,
                kind="D6",
                recipient_role="staff",
                recipient_id=case.owner_id,
                due=[clock.now + dt.timedelta(hours=1)],
                node_id=None,
                now=clock.now,
            )
    ReminderSender(service).run_once(clock.now + dt.timedelta(hours=2))
    assert any("has not moved for a while" in m.text and m.buttons[0].label == "Open the case" for m in chat.to("tom"))
    assert any("staat al een tijd stil" in m.text and m.buttons[0].label == "Open de zaak" for m in chat.to("sanne"))


def test_the_explanation_and_the_figures_in_english(service, chat):
    service.set_language("els", "en")
    with i18n.speaking("en"):
        assert "Step 4: weigh with the five questions" in service.explain("4").text()
    figures = service.stats("els", dt.date(2026, 1, 1), dt.date(2026, 12, 31)).text()
    assert "The meldcode in figures" in figures and "did the bot help you follow the meldcode?" in figures
