"""The conversation service: every adapter (console, Slack) calls these methods; one transaction per call."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot import effects as fx
from bot import i18n
from bot import outbox as outbox_mod
from bot.admin import Administration
from bot.case_views import CaseViews
from bot.chat import Chat
from bot.config import OrgConfig
from bot.entries import Entries
from bot.errors import Denied
from bot.i18n import LocalizedFlows
from bot.messages import Action, Button, Message, QuestionView, Reply
from bot.outbox import message_json
from bot.preferences import Preferences
from bot.reminder_actions import ReminderActions
from bot.texts import Texts
from bot.views import question_view
from flows import engine
from flows.answers import AnswerRejected, from_json, to_json
from flows.model import CaseState, Flow, Node
from flows.translate import load_translations
from storage import audit as audit_repo
from storage import cases as case_repo
from storage import crypto
from storage import events as event_repo
from storage import organisations as org_repo
from storage import outbox as outbox_repo
from storage import reminders as reminder_repo
from storage.db import ConcurrentChange, DatabaseBusy, DatabaseError, DatabaseUnavailable, Store
from storage.models import Case, Person
from storage.organisations import Actor

log = logging.getLogger(__name__)


# What kind of access each operation is, for the audit trail (NEN 7513 event types).
AUDIT_EVENTS = {
    "question": "read",
    "show_case": "read",
    "entry_form": "read",
    "follow_up_form": "read",
    "correction_form": "read",
    "access_log": "read",
    "moment_form": "read",
    "reminder_done_form": "read",
    "my_cases": "search",
    "open_cases_of": "search",
    "stats": "search",
    "home": "search",
    "open_case": "write",
    "answer": "write",
    "take_up": "write",
    "hand_to_deputy": "write",
    "propose_moment": "write",
    "acute": "write",
    "add_entry": "write",
    "correct": "write",
    "follow_up": "write",
    "reopen": "write",
    "add_colleague": "write",
    "remove_colleague": "write",
    "purge": "write",
    "snooze": "write",
    "reminder_done": "write",
    "export": "export",
    "people_overview": "read",
    "set_roles": "write",
    "record_absence": "write",
    "cancel_absence": "write",
    "welcome_all": "write",
    "feedback": "write",
    "set_language": "write",
}


# The close-of-case answers as people give them, and as they are counted.
FEEDBACK_BUTTONS = ("ja", "deels", "nee")
FEEDBACK_WORDS = {"ja": "yes", "deels": "partly", "nee": "no", "yes": "yes", "partly": "partly", "no": "no"}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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


_UNKNOWN = object()


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

    def dm(self, person: Person | Actor | Someone | None, message: Message | Callable[[], Message]) -> None:
        """A DM sent after the commit. Given as a function, it is written in the recipient's language."""
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
    def roles(self) -> set[str]:
        return set(self.call.roles) if self.call else set()


