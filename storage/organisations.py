"""Repository: organisations, their people and roles, AF absences, and the anonymous close-of-case feedback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from storage.models import Absence, Case, Feedback, Organisation, Person, table


def ensure_organisation(
    session: Session, *, key: str, name: str, timezone: str, now: dt.datetime, flow_id: str | None = None
) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.key == key))
    if org is None:
        org = Organisation(key=key, name=name, timezone=timezone, created_at=now, flow_id=flow_id or "meldcode")
        session.add(org)
        session.flush()
    else:
        org.name, org.timezone = name, timezone
        if flow_id:
            org.flow_id = flow_id
    return org


def flow_ids_in_use(session: Session, *, org_id: int) -> set[str]:
    """The flows the organisation's cases follow (a case keeps the flow it started with)."""
    return set(session.scalars(select(Case.flow_id).where(Case.org_id == org_id).distinct()))


def get_organisation(session: Session, *, key: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.key == key))


def organisation(session: Session, *, key: str) -> Organisation:
    """A served organisation's row: made when its service was built (ensure_organisation), never deleted."""
    org = get_organisation(session, key=key)
    if org is None:
        raise LookupError(f"organisation {key!r} is not in the database")
    return org


def all_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.id)))


def installed_organisations(session: Session) -> list[Organisation]:
    """Every organisation whose workspace still has the app (for the reminder passes of a hosted bot)."""
    return list(
        session.scalars(select(Organisation).where(Organisation.uninstalled_at.is_(None)).order_by(Organisation.id))
    )


def mark_uninstalled(session: Session, *, org: Organisation, now: dt.datetime | None) -> None:
    org.uninstalled_at = now
    session.flush()


def sync_people(
    session: Session, *, org_id: int, people: Iterable[Mapping[str, Any]], absences: Iterable[Mapping[str, Any]]
) -> None:
    """Make the stored people and absences match the config; people who left are deactivated, not deleted.
    The config seeds: roles an admin changed in the app, people added there and absences recorded there stay."""
    existing = {p.external_id: p for p in session.scalars(select(Person).where(Person.org_id == org_id))}
    seen = set()
    for spec in people:
        person = existing.get(spec["external_id"])
        if person is None:
            person = Person(org_id=org_id, external_id=spec["external_id"])
            session.add(person)
        person.name, person.is_admin = spec["name"], spec["is_admin"]
        if not person.managed_here:
            for key in ("staff_role", "is_af", "is_deputy", "is_board"):
                setattr(person, key, spec[key])
        person.active = True
        seen.add(spec["external_id"])
    for external_id, person in existing.items():
        if external_id not in seen and not person.managed_here:
            person.active = False
    session.flush()
    by_external = {p.external_id: p for p in session.scalars(select(Person).where(Person.org_id == org_id))}
    session.execute(delete(Absence).where(Absence.org_id == org_id, Absence.source == "config"))
    for spec in absences:
        session.add(
            Absence(org_id=org_id, person_id=by_external[spec["person"]].id, starts_on=spec["from"], ends_on=spec["to"])
        )
    session.flush()


# The statements every inbound event runs are built once: building one costs more than running it.
_PERSON = select(Person).where(
    Person.org_id == bindparam("org_id"), Person.external_id == bindparam("external_id"), Person.active.is_(True)
)


def get_person(session: Session, *, org_id: int, external_id: str) -> Person | None:
    return session.scalar(_PERSON, {"org_id": org_id, "external_id": external_id})


@dataclass(frozen=True, slots=True)
class Actor:
    """The person an event is for, as a plain row: every event reads one, and loading it as an ORM object cost
    more than the query. Changes go through the functions below, by id."""

    id: int
    org_id: int
    external_id: str
    name: str
    staff_role: str | None
    is_af: bool
    is_deputy: bool
    is_board: bool
    is_admin: bool
    active: bool
    managed_here: bool
    language: str | None


_PEOPLE, _ORGANISATIONS = table(Person), table(Organisation)
_ACTOR_COLUMNS = [_PEOPLE.c[field.name] for field in fields(Actor)]
_PERSON_AND_VERSION = (
    select(*_ACTOR_COLUMNS, _ORGANISATIONS.c.people_version)
    .join(_ORGANISATIONS, _ORGANISATIONS.c.id == _PEOPLE.c.org_id)
    .where(
        _PEOPLE.c.org_id == bindparam("org_id"),
        _PEOPLE.c.external_id == bindparam("external_id"),
        _PEOPLE.c.active.is_(True),
    )
)


def get_person_and_version(session: Session, *, org_id: int, external_id: str) -> tuple[Actor | None, int | None]:
    """The person acting, and the version of the organisation's people and absences as of now (one query)."""
    row = session.execute(_PERSON_AND_VERSION, {"org_id": org_id, "external_id": external_id}).first()
    return (Actor(*row[:-1]), row[-1]) if row else (None, None)


