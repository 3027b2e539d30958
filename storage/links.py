"""Repository: one-time links to a dossier or the yearly report (stored as the hash of their token; used once,
in time)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Case, DossierLink, Person


def mint(
    session: Session,
    *,
    org_id: int,
    person_id: int,
    token_hash: str,
    fmt: str,
    now: dt.datetime,
    valid: dt.timedelta,
    case: Case | None = None,
    year: int | None = None,
) -> None:
    """A link to a case's dossier (`case`), or to the yearly report of `year` (fmt "report")."""
    session.add(
        DossierLink(
            org_id=org_id,
            case_id=case.id if case is not None else None,
            year=year,
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
    code: str | None  # the case's (None: the yearly report)
    fmt: str
    case_id: int | None
    year: int | None  # the yearly report's


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
    case = session.get(Case, link.case_id) if link.case_id is not None else None
    assert person is not None
    code = case.code if case is not None else None
    return Claimed(link.org_id, person.external_id, code, link.fmt, link.case_id, link.year), "ok", link.case_id
