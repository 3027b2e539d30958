"""Repository: reminder rows (D1-D8). This package creates and cancels them; issue "reminders" sends them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Case, Reminder, new_id, rows_changed, table

_INSERT = insert(table(Reminder))
_CANCELLABLE = ("pending", "sending", "sent")
# One statement per number of kinds, with plain parameters: an expanding IN would be rendered anew on each call.
_CANCEL: dict[int, Any] = {}


def _cancel_statement(kinds: int):
    statement = _CANCEL.get(kinds)
    if statement is None:
        t = table(Reminder)
        statement = _CANCEL[kinds] = (
            update(t)
            .where(
                t.c.case_id == bindparam("for_case"),
                or_(*(t.c.status == s for s in _CANCELLABLE)),
                or_(*(t.c.kind == bindparam(f"kind{i}") for i in range(kinds))),
            )
            .values(status="cancelled", updated_at=bindparam("at"))
        )
    return statement


def schedule(
    session: Session,
    *,
    case: Case,
    kind: str,
    recipient_role: str,
    recipient_id: int | None,
    due: Iterable[dt.datetime],
    node_id: str | None,
    now: dt.datetime,
) -> list[int]:
    """Adds one pending reminder per due moment; returns their ids."""
    rows = [
        {
            "org_id": case.org_id,
            "case_id": case.id,
            "kind": kind,
            "recipient_role": recipient_role,
            "recipient_id": recipient_id,
            "due_at": moment,
            "status": "pending",
            "node_id": node_id,
            "created_at": now,
            "updated_at": now,
        }
        for moment in due
    ]
    return [new_id(session.execute(_INSERT, row)) for row in rows]


def cancel(session: Session, *, case_id: int, kinds: Iterable[str], now: dt.datetime) -> int:
    kinds = sorted(set(kinds))
    if not kinds:
        return 0
    params = {"for_case": case_id, "at": now, **{f"kind{i}": kind for i, kind in enumerate(kinds)}}
    return rows_changed(session.execute(_cancel_statement(len(kinds)), params))


def cancel_for_org(session: Session, *, org_id: int, now: dt.datetime) -> int:
    """Everything still to send for an organisation that removed the app."""
    result = session.execute(
        update(Reminder)
        .where(Reminder.org_id == org_id, Reminder.status.in_(("pending", "sending")))
        .values(status="cancelled", updated_at=now)
    )
    return rows_changed(result)


def pending(session: Session, *, case_id: int) -> list[Reminder]:
    return list(
        session.scalars(
            select(Reminder).where(Reminder.case_id == case_id, Reminder.status == "pending").order_by(Reminder.due_at)
        )
    )


def _of_open_cases(session: Session, org_id: int, limit: int, *where) -> list[Reminder]:
    """Reminders of an organisation's open cases (a closed case has no terms), soonest first."""
    return list(
        session.scalars(
            select(Reminder)
            .join(Case, Case.id == Reminder.case_id)
            .where(Reminder.org_id == org_id, Case.current_node.is_not(None), *where)
            .order_by(Reminder.due_at)
            .limit(limit)
        )
    )


def due_between(
    session: Session,
    *,
    org_id: int,
    start: dt.datetime,
    end: dt.datetime,
    skip: Collection[str] = (),
    limit: int = 20,
) -> list[Reminder]:
    """Terms of open cases that fall due in [start, end): what the AF's week holds."""
    return _of_open_cases(
        session,
        org_id,
        limit,
        Reminder.status == "pending",
        Reminder.due_at >= start,
        Reminder.due_at < end,
        Reminder.kind.not_in(skip),
    )


def overdue(session: Session, *, org_id: int, now: dt.datetime, limit: int = 20) -> list[Reminder]:
    return _of_open_cases(
        session, org_id, limit, Reminder.status.in_(("pending", "sending", "sent", "failed")), Reminder.due_at < now
    )


def claim_due(session: Session, *, org_id: int, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[Reminder]:
    """Take up to `limit` due reminders of one organisation for this sender until the lease ends. On PostgreSQL
    rows another sender holds are skipped (FOR UPDATE SKIP LOCKED); on SQLite the write lock serialises senders."""
    due = (
        select(Reminder)
        .where(
            Reminder.org_id == org_id,
            Reminder.status.in_(("pending", "sending")),
            Reminder.due_at <= now,
            (Reminder.lease_until.is_(None)) | (Reminder.lease_until < now),
        )
        .order_by(Reminder.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(due))
    for row in rows:
        row.status, row.lease_until, row.updated_at = "sending", now + lease, now
    session.flush()
    return rows


def drop(session: Session, *, reminder: Reminder, now: dt.datetime) -> None:
    """A claimed reminder that no longer applies (D6 while the case waits on Veilig Thuis or a term)."""
    reminder.status, reminder.lease_until, reminder.updated_at = "cancelled", None, now
    session.flush()


def mark_sent(session: Session, *, reminder_id: int, now: dt.datetime) -> None:
    session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == "sending")
        .values(status="sent", sent_at=now, lease_until=None, updated_at=now)
    )


def mark_failed_attempt(
    session: Session, *, reminder_id: int, now: dt.datetime, error: str, retry_at: dt.datetime | None
) -> Reminder | None:
    """Back to pending for a later try, or `failed` when retry_at is None. Returns the row."""
    row = session.get(Reminder, reminder_id)
    if row is None or row.status != "sending":
        return None
    row.attempts += 1
    row.last_error = error[:80]
    row.lease_until = None
    row.updated_at = now
    if retry_at is None:
        row.status = "failed"
    else:
        row.status, row.due_at = "pending", retry_at
    session.flush()
    return row


def get(session: Session, *, reminder_id: int) -> Reminder | None:
    return session.get(Reminder, reminder_id)


def listing(
    session: Session,
    *,
    org_id: int | None = None,
    case_id: int | None = None,
    statuses: Iterable[str] = ("pending", "sending", "failed"),
) -> list[Reminder]:
    query = select(Reminder).where(Reminder.status.in_(list(statuses)))
    if org_id is not None:
        query = query.where(Reminder.org_id == org_id)
    if case_id is not None:
        query = query.where(Reminder.case_id == case_id)
    return list(session.scalars(query.order_by(Reminder.due_at)))


def snooze(session: Session, *, reminder: Reminder, until: dt.datetime, now: dt.datetime) -> None:
    """Due again at `until` (a person asked for a day or a week more)."""
    reminder.due_at, reminder.status, reminder.lease_until, reminder.updated_at = until, "pending", None, now
    session.flush()


def mark_done(session: Session, *, reminder: Reminder, note: str, person_id: int, now: dt.datetime) -> None:
    """Done, with what was done about it (sealed, like all typed text)."""
    reminder.status, reminder.done_note, reminder.done_by_id = "done", note, person_id
    reminder.lease_until, reminder.updated_at = None, now
    session.flush()
