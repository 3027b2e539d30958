"""Periodic notices of the organisation (part C): training reminders (C3) and the yearly evaluation (C7).
Each goes out once per period, whichever process gets there first, within office hours."""

from __future__ import annotations

import datetime as dt

from bot import i18n
from bot.jobs.reminders import ReminderSender
from bot.messages import Message
from bot.service import ConversationService
from storage import organisations as org_repo


def send_due_notices(service: ConversationService, now: dt.datetime | None = None) -> int:
    """Returns how many DMs went out."""
    now = now or service.clock()
    if not ReminderSender(service).in_office_hours(now):
        return 0
    local = now.astimezone(service.tz)
    every = service.org.training_every_months
    period = (local.year * 12 + local.month - 1) // every
    sent = 0
    with service.store.transaction() as session:
        org = org_repo.get_organisation(session, key=service.org.key)
        people = org_repo.list_people(session, org_id=org.id) if org else []
        created = org.created_at.astimezone(service.tz) if org else local
    # The first reminder comes a full period after the organisation started with the bot.
    started_this_period = (created.year * 12 + created.month - 1) // every == period
    if people and service.claim_event(f"notice:{service.org.key}:training:{period}"[:64]) and not started_this_period:
        for person in (p for p in people if p.staff_role):
            with i18n.speaking(person.language):
                message = Message(service.texts("dms.training"))
            service.chat.send_dm(org_key=service.org.key, person_id=person.external_id, message=message)
            sent += 1
    if (
        people
        and local.month == service.org.evaluation_month
        and service.claim_event(f"notice:{service.org.key}:evaluation:{local.year}"[:64])
    ):
        for person in (p for p in people if p.is_af or p.is_board):
            with i18n.speaking(person.language):
                message = Message(service.texts("dms.evaluation", year=local.year - 1))
            service.chat.send_dm(org_key=service.org.key, person_id=person.external_id, message=message)
            sent += 1
    return sent
