"""SQLAlchemy 2 typed models. Every row belongs to an organisation; answers and events are append-only."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, CursorResult, Date, ForeignKey, Index, Result, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.crypto import EncryptedJSON, EncryptedText
from storage.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # "demo", or a Slack team id
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    created_at: Mapped[dt.datetime]
    uninstalled_at: Mapped[dt.datetime | None]  # the workspace removed the app; data follows retention
    # The meldcode this organisation follows: the standard one, or a variant it adopted (flows/definitions/<id>).
    flow_id: Mapped[str] = mapped_column(String(40), default="meldcode", server_default="meldcode")
    settings_yaml: Mapped[str | None] = mapped_column(Text)  # a hosted workspace's settings (YAML), if any
    # Bumped by the database (triggers, migration 0011) whenever one of its people or absences changes.
    people_version: Mapped[int] = mapped_column(default=0, server_default="0")


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("org_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))  # Slack user id, or a console handle
    name: Mapped[str] = mapped_column(String(200))
    staff_role: Mapped[str | None] = mapped_column(String(40))
    is_af: Mapped[bool] = mapped_column(default=False)
    is_deputy: Mapped[bool] = mapped_column(default=False)
    is_board: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # An admin changed this person's roles in the app: the config file seeds, it no longer overwrites.
    managed_here: Mapped[bool] = mapped_column(default=False, server_default=false())
    language: Mapped[str | None] = mapped_column(String(5))  # nl | en; None: not chosen yet


class Absence(Base):
    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10), default="config", server_default="config")  # config | app
    created_by_id: Mapped[int | None]


class CaseCounter(Base):
    __tablename__ = "case_counters"
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("org_id", "code"),
        Index("uq_cases_org_draft", "org_id", "draft_ref", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    draft_ref: Mapped[str | None] = mapped_column(String(40))  # the form of its first answer (a retry finds it)
    flow_id: Mapped[str] = mapped_column(String(40))
    flow_version: Mapped[int]
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    current_node: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))  # open | closed | monitoring | reported
    flags: Mapped[list[Any]] = mapped_column(default=list)
    round: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    # Optimistic lock: two people answering the same step at once cannot both win silently.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012  (read by SQLAlchemy only)

    # Loaded when used: on a step the owner is usually the person acting, already in the session (no query);
    # the lists that show owners load them eagerly (storage.cases).
    owner: Mapped[Person] = relationship(lazy="select")


class CaseMember(Base):
    __tablename__ = "case_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[dt.datetime]
    removed_at: Mapped[dt.datetime | None]


class Answer(Base):
    """One submitted answer to one node: append-only; a later answer to the same node is a new row."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    node_id: Mapped[str] = mapped_column(String(80))
    round: Mapped[int]
    flow_version: Mapped[int]
    values: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("answers.values"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    actor_role: Mapped[str] = mapped_column(String(20))  # staff | af
    created_at: Mapped[dt.datetime]


class Correction(Base):
    """A correction of an answer: a new row beside it; the answer itself is never changed."""

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"))
    note: Mapped[str] = mapped_column(EncryptedText("corrections.note"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]


class Signal(Base):
    """S1.2: a typed signal. Never edited: S1.3 follow-ups are rows of their own."""

    __tablename__ = "signals"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"))
    kind: Mapped[str] = mapped_column(String(20))  # fact | hypothesis | third_party | diagnosis
    text: Mapped[str] = mapped_column(EncryptedText("signals.text"))
    source: Mapped[str | None] = mapped_column(EncryptedText("signals.source"))
    diagnosed_by: Mapped[str | None] = mapped_column(EncryptedText("signals.diagnosed_by"))
    observed_on: Mapped[dt.date | None] = mapped_column(Date)
    disclosure: Mapped[bool] = mapped_column(default=False, server_default=false())  # X1: the child told it
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]


class SignalFollowUp(Base):
    __tablename__ = "signal_followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))  # confirmed | refuted
    note: Mapped[str] = mapped_column(EncryptedText("signal_followups.note"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]


class Consultation(Base):
    __tablename__ = "consultations"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    urgency: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[dt.datetime]
    taken_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    taken_up_at: Mapped[dt.datetime | None]
    # Set when the AF explicitly handed the case to a deputy, who then acts as AF for it (B4).
    handed_to_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Event(Base):
    """The case timeline (S1.4): what happened, by whom, when. Holds codes and ids, never typed text."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    node_id: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime]


class Reminder(Base):
    """A deadline (D1-D8) for one person. The issue "reminders" sends them; here they are created."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    recipient_role: Mapped[str] = mapped_column(String(12))  # staff | af | deputy, resolved at send time
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    due_at: Mapped[dt.datetime]
    # pending | sending (claimed by a sender) | sent | done | cancelled | failed
    status: Mapped[str] = mapped_column(String(12), default="pending")
    node_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[dt.datetime | None]  # a claimed row is another sender's until then
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(80))
    done_note: Mapped[str | None] = mapped_column(EncryptedText("reminders.done_note"))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class ProcessedEvent(Base):
    """Slack retries an event delivery when not acked in time; each event id is handled once."""

    __tablename__ = "processed_events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime]


class AuditEntry(Base):
    """NEN 7513: who did what with which case, when, in which role, through which entry point, with what
    outcome. The fact, never the content. Append-only, chained with an HMAC whose key is outside the database."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_chain_seq", "chain", "seq", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    at: Mapped[dt.datetime]
    event: Mapped[str] = mapped_column(String(12))  # read | search | write | export | refused
    action: Mapped[str] = mapped_column(String(40))  # the service operation, e.g. answer, show_case
    case_id: Mapped[int | None] = mapped_column(index=True)  # pseudonymous: no name, no code
    user_id: Mapped[int | None]
    user_ref: Mapped[str] = mapped_column(String(64))  # the platform's id of the user
    role: Mapped[str] = mapped_column(String(20))  # staff | af | none
    on_behalf_of: Mapped[int | None]
    entry_point: Mapped[str] = mapped_column(String(20))  # console | slack | cli
    outcome: Mapped[str] = mapped_column(String(20))  # ok | rejected | refused
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Each organisation's own chain (its id; 0 for entries of no organisation), numbered from 1 (migration 0012).
    # Entries from before have neither: the old global chain.
    chain: Mapped[int | None]
    seq: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(40))  # why it was refused or rejected (a text key)


class AuditHead(Base):
    """The last hash of the old global chain (before migration 0012); it no longer moves."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The last entry of one organisation's chain; locking this row orders that organisation's appends only."""

    __tablename__ = "audit_heads"
    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))


