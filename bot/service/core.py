"""The core of the conversation service: one transaction per event, audited in it; who acts in which role
(the acting AF, B4); the case an event is about and its state; the current question. The parts of the service
(bot.service.cases, consultation, entries, …) do their work through it."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot import i18n, metrics
from bot.chat import Chat
from bot.config import OrgConfig
from bot.errors import Denied
from bot.i18n import LocalizedFlows
from bot.messages import Message, QuestionView, Reply
from bot.service import living, screens, wording
from bot.service import outbox as outbox_mod
from bot.service.call import EVENTS, Attempt, Call, OrgRef, Someone, current_claim, utcnow
from bot.service.outbox import message_json
from bot.service.questions import question_view
from bot.texts import Texts
from flows import engine
from flows.answers import AnswerRejected, from_json
from flows.model import CaseState, Flow, Node
from flows.translate import load_translations
from storage import audit as audit_repo
from storage import cases as case_repo
from storage import consultations as consultation_repo
from storage import crypto
from storage import events as event_repo
from storage import organisations as org_repo
from storage import outbox as outbox_repo
from storage.db import ConcurrentChange, DatabaseBusy, DatabaseError, DatabaseUnavailable, Store
from storage.models import Case, Person
from storage.organisations import Actor

log = logging.getLogger("bot.service")
_UNKNOWN = object()


class Core:
    """What every part of the service shares: the organisation, its store, flows, texts and chat, and the event."""

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
        self._acting_afs: dict[tuple[int, int | None, dt.date], Someone | None] = {}
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
    def call(self, actor: str, attempt: Attempt | None = None) -> Iterator[Call]:
        now = self.clock()
        with self.store.transaction() as session:
            org = self.org_ref(session)
            person, version = (
                org_repo.get_person_and_version(session, org_id=org.id, external_id=actor) if org else (None, None)
            )
            if org is None or person is None:
                raise Denied("unknown_person", org=self.org.name)
            claim = current_claim()
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
                        message=message_json(message, living_id),
                        now=now,
                        lease=outbox_mod.LEASE,
                    ),
                    person_id,
                    message,
                    living_id,
                )
                for person_id, message, living_id in living.settle(self, call, changed=call.changed)
            ]
        if claim is not None:
            claim.done = True  # committed: further calls of the same request go on without claiming again
        # Only what was committed is announced; the chat reports back, or a later pass takes over.
        for message_id, person_id, message, living_id in queued:
            self.chat.send_dm(
                org_key=self.org.key,
                person_id=person_id,
                message=message,
                done=outbox_mod.reporter(self, message_id, living_id),
            )

    def org_ref(self, session) -> OrgRef | None:
        """Looked up once per process: an organisation's row is never deleted nor re-keyed."""
        ref = self._org_ref_cached
        if ref is None:
            org_id = org_repo.organisation_id(session, key=self.org.key)
            ref = self._org_ref_cached = OrgRef(org_id) if org_id is not None else None
        return ref

    def run(self, actor: str, work: Callable[[Call], Reply], *, action: str) -> Reply:
        """One inbound event: one transaction, audited in it (NEN 7513); refusals are audited after the rollback,
        with the case they targeted. Errors are logged by type and a reference only: never a payload, never a
        statement's parameters (they may hold typed text)."""
        actor = actor if isinstance(actor, str) else ""  # an id that is not a string names nobody
        attempt = Attempt()
        try:
            with self.call(actor, attempt) as call:
                reply = work(call)
                reply.messages[:0] = call.messages
                self.audit(
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
            self.audit_apart(actor, action, "refused", attempt, reason=exc.key)
            return reply
        except AnswerRejected as exc:
            self.audit_apart(actor, action, "rejected", attempt, reason="invalid_input")
            return wording.rejected(self.texts, exc)
        except ConcurrentChange:
            return self.error("denied.concurrent_change", code=attempt.code)
        except DatabaseBusy:
            metrics.DATABASE_ERRORS.labels("busy").inc()
            log.warning("no database turn in time (%s)", action)  # a hung transaction ahead, or a flood of requests
            return self.error("denied.database_busy")
        except DatabaseUnavailable as exc:
            metrics.DATABASE_ERRORS.labels("unavailable").inc()
            log.error("database unavailable (%s, %s)", action, type(exc.orig).__name__ if exc.orig else "")
            return self.error("denied.database_down")
        except DatabaseError as exc:
            metrics.DATABASE_ERRORS.labels("error").inc()
            ref = secrets.token_hex(4)  # what the user can quote to the operator, and nothing else
            log.error("database error in %s: %s (reference %s)", action, type(exc).__name__, ref)
            return self.error("denied.database_error", ref=ref)

    def audit(
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
            key=crypto.active().audit(),
            at=now,
            event=EVENTS[action],
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

    def audit_apart(
        self, actor: str, action: str, outcome: str, attempt: Attempt | None = None, *, reason: str | None = None
    ) -> None:
        """A refused or rejected attempt is recorded too, in a transaction of its own (the event's rolled back),
        with the case it targeted when the target was found: "who tried to open this case" has an answer."""
        try:
            with self.store.transaction() as session:
                org = org_repo.get_organisation(session, key=self.org.key)
                person = org_repo.get_person(session, org_id=org.id, external_id=actor) if org else None
                self.audit(
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

    def error(self, key: str, **params: Any) -> Reply:
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
        elif call.person.is_deputy and consultation_repo.handed_to(call.session, case_id=case.id) == call.person.id:
            roles.add("af")  # the AF handed this case to the deputy (B4)
        return roles

    def case(self, call: Call, code: str) -> tuple[Case, set[str]]:
        code = code if isinstance(code, str) else ""
        case, member = case_repo.get_case_for(call.session, org_id=call.org.id, code=code, person_id=call.person.id)
        if case is None:
            raise Denied("unknown_case", code=(code or "")[:20])
        call.target_case_id, call.target_code = case.id, case.code
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

    def people_choices(self, call: Call) -> list[tuple[str, str]]:
        if "people" not in call.cache:
            call.cache["people"] = [
                (p.external_id, p.name) for p in org_repo.list_people(call.session, org_id=call.org.id) if p.staff_role
            ]
        return call.cache["people"]

    def people_ids(self, call: Call, node: Node) -> list[str]:
        """The people a person field may name; looked up only for a question that has one."""
        if not any(f.type == "person" for f in node.fields):
            return []
        return [pid for pid, _ in self.people_choices(call)]

    def question_view(
        self, call: Call, case: Case, roles: set[str], state: CaseState | None = None
    ) -> QuestionView | None:
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
        people = self.people_choices(call) if any(f.type == "person" for f in node.fields) else []
        view = question_view(self.texts, flow, node, code=case.code, state=state, people=people)
        return screens.with_following(self.texts, flow, node, view, state, people)

    def waiting_message(self, call: Call, case: Case, roles: set[str]) -> Message | None:
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

    # ---- what people do -----------------------------------------------------------------------

    def claim_event(self, event_id: str) -> bool:
        """Deduplicate retried platform events across processes: True only the first time."""
        with self.store.transaction() as session:
            return event_repo.claim(session, event_id=event_id, now=self.clock())

    def tell_admins(self, call: Call, message: Callable[[], Message]) -> None:
        """C5: with nobody to act as AF, a case is never stuck silently: the admins hear of it."""
        for admin in org_repo.admins(call.session, org_id=call.org.id):
            if admin.id != call.person.id:
                call.dm(admin, message)

    def no_af_reachable(self, call: Call, case_code: str, reply: Reply) -> None:
        reply.messages.append(Message(self.texts("replies.no_af"), tone="urgent"))
        self.tell_admins(call, lambda: Message(self.texts("dms.no_af_reachable", code=case_code)))
