"""Repository: the DM outbox (written with the event that causes a DM; posted once, or found again later)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from storage.models import OutboxMessage, new_id, table

_INSERT = insert(table(OutboxMessage))


def add(
    session: Session, *, org_id: int, recipient: str, message: dict[str, Any], now: dt.datetime, lease: dt.timedelta
) -> int:
    """Returns the new message's id."""
    return new_id(
        session.execute(
            _INSERT,
            {
                "org_id": org_id,
                "recipient": recipient,
                "message": message,
                "status": "sending",
                "attempts": 0,
                "lease_until": now + lease,
                "created_at": now,
            },
        )
    )


def claim_stale(
    session: Session, *, org_id: int, now: dt.datetime, lease: dt.timedelta, limit: int
) -> list[OutboxMessage]:
    """DMs whose sender did not report back before its lease ended (it died, or Slack failed): take them over."""
    rows = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.org_id == org_id, OutboxMessage.status == "sending", OutboxMessage.lease_until < now)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for row in rows:
        row.lease_until = now + lease
    session.flush()
    return rows


def mark_sent(session: Session, *, message_id: int, now: dt.datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "sending")
        .values(status="sent", sent_at=now, lease_until=None)
    )


def mark_failed_attempt(
    session: Session, *, message_id: int, now: dt.datetime, error: str, retry_at: dt.datetime | None
) -> None:
    row = session.get(OutboxMessage, message_id)
    if row is None or row.status != "sending":
        return
    row.attempts += 1
    row.last_error = error[:80]
    if retry_at is None:
        row.status, row.lease_until = "failed", None
    else:
        row.lease_until = retry_at
    session.flush()


def prune(session: Session, *, org_id: int, before: dt.datetime) -> int:
    """Posted (or given up) DMs older than `before`: they name people and cases, and are needed no longer."""
    rows = list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.org_id == org_id,
                OutboxMessage.status.in_(("sent", "failed")),
                OutboxMessage.created_at < before,
            )
        )
    )
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def counts(session: Session, *, org_id: int) -> dict[str, int]:
    rows = session.scalars(select(OutboxMessage.status).where(OutboxMessage.org_id == org_id))
    out: dict[str, int] = {}
    for status in rows:
        out[status] = out.get(status, 0) + 1
    return out


def backlog(session: Session) -> tuple[int, dt.datetime | None]:
    """DMs of every organisation not yet delivered, and when the oldest of them was written (for /metrics)."""
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status != "sent")
    ).one()
    return int(count or 0), oldest
