"""Repository: inbound platform events already handled (deduplication of retried and replayed deliveries)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent, rows_changed, table

_TABLE = table(ProcessedEvent)
# RETURNING tells whether the row went in (psycopg reports no rowcount for this statement).
_INSERTS = {
    "sqlite": sqlite_insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.event_id),
    "postgresql": pg_insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.event_id),
}


def claim(session: Session, *, event_id: str, now: dt.datetime) -> bool:
    """True the first time an event id is seen (in any process sharing the database), False after. In the
    caller's transaction: rolled back with it, the event counts as not handled."""
    statement = _INSERTS[session.get_bind().dialect.name]
    return session.execute(statement, {"event_id": event_id[:64], "created_at": now}).first() is not None


def forget_before(session: Session, *, before: dt.datetime) -> int:
    """Ids older than any retry or replay Slack's signatures allow (5 minutes) are of no use any more."""
    return rows_changed(session.execute(delete(ProcessedEvent).where(ProcessedEvent.created_at < before)))