def person_by_id(session: Session, *, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def list_people(session: Session, *, org_id: int) -> list[Person]:
    return list(
        session.scalars(select(Person).where(Person.org_id == org_id, Person.active.is_(True)).order_by(Person.id))
    )


def is_absent(session: Session, *, person_id: int, on: dt.date) -> bool:
    return (
        session.scalar(
            select(Absence.id)
            .where(Absence.person_id == person_id, Absence.starts_on <= on, Absence.ends_on >= on)
            .limit(1)
        )
        is not None
    )


_ACTING_AF = (
    select(Person)
    .where(
        Person.org_id == bindparam("org_id"),
        Person.active.is_(True),
        Person.is_af | Person.is_deputy,
        ~select(Absence.id)
        .where(Absence.person_id == Person.id, Absence.starts_on <= bindparam("on"), Absence.ends_on >= bindparam("on"))
        .exists(),
    )
    .order_by(Person.is_af.desc(), Person.id)
    .limit(1)
)
_ORGANISATION_ID = select(Organisation.id).where(Organisation.key == bindparam("key"))


def acting_af(session: Session, *, org_id: int, on: dt.date) -> Person | None:
    """B4: the AF, or while the AF is absent the first deputy who is not absent (one query)."""
    return session.scalar(_ACTING_AF, {"org_id": org_id, "on": on})


def organisation_by_id(session: Session, *, org_id: int) -> Organisation | None:
    return session.get(Organisation, org_id)


def organisation_id(session: Session, *, key: str) -> int | None:
    return session.scalar(_ORGANISATION_ID, {"key": key})


def board_contacts(session: Session, *, org_id: int) -> list[Person]:
    return [p for p in list_people(session, org_id=org_id) if p.is_board]


def admins(session: Session, *, org_id: int) -> list[Person]:
    return [p for p in list_people(session, org_id=org_id) if p.is_admin]


ROLE_FIELDS = ("staff_role", "is_af", "is_deputy", "is_board")


def set_roles(session: Session, *, person: Person, **roles: Any) -> dict[str, tuple[Any, Any]]:
    """Change a person's roles; returns {field: (before, after)} for what changed. One AF at a time (B4)."""
    changed = {}
    for key in ROLE_FIELDS:
        if key in roles and getattr(person, key) != roles[key]:
            changed[key] = (getattr(person, key), roles[key])
            setattr(person, key, roles[key])
    if changed:
        person.managed_here = True
    session.flush()
    return changed


def previous_afs(session: Session, *, org_id: int, keep: Person) -> list[Person]:
    """Everyone else who is marked AF, so that making one person AF can take it from the other."""
    return [p for p in list_people(session, org_id=org_id) if p.is_af and p.id != keep.id]


def add_person(session: Session, *, org_id: int, external_id: str, name: str) -> Person:
    """A workspace member an admin gives a role in the app (not in the config file)."""
    person = session.scalar(select(Person).where(Person.org_id == org_id, Person.external_id == external_id))
    if person is None:
        person = Person(org_id=org_id, external_id=external_id, name=name)
        session.add(person)
    person.active, person.managed_here = True, True
    session.flush()
    return person


def add_absence(
    session: Session, *, org_id: int, person_id: int, starts_on: dt.date, ends_on: dt.date, created_by_id: int
) -> Absence:
    absence = Absence(
        org_id=org_id,
        person_id=person_id,
        starts_on=starts_on,
        ends_on=ends_on,
        source="app",
        created_by_id=created_by_id,
    )
    session.add(absence)
    session.flush()
    return absence


def get_absence(session: Session, *, org_id: int, absence_id: int) -> Absence | None:
    absence = session.get(Absence, absence_id)
    return absence if absence is not None and absence.org_id == org_id else None


def remove_absence(session: Session, *, absence: Absence) -> None:
    session.delete(absence)
    session.flush()


def absences_from(session: Session, *, org_id: int, on: dt.date) -> list[Absence]:
    """Current and coming absences, soonest first."""
    return list(
        session.scalars(
            select(Absence)
            .where(Absence.org_id == org_id, Absence.ends_on >= on)
            .order_by(Absence.starts_on, Absence.id)
        )
    )


def set_language(session: Session, *, person_id: int, language: str) -> None:
    session.execute(update(Person).where(Person.id == person_id).values(language=language))


def add_feedback(session: Session, *, org_id: int, on: dt.date, answer: str) -> None:
    session.add(Feedback(org_id=org_id, year=on.year, month=on.month, answer=answer))
    session.flush()


def feedback_counts(session: Session, *, org_id: int, start: dt.date, end: dt.date) -> dict[str, int]:
    """Answers per kind for the months from start to end (month precision: the rows hold no day)."""
    month = Feedback.year * 12 + Feedback.month
    rows = session.execute(
        select(Feedback.answer, func.count())
        .where(Feedback.org_id == org_id, month >= start.year * 12 + start.month, month <= end.year * 12 + end.month)
        .group_by(Feedback.answer)
    )
    return {answer: count for answer, count in rows}


def make_admin(session: Session, *, person: Person) -> None:
    person.is_admin = True
    session.flush()


def set_flow(session: Session, *, org: Organisation, flow_id: str) -> None:
    """The meldcode variant the organisation follows from now on (its cases keep theirs)."""
    org.flow_id = flow_id
    session.flush()


def set_settings(session: Session, *, org: Organisation, settings_yaml: str) -> None:
    """A hosted organisation's own settings (checked by the caller like a config file)."""
    org.settings_yaml = settings_yaml
    session.flush()
