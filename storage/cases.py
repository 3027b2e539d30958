"""Repository: cases, members, append-only answers and their corrections, the timeline (signals and their
follow-ups: storage.signals; consultations: storage.consultations)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from storage.models import (
    Answer,
    Case,
    CaseCounter,
    CaseMember,
    Correction,
    Event,
    new_id,
    rows_changed,
    table,
)

_COUNTERS = table(CaseCounter)
_COUNT = (
    update(_COUNTERS)
    .where(_COUNTERS.c.org_id == bindparam("for_org"), _COUNTERS.c.year == bindparam("in_year"))
    .values(last=_COUNTERS.c.last + 1)
    .returning(_COUNTERS.c.last)
)
_FIRST_OF_YEAR = {
    dialect: module.insert(_COUNTERS).on_conflict_do_nothing()
    for dialect, module in (("sqlite", sqlite), ("postgresql", postgresql))
}
_INSERT_MEMBER = insert(table(CaseMember))


def next_case_code(session: Session, *, org_id: int, year: int) -> str:
    """MC-YYYY-NNNN, numbered per organisation and year; the counter row stays locked until the commit."""
    number = session.execute(_COUNT, {"for_org": org_id, "in_year": year}).scalar()
    if number is None:  # the year's first case: whoever creates the row, both then count on it in turn
        session.execute(_FIRST_OF_YEAR[session.get_bind().dialect.name], {"org_id": org_id, "year": year, "last": 0})
        number = session.execute(_COUNT, {"for_org": org_id, "in_year": year}).scalar()
    return f"MC-{year}-{number:04d}"


def create_case(
    session: Session,
    *,
    org_id: int,
    owner_id: int,
    flow_id: str,
    flow_version: int,
    start_node: str,
    now: dt.datetime,
    year: int,
    draft_ref: str | None = None,
) -> Case:
    case = Case(
        org_id=org_id,
        code=next_case_code(session, org_id=org_id, year=year),
        draft_ref=draft_ref,
        flow_id=flow_id,
        flow_version=flow_version,
        owner_id=owner_id,
        current_node=start_node,
        outcome=None,
        status="open",
        flags=[],
        round=1,
        created_at=now,
        updated_at=now,
        closed_at=None,
    )
    session.add(case)
    session.flush()
    session.execute(
        _INSERT_MEMBER,
        {
            "org_id": org_id,
            "case_id": case.id,
            "person_id": owner_id,
            "added_by_id": owner_id,
            "added_at": now,
            "removed_at": None,
        },
    )
    return case


# The statements every step runs are built once: building one costs more than running it.
_CODE_OF = select(Case.code).where(Case.id == bindparam("case_id"))
_WITH_OWNER = joinedload(Case.owner)  # lists show their owners: one query, not one per case
_CASE = select(Case).where(Case.org_id == bindparam("org_id"), Case.code == bindparam("code"))
_CASE_AND_MEMBERSHIP = select(
    Case,
    exists().where(
        CaseMember.case_id == Case.id, CaseMember.person_id == bindparam("person_id"), CaseMember.removed_at.is_(None)
    ),
).where(Case.org_id == bindparam("org_id"), Case.code == bindparam("code"))
_MEMBER_IDS = select(table(CaseMember).c.person_id).where(
    table(CaseMember).c.case_id == bindparam("case_id"), table(CaseMember).c.removed_at.is_(None)
)
_LATEST_ANSWERS = (
    select(table(Answer).c.node_id, table(Answer).c["values"])
    .where(table(Answer).c.case_id == bindparam("case_id"))
    .order_by(table(Answer).c.id)
)
_INSERT_ANSWER = insert(table(Answer))
_INSERT_EVENT = insert(table(Event))


def case_of_draft(session: Session, *, org_id: int, owner_id: int, draft_ref: str) -> Case | None:
    """The case a first answer from this form already made (its owner's), if any."""
    return session.scalar(
        select(Case).where(Case.org_id == org_id, Case.owner_id == owner_id, Case.draft_ref == draft_ref)
    )


def get_case(session: Session, *, org_id: int, code: str) -> Case | None:
    return session.scalar(_CASE, {"org_id": org_id, "code": code.strip().upper()})


_CASES = table(Case)
_MOVE = (
    update(_CASES)
    .where(_CASES.c.id == bindparam("case_pk"), _CASES.c.version == bindparam("seen"))
    .values(
        current_node=bindparam("to_node"),
        outcome=bindparam("to_outcome"),
        status=bindparam("to_status"),
        flags=bindparam("to_flags"),
        updated_at=bindparam("at"),
        closed_at=bindparam("closed"),
        round=bindparam("to_round"),
        version=_CASES.c.version + 1,
    )
)


def move_case(
    session: Session,
    *,
    case: Case,
    node: str | None,
    outcome: str | None,
    status: str,
    flags: Iterable[str],
    now: dt.datetime,
    round: int | None = None,
) -> None:
    """Raises StaleDataError when someone else moved the case meanwhile (the optimistic lock)."""
    session.flush()  # the case's own pending changes go first, under the version they were read with
    values = {
        "current_node": node,
        "outcome": outcome,
        "status": status,
        "flags": sorted(flags),
        "updated_at": now,
        "closed_at": now if node is None else None,
        "round": case.round if round is None else round,
    }
    result = session.execute(
        _MOVE,
        {
            "case_pk": case.id,
            "seen": case.version,
            "to_node": values["current_node"],
            "to_outcome": outcome,
            "to_status": status,
            "to_flags": values["flags"],
            "at": now,
            "closed": values["closed_at"],
            "to_round": values["round"],
        },
    )
    if rows_changed(result) != 1:
        raise StaleDataError(f"case {case.id} was moved by another transaction")
    for key, value in values.items():
        set_committed_value(case, key, value)
    set_committed_value(case, "version", case.version + 1)


def adopt_flow_version(session: Session, *, case: Case, version: int, now: dt.datetime) -> None:
    """A case that has answered nothing yet follows a newer version of the flow (nothing recorded changes)."""
    session.flush()
    result = session.execute(
        update(_CASES)
        .where(_CASES.c.id == case.id, _CASES.c.version == case.version)
        .values(flow_version=version, updated_at=now, version=_CASES.c.version + 1)
    )
    if rows_changed(result) != 1:
        raise StaleDataError(f"case {case.id} was moved by another transaction")
    for key, value in (("flow_version", version), ("updated_at", now), ("version", case.version + 1)):
        set_committed_value(case, key, value)


def set_flags(session: Session, *, case: Case, flags: Iterable[str], now: dt.datetime) -> None:
    """The case's flags change (the consultation taken up, a child's own disclosure); it stays where it is."""
    move_case(
        session, case=case, node=case.current_node, outcome=case.outcome, status=case.status, flags=flags, now=now
    )


def get_case_for(session: Session, *, org_id: int, code: str, person_id: int) -> tuple[Case | None, bool]:
    """The case, and whether this person is one of its members (one query)."""
    row = session.execute(
        _CASE_AND_MEMBERSHIP, {"org_id": org_id, "code": code.strip().upper(), "person_id": person_id}
    ).first()
    return (row[0], bool(row[1])) if row else (None, False)


def member_ids(session: Session, *, case_id: int) -> set[int]:
    return set(session.scalars(_MEMBER_IDS, {"case_id": case_id}))


def add_member(session: Session, *, case: Case, person_id: int, added_by_id: int, now: dt.datetime) -> bool:
    if person_id in member_ids(session, case_id=case.id):
        return False
    session.add(
        CaseMember(
            org_id=case.org_id,
            case_id=case.id,
            person_id=person_id,
            added_by_id=added_by_id,
            added_at=now,
            removed_at=None,
        )
    )
    session.flush()
    return True


def remove_member(session: Session, *, case: Case, person_id: int, now: dt.datetime) -> bool:
    """Membership ends (the row stays, with when); access ends with it."""
    member = session.scalar(
        select(CaseMember).where(
            CaseMember.case_id == case.id, CaseMember.person_id == person_id, CaseMember.removed_at.is_(None)
        )
    )
    if member is None or person_id == case.owner_id:
        return False
    member.removed_at = now
    session.flush()
    return True


def cases_of_member(session: Session, *, org_id: int, person_id: int) -> list[Case]:
    ids = select(CaseMember.case_id).where(CaseMember.person_id == person_id, CaseMember.removed_at.is_(None))
    return list(
        session.scalars(
            select(Case)
            .where(Case.org_id == org_id, Case.id.in_(ids))
            .options(_WITH_OWNER)
            .order_by(Case.updated_at.desc())
        )
    )


def cases_at_nodes(session: Session, *, org_id: int, nodes: Iterable[str]) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .where(Case.org_id == org_id, Case.current_node.in_(list(nodes)))
            .options(_WITH_OWNER)
            .order_by(Case.updated_at)
        )
    )


