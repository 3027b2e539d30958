"""The reminder sender: claims due reminder rows, delivers them as DMs in office hours, exactly once."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from bot import i18n, metrics
from bot.chat import DeliveryError
from bot.jobs import escalation
from bot.jobs.escalation import Notice
from bot.messages import Action, Button, Message
from bot.service import ConversationService
from flows.deadlines import due_times
from flows.workdays import is_working_day
from storage import cases as case_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo
from storage.models import Case, Person, Reminder

log = logging.getLogger(__name__)

# Reminders whose button leads straight to the question they are about; the rest open the case.
CONTINUE_KINDS = {"D1", "D1b", "D2", "D5", "D9"}


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    closed_hours: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Delivery:
    reminder_id: int
    case_id: int
    person_id: str | None
    message: Message
    attempts: int


class ReminderSender:
    def __init__(
        self,
        service: ConversationService,
        *,
        batch: int = 200,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        max_attempts: int = 5,
        backoff: dt.timedelta = dt.timedelta(minutes=5),
    ):
        self.service, self.batch, self.lease = service, batch, lease
        self.max_attempts, self.backoff = max_attempts, backoff

    def in_office_hours(self, now: dt.datetime) -> bool:
        local = now.astimezone(self.service.tz)
        start, end = self.service.org.office_hours
        return (
            is_working_day(local.date(), self.service.policy.extra_closed_days)
            and start <= local.time().replace(tzinfo=None) < end
        )

    def run_once(self, now: dt.datetime | None = None) -> SendReport:
        """One pass: everything due by `now` is delivered, retried later, or reported as failed."""
        now = now or self.service.clock()
        report = SendReport()
        if not self.in_office_hours(now):
            report.closed_hours = True  # what falls due outside office hours waits for the next opening
            return report
        while True:
            deliveries = self._claim(now)
            if not deliveries:
                for state, n in (("sent", report.sent), ("retried", report.retried), ("failed", report.failed)):
                    metrics.REMINDERS.labels(state).inc(n)
                return report
            metrics.REMINDERS.labels("due").inc(len(deliveries))
            for delivery in deliveries:
                self._deliver(delivery, now, report)

    def _claim(self, now: dt.datetime) -> list[Delivery]:
        svc = self.service
        notices: list[Notice] = []
        with svc.store.transaction() as session:
            org = org_repo.get_organisation(session, key=svc.org.key)
            if org is None or org.uninstalled_at is not None:
                return []
            rows = reminder_repo.claim_due(session, org_id=org.id, now=now, lease=self.lease, limit=self.batch)
            prepared = [self._prepare(session, row, now, notices) for row in rows]
            queued = escalation.queue(session, svc, org_id=org.id, notices=notices, now=now)
        escalation.send(svc, queued)
        return [delivery for delivery in prepared if delivery is not None]

    def _prepare(self, session, row: Reminder, now: dt.datetime, notices: list[Notice]) -> Delivery | None:
        svc = self.service
        case = case_repo.case_of(session, case_id=row.case_id)
        today = svc.today(now)
        person: Person | None = None
        if row.kind == "D6" and escalation.waiting(session, case):
            reminder_repo.drop(session, reminder=row, now=now)  # D6 counts only while someone has a turn
            return None
        if row.recipient_role == "staff" and row.recipient_id is not None:
            person = org_repo.person_by_id(session, person_id=row.recipient_id)
        elif row.recipient_role == "af":
            person = org_repo.acting_af(session, org_id=row.org_id, on=today)
        elif row.recipient_role == "deputy":
            person = escalation.escalate(session, svc, case, now, notices)
            if person is None:  # nobody left to escalate to: the admins and the staff member were told
                reminder_repo.drop(session, reminder=row, now=now)
                return None
        if row.kind in ("D6", "D9") and row.recipient_role == "staff":
            # D6 nudges the staff member first; if the case still does not move, the AF is told. D9 (the directie
            # not yet informed) keeps reminding the staff member, and from the second time the AF too.
            again = [("af", None)] + ([("staff", row.recipient_id)] if row.kind == "D9" else [])
            for role, person_id in again:
                reminder_repo.schedule(
                    session,
                    case=case,
                    kind=row.kind,
                    recipient_role=role,
                    recipient_id=person_id,
                    due=due_times(row.kind, now=now, policy=svc.policy),
                    node_id=row.node_id,
                    now=now,
                )
        action = Action.CONTINUE if row.kind in CONTINUE_KINDS else Action.OPEN_CASE
        label = "buttons.continue" if action == Action.CONTINUE else "buttons.open_case"
        with i18n.speaking(person.language if person else None):
            message = self._message(row, case, action, label)
        return Delivery(row.id, case.id, person.external_id if person else None, message, row.attempts)

    def _message(self, row: Reminder, case: Case, action: Action, label: str) -> Message:
        texts = self.service.texts
        plan = (Button(texts("buttons.help_plan"), Action.HELP_PLAN, case.code),) if row.kind == "D2" else ()
        return Message(
            texts(f"reminders.{row.kind}", code=case.code, due=texts.datetime(row.due_at)),
            buttons=(
                Button(texts(label), action, case.code),
                *plan,
                Button(texts("buttons.snooze_day"), Action.SNOOZE_DAY, case.code, str(row.id)),
                Button(texts("buttons.snooze_week"), Action.SNOOZE_WEEK, case.code, str(row.id)),
                Button(texts("buttons.reminder_done"), Action.REMINDER_DONE, case.code, str(row.id)),
            ),
            case_code=case.code,
        )

    def _deliver(self, delivery: Delivery, now: dt.datetime, report: SendReport) -> None:
        svc = self.service
        try:
            if delivery.person_id is None:
                raise DeliveryError("no_recipient")
            svc.chat.deliver(org_key=svc.org.key, person_id=delivery.person_id, message=delivery.message)
        except DeliveryError as exc:
            final = delivery.attempts + 1 >= self.max_attempts
            retry_at = None if final else now + self.backoff * (delivery.attempts + 1)
            with svc.store.transaction() as session:
                row = reminder_repo.mark_failed_attempt(
                    session, reminder_id=delivery.reminder_id, now=now, error=str(exc), retry_at=retry_at
                )
                af = org_repo.acting_af(session, org_id=row.org_id, on=svc.today(now)) if row and final else None
                # With nobody acting as AF, the admins hear of it: a case is never stuck silently (C5).
                told = (
                    [af] if af is not None else (org_repo.admins(session, org_id=row.org_id) if row and final else [])
                )
                told_ids = [(p.external_id, p.language) for p in told if p.external_id != delivery.person_id]
                code = case_repo.code_of(session, case_id=delivery.case_id)
            if final:
                report.failed += 1
                log.error(
                    "reminder %s (case id %s) not delivered after %s attempts: %s",
                    delivery.reminder_id,
                    delivery.case_id,
                    delivery.attempts + 1,
                    exc,
                )
                key = "dms.reminder_failed" if af is not None else "dms.no_af_reachable"
                for person_id, language in told_ids:
                    with i18n.speaking(language):
                        message = Message(svc.texts(key, code=code), case_code=code)
                    svc.chat.send_dm(org_key=svc.org.key, person_id=person_id, message=message)
            else:
                report.retried += 1
                log.warning("reminder %s not delivered (%s); retrying later", delivery.reminder_id, exc)
            report.errors.append(str(exc))
            return
        with svc.store.transaction() as session:
            reminder_repo.mark_sent(session, reminder_id=delivery.reminder_id, now=now)
        report.sent += 1
