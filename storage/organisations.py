"""Repository: organisations, their people and roles, and AF absences."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Absence, Organisation, Person


def ensure_organisation(session: Session, *, key: str, name: str, timezone: str,
                        now: dt.datetime) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.key == key))
    if org is None:
        org = Organisation(key=key, name=name, timezone=timezone, created_at=now)
        session.add(org)
        session.flush()
    else:
        org.name, org.timezone = name, timezone
    return org


def get_organisation(session: Session, *, key: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.key == key))


def sync_people(session: Session, *, org_id: int, people: Iterable[Mapping[str, Any]],
                absences: Iterable[Mapping[str, Any]]) -> None:
    """Make the stored people and absences match the config; people who left are deactivated, not deleted."""
    existing = {p.external_id: p for p in session.scalars(select(Person).where(Person.org_id == org_id))}
    seen = set()
    for spec in people:
        person = existing.get(spec["external_id"])
        if person is None:
            person = Person(org_id=org_id, external_id=spec["external_id"])
            session.add(person)
        for key in ("name", "staff_role", "is_af", "is_deputy", "is_board", "is_admin"):
            setattr(person, key, spec[key])
        person.active = True
        seen.add(spec["external_id"])
    for external_id, person in existing.items():
        if external_id not in seen:
            person.active = False
    session.flush()
    by_external = {p.external_id: p for p in session.scalars(select(Person).where(Person.org_id == org_id))}
    session.execute(delete(Absence).where(Absence.org_id == org_id))
    for spec in absences:
        session.add(Absence(org_id=org_id, person_id=by_external[spec["person"]].id,
                            starts_on=spec["from"], ends_on=spec["to"]))
    session.flush()


def get_person(session: Session, *, org_id: int, external_id: str) -> Person | None:
    return session.scalar(select(Person).where(Person.org_id == org_id, Person.external_id == external_id,
                                               Person.active.is_(True)))


def person_by_id(session: Session, *, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def list_people(session: Session, *, org_id: int) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.org_id == org_id, Person.active.is_(True))
                                .order_by(Person.id)))


def is_absent(session: Session, *, person_id: int, on: dt.date) -> bool:
    return session.scalar(select(Absence.id).where(Absence.person_id == person_id,
                                                   Absence.starts_on <= on, Absence.ends_on >= on)
                          .limit(1)) is not None


def acting_af(session: Session, *, org_id: int, on: dt.date) -> Person | None:
    """B4: the AF, or while the AF is absent the first deputy who is not absent."""
    people = list_people(session, org_id=org_id)
    for af in (p for p in people if p.is_af):
        if not is_absent(session, person_id=af.id, on=on):
            return af
    for deputy in (p for p in people if p.is_deputy):
        if not is_absent(session, person_id=deputy.id, on=on):
            return deputy
    return None


def board_contacts(session: Session, *, org_id: int) -> list[Person]:
    return [p for p in list_people(session, org_id=org_id) if p.is_board]
