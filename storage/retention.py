"""Repository: closed cases past their retention, and purging them down to anonymous counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.figures import add_year_counts
from storage.models import (
    Answer,
    Case,
    CaseMember,
    Consultation,
    Correction,
    DossierLink,
    Event,
    LivingMessage,
    PurgedCount,
    Reminder,
    Signal,
    SignalFollowUp,
)


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def expired(
    session: Session,
    *,
    org_id: int,
    now: dt.datetime,
    months: Mapping[str, int],
    uninstalled_at: dt.datetime | None = None,
) -> list[tuple[Case, dt.datetime]]:
    """Closed cases whose retention ended: (case, when it ended). Open cases are never expired, unless the
    organisation removed the app: then they count as closed from that moment (the "closed" term)."""
    out = []
    query = select(Case).where(Case.org_id == org_id)
    if uninstalled_at is None:
        query = query.where(Case.current_node.is_(None), Case.closed_at.is_not(None))
    for case in session.scalars(query.order_by(Case.id)):
        ended = case.closed_at if case.current_node is None and case.closed_at else uninstalled_at
        keep = months.get(case.status if case.current_node is None else "closed")
        if keep is None or ended is None:
            continue
        until = _add_months(ended, keep)
        if until <= now:
            out.append((case, until))
    return out


def purge(
    session: Session, *, case: Case, year: int | None = None, facts: Mapping[tuple[str, str], int] | None = None
) -> None:
    """Delete the case and all its content; count it anonymously (its outcome per year closed, and the yearly
    evaluation's `facts` in the `year` it opened). The audit trail stays (it holds no content)."""
    if facts:
        add_year_counts(session, org_id=case.org_id, year=year or case.created_at.year, facts=facts)
    year = case.closed_at.year if case.closed_at else case.created_at.year
    counter = session.get(PurgedCount, (case.org_id, year, case.outcome or case.status))
    if counter is None:
        counter = PurgedCount(org_id=case.org_id, year=year, outcome=case.outcome or case.status, count=0)
        session.add(counter)
    counter.count += 1
    for model in (
        Correction,
        SignalFollowUp,
        Signal,
        Reminder,
        Consultation,
        Event,
        CaseMember,
        LivingMessage,
        DossierLink,
    ):
        session.execute(delete(model).where(model.case_id == case.id))
    session.execute(delete(Answer).where(Answer.case_id == case.id))
    session.delete(case)
    session.flush()


def counts(session: Session, *, org_id: int) -> list[PurgedCount]:
    return list(
        session.scalars(
            select(PurgedCount).where(PurgedCount.org_id == org_id).order_by(PurgedCount.year, PurgedCount.outcome)
        )
    )