def add_answer(
    session: Session,
    *,
    case: Case,
    node_id: str,
    values: dict[str, Any],
    actor_id: int,
    actor_role: str,
    now: dt.datetime,
) -> int:
    """Appends the answer (never updated afterwards); returns its id."""
    result = session.execute(
        _INSERT_ANSWER,
        {
            "org_id": case.org_id,
            "case_id": case.id,
            "node_id": node_id,
            "round": case.round,
            "flow_version": case.flow_version,
            "values": values,
            "actor_id": actor_id,
            "actor_role": actor_role,
            "created_at": now,
        },
    )
    return new_id(result)


def answers(session: Session, *, case_id: int) -> list[Answer]:
    return list(session.scalars(select(Answer).where(Answer.case_id == case_id).order_by(Answer.id)))


def latest_answers(session: Session, *, case_id: int) -> dict[str, dict[str, Any]]:
    """The latest answer per node: later rows win, earlier ones stay stored."""
    return {node_id: values for node_id, values in session.execute(_LATEST_ANSWERS, {"case_id": case_id})}


def add_correction(session: Session, *, answer: Answer, note: str, created_by_id: int, now: dt.datetime) -> Correction:
    correction = Correction(
        org_id=answer.org_id,
        case_id=answer.case_id,
        answer_id=answer.id,
        note=note,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(correction)
    session.flush()
    return correction


def corrections(session: Session, *, case_id: int) -> list[Correction]:
    return list(session.scalars(select(Correction).where(Correction.case_id == case_id).order_by(Correction.id)))


def add_event(
    session: Session,
    *,
    org_id: int,
    case_id: int | None,
    kind: str,
    actor_id: int | None,
    now: dt.datetime,
    node_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.execute(
        _INSERT_EVENT,
        {
            "org_id": org_id,
            "case_id": case_id,
            "kind": kind,
            "node_id": node_id,
            "detail": detail or {},
            "actor_id": actor_id,
            "created_at": now,
        },
    )


def opened_between(session: Session, *, org_id: int, start: dt.datetime, end: dt.datetime) -> list[Case]:
    """Cases opened from `start` (inclusive) to `end` (exclusive), for the evaluation figures."""
    return list(
        session.scalars(
            select(Case)
            .where(Case.org_id == org_id, Case.created_at >= start, Case.created_at < end)
            .options(_WITH_OWNER)
        )
    )


def org_events(session: Session, *, org_id: int, limit: int) -> list[Event]:
    """Events of the organisation itself (role changes, absences, hand-overs), newest first."""
    return list(
        session.scalars(
            select(Event).where(Event.org_id == org_id, Event.case_id.is_(None)).order_by(Event.id.desc()).limit(limit)
        )
    )


def timeline(session: Session, *, case_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id)))


def code_of(session: Session, *, case_id: int) -> str:
    """A case's code, by its id (for lists of rows that hold only the id)."""
    return session.scalar(_CODE_OF, {"case_id": case_id}) or ""


def case_by_id(session: Session, *, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def case_of(session: Session, *, case_id: int) -> Case:
    """The case a row of it names (its foreign key holds it there)."""
    case = session.get(Case, case_id)
    if case is None:
        raise LookupError(f"case {case_id} is not in the database")
    return case
