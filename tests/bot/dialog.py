"""A dialog harness: a case played as (who, action, input, expected reply) rows against the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.chat import RecordingChat
from bot.messages import Reply
from bot.service import ConversationService
from storage import cases as case_repo
from storage import reminders as reminder_repo
from storage.models import Answer, Case, Reminder


@dataclass
class Dialog:
    service: ConversationService
    chat: RecordingChat
    code: str | None = None
    transcript: list[tuple[str, str, str]] = field(default_factory=list)

    def do(self, who: str, action: str, payload: Any = None) -> Reply:
        svc = self.service
        if action == "open":
            reply = svc.open_case(who)  # nothing is stored yet: the first answer makes the case
            if reply.ok:
                self.code = None
        elif action == "take_up":
            reply = svc.take_up(who, self.code)
        elif action == "show":
            reply = svc.show_case(who, self.code)
        elif action == "acute":
            reply = svc.acute(who, self.code)
        elif action == "signal":
            reply = svc.add_entry(who, self.code, "signal", payload)
        elif action in ("contact", "help_plan", "sisa"):
            reply = svc.add_entry(who, self.code, action, payload)
        elif action == "reopen":
            reply = svc.reopen(who, self.code)
        elif action == "question":
            reply = svc.question(who, self.code)
        else:  # a node id: answer it
            reply = svc.answer(who, self.code or "", action, payload or {})
            if self.code is None:
                self.code = next((m.case_code for m in reply.messages if m.case_code), None)
        self.transcript.append((who, action, reply.text()))
        return reply

    def play(self, rows: list[tuple]) -> None:
        """Each row: (who, action, payload, expected text in the reply; or a dict of field errors)."""
        for i, (who, action, payload, expected) in enumerate(rows):
            reply = self.do(who, action, payload)
            if isinstance(expected, dict):
                assert {k: v for k, v in reply.errors.items() if k in expected} == expected or all(
                    expected[k] in reply.errors.get(k, "") for k in expected
                ), (i, reply.errors)
            elif expected is not None:
                assert expected in reply.text(), f"row {i} ({who} {action}): {expected!r} not in {reply.text()!r}"

    def dms(self, who: str) -> list[str]:
        return [m.text for m in self.chat.to(who)]

    def node(self) -> str | None:
        reply = self.service.question("sanne", self.code)
        return reply.question.node_id if reply.question else None


def stored_case(service, code) -> Case:
    with service.store.transaction() as s:
        return case_repo.get_case(s, org_id=1, code=code)


def stored_answers(service, code) -> list[Answer]:
    with service.store.transaction() as s:
        case = case_repo.get_case(s, org_id=1, code=code)
        return case_repo.answers(s, case_id=case.id)


def pending_reminders(service, code) -> list[Reminder]:
    with service.store.transaction() as s:
        case = case_repo.get_case(s, org_id=1, code=code)
        return reminder_repo.pending(s, case_id=case.id)


def new_case(service, who: str, scope: str = "domestic") -> str:
    """A case as a person makes one: the first question, then its first answer (which creates it)."""
    first = service.open_case(who).question
    reply = service.answer(who, "", first.node_id, {"scope": scope})
    return next(m.case_code for m in reply.messages if m.case_code)