class ConversationService(CaseViews, Entries, ReminderActions, Administration, Preferences):
    """Every adapter calls these methods; the mixins hold the views, side entries and reminder actions."""

    def __init__(
        self,
        *,
        store: Store,
        flows: Mapping[int, Flow],
        org: OrgConfig,
        chat: Chat,
        clock: Callable[[], dt.datetime] = utcnow,
        texts: Texts | None = None,
        entry_point: str = "console",
    ):
        self.entry_point = entry_point  # where people reach the bot: console | slack | cli (for the audit)
        self.store, self.org, self.chat, self.clock = store, org, chat, clock
        # The flows answer in the language of the moment (bot.i18n); their structure is the same in each.
        self.flows = (
            flows if isinstance(flows, LocalizedFlows) else LocalizedFlows(load_translations(flows, strict=False))
        )
        self.texts = texts or Texts(org.timezone)
        self.policy = org.policy
        self.tz = ZoneInfo(org.timezone)
        self._acting_afs: dict[tuple[int, int, dt.date], Someone | None] = {}
        self._org_ref_cached: OrgRef | None = None

    @property
    def latest(self) -> Flow:
        """The newest version, for new cases; a case keeps the version it started with."""
        return self.flows[max(self.flows)]

    # ---- plumbing -------------------------------------------------------------------------
    def bootstrap(self) -> None:
        """Create the organisation and make its people match the config."""
        with self.store.transaction() as session:
            org = org_repo.ensure_organisation(
                session,
                key=self.org.key,
                name=self.org.name,
                timezone=self.org.timezone,
                now=self.clock(),
                flow_id=self.org.flow_id,
            )
            org_repo.sync_people(
                session, org_id=org.id, people=[p.as_row() for p in self.org.people], absences=self.org.absences
            )

    @contextlib.contextmanager
    def _call(self, actor: str, attempt: Attempt | None = None) -> Iterator[Call]:
        now = self.clock()
        with self.store.transaction() as session:
            org = self._org_ref(session)
            person, version = (
                org_repo.get_person_and_version(session, org_id=org.id, external_id=actor) if org else (None, None)
            )
            if person is None:
                raise Denied("unknown_person", org=self.org.name)
            claim = _request.get()
            if claim is not None and not claim.done and not event_repo.claim(session, event_id=claim.ref, now=now):
                raise Denied("replayed")  # this very request was applied before
            call = Call(session=session, org=org, person=person, now=now, people_version=version)
            if attempt is not None:
                attempt.call = call
            with i18n.speaking(person.language or i18n.current()):  # the reply in the asker's language
                yield call
            # The DMs this event causes are written with it: a crash after the commit cannot lose one.
            queued = [
                (
                    outbox_repo.add(
                        session,
                        org_id=org.id,
                        recipient=person_id,
                        message=message_json(message),
                        now=now,
                        lease=outbox_mod.LEASE,
                    ),
                    person_id,
                    message,
                )
                for person_id, message in call.outbox
            ]
        if claim is not None:
            claim.done = True  # committed: further calls of the same request go on without claiming again
        # Only what was committed is announced; the chat reports back, or a later pass takes over.
        for message_id, person_id, message in queued:
            self.chat.send_dm(
                org_key=self.org.key, person_id=person_id, message=message, done=outbox_mod.reporter(self, message_id)
            )

    def _org_ref(self, session) -> OrgRef | None:
        """Looked up once per process: an organisation's row is never deleted nor re-keyed."""
        ref = self._org_ref_cached
        if ref is None:
            org_id = org_repo.organisation_id(session, key=self.org.key)
            ref = self._org_ref_cached = OrgRef(org_id) if org_id is not None else None
        return ref

    def _run(self, actor: str, work: Callable[[Call], Reply], code: str = "", *, action: str) -> Reply:
        """One inbound event: one transaction, audited in it (NEN 7513); refusals are audited after the rollback,
        with the case they targeted. Errors are logged by type and a reference only: never a payload, never a
        statement's parameters (they may hold typed text)."""
        actor = actor if isinstance(actor, str) else ""  # an id that is not a string names nobody
        attempt = Attempt()
        try:
            with self._call(actor, attempt) as call:
                reply = work(call)
                reply.messages[:0] = call.messages
                self._audit(
                    call.session,
                    call.now,
                    action,
                    outcome="ok" if reply.ok else "rejected",
                    org_id=call.org.id,
                    case=call.case,
                    person=call.person,
                    roles=call.roles,
                    reason=None if reply.ok else (reply.error or "invalid_input"),
                )
                return reply
        except Denied as exc:
            reply = Reply(
                messages=[Message(self.texts(f"denied.{exc.key}", **exc.params), tone="error")],
                question=exc.question,
                ok=False,
                error=exc.key,
            )
            self._audit_apart(actor, action, "refused", attempt, reason=exc.key)
            return reply
        except AnswerRejected as exc:
            self._audit_apart(actor, action, "rejected", attempt, reason="invalid_input")
            return self._rejected(exc)
        except ConcurrentChange:
            return self._error("denied.concurrent_change", code=code)
        except DatabaseBusy:
            log.warning("no database turn in time (%s)", action)  # a hung transaction ahead, or a flood of requests
            return self._error("denied.database_busy")
        except DatabaseUnavailable as exc:
            log.error("database unavailable (%s, %s)", action, type(exc.orig).__name__ if exc.orig else "")
            return self._error("denied.database_down")
        except DatabaseError as exc:
            ref = secrets.token_hex(4)  # what the user can quote to the operator, and nothing else
            log.error("database error in %s: %s (reference %s)", action, type(exc).__name__, ref)
            return self._error("denied.database_error", ref=ref)

    def _audit(
        self,
        session,
        now: dt.datetime,
        action: str,
        *,
        outcome: str,
        org_id: int | None,
        case: Case | None,
        person: Person | Actor | None,
        roles: set[str],
        user_ref: str = "",
        case_id: int | None = None,
        reason: str | None = None,
    ) -> None:
        audit_repo.append(
            session,
            key=crypto.active().audit_key,
            at=now,
            event=AUDIT_EVENTS[action],
            action=action,
            case_id=case.id if case else case_id,
            user_id=person.id if person else None,
            user_ref=person.external_id if person else user_ref,
            role="af" if "af" in roles else ("staff" if "staff" in roles else "none"),
            entry_point=self.entry_point,
            outcome=outcome,
            org_id=org_id,
            reason=reason,
        )

    def _audit_apart(
        self, actor: str, action: str, outcome: str, attempt: Attempt | None = None, *, reason: str | None = None
    ) -> None:
        """A refused or rejected attempt is recorded too, in a transaction of its own (the event's rolled back),
        with the case it targeted when the target was found: "who tried to open this case" has an answer."""
        try:
            with self.store.transaction() as session:
                org = org_repo.get_organisation(session, key=self.org.key)
                person = org_repo.get_person(session, org_id=org.id, external_id=actor) if org else None
                self._audit(
                    session,
                    self.clock(),
                    action,
                    outcome=outcome,
                    org_id=org.id if org else None,
                    case=None,
                    case_id=attempt.case_id if attempt else None,
                    person=person,
                    roles=attempt.roles if attempt else set(),
                    user_ref=actor,
                    reason=reason,
                )
        except DatabaseError as exc:
            log.error("could not audit a %s attempt: %s", outcome, type(exc).__name__)

    def _error(self, key: str, **params: Any) -> Reply:
        return Reply(messages=[Message(self.texts(key, **params), tone="error")], ok=False, error=key.split(".")[-1])

    def today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.tz).date()

    def acting_af(self, call: Call) -> Someone | None:
        """B4: who acts as AF today. Worked out once per version of the people and absences and day, in each
        process: the database bumps the version on any change, so a change counts at once, on every replica."""
        if "acting_af" not in call.cache:
            key = (call.org.id, call.people_version, self.today(call.now))
            found = self._acting_afs.get(key, _UNKNOWN) if call.people_version is not None else _UNKNOWN
            if found is _UNKNOWN:
                af = org_repo.acting_af(call.session, org_id=call.org.id, on=key[2])
                found = Someone.of(af) if af else None
                if call.people_version is not None:
                    if len(self._acting_afs) > 64:  # old versions and days: nobody asks for them again
                        self._acting_afs.clear()
                    self._acting_afs[key] = found
            call.cache["acting_af"] = found
        return call.cache["acting_af"]

    def people_changed(self, call: Call) -> None:
        """This event changed roles or absences: what it looks up from now on comes from the database."""
        call.cache.pop("acting_af", None)
        call.cache.pop("people", None)
        call.people_version = None

    def roles(self, call: Call, case: Case, *, member: bool | None = None) -> set[str]:
        roles = set()
        if member is None:
            member = call.person.id in case_repo.member_ids(call.session, case_id=case.id)
        if member:
            roles.add("staff")
        af = self.acting_af(call)
        if af is not None and af.id == call.person.id:
            roles.add("af")
        elif call.person.is_deputy and case_repo.handed_to(call.session, case_id=case.id) == call.person.id:
            roles.add("af")  # the AF handed this case to the deputy (B4)
        return roles

    def _case(self, call: Call, code: str) -> tuple[Case, set[str]]:
        code = code if isinstance(code, str) else ""
        case, member = case_repo.get_case_for(call.session, org_id=call.org.id, code=code, person_id=call.person.id)
        if case is None:
            raise Denied("unknown_case", code=(code or "")[:20])
        call.target_case_id = case.id
        roles = self.roles(call, case, member=member)
        if not roles:
            raise Denied("no_access")  # audited as refused
        call.case, call.roles = case, roles
        return case, roles

    def state(self, call: Call, case: Case) -> CaseState:
        flow = self.flows[case.flow_version]
        stored = case_repo.latest_answers(call.session, case_id=case.id)
        answers = {nid: from_json(flow.nodes[nid], v) for nid, v in stored.items() if nid in flow.nodes}
        return CaseState(node=case.current_node, outcome=case.outcome, answers=answers, flags=frozenset(case.flags))

    def _people_choices(self, call: Call) -> list[tuple[str, str]]:
        if "people" not in call.cache:
            call.cache["people"] = [
                (p.external_id, p.name) for p in org_repo.list_people(call.session, org_id=call.org.id) if p.staff_role
            ]
        return call.cache["people"]

    def _people_ids(self, call: Call, node: Node) -> list[str]:
        """The people a person field may name; looked up only for a question that has one."""
        if not any(f.type == "person" for f in node.fields):
            return []
        return [pid for pid, _ in self._people_choices(call)]

    def _question(self, call: Call, case: Case, roles: set[str], state: CaseState | None = None) -> QuestionView | None:
        """The current question, when this person may answer it now."""
        if case.current_node is None:
            return None
        flow = self.flows[case.flow_version]
        node = flow.nodes[case.current_node]
        state = state or self.state(call, case)
        if not engine.may_answer(node, roles):
            return None
        if "consultation_taken_up" in {g.name for g in node.requires} and "consultation_taken_up" not in state.flags:
            return None
        return question_view(
            self.texts,
            flow,
            node,
            code=case.code,
            state=state,
            people=self._people_choices(call) if any(f.type == "person" for f in node.fields) else [],
        )

    def _waiting_message(self, call: Call, case: Case, roles: set[str]) -> Message | None:
        if case.current_node is None:
            return None
        node = self.flows[case.flow_version].nodes[case.current_node]
        if node.actor == "af" and "af" not in roles:
            af = self.acting_af(call)
            return Message(self.texts("replies.waiting_for_af", af=af.name if af else ""), case_code=case.code)
        if "consultation_taken_up" in {g.name for g in node.requires} and "consultation_taken_up" not in case.flags:
            af = self.acting_af(call)
            return Message(
                self.texts("replies.waiting_for_take_up", af=af.name if af else self.texts("roles.af")),
                case_code=case.code,
            )
        if node.actor == "staff" and "staff" not in roles:
            return Message(self.texts("replies.waiting_for_staff", owner=case.owner.name), case_code=case.code)
        return None

    def _open_button(self, code: str) -> tuple[Button, ...]:
        return (Button(self.texts("buttons.open_case"), Action.OPEN_CASE, code),)

    # ---- what people do -----------------------------------------------------------------------
    def open_case(self, actor: str) -> Reply:
        def work(call: Call) -> Reply:
            if not call.person.staff_role:
                raise Denied("not_staff")
            flow = self.latest
            case = case_repo.create_case(
                call.session,
                org_id=call.org.id,
                owner_id=call.person.id,
                flow_id=flow.id,
                flow_version=flow.version,
                start_node=flow.start,
                now=call.now,
                year=self.today(call.now).year,
            )
            case_repo.add_event(
                call.session, org_id=call.org.id, case_id=case.id, kind="opened", actor_id=call.person.id, now=call.now
            )
            roles = self.roles(call, case, member=True)  # the owner is its first member
            call.case, call.roles = case, roles
            return Reply(
                messages=[
                    Message(self.texts("replies.case_opened", code=case.code), case_code=case.code),
                    Message(self.texts("safety"), tone="info"),
                ],
                question=self._question(call, case, roles),
            )

        return self._run(actor, work, action="open_case")

    def answer(self, actor: str, code: str, node_id: str, values: Mapping[str, Any]) -> Reply:
        def work(call: Call) -> Reply:
            case, roles = self._case(call, code)
            if case.current_node is None:
                raise Denied("case_closed", code=case.code)
            if node_id != case.current_node:
                raise Denied("stale_question", code=case.code, question=self._question(call, case, roles))
            flow = self.flows[case.flow_version]
            node = flow.nodes[case.current_node]
            state = self.state(call, case)
            people = self._people_ids(call, node)
            try:
                t = engine.advance(flow, state, values, call.now, roles=roles, policy=self.policy, people=people)
            except engine.NotAllowed as exc:
                af = self.acting_af(call)
                if exc.code == "actor_af" and af is not None:
                    call.dm(af, lambda: self._your_turn_af(case, node, flow))
                raise Denied(exc.code, af=af.name if af else "", code=case.code) from None
            acted_as = "af" if (node.actor == "af" or "staff" not in roles) else "staff"
            answer_id = case_repo.add_answer(
                call.session,
                case=case,
                node_id=node.id,
                values=to_json(t.values),
                actor_id=call.person.id,
                actor_role=acted_as,
                now=call.now,
            )
            case_repo.add_event(
                call.session,
                org_id=call.org.id,
                case_id=case.id,
                kind="answered",
                node_id=node.id,
                actor_id=call.person.id,
                now=call.now,
            )
            reply = Reply(messages=[Message(self.texts("replies.stored", title=node.title), case_code=case.code)])
            fx.apply(self, call, case, flow, t, answer_id, reply)
            round_ = case.round
            case_repo.move_case(
                call.session,
                case=case,
                node=t.state.node,
                outcome=t.outcome.id if t.outcome else None,
                status=t.outcome.status if t.outcome else "open",
                flags=t.state.flags,
                now=call.now,
                round=round_,
            )
            if t.outcome:
                case_repo.add_event(
                    call.session,
                    org_id=call.org.id,
                    case_id=case.id,
                    kind="closed",
                    detail={"outcome": t.outcome.id},
                    actor_id=call.person.id,
                    now=call.now,
                )
                reply.messages.append(
                    Message(
                        self.texts(
                            "replies.outcome", code=case.code, title=t.outcome.title, message=t.outcome.message or ""
                        ),
                        case_code=case.code,
                    )
                )
                self._ask_feedback(call, case, reply)
            self._announce_turn(call, case, flow, node, acted_as, reply)
            reply.question = self._question(call, case, roles, state=t.state)
            if reply.question is None and (waiting := self._waiting_message(call, case, roles)):
                reply.messages.append(waiting)
            return reply

        return self._run(actor, work, action="answer", code=code)

    def _rejected(self, exc: AnswerRejected) -> Reply:
        errors = {fid: self.texts(f"errors.{e.code}", **e.params) for fid, e in exc.errors.items()}
        return Reply(
            messages=[Message(self.texts("errors.answer_rejected", count=len(errors)), tone="error")],
            errors=errors,
            ok=False,
        )

    def _ask_feedback(self, call: Call, case: Case, reply: Reply) -> None:
        """C7: at the close, the staff member may say whether the bot helped (opt-in, anonymous)."""

        def message() -> Message:
            return Message(
                self.texts("feedback.question", code=case.code),
                case_code=case.code,
                buttons=tuple(
                    Button(self.texts(f"feedback.{word}"), Action.FEEDBACK, case.code, word)
                    for word in FEEDBACK_BUTTONS
                ),
            )

        if case.owner_id == call.person.id:
            reply.messages.append(message())
        else:
            call.dm(case.owner, message)

    def feedback(self, actor: str, code: str, word: str) -> Reply:
        """Stored without case or person (only the month); the case only notes that it was answered."""

        def work(call: Call) -> Reply:
            case, _ = self._case(call, code)
            if word not in FEEDBACK_WORDS:
                raise Denied("feedback_word")
            if case.owner_id != call.person.id or case.current_node is not None:
                raise Denied("feedback_not_yours")
            if any(e.kind == "feedback_given" for e in case_repo.timeline(call.session, case_id=case.id)):
                raise Denied("feedback_given")
            org_repo.add_feedback(
                call.session, org_id=call.org.id, on=self.today(call.now), answer=FEEDBACK_WORDS[word]
            )
            case_repo.add_event(
                call.session,
                org_id=call.org.id,
                case_id=case.id,
                kind="feedback_given",
                actor_id=call.person.id,
                now=call.now,
            )
            return Reply(messages=[Message(self.texts("feedback.thanks"))])

        return self._run(actor, work, action="feedback", code=code)

    def _your_turn_af(self, case: Case, node: Node, flow: Flow) -> Message:
        flow = self.flows[case.flow_version]  # in the language of the recipient, who may read another
        node = flow.nodes[node.id]
        return Message(
            self.texts(
                "dms.your_turn_af",
                code=case.code,
                title=node.title,
                step=flow.steps[node.step].title,
                staff=case.owner.name,
            ),
            buttons=self._open_button(case.code),
            case_code=case.code,
        )

    def _announce_turn(self, call: Call, case: Case, flow: Flow, answered: Node, acted_as: str, reply: Reply) -> None:
        """B2/B3: the AF and the staff member each learn what the other recorded and whose turn it is."""
        if acted_as == "af" and case.owner_id != call.person.id:
            call.dm(
                case.owner,
                lambda: Message(
                    self.texts(
                        "dms.af_recorded",
                        af=call.person.name,
                        code=case.code,
                        title=self.flows[case.flow_version].nodes[answered.id].title,
                    ),
                    buttons=self._open_button(case.code),
                    case_code=case.code,
                ),
            )
        if case.current_node is None:
            return
        nxt = flow.nodes[case.current_node]
        if nxt.actor == "af" and acted_as != "af":
            af = self.acting_af(call)
            if af is None:
                self.no_af_reachable(call, case.code, reply)
            elif af.id != call.person.id:
                call.dm(af, lambda: self._your_turn_af(case, nxt, flow))
        elif nxt.actor in ("staff", "together") and acted_as == "af" and case.owner_id != call.person.id:
            call.dm(
                case.owner,
                lambda: Message(
                    self.texts(
                        "dms.your_turn_staff",
                        code=case.code,
                        title=self.flows[case.flow_version].nodes[nxt.id].title,
                        step=self.flows[case.flow_version].steps[nxt.step].title,
                    ),
                    buttons=self._open_button(case.code),
                    case_code=case.code,
                ),
            )

    def take_up(self, actor: str, code: str) -> Reply:
        def work(call: Call) -> Reply:
            case, roles = self._case(call, code)
            if "af" not in roles:
                raise Denied("not_af")
            consultation = case_repo.open_consultation(call.session, case_id=case.id)
            if consultation is None:
                raise Denied("no_consultation", code=case.code)
            consultation.taken_up_by_id, consultation.taken_up_at = call.person.id, call.now
            state = engine.take_up_consultation(self.state(call, case))
            case_repo.move_case(
                call.session,
                case=case,
                node=case.current_node,
                outcome=case.outcome,
                status=case.status,
                flags=state.flags,
                now=call.now,
            )
            reminder_repo.cancel(call.session, case_id=case.id, kinds=["D5"], now=call.now)
            case_repo.add_event(
                call.session,
                org_id=call.org.id,
                case_id=case.id,
                kind="consultation_taken_up",
                actor_id=call.person.id,
                now=call.now,
            )
            call.dm(
                case.owner,
                lambda: Message(
                    self.texts("dms.consultation_taken_up", af=call.person.name, code=case.code),
                    buttons=self._open_button(case.code),
                    case_code=case.code,
                ),
            )
            return Reply(
                messages=[
                    Message(self.texts("replies.taken_up", code=case.code, owner=case.owner.name), case_code=case.code)
                ],
                question=self._question(call, case, roles),
            )

        return self._run(actor, work, action="take_up")

    def hand_to_deputy(self, actor: str, code: str) -> Reply:
        """The AF hands a consultation to a deputy, who then acts as AF for this case (B4)."""

        def work(call: Call) -> Reply:
            case, roles = self._case(call, code)
            if "af" not in roles:
                raise Denied("not_af")
            consultation = case_repo.latest_consultation(call.session, case_id=case.id)
            if consultation is None:
                raise Denied("no_consultation", code=case.code)
            deputy = next(
                (
                    p
                    for p in org_repo.list_people(call.session, org_id=call.org.id)
                    if p.is_deputy
                    and p.id != call.person.id
                    and not org_repo.is_absent(call.session, person_id=p.id, on=self.today(call.now))
                ),
                None,
            )
            if deputy is None:
                raise Denied("no_deputy")
            consultation.assigned_to_id = consultation.handed_to_id = deputy.id
            case_repo.add_event(
                call.session,
                org_id=call.org.id,
                case_id=case.id,
                kind="handed_to_deputy",
                detail={"person": deputy.id},
                actor_id=call.person.id,
                now=call.now,
            )
            call.dm(
                deputy,
                lambda: Message(
                    self.texts("dms.handed_to_deputy", af=call.person.name, code=case.code),
                    buttons=self._consultation_buttons(case.code, take_up=consultation.taken_up_at is None),
                    case_code=case.code,
                ),
            )
            call.dm(
                case.owner,
                lambda: Message(
                    self.texts("dms.handed_to_deputy_staff", af=call.person.name, deputy=deputy.name, code=case.code),
                    case_code=case.code,
                ),
            )
            return Reply(
                messages=[
                    Message(
                        self.texts("replies.handed_to_deputy", deputy=deputy.name, code=case.code), case_code=case.code
                    )
                ]
            )

        return self._run(actor, work, action="hand_to_deputy", code=code)

    def moment_form(self, actor: str, code: str) -> Reply:
        """Before the form to propose a moment opens: only the acting AF of the case, audited like any read."""

        def work(call: Call) -> Reply:
            _case, roles = self._case(call, code)
            if "af" not in roles:
                raise Denied("not_af")
            return Reply()

        return self._run(actor, work, action="moment_form", code=code)

    def propose_moment(self, actor: str, code: str, when: dt.datetime | None) -> Reply:
        """The AF proposes a moment for the consultation; the staff member gets it by DM."""

        def work(call: Call) -> Reply:
            case, roles = self._case(call, code)
            if "af" not in roles:
                raise Denied("not_af")
            if when is None or when < call.now:
                return Reply(
                    messages=[Message(self.texts("errors.answer_rejected", count=1), tone="error")],
                    errors={"moment": self.texts("errors.moment_in_past")},
                    ok=False,
                )
            case_repo.add_event(
                call.session,
                org_id=call.org.id,
                case_id=case.id,
                kind="moment_proposed",
                detail={"at": when.isoformat()},
                actor_id=call.person.id,
                now=call.now,
            )
            call.dm(
                case.owner,
                lambda: Message(
                    self.texts(
                        "dms.moment_proposed", af=call.person.name, code=case.code, when=self.texts.datetime(when)
                    ),
                    buttons=self._open_button(case.code),
                    case_code=case.code,
                ),
            )
            return Reply(
                messages=[
                    Message(
                        self.texts("replies.moment_proposed", owner=case.owner.name, when=self.texts.datetime(when)),
                        case_code=case.code,
                    )
                ]
            )

        return self._run(actor, work, action="propose_moment", code=code)

    def _consultation_buttons(self, code: str, take_up: bool = True) -> tuple[Button, ...]:
        buttons = [Button(self.texts("buttons.take_up"), Action.TAKE_UP, code)] if take_up else []
        return tuple(
            [
                *buttons,
                Button(self.texts("buttons.propose_moment"), Action.PROPOSE_MOMENT, code),
                Button(self.texts("buttons.hand_to_deputy"), Action.HAND_TO_DEPUTY, code),
                Button(self.texts("buttons.open_case"), Action.OPEN_CASE, code),
            ]
        )

    def remove_colleague(self, actor: str, code: str, colleague: str) -> Reply:
        """Takes effect at once: the next request of the removed colleague is refused (ASVS 8.3.2)."""

        def work(call: Call) -> Reply:
            case, _roles = self._case(call, code)
            other = org_repo.get_person(call.session, org_id=call.org.id, external_id=colleague)
            if other is None or not case_repo.remove_member(call.session, case=case, person_id=other.id, now=call.now):
                raise Denied("unknown_colleague", name=colleague[:40])
            case_repo.add_event(
                call.session,
                org_id=call.org.id,
                case_id=case.id,
                kind="member_removed",
                detail={"person": other.id},
                actor_id=call.person.id,
                now=call.now,
            )
            return Reply(messages=[Message(self.texts("replies.colleague_removed", name=other.name, code=case.code))])

        return self._run(actor, work, action="remove_colleague", code=code)

    def claim_event(self, event_id: str) -> bool:
        """Deduplicate retried platform events across processes: True only the first time."""
        with self.store.transaction() as session:
            return event_repo.claim(session, event_id=event_id, now=self.clock())

    def acute(self, actor: str, code: str | None = None) -> Reply:
        """T5: at any moment; answers at once with 112 and Veilig Thuis, and alerts the AF."""

        def work(call: Call) -> Reply:
            case = None
            if code:
                case, _ = self._case(call, code)
                case_repo.add_event(
                    call.session,
                    org_id=call.org.id,
                    case_id=case.id,
                    kind="acute_raised",
                    actor_id=call.person.id,
                    now=call.now,
                )
            af = self.acting_af(call)
            alerted = af is not None and af.id != call.person.id
            if alerted:
                call.dm(
                    af,
                    lambda: Message(
                        self.texts("dms.acute_alert", staff=call.person.name, code=case.code if case else ""),
                        buttons=self._open_button(case.code) if case else (),
                        tone="urgent",
                        case_code=case.code if case else None,
                    ),
                )
            return Reply(messages=[Message(self.texts("replies.acute", af=af.name if alerted else ""), tone="urgent")])

        return self._run(actor, work, action="acute")

    def reopen(self, actor: str, code: str) -> Reply:
        """S5.1: a case can always be re-opened with new signals."""

        def work(call: Call) -> Reply:
            case, roles = self._case(call, code)
            if "staff" not in roles:
                raise Denied("actor_staff")
            if case.current_node is not None:
                raise Denied("not_closed", code=case.code)
            flow = self.flows[case.flow_version]
            state = engine.reopen(flow, self.state(call, case))
            case_repo.move_case(
                call.session,
                case=case,
                node=state.node,
                outcome=None,
                status="open",
                flags=state.flags,
                now=call.now,
                round=case.round + 1,
            )
            case_repo.add_event(
                call.session,
                org_id=call.org.id,
                case_id=case.id,
                kind="reopened",
                detail={"round": case.round},
                actor_id=call.person.id,
                now=call.now,
            )
            af = self.acting_af(call)
            if af is not None and af.id != call.person.id:
                call.dm(
                    af,
                    lambda: Message(
                        self.texts("dms.reopened", code=case.code, staff=call.person.name),
                        buttons=self._open_button(case.code),
                        case_code=case.code,
                    ),
                )
            return Reply(
                messages=[
                    Message(self.texts("replies.reopened", code=case.code, round=case.round), case_code=case.code)
                ],
                question=self._question(call, case, roles),
            )

        return self._run(actor, work, action="reopen")

    def add_colleague(self, actor: str, code: str, colleague: str) -> Reply:
        def work(call: Call) -> Reply:
            case, roles = self._case(call, code)
            if "staff" not in roles:
                raise Denied("actor_staff")
            other = org_repo.get_person(call.session, org_id=call.org.id, external_id=colleague)
            if other is None or not other.staff_role:
                raise Denied("unknown_colleague", name=colleague[:40])
            added = case_repo.add_member(
                call.session, case=case, person_id=other.id, added_by_id=call.person.id, now=call.now
            )
            if added:
                case_repo.add_event(
                    call.session,
                    org_id=call.org.id,
                    case_id=case.id,
                    kind="member_added",
                    detail={"person": other.id},
                    actor_id=call.person.id,
                    now=call.now,
                )
                call.dm(
                    other,
                    lambda: Message(
                        self.texts(
                            "dms.staff_recorded",
                            staff=call.person.name,
                            code=case.code,
                            title=self.texts("events.member_added"),
                        ),
                        buttons=self._open_button(case.code),
                        case_code=case.code,
                    ),
                )
            key = "replies.colleague_added" if added else "replies.colleague_already"
            return Reply(messages=[Message(self.texts(key, name=other.name, code=case.code))])

        return self._run(actor, work, action="add_colleague")
