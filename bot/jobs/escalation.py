"""D5 and B4: a consultation request nobody took up in time goes to the next deputy who is not absent and has
not had it yet; with none left, the admins get a notice with the case code only (they have no access to the
case) and the staff member is told, with Veilig Thuis' number (advice needs no AF, X7). Each step is on the
case's timeline and the staff member hears of it. Also D6's test: whether anyone on a case has a turn.

The notices are written to the outbox in the sender's transaction and posted after its commit, like every DM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot import i18n
from bot.messages import Message
from bot.service import ConversationService, wording
from bot.service import outbox as outbox_mod
from flows.deadlines import due_times
from storage import cases as case_repo
from storage import consultations as consultation_repo
from storage import organisations as org_repo
from storage import outbox as outbox_repo
from storage import reminders as reminder_repo
from storage.models import Case, Person

# While one of these is pending, the case waits on Veilig Thuis (D1, D1b), a help term (D2) or monitoring (D3):
# nobody on it has a turn, so it is not "stuck" (D6). A step with a reminder of its own (D9: the directie not yet
# informed) has no use for D6's nudge either.
WAITING_KINDS = frozenset({"D1", "D1b", "D2", "D3", "D9"})


@dataclass(frozen=True)
class Notice:
    """A DM the sender writes beside its reminders, in the recipient's language."""

    person: Person
    key: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    open_button: bool = True  # not for admins: they have no access to the case


def waiting(session, case: Case) -> bool:
    """D6 counts only while someone on the case has a turn: not for a closed case, nor for one whose current
    step waits on Veilig Thuis or a term (a D1, D1b, D2 or D3 set for this very step, sent or not)."""
    if case.current_node is None:
        return True
    return any(
        r.kind in WAITING_KINDS and r.node_id == case.current_node
        for r in reminder_repo.listing(session, case_id=case.id, statuses=("pending", "sending", "sent", "failed"))
    )


def _escalated_to(session, case: Case) -> set[int]:
    return {
        int(e.detail["person"])
        for e in case_repo.timeline(session, case_id=case.id)
        if e.kind == "escalated_to_deputy" and isinstance((e.detail or {}).get("person"), int)
    }


def escalate(
    session, service: ConversationService, case: Case, now: dt.datetime, notices: list[Notice]
) -> Person | None:
    """The deputy a D5 reminder goes to now (the consultation is handed to them), or None when the request was
    taken up meanwhile or nobody is left (then the admins and the staff member are told)."""
    consultation = consultation_repo.open_consultation(session, case_id=case.id)
    if consultation is None:
        return None  # taken up since (taking it up cancels D5; this one was already claimed)
    had = {consultation.assigned_to_id, consultation.handed_to_id} | _escalated_to(session, case)
    today = service.today(now)
    candidates = [
        p
        for p in org_repo.list_people(session, org_id=case.org_id)
        if p.is_deputy and p.id not in had and not org_repo.is_absent(session, person_id=p.id, on=today)
    ]
    owner = org_repo.person_by_id(session, person_id=case.owner_id)
    previous = consultation.handed_to_id or consultation.assigned_to_id
    if candidates:
        deputy = candidates[0]
        consultation_repo.hand_consultation_to(session, consultation=consultation, person_id=deputy.id, assign=False)
        case_repo.add_event(
            session,
            org_id=case.org_id,
            case_id=case.id,
            kind="escalated_to_deputy",
            detail={"person": deputy.id, "from": previous},
            actor_id=None,  # the deadline did it; the timeline says "automatically"
            now=now,
        )
        # The next step of the chain, if this deputy does not take it up either.
        reminder_repo.schedule(
            session,
            case=case,
            kind="D5",
            recipient_role="deputy",
            recipient_id=None,
            due=due_times("D5", now=now, policy=service.policy, urgent=consultation.urgency == "today"),
            node_id=case.current_node,
            now=now,
        )
        if owner is not None:
            notices.append(Notice(owner, "dms.consultation_escalated", case.code, {"to": deputy.name}))
        return deputy
    case_repo.add_event(
        session, org_id=case.org_id, case_id=case.id, kind="escalation_exhausted", detail={}, actor_id=None, now=now
    )
    for admin in org_repo.admins(session, org_id=case.org_id):
        notices.append(Notice(admin, "dms.consultation_unanswered_admin", case.code, open_button=False))
    if owner is not None:
        notices.append(Notice(owner, "dms.consultation_unanswered_staff", case.code))
    return None


def queue(
    session, service: ConversationService, *, org_id: int, notices: list[Notice], now: dt.datetime
) -> list[tuple[int, str, Message]]:
    """The notices, written to the outbox in the sender's transaction."""
    texts = service.texts
    queued = []
    for notice in notices:
        with i18n.speaking(notice.person.language or i18n.DEFAULT):
            message = Message(
                texts(notice.key, code=notice.code, **notice.params),
                buttons=wording.open_button(texts, notice.code) if notice.open_button else (),
                case_code=notice.code,
            )
        message_id = outbox_repo.add(
            session,
            org_id=org_id,
            recipient=notice.person.external_id,
            message=outbox_mod.message_json(message),
            now=now,
            lease=outbox_mod.LEASE,
        )
        queued.append((message_id, notice.person.external_id, message))
    return queued


def send(service: ConversationService, queued: list[tuple[int, str, Message]]) -> None:
    """After the commit: posted now; the outbox pass takes over what does not go out."""
    for message_id, person_id, message in queued:
        service.chat.send_dm(
            org_key=service.org.key,
            person_id=person_id,
            message=message,
            done=outbox_mod.reporter(service.core, message_id),
        )
