"""Repository: inbound platform events already handled (deduplication of retried deliveries)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent


def claim(session: Session, *, event_id: str, now: dt.datetime) -> bool:
    """True the first time an event id is seen (in any process sharing the database), False after."""
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id, created_at=now))
            session.flush()
        return True
    except IntegrityError:
        return False
