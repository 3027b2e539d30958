"""Repository: what the yearly evaluation (C7) reads of cases, in a few grouped queries, and the anonymous
counts per year that outlive purged cases (year_counts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Answer, Case, Consultation, Reminder, YearCount

UNANSWERED = ("sent", "failed")  # a reminder sent (or given up on) that nobody marked done and no step ended


@dataclass(frozen=True)
class CaseDigest:
    """One case as the evaluation sees it: no text, no person."""

    id: int
    created_at: dt.datetime
    flow_version: int
    outcome: str | None
    nodes: frozenset[str]  # the questions answered
    requested_at: dt.datetime | None  # the first consultation request (step 2)
    taken_up_at: dt.datetime | None  # when the AF (or a deputy) first answered it
    unanswered: int  # reminders that went unanswered


def digests(session: Session, *, org_id: int, start: dt.datetime, end: dt.datetime) -> list[CaseDigest]:
    """The cases opened from `start` (inclusive) to `end` (exclusive)."""
    cases = session.execute(
        select(Case.id, Case.created_at, Case.flow_version, Case.outcome)
        .where(Case.org_id == org_id, Case.created_at >= start, Case.created_at < end)
        .order_by(Case.id)
    ).all()
    if not cases:
        return []
    ids = select(Case.id).where(Case.org_id == org_id, Case.created_at >= start, Case.created_at < end)
    nodes: dict[int, set[str]] = {}
    for case_id, node_id in session.execute(
        select(Answer.case_id, Answer.node_id).where(Answer.case_id.in_(ids)).distinct()
    ):
        nodes.setdefault(case_id, set()).add(node_id)
    first: dict[int, tuple[dt.datetime, dt.datetime | None]] = {}
    for case_id, requested, taken in session.execute(
        select(Consultation.case_id, Consultation.requested_at, Consultation.taken_up_at)
        .where(Consultation.case_id.in_(ids))
        .order_by(Consultation.id)
    ):
        first.setdefault(case_id, (requested, taken))
    unanswered = dict(
        session.execute(
            select(Reminder.case_id, func.count())
            .where(Reminder.case_id.in_(ids), Reminder.status.in_(UNANSWERED))
            .group_by(Reminder.case_id)
        ).all()
    )
    return [
        CaseDigest(
            id=case_id,
            created_at=created,
            flow_version=version,
            outcome=outcome,
            nodes=frozenset(nodes.get(case_id, ())),
            requested_at=first.get(case_id, (None, None))[0],
            taken_up_at=first.get(case_id, (None, None))[1],
            unanswered=unanswered.get(case_id, 0),
        )
        for case_id, created, version, outcome in cases
    ]


def digest(session: Session, *, case: Case) -> CaseDigest:
    """One case's digest (the retention purge counts it before it goes)."""
    end = case.created_at + dt.timedelta(microseconds=1)
    return next(d for d in digests(session, org_id=case.org_id, start=case.created_at, end=end) if d.id == case.id)


def add_year_counts(session: Session, *, org_id: int, year: int, facts: Mapping[tuple[str, str], int]) -> None:
    """Add one purged case's anonymous facts ((metric, label) -> n) to its year's counts."""
    for (metric, label), n in facts.items():
        row = session.get(YearCount, (org_id, year, metric, label))
        if row is None:
            row = YearCount(org_id=org_id, year=year, metric=metric, label=label, count=0)
            session.add(row)
        row.count += n
    session.flush()


def year_counts(session: Session, *, org_id: int, first: int, last: int) -> dict[int, dict[tuple[str, str], int]]:
    """The kept counts of purged cases, per year from `first` to `last`."""
    out: dict[int, dict[tuple[str, str], int]] = {}
    for row in session.scalars(
        select(YearCount).where(YearCount.org_id == org_id, YearCount.year >= first, YearCount.year <= last)
    ):
        out.setdefault(row.year, {})[(row.metric, row.label)] = row.count
    return out


def first_year(session: Session, *, org_id: int) -> int | None:
    """The first year with any case, live or purged."""
    live = session.scalar(select(func.min(Case.created_at)).where(Case.org_id == org_id))
    kept = session.scalar(select(func.min(YearCount.year)).where(YearCount.org_id == org_id))
    years = [y for y in (live.year if live else None, kept) if y is not None]
    return min(years) if years else None
