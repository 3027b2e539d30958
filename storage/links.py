"""Repository: one-time dossier links (stored as the hash of their token; a token is used once, in time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Case, DossierLink, Person


def mint(
    session: Session, *, case: Case, person_id: int, token_hash: str, fmt: str, now: dt.datetime, valid: dt.timedelta
) -> None:
    session.add(
        DossierLink(
            org_id=case.org_id,
            case_id=case.id,
            person_id=person_id,
            token_hash=token_hash,
            fmt=fmt,
            created_at=now,
            expires_at=now + valid,
        )
    )
    session.flush()


@dataclass(frozen=True)
class Claimed:
    org_id: int
    person: str  # the external id of whom the link was minted for
    code: str
    fmt: str
    case_id: int


def org_of(session: Session, *, token_hash: str) -> int | None:
    return session.scalar(select(DossierLink.org_id).where(DossierLink.token_hash == token_hash))


def claim(session: Session, *, token_hash: str, now: dt.datetime) -> tuple[Claimed | None, str, int | None]:
    """Use a link: (what it opens, "ok", case id) once, in time; else (None, why: unknown | used | expired, case id)."""
    link = session.scalar(select(DossierLink).where(DossierLink.token_hash == token_hash))
    if link is None:
        return None, "unknown", None
    if link.used_at is not None:
        return None, "used", link.case_id
    if link.expires_at <= now:
        return None, "expired", link.case_id
    taken = session.execute(
        update(DossierLink).where(DossierLink.id == link.id, DossierLink.used_at.is_(None)).values(used_at=now)
    )
    if getattr(taken, "rowcount", 1) != 1:  # another request used it a moment before
        return None, "used", link.case_id
    person = session.get(Person, link.person_id)
    case = session.get(Case, link.case_id)
    assert person is not None and case is not None
    return Claimed(link.org_id, person.external_id, case.code, link.fmt, case.id), "ok", case.id
