"""Retention: closed cases are purged when their term ends; only anonymous counts stay (per year closed, and the
yearly evaluation's per year opened), and it is logged."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.evaluation import case_facts
from bot.service import ConversationService
from storage import cases as case_repo
from storage import figures as figures_repo
from storage import organisations as org_repo
from storage import outbox as outbox_repo
from storage import retention as retention_repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Expired:
    code: str
    outcome: str
    closed_at: dt.datetime | None  # None: still open, in an organisation that removed the app
    until: dt.datetime


def expired_cases(service: ConversationService, now: dt.datetime | None = None) -> list[Expired]:
    now = now or service.clock()
    with service.store.transaction() as session:
        org = org_repo.get_organisation(session, key=service.org.key)
        if org is None:
            return []
        return [
            Expired(c.code, c.outcome or c.status, c.closed_at, until)
            for c, until in retention_repo.expired(
                session, org_id=org.id, now=now, months=service.org.retention_months, uninstalled_at=org.uninstalled_at
            )
        ]


OUTBOX_DAYS = 30  # a posted DM's copy in the outbox is kept this long (it names people and cases)


def purge_expired(service: ConversationService, now: dt.datetime | None = None) -> int:
    """Delete every expired case, each in its own transaction (and audited); returns how many went. Posted
    DMs leave the outbox after OUTBOX_DAYS."""
    now = now or service.clock()
    with service.store.transaction() as session:
        org = org_repo.get_organisation(session, key=service.org.key)
        if org is not None:
            outbox_repo.prune(session, org_id=org.id, before=now - dt.timedelta(days=OUTBOX_DAYS))
    purged = 0
    for item in expired_cases(service, now):
        with service.store.transaction() as session:
            org = org_repo.organisation(session, key=service.org.key)
            case = case_repo.get_case(session, org_id=org.id, code=item.code)
            if case is None or (case.current_node is not None and org.uninstalled_at is None):  # reopened since
                continue
            service.core.audit(
                session,
                now,
                "purge",
                outcome="ok",
                org_id=org.id,
                case=case,
                person=None,
                roles=set(),
                user_ref="retention",
            )
            digest = figures_repo.digest(session, case=case)
            year = case.created_at.astimezone(service.tz).year
            facts = case_facts(digest, service.flows[case.flow_version], service.tz)
            retention_repo.purge(session, case=case, year=year, facts=facts)
            purged += 1
    if purged:
        log.warning("retention: purged %s closed case(s) whose term ended; anonymous counts kept", purged)
    return purged
