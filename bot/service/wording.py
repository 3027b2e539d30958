"""What the service says about people and cases in words and buttons, the same from every part: a person's
roles, the welcome, the buttons under a case or a consultation request, an answer's field errors."""

from __future__ import annotations

from bot.messages import Action, Button, Message, Reply
from bot.service.call import Someone
from bot.texts import Texts
from flows.answers import AnswerRejected
from flows.model import CaseState, Flow
from storage.models import Person


def open_button(texts: Texts, code: str) -> tuple[Button, ...]:
    return (Button(texts("buttons.open_case"), Action.OPEN_CASE, code),)


def next_actions(texts: Texts, flow: Flow, state: CaseState, code: str) -> tuple[Button, ...]:
    """What a staff member can do while the AF is asked: another signal, SISA (until it is on record), a contact,
    the overview. Buttons, never a "what now?" answer (moment)."""
    sisa = flow.anytime_node("sisa")
    return (
        Button(texts("buttons.add_signal"), Action.ADD_SIGNAL, code),
        *((Button(texts("buttons.add_sisa"), Action.ADD_SISA, code),) if sisa and sisa.id not in state.answers else ()),
        Button(texts("buttons.add_contact"), Action.ADD_CONTACT, code),
        Button(texts("buttons.overview"), Action.OPEN_CASE, code),
    )


def consultation_buttons(texts: Texts, code: str, take_up: bool = True) -> tuple[Button, ...]:
    """Under a consultation request to the AF (S2): take it up, propose a moment, hand it on, open the case."""
    buttons = [Button(texts("buttons.take_up"), Action.TAKE_UP, code)] if take_up else []
    return (
        *buttons,
        Button(texts("buttons.propose_moment"), Action.PROPOSE_MOMENT, code),
        Button(texts("buttons.hand_to_deputy"), Action.HAND_TO_DEPUTY, code),
        Button(texts("buttons.open_case"), Action.OPEN_CASE, code),
    )


def rejected(texts: Texts, exc: AnswerRejected) -> Reply:
    """An answer that was not stored: each field's error in words, beside its input."""
    errors = {fid: texts(f"errors.{e.code}", **e.params) for fid, e in exc.errors.items()}
    return Reply(
        messages=[Message(texts("errors.answer_rejected", count=len(errors)), tone="error")],
        errors=errors,
        ok=False,
    )


def role_words(texts: Texts, person: Person, *, acting_af: Person | Someone | None = None) -> str:
    """A person's roles as people read them: "onderwijskundig medewerker, plaatsvervangend aandachtsfunctionaris"."""
    words = [texts(f"roles.{person.staff_role}")] if person.staff_role else []
    if person.is_af:
        words.append(texts("roles.af"))
    if person.is_deputy:
        words.append(texts("roles.deputy_acting" if acting_af and acting_af.id == person.id else "roles.deputy"))
    if person.is_board:
        words.append(texts("roles.board"))
    if person.is_admin:
        words.append(texts("roles.admin"))
    return ", ".join(words) or texts("roles.none")


def welcome_message(texts: Texts, af: Person | Someone | None) -> Message:
    """C4: what a newcomer gets: who the AF is, and how to start a case."""
    return Message(
        texts("dms.welcome", af=af.name if af else ""),
        buttons=(Button(texts("buttons.new_case"), Action.NEW_CASE),),
    )
