"""Issue "moment": one living DM per case and person, kept current in place; a new DM (a notification) only when
the person is to act: their turn, a proposed moment, acute danger, a deadline (the reminders)."""

from __future__ import annotations

from tests.bot.scripts import CANARY, CONSULT_TO_Q1, MELDING_AFTER_DECISION, OPEN_TO_STEP2, Q3A

WHOLE_CASE = OPEN_TO_STEP2 + CONSULT_TO_Q1 + Q3A + MELDING_AFTER_DECISION


def _updates(chat, person: str) -> list:
    return [m for m in chat.to(person) if m not in chat.posts(person)]


def test_living_over_a_whole_melding_case_new_dms_only_when_it_is_ones_turn(d, chat):
    """Before: a DM per change (Sanne 5, Mila 2, the board 1 over this case; 20-26 in Slack in the issue's walk).
    Now: Sanne is notified when the AF took up her request and when step 5 is hers, Mila when she is asked and
    when step 4 is hers; every other change updates their message of the case in place."""
    d.play(WHOLE_CASE)
    posts = {p: [m.text.splitlines()[0] for m in chat.posts(p)] for p in ("sanne", "mila", "els")}
    assert len(posts["sanne"]) == 2 and "opgepakt" in posts["sanne"][0] and "Afwegingsvraag 3" in posts["sanne"][1]
    assert len(posts["mila"]) == 2 and posts["mila"][0].startswith("Consultatieverzoek")
    assert "klaar voor jou: Afwegingsvraag 1" in posts["mila"][1]
    assert len(posts["els"]) == 1 and "Sterk vermoeden" in posts["els"][0]  # Q1b: the board is not on the case
    assert len(_updates(chat, "sanne")) >= 8 and len(_updates(chat, "mila")) >= 8
    # Each person's messages of the case are one: every update names the message it replaces.
    assert all(m.living and m.replaces for p in ("sanne", "mila") for m in _updates(chat, p))
    last = {p: chat.to(p)[-1].text for p in ("sanne", "mila")}
    assert last["sanne"].endswith(
        "Terugkoppeling van Veilig Thuis · jij en Mila Jansen samen · volgende termijn: "
        "geen terugkoppeling Veilig Thuis (5 werkdagen), di 10 mrt 2026 09:00"
    )
    assert "Terugkoppeling van Veilig Thuis · jij en Sanne de Vries samen" in last["mila"]
    # What a DM may carry: the code, the step, whose turn, the due date; never what was typed.
    for _, message in chat.sent:
        assert CANARY not in message.text and "geen passende hulp" not in message.text


def test_living_the_af_answering_updates_the_staff_members_message_without_a_new_dm(d, chat):
    """The DM flood of the issue: "Mila heeft … vastgelegd" and "jij bent aan zet" per AF answer."""
    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1)
    chat.sent.clear()
    d.play(Q3A[:2])
    assert chat.posts("sanne") == []
    told = [m.text for m in _updates(chat, "sanne")]
    assert len(told) == 2 and told[0].startswith(f"Mila Jansen heeft in zaak {d.code} vastgelegd: Afwegingsvraag 1")
    assert (
        told[1].splitlines()[-1].startswith(f"Zaak {d.code} · Stap 4: wegen met de afwegingsvragen: Afwegingsvraag 3")
    )
    assert "Mila Jansen is aan zet" in told[1]
    d.play(Q3A[2:])
    assert [m.text.splitlines()[0] for m in chat.posts("sanne")] == [
        f"Mila Jansen heeft in zaak {d.code} vastgelegd: Afwegingsvraag 3: hulp."
    ]  # now it is hers (S5.3): a notification, and its button opens the case
    assert [b.action.value for b in chat.posts("sanne")[0].buttons] == ["open_case"]


def test_living_an_unchanged_status_sends_nothing_and_the_af_can_take_up_from_it(d, chat):
    d.play(OPEN_TO_STEP2)
    request = chat.posts("mila")
    assert len(request) == 1 and [b.action.value for b in request[0].buttons][:1] == ["take_up"]
    chat.sent.clear()
    d.play([("sanne", "signal", {"kind": "fact", "text": "weer een plek"}, "Vastgelegd")])
    assert chat.sent == []  # Mila's message still says the request waits for her: no update, no DM
    d.play([("mila", "take_up", None, "Je hebt de consultatie")])
    mila = _updates(chat, "mila")
    assert len(mila) == 1 and "jij en Sanne de Vries samen" in mila[0].text
    assert [b.action.value for b in mila[0].buttons] == ["open_case"]  # taken up: no take-up button any more


def test_living_a_colleague_removed_from_the_case_hears_no_more_of_it(d, service, chat):
    d.play(OPEN_TO_STEP2)
    assert service.add_colleague("sanne", d.code, "tom").ok
    assert len(chat.posts("tom")) == 1
    d.play([("mila", "take_up", None, "Je hebt de consultatie")])
    assert len(chat.to("tom")) == 2  # kept current while on the case
    assert service.remove_colleague("sanne", d.code, "tom").ok
    d.play([CONSULT_TO_Q1[2]])
    assert len(chat.to("tom")) == 2
