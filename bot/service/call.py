"""What one inbound event works with (`Call`), and `operation`: how a part of the service declares one.

An operation is written as `def take_up(self, call: Call, code: str) -> Reply`, under `@operation("write")`;
adapters call it as `take_up(actor, code)`. The decorator runs it in one transaction (Core.run), audited under
its own name with the NEN 7513 event type given here, refused and failed attempts included.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from bot import i18n
from bot.messages import Message, Reply
from storage import cases as case_repo
from storage.models import Case, Person
from storage.organisations import Actor


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# What kind of access each operation is, for the audit trail (NEN 7513 event types): filled by `operation`,
# plus the few entries written outside an operation.
EVENTS: dict[str, str] = {"open_cases_of": "search", "home": "search", "purge": "write"}


class Runner(Protocol):
    def run(self, actor: str, work: Callable[[Call], Reply], *, action: str) -> Reply: ...


class HasCore(Protocol):
    """A part of the service: it runs its operations through the core (bot.service.core.Core)."""

    @property
    def core(self) -> Runner: ...


P = ParamSpec("P")
S = TypeVar("S", bound=HasCore)


def operation(event: str, *, action: str | None = None):
    """Declare an operation of the service: its audit event type, and (rarely) an audit name of its own."""

    def decorate(fn: Callable[Concatenate[S, Call, P], Reply]) -> Callable[Concatenate[S, str, P], Reply]:
        name = action or fn.__name__
        EVENTS[name] = event

        @functools.wraps(fn)
        def run(self: S, actor: str, /, *args: P.args, **kwargs: P.kwargs) -> Reply:
            return self.core.run(actor, lambda call: fn(self, call, *args, **kwargs), action=name)

        return run

    return decorate


@dataclass
class RequestClaim:
    """A platform request's own id (Slack's trigger_id): the first transaction of the request records it, so a
    replay of the same signed request (within Slack's five-minute signature window) is refused, not applied."""

    ref: str
    done: bool = False


_request: contextvars.ContextVar[RequestClaim | None] = contextvars.ContextVar("request_claim", default=None)


def claim_request(ref: str | None) -> None:
    """Called by an adapter as each request begins (threads are reused: always, with None when it has no id)."""
    _request.set(RequestClaim(ref[:64]) if ref else None)


def current_claim() -> RequestClaim | None:
    return _request.get()


@dataclass(frozen=True)
class Someone:
    """What the bot needs of a person it names or DMs (not a database row: it may be shared between events)."""

    id: int
    external_id: str
    name: str
    language: str | None

    @classmethod
    def of(cls, person: Person | Actor) -> Someone:
        return cls(person.id, person.external_id, person.name, person.language)


@dataclass(frozen=True)
class OrgRef:
    """The organisation an event belongs to: only its id is needed, and it never changes."""

    id: int


@dataclass
class Call:
    """Everything one inbound event works with: its transaction, who acts, when, and DMs to send after commit."""

    session: Any
    org: OrgRef
    person: Actor  # a plain row; the ORM Person, when a change needs one, by its id
    now: dt.datetime
    outbox: list[tuple[str, Message]] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    case: Case | None = None  # the case this event touched, for the audit trail
    roles: set[str] = field(default_factory=set)
    cache: dict[str, Any] = field(default_factory=dict)  # lookups that hold for this one event
    # The organisation's people and absences as this event found them (None: changed by this event itself).
    people_version: int | None = None
    target_case_id: int | None = None  # the case this event is about, as soon as it is found (refusals too)
    target_code: str = ""  # its code, for the reply when someone else was first
    changed: bool = False  # this event recorded something (a timeline entry): living messages may need an update

    def record(
        self, kind: str, *, case_id: int | None, node_id: str | None = None, detail: dict[str, Any] | None = None
    ) -> None:
        """A timeline entry for this event: what happened, to which case (None: the organisation), by the person
        acting, at the event's time."""
        self.changed = True
        case_repo.add_event(
            self.session,
            org_id=self.org.id,
            case_id=case_id,
            kind=kind,
            actor_id=self.person.id,
            now=self.now,
            node_id=node_id,
            detail=detail,
        )

    def dm(self, person: Person | Actor | Someone | None, message: Message | Callable[[], Message]) -> None:
        """A DM sent after the commit. Given as a function, it is written at once, in the recipient's language."""
        if person is None:
            return
        if callable(message):
            with i18n.speaking(person.language or i18n.DEFAULT):
                message = message()
        self.outbox.append((person.external_id, message))


@dataclass
class Attempt:
    """What an event got as far as before it was refused: the case it targeted and the roles it had there
    (plain values: the ORM rows are gone with the rolled-back transaction)."""

    call: Call | None = None

    @property
    def case_id(self) -> int | None:
        return self.call.target_case_id if self.call else None

    @property
    def code(self) -> str:
        return self.call.target_code if self.call else ""

    @property
    def roles(self) -> set[str]:
        return set(self.call.roles) if self.call else set()
