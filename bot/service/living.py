"""One living DM per case and person (moment): the bot keeps it current instead of sending a DM per change.

A case's DMs to the people on it are written as living messages (`Message.living`): what happened (a headline,
such as "Mila took up your request"), then the case's status for that person: the code, the step, whose turn
it is, the next due date, and the next action as a button; never case content. When the event is done, each
person's headlines and status become one message: it updates their message of the case in place, or is posted
as a new one (the old one removed) when it asks them to act (`Message.notify`: their turn, a proposed moment).
People who already have a living message of a case that changed get the new status too, when it differs from
the status their message shows (a digest is kept, not the text; the headline goes when the status changes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from typing import Protocol

from bot import i18n
from bot.messages import Action, Button, Message
from bot.service import wording
from bot.service.call import Call, Someone
from bot.texts import Texts
from flows.model import Flow
from storage import cases as case_repo
from storage import consultations as consultation_repo
from storage import living as living_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo
from storage.models import Case, Consultation


class Core(Protocol):
    """What living messages need of the service's core (bot.service.core.Core)."""

    @property
    def texts(self) -> Texts: ...
    @property
    def flows(self) -> Mapping[int, Flow]: ...
    def acting_af(self, call: Call) -> Someone | None: ...


NOT_TERMS = frozenset({"D6"})  # the bot's own watch on a case standing still: not a term people keep


def case_af(core: Core, call: Call, case: Case, consultation: Consultation | None) -> Someone | None:
    """Who acts as AF for this case: the deputy its latest consultation was handed to (B4), else today's AF."""
    handed = consultation.handed_to_id if consultation is not None else None
    if handed is not None and (person := org_repo.person_by_id(call.session, person_id=handed)) is not None:
        return Someone.of(person)
    return core.acting_af(call)


@dataclasses.dataclass(frozen=True)
class CaseNow:
    """What every living message of a case says in common, looked up once per event."""

    case: Case
    af: Someone | None
    staff: frozenset[int]  # the owner and the colleagues on it
    waiting: bool  # a consultation request not yet taken up
    due: tuple[str, dt.datetime] | None  # the next term: its reminder kind and when

    @classmethod
    def of(cls, core: Core, call: Call, case: Case) -> CaseNow:
        pending = [r for r in reminder_repo.pending(call.session, case_id=case.id) if r.kind not in NOT_TERMS]
        consultation = consultation_repo.latest_consultation(call.session, case_id=case.id)
        return cls(
            case,
            case_af(core, call, case, consultation),
            frozenset({case.owner_id, *case_repo.member_ids(call.session, case_id=case.id)}),
            consultation is not None and consultation.taken_up_at is None,
            (pending[0].kind, pending[0].due_at) if pending else None,
        )


def status(core: Core, now: CaseNow, person: Someone) -> Message:
    """What the case's living message tells this person now (in the language being spoken)."""
    texts, case = core.texts, now.case
    flow = core.flows[case.flow_version]
    is_af = now.af is not None and now.af.id == person.id
    buttons = wording.open_button(texts, case.code)
    if case.current_node is None:
        outcome = flow.outcomes.get(case.outcome or "")
        text = texts(
            "living.closed",
            code=case.code,
            outcome=outcome.title if outcome else "",
            status=texts(f"status.{case.status}"),
        )
        return Message(text, buttons=buttons, case_code=case.code, living=True)
    node = flow.nodes[case.current_node]
    af_name = now.af.name if now.af else texts("roles.af")
    mine = person.id in now.staff
    if now.waiting:
        turn = texts("living.turn_take_up_you") if is_af else texts("living.turn_take_up", af=af_name)
        if is_af:
            buttons = (Button(texts("buttons.take_up"), Action.TAKE_UP, case.code), *buttons)
    elif node.actor == "af":
        turn = texts("living.turn_you") if is_af else texts("living.turn_of", name=af_name)
    elif node.actor == "together":
        turn = texts("living.turn_together", other=case.owner.name if is_af and not mine else af_name)
    else:
        turn = texts("living.turn_you") if mine else texts("living.turn_of", name=case.owner.name)
    text = texts(
        "living.open",
        code=case.code,
        step=flow.steps[node.step].title,
        title=node.title,
        turn=turn,
        due=texts.datetime(now.due[1]) if now.due else "",
        due_kind=texts(f"reminder_kinds.{now.due[0]}") if now.due else "",
    )
    return Message(text, buttons=buttons, case_code=case.code, living=True)


def _people_on(call: Call, now: CaseNow) -> set[str]:
    """The external ids of those on the case now: its staff and the AF acting for it (a colleague removed from
    the case hears no more of it)."""
    people = {p.external_id for i in now.staff if (p := org_repo.person_by_id(call.session, person_id=i)) is not None}
    if now.af is not None:
        people.add(now.af.external_id)
    return people


def _digest(message: Message) -> str:
    shown = "\x1f".join([message.text, *(f"{b.label}\x1e{b.action}\x1e{b.case_code}" for b in message.buttons)])
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


def settle(core: Core, call: Call, changed: bool) -> Iterator[tuple[str, Message, int | None]]:
    """The event's DMs as they go out: each living one merged per person and case with the status, and the
    living messages of the case this event changed brought up to date. Yields (recipient, message, living id)."""
    headlines: dict[tuple[str, str], list[Message]] = {}
    for recipient, message in call.outbox:
        if message.living and message.case_code:
            headlines.setdefault((message.case_code, recipient), []).append(message)
        else:
            yield recipient, message, None
    codes = dict.fromkeys(code for code, _ in headlines)
    if changed and call.case is not None:
        codes.setdefault(call.case.code)
    for code in codes:
        case = call.case if call.case is not None and call.case.code == code else None
        case = case or case_repo.get_case(call.session, org_id=call.org.id, code=code)
        if case is None:
            continue
        known = living_repo.of_case(call.session, case_id=case.id)
        if not known and not any(c == code for c, _ in headlines):
            continue  # nobody has a living message of this case yet, and nobody is told anything
        snapshot = CaseNow.of(core, call, case)
        on_case = _people_on(call, snapshot) if known else set()
        recipients = dict.fromkeys([*(r for c, r in headlines if c == code), *(r for r in known if r in on_case)])
        for recipient in recipients:
            said = headlines.get((code, recipient), [])
            person = org_repo.get_person(call.session, org_id=call.org.id, external_id=recipient)
            if person is None:
                continue
            someone = Someone.of(person)
            with i18n.speaking(someone.language or i18n.DEFAULT):
                now = status(core, snapshot, someone)
            digest = _digest(now)  # of the status: a headline stays until the status changes
            row = known.get(recipient)
            if not said and row is not None and row.digest == digest:
                continue  # their message already says this
            row = living_repo.written(
                call.session, case_id=case.id, recipient=recipient, digest=digest, now=call.now, known=row
            )
            yield recipient, dataclasses.replace(_merged(said, now), replaces=row.ref), row.id


def _merged(said: list[Message], now: Message) -> Message:
    """What happened (each headline once, in order), then where the case stands; the buttons of the last
    headline that has any (they say what to do about it), else those of the status."""
    lines = list(dict.fromkeys(m.text for m in said))
    buttons = next((m.buttons for m in reversed(said) if m.buttons), now.buttons)
    tone = "urgent" if any(m.tone == "urgent" for m in said) else now.tone
    return dataclasses.replace(
        now,
        text="\n".join([*lines, now.text]),
        buttons=buttons,
        tone=tone,
        notify=any(m.notify for m in said),
    )
