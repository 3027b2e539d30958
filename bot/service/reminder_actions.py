"""What people do with a reminder they received: snooze it, or mark it done with a note."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.errors import Denied
from bot.messages import FieldView, Message, QuestionView, Reply
from bot.service.call import Call, operation
from bot.service.cases import ask_feedback, reopen_case
from bot.service.entries import checked_note
from bot.service.part import Part
from flows.answers import FieldError, parse_yes_no
from flows.deadlines import days_later
from storage import cases as case_repo
from storage import reminders as reminder_repo
from storage.models import Case, Reminder


class ReminderActions(Part):
    def _reminder(self, call: Call, reminder_id: int) -> tuple[Reminder, Case]:
        reminder = reminder_repo.get(call.session, reminder_id=reminder_id)
        if reminder is None or reminder.org_id != call.org.id or reminder.status in ("cancelled", "done"):
            raise Denied("unknown_reminder")
        case = case_repo.case_by_id(call.session, case_id=reminder.case_id)
        if case is None:
            raise Denied("unknown_reminder")
        call.target_case_id = case.id
        if not self.core.roles(call, case) and reminder.recipient_id != call.person.id:
            raise Denied("no_access")
        call.case = case
        return reminder, case

    @operation("write")
    def snooze(self, call: Call, reminder_id: int, days: int) -> Reply:
        """Remind again after a day or a week, at the organisation's reminder hour on a working day."""

        if days not in (1, 7):
            raise Denied("snooze_reason")
        reminder, case = self._reminder(call, reminder_id)
        when = days_later(call.now, days, self.policy)
        reminder_repo.snooze(call.session, reminder=reminder, until=when.astimezone(dt.UTC), now=call.now)
        call.record("reminder_snoozed", case_id=case.id, detail={"reminder": reminder.id, "days": days})
        return Reply(
            messages=[Message(self.texts("replies.snoozed", when=self.texts.datetime(when)), case_code=case.code)]
        )

    @operation("write")
    def reminder_done(self, call: Call, reminder_id: int, note: str, new_signals: Any = None) -> Reply:
        """Mark a reminder done with a recorded answer: what was done about it. The last monitoring check-in
        (D3) also asks whether there are new signals: yes, the case is taken up again (S5.1); no, it closes."""

        reminder, case = self._reminder(call, reminder_id)
        errors: dict[str, str] = {}
        text = checked_note(self.texts, note, errors)
        last = self._last_check_in(call, reminder, case)
        signals = None
        if last and new_signals in (None, ""):
            errors["new_signals"] = self.texts("errors.new_signals_required")
        elif last:
            try:
                signals = parse_yes_no(new_signals)
            except FieldError as exc:
                errors["new_signals"] = self.texts(f"errors.{exc.code}")
        if errors:
            return Reply(
                messages=[Message(self.texts("errors.answer_rejected", count=len(errors)), tone="error")],
                errors=errors,
                ok=False,
            )
        reminder_repo.mark_done(call.session, reminder=reminder, note=text, person_id=call.person.id, now=call.now)
        call.record("reminder_done", case_id=case.id, detail={"reminder": reminder.id, "kind": reminder.kind})
        reply = Reply(messages=[Message(self.texts("replies.reminder_done"), case_code=case.code)])
        if last and signals:
            reopen_case(self.core, call, case)
            reply.messages.append(
                Message(self.texts("replies.monitoring_new_signals", code=case.code), case_code=case.code)
            )
        elif last:
            case_repo.move_case(
                call.session,
                case=case,
                node=None,
                outcome=case.outcome,
                status="closed",
                flags=list(case.flags or ()),
                now=call.now,
                round=case.round,
            )
            call.record("monitoring_ended", case_id=case.id)
            reply.messages.append(Message(self.texts("replies.monitoring_ended", code=case.code), case_code=case.code))
            ask_feedback(self.texts, call, case, reply)
        return reply

    def _last_check_in(self, call: Call, reminder: Reminder, case: Case) -> bool:
        """The case is in monitoring and this is its last check-in still to come."""
        if reminder.kind != "D3" or case.status != "monitoring":
            return False
        rest = reminder_repo.listing(call.session, case_id=case.id, statuses=("pending", "sending", "sent", "failed"))
        later = [r for r in rest if r.kind == "D3" and r.id != reminder.id and r.due_at.date() > reminder.due_at.date()]
        return not later

    @operation("read")
    def reminder_done_form(self, call: Call, code: str, reminder_id: int) -> Reply:
        """The form to mark a reminder done: only for who may act on it, audited like any read of the case."""

        reminder, case = self._reminder(call, reminder_id)
        t = self.texts
        fields = [FieldView("note", "text", t("reminder_done.note"), None, True)]
        if self._last_check_in(call, reminder, case):
            fields.append(
                FieldView(
                    "new_signals", "yes_no", t("reminder_done.new_signals"), t("reminder_done.new_signals_hint"), True
                )
            )
        return Reply(
            question=QuestionView(
                case_code=case.code,
                node_id=f"reminder:{reminder.id}",
                step_title=t("reminder_done.title"),
                title=t("reminder_done.title"),
                prompt=None,
                why=None,
                fields=tuple(fields),
            )
        )
