"""Repository: the living DM of each case and person (its chat reference, and a digest of what it last said)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import LivingMessage


def of_case(session: Session, *, case_id: int) -> dict[str, LivingMessage]:
    """Each recipient's living message of the case, by their external id."""
    return {m.recipient: m for m in session.scalars(select(LivingMessage).where(LivingMessage.case_id == case_id))}


def written(
    session: Session, *, case_id: int, recipient: str, digest: str, now: dt.datetime, known: LivingMessage | None
) -> LivingMessage:
    """What the living message will say next (its digest), noted with the event that changes it."""
    if known is None:
        known = LivingMessage(case_id=case_id, recipient=recipient, digest=digest, updated_at=now)
        session.add(known)
        session.flush()
    else:
        known.digest, known.updated_at = digest, now
    return known


def posted(session: Session, *, living_id: int, ref: str) -> None:
    """The chat's reference of the message as posted (or updated): the next change updates that message."""
    session.execute(update(LivingMessage).where(LivingMessage.id == living_id).values(ref=ref[:100]))