class KeyCheck(Base):
    """A value derived from a key (never the key): tells "this is not the key of this database" apart from
    "this entry was changed"."""

    __tablename__ = "key_checks"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


class PurgedCount(Base):
    """What remains of purged cases: anonymous counts per organisation, year closed and outcome."""

    __tablename__ = "purged_counts"
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    outcome: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class YearCount(Base):
    """What the yearly evaluation (C7) keeps of purged cases: anonymous counts per organisation, year opened,
    metric and label (e.g. "route", "melding"), so that the trend over the years survives the retention purge."""

    __tablename__ = "year_counts"
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    label: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class Feedback(Base):
    """C7: the opt-in close-of-case answer ("did the bot help?"). Anonymous: no case, no person, only the month."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int]
    month: Mapped[int]
    answer: Mapped[str] = mapped_column(String(20))  # yes | partly | no


class OutboxMessage(Base):
    """A DM the bot owes someone, written in the same transaction as what caused it (a consultation request,
    a turn, a role change). It is posted right after the commit; should the process die first, a later sender
    pass finds it when its lease ends. The message is sealed: it names people and cases."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "lease_until"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(64))  # the person's external id (Slack user id)
    message: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("outbox.message"))
    status: Mapped[str] = mapped_column(String(10), default="sending")  # sending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[dt.datetime | None]  # until then the sender that wrote it is still trying
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(80))


class LivingMessage(Base):
    """The one DM per case and person that the bot keeps current (moment): the chat's reference to it, once
    posted, and a digest of what it last said (an unchanged status is not sent again). No content: the
    status names the case code, the step and whose turn it is."""

    __tablename__ = "living_messages"
    __table_args__ = (UniqueConstraint("case_id", "recipient"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(64))  # the person's external id (Slack user id)
    ref: Mapped[str | None] = mapped_column(String(100))  # the chat's id of the message (Slack: channel:ts)
    digest: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime]


class DossierLink(Base):
    """A one-time link to a case's dossier (dossier), or to the yearly evaluation report (no case, a year):
    minted for one person (on the case, or the board), stored as the hash of its token (the token itself is
    shown once, in that person's own modal), valid for minutes, used once."""

    __tablename__ = "dossier_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    year: Mapped[int | None]  # the report's year (fmt "report")
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token, hex
    fmt: Mapped[str] = mapped_column(String(8))  # html | pdf | report
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


def table(model: type[Base]) -> Table:
    """A model's Core table, for the statements built once at import (SQLAlchemy types `__table__` as any
    FROM clause)."""
    core = model.__table__
    assert isinstance(core, Table)
    return core


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its result is a cursor's)."""
    assert isinstance(result, CursorResult)
    return result.rowcount


def new_id(result: Result[Any]) -> int:
    """The primary key a single-row INSERT made."""
    assert isinstance(result, CursorResult)
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
