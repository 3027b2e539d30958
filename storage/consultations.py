"""Repository: consultation requests (B2): asked by the staff member, taken up by the AF, or handed to a deputy
who then acts as AF for the case (B4, D5)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import Case, Consultation

_LATEST_CONSULTATION = (
    select(Consultation).where(Consultation.case_id == bindparam("case_id")).order_by(Consultation.id.desc()).limit(1)
)


def request_consultation(
    session: Session, *, case: Case, urgency: str, requested_by_id: int, assigned_to_id: int | None, now: dt.datetime
) -> Consultation:
    consultation = Consultation(
        org_id=case.org_id,
        case_id=case.id,
        urgency=urgency,
        requested_by_id=requested_by_id,
        assigned_to_id=assigned_to_id,
        requested_at=now,
        taken_up_by_id=None,
        taken_up_at=None,
    )
    session.add(consultation)
    session.flush()
    return consultation


def open_consultation(session: Session, *, case_id: int) -> Consultation | None:
    return session.scalar(
        select(Consultation)
        .where(Consultation.case_id == case_id, Consultation.taken_up_at.is_(None))
        .order_by(Consultation.id.desc())
        .limit(1)
    )


def waiting_consultations(session: Session, *, org_id: int) -> list[Consultation]:
    return list(
        session.scalars(
            select(Consultation)
            .where(Consultation.org_id == org_id, Consultation.taken_up_at.is_(None))
            .order_by(Consultation.requested_at)
        )
    )


def latest_consultation(session: Session, *, case_id: int) -> Consultation | None:
    return session.scalar(_LATEST_CONSULTATION, {"case_id": case_id})


def open_cases_taken_up_by(session: Session, *, org_id: int, person_id: int) -> list[int]:
    """The open cases whose consultation this person took up (the AF's, or a deputy's)."""
    return list(
        session.scalars(
            select(Consultation.case_id)
            .join(Case, Case.id == Consultation.case_id)
            .where(
                Consultation.org_id == org_id,
                Consultation.taken_up_by_id == person_id,
                Case.current_node.is_not(None),
            )
            .distinct()
        )
    )


def handed_to(session: Session, *, case_id: int) -> int | None:
    """The deputy the AF handed the case's latest consultation to, if any."""
    latest = latest_consultation(session, case_id=case_id)
    return latest.handed_to_id if latest else None


def take_up_consultation(session: Session, *, consultation: Consultation, person_id: int, now: dt.datetime) -> None:
    """B2: the AF (or the deputy it went to) takes the consultation request up."""
    consultation.taken_up_by_id, consultation.taken_up_at = person_id, now
    session.flush()


def hand_consultation_to(session: Session, *, consultation: Consultation, person_id: int, assign: bool) -> None:
    """B4/D5: a deputy acts as AF for this case from now on (`assign`: the request is theirs to take up too)."""
    consultation.handed_to_id = person_id
    if assign:
        consultation.assigned_to_id = person_id
    session.flush()
