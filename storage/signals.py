"""Repository: a case's signals (S1) and the follow-ups that confirm or refute a hypothesis (S1.3), append-only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Case, Signal, SignalFollowUp


def add_signal(
    session: Session,
    *,
    case: Case,
    kind: str,
    text: str,
    source: str | None,
    diagnosed_by: str | None,
    observed_on: dt.date | None,
    created_by_id: int,
    now: dt.datetime,
    answer_id: int | None = None,
    disclosure: bool = False,
) -> Signal:
    signal = Signal(
        org_id=case.org_id,
        case_id=case.id,
        answer_id=answer_id,
        kind=kind,
        text=text,
        source=source,
        diagnosed_by=diagnosed_by,
        observed_on=observed_on,
        disclosure=disclosure,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(signal)
    session.flush()
    return signal


def signals(session: Session, *, case_id: int) -> list[Signal]:
    return list(session.scalars(select(Signal).where(Signal.case_id == case_id).order_by(Signal.id)))


def add_follow_up(
    session: Session, *, signal: Signal, verdict: str, note: str, created_by_id: int, now: dt.datetime
) -> SignalFollowUp:
    follow = SignalFollowUp(
        org_id=signal.org_id,
        case_id=signal.case_id,
        signal_id=signal.id,
        verdict=verdict,
        note=note,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(follow)
    session.flush()
    return follow


def follow_ups(session: Session, *, case_id: int) -> dict[int, list[SignalFollowUp]]:
    """A case's hypothesis follow-ups (S1.3), oldest first, per signal they follow up."""
    by_signal: dict[int, list[SignalFollowUp]] = {}
    for follow_up in session.scalars(
        select(SignalFollowUp).where(SignalFollowUp.case_id == case_id).order_by(SignalFollowUp.id)
    ):
        by_signal.setdefault(follow_up.signal_id, []).append(follow_up)
    return by_signal
