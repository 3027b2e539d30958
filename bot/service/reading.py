"""What people see: the current question, a case's overview, their lists, who accessed a case, the explanation."""

from __future__ import annotations

import datetime as dt

from bot.errors import Denied
from bot.messages import Action, Button, Message, Reply
from bot.service import living, wording
from bot.service.call import Call, Someone, operation
from bot.service.documents import Documents
from bot.service.living import NOT_TERMS
from bot.service.part import Part
from storage import audit as audit_repo
from storage import cases as case_repo
from storage import consultations as consultation_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo
from storage.models import Case


class Reading(Part):
    def __init__(self, core, documents: Documents):
        super().__init__(core)
        self.documents = documents

    @operation("read")
    def question(self, call: Call, code: str) -> Reply:
        case, roles = self.core.case(call, code)
        if case.current_node is None:
            raise Denied("case_closed", code=case.code)
        q = self.core.question_view(call, case, roles)
        reply = Reply(question=q)
        if q is None and (waiting := self.core.waiting_message(call, case, roles)):
            reply.messages.append(waiting)
        return reply

    @operation("read")
    def show_case(self, call: Call, code: str) -> Reply:
        case, roles = self.core.case(call, code)
        text = self.documents.render_case(call, case)
        reply = Reply(
            messages=[Message(text, tone="private", case_code=case.code)],
            question=self.core.question_view(call, case, roles),
            overview=self.documents.overview(call, case),
        )
        if reply.question is None and (waiting := self.core.waiting_message(call, case, roles)):
            reply.messages.append(waiting)
        return reply

    @operation("search")
    def my_cases(self, call: Call) -> Reply:
        messages = []
        mine = case_repo.cases_of_member(call.session, org_id=call.org.id, person_id=call.person.id)
        af = self.core.acting_af(call)
        if mine:
            messages.append(Message(self.texts("replies.your_cases")))
            messages += [self._case_line(call, c) for c in mine]
        if af is not None and af.id == call.person.id:
            t = self.texts
            waiting = consultation_repo.waiting_consultations(call.session, org_id=call.org.id)
            if waiting:
                messages.append(Message(t("replies.af_waiting")))
                for w in waiting:
                    code = case_repo.code_of(call.session, case_id=w.case_id)
                    take_up = (Button(t("buttons.take_up"), Action.TAKE_UP, code),)
                    urgency, when = t(f"urgency.{w.urgency}"), t.datetime(w.requested_at)
                    line = t("replies.consultation_line", code=code, urgency=urgency, when=when)
                    messages.append(Message(line, buttons=take_up, case_code=code))
            overdue = reminder_repo.overdue(call.session, org_id=call.org.id, now=call.now)
            week = reminder_repo.due_between(
                call.session, org_id=call.org.id, start=call.now, end=call.now + dt.timedelta(days=7), skip=NOT_TERMS
            )
            for title, line, rows in (("af_overdue", "overdue_line", overdue), ("af_this_week", "due_line", week)):
                if rows:
                    messages.append(Message(t(f"replies.{title}")))
                for r in rows:
                    code = case_repo.code_of(call.session, case_id=r.case_id)
                    kind, when = t(f"reminder_kinds.{r.kind}"), t.datetime(r.due_at)
                    text = t(f"replies.{line}", code=code, kind=kind, when=when)
                    messages.append(Message(text, buttons=wording.open_button(t, code), case_code=code))
            # Steps 4 and 5 (her decisions, and the melding made together), and every case whose consultation
            # she took up: the AF's own work, whether or not it is her turn this minute.
            af_nodes = {
                n.id for f in self.flows.values() for n in f.nodes.values() if n.actor == "af" or n.step in ("4", "5")
            }
            deciding = case_repo.cases_at_nodes(call.session, org_id=call.org.id, nodes=af_nodes)
            known = {c.id for c in [*mine, *deciding]}
            taken = consultation_repo.open_cases_taken_up_by(call.session, org_id=call.org.id, person_id=call.person.id)
            deciding += [case_repo.case_of(call.session, case_id=cid) for cid in taken if cid not in known]
            if deciding:
                messages.append(Message(self.texts("replies.af_decisions")))
                messages += [self._case_line(call, c) for c in deciding]
        if not messages:
            messages.append(
                Message(
                    self.texts("replies.no_cases"),
                    buttons=(Button(self.texts("buttons.new_case"), Action.NEW_CASE),),
                )
            )
        return Reply(messages=messages)

    def _case_line(self, call, case: Case) -> Message:
        """A case as its living message shows it to this person: the step, whose turn it is (the next action),
        the next term, and the button for what to do (open it, or take up its consultation)."""
        return living.status(self.core, living.CaseNow.of(self.core, call, case), Someone.of(call.person))

    def explain(self, step_id: str = "") -> Reply:
        """C2: the meldcode explained from the flow definition itself (one source of truth), step by step."""
        flow = self.core.latest
        ids = list(flow.steps)
        step_id = next((s for s in ids if s.lower() == step_id.strip().lower()), "")

        def button(target: str, key: str, **params) -> Button:
            return Button(self.texts(key, **params), Action.EXPLAIN, ref=target or "-")

        if not step_id:
            return Reply(
                messages=[
                    Message(
                        self.texts.template("explain.j2", flow=flow),
                        buttons=tuple(button(s, "explain.step_button", title=flow.steps[s].title) for s in ids),
                    )
                ]
            )
        step = flow.steps[step_id]
        nodes = [n for n in flow.nodes.values() if n.step == step_id]
        actors = list(dict.fromkeys(self.texts(f"explain.actor.{n.actor}") for n in nodes))
        reached = {r.to for n in nodes for r in n.next if flow.is_outcome(r.to)}
        outcomes = [o for o in flow.outcomes.values() if o.id in reached]
        text = self.texts.template(
            "explain_step.j2",
            step=step,
            actors=", ".join(actors),
            questions=[n.title for n in nodes],
            outcomes=outcomes,
        )
        at = ids.index(step_id)
        nav = (
            ([button(ids[at - 1], "explain.previous")] if at > 0 else [])
            + ([button(ids[at + 1], "explain.next")] if at + 1 < len(ids) else [])
            + [button("", "explain.overview")]
        )
        return Reply(messages=[Message(text, buttons=tuple(nav))])

    def find_person(self, word: str) -> str | None:
        """A person by id, name or role word: 'af' is whoever acts as AF today (the deputy during absence)."""
        word = word.strip().lower()
        if not word:
            return None
        with self.core.store.transaction() as session:
            org = org_repo.organisation(session, key=self.core.org.key)
            people = org_repo.list_people(session, org_id=org.id)
            if word in ("af", "aandachtsfunctionaris"):
                af = org_repo.acting_af(session, org_id=org.id, on=self.core.today(self.core.clock()))
                return af.external_id if af else None
            by_role = {
                "plaatsvervanger": "is_deputy",
                "deputy": "is_deputy",
                "bestuur": "is_board",
                "beheerder": "is_admin",
                "admin": "is_admin",
            }
            for p in people:
                if word in by_role and getattr(p, by_role[word]):
                    return p.external_id
                if word == p.external_id.lower() or p.name.lower().startswith(word):
                    return p.external_id
        return None

    def people(self) -> list[tuple[str, str, str]]:
        """(id, name, roles) of the organisation's people, for the console's role switch."""
        with self.core.store.transaction() as session:
            org = org_repo.organisation(session, key=self.core.org.key)
            today = self.core.today(self.core.clock())
            af = org_repo.acting_af(session, org_id=org.id, on=today)
            out = [
                (p.external_id, p.name, wording.role_words(self.texts, p, acting_af=af))
                for p in org_repo.list_people(session, org_id=org.id)
            ]
            return out

    @operation("read")
    def access_log(self, call: Call, code: str) -> Reply:
        """Who accessed this case: time, role, action (for the case's members and the AF)."""

        case, _roles = self.core.case(call, code)
        people: dict[int | None, str] = {p.id: p.name for p in org_repo.list_people(call.session, org_id=call.org.id)}
        reasons = self.texts.raw("audit.reasons")
        lines = [
            self.texts(
                "audit.line",
                when=self.texts.datetime(e.at),
                who=people.get(e.user_id, "?"),
                role=self.texts(f"audit.roles.{e.role}"),
                what=self.texts(f"audit.events.{e.event}"),
                outcome=self.texts(f"audit.outcomes.{e.outcome}"),
                reason=reasons.get(e.reason, reasons["other"]) if e.outcome == "refused" else "",
            )
            for e in audit_repo.for_case(call.session, case_id=case.id)
        ]
        return Reply(
            messages=[
                Message(
                    self.texts("audit.title", code=case.code) + "\n" + "\n".join(lines),
                    tone="private",
                    case_code=case.code,
                )
            ]
        )

    def open_cases_of(self, actor: str) -> list[tuple[str, str]] | None:
        """(code, step) of the open cases this person is on, e.g. to pick one for a new signal; None when the
        request is refused (an unknown person, a replay)."""
        try:
            with self.core.call(actor) as call:
                out = []
                for case in case_repo.cases_of_member(call.session, org_id=call.org.id, person_id=call.person.id):
                    if case.current_node:
                        flow = self.flows[case.flow_version]
                        out.append((case.code, flow.steps[flow.nodes[case.current_node].step].title))
                self.core.audit(
                    call.session,
                    call.now,
                    "open_cases_of",
                    outcome="ok",
                    org_id=call.org.id,
                    case=None,
                    person=call.person,
                    roles=set(),
                )
                return out
        except Denied as exc:
            self.core.audit_apart(actor if isinstance(actor, str) else "", "open_cases_of", "refused", reason=exc.key)
            return None
