"""Repository: reminder rows (D1-D8). This package creates and cancels them; issue "reminders" sends them."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Case, Reminder


def schedule(session: Session, *, case: Case, kind: str, recipient_role: str, recipient_id: int | None,
             due: Iterable[dt.datetime], node_id: str | None, now: dt.datetime) -> list[Reminder]:
    rows = [Reminder(org_id=case.org_id, case_id=case.id, kind=kind, recipient_role=recipient_role,
                     recipient_id=recipient_id, due_at=moment, status="pending", node_id=node_id,
                     created_at=now, updated_at=now) for moment in due]
    session.add_all(rows)
    session.flush()
    return rows


def cancel(session: Session, *, case_id: int, kinds: Iterable[str], now: dt.datetime) -> int:
    result = session.execute(update(Reminder)
                             .where(Reminder.case_id == case_id, Reminder.status == "pending",
                                    Reminder.kind.in_(list(kinds)))
                             .values(status="cancelled", updated_at=now))
    return result.rowcount or 0


def pending(session: Session, *, case_id: int) -> list[Reminder]:
    return list(session.scalars(select(Reminder).where(Reminder.case_id == case_id,
                                                       Reminder.status == "pending")
                                .order_by(Reminder.due_at)))


def overdue(session: Session, *, org_id: int, now: dt.datetime, limit: int = 20) -> list[Reminder]:
    return list(session.scalars(select(Reminder).where(Reminder.org_id == org_id, Reminder.status == "pending",
                                                       Reminder.due_at < now)
                                .order_by(Reminder.due_at).limit(limit)))
